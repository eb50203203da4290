/* SPDX-License-Identifier: MIT */
/*
 * t_roots.c - the built-in Let's Encrypt roots (roots.h) are the real
 * ones: each root certificate from Debian's ca-certificates validates
 * against them with BearSSL's X.509 engine (its self-signature checked
 * with the built-in key), and an unrelated self-signed certificate does
 * not.
 */
#include <string.h>
#include <time.h>

#include <bearssl.h>

#include "../roots.h"
#include "../pem.h"
#include "../store.h"
#include "testutil.h"
#include "runner.h"

static const char *const root_files[2] = {
	"/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt",
	"/usr/share/ca-certificates/mozilla/ISRG_Root_X2.crt"
};

/* Runs the chain der[0..len) through br_x509_minimal; returns its error. */
static int
validate(const unsigned char *der, size_t len)
{
	return x509_validate(roots_isrg, 2, der, len);
}

static int
test_roots_validate(void)
{
	unsigned char der[4096];
	size_t len;
	int k;

	for (k = 0; k < 2; k++) {
		CHECK(read_der(root_files[k], der, sizeof(der), &len) == 0);
		CHECK(validate(der, len) == 0);
		/* a flipped signature byte must not validate */
		der[len - 1] ^= 1;
		CHECK(validate(der, len) != 0);
	}
	return 0;
}

static int
test_other_root_fails(void)
{
	static const char *const other =
	    "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";
	unsigned char der[4096];
	size_t len;

	CHECK(read_der(other, der, sizeof(der), &len) == 0);
	CHECK(validate(der, len) == BR_ERR_X509_NOT_TRUSTED);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_roots_validate);
	RUN(test_other_root_fails);
	return runner_done();
}
