/* SPDX-License-Identifier: MIT */
/*
 * config.h - compile-time defaults and limits of nanoacme.
 *
 * Every cap that bounds what the network or a file can make us do lives
 * here, so a packager can see (and change) them in one place, e.g.
 * make CPPFLAGS=-DHTTP_MAX_BODY=65536. This file holds no code and
 * includes nothing.
 */
#ifndef NANOACME_CONFIG_H
#define NANOACME_CONFIG_H

/* Let's Encrypt production: the CA most users of a router mean. */
#ifndef DEFAULT_DIRECTORY
#define DEFAULT_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"
#endif

/* Selected by --staging: same CA software, untrusted roots, high limits. */
#ifndef STAGING_DIRECTORY
#define STAGING_DIRECTORY \
	"https://acme-staging-v02.api.letsencrypt.org/directory"
#endif

/* /etc/nanoacme: flash-backed /etc survives sysupgrade on OpenWrt. */
#ifndef DEFAULT_STATE_DIR
#define DEFAULT_STATE_DIR "/etc/nanoacme"
#endif

/* Debian's and OpenWrt's ca-bundle location; $SSL_CERT_FILE overrides. */
#ifndef DEFAULT_CA_FILE
#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* http-01 is always validated on port 80 (RFC 8555 §8.3). */
#ifndef DEFAULT_LISTEN
#define DEFAULT_LISTEN ":80"
#endif

/*
 * HTTP client limits. ACME objects are small: the largest replies are
 * the certificate chain (~4-6 KB for Let's Encrypt) and orders with
 * many names (100 names ~ 10 KB). 64 KB leaves room for long chains.
 */
#ifndef HTTP_MAX_BODY
#define HTTP_MAX_BODY 65536
#endif

/* One header line; long Link headers fit well within 4 KB. */
#ifndef HTTP_MAX_LINE
#define HTTP_MAX_LINE 4096
#endif

/* All header lines of one response together. */
#ifndef HTTP_MAX_HEADER_BYTES
#define HTTP_MAX_HEADER_BYTES 16384
#endif

/* Header lines in one response; real CAs send ~15. */
#ifndef HTTP_MAX_HEADERS
#define HTTP_MAX_HEADERS 64
#endif

/* URLs we keep (Location, Link, directory entries). */
#ifndef HTTP_MAX_URL
#define HTTP_MAX_URL 512
#endif

/* Link: rel="alternate" URLs kept from one response (alternate chains,
 * RFC 8555 §7.4.2); Let's Encrypt offers one or two. */
#ifndef HTTP_MAX_ALTERNATES
#define HTTP_MAX_ALTERNATES 4
#endif

/* Replay-Nonce: base64url, Let's Encrypt uses ~44 characters. */
#ifndef HTTP_MAX_NONCE
#define HTTP_MAX_NONCE 128
#endif

/* Connect timeout, milliseconds. */
#ifndef HTTP_CONNECT_TIMEOUT_MS
#define HTTP_CONNECT_TIMEOUT_MS 15000
#endif

/* Longest silence while reading or writing, milliseconds. */
#ifndef HTTP_IO_TIMEOUT_MS
#define HTTP_IO_TIMEOUT_MS 30000
#endif

/* Whole request/response, so a server dribbling bytes cannot hold us. */
#ifndef HTTP_REQUEST_TIMEOUT_MS
#define HTTP_REQUEST_TIMEOUT_MS 60000
#endif

/* http-01 listener: concurrent connections (CAs use several vantage points). */
#ifndef LISTEN_MAX_CONN
#define LISTEN_MAX_CONN 32
#endif

/* http-01 listener: bytes of one request (request line + headers). */
#ifndef LISTEN_MAX_REQUEST
#define LISTEN_MAX_REQUEST 2048
#endif

/* http-01 listener: a client gets this long to send its request, ms. */
#ifndef LISTEN_CONN_TIMEOUT_MS
#define LISTEN_CONN_TIMEOUT_MS 10000
#endif

/* tls-alpn-01 responder: time a validator gets for its handshake, ms. */
#ifndef ALPN_CONN_TIMEOUT_MS
#define ALPN_CONN_TIMEOUT_MS 5000
#endif

/* JSON tokens of one ACME object (an order with 100 names ~ 220). */
#ifndef JSON_MAX_TOKENS
#define JSON_MAX_TOKENS 1024
#endif

/* Let's Encrypt allows 100 names per certificate. */
#ifndef ACME_MAX_NAMES
#define ACME_MAX_NAMES 100
#endif

/* RFC 8555 §6.5: enough retries that 50% nonce rejection still succeeds
 * (0.5^20 is one in a million per request). */
#ifndef ACME_BADNONCE_RETRIES
#define ACME_BADNONCE_RETRIES 20
#endif

/* Polling without Retry-After: start fast (Pebble and Boulder validate in
 * tens of milliseconds), double up to a few seconds. */
#ifndef ACME_POLL_FIRST_MS
#define ACME_POLL_FIRST_MS 50
#endif

#ifndef ACME_POLL_MAX_MS
#define ACME_POLL_MAX_MS 4000
#endif

/* Total time we wait for one authorization or order to settle, seconds. */
#ifndef ACME_POLL_TOTAL_S
#define ACME_POLL_TOTAL_S 300
#endif

/* Retry-After while polling an authorization or order is capped at this:
 * validation and finalization take seconds, so a CA asking for hours (or
 * 99999999 s) must not stall a run; rateLimited with --retry still waits
 * as the CA asks (up to an hour). */
#ifndef ACME_POLL_RETRY_AFTER_MAX_S
#define ACME_POLL_RETRY_AFTER_MAX_S 10
#endif

/* A challenge left pending with an error (smallstep CAs) is POSTed again
 * this many times, after 2, 4, 8, 16 s, then the run fails (exit 5):
 * about half a minute in all. */
#ifndef ACME_CHALL_RETRIES
#define ACME_CHALL_RETRIES 4
#endif

/* How long --dns-persist waits for the resolver to answer its check of the
 * record, milliseconds (the query is sent twice). */
#ifndef DNS_TIMEOUT_MS
#define DNS_TIMEOUT_MS 5000
#endif

/* Addresses of the CA's host tried in turn (AAAA then A records). */
#ifndef HTTP_MAX_ADDRS
#define HTTP_MAX_ADDRS 8
#endif

/* -vv shows at most this much of each reply body, then "... (N more
 * bytes)": enough for every ACME object, not a whole certificate chain. */
#ifndef VERBOSE_BODY_MAX
#define VERBOSE_BODY_MAX 2048
#endif

/* Largest file we read from the state directory or --ca-file. A full
 * system bundle is ~220 KB. */
#ifndef STORE_MAX_FILE
#define STORE_MAX_FILE (1024 * 1024)
#endif

/* renew from cron: random delay before contacting the CA, at most this
 * many seconds, so a fleet on the same cron minute spreads out. */
#ifndef RENEW_JITTER_S
#define RENEW_JITTER_S 300
#endif

/* A clock before this (seconds since the epoch; 2026-11-01, about when
 * this version was made) is a router without RTC that has not synced
 * yet: TLS and due decisions would go wrong, so nanoacme stops. Builds
 * may set it from SOURCE_DATE_EPOCH. */
#ifndef CLOCK_MIN_EPOCH
#define CLOCK_MIN_EPOCH 1793491200
#endif

/* --retry: first wait, and the longest single wait, seconds. */
#ifndef RETRY_FIRST_S
#define RETRY_FIRST_S 10
#endif

#ifndef RETRY_MAX_S
#define RETRY_MAX_S 600
#endif

#endif /* NANOACME_CONFIG_H */
