/* SPDX-License-Identifier: MIT */
/*
 * trust.c - which trust anchors verify the CA's TLS certificate: the
 * CA file or $SSL_CERT_FILE, the built-in Let's Encrypt roots, or the
 * system bundle (decoded once into STATE's anchor cache), and the
 * fallback from the built-in roots to the bundle.
 */
#include "run.h"

#include "roots.h"

/* The built-in anchors stand in for a file name in messages. */
static const char builtin_roots[] = "(built-in ISRG Root X1 and X2)";

/*
 * $name in test builds only (NANOACME_TEST_HOOKS: the sanitizer build
 * of make check), else NULL: NANOACME_TEST_LE, a directory URL prefix
 * counted as Let's Encrypt's, and NANOACME_TEST_SYSTEM_CA, the system
 * bundle, let tests/anchors.sh run the built-in roots and their
 * fallback against Pebble. A shipped build reads neither.
 */
static const char *
test_env(const char *name)
{
#ifdef NANOACME_TEST_HOOKS
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
#else
	(void)name;
	return NULL;
#endif
}

/* The system bundle: what --ca-file defaults to without $SSL_CERT_FILE. */
static const char *
system_bundle(void)
{
	const char *t = test_env("NANOACME_TEST_SYSTEM_CA");

	return t != NULL ? t : DEFAULT_CA_FILE;
}

/*
 * Where the anchors of the CA's TLS certificate come from: --ca-file,
 * else $SSL_CERT_FILE (as OpenSSL-based tools do), else, for Let's
 * Encrypt's directories, its two roots compiled in (roots.h: no file to
 * read or hash at all), else the system bundle (decoded once, then read
 * from its cache in STATE/anchors: tacache.h). When the CA's chain does
 * not verify against the built-in roots, send_req() falls back to the
 * system bundle (roots_fallback()).
 */
static const char *
anchors_source(const struct run *r)
{
	struct session *ca = r->ca;
	static const char *const le_hosts[] = {
		"https://acme-v02.api.letsencrypt.org/",
		"https://acme-staging-v02.api.letsencrypt.org/"
	};
	const char *env = getenv("SSL_CERT_FILE");
	const char *t = test_env("NANOACME_TEST_LE");
	size_t k;

	if (r->c->ca_file != NULL) {
		return r->c->ca_file;
	}
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	/* once the built-in roots failed this run, the bundle stays: no
	 * failed handshake and fallback again for every certificate */
	for (k = 0; k < 2 && !ca->roots_failed; k++) {
		if (strncmp(r->c->directory, le_hosts[k],
		    strlen(le_hosts[k])) == 0) {
			return builtin_roots;
		}
	}
	if (t != NULL && !ca->roots_failed &&
	    strncmp(r->c->directory, t, strlen(t)) == 0) {
		return builtin_roots;
	}
	return system_bundle();
}

/* Points the TLS client at anchors ta[0..n) (closes the connection). */
static void
use_anchors(struct run *r, const br_x509_trust_anchor *ta, size_t n,
    const char *source)
{
	struct session *ca = r->ca;

	http_client_init(&ca->http, ta, n, ca->iobuf, sizeof(ca->iobuf));
	ca->http.user_agent = "nanoacme/" NANOACME_VERSION;
	fmt_s(ca->anchors_file, sizeof(ca->anchors_file), "%s", source);
	msg_info(r->o, 2, "%zu trust anchors from %s", n, source);
}

/*
 * Makes r trust the anchors of bundle file, through their cache in
 * STATE/anchors (tacache.h). On failure r keeps the anchors it had.
 */
static int
load_bundle(struct run *r, const char *file)
{
	struct session *ca = r->ca;
	static const char *const how_text[] = { "from the cache",
		"decoded, cache written", "decoded, cache not written",
		"decoded" };
	char dir[STORE_PATH_MAX];
	enum tacache_how how;
	struct anchors a;

	if (anchors_dir(r, dir) != 0) {
		return EXIT_LOCAL;
	}
	if (tacache_load(&a, file, dir, &how) != 0) {
		if (how == TACACHE_EREAD) {
			return file_fail("cannot read CA file", file);
		}
		msg_err("%s: no usable CA certificate in it", file);
		return EXIT_LOCAL;
	}
	/* Other anchors: the connection was verified against the old. */
	http_client_close(&ca->http);
	anchors_free(&ca->anchors);
	ca->anchors = a;
	use_anchors(r, a.ta, a.n, file);
	msg_info(r->o, 2, "trust anchors of %s: %s", file, how_text[how]);
	return 0;
}

/* Loads the trust anchors of the CA's TLS certificate (see above). */
int
load_anchors(struct run *r)
{
	struct session *ca = r->ca;
	const char *file = anchors_source(r);

	if (strcmp(ca->anchors_file, file) == 0) {
		return 0;
	}
	if (file != builtin_roots) {
		return load_bundle(r, file);
	}
	http_client_close(&ca->http);
	anchors_free(&ca->anchors);
	use_anchors(r, roots_isrg, 2, file);
	return 0;
}

/*
 * After a failed request: if the CA's chain did not verify against the
 * built-in roots, trusts the system bundle instead and returns true, so
 * the request is sent again. Let's Encrypt moves its chains to new
 * roots over the years (Gen Y, 2025); a router whose firmware is never
 * updated must still reach it, through the bundle its packages update.
 * True at most once per change of anchors: the bundle has no fallback.
 */
bool
roots_fallback(struct run *r)
{
	struct session *ca = r->ca;
	const char *file = system_bundle();

	if (strcmp(ca->anchors_file, builtin_roots) != 0 ||
	    ca->http.err != HTTP_ETLS ||
	    ca->http.detail != BR_ERR_X509_NOT_TRUSTED) {
		return false;
	}
	msg_info(r->o, 1, "the CA's certificate does not chain to the "
	    "built-in roots: trying %s", file);
	ca->roots_failed = true;
	return load_bundle(r, file) == 0;
}
