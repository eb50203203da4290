/* SPDX-License-Identifier: MIT */
/*
 * acmeobj.h - the ACME objects (RFC 8555 §7.1, RFC 9773 §4.2): pure
 * decoders of what a CA sends (directory, problem, order, authorization,
 * challenge, renewalInfo) and encoders of the payloads we send.
 *
 * Why a file of its own: these are the shapes of the protocol, apart
 * from its flow. acme.c asks "what does this order say" and gets a
 * checked, bounded struct; it never walks JSON tokens. Nothing here
 * sends, prints, allocates or reads the clock, so tests/t_acmeobj.c
 * checks each decoder on replies recorded from real CAs (tests/data/)
 * and fuzz/fuzz_acmeobj.c runs them all on any bytes.
 *
 * Every decoder takes a parsed document (json.h) and the index of the
 * object's token (0 for the whole reply); strings are copied unescaped
 * and NUL-terminated, or left "" when absent, not a string or too long.
 */
#ifndef NANOACME_ACMEOBJ_H
#define NANOACME_ACMEOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fmt.h"
#include "json.h"
#include "jws.h"

/* The directory (RFC 8555 §7.1.1): the URLs and meta we use. */
struct directory {
	char new_nonce[HTTP_MAX_URL];
	char new_account[HTTP_MAX_URL];
	char new_order[HTTP_MAX_URL];
	char revoke_cert[HTTP_MAX_URL];
	char key_change[HTTP_MAX_URL];
	char renewal_info[HTTP_MAX_URL];
	char tos[HTTP_MAX_URL];
	char issuer[256];                  /* dns-persist-01 issuer name */
	char hash_prefix[64];              /* meta.accountHashPrefix */
	bool eab_required;
};

/*
 * Decodes directory d. Returns 0, or -1 when the reply is no object or
 * newNonce, newAccount or newOrder is missing or not an http(s) URL.
 * Optional URLs that are not URLs are left "".
 */
int obj_directory(const struct json *j, struct directory *d);

/* --profile NAME against meta.profiles (an object keyed by name). */
enum obj_profile {
	OBJ_PROFILE_OK,                    /* offered */
	OBJ_PROFILE_NONE,                  /* the CA offers no profiles */
	OBJ_PROFILE_UNKNOWN                /* not one of them */
};
enum obj_profile obj_profile(const struct json *j, const char *name);

/* Copies URL member key of object obj into out, checked as a URL. */
int obj_url(const struct json *j, int obj, const char *key, char *out);

/*
 * String k of the array member key of object obj into out[0..cap).
 * Returns 0, or -1 (no such array or element, or not a string).
 */
int obj_nth_str(const struct json *j, int obj, const char *key, int k,
    char *out, size_t cap);

/* Length of the array member key of obj, or -1 if it is no array. */
int obj_count(const struct json *j, int obj, const char *key);

/* The object element k of array member key of obj: its token or -1. */
int obj_nth(const struct json *j, int obj, const char *key, int k);

/* The "status" of obj into out[0..cap), "" when missing. */
void obj_status(const struct json *j, int obj, char *out, size_t cap);

/* A problem document (RFC 7807, RFC 8555 §6.7). */
struct acme_problem {
	char type[256];
	char detail[1024];
	char ident[256];                   /* its identifier's value */
	char instance[HTTP_MAX_URL];       /* userActionRequired: the page */
	int nsub;                          /* subproblems (0 if none) */
};

/* Decodes the problem at obj; false if obj is no object with a type. */
bool obj_problem(const struct json *j, int obj, struct acme_problem *p);

/* True if p's type is urn:ietf:params:acme:error:NAME. */
bool obj_problem_is(const struct acme_problem *p, const char *name);

/*
 * Let's Encrypt pauses a name after many failed validations with a
 * rateLimited problem whose detail holds an https URL to unpause: copies
 * it (up to the first blank or quote) into out. Returns 0, or -1.
 */
int obj_unpause_url(const char *detail, char *out, size_t cap);

/* An order (RFC 8555 §7.1.3). Its authorizations: obj_nth_str(). */
struct acme_order {
	char status[32];
	char finalize[HTTP_MAX_URL];
	char certificate[HTTP_MAX_URL];    /* "" until valid */
	int nauthz;                        /* -1: no authorizations array */
	int error;                         /* its problem's token, or -1 */
};
void obj_order(const struct json *j, struct acme_order *o);

/* An authorization (RFC 8555 §7.1.4). Its challenges: obj_challenge(). */
struct acme_authz {
	char status[32];
	char ident[256];                   /* identifier value */
	bool wildcard;
	int nchall;                        /* -1: no challenges array */
};

/* Decodes authz; -1 if the reply is no object or has no identifier. */
int obj_authz(const struct json *j, struct acme_authz *z);

/* A challenge (RFC 8555 §8). dns-persist-01 has no token. */
struct acme_chall {
	char type[16];
	char url[HTTP_MAX_URL];            /* "" if missing or no URL */
	char token[130];                   /* "" if missing or too long */
	char status[32];
	int error;                         /* its problem's token, or -1 */
	int tok;                           /* the challenge's own token */
};

/*
 * Challenge k of the authorization in the reply. Returns 0, or -1 when
 * there is no such object or its type is missing or unknown to us in
 * length (the type is what decides whether we take it).
 */
int obj_challenge(const struct json *j, int k, struct acme_chall *c);

/*
 * dns-persist-01: the issuer domain names of challenge token chall
 * (draft -00/-01 "issuer-domain-names", -02 "issuerDomainNames"), at most
 * 8, their text in names[0..1024). Returns how many.
 */
size_t obj_issuers(const struct json *j, int chall, const char *issuers[8],
    char names[1024]);

/* The first challenge of the authorization with an error: its problem's
 * token, or -1. With url, only the challenge of that URL is looked at. */
int obj_chall_error(const struct json *j, const char *url);

/* renewalInfo (RFC 9773 §4.2): the suggested window; 0 or -1. */
int obj_renewal_info(const struct json *j, int64_t *start, int64_t *end);

/*
 * Encoders of the payloads we send, into b (a sticky error in b when
 * they do not fit). names[] are checked names: IP literals become "ip"
 * identifiers (RFC 8738), others "dns".
 */
void obj_new_order(struct sbuf *b, const char *const *names, size_t n,
    const char *profile, const char *replaces);
void obj_contact(struct sbuf *b, const char *email);
void obj_finalize(struct sbuf *b, const unsigned char *csr, size_t len);
void obj_revoke(struct sbuf *b, const unsigned char *der, size_t len,
    long reason);
void obj_key_change(struct sbuf *b, const char *kid,
    const br_ec_public_key *old);

#endif /* NANOACME_ACMEOBJ_H */
