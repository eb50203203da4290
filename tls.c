/* SPDX-License-Identifier: MIT */
/*
 * tls.c - the BearSSL profiles (see tls.h), each choice explained.
 *
 * Both sides speak TLS 1.2 only: every ACME CA serves it (RFC 8555 §6.1
 * asks for TLS 1.2 or later), BearSSL has no TLS 1.3, and 1.0/1.1 are
 * deprecated (RFC 8996). Only forward-secret ECDHE suites with AEAD
 * records: no CBC (Lucky 13), no static RSA key exchange.
 */
#include "tls.h"

/* RFC 8737 §6.2: the ALPN protocol name of the challenge. */
static const char *alpn_names[] = { "acme-tls/1" };

/*
 * EC for ECDHE and ECDSA: P-256 through the fast p256_m31, P-384 and
 * P-521 through the generic prime_i31 (Let's Encrypt's ECDSA
 * intermediates are P-384). br_ec_all_m31 does the same but also links
 * Curve25519, which a TLS 1.2 client offering the NIST curves does
 * not need.
 */
static const br_ec_impl *
ec_pick(int curve)
{
	return curve == BR_EC_secp256r1 ? &br_ec_p256_m31 : &br_ec_prime_i31;
}

static const unsigned char *
ec_generator(int curve, size_t *len)
{
	return ec_pick(curve)->generator(curve, len);
}

static const unsigned char *
ec_order(int curve, size_t *len)
{
	return ec_pick(curve)->order(curve, len);
}

static size_t
ec_xoff(int curve, size_t *len)
{
	return ec_pick(curve)->xoff(curve, len);
}

static uint32_t
ec_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	return ec_pick(curve)->mul(g, glen, x, xlen, curve);
}

static size_t
ec_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	return ec_pick(curve)->mulgen(r, x, xlen, curve);
}

static uint32_t
ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return ec_pick(curve)->muladd(a, b, len, x, xlen, y, ylen, curve);
}

static const br_ec_impl ec_nist = {
	(uint32_t)1 << BR_EC_secp256r1 | (uint32_t)1 << BR_EC_secp384r1 |
	    (uint32_t)1 << BR_EC_secp521r1,
	ec_generator, ec_order, ec_xoff, ec_mul, ec_mulgen, ec_muladd
};

/* see tls.h */
void
tls_ciphers(br_ssl_engine_context *e)
{
	/* One constant-time implementation each, not the "default" sets,
	 * which link AES-NI, pclmul and table code too (8 KB static): ACME
	 * moves a few kilobytes, so speed does not matter, size does. The
	 * 64-bit forms on 64-bit CPUs, the 32-bit ones on routers. */
	br_ssl_engine_set_gcm(e, &br_sslrec_in_gcm_vtable,
	    &br_sslrec_out_gcm_vtable);
#if UINTPTR_MAX > 0xFFFFFFFFu
	br_ssl_engine_set_aes_ctr(e, &br_aes_ct64_ctr_vtable);
	br_ssl_engine_set_ghash(e, &br_ghash_ctmul64);
#else
	br_ssl_engine_set_aes_ctr(e, &br_aes_ct_ctr_vtable);
	br_ssl_engine_set_ghash(e, &br_ghash_ctmul32);
#endif
	br_ssl_engine_set_chapol(e, &br_sslrec_in_chapol_vtable,
	    &br_sslrec_out_chapol_vtable);
	br_ssl_engine_set_chacha20(e, &br_chacha20_ct_run);
	br_ssl_engine_set_poly1305(e, &br_poly1305_ctmul_run);
}

/*
 * What client and responder share: TLS 1.2 only (every ACME CA and
 * validator speaks it; 1.3 is not in BearSSL), the suites given, SHA-256
 * for handshake hash and PRF, and tls_ciphers()' implementations.
 */
static void
tls12(br_ssl_engine_context *e, const uint16_t *suites, size_t n)
{
	br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(e, suites, n);
	br_ssl_engine_set_hash(e, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_prf_sha256(e, &br_tls12_sha256_prf);
	tls_ciphers(e);
}

/* see tls.h */
void
tls_client_profile(br_ssl_client_context *sc, br_x509_minimal_context *xc,
    const br_x509_trust_anchor *tas, size_t tas_num)
{
	/* ECDSA first (smaller, what Let's Encrypt's E* chains use), then
	 * RSA (most CAs' TLS certificates); AES-128-GCM first, ChaCha20
	 * for CPUs without AES hardware, AES-256 for servers that insist.
	 * SHA-384 is there for the *_SHA384 suites and P-384 chains. */
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	};
	br_ssl_engine_context *e = &sc->eng;

	/* a small profile by hand instead of br_ssl_client_init_full():
	 * only what ACME CAs need, and the static binary stays small */
	br_ssl_client_zero(sc);
	tls12(e, suites, sizeof(suites) / sizeof(suites[0]));
	br_ssl_engine_set_hash(e, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha384(e, &br_tls12_sha384_prf);
	br_ssl_engine_set_ec(e, &ec_nist);
	/* i31: one big-integer family for ECDSA and RSA, constant-time */
	br_ssl_engine_set_ecdsa(e, &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_rsavrfy(e, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_init(xc, &br_sha256_vtable, tas, tas_num);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_rsa(xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(xc, &ec_nist, &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_x509(e, &xc->vtable);
}

/* see tls.h */
void
tls_client_time(br_x509_minimal_context *xc, int64_t t)
{
	int64_t days;

	if (t < 0) {
		t = 0;
	}
	/* 719528: days from 0000-01-01 to 1970-01-01, BearSSL's epoch */
	days = t / 86400 + 719528;
	br_x509_minimal_set_time(xc,
	    days > UINT32_MAX ? UINT32_MAX : (uint32_t)days,
	    (uint32_t)(t % 86400));
}

/* see tls.h */
void
tls_server_profile(br_ssl_server_context *sc)
{
	/* RFC 8737 §3 only asks for a handshake that shows the
	 * certificate: one suite family, with the key we make (P-256
	 * ECDSA), AES-GCM or ChaCha20 as the validator prefers. */
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
	};
	br_ssl_engine_context *e = &sc->eng;

	br_ssl_server_zero(sc);
	tls12(e, suites, sizeof(suites) / sizeof(suites[0]));
	/* P-256 only for ECDHE: every TLS client offers it */
	br_ssl_engine_set_ec(e, &br_ec_p256_m31);
	/* RFC 8737 §3: a client that does not offer acme-tls/1 is not a
	 * validator: fail the handshake rather than answer it */
	br_ssl_engine_set_protocol_names(e, alpn_names, 1);
	br_ssl_engine_add_flags(e, BR_OPT_FAIL_ON_ALPN_MISMATCH);
}
