/* SPDX-License-Identifier: MIT */
/*
 * t_responder.c - unit tests of responder.c on loopback: the parent
 * knows the responder holds exactly the answers it sent
 * (responder_sync() checks the count in the responder's ACK), for
 * http-01 and tls-alpn-01. As root the responder drops to "nobody" in
 * a chroot (passwd_lookup() reads /etc/passwd); else it keeps the uid.
 */
#include "responder.h"

#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "runner.h"

static struct responder z;

/* http-01: what was sent since open or clear is what is held; a token
 * the responder refuses (over its 129 bytes, which the parent lets
 * through) is an error with the two counts. */
static int
test_sync_count(void)
{
	char spec[32], why[160], tok[201];
	int port = free_port();

	CHECK(port > 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	CHECK(responder_start(&z, NULL) == 0);
	CHECK(responder_open(&z, spec, NULL, NULL) == 0);
	CHECK(responder_add(&z, "tok-a", "tok-a.thumb", NULL) == 0);
	CHECK(responder_add(&z, "tok-b", "tok-b.thumb", NULL) == 0);
	CHECK(responder_sync(&z) == 0 && z.sent == 2);
	CHECK(responder_clear(&z) == 0 && z.sent == 0);
	CHECK(responder_sync(&z) == 0);
	CHECK(responder_add(&z, "tok-c", "tok-c.thumb", NULL) == 0);
	CHECK(responder_sync(&z) == 0);
	memset(tok, 'x', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	CHECK(responder_add(&z, tok, "k", NULL) == 0);
	CHECK(responder_sync(&z) == -1 && z.err == RESPONDER_ECOUNT &&
	    z.detail == 1 && z.broken && !z.open);
	CHECK(strcmp(responder_strerror(&z, why, sizeof(why)),
	    "the challenge responder did not take every answer: it holds 1 "
	    "of the 2 sent") == 0);
	/* broken: nothing more is sent */
	CHECK(responder_open(&z, spec, NULL, NULL) == -1);
	CHECK(responder_close(&z) == 0);
	responder_end(&z);
	return 0;
}

/* tls-alpn-01: identifiers count as answers too. */
static int
test_sync_count_alpn(void)
{
	char spec[32];
	int port = free_port();

	CHECK(port > 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	CHECK(responder_start(&z, NULL) == 0);
	CHECK(responder_open(&z, NULL, spec, NULL) == 0);
	CHECK(responder_add(&z, "t1", "t1.thumb", "a.example") == 0);
	CHECK(responder_add(&z, "t2", "t2.thumb", "192.0.2.1") == 0);
	CHECK(responder_sync(&z) == 0 && z.sent == 2);
	CHECK(responder_close(&z) == 0);
	responder_end(&z);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_sync_count);
	RUN(test_sync_count_alpn);
	return runner_done();
}
