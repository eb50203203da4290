/* SPDX-License-Identifier: MIT */
/*
 * pem.h - ECDSA P-256 keys, PEM encoding and decoding, and the PKCS#10
 * certificate signing request, all on BearSSL.
 *
 * Why separate: these are the local cryptographic objects nanoacme
 * creates and stores (account and certificate keys, the CSR). Keeping
 * them here keeps acme.c free of DER and BearSSL key plumbing. Nothing
 * here prints, touches the network or keeps global state.
 */
#ifndef NANOACME_PEM_H
#define NANOACME_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "json.h"

/*
 * A P-256 key pair. sk and pk point into d and q of the same struct, so
 * a struct ec_key must not be copied with memcpy (use the functions).
 * Wipe it with key_wipe() when done.
 */
struct ec_key {
	unsigned char d[32];
	unsigned char q[65];
	br_ec_private_key sk;
	br_ec_public_key pk;
};

/*
 * Generates a new key from the kernel RNG (getrandom(), which blocks
 * until the pool is initialised: a freshly booted router never gets a
 * key from a predictable state). Returns 0 or -1 (errno kept).
 */
int key_generate(struct ec_key *k);

/*
 * Reads a P-256 private key from PEM text pem[0..len): "EC PRIVATE KEY"
 * (SEC1) or "PRIVATE KEY" (PKCS#8), the first such object. Other curves
 * and RSA are refused. Returns 0 or -1.
 */
int key_from_pem(struct ec_key *k, const char *pem, size_t len);

/* Appends k as an "EC PRIVATE KEY" PEM object to b. Returns 0 or -1. */
int key_to_pem(const struct ec_key *k, struct sbuf *b);

/* Zeroes k in a way the compiler may not optimise away. */
void key_wipe(struct ec_key *k);

/* True if a and b are the same public point. */
bool key_pub_eq(const br_ec_public_key *a, const br_ec_public_key *b);

/* True if spki[0..len) is the SubjectPublicKeyInfo DER of k's key. */
bool key_spki_eq(const struct ec_key *k, const unsigned char *spki,
    size_t len);

/* Bytes a CSR needs at most for n names of total length names_len. */
#define CSR_MAX_LEN(n, names_len) (512 + 24 * (n) + (names_len))

/*
 * Builds a DER PKCS#10 CSR (RFC 2986) for names[0..n) signed with k
 * (ecdsa-with-SHA256): every name goes in one subjectAltName extension
 * request (dNSName, or iPAddress for IPv4/IPv6 literals); the subject is
 * CN=names[0] when that is a DNS name of at most 64 characters, else
 * empty. Returns 0 with *len set, or -1 (bad name, or cap too small).
 */
int csr_build(const struct ec_key *k, const char *const *names, size_t n,
    unsigned char *der, size_t cap, size_t *len);

/*
 * Builds the self-signed certificate of a tls-alpn-01 answer (RFC 8737
 * §3, RFC 8738 §6): subjectAltName = ident (dNSName, or iPAddress for an
 * IP literal), the critical acmeIdentifier extension holding digest (the
 * SHA-256 of the key authorization), key k, valid from a day before now
 * for a week, signed ecdsa-with-SHA256. Returns 0 with *len, or -1.
 */
int cert_build_alpn(const struct ec_key *k, const char *ident,
    const unsigned char digest[32], int64_t now, unsigned char *der,
    size_t cap, size_t *len);

/* Appends der[0..len) as a PEM object called banner to b (64-column). */
int pem_encode(const char *banner, const void *der, size_t len,
    struct sbuf *b);

/*
 * Iterates over the PEM objects of text[0..len), from *pos (start at 0):
 * decodes the next object into der[0..cap), its name (e.g. "CERTIFICATE")
 * into name[0..name_cap). Returns 1 with the object, 0 when no object is
 * left (text after the last END line is ignored), -1 on a malformed
 * object or one that does not fit.
 */
int pem_next(const char *text, size_t len, size_t *pos, char *name,
    size_t name_cap, unsigned char *der, size_t cap, size_t *der_len);

/* Days in month mo (1..12) of year y (proleptic Gregorian calendar). */
int month_days(int y, int mo);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian calendar). */
int64_t date_days(int64_t y, int m, int d);

/* Splits t (seconds since the epoch, >= 0) into UTC year, month, day,
 * hour, minute, second: no gmtime(), whose time zone code is 5 KB. */
void date_split(int64_t t, int64_t f[6]);

/* What a name given on the command line is (RFC 8555 §9.7.7, RFC 8738). */
enum name_kind {
	NAME_BAD = -1,
	NAME_DNS = 0,      /* host name, or "*." + host name (wildcard) */
	NAME_IP = 1        /* IPv4 or IPv6 literal */
};

/*
 * Classifies name (NUL-terminated): a DNS name is 1..253 characters of
 * dot-separated labels of 1..63 letters, digits and inner hyphens, at
 * least two labels, the last not all digits (so "127.1" is no name),
 * optionally "*." in front; an IP literal is anything
 * inet_pton() accepts as AF_INET or AF_INET6, whose binary form goes to
 * ip[16] with *ip_len 4 or 16 (both may be NULL).
 */
enum name_kind name_classify(const char *name, unsigned char ip[16],
    size_t *ip_len);

/* Why name is neither a DNS name nor an IP literal, as a phrase for a
 * message ("a label longer than 63 characters"), or NULL if it is one. */
const char *name_why(const char *name);

/*
 * Writes the text form of IPv4 (len 4) or IPv6 (len 16) address ip into
 * out[0..cap) (RFC 5952 for IPv6: lowercase, longest zero run as "::").
 * Returns 0, or -1 for another length or a cap under 46. Our own, as
 * musl's inet_ntop() links all of printf.
 */
int ip_text(const unsigned char *ip, size_t len, char *out, size_t cap);

#endif /* NANOACME_PEM_H */
