/* SPDX-License-Identifier: MIT */
/*
 * alpn.h - the built-in tls-alpn-01 responder (RFC 8737, RFC 8738 §6).
 *
 * Why separate: it is a TLS *server*, with its own BearSSL engines and a
 * certificate policy that picks, by SNI, a self-signed certificate made
 * on the fly for the identifier being validated. It runs only in the
 * sandboxed responder process (responder.h), on listening sockets that
 * listen_open() made, and is served by the same poll() loop as the
 * http-01 listener. Its throwaway key is made there: nothing secret of
 * the ACME client ever reaches it. It never prints; it allocates
 * nothing (the caller owns struct alpn_responder, about 90 KB).
 */
#ifndef NANOACME_ALPN_H
#define NANOACME_ALPN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include <bearssl.h>

#include "config.h"
#include "pem.h"

/*
 * Handshakes served at once. A validator connects, completes the
 * handshake, reads the certificate and closes; a few idle or slow
 * connections must not keep it out (the security review held the port
 * with four). Over the cap, the oldest connection gives way.
 */
#ifndef ALPN_MAX_CONN
#define ALPN_MAX_CONN 8
#endif

/*
 * Record buffers per connection (bidirectional, so the engine can always
 * either send or receive). In: a ClientHello record, 2 KB with a
 * post-quantum key share today, with room to spare; BearSSL refuses a
 * larger record (BR_ERR_TOO_LARGE). Out: our flight is about 1 KB and
 * BearSSL splits it across records as needed.
 */
#define ALPN_IBUF_LEN (4096 + 325)
#define ALPN_OBUF_LEN (2048 + 85)

/* pollfds alpn_pollfds() fills at most. */
#define ALPN_MAX_POLLFD (2 + ALPN_MAX_CONN)

/* One identifier being validated: its SNI and key authorization digest. */
struct alpn_entry {
	char ident[256];
	char sni[80];                      /* an IP's reverse-DNS name (RFC
	                                      8738 §6), "" for a DNS name:
	                                      its SNI is ident itself */
	unsigned char digest[32];          /* SHA-256 of the key auth */
};

struct alpn_responder;
struct alpn_conn;

/* The server policy of one connection: picks the certificate by SNI. */
struct alpn_policy {
	const br_ssl_server_policy_class *vtable;
	struct alpn_responder *a;
	struct alpn_conn *c;
};

/* One connection (private). */
struct alpn_conn {
	int fd;                            /* -1: slot free */
	long long deadline_ms;
	short want;                        /* POLLIN or POLLOUT */
	bool done;                         /* handshake completed */
	struct alpn_policy policy;
	br_x509_certificate chain;
	unsigned char der[1024];           /* the certificate being sent */
	br_ssl_server_context sc;
	unsigned char ibuf[ALPN_IBUF_LEN];
	unsigned char obuf[ALPN_OBUF_LEN];
};

/*
 * The responder. Each connection has ALPN_CONN_TIMEOUT_MS in all; the
 * handshake is driven by our own loop over the engine state (never
 * br_sslio), which drops a connection whose engine can neither send nor
 * receive, so no input can make it spin.
 */
struct alpn_responder {
	struct ec_key key;                 /* one key for every answer */
	br_hmac_drbg_context rng;          /* seeds each handshake */
	struct alpn_entry entry[ACME_MAX_NAMES];
	size_t n;
	unsigned served;                   /* handshakes completed */
	const int *lfd;                    /* listening sockets (not owned) */
	size_t nlfd;
	bool slot[ALPN_MAX_CONN];          /* polled by alpn_pollfds() */
	struct alpn_conn conn[ALPN_MAX_CONN];
};

/*
 * Sets a up to answer on the listening sockets lfd[0..nlfd) (kept by
 * reference; nlfd <= 2): makes the key and seeds the random generator
 * (getrandom(), so call it before any sandbox forbids that), and
 * prepares every engine. Returns 0, or -1 without entropy.
 */
int alpn_init(struct alpn_responder *a, const int *lfd, size_t nlfd);

/* Forgets every identifier (the key is kept). */
void alpn_reset(struct alpn_responder *a);

/*
 * Adds identifier ident (a DNS name or IP literal) with digest, the
 * SHA-256 of its key authorization. Returns 0 or -1 (bad identifier,
 * too many).
 */
int alpn_add(struct alpn_responder *a, const char *ident,
    const unsigned char digest[32]);

/* The entry whose SNI is name, ASCII case-insensitive, or NULL. */
const struct alpn_entry *alpn_find(const struct alpn_responder *a,
    const char *name);

/*
 * The two halves of one round of the caller's poll() loop, as
 * listen_pollfds()/listen_handle(): pfd[0..n) gets the listening sockets
 * and the connections, *timeout is lowered to the nearest deadline.
 */
size_t alpn_pollfds(struct alpn_responder *a, struct pollfd *pfd,
    int *timeout);
void alpn_handle(struct alpn_responder *a, const struct pollfd *pfd);

/*
 * Takes the connected socket fd (made non-blocking) into a free slot and
 * starts its handshake (used for accepted connections, and by the fuzz
 * target with one end of a socketpair). fd is closed when done.
 */
void alpn_take(struct alpn_responder *a, int fd);

/* Closes every connection and wipes the key. Idempotent. */
void alpn_wipe(struct alpn_responder *a);

#endif /* NANOACME_ALPN_H */
