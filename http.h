/* SPDX-License-Identifier: MIT */
/*
 * http.h - our own small HTTP/1.1 client over BearSSL, and the http-01
 * listener.
 *
 * Why our own: libcurl plus a TLS library is what makes other ACME
 * clients too heavy for a 16 MB router. ACME needs very little of HTTP:
 * GET/HEAD/POST to one host, on one keep-alive TLS connection, with
 * Content-Length or chunked bodies, and a plain-text server answering
 * GET /.well-known/acme-challenge/TOKEN. This module knows nothing of
 * JSON or ACME; it never prints and never allocates: the caller passes
 * every buffer. Errors are recorded in the context (sticky for the
 * parser) and described by http_strerror().
 */
#ifndef NANOACME_HTTP_H
#define NANOACME_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <bearssl.h>

#include "config.h"

/* Error codes recorded in http_client.err / http_listener.err. */
enum http_error {
	HTTP_OK = 0,
	HTTP_EURL,      /* URL not https://host[:port]/path, or too long */
	HTTP_ERESOLVE,  /* getaddrinfo failed (detail: gai code) */
	HTTP_ECONNECT,  /* no address accepted the connection (errno) */
	HTTP_ETIMEOUT,  /* connect, I/O or whole-request deadline passed */
	HTTP_ETLS,      /* TLS failure (detail: BearSSL error code) */
	HTTP_EIO,       /* read/write failed (errno) */
	HTTP_ECLOSED,   /* peer closed before a complete response */
	HTTP_EPROTO,    /* malformed status line, header or chunk framing */
	HTTP_ETOOBIG,   /* a line, the headers or the body passed its cap */
	HTTP_ELISTEN    /* listener address bad or bind/listen failed */
};

/* Returns a short English description of an enum http_error value. */
const char *http_strerror(int err);

/*
 * Returns a description of a BearSSL error code (br_ssl_engine_last_error
 * or an X.509 validation code): "certificate not trusted", "server name
 * does not match the certificate", ... Unknown codes give "TLS error".
 */
const char *http_tls_strerror(int brerr);

/*
 * A parsed response. Header values we keep are NUL-terminated copies,
 * truncated values are rejected (HTTP_ETOOBIG) rather than cut.
 * body points into the buffer the caller gave; body_len bytes, not
 * NUL-terminated.
 */
struct http_response {
	int status;                        /* 100..599 */
	char location[HTTP_MAX_URL];       /* Location, "" if absent */
	char nonce[HTTP_MAX_NONCE];        /* Replay-Nonce, "" if absent */
	char content_type[128];            /* Content-Type, "" if absent */
	char alternate[HTTP_MAX_ALTERNATES][HTTP_MAX_URL];
	size_t nalternate;                 /* Link: rel="alternate" URLs
	                                      (more, or too long: dropped) */
	long retry_after;                  /* Retry-After in seconds (delta
	                                      form only), -1 if absent/bad */
	bool keep_alive;                   /* false: close after this one */
	unsigned char *body;
	size_t body_len;
};

/*
 * Byte source for the response parser: the client reads from TLS, tests
 * read from arrays. read() returns bytes read (> 0), 0 at end of stream,
 * -1 on error (the parser then reports err_on_read, set by the source).
 * The parser reads through a small look-ahead buffer kept here.
 */
struct http_src {
	int (*read)(void *ctx, unsigned char *buf, size_t len);
	void *ctx;
	int err_on_read;                   /* enum http_error of a -1 read */
	unsigned char buf[512];
	size_t pos, len;
};

/* Prepares src to read through read(ctx, ...). */
void http_src_init(struct http_src *src,
    int (*read)(void *ctx, unsigned char *buf, size_t len), void *ctx);

/*
 * Reads and parses one HTTP/1.1 response from src: status line, headers,
 * then the body into body[0..cap) (Content-Length, chunked with trailers,
 * or until end of stream when neither is given). is_head: the request was
 * HEAD (no body whatever the headers say); 1xx are skipped, 204 and 304
 * have no body.
 * Limits: HTTP_MAX_LINE per line, HTTP_MAX_HEADER_BYTES and
 * HTTP_MAX_HEADERS in all, cap for the body. Content-Length together
 * with chunked, several differing Content-Length values, an unknown
 * Transfer-Encoding, or a bad chunk line are HTTP_EPROTO. Bytes left in
 * src after the response make r->keep_alive false (nothing pipelined).
 * Returns 0, or -1 with *err set (enum http_error).
 */
int http_parse_response(struct http_src *src, bool is_head,
    struct http_response *r, unsigned char *body, size_t cap, int *err);

/*
 * Splits an https URL into host (no brackets for IPv6 literals), port
 * ("443" by default) and the path, which points into url ("/" when url
 * has none; query kept). Rejects other schemes, userinfo, CR, LF,
 * space, control bytes, an empty or oversized host and ports outside
 * 1..65535. Returns 0 or -1.
 */
int http_url_parse(const char *url, char *host, size_t host_cap,
    char port[6], const char **path);

struct http_listener;

/*
 * One client: at most one open TLS connection, reused across requests
 * to the same host:port, reopened when the server closed it or the host
 * changed. Everything in here is owned by the caller's struct; the TLS
 * buffer is given to http_client_init().
 */
struct http_client {
	/* configuration (http_client_init) */
	const br_x509_trust_anchor *tas;
	size_t tas_num;
	unsigned char *iobuf;              /* >= BR_SSL_BUFSIZE_MONO */
	size_t iobuf_len;
	const char *user_agent;            /* RFC 8555 §6.1 requires one */
	struct http_listener *serve;       /* served while we wait, or NULL */

	/* statistics, for -v */
	unsigned handshakes;               /* TLS handshakes completed */
	unsigned requests;                 /* requests sent */

	/* last error: enum http_error, plus errno/gai/BearSSL detail */
	int err;
	int detail;

	/* connection state (private) */
	int fd;
	char host[256];
	char port[6];
	long long deadline_ms;             /* whole-request deadline */
	bool got_reply;                    /* a response byte came back */
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	br_sslio_context ioc;
};

/*
 * Sets up c with trust anchors (kept by reference: they must outlive c)
 * and the TLS I/O buffer iobuf of iobuf_len bytes (>= BR_SSL_BUFSIZE_MONO:
 * HTTP/1.1 is half-duplex, so one mono buffer is enough). No I/O.
 */
void http_client_init(struct http_client *c, const br_x509_trust_anchor *tas,
    size_t tas_num, unsigned char *iobuf, size_t iobuf_len);

/*
 * Sends one request and reads the response into body[0..cap).
 * method: "GET", "HEAD" or "POST"; ctype: Content-Type of the request
 * body, or NULL with no body. Connects (TCP to every getaddrinfo address
 * in turn, then TLS with SNI and hostname verification against the
 * trust anchors) if no usable connection is open. If a reused connection
 * turns out closed before any response byte arrives, reconnects once and
 * resends. While waiting on the network, serves c->serve if set.
 * Returns 0 (any HTTP status) or -1 with c->err/c->detail set; after -1
 * the connection is closed.
 */
int http_request(struct http_client *c, const char *method, const char *url,
    const char *ctype, const void *req_body, size_t req_len,
    struct http_response *r, unsigned char *body, size_t cap);

/*
 * Sets the record ciphers of TLS engine e: AES-GCM and
 * ChaCha20-Poly1305, one small constant-time implementation of each
 * (shared by the client and the tls-alpn-01 responder).
 */
void http_tls_ciphers(br_ssl_engine_context *e);

/* Closes the connection (TLS close_notify, best effort). Idempotent. */
void http_client_close(struct http_client *c);

/* A token the listener answers, and its key authorization (not owned). */
struct http_token {
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
int http_parse_request(const char *req, size_t len, const char **tok,
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

/*
 * The http-01 listener: up to two listening sockets (IPv6 with V6ONLY
 * plus IPv4 for ":PORT"), LISTEN_MAX_CONN connections served with poll(),
 * non-blocking, each with LISTEN_CONN_TIMEOUT_MS to send its request and
 * LISTEN_MAX_REQUEST bytes at most. Over the connection cap, the oldest
 * connection is dropped.
 */
struct http_listener {
	int lfd[2];
	size_t nlfd;
	const struct http_token *tokens;
	size_t ntokens;
	unsigned served;                   /* key authorizations sent */
	int err;
	int detail;                        /* errno or gai code */
	struct listen_conn conn[LISTEN_MAX_CONN];
};

/*
 * Makes l an empty, closed listener (no sockets): serving or closing it
 * is then harmless. http_listen_open() does this itself.
 */
void http_listen_init(struct http_listener *l);

/*
 * Opens the listener on spec: ":PORT" (all IPv6 and IPv4 addresses; IPv4
 * alone if the host has no IPv6), "ADDR:PORT", "[V6ADDR]:PORT". Returns 0,
 * or -1 with l->err (HTTP_ELISTEN) and l->detail (errno) set; then nothing
 * is left open.
 */
int http_listen_open(struct http_listener *l, const char *spec);

/* Sets the tokens answered from now on (array kept by reference). */
void http_listen_set_tokens(struct http_listener *l,
    const struct http_token *tokens, size_t n);

/*
 * Serves connections for up to timeout_ms milliseconds (0: only what is
 * ready now), then returns 0. Returns -1 only if poll() itself fails.
 */
int http_listen_serve(struct http_listener *l, int timeout_ms);

/* Closes every socket of l. Idempotent. */
void http_listen_close(struct http_listener *l);

#endif /* NANOACME_HTTP_H */
