/* SPDX-License-Identifier: MIT */
/*
 * http.h - our own small HTTP/1.1 client over BearSSL.
 *
 * Why our own: libcurl plus a TLS library is what makes other ACME
 * clients too heavy for a 16 MB router. ACME needs very little of HTTP:
 * GET/HEAD/POST to one host, on one keep-alive TLS connection, with
 * Content-Length or chunked bodies. (The http-01 server side is
 * listen.h; the TLS profile is tls.h.) This module knows nothing of
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
#include "tlsip.h"

/* Error codes recorded in http_client.err. */
enum http_error {
	HTTP_OK = 0,
	HTTP_EURL,      /* URL not https://host[:port]/path, or too long */
	HTTP_ERESOLVE,  /* no address (detail: enum dns_error) */
	HTTP_ECONNECT,  /* no address accepted the connection (errno) */
	HTTP_ETIMEOUT,  /* connect, I/O or whole-request deadline passed */
	HTTP_ETLS,      /* TLS failure (detail: BearSSL error code) */
	HTTP_EIO,       /* read/write failed (errno) */
	HTTP_ECLOSED,   /* peer closed before a complete response */
	HTTP_EPROTO,    /* malformed status line, header or chunk framing */
	HTTP_ETOOBIG    /* a line, the headers or the body passed its cap */
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
	struct tlsip xw;                   /* wraps xc: IP hosts */
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
 * body, or NULL with no body. Connects (TCP to every address of
 * dns_resolve() in turn, then TLS with SNI and name verification against the
 * trust anchors) if no usable connection is open. If a reused connection
 * turns out closed before any response byte arrives, reconnects once and
 * resends.
 * Returns 0 (any HTTP status) or -1 with c->err/c->detail set; after -1
 * the connection is closed.
 */
int http_request(struct http_client *c, const char *method, const char *url,
    const char *ctype, const void *req_body, size_t req_len,
    struct http_response *r, unsigned char *body, size_t cap);

/* Closes the connection (TLS close_notify, best effort). Idempotent. */
void http_client_close(struct http_client *c);

#endif /* NANOACME_HTTP_H */
