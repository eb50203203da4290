/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c - libFuzzer target: the http-01 listener's request
 * parser, listen_parse_request(), which sees every byte anyone on the
 * Internet sends to port 80 during a run.
 *
 * Besides the sanitizers it checks the one promise that matters: a
 * request is only ever taken as a challenge fetch when its request line
 * is exactly "GET /.well-known/acme-challenge/TOKEN HTTP/1.x" with a
 * base64url TOKEN (no traversal, query or encoding tricks reach the
 * token table), the token points into the request, and the verdict is
 * the same whatever follows the end of the request head.
 */
#include "listen.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char pfx[] = "GET /.well-known/acme-challenge/";

static int
is_b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of the head up to and with the first CRLF CRLF, or 0. */
static size_t
head_len(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++) {
		if (memcmp(s + i, "\r\n\r\n", 4) == 0) {
			return i + 4;
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *req = (const char *)data, *tok, *tok2;
	size_t tl, tl2, h, i, k = sizeof(pfx) - 1;
	int rc, rc2;

	rc = listen_parse_request(req, size, &tok, &tl);
	h = head_len(req, size);
	if (rc < 0 || rc > 2 || (rc == 0) != (h == 0)) {
		abort();
	}
	if (rc != 1 && (tok != NULL || tl != 0)) {
		abort();
	}
	if (rc == 1) {
		if (tl == 0 || tl > 128 || tok != req + k ||
		    memcmp(req, pfx, k) != 0 ||
		    size < k + tl + 10 ||
		    memcmp(req + k + tl, " HTTP/1.", 8) != 0 ||
		    (req[k + tl + 8] != '0' && req[k + tl + 8] != '1') ||
		    req[k + tl + 9] != '\r') {
			abort();
		}
		for (i = 0; i < tl; i++) {
			if (!is_b64url((unsigned char)tok[i])) {
				abort();
			}
		}
	}
	/* only the head decides */
	if (h != 0 && h < size) {
		rc2 = listen_parse_request(req, h, &tok2, &tl2);
		if (rc2 != rc || tok2 != tok || tl2 != tl) {
			abort();
		}
	}
	return 0;
}
