/* SPDX-License-Identifier: MIT */
/*
 * pem.c - P-256 keys, PEM, CSR and name classification.
 * See pem.h for why this is a module of its own.
 */
#include "pem.h"
#include "ascii.h"

#include <sys/random.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* DER of the P-256 SubjectPublicKeyInfo up to the 65-byte point. */
static const unsigned char spki_p256_prefix[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
	0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01,
	0x07, 0x03, 0x42, 0x00
};

/* AlgorithmIdentifier ecdsa-with-SHA256 (RFC 5758 §3.2, no parameters). */
static const unsigned char alg_ecdsa_sha256[] = {
	0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03,
	0x02
};

static const unsigned char oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };
static const unsigned char oid_ext_req[] = {
	0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E
};
static const unsigned char oid_san[] = { 0x06, 0x03, 0x55, 0x1D, 0x11 };

/* Points sk/pk of k at its own arrays. */
static void
key_bind(struct ec_key *k)
{
	k->sk.curve = BR_EC_secp256r1;
	k->sk.x = k->d;
	k->sk.xlen = sizeof(k->d);
	k->pk.curve = BR_EC_secp256r1;
	k->pk.q = k->q;
	k->pk.qlen = sizeof(k->q);
}

/* see pem.h */
void
key_wipe(struct ec_key *k)
{
	volatile unsigned char *p = (volatile unsigned char *)k;
	size_t n;

	for (n = 0; n < sizeof(*k); n++) {
		p[n] = 0;
	}
}

/* Derives k->q from k->d. */
static int
key_derive_pub(struct ec_key *k)
{
	br_ec_public_key pk;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];

	if (br_ec_compute_pub(&br_ec_p256_m31, &pk, q, &k->sk) !=
	    sizeof(k->q)) {
		return -1;
	}
	memcpy(k->q, q, sizeof(k->q));
	return 0;
}

/* see pem.h */
int
key_generate(struct ec_key *k)
{
	br_hmac_drbg_context rng;
	unsigned char seed[48];
	size_t got = 0;
	ssize_t r;
	int rc = -1;

	/* getrandom() without GRND_NONBLOCK waits for the pool at boot. */
	while (got < sizeof(seed)) {
		r = getrandom(seed + got, sizeof(seed) - got, 0);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			goto out;
		}
		got += (size_t)r;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
	key_bind(k);
	if (br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &k->sk, k->d,
	    BR_EC_secp256r1) != sizeof(k->d)) {
		goto out;
	}
	key_bind(k);
	rc = key_derive_pub(k);
out:
	memset(seed, 0, sizeof(seed));
	memset(&rng, 0, sizeof(rng));
	return rc;
}

/* see pem.h */
int
key_from_pem(struct ec_key *k, const char *pem, size_t len)
{
	br_skey_decoder_context dc;
	const br_ec_private_key *sk;
	unsigned char der[4096];    /* room for a certificate before the key */
	char name[64];
	size_t pos = 0, der_len;
	int rc = -1, r;

	while ((r = pem_next(pem, len, &pos, name, sizeof(name), der,
	    sizeof(der), &der_len)) == 1) {
		if (strcmp(name, "EC PRIVATE KEY") == 0 ||
		    strcmp(name, "PRIVATE KEY") == 0) {
			break;
		}
	}
	if (r != 1) {
		goto out;
	}
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, der_len);
	sk = br_skey_decoder_get_ec(&dc);
	if (sk == NULL || sk->curve != BR_EC_secp256r1 ||
	    sk->xlen > sizeof(k->d) || sk->xlen == 0) {
		goto out;
	}
	/* Left-pad the scalar to 32 bytes. */
	memset(k->d, 0, sizeof(k->d));
	memcpy(k->d + sizeof(k->d) - sk->xlen, sk->x, sk->xlen);
	key_bind(k);
	rc = key_derive_pub(k);
out:
	memset(der, 0, sizeof(der));
	memset(&dc, 0, sizeof(dc));
	return rc;
}

/* see pem.h */
int
key_to_pem(const struct ec_key *k, struct sbuf *b)
{
	unsigned char der[BR_EC_KBUF_PRIV_MAX_SIZE + 128];
	size_t n;
	int rc;

	n = br_encode_ec_raw_der(NULL, &k->sk, &k->pk);
	if (n == 0 || n > sizeof(der)) {
		return -1;
	}
	br_encode_ec_raw_der(der, &k->sk, &k->pk);
	rc = pem_encode(BR_ENCODE_PEM_EC_RAW, der, n, b);
	memset(der, 0, sizeof(der));
	return rc;
}

/* see pem.h */
bool
key_pub_eq(const br_ec_public_key *a, const br_ec_public_key *b)
{
	return a->curve == b->curve && a->qlen == b->qlen &&
	    memcmp(a->q, b->q, a->qlen) == 0;
}

/* see pem.h */
bool
key_spki_eq(const struct ec_key *k, const unsigned char *spki, size_t len)
{
	size_t n = sizeof(spki_p256_prefix);

	return len == n + sizeof(k->q) &&
	    memcmp(spki, spki_p256_prefix, n) == 0 &&
	    memcmp(spki + n, k->q, sizeof(k->q)) == 0;
}

/* see pem.h */
int
pem_encode(const char *banner, const void *der, size_t len, struct sbuf *b)
{
	size_t need;

	need = br_pem_encode(NULL, der, len, banner, BR_PEM_LINE64);
	/* sbuf keeps one byte for its NUL; br_pem_encode writes one too. */
	if (b->err != 0 || need >= b->cap - b->len) {
		b->err = 1;
		return -1;
	}
	b->len += br_pem_encode(b->p + b->len, der, len, banner,
	    BR_PEM_LINE64);
	return 0;
}

/* Bounded receiver of decoded PEM bytes. */
struct pem_sink {
	unsigned char *p;
	size_t len, cap;
	int overflow;
};

static void
pem_sink_add(void *ctx, const void *src, size_t len)
{
	struct pem_sink *s = ctx;

	if (s->overflow || len > s->cap - s->len) {
		s->overflow = 1;
		return;
	}
	memcpy(s->p + s->len, src, len);
	s->len += len;
}

/*
 * Copies an object name. BearSSL keeps what follows the name up to the
 * line end, so "BEGIN CERTIFICATE-----\r" (CRLF files) gives
 * "CERTIFICATE-----": cut at the first '-' run.
 */
static int
pem_name(const char *in, char *out, size_t cap)
{
	/* strcspn, not strstr: musl's strstr is 1.5 KB of the size budget,
	 * and no PEM object name has a '-' of its own. */
	size_t n = strcspn(in, "-");

	if (n >= cap) {
		return -1;
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

/* see pem.h */
int
pem_next(const char *text, size_t len, size_t *pos, char *name,
    size_t name_cap, unsigned char *der, size_t cap, size_t *der_len)
{
	br_pem_decoder_context pc;
	struct pem_sink sink = { der, 0, cap, 0 };
	bool inside = false;
	size_t n;

	br_pem_decoder_init(&pc);
	while (*pos < len) {
		n = br_pem_decoder_push(&pc, text + *pos, len - *pos);
		*pos += n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (pem_name(br_pem_decoder_name(&pc), name,
			    name_cap) != 0) {
				return -1;
			}
			br_pem_decoder_setdest(&pc, pem_sink_add, &sink);
			inside = true;
			break;
		case BR_PEM_END_OBJ:
			if (!inside || sink.overflow) {
				return -1;
			}
			*der_len = sink.len;
			return 1;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	/* BearSSL ends an object only after a newline; a file may lack one. */
	if (inside) {
		br_pem_decoder_push(&pc, "\n", 1);
		if (br_pem_decoder_event(&pc) == BR_PEM_END_OBJ &&
		    !sink.overflow) {
			*der_len = sink.len;
			return 1;
		}
	}
	return inside ? -1 : 0;
}

/* True if the last label of name is all digits: no host name is. */
static bool
last_label_numeric(const char *name)
{
	const char *last = strrchr(name, '.');

	last = last != NULL ? last + 1 : name;
	return strspn(last, "0123456789") == strlen(last);
}

/*
 * The rule DNS name name[0..n) breaks (RFC 1035 §2.3.1 as CAs apply it),
 * or NULL: at most 253 characters, "*." allowed in front, labels of 1 to
 * 63 letters, digits and inner hyphens, at least two labels, the last
 * not all digits.
 */
static const char *
dns_name_rule(const char *name, size_t n)
{
	size_t k, label = 0, labels = 1;
	char c;

	if (n > 253) {
		return "longer than 253 characters";
	}
	if (n > 2 && name[0] == '*' && name[1] == '.') {
		name += 2;
		n -= 2;
	}
	if (n == 0) {
		return "empty";
	}
	for (k = 0; k < n; k++) {
		c = name[k];
		if (c == '.') {
			if (label == 0) {
				return "an empty label (a dot at the start, or two "
				    "dots)";
			}
			if (name[k - 1] == '-') {
				return "a label ending with '-'";
			}
			label = 0;
			labels++;
			continue;
		}
		if (c == '-' && label == 0) {
			return "a label starting with '-'";
		}
		if (!ascii_isalnum((unsigned char)c) && c != '-') {
			return "a character other than letters, digits, '-' and "
			    "'.' (no '_', space or non-ASCII; IDNs in punycode: "
			    "xn--...)";
		}
		if (++label > 63) {
			return "a label longer than 63 characters";
		}
	}
	if (label == 0) {
		return "a trailing dot (give the name without it)";
	}
	if (name[n - 1] == '-') {
		return "a label ending with '-'";
	}
	if (labels < 2) {
		return "a single label (a name like router.example.com is "
		    "needed; localhost cannot have a certificate)";
	}
	if (last_label_numeric(name)) {
		return "a last label of digits only (not an IP address either)";
	}
	return NULL;
}

/* see pem.h */
enum name_kind
name_classify(const char *name, unsigned char ip[16], size_t *ip_len)
{
	unsigned char buf[16];
	size_t k;

	if (inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1) {
		k = strchr(name, ':') != NULL ? 16 : 4;
		if (ip != NULL) {
			memcpy(ip, buf, k);
		}
		if (ip_len != NULL) {
			*ip_len = k;
		}
		return NAME_IP;
	}
	return dns_name_rule(name, strlen(name)) == NULL ? NAME_DNS : NAME_BAD;
}

/* see pem.h */
const char *
name_why(const char *name)
{
	if (name_classify(name, NULL, NULL) != NAME_BAD) {
		return NULL;
	}
	return dns_name_rule(name, strlen(name));
}

/* Appends the decimal or hex text of v to out at *o. */
static void
put_num(char *out, size_t *o, unsigned v, unsigned base)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[8];
	size_t n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v > 0);
	while (n > 0) {
		out[(*o)++] = tmp[--n];
	}
}

/* see pem.h */
int
ip_text(const unsigned char *ip, size_t len, char *out, size_t cap)
{
	size_t o = 0, k, run = 0, best = 0, best_at = 8;
	unsigned g[8];

	if ((len != 4 && len != 16) || cap < 46) {
		return -1;
	}
	if (len == 4) {
		for (k = 0; k < 4; k++) {
			if (k > 0) {
				out[o++] = '.';
			}
			put_num(out, &o, ip[k], 10);
		}
		out[o] = '\0';
		return 0;
	}
	for (k = 0; k < 8; k++) {
		g[k] = (unsigned)ip[2 * k] << 8 | ip[2 * k + 1];
		run = g[k] == 0 ? run + 1 : 0;
		if (run > best) {
			best = run;
			best_at = k + 1 - run;
		}
	}
	/* RFC 5952 §4.2.2: a single zero group is not shortened. */
	if (best < 2) {
		best_at = 8;
	}
	for (k = 0; k < 8; k++) {
		if (k == best_at) {
			out[o++] = ':';
			out[o++] = ':';
			k += best - 1;
			continue;
		}
		if (k > 0 && k != best_at + best) {
			out[o++] = ':';
		}
		put_num(out, &o, g[k], 16);
	}
	out[o] = '\0';
	return 0;
}

/* A DER output buffer; err is sticky like sbuf's. */
struct der {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void
der_put(struct der *d, const void *s, size_t n)
{
	if (d->err != 0 || n > d->cap - d->len) {
		d->err = 1;
		return;
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
}

/* Turns p[start..len) into the value of a TLV with tag, in place. */
static void
der_wrap(struct der *d, size_t start, unsigned char tag)
{
	size_t vlen = d->len - start, h;
	unsigned char *v;

	h = vlen < 0x80 ? 2 : vlen < 0x100 ? 3 : 4;
	if (d->err != 0 || vlen > 0xFFFF || h > d->cap - d->len) {
		d->err = 1;
		return;
	}
	v = d->p + start;
	memmove(v + h, v, vlen);
	v[0] = tag;
	if (h == 2) {
		v[1] = (unsigned char)vlen;
	} else if (h == 3) {
		v[1] = 0x81;
		v[2] = (unsigned char)vlen;
	} else {
		v[1] = 0x82;
		v[2] = (unsigned char)(vlen >> 8);
		v[3] = (unsigned char)vlen;
	}
	d->len += h;
}

/* Puts a primitive TLV tag/s[0..n). */
static void
der_prim(struct der *d, unsigned char tag, const void *s, size_t n)
{
	size_t start = d->len;

	der_put(d, s, n);
	der_wrap(d, start, tag);
}

/* The subject: CN=name when it is a DNS name that fits X.520's 64. */
static void
csr_subject(struct der *d, const char *name)
{
	size_t seq = d->len, set, atv;

	if (name_classify(name, NULL, NULL) == NAME_DNS &&
	    strlen(name) <= 64) {
		set = d->len;
		atv = d->len;
		der_put(d, oid_cn, sizeof(oid_cn));
		der_prim(d, 0x0C, name, strlen(name));
		der_wrap(d, atv, 0x30);
		der_wrap(d, set, 0x31);
	}
	der_wrap(d, seq, 0x30);
}

/* The [0] attributes: one extensionRequest holding the SAN extension. */
static int
csr_san_request(struct der *d, const char *const *names, size_t n)
{
	unsigned char ip[16];
	size_t attrs = d->len, attr, set, exts, ext, oct, gn, k, iplen;
	enum name_kind kind;

	der_put(d, oid_ext_req, sizeof(oid_ext_req));
	attr = attrs;
	set = d->len;
	exts = d->len;
	ext = d->len;
	der_put(d, oid_san, sizeof(oid_san));
	oct = d->len;
	gn = d->len;
	for (k = 0; k < n; k++) {
		kind = name_classify(names[k], ip, &iplen);
		if (kind == NAME_DNS) {
			der_prim(d, 0x82, names[k], strlen(names[k]));
		} else if (kind == NAME_IP) {
			der_prim(d, 0x87, ip, iplen);
		} else {
			return -1;
		}
	}
	der_wrap(d, gn, 0x30);
	der_wrap(d, oct, 0x04);
	der_wrap(d, ext, 0x30);
	der_wrap(d, exts, 0x30);
	der_wrap(d, set, 0x31);
	der_wrap(d, attr, 0x30);
	der_wrap(d, attrs, 0xA0);
	return 0;
}

/*
 * Turns d (the to-be-signed body, p[0..len)) into the signed structure
 * SEQUENCE { body, ecdsa-with-SHA256, BIT STRING signature } that a CSR
 * (RFC 2986) and a certificate (RFC 5280) share. Returns 0 or -1.
 */
static int
der_sign(struct der *d, const struct ec_key *k)
{
	br_sha256_context h;
	unsigned char digest[32], sig[80];
	size_t siglen, bits;

	der_wrap(d, 0, 0x30);
	if (d->err != 0) {
		return -1;
	}
	br_sha256_init(&h);
	br_sha256_update(&h, d->p, d->len);
	br_sha256_out(&h, digest);
	siglen = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable,
	    digest, &k->sk, sig);
	if (siglen == 0) {
		return -1;
	}
	der_put(d, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	bits = d->len;
	der_put(d, "", 1);      /* no unused bits */
	der_put(d, sig, siglen);
	der_wrap(d, bits, 0x03);
	der_wrap(d, 0, 0x30);
	return d->err != 0 ? -1 : 0;
}

/* see pem.h */
int
csr_build(const struct ec_key *k, const char *const *names, size_t n,
    unsigned char *der, size_t cap, size_t *len)
{
	static const unsigned char version[] = { 0x02, 0x01, 0x00 };
	struct der d = { der, 0, cap, 0 };

	if (n == 0) {
		return -1;
	}
	der_put(&d, version, sizeof(version));
	csr_subject(&d, names[0]);
	der_put(&d, spki_p256_prefix, sizeof(spki_p256_prefix));
	der_put(&d, k->q, sizeof(k->q));
	if (csr_san_request(&d, names, n) != 0) {
		return -1;
	}
	if (der_sign(&d, k) != 0) {
		return -1;
	}
	*len = d.len;
	return 0;
}

/* see pem.h */
int
month_days(int y, int mo)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
		return 29;
	}
	return days[mo - 1];
}

/* see pem.h */
int64_t
date_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* see pem.h */
void
date_split(int64_t t, int64_t f[6])
{
	int64_t days = t / 86400 + 719468, secs = t % 86400, era, doe, yoe,
	    doy, mp;

	/* H. Hinnant's civil_from_days, the inverse of date_days() */
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	f[2] = doy - (153 * mp + 2) / 5 + 1;
	f[1] = mp < 10 ? mp + 3 : mp - 9;
	f[0] = yoe + era * 400 + (f[1] <= 2);
	f[3] = secs / 3600;
	f[4] = secs / 60 % 60;
	f[5] = secs % 60;
}

/* Puts a GeneralizedTime of t (RFC 5280 §4.1.2.5.2: YYYYMMDDHHMMSSZ). */
static void
der_time(struct der *d, int64_t t)
{
	int64_t f[6], y;
	char buf[16];
	int k;

	date_split(t, f);
	for (k = 3, y = f[0]; k >= 0; k--, y /= 10) {
		buf[k] = (char)('0' + y % 10);
	}
	for (k = 1; k < 6; k++) {
		buf[2 + 2 * k] = (char)('0' + f[k] / 10);
		buf[3 + 2 * k] = (char)('0' + f[k] % 10);
	}
	buf[14] = 'Z';
	der_prim(d, 0x18, buf, 15);
}

/* The extensions of a tls-alpn-01 certificate (RFC 8737 §3). */
static int
alpn_extensions(struct der *d, const char *ident,
    const unsigned char digest[32])
{
	static const unsigned char oid_acme_id[] = {
		0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1F
	};
	static const unsigned char critical[] = { 0x01, 0x01, 0xFF };
	unsigned char ip[16];
	size_t outer = d->len, exts, ext, oct, iplen;
	enum name_kind kind = name_classify(ident, ip, &iplen);

	exts = d->len;
	ext = d->len;
	der_put(d, oid_san, sizeof(oid_san));
	oct = d->len;
	if (kind == NAME_DNS) {
		der_prim(d, 0x82, ident, strlen(ident));
	} else if (kind == NAME_IP) {
		der_prim(d, 0x87, ip, iplen);
	} else {
		return -1;
	}
	der_wrap(d, oct, 0x30);
	der_wrap(d, oct, 0x04);
	der_wrap(d, ext, 0x30);
	ext = d->len;
	der_put(d, oid_acme_id, sizeof(oid_acme_id));
	der_put(d, critical, sizeof(critical));
	oct = d->len;
	der_prim(d, 0x04, digest, 32);
	der_wrap(d, oct, 0x04);
	der_wrap(d, ext, 0x30);
	der_wrap(d, exts, 0x30);
	der_wrap(d, outer, 0xA3);
	return 0;
}

/* see pem.h */
int
cert_build_alpn(const struct ec_key *k, const char *ident,
    const unsigned char digest[32], int64_t now, unsigned char *der,
    size_t cap, size_t *len)
{
	static const unsigned char version[] = { 0xA0, 0x03, 0x02, 0x01, 0x02 };
	static const unsigned char serial[] = { 0x02, 0x01, 0x01 };
	static const unsigned char name[] = {
		/* CN=acme-tls-alpn-01: issuer and subject */
		0x30, 0x1B, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04,
		0x03, 0x0C, 0x10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '-',
		'a', 'l', 'p', 'n', '-', '0', '1'
	};
	struct der d = { der, 0, cap, 0 };
	size_t validity;

	der_put(&d, version, sizeof(version));
	der_put(&d, serial, sizeof(serial));
	der_put(&d, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	der_put(&d, name, sizeof(name));
	validity = d.len;
	der_time(&d, now > 86400 ? now - 86400 : 0);
	der_time(&d, now + 7 * 86400);
	der_wrap(&d, validity, 0x30);
	der_put(&d, name, sizeof(name));
	der_put(&d, spki_p256_prefix, sizeof(spki_p256_prefix));
	der_put(&d, k->q, sizeof(k->q));
	if (alpn_extensions(&d, ident, digest) != 0) {
		return -1;
	}
	if (der_sign(&d, k) != 0) {
		return -1;
	}
	*len = d.len;
	return 0;
}
