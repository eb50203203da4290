/* SPDX-License-Identifier: MIT */
/*
 * tacache.h - the decoded trust anchors of a CA bundle, cached in the
 * state directory, so that a run trusting the system bundle does not
 * decode ~140 certificates again each time.
 *
 * Why a cache, not "decode only the anchors the server's chain names":
 * BearSSL's X.509 engine takes its anchors before the handshake; picking
 * them from the chain would mean holding the whole chain and replaying
 * it into a second engine inside http.c, and still reading and
 * base64-decoding the whole bundle on every run. A cache costs one pass
 * of FNV-1a over the bundle (~1 M instructions for 215 KB, against ~380 M
 * to decode it) and touches nothing but load_anchors() in acme.c.
 *
 * Why the key is the bundle's length and FNV-1a, not its SHA-256: it
 * must notice any change of the bundle, not resist forgery. Whoever can
 * write the bundle decides what is trusted anyway, and whoever can write
 * the cache (STATE, 0700, beside the account key) can give it any key,
 * of any hash. SHA-256 of 215 KB costs 12.5 M instructions with Debian's
 * BearSSL, 30% of a whole `nanoacme account`: alone it would break the
 * goal of at most 1.3 times the cost of a run with one CA file.
 *
 * Why separate: the cache is read back from flash, where it can rot or
 * be edited; it must never make nanoacme trust what the bundle does not
 * hold. Its file starts with a header (magic, version, the bundle's key,
 * anchor count, body length), every length inside is checked, and an
 * FNV-1a checksum over the whole file catches any one flipped byte. A
 * cache of another bundle, or of an older copy of the same one, a
 * damaged or truncated one: each is refused, the bundle is decoded and
 * the cache written again (atomically, through store.c). Nothing here
 * prints.
 */
#ifndef NANOACME_TACACHE_H
#define NANOACME_TACACHE_H

#include <stddef.h>

#include <bearssl.h>

#include "x509.h"

/*
 * Bundles smaller than this are decoded on every run, with no cache
 * file: 8 KB is about four CAs, ~10 M instructions at most, and a state
 * directory used with one CA file (-c) stays as it was.
 */
#define TACACHE_MIN_BUNDLE 8192

/* Bytes of the cache header and of the checksum trailer. */
#define TACACHE_HDR_LEN 32
#define TACACHE_SUM_LEN 8

/* Bytes of the cache file of anchors ta[0..n), or 0 if over 4 GB. */
size_t tacache_size(const br_x509_trust_anchor *ta, size_t n);

/* The key of bundle text[0..len): its length and FNV-1a (64 bits). */
void tacache_key(const void *text, size_t len, unsigned char key[16]);

/* tacache_key() of the bytes of file path, read in small pieces (no
 * copy of the bundle in memory). Returns 0 or -1 (errno). */
int tacache_key_file(const char *path, unsigned char key[16]);

/*
 * Writes the cache file of anchors ta[0..n) of the bundle whose key is
 * key into out[0..cap). Returns 0 with *len set, or -1 (cap too small,
 * a length over 65535, a key type other than RSA/EC).
 */
int tacache_encode(const br_x509_trust_anchor *ta, size_t n,
    const unsigned char key[16], unsigned char *out, size_t cap,
    size_t *len);

/*
 * Decodes cache file buf[0..len) into a (one heap block that the
 * anchors point into: anchors_free())
 * if it is whole and undamaged and was made from the bundle whose key
 * is key. Returns 0, or -1 with nothing allocated.
 */
int tacache_decode(struct anchors *a, const unsigned char *buf,
    size_t len, const unsigned char key[16]);

/* What tacache_load() did. */
enum tacache_how {
	TACACHE_HIT,        /* anchors from a valid cache */
	TACACHE_BUILT,      /* bundle decoded, cache written */
	TACACHE_UNSAVED,    /* bundle decoded, cache could not be written */
	TACACHE_DIRECT,     /* small bundle decoded, no cache */
	TACACHE_EREAD,      /* the bundle cannot be read (errno) */
	TACACHE_ENONE       /* no usable CA certificate in the bundle */
};

/*
 * The anchors of PEM bundle file bundle into a (anchors_free()): from
 * its cache dir/<16 hex digits: FNV-1a of the path>.ta when that is a
 * valid cache of the bundle's current bytes, else decoded from the
 * bundle (anchors_load()) and the cache rewritten (dir made 0700 if
 * missing); a bundle under TACACHE_MIN_BUNDLE bytes is decoded with no
 * cache. The cache is named after the bundle's path, so an updated
 * bundle replaces its old cache rather than adding one. *how says which. Returns 0, or -1 (TACACHE_EREAD with
 * errno, TACACHE_ENONE) with nothing allocated.
 */
int tacache_load(struct anchors *a, const char *bundle, const char *dir,
    enum tacache_how *how);

#endif /* NANOACME_TACACHE_H */
