/* SPDX-License-Identifier: MIT */
/*
 * t_http.c - unit tests of http.c and listen.c: the response parser fed
 * from byte arrays (also one byte per read), http_url_parse(), the
 * listener's request parser, request checks that fail before any I/O,
 * and the http-01 listener over loopback (127.0.0.1 only).
 */
#include "http.h"
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fmt.h"
#include "testutil.h"
#include "runner.h"

/* ---- response parser ---------------------------------------------------- */

static unsigned char body[HTTP_MAX_BODY];
static struct http_response resp;
static struct http_src last_src;
static char big[HTTP_MAX_HEADER_BYTES + HTTP_MAX_BODY + 8192];

/* Parses s[0..len); returns the error, HTTP_OK on success, or -100 if
 * the return value and *err disagree. */
static int
parse_n(const char *s, size_t len, size_t step, bool is_head, size_t cap)
{
	struct mem m = { s, len, 0, step, false };
	int err = -1, rc;

	memset(&resp, 0xa5, sizeof(resp));
	http_src_init(&last_src, mem_read, &m);
	rc = http_parse_response(&last_src, is_head, &resp, body, cap, &err);
	if ((rc == 0) != (err == HTTP_OK) || (rc != 0 && rc != -1)) {
		return -100;
	}
	return err;
}

static int
parse(const char *s)
{
	return parse_n(s, strlen(s), 0, false, sizeof(body));
}

/* Same result read whole and one byte per read. */
static int
parse_both(const char *s)
{
	int a = parse_n(s, strlen(s), 1, false, sizeof(body));

	return parse(s) == a ? a : -101;
}

static bool
body_is(const char *s)
{
	return resp.body == body && resp.body_len == strlen(s) &&
	    memcmp(body, s, resp.body_len) == 0;
}

/* A response and parse()'s verdict on it. */
struct pcase {
	const char *s;
	int err;
};

/* 0 if parse() gives each of the n cases t its verdict, else the line
 * of the failed check (the case is named on stderr). */
static int
parse_cases(const struct pcase *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK_CASE(parse(t[i].s) == t[i].err, i);
	}
	return 0;
}

static int
test_content_length(void)
{
	static const char r[] = "HTTP/1.1 201 Created\r\n"
	    "content-LENGTH: 5\r\n"
	    "Content-Type:\tapplication/json \r\n"
	    "Replay-Nonce: abc_-9XYZ\r\n"
	    "Location: https://ca.test/acme/order/1\r\n"
	    "X-Obs-Text: caf\xc3\xa9\r\n"
	    "\r\nhello";

	CHECK(parse_both(r) == HTTP_OK);
	CHECK(resp.status == 201);
	CHECK(body_is("hello"));
	CHECK(strcmp(resp.content_type, "application/json") == 0);
	CHECK(strcmp(resp.nonce, "abc_-9XYZ") == 0);
	CHECK(strcmp(resp.location, "https://ca.test/acme/order/1") == 0);
	CHECK(resp.retry_after == -1);
	CHECK(resp.keep_alive);
	/* absent headers are "" */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == 0);
	CHECK(resp.nonce[0] == '\0' && resp.location[0] == '\0');
	CHECK(resp.content_type[0] == '\0' && resp.body_len == 0);
	/* a reason phrase is optional */
	CHECK(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n") == 0);
	CHECK(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n") == 0);
	/* same value twice is fine */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Content-Length: 002\r\n\r\nhi") == 0 && body_is("hi"));
	return 0;
}

static int
test_content_length_bad(void)
{
	static const struct pcase t[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		    "Content-Length: 3\r\n\r\nhi!", HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 18446744073709551616\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 18446744073709551615\r\n\r\n",
		    HTTP_ETOOBIG }
	};

	CHECK(parse_cases(t, NELEM(t)) == 0);
	return 0;
}

static int
test_chunked(void)
{
	static const char r[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n"
	    "5;name=value\r\nhello\r\n"
	    "6 ; ext\r\n world\r\n"
	    "00a\r\n0123456789\r\n"
	    "0\r\nX-Trailer: 1\r\nContent-Length: 99\r\n\r\n";

	CHECK(parse_both(r) == HTTP_OK);
	CHECK(body_is("hello world0123456789"));
	CHECK(resp.keep_alive);
	CHECK(last_src.pos == last_src.len);
	CHECK(parse_both("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\n\r\n") == HTTP_OK && resp.body_len == 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\nA\r\n0123456789\r\n0;last\r\n\r\n") == 0);
	CHECK(body_is("0123456789"));
	return 0;
}

static int
test_chunked_bad(void)
{
#define TE "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	static const struct pcase t[] = {
		{ TE "5\r\nhelloX\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "5\r\nhello\r\r0\r\n\r\n", HTTP_EPROTO },
		{ TE "5\r\nhello\n\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "5\r\nhello0\r\n\r\n", HTTP_EPROTO },
		{ TE "5x\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "-5\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "+5\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE " 5\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "5 \r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "5\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		/* 17 hex digits overflow 64 bits (and 32); wrapped: 5 */
		{ TE "10000000000000005\r\nhello\r\n0\r\n\r\n", HTTP_EPROTO },
		{ TE "100000005\r\nhello\r\n0\r\n\r\n",
		    SIZE_MAX > 0xffffffffu ? HTTP_ETOOBIG : HTTP_EPROTO },
		{ TE "FFFFFFFF\r\nx\r\n0\r\n\r\n", HTTP_ETOOBIG },
		/* trailers: syntax checked, end required */
		{ TE "0\r\nX: a\r\n b\r\n\r\n", HTTP_EPROTO },
		{ TE "0\r\nbad trailer\r\n\r\n", HTTP_EPROTO },
		{ TE "0\r\nX: 1\r\n", HTTP_ECLOSED },
		{ TE "0\r\n", HTTP_ECLOSED },
		{ TE "5\r\nhel", HTTP_ECLOSED },
		{ TE "5\r\nhello", HTTP_ECLOSED },
		/* framing we refuse to guess about */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
		    "\r\n0\r\n\r\n", HTTP_EPROTO },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		    HTTP_EPROTO },
		{ "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "0\r\n\r\n", HTTP_EPROTO }
	};

	CHECK(parse_cases(t, NELEM(t)) == 0);
	/* leading zeros are fine */
	CHECK(parse(TE "00000000000000000001\r\nx\r\n0\r\n\r\n") == 0);
	CHECK(body_is("x"));
#undef TE
	return 0;
}

static int
test_status_line(void)
{
	static const char *const bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 600 Nope\r\n\r\n",
		"HTTP/1.1 099 Nope\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		" HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\n\n",
		"HTTP/1.1 200 OK\rX\r\n\r\n",
		"HTTP/1.1 200 O\001K\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"SSH-2.0-OpenSSH\r\n\r\n"
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_both(bad[i]) != HTTP_EPROTO) {
			fprintf(stderr, "  status line %zu\n", i);
			CHECK(0);
		}
	}
	CHECK(parse("") == HTTP_ECLOSED);
	CHECK(parse("HTTP/1.1 200 OK") == HTTP_ECLOSED);
	CHECK(parse("HTTP/1.1 200 OK\r") == HTTP_ECLOSED);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n") ==
	    HTTP_ECLOSED);
	CHECK(parse("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n") == 0);
	CHECK(resp.status == 599);
	return 0;
}

static int
test_header_syntax(void)
{
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
#define OK "HTTP/1.1 200 OK\r\n"
	static const struct pcase bad[] = {
		{ OK "X: a\r\n\tb\r\nContent-Length: 0\r\n\r\n", HTTP_EPROTO },
		{ OK " Content-Length: 0\r\n\r\n", HTTP_EPROTO },
		{ OK "Content-Length : 0\r\n\r\n", HTTP_EPROTO },
		{ OK ": 0\r\n\r\n", HTTP_EPROTO },
		{ OK "NoColon\r\n\r\n", HTTP_EPROTO },
		{ OK "X(y): 1\r\n\r\n", HTTP_EPROTO },
		{ OK "X: a\nY: b\r\n\r\n", HTTP_EPROTO },
		{ OK "X: a\rY: b\r\n\r\n", HTTP_EPROTO },
		{ OK "X: a\001b\r\n\r\n", HTTP_EPROTO },
		{ OK "X: a\177b\r\n\r\n", HTTP_EPROTO }
	};
#undef OK

	/* obs-fold, RFC 9112 §5.2 */
	CHECK(parse_both("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n"
	    "Content-Length: 0\r\n\r\n") == HTTP_EPROTO);
	CHECK(parse_cases(bad, NELEM(bad)) == 0);
	CHECK(parse_n(nul, sizeof(nul) - 1, 0, false, 10) == HTTP_EPROTO);
	/* HTAB and empty values are fine */
	CHECK(parse("HTTP/1.1 200 OK\r\nX:\ta\tb\t\r\nY:\r\n"
	    "Content-Length: 0\r\n\r\n") == 0);
	return 0;
}

/* Appends "X:" and 'a's and CRLF: a header line of n bytes in all. */
static size_t
pad_line(char *out, size_t n)
{
	memcpy(out, "X:", 2);
	memset(out + 2, 'a', n - 4);
	memcpy(out + n - 2, "\r\n", 2);
	return n;
}

/* A response head of exactly total bytes, status line to empty line. */
static size_t
make_head(char *out, size_t total)
{
	static const char st[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
	size_t n = sizeof(st) - 1, left = total - n - 2;

	/* lines as long as allowed (HTTP_MAX_LINE + CRLF), the last one
	 * at least 8 bytes */
	memcpy(out, st, n);
	while (left >= HTTP_MAX_LINE + 2 + 8) {
		n += pad_line(out + n, HTTP_MAX_LINE + 2);
		left -= HTTP_MAX_LINE + 2;
	}
	if (left > 0) {
		n += pad_line(out + n, left);
	}
	memcpy(out + n, "\r\n", 2);
	return n + 2;
}

static int
test_limits_line(void)
{
	static const char st[] = "HTTP/1.1 200 OK\r\n";
	size_t n, d;

	for (d = 0; d < 3; d++) {
		/* header line of HTTP_MAX_LINE - 1 + d bytes without CRLF */
		n = sizeof(st) - 1;
		memcpy(big, st, n);
		n += pad_line(big + n, HTTP_MAX_LINE - 1 + d + 2);
		memcpy(big + n, "Content-Length: 0\r\n\r\n", 21);
		n += 21;
		CHECK((parse_n(big, n, 0, false, 0) == 0) == (d < 2));
		CHECK(d < 2 || parse_n(big, n, 7, false, 0) == HTTP_ETOOBIG);
	}
	/* the status line has the same cap */
	memcpy(big, "HTTP/1.1 200 ", 13);
	memset(big + 13, 'r', HTTP_MAX_LINE - 12);
	memcpy(big + HTTP_MAX_LINE + 1, "\r\n\r\n", 4);
	CHECK(parse_n(big, HTTP_MAX_LINE + 5, 0, false, 0) == HTTP_ETOOBIG);
	return 0;
}

static int
test_limits_header_bytes(void)
{
	size_t n;

	n = make_head(big, HTTP_MAX_HEADER_BYTES - 1);
	CHECK(n == HTTP_MAX_HEADER_BYTES - 1);
	CHECK(parse_n(big, n, 0, false, 0) == 0);
	n = make_head(big, HTTP_MAX_HEADER_BYTES);
	CHECK(parse_n(big, n, 0, false, 0) == 0);
	CHECK(parse_n(big, n, 1, false, 0) == 0);
	n = make_head(big, HTTP_MAX_HEADER_BYTES + 1);
	CHECK(parse_n(big, n, 0, false, 0) == HTTP_ETOOBIG);
	/* 1xx heads count too: no endless stream of 100 Continue */
	for (n = 0; n + 21 < sizeof(big); n += 21) {
		memcpy(big + n, "HTTP/1.1 100 Cont\r\n\r\n", 21);
	}
	CHECK(parse_n(big, n, 0, false, 0) == HTTP_ETOOBIG);
	return 0;
}

/* nf header lines; with nt > 0 also Transfer-Encoding: chunked, an
 * empty body and nt trailer lines */
static size_t
make_fields(char *out, unsigned nf, unsigned nt)
{
	static const char st[] = "HTTP/1.1 200 OK\r\n";
	size_t n = sizeof(st) - 1;
	unsigned i;

	memcpy(out, st, n);
	for (i = 0; i < nf; i++) {
		memcpy(out + n, "X: 1\r\n", 6);
		n += 6;
	}
	if (nt > 0) {
		memcpy(out + n, "Transfer-Encoding: chunked\r\n\r\n0\r\n", 33);
		n += 33;
	}
	for (i = 0; i < nt; i++) {
		memcpy(out + n, "Y: 2\r\n", 6);
		n += 6;
	}
	memcpy(out + n, "\r\n", 2);
	return n + 2;
}

static int
test_limits_header_count(void)
{
	size_t n;

	/* no length: body to end of stream, here empty */
	n = make_fields(big, HTTP_MAX_HEADERS - 1, 0);
	CHECK(parse_n(big, n, 0, false, 0) == 0 && !resp.keep_alive);
	n = make_fields(big, HTTP_MAX_HEADERS, 0);
	CHECK(parse_n(big, n, 0, false, 0) == 0);
	n = make_fields(big, HTTP_MAX_HEADERS + 1, 0);
	CHECK(parse_n(big, n, 0, false, 0) == HTTP_ETOOBIG);
	/* trailers share the count with the headers (TE is one too) */
	n = make_fields(big, HTTP_MAX_HEADERS - 2, 1);
	CHECK(parse_n(big, n, 0, false, 0) == 0 && resp.keep_alive);
	n = make_fields(big, HTTP_MAX_HEADERS - 2, 2);
	CHECK(parse_n(big, n, 0, false, 0) == HTTP_ETOOBIG);
	return 0;
}

/* Body of len bytes framed by Content-Length, chunked or end of stream. */
static size_t
make_body(char *out, int how, size_t len)
{
	size_t n, h;

	if (how == 0) {
		n = (size_t)sprintf(out, "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %zu\r\n\r\n", len);
		memset(out + n, 'b', len);
		return n + len;
	}
	if (how == 1) {
		/* two chunks, the second one only if len > 1 */
		h = len - len / 2;
		n = (size_t)sprintf(out, "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%zx\r\n", h);
		memset(out + n, 'b', h);
		n += h;
		if (len / 2 > 0) {
			n += (size_t)sprintf(out + n, "\r\n%zx\r\n", len / 2);
			memset(out + n, 'c', len / 2);
			n += len / 2;
		}
		memcpy(out + n, "\r\n0\r\n\r\n", 7);
		return n + 7;
	}
	n = (size_t)sprintf(out, "HTTP/1.1 200 OK\r\n\r\n");
	memset(out + n, 'b', len);
	return n + len;
}

static int
test_limits_body(void)
{
	size_t n, cap = 100;
	int how;

	for (how = 0; how < 3; how++) {
		n = make_body(big, how, cap - 1);
		CHECK(parse_n(big, n, 0, false, cap) == 0);
		CHECK(resp.body_len == cap - 1);
		n = make_body(big, how, cap);
		CHECK(parse_n(big, n, 0, false, cap) == 0);
		CHECK(resp.body_len == cap);
		CHECK(parse_n(big, n, 1, false, cap) == 0);
		CHECK(resp.body_len == cap && resp.keep_alive == (how != 2));
		n = make_body(big, how, cap + 1);
		CHECK(parse_n(big, n, 0, false, cap) == HTTP_ETOOBIG);
		CHECK(parse_n(big, n, 3, false, cap) == HTTP_ETOOBIG);
		CHECK(!resp.keep_alive);
	}
	/* the real cap, and a cap of 0 */
	n = make_body(big, 0, HTTP_MAX_BODY);
	CHECK(parse_n(big, n, 0, false, HTTP_MAX_BODY) == 0);
	n = make_body(big, 1, HTTP_MAX_BODY + 1);
	CHECK(parse_n(big, n, 0, false, HTTP_MAX_BODY) == HTTP_ETOOBIG);
	n = make_body(big, 0, 0);
	CHECK(parse_n(big, n, 0, false, 0) == 0 && resp.body_len == 0);
	n = make_body(big, 1, 1);
	CHECK(parse_n(big, n, 0, false, 0) == HTTP_ETOOBIG);
	return 0;
}

static int
test_no_body(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 100\r\nReplay-Nonce: n1\r\n\r\n";

	CHECK(parse_n(head, strlen(head), 0, true, sizeof(body)) == 0);
	CHECK(resp.body_len == 0 && resp.keep_alive);
	CHECK(strcmp(resp.nonce, "n1") == 0);
	CHECK(parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") ==
	    0 && resp.body_len == 0 && resp.keep_alive);
	CHECK(parse("HTTP/1.1 304 Not Modified\r\n\r\n") == 0);
	CHECK(resp.status == 304 && resp.body_len == 0 && resp.keep_alive);
	/* 1xx are skipped, and what they said is forgotten */
	CHECK(parse_both("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 103 Early Hints\r\nLocation: https://x/\r\n"
	    "Replay-Nonce: old\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi") == 0);
	CHECK(resp.status == 200 && body_is("hi"));
	CHECK(resp.location[0] == '\0' && resp.nonce[0] == '\0');
	return 0;
}

static int
test_connection(void)
{
#define CL0 "Content-Length: 0\r\n\r\n"
	/* Connection (and version) against keep_alive */
	static const struct {
		const char *s;
		bool keep;
	} t[] = {
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\n" CL0, false },
		{ "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\n" CL0,
		    false },
		{ "HTTP/1.1 200 OK\r\nConnection: closed\r\n" CL0, true },
		{ "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n" CL0, true },
		{ "HTTP/1.0 200 OK\r\n" CL0, false },
		{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n" CL0, true },
		{ "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n" CL0,
		    false }
	};
#undef CL0
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		CHECK_CASE(parse(t[i].s) == 0 && resp.keep_alive == t[i].keep,
		    i);
	}
	return 0;
}

/* head, then len bytes of fill, then tail, in big (NUL-terminated). */
static const char *
long_value(const char *head, char fill, size_t len, const char *tail)
{
	size_t n = strlen(head);

	memcpy(big, head, n);
	memset(big + n, fill, len);
	strcpy(big + n + len, tail);
	return big;
}

static int
test_nonce(void)
{
	/* not base64url: the response stands, the nonce is dropped */
	static const char *const bad[] = {
		"ab+c/d=", "a b", "caf\xc3\xa9", "  "
	};
	static const char head[] = "HTTP/1.1 200 OK\r\nReplay-Nonce: ";
	char r[80];
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		snprintf(r, sizeof(r), "%s%s\r\nContent-Length: 0\r\n\r\n",
		    head, bad[i]);
		CHECK_CASE(parse(r) == 0 && resp.nonce[0] == '\0', i);
	}
	/* longest that fits, then one more */
	CHECK(parse(long_value(head, 'N', HTTP_MAX_NONCE - 1,
	    "\r\nContent-Length: 0\r\n\r\n")) == 0 &&
	    strlen(resp.nonce) == HTTP_MAX_NONCE - 1);
	CHECK(parse(long_value(head, 'N', HTTP_MAX_NONCE,
	    "\r\nContent-Length: 0\r\n\r\n")) == HTTP_ETOOBIG);
	return 0;
}

static int
test_kept_values(void)
{
	static const char loc[] = "HTTP/1.1 201 Created\r\nLocation: ";

	CHECK(parse(long_value(loc, 'u', HTTP_MAX_URL - 1,
	    "\r\nContent-Length: 0\r\n\r\n")) == 0 &&
	    strlen(resp.location) == HTTP_MAX_URL - 1);
	CHECK(parse(long_value(loc, 'u', HTTP_MAX_URL,
	    "\r\nContent-Length: 0\r\n\r\n")) == HTTP_ETOOBIG);
	CHECK(parse(long_value("HTTP/1.1 200 OK\r\nContent-Type: ", 't',
	    sizeof(resp.content_type), "\r\n\r\n")) == HTTP_ETOOBIG);
	return 0;
}

static int
test_retry_after(void)
{
#define RA(v) parse("HTTP/1.1 429 Too Many\r\nRetry-After: " v \
	"\r\nContent-Length: 0\r\n\r\n")
	CHECK(RA("120") == 0 && resp.retry_after == 120);
	CHECK(RA("0") == 0 && resp.retry_after == 0);
	CHECK(RA(" 7 ") == 0 && resp.retry_after == 7);
	CHECK(RA("Fri, 31 Dec 1999 23:59:59 GMT") == 0 &&
	    resp.retry_after == -1);
	CHECK(RA("-5") == 0 && resp.retry_after == -1);
	CHECK(RA("1.5") == 0 && resp.retry_after == -1);
	CHECK(RA("") == 0 && resp.retry_after == -1);
	CHECK(RA("99999999999999999999999999") == 0 &&
	    resp.retry_after == LONG_MAX);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == 0 &&
	    resp.retry_after == -1);
#undef RA
	return 0;
}

static int
test_leftover_and_eos(void)
{
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "\r\nhiHTTP/1.1 200 OK\r\n";
	static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "\r\nhello";
	struct mem m = { r, sizeof(r) - 1, 0, 0, true };
	struct http_src src;
	int err;

	/* bytes after the response: never reuse the connection */
	CHECK(parse(two) == 0 && body_is("hi") && !resp.keep_alive);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi") == 0 &&
	    resp.keep_alive);
	/* end of stream in the middle of the body */
	CHECK(parse_both(r) == HTTP_ECLOSED);
	CHECK(!resp.keep_alive);
	/* no length: the body runs to the end of the stream */
	CHECK(parse_both("HTTP/1.1 200 OK\r\n\r\nabc") == 0);
	CHECK(body_is("abc") && !resp.keep_alive);
	/* a failing source reports its own error */
	http_src_init(&src, mem_read, &m);
	src.err_on_read = HTTP_ETIMEOUT;
	CHECK(http_parse_response(&src, false, &resp, body, 100, &err) == -1);
	CHECK(err == HTTP_ETIMEOUT);
	return 0;
}

/* ---- URLs --------------------------------------------------------------- */

static int
url_ok(const char *url, const char *host, const char *port, const char *path)
{
	char h[256], p[6];
	const char *pa = NULL;

	return http_url_parse(url, h, sizeof(h), p, &pa) == 0 &&
	    strcmp(h, host) == 0 && strcmp(p, port) == 0 &&
	    strcmp(pa, path) == 0;
}

static int
url_bad(const char *url)
{
	char h[256], p[6];
	const char *pa = NULL;

	return http_url_parse(url, h, sizeof(h), p, &pa) == -1;
}

static int
test_url(void)
{
	static const char *const bad[] = {
		"http://example.com/", "ftp://example.com/", "https//x/",
		"https:/x/", "https://", "https:///x", "https://:443/",
		"https://user@example.com/", "https://u:p@example.com/",
		"https://example.com:0/", "https://example.com:65536/",
		"https://example.com:abc/", "https://example.com:/",
		"https://example.com:123456/", "https://example.com:-1/",
		"https://example.com:+80/", "https://exa mple.com/",
		"https://example.com/a b", "https://example.com/a\r\nX: y",
		"https://example.com/\n", "https://example.com/\001",
		"https://example.com/\177", "https://example.com/#frag",
		"https://ex\xc3\xa9.com/", "https://example.com?q",
		"https://[::1/", "https://[::1]x/", "https://[::1]x443/",
		"https://[]/",
		"https://[::g]/", " https://example.com/", "https://x\\y/",
		""
	};
	char url[HTTP_MAX_URL + 1], h[8], p[6];
	const char *pa;
	size_t i;

	CHECK(url_ok("https://acme-v02.api.letsencrypt.org/directory",
	    "acme-v02.api.letsencrypt.org", "443", "/directory"));
	CHECK(url_ok("https://localhost:14000/dir?x=1&y=%2F", "localhost",
	    "14000", "/dir?x=1&y=%2F"));
	CHECK(url_ok("https://[::1]:8443/x", "::1", "8443", "/x"));
	CHECK(url_ok("https://[2001:db8::1]/", "2001:db8::1", "443", "/"));
	CHECK(url_ok("https://example.com", "example.com", "443", "/"));
	CHECK(url_ok("HTTPS://Example.COM:443", "Example.COM", "443", "/"));
	CHECK(url_ok("https://x:00080/", "x", "80", "/"));
	CHECK(url_ok("https://x:0000000000000000000443/", "x", "443", "/"));
	CHECK(url_ok("https://x:1/", "x", "1", "/"));
	CHECK(url_ok("https://x:65535/a/b", "x", "65535", "/a/b"));
	CHECK(url_ok("https://127.0.0.1/", "127.0.0.1", "443", "/"));
	CHECK(url_ok("https://x//", "x", "443", "//"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!url_bad(bad[i])) {
			fprintf(stderr, "  accepted %s\n", bad[i]);
			CHECK(0);
		}
	}
	/* host against host_cap: 7 bytes + NUL fit in 8 */
	CHECK(http_url_parse("https://1234567/", h, sizeof(h), p, &pa) == 0);
	CHECK(http_url_parse("https://12345678/", h, sizeof(h), p, &pa) < 0);
	/* URL length: HTTP_MAX_URL - 1 fits */
	memcpy(url, "https://x/", 10);
	memset(url + 10, 'a', HTTP_MAX_URL - 11);
	url[HTTP_MAX_URL - 1] = '\0';
	CHECK(url_ok(url, "x", "443", url + 9));
	url[HTTP_MAX_URL - 1] = 'a';
	url[HTTP_MAX_URL] = '\0';
	CHECK(url_bad(url));
	return 0;
}

/* ---- listener request parser --------------------------------------------- */

static int
req(const char *s, const char **tok, size_t *tl)
{
	return listen_parse_request(s, strlen(s), tok, tl);
}

static int
test_parse_request(void)
{
	static const char good[] = "GET /.well-known/acme-challenge/"
	    "abc_-DEF123 HTTP/1.1\r\nHost: a.test\r\nUser-Agent: x\r\n\r\n";
	static const char nul[] = "GET /x HTTP/1.1\r\nX: \0\r\n\r\n";
	const char *tok;
	size_t tl, i;
	char buf[400];

	CHECK(req(good, &tok, &tl) == 1);
	CHECK(tl == 11 && memcmp(tok, "abc_-DEF123", 11) == 0);
	CHECK(tok == good + 32);
	for (i = 0; i < sizeof(good) - 1; i++) {
		if (listen_parse_request(good, i, &tok, &tl) != 0) {
			fprintf(stderr, "  complete at %zu\n", i);
			CHECK(0);
		}
	}
	CHECK(listen_parse_request(NULL, 0, &tok, &tl) == 0);
	CHECK(req("GET /.well-known/acme-challenge/t HTTP/1.0\r\n\r\n",
	    &tok, &tl) == 1 && tl == 1);
	CHECK(req("GET /.well-known/acme-challenge/t HTTP/1.1\r\n\r\nxx",
	    &tok, &tl) == 1);
#define NO(s) CHECK(req(s, &tok, &tl) == 2 && tok == NULL && tl == 0)
	NO("GET / HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/../x HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/a/../b HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc?x=1 HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc/ HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/ab$c HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/ab%2Fc HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/ab.c HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/ HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge HTTP/1.1\r\n\r\n");
	NO("GET /.WELL-KNOWN/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("GET http://x/.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("POST /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("HEAD /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("get /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("GET  /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/2.0\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.2\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.10\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.1 \r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.1\r\nX: \001\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.1\r\nX: y\n\r\n\r\n");
	NO("GET /.well-known/acme-challenge/abc HTTP/1.1\r\nX: y\rz\r\n\r\n");
	NO("\r\n\r\n");
	NO("garbage\r\n\r\n");
#undef NO
	CHECK(listen_parse_request(nul, sizeof(nul) - 1, &tok, &tl) == 2);
	/* LF-only line ends never complete a head */
	CHECK(req("GET /.well-known/acme-challenge/abc HTTP/1.1\n\n",
	    &tok, &tl) == 0);
	/* token length: 128 is ours, 129 is not */
	i = (size_t)sprintf(buf, "GET /.well-known/acme-challenge/");
	memset(buf + i, 'T', 128);
	strcpy(buf + i + 128, " HTTP/1.1\r\n\r\n");
	CHECK(req(buf, &tok, &tl) == 1 && tl == 128);
	memset(buf + i, 'T', 129);
	strcpy(buf + i + 129, " HTTP/1.1\r\n\r\n");
	CHECK(req(buf, &tok, &tl) == 2);
	return 0;
}

/* ---- client checks made before any I/O ----------------------------------- */

static unsigned char iobuf[BR_SSL_BUFSIZE_MONO];

static int
test_request_refused(void)
{
	static struct http_client c;
	struct http_response r;
	unsigned char b[16];

	http_client_init(&c, NULL, 0, iobuf, sizeof(iobuf));
	CHECK(c.fd == -1 && c.handshakes == 0 && c.requests == 0);
	/* IP literals are hosts too (a private CA on a LAN): port 1 on
	 * loopback refuses the connection, after the URL was accepted */
	CHECK(http_request(&c, "GET", "https://127.0.0.1:1/", NULL, NULL, 0,
	    &r, b, sizeof(b)) == -1 && c.err == HTTP_ECONNECT);
	CHECK(http_request(&c, "GET", "https://[::1]:1/", NULL, NULL, 0,
	    &r, b, sizeof(b)) == -1 && c.err == HTTP_ECONNECT);
	CHECK(http_request(&c, "GET", "https://[::1:1/", NULL, NULL, 0,
	    &r, b, sizeof(b)) == -1 && c.err == HTTP_EURL);
	CHECK(http_request(&c, "GET", "http://localhost:1/", NULL, NULL, 0,
	    &r, b, sizeof(b)) == -1 && c.err == HTTP_EURL);
	CHECK(http_request(&c, "get", "https://localhost:1/", NULL, NULL, 0,
	    &r, b, sizeof(b)) == -1 && c.err == HTTP_EURL);
	CHECK(http_request(&c, "POST", "https://localhost:1/",
	    "text/plain\r\nX: y", "x", 1, &r, b, sizeof(b)) == -1 &&
	    c.err == HTTP_EURL);
	CHECK(c.fd == -1 && c.requests == 0);
	http_client_close(&c);
	http_client_close(&c);
	return 0;
}

static int
test_strerror(void)
{
	CHECK(strcmp(http_strerror(HTTP_OK), "success") == 0);
	CHECK(strcmp(http_strerror(HTTP_ETOOBIG), "HTTP response too large")
	    == 0);
	CHECK(strcmp(http_strerror(-1), "unknown HTTP error") == 0);
	CHECK(strcmp(http_strerror(HTTP_ETOOBIG + 1),
	    "unknown HTTP error") == 0);
	CHECK(strstr(http_tls_strerror(BR_ERR_X509_EXPIRED), "clock") != NULL);
	CHECK(strstr(http_tls_strerror(BR_ERR_X509_NOT_TRUSTED),
	    "not trusted") != NULL);
	CHECK(strstr(http_tls_strerror(BR_ERR_X509_BAD_SERVER_NAME),
	    "name") != NULL);
	CHECK(strcmp(http_tls_strerror(BR_ERR_X509_BAD_DN),
	    "invalid server certificate") == 0);
	CHECK(strstr(http_tls_strerror(BR_ERR_BAD_VERSION), "TLS 1.2") != NULL);
	CHECK(strstr(http_tls_strerror(BR_ERR_RECV_FATAL_ALERT + 40),
	    "handshake") != NULL);
	CHECK(strcmp(http_tls_strerror(BR_ERR_SEND_FATAL_ALERT + 80),
	    "TLS error") != 0);
	CHECK(strcmp(http_tls_strerror(12345), "TLS error") == 0);
	CHECK(strcmp(http_tls_strerror(-1), "TLS error") == 0);
	return 0;
}

/* ---- http-01 listener over loopback ------------------------------------ */

static struct listener lis;

/*
 * Connects to 127.0.0.1:port, sends req in two halves (split at cut)
 * with the listener served in between, then serves until the answer is
 * complete (the listener closes). Returns the answer length, or -1.
 */
static int
roundtrip(int port, const char *req, size_t cut, char *out, size_t cap)
{
	struct timeval tv = { 2, 0 };
	struct pollfd pfd;
	size_t len = strlen(req), got = 0;
	ssize_t n = 1;
	int fd, i;

	fd = dial(port);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) < 0 ||
	    send(fd, req, cut, 0) != (ssize_t)cut ||
	    listen_serve(&lis, 20) < 0 ||
	    send(fd, req + cut, len - cut, 0) != (ssize_t)(len - cut)) {
		got = (size_t)-1;
		n = 0;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; n > 0 && i < 100; i++) {
		if (listen_serve(&lis, 10) < 0) {
			break;
		}
		if (poll(&pfd, 1, 0) == 1) {
			while (got < cap &&
			    (n = recv(fd, out + got, cap - got, 0)) > 0) {
				got += (size_t)n;
			}
		}
	}
	if (fd >= 0) {
		close(fd);
	}
	return n == 0 && got < cap ? (int)got : -1;
}

static int
test_listener(void)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 15\r\n"
	    "Connection: close\r\n\r\ntok-1.thumbprnt";
	static const char nf[] = "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	static const char na[] = "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Allow: GET\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	static char huge[600];
	static const struct listen_token toks[] = {
		{ "tok-0", "tok-0.thumbprnt" },
		{ "tok-1", "tok-1.thumbprnt" },
		{ "tok-2", huge }
	};
	const char *get = "GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\n"
	    "Host: a.test\r\nAccept: */*\r\n\r\n";
	char spec[32], out[1024];
	int port = free_port(), n;

	CHECK(port > 0);
	sprintf(spec, "127.0.0.1:%d", port);
	CHECK(listen_open(&lis, spec) == 0 && lis.nlfd == 1);
	memset(huge, 'k', sizeof(huge) - 1);
	listen_set_tokens(&lis, toks, 2);
	n = roundtrip(port, get, strlen(get), out, sizeof(out));
	CHECK(n == (int)sizeof(ok) - 1 && memcmp(out, ok, (size_t)n) == 0);
	CHECK(lis.served == 1);
	/* the same, arriving in two pieces */
	n = roundtrip(port, get, 20, out, sizeof(out));
	CHECK(n == (int)sizeof(ok) - 1 && memcmp(out, ok, (size_t)n) == 0);
	CHECK(lis.served == 2);
	/* a token we do not know; a prefix of a known one */
	n = roundtrip(port, "GET /.well-known/acme-challenge/tok-2 HTTP/1.1"
	    "\r\n\r\n", 10, out, sizeof(out));
	CHECK(n == (int)sizeof(nf) - 1 && memcmp(out, nf, (size_t)n) == 0);
	n = roundtrip(port, "GET /.well-known/acme-challenge/tok- HTTP/1.1"
	    "\r\n\r\n", 5, out, sizeof(out));
	CHECK(n == (int)sizeof(nf) - 1 && memcmp(out, nf, (size_t)n) == 0);
	n = roundtrip(port, "POST /.well-known/acme-challenge/tok-1 HTTP/1.1"
	    "\r\n\r\n", 5, out, sizeof(out));
	CHECK(n == (int)sizeof(na) - 1 && memcmp(out, na, (size_t)n) == 0);
	n = roundtrip(port, "\r\n\r\n", 1, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 400 ", 13) == 0);
	CHECK(lis.served == 2);
	/* a key authorization too big for the answer buffer */
	listen_set_tokens(&lis, toks, 3);
	n = roundtrip(port, "GET /.well-known/acme-challenge/tok-2 HTTP/1.1"
	    "\r\n\r\n", 5, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 500 ", 13) == 0);
	CHECK(lis.served == 2);
	/* no tokens any more */
	listen_set_tokens(&lis, NULL, 0);
	n = roundtrip(port, get, 3, out, sizeof(out));
	CHECK(n == (int)sizeof(nf) - 1 && memcmp(out, nf, (size_t)n) == 0);
	listen_close(&lis);
	listen_close(&lis);
	CHECK(lis.nlfd == 0);
	return 0;
}

/*
 * The connection table is used from its start and grows only as
 * connections come at once: the entries never used are never written
 * (a responder on a router keeps 80 KB of it out of memory). Filled
 * with a pattern before, they keep it after three connections at once.
 */
static int
test_listener_lazy(void)
{
	struct listen_conn *last = &lis.conn[LISTEN_MAX_CONN - 1];
	char spec[32], out[1024];
	int port = free_port(), fd[3], i, n;

	CHECK(port > 0);
	memset(&lis, 0xA5, sizeof(lis));
	sprintf(spec, "127.0.0.1:%d", port);
	CHECK(listen_open(&lis, spec) == 0 && lis.nconn == 0);
	for (i = 0; i < 3; i++) {
		/* a first byte: the kernel holds back a silent connection
		 * (TCP_DEFER_ACCEPT) */
		CHECK((fd[i] = dial(port)) >= 0 && send(fd[i], "G", 1, 0) == 1);
	}
	for (i = 0; i < 20 && lis.nconn < 3; i++) {
		CHECK(listen_serve(&lis, 10) >= 0);
	}
	CHECK(lis.nconn == 3);
	for (i = 0; i < 3; i++) {
		close(fd[i]);
	}
	/* one after the other: the first entry again, no new one */
	for (i = 0; i < 20 && (lis.conn[0].fd >= 0 ||
	    lis.conn[1].fd >= 0 || lis.conn[2].fd >= 0); i++) {
		CHECK(listen_serve(&lis, 10) >= 0);
	}
	n = roundtrip(port, "GET /x HTTP/1.1\r\n\r\n", 3, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 404 ", 13) == 0);
	CHECK(lis.nconn == 3);
	CHECK(last->fd == (int)0xA5A5A5A5 && last->req[0] == (char)0xA5 &&
	    last->out[sizeof(last->out) - 1] == (char)0xA5);
	listen_close(&lis);
	return 0;
}

static int
test_listener_overlong(void)
{
	static char req[LISTEN_MAX_REQUEST + 64];
	char spec[32], out[512];
	int port = free_port(), n;

	CHECK(port > 0);
	sprintf(spec, "127.0.0.1:%d", port);
	CHECK(listen_open(&lis, spec) == 0);
	/* a head one byte over the cap: 400 */
	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	memset(req + 19, 'x', LISTEN_MAX_REQUEST - 19 - 3);
	strcpy(req + LISTEN_MAX_REQUEST - 3, "\r\n\r\n");
	n = roundtrip(port, req, 100, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 400 ", 13) == 0);
	/* exactly at the cap: answered (404) */
	strcpy(req + LISTEN_MAX_REQUEST - 4, "\r\n\r\n");
	n = roundtrip(port, req, 100, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 404 ", 13) == 0);
	listen_close(&lis);
	return 0;
}

static int
test_listen_open_bad(void)
{
	static const char *const bad[] = {
		"80", ":0", ":65536", ":123456", ":", "", ":abc", ":+80",
		"1.2.3:80", "[::1:80", "::1:80", "[::1]80", "localhost:80",
		"127.0.0.1:80x", "[127.0.0.1]:80", ":000080", "[]:80",
		"127.0.0.1", "[::1]"
	};
	static struct listener l2;
	char spec[32];
	size_t i;
	int port;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (listen_open(&lis, bad[i]) != -1 ||
		    lis.detail != EINVAL || lis.nlfd != 0) {
			fprintf(stderr, "  accepted %s\n", bad[i]);
			CHECK(0);
		}
		listen_close(&lis);
	}
	/* a port already taken */
	port = free_port();
	CHECK(port > 0);
	sprintf(spec, "127.0.0.1:%d", port);
	CHECK(listen_open(&lis, spec) == 0);
	CHECK(listen_open(&l2, spec) == -1 &&
	    l2.detail == EADDRINUSE && l2.nlfd == 0);
	listen_close(&lis);
	listen_close(&l2);
	return 0;
}

/* ":PORT" listens on IPv6 (where there is IPv6) and IPv4; leading
 * zeros within 5 digits are the same port. */
static int
test_listen_open_good(void)
{
	char spec[32], out[512];
	int port = free_port(), n;

	CHECK(port > 0);
	sprintf(spec, ":%05d", port);
	CHECK(listen_open(&lis, spec) == 0 && lis.nlfd >= 1);
	/* IPv4 answers (the last socket) */
	n = roundtrip(port, "\r\n\r\n", 1, out, sizeof(out));
	CHECK(n > 12 && memcmp(out, "HTTP/1.1 400 ", 13) == 0);
	listen_close(&lis);
	sprintf(spec, "[::1]:%d", port);
	CHECK(listen_open(&lis, spec) == 0 ? lis.nlfd == 1 :
	    lis.detail == EADDRNOTAVAIL || lis.detail == EAFNOSUPPORT);
	listen_close(&lis);
	return 0;
}

/* fmt_strerror(): musl's words for the errors a run meets (the tests of
 * powerloss.sh look for two of them), each code its own text, the table
 * and its texts in step to the last; "error N" for the others. */
static int
test_fmt_strerror(void)
{
	static const struct {
		int e;
		const char *text;
	} want[] = {
		{ ENOENT, "No such file or directory" },
		{ EACCES, "Permission denied" },
		{ ENOSPC, "No space left on device" },
		{ EROFS, "Read-only file system" },
		{ ECONNREFUSED, "Connection refused" },
		{ EADDRINUSE, "Address in use" },
		{ ETIMEDOUT, "Operation timed out" },
		{ EMSGSIZE, "Message too large" }        /* the last one */
	};
	char buf[32];
	size_t i;

	for (i = 0; i < NELEM(want); i++) {
		CHECK_CASE(strcmp(fmt_strerror(want[i].e), want[i].text) == 0,
		    i);
	}
	CHECK(strcmp(fmt_strerror(0), "error 0") == 0);
	CHECK(strcmp(fmt_strerror(-5), "error -5") == 0);
	snprintf(buf, sizeof(buf), "error %d", EDOM);
	CHECK(strcmp(fmt_strerror(EDOM), buf) == 0);
	return 0;
}

/* fmt_dec(), the one decimal parser (Content-Length, ports, ids,
 * persistUntil): digits only, at least one, overflow and max checked. */
static int
test_fmt_dec(void)
{
	static const char *const bad[] = {
		"", "+1", "-1", " 1", "1 ", "1a", "0x10", "\x01",
		"18446744073709551616", "99999999999999999999",
		"184467440737095516150"
	};
	unsigned long long v = 7;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		CHECK_CASE(fmt_dec(bad[i], strlen(bad[i]), ULLONG_MAX,
		    &v) == -1 && v == 7, i);
	}
	CHECK(fmt_dec("0", 1, 0, &v) == 0 && v == 0);
	CHECK(fmt_dec("1", 1, 0, &v) == -1);
	CHECK(fmt_dec("18446744073709551615", 20, ULLONG_MAX, &v) == 0 &&
	    v == ULLONG_MAX);
	CHECK(fmt_dec("0018446744073709551614", 22, ULLONG_MAX, &v) == 0 &&
	    v == ULLONG_MAX - 1);
	CHECK(fmt_dec("65535", 5, 65535, &v) == 0 && v == 65535);
	CHECK(fmt_dec("65536", 5, 65535, &v) == -1 && v == 65535);
	CHECK(fmt_dec("4294967295", 10, 0xfffffffeULL, &v) == -1);
	CHECK(fmt_dec("4294967294", 10, 0xfffffffeULL, &v) == 0 &&
	    v == 0xfffffffeULL);
	/* the length ends the number, not a NUL */
	CHECK(fmt_dec("12x", 2, 99, &v) == 0 && v == 12);
	CHECK(fmt_dec("1\0", 2, 99, &v) == -1);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_content_length);
	RUN(test_content_length_bad);
	RUN(test_chunked);
	RUN(test_chunked_bad);
	RUN(test_status_line);
	RUN(test_header_syntax);
	RUN(test_limits_line);
	RUN(test_limits_header_bytes);
	RUN(test_limits_header_count);
	RUN(test_limits_body);
	RUN(test_no_body);
	RUN(test_connection);
	RUN(test_nonce);
	RUN(test_kept_values);
	RUN(test_retry_after);
	RUN(test_leftover_and_eos);
	RUN(test_url);
	RUN(test_parse_request);
	RUN(test_request_refused);
	RUN(test_strerror);
	RUN(test_listener);
	RUN(test_listener_overlong);
	RUN(test_listener_lazy);
	RUN(test_listen_open_bad);
	RUN(test_listen_open_good);
	RUN(test_fmt_dec);
	RUN(test_fmt_strerror);
	return runner_done();
}
