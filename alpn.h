/* SPDX-License-Identifier: MIT */
/*
 * alpn.h - the built-in tls-alpn-01 responder (RFC 8737, RFC 8738 §6).
 *
 * Why separate: it is a TLS *server*, with its own BearSSL engine and a
 * certificate policy that picks, by SNI, a self-signed certificate made
 * on the fly for the identifier being validated. http.c is the client
 * and the plain-HTTP listener; this is the one place nanoacme answers
 * TLS, for routers that have only port 443 open. No second daemon, as
 * uacme needs (ualpn). It never prints; it allocates nothing.
 */
#ifndef NANOACME_ALPN_H
#define NANOACME_ALPN_H

#include <stdbool.h>
#include <stddef.h>

#include <bearssl.h>

#include "config.h"
#include "http.h"
#include "pem.h"

/* One identifier being validated: its SNI and key authorization digest. */
struct alpn_entry {
	char ident[256];
	char sni[80];                      /* ident, or its reverse-DNS name */
	unsigned char digest[32];          /* SHA-256 of the key auth */
};

struct alpn_responder;

/* The server policy: picks the certificate by SNI (private). */
struct alpn_policy {
	const br_ssl_server_policy_class *vtable;
	struct alpn_responder *a;
};

/*
 * The responder. It answers on the listening sockets of an http_listener
 * (http_listen_open() parses and binds the address; only its sockets
 * are used), one connection at a time, each bounded by
 * ALPN_CONN_TIMEOUT_MS: a validator connects, completes the handshake,
 * looks at the certificate and closes.
 */
struct alpn_responder {
	struct ec_key key;                 /* one key for every answer */
	bool have_key;
	struct alpn_entry entry[ACME_MAX_NAMES];
	size_t n;
	unsigned served;                   /* handshakes completed */
	struct alpn_policy policy;
	br_x509_certificate chain;
	unsigned char der[1024];           /* the certificate being sent */
	br_ssl_server_context sc;
	unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
};

/* Forgets every identifier (the key is kept). */
void alpn_reset(struct alpn_responder *a);

/*
 * Adds identifier ident (a DNS name or IP literal) with key
 * authorization keyauth. Generates the key on first use. Returns 0 or
 * -1 (bad identifier, too many, no key).
 */
int alpn_add(struct alpn_responder *a, const char *ident,
    const char *keyauth);

/*
 * Accepts and answers connections on the sockets of l for up to
 * timeout_ms milliseconds. Returns 0, or -1 if poll() fails.
 */
int alpn_serve(struct alpn_responder *a, const struct http_listener *l,
    int timeout_ms);

/* Wipes the key. */
void alpn_wipe(struct alpn_responder *a);

#endif /* NANOACME_ALPN_H */
