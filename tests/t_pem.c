/* SPDX-License-Identifier: MIT */
/*
 * t_pem.c - unit tests of pem.c (keys, PEM, CSR, name classification),
 * x509.c (DER walk, trust anchors) and store.c (atomic files, lock,
 * version swaps). openssl is the referee for keys, CSRs and certificates;
 * every file lives in one mkdtemp() directory under /tmp, removed at the
 * end.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "json.h"
#include "pem.h"
#include "store.h"
#include "x509.h"

#include "runner.h"

/* The scratch directory of this run. */
static char tmp[] = "/tmp/t_pem.XXXXXX";

/* Output of the last sh() call. */
static char sh_out[65536];

/*
 * Runs a shell command (printf-style) in tmp, stdout and stderr into
 * sh_out. Returns its exit status, or -1.
 */
static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	FILE *f;
	size_t n = 0, r;
	int len, st;

	len = snprintf(cmd, sizeof(cmd), "cd '%s' && { ", tmp);
	va_start(ap, fmt);
	len += vsnprintf(cmd + len, sizeof(cmd) - (size_t)len, fmt, ap);
	va_end(ap);
	if ((size_t)len + 16 >= sizeof(cmd)) {
		return -1;
	}
	strcat(cmd, "; } 2>&1");
	if ((f = popen(cmd, "r")) == NULL) {
		return -1;
	}
	while (n < sizeof(sh_out) - 1 &&
	    (r = fread(sh_out + n, 1, sizeof(sh_out) - 1 - n, f)) > 0) {
		n += r;
	}
	sh_out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* tmp/name into out[0..cap). */
static const char *
tpath(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmp, name);
	return out;
}

/* Writes p[0..n) to tmp/name. */
static int
put_file(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;
	int ok;

	if ((f = fopen(tpath(path, sizeof(path), name), "wb")) == NULL) {
		return -1;
	}
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Reads tmp/name into buf[0..cap), NUL-terminated. Returns length or -1. */
static long
get_file(const char *name, void *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	if ((f = fopen(tpath(path, sizeof(path), name), "rb")) == NULL) {
		return -1;
	}
	n = fread(buf, 1, cap - 1, f);
	((char *)buf)[n] = '\0';
	fclose(f);
	return n == cap - 1 ? -1 : (long)n;
}

/* Reads tmp/name and decodes its first PEM object into der[0..cap). */
static long
get_pem_der(const char *name, unsigned char *der, size_t cap)
{
	static char text[65536];
	char obj[64];
	size_t pos = 0, len;
	long n;

	if ((n = get_file(name, text, sizeof(text))) < 0 ||
	    pem_next(text, (size_t)n, &pos, obj, sizeof(obj), der, cap, &len)
	    != 1) {
		return -1;
	}
	return (long)len;
}

/* ---- keys ---- */

static int
test_key_generate(void)
{
	struct ec_key a, b;
	br_ec_public_key pk;
	unsigned char q[65];
	static const unsigned char zero[32];

	CHECK(key_generate(&a) == 0);
	CHECK(key_generate(&b) == 0);
	CHECK(a.pk.qlen == 65 && a.q[0] == 0x04 && a.pk.q == a.q);
	CHECK(a.pk.curve == BR_EC_secp256r1 && a.sk.curve == BR_EC_secp256r1);
	CHECK(a.sk.x == a.d && a.sk.xlen == 32);
	CHECK(b.pk.qlen == 65 && b.q[0] == 0x04);
	CHECK(memcmp(a.d, b.d, 32) != 0);
	CHECK(memcmp(a.q, b.q, 65) != 0);
	CHECK(memcmp(a.d, zero, 32) != 0);
	CHECK(!key_pub_eq(&a.pk, &b.pk));
	CHECK(key_pub_eq(&a.pk, &a.pk));
	/* q is the public point of d. */
	CHECK(br_ec_compute_pub(&br_ec_p256_m31, &pk, q, &a.sk) == 65);
	CHECK(memcmp(q, a.q, 65) == 0);
	key_wipe(&a);
	CHECK(memcmp(a.d, zero, 32) == 0);
	key_wipe(&b);
	return 0;
}

static int
test_key_pem_roundtrip(void)
{
	struct ec_key a, b;
	struct sbuf s;
	char pem[1024];
	size_t n;

	CHECK(key_generate(&a) == 0);
	sbuf_init(&s, pem, sizeof(pem));
	CHECK(key_to_pem(&a, &s) == 0);
	CHECK(s.err == 0 && s.len == strlen(pem));
	CHECK(strncmp(pem, "-----BEGIN EC PRIVATE KEY-----\n", 31) == 0);
	CHECK(strstr(pem, "-----END EC PRIVATE KEY-----\n") != NULL);
	memset(&b, 0xA5, sizeof(b));
	CHECK(key_from_pem(&b, pem, s.len) == 0);
	CHECK(memcmp(a.d, b.d, 32) == 0);
	CHECK(memcmp(a.q, b.q, 65) == 0);
	CHECK(b.sk.x == b.d && b.pk.q == b.q && b.pk.qlen == 65);
	CHECK(key_pub_eq(&a.pk, &b.pk));
	/* Cap: exactly len + 1, then one short; the builder stays sane. */
	n = s.len;
	sbuf_init(&s, pem, n + 1);
	CHECK(key_to_pem(&a, &s) == 0 && s.len == n);
	sbuf_init(&s, pem, n);
	CHECK(key_to_pem(&a, &s) == -1 && s.err != 0 && s.len == 0);
	sbuf_init(&s, pem, 0);
	CHECK(key_to_pem(&a, &s) == -1);
	/* Appends after what the builder holds. */
	sbuf_init(&s, pem, sizeof(pem));
	sbuf_adds(&s, "# account key\n");
	CHECK(key_to_pem(&a, &s) == 0);
	CHECK(strncmp(pem, "# account key\n-----BEGIN EC", 27) == 0);
	CHECK(key_from_pem(&b, pem, s.len) == 0);
	CHECK(memcmp(a.d, b.d, 32) == 0);
	key_wipe(&a);
	key_wipe(&b);
	return 0;
}

/* The SPKI DER openssl derives from key file name. */
static long
openssl_spki(const char *name, unsigned char *der, size_t cap)
{
	if (sh("openssl pkey -in %s -pubout -outform DER -out spki.der",
	    name) != 0) {
		fprintf(stderr, "  openssl: %s\n", sh_out);
		return -1;
	}
	return get_file("spki.der", der, cap);
}

static int
test_key_pem_openssl_accepts(void)
{
	struct ec_key k;
	struct sbuf s;
	char pem[1024];
	unsigned char der[256];
	long n;

	CHECK(key_generate(&k) == 0);
	sbuf_init(&s, pem, sizeof(pem));
	CHECK(key_to_pem(&k, &s) == 0);
	CHECK(put_file("ours.pem", pem, s.len) == 0);
	CHECK(sh("openssl ec -in ours.pem -check -noout") == 0);
	CHECK(strstr(sh_out, "EC Key valid") != NULL);
	CHECK(sh("openssl pkey -in ours.pem -noout") == 0);
	n = openssl_spki("ours.pem", der, sizeof(der));
	CHECK(n == 91);
	CHECK(key_spki_eq(&k, der, (size_t)n));
	/* The comparison can fail: one byte off, one byte short. */
	der[90] ^= 1;
	CHECK(!key_spki_eq(&k, der, (size_t)n));
	der[90] ^= 1;
	CHECK(!key_spki_eq(&k, der, (size_t)n - 1));
	key_wipe(&k);
	return 0;
}

/* openssl's command gen writes the key file name, a PEM object with
 * the label begin; key_from_pem() of it matches openssl's public key. */
static int
check_openssl_key(const char *gen, const char *begin, const char *name)
{
	struct ec_key k;
	static char pem[8192];
	unsigned char der[256];
	long n, m;

	CHECK(sh("%s -out %s", gen, name) == 0);
	CHECK(sh("grep -q 'BEGIN %s' %s", begin, name) == 0);
	CHECK((n = get_file(name, pem, sizeof(pem))) > 0);
	CHECK(key_from_pem(&k, pem, (size_t)n) == 0);
	CHECK((m = openssl_spki(name, der, sizeof(der))) == 91);
	CHECK(key_spki_eq(&k, der, (size_t)m));
	key_wipe(&k);
	return 0;
}

static int
test_key_from_openssl(void)
{
	static const struct {
		const char *gen, *begin, *name;
	} t[] = {
		/* SEC1 "EC PRIVATE KEY". */
		{ "openssl ecparam -name prime256v1 -genkey -noout",
		    "EC PRIVATE KEY", "sec1.pem" },
		/* SEC1 after an "EC PARAMETERS" object. */
		{ "openssl ecparam -name prime256v1 -genkey", "EC PARAMETERS",
		    "params.pem" },
		/* PKCS#8 "PRIVATE KEY". */
		{ "openssl genpkey -algorithm EC -pkeyopt "
		    "ec_paramgen_curve:P-256", "PRIVATE KEY", "p8.pem" }
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		CHECK_CASE(check_openssl_key(t[i].gen, t[i].begin,
		    t[i].name) == 0, i);
	}
	return 0;
}

/* key_from_pem() of tmp/name; 0 or -1 (-2 when unreadable). */
static int
load_key_file(const char *name, struct ec_key *k)
{
	static char pem[16384];
	long n;

	if ((n = get_file(name, pem, sizeof(pem))) < 0) {
		return -2;
	}
	return key_from_pem(k, pem, (size_t)n);
}

static int
test_key_from_pem_reject(void)
{
	struct ec_key k;
	static char pem[4096];
	struct sbuf s;
	size_t n;

	CHECK(sh("openssl ecparam -name secp384r1 -genkey -noout -out "
	    "p384.pem && openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-384 -out p384p8.pem && openssl genpkey "
	    "-algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem && "
	    "openssl rsa -in rsa.pem -traditional -out rsa1.pem && "
	    "openssl genpkey -algorithm ed25519 -out ed.pem && "
	    "openssl ecparam -name secp256k1 -genkey -noout -out k1.pem && "
	    "openssl ecparam -name brainpoolP256r1 -genkey -noout -out "
	    "bp.pem") == 0);
	CHECK(load_key_file("p384.pem", &k) == -1);
	CHECK(load_key_file("p384p8.pem", &k) == -1);
	CHECK(load_key_file("rsa.pem", &k) == -1);
	CHECK(load_key_file("rsa1.pem", &k) == -1);
	CHECK(load_key_file("ed.pem", &k) == -1);
	/* Other 256-bit curves: same scalar size, wrong curve. */
	CHECK(load_key_file("k1.pem", &k) == -1);
	CHECK(load_key_file("bp.pem", &k) == -1);
	/* Garbage, empty, no key object. */
	CHECK(key_from_pem(&k, "", 0) == -1);
	CHECK(key_from_pem(&k, "hello\n", 6) == -1);
	CHECK(key_from_pem(&k, "-----BEGIN CERTIFICATE-----\nAAEC\n"
	    "-----END CERTIFICATE-----\n", 59) == -1);
	CHECK(key_from_pem(&k, "-----BEGIN EC PRIVATE KEY-----\nAAEC\n"
	    "-----END EC PRIVATE KEY-----\n", 65) == -1);
	/* A good key, truncated at several points, and with bad base64. */
	CHECK(key_generate(&k) == 0);
	sbuf_init(&s, pem, sizeof(pem));
	CHECK(key_to_pem(&k, &s) == 0);
	n = s.len;
	CHECK(key_from_pem(&k, pem, n) == 0);
	CHECK(key_from_pem(&k, pem, n - 1) == 0);      /* lost "\n" only */
	CHECK(key_from_pem(&k, pem, n - 30) == -1);     /* END line gone */
	CHECK(key_from_pem(&k, pem, n / 2) == -1);
	CHECK(key_from_pem(&k, pem, 31) == -1);         /* BEGIN line only */
	CHECK(key_from_pem(&k, pem, 1) == -1);
	pem[40] = '*';
	CHECK(key_from_pem(&k, pem, n) == -1);
	key_wipe(&k);
	return 0;
}

/*
 * pem.h: key_from_pem() reads "the first such object": other objects
 * before it (a certificate in a combined file) are skipped, whatever
 * their size.
 */
static int
test_key_from_pem_after_cert(void)
{
	struct ec_key k;

	CHECK(sh("openssl ecparam -name prime256v1 -genkey -noout -out "
	    "kk.pem && openssl req -new -x509 -newkey rsa:2048 -nodes "
	    "-keyout rsakey.pem -subj /CN=combined.test -days 1 -out "
	    "rsacert.pem && cat rsacert.pem kk.pem > combined.pem") == 0);
	/* A small object before the key is skipped... */
	CHECK(sh("openssl ecparam -name prime256v1 -out small.pem && "
	    "cat small.pem kk.pem > small_kk.pem") == 0);
	CHECK(load_key_file("small_kk.pem", &k) == 0);
	/* ...and so must a certificate bigger than 512 bytes be. */
	CHECK(load_key_file("combined.pem", &k) == 0);
	key_wipe(&k);
	return 0;
}

/* ---- CSR ---- */

/* openssl's text form of IP literal s ("IP Address:..."). */
static void
openssl_ip_text(const char *s, char *out, size_t cap)
{
	unsigned char b[16];
	size_t k, n;

	if (inet_pton(AF_INET, s, b) == 1) {
		snprintf(out, cap, "IP Address:%u.%u.%u.%u", b[0], b[1], b[2],
		    b[3]);
		return;
	}
	inet_pton(AF_INET6, s, b);
	n = (size_t)snprintf(out, cap, "IP Address:");
	for (k = 0; k < 16; k += 2) {
		n += (size_t)snprintf(out + n, cap - n, "%s%X", k ? ":" : "",
		    (unsigned)(b[k] << 8 | b[k + 1]));
	}
}

/*
 * Checks the CSR der[0..len) with openssl: self-signature, subject (CN
 * cn, or empty when cn is NULL), the SAN list exactly names[0..n) in
 * order, and the public key of k.
 */
static int
csr_check(const struct ec_key *k, const unsigned char *der, size_t len,
    const char *const *names, size_t n, const char *cn)
{
	static char text[65536];
	char want[600], *p, *line, *end;
	unsigned char spki[256];
	size_t i;
	long m;

	CHECK(put_file("r.der", der, len) == 0);
	CHECK(sh("openssl req -inform DER -in r.der -noout -verify") == 0);
	CHECK(strstr(sh_out, "verify OK") != NULL);
	CHECK(sh("openssl req -inform DER -in r.der -noout -text") == 0);
	memcpy(text, sh_out, sizeof(text));
	/* Subject line. */
	CHECK((line = strstr(text, "Subject:")) != NULL);
	end = strchr(line, '\n');
	CHECK(end != NULL);
	*end = '\0';
	if (cn != NULL) {
		snprintf(want, sizeof(want), "Subject: CN = %s", cn);
		CHECK(strcmp(line, want) == 0);
	} else {
		CHECK(strspn(line + 8, " ") == strlen(line + 8));
	}
	*end = '\n';
	/* The SAN list: the line after the extension's name. */
	CHECK((p = strstr(text, "X509v3 Subject Alternative Name:")) != NULL);
	CHECK((p = strchr(p, '\n')) != NULL);
	p++;
	p += strspn(p, " ");
	CHECK((end = strchr(p, '\n')) != NULL);
	*end = '\0';
	for (i = 0; i < n; i++) {
		if (name_classify(names[i], NULL, NULL) == NAME_IP) {
			openssl_ip_text(names[i], want, sizeof(want));
		} else {
			snprintf(want, sizeof(want), "DNS:%s", names[i]);
		}
		if (strncasecmp(p, want, strlen(want)) != 0) {
			fprintf(stderr, "  SAN %zu: want %s in %s\n", i, want,
			    p);
			CHECK(0);
		}
		p += strlen(want);
		if (i + 1 < n) {
			CHECK(strncmp(p, ", ", 2) == 0);
			p += 2;
		}
	}
	CHECK(*p == '\0');
	/* The public key. */
	CHECK(sh("openssl req -inform DER -in r.der -noout -pubkey | openssl "
	    "pkey -pubin -outform DER -out csrpub.der") == 0);
	CHECK((m = get_file("csrpub.der", spki, sizeof(spki))) == 91);
	CHECK(key_spki_eq(k, spki, (size_t)m));
	return 0;
}

/* Builds the CSR of names and checks it with openssl and at cap edges. */
static int
csr_case(const char *const *names, size_t n, const char *cn)
{
	static unsigned char der[65536], der2[65536];
	struct ec_key k;
	size_t len, len2, k2, total = 0;
	int line;

	CHECK(key_generate(&k) == 0);
	for (k2 = 0; k2 < n; k2++) {
		total += strlen(names[k2]);
	}
	CHECK(csr_build(&k, names, n, der, sizeof(der), &len) == 0);
	CHECK(len <= CSR_MAX_LEN(n, total));
	if ((line = csr_check(&k, der, len, names, n, cn)) != 0) {
		return line;
	}
	/* Cap: the exact length works (and gives the same bytes: BearSSL's
	 * ECDSA is deterministic), one less fails. */
	CHECK(csr_build(&k, names, n, der2, len, &len2) == 0);
	CHECK(len2 == len && memcmp(der, der2, len) == 0);
	CHECK(csr_build(&k, names, n, der2, len - 1, &len2) == -1);
	CHECK(csr_build(&k, names, n, der2, len / 2, &len2) == -1);
	CHECK(csr_build(&k, names, n, der2, 1, &len2) == -1);
	CHECK(csr_build(&k, names, n, der2, 0, &len2) == -1);
	key_wipe(&k);
	return 0;
}

static int
test_csr_one_name(void)
{
	static const char *const n1[] = { "a.example.test" };

	return csr_case(n1, 1, "a.example.test");
}

static int
test_csr_three_names(void)
{
	static const char *const n3[] = {
		"a.example.test", "*.b.example.test", "C.Example.Test"
	};

	return csr_case(n3, 3, "a.example.test");
}

static int
test_csr_ip_names(void)
{
	static const char *const ip_first[] = {
		"127.0.0.1", "a.example.test", "::1"
	};
	static const char *const dns_first[] = {
		"b.example.test", "2001:db8::a", "10.1.2.3"
	};
	static const char *const ip6[] = { "::1" };

	int line;

	if ((line = csr_case(ip_first, 3, NULL)) != 0) {
		return line;
	}
	if ((line = csr_case(dns_first, 3, "b.example.test")) != 0) {
		return line;
	}
	return csr_case(ip6, 1, NULL);
}

static int
test_csr_cn_length(void)
{
	static char n64[65], n65[66];
	const char *a[1];
	int line;

	/* 64 characters: still a CN; 65: SAN only. */
	memset(n64, 'a', 40);
	n64[40] = '.';
	memset(n64 + 41, 'b', 18);
	memcpy(n64 + 59, ".test", 6);
	memcpy(n65, n64, 65);
	memmove(n65 + 1, n65, 65);
	n65[0] = 'c';
	CHECK(strlen(n64) == 64 && strlen(n65) == 65);
	CHECK(name_classify(n64, NULL, NULL) == NAME_DNS);
	CHECK(name_classify(n65, NULL, NULL) == NAME_DNS);
	a[0] = n64;
	if ((line = csr_case(a, 1, n64)) != 0) {
		return line;
	}
	a[0] = n65;
	return csr_case(a, 1, NULL);
}

/* A CSR with 100 names of 192 characters (two-byte DER lengths). */
static int
test_csr_many_names(void)
{
	static char store_[100][200];
	static const char *names[100];
	char x60[61];
	size_t k;

	memset(x60, 'x', 60);
	x60[60] = '\0';
	for (k = 0; k < 100; k++) {
		snprintf(store_[k], sizeof(store_[k]), "n%03zu.%s.%s.%s.test", k,
		    x60, x60, x60);
		names[k] = store_[k];
		CHECK(strlen(names[k]) == 192);
		CHECK(name_classify(names[k], NULL, NULL) == NAME_DNS);
	}
	/* The first name is longer than 64: no CN. */
	return csr_case(names, 100, NULL);
}

/*
 * pem.h: CSR_MAX_LEN(n, names_len) is what a CSR needs at most. IPv6
 * literals are short as text ("::1", 3 bytes) but 16 bytes in DER.
 */
static int
test_csr_max_len(void)
{
	static char store_[100][8];
	static const char *names[100];
	static unsigned char der[8192];
	struct ec_key k;
	size_t i, total = 0, len, cap;

	CHECK(key_generate(&k) == 0);
	for (i = 0; i < 100; i++) {
		snprintf(store_[i], sizeof(store_[i]), "::%zx", i + 1);
		names[i] = store_[i];
		total += strlen(names[i]);
	}
	cap = CSR_MAX_LEN(100, total);
	CHECK(cap <= sizeof(der));
	CHECK(csr_build(&k, names, 100, der, sizeof(der), &len) == 0);
	if (len > cap) {
		fprintf(stderr, "  100 IPv6 names (%zu bytes of text): CSR "
		    "is %zu bytes, CSR_MAX_LEN says %zu\n", total, len, cap);
	}
	CHECK(csr_build(&k, names, 100, der, cap, &len) == 0);
	key_wipe(&k);
	return 0;
}

static int
test_csr_bad(void)
{
	static const char *const bad[] = { "a.example.test", "bad_name.test" };
	static const char *const bad0[] = { "" };
	unsigned char der[4096];
	struct ec_key k;
	size_t len = 12345;

	CHECK(key_generate(&k) == 0);
	CHECK(csr_build(&k, bad, 2, der, sizeof(der), &len) == -1);
	CHECK(csr_build(&k, bad0, 1, der, sizeof(der), &len) == -1);
	CHECK(csr_build(&k, bad, 0, der, sizeof(der), &len) == -1);
	CHECK(csr_build(&k, bad, 1, der, sizeof(der), &len) == 0);
	key_wipe(&k);
	return 0;
}

/* ---- names ---- */

static int
test_name_classify(void)
{
	static const char *const dns[] = {
		"a.com", "example.com", "A-B.Example.COM", "a.b",
		"xn--bcher-kva.example", "0a.b1", "a--b.com", "*.example.com",
		"*.a.b",
	};
	static const char *const bad[] = {
		"", "a", "-a.com", "a-.com", "a..com", ".a.com", "a.com.",
		"a_b.com", "a b.com", "*.*.a.com", "*", "*.", "*.com", "a*.com",
		"a.*.com", "*a.com", "**.a.com", "\xc3\xa9.com", "a.com\n",
		"a/b.com", "a@b.com", "a:b", "[::1]", "127.0.0.1:80", ".",
		"..", "a.-b.com", "a.b-", " a.com", "a.com ", "::1%lo",
		"1.2.3.4/32",
	};
	char name[300];
	unsigned char ip[16];
	size_t k, len;

	for (k = 0; k < sizeof(dns) / sizeof(dns[0]); k++) {
		if (name_classify(dns[k], ip, &len) != NAME_DNS) {
			fprintf(stderr, "  not DNS: \"%s\"\n", dns[k]);
			CHECK(0);
		}
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (name_classify(bad[k], ip, &len) != NAME_BAD) {
			fprintf(stderr, "  not bad: \"%s\"\n", bad[k]);
			CHECK(0);
		}
	}
	/* IP literals. */
	len = 0;
	CHECK(name_classify("127.0.0.1", ip, &len) == NAME_IP);
	CHECK(len == 4 && memcmp(ip, "\x7f\0\0\x01", 4) == 0);
	CHECK(name_classify("::1", ip, &len) == NAME_IP);
	CHECK(len == 16 && memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16)
	    == 0);
	CHECK(name_classify("2001:db8::a", ip, &len) == NAME_IP);
	CHECK(len == 16 && ip[0] == 0x20 && ip[1] == 0x01 && ip[15] == 0x0a);
	CHECK(name_classify("::ffff:1.2.3.4", ip, &len) == NAME_IP);
	CHECK(len == 16 && ip[10] == 0xff && ip[12] == 1 && ip[15] == 4);
	CHECK(name_classify("0.0.0.0", NULL, NULL) == NAME_IP);
	CHECK(name_classify("::1", NULL, &len) == NAME_IP && len == 16);
	CHECK(name_classify("10.0.0.1", ip, NULL) == NAME_IP && ip[0] == 10);
	/* Label lengths: 63 fine, 64 not. */
	memset(name, 'a', 63);
	memcpy(name + 63, ".com", 5);
	CHECK(name_classify(name, NULL, NULL) == NAME_DNS);
	memset(name, 'a', 64);
	memcpy(name + 64, ".com", 5);
	CHECK(name_classify(name, NULL, NULL) == NAME_BAD);
	memcpy(name, "com.", 4);
	memset(name + 4, 'a', 64);
	name[68] = '\0';
	CHECK(name_classify(name, NULL, NULL) == NAME_BAD);
	name[67] = '\0';
	CHECK(name_classify(name, NULL, NULL) == NAME_DNS);
	/* Name lengths: 253 fine, 254 not (63+1+63+1+63+1+61 = 253). */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	CHECK(name_classify(name, NULL, NULL) == NAME_DNS);
	name[253] = 'a';
	name[254] = '\0';
	CHECK(name_classify(name, NULL, NULL) == NAME_BAD);
	return 0;
}

/* ---- PEM ---- */

static int
test_pem_next(void)
{
	static const char text[] =
	    "junk before\n"
	    "-----BEGIN ONE-----\nAAEC\n-----END ONE-----\n"
	    "text between, ignored\n\n"
	    "-----BEGIN TWO THREE-----\nAwQF\nBg==\n-----END TWO THREE-----";
	unsigned char der[16];
	char name[32];
	size_t pos = 0, len = 0, n = strlen(text);

	CHECK(pem_next(text, n, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 1);
	CHECK(strcmp(name, "ONE") == 0 && len == 3);
	CHECK(memcmp(der, "\0\1\2", 3) == 0);
	CHECK(pos > 0 && pos <= n);
	/* The second object lacks its final newline. */
	CHECK(pem_next(text, n, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 1);
	CHECK(strcmp(name, "TWO THREE") == 0 && len == 4);
	CHECK(memcmp(der, "\3\4\5\6", 4) == 0);
	CHECK(pem_next(text, n, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 0);
	CHECK(pem_next(text, n, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 0);
	/* Empty text and text without objects. */
	pos = 0;
	CHECK(pem_next("", 0, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 0);
	pos = 0;
	CHECK(pem_next("hello\nworld", 11, &pos, name, sizeof(name), der,
	    sizeof(der), &len) == 0);
	return 0;
}

static int
test_pem_next_limits(void)
{
	static const char one[] = "-----BEGIN ONE-----\nAAEC\n-----END ONE-----\n";
	unsigned char der[16];
	char name[32];
	size_t pos, len, n = strlen(one);

	/* der cap: 3 fits, 2 does not, 0 does not. */
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, sizeof(name), der, 3, &len) == 1);
	CHECK(len == 3);
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, sizeof(name), der, 2, &len) == -1);
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, sizeof(name), der, 0, &len) == -1);
	/* name cap: "ONE" needs 4. */
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, 4, der, sizeof(der), &len) == 1);
	CHECK(strcmp(name, "ONE") == 0);
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, 3, der, sizeof(der), &len) == -1);
	pos = 0;
	CHECK(pem_next(one, n, &pos, name, 0, der, sizeof(der), &len) == -1);
	/* Only text[0..len) is read: a cut before END is malformed. */
	pos = 0;
	CHECK(pem_next(one, n - 1, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 1);
	pos = 0;
	CHECK(pem_next(one, 25, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == -1);
	pos = 0;
	CHECK(pem_next(one, 24, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == -1);
	pos = 0;
	CHECK(pem_next(one, 20, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == -1);
	/* Bad base64 inside. */
	pos = 0;
	CHECK(pem_next("-----BEGIN A-----\nA*EC\n-----END A-----\n", 38, &pos,
	    name, sizeof(name), der, sizeof(der), &len) == -1);
	return 0;
}

static int
test_pem_encode(void)
{
	static unsigned char big[49];
	const char *want = "-----BEGIN X-----\nAAEC\n-----END X-----\n";
	char buf[512], name[8];
	unsigned char der[64];
	struct sbuf b;
	size_t n = strlen(want), pos, len;

	sbuf_init(&b, buf, sizeof(buf));
	CHECK(pem_encode("X", "\0\1\2", 3, &b) == 0);
	CHECK(strcmp(buf, want) == 0 && b.len == n);
	sbuf_init(&b, buf, n + 1);
	CHECK(pem_encode("X", "\0\1\2", 3, &b) == 0 && b.len == n);
	sbuf_init(&b, buf, n);
	CHECK(pem_encode("X", "\0\1\2", 3, &b) == -1 && b.err != 0);
	sbuf_init(&b, buf, 0);
	CHECK(pem_encode("X", "\0\1\2", 3, &b) == -1);
	/* 48 bytes are one 64-column line, 49 are two. */
	memset(big, 0xAB, sizeof(big));
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(pem_encode("B", big, 48, &b) == 0);
	CHECK(b.len == 18 + 64 + 1 + 16);
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(pem_encode("B", big, 49, &b) == 0);
	CHECK(strchr(buf + 16, '\n')[65] != '-');
	pos = 0;
	CHECK(pem_next(buf, b.len, &pos, name, sizeof(name), der, sizeof(der),
	    &len) == 1);
	CHECK(len == 49 && memcmp(der, big, 49) == 0 && strcmp(name, "B") == 0);
	return 0;
}

/* ---- x509 ---- */

static struct ec_key x_key, x_other;
static unsigned char c1[4096], c2[4096], c3[4096], c4[4096];
static long c1_len = -1, c2_len = -1, c3_len = -1, c4_len = -1;
static int64_t c1_nb, c1_na, c2_na;
static unsigned char c1_aki[64];
static size_t c1_aki_len;

/* The time "YYYY-MM-DD HH:MM:SSZ" after label (notBefore=) in sh_out. */
static int
sh_out_date(const char *label, int64_t *out)
{
	struct tm t;
	char *p;

	memset(&t, 0, sizeof(t));
	if ((p = strstr(sh_out, label)) == NULL ||
	    sscanf(p + strlen(label), "%d-%d-%d %d:%d:%dZ", &t.tm_year,
	    &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec) != 6) {
		return -1;
	}
	t.tm_year -= 1900;
	t.tm_mon -= 1;
	*out = (int64_t)timegm(&t);
	return 0;
}

/* Reads the notBefore and notAfter dates of tmp/name. */
static int
openssl_dates(const char *name, int64_t *nb, int64_t *na)
{
	if (sh("openssl x509 -in %s -noout -startdate -enddate -dateopt "
	    "iso_8601", name) != 0 || sh_out_date("notBefore=", nb) != 0 ||
	    sh_out_date("notAfter=", na) != 0) {
		return -1;
	}
	return 0;
}

/* The Authority Key Identifier openssl prints for tmp/name. */
static int
openssl_aki(const char *name, unsigned char *out, size_t cap, size_t *len)
{
	char *p;
	unsigned v;
	int used;

	if (sh("openssl x509 -in %s -noout -text", name) != 0 ||
	    (p = strstr(sh_out, "X509v3 Authority Key Identifier:")) == NULL ||
	    (p = strchr(p, '\n')) == NULL) {
		return -1;
	}
	p += strspn(p, " \n");
	if (strncmp(p, "keyid:", 6) == 0) {
		p += 6;
	}
	*len = 0;
	while (*len < cap && sscanf(p, "%2x%n", &v, &used) == 1 && used == 2) {
		out[(*len)++] = (unsigned char)v;
		p += 2;
		if (*p != ':') {
			break;
		}
		p++;
	}
	return *len > 0 ? 0 : -1;
}

static int
test_x509_setup(void)
{
	struct sbuf b;
	char pem[1024];
	int64_t nb;

	CHECK(key_generate(&x_key) == 0);
	CHECK(key_generate(&x_other) == 0);
	sbuf_init(&b, pem, sizeof(pem));
	CHECK(key_to_pem(&x_key, &b) == 0);
	CHECK(put_file("xkey.pem", pem, b.len) == 0);
	sbuf_init(&b, pem, sizeof(pem));
	CHECK(key_to_pem(&x_other, &b) == 0);
	CHECK(put_file("xother.pem", pem, b.len) == 0);
	/* c1: our key, SANs, serial 0x1234, 30 days (UTCTime). */
	CHECK(sh("openssl req -new -x509 -key xkey.pem -subj "
	    "/CN=a.example.test -days 30 -set_serial 4660 -addext "
	    "subjectAltName=DNS:a.example.test,DNS:B.Example.Test,"
	    "IP:127.0.0.1,IP:::1 -out c1.pem") == 0);
	/* c2: the other key, no SAN, serial 0x80, 100 years (GeneralizedTime). */
	CHECK(sh("openssl req -new -x509 -key xother.pem -subj /CN=other.test "
	    "-days 36500 -set_serial 128 -out c2.pem") == 0);
	/* c3: version 1, no extensions at all. */
	CHECK(sh("printf '[req]\\ndistinguished_name=dn\\nprompt=no\\n[dn]\\n"
	    "CN=v1.test\\n' > min.cnf && openssl req -config min.cnf -new "
	    "-x509 -key xother.pem -days 1 -out c3.pem") == 0);
	/* c4: Ed25519, which BearSSL 0.6 cannot decode. */
	CHECK(sh("openssl req -x509 -newkey ed25519 -nodes -keyout ed4.key "
	    "-subj /CN=ed.test -days 1 -out c4.pem") == 0);
	CHECK((c1_len = get_pem_der("c1.pem", c1, sizeof(c1))) > 0);
	CHECK((c2_len = get_pem_der("c2.pem", c2, sizeof(c2))) > 0);
	CHECK((c3_len = get_pem_der("c3.pem", c3, sizeof(c3))) > 0);
	CHECK((c4_len = get_pem_der("c4.pem", c4, sizeof(c4))) > 0);
	CHECK(openssl_dates("c1.pem", &c1_nb, &c1_na) == 0);
	CHECK(openssl_dates("c2.pem", &nb, &c2_na) == 0);
	CHECK(openssl_aki("c1.pem", c1_aki, sizeof(c1_aki), &c1_aki_len) == 0);
	return 0;
}

static int
test_x509_fields(void)
{
	struct x509_cert c;

	CHECK(c1_len > 0);
	CHECK(x509_parse(c1, (size_t)c1_len, &c) == 0);
	CHECK(c.not_before == c1_nb);
	CHECK(c.not_after == c1_na);
	CHECK(c.not_after - c.not_before == 30 * 86400);
	CHECK(c.serial != NULL && c.serial_len == 2);
	CHECK(c.serial[0] == 0x12 && c.serial[1] == 0x34);
	CHECK(c.issuer != NULL && c.issuer_len > 2 && c.issuer[0] == 0x30);
	CHECK(c.issuer >= c1 && c.issuer + c.issuer_len <= c1 + c1_len);
	CHECK(c.spki != NULL && c.spki_len == 91);
	CHECK(c.san != NULL && c.san_len > 0);
	CHECK(c.aki != NULL);
	CHECK(c.aki_len == c1_aki_len && c.aki_len == 20);
	CHECK(memcmp(c.aki, c1_aki, c.aki_len) == 0);
	/* Names. */
	CHECK(x509_has_name(&c, "a.example.test"));
	CHECK(x509_has_name(&c, "A.EXAMPLE.TEST"));
	CHECK(x509_has_name(&c, "b.example.test"));
	CHECK(x509_has_name(&c, "B.Example.Test"));
	CHECK(x509_has_name(&c, "127.0.0.1"));
	CHECK(x509_has_name(&c, "::1"));
	CHECK(x509_has_name(&c, "0:0:0:0:0:0:0:1"));
	CHECK(!x509_has_name(&c, "c.example.test"));
	CHECK(!x509_has_name(&c, "example.test"));
	CHECK(!x509_has_name(&c, "a.example.tes"));
	CHECK(!x509_has_name(&c, "a.example.testx"));
	CHECK(!x509_has_name(&c, "*.example.test"));
	CHECK(!x509_has_name(&c, "127.0.0.2"));
	CHECK(!x509_has_name(&c, "::2"));
	CHECK(!x509_has_name(&c, "::ffff:127.0.0.1"));
	CHECK(!x509_has_name(&c, ""));
	CHECK(!x509_has_name(&c, "a_example.test"));
	/* Keys. */
	CHECK(x509_has_key(&c, &x_key));
	CHECK(!x509_has_key(&c, &x_other));
	return 0;
}

static int
test_x509_other_certs(void)
{
	struct x509_cert c;
	int64_t nb, na;

	/* c2: GeneralizedTime, serial 0x80 (00 80 in DER), no SAN. */
	CHECK(c2_len > 0);
	CHECK(x509_parse(c2, (size_t)c2_len, &c) == 0);
	CHECK(c.not_after == c2_na);
	CHECK(c.not_after > (int64_t)4102444800);       /* after 2100 */
	CHECK(c.serial_len == 2 && c.serial[0] == 0 && c.serial[1] == 0x80);
	CHECK(c.san == NULL);
	CHECK(!x509_has_name(&c, "other.test"));
	CHECK(x509_has_key(&c, &x_other));
	CHECK(!x509_has_key(&c, &x_key));
	/* c3: version 1, no extensions. */
	CHECK(c3_len > 0);
	CHECK(x509_parse(c3, (size_t)c3_len, &c) == 0);
	CHECK(c.san == NULL && c.aki == NULL);
	CHECK(c.serial_len > 0);
	CHECK(openssl_dates("c3.pem", &nb, &na) == 0);
	CHECK(c.not_before == nb && c.not_after == na);
	CHECK(x509_has_key(&c, &x_other));
	/* c4: Ed25519 is still walked; the key is not ours. */
	CHECK(c4_len > 0);
	CHECK(x509_parse(c4, (size_t)c4_len, &c) == 0);
	CHECK(!x509_has_key(&c, &x_key));
	return 0;
}

/* x509_parse() on an exact-size heap copy of der[0..len). */
static int
parse_copy(const unsigned char *der, size_t len)
{
	struct x509_cert c;
	unsigned char *p = malloc(len > 0 ? len : 1);
	int rc;

	if (p == NULL) {
		return -2;
	}
	memcpy(p, der, len);
	rc = x509_parse(p, len, &c);
	if (rc == 0) {
		/* Touch what the walk found, for the sanitizer. */
		(void)x509_has_name(&c, "a.example.test");
		(void)x509_has_key(&c, &x_key);
	}
	free(p);
	return rc;
}

static int
test_x509_reject(void)
{
	static unsigned char d[4096];
	size_t n, k;

	CHECK(c1_len > 0);
	n = (size_t)c1_len;
	CHECK(parse_copy(c1, n) == 0);
	CHECK(parse_copy(c1, n - 1) == -1);
	CHECK(parse_copy(c1, n / 2) == -1);
	CHECK(parse_copy(c1, 2) == -1);
	CHECK(parse_copy(c1, 1) == -1);
	CHECK(parse_copy(c1, 0) == -1);
	for (k = 0; k < n; k++) {
		if (parse_copy(c1, k) != -1) {
			fprintf(stderr, "  prefix of %zu bytes accepted\n", k);
			CHECK(0);
		}
	}
	/* Trailing bytes after the certificate. */
	memcpy(d, c1, n);
	d[n] = 0;
	CHECK(parse_copy(d, n + 1) == -1);
	/* Outer length field (30 82 hi lo) off by one either way. */
	CHECK(c1[0] == 0x30 && c1[1] == 0x82);
	memcpy(d, c1, n);
	d[3]++;
	CHECK(parse_copy(d, n) == -1);
	memcpy(d, c1, n);
	d[3]--;
	CHECK(parse_copy(d, n) == -1);
	/* Indefinite and over-long length forms. */
	memcpy(d, c1, n);
	d[1] = 0x80;
	CHECK(parse_copy(d, n) == -1);
	memcpy(d, c1, n);
	d[1] = 0x85;
	CHECK(parse_copy(d, n) == -1);
	memcpy(d, c1, n);
	d[1] = 0x84;
	CHECK(parse_copy(d, n) == -1);
	/* TBS length (30 82 hi lo at offset 4) one too long. */
	CHECK(c1[4] == 0x30 && c1[5] == 0x82);
	memcpy(d, c1, n);
	d[7]++;
	CHECK(parse_copy(d, n) == -1);
	/* Every byte flipped: any answer, but no out-of-bounds read. */
	for (k = 0; k < n; k++) {
		memcpy(d, c1, n);
		d[k] ^= 0xFF;
		(void)parse_copy(d, n);
		d[k] ^= 0xFE;
		(void)parse_copy(d, n);
	}
	return 0;
}

/* Global, so a failed CHECK leaks nothing: main() frees it. */
static struct anchors a;

/*
 * A certificate whose extensions are followed by bytes that claim huge
 * lengths (in place of signatureAlgorithm and signature). Whatever the
 * answer, the walk must stay inside the buffer; a child process runs it
 * so a sanitizer abort is reported as this test failing.
 */
static int
test_x509_no_overread(void)
{
	static const unsigned char der[] = {
		0x30, 0x49,
		/* TBSCertificate */
		0x30, 0x34,
		0xA0, 0x03, 0x02, 0x01, 0x02,           /* version v3 */
		0x02, 0x01, 0x01,                       /* serial 1 */
		0x30, 0x00,                             /* signature alg */
		0x30, 0x00,                             /* issuer */
		0x30, 0x1E,                             /* validity */
		0x17, 0x0D, '2', '6', '0', '1', '0', '1', '0', '0', '0', '0',
		'0', '0', 'Z',
		0x17, 0x0D, '2', '7', '0', '1', '0', '1', '0', '0', '0', '0',
		'0', '0', 'Z',
		0x30, 0x00,                             /* subject */
		0x30, 0x00,                             /* spki */
		0xA3, 0x02, 0x30, 0x00,                 /* no extensions */
		/* After the TBS: an "extension" of 4 KB in a 75-byte buffer. */
		0x00, 0x00,
		0x30, 0x82, 0x10, 0x09,
		0x06, 0x03, 0x55, 0x1D, 0x11,
		0x04, 0x82, 0x10, 0x00,
		0x30, 0x82, 0x0F, 0xFC
	};
	pid_t pid;
	int st;

	CHECK(sizeof(der) == 2 + 0x49 && der[3] == 0x34);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		(void)parse_copy(der, sizeof(der));
		_exit(42);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	return 0;
}

/*
 * Validity dates: a day past its month's end (Feb 29 of a common year,
 * Apr 31) is not a date, so the certificate is refused; Feb 29 of a
 * leap year and Jan 31 are. A minimal certificate (empty names and key)
 * carries each notBefore.
 */
static int
test_x509_month_days(void)
{
	static const char *const dates[] = {
		"260131000000Z", "240229000000Z", "20000229000000Z",
		"250229000000Z", "260431000000Z", "21000229000000Z",
		"260132000000Z"
	};
	static const int ok[] = { 1, 1, 1, 0, 0, 0, 0 };
	unsigned char der[80];
	struct x509_cert c;
	size_t k, n, dl;

	for (k = 0; k < NELEM(dates); k++) {
		dl = strlen(dates[k]);
		n = 0;
		der[n++] = 0x30;
		der[n++] = (unsigned char)(2 + 35 + dl);
		der[n++] = 0x30;
		der[n++] = (unsigned char)(35 + dl);
		memcpy(der + n, "\xA0\x03\x02\x01\x02\x02\x01\x01"
		    "\x30\x00\x30\x00", 12);
		n += 12;
		der[n++] = 0x30;
		der[n++] = (unsigned char)(4 + dl + 13);
		der[n++] = dl == 13 ? 0x17 : 0x18;
		der[n++] = (unsigned char)dl;
		memcpy(der + n, dates[k], dl);
		n += dl;
		memcpy(der + n, "\x17\x0D" "270101000000Z", 15);
		n += 15;
		memcpy(der + n, "\x30\x00\x30\x00", 4);
		n += 4;
		CHECK(n == 2 + 2 + 35 + dl);
		CHECK_CASE((x509_parse(der, n, &c) == 0) == ok[k], k);
	}
	return 0;
}

static int
test_anchors(void)
{
	static char text[65536];
	struct x509_cert c;
	size_t skipped = 99;
	long n;

	anchors_free(&a);
	CHECK(c1_len > 0 && c2_len > 0);
	CHECK(x509_parse(c1, (size_t)c1_len, &c) == 0);
	CHECK(sh("cat c1.pem c2.pem > two.pem && cat c4.pem c1.pem > "
	    "ed_c1.pem && cat c1.pem xkey.pem c2.pem > mixed.pem && "
	    "head -c 300 c2.pem > cut.pem && cat c1.pem cut.pem > "
	    "c1_cut.pem") == 0);
	CHECK((n = get_file("two.pem", text, sizeof(text))) > 0);
	CHECK(anchors_load(&a, text, (size_t)n, &skipped) == 0);
	CHECK(a.n == 2 && skipped == 0);
	/* The first anchor is c1: subject DN (= issuer, self-signed), key. */
	CHECK(a.ta[0].dn.len == c.issuer_len);
	CHECK(memcmp(a.ta[0].dn.data, c.issuer, c.issuer_len) == 0);
	CHECK(a.ta[0].pkey.key_type == BR_KEYTYPE_EC);
	CHECK(a.ta[0].pkey.key.ec.qlen == 65);
	CHECK(memcmp(a.ta[0].pkey.key.ec.q, x_key.q, 65) == 0);
	CHECK(a.ta[0].flags & BR_X509_TA_CA);
	anchors_free(&a);
	CHECK(a.n == 0 && a.ta == NULL);
	anchors_free(&a);
	/* Objects BearSSL cannot decode are skipped and counted. */
	CHECK((n = get_file("ed_c1.pem", text, sizeof(text))) > 0);
	CHECK(anchors_load(&a, text, (size_t)n, &skipped) == 0);
	CHECK(a.n == 1 && skipped == 1);
	anchors_free(&a);
	/* Non-certificate objects are passed over. */
	CHECK((n = get_file("mixed.pem", text, sizeof(text))) > 0);
	CHECK(anchors_load(&a, text, (size_t)n, NULL) == 0);
	CHECK(a.n == 2);
	anchors_free(&a);
	/* Garbage, nothing, only undecodable, a truncated bundle. */
	CHECK(anchors_load(&a, "garbage\n", 8, &skipped) == -1);
	CHECK(a.n == 0 && a.ta == NULL);
	CHECK(anchors_load(&a, "", 0, NULL) == -1);
	CHECK((n = get_file("c4.pem", text, sizeof(text))) > 0);
	CHECK(anchors_load(&a, text, (size_t)n, &skipped) == -1);
	CHECK(a.n == 0 && a.ta == NULL);
	CHECK((n = get_file("c1_cut.pem", text, sizeof(text))) > 0);
	CHECK(anchors_load(&a, text, (size_t)n, NULL) == -1);
	CHECK(a.n == 0 && a.ta == NULL);
	CHECK(anchors_load(&a, "-----BEGIN CERTIFICATE-----\nAAEC\n"
	    "-----END CERTIFICATE-----\n", 59, &skipped) == -1);
	return 0;
}

static int
test_anchors_system(void)
{
	static char buf[STORE_MAX_FILE];
	const char *path = "/etc/ssl/certs/ca-certificates.crt";
	size_t len, skipped;

	anchors_free(&a);
	if (access(path, R_OK) != 0) {
		printf("skip test_anchors_system: no %s\n", path);
		return 0;
	}
	CHECK(store_read(path, buf, sizeof(buf), &len) == 0);
	CHECK(anchors_load(&a, buf, len, &skipped) == 0);
	CHECK(a.n > 100);
	anchors_free(&a);
	return 0;
}

/* ---- store ---- */

/* Number of entries of directory path whose name contains s. */
static int
count_entries(const char *path, const char *s)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir(path)) == NULL) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0
		    && strstr(e->d_name, s) != NULL) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static int
test_store_write_mode(void)
{
	char path[512], buf[64];
	struct stat st;
	size_t len;
	mode_t old;
	int rc1, rc2, rc3;

	/* Mode 0600 whatever the umask; 0644 under umask 077 too. */
	old = umask(0);
	rc1 = store_write(tpath(path, sizeof(path), "m0.key"), "k0", 2, 0600);
	umask(077);
	rc2 = store_write(tpath(path, sizeof(path), "m77.key"), "k7", 2, 0600);
	rc3 = store_write(tpath(path, sizeof(path), "m77.crt"), "c", 1, 0644);
	umask(old);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == 0);
	CHECK(stat(tpath(path, sizeof(path), "m0.key"), &st) == 0);
	CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600);
	CHECK(st.st_size == 2);
	CHECK(stat(tpath(path, sizeof(path), "m77.key"), &st) == 0);
	CHECK((st.st_mode & 07777) == 0600);
	CHECK(stat(tpath(path, sizeof(path), "m77.crt"), &st) == 0);
	CHECK((st.st_mode & 07777) == 0644);
	CHECK(store_read(tpath(path, sizeof(path), "m77.key"), buf,
	    sizeof(buf), &len) == 0);
	CHECK(len == 2 && strcmp(buf, "k7") == 0);
	/* Replacing a 0644 file with mode 0600 gives 0600. */
	CHECK(store_write(tpath(path, sizeof(path), "m77.crt"), "d", 1, 0600)
	    == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* Empty content. */
	CHECK(store_write(tpath(path, sizeof(path), "empty"), "", 0, 0600)
	    == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 0);
	CHECK(count_entries(tmp, ".tmp") == 0);
	return 0;
}

static int
test_store_write_replace(void)
{
	char path[512], dir[256], buf[64];
	struct stat st1, st2;
	ssize_t r;
	size_t len;
	int fd;

	CHECK(mkdir(tpath(dir, sizeof(dir), "rep"), 0700) == 0);
	snprintf(path, sizeof(path), "%s/file", dir);
	CHECK(store_write(path, "old content", 11, 0600) == 0);
	CHECK(stat(path, &st1) == 0);
	/* A reader that opened the old file keeps reading the old bytes. */
	CHECK((fd = open(path, O_RDONLY)) >= 0);
	CHECK(store_write(path, "new", 3, 0600) == 0);
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CHECK(r == 11 && memcmp(buf, "old content", 11) == 0);
	CHECK(stat(path, &st2) == 0);
	CHECK(st1.st_ino != st2.st_ino);        /* renamed, not rewritten */
	CHECK(store_read(path, buf, sizeof(buf), &len) == 0);
	CHECK(len == 3 && strcmp(buf, "new") == 0);
	/* Nothing but the file is left in the directory. */
	CHECK(count_entries(dir, "") == 1);
	/* A stale temporary of ours does not block the write. */
	snprintf(buf, sizeof(buf), "file.tmp%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, buf);
	CHECK((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file", dir);
	CHECK(store_write(path, "newer", 5, 0600) == 0);
	CHECK(count_entries(dir, "") == 1);
	/* Failure: missing directory; nothing is created. */
	snprintf(path, sizeof(path), "%s/missing/file", dir);
	errno = 0;
	CHECK(store_write(path, "x", 1, 0600) == -1 && errno == ENOENT);
	CHECK(count_entries(dir, "") == 1);
	return 0;
}

static int
test_store_read_caps(void)
{
	char path[512], buf[32];
	size_t len;

	tpath(path, sizeof(path), "sized");
	/* cap 16: 15 bytes fit (plus NUL), 16 and 17 are too big. */
	CHECK(store_write(path, "0123456789abcde", 15, 0600) == 0);
	memset(buf, 'X', sizeof(buf));
	CHECK(store_read(path, buf, 16, &len) == 0);
	CHECK(len == 15 && buf[15] == '\0' && buf[16] == 'X');
	CHECK(memcmp(buf, "0123456789abcde", 15) == 0);
	CHECK(store_read(path, buf, 15, &len) == -1 && errno == EFBIG);
	CHECK(store_read(path, buf, 14, &len) == -1 && errno == EFBIG);
	CHECK(store_write(path, "0123456789abcdef", 16, 0600) == 0);
	errno = 0;
	memset(buf, 'X', sizeof(buf));
	CHECK(store_read(path, buf, 16, &len) == -1 && errno == EFBIG);
	CHECK(buf[16] == 'X');
	CHECK(store_read(path, buf, 17, &len) == 0 && len == 16);
	CHECK(store_write(path, "0123456789abcdefg", 17, 0600) == 0);
	CHECK(store_read(path, buf, 16, &len) == -1 && errno == EFBIG);
	/* Tiny caps. */
	CHECK(store_write(path, "", 0, 0600) == 0);
	CHECK(store_read(path, buf, 1, &len) == 0 && len == 0 &&
	    buf[0] == '\0');
	CHECK(store_read(path, buf, 0, &len) == -1);
	CHECK(store_write(path, "a", 1, 0600) == 0);
	CHECK(store_read(path, buf, 1, &len) == -1 && errno == EFBIG);
	CHECK(store_read(path, buf, 2, &len) == 0 && len == 1);
	/* Missing file. */
	errno = 0;
	CHECK(store_read(tpath(path, sizeof(path), "nope"), buf, sizeof(buf),
	    &len) == -1 && errno == ENOENT);
	return 0;
}

static int
test_store_lock(void)
{
	char dir[256], path[512];
	struct stat st;
	int fd1, fd2, fd3;
	mode_t old;

	CHECK(mkdir(tpath(dir, sizeof(dir), "lockdir"), 0700) == 0);
	old = umask(0);
	fd1 = store_lock(dir);
	umask(old);
	CHECK(fd1 >= 0);
	errno = 0;
	fd2 = store_lock(dir);
	CHECK(fd2 == -1 && errno == EWOULDBLOCK);
	snprintf(path, sizeof(path), "%s/lock", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* Released with its fd. */
	close(fd1);
	fd3 = store_lock(dir);
	CHECK(fd3 >= 0);
	close(fd3);
	/* No directory. */
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(store_lock(path) == -1);
	return 0;
}

static int
test_store_versions(void)
{
	char certs[256], v1[256], v2[256], v3[256], f[600], link[300];
	char target[256], buf[32];
	struct stat st;
	ssize_t n;
	size_t len;

	CHECK(mkdir(tpath(certs, sizeof(certs), "certs"), 0700) == 0);
	CHECK(store_version_new(certs, "ex", v1, sizeof(v1)) == 0);
	CHECK(strncmp(v1, certs, strlen(certs)) == 0);
	CHECK(strcmp(v1 + strlen(certs), "/.ex.1") == 0);
	CHECK(stat(v1, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK((st.st_mode & 07777) == 0700);
	snprintf(f, sizeof(f), "%s/cert.pem", v1);
	CHECK(store_write(f, "one", 3, 0644) == 0);
	CHECK(store_version_commit(certs, "ex", v1) == 0);
	snprintf(link, sizeof(link), "%s/ex", certs);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK((n = readlink(link, target, sizeof(target) - 1)) > 0);
	target[n] = '\0';
	CHECK(strcmp(target, ".ex.1") == 0);          /* relative */
	snprintf(f, sizeof(f), "%s/cert.pem", link);
	CHECK(store_read(f, buf, sizeof(buf), &len) == 0);
	CHECK(strcmp(buf, "one") == 0);
	/* A second version, plus a stale one and unrelated entries. */
	CHECK(store_version_new(certs, "ex", v2, sizeof(v2)) == 0);
	CHECK(strcmp(v2 + strlen(certs), "/.ex.2") == 0);
	snprintf(f, sizeof(f), "%s/cert.pem", v2);
	CHECK(store_write(f, "two", 3, 0644) == 0);
	snprintf(f, sizeof(f), "%s/.ex.7", certs);
	CHECK(mkdir(f, 0700) == 0);
	snprintf(f, sizeof(f), "%s/.ex.7/junk", certs);
	CHECK(store_write(f, "j", 1, 0600) == 0);
	CHECK(store_version_new(certs, "other", v3, sizeof(v3)) == 0);
	snprintf(f, sizeof(f), "%s/.exx.1", certs);
	CHECK(mkdir(f, 0700) == 0);
	snprintf(f, sizeof(f), "%s/.ex.1x", certs);
	CHECK(mkdir(f, 0700) == 0);
	CHECK(store_version_commit(certs, "ex", v2) == 0);
	CHECK((n = readlink(link, target, sizeof(target) - 1)) > 0);
	target[n] = '\0';
	CHECK(strcmp(target, ".ex.2") == 0);
	snprintf(f, sizeof(f), "%s/cert.pem", link);
	CHECK(store_read(f, buf, sizeof(buf), &len) == 0);
	CHECK(strcmp(buf, "two") == 0);
	CHECK(stat(v1, &st) == -1 && errno == ENOENT);  /* old one gone */
	snprintf(f, sizeof(f), "%s/.ex.7", certs);
	CHECK(stat(f, &st) == -1 && errno == ENOENT);   /* stale one gone */
	CHECK(stat(v2, &st) == 0);
	CHECK(stat(v3, &st) == 0);                      /* other names kept */
	snprintf(f, sizeof(f), "%s/.exx.1", certs);
	CHECK(stat(f, &st) == 0);
	snprintf(f, sizeof(f), "%s/.ex.1x", certs);
	CHECK(stat(f, &st) == 0);
	CHECK(count_entries(certs, ".lnk") == 0);
	CHECK(count_entries(certs, ".tmp") == 0);
	/* Numbering continues after the highest taken slot. */
	CHECK(store_version_new(certs, "ex", v1, sizeof(v1)) == 0);
	CHECK(strcmp(v1 + strlen(certs), "/.ex.1") == 0);
	store_version_drop(v1);
	CHECK(stat(v1, &st) == -1 && errno == ENOENT);
	store_version_drop(v3);
	CHECK(stat(v3, &st) == -1 && errno == ENOENT);
	/* out cap: exactly fits, one short. */
	len = strlen(certs) + strlen("/.ex.1") + 1;
	CHECK(store_version_new(certs, "ex", v1, len) == 0);
	store_version_drop(v1);
	errno = 0;
	CHECK(store_version_new(certs, "ex", v1, len - 1) == -1);
	CHECK(errno == ENAMETOOLONG);
	return 0;
}

static int
test_store_mkdirs(void)
{
	char path[512];
	struct stat st;
	mode_t old;
	int rc;

	tpath(path, sizeof(path), "mk/a/b/c");
	old = umask(0);
	rc = store_mkdirs(path, 0700);
	umask(old);
	CHECK(rc == 0);
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK((st.st_mode & 07777) == 0700);
	CHECK(store_mkdirs(path, 0700) == 0);           /* exists: fine */
	tpath(path, sizeof(path), "mk/a/b/c/");
	CHECK(store_mkdirs(path, 0700) == 0);
	CHECK(store_mkdirs("", 0700) == -1);
	/* A file in the way. */
	CHECK(store_write(tpath(path, sizeof(path), "mk/file"), "x", 1, 0600)
	    == 0);
	tpath(path, sizeof(path), "mk/file/sub");
	CHECK(store_mkdirs(path, 0700) == -1);
	return 0;
}

/* name_why(): NULL exactly when name_classify() accepts; else the rule. */
static int
test_name_why(void)
{
	static const struct { const char *name, *why; } t[] = {
		{ "router.example.com", NULL }, { "*.example.com", NULL },
		{ "192.0.2.1", NULL }, { "2001:db8::1", NULL },
		{ "x_y.example", "other than letters" },
		{ "a..example", "empty label" }, { ".a.example", "empty label" },
		{ "a.example.", "trailing dot" }, { "-a.example", "starting" },
		{ "a-.example", "ending" }, { "localhost", "single label" },
		{ "1.2.3.4.5", "digits only" }, { "", "empty" },
		{ "r\xc3\xbc.example", "non-ASCII" }
	};
	const char *w;
	size_t k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		w = name_why(t[k].name);
		CHECK((w == NULL) == (t[k].why == NULL));
		CHECK((w == NULL) == (name_classify(t[k].name, NULL, NULL) !=
		    NAME_BAD));
		CHECK(w == NULL || strstr(w, t[k].why) != NULL);
	}
	return 0;
}

int
main(void)
{
	char cmd[64];

	runner_init(tmp);
	RUN(test_key_generate);
	RUN(test_key_pem_roundtrip);
	RUN(test_key_pem_openssl_accepts);
	RUN(test_key_from_openssl);
	RUN(test_key_from_pem_reject);
	RUN(test_key_from_pem_after_cert);
	RUN(test_csr_one_name);
	RUN(test_csr_three_names);
	RUN(test_csr_ip_names);
	RUN(test_csr_cn_length);
	RUN(test_csr_many_names);
	RUN(test_csr_max_len);
	RUN(test_csr_bad);
	RUN(test_name_classify);
	RUN(test_pem_next);
	RUN(test_pem_next_limits);
	RUN(test_pem_encode);
	RUN(test_x509_setup);
	RUN(test_x509_fields);
	RUN(test_x509_other_certs);
	RUN(test_x509_reject);
	RUN(test_x509_no_overread);
	RUN(test_x509_month_days);
	RUN(test_anchors);
	RUN(test_anchors_system);
	RUN(test_store_write_mode);
	RUN(test_store_write_replace);
	RUN(test_store_read_caps);
	RUN(test_store_lock);
	RUN(test_store_versions);
	RUN(test_store_mkdirs);
	RUN(test_name_why);
	anchors_free(&a);
	key_wipe(&x_key);
	key_wipe(&x_other);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmp);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot remove %s\n", tmp);
	}
	return runner_done();
}
