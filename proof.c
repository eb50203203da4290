/* SPDX-License-Identifier: MIT */
/*
 * proof.c - proving control of every name: reading authorizations
 * (and refusing identifiers that were not ordered), picking the
 * challenge the certificate's method answers, publishing it (responder
 * child, webroot, hook, dns-persist-01 record check), answering and
 * polling, and taking back what was published.
 */
#include "run.h"

/* The owner name of the TXT record of dns challenge a (RFC 8555 §8.4,
 * dns-account-label: _LABEL._acme-challenge, dns-persist). */
int
dns_record_name(const struct run *r, struct authz *a)
{
	enum dnsrec_type t = strcmp(a->type, "dns-01") == 0 ? DNSREC_DNS01 :
	    strcmp(a->type, "dns-account-01") == 0 ? DNSREC_ACCOUNT01 :
	    DNSREC_PERSIST01;

	return dnsrec_name(t, a->ident, r->ca->kid, a->dns_name,
	    sizeof(a->dns_name));
}

/* --persist-until: UNIX seconds, digits only; 0 when not given. */
static unsigned long long
persist_until(const struct run *r)
{
	const char *s = r->o->persist_until;
	unsigned long long v = 0;

	for (; s != NULL && *s >= '0' && *s <= '9' && v < 1000000000000ULL;
	    s++) {
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v;
}

/*
 * What the dns-persist-01 record of domain (a name, "*." for a
 * wildcard) holds for this account, in the form the CA advertises.
 * domain must outlive p.
 */
void
persist_params(const struct run *r, const char *issuer, const char *domain,
    struct dnsrec_persist *p)
{
	struct session *ca = r->ca;

	memset(p, 0, sizeof(*p));
	p->form = dnsrec_persist_form(ca->dir.hash_prefix[0] != '\0');
	p->issuer = issuer;
	p->account_url = ca->kid;
	p->thumb = ca->thumb;
	p->hash_prefix = ca->dir.hash_prefix;
	p->domain = domain;
	p->flags = r->o->persist_wildcard ? DNSREC_WILDCARD : 0;
	p->persist_until = persist_until(r);
}

/*
 * Prints the zone-file line of record value v at owner name: stdout for
 * the dns-persist command, else as an error line for a person to act on.
 */
void
persist_line(const char *name, const char *v, bool to_stdout)
{
	char q[DNSREC_PERSIST_MAX + 32];

	if (dnsrec_txt_quote(v, strlen(v), q, sizeof(q), NULL) != 0) {
		q[0] = '\0';
	}
	if (to_stdout) {
		fmt_fd(1, "%s TXT %s\n", name, q);
	} else {
		msg_err("%s TXT %s", name, q);
	}
}

/*
 * dns-persist-01 challenge i of the last reply: its owner name and the
 * value the record must hold (for the hook's AUTH and the check), for
 * the first issuer domain name the CA gives.
 */
static int
persist_record(const struct run *r, struct authz *a, int i)
{
	const char *issuers[8];
	char names[1024], domain[260];
	struct dnsrec_persist p;

	if (obj_issuers(&r->ca->js, i, issuers, names) == 0 ||
	    fmt_s(domain, sizeof(domain), "%s%s", a->wildcard ? "*." : "",
	    a->ident) < 0) {
		return -1;
	}
	persist_params(r, issuers[0], domain, &p);
	a->chall = i;
	return dnsrec_persist_value(&p, a->record, sizeof(a->record),
	    NULL) != 0 || dns_record_name(r, a) != 0 ? -1 : 0;
}

/*
 * --dns-persist: looks the record of a up in DNS before answering. A
 * record that is missing or names another account would fail, and a CA
 * pauses a name after many failed validations: say exactly what to
 * create instead of spending one. A resolver that does not answer is no
 * reason to stop: the CA asks its own.
 */
static int
persist_check(struct run *r, const struct authz *a)
{
	const char *issuers[8], *rec;
	char buf[4096], names[1024], domain[260];
	struct dnsrec_persist p;
	struct dns_server srv;
	struct dns_txt txt;
	size_t n, k;

	n = obj_issuers(&r->ca->js, a->chall, issuers, names);
	fmt_s(domain, sizeof(domain), "%s%s", a->wildcard ? "*." : "",
	    a->ident);
	persist_params(r, NULL, domain, &p);
	if (r->c->dns_server != NULL) {
		dns_server_parse(&srv, r->c->dns_server,
		    strlen(r->c->dns_server));
	} else {
		dns_server_default(&srv);
	}
	memset(&txt, 0, sizeof(txt));
	txt.buf = buf;
	txt.cap = sizeof(buf);
	if (dns_txt_lookup(&srv, a->dns_name, DNS_TIMEOUT_MS, &txt) != 0) {
		msg_info(r->o, 0, "cannot look up %s (%s): answering the "
		    "challenge anyway", a->dns_name, dns_strerror(txt.err));
		return 0;
	}
	for (k = 0, rec = buf; k < txt.count; k++, rec += strlen(rec) + 1) {
		if (dnsrec_persist_matches(rec, strlen(rec), issuers, n, &p,
		    (unsigned long long)time(NULL))) {
			msg_info(r->o, 1, "  %s: the record is in place",
			    a->dns_name);
			return 0;
		}
	}
	msg_err("no dns-persist-01 record for this account at %s; create "
	    "this one at your DNS provider, then run again:", a->dns_name);
	persist_line(a->dns_name, a->record, false);
	return EXIT_VALIDATION;
}

/* Which challenge type this certificate answers without a hook. */
static const char *
wanted_type(const struct run *r)
{
	return r->c->dns_persist != NULL ? "dns-persist-01" :
	    r->c->alpn != NULL ? "tls-alpn-01" : "http-01";
}

/* The challenge types a hook is offered, in the CA's order. */
static const char *const hook_types[] = {
	"http-01", "dns-01", "tls-alpn-01", "dns-account-01", "dns-persist-01"
};

/*
 * True if this certificate's method answers challenges of type t. Any
 * other type, known or not, with or without a token, is skipped: CAs
 * add types (Let's Encrypt staging listed the token-less dns-persist-01
 * before clients knew it).
 */
static bool
is_wanted(const struct run *r, const char *t)
{
	size_t k;

	if (r->c->hook == NULL) {
		return strcmp(t, wanted_type(r)) == 0;
	}
	for (k = 0; k < sizeof(hook_types) / sizeof(hook_types[0]); k++) {
		if (strcmp(t, hook_types[k]) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Takes challenge i of the authorization in the last reply if we can
 * answer it: fills a's URL, token and key authorization, and publishes
 * it (webroot file, or the hook's "begin"). Returns 1 taken, 0 not for
 * us, -1 malformed.
 */
static int
take_challenge(struct run *r, struct authz *a, int k)
{
	struct session *ca = r->ca;
	struct acme_chall c;

	if (obj_challenge(&ca->js, k, &c) != 0 || !is_wanted(r, c.type)) {
		return 0;
	}
	if (c.url[0] == '\0') {
		return -1;
	}
	memcpy(a->type, c.type, sizeof(a->type));
	memcpy(a->chall_url, c.url, sizeof(a->chall_url));
	memcpy(a->token, c.token, sizeof(a->token));
	a->keyauth[0] = a->dns_name[0] = a->record[0] = '\0';
	/* dns-persist-01 has no token: its proof is a standing record. */
	if (strcmp(a->type, "dns-persist-01") == 0) {
		a->token[0] = '\0';    /* none: nothing of the CA's to a hook */
		if (persist_record(r, a, c.tok) != 0) {
			return -1;
		}
	} else if (jws_key_authz(a->token, ca->thumb, a->keyauth,
	    sizeof(a->keyauth)) != 0) {
		/* RFC 8555 §8.3: the token is base64url; it becomes a path */
		return -1;
	} else if (strncmp(a->type, "dns-", 4) == 0 &&
	    dns_record_name(r, a) != 0) {
		return -1;
	}
	if (r->c->hook != NULL) {
		/* uacme's contract: exit 0 means "I published it". */
		if (run_hook(r, "begin", a) != 0) {
			return 0;
		}
		a->begun = true;
	}
	return 1;
}

/* Picks and publishes the challenge of a (in the server's order). */
static int
find_challenge(struct run *r, struct authz *a, int n)
{
	int k, got;

	for (k = 0; k < n; k++) {
		if ((got = take_challenge(r, a, k)) != 0) {
			return got > 0 ? 0 : -1;
		}
	}
	return -1;
}

/*
 * Reads the identifier of the authorization in the last reply into a
 * and checks that it is one we ordered: a CA's identifier reaches hooks
 * and DNS names, so one that was not ordered (a compromised or broken
 * CA, a newline in a name) is refused. RFC 8555 §7.1.4: a wildcard's
 * authorization names the base domain with "wildcard": true.
 */
static int
authz_ident(struct run *r, struct authz *a, const struct acme_authz *z)
{
	unsigned char ip[16], ip2[16];
	size_t k, len = 0, len2;
	enum name_kind kind;
	char want[260];

	a->wildcard = z->wildcard;
	memcpy(a->ident, z->ident, sizeof(a->ident));
	if ((kind = name_classify(a->ident, ip, &len)) != NAME_BAD &&
	    fmt_s(want, sizeof(want), "%s%s", a->wildcard ? "*." : "",
	    a->ident) > 0) {
		for (k = 0; k < r->c->nnames; k++) {
			/* names were lowercased; an IP may be written
			 * another way (::1, 0:0::1): compare its bytes */
			if (kind == NAME_IP ? name_classify(r->c->names[k], ip2,
			    &len2) == NAME_IP && len2 == len &&
			    memcmp(ip, ip2, len) == 0 :
			    ascii_streq_nocase(r->c->names[k], want)) {
				return 0;
			}
		}
	}
	msg_err("authorization %s: its identifier is not one of the names "
	    "ordered: refused", a->url);
	return EXIT_ACME;
}

/* POST-as-GET of one authorization; prepares its challenge if pending. */
static int
authz_fetch(struct run *r, struct authz *a)
{
	struct session *ca = r->ca;
	struct acme_authz z;
	int rc;

	if ((rc = acme_post(r, a->url, "", false)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200 || !json_is(&ca->js, 0, JSMN_OBJECT)) {
		return acme_fail(r, "authorization", a->url);
	}
	obj_authz(&ca->js, &z);
	if ((rc = authz_ident(r, a, &z)) != 0) {
		return rc;
	}
	a->pending = a->begun = a->valid = false;
	if (strcmp(z.status, "valid") == 0) {
		msg_info(r->o, 1, "  %s: already valid", a->ident);
		return 0;
	}
	if (strcmp(z.status, "pending") != 0) {
		msg_err("authorization %s for %s is %s", a->url, a->ident,
		    z.status[0] != '\0' ? z.status : "without status");
		return EXIT_ACME;
	}
	if (find_challenge(r, a, z.nchall) != 0) {
		msg_err("authorization %s: no challenge for %s that %s", a->url,
		    a->ident, r->c->hook != NULL ? "the hook accepted" :
		    strcmp(wanted_type(r), "http-01") == 0 ? "is http-01 "
		    "(wildcards need dns-01: --hook, or --dns-persist)" :
		    r->c->dns_persist != NULL ? "is dns-persist-01" :
		    "is tls-alpn-01");
		return EXIT_ACME;
	}
	if (r->c->dns_persist != NULL && r->c->hook == NULL &&
	    (rc = persist_check(r, a)) != 0) {
		return rc;
	}
	if (r->c->webroot != NULL && r->c->hook == NULL) {
		if ((rc = webroot_publish(r, a)) != 0) {
			return rc;
		}
		a->begun = true;
	}
	a->pending = true;
	return 0;
}

/*
 * Takes back what the run published, whatever happened: webroot files
 * are removed, the hook hears "done" or "failed" for each challenge.
 */
void
challenges_cleanup(struct run *r)
{
	char path[STORE_PATH_MAX];
	size_t k;

	for (k = 0; k < r->cs->naz; k++) {
		struct authz *a = &r->cs->az[k];

		if (!a->begun) {
			continue;
		}
		if (r->c->hook != NULL) {
			run_hook(r, a->valid ? "done" : "failed", a);
		} else if (r->c->webroot != NULL &&
		    webroot_path(r, a->token, path) == 0) {
			unlink(path);
		}
		a->begun = false;
	}
}

/* The challenge responder failed or died: one message, EXIT_LOCAL. */
int
rsp_fail(struct run *r)
{
	char why[160];

	msg_err("%s", responder_strerror(&r->rsp, why, sizeof(why)));
	return EXIT_LOCAL;
}

/*
 * Starts the sandboxed responder of this certificate on spec: the
 * http-01 listener, or with --alpn the tls-alpn-01 responder.
 */
int
rsp_open(struct run *r, const char *spec)
{
	static const char *const step[] = {
		"not as --user (not started as root)", "not chrooted",
		"no no_new_privs", "no seccomp filter"
	};
	char why[160];
	unsigned k;

	if (responder_open(&r->rsp, r->c->alpn == NULL ? spec : NULL,
	    r->c->alpn != NULL ? spec : NULL, r->c->user) != 0) {
		msg_err("cannot listen on %s: %s", spec,
		    responder_strerror(&r->rsp, why, sizeof(why)));
		return EXIT_LOCAL;
	}
	msg_info(r->o, 1, "%s responder on %s, sandboxed%s",
	    r->c->alpn != NULL ? "tls-alpn-01" : "http-01", spec,
	    r->rsp.sandbox == RESPONDER_ALL ? " fully" : " in part:");
	for (k = 0; k < 4; k++) {
		if ((r->rsp.sandbox & 1u << k) == 0) {
			msg_info(r->o, 1, "  %s", step[k]);
		}
	}
	/* neither another user nor a filter: said without -v too */
	if ((r->rsp.sandbox & (RESPONDER_UID | RESPONDER_SECCOMP)) == 0) {
		msg_info(r->o, 0, "warning: the challenge responder runs as "
		    "this user with no seccomp filter (start nanoacme as root "
		    "for its sandbox)");
	}
	return 0;
}

/*
 * Sleeps before the next poll, watching the responder meanwhile: the
 * server's Retry-After when it sent one (capped), else *delay_ms, which
 * then doubles up to ACME_POLL_MAX_MS. Fails once the total wait since
 * start would pass ACME_POLL_TOTAL_S.
 */
int
poll_wait(struct run *r, long *delay_ms, time_t start, const char *what)
{
	struct session *ca = r->ca;
	long ms = *delay_ms;

	/* A CA's Retry-After steers polling, but a huge one (99999999)
	 * must not stall the run: validation takes seconds. */
	if (ca->resp.retry_after > 0) {
		ms = (ca->resp.retry_after < ACME_POLL_RETRY_AFTER_MAX_S ?
		    ca->resp.retry_after : ACME_POLL_RETRY_AFTER_MAX_S) * 1000L;
	}
	if (time(NULL) - start + ms / 1000 > ACME_POLL_TOTAL_S) {
		msg_err("%s: still not done after %d seconds", what,
		    ACME_POLL_TOTAL_S);
		return EXIT_ACME;
	}
	msg_info(r->o, 2, "  waiting %ld ms", ms);
	msg_status(r->o, "the CA validates or issues", (ms + 999) / 1000);
	if (r->rsp.open) {
		/* the responder serves on its own; we watch it */
		if (responder_wait(&r->rsp, ms) != 0) {
			msg_status(r->o, NULL, 0);
			return rsp_fail(r);
		}
	} else {
		poll(NULL, 0, (int)ms);
	}
	msg_status(r->o, NULL, 0);
	if (na_stop != 0) {
		return stop_code();
	}
	*delay_ms = *delay_ms * 2 > ACME_POLL_MAX_MS ? ACME_POLL_MAX_MS :
	    *delay_ms * 2;
	return 0;
}

/*
 * Proves control of every name: fetches the authorizations, publishes
 * all key authorizations on the listener, answers every challenge, then
 * polls (the CA validates them in parallel).
 */
static int
authorize_all(struct run *r)
{
	size_t k, n = 0;
	int rc;

	for (k = 0; k < r->cs->naz; k++) {
		if ((rc = authz_fetch(r, &r->cs->az[k])) != 0) {
			return rc;
		}
		if (r->cs->az[k].pending && r->rsp.open &&
		    responder_add(&r->rsp, r->cs->az[k].token,
		    r->cs->az[k].keyauth, r->c->alpn != NULL ?
		    r->cs->az[k].ident : NULL) != 0) {
			if (r->rsp.open) {
				msg_err("%s: cannot answer for %s",
				    wanted_type(r), r->cs->az[k].ident);
				return EXIT_LOCAL;
			}
			return rsp_fail(r);
		}
		n += r->cs->az[k].pending;
	}
	/* every answer in place before the CA is asked to look */
	if (n > 0 && r->rsp.open && responder_sync(&r->rsp) != 0) {
		return rsp_fail(r);
	}
	for (k = 0; k < r->cs->naz; k++) {
		if (!r->cs->az[k].pending) {
			continue;
		}
		/* RFC 8555 §7.5.1: the empty object asks for validation. */
		if ((rc = acme_post(r, r->cs->az[k].chall_url, "{}",
		    false)) != 0) {
			return rc;
		}
		if (r->ca->resp.status != 200) {
			return acme_fail(r, "challenge",
			    r->cs->az[k].chall_url);
		}
	}
	for (k = 0; k < r->cs->naz; k++) {
		if (r->cs->az[k].pending &&
		    (rc = authz_poll(r, &r->cs->az[k])) != 0) {
			return rc;
		}
	}
	return 0;
}

/* authorize_all(), then take back whatever it published. */
int
authorize(struct run *r)
{
	int rc = authorize_all(r);

	challenges_cleanup(r);
	return rc;
}
