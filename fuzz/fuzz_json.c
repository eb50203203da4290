/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - libFuzzer target: strict JSON parsing and the field
 * access acme.c does on ACME objects (directory, account, order,
 * authorization, challenge, problem with subproblems).
 *
 * Input: byte 0 picks the token cap (small caps test "too many
 * tokens"), the rest is the document. Besides the sanitizers it checks
 * the contract acme.c relies on: json_get() returns the value of a
 * direct member with that key, json_skip() moves forward within the
 * document, json_str() gives a bounded copy without NUL, and json_add_str() output reads back to what was written.
 */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {
	"newNonce", "newAccount", "newOrder", "meta", "termsOfService",
	"type", "detail", "identifier", "value", "subproblems", "status",
	"authorizations", "finalize", "certificate", "challenges", "url",
	"token", "error", "orders", "expires", "onlyReturnExisting", ""
};

static jsmntok_t tok[JSON_MAX_TOKENS];
static int parent[JSON_MAX_TOKENS];

/* Parents from the spans, as jsmn nests them: -1 for the root; the
 * value of a member has the object as parent, like its key. */
static void
parents(const struct json *j)
{
	int st[JSON_MAX_TOKENS], sp = 0, i;

	for (i = 0; i < j->ntok; i++) {
		while (sp > 0 && j->tok[i].start >= j->tok[st[sp - 1]].end) {
			sp--;
		}
		parent[i] = sp > 0 ? st[sp - 1] : -1;
		st[sp++] = i;
	}
}

/* json_str() into caps around the length: a checked, bounded copy
 * without NUL (escaped controls other than \\u0000 may be in it). */
static void
check_str(const struct json *j, int i)
{
	char out[512], part[80];
	size_t n, cap, m;
	int full;

	full = json_str(j, i, out, sizeof(out), &n);
	if (full == 0 && (n >= sizeof(out) || out[n] != '\0' ||
	    memchr(out, 0, n) != NULL)) {
		abort();
	}
	for (cap = 0; cap < sizeof(part); cap++) {
		int rc = json_str(j, i, part, cap, &m);

		/* fits exactly when cap > length; never partial success */
		if (rc == 0 && (full != 0 || m != n || cap <= n)) {
			abort();
		}
		if (rc != 0 && full == 0 && cap > n && n < sizeof(out)) {
			abort();
		}
	}
	if (full == 0 && n < 128 && !json_str_eq(j, i, out)) {
		abort();
	}
}

/* Raw text of string token i is exactly lit (a key without escapes). */
static int
raw_is(const struct json *j, int i, const char *lit)
{
	size_t n = strlen(lit);

	return j->tok[i].type == JSMN_STRING &&
	    (size_t)(j->tok[i].end - j->tok[i].start) == n &&
	    memcmp(j->s + j->tok[i].start, lit, n) == 0;
}

/*
 * What acme.c does with one object: look up every ACME member. The
 * answer must be the value of a direct member whose key is that name,
 * and the first one written plainly (keys and values alternate among
 * the object's direct children; jsmn's spans do not nest a value in
 * its key, so parent[] gives the object for both).
 */
static void
check_object(const struct json *j, int obj)
{
	char out[HTTP_MAX_URL];
	size_t k, n;
	int v, i, c, first;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		v = json_get(j, obj, keys[k]);
		first = -1;
		for (i = obj + 1, c = 0; i < j->ntok; i++) {
			if (parent[i] != obj) {
				continue;
			}
			if (c++ % 2 == 0 && first < 0 && raw_is(j, i, keys[k])) {
				first = i + 1;
			}
		}
		if (c != 2 * j->tok[obj].size) {
			abort();       /* not key, value, key, value, ... */
		}
		if (v < 0) {
			if (first >= 0) {
				abort();
			}
			continue;
		}
		if (v <= obj || v >= j->ntok || parent[v - 1] != obj ||
		    parent[v] != obj || !json_str_eq(j, v - 1, keys[k]) ||
		    (first >= 0 && v > first)) {
			abort();
		}
		/* a key position: an even number of children before it */
		for (i = obj + 1, c = 0; i < v - 1; i++) {
			c += parent[i] == obj;
		}
		if (c % 2 != 0) {
			abort();
		}
		if (json_get_str(j, obj, keys[k], out, sizeof(out), &n) == 0 &&
		    (n >= sizeof(out) || out[n] != '\0')) {
			abort();
		}
		json_str_eq(j, v, "valid");
		json_str_eq(j, v, "http-01");
	}
}

/* json_add_str() output parses back to the same bytes (no NUL in s). */
static void
check_writer(const uint8_t *s, size_t n)
{
	static char buf[6 * 4096 + 8];
	static jsmntok_t t[4];
	static char back[4096 + 1];
	struct json j;
	struct sbuf b;
	size_t m;

	if (n > 4096 || memchr(s, 0, n) != NULL) {
		return;
	}
	sbuf_init(&b, buf, sizeof(buf));
	sbuf_add(&b, "[", 1);
	json_add_str(&b, (const char *)s, n);
	sbuf_add(&b, "]", 1);
	if (b.err != 0 || json_parse(&j, b.p, b.len, t, 4) != 0 ||
	    j.ntok != 2 || json_str(&j, 1, back, sizeof(back), &m) != 0 ||
	    m != n || memcmp(back, s, n) != 0) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json j;
	unsigned cap;
	int i, next;

	if (size < 1) {
		return 0;
	}
	cap = data[0] < 16 ? data[0] : JSON_MAX_TOKENS;
	data++;
	size--;
	check_writer(data, size);
	if (json_parse(&j, (const char *)data, size, tok, cap) != 0) {
		return 0;
	}
	if (j.ntok < 1 || (unsigned)j.ntok > cap || j.len != size) {
		abort();
	}
	parents(&j);
	for (i = 0; i < j.ntok; i++) {
		next = json_skip(&j, i);
		if (next <= i || next > j.ntok) {
			abort();
		}
		if (j.tok[i].type == JSMN_OBJECT) {
			check_object(&j, i);
		} else if (j.tok[i].type == JSMN_STRING) {
			check_str(&j, i);
		}
	}
	json_skip(&j, -1);
	json_skip(&j, j.ntok);
	json_get(&j, -1, "status");
	json_get(&j, j.ntok, "status");
	return 0;
}
