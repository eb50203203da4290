/* SPDX-License-Identifier: MIT */
/*
 * t_dnsrec.c - unit tests of dnsrec.c: record owner names (dns-01,
 * dns-account-01, dns-persist-01), dns-persist-01 values in each draft
 * form, zone-file quoting, and the dns-persist-01 record matcher.
 */
#include <string.h>

#include "dnsrec.h"

#include "runner.h"

static int
name_is(enum dnsrec_type t, const char *ident, const char *url,
    const char *want)
{
	char out[DNSREC_NAME_MAX];

	return dnsrec_name(t, ident, url, out, sizeof(out)) == 0 &&
	    strcmp(out, want) == 0;
}

static int
test_names(void)
{
	CHECK(name_is(DNSREC_DNS01, "example.com", NULL,
	    "_acme-challenge.example.com"));
	CHECK(name_is(DNSREC_DNS01, "*.example.com", NULL,
	    "_acme-challenge.example.com"));
	CHECK(name_is(DNSREC_DNS01, "example.com.", NULL,
	    "_acme-challenge.example.com"));
	CHECK(name_is(DNSREC_PERSIST01, "example.com", NULL,
	    "_validation-persist.example.com"));
	CHECK(name_is(DNSREC_PERSIST01, "*.example.com", NULL,
	    "_validation-persist.example.com"));
	/* draft-ietf-acme-dns-account-label's example account (label
	 * _ujmmovf2vn55tgye), also computed with python's hashlib and
	 * base64.b32encode as a referee. */
	CHECK(name_is(DNSREC_ACCOUNT01, "example.org",
	    "https://example.com/acme/acct/ExampleAccount",
	    "_ujmmovf2vn55tgye._acme-challenge.example.org"));
	CHECK(name_is(DNSREC_ACCOUNT01, "*.example.org",
	    "https://example.com/acme/acct/ExampleAccount",
	    "_ujmmovf2vn55tgye._acme-challenge.example.org"));
	return 0;
}

static int
test_names_reject(void)
{
	char out[DNSREC_NAME_MAX], big[300], wide[400];
	size_t n;

	CHECK(dnsrec_name(DNSREC_DNS01, "", NULL, out, sizeof(out)) != 0);
	CHECK(dnsrec_name(DNSREC_DNS01, "*.", NULL, out, sizeof(out)) != 0);
	CHECK(dnsrec_name(DNSREC_DNS01, NULL, NULL, out, sizeof(out)) != 0);
	CHECK(dnsrec_name(DNSREC_ACCOUNT01, "a.test", NULL, out,
	    sizeof(out)) != 0);
	CHECK(dnsrec_name(DNSREC_ACCOUNT01, "a.test", "", out,
	    sizeof(out)) != 0);
	/* "_acme-challenge." is 16: an ident of 237 makes 253, 238 too many */
	memset(big, 'a', sizeof(big));
	big[237] = '\0';
	CHECK(dnsrec_name(DNSREC_DNS01, big, NULL, out, sizeof(out)) == 0);
	CHECK(strlen(out) == 253);
	big[237] = 'a';
	big[238] = '\0';
	CHECK(dnsrec_name(DNSREC_DNS01, big, NULL, out, sizeof(out)) != 0);
	/* the 253 limit itself, not the size of out */
	CHECK(dnsrec_name(DNSREC_DNS01, big, NULL, wide, sizeof(wide)) != 0);
	big[237] = '\0';
	CHECK(dnsrec_name(DNSREC_DNS01, big, NULL, wide, sizeof(wide)) == 0);
	/* cap: exactly the length + 1 fits, one less does not */
	n = strlen("_acme-challenge.a.test");
	CHECK(dnsrec_name(DNSREC_DNS01, "a.test", NULL, out, n + 1) == 0);
	CHECK(dnsrec_name(DNSREC_DNS01, "a.test", NULL, out, n) != 0);
	CHECK(dnsrec_name(DNSREC_DNS01, "a.test", NULL, out, 0) != 0);
	return 0;
}

/* RFC 7638 §3.1's thumbprint, an account URL and a prefix. */
#define THUMB "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
#define ACCT "https://ca.example/acct/123"
#define PREFIX "https://ca.example/persist/"
/*
 * base64url(SHA-256(0x0b "example.com" THUMB ACCT)): no draft revision
 * gives test vectors, so this was computed with python hashlib and
 * checked with `openssl dgst -sha256 -binary | basenc --base64url`.
 */
#define HASH "5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw"

static struct dnsrec_persist
persist(enum dnsrec_form form, const char *domain)
{
	struct dnsrec_persist p;

	memset(&p, 0, sizeof(p));
	p.form = form;
	p.issuer = "authority.example";
	p.account_url = ACCT;
	p.thumb = THUMB;
	p.hash_prefix = PREFIX;
	p.domain = domain;
	return p;
}

static int
value_is(const struct dnsrec_persist *p, const char *want)
{
	char out[DNSREC_PERSIST_MAX];
	size_t n;

	return dnsrec_persist_value(p, out, sizeof(out), &n) == 0 &&
	    n == strlen(want) && strcmp(out, want) == 0;
}

static int
test_persist_value(void)
{
	struct dnsrec_persist p = persist(DNSREC_PERSIST_00, "example.com");

	/* the draft -00/-01 examples (§ "Validation Example ...") */
	CHECK(value_is(&p, "authority.example; accounturi=" ACCT));
	p.flags = DNSREC_WILDCARD;
	CHECK(value_is(&p, "authority.example; accounturi=" ACCT
	    "; policy=wildcard"));
	p.persist_until = 1721952000;
	CHECK(value_is(&p, "authority.example; accounturi=" ACCT
	    "; policy=wildcard; persistUntil=1721952000"));
	p.flags = 0;
	CHECK(value_is(&p, "authority.example; accounturi=" ACCT
	    "; persistUntil=1721952000"));
	p = persist(DNSREC_PERSIST_00, "*.example.com");
	CHECK(value_is(&p, "authority.example; accounturi=" ACCT
	    "; policy=wildcard"));

	p = persist(DNSREC_PERSIST_02, "example.com");
	CHECK(value_is(&p, "authority.example; accounturi=" PREFIX
	    "sha-256/" HASH));
	p.domain = "*.Example.COM.";    /* base name, lowercased */
	CHECK(value_is(&p, "authority.example; accounturi=" PREFIX
	    "sha-256/" HASH "; policy=wildcard"));
	p = persist(DNSREC_PERSIST_03, "example.com");
	CHECK(value_is(&p, "authority.example; accountdigest=" PREFIX
	    "sha-256/" HASH));
	return 0;
}

static int
test_persist_value_reject(void)
{
	/* persist() with one thing wrong (fields in order: form, issuer,
	 * account URL, thumbprint, hash prefix, domain, flags, until) */
#define AUTH "authority.example"
#define EX "example.com"
	static const struct dnsrec_persist bad[] = {
		{ DNSREC_PERSIST_00, "", ACCT, THUMB, PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_00, "a b", ACCT, THUMB, PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_00, "a;b", ACCT, THUMB, PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_00, NULL, ACCT, THUMB, PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_00, AUTH, "https://ca.example/a b", THUMB,
		    PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_02, AUTH, ACCT, THUMB, NULL, EX, 0, 0 },
		{ DNSREC_PERSIST_02, AUTH, ACCT, "", PREFIX, EX, 0, 0 },
		{ DNSREC_PERSIST_02, AUTH, ACCT, THUMB, PREFIX, "*.", 0, 0 }
	};
#undef AUTH
#undef EX
	struct dnsrec_persist p;
	char out[DNSREC_PERSIST_MAX];
	size_t i, n;

	for (i = 0; i < NELEM(bad); i++) {
		CHECK_CASE(dnsrec_persist_value(&bad[i], out, sizeof(out),
		    NULL) != 0, i);
	}
	/* the -00 form needs neither thumbprint nor prefix nor domain */
	p = persist(DNSREC_PERSIST_00, NULL);
	p.thumb = p.hash_prefix = NULL;
	CHECK(dnsrec_persist_value(&p, out, sizeof(out), &n) == 0);
	/* cap around the length */
	CHECK(dnsrec_persist_value(&p, out, n + 1, NULL) == 0);
	CHECK(dnsrec_persist_value(&p, out, n, NULL) != 0);
	CHECK(dnsrec_persist_value(&p, out, 1, NULL) != 0);
	CHECK(dnsrec_persist_value(&p, out, 0, NULL) != 0);
	CHECK(dnsrec_persist_form(false) == DNSREC_PERSIST_00);
	CHECK(dnsrec_persist_form(true) == DNSREC_PERSIST_02);
	return 0;
}

static int
quote_is(const char *v, size_t n, const char *want)
{
	char out[2048];
	size_t m;

	return dnsrec_txt_quote(v, n, out, sizeof(out), &m) == 0 &&
	    m == strlen(want) && strcmp(out, want) == 0;
}

static int
test_txt_quote(void)
{
	char v[600], want[700], out[700];
	size_t n;

	CHECK(quote_is("", 0, "\"\""));
	CHECK(quote_is("a", 1, "\"a\""));
	CHECK(quote_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""));
	memset(v, 'x', sizeof(v));
	/* 254, 255: one string; 256: two; 510: two; 511: three */
	memset(want, 'x', sizeof(want));
	want[0] = '"';
	want[255] = '"';
	want[256] = '\0';
	CHECK(quote_is(v, 254, want));
	want[255] = 'x';
	want[256] = '"';
	want[257] = '\0';
	CHECK(quote_is(v, 255, want));
	memcpy(want + 256, "\" \"x\"", 6);
	CHECK(quote_is(v, 256, want));
	CHECK(dnsrec_txt_quote(v, 510, out, sizeof(out), &n) == 0);
	CHECK(n == 510 + 4 + 1);
	CHECK(memcmp(out + 255, "x\" \"x", 5) == 0 && out[n - 1] == '"');
	CHECK(dnsrec_txt_quote(v, 511, out, sizeof(out), &n) == 0);
	CHECK(n == 511 + 6 + 2);
	/* an escape counts one value byte: 255 quotes stay in one string */
	memset(v, '"', 255);
	CHECK(dnsrec_txt_quote(v, 255, out, sizeof(out), &n) == 0);
	CHECK(n == 2 * 255 + 2 && memchr(out, ' ', n) == NULL);
	/* cap */
	CHECK(dnsrec_txt_quote("ab", 2, out, 5, NULL) == 0);
	CHECK(dnsrec_txt_quote("ab", 2, out, 4, NULL) != 0);
	CHECK(dnsrec_txt_quote("", 0, out, 2, NULL) != 0);
	CHECK(dnsrec_txt_quote("", 0, out, 0, NULL) != 0);
	return 0;
}

static const char *const issuers[] = { "letsencrypt.org", "authority.example" };

static bool
matches(const char *txt, const struct dnsrec_persist *p,
    unsigned long long now)
{
	return dnsrec_persist_matches(txt, strlen(txt), issuers, 2, p, now);
}

static int
test_persist_matches(void)
{
	struct dnsrec_persist p = persist(DNSREC_PERSIST_00, "example.com");
	char v[DNSREC_PERSIST_MAX];

	/* what we write matches, in every form */
	CHECK(dnsrec_persist_value(&p, v, sizeof(v), NULL) == 0);
	CHECK(matches(v, &p, 0));
	CHECK(matches("authority.example;accounturi=" ACCT, &p, 0));
	CHECK(matches(" \tAuthority.Example. ; \tAccountURI \t=\t " ACCT
	    " \t; ", &p, 0));
	CHECK(matches("letsencrypt.org; accounturi=" ACCT, &p, 0));
	CHECK(matches("authority.example; foo=bar; accounturi=" ACCT
	    "; x-y=; policy=other", &p, 0));
	/* not ours */
	CHECK(!matches("other.example; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT "4", &p, 0));
	CHECK(!matches("authority.example; accounturi=HTTPS://ca.example/acct/123",
	    &p, 0));
	CHECK(!matches("authority.example", &p, 0));
	CHECK(!matches("authority.example;", &p, 0));
	CHECK(!matches("; accounturi=" ACCT, &p, 0));
	CHECK(!matches("", &p, 0));
	CHECK(!matches("authority.example; accountdigest=" ACCT, &p, 0));
	/* syntax and duplicates void the record */
	CHECK(!matches("authority.example accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT " x", &p, 0));
	CHECK(!matches("authority.example; accounturi " ACCT, &p, 0));
	CHECK(!matches("authority.example; =x; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; a-=x; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; -a=x; accounturi=" ACCT, &p, 0));
	CHECK(matches("authority.example; a--b=x; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    ";; policy=wildcard", &p, 0));
	/* persistUntil: at the second still good, after it not */
	CHECK(matches("authority.example; accounturi=" ACCT
	    "; persistUntil=1721952000", &p, 1721952000ULL));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; persistUntil=1721952000", &p, 1721952001ULL));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; persistUntil=", &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; persistUntil=12a", &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; persistUntil=18446744073709551616", &p, 0));
	CHECK(matches("authority.example; accounturi=" ACCT
	    "; PERSISTUNTIL=18446744073709551615", &p, 1721952001ULL));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; persistUntil=1; persistUntil=99999999999", &p, 2));
	/* policy=wildcard, when asked for */
	p.domain = "*.example.com";
	CHECK(!matches("authority.example; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT
	    "; policy=wildcards", &p, 0));
	CHECK(matches("authority.example; accounturi=" ACCT
	    "; Policy=WildCard", &p, 0));
	p.domain = "example.com";
	p.flags = DNSREC_WILDCARD;
	CHECK(!matches("authority.example; accounturi=" ACCT, &p, 0));
	CHECK(matches("authority.example; policy=wildcard;accounturi=" ACCT,
	    &p, 0));
	return 0;
}

static int
test_persist_matches_hashed(void)
{
	struct dnsrec_persist p = persist(DNSREC_PERSIST_02, "example.com");
	const char *one[] = { "authority.example." };

	CHECK(matches("authority.example; accounturi=" PREFIX "sha-256/" HASH,
	    &p, 0));
	CHECK(matches("authority.example; accountdigest=" PREFIX "sha-256/"
	    HASH, &p, 0));
	CHECK(!matches("authority.example; accounturi=" ACCT, &p, 0));
	CHECK(!matches("authority.example; accounturi=" PREFIX "sha-256/"
	    HASH "x", &p, 0));
	p.domain = "www.example.com";   /* the hash binds the domain */
	CHECK(!matches("authority.example; accounturi=" PREFIX "sha-256/"
	    HASH, &p, 0));
	p = persist(DNSREC_PERSIST_03, "example.com");
	CHECK(dnsrec_persist_matches("authority.example; accountdigest="
	    PREFIX "sha-256/" HASH, strlen("authority.example; accountdigest="
	    PREFIX "sha-256/" HASH), one, 1, &p, 0));
	CHECK(!dnsrec_persist_matches("authority.example; accountdigest="
	    PREFIX "sha-256/" HASH, 20, one, 1, &p, 0));
	CHECK(!dnsrec_persist_matches("authority.example; accountdigest="
	    PREFIX "sha-256/" HASH, strlen("authority.example; accountdigest="
	    PREFIX "sha-256/" HASH), one, 0, &p, 0));
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_names);
	RUN(test_names_reject);
	RUN(test_persist_value);
	RUN(test_persist_value_reject);
	RUN(test_txt_quote);
	RUN(test_persist_matches);
	RUN(test_persist_matches_hashed);
	return runner_done();
}
