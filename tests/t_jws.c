/* SPDX-License-Identifier: MIT */
/*
 * t_jws.c - unit tests of jws.c: base64url (RFC 4648 §10), JWK and
 * RFC 7638 thumbprint, key authorizations, and ES256 JWS checked by
 * BearSSL and by openssl as an independent referee.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>

#include "json.h"
#include "jws.h"
#include "pem.h"

#include "runner.h"

/* RFC 7515 Appendix A.3: the ES256 example key (d, x, y). */
static const unsigned char a3_d[32] = {
	0x8e, 0x9b, 0x10, 0x9e, 0x71, 0x90, 0x98, 0xbf, 0x98, 0x04, 0x87,
	0xdf, 0x1f, 0x5d, 0x77, 0xe9, 0xcb, 0x29, 0x60, 0x6e, 0xbe, 0xd2,
	0x26, 0x3b, 0x5f, 0x57, 0xc2, 0x13, 0xdf, 0x84, 0xf4, 0xb2
};
static const unsigned char a3_q[65] = {
	0x04,
	0x7f, 0xcd, 0xce, 0x27, 0x70, 0xf6, 0xc4, 0x5d, 0x41, 0x83, 0xcb,
	0xee, 0x6f, 0xdb, 0x4b, 0x7b, 0x58, 0x07, 0x33, 0x35, 0x7b, 0xe9,
	0xef, 0x13, 0xba, 0xcf, 0x6e, 0x3c, 0x7b, 0xd1, 0x54, 0x45,
	0xc7, 0xf1, 0x44, 0xcd, 0x1b, 0xbd, 0x9b, 0x7e, 0x87, 0x2c, 0xdf,
	0xed, 0xb9, 0xee, 0xb9, 0xf4, 0xb3, 0x69, 0x5d, 0x6e, 0xa9, 0x0b,
	0x24, 0xad, 0x8a, 0x46, 0x23, 0x28, 0x85, 0x88, 0xe5, 0xad
};
#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define A3_JWK "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" A3_X \
	"\",\"y\":\"" A3_Y "\"}"
/* printf %s A3_JWK | openssl dgst -sha256 -binary | basenc --base64url */
#define A3_THUMB "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"

static unsigned char key_d[32], key_q[65];
static br_ec_private_key a3_sk = {
	BR_EC_secp256r1, key_d, sizeof(key_d)
};
static br_ec_public_key a3_pk = {
	BR_EC_secp256r1, key_q, sizeof(key_q)
};

static void
a3_load(void)
{
	memcpy(key_d, a3_d, sizeof(key_d));
	memcpy(key_q, a3_q, sizeof(key_q));
}

/* Runs cmd with sh; its stdout into out[0..cap) (NUL-terminated). */
static int
run(const char *cmd, char *out, size_t cap)
{
	FILE *f;
	size_t n = 0, r;
	int st;

	if ((f = popen(cmd, "r")) == NULL) {
		return -1;
	}
	while (cap > 1 && n < cap - 1 &&
	    (r = fread(out + n, 1, cap - 1 - n, f)) > 0) {
		n += r;
	}
	if (cap > 0) {
		out[n] = '\0';
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Writes p[0..n) to dir/name. */
static int
put_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		return -1;
	}
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Removes a directory made by mkdtemp under /tmp. */
static void
rm_tmpdir(const char *dir)
{
	char cmd[600];

	if (strncmp(dir, "/tmp/", 5) == 0 && strchr(dir, '\'') == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "  cannot remove %s\n", dir);
		}
	}
}

/* Encodes and checks one RFC 4648 §10 vector at exact and short caps. */
static int
b64_vector(const char *in, const char *want)
{
	char out[32];
	size_t n = strlen(in), len = 99;
	unsigned char back[32];

	memset(out, 'X', sizeof(out));
	if (B64URL_LEN(n) != strlen(want)) {
		return __LINE__;
	}
	if (b64url_encode(in, n, out, B64URL_LEN(n) + 1, &len) != 0 ||
	    len != strlen(want) || strcmp(out, want) != 0 ||
	    out[len + 1] != 'X') {
		return __LINE__;
	}
	memset(out, 'X', sizeof(out));
	if (b64url_encode(in, n, out, B64URL_LEN(n), &len) != -1 ||
	    out[B64URL_LEN(n)] != 'X') {
		return __LINE__;
	}
	if (b64url_encode(in, n, out, sizeof(out), NULL) != 0 ||
	    strcmp(out, want) != 0) {
		return __LINE__;
	}
	/* Decode back, with exactly n bytes of room, then one short. */
	if (b64url_decode(want, strlen(want), back, n, &len) != 0 ||
	    len != n || memcmp(back, in, n) != 0) {
		return __LINE__;
	}
	if (n > 0 && b64url_decode(want, strlen(want), back, n - 1, &len)
	    != -1) {
		return __LINE__;
	}
	return 0;
}

static int
test_b64_rfc4648(void)
{
	static const char *v[][2] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t k;
	int line;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		if ((line = b64_vector(v[k][0], v[k][1])) != 0) {
			fprintf(stderr, "  vector \"%s\"\n", v[k][0]);
			return line;
		}
	}
	CHECK(B64URL_LEN(32) == 43);
	CHECK(B64URL_LEN(64) == 86);
	return 0;
}

static int
test_b64_alphabet(void)
{
	static const unsigned char fbff[] = { 0xfb, 0xff };
	static const char all[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char in[48], back[48];
	char out[80];
	size_t len, k, bit;

	CHECK(b64url_encode(fbff, 2, out, sizeof(out), &len) == 0);
	CHECK(len == 3 && strcmp(out, "-_8") == 0);
	CHECK(b64url_decode("-_8", 3, back, sizeof(back), &len) == 0);
	CHECK(len == 2 && back[0] == 0xfb && back[1] == 0xff);
	/* 48 bytes whose 6-bit groups are 0, 1, ..., 63. */
	memset(in, 0, sizeof(in));
	for (k = 0; k < 64; k++) {
		for (bit = 0; bit < 6; bit++) {
			if (k >> (5 - bit) & 1) {
				in[(k * 6 + bit) / 8] |=
				    (unsigned char)(0x80 >> ((k * 6 + bit) % 8));
			}
		}
	}
	CHECK(b64url_encode(in, 48, out, sizeof(out), &len) == 0);
	CHECK(len == 64 && strcmp(out, all) == 0);
	CHECK(b64url_decode(all, 64, back, sizeof(back), &len) == 0);
	CHECK(len == 48 && memcmp(back, in, 48) == 0);
	return 0;
}

static int
test_b64_decode_reject(void)
{
	unsigned char out[16];
	size_t len = 0;

	CHECK(b64url_decode("", 0, out, 0, &len) == 0 && len == 0);
	CHECK(b64url_decode("Zg", 2, out, sizeof(out), &len) == 0);
	CHECK(len == 1 && out[0] == 'f');
	/* Padding, standard alphabet, whitespace. */
	CHECK(b64url_decode("Zg==", 4, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm8=", 4, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("+_8", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("-/8", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9v Yg", 7, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9v\nYg", 7, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9vYg\n", 7, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode(" Zg", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zg.", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Z\0g", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9\xc3", 4, out, sizeof(out), &len) == -1);
	/* Length 1 mod 4. */
	CHECK(b64url_decode("Z", 1, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9vY", 5, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9vYmFyZ", 9, out, sizeof(out), &len) == -1);
	/* Non-canonical trailing bits. */
	CHECK(b64url_decode("Zh", 2, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zv", 2, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm9", 3, out, sizeof(out), &len) == -1);
	CHECK(b64url_decode("Zm8", 3, out, sizeof(out), &len) == 0);
	CHECK(b64url_decode("-_9", 3, out, sizeof(out), &len) == -1);
	/* Only in[0..n) is read. */
	CHECK(b64url_decode("Zg==", 2, out, sizeof(out), &len) == 0);
	CHECK(len == 1 && out[0] == 'f');
	/* Output cap: 0, 1 and 2 bytes of room for 2 bytes. */
	CHECK(b64url_decode("Zm8", 3, out, 0, &len) == -1);
	CHECK(b64url_decode("Zm8", 3, out, 1, &len) == -1);
	CHECK(b64url_decode("Zm8", 3, out, 2, &len) == 0 && len == 2);
	return 0;
}

static int
test_b64_is_token(void)
{
	CHECK(!b64url_is_token("", 0));
	CHECK(b64url_is_token("a", 1));
	CHECK(b64url_is_token("aZ09-_", 6));
	CHECK(!b64url_is_token("a=", 2));
	CHECK(b64url_is_token("a=", 1));
	CHECK(!b64url_is_token("a.b", 3));
	CHECK(!b64url_is_token("a/b", 3));
	CHECK(!b64url_is_token("a+b", 3));
	CHECK(!b64url_is_token("a b", 3));
	CHECK(!b64url_is_token("a\0b", 3));
	CHECK(!b64url_is_token("../x", 4));
	CHECK(!b64url_is_token("\xff", 1));
	return 0;
}

static int
test_b64_add(void)
{
	struct sbuf b;
	char p[8];

	/* "Zm9vYg" needs 6 + NUL. */
	sbuf_init(&b, p, 7);
	b64url_add(&b, "foob", 4);
	CHECK(b.err == 0 && strcmp(p, "Zm9vYg") == 0);
	sbuf_init(&b, p, 6);
	b64url_add(&b, "foob", 4);
	CHECK(b.err != 0);
	sbuf_init(&b, p, sizeof(p));
	sbuf_adds(&b, "x");
	b64url_add(&b, "", 0);
	b64url_add(&b, "f", 1);
	CHECK(b.err == 0 && strcmp(p, "xZg") == 0);
	return 0;
}

static int
test_jwk(void)
{
	struct sbuf b;
	char buf[256];
	unsigned char q[65];
	br_ec_public_key pk;
	size_t n = strlen(A3_JWK);

	a3_load();
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_jwk(&a3_pk, &b) == 0);
	CHECK(b.len == n && strcmp(buf, A3_JWK) == 0);
	/* Cap: exactly n + 1, then one short. */
	sbuf_init(&b, buf, n + 1);
	CHECK(jws_jwk(&a3_pk, &b) == 0 && b.len == n);
	sbuf_init(&b, buf, n);
	CHECK(jws_jwk(&a3_pk, &b) == -1 && b.err != 0);
	/* Not an uncompressed P-256 point. */
	memcpy(q, a3_q, sizeof(q));
	pk.curve = BR_EC_secp256r1;
	pk.q = q;
	pk.qlen = 65;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_jwk(&pk, &b) == 0);
	q[0] = 0x02;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_jwk(&pk, &b) == -1);
	q[0] = 0x04;
	pk.qlen = 33;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_jwk(&pk, &b) == -1);
	pk.qlen = 65;
	pk.curve = BR_EC_secp384r1;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_jwk(&pk, &b) == -1);
	return 0;
}

/* base64url(SHA-256(s)) computed by openssl into out[JWS_THUMB_LEN]. */
static int
openssl_b64sha256(const char *s, char out[JWS_THUMB_LEN])
{
	char cmd[1024], res[128];
	size_t n;

	/* s is base64url, JSON punctuation and dots only: no quote. */
	if (strchr(s, '\'') != NULL) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "printf %%s '%s' | openssl dgst -sha256 "
	    "-binary | basenc --base64url | tr -d '=\\n'", s);
	if (run(cmd, res, sizeof(res)) != 0 || (n = strlen(res)) != 43) {
		return -1;
	}
	memcpy(out, res, n + 1);
	return 0;
}

static int
test_thumbprint(void)
{
	char t[JWS_THUMB_LEN], ref[JWS_THUMB_LEN], jwk[256];
	struct ec_key k;
	struct sbuf b;
	br_ec_public_key pk;
	unsigned char q[65];

	a3_load();
	memset(t, 'X', sizeof(t));
	CHECK(jws_thumbprint(&a3_pk, t) == 0);
	CHECK(strlen(t) == 43);
	CHECK(strcmp(t, A3_THUMB) == 0);
	CHECK(openssl_b64sha256(A3_JWK, ref) == 0);
	CHECK(strcmp(t, ref) == 0);
	/* A fresh key: openssl over the JWK we emit. */
	CHECK(key_generate(&k) == 0);
	sbuf_init(&b, jwk, sizeof(jwk));
	CHECK(jws_jwk(&k.pk, &b) == 0);
	CHECK(jws_thumbprint(&k.pk, t) == 0);
	CHECK(openssl_b64sha256(jwk, ref) == 0);
	CHECK(strcmp(t, ref) == 0);
	CHECK(strcmp(t, A3_THUMB) != 0);
	key_wipe(&k);
	/* A bad key has no thumbprint. */
	memcpy(q, a3_q, sizeof(q));
	q[0] = 0x03;
	pk.curve = BR_EC_secp256r1;
	pk.q = q;
	pk.qlen = 65;
	CHECK(jws_thumbprint(&pk, t) == -1);
	return 0;
}

static int
test_key_authz(void)
{
	char out[128];
	const char *want = "tok_en-1." A3_THUMB;
	size_t n = strlen(want);

	CHECK(jws_key_authz("tok_en-1", A3_THUMB, out, sizeof(out)) == 0);
	CHECK(strcmp(out, want) == 0);
	CHECK(jws_key_authz("tok_en-1", A3_THUMB, out, n + 1) == 0);
	CHECK(strcmp(out, want) == 0);
	CHECK(jws_key_authz("tok_en-1", A3_THUMB, out, n) == -1);
	CHECK(jws_key_authz("tok_en-1", A3_THUMB, out, 1) == -1);
	CHECK(jws_key_authz("tok_en-1", A3_THUMB, out, 0) == -1);
	CHECK(jws_key_authz("a", "b", out, 4) == 0 && strcmp(out, "a.b") == 0);
	CHECK(jws_key_authz("a", "b", out, 3) == -1);
	/* The token must be base64url. */
	CHECK(jws_key_authz("", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a.b", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a=", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a/../b", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a b", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a\"b", A3_THUMB, out, sizeof(out)) == -1);
	CHECK(jws_key_authz("a\nb", A3_THUMB, out, sizeof(out)) == -1);
	return 0;
}

static int
test_dns_digest(void)
{
	char d[JWS_THUMB_LEN], ref[JWS_THUMB_LEN];
	const char *ka = "tok_en-1." A3_THUMB;

	CHECK(jws_dns_digest(ka, d) == 0);
	CHECK(strlen(d) == 43);
	/* Computed once with openssl dgst -sha256 | basenc --base64url. */
	CHECK(strcmp(d, "xN0nz5TEReUjdi-GpM_4hEOBxMD5WoRmXSJbzK-L714") == 0);
	CHECK(openssl_b64sha256(ka, ref) == 0);
	CHECK(strcmp(d, ref) == 0);
	/* SHA-256("") = 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU */
	CHECK(jws_dns_digest("", d) == 0);
	CHECK(strcmp(d, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU") == 0);
	return 0;
}

/* The decoded parts of a flattened JWS. */
struct jws_parts {
	char prot_b64[4096], pay_b64[4096], sig_b64[128];
	size_t prot_len, pay_len;
	char hdr[3072];
	unsigned char pay[3072], sig[64];
	size_t hdr_len, plen, sig_len;
	int members;
};

/*
 * Splits the flattened JWS s[0..n) into p (strict: exactly protected,
 * payload, signature; base64url everywhere). Returns 0 or a line.
 */
static int
jws_split(const char *s, size_t n, struct jws_parts *p)
{
	jsmntok_t tok[16];
	struct json j;
	size_t len;

	CHECK(json_parse(&j, s, n, tok, 16) == 0);
	CHECK(json_is(&j, 0, JSMN_OBJECT));
	p->members = j.tok[0].size;
	CHECK(json_get_str(&j, 0, "protected", p->prot_b64,
	    sizeof(p->prot_b64), &p->prot_len) == 0);
	CHECK(json_get_str(&j, 0, "payload", p->pay_b64, sizeof(p->pay_b64),
	    &p->pay_len) == 0);
	CHECK(json_get_str(&j, 0, "signature", p->sig_b64,
	    sizeof(p->sig_b64), &len) == 0);
	CHECK(len == 86);
	CHECK(b64url_decode(p->prot_b64, p->prot_len,
	    (unsigned char *)p->hdr, sizeof(p->hdr) - 1, &p->hdr_len) == 0);
	p->hdr[p->hdr_len] = '\0';
	CHECK(b64url_decode(p->pay_b64, p->pay_len, p->pay, sizeof(p->pay),
	    &p->plen) == 0);
	CHECK(b64url_decode(p->sig_b64, len, p->sig, sizeof(p->sig),
	    &p->sig_len) == 0);
	CHECK(p->sig_len == 64);
	return 0;
}

/* ES256 check of signature sig over prot "." pay with BearSSL. */
static int
bearssl_verify(const char *prot, size_t prot_len, const char *pay,
    size_t pay_len, const unsigned char sig[64], const br_ec_public_key *pk)
{
	br_sha256_context h;
	unsigned char d[32];

	br_sha256_init(&h);
	br_sha256_update(&h, prot, prot_len);
	br_sha256_update(&h, ".", 1);
	br_sha256_update(&h, pay, pay_len);
	br_sha256_out(&h, d);
	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, d, sizeof(d), pk, sig,
	    64) == 1;
}

/* The harness itself against RFC 7515 A.3's published JWS. */
static int
test_rfc7515_a3_vector(void)
{
	static const char prot[] = "eyJhbGciOiJFUzI1NiJ9";
	static const char pay[] = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzOD"
	    "AsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
	static const char sig_b64[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4Ga"
	    "wxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
	unsigned char sig[64], q[65];
	br_ec_public_key pk;
	size_t len;

	a3_load();
	/* d and (x, y) of A.3 belong together. */
	CHECK(br_ec_compute_pub(&br_ec_p256_m31, &pk, q, &a3_sk) == 65);
	CHECK(memcmp(q, a3_q, 65) == 0);
	CHECK(b64url_decode(sig_b64, strlen(sig_b64), sig, sizeof(sig), &len)
	    == 0 && len == 64);
	CHECK(bearssl_verify(prot, strlen(prot), pay, strlen(pay), sig,
	    &a3_pk));
	CHECK(!bearssl_verify(prot, strlen(prot), pay, strlen(pay) - 1, sig,
	    &a3_pk));
	return 0;
}

static int
test_rfc6979_a25(void)
{
	/* RFC 6979 A.2.5: P-256, SHA-256, message "sample". */
	static unsigned char x[32] = {
		0xC9, 0xAF, 0xA9, 0xD8, 0x45, 0xBA, 0x75, 0x16, 0x6B, 0x5C,
		0x21, 0x57, 0x67, 0xB1, 0xD6, 0x93, 0x4E, 0x50, 0xC3, 0xDB,
		0x36, 0xE8, 0x9B, 0x12, 0x7B, 0x8A, 0x62, 0x2B, 0x12, 0x0F,
		0x67, 0x21
	};
	static const unsigned char rs[64] = {
		0xEF, 0xD4, 0x8B, 0x2A, 0xAC, 0xB6, 0xA8, 0xFD, 0x11, 0x40,
		0xDD, 0x9C, 0xD4, 0x5E, 0x81, 0xD6, 0x9D, 0x2C, 0x87, 0x7B,
		0x56, 0xAA, 0xF9, 0x91, 0xC3, 0x4D, 0x0E, 0xA8, 0x4E, 0xAF,
		0x37, 0x16,
		0xF7, 0xCB, 0x1C, 0x94, 0x2D, 0x65, 0x7C, 0x41, 0xD4, 0x36,
		0xC7, 0xA1, 0xB6, 0xE2, 0x9F, 0x65, 0xF3, 0xE9, 0x00, 0xDB,
		0xB9, 0xAF, 0xF4, 0x06, 0x4D, 0xC4, 0xAB, 0x2F, 0x84, 0x3A,
		0xCD, 0xA8
	};
	br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof(x) };
	br_sha256_context h;
	unsigned char d[32], sig[64];

	/* The primitive jws_sign() uses is deterministic, as RFC 6979. */
	br_sha256_init(&h);
	br_sha256_update(&h, "sample", 6);
	br_sha256_out(&h, d);
	CHECK(br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, d,
	    &sk, sig) == 64);
	CHECK(memcmp(sig, rs, 64) == 0);
	return 0;
}

/* Signs with the A.3 key into buf; returns jws_sign()'s result. */
static int
sign_a3(const char *kid, const char *nonce, const char *url,
    const char *payload, char *buf, size_t cap, size_t *len)
{
	struct sbuf b;
	int rc;

	a3_load();
	sbuf_init(&b, buf, cap);
	rc = jws_sign(&a3_sk, &a3_pk, kid, nonce, url, payload,
	    payload != NULL ? strlen(payload) : 0, &b);
	*len = b.len;
	return rc;
}

static int
test_sign_jwk(void)
{
	static struct jws_parts p;
	static const char want_hdr[] = "{\"alg\":\"ES256\",\"jwk\":" A3_JWK
	    ",\"nonce\":\"n0nce-_A\",\"url\":\"https://ca.test/acme/new-acct\"}";
	static const char payload[] = "{\"termsOfServiceAgreed\":true}";
	char buf[4096], s[128];
	jsmntok_t tok[32];
	struct json h;
	size_t n;
	int line, jwk;

	CHECK(sign_a3(NULL, "n0nce-_A", "https://ca.test/acme/new-acct",
	    payload, buf, sizeof(buf), &n) == 0);
	CHECK(n == strlen(buf));
	if ((line = jws_split(buf, n, &p)) != 0) {
		return line;
	}
	CHECK(p.members == 3);
	CHECK(strncmp(buf, "{\"protected\":\"", 14) == 0);
	/* The protected header, member by member, then exactly. */
	CHECK(json_parse(&h, p.hdr, p.hdr_len, tok, 32) == 0);
	CHECK(h.tok[0].size == 4);
	CHECK(json_str_eq(&h, json_get(&h, 0, "alg"), "ES256"));
	jwk = json_get(&h, 0, "jwk");
	CHECK(json_is(&h, jwk, JSMN_OBJECT));
	CHECK(h.tok[jwk].size == 4);
	CHECK(json_str_eq(&h, json_get(&h, jwk, "crv"), "P-256"));
	CHECK(json_str_eq(&h, json_get(&h, jwk, "kty"), "EC"));
	CHECK(json_get_str(&h, jwk, "x", s, sizeof(s), NULL) == 0);
	CHECK(strcmp(s, A3_X) == 0);
	CHECK(json_get_str(&h, jwk, "y", s, sizeof(s), NULL) == 0);
	CHECK(strcmp(s, A3_Y) == 0);
	CHECK(json_get(&h, 0, "kid") == -1);
	CHECK(json_str_eq(&h, json_get(&h, 0, "nonce"), "n0nce-_A"));
	CHECK(json_str_eq(&h, json_get(&h, 0, "url"),
	    "https://ca.test/acme/new-acct"));
	CHECK(strcmp(p.hdr, want_hdr) == 0);
	/* The payload as given, and the signature. */
	CHECK(p.plen == strlen(payload));
	CHECK(memcmp(p.pay, payload, p.plen) == 0);
	CHECK(bearssl_verify(p.prot_b64, p.prot_len, p.pay_b64, p.pay_len,
	    p.sig, &a3_pk));
	/* The check can fail: another payload, another signature byte. */
	CHECK(!bearssl_verify(p.prot_b64, p.prot_len, p.pay_b64,
	    p.pay_len - 1, p.sig, &a3_pk));
	p.sig[10] ^= 1;
	CHECK(!bearssl_verify(p.prot_b64, p.prot_len, p.pay_b64, p.pay_len,
	    p.sig, &a3_pk));
	return 0;
}

static int
test_sign_kid(void)
{
	static struct jws_parts p;
	static const char kid[] = "https://ca.test/acme/acct/17";
	char buf[4096];
	jsmntok_t tok[32];
	struct json h;
	size_t n;
	int line;

	/* POST-as-GET: empty payload, kid, nonce. */
	CHECK(sign_a3(kid, "abc", "https://ca.test/order/1", "", buf,
	    sizeof(buf), &n) == 0);
	CHECK(strstr(buf, "\"payload\":\"\"") != NULL);
	if ((line = jws_split(buf, n, &p)) != 0) {
		return line;
	}
	CHECK(p.members == 3 && p.pay_len == 0 && p.plen == 0);
	CHECK(json_parse(&h, p.hdr, p.hdr_len, tok, 32) == 0);
	CHECK(h.tok[0].size == 4);
	CHECK(json_str_eq(&h, json_get(&h, 0, "alg"), "ES256"));
	CHECK(json_str_eq(&h, json_get(&h, 0, "kid"), kid));
	CHECK(json_get(&h, 0, "jwk") == -1);
	CHECK(json_str_eq(&h, json_get(&h, 0, "nonce"), "abc"));
	CHECK(json_str_eq(&h, json_get(&h, 0, "url"),
	    "https://ca.test/order/1"));
	CHECK(bearssl_verify(p.prot_b64, p.prot_len, "", 0, p.sig, &a3_pk));
	/* NULL payload with plen 0 is the same thing. */
	CHECK(sign_a3(kid, "abc", "https://ca.test/order/1", NULL, buf,
	    sizeof(buf), &n) == 0);
	CHECK(strstr(buf, "\"payload\":\"\"") != NULL);
	/* No nonce (keyChange inner JWS): no nonce member. */
	CHECK(sign_a3(kid, NULL, "https://ca.test/key-change", "{}", buf,
	    sizeof(buf), &n) == 0);
	if ((line = jws_split(buf, n, &p)) != 0) {
		return line;
	}
	CHECK(json_parse(&h, p.hdr, p.hdr_len, tok, 32) == 0);
	CHECK(h.tok[0].size == 3);
	CHECK(json_get(&h, 0, "nonce") == -1);
	CHECK(json_str_eq(&h, json_get(&h, 0, "kid"), kid));
	CHECK(p.plen == 2 && memcmp(p.pay, "{}", 2) == 0);
	CHECK(bearssl_verify(p.prot_b64, p.prot_len, p.pay_b64, p.pay_len,
	    p.sig, &a3_pk));
	return 0;
}

static int
test_sign_escapes(void)
{
	static struct jws_parts p;
	char buf[4096];
	jsmntok_t tok[32];
	struct json h;
	size_t n;
	int line;

	/* Header strings go through the escaping writer. */
	CHECK(sign_a3("k\"i\\d\n", "n\"", "https://x/\"},\"alg\":\"none", "",
	    buf, sizeof(buf), &n) == 0);
	if ((line = jws_split(buf, n, &p)) != 0) {
		return line;
	}
	CHECK(json_parse(&h, p.hdr, p.hdr_len, tok, 32) == 0);
	CHECK(h.tok[0].size == 4);
	CHECK(json_str_eq(&h, json_get(&h, 0, "alg"), "ES256"));
	CHECK(json_str_eq(&h, json_get(&h, 0, "kid"), "k\"i\\d\n"));
	CHECK(json_str_eq(&h, json_get(&h, 0, "nonce"), "n\""));
	CHECK(json_str_eq(&h, json_get(&h, 0, "url"),
	    "https://x/\"},\"alg\":\"none"));
	return 0;
}

static int
test_sign_deterministic(void)
{
	char a[4096], b[4096];
	size_t na, nb;

	CHECK(sign_a3(NULL, "n", "https://u", "{\"a\":1}", a, sizeof(a), &na)
	    == 0);
	CHECK(sign_a3(NULL, "n", "https://u", "{\"a\":1}", b, sizeof(b), &nb)
	    == 0);
	CHECK(na == nb && memcmp(a, b, na) == 0);
	/* A different input gives a different signature. */
	CHECK(sign_a3(NULL, "m", "https://u", "{\"a\":1}", b, sizeof(b), &nb)
	    == 0);
	CHECK(strcmp(strstr(a, "\"signature\""), strstr(b, "\"signature\""))
	    != 0);
	return 0;
}

static int
test_sign_cap(void)
{
	char buf[4096], want[4096];
	size_t n, len, k;
	struct sbuf b;
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char q[65];

	CHECK(sign_a3("kid", "n", "https://u", "{}", want, sizeof(want), &n)
	    == 0);
	/* Exactly n + 1 fits; n, n - 1, 1 and 0 do not. */
	CHECK(sign_a3("kid", "n", "https://u", "{}", buf, n + 1, &len) == 0);
	CHECK(len == n && strcmp(buf, want) == 0);
	CHECK(sign_a3("kid", "n", "https://u", "{}", buf, n, &len) == -1);
	CHECK(sign_a3("kid", "n", "https://u", "{}", buf, n - 1, &len) == -1);
	CHECK(sign_a3("kid", "n", "https://u", "{}", buf, 1, &len) == -1);
	CHECK(sign_a3("kid", "n", "https://u", "{}", buf, 0, &len) == -1);
	/* Too small at every cut point (payload, signature, closing). */
	for (k = 1; k <= n; k++) {
		if (sign_a3("kid", "n", "https://u", "{}", buf, k, &len) !=
		    -1) {
			fprintf(stderr, "  cap %zu accepted\n", k);
			CHECK(0);
		}
	}
	/* A builder already in error stays in error. */
	a3_load();
	sbuf_init(&b, buf, sizeof(buf));
	b.err = 1;
	CHECK(jws_sign(&a3_sk, &a3_pk, "kid", "n", "https://u", "", 0, &b)
	    == -1);
	/* Bad keys. */
	sk = a3_sk;
	sk.curve = BR_EC_secp384r1;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_sign(&sk, &a3_pk, "kid", "n", "https://u", "", 0, &b)
	    == -1);
	memcpy(q, a3_q, sizeof(q));
	q[0] = 0x02;
	pk = a3_pk;
	pk.q = q;
	sbuf_init(&b, buf, sizeof(buf));
	CHECK(jws_sign(&a3_sk, &pk, NULL, "n", "https://u", "", 0, &b)
	    == -1);
	return 0;
}

/* Puts INTEGER v[0..32) (unsigned, big-endian) in DER at o; its length. */
static size_t
der_uint(unsigned char *o, const unsigned char *v)
{
	size_t n = 32, k = 0;

	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	o[k++] = 0x02;
	o[k++] = (unsigned char)(n + (v[0] & 0x80 ? 1 : 0));
	if (v[0] & 0x80) {
		o[k++] = 0;
	}
	memcpy(o + k, v, n);
	return k + n;
}

/* Raw r||s to a DER ECDSA-Sig-Value (RFC 3279 §2.2.3). */
static size_t
sig_to_der(const unsigned char rs[64], unsigned char out[72])
{
	size_t n = 2;

	n += der_uint(out + n, rs);
	n += der_uint(out + n, rs + 32);
	out[0] = 0x30;
	out[1] = (unsigned char)(n - 2);
	return n;
}

/* DER SubjectPublicKeyInfo of a P-256 point q[65] into out[91]. */
static void
p256_spki(const unsigned char q[65], unsigned char out[91])
{
	static const unsigned char prefix[26] = {
		0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE,
		0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
		0x03, 0x01, 0x07, 0x03, 0x42, 0x00
	};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + sizeof(prefix), q, 65);
}

/*
 * openssl verifies the JWS jws[0..n) signed by public point q: 1 verified,
 * 0 refused, -1 harness error. tamper flips one byte of the signed input.
 */
static int
openssl_verify(const char *dir, const char *jws, size_t n,
    const unsigned char q[65], int tamper)
{
	static struct jws_parts p;
	char input[8192], cmd[1024], out[256];
	unsigned char der[72], spki[91];
	size_t in_len, der_len;
	int rc;

	if (jws_split(jws, n, &p) != 0) {
		return -1;
	}
	in_len = (size_t)snprintf(input, sizeof(input), "%s.%s", p.prot_b64,
	    p.pay_b64);
	if (tamper) {
		input[in_len / 2] ^= 1;
	}
	der_len = sig_to_der(p.sig, der);
	p256_spki(q, spki);
	if (put_file(dir, "input.txt", input, in_len) != 0 ||
	    put_file(dir, "sig.der", der, der_len) != 0 ||
	    put_file(dir, "pub.der", spki, sizeof(spki)) != 0) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl pkey -pubin -inform DER"
	    " -in pub.der -out pub.pem 2>&1", dir);
	if (run(cmd, out, sizeof(out)) != 0) {
		fprintf(stderr, "  openssl pkey: %s\n", out);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl dgst -sha256 -verify "
	    "pub.pem -signature sig.der input.txt 2>&1", dir);
	rc = run(cmd, out, sizeof(out));
	if (rc == 0 && strcmp(out, "Verified OK\n") == 0) {
		return 1;
	}
	if (rc != 0 && strstr(out, "Verification failure") != NULL) {
		return 0;
	}
	fprintf(stderr, "  openssl dgst: %d %s\n", rc, out);
	return -1;
}

static int
test_sign_openssl(void)
{
	char dir[] = "/tmp/t_jws.XXXXXX", buf[4096];
	struct ec_key k;
	struct sbuf b;
	size_t n;
	int ok = 0, v1 = -2, v2 = -2, v3 = -2, v4 = -2, v5 = -2, v6 = -2;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
	}
	/* The A.3 key, with jwk and with kid; and POST-as-GET. */
	if (sign_a3(NULL, "nonce1", "https://ca.test/new-acct",
	    "{\"contact\":[]}", buf, sizeof(buf), &n) == 0) {
		v1 = openssl_verify(dir, buf, n, a3_q, 0);
		v2 = openssl_verify(dir, buf, n, a3_q, 1);
	}
	if (sign_a3("https://ca.test/acct/1", "nonce2", "https://ca.test/o/1",
	    "", buf, sizeof(buf), &n) == 0) {
		v3 = openssl_verify(dir, buf, n, a3_q, 0);
	}
	/* A fresh key from key_generate(); refused under the A.3 key. */
	if (key_generate(&k) == 0) {
		sbuf_init(&b, buf, sizeof(buf));
		if (jws_sign(&k.sk, &k.pk, NULL, "nonce3", "https://ca.test/x",
		    "{\"a\":\"b\"}", 9, &b) == 0) {
			v4 = openssl_verify(dir, buf, b.len, k.q, 0);
			v5 = openssl_verify(dir, buf, b.len, k.q, 1);
			v6 = openssl_verify(dir, buf, b.len, a3_q, 0);
		}
		key_wipe(&k);
	}
	ok = 1;
	rm_tmpdir(dir);
	CHECK(ok);
	CHECK(v1 == 1);
	CHECK(v2 == 0);
	CHECK(v3 == 1);
	CHECK(v4 == 1);
	CHECK(v5 == 0);
	CHECK(v6 == 0);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_b64_rfc4648);
	RUN(test_b64_alphabet);
	RUN(test_b64_decode_reject);
	RUN(test_b64_is_token);
	RUN(test_b64_add);
	RUN(test_jwk);
	RUN(test_thumbprint);
	RUN(test_key_authz);
	RUN(test_dns_digest);
	RUN(test_rfc7515_a3_vector);
	RUN(test_rfc6979_a25);
	RUN(test_sign_jwk);
	RUN(test_sign_kid);
	RUN(test_sign_escapes);
	RUN(test_sign_deterministic);
	RUN(test_sign_cap);
	RUN(test_sign_openssl);
	return runner_done();
}
