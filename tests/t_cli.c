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
	for (k = 0; k < sizeof(bidi) / sizeof(bidi[0]); k++) {
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

static int
test_c1(void)
{
	/* raw 8-bit CSI and OSC, as a CA's problem document may hold */
	CHECK(clean_is("a\x9b" "31mred", 64, "a?31mred"));
	CHECK(clean_is("\x9d" "0;title\x07", 64, "?0;title?"));
	CHECK(clean_is("\x9b\x9d\x9c\x90\x80\x9f", 64, "??????"));
	/* the same code points in UTF-8: one '?' each */
	CHECK(clean_is("\xc2\x9b" "2J\xc2\x9d", 64, "?2J?"));
	CHECK(clean_is("\xc2\x80\xc2\x9f", 64, "??"));
	/* the neighbours are text: U+00A0, U+00E9 */
	CHECK(clean_is("\xc2\xa0\xc3\xa9", 64, "\xc2\xa0\xc3\xa9"));
	/* 7-bit controls and DEL, as before */
	CHECK(clean_is("a\x1b[2Jb\r\nc\td\x7f", 64, "a?[2Jb??c?d?"));
	return 0;
}

static int
test_malformed(void)
{
	/* overlong '/' and NUL, a lone continuation, C0/C1/F5+ leads */
	CHECK(clean_is("\xc0\xaf", 64, "??"));
	CHECK(clean_is("\xc1\xbf", 64, "??"));
	CHECK(clean_is("\xe0\x80\xaf", 64, "???"));
	CHECK(clean_is("\xf0\x80\x80\xaf", 64, "????"));
	CHECK(clean_is("\xc0\x80", 64, "??"));
	CHECK(clean_is("\x80" "a\xbf", 64, "?a?"));
	CHECK(clean_is("\xf5\x80\x80\x80", 64, "????"));
	CHECK(clean_is("\xff\xfe", 64, "??"));
	/* surrogates (CESU-8) and beyond U+10FFFF */
	CHECK(clean_is("\xed\xa0\x80", 64, "???"));
	CHECK(clean_is("\xed\xbf\xbf", 64, "???"));
	CHECK(clean_is("\xf4\x90\x80\x80", 64, "????"));
	/* cut sequences: at the end, and before ASCII */
	CHECK(clean_is("a\xe2\x82", 64, "a??"));
	CHECK(clean_is("\xe2\x82" "b", 64, "??b"));
	CHECK(clean_is("\xf0\x9f\x98", 64, "???"));
	/* the edges that are valid */
	CHECK(clean_is("\xed\x9f\xbf", 64, "\xed\x9f\xbf"));     /* U+D7FF */
	CHECK(clean_is("\xee\x80\x80", 64, "\xee\x80\x80"));     /* U+E000 */
	CHECK(clean_is("\xe0\xa0\x80", 64, "\xe0\xa0\x80"));     /* U+0800 */
	CHECK(clean_is("\xf0\x90\x80\x80", 64, "\xf0\x90\x80\x80"));
	CHECK(clean_is("\xf4\x8f\xbf\xbf", 64, "\xf4\x8f\xbf\xbf"));
	CHECK(clean_is("\xe2\x82\xac \xf0\x9f\x98\x80", 64,
	    "\xe2\x82\xac \xf0\x9f\x98\x80"));
	return 0;
}

static int
test_bidi(void)
{
	CHECK(clean_is("a\xe2\x80\xae" "cba", 64, "a?cba"));     /* RLO */
	CHECK(clean_is("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    64, "????"));
	CHECK(clean_is("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    64, "????"));
	/* neighbours stay: U+2029, U+202F, U+2065, U+206A */
	CHECK(clean_is("\xe2\x80\xa9\xe2\x80\xaf", 64,
	    "\xe2\x80\xa9\xe2\x80\xaf"));
	CHECK(clean_is("\xe2\x81\xa5\xe2\x81\xaa", 64,
	    "\xe2\x81\xa5\xe2\x81\xaa"));
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

static int
test_every_short_input(void)
{
	unsigned char s[4];
	unsigned a, b, c;

	for (a = 1; a < 256; a++) {
		s[0] = (unsigned char)a;
		CHECK(contract(s, 1));
		for (b = 1; b < 256; b++) {
			s[1] = (unsigned char)b;
			CHECK(contract(s, 2));
		}
	}
	for (a = 0xE0; a <= 0xEF; a++) {
		for (b = 1; b < 256; b++) {
			for (c = 1; c < 256; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)c;
				CHECK(contract(s, 3));
			}
		}
	}
	/* 4-byte leads against every second byte and edge third/fourth */
	for (a = 0xF0; a <= 0xF7; a++) {
		for (b = 1; b < 256; b++) {
			for (c = 0; c < 4; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)(0x7F + c * 0x20);
				s[3] = (unsigned char)(c == 3 ? 0xC0 : 0x80 + c);
				CHECK(contract(s, 4));
			}
		}
	}
	return 0;
}

int
main(void)
{
	RUN(test_c1);
	RUN(test_malformed);
	RUN(test_bidi);
	RUN(test_cap);
	RUN(test_every_short_input);
	return runner_done();
}
