/* SPDX-License-Identifier: MIT */
/*
 * acme.h - what the parts of the command line share: options, exit
 * codes, the run context and the messages.
 *
 * acme.c holds the CLI and the ACME flow; cli.c parses the command line
 * and prints help. They are split only to keep each file readable; this
 * header is their contract and nothing else includes it.
 */
#ifndef NANOACME_ACME_H
#define NANOACME_ACME_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define NANOACME_VERSION "0.1.0"

/* Exit codes: one table, also in README.md and --help. */
enum acme_exit {
	EXIT_ISSUED = 0,       /* a certificate was issued */
	EXIT_NOTHING = 1,      /* nothing to do (not due) */
	EXIT_USAGE = 2,        /* bad command line */
	EXIT_NET = 3,          /* network, DNS, TLS or HTTP failure */
	EXIT_ACME = 4,         /* the CA refused a request (ACME problem) */
	EXIT_VALIDATION = 5,   /* a challenge failed validation */
	EXIT_LOCAL = 6,        /* local file, key or state error */
	EXIT_TOS = 7,          /* terms of service not agreed (-y) */
	EXIT_LOCKED = 8,       /* another nanoacme holds the state lock */
	EXIT_HOOK = 9,         /* issued, but the deploy hook failed */
	EXIT_CLOCK = 10        /* the system clock is not set */
};

/* No value given for a numeric setting. */
#define CONF_UNSET (-1L)

/*
 * The settings of one certificate: given to `issue`, stored with the
 * certificate (STATE/certs/NAME/settings) and redone by `renew`.
 * A NULL string or CONF_UNSET number means "not given".
 */
struct conf {
	const char *directory;
	const char *ca_file;
	const char *listen;
	const char *email;
	const char *deploy_hook;
	const char *webroot;               /* http-01 through files */
	const char *hook;                  /* uacme-style challenge hook */
	const char *alpn;                  /* built-in tls-alpn-01 */
	const char *user;                  /* the responder's account */
	const char *profile;               /* newOrder profile */
	const char *preferred_chain;       /* issuer CN of the chain */
	const char *csr_file;              /* bring your own CSR */
	const char *dns_persist;           /* "yes": dns-persist-01 */
	const char *dns_server;            /* resolver to check records */
	long days;                         /* renew with < days left */
	long reuse_key;                    /* 1: keep the key at renewal */
	const char *names[ACME_MAX_NAMES];
	size_t nnames;
};

/* What the command line asked for. */
struct opts {
	const char *cmd;                   /* issue, renew, list, ... */
	const char *state;
	struct conf conf;                  /* settings given on the line */
	const char *args[ACME_MAX_NAMES];  /* words after the command */
	size_t nargs;
	const char *cert_file;             /* revoke --cert */
	const char *key_file;              /* revoke --key */
	const char *eab_kid;               /* external account binding */
	const char *eab_hmac;              /* its key, base64url */
	long eab_alg;                      /* 256, 384 or 512 */
	long wait_clock;                   /* seconds to wait for a clock */
	long retry;                        /* retries of transient failures */
	long reason;                       /* revoke --reason */
	long jitter;                       /* renew --jitter, seconds */
	const char *persist_until;         /* dns-persist: UNIX seconds */
	bool persist_wildcard;             /* dns-persist: policy=wildcard */
	bool json;                         /* list --json */
	bool agree_tos;
	bool force;
	bool dry_run;                      /* issue/renew: keep nothing */
	bool syslog;
	int verbose;                       /* -1 quiet, 0 normal, 1+ -v */
};

/*
 * Parses argv into o (options may stand before or after the command).
 * Returns -1 to go on, or an exit code to exit with now (after --help,
 * --version or a usage error, which it has reported).
 */
int cli_parse(int argc, char **argv, struct opts *o);

/* Fills the settings c leaves unset with the defaults of config.h. */
void conf_defaults(struct conf *c);

/* Sends messages to syslog too (daemon facility, tag nanoacme). */
void msg_syslog(void);

/* Names the certificate later errors are about (NULL: none). */
void msg_prefix(const char *name);

/* Silences msg_err() and msg_info() while mute (renew's first pass,
 * whose findings its second pass says again). */
void msg_mute(bool mute);

/*
 * On a terminal (not from cron, not with -q): one status line, rewritten
 * in place, "waiting N s: WHAT", so a run that waits never looks hung;
 * WHAT NULL clears it when the wait ends.
 */
void msg_status(const struct opts *o, const char *what, long seconds);

/* Prints "nanoacme: [NAME: ]" and the formatted message on stderr. */
void msg_err(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints the message on stderr when o->verbose >= level. */
void msg_info(const struct opts *o, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Copies untrusted s into out[0..cap) with each byte that is not part of
 * well-formed UTF-8, each control character (C0, DEL, C1) and each bidi
 * override replaced by '?'; a character is never cut at the end. out
 * may be s itself. msg_err() and msg_info() apply it to every line they
 * print.
 */
void msg_clean(const char *s, char *out, size_t cap);

#endif /* NANOACME_ACME_H */
