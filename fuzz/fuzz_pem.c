/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pem.c - libFuzzer target: PEM reading as nanoacme does it on
 * the certificate chain a CA sends (pem_next() over every object, the
 * leaf's DER walk), on stored keys (key_from_pem()) and on --ca-file
 * (anchors_load()).
 *
 * Besides the sanitizers (and LeakSanitizer for anchors_load()), it
 * checks that every decoded object fits its buffer, that the iterator
 * always moves forward, and that an object written back with
 * pem_encode() decodes to the same bytes.
 */
#include "x509.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned char der[16384], der2[16384];
static char pem[24000];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct x509_cert c;
	struct anchors a;
	struct ec_key k;
	struct sbuf b;
	char name[64], name2[64];
	size_t pos = 0, last, len, len2, p2, skipped;
	int got, n = 0;

	for (;;) {
		last = pos;
		got = pem_next(text, size, &pos, name, sizeof(name), der,
		    sizeof(der), &len);
		if (got != 1) {
			break;
		}
		if (pos <= last || pos > size || len > sizeof(der) ||
		    strlen(name) >= sizeof(name) || ++n > 100000) {
			abort();
		}
		if (strcmp(name, "CERTIFICATE") == 0 &&
		    x509_parse(der, len, &c) == 0) {
			x509_has_name(&c, "a.example.test");
		}
		/* written back, it reads back the same */
		sbuf_init(&b, pem, sizeof(pem));
		if (pem_encode(name[0] != '\0' ? name : "X", der, len, &b) == 0) {
			p2 = 0;
			if (pem_next(b.p, b.len, &p2, name2, sizeof(name2), der2,
			    sizeof(der2), &len2) != 1 || len2 != len ||
			    memcmp(der, der2, len) != 0) {
				abort();
			}
		}
	}
	if (got != 0 && got != -1) {
		abort();
	}
	if (key_from_pem(&k, text, size) == 0) {
		if (k.pk.qlen != 65 || k.q[0] != 0x04) {
			abort();
		}
		key_wipe(&k);
	}
	if (anchors_load(&a, text, size, &skipped) == 0) {
		if (a.n == 0) {
			abort();
		}
		anchors_free(&a);
	} else if (a.ta != NULL || a.n != 0) {
		abort();
	}
	return 0;
}
