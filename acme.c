/* SPDX-License-Identifier: MIT */
/*
 * acme.c - the RFC 8555 engine: every request to the CA and what its
 * reply means. Replies and problem documents (with what a person must
 * do), the nonce and signed POST with badNonce retries, the directory,
 * the account (newAccount, EAB, deactivation, keyChange), newOrder,
 * authorization polling (and smallstep's pending-with-error), finalize,
 * order polling and revokeCert.
 *
 * It parses no bytes itself: JSON goes through json.c, HTTP through
 * http.c. It knows no file of the state directory (state.c) and no
 * command (cmd.c).
 */
#include "run.h"

/* Prints a UTC date of t into out[32]: "YYYY-MM-DD HH:MM". */
void
fmt_date(int64_t t, char out[32])
{
	int64_t f[6];

	date_split(t > 0 ? t : 0, f);
	fmt_s(out, 32, "%04d-%02d-%02d %02d:%02d", (int)f[0], (int)f[1],
	    (int)f[2], (int)f[3], (int)f[4]);
}

/* Reports a failed HTTP exchange; returns EXIT_NET. */
static int
net_fail(struct run *r, const char *method, const char *url)
{
	struct session *ca = r->ca;
	const struct http_client *c = &ca->http;
	const char *why = "";

	switch (c->err) {
	case HTTP_ETLS:
		why = http_tls_strerror(c->detail);
		break;
	case HTTP_ERESOLVE:
		why = dns_strerror(c->detail);
		break;
	case HTTP_ECONNECT:
	case HTTP_EIO:
		why = c->detail != 0 ? fmt_strerror(c->detail) : "";
		break;
	default:
		break;
	}
	msg_err("%s %s: %s%s%s", method, url, http_strerror(c->err),
	    why[0] != '\0' ? ": " : "", why);
	/* which anchors said no: the CA file to fix (-c, $SSL_CERT_FILE) */
	if (c->err == HTTP_ETLS && (c->detail == BR_ERR_X509_NOT_TRUSTED ||
	    c->detail == BR_ERR_X509_NOT_CA) && ca->anchors_file[0] != 0) {
		msg_err("  trusted CAs: %s (-c FILE or $SSL_CERT_FILE to "
		    "choose)", ca->anchors_file);
	}
	/* A server that is down or a link that is not up yet may recover;
	 * a certificate that does not verify will not. */
	ca->transient = c->err != HTTP_ETLS && c->err != HTTP_EURL;
	ca->retry_after = -1;
	return EXIT_NET;
}

/* True if the content type names JSON (+json suffix included). */
static bool
is_json_type(const char *ct)
{
	size_t n = strcspn(ct, "; ");

	return (n >= 4 && strncmp(ct + n - 4, "json", 4) == 0);
}

/* -vv: prints line[0..len) if it holds more than its indentation;
 * returns the length of the next line's indentation (2 per level). */
static size_t
body_line(const struct run *r, char *line, size_t len, size_t ind,
    int depth)
{
	if (len > ind) {
		line[len] = '\0';
		msg_info(r->o, 2, "  %s", line);
	}
	ind = depth > 0 ? (size_t)depth * 2 : 0;
	ind = ind < 64 ? ind : 64;
	memset(line, ' ', ind);
	return ind;
}

/*
 * -vv: the reply body, at most VERBOSE_BODY_MAX bytes, then how many
 * more there were. JSON is re-indented (one member per line, as CAs
 * that send it compact are read too), other text shown line by line;
 * msg_info() makes control bytes visible. A line over 1 KB is cut.
 */
static void
show_body(const struct run *r)
{
	struct session *ca = r->ca;
	const char *p = (const char *)ca->body;
	size_t n = ca->resp.body_len, k, len = 0, ind = 0;
	bool json = is_json_type(ca->resp.content_type), str = false;
	bool esc = false;
	int depth = 0;
	char line[1024], c;

	n = n < VERBOSE_BODY_MAX ? n : VERBOSE_BODY_MAX;
	for (k = 0; k < n; k++) {
		c = p[k];
		if (!json || str) {
			/* text, or inside a JSON string: as it is */
			str = str && (esc || c != '"');
			esc = str && !esc && c == '\\';
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		} else if (c == '}' || c == ']') {
			len = ind = body_line(r, line, len, ind, --depth);
		} else {
			str = c == '"';
		}
		if (!json && c == '\n') {
			len = ind = body_line(r, line, len, ind, 0);
			continue;
		}
		if (len < sizeof(line) - 2) {
			line[len++] = c;
		}
		if (json && !str && c == ':' && len < sizeof(line) - 2) {
			line[len++] = ' ';
		} else if (json && !str && (c == '{' || c == '[' || c == ',')) {
			depth += c != ',';
			len = ind = body_line(r, line, len, ind, depth);
		}
	}
	body_line(r, line, len, ind, 0);
	if (n < ca->resp.body_len) {
		msg_info(r->o, 2, "  ... (%zu more bytes)",
		    ca->resp.body_len - n);
	}
}

/*
 * Sends one request and reads the reply into r->ca->resp/r->ca->body, keeping
 * its Replay-Nonce and parsing JSON bodies into r->ca->js (r->ca->js.ntok is 0
 * when there is none). A chain that the built-in roots do not anchor
 * is tried once more against the system bundle (roots_fallback()).
 * Returns 0 or EXIT_NET.
 */
int
send_req(struct run *r, const char *method, const char *url,
    const char *body, size_t len)
{
	struct session *ca = r->ca;

	/* a signal asked to stop: send nothing more (see cmd.c) */
	if (na_stop != 0) {
		return stop_code();
	}
	msg_info(r->o, 1, "> %s %s", method, url);
	while (http_request(&ca->http, method, url,
	    len > 0 ? "application/jose+json" : NULL, body, len, &ca->resp,
	    ca->body, HTTP_MAX_BODY) != 0) {
		if (!roots_fallback(r)) {
			return net_fail(r, method, url);
		}
	}
	ca->body[ca->resp.body_len] = '\0';
	msg_info(r->o, 1, "< %d %s (%zu bytes)", ca->resp.status,
	    ca->resp.content_type, ca->resp.body_len);
	if (r->o->verbose >= 2 && ca->resp.body_len > 0) {
		show_body(r);
	}
	if (ca->resp.nonce[0] != '\0') {
		memcpy(ca->nonce, ca->resp.nonce, sizeof(ca->nonce));
	}
	ca->js.ntok = 0;
	if (is_json_type(ca->resp.content_type) &&
	    json_parse(&ca->js, (const char *)ca->body, ca->resp.body_len,
	    ca->tok, JSON_MAX_TOKENS) != 0) {
		ca->js.ntok = 0;
	}
	return 0;
}

/* True if the last reply is the ACME problem urn:...:error:name. */
static bool
is_problem(const struct run *r, const char *name)
{
	struct acme_problem p;

	return obj_problem(&r->ca->js, 0, &p) && obj_problem_is(&p, name);
}

/* Prints one problem: "PREFIX IDENT: TYPE: DETAIL". */
static void
print_one_problem(const struct acme_problem *p, const char *prefix)
{
	msg_err("%s%s%s%s%s%s", prefix, p->ident, p->ident[0] != '\0' ?
	    ": " : "", p->type[0] != '\0' ? p->type : "(no problem type)",
	    p->detail[0] != '\0' ? ": " : "", p->detail);
}

/*
 * Prints the problem at obj and its subproblems (RFC 8555 §6.7.1: one
 * per identifier at fault). Subproblems of subproblems are not looked
 * at: no recursion over what a server sends.
 */
static void
print_problem_at(const struct run *r, int obj, const char *prefix)
{
	struct session *ca = r->ca;
	struct acme_problem p;
	int k, n;

	obj_problem(&ca->js, obj, &p);
	print_one_problem(&p, prefix);
	for (k = 0, n = p.nsub; k < n; k++) {
		if (obj_problem(&ca->js, obj_nth(&ca->js, obj, "subproblems",
		    k), &p)) {
			print_one_problem(&p, "  ");
		}
	}
}

/*
 * What a person must do about the problem in the last reply, if the CA
 * says: a paused name or account (Let's Encrypt: rateLimited whose
 * detail holds an unpause URL; no retry helps until someone visits it),
 * or userActionRequired (RFC 8555 §7.3.3: new terms, at "instance").
 * Returns true if the failure needs a person, not a retry.
 */
static bool
needs_person(const struct run *r)
{
	struct session *ca = r->ca;
	char url[HTTP_MAX_URL];
	struct acme_problem p;

	obj_problem(&ca->js, 0, &p);
	if (obj_problem_is(&p, "accountDoesNotExist")) {
		msg_err("the CA does not know this account (a test CA reset, "
		    "or another CA): remove %s/url and run again; the key is "
		    "kept, and -y creates a new account if the CA has none "
		    "for it", ca->acct_dir);
		return true;
	}
	if (obj_problem_is(&p, "userActionRequired")) {
		msg_err("the CA needs you to act first: visit %s, then run "
		    "again", p.instance[0] != '\0' ? p.instance :
		    "its web site");
		return true;
	}
	if (!obj_problem_is(&p, "rateLimited") ||
	    obj_unpause_url(p.detail, url, sizeof(url)) != 0) {
		return false;
	}
	msg_err("the CA paused issuance for these names on this account "
	    "(too many failed validations): fix what makes validation fail, "
	    "visit %s to unpause, then run again", url);
	return true;
}

/* Reports an unexpected reply to what (at url); returns EXIT_ACME. */
int
acme_fail(struct run *r, const char *what, const char *url)
{
	struct session *ca = r->ca;
	char prefix[HTTP_MAX_URL + 128];

	ca->transient = ca->resp.status >= 500 ||
	    is_problem(r, "rateLimited") || is_problem(r, "serverInternal") ||
	    is_problem(r, "badNonce");
	ca->retry_after = ca->resp.retry_after;
	fmt_s(prefix, sizeof(prefix), "%s %s: %d ", what, url,
	    ca->resp.status);
	if (ca->js.ntok > 0 && json_get(&ca->js, 0, "type") >= 0) {
		print_problem_at(r, 0, prefix);
		if (needs_person(r)) {
			ca->transient = false;
		}
	} else {
		msg_err("%sunexpected reply (%s, %zu bytes)", prefix,
		    ca->resp.content_type[0] != '\0' ? ca->resp.content_type :
		    "no content type", ca->resp.body_len);
	}
	return EXIT_ACME;
}

/* Fetches a fresh nonce from newNonce (RFC 8555 §7.2). */
static int
get_nonce(struct run *r)
{
	struct session *ca = r->ca;
	int rc;

	if ((rc = send_req(r, "HEAD", ca->dir.new_nonce, NULL, 0)) != 0) {
		return rc;
	}
	if ((ca->resp.status != 200 && ca->resp.status != 204) ||
	    ca->nonce[0] == '\0') {
		msg_err("newNonce %s: %d without a Replay-Nonce",
		    ca->dir.new_nonce, ca->resp.status);
		return EXIT_ACME;
	}
	return 0;
}

/*
 * POSTs payload signed with the account key (jwk for newAccount, kid
 * after), retrying badNonce with the nonce of the error reply (RFC 8555
 * §6.5). Returns 0 with the reply in r (any status), or an exit code.
 */
int
acme_post(struct run *r, const char *url, const char *payload, bool jwk)
{
	struct session *ca = r->ca;
	struct sbuf b;
	int tries, rc;

	for (tries = 0;; tries++) {
		if (ca->nonce[0] == '\0' && (rc = get_nonce(r)) != 0) {
			return rc;
		}
		sbuf_init(&b, ca->jws, sizeof(ca->jws));
		if (jws_sign(&ca->signer->sk, &ca->signer->pk, jwk ? NULL :
		    ca->kid, ca->nonce, url, payload, strlen(payload),
		    &b) != 0) {
			msg_err("POST %s: request too large to sign", url);
			return EXIT_LOCAL;
		}
		ca->nonce[0] = '\0';     /* a nonce is good for one request */
		if ((rc = send_req(r, "POST", url, b.p, b.len)) != 0) {
			return rc;
		}
		if (ca->resp.status < 400 || !is_problem(r, "badNonce") ||
		    tries == ACME_BADNONCE_RETRIES) {
			return 0;
		}
		msg_info(r->o, 1, "  badNonce: retrying with a new nonce");
	}
}

/* GETs the directory and keeps the URLs we need (RFC 8555 §7.1.1);
 * --profile must name one of its meta.profiles. */
static int
get_directory(struct run *r)
{
	struct session *ca = r->ca;
	const char *url = r->c->directory, *prof = r->c->profile;
	enum obj_profile has;
	int rc;

	if ((rc = send_req(r, "GET", url, NULL, 0)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200 || !json_is(&ca->js, 0, JSMN_OBJECT)) {
		return acme_fail(r, "directory", url);
	}
	if (obj_directory(&ca->js, &ca->dir) != 0) {
		msg_err("directory %s: newNonce, newAccount or newOrder "
		    "missing or not an https URL", url);
		return EXIT_ACME;
	}
	if (prof == NULL ||
	    (has = obj_profile(&ca->js, prof)) == OBJ_PROFILE_OK) {
		return 0;
	}
	msg_err(has == OBJ_PROFILE_NONE ? "--profile %s: directory %s offers "
	    "no profiles" : "--profile %s: not one of the profiles of %s",
	    prof, url);
	return EXIT_USAGE;
}

/*
 * Appends ,"externalAccountBinding":{...} (RFC 8555 §7.3.4): the CA's
 * key id and MAC key (base64url, as CAs hand them out) bind the new
 * account to an account the CA already knows.
 */
static int
add_eab(struct run *r, struct sbuf *b)
{
	struct session *ca = r->ca;
	const char *k = r->o->eab_hmac;
	unsigned char mac[128];
	size_t n = 0;
	int rc = 0;

	if (k == NULL || b64url_decode(k, strlen(k), mac, sizeof(mac), &n) !=
	    0 || n == 0) {
		msg_err("--eab-hmac: give the CA's MAC key, base64url");
		return EXIT_USAGE;
	}
	sbuf_adds(b, ",\"externalAccountBinding\":");
	if (jws_eab(r->o->eab_kid, mac, n, (int)r->o->eab_alg,
	    ca->dir.new_account, &ca->acct.pk, b) != 0) {
		msg_err("--eab-alg must be 256, 384 or 512");
		rc = EXIT_USAGE;
	}
	memset(mac, 0, sizeof(mac));
	return rc;
}

/*
 * newAccount (RFC 8555 §7.3): creates the account, or with only_existing
 * looks up the account of our key (§7.3.1). Sets r->ca->kid and stores it.
 * Returns 0, EXIT_NOTHING when only_existing found none, or an exit code.
 */
int
account_post(struct run *r, bool only_existing)
{
	struct session *ca = r->ca;
	struct sbuf b;
	int rc;

	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	if (only_existing) {
		sbuf_adds(&b, "{\"onlyReturnExisting\":true}");
	} else {
		sbuf_adds(&b, "{\"termsOfServiceAgreed\":true");
		if (r->o->eab_kid != NULL && (rc = add_eab(r, &b)) != 0) {
			return rc;
		}
		if (r->c->email != NULL) {
			sbuf_adds(&b, ",");
			obj_contact(&b, r->c->email);
		}
		sbuf_adds(&b, "}");
	}
	if (b.err != 0) {
		msg_err("account contact too long");
		return EXIT_USAGE;
	}
	if ((rc = acme_post(r, ca->dir.new_account, b.p, true)) != 0) {
		return rc;
	}
	if (only_existing && is_problem(r, "accountDoesNotExist")) {
		return EXIT_NOTHING;
	}
	if ((ca->resp.status != 200 && ca->resp.status != 201) ||
	    ca->resp.location[0] == '\0') {
		return acme_fail(r, "newAccount", ca->dir.new_account);
	}
	memcpy(ca->kid, ca->resp.location, sizeof(ca->kid));
	msg_info(r->o, 1, "account %s (%s)", ca->kid,
	    ca->resp.status == 201 ? "created" : "existing");
	return account_save_url(r);
}

/* Sets the contact of the existing account to -e's address. */
static int
account_contact(struct run *r)
{
	struct session *ca = r->ca;
	struct sbuf b;
	int rc;

	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	sbuf_adds(&b, "{");
	obj_contact(&b, r->o->conf.email);
	sbuf_adds(&b, "}");
	if (b.err != 0) {
		msg_err("account contact too long");
		return EXIT_USAGE;
	}
	if ((rc = acme_post(r, ca->kid, b.p, false)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200) {
		return acme_fail(r, "account", ca->kid);
	}
	msg_info(r->o, 1, "account %s: contact mailto:%s", ca->kid,
	    r->o->conf.email);
	return 0;
}

/*
 * Makes r->ca->kid the account of this CA: the stored one (no request), the
 * one the server knows for our stored key, or a new one when the user
 * agreed to the terms of service.
 */
static int
account_setup(struct run *r)
{
	struct session *ca = r->ca;
	bool have_key, have_url;
	int rc;

	if ((rc = account_load(r, &have_key, &have_url)) != 0 ||
	    (have_url && (rc = rollover_recover(r)) != 0)) {
		return rc;
	}
	if (!have_url && have_key) {
		rc = account_post(r, true);
		if (rc != EXIT_NOTHING) {
			goto done;
		}
	}
	if (!have_url && ca->no_new_account) {
		msg_err("no account for %s in %s (issue or dns-persist with -y "
		    "creates one)", r->c->directory, ca->acct_dir);
		return EXIT_LOCAL;
	}
	/* a dry run at Let's Encrypt's staging: its test accounts come
	 * with the terms production's account agreed to */
	if (!have_url && !r->o->agree_tos && !(r->o->dry_run &&
	    strcmp(r->c->directory, STAGING_DIRECTORY) == 0)) {
		msg_err("creating an account needs agreement to the CA's terms "
		    "of service%s%s; read them, then run again with -y "
		    "(--agree-tos)", ca->dir.tos[0] != '\0' ? ": " : "",
		    ca->dir.tos);
		return EXIT_TOS;
	}
	if (!have_url && ca->dir.eab_required && r->o->eab_kid == NULL) {
		msg_err("%s requires external account binding: give "
		    "--eab-kid and --eab-hmac from the CA", r->c->directory);
		return EXIT_USAGE;
	}
	if (!have_url) {
		if (!have_key && (rc = account_new_key(r)) != 0) {
			return rc;
		}
		rc = account_post(r, false);
	}
	/* -e given for an account that exists: RFC 8555 §7.3.2 update */
	if (have_url && rc == 0 && r->o->conf.email != NULL) {
		rc = account_contact(r);
	}
done:
	if (rc == 0 && jws_thumbprint(&ca->acct.pk, ca->thumb) != 0) {
		rc = EXIT_LOCAL;
	}
	return rc;
}

/* newOrder: keeps the order URL, finalize URL and authorization URLs. */
int
order_new(struct run *r)
{
	struct session *ca = r->ca;
	struct acme_order o;
	struct sbuf b;
	int rc, k, n;

	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	obj_new_order(&b, (const char *const *)r->c->names, r->c->nnames,
	    r->c->profile, ca->dir.renewal_info[0] != '\0' ? r->cs->replaces :
	    NULL);
	if (b.err != 0) {
		msg_err("newOrder: too many or too long names");
		return EXIT_USAGE;
	}
	if ((rc = acme_post(r, ca->dir.new_order, b.p, false)) != 0) {
		return rc;
	}
	/* The CA may have replaced it already (alreadyReplaced: a run
	 * killed after finalize, a power cut, a restored backup), not
	 * know it (another CA) or fail on it (Pebble 2.10 answers 500 for
	 * a serial whose DER starts with a 0x00 byte, as RFC 9773's own
	 * example does): order once anew without "replaces" rather than
	 * fail forever. */
	if (r->cs->replaces[0] != '\0' && ca->resp.status >= 400 &&
	    !is_problem(r, "rateLimited") &&
	    !is_problem(r, "unauthorized") &&
	    !is_problem(r, "userActionRequired")) {
		msg_info(r->o, 0, "newOrder refused \"replaces\" (%d): "
		    "ordering without it", ca->resp.status);
		r->cs->replaces[0] = '\0';
		return order_new(r);
	}
	obj_order(&ca->js, &o);
	if (ca->resp.status != 201 || ca->resp.location[0] == '\0' ||
	    o.finalize[0] == '\0' || o.nauthz < 0) {
		return acme_fail(r, "newOrder", ca->dir.new_order);
	}
	memcpy(r->cs->order_url, ca->resp.location, sizeof(r->cs->order_url));
	memcpy(r->cs->finalize, o.finalize, sizeof(r->cs->finalize));
	n = o.nauthz;
	if (n < 1 || n > ACME_MAX_NAMES) {
		msg_err("newOrder: %d authorizations", n);
		return EXIT_ACME;
	}
	for (k = 0; k < n; k++) {
		if (obj_nth_str(&ca->js, 0, "authorizations", k,
		    r->cs->az[k].url, HTTP_MAX_URL) != 0) {
			return acme_fail(r, "newOrder", ca->dir.new_order);
		}
	}
	r->cs->naz = (size_t)n;
	msg_info(r->o, 1, "order %s: %d authorizations", r->cs->order_url, n);
	return 0;
}

/* Reports why an authorization became invalid: its challenge's error. */
static int
authz_invalid(struct run *r, const struct authz *a)
{
	char prefix[600];
	int err = obj_chall_error(&r->ca->js, NULL);

	fmt_s(prefix, sizeof(prefix), "validation of %s failed: ",
	    a->ident);
	if (err >= 0) {
		print_problem_at(r, err, prefix);
	} else {
		msg_err("%s(no error given by the CA)", prefix);
	}
	return EXIT_VALIDATION;
}

/*
 * Our challenge is pending with an error: POSTs it again after a pause
 * that doubles (2, 4, 8, 16 s: how such a CA expects a client to
 * retry), then gives up with the CA's error. Returns 0 to keep polling
 * or an exit code.
 */
static int
chall_again(struct run *r, struct authz *a, int err, int *tries)
{
	char prefix[600];
	int rc;

	if (*tries >= ACME_CHALL_RETRIES) {
		fmt_s(prefix, sizeof(prefix), "validation of %s failed "
		    "(%d tries): ", a->ident, *tries + 1);
		print_problem_at(r, err, prefix);
		return EXIT_VALIDATION;
	}
	msg_info(r->o, 1, "  %s: the CA reports an error while pending: "
	    "asking again in %d s", a->ident, 2 << *tries);
	msg_status(r->o, "the CA asked to retry its validation", 2L << *tries);
	poll(NULL, 0, (2000 << *tries));
	msg_status(r->o, NULL, 0);
	(*tries)++;
	if ((rc = acme_post(r, a->chall_url, "{}", false)) != 0) {
		return rc;
	}
	return r->ca->resp.status != 200 ? acme_fail(r, "challenge",
	    a->chall_url) : 0;
}

/* Polls one authorization until it leaves "pending". */
int
authz_poll(struct run *r, struct authz *a)
{
	struct session *ca = r->ca;
	char status[32];
	long delay = ACME_POLL_FIRST_MS;
	time_t start = time(NULL);
	int rc, err, tries = 0;

	for (;;) {
		if ((rc = poll_wait(r, &delay, start, a->url)) != 0 ||
		    (rc = acme_post(r, a->url, "", false)) != 0) {
			return rc;
		}
		if (ca->resp.status != 200) {
			return acme_fail(r, "authorization", a->url);
		}
		obj_status(&ca->js, 0, status, sizeof(status));
		if (strcmp(status, "valid") == 0) {
			msg_info(r->o, 1, "  %s: valid", a->ident);
			a->valid = true;
			return 0;
		}
		if (strcmp(status, "invalid") == 0) {
			return authz_invalid(r, a);
		}
		if (strcmp(status, "pending") != 0) {
			msg_err("authorization %s for %s became %s", a->url,
			    a->ident, status);
			return EXIT_ACME;
		}
		/* smallstep CAs (step-ca, Caddy) validate inside the
		 * challenge POST and, when that fails, leave challenge and
		 * authorization "pending" with the error, retrying only
		 * when POSTed to again. */
		if ((err = obj_chall_error(&ca->js, a->chall_url)) >= 0 &&
		    (rc = chall_again(r, a, err, &tries)) != 0) {
			return rc;
		}
	}
}

/* POSTs the CSR to finalize (RFC 8555 §7.4) with the certificate key. */
int
finalize(struct run *r)
{
	struct session *ca = r->ca;
	struct x509_cert x;
	struct sbuf b;
	size_t der_len;
	int rc;

	if (r->c->csr_file != NULL) {
		/* Bring your own CSR: the key never touches nanoacme. */
		if ((rc = csr_read(r, r->c->csr_file, &der_len, &x)) != 0) {
			return rc;
		}
		/* the key the certificate must certify (csr_read()
		 * checked its size) */
		memcpy(r->cs->csr_spki, x.spki, x.spki_len);
		r->cs->csr_spki_len = x.spki_len;
	} else if ((rc = cert_key(r)) != 0) {
		return rc;
	} else if (csr_build(&r->cs->cert_key, r->c->names, r->c->nnames,
	    r->der, sizeof(r->der), &der_len) != 0) {
		msg_err("cannot build the CSR (names too long?)");
		return EXIT_LOCAL;
	}
	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	obj_finalize(&b, r->der, der_len);
	if (b.err != 0) {
		msg_err("finalize: CSR too large");
		return EXIT_LOCAL;
	}
	if ((rc = acme_post(r, r->cs->finalize, b.p, false)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200) {
		return acme_fail(r, "finalize", r->cs->finalize);
	}
	return 0;
}

/* Polls the order until it is valid and keeps its certificate URL. */
int
order_poll(struct run *r)
{
	struct session *ca = r->ca;
	struct acme_order o;
	long delay = ACME_POLL_FIRST_MS;
	time_t start = time(NULL);
	int rc;

	for (;;) {
		obj_order(&ca->js, &o);
		if (strcmp(o.status, "valid") == 0) {
			break;
		}
		if (strcmp(o.status, "processing") != 0 &&
		    strcmp(o.status, "ready") != 0) {
			msg_err("order %s is %s", r->cs->order_url,
			    o.status[0] != '\0' ? o.status : "without status");
			if (o.error >= 0) {
				print_problem_at(r, o.error, "  ");
			}
			return EXIT_ACME;
		}
		if ((rc = poll_wait(r, &delay, start, r->cs->order_url)) != 0 ||
		    (rc = acme_post(r, r->cs->order_url, "", false)) != 0) {
			return rc;
		}
		if (ca->resp.status != 200) {
			return acme_fail(r, "order", r->cs->order_url);
		}
	}
	if (o.certificate[0] == '\0') {
		return acme_fail(r, "order", r->cs->order_url);
	}
	memcpy(r->cs->cert_url, o.certificate, sizeof(r->cs->cert_url));
	return 0;
}

/*
 * Makes the CA of r->c ready: trust anchors, directory and (unless
 * need_account is false) the account, each loaded once per run and
 * reused while certificates share them.
 */
int
ca_ready(struct run *r, bool need_account)
{
	struct session *ca = r->ca;
	int rc;

	if (need_account && (rc = account_usable(r)) != 0) {
		return rc;
	}
	if ((rc = load_anchors(r)) != 0) {
		return rc;
	}
	if (strcmp(ca->dir_url, r->c->directory) != 0) {
		ca->dir_url[0] = '\0';
		ca->have_account = false;
		if ((rc = get_directory(r)) != 0) {
			return rc;
		}
		fmt_s(ca->dir_url, sizeof(ca->dir_url), "%s",
		    r->c->directory);
	}
	if (need_account && !ca->have_account) {
		if ((rc = account_setup(r)) != 0) {
			return rc;
		}
		ca->have_account = true;
	}
	return 0;
}

/* POSTs revokeCert (RFC 8555 §7.6) for r->der[0..der_len). */
int
revoke_post(struct run *r, size_t der_len, bool jwk)
{
	struct session *ca = r->ca;
	struct sbuf b;
	int rc;

	if (ca->dir.revoke_cert[0] == '\0') {
		msg_err("directory %s offers no revokeCert", r->c->directory);
		return EXIT_ACME;
	}
	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	obj_revoke(&b, r->der, der_len, r->o->reason);
	if (b.err != 0) {
		msg_err("revoke: certificate too large");
		return EXIT_LOCAL;
	}
	if ((rc = acme_post(r, ca->dir.revoke_cert, b.p, jwk)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200) {
		return acme_fail(r, "revokeCert", ca->dir.revoke_cert);
	}
	return 0;
}

/* Prints the account object in the last reply (account command). */
void
account_print(const struct run *r)
{
	struct session *ca = r->ca;
	char v[HTTP_MAX_URL], clean[HTTP_MAX_URL];
	int k;

	fmt_fd(1, "account: %s\n", ca->kid);
	obj_status(&ca->js, 0, v, sizeof(v));
	if (v[0] != '\0') {
		msg_clean(v, clean, sizeof(clean));
		fmt_fd(1, "status: %s\n", clean);
	}
	for (k = 0; k < obj_count(&ca->js, 0, "contact"); k++) {
		if (obj_nth_str(&ca->js, 0, "contact", k, v, sizeof(v)) == 0) {
			msg_clean(v, clean, sizeof(clean));
			fmt_fd(1, "contact: %s\n", clean);
		}
	}
	fmt_fd(1, "key: %s/key.pem (thumbprint %s)\n", ca->acct_dir, ca->thumb);
}

/* account deactivate (RFC 8555 §7.3.6); marks it locally once done. */
int
account_deactivate(struct run *r)
{
	struct session *ca = r->ca;
	int rc;

	if ((rc = acme_post(r, ca->kid, "{\"status\":\"deactivated\"}",
	    false)) != 0) {
		return rc;
	}
	if (ca->resp.status != 200) {
		return acme_fail(r, "deactivate", ca->kid);
	}
	if ((rc = account_mark_deactivated(r)) != 0) {
		return rc;
	}
	msg_info(r->o, 0, "deactivated account %s", ca->kid);
	return 0;
}

/* Builds the inner JWS of keyChange (RFC 8555 §7.3.5) into r->pem. */
static int
rollover_inner(struct run *r, const struct ec_key *nk)
{
	struct session *ca = r->ca;
	struct sbuf p, b;

	sbuf_init(&p, ca->payload, sizeof(ca->payload));
	obj_key_change(&p, ca->kid, &ca->acct.pk);
	sbuf_init(&b, r->pem, sizeof(r->pem));
	if (p.err != 0 || jws_sign(&nk->sk, &nk->pk, NULL, NULL,
	    ca->dir.key_change, p.p, p.len, &b) != 0) {
		return -1;
	}
	return 0;
}

/*
 * account rollover: the new key is stored as key-new.pem before the
 * request and renamed over key.pem only once the CA accepted it, so the
 * old key stays usable until the CA has switched.
 */
int
account_rollover(struct run *r)
{
	struct session *ca = r->ca;
	struct ec_key nk;
	bool accepted = false;
	int rc;

	if (ca->dir.key_change[0] == '\0') {
		msg_err("directory %s offers no keyChange", r->c->directory);
		return EXIT_ACME;
	}
	if ((rc = rollover_key_new(r, &nk)) != 0) {
		goto out;
	}
	if (rollover_inner(r, &nk) != 0) {
		rc = EXIT_LOCAL;
		goto out;
	}
	if ((rc = acme_post(r, ca->dir.key_change, r->pem, false)) != 0) {
		goto out;
	}
	if (ca->resp.status != 200) {
		rc = acme_fail(r, "keyChange", ca->dir.key_change);
		goto out;
	}
	/* From here the CA knows only the new key: key-new.pem is never
	 * removed again; the next run installs it if this cannot. */
	accepted = true;
	if ((rc = rollover_key_end(r, true)) != 0) {
		goto out;
	}
	msg_info(r->o, 0, "account %s: key replaced", ca->kid);
out:
	if (rc != 0 && !accepted) {
		rollover_key_end(r, false);
	}
	key_wipe(&nk);
	return rc;
}

/* see run.h */
int
session_open(struct run *r)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		msg_err("out of memory");
		return EXIT_LOCAL;
	}
	s->signer = &s->acct;
	s->retry_after = -1;
	http_client_init(&s->http, NULL, 0, s->iobuf, sizeof(s->iobuf));
	r->ca = s;
	return 0;
}

/* see run.h */
void
session_close(struct run *r)
{
	struct session *s = r->ca;

	if (s == NULL) {
		return;
	}
	msg_info(r->o, 1, "TLS handshakes: %u, HTTP requests: %u",
	    s->http.handshakes, s->http.requests);
	http_client_close(&s->http);
	anchors_free(&s->anchors);
	key_wipe(&s->acct);
	free(s);
	r->ca = NULL;
}
