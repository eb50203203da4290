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
#include "runner.h"

static const char *const root_files[2] = {
	"/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt",
	"/usr/share/ca-certificates/mozilla/ISRG_Root_X2.crt"
};

/* Runs the chain der[0..len) through br_x509_minimal; returns its error. */
static int
validate(const unsigned char *der, size_t len)
{
	br_x509_minimal_context xc;
	const br_x509_class **v = &xc.vtable;
	int64_t now = (int64_t)time(NULL);

	br_x509_minimal_init(&xc, &br_sha256_vtable, roots_isrg, 2);
	br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_rsa(&xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(&xc, &br_ec_prime_i31,
	    &br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_set_time(&xc, (uint32_t)(now / 86400 + 719528),
	    (uint32_t)(now % 86400));
	(*v)->start_chain(v, NULL);
	(*v)->start_cert(v, (uint32_t)len);
	(*v)->append(v, der, len);
	(*v)->end_cert(v);
	return (int)(*v)->end_chain(v);
}

/* Reads the first certificate of PEM file path into der. */
static int
read_der(const char *path, unsigned char *der, size_t cap, size_t *len)
{
	static char text[16384];
	char name[64];
	size_t n, pos = 0;

	return store_read(path, text, sizeof(text), &n) == 0 &&
	    pem_next(text, n, &pos, name, sizeof(name), der, cap, len) == 1 ?
	    0 : -1;
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
	RUN(test_roots_validate);
	RUN(test_other_root_fails);
	return runner_done();
}
