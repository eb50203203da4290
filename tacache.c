/* SPDX-License-Identifier: MIT */
/*
 * tacache.c - the cache of decoded trust anchors. See tacache.h for the
 * checks and why this is a module of its own.
 *
 * File: header "NATA", version (4 bytes), the bundle's key (16: its
 * length and FNV-1a, 8 bytes each), anchor count (4), body length (4);
 * body: per anchor flags, key type, curve, 0 (1 byte each), DN length,
 * key length 1 and 2 (2 bytes each: RSA n and e; EC q and 0), then the
 * DN and key bytes; trailer: FNV-1a of everything before it (8 bytes).
 * Numbers are big-endian.
 */
#include "tacache.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fmt.h"
#include "store.h"

#define TACACHE_VERSION 1
#define REC_LEN 10              /* fixed part of one anchor */
#define FNV0 0xCBF29CE484222325u

static const unsigned char magic[4] = { 'N', 'A', 'T', 'A' };

static void
put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put32(unsigned char *p, size_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xFFFF);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (size_t)(v >> 32));
	put32(p + 4, (size_t)(v & 0xFFFFFFFFu));
}

static size_t
get16(const unsigned char *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t
get32(const unsigned char *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/*
 * FNV-1a (64 bits) of p[0..n), continued from h (FNV0 to start). Any
 * one changed byte changes it: each step is a bijection of the state.
 */
static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *q = p;

	while (n-- > 0) {
		h = (h ^ *q++) * 0x100000001B3u;
	}
	return h;
}

/* see tacache.h */
void
tacache_key(const void *text, size_t len, unsigned char key[16])
{
	put64(key, (uint64_t)len);
	put64(key + 8, fnv1a(FNV0, text, len));
}

/* The two key parts of ta (RSA n, e; EC q and none) and its curve. */
static void
key_parts(const br_x509_trust_anchor *ta, const unsigned char **k1,
    size_t *l1, const unsigned char **k2, size_t *l2, int *curve)
{
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		*k1 = ta->pkey.key.rsa.n;
		*l1 = ta->pkey.key.rsa.nlen;
		*k2 = ta->pkey.key.rsa.e;
		*l2 = ta->pkey.key.rsa.elen;
		*curve = 0;
	} else {
		*k1 = ta->pkey.key.ec.q;
		*l1 = ta->pkey.key.ec.qlen;
		*k2 = NULL;
		*l2 = 0;
		*curve = ta->pkey.key.ec.curve;
	}
}

/* see tacache.h */
size_t
tacache_size(const br_x509_trust_anchor *ta, size_t n)
{
	const unsigned char *k1, *k2;
	size_t k, l1, l2, total = TACACHE_HDR_LEN + TACACHE_SUM_LEN;
	int curve;

	for (k = 0; k < n; k++) {
		key_parts(&ta[k], &k1, &l1, &k2, &l2, &curve);
		/* each part is at most 65535 bytes (checked when encoding) */
		if (l1 > 0xFFFF || l2 > 0xFFFF || ta[k].dn.len > 0xFFFF ||
		    total > 0xFFFFFFFFu - REC_LEN - 3 * 0xFFFF) {
			return 0;
		}
		total += REC_LEN + ta[k].dn.len + l1 + l2;
	}
	return total;
}

/* see tacache.h */
int
tacache_encode(const br_x509_trust_anchor *ta, size_t n,
    const unsigned char key[16], unsigned char *out, size_t cap,
    size_t *len)
{
	const unsigned char *k1, *k2;
	size_t k, l1, l2, pos = TACACHE_HDR_LEN, size = tacache_size(ta, n);
	int curve;

	if (size == 0 || size > cap) {
		return -1;
	}
	memcpy(out, magic, 4);
	put32(out + 4, TACACHE_VERSION);
	memcpy(out + 8, key, 16);
	put32(out + 24, n);
	put32(out + 28, size - TACACHE_HDR_LEN - TACACHE_SUM_LEN);
	for (k = 0; k < n; k++) {
		key_parts(&ta[k], &k1, &l1, &k2, &l2, &curve);
		if ((ta[k].pkey.key_type != BR_KEYTYPE_RSA &&
		    ta[k].pkey.key_type != BR_KEYTYPE_EC) ||
		    (ta[k].flags & ~(unsigned)BR_X509_TA_CA) != 0 ||
		    curve < 0 || curve > 255) {
			return -1;
		}
		out[pos] = (unsigned char)ta[k].flags;
		out[pos + 1] = ta[k].pkey.key_type;
		out[pos + 2] = (unsigned char)curve;
		out[pos + 3] = 0;
		put16(out + pos + 4, ta[k].dn.len);
		put16(out + pos + 6, l1);
		put16(out + pos + 8, l2);
		pos += REC_LEN;
		memcpy(out + pos, ta[k].dn.data, ta[k].dn.len);
		pos += ta[k].dn.len;
		memcpy(out + pos, k1, l1);
		pos += l1;
		if (l2 > 0) {
			memcpy(out + pos, k2, l2);
			pos += l2;
		}
	}
	put64(out + pos, fnv1a(FNV0, out, pos));
	*len = pos + TACACHE_SUM_LEN;
	return 0;
}

/*
 * Reads the record at p[0..avail) into ta, pointing into p. Returns the
 * bytes it takes, or 0 (malformed).
 */
static size_t
rec_decode(br_x509_trust_anchor *ta, unsigned char *p, size_t avail)
{
	size_t dn, l1, l2;

	if (avail < REC_LEN) {
		return 0;
	}
	dn = get16(p + 4);
	l1 = get16(p + 6);
	l2 = get16(p + 8);
	if ((p[0] & ~BR_X509_TA_CA) != 0 || p[3] != 0 || dn == 0 ||
	    l1 == 0 || dn + l1 + l2 > avail - REC_LEN ||
	    (p[1] == BR_KEYTYPE_RSA ? p[2] != 0 || l2 == 0 :
	    p[1] != BR_KEYTYPE_EC || p[2] == 0 || l2 != 0)) {
		return 0;
	}
	memset(ta, 0, sizeof(*ta));
	ta->flags = p[0];
	ta->pkey.key_type = p[1];
	ta->dn.data = p + REC_LEN;
	ta->dn.len = dn;
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = p + REC_LEN + dn;
		ta->pkey.key.rsa.nlen = l1;
		ta->pkey.key.rsa.e = p + REC_LEN + dn + l1;
		ta->pkey.key.rsa.elen = l2;
	} else {
		ta->pkey.key.ec.curve = p[2];
		ta->pkey.key.ec.q = p + REC_LEN + dn;
		ta->pkey.key.ec.qlen = l1;
	}
	return REC_LEN + dn + l1 + l2;
}

/* see tacache.h */
int
tacache_decode(struct anchors *a, const unsigned char *buf, size_t len,
    const unsigned char key[16])
{
	unsigned char sum[8], *body;
	size_t k, n, blen, pos = 0, used;

	a->ta = NULL;
	a->n = 0;
	a->block = NULL;
	if (len < TACACHE_HDR_LEN + TACACHE_SUM_LEN ||
	    memcmp(buf, magic, 4) != 0 ||
	    get32(buf + 4) != TACACHE_VERSION ||
	    memcmp(buf + 8, key, 16) != 0) {
		return -1;
	}
	n = get32(buf + 24);
	blen = get32(buf + 28);
	put64(sum, fnv1a(FNV0, buf, len - TACACHE_SUM_LEN));
	/* n bounded by the body before malloc(): no huge allocation */
	if (blen != len - TACACHE_HDR_LEN - TACACHE_SUM_LEN || n == 0 ||
	    n > blen / REC_LEN ||
	    n > (SIZE_MAX - blen) / sizeof(*a->ta) ||
	    memcmp(sum, buf + len - TACACHE_SUM_LEN, 8) != 0) {
		return -1;
	}
	/* one block: the anchors, then the body they point into */
	if ((a->block = malloc(n * sizeof(*a->ta) + blen)) == NULL) {
		return -1;
	}
	a->ta = a->block;
	body = (unsigned char *)a->block + n * sizeof(*a->ta);
	memcpy(body, buf + TACACHE_HDR_LEN, blen);
	a->n = n;
	for (k = 0; k < n; k++) {
		if ((used = rec_decode(&a->ta[k], body + pos, blen - pos))
		    == 0) {
			break;
		}
		pos += used;
	}
	if (k < n || pos != blen) {
		anchors_free(a);
		return -1;
	}
	return 0;
}

/* see tacache.h */
int
tacache_key_file(const char *path, unsigned char key[16])
{
	unsigned char buf[2048];
	uint64_t h = FNV0, len = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno != EINTR) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r > 0) {
			h = fnv1a(h, buf, (size_t)r);
			len += (uint64_t)r;
		}
	}
	close(fd);
	put64(key, len);
	put64(key + 8, h);
	return 0;
}

/* dir/<FNV-1a of the path bundle, 16 hex digits>.ta into out. */
static int
cache_path(char *out, const char *dir, const char *bundle)
{
	uint64_t h = fnv1a(FNV0, bundle, strlen(bundle));
	int n = fmt_s(out, STORE_PATH_MAX, "%s/%08lx%08lx.ta", dir,
	    (unsigned long)(h >> 32), (unsigned long)(h & 0xFFFFFFFFu));

	if (n < 0 || n >= STORE_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Decodes bundle text[0..len) into a and, unless path is "", rewrites
 * the cache at path.
 */
static int
rebuild(struct anchors *a, const char *text, size_t len, const char *path,
    const char *dir, enum tacache_how *how)
{
	unsigned char key[16], *out;
	size_t size, n;

	if (anchors_load(a, text, len, NULL) != 0) {
		*how = TACACHE_ENONE;
		return -1;
	}
	*how = path[0] == '\0' ? TACACHE_DIRECT : TACACHE_UNSAVED;
	size = tacache_size(a->ta, a->n);
	if (path[0] == '\0' || size == 0 || (out = malloc(size)) == NULL) {
		return 0;
	}
	/* the key of the very bytes decoded: the file may have changed */
	tacache_key(text, len, key);
	if (tacache_encode(a->ta, a->n, key, out, size, &n) == 0 &&
	    store_mkdirs(dir, 0700) == 0 &&
	    store_write(path, out, n, 0600) == 0) {
		*how = TACACHE_BUILT;
	}
	free(out);
	return 0;
}

/* see tacache.h */
int
tacache_load(struct anchors *a, const char *bundle, const char *dir,
    enum tacache_how *how)
{
	char path[STORE_PATH_MAX], *buf = NULL;
	unsigned char key[16];
	struct stat st;
	size_t len;
	int rc = -1;

	a->ta = NULL;
	a->n = 0;
	a->block = NULL;
	*how = TACACHE_EREAD;
	path[0] = '\0';
	if (stat(bundle, &st) != 0 || (buf = malloc(STORE_MAX_FILE)) == NULL) {
		goto out;
	}
	if (st.st_size >= TACACHE_MIN_BUNDLE &&
	    tacache_key_file(bundle, key) != 0) {
		goto out;
	}
	if (st.st_size < TACACHE_MIN_BUNDLE ||
	    cache_path(path, dir, bundle) != 0) {
		path[0] = '\0';        /* decode, write no cache */
	} else if (store_read_nofollow(path, buf, STORE_MAX_FILE, &len) == 0 &&
	    tacache_decode(a, (unsigned char *)buf, len, key) == 0) {
		*how = TACACHE_HIT;
		rc = 0;
		goto out;
	}
	if (store_read(bundle, buf, STORE_MAX_FILE, &len) == 0) {
		rc = rebuild(a, buf, len, path, dir, how);
	}
out:
	free(buf);
	return rc;
}
