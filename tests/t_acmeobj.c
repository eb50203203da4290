/* SPDX-License-Identifier: MIT */
/*
 * t_acmeobj.c - the ACME object decoders and payload encoders of
 * acmeobj.c, on replies recorded from real CAs (tests/data/: Pebble 2.10
 * and Caddy 2.11's smallstep CA, see tests/data/README.md) and on the
 * shapes the RFCs and Let's Encrypt document that no test CA sends.
 * Runs from tests/ (make check-unit).
 */
#include <string.h>

#include "acmeobj.h"
#include "acme.h"
#include "certs.h"
#include "store.h"
#include "runner.h"

static char text[16384];
static jsmntok_t tok[JSON_MAX_TOKENS];
static struct json j;                  /* the document of each test */
static struct directory d;

/* Parses file tests/data/NAME into j; -1 if unreadable or not JSON. */
static int
load(struct json *js, const char *name)
{
	char path[256];
	size_t n;

	snprintf(path, sizeof(path), "data/%s", name);
	if (store_read(path, text, sizeof(text) - 1, &n) != 0) {
		fprintf(stderr, "  cannot read %s\n", path);
		return -1;
	}
	return json_parse(js, text, n, tok, JSON_MAX_TOKENS);
}

/* Parses the literal s into j (the shapes no recorded reply has). */
static int
parse(struct json *js, const char *s)
{
	snprintf(text, sizeof(text), "%s", s);
	return json_parse(js, text, strlen(text), tok, JSON_MAX_TOKENS);
}

/* True if s begins with prefix p. */
static int
starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

#define PB "https://localhost:23400/"
#define CD "https://127.0.0.1:24443/acme/local/"

static int
test_directory_pebble(void)
{
	CHECK(load(&j, "pebble-2.10/directory.json") == 0);
	CHECK(obj_directory(&j, &d) == 0);
	CHECK(strcmp(d.new_nonce, PB "nonce-plz") == 0);
	CHECK(strcmp(d.new_account, PB "sign-me-up") == 0);
	CHECK(strcmp(d.new_order, PB "order-plz") == 0);
	CHECK(strcmp(d.revoke_cert, PB "revoke-cert") == 0);
	CHECK(strcmp(d.key_change, PB "rollover-account-key") == 0);
	CHECK(strcmp(d.renewal_info,
	    PB "draft-ietf-acme-ari-03/renewalInfo") == 0);
	CHECK(strcmp(d.tos, "data:text/plain,Do%20what%20thou%20wilt") == 0);
	CHECK(!d.eab_required);
	/* no issuerDomainNames: the CAA identity stands in (-00/-01) */
	CHECK(strcmp(d.issuer, "pebble.letsencrypt.org") == 0);
	CHECK(d.hash_prefix[0] == '\0');
	CHECK(obj_profile(&j, "shortlived") == OBJ_PROFILE_OK);
	CHECK(obj_profile(&j, "default") == OBJ_PROFILE_OK);
	CHECK(obj_profile(&j, "classic") == OBJ_PROFILE_UNKNOWN);
	return 0;
}

static int
test_directory_caddy(void)
{
	/* no ARI, no terms, no profiles, no meta at all */
	CHECK(load(&j, "caddy-2.11/directory.json") == 0 &&
	    obj_directory(&j, &d) == 0);
	CHECK(strcmp(d.new_order, CD "new-order") == 0 &&
	    strcmp(d.key_change, CD "key-change") == 0);
	CHECK(d.renewal_info[0] == '\0' && d.tos[0] == '\0' &&
	    d.issuer[0] == '\0' && !d.eab_required &&
	    obj_profile(&j, "default") == OBJ_PROFILE_NONE);
	return 0;
}

/* Directories that must be refused, and meta a -02 CA sends. */
static int
test_directory_shapes(void)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"newNonce\":\"https://a/n\",\"newAccount\":\"https://a/a\"}",
		"{\"newNonce\":\"ftp://a/n\",\"newAccount\":\"https://a/a\","
		    "\"newOrder\":\"https://a/o\"}",
		"{\"newNonce\":\"https://a/n\",\"newAccount\":1,"
		    "\"newOrder\":\"https://a/o\"}",
	};
	size_t k;

	for (k = 0; k < NELEM(bad); k++) {
		CHECK_CASE(parse(&j, bad[k]) == 0, k);
		CHECK_CASE(obj_directory(&j, &d) == -1, k);
	}
	CHECK(parse(&j, "{\"newNonce\":\"https://a/n\",\"newAccount\":"
	    "\"https://a/a\",\"newOrder\":\"https://a/o\",\"revokeCert\":"
	    "\"not a url\",\"meta\":{\"externalAccountRequired\":true,"
	    "\"issuerDomainNames\":[\"ca.example\"],\"caaIdentities\":"
	    "[\"caa.example\"],\"accountHashPrefix\":\"h1\",\"profiles\":"
	    "[\"a\"]}}") == 0);
	CHECK(obj_directory(&j, &d) == 0);
	CHECK(d.revoke_cert[0] == '\0');
	CHECK(d.eab_required);
	CHECK(strcmp(d.issuer, "ca.example") == 0);
	CHECK(strcmp(d.hash_prefix, "h1") == 0);
	/* profiles must be an object keyed by name */
	CHECK(obj_profile(&j, "a") == OBJ_PROFILE_NONE);
	return 0;
}

static int
test_order_pebble(void)
{
	char url[HTTP_MAX_URL];
	struct acme_order o;

	CHECK(load(&j, "pebble-2.10/order-pending.json") == 0);
	obj_order(&j, &o);
	CHECK(strcmp(o.status, "pending") == 0);
	CHECK(starts(o.finalize, PB "finalize-order/"));
	CHECK(o.certificate[0] == '\0' && o.error == -1 && o.nauthz == 1);
	CHECK(obj_nth_str(&j, 0, "authorizations", 0, url, sizeof(url)) == 0);
	CHECK(starts(url, PB "authZ/"));
	CHECK(obj_nth_str(&j, 0, "authorizations", 1, url, sizeof(url)) ==
	    -1 && url[0] == '\0');
	CHECK(load(&j, "pebble-2.10/order-processing.json") == 0);
	obj_order(&j, &o);
	CHECK(strcmp(o.status, "processing") == 0 && o.certificate[0] == 0);
	CHECK(load(&j, "pebble-2.10/order-valid.json") == 0);
	obj_order(&j, &o);
	CHECK(strcmp(o.status, "valid") == 0);
	CHECK(strcmp(o.certificate, PB "certZ/65d07ed01f9adde9") == 0);
	CHECK(load(&j, "pebble-2.10/order-two.json") == 0);
	obj_order(&j, &o);
	CHECK(o.nauthz == 2);
	CHECK(obj_nth_str(&j, 0, "authorizations", 1, url, sizeof(url)) == 0);
	return 0;
}

static int
test_order_caddy(void)
{
	struct acme_order o;

	CHECK(load(&j, "caddy-2.11/order-pending.json") == 0);
	obj_order(&j, &o);
	CHECK(strcmp(o.status, "pending") == 0 && o.nauthz == 1);
	CHECK(starts(o.finalize, CD "order/"));
	CHECK(load(&j, "caddy-2.11/order-valid.json") == 0);
	obj_order(&j, &o);
	CHECK(starts(o.certificate, CD "certificate/"));
	return 0;
}

/* An order that failed names its problem; a hostile one is bounded. */
static int
test_order_shapes(void)
{
	struct acme_problem p;
	struct acme_order o;

	CHECK(parse(&j, "{\"status\":\"invalid\",\"error\":{\"type\":"
	    "\"urn:ietf:params:acme:error:badCSR\",\"detail\":\"no\"},"
	    "\"authorizations\":\"x\",\"finalize\":7}") == 0);
	obj_order(&j, &o);
	CHECK(strcmp(o.status, "invalid") == 0 && o.nauthz == -1);
	CHECK(o.finalize[0] == '\0' && o.error > 0);
	CHECK(obj_problem(&j, o.error, &p) && obj_problem_is(&p, "badCSR"));
	CHECK(parse(&j, "{\"status\":\"valid\",\"certificate\":"
	    "\"https://a/c\\u0000\"}") == 0);
	obj_order(&j, &o);
	CHECK(o.certificate[0] == '\0');
	return 0;
}

static int
test_authz_pebble(void)
{
	static const char *const types[] = {
		"dns-01", "dns-persist-01", "http-01", "dns-account-01",
		"tls-alpn-01"
	};
	const char *issuers[8];
	char names[1024];
	struct acme_authz z;
	struct acme_chall c;
	size_t k;

	CHECK(load(&j, "pebble-2.10/authz-pending.json") == 0);
	CHECK(obj_authz(&j, &z) == 0);
	CHECK(strcmp(z.ident, "a.rec.test") == 0 && !z.wildcard);
	CHECK(strcmp(z.status, "pending") == 0 && z.nchall == 5);
	for (k = 0; k < NELEM(types); k++) {
		CHECK_CASE(obj_challenge(&j, (int)k, &c) == 0, k);
		CHECK_CASE(strcmp(c.type, types[k]) == 0, k);
		CHECK_CASE(starts(c.url, PB "chalZ/"), k);
		CHECK_CASE(strcmp(c.status, "pending") == 0 && c.error == -1,
		    k);
		/* dns-persist-01 alone has no token */
		CHECK_CASE((c.token[0] == '\0') == (k == 1), k);
	}
	CHECK(obj_challenge(&j, 5, &c) == -1 && c.tok == -1);
	CHECK(obj_challenge(&j, 2, &c) == 0);
	CHECK(strcmp(c.token, "U7i3q-VY5DPUxoDq2SF0Tz3kZ7nrETrQo8E7-s048fg") ==
	    0);
	CHECK(obj_challenge(&j, 1, &c) == 0);
	CHECK(obj_issuers(&j, c.tok, issuers, names) == 1);
	CHECK(strcmp(issuers[0], "pebble.letsencrypt.org") == 0);
	CHECK(obj_chall_error(&j, NULL) == -1);
	CHECK(load(&j, "pebble-2.10/authz-ip.json") == 0);
	CHECK(obj_authz(&j, &z) == 0 && strcmp(z.ident, "1.2.3.4") == 0);
	CHECK(z.nchall == 2);
	CHECK(load(&j, "pebble-2.10/authz-valid.json") == 0);
	CHECK(obj_authz(&j, &z) == 0 && strcmp(z.status, "valid") == 0);
	return 0;
}

/* Pebble's invalid authorization: the error of its one challenge. */
static int
test_authz_invalid(void)
{
	struct acme_problem p;
	struct acme_authz z;
	int err;

	CHECK(load(&j, "pebble-2.10/authz-invalid.json") == 0);
	CHECK(obj_authz(&j, &z) == 0 && strcmp(z.status, "invalid") == 0);
	CHECK((err = obj_chall_error(&j, NULL)) > 0);
	CHECK(obj_problem(&j, err, &p));
	CHECK(obj_problem_is(&p, "connection"));
	CHECK(strstr(p.detail, "connection refused") != NULL);
	CHECK(p.ident[0] == '\0' && p.nsub == 0);
	return 0;
}

/* smallstep: pending, with the error on the challenge we answered. */
static int
test_authz_caddy(void)
{
	struct acme_problem p;
	struct acme_authz z;
	struct acme_chall c;
	int err;

	CHECK(load(&j, "caddy-2.11/authz-pending.json") == 0);
	CHECK(obj_authz(&j, &z) == 0 && strcmp(z.ident, "127.0.0.1") == 0);
	CHECK(obj_chall_error(&j, NULL) == -1);
	CHECK(load(&j, "caddy-2.11/authz-pending-error.json") == 0);
	CHECK(obj_authz(&j, &z) == 0 && strcmp(z.status, "pending") == 0);
	CHECK(obj_challenge(&j, 0, &c) == 0 && strcmp(c.type, "http-01") == 0);
	CHECK((err = obj_chall_error(&j, c.url)) == c.error && err > 0);
	CHECK(obj_problem(&j, err, &p) && obj_problem_is(&p, "connection"));
	CHECK(obj_challenge(&j, 1, &c) == 0);
	CHECK(strcmp(c.type, "tls-alpn-01") == 0);
	CHECK(obj_chall_error(&j, c.url) == -1);
	CHECK(obj_chall_error(&j, "https://elsewhere/") == -1);
	return 0;
}

/* What a hostile or broken CA may send instead of an authorization. */
static int
test_authz_shapes(void)
{
	static const char *const bad[] = {
		"[]",
		"{\"status\":\"pending\"}",
		"{\"identifier\":{\"type\":\"dns\",\"value\":5}}",
		"{\"identifier\":\"a.example\"}",
	};
	struct acme_authz z;
	struct acme_chall c;
	size_t k;

	for (k = 0; k < NELEM(bad); k++) {
		CHECK_CASE(parse(&j, bad[k]) == 0, k);
		CHECK_CASE(obj_authz(&j, &z) == -1 && z.ident[0] == '\0', k);
	}
	CHECK(parse(&j, "{\"identifier\":{\"value\":\"a.example\"},"
	    "\"wildcard\":true,\"challenges\":[7,{\"type\":"
	    "\"a-type-too-long-for-us\",\"url\":\"https://a/\"},{\"url\":"
	    "\"https://a/\"},{\"type\":\"http-01\",\"url\":\"nope\","
	    "\"token\":\"t\"}]}") == 0);
	CHECK(obj_authz(&j, &z) == 0 && z.wildcard && z.nchall == 4);
	CHECK(obj_challenge(&j, 0, &c) == -1);
	CHECK(obj_challenge(&j, 1, &c) == -1);
	CHECK(obj_challenge(&j, 2, &c) == -1);
	CHECK(obj_challenge(&j, 3, &c) == 0 && c.url[0] == '\0');
	CHECK(strcmp(c.token, "t") == 0);
	/* an error after entries that are no challenges is still found */
	CHECK(parse(&j, "{\"identifier\":{\"value\":\"a\"},\"challenges\":"
	    "[7,{\"url\":\"https://a/\"},{\"type\":\"http-01\",\"url\":"
	    "\"https://a/c\",\"error\":{\"type\":\"x\"}}]}") == 0);
	CHECK(obj_chall_error(&j, NULL) > 0);
	CHECK(obj_chall_error(&j, "https://a/c") > 0);
	CHECK(parse(&j, "{\"identifier\":{\"value\":\"a\"},\"challenges\":"
	    "{}}") == 0);
	CHECK(obj_authz(&j, &z) == 0 && z.nchall == -1);
	CHECK(obj_challenge(&j, 0, &c) == -1);
	return 0;
}

/* dns-persist-01 -02 names the list issuerDomainNames; at most 8. */
static int
test_issuers(void)
{
	const char *issuers[8];
	char names[1024];

	CHECK(parse(&j, "{\"issuerDomainNames\":[\"a.example\",5,"
	    "\"b.example\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}") == 0);
	CHECK(obj_issuers(&j, 0, issuers, names) == 8);
	CHECK(strcmp(issuers[0], "a.example") == 0);
	CHECK(strcmp(issuers[1], "b.example") == 0);
	CHECK(strcmp(issuers[7], "h") == 0);
	CHECK(parse(&j, "{\"issuer-domain-names\":\"a.example\"}") == 0);
	CHECK(obj_issuers(&j, 0, issuers, names) == 0);
	return 0;
}

static int
test_problems(void)
{
	char url[HTTP_MAX_URL];
	struct acme_problem p;
	int sub;

	CHECK(load(&j, "pebble-2.10/problem-badnonce.json") == 0);
	CHECK(obj_problem(&j, 0, &p) && obj_problem_is(&p, "badNonce"));
	CHECK(!obj_problem_is(&p, "badNonc") && !obj_problem_is(&p, ""));
	CHECK(strncmp(p.detail, "JWS has an invalid anti-replay nonce", 36) ==
	    0);
	/* RFC 8555 §6.7.1's example: one subproblem per identifier */
	CHECK(parse(&j, "{\"type\":\"urn:ietf:params:acme:error:malformed\","
	    "\"detail\":\"Some of the identifiers requested were rejected\","
	    "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:"
	    "malformed\",\"detail\":\"Invalid underscore in DNS name "
	    "\\\"_example.org\\\"\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"_example.org\"}},{\"type\":\"urn:ietf:params:acme:"
	    "error:rejectedIdentifier\",\"detail\":\"This CA will not issue "
	    "for \\\"example.net\\\"\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"example.net\"}}]}") == 0);
	CHECK(obj_problem(&j, 0, &p) && p.nsub == 2);
	CHECK((sub = obj_nth(&j, 0, "subproblems", 1)) > 0);
	CHECK(obj_problem(&j, sub, &p));
	CHECK(obj_problem_is(&p, "rejectedIdentifier"));
	CHECK(strcmp(p.ident, "example.net") == 0);
	CHECK(obj_nth(&j, 0, "subproblems", 2) == -1);
	/* Let's Encrypt's paused account (its documented detail) */
	CHECK(parse(&j, "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
	    "\"detail\":\"Your account is temporarily prevented from "
	    "requesting certificates for a.example and possibly others. "
	    "Please visit: https://portal.letsencrypt.org/sfe/v1/unpause?"
	    "jwt=eyJ.x_y\",\"status\":429}") == 0);
	CHECK(obj_problem(&j, 0, &p) && obj_problem_is(&p, "rateLimited"));
	CHECK(obj_unpause_url(p.detail, url, sizeof(url)) == 0);
	CHECK(strcmp(url, "https://portal.letsencrypt.org/sfe/v1/unpause?"
	    "jwt=eyJ.x_y") == 0);
	CHECK(obj_unpause_url(p.detail, url, 20) == -1);
	CHECK(obj_unpause_url("too many certificates: see https://a/",
	    url, sizeof(url)) == -1);
	/* RFC 8555 §7.3.3: the terms changed */
	CHECK(parse(&j, "{\"type\":\"urn:ietf:params:acme:error:"
	    "userActionRequired\",\"instance\":\"https://a/tos\"}") == 0);
	CHECK(obj_problem(&j, 0, &p) && strcmp(p.instance, "https://a/tos") ==
	    0 && p.detail[0] == '\0');
	/* not problems */
	CHECK(parse(&j, "{\"detail\":\"x\"}") == 0 && !obj_problem(&j, 0, &p));
	CHECK(parse(&j, "[\"type\"]") == 0 && !obj_problem(&j, 0, &p));
	CHECK(!obj_problem(&j, -1, &p) && p.type[0] == '\0');
	return 0;
}

static int
test_renewal_info(void)
{
	int64_t start, end;

	CHECK(load(&j, "pebble-2.10/renewal-info.json") == 0);
	CHECK(obj_renewal_info(&j, &start, &end) == 0);
	CHECK(start == 1801680807);    /* 2027-02-03T18:53:27Z */
	CHECK(end == start + 2 * 86400);
	CHECK(parse(&j, "{\"suggestedWindow\":{\"start\":"
	    "\"2027-02-03T18:53:27Z\"}}") == 0);
	CHECK(obj_renewal_info(&j, &start, &end) == -1);
	CHECK(parse(&j, "{\"suggestedWindow\":{\"start\":\"soon\",\"end\":"
	    "\"2027-02-03T18:53:27Z\"}}") == 0);
	CHECK(obj_renewal_info(&j, &start, &end) == -1);
	return 0;
}

/* Pebble's account object: the account command prints its contacts. */
static int
test_account(void)
{
	char v[64];

	CHECK(load(&j, "pebble-2.10/account.json") == 0);
	obj_status(&j, 0, v, sizeof(v));
	CHECK(strcmp(v, "valid") == 0);
	CHECK(obj_count(&j, 0, "contact") == -1);
	CHECK(parse(&j, "{\"contact\":[\"mailto:a@b.example\",1]}") == 0);
	CHECK(obj_count(&j, 0, "contact") == 2);
	CHECK(obj_nth_str(&j, 0, "contact", 0, v, sizeof(v)) == 0);
	CHECK(strcmp(v, "mailto:a@b.example") == 0);
	CHECK(obj_nth_str(&j, 0, "contact", 1, v, sizeof(v)) == -1);
	CHECK(obj_nth_str(&j, 0, "contact", -1, v, sizeof(v)) == -1);
	obj_status(&j, 0, v, sizeof(v));
	CHECK(v[0] == '\0');
	return 0;
}

/* The payloads we send, byte for byte. */
static int
test_encoders(void)
{
	static const char *const names[] = { "a.example", "192.0.2.1" };
	static const unsigned char der[] = { 0x30, 0x03, 0xfb, 0xff };
	char buf[512];
	struct sbuf b;

	sbuf_init(&b, buf, sizeof(buf));
	obj_new_order(&b, names, 2, NULL, NULL);
	CHECK(b.err == 0);
	CHECK(strcmp(buf, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.example\"},{\"type\":\"ip\",\"value\":\"192.0.2.1\"}]}") == 0);
	sbuf_init(&b, buf, sizeof(buf));
	obj_new_order(&b, names, 1, "short\"lived", "aki.serial");
	CHECK(strcmp(buf, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.example\"}],\"profile\":\"short\\\"lived\",\"replaces\":"
	    "\"aki.serial\"}") == 0);
	sbuf_init(&b, buf, sizeof(buf));
	obj_new_order(&b, names, 1, NULL, "");
	CHECK(strstr(buf, "replaces") == NULL);
	sbuf_init(&b, buf, sizeof(buf));
	obj_contact(&b, "a@b.example");
	CHECK(strcmp(buf, "\"contact\":[\"mailto:a@b.example\"]") == 0);
	sbuf_init(&b, buf, sizeof(buf));
	obj_finalize(&b, der, sizeof(der));
	CHECK(strcmp(buf, "{\"csr\":\"MAP7_w\"}") == 0);
	sbuf_init(&b, buf, sizeof(buf));
	obj_revoke(&b, der, sizeof(der), CONF_UNSET);
	CHECK(strcmp(buf, "{\"certificate\":\"MAP7_w\"}") == 0);
	sbuf_init(&b, buf, sizeof(buf));
	obj_revoke(&b, der, sizeof(der), 4);
	CHECK(strcmp(buf, "{\"certificate\":\"MAP7_w\",\"reason\":4}") == 0);
	/* too small: a sticky error, never a cut payload sent */
	sbuf_init(&b, buf, 20);
	obj_new_order(&b, names, 2, NULL, NULL);
	CHECK(b.err != 0);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_directory_pebble);
	RUN(test_directory_caddy);
	RUN(test_directory_shapes);
	RUN(test_order_pebble);
	RUN(test_order_caddy);
	RUN(test_order_shapes);
	RUN(test_authz_pebble);
	RUN(test_authz_invalid);
	RUN(test_authz_caddy);
	RUN(test_authz_shapes);
	RUN(test_issuers);
	RUN(test_problems);
	RUN(test_renewal_info);
	RUN(test_account);
	RUN(test_encoders);
	return runner_done();
}
