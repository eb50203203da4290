/* SPDX-License-Identifier: MIT */
/*
 * acme.c - nanoacme's main(): the ACME flow of RFC 8555 from directory
 * to certificate, the state directory layout, and every user-facing
 * message and exit code.
 *
 * It parses no bytes itself: JSON goes through json.c, HTTP through
 * http.c, DER and PEM through pem.c and x509.c, files through store.c.
 * The big buffers are allocated once here, in struct run, and reused
 * for every request of the run.
 */
#include "acme.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>

#include <stdio.h>      /* rename() */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "alpn.h"
#include "certs.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "jws.h"
#include "pem.h"
#include "roots.h"
#include "store.h"
#include "x509.h"

/* A JWS payload: the largest is a finalize CSR of 100 long names. */
#define PAYLOAD_MAX 12288

/* A signed request: payload and header, base64url'ed (4/3) with room. */
#define JWS_MAX (PAYLOAD_MAX * 4 / 3 + 4096)

/* The URLs of the ACME directory we use (RFC 8555 §7.1.1). */
struct directory {
	char new_nonce[HTTP_MAX_URL];
	char new_account[HTTP_MAX_URL];
	char new_order[HTTP_MAX_URL];
	char revoke_cert[HTTP_MAX_URL];
	char key_change[HTTP_MAX_URL];
	char renewal_info[HTTP_MAX_URL];
	char tos[HTTP_MAX_URL];
	bool eab_required;
};

/* One authorization of the order, and the http-01 challenge we answer. */
struct authz {
	char url[HTTP_MAX_URL];
	char ident[256];
	char chall_url[HTTP_MAX_URL];
	char type[16];                     /* the challenge we answer */
	char token[130];
	char keyauth[130 + JWS_THUMB_LEN];
	bool pending;                      /* we answer a challenge */
	bool begun;                        /* published: must clean up */
	bool valid;                        /* validated: hook gets "done" */
};

/* Everything one run owns; allocated once, freed at exit. */
struct run {
	const struct opts *o;
	const struct conf *c;              /* the certificate at hand */
	const struct ec_key *signer;       /* signs POSTs: &acct, or a
	                                      certificate key (revoke) */
	char dir_url[HTTP_MAX_URL];        /* directory loaded, or "" */
	char anchors_file[STORE_PATH_MAX]; /* where the anchors came from */
	bool have_account;                 /* kid is valid for dir_url */
	bool no_new_account;               /* use only an existing one */
	bool transient;                    /* last failure may pass: retry */
	long retry_after;                  /* its Retry-After, or -1 */
	struct http_client http;
	struct http_listener lis;          /* http-01, or --alpn's sockets */
	struct alpn_responder alpn;
	struct anchors anchors;
	struct directory dir;
	struct ec_key acct;
	struct ec_key cert_key;
	char acct_dir[STORE_PATH_MAX];
	char kid[HTTP_MAX_URL];
	char thumb[JWS_THUMB_LEN];
	char nonce[HTTP_MAX_NONCE];
	char order_url[HTTP_MAX_URL];
	char finalize[HTTP_MAX_URL];
	char cert_url[HTTP_MAX_URL];
	struct authz az[ACME_MAX_NAMES];
	struct http_token tokens[ACME_MAX_NAMES];
	size_t naz;
	/* the last response, and its JSON when it has some */
	struct http_response resp;
	struct json js;
	jsmntok_t tok[JSON_MAX_TOKENS];
	unsigned char body[HTTP_MAX_BODY + 1];
	unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
	char payload[PAYLOAD_MAX];
	char jws[JWS_MAX];
	unsigned char der[16384];
	char pem[HTTP_MAX_BODY + 8192];
	char conf_text[8192];              /* settings file being renewed */
	const struct conf *keep;           /* the settings to store */
	struct conf stored;                /* renew: as read from the file */
	char due[16384];                   /* names due, NUL-separated */
	char replaces[256];                /* ARI CertID being renewed */
	unsigned char csr_spki[1024];      /* --csr: the key to expect */
	size_t csr_spki_len;
	struct conf conf;                  /* settings being worked on */
};

static const char problem_prefix[] = "urn:ietf:params:acme:error:";

/* Prints a UTC date of t into out[32]: "YYYY-MM-DD HH:MM". */
static void
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
	const struct http_client *c = &r->http;
	const char *why = "";

	switch (c->err) {
	case HTTP_ETLS:
		why = http_tls_strerror(c->detail);
		break;
	case HTTP_ERESOLVE:
		why = gai_strerror(c->detail);
		break;
	case HTTP_ECONNECT:
	case HTTP_EIO:
		why = c->detail != 0 ? strerror(c->detail) : "";
		break;
	default:
		break;
	}
	msg_err("%s %s: %s%s%s", method, url, http_strerror(c->err),
	    why[0] != '\0' ? ": " : "", why);
	/* A server that is down or a link that is not up yet may recover;
	 * a certificate that does not verify will not. */
	r->transient = c->err != HTTP_ETLS && c->err != HTTP_EURL;
	r->retry_after = -1;
	return EXIT_NET;
}

/* True if the content type names JSON (+json suffix included). */
static bool
is_json_type(const char *ct)
{
	size_t n = strcspn(ct, "; ");

	return (n >= 4 && strncmp(ct + n - 4, "json", 4) == 0);
}

/*
 * Sends one request and reads the reply into r->resp/r->body, keeping
 * its Replay-Nonce and parsing JSON bodies into r->js (r->js.ntok is 0
 * when there is none). Returns 0 or EXIT_NET.
 */
static int
send_req(struct run *r, const char *method, const char *url,
    const char *body, size_t len)
{
	char clean[512];

	msg_info(r->o, 1, "> %s %s", method, url);
	if (http_request(&r->http, method, url,
	    len > 0 ? "application/jose+json" : NULL, body, len, &r->resp,
	    r->body, HTTP_MAX_BODY) != 0) {
		return net_fail(r, method, url);
	}
	r->body[r->resp.body_len] = '\0';
	msg_info(r->o, 1, "< %d %s (%zu bytes)", r->resp.status,
	    r->resp.content_type, r->resp.body_len);
	if (r->o->verbose >= 2 && r->resp.body_len > 0) {
		msg_clean((const char *)r->body, clean, sizeof(clean));
		msg_info(r->o, 2, "  %s", clean);
	}
	if (r->resp.nonce[0] != '\0') {
		memcpy(r->nonce, r->resp.nonce, sizeof(r->nonce));
	}
	r->js.ntok = 0;
	if (is_json_type(r->resp.content_type) &&
	    json_parse(&r->js, (const char *)r->body, r->resp.body_len,
	    r->tok, JSON_MAX_TOKENS) != 0) {
		r->js.ntok = 0;
	}
	return 0;
}

/* True if the last reply is the ACME problem urn:...:error:name. */
static bool
is_problem(const struct run *r, const char *name)
{
	char type[128];
	size_t n = sizeof(problem_prefix) - 1;

	if (json_get_str(&r->js, 0, "type", type, sizeof(type), NULL) != 0) {
		return false;
	}
	return strncmp(type, problem_prefix, n) == 0 &&
	    strcmp(type + n, name) == 0;
}

/* Prints one problem document at token obj: "IDENT: TYPE: DETAIL". */
static void
print_one_problem(const struct run *r, int obj, const char *prefix)
{
	char t[256], d[1024], id[256];

	t[0] = d[0] = id[0] = '\0';
	json_get_str(&r->js, obj, "type", t, sizeof(t), NULL);
	json_get_str(&r->js, obj, "detail", d, sizeof(d), NULL);
	json_get_str(&r->js, json_get(&r->js, obj, "identifier"), "value",
	    id, sizeof(id), NULL);
	msg_err("%s%s%s%s%s%s", prefix, id, id[0] != '\0' ? ": " : "",
	    t[0] != '\0' ? t : "(no problem type)", d[0] != '\0' ? ": " : "",
	    d);
}

/*
 * Prints the problem at obj and its subproblems (RFC 8555 §6.7.1: one
 * per identifier at fault). Subproblems of subproblems are not looked
 * at: no recursion over what a server sends.
 */
static void
print_problem_at(const struct run *r, int obj, const char *prefix)
{
	int sub, k, n;

	print_one_problem(r, obj, prefix);
	sub = json_get(&r->js, obj, "subproblems");
	if (!json_is(&r->js, sub, JSMN_ARRAY)) {
		return;
	}
	n = r->js.tok[sub].size;
	for (k = 0, sub++; k < n && sub < r->js.ntok; k++) {
		if (json_is(&r->js, sub, JSMN_OBJECT)) {
			print_one_problem(r, sub, "  ");
		}
		sub = json_skip(&r->js, sub);
	}
}

/* Reports an unexpected reply to what (at url); returns EXIT_ACME. */
static int
acme_fail(struct run *r, const char *what, const char *url)
{
	char prefix[HTTP_MAX_URL + 128];

	r->transient = r->resp.status >= 500 || is_problem(r, "rateLimited") ||
	    is_problem(r, "serverInternal") || is_problem(r, "badNonce");
	r->retry_after = r->resp.retry_after;
	fmt_s(prefix, sizeof(prefix), "%s %s: %d ", what, url,
	    r->resp.status);
	if (r->js.ntok > 0 && json_get(&r->js, 0, "type") >= 0) {
		print_problem_at(r, 0, prefix);
	} else {
		msg_err("%sunexpected reply (%s, %zu bytes)", prefix,
		    r->resp.content_type[0] != '\0' ? r->resp.content_type :
		    "no content type", r->resp.body_len);
	}
	return EXIT_ACME;
}

/* Fetches a fresh nonce from newNonce (RFC 8555 §7.2). */
static int
get_nonce(struct run *r)
{
	int rc;

	if ((rc = send_req(r, "HEAD", r->dir.new_nonce, NULL, 0)) != 0) {
		return rc;
	}
	if ((r->resp.status != 200 && r->resp.status != 204) ||
	    r->nonce[0] == '\0') {
		msg_err("newNonce %s: %d without a Replay-Nonce",
		    r->dir.new_nonce, r->resp.status);
		return EXIT_ACME;
	}
	return 0;
}

/*
 * POSTs payload signed with the account key (jwk for newAccount, kid
 * after), retrying badNonce with the nonce of the error reply (RFC 8555
 * §6.5). Returns 0 with the reply in r (any status), or an exit code.
 */
static int
acme_post(struct run *r, const char *url, const char *payload, bool jwk)
{
	struct sbuf b;
	int tries, rc;

	for (tries = 0;; tries++) {
		if (r->nonce[0] == '\0' && (rc = get_nonce(r)) != 0) {
			return rc;
		}
		sbuf_init(&b, r->jws, sizeof(r->jws));
		if (jws_sign(&r->signer->sk, &r->signer->pk, jwk ? NULL : r->kid,
		    r->nonce, url, payload, strlen(payload), &b) != 0) {
			msg_err("POST %s: request too large to sign", url);
			return EXIT_LOCAL;
		}
		r->nonce[0] = '\0';     /* a nonce is good for one request */
		if ((rc = send_req(r, "POST", url, b.p, b.len)) != 0) {
			return rc;
		}
		if (r->resp.status < 400 || !is_problem(r, "badNonce") ||
		    tries == ACME_BADNONCE_RETRIES) {
			return 0;
		}
		msg_info(r->o, 1, "  badNonce: retrying with a new nonce");
	}
}

/* Copies the URL member key of object obj into out, checked. */
static int
get_url(const struct run *r, int obj, const char *key, char *out)
{
	char host[256], port[6];
	const char *path;

	if (json_get_str(&r->js, obj, key, out, HTTP_MAX_URL, NULL) != 0 ||
	    http_url_parse(out, host, sizeof(host), port, &path) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * --profile must name one of the directory's meta.profiles (Let's
 * Encrypt's profiles: an object whose keys are the profile names).
 */
static int
check_profile(const struct run *r, int meta)
{
	int prof = json_get(&r->js, meta, "profiles");

	if (r->c->profile == NULL) {
		return 0;
	}
	if (!json_is(&r->js, prof, JSMN_OBJECT)) {
		msg_err("--profile %s: directory %s offers no profiles",
		    r->c->profile, r->c->directory);
		return EXIT_USAGE;
	}
	if (json_get(&r->js, prof, r->c->profile) < 0) {
		msg_err("--profile %s: not one of the profiles of %s",
		    r->c->profile, r->c->directory);
		return EXIT_USAGE;
	}
	return 0;
}

/* GETs the directory and keeps the URLs we need (RFC 8555 §7.1.1). */
static int
get_directory(struct run *r)
{
	const char *url = r->c->directory;
	int rc, meta;

	if ((rc = send_req(r, "GET", url, NULL, 0)) != 0) {
		return rc;
	}
	if (r->resp.status != 200 || !json_is(&r->js, 0, JSMN_OBJECT)) {
		return acme_fail(r, "directory", url);
	}
	if (get_url(r, 0, "newNonce", r->dir.new_nonce) != 0 ||
	    get_url(r, 0, "newAccount", r->dir.new_account) != 0 ||
	    get_url(r, 0, "newOrder", r->dir.new_order) != 0) {
		msg_err("directory %s: newNonce, newAccount or newOrder "
		    "missing or not an https URL", url);
		return EXIT_ACME;
	}
	/* Optional: revoke and account rollover say so when missing. */
	get_url(r, 0, "revokeCert", r->dir.revoke_cert);
	get_url(r, 0, "keyChange", r->dir.key_change);
	get_url(r, 0, "renewalInfo", r->dir.renewal_info);
	/* Optional: only shown to the user, so no URL check is needed. */
	meta = json_get(&r->js, 0, "meta");
	json_get_str(&r->js, meta, "termsOfService", r->dir.tos,
	    sizeof(r->dir.tos), NULL);
	r->dir.eab_required = json_is_true(&r->js, json_get(&r->js, meta,
	    "externalAccountRequired"));
	return check_profile(r, meta);
}

/*
 * STATE/account/<ca> for directory URL dir: host, port and path with
 * every character outside [A-Za-z0-9.-] made '_', so each CA has its own
 * account key and URL and two CAs never mix accounts.
 */
static int
account_dir(const struct run *r, char *out, size_t cap)
{
	const char *u = r->c->directory + strlen("https://");
	struct sbuf b;
	char c;

	sbuf_init(&b, out, cap);
	sbuf_adds(&b, r->o->state);
	sbuf_adds(&b, "/account/");
	for (; *u != '\0'; u++) {
		c = *u;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-')) {
			c = '_';
		}
		sbuf_add(&b, &c, 1);
	}
	return b.err != 0 ? -1 : 0;
}

/* Builds dir/name into out (STORE_PATH_MAX). */
static int
path_of(char *out, const char *dir, const char *name)
{
	int n = fmt_s(out, STORE_PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= STORE_PATH_MAX ? -1 : 0;
}

/* STATE/certs/NAME/FILE into out (STORE_PATH_MAX). */
static int
cert_path(const struct run *r, const char *name, const char *file,
    char *out)
{
	int n = fmt_s(out, STORE_PATH_MAX, "%s/certs/%s%s%s", r->o->state,
	    name, file[0] != '\0' ? "/" : "", file);

	return n < 0 || n >= STORE_PATH_MAX ? -1 : 0;
}

/* Reports a failed file operation on path; returns EXIT_LOCAL. */
static int
file_fail(const char *what, const char *path)
{
	msg_err("%s %s: %s", what, path, strerror(errno));
	return EXIT_LOCAL;
}

/*
 * Fails, before any network request, when the account of this CA was
 * deactivated (account deactivate leaves a marker): nothing can use it.
 */
static int
account_usable(struct run *r)
{
	char path[STORE_PATH_MAX];

	if (account_dir(r, r->acct_dir, sizeof(r->acct_dir)) != 0 ||
	    path_of(path, r->acct_dir, "deactivated") != 0) {
		msg_err("state directory path too long");
		return EXIT_LOCAL;
	}
	if (access(path, F_OK) == 0) {
		msg_err("the account in %s was deactivated; remove that "
		    "directory to create a new account", r->acct_dir);
		return EXIT_ACME;
	}
	return 0;
}

/*
 * Loads the account key and URL of this CA. *have_key and *have_url say what
 * was found. A stored directory URL that differs (two URLs folding to the
 * same folder name) is refused rather than mixed.
 */
static int
account_load(struct run *r, bool *have_key, bool *have_url)
{
	char path[STORE_PATH_MAX], buf[2048];
	size_t len;

	*have_key = *have_url = false;
	if (account_dir(r, r->acct_dir, sizeof(r->acct_dir)) != 0 ||
	    path_of(path, r->acct_dir, "directory") != 0) {
		msg_err("state directory path too long");
		return EXIT_LOCAL;
	}
	if (store_read(path, buf, sizeof(buf), &len) == 0 &&
	    strcmp(buf, r->c->directory) != 0) {
		msg_err("%s belongs to directory %s, not %s", r->acct_dir, buf,
		    r->c->directory);
		return EXIT_LOCAL;
	}
	if (path_of(path, r->acct_dir, "key.pem") != 0) {
		return EXIT_LOCAL;
	}
	if (store_read(path, buf, sizeof(buf), &len) == 0) {
		if (key_from_pem(&r->acct, buf, len) != 0) {
			memset(buf, 0, sizeof(buf));
			msg_err("%s: not a P-256 private key", path);
			return EXIT_LOCAL;
		}
		*have_key = true;
	} else if (errno != ENOENT) {
		return file_fail("cannot read", path);
	}
	memset(buf, 0, sizeof(buf));
	if (path_of(path, r->acct_dir, "url") != 0) {
		return EXIT_LOCAL;
	}
	if (*have_key && store_read(path, r->kid, sizeof(r->kid), &len) == 0) {
		r->kid[strcspn(r->kid, "\r\n")] = '\0';
		*have_url = r->kid[0] != '\0';
	}
	return 0;
}

/* Generates and stores a new account key (before it is ever used). */
static int
account_new_key(struct run *r)
{
	char path[STORE_PATH_MAX], buf[1024];
	struct sbuf b;
	int rc = 0;

	if (store_mkdirs(r->acct_dir, 0700) != 0) {
		return file_fail("cannot create", r->acct_dir);
	}
	if (path_of(path, r->acct_dir, "directory") != 0 ||
	    store_write(path, r->c->directory, strlen(r->c->directory),
	    0644) != 0) {
		return file_fail("cannot write", path);
	}
	if (key_generate(&r->acct) != 0) {
		msg_err("cannot generate a key: %s", strerror(errno));
		return EXIT_LOCAL;
	}
	sbuf_init(&b, buf, sizeof(buf));
	if (path_of(path, r->acct_dir, "key.pem") != 0 ||
	    key_to_pem(&r->acct, &b) != 0 ||
	    store_write(path, b.p, b.len, 0600) != 0) {
		rc = file_fail("cannot write", path);
	}
	memset(buf, 0, sizeof(buf));
	return rc;
}

/*
 * Appends ,"externalAccountBinding":{...} (RFC 8555 §7.3.4): the CA's
 * key id and MAC key (base64url, as CAs hand them out) bind the new
 * account to an account the CA already knows.
 */
static int
add_eab(struct run *r, struct sbuf *b)
{
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
	    r->dir.new_account, &r->acct.pk, b) != 0) {
		msg_err("--eab-alg must be 256, 384 or 512");
		rc = EXIT_USAGE;
	}
	memset(mac, 0, sizeof(mac));
	return rc;
}

/*
 * newAccount (RFC 8555 §7.3): creates the account, or with only_existing
 * looks up the account of our key (§7.3.1). Sets r->kid and stores it.
 * Returns 0, EXIT_NOTHING when only_existing found none, or an exit code.
 */
static int
account_post(struct run *r, bool only_existing)
{
	char path[STORE_PATH_MAX], contact[320];
	struct sbuf b;
	int rc, n;

	sbuf_init(&b, r->payload, sizeof(r->payload));
	if (only_existing) {
		sbuf_adds(&b, "{\"onlyReturnExisting\":true}");
	} else {
		sbuf_adds(&b, "{\"termsOfServiceAgreed\":true");
		if (r->o->eab_kid != NULL && (rc = add_eab(r, &b)) != 0) {
			return rc;
		}
		if (r->c->email != NULL) {
			n = fmt_s(contact, sizeof(contact), "mailto:%s",
			    r->c->email);
			sbuf_adds(&b, ",\"contact\":[");
			json_add_str(&b, contact, strlen(contact));
			sbuf_adds(&b, "]");
			b.err |= n < 0 || (size_t)n >= sizeof(contact);
		}
		sbuf_adds(&b, "}");
	}
	if (b.err != 0) {
		msg_err("account contact too long");
		return EXIT_USAGE;
	}
	if ((rc = acme_post(r, r->dir.new_account, b.p, true)) != 0) {
		return rc;
	}
	if (only_existing && is_problem(r, "accountDoesNotExist")) {
		return EXIT_NOTHING;
	}
	if ((r->resp.status != 200 && r->resp.status != 201) ||
	    r->resp.location[0] == '\0') {
		return acme_fail(r, "newAccount", r->dir.new_account);
	}
	memcpy(r->kid, r->resp.location, sizeof(r->kid));
	msg_info(r->o, 1, "account %s (%s)", r->kid,
	    r->resp.status == 201 ? "created" : "existing");
	if (path_of(path, r->acct_dir, "url") != 0 ||
	    store_write(path, r->kid, strlen(r->kid), 0644) != 0) {
		return file_fail("cannot write", path);
	}
	return 0;
}

/*
 * A rollover killed between the CA's acceptance and the rename leaves
 * key-new.pem: ask the CA which key it knows (RFC 8555 §7.3.1, signed
 * with the new key). If it knows the new one, install it; if not,
 * the rollover never happened and the file goes.
 */
static int
rollover_recover(struct run *r)
{
	char path[STORE_PATH_MAX], fresh[STORE_PATH_MAX];
	struct ec_key nk;
	size_t len;
	int rc;

	if (path_of(fresh, r->acct_dir, "key-new.pem") != 0 ||
	    path_of(path, r->acct_dir, "key.pem") != 0 ||
	    store_read(fresh, r->pem, sizeof(r->pem), &len) != 0) {
		return 0;
	}
	rc = key_from_pem(&nk, r->pem, len);
	memset(r->pem, 0, len);
	if (rc != 0) {
		msg_err("%s: not a key; removed", fresh);
		unlink(fresh);
		return 0;
	}
	/* The new key is fresh randomness: only our account can have it. */
	r->signer = &nk;
	rc = account_post(r, true);
	r->signer = &r->acct;
	if (rc == EXIT_NOTHING) {
		unlink(fresh);      /* the CA never took it */
		rc = 0;
	} else if (rc == 0) {
		if (store_rename(fresh, path) != 0) {
			rc = file_fail("cannot install", fresh);
		} else {
			msg_info(r->o, 0, "%s: finished an interrupted account "
			    "rollover", r->acct_dir);
			key_wipe(&r->acct);
			rc = store_read(path, r->pem, sizeof(r->pem), &len) == 0 &&
			    key_from_pem(&r->acct, r->pem, len) == 0 ? 0 :
			    EXIT_LOCAL;
			memset(r->pem, 0, sizeof(r->pem));
		}
	}
	key_wipe(&nk);
	return rc;
}

/*
 * Makes r->kid the account of this CA: the stored one (no request), the
 * one the server knows for our stored key, or a new one when the user
 * agreed to the terms of service.
 */
static int
account_setup(struct run *r)
{
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
	if (!have_url && r->no_new_account) {
		msg_err("no account for %s in %s", r->c->directory, r->acct_dir);
		return EXIT_ACME;
	}
	if (!have_url && !r->o->agree_tos) {
		msg_err("creating an account needs agreement to the CA's terms "
		    "of service%s%s; read them, then run again with -y "
		    "(--agree-tos)", r->dir.tos[0] != '\0' ? ": " : "",
		    r->dir.tos);
		return EXIT_TOS;
	}
	if (!have_url && r->dir.eab_required && r->o->eab_kid == NULL) {
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
done:
	if (rc == 0 && jws_thumbprint(&r->acct.pk, r->thumb) != 0) {
		rc = EXIT_LOCAL;
	}
	return rc;
}

/* Appends the identifiers array of newOrder (RFC 8555 §7.4, RFC 8738). */
static void
add_identifiers(struct sbuf *b, const struct conf *c)
{
	size_t k;

	sbuf_adds(b, "{\"identifiers\":[");
	for (k = 0; k < c->nnames; k++) {
		sbuf_adds(b, k > 0 ? ",{\"type\":" : "{\"type\":");
		sbuf_adds(b, name_classify(c->names[k], NULL, NULL) == NAME_IP ?
		    "\"ip\"" : "\"dns\"");
		sbuf_adds(b, ",\"value\":");
		json_add_str(b, c->names[k], strlen(c->names[k]));
		sbuf_adds(b, "}");
	}
	sbuf_adds(b, "]}");
}

/* newOrder: keeps the order URL, finalize URL and authorization URLs. */
static int
order_new(struct run *r)
{
	struct sbuf b;
	int rc, arr, i, k, n;

	sbuf_init(&b, r->payload, sizeof(r->payload));
	add_identifiers(&b, r->c);
	if (r->c->profile != NULL) {
		b.len--;        /* reopen the object: drop its '}' */
		sbuf_adds(&b, ",\"profile\":");
		json_add_str(&b, r->c->profile, strlen(r->c->profile));
		sbuf_adds(&b, "}");
	}
	/* RFC 9773 §5: name the certificate this order replaces. */
	if (r->replaces[0] != '\0' && r->dir.renewal_info[0] != '\0') {
		b.len--;
		sbuf_adds(&b, ",\"replaces\":");
		json_add_str(&b, r->replaces, strlen(r->replaces));
		sbuf_adds(&b, "}");
	}
	if (b.err != 0) {
		msg_err("newOrder: too many or too long names");
		return EXIT_USAGE;
	}
	if ((rc = acme_post(r, r->dir.new_order, b.p, false)) != 0) {
		return rc;
	}
	/* The CA may have replaced it already (a run killed after finalize,
	 * a restored backup) or not know it (another CA): order anew
	 * without "replaces" rather than fail forever. */
	if (r->replaces[0] != '\0' && r->resp.status >= 400 &&
	    r->resp.status < 500 && !is_problem(r, "rateLimited") &&
	    !is_problem(r, "unauthorized")) {
		msg_info(r->o, 0, "newOrder refused \"replaces\" (%d): "
		    "ordering without it", r->resp.status);
		r->replaces[0] = '\0';
		return order_new(r);
	}
	arr = json_get(&r->js, 0, "authorizations");
	if (r->resp.status != 201 || r->resp.location[0] == '\0' ||
	    get_url(r, 0, "finalize", r->finalize) != 0 ||
	    !json_is(&r->js, arr, JSMN_ARRAY)) {
		return acme_fail(r, "newOrder", r->dir.new_order);
	}
	memcpy(r->order_url, r->resp.location, sizeof(r->order_url));
	n = r->js.tok[arr].size;
	if (n < 1 || n > ACME_MAX_NAMES) {
		msg_err("newOrder: %d authorizations", n);
		return EXIT_ACME;
	}
	for (k = 0, i = arr + 1; k < n; k++, i = json_skip(&r->js, i)) {
		if (json_str(&r->js, i, r->az[k].url, HTTP_MAX_URL, NULL) != 0) {
			return acme_fail(r, "newOrder", r->dir.new_order);
		}
	}
	r->naz = (size_t)n;
	msg_info(r->o, 1, "order %s: %d authorizations", r->order_url, n);
	return 0;
}

/* Status string of object obj in the last reply, or "" if missing. */
static void
get_status(const struct run *r, int obj, char *out, size_t cap)
{
	if (json_get_str(&r->js, obj, "status", out, cap, NULL) != 0) {
		out[0] = '\0';
	}
}

/* Runs the challenge hook: PROGRAM STEP TYPE IDENT TOKEN AUTH. */
static int
run_hook(const struct run *r, const char *step, const struct authz *a)
{
	char digest[JWS_THUMB_LEN];
	const char *auth = a->keyauth;
	pid_t pid;
	int st;

	/* RFC 8555 §8.4: dns-01 publishes the digest, not the key auth. */
	if (strcmp(a->type, "dns-01") == 0) {
		if (jws_dns_digest(a->keyauth, digest) != 0) {
			return -1;
		}
		auth = digest;
	}
	if ((pid = fork()) == 0) {
		execl(r->c->hook, r->c->hook, step, a->type, a->ident, a->token,
		    auth, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		return -1;
	}
	msg_info(r->o, 1, "  hook %s %s %s: %s %d", step, a->type, a->ident,
	    WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ?
	    WEXITSTATUS(st) : WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* STATE-independent path of the webroot file of token. */
static int
webroot_path(const struct run *r, const char *token, char *out)
{
	int n = fmt_s(out, STORE_PATH_MAX, "%s/.well-known/acme-challenge"
	    "%s%s", r->c->webroot, token[0] != '\0' ? "/" : "", token);

	return n < 0 || n >= STORE_PATH_MAX ? -1 : 0;
}

/* Writes the key authorization where the web server serves it. */
static int
webroot_publish(const struct run *r, const struct authz *a)
{
	char path[STORE_PATH_MAX];

	if (webroot_path(r, "", path) != 0 || store_mkdirs(path, 0755) != 0 ||
	    webroot_path(r, a->token, path) != 0 ||
	    store_write(path, a->keyauth, strlen(a->keyauth), 0644) != 0) {
		return file_fail("cannot write webroot file", path);
	}
	return 0;
}

/* Which challenge type this run answers without a hook. */
static const char *
wanted_type(const struct run *r)
{
	return r->c->alpn != NULL ? "tls-alpn-01" : "http-01";
}

/*
 * Takes challenge i of the authorization in the last reply if we can
 * answer it: fills a's URL, token and key authorization, and publishes
 * it (webroot file, or the hook's "begin"). Returns 1 taken, 0 not for
 * us, -1 malformed.
 */
static int
take_challenge(struct run *r, struct authz *a, int i)
{
	if (json_str(&r->js, json_get(&r->js, i, "type"), a->type,
	    sizeof(a->type), NULL) != 0) {
		return 0;
	}
	if (r->c->hook == NULL ? strcmp(a->type, wanted_type(r)) != 0 :
	    strcmp(a->type, "http-01") != 0 && strcmp(a->type, "dns-01") != 0 &&
	    strcmp(a->type, "tls-alpn-01") != 0) {
		return 0;
	}
	/* RFC 8555 §8.3: the token is base64url; it becomes a path. */
	if (get_url(r, i, "url", a->chall_url) != 0 ||
	    json_get_str(&r->js, i, "token", a->token, sizeof(a->token),
	    NULL) != 0 || jws_key_authz(a->token, r->thumb, a->keyauth,
	    sizeof(a->keyauth)) != 0) {
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
find_challenge(struct run *r, struct authz *a)
{
	int arr, i, k, n, got;

	arr = json_get(&r->js, 0, "challenges");
	if (!json_is(&r->js, arr, JSMN_ARRAY)) {
		return -1;
	}
	n = r->js.tok[arr].size;
	for (k = 0, i = arr + 1; k < n; k++, i = json_skip(&r->js, i)) {
		if ((got = take_challenge(r, a, i)) != 0) {
			return got > 0 ? 0 : -1;
		}
	}
	return -1;
}

/* POST-as-GET of one authorization; prepares its challenge if pending. */
static int
authz_fetch(struct run *r, struct authz *a)
{
	char status[32];
	int rc;

	if ((rc = acme_post(r, a->url, "", false)) != 0) {
		return rc;
	}
	if (r->resp.status != 200 || !json_is(&r->js, 0, JSMN_OBJECT)) {
		return acme_fail(r, "authorization", a->url);
	}
	json_get_str(&r->js, json_get(&r->js, 0, "identifier"), "value",
	    a->ident, sizeof(a->ident), NULL);
	get_status(r, 0, status, sizeof(status));
	a->pending = a->begun = a->valid = false;
	if (strcmp(status, "valid") == 0) {
		msg_info(r->o, 1, "  %s: already valid", a->ident);
		return 0;
	}
	if (strcmp(status, "pending") != 0) {
		msg_err("authorization %s for %s is %s", a->url, a->ident,
		    status[0] != '\0' ? status : "without status");
		return EXIT_ACME;
	}
	if (find_challenge(r, a) != 0) {
		msg_err("authorization %s: no challenge for %s that %s", a->url,
		    a->ident, r->c->hook != NULL ? "the hook accepted" :
		    strcmp(wanted_type(r), "http-01") == 0 ? "is http-01 "
		    "(wildcards need dns-01: --hook)" : "is tls-alpn-01");
		return EXIT_ACME;
	}
	if (r->c->webroot != NULL && r->c->hook == NULL) {
		if ((rc = webroot_publish(r, a)) != 0) {
			return rc;
		}
		a->begun = true;
	}
	if (r->c->alpn != NULL && r->c->hook == NULL &&
	    alpn_add(&r->alpn, a->ident, a->keyauth) != 0) {
		msg_err("tls-alpn-01: cannot answer for %s", a->ident);
		return EXIT_LOCAL;
	}
	a->pending = true;
	return 0;
}

/*
 * Takes back what the run published, whatever happened: webroot files
 * are removed, the hook hears "done" or "failed" for each challenge.
 */
static void
challenges_cleanup(struct run *r)
{
	char path[STORE_PATH_MAX];
	size_t k;

	for (k = 0; k < r->naz; k++) {
		struct authz *a = &r->az[k];

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

/*
 * Sleeps before the next poll, serving the listener meanwhile: the
 * server's Retry-After when it sent one (capped), else *delay_ms, which
 * then doubles up to ACME_POLL_MAX_MS. Fails once the total wait since
 * start would pass ACME_POLL_TOTAL_S.
 */
static int
poll_wait(struct run *r, long *delay_ms, time_t start, const char *what)
{
	long ms = *delay_ms;

	if (r->resp.retry_after > 0) {
		ms = (r->resp.retry_after < ACME_RETRY_AFTER_MAX_S ?
		    r->resp.retry_after : ACME_RETRY_AFTER_MAX_S) * 1000L;
	}
	if (time(NULL) - start + ms / 1000 > ACME_POLL_TOTAL_S) {
		msg_err("%s: still not done after %d seconds", what,
		    ACME_POLL_TOTAL_S);
		return EXIT_ACME;
	}
	msg_info(r->o, 2, "  waiting %ld ms", ms);
	if (r->lis.nlfd > 0 && r->c->alpn != NULL) {
		alpn_serve(&r->alpn, &r->lis, (int)ms);
	} else if (r->lis.nlfd > 0) {
		http_listen_serve(&r->lis, (int)ms);
	} else {
		poll(NULL, 0, (int)ms);
	}
	*delay_ms = *delay_ms * 2 > ACME_POLL_MAX_MS ? ACME_POLL_MAX_MS :
	    *delay_ms * 2;
	return 0;
}

/* Reports why an authorization became invalid: its challenge's error. */
static int
authz_invalid(struct run *r, const struct authz *a)
{
	char prefix[600];
	int arr, i, k, n, err;

	fmt_s(prefix, sizeof(prefix), "validation of %s failed: ",
	    a->ident);
	arr = json_get(&r->js, 0, "challenges");
	n = json_is(&r->js, arr, JSMN_ARRAY) ? r->js.tok[arr].size : 0;
	for (k = 0, i = arr + 1; k < n; k++, i = json_skip(&r->js, i)) {
		err = json_get(&r->js, i, "error");
		if (json_is(&r->js, err, JSMN_OBJECT)) {
			print_problem_at(r, err, prefix);
			return EXIT_VALIDATION;
		}
	}
	msg_err("%s(no error given by the CA)", prefix);
	return EXIT_VALIDATION;
}

/* Polls one authorization until it leaves "pending". */
static int
authz_poll(struct run *r, struct authz *a)
{
	char status[32];
	long delay = ACME_POLL_FIRST_MS;
	time_t start = time(NULL);
	int rc;

	for (;;) {
		if ((rc = poll_wait(r, &delay, start, a->url)) != 0 ||
		    (rc = acme_post(r, a->url, "", false)) != 0) {
			return rc;
		}
		if (r->resp.status != 200) {
			return acme_fail(r, "authorization", a->url);
		}
		get_status(r, 0, status, sizeof(status));
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
	}
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

	for (k = 0; k < r->naz; k++) {
		if ((rc = authz_fetch(r, &r->az[k])) != 0) {
			return rc;
		}
		if (r->az[k].pending) {
			r->tokens[n].token = r->az[k].token;
			r->tokens[n].keyauth = r->az[k].keyauth;
			n++;
		}
	}
	http_listen_set_tokens(&r->lis, r->tokens, n);
	for (k = 0; k < r->naz; k++) {
		if (!r->az[k].pending) {
			continue;
		}
		/* RFC 8555 §7.5.1: the empty object asks for validation. */
		if ((rc = acme_post(r, r->az[k].chall_url, "{}", false)) != 0) {
			return rc;
		}
		if (r->resp.status != 200) {
			return acme_fail(r, "challenge", r->az[k].chall_url);
		}
	}
	for (k = 0; k < r->naz; k++) {
		if (r->az[k].pending && (rc = authz_poll(r, &r->az[k])) != 0) {
			return rc;
		}
	}
	return 0;
}

/* authorize_all(), then take back whatever it published. */
static int
authorize(struct run *r)
{
	int rc = authorize_all(r);

	challenges_cleanup(r);
	return rc;
}

/*
 * The certificate key: the current one with --reuse-key (when there is
 * one), else a new one: a renewal normally changes the key, so a key
 * that leaked once does not stay valid for years.
 */
static int
cert_key(struct run *r)
{
	char path[STORE_PATH_MAX];
	size_t len;
	int rc = 0;

	if (r->c->reuse_key == 1 &&
	    cert_path(r, r->c->names[0], "privkey.pem", path) == 0 &&
	    store_read(path, r->pem, sizeof(r->pem), &len) == 0) {
		if (key_from_pem(&r->cert_key, r->pem, len) != 0) {
			msg_err("%s: not a P-256 private key", path);
			rc = EXIT_LOCAL;
		}
		memset(r->pem, 0, len);
		return rc;
	}
	if (key_generate(&r->cert_key) != 0) {
		msg_err("cannot generate a key: %s", strerror(errno));
		return EXIT_LOCAL;
	}
	return 0;
}

/*
 * Reads the CSR of --csr (PEM "CERTIFICATE REQUEST" or DER) into r->der
 * and remembers its key, which the certificate must certify. Returns 0
 * or an exit code.
 */
static int
csr_read(struct run *r, const char *path, size_t *der_len,
    struct x509_cert *x)
{
	char label[64];
	size_t len, pos = 0;
	int got = 0;

	if (store_read(path, r->pem, sizeof(r->pem), &len) != 0) {
		return file_fail("cannot read CSR", path);
	}
	while (got == 0 && pem_next(r->pem, len, &pos, label, sizeof(label),
	    r->der, sizeof(r->der), der_len) == 1) {
		got = strcmp(label, "CERTIFICATE REQUEST") == 0 ||
		    strcmp(label, "NEW CERTIFICATE REQUEST") == 0;
	}
	if (got == 0 && len <= sizeof(r->der)) {
		memcpy(r->der, r->pem, len);    /* not PEM: DER as it is */
		*der_len = len;
	}
	if (x509_parse_csr(r->der, *der_len, x) != 0 ||
	    x->spki_len > sizeof(r->csr_spki)) {
		msg_err("%s: not a PKCS#10 certificate request", path);
		return EXIT_USAGE;
	}
	memcpy(r->csr_spki, x->spki, x->spki_len);
	r->csr_spki_len = x->spki_len;
	return 0;
}

/*
 * issue --csr: the names come from the CSR. Names also given on the
 * command line must be the same set.
 */
static int
csr_names(struct run *r, struct conf *c, char *buf, size_t cap)
{
	const char *names[ACME_MAX_NAMES];
	struct x509_cert x;
	size_t der_len, n, k, j;
	int rc;

	if ((rc = csr_read(r, c->csr_file, &der_len, &x)) != 0) {
		return rc;
	}
	if (x509_names(&x, buf, cap, names, ACME_MAX_NAMES, &n) != 0) {
		msg_err("%s: no usable names in the CSR", c->csr_file);
		return EXIT_USAGE;
	}
	for (k = 0; k < c->nnames; k++) {
		for (j = 0; j < n && strcmp(names[j], c->names[k]) != 0; j++) {
		}
		if (j == n || c->nnames != n) {
			msg_err("the names given differ from those of %s",
			    c->csr_file);
			return EXIT_USAGE;
		}
	}
	for (k = 0; k < n; k++) {
		c->names[k] = names[k];
	}
	c->nnames = n;
	return 0;
}

/* POSTs the CSR to finalize (RFC 8555 §7.4) with the certificate key. */
static int
finalize(struct run *r)
{
	struct x509_cert x;
	struct sbuf b;
	size_t der_len;
	int rc;

	if (r->c->csr_file != NULL) {
		/* Bring your own CSR: the key never touches nanoacme. */
		if ((rc = csr_read(r, r->c->csr_file, &der_len, &x)) != 0) {
			return rc;
		}
	} else if ((rc = cert_key(r)) != 0) {
		return rc;
	} else if (csr_build(&r->cert_key, r->c->names, r->c->nnames, r->der,
	    sizeof(r->der), &der_len) != 0) {
		msg_err("cannot build the CSR (names too long?)");
		return EXIT_LOCAL;
	}
	sbuf_init(&b, r->payload, sizeof(r->payload));
	sbuf_adds(&b, "{\"csr\":\"");
	b64url_add(&b, r->der, der_len);
	sbuf_adds(&b, "\"}");
	if (b.err != 0) {
		msg_err("finalize: CSR too large");
		return EXIT_LOCAL;
	}
	if ((rc = acme_post(r, r->finalize, b.p, false)) != 0) {
		return rc;
	}
	if (r->resp.status != 200) {
		return acme_fail(r, "finalize", r->finalize);
	}
	return 0;
}

/* Polls the order until it is valid and keeps its certificate URL. */
static int
order_poll(struct run *r)
{
	char status[32];
	long delay = ACME_POLL_FIRST_MS;
	time_t start = time(NULL);
	int rc;

	for (;;) {
		get_status(r, 0, status, sizeof(status));
		if (strcmp(status, "valid") == 0) {
			break;
		}
		if (strcmp(status, "processing") != 0 &&
		    strcmp(status, "ready") != 0) {
			msg_err("order %s is %s", r->order_url,
			    status[0] != '\0' ? status : "without status");
			if (json_is(&r->js, json_get(&r->js, 0, "error"),
			    JSMN_OBJECT)) {
				print_problem_at(r, json_get(&r->js, 0, "error"),
				    "  ");
			}
			return EXIT_ACME;
		}
		if ((rc = poll_wait(r, &delay, start, r->order_url)) != 0 ||
		    (rc = acme_post(r, r->order_url, "", false)) != 0) {
			return rc;
		}
		if (r->resp.status != 200) {
			return acme_fail(r, "order", r->order_url);
		}
	}
	if (get_url(r, 0, "certificate", r->cert_url) != 0) {
		return acme_fail(r, "order", r->order_url);
	}
	return 0;
}

/* Checks that the leaf der[0..len) certifies our key for every name. */
static int
leaf_check(const struct run *r, const unsigned char *der, size_t len,
    struct x509_cert *leaf)
{
	char when[32];
	size_t k;

	if (x509_parse(der, len, leaf) != 0) {
		msg_err("certificate %s: the leaf is not a valid X.509 "
		    "certificate", r->cert_url);
		return EXIT_ACME;
	}
	/* An expired or not yet valid certificate must not replace a
	 * working one (the clock was checked sane before we started). */
	if (leaf->not_after <= (int64_t)time(NULL)) {
		fmt_date(leaf->not_after, when);
		msg_err("certificate %s: expired (notAfter %s UTC)",
		    r->cert_url, when);
		return EXIT_ACME;
	}
	if (leaf->not_before > (int64_t)time(NULL) + 86400) {
		fmt_date(leaf->not_before, when);
		msg_err("certificate %s: not valid yet (notBefore %s UTC)",
		    r->cert_url, when);
		return EXIT_ACME;
	}
	if (r->c->csr_file != NULL ? leaf->spki_len != r->csr_spki_len ||
	    memcmp(leaf->spki, r->csr_spki, r->csr_spki_len) != 0 :
	    !x509_has_key(leaf, &r->cert_key)) {
		msg_err("certificate %s: does not certify our key",
		    r->cert_url);
		return EXIT_ACME;
	}
	for (k = 0; k < r->c->nnames; k++) {
		if (!x509_has_name(leaf, r->c->names[k])) {
			msg_err("certificate %s: %s is missing from its names",
			    r->cert_url, r->c->names[k]);
			return EXIT_ACME;
		}
	}
	return 0;
}

/*
 * Checks the downloaded chain (RFC 8555 §7.4.2) and re-encodes it into
 * r->pem (*pem_len bytes) as leaf then issuers; *leaf_len is the length
 * of the leaf's PEM; *not_after its expiry.
 */
static int
chain_check(struct run *r, size_t *leaf_len, size_t *pem_len,
    int64_t *not_after)
{
	const char *text = (const char *)r->body;
	struct x509_cert leaf;
	struct sbuf b;
	char name[64];
	size_t pos = 0, der_len, n = 0;
	int got, rc;

	sbuf_init(&b, r->pem, sizeof(r->pem));
	while ((got = pem_next(text, r->resp.body_len, &pos, name,
	    sizeof(name), r->der, sizeof(r->der), &der_len)) == 1) {
		if (strcmp(name, "CERTIFICATE") != 0) {
			continue;
		}
		if (n == 0) {
			if ((rc = leaf_check(r, r->der, der_len, &leaf)) != 0) {
				return rc;
			}
			*not_after = leaf.not_after;
		}
		pem_encode("CERTIFICATE", r->der, der_len, &b);
		if (n++ == 0) {
			*leaf_len = b.len;
		}
	}
	if (got < 0 || n == 0 || b.err != 0) {
		msg_err("certificate %s: not a PEM certificate chain",
		    r->cert_url);
		return EXIT_ACME;
	}
	*pem_len = b.len;
	return 0;
}

/* Writes name/data into version directory dir. */
static int
save_file(const char *dir, const char *name, const char *data, size_t len,
    mode_t mode)
{
	char path[STORE_PATH_MAX];

	if (path_of(path, dir, name) != 0 ||
	    store_write(path, data, len, mode) != 0) {
		return file_fail("cannot write", path);
	}
	return 0;
}

/*
 * Stores key and chain in a new version directory, then makes it the
 * current one with one rename: until then the old pair stays in place.
 */
static int
save_cert(struct run *r, size_t leaf_len, size_t len)
{
	/* The CA has ARI: the first renew asks it (RFC 9773 §4.3). */
	static const char ari_new[] = "next 0\nat 0\n";
	char certs[STORE_PATH_MAX], ver[STORE_PATH_MAX], key[1024];
	const char *pem = r->pem;
	struct sbuf b, conf;
	int rc = EXIT_LOCAL;

	sbuf_init(&b, key, sizeof(key));
	if (path_of(certs, r->o->state, "certs") != 0 ||
	    store_mkdirs(certs, 0700) != 0 ||
	    store_version_new(certs, r->c->names[0], ver, sizeof(ver)) != 0) {
		return file_fail("cannot create a directory in", r->o->state);
	}
	if (r->c->csr_file == NULL && key_to_pem(&r->cert_key, &b) != 0) {
		goto out;
	}
	sbuf_init(&conf, r->payload, sizeof(r->payload));
	/* renew stores what it read, not its command line's one-off
	 * options: those hold "for that run" only. */
	if (conf_format(r->keep != NULL ? r->keep : r->c, &conf) != 0) {
		msg_err("settings hold a control character: not stored");
		goto out;
	}
	if (r->dir.renewal_info[0] != '\0' &&
	    save_file(ver, "ari", ari_new, strlen(ari_new), 0644) != 0) {
		goto out;
	}
	if ((r->c->csr_file == NULL &&
	    save_file(ver, "privkey.pem", b.p, b.len, 0600) != 0) ||
	    save_file(ver, "settings", conf.p, conf.len, 0644) != 0 ||
	    save_file(ver, "cert.pem", pem, leaf_len, 0644) != 0 ||
	    save_file(ver, "chain.pem", pem + leaf_len, len - leaf_len,
	    0644) != 0 ||
	    save_file(ver, "fullchain.pem", pem, len, 0644) != 0) {
		goto out;
	}
	if (store_version_commit(certs, r->c->names[0], ver) != 0) {
		rc = file_fail("cannot install", ver);
		goto out;
	}
	rc = 0;
out:
	memset(key, 0, sizeof(key));
	if (rc != 0) {
		store_version_drop(ver);
	}
	return rc;
}

/* True if the chain in the last reply tops out at issuer CN want. */
static bool
chain_top_is(struct run *r, const char *want)
{
	const char *text = (const char *)r->body;
	struct x509_cert x;
	char name[64], cn[256];
	size_t pos = 0, der_len, top_len = 0;

	/* r->der ends up holding the last (topmost) certificate. */
	while (pem_next(text, r->resp.body_len, &pos, name, sizeof(name),
	    r->der, sizeof(r->der), &der_len) == 1) {
		if (strcmp(name, "CERTIFICATE") == 0) {
			top_len = der_len;
		}
	}
	return top_len > 0 && top_len == der_len &&
	    x509_parse(r->der, top_len, &x) == 0 &&
	    x509_issuer_cn(&x, cn, sizeof(cn)) == 0 && strcmp(cn, want) == 0;
}

/*
 * --preferred-chain: when the default chain does not top out at the
 * wanted issuer, tries the Link rel="alternate" chains (RFC 8555
 * §7.4.2) in turn; if none does, falls back to the default.
 */
static int
pick_chain(struct run *r)
{
	char alt[HTTP_MAX_ALTERNATES][HTTP_MAX_URL];
	size_t k, n = r->resp.nalternate;
	int rc;

	if (r->c->preferred_chain == NULL ||
	    chain_top_is(r, r->c->preferred_chain)) {
		return 0;
	}
	memcpy(alt, r->resp.alternate, sizeof(alt));
	for (k = 0; k < n; k++) {
		if ((rc = acme_post(r, alt[k], "", false)) != 0) {
			return rc;
		}
		if (r->resp.status == 200 &&
		    chain_top_is(r, r->c->preferred_chain)) {
			msg_info(r->o, 1, "  chain %s tops out at %s", alt[k],
			    r->c->preferred_chain);
			return 0;
		}
	}
	msg_info(r->o, 0, "no chain tops out at \"%s\": keeping the default",
	    r->c->preferred_chain);
	if ((rc = acme_post(r, r->cert_url, "", false)) != 0) {
		return rc;
	}
	return r->resp.status == 200 ? 0 : acme_fail(r, "certificate",
	    r->cert_url);
}

/* Downloads the chain (RFC 8555 §7.4.2), checks it and stores it. */
static int
download(struct run *r, bool renewal)
{
	size_t leaf_len = 0, pem_len = 0;
	int64_t not_after = 0;
	char until[32];
	int rc;

	if ((rc = acme_post(r, r->cert_url, "", false)) != 0) {
		return rc;
	}
	if (r->resp.status != 200) {
		return acme_fail(r, "certificate", r->cert_url);
	}
	if ((rc = pick_chain(r)) != 0) {
		return rc;
	}
	if ((rc = chain_check(r, &leaf_len, &pem_len, &not_after)) != 0 ||
	    (rc = save_cert(r, leaf_len, pem_len)) != 0) {
		return rc;
	}
	fmt_date(not_after, until);
	/* Quiet on success for cron's renew, unless -v. */
	msg_info(r->o, renewal ? 1 : 0, "%s %s, valid until %s UTC: %s/certs/%s/",
	    renewal ? "renewed" : "issued", r->c->names[0], until,
	    r->o->state, r->c->names[0]);
	return 0;
}

/* The built-in anchors stand in for a file name in messages. */
static const char builtin_roots[] = "(built-in ISRG Root X1 and X2)";

/*
 * Where the anchors of the CA's TLS certificate come from: --ca-file,
 * else $SSL_CERT_FILE (as OpenSSL-based tools do), else, for Let's
 * Encrypt's directories, its two roots compiled in (roots.h: decoding
 * the system bundle costs ~380 M instructions, more than the rest of a
 * run on a router CPU), else the system bundle.
 */
static const char *
anchors_source(const struct run *r)
{
	static const char *const le_hosts[] = {
		"https://acme-v02.api.letsencrypt.org/",
		"https://acme-staging-v02.api.letsencrypt.org/"
	};
	const char *env = getenv("SSL_CERT_FILE");
	size_t k;

	if (r->c->ca_file != NULL) {
		return r->c->ca_file;
	}
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	for (k = 0; k < 2; k++) {
		if (strncmp(r->c->directory, le_hosts[k],
		    strlen(le_hosts[k])) == 0) {
			return builtin_roots;
		}
	}
	return DEFAULT_CA_FILE;
}

/* Points the TLS client at anchors ta[0..n) (closes the connection). */
static void
use_anchors(struct run *r, const br_x509_trust_anchor *ta, size_t n,
    const char *source)
{
	struct http_listener *serve = r->http.serve;

	http_client_init(&r->http, ta, n, r->iobuf, sizeof(r->iobuf));
	r->http.user_agent = "nanoacme/" NANOACME_VERSION;
	r->http.serve = serve;
	fmt_s(r->anchors_file, sizeof(r->anchors_file), "%s", source);
	msg_info(r->o, 2, "%zu trust anchors from %s", n, source);
}

/* Loads the trust anchors of the CA's TLS certificate (see above). */
static int
load_anchors(struct run *r)
{
	const char *file = anchors_source(r);
	char *buf;
	size_t len, skipped = 0;
	int rc = 0;

	if (strcmp(r->anchors_file, file) == 0) {
		return 0;
	}
	/* Other anchors: the connection was verified against the old. */
	http_client_close(&r->http);
	anchors_free(&r->anchors);
	r->anchors_file[0] = '\0';
	if (file == builtin_roots) {
		use_anchors(r, roots_isrg, 2, file);
		return 0;
	}
	if ((buf = malloc(STORE_MAX_FILE)) == NULL) {
		msg_err("out of memory");
		return EXIT_LOCAL;
	}
	if (store_read(file, buf, STORE_MAX_FILE, &len) != 0) {
		rc = file_fail("cannot read CA file", file);
	} else if (anchors_load(&r->anchors, buf, len, &skipped) != 0) {
		msg_err("%s: no usable CA certificate in it", file);
		rc = EXIT_LOCAL;
	} else {
		use_anchors(r, r->anchors.ta, r->anchors.n, file);
	}
	free(buf);
	return rc;
}

/*
 * Makes the CA of r->c ready: trust anchors, directory and (unless
 * need_account is false) the account, each loaded once per run and
 * reused while certificates share them.
 */
static int
ca_ready(struct run *r, bool need_account)
{
	int rc;

	if (need_account && (rc = account_usable(r)) != 0) {
		return rc;
	}
	if ((rc = load_anchors(r)) != 0) {
		return rc;
	}
	if (strcmp(r->dir_url, r->c->directory) != 0) {
		r->dir_url[0] = '\0';
		r->have_account = false;
		if ((rc = get_directory(r)) != 0) {
			return rc;
		}
		fmt_s(r->dir_url, sizeof(r->dir_url), "%s",
		    r->c->directory);
	}
	if (need_account && !r->have_account) {
		if ((rc = account_setup(r)) != 0) {
			return rc;
		}
		r->have_account = true;
	}
	return 0;
}

/* Checks names and directory URL of c before anything touches the disk. */
static int
check_conf(const struct conf *c)
{
	char host[256], port[6];
	const char *path;
	size_t k, j;

	if (http_url_parse(c->directory, host, sizeof(host), port, &path)
	    != 0) {
		msg_err("directory %s: not an https://NAME[:PORT]/ URL",
		    c->directory);
		return EXIT_USAGE;
	}
	for (k = 0; k < c->nnames; k++) {
		if (name_classify(c->names[k], NULL, NULL) == NAME_BAD) {
			msg_err("%s: not a valid DNS name or IP address",
			    c->names[k]);
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
			*p = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
		}
		c->names[k] = store + used;
		used += n;
	}
}

/* Creates and locks the state directory: the first thing a run does. */
static int
lock_state(const struct opts *o)
{
	if (store_mkdirs(o->state, 0700) != 0) {
		return file_fail("cannot create state directory", o->state);
	}
	/* The lock fd stays open (close-on-exec) until the process exits. */
	if (store_lock(o->state) < 0) {
		if (errno == EWOULDBLOCK) {
			msg_err("%s is in use by another nanoacme run",
			    o->state);
			return EXIT_LOCKED;
		}
		return file_fail("cannot lock", o->state);
	}
	return 0;
}

/*
 * Reads STATE/certs/NAME/cert.pem into x (pointing into r->der, valid
 * until r->der is reused). Returns 0, or -1 with errno (ENOENT: no such
 * certificate; EINVAL: unreadable).
 */
static int
cert_read(struct run *r, const char *name, struct x509_cert *x)
{
	char path[STORE_PATH_MAX], label[64];
	size_t len, pos = 0, der_len;

	if (cert_path(r, name, "cert.pem", path) != 0 ||
	    store_read(path, r->pem, sizeof(r->pem), &len) != 0) {
		return -1;
	}
	if (pem_next(r->pem, len, &pos, label, sizeof(label), r->der,
	    sizeof(r->der), &der_len) != 1 ||
	    strcmp(label, "CERTIFICATE") != 0 ||
	    x509_parse(r->der, der_len, x) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The validity of STATE/certs/NAME/cert.pem (see cert_read()). */
static int
cert_dates(struct run *r, const char *name, int64_t *not_before,
    int64_t *not_after)
{
	struct x509_cert x;

	if (cert_read(r, name, &x) != 0) {
		return -1;
	}
	*not_before = x.not_before;
	*not_after = x.not_after;
	return 0;
}

/*
 * Reads the settings of certificate name into r->conf (strings in
 * r->conf_text). Returns 0 or an exit code (reported).
 */
static int
settings_load(struct run *r, const char *name)
{
	char path[STORE_PATH_MAX];
	size_t len;
	int line;

	if (cert_path(r, name, "settings", path) != 0 ||
	    store_read(path, r->conf_text, sizeof(r->conf_text), &len) != 0) {
		return file_fail("cannot read", path);
	}
	if (conf_parse(r->conf_text, len, &r->conf, &line) != 0) {
		msg_err("%s: line %d is not a nanoacme setting", path, line);
		return EXIT_LOCAL;
	}
	return 0;
}

/* Sets one variable of the deploy hook's environment (in the child). */
static void
hook_env(const char *name, const char *dir, const char *file)
{
	char v[STORE_PATH_MAX + 32];

	fmt_s(v, sizeof(v), "%s%s%s", dir, file[0] != '\0' ? "/" : "",
	    file);
	setenv(name, v, 1);
}

/*
 * Runs the deploy hook (sh -c CMD) after a certificate was installed,
 * with its files named in the environment (README: "Deploy hook").
 * Returns 0, or EXIT_HOOK when it could not run or exited non-zero: the
 * new certificate stays either way.
 */
static int
deploy_hook(struct run *r, bool renewed)
{
	char dir[STORE_PATH_MAX], names[ACME_MAX_NAMES * 256];
	struct sbuf b;
	pid_t pid;
	size_t k;
	int st;

	if (r->c->deploy_hook == NULL || r->c->deploy_hook[0] == '\0' ||
	    cert_path(r, r->c->names[0], "", dir) != 0) {
		return 0;
	}
	sbuf_init(&b, names, sizeof(names));
	for (k = 0; k < r->c->nnames; k++) {
		sbuf_adds(&b, k > 0 ? " " : "");
		sbuf_adds(&b, r->c->names[k]);
	}
	if ((pid = fork()) == 0) {
		setenv("NANOACME_EVENT", renewed ? "renewed" : "issued", 1);
		setenv("NANOACME_NAME", r->c->names[0], 1);
		setenv("NANOACME_NAMES", names, 1);
		hook_env("NANOACME_CERT_DIR", dir, "");
		hook_env("NANOACME_PRIVKEY", dir, "privkey.pem");
		hook_env("NANOACME_CERT", dir, "cert.pem");
		hook_env("NANOACME_CHAIN", dir, "chain.pem");
		hook_env("NANOACME_FULLCHAIN", dir, "fullchain.pem");
		/* certbot's names, so its deploy hooks work unchanged */
		hook_env("RENEWED_LINEAGE", dir, "");
		setenv("RENEWED_DOMAINS", names, 1);
		execl("/bin/sh", "sh", "-c", r->c->deploy_hook, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		msg_err("deploy hook: cannot run: %s", strerror(errno));
		return EXIT_HOOK;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		msg_err("deploy hook '%s' failed (%s %d); the new certificate "
		    "is installed", r->c->deploy_hook, WIFEXITED(st) ?
		    "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st));
		return EXIT_HOOK;
	}
	return 0;
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
	r->naz = 0;
	alpn_reset(&r->alpn);
	/* webroot and hooks leave the port to the web server (uhttpd);
	 * --alpn takes its sockets, answered by the TLS responder only. */
	spec = r->c->hook != NULL || r->c->webroot != NULL ? NULL :
	    r->c->alpn != NULL ? r->c->alpn : r->c->listen;
	r->http.serve = r->c->alpn == NULL ? &r->lis : NULL;
	if (spec != NULL && http_listen_open(&r->lis, spec) != 0) {
		msg_err("cannot listen on %s: %s", spec,
		    r->lis.detail != 0 ? strerror(r->lis.detail) :
		    http_strerror(r->lis.err));
		return EXIT_LOCAL;
	}
	rc = ca_ready(r, true);
	if (rc == 0 && (rc = order_new(r)) == 0) {
		rc = authorize(r);
	}
	/* The proofs are done: no one needs the port from us any more. */
	http_listen_close(&r->lis);
	if (rc != 0 || (rc = finalize(r)) != 0 || (rc = order_poll(r)) != 0 ||
	    (rc = download(r, renewal)) != 0) {
		key_wipe(&r->cert_key);
		return rc;
	}
	key_wipe(&r->cert_key);
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
	unsigned long wait;
	long attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		r->transient = false;
		rc = issue_cert(r, renewal);
		if (rc == 0 || !r->transient || attempt >= r->o->retry) {
			return rc;
		}
		wait = attempt < 10 ? (unsigned long)RETRY_FIRST_S << attempt :
		    RETRY_MAX_S;
		wait = wait > RETRY_MAX_S ? RETRY_MAX_S : wait;
		if (r->retry_after > 0 && (unsigned long)r->retry_after > wait) {
			wait = r->retry_after < 3600 ? (unsigned long)
			    r->retry_after : 3600;
		}
		wait = wait / 2 + random_upto(wait / 2);
		msg_info(r->o, 0, "transient failure: retry %ld of %ld in "
		    "%lu s", attempt + 1, r->o->retry, wait);
		sleep((unsigned)wait);
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
			msg_info(o, 0, "waiting up to %ld s for the system clock",
			    o->wait_clock);
		}
		sleep(1);
		waited++;
	}
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

	r->c = c;
	if ((rc = lock_state(r->o)) != 0) {
		return rc;
	}
	if (!r->o->force && cert_dates(r, c->names[0], &nb, &na) == 0 &&
	    settings_load(r, c->names[0]) == 0 &&
	    same_names(&r->conf, c) &&
	    (due = cert_due_at(nb, na, c->days)) > (int64_t)time(NULL)) {
		fmt_date(due, when);
		msg_info(r->o, 0, "%s: not due until %s UTC (--force to issue "
		    "now)", c->names[0], when);
		return EXIT_NOTHING;
	}
	return issue_retry(r, false);
}

/*
 * Loads the settings of certificate name into r->conf with the command
 * line's settings over them, and checks them. Returns 0 or exit code.
 */
static int
renew_conf(struct run *r, const char *name)
{
	int rc;

	if ((rc = settings_load(r, name)) != 0) {
		return rc;
	}
	r->stored = r->conf;
	r->keep = &r->stored;
	conf_merge(&r->conf, &r->o->conf);
	conf_defaults(&r->conf);
	if ((rc = check_conf(&r->conf)) != 0) {
		return rc;
	}
	if (strcmp(r->conf.names[0], name) != 0) {
		msg_err("settings name %s, not %s", r->conf.names[0], name);
		return EXIT_LOCAL;
	}
	r->c = &r->conf;
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

/* Reads the suggested window of the last reply into start and end. */
static int
ari_window(const struct run *r, int64_t *start, int64_t *end)
{
	char t[64];
	int w = json_get(&r->js, 0, "suggestedWindow");

	if (json_get_str(&r->js, w, "start", t, sizeof(t), NULL) != 0 ||
	    rfc3339_parse(t, start) != 0 ||
	    json_get_str(&r->js, w, "end", t, sizeof(t), NULL) != 0 ||
	    rfc3339_parse(t, end) != 0) {
		return -1;
	}
	return 0;
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
	char id[256], url[HTTP_MAX_URL + 256], path[STORE_PATH_MAX], txt[128];
	int64_t start, end, now = (int64_t)time(NULL);
	struct sbuf b;
	long ra;
	size_t n;

	if (ari_cert_id(r, name, id, sizeof(id)) != 0 ||
	    ca_ready(r, false) != 0 || r->dir.renewal_info[0] == '\0') {
		return -1;
	}
	n = strlen(r->dir.renewal_info);
	fmt_s(url, sizeof(url), "%s%s%s", r->dir.renewal_info,
	    n > 0 && r->dir.renewal_info[n - 1] == '/' ? "" : "/", id);
	if (send_req(r, "GET", url, NULL, 0) != 0 || r->resp.status != 200 ||
	    ari_window(r, &start, &end) != 0 || end <= start) {
		msg_info(r->o, 0, "%s: no renewal information from the CA; "
		    "using the lifetime rule", name);
		return -1;
	}
	a->at = start + (int64_t)random_upto((unsigned long)(end - start >
	    0x7FFFFFFF ? 0x7FFFFFFF : end - start));
	ra = r->resp.retry_after;
	/* RFC 9773 §4.3.2: between a minute and a day; 6 hours if none. */
	a->next = now + (ra < 0 ? 6 * 3600 : ra < 60 ? 60 : ra > 86400 ?
	    86400 : ra);
	sbuf_init(&b, txt, sizeof(txt));
	if (ari_format(a, &b) != 0 || cert_path(r, name, "ari", path) != 0 ||
	    store_write(path, b.p, b.len, 0644) != 0) {
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
	char path[STORE_PATH_MAX], txt[256];
	struct ari_state a;
	size_t len;

	if (cert_path(r, name, "ari", path) != 0 ||
	    store_read(path, txt, sizeof(txt), &len) != 0 ||
	    ari_parse(txt, len, &a) != 0) {
		return -1;
	}
	if ((int64_t)time(NULL) >= a.next && ari_fetch(r, name, &a) != 0 &&
	    a.at == 0) {
		return -1;
	}
	*due = a.at;
	return 0;
}

/* True if the CA answered renewal information for certificate name. */
static bool
ari_known(struct run *r, const char *name)
{
	char path[STORE_PATH_MAX], txt[256];
	struct ari_state a;
	size_t len;

	return cert_path(r, name, "ari", path) == 0 &&
	    store_read(path, txt, sizeof(txt), &len) == 0 &&
	    ari_parse(txt, len, &a) == 0 && a.at > 0;
}

/* True if certificate name is due now (or --force, or revoked). */
static bool
renew_is_due(struct run *r, const char *name)
{
	char path[STORE_PATH_MAX], when[32];
	int64_t nb, na, due;

	if (r->o->force) {
		return true;
	}
	if (cert_path(r, name, "revoked", path) == 0 &&
	    access(path, F_OK) == 0) {
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
	msg_info(r->o, 1, "%s: %s %s UTC", name,
	    due <= (int64_t)time(NULL) ? "due since" : "not due until", when);
	return due <= (int64_t)time(NULL);
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

/*
 * Collects into r->due the certificates that are due, without a single
 * network request. Returns how many, and the worst local failure.
 */
static size_t
renew_collect(struct run *r, int *worst)
{
	char certs[STORE_PATH_MAX];
	struct dirent *e;
	size_t n = 0, used = 0, len;
	DIR *d;
	int rc;

	if (path_of(certs, r->o->state, "certs") != 0 ||
	    (d = opendir(certs)) == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;       /* version directories, temporaries */
		}
		msg_prefix(e->d_name);
		if ((rc = renew_conf(r, e->d_name)) != 0) {
			*worst = worse(*worst, rc);
			continue;
		}
		len = strlen(e->d_name) + 1;
		if (renew_is_due(r, e->d_name) && len <= sizeof(r->due) - used) {
			memcpy(r->due + used, e->d_name, len);
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
	long j = r->o->jitter;

	if (j == CONF_UNSET) {
		j = isatty(STDIN_FILENO) ? 0 : RENEW_JITTER_S;
	}
	if (j <= 0) {
		return;
	}
	v = random_upto((unsigned long)j);
	msg_info(r->o, 1, "waiting %lu s before contacting the CA (jitter)",
	    v);
	sleep((unsigned)v);
}

/* renew: every certificate that is due; failures do not stop the rest. */
static int
cmd_renew(struct run *r)
{
	const char *name;
	size_t n, k;
	int rc, worst = EXIT_NOTHING;

	if ((rc = lock_state(r->o)) != 0) {
		return rc;
	}
	n = renew_collect(r, &worst);
	if (n == 0) {
		msg_info(r->o, 1, "nothing is due");
		return worst;
	}
	renew_jitter(r);
	for (k = 0, name = r->due; k < n; k++, name += strlen(name) + 1) {
		msg_prefix(name);
		/* Only a certificate the CA gave a window for is "replaced". */
		if (!ari_known(r, name) || ari_cert_id(r, name, r->replaces,
		    sizeof(r->replaces)) != 0) {
			r->replaces[0] = '\0';
		}
		if ((rc = renew_conf(r, name)) == 0) {
			rc = issue_retry(r, true);
		}
		r->replaces[0] = '\0';
		worst = worse(worst, rc);
	}
	msg_prefix(NULL);
	return worst;
}

/* One line of `list` for certificate name. */
static void
list_one(struct run *r, const char *name)
{
	char path[STORE_PATH_MAX], when[32], names[1024];
	int64_t nb, na, now = (int64_t)time(NULL);
	const char *status;
	struct sbuf b;
	size_t k;

	sbuf_init(&b, names, sizeof(names));
	if (settings_load(r, name) == 0) {
		for (k = 0; k < r->conf.nnames; k++) {
			sbuf_adds(&b, k > 0 ? "," : "");
			sbuf_adds(&b, r->conf.names[k]);
		}
	}
	if (cert_dates(r, name, &nb, &na) != 0) {
		fmt_fd(1, "%-32s %-16s %5s  %-8s %s\n", name, "-", "-",
		    "unreadable", names);
		return;
	}
	fmt_date(na, when);
	if (cert_path(r, name, "revoked", path) == 0 &&
	    access(path, F_OK) == 0) {
		status = "revoked";
	} else if (na <= now) {
		status = "expired";
	} else if (cert_due_at(nb, na, r->o->conf.days != CONF_UNSET ?
	    r->o->conf.days : r->conf.days) <= now) {
		status = "due";
	} else {
		status = "ok";
	}
	fmt_fd(1, "%-32s %-16s %5lld  %-8s %s\n", name, when,
	    (long long)((na - now) / 86400), status, names);
}

/* list: every certificate with its expiry, days left and status. */
static int
cmd_list(struct run *r)
{
	char certs[STORE_PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (path_of(certs, r->o->state, "certs") != 0 ||
	    (d = opendir(certs)) == NULL) {
		return EXIT_NOTHING;
	}
	fmt_fd(1, "%-32s %-16s %5s  %-8s %s\n", "NAME", "EXPIRES (UTC)", "DAYS",
	    "STATUS", "NAMES");
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.') {
			list_one(r, e->d_name);
		}
	}
	closedir(d);
	return 0;
}

/* Reads the first CERTIFICATE of PEM file path into r->der. */
static int
read_cert_der(struct run *r, const char *path, size_t *der_len)
{
	char label[64];
	size_t len, pos = 0;

	if (store_read(path, r->pem, sizeof(r->pem), &len) != 0) {
		return file_fail("cannot read", path);
	}
	while (pem_next(r->pem, len, &pos, label, sizeof(label), r->der,
	    sizeof(r->der), der_len) == 1) {
		if (strcmp(label, "CERTIFICATE") == 0) {
			return 0;
		}
	}
	msg_err("%s: no PEM certificate in it", path);
	return EXIT_LOCAL;
}

/* POSTs revokeCert (RFC 8555 §7.6) for r->der[0..der_len). */
static int
revoke_post(struct run *r, size_t der_len, bool jwk)
{
	char num[8];
	struct sbuf b;
	int rc;

	if (r->dir.revoke_cert[0] == '\0') {
		msg_err("directory %s offers no revokeCert", r->c->directory);
		return EXIT_ACME;
	}
	sbuf_init(&b, r->payload, sizeof(r->payload));
	sbuf_adds(&b, "{\"certificate\":\"");
	b64url_add(&b, r->der, der_len);
	sbuf_adds(&b, "\"");
	if (r->o->reason != CONF_UNSET) {
		fmt_s(num, sizeof(num), "%ld", r->o->reason);
		sbuf_adds(&b, ",\"reason\":");
		sbuf_adds(&b, num);
	}
	sbuf_adds(&b, "}");
	if (b.err != 0) {
		msg_err("revoke: certificate too large");
		return EXIT_LOCAL;
	}
	if ((rc = acme_post(r, r->dir.revoke_cert, b.p, jwk)) != 0) {
		return rc;
	}
	if (r->resp.status != 200) {
		return acme_fail(r, "revokeCert", r->dir.revoke_cert);
	}
	return 0;
}

/* revoke --cert FILE --key FILE: signed with the certificate's key. */
static int
revoke_by_key(struct run *r, struct conf *c)
{
	struct ec_key k;
	struct x509_cert x;
	size_t der_len, len;
	int rc;

	r->c = c;
	if ((rc = read_cert_der(r, r->o->cert_file, &der_len)) != 0) {
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
		r->signer = &k;
		rc = revoke_post(r, der_len, true);
		r->signer = &r->acct;
	}
	key_wipe(&k);
	if (rc == 0) {
		msg_info(r->o, 0, "revoked %s", r->o->cert_file);
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
	if ((rc = lock_state(r->o)) != 0 || (rc = renew_conf(r, name)) != 0) {
		return rc;
	}
	r->no_new_account = true;
	if (cert_path(r, name, "cert.pem", path) != 0 ||
	    (rc = read_cert_der(r, path, &der_len)) != 0 ||
	    (rc = ca_ready(r, true)) != 0 ||
	    (rc = revoke_post(r, der_len, false)) != 0) {
		return rc;
	}
	if (cert_path(r, name, "revoked", path) != 0 ||
	    store_write(path, "revoked\n", 8, 0644) != 0) {
		return file_fail("revoked, but cannot write", path);
	}
	msg_info(r->o, 0, "revoked %s", name);
	return 0;
}

/* Prints the account object in the last reply (account command). */
static void
account_print(const struct run *r)
{
	char v[HTTP_MAX_URL], clean[HTTP_MAX_URL];
	int arr, i, k, n;

	fmt_fd(1, "account: %s\n", r->kid);
	if (json_get_str(&r->js, 0, "status", v, sizeof(v), NULL) == 0) {
		msg_clean(v, clean, sizeof(clean));
		fmt_fd(1, "status: %s\n", clean);
	}
	arr = json_get(&r->js, 0, "contact");
	n = json_is(&r->js, arr, JSMN_ARRAY) ? r->js.tok[arr].size : 0;
	for (k = 0, i = arr + 1; k < n; k++, i = json_skip(&r->js, i)) {
		if (json_str(&r->js, i, v, sizeof(v), NULL) == 0) {
			msg_clean(v, clean, sizeof(clean));
			fmt_fd(1, "contact: %s\n", clean);
		}
	}
	fmt_fd(1, "key: %s/key.pem (thumbprint %s)\n", r->acct_dir, r->thumb);
}

/* account deactivate (RFC 8555 §7.3.6); marks it locally once done. */
static int
account_deactivate(struct run *r)
{
	char path[STORE_PATH_MAX];
	int rc;

	if ((rc = acme_post(r, r->kid, "{\"status\":\"deactivated\"}",
	    false)) != 0) {
		return rc;
	}
	if (r->resp.status != 200) {
		return acme_fail(r, "deactivate", r->kid);
	}
	if (path_of(path, r->acct_dir, "deactivated") != 0 ||
	    store_write(path, "deactivated\n", 12, 0644) != 0) {
		return file_fail("deactivated, but cannot write", path);
	}
	msg_info(r->o, 0, "deactivated account %s", r->kid);
	return 0;
}

/* Builds the inner JWS of keyChange (RFC 8555 §7.3.5) into r->pem. */
static int
rollover_inner(struct run *r, const struct ec_key *nk)
{
	struct sbuf p, b;

	sbuf_init(&p, r->payload, sizeof(r->payload));
	sbuf_adds(&p, "{\"account\":");
	json_add_str(&p, r->kid, strlen(r->kid));
	sbuf_adds(&p, ",\"oldKey\":");
	jws_jwk(&r->acct.pk, &p);
	sbuf_adds(&p, "}");
	sbuf_init(&b, r->pem, sizeof(r->pem));
	if (p.err != 0 || jws_sign(&nk->sk, &nk->pk, NULL, NULL,
	    r->dir.key_change, p.p, p.len, &b) != 0) {
		return -1;
	}
	return 0;
}

/*
 * account rollover: the new key is stored as key-new.pem before the
 * request and renamed over key.pem only once the CA accepted it, so the
 * old key stays usable until the CA has switched.
 */
static int
account_rollover(struct run *r)
{
	char path[STORE_PATH_MAX], fresh[STORE_PATH_MAX], buf[1024];
	struct ec_key nk;
	struct sbuf b;
	bool accepted = false;
	int rc = EXIT_LOCAL;

	if (r->dir.key_change[0] == '\0') {
		msg_err("directory %s offers no keyChange", r->c->directory);
		return EXIT_ACME;
	}
	sbuf_init(&b, buf, sizeof(buf));
	if (path_of(path, r->acct_dir, "key.pem") != 0 ||
	    path_of(fresh, r->acct_dir, "key-new.pem") != 0 ||
	    key_generate(&nk) != 0 || key_to_pem(&nk, &b) != 0 ||
	    store_write(fresh, b.p, b.len, 0600) != 0) {
		rc = file_fail("cannot write", fresh);
		goto out;
	}
	if (rollover_inner(r, &nk) != 0) {
		goto out;
	}
	if ((rc = acme_post(r, r->dir.key_change, r->pem, false)) != 0) {
		goto out;
	}
	if (r->resp.status != 200) {
		rc = acme_fail(r, "keyChange", r->dir.key_change);
		goto out;
	}
	/* From here the CA knows only the new key: key-new.pem is never
	 * removed again; the next run installs it if this cannot. */
	accepted = true;
	if (store_rename(fresh, path) != 0) {
		rc = file_fail("the CA has the new key, but cannot install",
		    fresh);
		goto out;
	}
	msg_info(r->o, 0, "account %s: key replaced", r->kid);
	rc = 0;
out:
	if (rc != 0 && !accepted) {
		unlink(fresh);
	}
	memset(buf, 0, sizeof(buf));
	key_wipe(&nk);
	return rc;
}

/* account [deactivate|rollover]: the account of --directory. */
static int
cmd_account(struct run *r, struct conf *c)
{
	int rc;

	r->c = c;
	r->no_new_account = true;
	if ((rc = lock_state(r->o)) != 0 || (rc = ca_ready(r, true)) != 0) {
		return rc;
	}
	if (r->o->nargs == 0) {
		if ((rc = acme_post(r, r->kid, "", false)) != 0) {
			return rc;
		}
		if (r->resp.status != 200) {
			return acme_fail(r, "account", r->kid);
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
		    (n = fmt_s(buf + used, cap - used, "%s/%s", cwd, *p[k])) < 0 ||
		    (size_t)n >= cap - used) {
			msg_err("%s: cannot make it an absolute path", *p[k]);
			return EXIT_USAGE;
		}
		*p[k] = buf + used;
		used += (size_t)n + 1;
	}
	return 0;
}

/* The run a signal interrupts: its published challenges are taken back. */
static struct run *signal_run;

/*
 * SIGTERM/SIGINT/SIGHUP (OpenWrt's "service acme abort", a user's ^C):
 * take back what was published (webroot files, the hook's "failed"),
 * as the normal path would, then exit. unlink, fork, exec and waitpid
 * are async-signal-safe; our formatting takes no lock.
 */
static void
on_signal(int sig)
{
	if (signal_run != NULL && signal_run->c != NULL) {
		challenges_cleanup(signal_run);
	}
	_exit(128 + sig);
}

/* Runs the command of o; r is zeroed and set up. */
static int
dispatch(struct run *r, struct conf *c)
{
	const char *cmd = r->o->cmd;

	if (strcmp(cmd, "issue") == 0) {
		return cmd_issue(r, c);
	}
	if (strcmp(cmd, "renew") == 0) {
		return cmd_renew(r);
	}
	if (strcmp(cmd, "list") == 0) {
		return cmd_list(r);
	}
	if (strcmp(cmd, "revoke") == 0) {
		return cmd_revoke(r, c);
	}
	return cmd_account(r, c);
}

int
main(int argc, char **argv)
{
	static char names[ACME_MAX_NAMES * 256], csr_text[ACME_MAX_NAMES * 256],
	    paths[4 * STORE_PATH_MAX];
	struct opts o;
	struct conf c;
	struct run *r;
	int rc;

	if ((rc = cli_parse(argc, argv, &o)) >= 0) {
		return rc;
	}
	if (o.syslog) {
		msg_syslog();
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		msg_err("out of memory");
		return EXIT_LOCAL;
	}
	r->o = &o;
	r->signer = &r->acct;
	http_listen_init(&r->lis);
	http_client_init(&r->http, NULL, 0, r->iobuf, sizeof(r->iobuf));
	c = o.conf;
	conf_defaults(&c);
	/* Files we make that others read (webroot tokens and their
	 * directories, certificates) are 0644/0755 whatever umask cron or
	 * a shell left; keys and the state stay 0600/0700 by their modes. */
	umask(022);
	rc = absolute_paths(&c, paths, sizeof(paths));
	if (rc == 0 && strcmp(o.cmd, "issue") == 0 && c.csr_file != NULL) {
		rc = csr_names(r, &c, csr_text, sizeof(csr_text));
	}
	if (rc == 0 && (rc = check_conf(&c)) == 0) {
		lower_names(&c, names, sizeof(names));
		rc = strcmp(o.cmd, "list") != 0 ? clock_check(&o) : 0;
	}
	/* A peer closing a socket must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	signal_run = r;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	if (rc == 0) {
		rc = dispatch(r, &c);
	}
	msg_info(&o, 1, "TLS handshakes: %u, HTTP requests: %u",
	    r->http.handshakes, r->http.requests);
	http_client_close(&r->http);
	http_listen_close(&r->lis);
	anchors_free(&r->anchors);
	key_wipe(&r->acct);
	key_wipe(&r->cert_key);
	alpn_wipe(&r->alpn);
	free(r);
	return rc;
}
