/* SPDX-License-Identifier: MIT */
/*
 * fuzz_x509.c - libFuzzer target: the DER walk over a certificate
 * (x509_parse(): serial, issuer, validity dates for the renewal
 * decision, public key, subjectAltName, authorityKeyIdentifier) and the
 * checks nanoacme makes on an issued leaf (x509_has_name(),
 * x509_has_key()).
 *
 * Besides the sanitizers it checks that every slice x509_parse() hands
 * out lies inside the input, and that the dates are in the range the
 * DER time types can express.
 */
#include "x509.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Seconds since the epoch of 0000-01-01 and 10000-01-01. */
#define T_MIN (-62167219200LL)
#define T_MAX (253402300800LL)

static int
inside(const uint8_t *d, size_t n, const unsigned char *p, size_t len)
{
	return p == NULL ? len == 0 :
	    p >= d && len <= n && (size_t)(p - d) <= n - len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"a.example.test", "A.EXAMPLE.TEST", "b.example.test",
		"*.example.test", "127.0.0.1", "::1", "2001:db8::1",
		"localhost.test"
	};
	static struct ec_key k;
	static int have_key;
	struct x509_cert c;
	size_t i;

	if (!have_key) {
		/* any key: the question is only whether the walk stays sane */
		memset(&k, 0, sizeof(k));
		if (key_generate(&k) != 0) {
			abort();
		}
		have_key = 1;
	}
	if (x509_parse(data, size, &c) != 0) {
		return 0;
	}
	if (!inside(data, size, c.serial, c.serial_len) || c.serial == NULL ||
	    !inside(data, size, c.issuer, c.issuer_len) ||
	    !inside(data, size, c.spki, c.spki_len) || c.spki == NULL ||
	    !inside(data, size, c.san, c.san_len) ||
	    !inside(data, size, c.aki, c.aki_len) ||
	    c.not_before < T_MIN || c.not_before > T_MAX ||
	    c.not_after < T_MIN || c.not_after > T_MAX) {
		abort();
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		x509_has_name(&c, names[i]);
	}
	x509_has_key(&c, &k);
	return 0;
}
