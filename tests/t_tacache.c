/* SPDX-License-Identifier: MIT */
/*
 * t_tacache.c - the cache of decoded trust anchors (tacache.c): a round
 * trip keeps every field of every anchor of Debian's Mozilla roots; a
 * cache cut at any length, with any byte flipped, with a length or field
 * changed (checksum made right again), or made from another bundle is
 * refused; and through files, a bundle that lost a CA (same path, the
 * old cache still there) no longer trusts a certificate of that CA,
 * while a damaged cache is rebuilt. Trust is decided by BearSSL's X.509
 * engine with the anchors the cache gives back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "../pem.h"
#include "../store.h"
#include "../tacache.h"
#include "../x509.h"
#include "testutil.h"
#include "runner.h"

#define MOZ "/usr/share/ca-certificates/mozilla/"

static char tmp[64];
static char big[1024 * 1024];   /* a bundle's text */
static unsigned char cache[256 * 1024];
static struct anchors a, b;     /* global: main() frees them */

/* Runs sh -c "cd tmp && cmd". Returns its exit status. */
static int
sh(const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line), "cd '%s' && %s", tmp, cmd);
	return system(line);
}

/* tmp/name into out[0..cap). */
static const char *
tpath(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmp, name);
	return out;
}

/* The anchors of the PEM bundle tmp/name into x (anchors_load()). */
static int
load_pem(struct anchors *x, const char *name)
{
	char path[256];
	size_t len;

	return store_read(tpath(path, sizeof(path), name), big, sizeof(big),
	    &len) == 0 ? anchors_load(x, big, len, NULL) : -1;
}

/* Runs the first certificate of PEM file path through br_x509_minimal
 * with anchors x; returns its error (0: trusted). */
static int
validate(const struct anchors *x, const char *path)
{
	unsigned char der[4096];
	size_t len;

	if (read_der(path, der, sizeof(der), &len) != 0) {
		return -1;
	}
	return x509_validate(x->ta, x->n, der, len);
}

/* True if anchors p and q are the same, field by field. */
static bool
ta_eq(const br_x509_trust_anchor *p, const br_x509_trust_anchor *q)
{
	const br_rsa_public_key *r1 = &p->pkey.key.rsa, *r2 = &q->pkey.key.rsa;
	const br_ec_public_key *e1 = &p->pkey.key.ec, *e2 = &q->pkey.key.ec;

	if (p->flags != q->flags || p->dn.len != q->dn.len ||
	    memcmp(p->dn.data, q->dn.data, p->dn.len) != 0 ||
	    p->pkey.key_type != q->pkey.key_type) {
		return false;
	}
	if (p->pkey.key_type == BR_KEYTYPE_RSA) {
		return r1->nlen == r2->nlen && r1->elen == r2->elen &&
		    memcmp(r1->n, r2->n, r1->nlen) == 0 &&
		    memcmp(r1->e, r2->e, r1->elen) == 0;
	}
	return e1->curve == e2->curve && e1->qlen == e2->qlen &&
	    memcmp(e1->q, e2->q, e1->qlen) == 0;
}

/* The cache of tmp/name (anchors_load()) into cache[0..*len). */
static int
make_cache(const char *name, unsigned char sha[16], size_t *len)
{
	int rc;

	tacache_key(name, strlen(name), sha);
	rc = load_pem(&a, name) == 0 &&
	    tacache_encode(a.ta, a.n, sha, cache, sizeof(cache), len) == 0 ?
	    0 : -1;
	anchors_free(&a);
	return rc;
}

/* Rewrites the checksum of cache[0..len) after an edit. */
static void
resum(size_t len)
{
	uint64_t h = 0xCBF29CE484222325u;
	size_t k;

	for (k = 0; k < len - 8; k++) {
		h = (h ^ cache[k]) * 0x100000001B3u;
	}
	for (k = 1; k <= 8; k++, h >>= 8) {
		cache[len - k] = (unsigned char)h;
	}
}

static int
test_round_trip(void)
{
	unsigned char sha[16];
	size_t k, len;

	CHECK(load_pem(&a, "all.pem") == 0);
	CHECK(a.n > 100);
	tacache_key("x", 1, sha);
	CHECK(tacache_size(a.ta, a.n) > TACACHE_HDR_LEN);
	CHECK(tacache_encode(a.ta, a.n, sha, cache, sizeof(cache), &len)
	    == 0);
	CHECK(len == tacache_size(a.ta, a.n));
	/* one byte short of room: refused */
	CHECK(tacache_encode(a.ta, a.n, sha, cache, len - 1, &k) == -1);
	CHECK(tacache_decode(&b, cache, len, sha) == 0);
	CHECK(b.n == a.n);
	for (k = 0; k < a.n; k++) {
		CHECK(ta_eq(&a.ta[k], &b.ta[k]));
	}
	/* RSA and EC keys both went through */
	CHECK(validate(&b, MOZ "ISRG_Root_X1.crt") == 0);
	CHECK(validate(&b, MOZ "ISRG_Root_X2.crt") == 0);
	anchors_free(&a);
	anchors_free(&b);
	return 0;
}

static int
test_truncated_and_flipped(void)
{
	unsigned char sha[16];
	size_t k, len;

	CHECK(make_cache("three.pem", sha, &len) == 0);
	CHECK(tacache_decode(&b, cache, len, sha) == 0 && b.n == 3);
	anchors_free(&b);
	for (k = 0; k < len; k++) {
		CHECK(tacache_decode(&b, cache, k, sha) == -1);
		CHECK(b.n == 0 && b.ta == NULL);
	}
	cache[len] = 0;
	CHECK(tacache_decode(&b, cache, len + 1, sha) == -1);
	for (k = 0; k < len; k++) {
		cache[k] ^= 0x01;
		CHECK(tacache_decode(&b, cache, len, sha) == -1);
		cache[k] ^= 0x81;
		CHECK(tacache_decode(&b, cache, len, sha) == -1);
		cache[k] ^= 0x80;
	}
	CHECK(tacache_decode(&b, cache, len, sha) == 0);
	anchors_free(&b);
	return 0;
}

/* Each edit, with the checksum made right, must still be refused. */
static int
test_lengths_checked(void)
{
	static const struct {
		size_t off;
		unsigned char val;
	} edits[] = {
		{ 3, 'B' },             /* magic */
		{ 7, 2 },               /* version */
		{ 27, 4 },              /* count 4 of 3 anchors */
		{ 27, 2 },              /* count 2: bytes left over */
		{ 27, 0 },              /* count 0 */
		{ 31, 0 },              /* body length */
		{ 32, 0x02 },           /* flags: unknown bit */
		{ 33, 3 },              /* key type 3 */
		{ 33, BR_KEYTYPE_EC },  /* RSA key read as EC */
		{ 34, 23 },             /* a curve for an RSA key */
		{ 35, 1 },              /* the 0 byte */
		{ 36, 0xFF },           /* DN length far too long */
		{ 37, 0 },              /* DN length 0 */
		{ 37, 0x50 },           /* DN length one shorter (81) */
		{ 38, 0xFF },           /* key length far too long */
		{ 40, 0xFF },           /* second key part too long */
		{ 41, 0 }               /* RSA e empty */
	};
	unsigned char sha[16], copy[sizeof(cache)];
	size_t k, len;

	CHECK(make_cache("three.pem", sha, &len) == 0);
	memcpy(copy, cache, len);
	/* the first anchor of three.pem is ISRG Root X1: RSA */
	CHECK(cache[33] == BR_KEYTYPE_RSA && cache[41] != 0 &&
	    cache[36] == 0 && cache[37] == 0x51);
	for (k = 0; k < sizeof(edits) / sizeof(edits[0]); k++) {
		memcpy(cache, copy, len);
		CHECK(cache[edits[k].off] != edits[k].val);
		cache[edits[k].off] = edits[k].val;
		resum(len);
		if (tacache_decode(&b, cache, len, sha) != -1) {
			fprintf(stderr, "  edit %zu accepted\n", k);
			CHECK(0);
		}
	}
	/* an unchanged copy, re-summed, is still good */
	memcpy(cache, copy, len);
	resum(len);
	CHECK(tacache_decode(&b, cache, len, sha) == 0);
	anchors_free(&b);
	return 0;
}

static int
test_other_bundle(void)
{
	unsigned char sha[16], other[16];
	size_t len;

	CHECK(make_cache("three.pem", sha, &len) == 0);
	memcpy(other, sha, 16);
	other[15] ^= 1;
	CHECK(tacache_decode(&b, cache, len, other) == -1);
	other[15] ^= 1;
	other[7] ^= 1;              /* the length half of the key */
	CHECK(tacache_decode(&b, cache, len, other) == -1);
	CHECK(tacache_decode(&b, cache, len, sha) == 0);
	anchors_free(&b);
	return 0;
}

/* tacache_load() of tmp/bundle.pem, cache in tmp/c; how into *how. */
static int
load(enum tacache_how *how)
{
	char bundle[256], dir[256];

	anchors_free(&a);
	return tacache_load(&a, tpath(bundle, sizeof(bundle), "bundle.pem"),
	    tpath(dir, sizeof(dir), "c"), how);
}

static int
test_files(void)
{
	enum tacache_how how;
	char bundle[256];

	CHECK(sh("rm -rf c && cp all.pem bundle.pem") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(sh("[ $(ls c | wc -l) = 1 ] && [ \"$(stat -c %a c)\" = 700 ]")
	    == 0);
	CHECK(load(&how) == 0 && how == TACACHE_HIT);
	CHECK(validate(&a, MOZ "ISRG_Root_X1.crt") == 0);
	/* the bundle loses ISRG Root X1; its old cache is still there */
	CHECK(sh("cp no_x1.pem bundle.pem") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(validate(&a, MOZ "ISRG_Root_X1.crt") ==
	    BR_ERR_X509_NOT_TRUSTED);
	CHECK(validate(&a, MOZ "ISRG_Root_X2.crt") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_HIT);
	CHECK(validate(&a, MOZ "ISRG_Root_X1.crt") ==
	    BR_ERR_X509_NOT_TRUSTED);
	/* ... and gets it back: rebuilt, trusted again */
	CHECK(sh("cp all.pem bundle.pem") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(validate(&a, MOZ "ISRG_Root_X1.crt") == 0);
	/* a flipped byte, a truncated cache, an empty one: rebuilt */
	CHECK(sh("f=$(ls c/*.ta) && printf '\\377' | dd of=$f bs=1 "
	    "seek=3000 conv=notrunc 2>/dev/null && [ $(ls c | wc -l) = 1 ]")
	    == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(sh("truncate -s 30000 $(ls c/*.ta)") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(sh(": > $(ls c/*.ta)") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(load(&how) == 0 && how == TACACHE_HIT);
	/* the cache of another bundle under this bundle's name: refused */
	CHECK(sh("mkdir -p d && cp no_x1.pem other.pem") == 0);
	CHECK(tacache_load(&b, tpath(bundle, sizeof(bundle), "other.pem"),
	    tmp, &how) == 0 && how == TACACHE_BUILT);
	anchors_free(&b);
	CHECK(sh("cp *.ta c/$(ls c)") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_BUILT);
	CHECK(validate(&a, MOZ "ISRG_Root_X1.crt") == 0);
	/* a read-only cache directory: decoded, not saved */
	CHECK(sh("rm -rf c && mkdir c && chmod 500 c") == 0);
	if (geteuid() != 0) {
		CHECK(load(&how) == 0 && how == TACACHE_UNSAVED);
	}
	CHECK(sh("chmod 700 c") == 0);
	anchors_free(&a);
	return 0;
}

static int
test_small_missing_empty(void)
{
	enum tacache_how how;

	/* under TACACHE_MIN_BUNDLE: decoded, no cache file */
	CHECK(sh("rm -rf c && cp three.pem bundle.pem && "
	    "[ $(wc -c < bundle.pem) -lt 8192 ]") == 0);
	CHECK(load(&how) == 0 && how == TACACHE_DIRECT && a.n == 3);
	CHECK(sh("[ ! -e c ]") == 0);
	CHECK(sh("rm bundle.pem") == 0);
	CHECK(load(&how) == -1 && how == TACACHE_EREAD && a.ta == NULL);
	CHECK(sh("head -c 20000 /dev/zero | tr '\\0' x > bundle.pem") == 0);
	CHECK(load(&how) == -1 && how == TACACHE_ENONE && a.ta == NULL);
	CHECK(sh("[ ! -e c ]") == 0);
	return 0;
}

int
main(void)
{
	char cmd[128];
	int rc;

	snprintf(tmp, sizeof(tmp), "/tmp/t_tacache.XXXXXX");
	runner_init(tmp);
	if (sh("cat " MOZ "*.crt > all.pem && "
	    "ls " MOZ "*.crt | grep -v /ISRG_Root_X1.crt | xargs cat "
	    "> no_x1.pem && cat " MOZ "ISRG_Root_X1.crt " MOZ
	    "ISRG_Root_X2.crt " MOZ "Amazon_Root_CA_3.crt > three.pem")
	    != 0) {
		fprintf(stderr, "cannot make the test bundles\n");
		return 1;
	}
	RUN(test_round_trip);
	RUN(test_truncated_and_flipped);
	RUN(test_lengths_checked);
	RUN(test_other_bundle);
	RUN(test_files);
	RUN(test_small_missing_empty);
	anchors_free(&a);
	anchors_free(&b);
	rc = runner_done();
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		(void)system(cmd);
	}
	return rc;
}
