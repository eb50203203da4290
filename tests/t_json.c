/* SPDX-License-Identifier: MIT */
/*
 * t_json.c - unit tests of json.c: strict parsing, direct-member lookup,
 * bounded unescaping, and the escaping string builder.
 */
#include <string.h>

#include "json.h"

#include "runner.h"

#define NTOK 64

static jsmntok_t tok[NTOK];

/* Parses NUL-terminated s with all NTOK tokens. */
static int
parse(struct json *j, const char *s)
{
	return json_parse(j, s, strlen(s), tok, NTOK);
}

static int
test_parse_valid(void)
{
	struct json j;

	CHECK(parse(&j, "{\"a\":1,\"b\":[true,null],\"c\":\"x\"}") == 0);
	CHECK(j.ntok == 9);
	CHECK(j.tok[0].type == JSMN_OBJECT);
	CHECK(j.tok[0].size == 3);
	CHECK(j.len == strlen("{\"a\":1,\"b\":[true,null],\"c\":\"x\"}"));
	/* Blanks around the one value are allowed. */
	CHECK(parse(&j, " \t\r\n{}\r\n \t") == 0);
	CHECK(j.ntok == 1);
	CHECK(parse(&j, "[]") == 0);
	CHECK(parse(&j, "[1,\"a\",{}]") == 0);
	CHECK(j.ntok == 4);
	return 0;
}

/*
 * RFC 8259 §2: a JSON text is any value, and json.h promises "the whole
 * text must be one value". jsmn's string token ends before the closing
 * quote, so a root string must still be accepted.
 */
static int
test_parse_root_string(void)
{
	struct json j;

	CHECK(parse(&j, "\"s\"") == 0);
	CHECK(j.ntok == 1 && json_str_eq(&j, 0, "s"));
	CHECK(parse(&j, "\"\" ") == 0);
	CHECK(parse(&j, "\"s\"x") != 0);
	return 0;
}

static int
test_parse_reject(void)
{
	/* A text and its length (T: the literal, NUL bytes included). */
#define T(x) { x, sizeof(x) - 1 }
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		T("{\"a\":1}x"), T("{\"a\":1} x"), T("{\"a\":1}}"),
		T("{\"a\":1}]"), T("{}{}"), T("{} {}"), T("[] \"x\""),
		T("\"a\" \"b\""),
		/* Truncated at every length. */
		T("{\"a\":[1,2],\"b\":\"c\""), T("{\"a\":[1,2],\"b\":\"c"),
		T("{\"a\":[1,2],\"b\":"), T("{\"a\":[1,2"), T("{\"a"), T("{"),
		T("\"abc"), T("[1,"),
		/* Empty and blank-only input. */
		T(""), { "{}", 0 }, T("   "),
		/* Not JSON (strict mode). */
		T("{a:1}"), T("{'a':1}"), T("{\"a\" 1}"), T("{\"a\":xyz}"),
		T("{1:2}"), T("{{}:2}"), T("{\"a\":\"\\x\"}"),
		T("{\"a\":\"\\u12\"}"),
		/* A NUL byte inside len is not the end of the text. */
		T("{}\0"), T("{\"a\":\"b\0c\"}")
	};
#undef T
	struct json j;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		CHECK_CASE(json_parse(&j, bad[i].s, bad[i].len, tok, NTOK) != 0,
		    i);
	}
	/* On failure nothing usable is published. */
	CHECK(parse(&j, "{\"a\":1}x") != 0);
	CHECK(j.ntok == 0);
	CHECK(json_get(&j, 0, "a") == -1);
	return 0;
}

static int
test_parse_token_cap(void)
{
	struct json j;
	const char *s = "[1,2,3]";  /* 4 tokens */

	CHECK(json_parse(&j, s, strlen(s), tok, 0) != 0);
	CHECK(json_parse(&j, s, strlen(s), tok, 1) != 0);
	CHECK(json_parse(&j, s, strlen(s), tok, 2) != 0);
	CHECK(json_parse(&j, s, strlen(s), tok, 3) != 0);   /* cap-1 */
	CHECK(json_parse(&j, s, strlen(s), tok, 4) == 0);   /* cap */
	CHECK(j.ntok == 4);
	CHECK(json_parse(&j, s, strlen(s), tok, 5) == 0);   /* cap+1 */
	CHECK(j.ntok == 4);
	/* One token. */
	CHECK(json_parse(&j, "[]", 2, tok, 1) == 0);
	CHECK(j.ntok == 1);
	CHECK(json_parse(&j, "[[]]", 4, tok, 1) != 0);
	return 0;
}

static int
test_parse_len_not_nul(void)
{
	struct json j;
	/* Only s[0..len) is read: what follows does not matter. */
	const char s[] = { '{', '}', 'x', 'y' };

	CHECK(json_parse(&j, s, 2, tok, NTOK) == 0);
	CHECK(json_parse(&j, s, 3, tok, NTOK) != 0);
	CHECK(json_parse(&j, "{}", 1, tok, NTOK) != 0);
	return 0;
}

static int
test_get_direct(void)
{
	struct json j;
	const char *s = "{\"inner\":{\"status\":\"nested\",\"k\":[{\"status\":1}]},"
	    "\"arr\":[\"status\",{\"status\":2}],\"x\":\"status\","
	    "\"status\":\"top\",\"status\":\"second\"}";
	int i;

	CHECK(parse(&j, s) == 0);
	i = json_get(&j, 0, "status");
	CHECK(i > 0);
	CHECK(json_str_eq(&j, i, "top"));       /* first match wins */
	CHECK(!json_str_eq(&j, i, "second"));
	CHECK(!json_str_eq(&j, i, "nested"));
	/* A key only present in nested objects is not found. */
	CHECK(parse(&j, "{\"a\":{\"b\":1},\"c\":[{\"b\":2}],\"d\":\"b\"}") == 0);
	CHECK(json_get(&j, 0, "b") == -1);
	CHECK(json_get(&j, 0, "d") > 0);
	CHECK(json_str_eq(&j, json_get(&j, 0, "d"), "b"));
	/* But it is found when we hold the nested object. */
	i = json_get(&j, 0, "a");
	CHECK(json_is(&j, i, JSMN_OBJECT));
	CHECK(json_get(&j, i, "b") == i + 2);
	CHECK(json_is(&j, json_get(&j, i, "b"), JSMN_PRIMITIVE));
	/* Keys match exactly, not by prefix. */
	CHECK(json_get(&j, 0, "") == -1);
	CHECK(json_get(&j, 0, "aa") == -1);
	CHECK(parse(&j, "{\"ab\":1}") == 0);
	CHECK(json_get(&j, 0, "a") == -1);
	CHECK(json_get(&j, 0, "ab") == 2);
	/* A value that is a string equal to the key is not a key. */
	CHECK(parse(&j, "{\"x\":\"y\",\"z\":1}") == 0);
	CHECK(json_get(&j, 0, "y") == -1);
	/* Empty object. */
	CHECK(parse(&j, "{}") == 0);
	CHECK(json_get(&j, 0, "a") == -1);
	return 0;
}

static int
test_get_non_object(void)
{
	struct json j;

	CHECK(parse(&j, "[\"a\",1]") == 0);
	CHECK(json_get(&j, 0, "a") == -1);
	CHECK(parse(&j, "[\"a\",{\"a\":1}]") == 0);
	CHECK(json_get(&j, 1, "a") == -1);      /* a string */
	CHECK(json_get(&j, 2, "a") == 4);       /* the object next to it */
	CHECK(parse(&j, "{\"a\":{\"b\":1}}") == 0);
	CHECK(json_get(&j, 1, "a") == -1);      /* a key string */
	CHECK(json_get(&j, -1, "a") == -1);
	CHECK(json_get(&j, 99, "a") == -1);
	CHECK(json_get(&j, j.ntok, "a") == -1);
	return 0;
}

static int
test_skip_nested(void)
{
	struct json j;
	int i;

	/* tokens: 0 {, 1 "a", 2 [, 3 [, 4 1, 5 {, 6 "b", 7 [, 8 2, 9 3,
	 * 10 {, 11 "c", 12 {}, 13 "d", 14 true */
	CHECK(parse(&j, "{\"a\":[[1,{\"b\":[2,3]}],{\"c\":{}}],\"d\":true}")
	    == 0);
	CHECK(j.ntok == 15);
	CHECK(json_skip(&j, 0) == 15);
	CHECK(json_skip(&j, 1) == 2);
	CHECK(json_skip(&j, 2) == 13);
	CHECK(json_skip(&j, 3) == 10);
	CHECK(json_skip(&j, 5) == 10);
	CHECK(json_skip(&j, 7) == 10);
	CHECK(json_skip(&j, 10) == 13);
	CHECK(json_skip(&j, 12) == 13);
	CHECK(json_skip(&j, 14) == 15);
	CHECK(json_skip(&j, -1) == j.ntok);
	CHECK(json_skip(&j, 15) == j.ntok);
	i = json_get(&j, 0, "d");
	CHECK(i == 14);
	CHECK(json_get(&j, 0, "c") == -1);
	CHECK(json_get(&j, 0, "b") == -1);
	return 0;
}

/* Unescapes the value of member "s" of the one-member object doc. */
static int
unesc(const char *doc, char *out, size_t cap, size_t *n)
{
	struct json j;

	if (parse(&j, doc) != 0) {
		return -2;
	}
	return json_get_str(&j, 0, "s", out, cap, n);
}

static int
test_str_escapes(void)
{
	/* A document, and "s" unescaped (T: want as a literal). */
#define T(doc, want) { doc, want, sizeof(want) - 1 }
	static const struct {
		const char *doc, *want;
		size_t len;
	} t[] = {
		T("{\"s\":\"plain\"}", "plain"),
		T("{\"s\":\"\"}", ""),
		T("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t"),
		T("{\"s\":\"a\\u0041\\u00e9\"}", "aA\xC3\xA9"),
		T("{\"s\":\"\\u00E9\\u20AC\\u07ff\"}",
		    "\xC3\xA9\xE2\x82\xAC\xDF\xBF"),
		T("{\"s\":\"\\ud83d\\ude00!\"}", "\xF0\x9F\x98\x80!"),
		T("{\"s\":\"\\uDBFF\\uDFFF\"}", "\xF4\x8F\xBF\xBF"),
		/* Raw UTF-8 passes through. */
		T("{\"s\":\"\xC3\xA9\"}", "\xC3\xA9")
	};
#undef T
	char out[64];
	size_t i, n;

	for (i = 0; i < NELEM(t); i++) {
		n = 99;
		CHECK_CASE(unesc(t[i].doc, out, sizeof(out), &n) == 0, i);
		CHECK_CASE(n == t[i].len, i);
		CHECK_CASE(memcmp(out, t[i].want, t[i].len + 1) == 0, i);
	}
	/* out_len may be NULL. */
	CHECK(unesc("{\"s\":\"ab\"}", out, sizeof(out), NULL) == 0);
	CHECK(strcmp(out, "ab") == 0);
	return 0;
}

static int
test_str_reject(void)
{
	char out[64];
	size_t n;

	/* Lone surrogates, in every position. */
	CHECK(unesc("{\"s\":\"\\ud83d\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ud83dx\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ud83dxxxxxx\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ud83d\\n\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ud83d\\u0041\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ud83d\\ud83d\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ude00\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"a\\udfff\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"\\ude00\\ud83d\"}", out, sizeof(out), &n) == -1);
	/* \u0000 */
	CHECK(unesc("{\"s\":\"\\u0000\"}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":\"a\\u0000b\"}", out, sizeof(out), &n) == -1);
	/* Raw control bytes. */
	CHECK(unesc("{\"s\":\"a\x01z\"}", out, sizeof(out), &n) != 0);
	CHECK(unesc("{\"s\":\"a\nz\"}", out, sizeof(out), &n) != 0);
	CHECK(unesc("{\"s\":\"\x1f\"}", out, sizeof(out), &n) != 0);
	/* Not a string. */
	CHECK(unesc("{\"s\":1}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":null}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"s\":[\"a\"]}", out, sizeof(out), &n) == -1);
	CHECK(unesc("{\"t\":\"a\"}", out, sizeof(out), &n) == -1);
	return 0;
}

/*
 * json_str on hand-made tokens, for what strict jsmn already refuses at
 * parse time: json_str must stand on its own.
 */
static int
test_str_raw_tokens(void)
{
	static const char *bad[] = {
		"\\x", "a\\", "\\", "\\u", "\\u00", "\\u00g0", "\\U0041",
		"\\u0000", "\\ud800", "\\udc00", "a\x01", "\x7f\x1f", "\\'",
	};
	jsmntok_t t[1];
	struct json j;
	char out[16];
	size_t k, n;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		t[0].type = JSMN_STRING;
		t[0].start = 0;
		t[0].end = (int)strlen(bad[k]);
		t[0].size = 0;
		j.s = bad[k];
		j.len = strlen(bad[k]);
		j.tok = t;
		j.ntok = 1;
		if (json_str(&j, 0, out, sizeof(out), &n) != -1) {
			fprintf(stderr, "  accepted: \"%s\"\n", bad[k]);
			CHECK(0);
		}
	}
	/* The same tokens accept a good escape (the test can pass). */
	j.s = "\\u0041";
	t[0].end = 6;
	CHECK(json_str(&j, 0, out, sizeof(out), &n) == 0);
	CHECK(n == 1 && out[0] == 'A');
	/* Token type is checked. */
	t[0].type = JSMN_PRIMITIVE;
	CHECK(json_str(&j, 0, out, sizeof(out), &n) == -1);
	return 0;
}

static int
test_str_cap(void)
{
	struct json j;
	char out[8];
	size_t n;

	/* "abcde": 5 bytes + NUL. */
	CHECK(parse(&j, "[\"abcde\"]") == 0);
	memset(out, 'X', sizeof(out));
	CHECK(json_str(&j, 1, out, 6, &n) == 0);        /* exactly len+1 */
	CHECK(n == 5 && memcmp(out, "abcde", 6) == 0);
	CHECK(out[6] == 'X');                            /* no overrun */
	CHECK(json_str(&j, 1, out, 7, &n) == 0);
	CHECK(json_str(&j, 1, out, 5, &n) == -1);       /* one short */
	CHECK(json_str(&j, 1, out, 4, &n) == -1);
	CHECK(json_str(&j, 1, out, 1, &n) == -1);
	CHECK(json_str(&j, 1, out, 0, &n) == -1);
	/* Empty string: cap 1 is enough, cap 0 is not. */
	CHECK(parse(&j, "[\"\"]") == 0);
	CHECK(json_str(&j, 1, out, 1, &n) == 0 && n == 0 && out[0] == 0);
	CHECK(json_str(&j, 1, out, 0, &n) == -1);
	/* One byte. */
	CHECK(parse(&j, "[\"z\"]") == 0);
	CHECK(json_str(&j, 1, out, 1, &n) == -1);
	CHECK(json_str(&j, 1, out, 2, &n) == 0 && n == 1);
	/* Strings are read from the token, the array is not a string. */
	CHECK(json_str(&j, 0, out, sizeof(out), &n) == -1);
	/* Multi-byte output: "\u00e9" is 2 bytes out of 6 in. */
	CHECK(parse(&j, "[\"\\u00e9\"]") == 0);
	CHECK(json_str(&j, 1, out, 3, &n) == 0 && n == 2);
	CHECK(json_str(&j, 1, out, 2, &n) == -1);
	/* A 4-byte sequence that does not fit whole is refused. */
	CHECK(parse(&j, "[\"\\ud83d\\ude00\"]") == 0);
	CHECK(json_str(&j, 1, out, 5, &n) == 0 && n == 4);
	CHECK(json_str(&j, 1, out, 4, &n) == -1);
	CHECK(json_str(&j, 1, out, 2, &n) == -1);
	return 0;
}

static int
test_get_str(void)
{
	struct json j;
	char out[16];
	size_t n;

	CHECK(parse(&j, "{\"status\":\"valid\",\"n\":3,\"o\":{\"k\":\"v\"}}")
	    == 0);
	CHECK(json_get_str(&j, 0, "status", out, sizeof(out), &n) == 0);
	CHECK(n == 5 && strcmp(out, "valid") == 0);
	CHECK(json_get_str(&j, 0, "status", out, 5, &n) == -1);
	CHECK(json_get_str(&j, 0, "status", out, 6, &n) == 0);
	CHECK(json_get_str(&j, 0, "n", out, sizeof(out), &n) == -1);
	CHECK(json_get_str(&j, 0, "o", out, sizeof(out), &n) == -1);
	CHECK(json_get_str(&j, 0, "k", out, sizeof(out), &n) == -1);
	CHECK(json_get_str(&j, 0, "missing", out, sizeof(out), &n) == -1);
	CHECK(json_get_str(&j, json_get(&j, 0, "o"), "k", out, sizeof(out),
	    &n) == 0);
	CHECK(strcmp(out, "v") == 0);
	return 0;
}

static int
test_str_eq(void)
{
	struct json j;
	char doc[400], lit[200];
	int i;

	CHECK(parse(&j, "{\"a\":\"valid\",\"b\":\"va\\u006cid\",\"c\":1,"
	    "\"d\":\"\",\"e\":\"\\u0000\"}") == 0);
	CHECK(json_str_eq(&j, json_get(&j, 0, "a"), "valid"));
	CHECK(json_str_eq(&j, json_get(&j, 0, "b"), "valid"));   /* unescaped */
	CHECK(!json_str_eq(&j, json_get(&j, 0, "a"), "vali"));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "a"), "valid!"));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "a"), "Valid"));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "a"), ""));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "c"), "1"));
	CHECK(json_str_eq(&j, json_get(&j, 0, "d"), ""));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "e"), ""));
	CHECK(!json_str_eq(&j, json_get(&j, 0, "zz"), "valid"));
	CHECK(!json_str_eq(&j, -1, ""));
	/* A key token is a string too. */
	CHECK(json_str_eq(&j, 1, "a"));
	/* Long strings: the contract has no length limit. */
	memset(lit, 'q', sizeof(lit) - 1);
	lit[sizeof(lit) - 1] = '\0';
	snprintf(doc, sizeof(doc), "[\"%s\"]", lit);
	CHECK(parse(&j, doc) == 0);
	i = 1;
	CHECK(!json_str_eq(&j, i, "q"));
	CHECK(json_str_eq(&j, i, lit));
	return 0;
}

static int
test_sbuf(void)
{
	struct sbuf b;
	char p[8];

	memset(p, 'X', sizeof(p));
	sbuf_init(&b, p, 4);
	CHECK(b.len == 0 && b.err == 0 && p[0] == '\0');
	sbuf_adds(&b, "");
	CHECK(b.len == 0 && b.err == 0);
	sbuf_adds(&b, "ab");
	CHECK(b.len == 2 && b.err == 0 && strcmp(p, "ab") == 0);
	sbuf_add(&b, "c", 1);                   /* fills cap-1 + NUL */
	CHECK(b.len == 3 && b.err == 0 && strcmp(p, "abc") == 0);
	sbuf_add(&b, "", 0);                    /* nothing still fits */
	CHECK(b.len == 3 && b.err == 0);
	sbuf_add(&b, "d", 1);                   /* one over */
	CHECK(b.err != 0 && b.len == 3 && strcmp(p, "abc") == 0);
	CHECK(p[4] == 'X');
	/* Sticky: later appends do nothing, even ones that would fit. */
	sbuf_add(&b, "", 0);
	CHECK(b.err != 0 && b.len == 3);
	b.len = 0;
	sbuf_adds(&b, "z");
	CHECK(b.err != 0 && p[0] == 'a');
	/* An append bigger than cap at once. */
	sbuf_init(&b, p, 4);
	sbuf_adds(&b, "abcd");
	CHECK(b.err != 0 && b.len == 0 && p[0] == '\0');
	/* Cap 1: only the NUL fits. */
	memset(p, 'X', sizeof(p));
	sbuf_init(&b, p, 1);
	CHECK(b.err == 0 && p[0] == '\0');
	sbuf_add(&b, "", 0);
	CHECK(b.err == 0);
	sbuf_add(&b, "a", 1);
	CHECK(b.err != 0 && p[0] == '\0' && p[1] == 'X');
	/* Cap 0: nothing fits, not even the NUL; p is not touched. */
	p[0] = 'Y';
	sbuf_init(&b, p, 0);
	CHECK(b.err != 0 && p[0] == 'Y');
	sbuf_add(&b, "a", 1);
	CHECK(b.err != 0 && p[0] == 'Y' && b.len == 0);
	sbuf_init(&b, NULL, 0);
	sbuf_adds(&b, "a");
	CHECK(b.err != 0);
	/* Cap 2. */
	sbuf_init(&b, p, 2);
	sbuf_adds(&b, "a");
	CHECK(b.err == 0 && strcmp(p, "a") == 0);
	sbuf_adds(&b, "b");
	CHECK(b.err != 0 && strcmp(p, "a") == 0);
	return 0;
}

/* json_add_str(s[0..n)) into out; returns b.err. */
static int
addstr(const char *s, size_t n, char *out, size_t cap, size_t *len)
{
	struct sbuf b;

	sbuf_init(&b, out, cap);
	json_add_str(&b, s, n);
	*len = b.len;
	return b.err;
}

static int
test_add_str(void)
{
	char out[128];
	size_t n;

	CHECK(addstr("", 0, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"\"") == 0 && n == 2);
	CHECK(addstr("abc", 3, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"abc\"") == 0);
	CHECK(addstr("a\"b\\c/", 6, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"a\\\"b\\\\c/\"") == 0);
	CHECK(addstr("\n\r\t\x01\x1f\x7f", 6, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"\\u000a\\u000d\\u0009\\u0001\\u001f\\u007f\"")
	    == 0);
	/* An embedded NUL is escaped, not a terminator. */
	CHECK(addstr("a\0b", 3, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"a\\u0000b\"") == 0);
	/* Only n bytes are read. */
	CHECK(addstr("abc", 1, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"a\"") == 0);
	/* UTF-8 passes through unchanged. */
	CHECK(addstr("\xC3\xA9", 2, out, sizeof(out), &n) == 0);
	CHECK(strcmp(out, "\"\xC3\xA9\"") == 0);
	/* Cap: "\"a\\\"\"" is 5 bytes + NUL. */
	CHECK(addstr("a\"", 2, out, 6, &n) == 0);
	CHECK(n == 5);
	CHECK(addstr("a\"", 2, out, 5, &n) != 0);
	CHECK(addstr("\x01", 1, out, 9, &n) == 0);      /* "\u0001" */
	CHECK(addstr("\x01", 1, out, 8, &n) != 0);
	CHECK(addstr("", 0, out, 3, &n) == 0);
	CHECK(addstr("", 0, out, 2, &n) != 0);
	return 0;
}

static int
test_add_str_roundtrip(void)
{
	char in[256], doc[1600], out[256];
	struct sbuf b;
	struct json j;
	size_t n, k;

	/* Every byte 0x01..0xFF but as valid JSON text: bytes >= 0x80 are
	 * sent as a valid UTF-8 sequence, so use 0x01..0x7F here. */
	for (k = 0; k < 127; k++) {
		in[k] = (char)(k + 1);
	}
	sbuf_init(&b, doc, sizeof(doc));
	sbuf_adds(&b, "{\"k\":");
	json_add_str(&b, in, 127);
	sbuf_adds(&b, "}");
	CHECK(b.err == 0);
	CHECK(json_parse(&j, doc, b.len, tok, NTOK) == 0);
	CHECK(json_get_str(&j, 0, "k", out, sizeof(out), &n) == 0);
	CHECK(n == 127);
	CHECK(memcmp(out, in, 127) == 0);
	/* Quotes and backslashes only, and UTF-8. */
	sbuf_init(&b, doc, sizeof(doc));
	sbuf_adds(&b, "[");
	json_add_str(&b, "\"\\\\\"\xE2\x82\xAC", 7);
	sbuf_adds(&b, "]");
	CHECK(b.err == 0);
	CHECK(json_parse(&j, doc, b.len, tok, NTOK) == 0);
	CHECK(json_str(&j, 1, out, sizeof(out), &n) == 0);
	CHECK(n == 7 && memcmp(out, "\"\\\\\"\xE2\x82\xAC", 7) == 0);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_parse_valid);
	RUN(test_parse_root_string);
	RUN(test_parse_reject);
	RUN(test_parse_token_cap);
	RUN(test_parse_len_not_nul);
	RUN(test_get_direct);
	RUN(test_get_non_object);
	RUN(test_skip_nested);
	RUN(test_str_escapes);
	RUN(test_str_reject);
	RUN(test_str_raw_tokens);
	RUN(test_str_cap);
	RUN(test_get_str);
	RUN(test_str_eq);
	RUN(test_sbuf);
	RUN(test_add_str);
	RUN(test_add_str_roundtrip);
	return runner_done();
}
