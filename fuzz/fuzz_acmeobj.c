/* SPDX-License-Identifier: MIT */
/*
 * fuzz_acmeobj.c - libFuzzer target: every decoder of acmeobj.c on any
 * JSON a CA could send, as acme.c and proof.c call them.
 *
 * Input: the reply body. Besides the sanitizers it checks the contract
 * the flow relies on: a directory that decodes has its three required
 * URLs; every copied string is NUL-terminated within its field; counts
 * agree with what the element accessors find; a challenge that decodes
 * has a type; a problem that decodes has a token of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeobj.h"

static jsmntok_t tok[JSON_MAX_TOKENS];

/* A field must end inside itself: memchr, not strlen, proves it. */
#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void
check_directory(const struct json *j)
{
	struct directory d;

	if (obj_directory(j, &d) == 0 && (d.new_nonce[0] == '\0' ||
	    d.new_account[0] == '\0' || d.new_order[0] == '\0')) {
		abort();
	}
	if (!TERMINATED(d.tos) || !TERMINATED(d.issuer) ||
	    !TERMINATED(d.hash_prefix) || !TERMINATED(d.renewal_info)) {
		abort();
	}
	(void)obj_profile(j, "default");
}

static void
check_order(const struct json *j)
{
	char url[HTTP_MAX_URL];
	struct acme_order o;
	int k, got = 0;

	obj_order(j, &o);
	if (!TERMINATED(o.status) || !TERMINATED(o.finalize) ||
	    !TERMINATED(o.certificate) || o.error >= j->ntok) {
		abort();
	}
	for (k = 0; k < o.nauthz && k < 200; k++) {
		got += obj_nth_str(j, 0, "authorizations", k, url,
		    sizeof(url)) == 0;
	}
	if (o.nauthz < 0 && got != 0) {
		abort();
	}
}

static void
check_authz(const struct json *j)
{
	const char *issuers[8];
	char names[1024];
	struct acme_authz z;
	struct acme_chall c;
	size_t n, m;
	int k;

	if (obj_authz(j, &z) == 0 && !TERMINATED(z.ident)) {
		abort();
	}
	for (k = 0; k < z.nchall + 1 && k < 64; k++) {
		if (obj_challenge(j, k, &c) == 0 && (c.type[0] == '\0' ||
		    c.tok < 0 || !TERMINATED(c.token) || !TERMINATED(c.url))) {
			abort();
		}
		if (k >= z.nchall && c.tok != -1) {
			abort();
		}
		n = obj_issuers(j, c.tok, issuers, names);
		for (m = 0; m < n; m++) {
			if (issuers[m] < names || issuers[m] >= names + 1024) {
				abort();
			}
		}
		if (n > 8) {
			abort();
		}
	}
	(void)obj_chall_error(j, NULL);
	(void)obj_chall_error(j, "https://a/");
}

static void
check_problems(const struct json *j)
{
	char url[64];
	struct acme_problem p;
	int i, k;

	for (i = 0; i < j->ntok && i < 64; i++) {
		if (!obj_problem(j, i, &p)) {
			continue;
		}
		if (!TERMINATED(p.detail) || !TERMINATED(p.ident) || p.nsub < 0) {
			abort();
		}
		if (obj_unpause_url(p.detail, url, sizeof(url)) == 0 &&
		    strncmp(url, "https://", 8) != 0) {
			abort();
		}
		for (k = 0; k < p.nsub && k < 16; k++) {
			(void)obj_nth(j, i, "subproblems", k);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t start, end;
	struct json j;

	if (json_parse(&j, (const char *)data, size, tok,
	    JSON_MAX_TOKENS) != 0) {
		return 0;
	}
	check_directory(&j);
	check_order(&j);
	check_authz(&j);
	check_problems(&j);
	(void)obj_renewal_info(&j, &start, &end);
	return 0;
}
