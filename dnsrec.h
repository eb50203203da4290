/* SPDX-License-Identifier: MIT */
/*
 * dnsrec.h - which TXT record the DNS challenges ask for: its owner name
 * (dns-01, dns-account-01, dns-persist-01), the dns-persist-01 value in
 * each form the draft has had, a zone-file rendering of a TXT value, and
 * whether a dns-persist-01 record found in DNS authorizes us.
 *
 * Why separate: the dns-persist-01 draft changed its record twice in 2026
 * and will change again; every rule of it lives here, in pure functions
 * (no I/O, no printing, no allocation) tested on known answers, so the
 * ACME flow only says "the record for this challenge" and "does this
 * record count". The dns-01 value itself is jws_dns_digest().
 */
#ifndef NANOACME_DNSREC_H
#define NANOACME_DNSREC_H

#include <stdbool.h>
#include <stddef.h>

/* Longest owner name we produce: 253 characters (RFC 1035) + NUL. */
#define DNSREC_NAME_MAX 254

/* The challenge types that put a TXT record in DNS. */
enum dnsrec_type {
	DNSREC_DNS01,           /* RFC 8555 §8.4 */
	DNSREC_ACCOUNT01,       /* draft-ietf-acme-dns-account-label */
	DNSREC_PERSIST01        /* draft-ietf-acme-dns-persist */
};

/*
 * Writes the owner name (no trailing dot) of the record for challenge
 * type t and identifier ident into out[0..cap), NUL-terminated:
 *   DNSREC_DNS01      _acme-challenge.IDENT
 *   DNSREC_ACCOUNT01  _LABEL._acme-challenge.IDENT, LABEL = lowercase
 *                     base32 (RFC 4648, no padding) of the first 10
 *                     bytes of SHA-256(account_url): 16 characters
 *   DNSREC_PERSIST01  _validation-persist.IDENT
 * A leading "*." of ident is dropped first (wildcards are validated at
 * the base name), as is one trailing dot. account_url is used only by
 * DNSREC_ACCOUNT01 (may be NULL otherwise). ident is taken as given
 * (acme.c has checked and lowercased it). Returns 0, or -1 on an empty
 * ident, a missing account_url, a name longer than 253 characters, or
 * cap too small (DNSREC_NAME_MAX always fits).
 */
int dnsrec_name(enum dnsrec_type t, const char *ident,
    const char *account_url, char *out, size_t cap);

/*
 * The forms of the dns-persist-01 value (the RDATA is an RFC 8659
 * issue-value: "issuer-domain-name; tag=value; ...").
 */
enum dnsrec_form {
	/*
	 * draft-ietf-acme-dns-persist-00 and -01 (and the draft-sheurich
	 * drafts before them): accounturi=<account URL> as is. What Pebble
	 * 2.10, Let's Encrypt staging and Google Trust Services accept.
	 */
	DNSREC_PERSIST_00,
	/*
	 * draft-ietf-acme-dns-persist-02 (2026-09): accounturi=<prefix>
	 * sha-256/<base64url(SHA-256(len || domain || thumbprint || URL))>,
	 * prefix from directory meta.accountHashPrefix.
	 */
	DNSREC_PERSIST_02,
	/* -03 and -04: the same hashed value, tag renamed accountdigest. */
	DNSREC_PERSIST_03
};

/* policy=wildcard: the record also covers *.DOMAIN and subdomains. */
#define DNSREC_WILDCARD 1u

/* Longest value dnsrec_persist_value() writes, with its NUL. */
#define DNSREC_PERSIST_MAX 1024

/*
 * What a dns-persist-01 record says. Pointers are borrowed, strings
 * NUL-terminated.
 */
struct dnsrec_persist {
	enum dnsrec_form form;
	const char *issuer;       /* issuer-domain-name (value only) */
	const char *account_url;  /* the account URL (RFC 8555 §7.3) */
	const char *thumb;        /* RFC 7638 thumbprint, base64url (hashed) */
	const char *hash_prefix;  /* meta.accountHashPrefix (hashed forms) */
	const char *domain;       /* the identifier; "*." means wildcard */
	unsigned flags;           /* DNSREC_WILDCARD */
	unsigned long long persist_until; /* UNIX seconds, 0 = none (value) */
};

/*
 * Picks the form from what the CA advertises: has_hash_prefix is true
 * when its directory has meta.accountHashPrefix (drafts -02 and later);
 * else the -00 form. -02 and -03/-04 cannot be told apart from the
 * directory: DNSREC_PERSIST_02 is returned for both, and
 * dnsrec_persist_matches() accepts either tag.
 */
enum dnsrec_form dnsrec_persist_form(bool has_hash_prefix);

/*
 * Writes the TXT value (RDATA text, unquoted) of p into out[0..cap),
 * NUL-terminated, *out_len (may be NULL) its length:
 *   ISSUER; accounturi=ACCOUNT[; policy=wildcard][; persistUntil=N]
 * with ACCOUNT the account URL (-00) or its hash (-02; tag accountdigest
 * for -03). policy=wildcard is written when flags has DNSREC_WILDCARD or
 * domain starts with "*."; persistUntil when persist_until != 0.
 * Returns 0, or -1 when a field the form needs is missing or empty,
 * when issuer, account_url or hash_prefix hold a character an
 * issue-value cannot carry (space, ';', controls, non-ASCII), when the
 * domain is longer than 253 characters, or when out is too small.
 */
int dnsrec_persist_value(const struct dnsrec_persist *p, char *out,
    size_t cap, size_t *out_len);

/*
 * Renders v[0..n) for a zone file as one or more quoted strings, each
 * holding at most 255 bytes of the value (RFC 1035 §3.3.14), separated
 * by one space: "abc" "def". '"' and '\' are escaped with '\'; other
 * bytes are copied (the caller gives text). n == 0 gives "". Writes
 * out[0..cap), NUL-terminated, *out_len (may be NULL) its length.
 * Returns 0, or -1 if out is too small.
 */
int dnsrec_txt_quote(const char *v, size_t n, char *out, size_t cap,
    size_t *out_len);

/*
 * True if txt[0..n) (a TXT record's strings concatenated, as received)
 * authorizes p's account: an RFC 8659 issue-value (blanks around ';' and
 * '=' allowed) whose issuer-domain-name equals one of issuers[0..nissuers)
 * (ASCII case-insensitive, a trailing dot ignored on either side), whose
 * accounturi (-00), or accounturi or accountdigest (hashed forms), is
 * exactly ours (computed from p as dnsrec_persist_value() does), whose
 * persistUntil, if any, is not before now (UNIX seconds), and with
 * policy=wildcard when p asks for it (DNSREC_WILDCARD or a "*." domain).
 * Tags are case-insensitive, as is the policy value; unknown tags are
 * ignored; a duplicate tag, bad syntax or a bad persistUntil makes the
 * record count for nothing. p->issuer and p->persist_until are not used.
 */
bool dnsrec_persist_matches(const char *txt, size_t n,
    const char *const *issuers, size_t nissuers,
    const struct dnsrec_persist *p, unsigned long long now);

#endif /* NANOACME_DNSREC_H */
