/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c - libFuzzer target: the HTTP/1.1 response parser
 * (status line, headers, Content-Length, chunked, trailers, 1xx).
 *
 * Input: byte 0 picks the read size of the byte source (0: as much as
 * asked), byte 1 the flags (bit 0: HEAD request, bit 1: the source
 * fails instead of ending, bits 2-3: the body cap), the rest is the
 * stream. Besides the sanitizers, it checks what acme.c relies on: a
 * parsed response has a final status, a body inside its cap, kept
 * header values NUL-terminated and a base64url nonce; and the result
 * does not depend on how the stream is cut into reads.
 */
#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/testutil.h"

struct result {
	int rc, err;
	struct http_response r;
	unsigned char body[HTTP_MAX_BODY];
};

static struct result ra, rb;

static int
b64url_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			return 0;
		}
	}
	return 1;
}

static void
run(struct result *res, const uint8_t *s, size_t n, size_t step, int fail,
    bool is_head, size_t cap)
{
	struct mem m = { s, n, 0, step, fail };
	struct http_src src;

	memset(&res->r, 0xa5, sizeof(res->r));
	http_src_init(&src, mem_read, &m);
	if (fail) {
		src.err_on_read = HTTP_EIO;
	}
	res->rc = http_parse_response(&src, is_head, &res->r, res->body, cap,
	    &res->err);
	if ((res->rc == 0) != (res->err == HTTP_OK) ||
	    (res->rc != 0 && res->rc != -1)) {
		abort();
	}
	if (res->rc != 0) {
		if (res->r.keep_alive) {
			abort();       /* a failed response is never reused */
		}
		return;
	}
	if (res->r.status < 200 || res->r.status > 599 ||
	    res->r.body != res->body || res->r.body_len > cap ||
	    memchr(res->r.location, 0, sizeof(res->r.location)) == NULL ||
	    memchr(res->r.nonce, 0, sizeof(res->r.nonce)) == NULL ||
	    memchr(res->r.content_type, 0,
	    sizeof(res->r.content_type)) == NULL ||
	    !b64url_ok(res->r.nonce) || res->r.retry_after < -1) {
		abort();
	}
	if ((is_head || res->r.status == 204 || res->r.status == 304) &&
	    res->r.body_len != 0) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[4] = { HTTP_MAX_BODY, 0, 1, 100 };
	size_t step, cap;
	bool is_head;
	int fail;

	if (size < 2) {
		return 0;
	}
	step = data[0];
	is_head = data[1] & 1;
	fail = (data[1] >> 1) & 1;
	cap = caps[(data[1] >> 2) & 3];
	data += 2;
	size -= 2;
	run(&ra, data, size, step, fail, is_head, cap);
	/* the same stream one byte per read: same verdict, same response */
	run(&rb, data, size, 1, fail, is_head, cap);
	if (ra.rc != rb.rc || ra.err != rb.err) {
		abort();
	}
	if (ra.rc == 0 && (ra.r.status != rb.r.status ||
	    ra.r.body_len != rb.r.body_len ||
	    memcmp(ra.body, rb.body, ra.r.body_len) != 0 ||
	    strcmp(ra.r.location, rb.r.location) != 0 ||
	    strcmp(ra.r.nonce, rb.r.nonce) != 0 ||
	    strcmp(ra.r.content_type, rb.r.content_type) != 0 ||
	    ra.r.retry_after != rb.r.retry_after)) {
		abort();
	}
	return 0;
}
