/* SPDX-License-Identifier: MIT */
/*
 * fuzz_names.c - libFuzzer target: validation of what becomes an
 * identifier, a file name, a URL or a path: name_classify() (the names
 * of the command line, which also name STATE/certs/NAME),
 * http_url_parse() (the directory URL and every URL a CA sends),
 * base64url (tokens, nonces) and the key authorization.
 *
 * The input, cut at the first NUL, is the string. Besides the
 * sanitizers it checks: a DNS name is safe as a file name (only
 * letters, digits, '-', '.', a leading "*.", no empty label, so no
 * "..", "/" or leading '.'), an IP literal reads back with inet_pton();
 * an accepted URL is printable https with a clean host and a port of
 * 1..65535; base64url decoding is canonical (encode(decode(s)) == s);
 * a CSR can be built for every accepted name.
 */
#include "http.h"
#include "jws.h"
#include "pem.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char s[4096];

static void
check_name(void)
{
	static struct ec_key k;
	static int have_key;
	static unsigned char der[2048];
	unsigned char ip[16], ip2[16];
	const char *names[1] = { s }, *p;
	size_t iplen = 0, n = strlen(s), len, lab = 0;
	enum name_kind kind;

	kind = name_classify(s, ip, &iplen);
	if (kind == NAME_IP) {
		if ((iplen != 4 && iplen != 16) ||
		    inet_pton(iplen == 4 ? AF_INET : AF_INET6, s, ip2) != 1 ||
		    memcmp(ip, ip2, iplen) != 0) {
			abort();
		}
	} else if (kind == NAME_DNS) {
		p = s;
		if (n > 2 && p[0] == '*' && p[1] == '.') {
			p += 2;
		}
		if (strlen(p) > 253 || p[0] == '.' || p[0] == '-' ||
		    strstr(p, "..") != NULL || p[strlen(p) - 1] == '.' ||
		    strchr(p, '.') == NULL) {
			abort();
		}
		for (; *p != '\0'; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '.') {
				lab = 0;
				continue;
			}
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-') || ++lab > 63) {
				abort();
			}
		}
	} else if (kind != NAME_BAD) {
		abort();
	}
	if (kind == NAME_BAD) {
		return;
	}
	if (!have_key) {
		if (key_generate(&k) != 0) {
			abort();
		}
		have_key = 1;
	}
	if (csr_build(&k, names, 1, der, sizeof(der), &len) != 0 ||
	    len > sizeof(der)) {
		abort();
	}
}

static void
check_url(void)
{
	char host[256], port[6];
	const char *path;
	size_t i, n = strlen(s);
	unsigned long pv;

	if (http_url_parse(s, host, sizeof(host), port, &path) != 0) {
		return;
	}
	if (n >= HTTP_MAX_URL || strncasecmp(s, "https://", 8) != 0 ||
	    host[0] == '\0' || strlen(host) >= sizeof(host) ||
	    path == NULL || path[0] != '/' || strchr(s, '#') != NULL) {
		abort();
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) {
			abort();
		}
	}
	for (i = 0; host[i] != '\0'; i++) {
		if (strchr("/@?#%\\ ", host[i]) != NULL) {
			abort();
		}
	}
	pv = strtoul(port, NULL, 10);
	if (port[0] == '\0' || strlen(port) > 5 || pv < 1 || pv > 65535 ||
	    strspn(port, "0123456789") != strlen(port)) {
		abort();
	}
	/* the path is the rest of the URL itself, or the default "/" */
	if (path != s + n - strlen(path) && strcmp(path, "/") != 0) {
		abort();
	}
}

static void
check_b64(void)
{
	static unsigned char bin[4096];
	static char back[6000];
	char ka[300];
	size_t n = strlen(s), len, len2;

	if (b64url_decode(s, n, bin, sizeof(bin), &len) == 0) {
		if (len > sizeof(bin) || b64url_encode(bin, len, back,
		    sizeof(back), &len2) != 0 || len2 != n ||
		    memcmp(back, s, n) != 0) {
			abort();
		}
	}
	if (b64url_encode(s, n, back, sizeof(back), &len2) != 0 ||
	    b64url_decode(back, len2, bin, sizeof(bin), &len) != 0 ||
	    len != n || memcmp(bin, s, n) != 0 ||
	    !b64url_is_token(back, len2) != (n == 0)) {
		abort();
	}
	/* a key authorization is only ever made of a base64url token */
	if (jws_key_authz(s, "thumb", ka, sizeof(ka)) == 0 &&
	    (!b64url_is_token(s, n) || strlen(ka) != n + 6)) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	check_name();
	check_url();
	check_b64();
	return 0;
}
