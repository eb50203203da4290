/* SPDX-License-Identifier: MIT */
/*
 * responder.h - the challenge responders (http-01 listener, tls-alpn-01
 * responder) in a sandboxed process that never holds a key.
 *
 * During validation the router opens port 80 or 443 to the world: the
 * processes that answer there are the only ones a stranger talks to.
 * As in OpenBSD's acme-client, they hold no key, touch no file and
 * cannot become root again; the key-holding process never reads a byte
 * a stranger sent. How (responder.c has the details):
 *
 *   main() -> responder_start(): forks the "zygote" before any key is
 *   read or made and before the state directory is opened, so no
 *   secret is ever in its memory. It keeps root (to bind port 80/443
 *   and to drop to --user) and waits for commands on a pipe.
 *
 *   responder_open(): the zygote forks a responder, which binds its
 *   ports, makes its throwaway tls-alpn-01 key, then drops to the
 *   user (setgroups, setgid, setuid; checked), chroots into an empty,
 *   already removed directory, sets no_new_privs and installs a seccomp
 *   filter that allows only the system calls serving needs. It then
 *   serves both challenge types from one poll() loop.
 *
 *   responder_add(): tokens and key authorizations (http-01),
 *   identifiers and key-authorization digests (tls-alpn-01) reach it
 *   as bounded records on the pipe. What comes back is fixed-size
 *   status frames (ready, failed with errno, acknowledged, exited):
 *   nothing the parent would have to parse.
 *
 * If the responder dies (a crash, a forbidden system call, a kill),
 * the zygote reports it and every later call fails: the run stops with
 * a message, and nothing in the state directory changes.
 */
#ifndef NANOACME_RESPONDER_H
#define NANOACME_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Sandbox steps the responder achieved (struct responder.sandbox). */
#define RESPONDER_UID     0x01         /* runs as the unprivileged user */
#define RESPONDER_CHROOT  0x02         /* root is an empty directory */
#define RESPONDER_NNP     0x04         /* no_new_privs set */
#define RESPONDER_SECCOMP 0x08         /* seccomp filter installed */
#define RESPONDER_ALL     0x0f

/* What failed (struct responder.err); detail in struct responder. */
enum responder_error {
	RESPONDER_OK = 0,
	RESPONDER_ESTART,      /* no zygote: fork or pipe failed (errno) */
	RESPONDER_EUSER,       /* --user unknown or root (0) */
	RESPONDER_EHTTP,       /* cannot listen for http-01 (errno) */
	RESPONDER_EALPN,       /* cannot listen for tls-alpn-01 (errno) */
	RESPONDER_EKEY,        /* no entropy for the tls-alpn-01 key */
	RESPONDER_EDROP,       /* setgid/setuid failed or reversible (errno) */
	RESPONDER_ESIGNAL,     /* the responder was killed by signal detail */
	RESPONDER_EEXIT,       /* the responder exited with status detail */
	RESPONDER_ELOST,       /* the zygote is gone, or a pipe failed */
	RESPONDER_ETIMEOUT,    /* no answer from the responder in time */
	RESPONDER_ECOUNT       /* holds detail answers, not the sent ones */
};

/*
 * The parent's handle. pid: the zygote (-1 if none); cmd/st: the pipes
 * to and from it (and the responder it runs). open: a responder is
 * serving. broken: a responder died, later calls fail at once.
 */
struct responder {
	pid_t pid;
	int cmd;
	int st;
	bool open;
	bool broken;
	unsigned sent;                     /* answers since open or clear */
	unsigned sandbox;                  /* RESPONDER_* of the last open */
	int err;                           /* enum responder_error */
	int detail;                        /* errno, signal or status */
};

/*
 * Forks the zygote. Call first in main(), before any key exists. wipe
 * (or NULL): a secret already in memory (--eab-hmac in argv) that the
 * zygote zeroes in its copy at once. On failure z->err is set and every
 * later responder_open() fails with it.
 * Returns 0 or -1.
 */
int responder_start(struct responder *z, const char *wipe);

/*
 * Starts a responder: http-01 on http_spec and/or tls-alpn-01 on
 * alpn_spec (NULL: none; specs as listen_open() takes them), running as
 * user (NULL: "nobody") when started as root. Waits until it has bound
 * its ports. Returns 0 with z->sandbox set, or -1 with z->err/detail.
 */
int responder_open(struct responder *z, const char *http_spec,
    const char *alpn_spec, const char *user);

/*
 * Sends one answer to the open responder: token and keyauth for
 * http-01, or (ident != NULL) ident and SHA-256(keyauth) for
 * tls-alpn-01. Returns 0 or -1 (too long, responder gone).
 */
int responder_add(struct responder *z, const char *token,
    const char *keyauth, const char *ident);

/* Forgets every answer of the open responder. Returns 0 or -1. */
int responder_clear(struct responder *z);

/*
 * Waits until the responder has applied everything sent so far (call
 * before asking the CA to validate), and checks that it holds every
 * answer sent since responder_open() or responder_clear(). Returns 0,
 * or -1 (RESPONDER_ECOUNT: it refused one; then z is broken, as when
 * the responder died).
 */
int responder_sync(struct responder *z);

/*
 * Sleeps ms milliseconds, or until the responder dies. Returns 0, or -1
 * with z->err set if it died (or none is open).
 */
int responder_wait(struct responder *z, long ms);

/*
 * Stops the open responder (its ports are closed when this returns 0).
 * Harmless if none is open. Returns 0 or -1.
 */
int responder_close(struct responder *z);

/* Stops the zygote (and any responder). Idempotent. */
void responder_end(struct responder *z);

/* A short English description of z->err with its detail, in buf. */
const char *responder_strerror(const struct responder *z, char *buf,
    size_t cap);

#endif /* NANOACME_RESPONDER_H */
