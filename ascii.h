/* SPDX-License-Identifier: MIT */
/*
 * ascii.h - ASCII classes, digits, hex and case folding, once, for
 * every file that reads external bytes.
 *
 * Why not <ctype.h>: its functions are undefined for negative char
 * values and depend on the locale (STYLE §4; dropbear 86baa66f and
 * uhttpd 69f9cab dropped it for this). Why one header: copies drift.
 * alpn.c once folded case with `| 0x20` on every byte, which maps CR
 * (0x0d) to '-' (0x2d), so the SNI "a\rb.example" selected the entry of
 * "a-b.example". Here only 'A'..'Z' are folded. Everything is static
 * inline: no object file, no cost where unused. The arguments are
 * unsigned: pass an unsigned char, never a plain char.
 */
#ifndef NANOACME_ASCII_H
#define NANOACME_ASCII_H

#include <stdbool.h>
#include <stddef.h>

/* '0'..'9' */
static inline bool
ascii_isdigit(unsigned c)
{
	return c - '0' < 10;
}

/* 'A'..'Z' */
static inline bool
ascii_isupper(unsigned c)
{
	return c - 'A' < 26;
}

/* 'A'..'Z', 'a'..'z' */
static inline bool
ascii_isalpha(unsigned c)
{
	return c - 'A' < 26 || c - 'a' < 26;
}

/* 'A'..'Z' to 'a'..'z'; every other value unchanged. */
static inline unsigned
ascii_tolower(unsigned c)
{
	return c - 'A' < 26 ? c | 0x20 : c;
}

/* The value of hex digit c (either case), or -1. */
static inline int
ascii_hexval(unsigned c)
{
	if (ascii_isdigit(c)) {
		return (int)(c - '0');
	}
	c = ascii_tolower(c);
	return c - 'a' < 6 ? (int)(c - 'a' + 10) : -1;
}

/* space or tab: RFC 5234 WSP, RFC 9110 OWS, resolv.conf's blanks */
static inline bool
ascii_isblank(unsigned c)
{
	return c == ' ' || c == '\t';
}

/* 'A'..'Z', 'a'..'z', '0'..'9' */
static inline bool
ascii_isalnum(unsigned c)
{
	return ascii_isalpha(c) || ascii_isdigit(c);
}

/* RFC 4648 §5 base64url alphabet (no padding). */
static inline bool
ascii_is_b64url(unsigned c)
{
	return ascii_isalnum(c) || c == '-' || c == '_';
}

/* s[0..n) equals the lowercase literal lit, ignoring ASCII case. */
static inline bool
ascii_eq_nocase(const unsigned char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0' ||
		    ascii_tolower(s[i]) != (unsigned char)lit[i]) {
			return false;
		}
	}
	return lit[n] == '\0';
}

/* a[0..n) and b[0..n) are equal, ignoring ASCII case (only A-Z fold). */
static inline bool
ascii_memeq_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ascii_tolower((unsigned char)a[i]) !=
		    ascii_tolower((unsigned char)b[i])) {
			return false;
		}
	}
	return true;
}

/* C strings a and b are equal, ignoring ASCII case (only A-Z fold). */
static inline bool
ascii_streq_nocase(const char *a, const char *b)
{
	size_t i;

	for (i = 0; a[i] != '\0' || b[i] != '\0'; i++) {
		if (ascii_tolower((unsigned char)a[i]) !=
		    ascii_tolower((unsigned char)b[i])) {
			return false;
		}
	}
	return true;
}

/* The first n in short text h, or NULL: a plain scan, as musl's
 * strstr() costs 1 KB of a static build. */
static inline const char *
ascii_find(const char *h, const char *n)
{
	size_t k;

	for (; *h != '\0'; h++) {
		for (k = 0; n[k] != '\0' && h[k] == n[k]; k++) {
		}
		if (n[k] == '\0') {
			return h;
		}
	}
	return NULL;
}

#endif /* NANOACME_ASCII_H */
