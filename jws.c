/* SPDX-License-Identifier: MIT */
/*
 * jws.c - base64url, JWK, thumbprint, key authorization and ES256 JWS.
 * See jws.h for why this is a module of its own.
 */
#include "jws.h"

#include <stdint.h>
#include <string.h>

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* see jws.h */
void
b64url_add(struct sbuf *b, const void *in, size_t n)
{
	const unsigned char *s = in;
	char q[4];
	unsigned long v;
	size_t k, r;

	for (k = 0; k + 3 <= n; k += 3) {
		v = (unsigned long)s[k] << 16 | (unsigned long)s[k + 1] << 8 |
		    s[k + 2];
		q[0] = b64url_alphabet[(v >> 18) & 63];
		q[1] = b64url_alphabet[(v >> 12) & 63];
		q[2] = b64url_alphabet[(v >> 6) & 63];
		q[3] = b64url_alphabet[v & 63];
		sbuf_add(b, q, 4);
	}
	r = n - k;
	if (r > 0) {
		v = (unsigned long)s[k] << 16;
		if (r == 2) {
			v |= (unsigned long)s[k + 1] << 8;
		}
		q[0] = b64url_alphabet[(v >> 18) & 63];
		q[1] = b64url_alphabet[(v >> 12) & 63];
		q[2] = b64url_alphabet[(v >> 6) & 63];
		sbuf_add(b, q, r + 1);
	}
}

/* see jws.h */
int
b64url_encode(const void *in, size_t n, char *out, size_t cap,
    size_t *out_len)
{
	struct sbuf b;

	if (n > (SIZE_MAX - 4) / 4 * 3 || cap < B64URL_LEN(n) + 1) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	b64url_add(&b, in, n);
	if (b.err != 0) {
		return -1;
	}
	if (out_len != NULL) {
		*out_len = b.len;
	}
	return 0;
}

/* Value of one base64url character, or -1. */
static int
b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '-') {
		return 62;
	}
	if (c == '_') {
		return 63;
	}
	return -1;
}

/* see jws.h */
int
b64url_is_token(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (b64url_val(s[k]) < 0) {
			return 0;
		}
	}
	return n > 0;
}

/* see jws.h */
int
b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap,
    size_t *out_len)
{
	unsigned long acc = 0;
	size_t k, len = 0;
	int bits = 0, v;

	if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > cap) {
		return -1;
	}
	for (k = 0; k < n; k++) {
		if ((v = b64url_val(in[k])) < 0) {
			return -1;
		}
		acc = (acc << 6 | (unsigned long)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
		}
	}
	/* RFC 4648 §3.5: the unused low bits must be zero (canonical). */
	if ((acc & ((1UL << bits) - 1)) != 0) {
		return -1;
	}
	*out_len = len;
	return 0;
}

/* True if pk is an uncompressed P-256 point. */
static int
is_p256_point(const br_ec_public_key *pk)
{
	return pk->curve == BR_EC_secp256r1 && pk->qlen == 65 &&
	    pk->q[0] == 0x04;
}

/* see jws.h */
int
jws_jwk(const br_ec_public_key *pk, struct sbuf *b)
{
	if (!is_p256_point(pk)) {
		return -1;
	}
	/* RFC 7638 §3.2: required members only, sorted, no white space. */
	sbuf_adds(b, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
	b64url_add(b, pk->q + 1, 32);
	sbuf_adds(b, "\",\"y\":\"");
	b64url_add(b, pk->q + 33, 32);
	sbuf_adds(b, "\"}");
	return b->err != 0 ? -1 : 0;
}

/* base64url(SHA-256(s[0..n))) into out[JWS_THUMB_LEN]. */
static int
b64url_sha256(const void *s, size_t n, char out[JWS_THUMB_LEN])
{
	br_sha256_context h;
	unsigned char d[32];

	br_sha256_init(&h);
	br_sha256_update(&h, s, n);
	br_sha256_out(&h, d);
	return b64url_encode(d, sizeof(d), out, JWS_THUMB_LEN, NULL);
}

/* see jws.h */
int
jws_thumbprint(const br_ec_public_key *pk, char out[JWS_THUMB_LEN])
{
	char buf[160];
	struct sbuf b;

	sbuf_init(&b, buf, sizeof(buf));
	if (jws_jwk(pk, &b) != 0) {
		return -1;
	}
	return b64url_sha256(b.p, b.len, out);
}

/* see jws.h */
int
jws_key_authz(const char *token, const char *thumb, char *out, size_t cap)
{
	struct sbuf b;

	if (!b64url_is_token(token, strlen(token))) {
		return -1;
	}
	sbuf_init(&b, out, cap);
	sbuf_adds(&b, token);
	sbuf_adds(&b, ".");
	sbuf_adds(&b, thumb);
	return b.err != 0 ? -1 : 0;
}

/* see jws.h */
int
jws_dns_digest(const char *keyauth, char out[JWS_THUMB_LEN])
{
	return b64url_sha256(keyauth, strlen(keyauth), out);
}

/* Builds the protected header of jws_sign() into b. */
static int
jws_header(const br_ec_public_key *pk, const char *kid, const char *nonce,
    const char *url, struct sbuf *b)
{
	sbuf_adds(b, "{\"alg\":\"ES256\",");
	if (kid == NULL) {
		sbuf_adds(b, "\"jwk\":");
		if (jws_jwk(pk, b) != 0) {
			return -1;
		}
	} else {
		sbuf_adds(b, "\"kid\":");
		json_add_str(b, kid, strlen(kid));
	}
	if (nonce != NULL) {
		sbuf_adds(b, ",\"nonce\":");
		json_add_str(b, nonce, strlen(nonce));
	}
	sbuf_adds(b, ",\"url\":");
	json_add_str(b, url, strlen(url));
	sbuf_adds(b, "}");
	return b->err != 0 ? -1 : 0;
}

/*
 * Opens a flattened JWS (RFC 7515 §7.2.2) in b: {"protected":"B64(hdr)",
 * "payload":"B64(payload)", and gives where the signing input lies in
 * b (§5.1: b64(protected) '.' b64(payload)): in[0], in[1] offset and
 * length of the first part, in[2], in[3] of the second. 0 or -1.
 */
static int
jws_open(struct sbuf *b, const char *hdr, size_t hlen, const char *payload,
    size_t plen, size_t in[4])
{
	sbuf_adds(b, "{\"protected\":\"");
	in[0] = b->len;
	b64url_add(b, hdr, hlen);
	in[1] = b->len - in[0];
	sbuf_adds(b, "\",\"payload\":\"");
	in[2] = b->len;
	b64url_add(b, payload, plen);
	in[3] = b->len - in[2];
	return b->err != 0 ? -1 : 0;
}

/* Closes the JWS of jws_open() with signature sig[0..n). 0 or -1. */
static int
jws_close(struct sbuf *b, const unsigned char *sig, size_t n)
{
	sbuf_adds(b, "\",\"signature\":\"");
	b64url_add(b, sig, n);
	sbuf_adds(b, "\"}");
	return b->err != 0 ? -1 : 0;
}

/* see jws.h */
int
jws_sign(const br_ec_private_key *sk, const br_ec_public_key *pk,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, struct sbuf *b)
{
	char hdr[2048];
	struct sbuf h;
	br_sha256_context sha;
	unsigned char digest[32], sig[64];
	size_t in[4];

	sbuf_init(&h, hdr, sizeof(hdr));
	if (sk->curve != BR_EC_secp256r1 || jws_header(pk, kid, nonce, url,
	    &h) != 0) {
		return -1;
	}
	if (jws_open(b, h.p, h.len, payload, plen, in) != 0) {
		return -1;
	}
	br_sha256_init(&sha);
	br_sha256_update(&sha, b->p + in[0], in[1]);
	br_sha256_update(&sha, ".", 1);
	br_sha256_update(&sha, b->p + in[2], in[3]);
	br_sha256_out(&sha, digest);
	/* RFC 7518 §3.4: ES256 is the raw 64-byte r||s, not DER. */
	if (br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, digest,
	    sk, sig) != sizeof(sig)) {
		return -1;
	}
	return jws_close(b, sig, sizeof(sig));
}

/* see jws.h */
int
jws_eab(const char *kid, const unsigned char *mac, size_t mac_len,
    int bits, const char *url, const br_ec_public_key *pk, struct sbuf *b)
{
	const br_hash_class *h = bits == 512 ? &br_sha512_vtable :
	    bits == 384 ? &br_sha384_vtable : &br_sha256_vtable;
	char hdr[1024], jwk[160];
	struct sbuf hb, kb;
	br_hmac_key_context kc;
	br_hmac_context hc;
	unsigned char tag[64];
	size_t in[4], n;

	sbuf_init(&hb, hdr, sizeof(hdr));
	sbuf_init(&kb, jwk, sizeof(jwk));
	sbuf_adds(&hb, bits == 512 ? "{\"alg\":\"HS512\",\"kid\":" :
	    bits == 384 ? "{\"alg\":\"HS384\",\"kid\":" :
	    "{\"alg\":\"HS256\",\"kid\":");
	json_add_str(&hb, kid, strlen(kid));
	sbuf_adds(&hb, ",\"url\":");
	json_add_str(&hb, url, strlen(url));
	sbuf_adds(&hb, "}");
	if (hb.err != 0 || jws_jwk(pk, &kb) != 0 ||
	    (bits != 256 && bits != 384 && bits != 512)) {
		return -1;
	}
	if (jws_open(b, hb.p, hb.len, kb.p, kb.len, in) != 0) {
		return -1;
	}
	br_hmac_key_init(&kc, h, mac, mac_len);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, b->p + in[0], in[1]);
	br_hmac_update(&hc, ".", 1);
	br_hmac_update(&hc, b->p + in[2], in[3]);
	n = br_hmac_out(&hc, tag);
	jws_close(b, tag, n);
	memset(&kc, 0, sizeof(kc));
	memset(&hc, 0, sizeof(hc));
	return b->err != 0 ? -1 : 0;
}
