/* SPDX-License-Identifier: MIT */
/*
 * tls.h - the BearSSL profiles of nanoacme: what the ACME client offers
 * and verifies, and what the tls-alpn-01 responder answers with.
 *
 * Why a file of its own: the client (http.c) and the responder (alpn.c)
 * share the record ciphers, and each choice of suite, curve, hash and
 * implementation is a size/security trade-off best explained once, as
 * BearSSL's own ssl_client_full.c explains its profile. Nothing here
 * does I/O, prints or allocates.
 */
#ifndef NANOACME_TLS_H
#define NANOACME_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

/*
 * Sets the record ciphers of engine e: AES-GCM and ChaCha20-Poly1305,
 * one small constant-time implementation of each.
 */
void tls_ciphers(br_ssl_engine_context *e);

/*
 * Zeroes sc and xc and sets them up as the ACME client: TLS 1.2, ECDHE
 * with ECDSA or RSA certificates, AES-GCM or ChaCha20-Poly1305, X.509
 * validation against tas[0..tas_num) (kept by reference). The caller
 * sets the I/O buffer.
 */
void tls_client_profile(br_ssl_client_context *sc,
    br_x509_minimal_context *xc, const br_x509_trust_anchor *tas,
    size_t tas_num);

/*
 * Gives xc the validation time t (seconds since 1970, UTC) in 64 bits:
 * BearSSL's own time() call is 32-bit on 32-bit targets (2038).
 */
void tls_client_time(br_x509_minimal_context *xc, int64_t t);

/*
 * Zeroes sc and sets it up as the tls-alpn-01 responder (RFC 8737):
 * TLS 1.2 only, ECDHE_ECDSA with P-256 and SHA-256, the ALPN name
 * "acme-tls/1" required. The caller sets the policy and buffers.
 */
void tls_server_profile(br_ssl_server_context *sc);

#endif /* NANOACME_TLS_H */
