/* SPDX-License-Identifier: MIT */
/*
 * acmeobj.c - the ACME objects: decoders of what a CA sends, encoders of
 * what we send (see acmeobj.h for why they live apart from acme.c).
 */
#include <string.h>

#include "acmeobj.h"
#include "ascii.h"
#include "certs.h"
#include "http.h"
#include "pem.h"

static const char problem_prefix[] = "urn:ietf:params:acme:error:";

/* Copies string member key of obj into out, or "" (never -1 to test). */
static void
get_str(const struct json *j, int obj, const char *key, char *out,
    size_t cap)
{
	if (json_get_str(j, obj, key, out, cap, NULL) != 0) {
		out[0] = '\0';
	}
}

int
obj_url(const struct json *j, int obj, const char *key, char *out)
{
	char host[256], port[6];
	const char *path;

	if (json_get_str(j, obj, key, out, HTTP_MAX_URL, NULL) != 0 ||
	    http_url_parse(out, host, sizeof(host), port, &path) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
obj_count(const struct json *j, int obj, const char *key)
{
	int arr = json_get(j, obj, key);

	return json_is(j, arr, JSMN_ARRAY) ? j->tok[arr].size : -1;
}

/* Token of element k of the array member key of obj, or -1. */
static int
nth(const struct json *j, int obj, const char *key, int k)
{
	int i = json_get(j, obj, key), n;

	if (k < 0 || (n = obj_count(j, obj, key)) <= k) {
		return -1;
	}
	for (i++; k > 0; k--) {
		i = json_skip(j, i);
	}
	return i;
}

int
obj_nth(const struct json *j, int obj, const char *key, int k)
{
	int i = nth(j, obj, key, k);

	return json_is(j, i, JSMN_OBJECT) ? i : -1;
}

int
obj_nth_str(const struct json *j, int obj, const char *key, int k,
    char *out, size_t cap)
{
	out[0] = '\0';
	if (json_str(j, nth(j, obj, key, k), out, cap, NULL) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

void
obj_status(const struct json *j, int obj, char *out, size_t cap)
{
	get_str(j, obj, "status", out, cap);
}

int
obj_directory(const struct json *j, struct directory *d)
{
	int meta = json_get(j, 0, "meta");

	memset(d, 0, sizeof(*d));
	if (!json_is(j, 0, JSMN_OBJECT) ||
	    obj_url(j, 0, "newNonce", d->new_nonce) != 0 ||
	    obj_url(j, 0, "newAccount", d->new_account) != 0 ||
	    obj_url(j, 0, "newOrder", d->new_order) != 0) {
		return -1;
	}
	/* Optional: revoke and account rollover say so when missing. */
	obj_url(j, 0, "revokeCert", d->revoke_cert);
	obj_url(j, 0, "keyChange", d->key_change);
	obj_url(j, 0, "renewalInfo", d->renewal_info);
	/* Optional: only shown to the user, so no URL check is needed. */
	get_str(j, meta, "termsOfService", d->tos, sizeof(d->tos));
	d->eab_required = json_is_true(j, json_get(j, meta,
	    "externalAccountRequired"));
	/* dns-persist-01: the issuer domain names (draft -02's own list,
	 * else the CAA identities, which -00/-01 CAs use) and -02's hash
	 * prefix, for the dns-persist command, which has no challenge. */
	if (obj_nth_str(j, meta, "issuerDomainNames", 0, d->issuer,
	    sizeof(d->issuer)) != 0) {
		obj_nth_str(j, meta, "caaIdentities", 0, d->issuer,
		    sizeof(d->issuer));
	}
	get_str(j, meta, "accountHashPrefix", d->hash_prefix,
	    sizeof(d->hash_prefix));
	return 0;
}

enum obj_profile
obj_profile(const struct json *j, const char *name)
{
	int prof = json_get(j, json_get(j, 0, "meta"), "profiles");

	if (!json_is(j, prof, JSMN_OBJECT)) {
		return OBJ_PROFILE_NONE;
	}
	return json_get(j, prof, name) < 0 ? OBJ_PROFILE_UNKNOWN :
	    OBJ_PROFILE_OK;
}

bool
obj_problem(const struct json *j, int obj, struct acme_problem *p)
{
	get_str(j, obj, "type", p->type, sizeof(p->type));
	get_str(j, obj, "detail", p->detail, sizeof(p->detail));
	get_str(j, json_get(j, obj, "identifier"), "value", p->ident,
	    sizeof(p->ident));
	get_str(j, obj, "instance", p->instance, sizeof(p->instance));
	p->nsub = obj_count(j, obj, "subproblems");
	p->nsub = p->nsub > 0 ? p->nsub : 0;
	return json_get(j, obj, "type") >= 0 && json_is(j, obj, JSMN_OBJECT);
}

bool
obj_problem_is(const struct acme_problem *p, const char *name)
{
	size_t n = sizeof(problem_prefix) - 1;

	return strncmp(p->type, problem_prefix, n) == 0 &&
	    strcmp(p->type + n, name) == 0;
}

int
obj_unpause_url(const char *detail, char *out, size_t cap)
{
	const char *u;
	size_t n;

	if (ascii_find(detail, "unpause") == NULL ||
	    (u = ascii_find(detail, "https://")) == NULL) {
		return -1;
	}
	n = strcspn(u, " \t\r\n\"'<>");
	if (n >= cap) {
		return -1;
	}
	memcpy(out, u, n);
	out[n] = '\0';
	return 0;
}

void
obj_order(const struct json *j, struct acme_order *o)
{
	int err = json_get(j, 0, "error");

	obj_status(j, 0, o->status, sizeof(o->status));
	obj_url(j, 0, "finalize", o->finalize);
	obj_url(j, 0, "certificate", o->certificate);
	o->nauthz = obj_count(j, 0, "authorizations");
	o->error = json_is(j, err, JSMN_OBJECT) ? err : -1;
}

int
obj_authz(const struct json *j, struct acme_authz *z)
{
	int id = json_get(j, 0, "identifier");

	obj_status(j, 0, z->status, sizeof(z->status));
	z->wildcard = json_is_true(j, json_get(j, 0, "wildcard"));
	z->nchall = obj_count(j, 0, "challenges");
	if (!json_is(j, 0, JSMN_OBJECT) || json_get_str(j, id, "value",
	    z->ident, sizeof(z->ident), NULL) != 0) {
		z->ident[0] = '\0';
		return -1;
	}
	return 0;
}

int
obj_challenge(const struct json *j, int k, struct acme_chall *c)
{
	int i = obj_nth(j, 0, "challenges", k), err;

	c->tok = i;
	err = json_get(j, i, "error");
	c->error = json_is(j, err, JSMN_OBJECT) ? err : -1;
	obj_url(j, i, "url", c->url);
	get_str(j, i, "token", c->token, sizeof(c->token));
	obj_status(j, i, c->status, sizeof(c->status));
	if (i < 0 || json_get_str(j, i, "type", c->type, sizeof(c->type),
	    NULL) != 0) {
		c->type[0] = '\0';
		return -1;
	}
	return 0;
}

size_t
obj_issuers(const struct json *j, int chall, const char *issuers[8],
    char names[1024])
{
	const char *key = json_get(j, chall, "issuer-domain-names") >= 0 ?
	    "issuer-domain-names" : "issuerDomainNames";
	size_t n = 0, used = 0;
	int k;

	for (k = 0; n < 8 && used < 1024; k++) {
		if (k >= obj_count(j, chall, key)) {
			break;
		}
		if (obj_nth_str(j, chall, key, k, names + used, 1024 - used) ==
		    0) {
			issuers[n++] = names + used;
			used += strlen(names + used) + 1;
		}
	}
	return n;
}

int
obj_chall_error(const struct json *j, const char *url)
{
	struct acme_chall c;
	int k, n = obj_count(j, 0, "challenges");

	for (k = 0; k < n; k++) {
		if (obj_challenge(j, k, &c) == 0 && c.error >= 0 &&
		    (url == NULL || strcmp(c.url, url) == 0)) {
			return c.error;
		}
	}
	return -1;
}

int
obj_renewal_info(const struct json *j, int64_t *start, int64_t *end)
{
	char t[64];
	int w = json_get(j, 0, "suggestedWindow");

	if (json_get_str(j, w, "start", t, sizeof(t), NULL) != 0 ||
	    rfc3339_parse(t, start) != 0 ||
	    json_get_str(j, w, "end", t, sizeof(t), NULL) != 0 ||
	    rfc3339_parse(t, end) != 0) {
		return -1;
	}
	return 0;
}

/* Appends ,"key":"value" (a JSON string) to b. */
static void
add_member(struct sbuf *b, const char *key, const char *v)
{
	sbuf_adds(b, ",\"");
	sbuf_adds(b, key);
	sbuf_adds(b, "\":");
	json_add_str(b, v, strlen(v));
}

void
obj_new_order(struct sbuf *b, const char *const *names, size_t n,
    const char *profile, const char *replaces)
{
	size_t k;

	sbuf_adds(b, "{\"identifiers\":[");
	for (k = 0; k < n; k++) {
		sbuf_adds(b, k > 0 ? ",{\"type\":" : "{\"type\":");
		sbuf_adds(b, name_classify(names[k], NULL, NULL) == NAME_IP ?
		    "\"ip\"" : "\"dns\"");
		add_member(b, "value", names[k]);
		sbuf_adds(b, "}");
	}
	sbuf_adds(b, "]");
	if (profile != NULL) {
		add_member(b, "profile", profile);
	}
	/* RFC 9773 §5: name the certificate this order replaces. */
	if (replaces != NULL && replaces[0] != '\0') {
		add_member(b, "replaces", replaces);
	}
	sbuf_adds(b, "}");
}

void
obj_contact(struct sbuf *b, const char *email)
{
	char contact[320];
	int n = fmt_s(contact, sizeof(contact), "mailto:%s", email);

	sbuf_adds(b, "\"contact\":[");
	json_add_str(b, contact, strlen(contact));
	sbuf_adds(b, "]");
	b->err |= n < 0 || (size_t)n >= sizeof(contact);
}

/* {"KEY":"BASE64URL(der)" into b (the object left open). */
static void
open_b64(struct sbuf *b, const char *key, const unsigned char *der,
    size_t len)
{
	sbuf_adds(b, "{\"");
	sbuf_adds(b, key);
	sbuf_adds(b, "\":\"");
	b64url_add(b, der, len);
	sbuf_adds(b, "\"");
}

void
obj_finalize(struct sbuf *b, const unsigned char *csr, size_t len)
{
	open_b64(b, "csr", csr, len);
	sbuf_adds(b, "}");
}

void
obj_revoke(struct sbuf *b, const unsigned char *der, size_t len,
    long reason)
{
	char num[24];

	open_b64(b, "certificate", der, len);
	if (reason != CONF_UNSET) {
		fmt_s(num, sizeof(num), ",\"reason\":%ld", reason);
		sbuf_adds(b, num);
	}
	sbuf_adds(b, "}");
}

void
obj_key_change(struct sbuf *b, const char *kid, const br_ec_public_key *old)
{
	sbuf_adds(b, "{\"account\":");
	json_add_str(b, kid, strlen(kid));
	sbuf_adds(b, ",\"oldKey\":");
	jws_jwk(old, b);
	sbuf_adds(b, "}");
}
