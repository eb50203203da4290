/* SPDX-License-Identifier: MIT */
/*
 * json.h - JSON reading over jsmn, and a bounded string builder that
 * writes escaped JSON.
 *
 * Why separate: every byte of an ACME reply is untrusted. This module is
 * the only place that looks at JSON syntax, so acme.c asks for "the
 * string member 'status' of this object" and gets a checked, unescaped,
 * bounded copy or an error. It allocates nothing, prints nothing, and
 * knows no ACME field names.
 */
#ifndef NANOACME_JSON_H
#define NANOACME_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Only the token type is needed here; json.c compiles jsmn itself. */
#ifndef JSMN_H
#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER
#endif

#include "config.h"
#include "fmt.h"

/* A parsed document: the text and its tokens (both owned by the caller). */
struct json {
	const char *s;
	size_t len;
	const jsmntok_t *tok;
	int ntok;
};

/*
 * Tokenizes s[0..len) (strict JSON, at most cap tokens) into tok. The
 * whole text must be one value (trailing blanks allowed). Returns 0 or
 * -1 (invalid, truncated, too many tokens, or len > INT_MAX).
 */
int json_parse(struct json *j, const char *s, size_t len, jsmntok_t *tok,
    unsigned cap);

/* Index of the token after token i and all its children. */
int json_skip(const struct json *j, int i);

/*
 * Index of the value of member key among the direct members of object
 * obj (nested objects are not searched), or -1 if obj is not an object
 * or has no such member. The first match wins.
 */
int json_get(const struct json *j, int obj, const char *key);

/* True if token i exists and is of type t (JSMN_OBJECT, ...). */
bool json_is(const struct json *j, int i, jsmntype_t t);

/*
 * Copies string token i, unescaped, into out[0..cap) with a terminating
 * NUL; *out_len (may be NULL) gets the length without it. Rejects
 * non-strings, \u0000 and raw control bytes, bad escapes and lone
 * surrogates, and a result that does not fit. Returns 0 or -1.
 */
int json_str(const struct json *j, int i, char *out, size_t cap,
    size_t *out_len);

/* json_get() then json_str(): the string member key of object obj. */
int json_get_str(const struct json *j, int obj, const char *key, char *out,
    size_t cap, size_t *out_len);

/*
 * True if token i is a string equal, once unescaped, to lit. A string
 * with escapes is compared through a 256-byte buffer: escaped strings
 * longer than that compare false.
 */
bool json_str_eq(const struct json *j, int i, const char *lit);

/* True if token i is the literal true. */
bool json_is_true(const struct json *j, int i);

/* Appends s[0..n) as a quoted JSON string, escaping ", \ and controls. */
void json_add_str(struct sbuf *b, const char *s, size_t n);

#endif /* NANOACME_JSON_H */
