/* SPDX-License-Identifier: MIT */
/*
 * t_cli.c - unit tests of cli.c's msg_clean(): what of a CA's words may
 * reach a terminal and syslog. Known answers for the C1 controls (CSI
 * 0x9b, OSC 0x9d, raw and UTF-8 encoded), malformed UTF-8 (overlong
 * forms, surrogates, beyond U+10FFFF, cut sequences) and bidi
 * overrides; then every input of 1 and 2 bytes and every 3-byte input
 * starting E0..EF checked against a validator written apart from it:
 * the output is always well-formed, safe UTF-8, and safe UTF-8 passes
 * unchanged.
 */
#include <stdbool.h>
#include <string.h>

#include "acme.h"

#include "runner.h"

/* Cleans s with a buffer of cap bytes and compares with want. */
static bool
clean_is(const char *s, size_t cap, const char *want)
{
	char out[256];

	memset(out, 'X', sizeof(out));
	msg_clean(s, out, cap);
	return strcmp(out, want) == 0 && out[strlen(want) + 1] == 'X';
}

/* The code points that must not be shown, defined apart from cli.c. */
static bool
unsafe_cp(unsigned long cp)
{
	static const unsigned long bidi[] = {
		0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
		0x2066, 0x2067, 0x2068, 0x2069
	};
	size_t k;

	if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) {
		return true;
	}
	for (k = 0; k < NELEM(bidi); k++) {
		if (cp == bidi[k]) {
			return true;
		}
	}
	return false;
}

/* True if s[0..n) is well-formed UTF-8 (RFC 3629) of safe characters:
 * decoded by bit pattern, then overlong, surrogate and range checks. */
static bool
valid_safe(const unsigned char *s, size_t n)
{
	static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long cp;
	size_t i = 0, len, k;

	while (i < n) {
		if (s[i] < 0x80) {
			len = 1;
			cp = s[i];
		} else if ((s[i] & 0xE0) == 0xC0) {
			len = 2;
			cp = s[i] & 0x1F;
		} else if ((s[i] & 0xF0) == 0xE0) {
			len = 3;
			cp = s[i] & 0x0F;
		} else if ((s[i] & 0xF8) == 0xF0) {
			len = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		if (len > n - i) {
			return false;
		}
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80) {
				return false;
			}
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min[len] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || unsafe_cp(cp)) {
			return false;
		}
		i += len;
	}
	return true;
}

/* msg_clean() of s[0..n) (no NUL inside) keeps the contract. */
static bool
contract(const unsigned char *s, size_t n)
{
	char in[8], out[8];
	size_t m;

	memcpy(in, s, n);
	in[n] = '\0';
	msg_clean(in, out, sizeof(out));
	m = strlen(out);
	if (m > n || !valid_safe((const unsigned char *)out, m)) {
		return false;
	}
	/* safe text passes unchanged */
	if (valid_safe(s, n) && (m != n || memcmp(out, s, n) != 0)) {
		return false;
	}
	/* in place gives the same */
	msg_clean(in, in, sizeof(in));
	return strcmp(in, out) == 0;
}

/* An input and what msg_clean() makes of it with room to spare. */
struct clean_case {
	const char *in, *want;
};

/* 0 if each of the n cases t cleans (cap 64) to its want, else the
 * line of the failed check (the case is named on stderr). */
static int
clean_cases(const struct clean_case *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK_CASE(clean_is(t[i].in, 64, t[i].want), i);
	}
	return 0;
}

/* C1 controls, raw and in UTF-8, and their neighbours. */
static const struct clean_case c1[] = {
	/* raw 8-bit CSI and OSC, as a CA's problem document may hold */
	{ "a\x9b" "31mred", "a?31mred" },
	{ "\x9d" "0;title\x07", "?0;title?" },
	{ "\x9b\x9d\x9c\x90\x80\x9f", "??????" },
	/* the same code points in UTF-8: one '?' each */
	{ "\xc2\x9b" "2J\xc2\x9d", "?2J?" },
	{ "\xc2\x80\xc2\x9f", "??" },
	/* the neighbours are text: U+00A0, U+00E9 */
	{ "\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9" },
	/* 7-bit controls and DEL, as before */
	{ "a\x1b[2Jb\r\nc\td\x7f", "a?[2Jb??c?d?" }
};

static int
test_c1(void)
{
	CHECK(clean_cases(c1, NELEM(c1)) == 0);
	return 0;
}

static int
test_malformed(void)
{
	static const struct clean_case t[] = {
		/* overlong '/' and NUL, a lone continuation, C0/C1/F5+ leads */
		{ "\xc0\xaf", "??" }, { "\xc1\xbf", "??" },
		{ "\xe0\x80\xaf", "???" }, { "\xf0\x80\x80\xaf", "????" },
		{ "\xc0\x80", "??" }, { "\x80" "a\xbf", "?a?" },
		{ "\xf5\x80\x80\x80", "????" }, { "\xff\xfe", "??" },
		/* surrogates (CESU-8) and beyond U+10FFFF */
		{ "\xed\xa0\x80", "???" }, { "\xed\xbf\xbf", "???" },
		{ "\xf4\x90\x80\x80", "????" },
		/* cut sequences: at the end, and before ASCII */
		{ "a\xe2\x82", "a??" }, { "\xe2\x82" "b", "??b" },
		{ "\xf0\x9f\x98", "???" },
		/* the edges that are valid: U+D7FF, U+E000, U+0800, ... */
		{ "\xed\x9f\xbf", "\xed\x9f\xbf" },
		{ "\xee\x80\x80", "\xee\x80\x80" },
		{ "\xe0\xa0\x80", "\xe0\xa0\x80" },
		{ "\xf0\x90\x80\x80", "\xf0\x90\x80\x80" },
		{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
		{ "\xe2\x82\xac \xf0\x9f\x98\x80",
		    "\xe2\x82\xac \xf0\x9f\x98\x80" }
	};

	CHECK(clean_cases(t, NELEM(t)) == 0);
	return 0;
}

static int
test_bidi(void)
{
	static const struct clean_case t[] = {
		{ "a\xe2\x80\xae" "cba", "a?cba" },     /* RLO */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "????" },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "????" },
		/* neighbours stay: U+2029, U+202F, U+2065, U+206A */
		{ "\xe2\x80\xa9\xe2\x80\xaf", "\xe2\x80\xa9\xe2\x80\xaf" },
		{ "\xe2\x81\xa5\xe2\x81\xaa", "\xe2\x81\xa5\xe2\x81\xaa" }
	};

	CHECK(clean_cases(t, NELEM(t)) == 0);
	return 0;
}

static int
test_cap(void)
{
	char buf[8] = "abc";

	/* cap 0 writes nothing; cap 1 only the NUL */
	msg_clean("xyz", buf, 0);
	CHECK(strcmp(buf, "abc") == 0);
	CHECK(clean_is("xyz", 1, ""));
	CHECK(clean_is("", 64, ""));
	CHECK(clean_is("xyz", 2, "x"));
	/* "x" + U+00E9: 3 bytes need cap 4; cap 3 must not cut it */
	CHECK(clean_is("x\xc3\xa9", 5, "x\xc3\xa9"));
	CHECK(clean_is("x\xc3\xa9", 4, "x\xc3\xa9"));
	CHECK(clean_is("x\xc3\xa9", 3, "x"));
	CHECK(clean_is("x\xc3\xa9", 2, "x"));
	CHECK(clean_is("\xf0\x9f\x98\x80", 5, "\xf0\x9f\x98\x80"));
	CHECK(clean_is("\xf0\x9f\x98\x80", 4, ""));
	/* a replaced character takes one byte */
	CHECK(clean_is("\xc2\x9b\xc2\x9b", 3, "??"));
	/* in place */
	memcpy(buf, "\x9b" "a\xc2\x9d" "b", 6);
	msg_clean(buf, buf, sizeof(buf));
	CHECK(strcmp(buf, "?a?b") == 0);
	return 0;
}

/*
 * contract() for every input of len bytes whose first byte is lo..hi:
 * with any second byte 1..255 (len 2 to 4), any third byte 1..255
 * (len 3), or (len 4) one of four edge pairs as third and fourth bytes.
 */
static int
sweep(unsigned lo, unsigned hi, size_t len)
{
	unsigned char s[4];
	unsigned a, b, c, nb = len >= 2 ? 255 : 1;
	unsigned nc = len == 3 ? 255 : len == 4 ? 4 : 1;

	for (a = lo; a <= hi; a++) {
		for (b = 1; b <= nb; b++) {
			for (c = 0; c < nc; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)(len == 3 ? c + 1 :
				    0x7F + c * 0x20);
				s[3] = (unsigned char)(c == 3 ? 0xC0 :
				    0x80 + c);
				CHECK(contract(s, len));
			}
		}
	}
	return 0;
}

static int
test_every_short_input(void)
{
	CHECK(sweep(1, 255, 1) == 0);
	CHECK(sweep(1, 255, 2) == 0);
	CHECK(sweep(0xE0, 0xEF, 3) == 0);
	/* 4-byte leads against every second byte and edge third/fourth */
	CHECK(sweep(0xF0, 0xF7, 4) == 0);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_c1);
	RUN(test_malformed);
	RUN(test_bidi);
	RUN(test_cap);
	RUN(test_every_short_input);
	return runner_done();
}
