/* SPDX-License-Identifier: MIT */
/*
 * run.h - what the files of the ACME client share: the contexts (struct
 * run: what one command owns; struct session: the link with one CA, for
 * the commands that talk to one; struct cert_state: everything of the
 * certificate at hand, fresh from cert_begin() for each one) and the
 * functions one file offers the others. Only acme.c, state.c, proof.c,
 * proc.c, chain.c, trust.c, cmd.c and list.c include it:
 *
 *   acme.c   the RFC 8555 engine: replies and problems, nonce and signed
 *            POST with badNonce, directory, account, order, authorization
 *            polling, finalize, revoke and keyChange requests
 *   proof.c  proving control: picking and publishing challenges
 *            (http-01, tls-alpn-01, dns-01, dns-account-01,
 *            dns-persist-01), the responder child, polling waits
 *   chain.c  the certificate: key, CSR, chain checks, alternate chains,
 *            download and install
 *   state.c  every path and file of the state directory
 *   proc.c   child processes: challenge hook, deploy hook, webroot files
 *   trust.c  which trust anchors verify the CA, and their fallback
 *   cmd.c    main(), the commands, due time, jitter, retry, clock wait
 *   list.c   the list command
 */
#ifndef NANOACME_RUN_H
#define NANOACME_RUN_H

#include "acme.h"

#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>      /* rename() */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bearssl.h>

#include "acmeobj.h"
#include "ascii.h"
#include "certs.h"
#include "dns.h"
#include "dnsrec.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "jws.h"
#include "pem.h"
#include "responder.h"
#include "store.h"
#include "tacache.h"
#include "x509.h"

/* A JWS payload: the largest is a finalize CSR of 100 long names. */
#define PAYLOAD_MAX 12288

/* A signed request: payload and header, base64url'ed (4/3) with room. */
#define JWS_MAX (PAYLOAD_MAX * 4 / 3 + 4096)

/* The largest public key a --csr may carry (DER SubjectPublicKeyInfo). */
#define CSR_SPKI_MAX 1024

/* One authorization of the order, and the challenge we answer. */
struct authz {
	char url[HTTP_MAX_URL];
	char ident[256];
	char chall_url[HTTP_MAX_URL];
	char type[16];                     /* the challenge we answer */
	char token[130];
	char keyauth[130 + JWS_THUMB_LEN];
	char dns_name[320];                /* dns-*: the TXT record's name */
	char record[DNSREC_PERSIST_MAX];   /* dns-persist-01: its value */
	int chall;                         /* its JSON token, until the
	                                      next request */
	bool wildcard;                     /* "*." + ident was ordered */
	bool pending;                      /* we answer a challenge */
	bool begun;                        /* published: must clean up */
	bool valid;                        /* validated: hook gets "done" */
};

/*
 * Everything one certificate owns. cert_begin() allocates a fresh one
 * for each certificate (and frees the last, its key wiped), so nothing
 * of one (profile, method, hook, CSR, key, order) can reach the next one
 * renewed in the same run.
 */
struct cert_state {
	const struct conf *keep;           /* the settings to store */
	struct conf conf;                  /* settings being worked on */
	struct conf stored;                /* renew: as read from the file */
	char conf_text[8192];              /* the settings file read */
	char order_url[HTTP_MAX_URL];
	char finalize[HTTP_MAX_URL];
	char cert_url[HTTP_MAX_URL];
	char replaces[256];                /* ARI CertID being renewed */
	size_t naz;
	unsigned char csr_spki[CSR_SPKI_MAX]; /* --csr: the key to expect */
	size_t csr_spki_len;
	struct ec_key cert_key;
	/* last: the pages of the entries not used (290 KB in all) are
	 * never touched, so never resident */
	struct authz az[ACME_MAX_NAMES];
};

/*
 * The engine's link with one CA: connection, trust anchors, directory,
 * account, nonce, and the last reply with the buffers of a signed
 * request. session_open() makes it for the commands that talk to a CA
 * (issue, renew, revoke, account, dns-persist), once per run: one
 * connection and nonce serve every certificate a renew goes through.
 * list and delete have none.
 */
struct session {
	const struct ec_key *signer;       /* signs POSTs: &acct, or a
	                                      certificate key (revoke) */
	char dir_url[HTTP_MAX_URL];        /* directory loaded, or "" */
	char anchors_file[STORE_PATH_MAX]; /* where the anchors came from */
	bool have_account;                 /* kid is valid for dir_url */
	bool no_new_account;               /* use only an existing one */
	bool transient;                    /* last failure may pass: retry */
	bool roots_failed;                 /* built-in roots did not verify
	                                      the CA: the bundle, this run */
	long retry_after;                  /* its Retry-After, or -1 */
	struct http_client http;
	struct anchors anchors;
	struct directory dir;
	struct ec_key acct;
	char acct_dir[STORE_PATH_MAX];
	char kid[HTTP_MAX_URL];
	char thumb[JWS_THUMB_LEN];
	char nonce[HTTP_MAX_NONCE];
	/* the last response, and its JSON when it has some */
	struct http_response resp;
	struct json js;
	jsmntok_t tok[JSON_MAX_TOKENS];
	unsigned char body[HTTP_MAX_BODY + 1];
	unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
	char payload[PAYLOAD_MAX];
	char jws[JWS_MAX];
};

/*
 * What one command owns: its options, where it writes, the certificate
 * at hand (a fresh struct cert_state from cert_begin() for each one),
 * the CA session when it talks to one, the responder, and scratch for
 * the PEM and DER of one file at a time.
 */
struct run {
	const struct opts *o;
	const char *wstate;                /* where files are written: STATE,
	                                      or a --dry-run's throwaway */
	const struct conf *c;              /* the certificate at hand */
	struct session *ca;                /* NULL: the command asks no CA */
	struct cert_state *cs;             /* from cert_begin(), or NULL */
	bool probe;                        /* renew's first pass: no request */
	bool probed;                       /* ... which found an ARI check */
	struct responder rsp;              /* http-01/tls-alpn-01 answers */
	unsigned char der[16384];
	char pem[HTTP_MAX_BODY + 8192];
};

/* What each file offers the others (see each definition). */
/* acme.c */
void fmt_date(int64_t t, char out[32]);
int send_req(struct run *r, const char *method, const char *url,
    const char *body, size_t len);
int acme_fail(struct run *r, const char *what, const char *url);
int acme_post(struct run *r, const char *url, const char *payload, bool jwk);
int account_post(struct run *r, bool only_existing);
int order_new(struct run *r);
int authz_poll(struct run *r, struct authz *a);
int finalize(struct run *r);
int order_poll(struct run *r);
int ca_ready(struct run *r, bool need_account);
int revoke_post(struct run *r, size_t der_len, bool jwk);
void account_print(const struct run *r);
int account_deactivate(struct run *r);
int account_rollover(struct run *r);
int session_open(struct run *r);
void session_close(struct run *r);

/* state.c */
int cert_path(const struct run *r, const char *name, const char *file,
    char *out);
/* STATE/certs opened for readdir(), or NULL (errno set). */
DIR *certs_open(const struct run *r);
/* The anchor cache's directory of the state written to, into out
 * (STORE_PATH_MAX): 0 or EXIT_LOCAL (reported). */
int anchors_dir(const struct run *r, char *out);
/* Whether certificate name is marked revoked; marks it (0 or
 * EXIT_LOCAL, reported): the next renew replaces it. */
bool cert_is_revoked(const struct run *r, const char *name);
int cert_mark_revoked(const struct run *r, const char *name);
/* Removes certificate name: its link first (it vanishes at once,
 * whole), then every version of it. 0 or EXIT_LOCAL (reported). */
int cert_remove(const struct run *r, const char *name);
/* The stored key of certificate name into k: 0, -1 when there is none,
 * EXIT_LOCAL when it is not a key (reported). */
int cert_key_read(struct run *r, const char *name, struct ec_key *k);
int file_fail(const char *what, const char *path);
int account_usable(struct run *r);
int account_load(struct run *r, bool *have_key, bool *have_url);
int account_new_key(struct run *r);
/* The account URL (kid) stored, the account marked deactivated: 0 or
 * EXIT_LOCAL (reported). */
int account_save_url(struct run *r);
int account_mark_deactivated(struct run *r);
/* keyChange's files: a new key stored as key-new.pem (0 or EXIT_LOCAL,
 * reported); then, accepted, installed as key.pem (0 or EXIT_LOCAL), or
 * removed. */
int rollover_key_new(struct run *r, struct ec_key *nk);
int rollover_key_end(struct run *r, bool accepted);
int rollover_recover(struct run *r);
int save_cert(struct run *r, size_t leaf_len, size_t len);
int lock_state(const char *state);
int dry_state(const struct run *r, char *tmp);
int cert_read(struct run *r, const char *name, struct x509_cert *x);
int cert_dates(struct run *r, const char *name, int64_t *not_before,
    int64_t *not_after);
int settings_load(struct run *r, const char *name);
bool same_str(const char *a, const char *b);
int settings_update(struct run *r, const struct conf *c);
bool ari_known(const struct run *r, const char *name);
/* The ARI memory of certificate name (STATE/certs/NAME/ari): 0, or -1
 * when there is none or it is damaged. */
int ari_load(const struct run *r, const char *name, struct ari_state *a);
/* Stores a as that memory: 0, or -1 (not reported). */
int ari_save(const struct run *r, const char *name, const struct ari_state *a);
/* The first CERTIFICATE of PEM file path into r->der (*der_len); a file
 * of STATE (in_state) must not be a symbolic link. 0, or -1 with errno
 * set (EINVAL: no certificate in it), not reported... */
int cert_der(struct run *r, const char *path, bool in_state,
    size_t *der_len);
/* ... and reported: 0 or EXIT_LOCAL. */
int read_cert_der(struct run *r, const char *path, bool in_state,
    size_t *der_len);

/* proof.c */
int dns_record_name(const struct run *r, struct authz *a);
void persist_params(const struct run *r, const char *issuer,
    const char *domain, struct dnsrec_persist *p);
void persist_line(const char *name, const char *v, bool to_stdout);
void challenges_cleanup(struct run *r);
int rsp_fail(struct run *r);
int rsp_open(struct run *r, const char *spec);
int poll_wait(struct run *r, long *delay_ms, time_t start, const char *what);
int authorize(struct run *r);

/* proc.c */
int run_hook(const struct run *r, const char *step, const struct authz *a);
int webroot_path(const struct run *r, const char *token, char *out);
int webroot_publish(const struct run *r, const struct authz *a);
int deploy_hook(struct run *r, bool renewed);

/* chain.c */
int cert_key(struct run *r);
int csr_read(struct run *r, const char *path, size_t *der_len,
    struct x509_cert *x);
int csr_names(struct run *r, struct conf *c, char *buf, size_t cap);
int download(struct run *r, bool renewal);

/* trust.c */
int load_anchors(struct run *r);
bool roots_fallback(struct run *r);

/* cmd.c */
int cert_begin(struct run *r);
void cert_end(struct run *r);

/* The signal (SIGTERM, SIGINT, SIGHUP) that asked the run to stop, or 0:
 * long waits return early and no further request is sent. */
extern volatile sig_atomic_t na_stop;

/* 128 + na_stop when a signal asked to stop (exit 130 for ^C), else 0. */
int stop_code(void);

/* list.c */
int cmd_list(struct run *r);

#endif /* NANOACME_RUN_H */
