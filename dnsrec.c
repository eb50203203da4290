/* SPDX-License-Identifier: MIT */
/*
 * dnsrec.c - owner names and values of the DNS challenges' TXT records.
 * See dnsrec.h for why this is a module of its own.
 */
#include "dnsrec.h"
#include "ascii.h"

#include <string.h>

#include <bearssl.h>

#include "fmt.h"
#include "jws.h"

/* RFC 8659 §4.2 value: %x21-3A / %x3C-7E (no blank, no ';'). */
static bool
is_value_char(unsigned c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

static bool
is_value(const char *s)
{
	if (s == NULL || *s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (!is_value_char((unsigned char)*s)) {
			return false;
		}
	}
	return true;
}

/* ident without a leading "*." and one trailing dot: *len bytes. */
static const char *
base_name(const char *ident, size_t *len)
{
	size_t n;

	if (ident[0] == '*' && ident[1] == '.') {
		ident += 2;
	}
	n = strlen(ident);
	if (n > 0 && ident[n - 1] == '.') {
		n--;
	}
	*len = n;
	return ident;
}

/* see dnsrec.h */
int
dnsrec_name(enum dnsrec_type t, const char *ident, const char *account_url,
    char *out, size_t cap)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char h[32];
	char label[18];
	br_sha256_context sc;
	const char *base;
	struct sbuf b;
	size_t n, i;
	unsigned v;
	int bits;

	if (ident == NULL) {
		return -1;
	}
	base = base_name(ident, &n);
	if (n == 0 || cap < 1) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	if (t == DNSREC_ACCOUNT01) {
		if (account_url == NULL || *account_url == '\0') {
			return -1;
		}
		/* draft-ietf-acme-dns-account-label §3.2: "_" ||
		 * base32(SHA-256(ACCOUNT_URL)[0:10]) || "._acme-challenge" */
		br_sha256_init(&sc);
		br_sha256_update(&sc, account_url, strlen(account_url));
		br_sha256_out(&sc, h);
		label[0] = '_';
		for (i = 0, v = 0, bits = 0, n = 1; i < 10; i++) {
			v = (v << 8 | h[i]) & 0xfff;
			for (bits += 8; bits >= 5; bits -= 5) {
				label[n++] = b32[(v >> (bits - 5)) & 31];
			}
		}
		label[n++] = '.';
		sbuf_add(&b, label, n);
		base = base_name(ident, &n);
	}
	if (t == DNSREC_PERSIST01) {
		sbuf_adds(&b, "_validation-persist.");
	} else {
		sbuf_adds(&b, "_acme-challenge.");
	}
	sbuf_add(&b, base, n);
	if (b.err != 0 || b.len > 253) {
		return -1;
	}
	return 0;
}

/* see dnsrec.h */
enum dnsrec_form
dnsrec_persist_form(bool has_hash_prefix)
{
	return has_hash_prefix ? DNSREC_PERSIST_02 : DNSREC_PERSIST_00;
}

/* The record asks for policy=wildcard. */
static bool
wants_wildcard(const struct dnsrec_persist *p)
{
	return (p->flags & DNSREC_WILDCARD) != 0 ||
	    (p->domain != NULL && p->domain[0] == '*' && p->domain[1] == '.');
}

/*
 * Appends the account value of p: the URL (-00), or (-02 and later)
 * PREFIX "sha-256/" base64url(SHA-256(len(domain) || domain ||
 * thumbprint || account URL)), len one octet, domain the lowercase base
 * name. Returns 0 or -1 (missing field, bad character, long domain).
 */
static int
account_value(const struct dnsrec_persist *p, struct sbuf *b)
{
	unsigned char h[32], c;
	br_sha256_context sc;
	const char *d;
	size_t n, i;

	if (!is_value(p->account_url)) {
		return -1;
	}
	if (p->form == DNSREC_PERSIST_00) {
		sbuf_adds(b, p->account_url);
		return 0;
	}
	if (p->domain == NULL || !is_value(p->hash_prefix) ||
	    p->thumb == NULL || *p->thumb == '\0') {
		return -1;
	}
	d = base_name(p->domain, &n);
	if (n == 0 || n > 253) {
		return -1;
	}
	br_sha256_init(&sc);
	c = (unsigned char)n;
	br_sha256_update(&sc, &c, 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)ascii_tolower((unsigned char)d[i]);
		br_sha256_update(&sc, &c, 1);
	}
	br_sha256_update(&sc, p->thumb, strlen(p->thumb));
	br_sha256_update(&sc, p->account_url, strlen(p->account_url));
	br_sha256_out(&sc, h);
	sbuf_adds(b, p->hash_prefix);
	sbuf_adds(b, "sha-256/");
	b64url_add(b, h, sizeof(h));
	return 0;
}

/* see dnsrec.h */
int
dnsrec_persist_value(const struct dnsrec_persist *p, char *out, size_t cap,
    size_t *out_len)
{
	struct sbuf b;

	if (!is_value(p->issuer) || cap < 1) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	sbuf_adds(&b, p->issuer);
	sbuf_adds(&b, p->form == DNSREC_PERSIST_03 ? "; accountdigest=" :
	    "; accounturi=");
	if (account_value(p, &b) != 0) {
		return -1;
	}
	if (wants_wildcard(p)) {
		sbuf_adds(&b, "; policy=wildcard");
	}
	if (p->persist_until != 0) {
		sbuf_adds(&b, "; persistUntil=");
		sbuf_addu(&b, p->persist_until);
	}
	if (b.err != 0) {
		return -1;
	}
	if (out_len != NULL) {
		*out_len = b.len;
	}
	return 0;
}

/* see dnsrec.h */
int
dnsrec_txt_quote(const char *v, size_t n, char *out, size_t cap,
    size_t *out_len)
{
	struct sbuf b;
	size_t i;

	if (cap < 1) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	sbuf_add(&b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (i > 0 && i % 255 == 0) {
			sbuf_add(&b, "\" \"", 3);
		}
		if (v[i] == '"' || v[i] == '\\') {
			sbuf_add(&b, "\\", 1);
		}
		sbuf_add(&b, v + i, 1);
	}
	sbuf_add(&b, "\"", 1);
	if (b.err != 0) {
		return -1;
	}
	if (out_len != NULL) {
		*out_len = b.len;
	}
	return 0;
}

/* Issuer domain names compare without case and without a final dot. */
static bool
issuer_eq(const char *s, size_t n, const char *issuer)
{
	size_t m = strlen(issuer);

	if (n > 0 && s[n - 1] == '.') {
		n--;
	}
	if (m > 0 && issuer[m - 1] == '.') {
		m--;
	}
	return n > 0 && n == m && ascii_memeq_nocase(s, issuer, n);
}

/* Skips RFC 5234 WSP (space, tab) from i; returns the new index. */
static size_t
skip_wsp(const char *s, size_t n, size_t i)
{
	while (i < n && ascii_isblank((unsigned char)s[i])) {
		i++;
	}
	return i;
}

/* Known tags, bits of the "seen" set (a duplicate voids the record). */
enum { TAG_ACCOUNTURI = 1, TAG_ACCOUNTDIGEST = 2, TAG_POLICY = 4,
	TAG_PERSISTUNTIL = 8 };

/* What one record says, as far as we care. */
struct persist_rec {
	const char *acct[2];      /* accounturi, accountdigest values */
	size_t acct_len[2];
	bool wildcard;
	bool has_until;
	unsigned long long until;
};

/* Records one tag=value pair. Returns 0, or -1 (duplicate, bad value). */
static int
persist_param(struct persist_rec *r, unsigned *seen, const char *tag,
    size_t tn, const char *val, size_t vn)
{
	const unsigned char *t = (const unsigned char *)tag;
	unsigned bit;

	if (ascii_eq_nocase(t, tn, "accounturi")) {
		bit = TAG_ACCOUNTURI;
		r->acct[0] = val;
		r->acct_len[0] = vn;
	} else if (ascii_eq_nocase(t, tn, "accountdigest")) {
		bit = TAG_ACCOUNTDIGEST;
		r->acct[1] = val;
		r->acct_len[1] = vn;
	} else if (ascii_eq_nocase(t, tn, "policy")) {
		bit = TAG_POLICY;
		r->wildcard = ascii_eq_nocase((const unsigned char *)val, vn,
		    "wildcard");
	} else if (ascii_eq_nocase(t, tn, "persistuntil")) {
		bit = TAG_PERSISTUNTIL;
		r->has_until = true;
		/* 1..20 digits, at most 2^64 - 1 */
		if (vn > 20 || fmt_dec(val, vn, ~0ULL, &r->until) != 0) {
			return -1;
		}
	} else {
		return 0;       /* draft §4: unknown tags are ignored */
	}
	if ((*seen & bit) != 0) {
		return -1;
	}
	*seen |= bit;
	return 0;
}

/*
 * RFC 8659 §4.2 issue-value: *WSP [issuer-domain-name *WSP]
 * [";" *WSP [parameters *WSP]], parameter = tag *WSP "=" *WSP value.
 * Points *iss (*in bytes) at the issuer domain name. Returns 0 or -1.
 */
static int
persist_parse(const char *s, size_t n, const char **iss, size_t *in,
    struct persist_rec *r)
{
	size_t i, t, tn, v;
	unsigned seen = 0;

	i = skip_wsp(s, n, 0);
	for (t = i; i < n && (ascii_isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    s[i] == '.'); i++) {
	}
	*iss = s + t;
	*in = i - t;
	i = skip_wsp(s, n, i);
	if (i < n && s[i] != ';') {
		return -1;
	}
	while (i < n) {
		i = skip_wsp(s, n, i + 1);      /* past ';' */
		if (i == n) {
			break;                  /* a trailing ';' is tolerated */
		}
		for (t = i; i < n && (ascii_isalnum((unsigned char)s[i]) ||
		    (s[i] == '-' && i > t)); i++) {
		}
		tn = i - t;
		i = skip_wsp(s, n, i);
		if (tn == 0 || s[t + tn - 1] == '-' || i == n || s[i] != '=') {
			return -1;
		}
		i = skip_wsp(s, n, i + 1);
		for (v = i; i < n && is_value_char((unsigned char)s[i]); i++) {
		}
		if (persist_param(r, &seen, s + t, tn, s + v, i - v) != 0) {
			return -1;
		}
		i = skip_wsp(s, n, i);
		if (i < n && s[i] != ';') {
			return -1;
		}
	}
	return 0;
}

/* see dnsrec.h */
bool
dnsrec_persist_matches(const char *txt, size_t n,
    const char *const *issuers, size_t nissuers,
    const struct dnsrec_persist *p, unsigned long long now)
{
	struct persist_rec r;
	char want[DNSREC_PERSIST_MAX];
	const char *iss;
	struct sbuf b;
	size_t in, k;
	bool ok = false;

	memset(&r, 0, sizeof(r));
	if (persist_parse(txt, n, &iss, &in, &r) != 0) {
		return false;
	}
	for (k = 0; k < nissuers && !ok; k++) {
		ok = issuers[k] != NULL && issuer_eq(iss, in, issuers[k]);
	}
	sbuf_init(&b, want, sizeof(want));
	if (!ok || account_value(p, &b) != 0 || b.err != 0) {
		return false;
	}
	/* -00 names the account with accounturi only; the hashed forms
	 * with accounturi (-02) or accountdigest (-03, -04). */
	ok = r.acct[0] != NULL && r.acct_len[0] == b.len &&
	    memcmp(r.acct[0], want, b.len) == 0;
	if (p->form != DNSREC_PERSIST_00 && r.acct[1] != NULL &&
	    r.acct_len[1] == b.len && memcmp(r.acct[1], want, b.len) == 0) {
		ok = true;
	}
	if (!ok || (r.has_until && now > r.until)) {
		return false;
	}
	return !wants_wildcard(p) || r.wildcard;
}
