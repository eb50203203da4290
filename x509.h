/* SPDX-License-Identifier: MIT */
/*
 * x509.h - reading certificates: the trust anchors of --ca-file, and a
 * small DER walk over the certificates the CA sends us.
 *
 * Why separate: a certificate is untrusted input with its own grammar
 * (DER). The walk reads exactly what nanoacme decides on (validity
 * dates, names, key, serial, issuer) with every length checked, without
 * OpenSSL. BearSSL's decoders do the anchors and signatures; the walk
 * covers what BearSSL does not expose (subjectAltName, dates).
 */
#ifndef NANOACME_X509_H
#define NANOACME_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "pem.h"

/* Trust anchors decoded from a PEM bundle (heap: anchors_free()). */
struct anchors {
	br_x509_trust_anchor *ta;
	size_t n;
	void *block;    /* if not NULL, ta and all they point to live in
	                   this one allocation (tacache.c), else each part
	                   is its own (anchors_load()) */
};

/*
 * Decodes every CERTIFICATE object of pem[0..len) into a trust anchor
 * (subject DN and public key; CA flag from basicConstraints). Objects
 * BearSSL cannot decode are skipped; *skipped (may be NULL) counts them.
 * Returns 0 with at least one anchor, or -1 (none, malformed PEM, or out
 * of memory; nothing left allocated).
 */
int anchors_load(struct anchors *a, const char *pem, size_t len,
    size_t *skipped);

/* Frees what anchors_load() allocated. Idempotent. */
void anchors_free(struct anchors *a);

/* Slices of one certificate, pointing into the DER it was parsed from. */
struct x509_cert {
	const unsigned char *serial;       /* INTEGER value bytes */
	size_t serial_len;
	const unsigned char *issuer;       /* issuer Name, whole TLV */
	size_t issuer_len;
	const unsigned char *spki;         /* SubjectPublicKeyInfo TLV */
	size_t spki_len;
	const unsigned char *san;          /* GeneralNames value, or NULL */
	size_t san_len;
	const unsigned char *aki;          /* authorityKeyIdentifier
	                                      keyIdentifier, or NULL */
	size_t aki_len;
	const unsigned char *subject;      /* subject Name, whole TLV */
	size_t subject_len;
	int64_t not_before;                /* seconds since the epoch */
	int64_t not_after;
};

/*
 * Walks the DER certificate der[0..len): strict definite-length DER,
 * every length checked against its container. Returns 0 or -1.
 */
int x509_parse(const unsigned char *der, size_t len, struct x509_cert *c);

/*
 * Walks a DER PKCS#10 request der[0..len) (RFC 2986): fills the subject,
 * spki and san (from the extensionRequest attribute) of c; the other
 * fields stay empty. The signature is the CA's to check. Returns 0 or -1.
 */
int x509_parse_csr(const unsigned char *der, size_t len,
    struct x509_cert *c);

/*
 * Lists the names of c: every dNSName and iPAddress (as text) of its
 * subjectAltName, or the subject's commonName when it has none. The
 * strings go to buf[0..cap), pointers to names[0..max). Returns 0 with
 * *n set, or -1 (nothing usable, a name that is not printable ASCII, or
 * too many).
 */
int x509_names(const struct x509_cert *c, char *buf, size_t cap,
    const char **names, size_t max, size_t *n);

/*
 * True if c's subjectAltName lists name (DNS names compared without
 * regard to ASCII case, IP literals by their binary value).
 */
bool x509_has_name(const struct x509_cert *c, const char *name);

/* True if c's subjectAltName lists the address ip[0..len) (4 or 16). */
bool x509_has_ip(const struct x509_cert *c, const unsigned char *ip,
    size_t len);

/*
 * Copies the commonName of c's issuer into out[0..cap) (NUL-terminated,
 * printable ASCII only). Returns 0, or -1 if there is none or it does
 * not fit.
 */
int x509_issuer_cn(const struct x509_cert *c, char *out, size_t cap);

/* True if c certifies public key k (same P-256 point). */
bool x509_has_key(const struct x509_cert *c, const struct ec_key *k);

#endif /* NANOACME_X509_H */
