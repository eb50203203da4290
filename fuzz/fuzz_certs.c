/* SPDX-License-Identifier: MIT */
/*
 * fuzz_certs.c - libFuzzer target: what renew reads back from the state
 * directory, which a rotting flash cell or a hand edit can make any
 * bytes: the settings file (conf_parse), the ARI memory (ari_parse),
 * and RFC 3339 times from a CA's renewalInfo (rfc3339_parse).
 *
 * Every parser gets the whole input. Besides the sanitizers it checks:
 * accepted settings format without error and read back as the same
 * settings, and format(parse(format(parse(x)))) == format(parse(x))
 * byte for byte; accepted ARI memory reads back the same; an accepted
 * time is printable ASCII whose fields date_split() gives back (a day
 * the month lacks would not); the due moment of the default rule lies
 * inside the certificate's lifetime.
 */
#include "certs.h"
#include "fmt.h"
#include "pem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/testutil.h"

#define MAX_IN 8192

static char text[MAX_IN + 1];
static char text2[2 * MAX_IN + 256];
static char out1[2 * MAX_IN + 256];
static char out2[2 * MAX_IN + 256];

/* Aborts unless a and b hold the same settings ("reuse-key no" is
 * not written, so it reads back as not given). */
static void
conf_check_eq(const struct conf *a, const struct conf *b)
{
	if (!conf_same_but_reuse(a, b) ||
	    (a->reuse_key == 1) != (b->reuse_key == 1)) {
		abort();
	}
}

static void
check_conf(size_t n)
{
	struct conf c, c2, c3;
	struct sbuf b1, b2;
	int bad;

	if (conf_parse(text, n, &c, &bad) != 0) {
		if (bad < 0) {
			abort();
		}
		return;
	}
	if (c.nnames == 0 || c.nnames > ACME_MAX_NAMES ||
	    (c.days != CONF_UNSET && (c.days < 0 || c.days > 3650))) {
		abort();
	}
	sbuf_init(&b1, out1, sizeof(out1));
	if (conf_format(&c, &b1) != 0) {
		abort();
	}
	memcpy(text2, out1, b1.len + 1);
	if (conf_parse(text2, b1.len, &c2, &bad) != 0) {
		abort();
	}
	conf_check_eq(&c, &c2);
	sbuf_init(&b2, out2, sizeof(out2));
	if (conf_format(&c2, &b2) != 0 || b2.len != b1.len ||
	    memcmp(out1, out2, b1.len) != 0) {
		abort();
	}
	/* merging settings onto themselves changes nothing */
	c3 = c2;
	conf_merge(&c3, &c2);
	conf_check_eq(&c2, &c3);
}

static void
check_ari(size_t n)
{
	struct ari_state a, a2;
	struct sbuf b;

	if (ari_parse(text, n, &a) != 0) {
		return;
	}
	if (a.next < 0 || a.at < 0) {
		abort();
	}
	sbuf_init(&b, out1, sizeof(out1));
	if (ari_format(&a, &b) != 0 || ari_parse(out1, b.len, &a2) != 0 ||
	    a2.next != a.next || a2.at != a.at) {
		abort();
	}
}

/* n decimal digits at s (already accepted by the parser). */
static int64_t
num(const char *s, int n)
{
	int64_t v = 0;

	while (n-- > 0) {
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static void
check_time(void)
{
	const char *s = text, *z;
	int64_t t, f[6], off = 0, want[6];
	size_t n = strlen(s), k;

	if (rfc3339_parse(s, &t) != 0) {
		return;
	}
	if (n < 20) {
		abort();
	}
	for (k = 0; k < n; k++) {
		if ((unsigned char)s[k] <= ' ' || (unsigned char)s[k] >= 0x7f) {
			abort();
		}
	}
	z = s + n - 1;
	if (*z != 'Z' && *z != 'z') {
		z = s + n - 6;
		off = (num(z + 1, 2) * 60 + num(z + 4, 2)) * 60;
		off = *z == '-' ? -off : off;
	}
	want[0] = num(s, 4);
	want[1] = num(s + 5, 2);
	want[2] = num(s + 8, 2);
	want[3] = num(s + 11, 2);
	want[4] = num(s + 14, 2);
	want[5] = num(s + 17, 2);
	if (t + off - 1 < 0) {
		return;       /* date_split() takes times from 1970 on */
	}
	/* a leap second is the next second: step back to :59 */
	date_split(t + off - (want[5] == 60), f);
	want[5] -= want[5] == 60;
	if (memcmp(f, want, sizeof(f)) != 0) {
		abort();
	}
}

static void
check_due(const uint8_t *data, size_t size)
{
	int32_t a, b;
	int64_t due;

	if (size < 8) {
		return;
	}
	memcpy(&a, data, 4);
	memcpy(&b, data + 4, 4);
	due = cert_due_at(a, b, CONF_UNSET);
	if (b > a ? due < a || due > b : due != a) {
		abort();
	}
	due = cert_due_at(a, b, data[0] % 100);
	if (due != (int64_t)b - (int64_t)(data[0] % 100) * 86400) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < MAX_IN ? size : MAX_IN;

	memcpy(text, data, n);
	text[n] = '\0';
	check_conf(n);
	memcpy(text, data, n);
	text[n] = '\0';
	check_ari(n);
	check_time();
	check_due(data, size);
	return 0;
}
