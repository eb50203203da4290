/* SPDX-License-Identifier: MIT */
/*
 * listen.h - the http-01 listener (RFC 8555 §8.3): a plain-HTTP server
 * answering GET /.well-known/acme-challenge/TOKEN with the token's key
 * authorization, and 404/405/400 to everything else.
 *
 * It runs only in the sandboxed responder process (responder.h), never
 * in the process that holds keys. It never prints and never allocates:
 * the caller owns struct listener (about 80 KB with the defaults).
 */
#ifndef NANOACME_LISTEN_H
#define NANOACME_LISTEN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* A token the listener answers, and its key authorization (not owned). */
struct listen_token {
	const char *token;
	const char *keyauth;
};

/*
 * Parses one listener request in req[0..len): returns 1 when the request
 * head is complete (ends with an empty line) and is
 * "GET /.well-known/acme-challenge/<token> HTTP/1.x", with *tok and *tok_len
 * naming the token inside req; 2 when complete but anything else (other
 * method or path, bad token characters, bad syntax) — answer 404/405/400;
 * 0 when more bytes are needed. Pure function, for tests and fuzzing.
 */
int listen_parse_request(const char *req, size_t len, const char **tok,
    size_t *tok_len);

/* One accepted connection of the listener (private). */
struct listen_conn {
	int fd;                            /* -1: slot free */
	long long deadline_ms;
	size_t len;                        /* bytes in req */
	size_t out_len, out_pos;           /* pending response bytes */
	char req[LISTEN_MAX_REQUEST];
	char out[512];
};

/* pollfds listen_pollfds() fills at most. */
#define LISTEN_MAX_POLLFD (2 + LISTEN_MAX_CONN)

/*
 * The listener: up to two listening sockets (IPv6 with V6ONLY plus IPv4
 * for ":PORT"), LISTEN_MAX_CONN connections served with poll(),
 * non-blocking, each with LISTEN_CONN_TIMEOUT_MS to send its request and
 * LISTEN_MAX_REQUEST bytes at most. Over the connection cap, the oldest
 * connection is dropped.
 */
struct listener {
	int lfd[2];
	size_t nlfd;
	const struct listen_token *tokens;
	size_t ntokens;
	unsigned served;                   /* key authorizations sent */
	int detail;                        /* errno of a failed open */
	size_t nconn;                      /* conn[0..nconn) ever used: the
	                                      others (80 KB with the
	                                      defaults) are never touched,
	                                      so never resident */
	bool slot[LISTEN_MAX_CONN];        /* polled by listen_pollfds() */
	struct listen_conn conn[LISTEN_MAX_CONN];
};

/*
 * Makes l an empty, closed listener (no sockets): serving or closing it
 * is then harmless. listen_open() does this itself.
 */
void listen_init(struct listener *l);

/*
 * Opens the listening sockets on spec, as dns_addr_parse() reads it
 * with no default port: ":PORT" (all IPv6 and IPv4 addresses; IPv4
 * alone if the host has no IPv6), "ADDR:PORT", "[V6ADDR]:PORT". Returns
 * 0, or -1 with l->detail (errno; EINVAL for a bad spec) set; then
 * nothing is left open.
 */
int listen_open(struct listener *l, const char *spec);

/* Sets the tokens answered from now on (array kept by reference). */
void listen_set_tokens(struct listener *l, const struct listen_token *tokens,
    size_t n);

/*
 * The two halves of one round of the caller's poll() loop. listen_pollfds()
 * fills pfd[0..n) (n <= LISTEN_MAX_POLLFD, returned) with the listening
 * sockets and the open connections, and lowers *timeout (ms) to the
 * nearest connection deadline. After poll(), listen_handle() gets the
 * same pfd and serves what is ready: accepts, reads, answers, and drops
 * connections past their deadline. Nothing may change l in between.
 */
size_t listen_pollfds(struct listener *l, struct pollfd *pfd, int *timeout);
void listen_handle(struct listener *l, const struct pollfd *pfd);

/*
 * Serves l alone for timeout_ms milliseconds (tests). Returns 0, or -1
 * if poll() fails.
 */
int listen_serve(struct listener *l, int timeout_ms);

/* Closes every socket of l. Idempotent. */
void listen_close(struct listener *l);

#endif /* NANOACME_LISTEN_H */
