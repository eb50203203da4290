/* SPDX-License-Identifier: MIT */
/*
 * jws.h - base64url, the JWK of a P-256 key, its RFC 7638 thumbprint,
 * ACME key authorizations, and flattened ES256 JWS (RFC 7515, RFC 8555
 * §6.2).
 *
 * Why separate: this is the cryptographic envelope of every ACME
 * request, and it is pure computation: no sockets, files, stdio or
 * globals, so it is tested against known answers and an openssl referee.
 * Keys are BearSSL's own structures; callers own every buffer.
 */
#ifndef NANOACME_JWS_H
#define NANOACME_JWS_H

#include <stddef.h>

#include <bearssl.h>

#include "json.h"

/* Characters of the unpadded base64url form of n bytes. */
#define B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : (n) % 3 + 1))

/* A thumbprint: base64url of a SHA-256 digest, 43 characters + NUL. */
#define JWS_THUMB_LEN 44

/*
 * Encodes in[0..n) as base64url without padding into out[0..cap),
 * NUL-terminated; *out_len (may be NULL) gets B64URL_LEN(n).
 * Returns 0, or -1 if cap < B64URL_LEN(n) + 1.
 */
int b64url_encode(const void *in, size_t n, char *out, size_t cap,
    size_t *out_len);

/* Appends the base64url form of in[0..n) to b. */
void b64url_add(struct sbuf *b, const void *in, size_t n);

/*
 * Decodes unpadded base64url in[0..n) into out[0..cap). Rejects padding,
 * other alphabets, whitespace, a length of 1 mod 4 and non-zero unused
 * bits. Returns 0 with *out_len set, or -1.
 */
int b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap,
    size_t *out_len);

/* True if s[0..n) is non-empty and only base64url characters. */
int b64url_is_token(const char *s, size_t n);

/*
 * Appends the JWK of P-256 public key pk with its members in RFC 7638
 * order: {"crv":"P-256","kty":"EC","x":"...","y":"..."}. Returns 0, or
 * -1 if pk is not an uncompressed P-256 point.
 */
int jws_jwk(const br_ec_public_key *pk, struct sbuf *b);

/* RFC 7638 thumbprint of pk into out[JWS_THUMB_LEN]. Returns 0 or -1. */
int jws_thumbprint(const br_ec_public_key *pk, char out[JWS_THUMB_LEN]);

/*
 * RFC 8555 §8.1 key authorization "token.thumbprint" into out[0..cap).
 * token must be base64url. Returns 0 or -1.
 */
int jws_key_authz(const char *token, const char *thumb, char *out,
    size_t cap);

/*
 * RFC 8555 §8.4: base64url(SHA-256(key authorization)), the TXT record
 * value of dns-01, into out[JWS_THUMB_LEN]. Returns 0 or -1.
 */
int jws_dns_digest(const char *keyauth, char out[JWS_THUMB_LEN]);

/*
 * Writes a flattened JWS signed with ES256 into b:
 * {"protected":"..","payload":"..","signature":".."}
 * with protected header {"alg":"ES256", "jwk":{..} | "kid":"..",
 * "nonce":"..", "url":".."}: jwk when kid is NULL (newAccount, RFC 8555
 * §6.2), kid otherwise. payload[0..plen) is signed as given; plen 0 gives
 * "payload":"" (POST-as-GET). nonce may be NULL (no nonce member, used
 * for the inner JWS of keyChange). The signature is raw r||s (64 bytes).
 * Returns 0, or -1 on a bad key or when b overflows (b->err).
 */
int jws_sign(const br_ec_private_key *sk, const br_ec_public_key *pk,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, struct sbuf *b);

/*
 * Appends the externalAccountBinding JWS of RFC 8555 §7.3.4 to b: a
 * flattened JWS whose protected header is {"alg":"HS256"|"HS384"|
 * "HS512","kid":kid,"url":url}, whose payload is the JWK of pk, MACed
 * with mac[0..mac_len) (the CA's key, base64url-decoded by the caller).
 * bits is 256, 384 or 512. Returns 0 or -1.
 */
int jws_eab(const char *kid, const unsigned char *mac, size_t mac_len,
    int bits, const char *url, const br_ec_public_key *pk, struct sbuf *b);

#endif /* NANOACME_JWS_H */
