/* SPDX-License-Identifier: MIT */
/*
 * cmd.c - main() and the commands: issue, renew (due time, ARI, jitter,
 * retries), revoke, account, dns-persist; the clock wait, the signals,
 * the checks of the command line's settings.
 *
 * Each certificate starts from cert_begin()'s fresh struct cert_state,
 * so nothing of one reaches the next one renewed in the same run.
 */
#include "run.h"

/*
 * True if s is [ADDR]:PORT as -l and --alpn take it: ":PORT",
 * "IPV4:PORT" or "[IPV6]:PORT", PORT 1..65535 in 1 to 5 digits, read by
 * dns_addr_parse() as listen.c reads it. NULL (no listener) passes.
 */
static bool
is_listen_spec(const char *s)
{
	struct dns_server a;

	return s == NULL || dns_addr_parse(&a, s, strlen(s), 0) == 0;
}

/* Checks names and directory URL of c before anything touches the disk. */
static int
check_conf(const struct conf *c)
{
	struct dns_server srv;
	char host[256], port[6];
	const char *path;
	size_t k, j;

	if (http_url_parse(c->directory, host, sizeof(host), port, &path)
	    != 0) {
		msg_err("directory %s: not an https://NAME[:PORT]/ URL",
		    c->directory);
		return EXIT_USAGE;
	}
	if ((c->hook != NULL) + (c->webroot != NULL) + (c->alpn != NULL) +
	    (c->dns_persist != NULL) > 1) {
		msg_err("-k, -w, --alpn and --dns-persist exclude each other: "
		    "give one validation method");
		return EXIT_USAGE;
	}
	if (!is_listen_spec(c->listen) || (c->alpn != NULL &&
	    !is_listen_spec(c->alpn))) {
		bool lis = is_listen_spec(c->listen);

		msg_err("%s %s: not [ADDR]:PORT (:80 for every address, "
		    "192.0.2.1:80, [2001:db8::1]:80)", lis ? "--alpn" : "-l",
		    lis ? c->alpn : c->listen);
		return EXIT_USAGE;
	}
	if (c->dns_server != NULL && dns_server_parse(&srv, c->dns_server,
	    strlen(c->dns_server)) != 0) {
		msg_err("--dns-server %s: not ADDR[:PORT] or [IPV6]:PORT",
		    c->dns_server);
		return EXIT_USAGE;
	}
	for (k = 0; k < c->nnames; k++) {
		if (name_classify(c->names[k], NULL, NULL) == NAME_BAD) {
			msg_err("%s: not a valid DNS name or IP address: %s",
			    c->names[k], name_why(c->names[k]));
			return EXIT_USAGE;
		}
		/* only DNS proves control of a wildcard: fail before
		 * an order is made at the CA */
		if (strncmp(c->names[k], "*.", 2) == 0 && c->hook == NULL &&
		    c->dns_persist == NULL) {
			msg_err("%s: a wildcard needs a DNS challenge: -k HOOK "
			    "(dns-01) or --dns-persist", c->names[k]);
			return EXIT_USAGE;
		}
		for (j = 0; j < k; j++) {
			if (strcmp(c->names[j], c->names[k]) == 0) {
				msg_err("%s: given twice", c->names[k]);
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* Lowercases the names (RFC 8555 §7.1.4: CAs compare them so). */
static void
lower_names(struct conf *c, char *store, size_t cap)
{
	size_t k, n, used = 0;
	char *p;

	for (k = 0; k < c->nnames; k++) {
		n = strlen(c->names[k]) + 1;
		if (n > cap - used) {
			return;
		}
		p = store + used;
		memcpy(p, c->names[k], n);
		for (; *p != '\0'; p++) {
			*p = (char)ascii_tolower((unsigned char)*p);
		}
		c->names[k] = store + used;
		used += n;
	}
}

/*
 * Gets the certificate r->c describes: listener first (a port problem
 * fails before the CA is asked anything), then CA, order, proofs,
 * finalize, download, install, deploy hook.
 */
static int
issue_cert(struct run *r, bool renewal)
{
	const char *spec;
	int rc;

	if ((rc = account_usable(r)) != 0) {
		return rc;
	}
	r->cs->naz = 0;
	/* webroot and hooks leave the port to the web server (uhttpd);
	 * --alpn takes its sockets, answered by the TLS responder only. */
	spec = r->c->hook != NULL || r->c->webroot != NULL ? NULL :
	    r->c->alpn != NULL ? r->c->alpn : r->c->listen;
	if (spec != NULL && (rc = rsp_open(r, spec)) != 0) {
		return rc;
	}
	rc = ca_ready(r, true);
	if (rc == 0 && (rc = order_new(r)) == 0) {
		rc = authorize(r);
	}
	/* The proofs are done: no one needs the port from us any more. */
	if (responder_close(&r->rsp) != 0 && rc == 0) {
		rc = rsp_fail(r);
	}
	if (rc != 0 || (rc = finalize(r)) != 0 || (rc = order_poll(r)) != 0 ||
	    (rc = download(r, renewal)) != 0) {
		key_wipe(&r->cs->cert_key);
		return rc;
	}
	key_wipe(&r->cs->cert_key);
	return deploy_hook(r, renewal);
}

/* A random number in [0, n] from the kernel (0 if it has none). */
static unsigned long
random_upto(unsigned long n)
{
	unsigned char b[4];

	if (n == 0 || getrandom(b, sizeof(b), 0) != sizeof(b)) {
		return 0;
	}
	return ((unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
	    (unsigned long)b[2] << 8 | b[3]) % (n + 1);
}

/*
 * issue_cert() with --retry: a transient failure (network, 5xx,
 * rateLimited) is tried again after 10 s, 20 s, 40 s ... up to 600 s,
 * or the server's Retry-After if longer, each with random jitter, so a
 * device that boots before its uplink still enrols unattended.
 */
static int
issue_retry(struct run *r, bool renewal)
{
	struct session *ca = r->ca;
	unsigned long wait;
	long attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		ca->transient = false;
		rc = issue_cert(r, renewal);
		if (rc == 0 || !ca->transient || attempt >= r->o->retry) {
			return rc;
		}
		wait = attempt < 10 ? (unsigned long)RETRY_FIRST_S << attempt :
		    RETRY_MAX_S;
		wait = wait > RETRY_MAX_S ? RETRY_MAX_S : wait;
		if (ca->retry_after > 0 &&
		    (unsigned long)ca->retry_after > wait) {
			wait = ca->retry_after < 3600 ? (unsigned long)
			    ca->retry_after : 3600;
		}
		wait = wait / 2 + random_upto(wait / 2);
		msg_info(r->o, 0, "transient failure: retry %ld of %ld in "
		    "%lu s", attempt + 1, r->o->retry, wait);
		msg_status(r->o, "a retry of a transient failure",
		    (long)wait);
		sleep((unsigned)wait);
		msg_status(r->o, NULL, 0);
		if (na_stop != 0) {
			return stop_code();
		}
	}
}

/*
 * Routers without a real-time clock boot in 1970 (or at their last
 * saved time) until NTP syncs: TLS would call every certificate not yet
 * valid and renew would decide wrongly. Waits up to --wait-clock
 * seconds (counted in sleeps, as the clock itself is what jumps) for
 * the time to pass CLOCK_MIN_EPOCH.
 */
static int
clock_check(const struct opts *o)
{
	long waited = 0;
	char now[32], min[32];

	while ((int64_t)time(NULL) < CLOCK_MIN_EPOCH) {
		if (waited >= o->wait_clock) {
			fmt_date((int64_t)time(NULL), now);
			fmt_date(CLOCK_MIN_EPOCH, min);
			msg_err("system clock not set: it says %s UTC, before "
			    "%s UTC (set it, or wait for NTP: --wait-clock "
			    "SECONDS)", now, min);
			return EXIT_CLOCK;
		}
		if (waited == 0) {
			msg_info(o, 0, "waiting up to %ld s for the system "
			    "clock", o->wait_clock);
		}
		msg_status(o, "the system clock (NTP)", o->wait_clock - waited);
		sleep(1);
		waited++;
		if (na_stop != 0) {
			return stop_code();
		}
	}
	msg_status(o, NULL, 0);
	return 0;
}

/* True if two name lists hold the same names (order aside). */
static bool
same_names(const struct conf *a, const struct conf *b)
{
	size_t i, j;

	if (a->nnames != b->nnames) {
		return false;
	}
	for (i = 0; i < a->nnames; i++) {
		for (j = 0; j < b->nnames; j++) {
			if (strcmp(a->names[i], b->names[j]) == 0) {
				break;
			}
		}
		if (j == b->nnames) {
			return false;
		}
	}
	return true;
}

/*
 * Starts work on a new certificate from a fresh struct cert_state: the
 * last one's key wiped and its memory given back, so its settings,
 * order and proofs cannot reach this one. 0, or EXIT_LOCAL.
 */
int
cert_begin(struct run *r)
{
	struct session *ca = r->ca;

	cert_end(r);
	r->c = NULL;
	if (ca != NULL) {               /* the last failure was another's */
		ca->transient = false;
		ca->retry_after = -1;
	}
	/* 300 KB, mostly authorizations: calloc() maps fresh zero pages,
	 * and the entries not used are never touched */
	if ((r->cs = calloc(1, sizeof(*r->cs))) == NULL) {
		msg_err("out of memory");
		return EXIT_LOCAL;
	}
	return 0;
}

/* Ends work on the certificate at hand: its key wiped, its state freed. */
void
cert_end(struct run *r)
{
	if (r->cs != NULL) {
		key_wipe(&r->cs->cert_key);
		free(r->cs);
		r->cs = NULL;
	}
}

/*
 * The same names in another order are the same certificate: when STATE
 * has one whose names are c's set under another first name, that name
 * goes first in c, so issue works on it instead of making a second one.
 */
static void
same_set_first(struct run *r, struct conf *c)
{
	const char *t;
	struct dirent *e;
	size_t k;
	DIR *d;

	if ((d = certs_open(r)) == NULL) {
		return;
	}
	msg_mute(true);                 /* a damaged one is renew's news */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    strcmp(e->d_name, c->names[0]) == 0 ||
		    settings_load(r, e->d_name) != 0 ||
		    !same_names(&r->cs->conf, c)) {
			continue;
		}
		for (k = 1; k < c->nnames; k++) {
			if (strcmp(c->names[k], e->d_name) == 0) {
				t = c->names[0];
				c->names[0] = c->names[k];
				c->names[k] = t;
				break;
			}
		}
		break;
	}
	msg_mute(false);
	closedir(d);
	if (r->cs->conf.nnames > 0 && same_names(&r->cs->conf, c)) {
		msg_info(r->o, 1, "%s: the certificate of these names",
		    c->names[0]);
	}
}

/*
 * issue: unless --force, an existing certificate for the same names that
 * is not due is left alone (exit 1), as uacme does; other names replace
 * it (an explicit issue is how names change).
 */
static int
cmd_issue(struct run *r, struct conf *c)
{
	int64_t nb, na, due;
	char when[32];
	int rc;

	if ((rc = cert_begin(r)) != 0 ||
	    (rc = lock_state(r->wstate)) != 0) {
		return rc;
	}
	r->c = c;
	same_set_first(r, c);
	if ((rc = cert_begin(r)) != 0) {
		return rc;
	}
	r->c = c;
	/* The CA and profile are part of what a certificate is: staging
	 * then production, or another profile, issues anew. */
	if (!r->o->force && cert_dates(r, c->names[0], &nb, &na) == 0 &&
	    settings_load(r, c->names[0]) == 0 &&
	    same_names(&r->cs->conf, c) &&
	    same_str(r->cs->conf.directory, c->directory) &&
	    same_str(r->cs->conf.profile, c->profile) &&
	    (due = cert_due_at(nb, na, c->days)) > (int64_t)time(NULL)) {
		fmt_date(due, when);
		if ((rc = settings_update(r, c)) < 0) {
			return EXIT_LOCAL;
		}
		msg_info(r->o, 0, "%s: %snot due until %s UTC (--force to "
		    "issue now)", c->names[0], rc > 0 ? "settings updated; " :
		    "", when);
		return EXIT_NOTHING;
	}
	return issue_retry(r, false);
}

/* --dry-run: Let's Encrypt's production is tried on its staging, which
 * has the same rules; any other CA is tried as it is. */
static void
dry_ca(const struct opts *o, struct conf *c)
{
	if (o->dry_run && strcmp(c->directory, DEFAULT_DIRECTORY) == 0) {
		c->directory = STAGING_DIRECTORY;
		msg_info(o, 0, "dry run: at %s", STAGING_DIRECTORY);
	}
}

/*
 * Loads the settings of certificate name into r->cs->conf with the command
 * line's settings over them, and checks them. Returns 0 or exit code.
 */
static int
renew_conf(struct run *r, const char *name)
{
	int rc;

	if ((rc = settings_load(r, name)) != 0) {
		return rc;
	}
	r->cs->stored = r->cs->conf;
	r->cs->keep = &r->cs->stored;
	/* a method given to renew replaces the stored one for this run */
	if (r->o->conf.hook != NULL || r->o->conf.webroot != NULL ||
	    r->o->conf.alpn != NULL || r->o->conf.dns_persist != NULL) {
		r->cs->conf.hook = r->cs->conf.webroot = NULL;
		r->cs->conf.alpn = r->cs->conf.dns_persist = NULL;
	}
	conf_merge(&r->cs->conf, &r->o->conf);
	conf_defaults(&r->cs->conf);
	dry_ca(r->o, &r->cs->conf);
	if ((rc = check_conf(&r->cs->conf)) != 0) {
		return rc;
	}
	if (strcmp(r->cs->conf.names[0], name) != 0) {
		msg_err("settings name %s, not %s", r->cs->conf.names[0], name);
		return EXIT_LOCAL;
	}
	r->c = &r->cs->conf;
	return 0;
}

/* RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial). */
static int
ari_cert_id(struct run *r, const char *name, char *out, size_t cap)
{
	struct x509_cert x;
	struct sbuf b;

	if (cert_read(r, name, &x) != 0 || x.aki == NULL) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	b64url_add(&b, x.aki, x.aki_len);
	sbuf_add(&b, ".", 1);
	b64url_add(&b, x.serial, x.serial_len);
	return b.err != 0 ? -1 : 0;
}

/*
 * Asks the CA when to renew certificate name (RFC 9773 §4.2), picks a
 * random moment inside the suggested window, and remembers it with the
 * time of the next check (Retry-After, else 6 hours) in its ari file.
 * Returns 0 with *a set, or -1 (renew then uses the lifetime rule).
 */
static int
ari_fetch(struct run *r, const char *name, struct ari_state *a)
{
	struct session *ca = r->ca;
	char id[256], url[HTTP_MAX_URL + 256];
	int64_t start, end, now = (int64_t)time(NULL);
	size_t n;

	if (ari_cert_id(r, name, id, sizeof(id)) != 0 ||
	    ca_ready(r, false) != 0 || ca->dir.renewal_info[0] == '\0') {
		return -1;
	}
	n = strlen(ca->dir.renewal_info);
	fmt_s(url, sizeof(url), "%s%s%s", ca->dir.renewal_info,
	    n > 0 && ca->dir.renewal_info[n - 1] == '/' ? "" : "/", id);
	if (send_req(r, "GET", url, NULL, 0) != 0 || ca->resp.status != 200 ||
	    obj_renewal_info(&ca->js, &start, &end) != 0 || end <= start) {
		msg_info(r->o, 0, "%s: no renewal information from the CA; "
		    "using the lifetime rule", name);
		return -1;
	}
	a->at = ari_pick(start, end, random_upto);
	a->next = ari_next(now, ca->resp.retry_after);
	if (ari_save(r, name, a) != 0) {
		msg_info(r->o, 0, "%s: cannot store renewal information", name);
	}
	return 0;
}

/*
 * The moment certificate name is due by ARI: the stored pick while it
 * is fresh, else a new one from the CA. Returns 0, or -1 when the CA
 * gives no ARI for it (no ari file: it had none at issuance).
 */
static int
ari_due(struct run *r, const char *name, int64_t *due)
{
	struct ari_state a;

	if (ari_load(r, name, &a) != 0) {
		return -1;
	}
	if ((int64_t)time(NULL) >= a.next) {
		/* a first pass only notes that the CA is to be asked; a dry
		 * run asks nothing that would write the answer in STATE */
		if (r->probe || r->o->dry_run) {
			r->probed = true;
			return -1;
		}
		if (ari_fetch(r, name, &a) != 0 && a.at == 0) {
			return -1;
		}
	}
	*due = a.at;
	return 0;
}

/*
 * True if certificate name is due now (or --force, or revoked). A dry
 * run renews all, after saying when a real renew would.
 */
static bool
renew_is_due(struct run *r, const char *name)
{
	char when[32];
	int64_t nb, na, due;

	if (r->o->force && !r->o->dry_run) {
		return true;
	}
	if (cert_is_revoked(r, name)) {
		msg_info(r->o, 1, "%s: revoked: due", name);
		return true;
	}
	if (cert_dates(r, name, &nb, &na) != 0) {
		msg_info(r->o, 0, "%s: no readable certificate: due", name);
		return true;
	}
	/* An explicit --days is the user's word over the CA's window. */
	if (r->c->days != CONF_UNSET || ari_due(r, name, &due) != 0) {
		due = cert_due_at(nb, na, r->c->days);
	}
	fmt_date(due, when);
	msg_info(r->o, !r->o->dry_run, "%s%s: %s %s UTC", r->o->dry_run ?
	    "dry run: a real renew: " : "", name, due <= (int64_t)time(NULL) ?
	    "due since" : "not due until", when);
	return due <= (int64_t)time(NULL) || r->o->dry_run;
}

/* Worse of two exit statuses: any failure over success over nothing. */
static int
worse(int a, int b)
{
	if (a >= EXIT_USAGE || b >= EXIT_USAGE) {
		return a > b ? a : b;
	}
	return a < b ? a : b;
}

/* True if renew was given no NAME, or name among them. */
static bool
is_named(const struct opts *o, const char *name)
{
	size_t k;

	for (k = 0; k < o->nargs && strcmp(o->args[k], name) != 0; k++) {
	}
	return o->nargs == 0 || k < o->nargs;
}

/* renew NAME...: each must be a certificate in STATE. */
static int
renew_names_exist(struct run *r)
{
	char path[STORE_PATH_MAX];
	struct stat st;
	size_t k;

	for (k = 0; k < r->o->nargs; k++) {
		if (cert_path(r, r->o->args[k], "settings", path) != 0 ||
		    stat(path, &st) != 0) {
			msg_err("renew %s: no such certificate in %s",
			    r->o->args[k], r->o->state);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * Collects into due[0..cap) the names of the certificates that are due,
 * NUL-separated, without a single network request. Returns how many,
 * and the worst local failure.
 */
static size_t
renew_collect(struct run *r, char *due, size_t cap, int *worst)
{
	struct dirent *e;
	size_t n = 0, used = 0, len;
	DIR *d;
	int rc;

	if ((d = certs_open(r)) == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !is_named(r->o, e->d_name)) {
			continue;       /* version directories, temporaries */
		}
		msg_prefix(e->d_name);
		if ((rc = cert_begin(r)) != 0 ||
		    (rc = renew_conf(r, e->d_name)) != 0) {
			*worst = worse(*worst, rc);
			continue;
		}
		len = strlen(e->d_name) + 1;
		if (renew_is_due(r, e->d_name) && len <= cap - used) {
			memcpy(due + used, e->d_name, len);
			used += len;
			n++;
		}
	}
	msg_prefix(NULL);
	closedir(d);
	return n;
}

/*
 * Waits a random time up to --jitter seconds (default 300 when stdin is
 * not a terminal, i.e. from cron) so a fleet on the same cron minute
 * does not reach the CA at once.
 */
static void
renew_jitter(const struct run *r)
{
	unsigned long v;
	long j = renew_jitter_max(r->o->jitter, isatty(STDIN_FILENO));

	if (j <= 0) {
		return;
	}
	v = random_upto((unsigned long)j);
	msg_info(r->o, 1, "waiting %lu s (random, up to %ld: --jitter) before "
	    "contacting the CA, so that routers on the same cron minute do "
	    "not all reach it at once", v, j);
	msg_status(r->o, "jitter, so that a fleet does not reach the CA at "
	    "once (--jitter)", (long)v);
	sleep((unsigned)v);
	msg_status(r->o, NULL, 0);
}

/* renew: every certificate that is due; failures do not stop the rest. */
static int
cmd_renew(struct run *r)
{
	static char due[16384];            /* names due, NUL-separated */
	const char *name;
	size_t n, k;
	int rc, worst = EXIT_NOTHING;

	if ((rc = lock_state(r->wstate)) != 0 ||
	    (rc = renew_names_exist(r)) != 0) {
		return rc;
	}
	/* A fleet on one cron minute must not reach the CA at once, ARI
	 * checks included: a first pass, with no request, decides whether
	 * the jitter is due, then the real one asks the CA. */
	r->probe = true;
	r->probed = false;
	msg_mute(true);
	n = renew_collect(r, due, sizeof(due), &worst);
	msg_mute(false);
	if (n == 0 && !r->probed) {
		/* again, aloud: what is not due and why (still no request) */
		worst = EXIT_NOTHING;
		renew_collect(r, due, sizeof(due), &worst);
		r->probe = false;
		msg_info(r->o, 1, "nothing is due");
		return worst;
	}
	r->probe = false;
	renew_jitter(r);
	worst = EXIT_NOTHING;
	if ((n = renew_collect(r, due, sizeof(due), &worst)) == 0) {
		msg_info(r->o, 1, "nothing is due");
		return worst;
	}
	for (k = 0, name = due; k < n && na_stop == 0; k++,
	    name += strlen(name) + 1) {
		msg_prefix(name);
		if ((rc = cert_begin(r)) != 0) {
			worst = worse(worst, rc);
			continue;
		}
		/* Only a certificate the CA gave a window for is "replaced";
		 * never by a dry run's, which the CA would take for real. */
		if (r->o->dry_run || !ari_known(r, name) || ari_cert_id(r,
		    name, r->cs->replaces, sizeof(r->cs->replaces)) != 0) {
			r->cs->replaces[0] = '\0';
		}
		if ((rc = renew_conf(r, name)) == 0) {
			rc = issue_retry(r, true);
		}
		worst = worse(worst, rc);
	}
	msg_prefix(NULL);
	return worst;
}

/* SHA-256 of der[0..len) into out. */
static void
der_hash(const unsigned char *der, size_t len, unsigned char out[32])
{
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, der, len);
	br_sha256_out(&h, out);
}

/*
 * revoke --cert: a certificate of STATE revoked with its own key is
 * marked revoked there too, as `revoke NAME` does, so list says so and
 * the next renew replaces it. r->der holds the revoked certificate.
 */
static int
mark_revoked(struct run *r, size_t der_len)
{
	unsigned char want[32], have[32];
	char path[STORE_PATH_MAX];
	struct dirent *e;
	size_t len;
	DIR *d;
	int rc = 0;

	der_hash(r->der, der_len, want);
	if ((d = certs_open(r)) == NULL) {
		return 0;       /* no STATE here: nothing to mark */
	}
	if (lock_state(r->wstate) != 0) {
		closedir(d);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    cert_path(r, e->d_name, "cert.pem", path) != 0 ||
		    cert_der(r, path, true, &len) != 0) {
			continue;
		}
		der_hash(r->der, len, have);
		if (memcmp(want, have, sizeof(want)) != 0) {
			continue;
		}
		if (cert_mark_revoked(r, e->d_name) != 0) {
			rc = EXIT_LOCAL;
		} else {
			msg_info(r->o, 0, "marked %s revoked: the next renew "
			    "replaces it", e->d_name);
		}
	}
	closedir(d);
	return rc;
}

/* revoke --cert FILE --key FILE: signed with the certificate's key. */
static int
revoke_by_key(struct run *r, struct conf *c)
{
	struct session *ca = r->ca;
	struct ec_key k;
	struct x509_cert x;
	size_t der_len, len;
	int rc;

	r->c = c;
	if ((rc = read_cert_der(r, r->o->cert_file, false, &der_len)) != 0) {
		return rc;
	}
	if (store_read(r->o->key_file, r->pem, sizeof(r->pem), &len) != 0) {
		return file_fail("cannot read", r->o->key_file);
	}
	rc = key_from_pem(&k, r->pem, len);
	memset(r->pem, 0, len);
	if (rc != 0) {
		msg_err("%s: not a P-256 private key", r->o->key_file);
		return EXIT_LOCAL;
	}
	if (x509_parse(r->der, der_len, &x) != 0 || !x509_has_key(&x, &k)) {
		msg_err("%s is not the key of %s", r->o->key_file,
		    r->o->cert_file);
		key_wipe(&k);
		return EXIT_LOCAL;
	}
	if ((rc = ca_ready(r, false)) == 0) {
		ca->signer = &k;
		rc = revoke_post(r, der_len, true);
		ca->signer = &ca->acct;
	}
	key_wipe(&k);
	if (rc == 0) {
		msg_info(r->o, 0, "revoked %s", r->o->cert_file);
		rc = mark_revoked(r, der_len);
	}
	return rc;
}

/*
 * revoke NAME: signed with the account key. Only once the CA accepted
 * it is the certificate marked revoked (renew then replaces it).
 */
static int
cmd_revoke(struct run *r, struct conf *cli)
{
	char path[STORE_PATH_MAX];
	const char *name = r->o->args[0];
	size_t der_len;
	int rc;

	if (r->o->cert_file != NULL) {
		return revoke_by_key(r, cli);
	}
	if (name_classify(name, NULL, NULL) == NAME_BAD) {
		msg_err("revoke: %s is not a certificate name", name);
		return EXIT_USAGE;
	}
	if ((rc = lock_state(r->wstate)) != 0 ||
	    (rc = renew_conf(r, name)) != 0) {
		return rc;
	}
	r->ca->no_new_account = true;
	if (cert_path(r, name, "cert.pem", path) != 0 ||
	    (rc = read_cert_der(r, path, true, &der_len)) != 0 ||
	    (rc = ca_ready(r, true)) != 0 ||
	    (rc = revoke_post(r, der_len, false)) != 0) {
		return rc;
	}
	if ((rc = cert_mark_revoked(r, name)) != 0) {
		return rc;
	}
	msg_info(r->o, 0, "revoked %s", name);
	return 0;
}

/* account [deactivate|rollover]: the account of --directory. */
static int
cmd_account(struct run *r, struct conf *c)
{
	struct session *ca = r->ca;
	int rc;

	r->c = c;
	ca->no_new_account = true;
	if ((rc = lock_state(r->wstate)) != 0 ||
	    (rc = ca_ready(r, true)) != 0) {
		return rc;
	}
	if (r->o->nargs == 0) {
		if ((rc = acme_post(r, ca->kid, "", false)) != 0) {
			return rc;
		}
		if (ca->resp.status != 200) {
			return acme_fail(r, "account", ca->kid);
		}
		account_print(r);
		return 0;
	}
	if (strcmp(r->o->args[0], "deactivate") == 0) {
		return account_deactivate(r);
	}
	return account_rollover(r);
}

/*
 * Makes the file settings of c absolute: renew runs from cron, in
 * another directory than the issue that stored them. The strings go to
 * buf[0..cap) (STORE_PATH_MAX each). Returns 0 or EXIT_USAGE.
 */
static int
absolute_paths(struct conf *c, char *buf, size_t cap)
{
	const char **p[4] = { &c->ca_file, &c->webroot, &c->hook,
	    &c->csr_file };
	char cwd[STORE_PATH_MAX];
	size_t k, used = 0;
	int n;

	for (k = 0; k < 4; k++) {
		if (*p[k] == NULL || (*p[k])[0] == '/') {
			continue;
		}
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (n = fmt_s(buf + used, cap - used, "%s/%s", cwd,
		    *p[k])) < 0 ||
		    (size_t)n >= cap - used) {
			msg_err("%s: cannot make it an absolute path", *p[k]);
			return EXIT_USAGE;
		}
		*p[k] = buf + used;
		used += (size_t)n + 1;
	}
	return 0;
}

/* The signal that asks the run to stop, or 0 (see on_signal()). */
volatile sig_atomic_t na_stop;

/*
 * SIGTERM/SIGINT/SIGHUP (OpenWrt's "service acme abort", a user's ^C)
 * are only noted here: no fork, no stdio in a signal handler. Waits
 * return early (no SA_RESTART), no further request is sent, and the
 * normal path takes back what was published (the hook's "failed",
 * webroot files) and exits 128 + the signal.
 */
static void
on_signal(int sig)
{
	na_stop = sig;
}

/* see run.h */
int
stop_code(void)
{
	return na_stop != 0 ? 128 + na_stop : 0;
}

/* Notes SIGTERM, SIGINT and SIGHUP; ignores SIGPIPE (a peer closing a
 * socket must give EPIPE, not kill us). */
static void
catch_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	size_t k;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++) {
		sigaction(sigs[k], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

/*
 * dns-persist NAME...: the record a person sets once per name, for this
 * account (created with -y if there is none) and CA, on stdout as zone
 * file lines; what to do with it on stderr. No order is made: the
 * issuer name comes from the directory.
 */
static int
cmd_dns_persist(struct run *r, struct conf *c)
{
	struct session *ca = r->ca;
	struct dnsrec_persist p;
	struct authz *a;
	size_t k;
	int rc;

	if ((rc = cert_begin(r)) != 0) {
		return rc;
	}
	a = &r->cs->az[0];              /* a scratch authorization */
	r->c = c;
	if ((rc = lock_state(r->wstate)) != 0 ||
	    (rc = ca_ready(r, true)) != 0) {
		return rc;
	}
	if (ca->dir.issuer[0] == '\0') {
		msg_err("directory %s names no issuer domain (meta."
		    "caaIdentities): its dns-persist-01 record cannot be made",
		    c->directory);
		return EXIT_ACME;
	}
	for (k = 0; k < c->nnames; k++) {
		/* a wildcard is validated at its base name */
		fmt_s(a->ident, sizeof(a->ident), "%s", c->names[k] +
		    (strncmp(c->names[k], "*.", 2) == 0 ? 2 : 0));
		fmt_s(a->type, sizeof(a->type), "dns-persist-01");
		persist_params(r, ca->dir.issuer, c->names[k], &p);
		if (name_classify(c->names[k], NULL, NULL) != NAME_DNS ||
		    dns_record_name(r, a) != 0 || dnsrec_persist_value(&p,
		    a->record, sizeof(a->record), NULL) != 0) {
			msg_err("%s: no dns-persist-01 record can be made for "
			    "it (a DNS name is needed)", c->names[k]);
			return EXIT_USAGE;
		}
		persist_line(a->dns_name, a->record, true);
	}
	msg_info(r->o, 0, "Set %s at your DNS provider, once; it stays. "
	    "It lets this account (%s) of %s validate %s with --dns-persist: "
	    "no DNS credentials on this machine, no open port.", c->nnames >
	    1 ? "these TXT records" : "this TXT record", ca->kid,
	    ca->dir.issuer, c->nnames > 1 ? "these names" : "this name");
	return 0;
}

/*
 * delete NAME: the certificate goes, with every version of it and
 * their keys (unlinked, not left behind), after saying what goes. The
 * link goes first, so the certificate vanishes at once, whole.
 */
static int
cmd_delete(struct run *r)
{
	char path[STORE_PATH_MAX];
	const char *name = r->o->args[0];
	struct stat st;
	int rc;

	if (cert_path(r, name, "", path) != 0) {
		msg_err("delete %s: not a certificate name", name);
		return EXIT_USAGE;
	}
	if ((rc = lock_state(r->wstate)) != 0) {
		return rc;
	}
	if (lstat(path, &st) != 0) {
		msg_err("delete %s: no such certificate in %s", name,
		    r->o->state);
		return EXIT_USAGE;
	}
	msg_info(r->o, 0, "deleting %s: its certificate, chain, key and "
	    "settings, and every earlier version of them", path);
	return cert_remove(r, name);
}

/* Runs the command of o; r is zeroed and set up. Every command starts
 * with a certificate state (those that go through several begin a fresh
 * one for each); only those that talk to a CA get a session with one. */
static int
dispatch(struct run *r, struct conf *c)
{
	const char *cmd = r->o->cmd;
	int rc;

	if ((rc = cert_begin(r)) != 0) {
		return rc;
	}
	if (strcmp(cmd, "list") == 0) {
		return cmd_list(r);
	}
	if (strcmp(cmd, "delete") == 0) {
		return cmd_delete(r);
	}
	if ((rc = session_open(r)) != 0) {
		return rc;
	}
	if (strcmp(cmd, "issue") == 0) {
		return cmd_issue(r, c);
	}
	if (strcmp(cmd, "renew") == 0) {
		return cmd_renew(r);
	}
	if (strcmp(cmd, "revoke") == 0) {
		return cmd_revoke(r, c);
	}
	if (strcmp(cmd, "dns-persist") == 0) {
		return cmd_dns_persist(r, c);
	}
	return cmd_account(r, c);
}

int
main(int argc, char **argv)
{
	static char names[ACME_MAX_NAMES * 256], csr_text[ACME_MAX_NAMES * 256],
	    paths[4 * STORE_PATH_MAX], dry[STORE_PATH_MAX];
	struct opts o;
	struct conf c;
	struct run *r;
	struct responder zygote;
	int rc;

	if ((rc = cli_parse(argc, argv, &o)) >= 0) {
		return rc;
	}
	catch_signals();
	memset(&zygote, 0, sizeof(zygote));
	zygote.pid = zygote.cmd = zygote.st = -1;       /* none yet */
	/* Before any key is read or made, and before the heap holds
	 * anything (the zygote's copy stays empty): see responder.h. */
	if (strcmp(o.cmd, "issue") == 0 || strcmp(o.cmd, "renew") == 0) {
		responder_start(&zygote, o.eab_hmac);
	}
	/* after the zygote: its responders get no syslog socket */
	if (o.syslog) {
		msg_syslog();
	}
	/* the keys' process: no core dump, and a process of this user
	 * (an unsandboxed responder) may not ptrace it or read its memory */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		msg_err("out of memory");
		responder_end(&zygote);
		return EXIT_LOCAL;
	}
	r->o = &o;
	r->rsp = zygote;
	c = o.conf;
	conf_defaults(&c);
	/* Files we make that others read (webroot tokens and their
	 * directories, certificates) are 0644/0755 whatever umask cron or
	 * a shell left; keys and the state stay 0600/0700 by their modes. */
	umask(022);
	/* dns-persist prints the records of that method, wildcards too */
	if (strcmp(o.cmd, "dns-persist") == 0) {
		c.dns_persist = "yes";
	}
	/* the CA file in force at issue is the certificate's: cron's
	 * renew runs without the shell's $SSL_CERT_FILE */
	if (strcmp(o.cmd, "issue") == 0 && c.ca_file == NULL &&
	    getenv("SSL_CERT_FILE") != NULL && getenv("SSL_CERT_FILE")[0]) {
		c.ca_file = getenv("SSL_CERT_FILE");
	}
	rc = absolute_paths(&c, paths, sizeof(paths));
	if (rc == 0 && strcmp(o.cmd, "issue") == 0 && c.csr_file != NULL) {
		rc = csr_names(r, &c, csr_text, sizeof(csr_text));
	}
	if (rc == 0 && (rc = check_conf(&c)) == 0) {
		lower_names(&c, names, sizeof(names));
		rc = strcmp(o.cmd, "list") != 0 ? clock_check(&o) : 0;
	}
	r->wstate = o.state;
	if (rc == 0 && o.dry_run) {
		/* the whole flow, now, in a state thrown away after */
		o.force = true;
		o.jitter = 0;
		dry_ca(&o, &c);
		if ((rc = dry_state(r, dry)) == 0) {
			r->wstate = dry;
		}
	}
	if (rc == 0) {
		rc = dispatch(r, &c);
	}
	if (r->wstate != o.state) {
		store_rmtree(dry, 4);
		msg_info(&o, 0, "dry run: %s removed", dry);
	}
	if (na_stop != 0) {
		msg_err("stopped by signal %d (%s): what was published is "
		    "taken back; the state directory holds the old "
		    "certificate or the new one, whole", (int)na_stop,
		    na_stop == SIGINT ? "SIGINT" : na_stop == SIGTERM ?
		    "SIGTERM" : "SIGHUP");
		rc = stop_code();
	}
	session_close(r);
	cert_end(r);
	responder_end(&r->rsp);
	free(r);
	return rc;
}
