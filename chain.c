/* SPDX-License-Identifier: MIT */
/*
 * chain.c - the certificate itself: its key (new, or kept with
 * --reuse-key), the CSR (built, or the user's --csr), the checks on the
 * chain the CA returns (key, names, dates), alternate chains, and the
 * download that hands it to state.c.
 */
#include "run.h"

/*
 * The certificate key: the current one with --reuse-key (when there is
 * one), else a new one: a renewal normally changes the key, so a key
 * that leaked once does not stay valid for years.
 */
int
cert_key(struct run *r)
{
	int rc;

	if (r->c->reuse_key == 1 && (rc = cert_key_read(r, r->c->names[0],
	    &r->cs->cert_key)) >= 0) {
		return rc;      /* read, or not a key */
	}
	if (key_generate(&r->cs->cert_key) != 0) {
		msg_err("cannot generate a key: %s", fmt_strerror(errno));
		return EXIT_LOCAL;
	}
	return 0;
}

/*
 * Reads the CSR of --csr (PEM "CERTIFICATE REQUEST" or DER) into r->der
 * and remembers its key, which the certificate must certify. Returns 0
 * or an exit code.
 */
int
csr_read(struct run *r, const char *path, size_t *der_len,
    struct x509_cert *x)
{
	char label[64];
	size_t len, pos = 0;
	int got = 0;

	*der_len = 0;
	if (store_read(path, r->pem, sizeof(r->pem), &len) != 0) {
		return file_fail("cannot read CSR", path);
	}
	while (got == 0 && pem_next(r->pem, len, &pos, label, sizeof(label),
	    r->der, sizeof(r->der), der_len) == 1) {
		got = strcmp(label, "CERTIFICATE REQUEST") == 0 ||
		    strcmp(label, "NEW CERTIFICATE REQUEST") == 0;
	}
	if (got == 0) {
		/* not PEM: DER as it is (too large: no CSR, *der_len 0) */
		*der_len = len <= sizeof(r->der) ? len : 0;
		memcpy(r->der, r->pem, *der_len);
	}
	if (x509_parse_csr(r->der, *der_len, x) != 0 ||
	    x->spki_len > CSR_SPKI_MAX) {
		msg_err("%s: not a PKCS#10 certificate request", path);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * issue --csr: the names come from the CSR. Names also given on the
 * command line must be the same set.
 */
int
csr_names(struct run *r, struct conf *c, char *buf, size_t cap)
{
	const char *names[ACME_MAX_NAMES];
	struct x509_cert x;
	size_t der_len, n, k, j;
	int rc;

	if ((rc = csr_read(r, c->csr_file, &der_len, &x)) != 0) {
		return rc;
	}
	if (x509_names(&x, buf, cap, names, ACME_MAX_NAMES, &n) != 0) {
		msg_err("%s: no usable names in the CSR", c->csr_file);
		return EXIT_USAGE;
	}
	for (k = 0; k < c->nnames; k++) {
		/* names compare as the CA compares them: without case */
		for (j = 0; j < n && !ascii_streq_nocase(names[j],
		    c->names[k]); j++) {
		}
		if (j == n || c->nnames != n) {
			msg_err("the names given differ from those of %s",
			    c->csr_file);
			return EXIT_USAGE;
		}
	}
	for (k = 0; k < n; k++) {
		c->names[k] = names[k];
	}
	c->nnames = n;
	return 0;
}

/* Checks that the leaf der[0..len) certifies our key for every name. */
static int
leaf_check(const struct run *r, const unsigned char *der, size_t len,
    struct x509_cert *leaf)
{
	char when[32];
	size_t k;

	if (x509_parse(der, len, leaf) != 0) {
		msg_err("certificate %s: the leaf is not a valid X.509 "
		    "certificate", r->cs->cert_url);
		return EXIT_ACME;
	}
	/* An expired or not yet valid certificate must not replace a
	 * working one (the clock was checked sane before we started). */
	if (leaf->not_after <= (int64_t)time(NULL)) {
		fmt_date(leaf->not_after, when);
		msg_err("certificate %s: expired (notAfter %s UTC)",
		    r->cs->cert_url, when);
		return EXIT_ACME;
	}
	if (leaf->not_before > (int64_t)time(NULL) + 86400) {
		fmt_date(leaf->not_before, when);
		msg_err("certificate %s: not valid yet (notBefore %s UTC)",
		    r->cs->cert_url, when);
		return EXIT_ACME;
	}
	if (r->c->csr_file != NULL ? leaf->spki_len != r->cs->csr_spki_len ||
	    memcmp(leaf->spki, r->cs->csr_spki, r->cs->csr_spki_len) != 0 :
	    !x509_has_key(leaf, &r->cs->cert_key)) {
		msg_err("certificate %s: does not certify our key",
		    r->cs->cert_url);
		return EXIT_ACME;
	}
	for (k = 0; k < r->c->nnames; k++) {
		if (!x509_has_name(leaf, r->c->names[k])) {
			msg_err("certificate %s: %s is missing from its names",
			    r->cs->cert_url, r->c->names[k]);
			return EXIT_ACME;
		}
	}
	return 0;
}

/*
 * Checks the downloaded chain (RFC 8555 §7.4.2) and re-encodes it into
 * r->pem (*pem_len bytes) as leaf then issuers; *leaf_len is the length
 * of the leaf's PEM; *not_after its expiry.
 */
static int
chain_check(struct run *r, size_t *leaf_len, size_t *pem_len,
    int64_t *not_after)
{
	struct session *ca = r->ca;
	const char *text = (const char *)ca->body;
	struct x509_cert leaf;
	struct sbuf b;
	char name[64];
	size_t pos = 0, der_len, n = 0;
	int got, rc;

	sbuf_init(&b, r->pem, sizeof(r->pem));
	while ((got = pem_next(text, ca->resp.body_len, &pos, name,
	    sizeof(name), r->der, sizeof(r->der), &der_len)) == 1) {
		if (strcmp(name, "CERTIFICATE") != 0) {
			continue;
		}
		if (n == 0) {
			if ((rc = leaf_check(r, r->der, der_len, &leaf)) != 0) {
				return rc;
			}
			*not_after = leaf.not_after;
		}
		pem_encode("CERTIFICATE", r->der, der_len, &b);
		if (n++ == 0) {
			*leaf_len = b.len;
		}
	}
	if (got < 0 || n == 0 || b.err != 0) {
		msg_err("certificate %s: not a PEM certificate chain",
		    r->cs->cert_url);
		return EXIT_ACME;
	}
	*pem_len = b.len;
	return 0;
}

/* True if the chain in the last reply tops out at issuer CN want. */
static bool
chain_top_is(struct run *r, const char *want)
{
	struct session *ca = r->ca;
	const char *text = (const char *)ca->body;
	struct x509_cert x;
	char name[64], cn[256];
	size_t pos = 0, der_len, top_len = 0;

	/* r->der ends up holding the last (topmost) certificate. */
	while (pem_next(text, ca->resp.body_len, &pos, name, sizeof(name),
	    r->der, sizeof(r->der), &der_len) == 1) {
		if (strcmp(name, "CERTIFICATE") == 0) {
			top_len = der_len;
		}
	}
	return top_len > 0 && top_len == der_len &&
	    x509_parse(r->der, top_len, &x) == 0 &&
	    x509_issuer_cn(&x, cn, sizeof(cn)) == 0 && strcmp(cn, want) == 0;
}

/*
 * --preferred-chain: when the default chain does not top out at the
 * wanted issuer, tries the Link rel="alternate" chains (RFC 8555
 * §7.4.2) in turn; if none does, falls back to the default.
 */
static int
pick_chain(struct run *r)
{
	struct session *ca = r->ca;
	char alt[HTTP_MAX_ALTERNATES][HTTP_MAX_URL];
	size_t k, n = ca->resp.nalternate;
	int rc;

	if (r->c->preferred_chain == NULL ||
	    chain_top_is(r, r->c->preferred_chain)) {
		return 0;
	}
	memcpy(alt, ca->resp.alternate, sizeof(alt));
	for (k = 0; k < n; k++) {
		if ((rc = acme_post(r, alt[k], "", false)) != 0) {
			return rc;
		}
		if (ca->resp.status == 200 &&
		    chain_top_is(r, r->c->preferred_chain)) {
			msg_info(r->o, 1, "  chain %s tops out at %s", alt[k],
			    r->c->preferred_chain);
			return 0;
		}
	}
	msg_info(r->o, 0, "no chain tops out at \"%s\": keeping the default",
	    r->c->preferred_chain);
	if ((rc = acme_post(r, r->cs->cert_url, "", false)) != 0) {
		return rc;
	}
	return ca->resp.status == 200 ? 0 : acme_fail(r, "certificate",
	    r->cs->cert_url);
}

/* Downloads the chain (RFC 8555 §7.4.2), checks it and stores it. */
int
download(struct run *r, bool renewal)
{
	size_t leaf_len = 0, pem_len = 0;
	int64_t not_after = 0;
	char until[32];
	int rc;

	if ((rc = acme_post(r, r->cs->cert_url, "", false)) != 0) {
		return rc;
	}
	if (r->ca->resp.status != 200) {
		return acme_fail(r, "certificate", r->cs->cert_url);
	}
	if ((rc = pick_chain(r)) != 0) {
		return rc;
	}
	if ((rc = chain_check(r, &leaf_len, &pem_len, &not_after)) != 0 ||
	    (rc = save_cert(r, leaf_len, pem_len)) != 0) {
		return rc;
	}
	fmt_date(not_after, until);
	/* Quiet on success for cron's renew, unless -v. */
	msg_info(r->o, renewal && !r->o->dry_run ? 1 : 0, "%s%s %s, valid "
	    "until %s UTC: %s/certs/%s/", r->o->dry_run ? "dry run: " : "",
	    renewal ? "renewed" : "issued", r->c->names[0], until, r->wstate,
	    r->c->names[0]);
	return 0;
}
