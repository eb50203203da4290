/* SPDX-License-Identifier: MIT */
/*
 * t_regress.c - regression tests of the bugs that fuzzing (fuzz/) and
 * the hostile-server tests (tests/hostile.sh) found in json.c, http.c,
 * pem.c, x509.c and jws.c. Each test names what was wrong; the input
 * that found it is also kept as fuzz/corpus/TARGET/regress-*, so
 * `make check-fuzz` replays it through the fuzz target as well.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "json.h"
#include "listen.h"
#include "jws.h"
#include "pem.h"
#include "x509.h"

#include "testutil.h"
#include "runner.h"

static jsmntok_t tok[64];

static int
parse(const char *s)
{
	struct json j;

	return json_parse(&j, s, strlen(s), tok, 64);
}

/*
 * json_parse() took what jsmn's strict mode lets through: a member
 * without a value ({"a","b":1} made json_get() read keys as values and
 * values as keys), missing or extra separators, keys inside arrays, and
 * malformed primitives. fuzz/corpus/json/regress-member-without-value.
 */
static int
test_json_not_json(void)
{
	static const char *const bad[] = {
		"{\"a\",\"b\":1}", "[\"a\":1]", "[1 2]", "{\"a\":1,}", "[1,]",
		",{}", ":{}", "{\"a\"::1}", "{\"a\":1 \"b\":2}", "[tru]",
		"{\"a\":01}", "[--1]", "{\"a\":\"b\":\"c\"}", "[,1]",
		"{,\"a\":1}", "[\"a\" \"b\"]", "{\"a\":[1,,2]}", "[{}{}]",
		"[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[nulll]", "[True]",
		"{\"status\":\"valid\" \"status\":\"invalid\"}"
	};
	static const char *const good[] = {
		"{}", "[]", " {\"a\" : 1 ,\r\n\"b\"\t:\t[ 1 , 2 ] }\n",
		"[0,-0,1.5,-2.5e+3,1E9,1e-9,true,false,null,\"x\",{},[]]",
		"{\"a\":{\"b\":[{\"c\":\"d\"}]},\"e\":\"\\u0041\"}", "\"s\""
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) == 0) {
			fprintf(stderr, "  accepted: %s\n", bad[i]);
			CHECK(0);
		}
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(good[i]) != 0) {
			fprintf(stderr, "  refused: %s\n", good[i]);
			CHECK(0);
		}
	}
	return 0;
}

/*
 * The listener took every connection at once and, when full, dropped
 * the oldest. A flood of connections that send nothing then pushed out
 * a validator accepted a moment before its request arrived: the CA got
 * no answer (tests/listener.sh saw 1 or 2 of 6 fetches lost under a
 * flood). Here, deterministically: the validator connects, the
 * listener runs, twice LISTEN_MAX_CONN idle connections come in, and
 * only then the validator sends its request: it must get its answer.
 */
static int
test_listener_flood_keeps_validator(void)
{
	static const char req[] = "GET /.well-known/acme-challenge/tok "
	    "HTTP/1.1\r\nHost: a.example.test\r\n\r\n";
	static const struct listen_token toks[] = { { "tok", "tok.thumb" } };
	static struct listener lis;
	int idle[2 * LISTEN_MAX_CONN], v, port, k, n, got = 0;
	char spec[32], out[512];

	port = free_port();
	CHECK(port > 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	CHECK(listen_open(&lis, spec) == 0);
	listen_set_tokens(&lis, toks, 1);
	v = dial(port);
	CHECK(v >= 0);
	CHECK(listen_serve(&lis, 20) == 0);
	for (k = 0; k < 2 * LISTEN_MAX_CONN; k++) {
		idle[k] = dial(port);
		CHECK(listen_serve(&lis, 0) == 0);
	}
	CHECK(listen_serve(&lis, 50) == 0);
	CHECK(write(v, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1));
	for (k = 0; k < 100 && got < (int)sizeof(out) - 1; k++) {
		CHECK(listen_serve(&lis, 10) == 0);
		n = (int)recv(v, out + got, sizeof(out) - 1 - (size_t)got,
		    MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK)) {
			break;
		}
		got += n > 0 ? n : 0;
	}
	out[got] = '\0';
	close(v);
	for (k = 0; k < 2 * LISTEN_MAX_CONN; k++) {
		if (idle[k] >= 0) {
			close(idle[k]);
		}
	}
	listen_close(&lis);
	if (strncmp(out, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "  validator got: '%.60s'\n", out);
	}
	CHECK(strncmp(out, "HTTP/1.1 200", 12) == 0);
	CHECK(strstr(out, "\r\n\r\ntok.thumb") != NULL);
	return 0;
}

/*
 * Plain text where TLS was expected (a web server on the CA's port, a
 * proxy's error page) read "server does not support TLS 1.2", which
 * sends one looking for an old server. BearSSL reports such a record as
 * BR_ERR_UNSUPPORTED_VERSION; a real TLS server refusing 1.2 answers
 * with the protocol_version alert (70). tests/hostile.sh: tls-garbage.
 */
static int
test_tls_not_tls(void)
{
	CHECK(strstr(http_tls_strerror(BR_ERR_UNSUPPORTED_VERSION),
	    "not a TLS server") != NULL);
	CHECK(strstr(http_tls_strerror(BR_ERR_RECV_FATAL_ALERT + 70),
	    "does not support TLS 1.2") != NULL);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_json_not_json);
	RUN(test_listener_flood_keeps_validator);
	RUN(test_tls_not_tls);
	return runner_done();
}
