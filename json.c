/* SPDX-License-Identifier: MIT */
/*
 * json.c - strict JSON access over jsmn and the escaping string builder.
 *
 * jsmn is compiled here and only here (static, strict mode), before our
 * own header, because json.h needs jsmn's token type but must not pull
 * in a second copy of its code.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "json.h"
#include "ascii.h"

#include <limits.h>
#include <string.h>

/* RFC 8259 §2: insignificant white space. */
static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s[a..b) is white space around at most one separator sep (0: none). */
static bool
gap_ok(const char *s, int a, int b, char sep)
{
	while (a < b && is_ws(s[a])) {
		a++;
	}
	if (sep != 0) {
		if (a == b || s[a] != sep) {
			return false;
		}
		a++;
	}
	while (a < b && is_ws(s[a])) {
		a++;
	}
	return a == b;
}

/* RFC 8259 §3 and §6: true, false, null or a number, nothing else. */
static bool
primitive_ok(const char *s, int n)
{
	int i = 0, d;

	if ((n == 4 && (memcmp(s, "true", 4) == 0 ||
	    memcmp(s, "null", 4) == 0)) ||
	    (n == 5 && memcmp(s, "false", 5) == 0)) {
		return true;
	}
	i += i < n && s[i] == '-';
	if (i < n && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			continue;
		}
		if (i == d) {
			return false;
		}
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			continue;
		}
		if (i == d) {
			return false;
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		i += i < n && (s[i] == '+' || s[i] == '-');
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			continue;
		}
		if (i == d) {
			return false;
		}
	}
	return i == n;
}

/* Where token t begins and ends in the text: a string token leaves its
 * quotes out. */
static int
tok_begin(const jsmntok_t *t)
{
	return t->start - (t->type == JSMN_STRING);
}

static int
tok_finish(const jsmntok_t *t)
{
	return t->end + (t->type == JSMN_STRING);
}

/*
 * Checks the members of container i: between its children only the
 * separators JSON allows (',' between members or elements, ':' between
 * a key and its value), keys are strings, and the sizes jsmn counted
 * match (json_get() relies on them).
 */
static bool
container_ok(const struct json *j, int i)
{
	const jsmntok_t *t = j->tok, *c;
	bool obj = t[i].type == JSMN_OBJECT, key;
	int k, pos = t[i].start + 1;

	for (k = 0, c = &t[i + 1]; c < t + j->ntok && c->start < t[i].end;
	    k++, c = &t[json_skip(j, (int)(c - t))]) {
		key = obj && k % 2 == 0;
		if (!gap_ok(j->s, pos, tok_begin(c),
		    k == 0 ? 0 : key || !obj ? ',' : ':') ||
		    (key && c->type != JSMN_STRING) ||
		    (c->type == JSMN_STRING && c->size != (key ? 1 : 0)) ||
		    (c->type == JSMN_PRIMITIVE && c->size != 0)) {
			return false;
		}
		pos = tok_finish(c);
	}
	return gap_ok(j->s, pos, t[i].end - 1, 0) &&
	    (obj ? k % 2 == 0 && t[i].size == k / 2 : t[i].size == k);
}

/*
 * jsmn's strict mode still lets through what is not JSON: missing or
 * extra commas and colons ("[1 2]", "{\"a\":1,}", ",{}"), members
 * without a value ({"a","b":1}), keys in arrays, and any primitive that
 * starts like one ("tru", "01", "--1"). Such a document is refused
 * here, so that no two readers can see different members in it.
 */
static bool
well_formed(const struct json *j)
{
	const jsmntok_t *t = j->tok;
	int i;

	if (!gap_ok(j->s, 0, tok_begin(&t[0]), 0)) {
		return false;
	}
	for (i = 0; i < j->ntok; i++) {
		if (t[i].type == JSMN_PRIMITIVE ?
		    !primitive_ok(j->s + t[i].start, t[i].end - t[i].start) :
		    t[i].type != JSMN_STRING && !container_ok(j, i)) {
			return false;
		}
	}
	return true;
}

/* see json.h */
int
json_parse(struct json *j, const char *s, size_t len, jsmntok_t *tok,
    unsigned cap)
{
	jsmn_parser p;
	int n;
	size_t end;

	j->s = s;
	j->len = 0;
	j->tok = tok;
	j->ntok = 0;
	if (len > INT_MAX || cap == 0) {
		return -1;
	}
	jsmn_init(&p);
	n = jsmn_parse(&p, s, len, tok, cap);
	if (n < 1) {
		return -1;
	}
	/* jsmn stops at the end of the first value; only blanks may follow.
	 * A string token ends before its closing quote. */
	end = (size_t)tok[0].end + (tok[0].type == JSMN_STRING);
	while (end < len && (s[end] == ' ' || s[end] == '\t' ||
	    s[end] == '\r' || s[end] == '\n')) {
		end++;
	}
	j->ntok = n;
	if (end != len || json_skip(j, 0) != n || !well_formed(j)) {
		j->ntok = 0;
		return -1;
	}
	j->len = len;
	return 0;
}

/* see json.h */
int
json_skip(const struct json *j, int i)
{
	int end;

	if (i < 0 || i >= j->ntok) {
		return j->ntok;
	}
	/* Children lie inside their parent's [start, end) span. */
	end = j->tok[i].end;
	i++;
	while (i < j->ntok && j->tok[i].start < end) {
		i++;
	}
	return i;
}

/* see json.h */
bool
json_is(const struct json *j, int i, jsmntype_t t)
{
	return i >= 0 && i < j->ntok && j->tok[i].type == t;
}

/* True if string token i holds no escape: its raw text is its value. */
static bool
is_plain(const struct json *j, int i)
{
	const jsmntok_t *t = &j->tok[i];

	return memchr(j->s + t->start, '\\', (size_t)(t->end - t->start)) ==
	    NULL;
}

/* see json.h */
int
json_get(const struct json *j, int obj, const char *key)
{
	int i, n, k;

	if (!json_is(j, obj, JSMN_OBJECT)) {
		return -1;
	}
	n = j->tok[obj].size;
	i = obj + 1;
	for (k = 0; k < n && i + 1 < j->ntok; k++) {
		/* An escaped key ("st\u0061tus") is the same key once
		 * unescaped: compare values, so "first match wins" holds. */
		if (json_str_eq(j, i, key)) {
			return i + 1;
		}
		i = json_skip(j, i + 1);
	}
	return -1;
}

/* Reads 4 hex digits at s[0..4) (caller checked the length). */
static long
hex4(const char *s)
{
	long v = 0;
	int k, d;

	for (k = 0; k < 4; k++) {
		d = ascii_hexval((unsigned char)s[k]);
		if (d < 0) {
			return -1;
		}
		v = v * 16 + d;
	}
	return v;
}

/* Appends code point cp as UTF-8. */
static void
add_utf8(struct sbuf *b, long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sbuf_add(b, u, n);
}

/*
 * Decodes the \uXXXX escape at s[*k] (s[*k] == 'u'), joining a surrogate
 * pair. Returns the code point, or -1 for bad hex, \u0000 or a lone
 * surrogate.
 */
static long
unescape_u(const char *s, size_t n, size_t *k)
{
	long cp, lo;

	if (n - *k < 5 || (cp = hex4(s + *k + 1)) <= 0) {
		return -1;
	}
	*k += 4;
	if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return -1;
	}
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (n - *k < 7 || s[*k + 1] != '\\' || s[*k + 2] != 'u') {
			return -1;
		}
		lo = hex4(s + *k + 3);
		if (lo < 0xDC00 || lo > 0xDFFF) {
			return -1;
		}
		*k += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	return cp;
}

/* Maps the character after a backslash to what it stands for, or -1. */
static int
unescape_simple(char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return -1;
	}
}

/* see json.h */
int
json_str(const struct json *j, int i, char *out, size_t cap, size_t *out_len)
{
	struct sbuf b;
	const char *s;
	size_t n, k;
	long cp;
	int c;

	if (!json_is(j, i, JSMN_STRING) || cap == 0) {
		return -1;
	}
	s = j->s + j->tok[i].start;
	n = (size_t)(j->tok[i].end - j->tok[i].start);
	sbuf_init(&b, out, cap);
	for (k = 0; k < n && b.err == 0; k++) {
		if ((unsigned char)s[k] < 0x20) {
			return -1;
		}
		if (s[k] != '\\') {
			sbuf_add(&b, s + k, 1);
			continue;
		}
		if (++k == n) {
			return -1;
		}
		if (s[k] == 'u') {
			if ((cp = unescape_u(s, n, &k)) < 0) {
				return -1;
			}
			add_utf8(&b, cp);
		} else if ((c = unescape_simple(s[k])) >= 0) {
			sbuf_add(&b, &(char){ (char)c }, 1);
		} else {
			return -1;
		}
	}
	if (b.err != 0) {
		return -1;
	}
	if (out_len != NULL) {
		*out_len = b.len;
	}
	return 0;
}

/* see json.h */
int
json_get_str(const struct json *j, int obj, const char *key, char *out,
    size_t cap, size_t *out_len)
{
	return json_str(j, json_get(j, obj, key), out, cap, out_len);
}

/* see json.h */
bool
json_str_eq(const struct json *j, int i, const char *lit)
{
	char buf[256];
	size_t n, len = strlen(lit);

	if (!json_is(j, i, JSMN_STRING)) {
		return false;
	}
	if (is_plain(j, i)) {
		n = (size_t)(j->tok[i].end - j->tok[i].start);
		return n == len && memcmp(j->s + j->tok[i].start, lit, n) == 0;
	}
	if (json_str(j, i, buf, sizeof(buf), &n) != 0) {
		return false;
	}
	return n == len && memcmp(buf, lit, n) == 0;
}

/* see json.h */
bool
json_is_true(const struct json *j, int i)
{
	/* jsmn's strict mode checks only the first letter: check all. */
	return json_is(j, i, JSMN_PRIMITIVE) &&
	    j->tok[i].end - j->tok[i].start == 4 &&
	    memcmp(j->s + j->tok[i].start, "true", 4) == 0;
}

/* see json.h */
void
json_add_str(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	unsigned char c;
	size_t k;

	sbuf_add(b, "\"", 1);
	for (k = 0; k < n; k++) {
		c = (unsigned char)s[k];
		if (c == '"' || c == '\\') {
			sbuf_add(b, "\\", 1);
			sbuf_add(b, s + k, 1);
		} else if (c < 0x20 || c == 0x7F) {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sbuf_add(b, esc, sizeof(esc));
		} else {
			sbuf_add(b, s + k, 1);
		}
	}
	sbuf_add(b, "\"", 1);
}
