/* SPDX-License-Identifier: MIT */
/*
 * x509.c - trust anchors from PEM, and the DER walk over certificates.
 * See x509.h for why this is a module of its own.
 */
#include "x509.h"
#include "ascii.h"

#include <stdlib.h>
#include <string.h>

/* OIDs (value bytes) of the extensions we read. */
static const unsigned char oid_san[] = { 0x55, 0x1D, 0x11 };
static const unsigned char oid_aki[] = { 0x55, 0x1D, 0x23 };

/* Growing copy of a DN, fed by br_x509_decoder's callback. */
struct dn_buf {
	unsigned char p[1024];
	size_t len;
	int overflow;
};

static void
dn_add(void *ctx, const void *buf, size_t len)
{
	struct dn_buf *d = ctx;

	if (d->overflow || len > sizeof(d->p) - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->p + d->len, buf, len);
	d->len += len;
}

/* Heap copy of p[0..n), or NULL. */
static unsigned char *
dup_bytes(const void *p, size_t n)
{
	unsigned char *q = malloc(n > 0 ? n : 1);

	if (q != NULL) {
		memcpy(q, p, n);
	}
	return q;
}

/* Frees the heap parts of one anchor. */
static void
anchor_free(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else {
		free(ta->pkey.key.ec.q);
	}
	memset(ta, 0, sizeof(*ta));
}

/*
 * Decodes one certificate der[0..len) into ta (heap copies). Returns 1
 * done, 0 not decodable (skip), -1 out of memory.
 */
static int
anchor_from_der(br_x509_trust_anchor *ta, const unsigned char *der,
    size_t len)
{
	br_x509_decoder_context dc;
	struct dn_buf dn;
	const br_x509_pkey *pk;

	dn.len = 0;
	dn.overflow = 0;
	br_x509_decoder_init(&dc, dn_add, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || dn.overflow) {
		return 0;
	}
	memset(ta, 0, sizeof(*ta));
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;
	ta->dn.data = dup_bytes(dn.p, dn.len);
	ta->dn.len = dn.len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
	}
	if (ta->dn.data == NULL || (pk->key_type == BR_KEYTYPE_RSA ?
	    ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL :
	    ta->pkey.key.ec.q == NULL)) {
		anchor_free(ta);
		return -1;
	}
	return 1;
}

/* see x509.h */
int
anchors_load(struct anchors *a, const char *pem, size_t len,
    size_t *skipped)
{
	unsigned char *der = NULL;
	br_x509_trust_anchor *ta;
	char name[64];
	size_t pos = 0, der_len, cap = 0, skip = 0;
	int r;

	a->ta = NULL;
	a->n = 0;
	a->block = NULL;
	if ((der = malloc(16384)) == NULL) {
		return -1;
	}
	while ((r = pem_next(pem, len, &pos, name, sizeof(name), der, 16384,
	    &der_len)) == 1) {
		if (strcmp(name, "CERTIFICATE") != 0 &&
		    strcmp(name, "TRUSTED CERTIFICATE") != 0) {
			continue;
		}
		if (a->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			ta = realloc(a->ta, cap * sizeof(*ta));
			if (ta == NULL) {
				r = -1;
				break;
			}
			a->ta = ta;
		}
		r = anchor_from_der(&a->ta[a->n], der, der_len);
		if (r < 0) {
			break;
		}
		if (r == 0) {
			skip++;
		} else {
			a->n++;
		}
	}
	free(der);
	if (skipped != NULL) {
		*skipped = skip;
	}
	if (r != 0 || a->n == 0) {
		anchors_free(a);
		return -1;
	}
	return 0;
}

/* see x509.h */
void
anchors_free(struct anchors *a)
{
	size_t k;

	if (a->block == NULL) {
		for (k = 0; k < a->n; k++) {
			anchor_free(&a->ta[k]);
		}
		free(a->ta);
	}
	free(a->block);
	a->block = NULL;
	a->ta = NULL;
	a->n = 0;
}

/* A cursor over DER bytes. */
struct der_in {
	const unsigned char *p;
	size_t len;
};

/*
 * Reads one TLV from in: single-byte tags only, definite lengths of at
 * most 4 length bytes, minimal encoding not required (CAs are not all
 * strict), value inside what is left. Returns 0 or -1.
 */
static int
der_get(struct der_in *in, unsigned *tag, struct der_in *val,
    const unsigned char **tlv, size_t *tlv_len)
{
	size_t n, k, hdr = 2;
	const unsigned char *p = in->p;

	if (in->len < 2 || (p[0] & 0x1F) == 0x1F) {
		return -1;
	}
	n = p[1];
	if (n & 0x80) {
		k = n & 0x7F;
		if (k == 0 || k > 4 || in->len - 2 < k) {
			return -1;
		}
		for (n = 0; k > 0; k--) {
			n = n << 8 | p[hdr++];
		}
	}
	if (n > in->len - hdr) {
		return -1;
	}
	*tag = p[0];
	val->p = p + hdr;
	val->len = n;
	if (tlv != NULL) {
		*tlv = p;
		*tlv_len = hdr + n;
	}
	in->p += hdr + n;
	in->len -= hdr + n;
	return 0;
}

/* Reads one TLV that must have tag want. */
static int
der_expect(struct der_in *in, unsigned want, struct der_in *val)
{
	unsigned tag;

	return der_get(in, &tag, val, NULL, NULL) == 0 && tag == want ? 0 : -1;
}

/* n decimal digits at s, or -1. */
static int
digits(const unsigned char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9') {
			return -1;
		}
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ to *t. */
static int
der_time(unsigned tag, const struct der_in *v, int64_t *t)
{
	const unsigned char *s = v->p;
	int y, mo, d, h, mi, se;

	if (tag == 0x17 && v->len == 13) {
		y = digits(s, 2);
		y = y < 0 ? -1 : y < 50 ? 2000 + y : 1900 + y;  /* RFC 5280 */
		s += 2;
	} else if (tag == 0x18 && v->len == 15) {
		y = digits(s, 4);
		s += 4;
	} else {
		return -1;
	}
	mo = digits(s, 2);
	d = digits(s + 2, 2);
	h = digits(s + 4, 2);
	mi = digits(s + 6, 2);
	se = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 ||
	    s[10] != 'Z') {
		return -1;
	}
	*t = date_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

/* Reads the Validity SEQUENCE value. */
static int
x509_validity(struct der_in v, struct x509_cert *c)
{
	struct der_in t;
	unsigned tag;

	if (der_get(&v, &tag, &t, NULL, NULL) != 0 ||
	    der_time(tag, &t, &c->not_before) != 0 ||
	    der_get(&v, &tag, &t, NULL, NULL) != 0 ||
	    der_time(tag, &t, &c->not_after) != 0 || v.len != 0) {
		return -1;
	}
	return 0;
}

/* Records the SAN and AKI extensions among Extensions ext. */
static int
x509_extensions(struct der_in exts, struct x509_cert *c)
{
	struct der_in ext, oid, val, inner, kid;
	unsigned tag;

	while (exts.len > 0) {
		if (der_expect(&exts, 0x30, &ext) != 0 ||
		    der_expect(&ext, 0x06, &oid) != 0 ||
		    der_get(&ext, &tag, &val, NULL, NULL) != 0) {
			return -1;
		}
		if (tag == 0x01 && der_get(&ext, &tag, &val, NULL, NULL) != 0) {
			return -1;
		}
		if (tag != 0x04 || ext.len != 0) {
			return -1;
		}
		if (oid.len == 3 && memcmp(oid.p, oid_san, 3) == 0) {
			if (der_expect(&val, 0x30, &inner) != 0) {
				return -1;
			}
			c->san = inner.p;
			c->san_len = inner.len;
		} else if (oid.len == 3 && memcmp(oid.p, oid_aki, 3) == 0) {
			/* AuthorityKeyIdentifier: [0] keyIdentifier first. */
			if (der_expect(&val, 0x30, &inner) != 0) {
				return -1;
			}
			if (inner.len > 0 && der_get(&inner, &tag, &kid, NULL,
			    NULL) == 0 && tag == 0x80) {
				c->aki = kid.p;
				c->aki_len = kid.len;
			}
		}
	}
	return 0;
}

/* Walks TBSCertificate value tbs. */
static int
x509_tbs(struct der_in tbs, struct x509_cert *c)
{
	struct der_in v, exts;
	unsigned tag;

	if (der_get(&tbs, &tag, &v, NULL, NULL) != 0) {
		return -1;
	}
	if (tag == 0xA0 && der_get(&tbs, &tag, &v, NULL, NULL) != 0) {
		return -1;
	}
	if (tag != 0x02 || v.len == 0) {
		return -1;
	}
	c->serial = v.p;
	c->serial_len = v.len;
	if (der_expect(&tbs, 0x30, &v) != 0 ||
	    der_get(&tbs, &tag, &v, &c->issuer, &c->issuer_len) != 0 ||
	    tag != 0x30 || der_expect(&tbs, 0x30, &v) != 0 ||
	    x509_validity(v, c) != 0 ||
	    der_get(&tbs, &tag, &v, &c->subject, &c->subject_len) != 0 ||
	    tag != 0x30 ||
	    der_get(&tbs, &tag, &v, &c->spki, &c->spki_len) != 0 ||
	    tag != 0x30) {
		return -1;
	}
	while (tbs.len > 0) {
		if (der_get(&tbs, &tag, &v, NULL, NULL) != 0) {
			return -1;
		}
		if (tag == 0xA3) {
			if (der_expect(&v, 0x30, &exts) != 0 ||
			    x509_extensions(exts, c) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* see x509.h */
int
x509_parse(const unsigned char *der, size_t len, struct x509_cert *c)
{
	struct der_in in = { der, len }, cert, tbs;

	memset(c, 0, sizeof(*c));
	if (der_expect(&in, 0x30, &cert) != 0 || in.len != 0 ||
	    der_expect(&cert, 0x30, &tbs) != 0) {
		return -1;
	}
	return x509_tbs(tbs, c);
}

/* True if c's subjectAltName has an entry of type want whose value is
 * v[0..n) (nocase: compared without regard to ASCII case). */
static bool
san_has(const struct x509_cert *c, unsigned want, const void *v, size_t n,
    bool nocase)
{
	struct der_in gns = { c->san, c->san_len }, gn;
	unsigned tag;

	while (c->san != NULL && gns.len > 0 &&
	    der_get(&gns, &tag, &gn, NULL, NULL) == 0) {
		if (tag == want && gn.len == n && (nocase ?
		    ascii_memeq_nocase((const char *)gn.p, v, n) :
		    memcmp(gn.p, v, n) == 0)) {
			return true;
		}
	}
	return false;
}

/* see x509.h */
bool
x509_has_name(const struct x509_cert *c, const char *name)
{
	unsigned char ip[16];
	size_t iplen = 0;

	switch (name_classify(name, ip, &iplen)) {
	case NAME_DNS:
		return san_has(c, 0x82, name, strlen(name), true);
	case NAME_IP:
		return x509_has_ip(c, ip, iplen);
	default:
		return false;
	}
}

/* see x509.h */
bool
x509_has_ip(const struct x509_cert *c, const unsigned char *ip,
    size_t len)
{
	return san_has(c, 0x87, ip, len, false);
}

/* The commonName of the Name TLV dn[0..len) into out (see x509.h). */
static int
name_cn(const unsigned char *dn, size_t len, char *out, size_t cap)
{
	static const unsigned char oid_cn[] = { 0x55, 0x04, 0x03 };
	struct der_in name = { dn, len }, rdns, set, atv, oid, val;
	unsigned tag;
	size_t k;

	if (dn == NULL || der_expect(&name, 0x30, &rdns) != 0) {
		return -1;
	}
	while (rdns.len > 0) {
		if (der_expect(&rdns, 0x31, &set) != 0) {
			return -1;
		}
		while (set.len > 0) {
			if (der_expect(&set, 0x30, &atv) != 0 ||
			    der_expect(&atv, 0x06, &oid) != 0 ||
			    der_get(&atv, &tag, &val, NULL, NULL) != 0) {
				return -1;
			}
			if (oid.len != 3 || memcmp(oid.p, oid_cn, 3) != 0) {
				continue;
			}
			if (val.len >= cap) {
				return -1;
			}
			for (k = 0; k < val.len; k++) {
				if (val.p[k] < 0x20 || val.p[k] > 0x7E) {
					return -1;
				}
				out[k] = (char)val.p[k];
			}
			out[k] = '\0';
			return 0;
		}
	}
	return -1;
}

/* see x509.h */
int
x509_issuer_cn(const struct x509_cert *c, char *out, size_t cap)
{
	return name_cn(c->issuer, c->issuer_len, out, cap);
}

/* Reads the extensionRequest among the CSR attributes attrs. */
static int
csr_attributes(struct der_in attrs, struct x509_cert *c)
{
	static const unsigned char oid_ext_req[] = {
		0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E
	};
	struct der_in attr, oid, set, exts;

	while (attrs.len > 0) {
		if (der_expect(&attrs, 0x30, &attr) != 0 ||
		    der_expect(&attr, 0x06, &oid) != 0 ||
		    der_expect(&attr, 0x31, &set) != 0) {
			return -1;
		}
		if (oid.len == sizeof(oid_ext_req) &&
		    memcmp(oid.p, oid_ext_req, oid.len) == 0 &&
		    (der_expect(&set, 0x30, &exts) != 0 ||
		    x509_extensions(exts, c) != 0)) {
			return -1;
		}
	}
	return 0;
}

/* see x509.h */
int
x509_parse_csr(const unsigned char *der, size_t len, struct x509_cert *c)
{
	struct der_in in = { der, len }, req, cri, v;
	unsigned tag;

	memset(c, 0, sizeof(*c));
	if (der_expect(&in, 0x30, &req) != 0 || in.len != 0 ||
	    der_expect(&req, 0x30, &cri) != 0 ||
	    der_expect(&cri, 0x02, &v) != 0 ||
	    der_get(&cri, &tag, &v, &c->subject, &c->subject_len) != 0 ||
	    tag != 0x30 ||
	    der_get(&cri, &tag, &v, &c->spki, &c->spki_len) != 0 ||
	    tag != 0x30) {
		return -1;
	}
	if (cri.len > 0 && (der_expect(&cri, 0xA0, &v) != 0 ||
	    csr_attributes(v, c) != 0)) {
		return -1;
	}
	return 0;
}

/* Appends one name (NUL-terminated) to buf; sets names[*n]. */
static int
add_name(const char *s, size_t len, char *buf, size_t cap, size_t *used,
    const char **names, size_t max, size_t *n)
{
	size_t k;

	if (*n == max || len == 0 || len >= cap - *used) {
		return -1;
	}
	for (k = 0; k < len; k++) {
		if ((unsigned char)s[k] <= 0x20 || (unsigned char)s[k] > 0x7E) {
			return -1;
		}
	}
	memcpy(buf + *used, s, len);
	buf[*used + len] = '\0';
	names[(*n)++] = buf + *used;
	*used += len + 1;
	return 0;
}

/* see x509.h */
int
x509_names(const struct x509_cert *c, char *buf, size_t cap,
    const char **names, size_t max, size_t *n)
{
	struct der_in gns = { c->san, c->san_len }, gn;
	char text[48], cn[256];
	size_t used = 0;
	unsigned tag;

	*n = 0;
	while (c->san != NULL && gns.len > 0) {
		if (der_get(&gns, &tag, &gn, NULL, NULL) != 0) {
			return -1;
		}
		if (tag == 0x82 && add_name((const char *)gn.p, gn.len, buf, cap,
		    &used, names, max, n) != 0) {
			return -1;
		}
		if (tag == 0x87 && (ip_text(gn.p, gn.len, text,
		    sizeof(text)) != 0 || add_name(text, strlen(text), buf,
		    cap, &used, names, max, n) != 0)) {
			return -1;
		}
	}
	if (*n == 0 && (name_cn(c->subject, c->subject_len, cn, sizeof(cn)) !=
	    0 || add_name(cn, strlen(cn), buf, cap, &used, names, max, n) !=
	    0)) {
		return -1;
	}
	return 0;
}

/* see x509.h */
bool
x509_has_key(const struct x509_cert *c, const struct ec_key *k)
{
	return key_spki_eq(k, c->spki, c->spki_len);
}
