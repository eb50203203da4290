/* SPDX-License-Identifier: MIT */
/*
 * t_alpn.c - unit tests of alpn.c, the tls-alpn-01 responder: SNI
 * matching (only A-Z fold), a ClientHello that once made it spin
 * forever, and handshakes served while idle connections hold slots.
 * Connections are socketpairs; the client is a BearSSL engine here.
 */
#include "alpn.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockio.h"
#include "tls.h"

#include "runner.h"

static struct alpn_responder a;
static const int no_lfd[1] = { -1 };

/* One round of the responder's poll loop, waiting up to ms. */
static void
round_ms(int ms)
{
	struct pollfd pfd[ALPN_MAX_POLLFD];
	size_t n;
	int t = ms;

	n = alpn_pollfds(&a, pfd, &t);
	(void)poll(pfd, (nfds_t)n, t);
	alpn_handle(&a, pfd);
}

static size_t
open_conns(void)
{
	size_t k, n = 0;

	for (k = 0; k < ALPN_MAX_CONN; k++) {
		n += a.conn[k].fd >= 0;
	}
	return n;
}

static int
test_sni(void)
{
	static const unsigned char d[32];

	alpn_reset(&a);
	CHECK(alpn_add(&a, "a-b.example", d) == 0);
	CHECK(alpn_add(&a, "127.0.0.1", d) == 0);
	CHECK(alpn_find(&a, "a-b.example") == &a.entry[0]);
	CHECK(alpn_find(&a, "A-B.EXAMPLE") == &a.entry[0]);
	/* CR | 0x20 is '-': a byte-wise | 0x20 fold matched these */
	CHECK(alpn_find(&a, "a\rb.example") == NULL);
	CHECK(alpn_find(&a, "a\rB.example") == NULL);
	CHECK(alpn_find(&a, "a-b.exampl") == NULL);
	CHECK(alpn_find(&a, "a-b.example.") == NULL);
	CHECK(alpn_find(&a, "") == NULL);
	CHECK(alpn_find(&a, NULL) == NULL);
	/* RFC 8738 §6: an IP address answers to its reverse name */
	CHECK(alpn_find(&a, "1.0.0.127.in-addr.arpa") == &a.entry[1]);
	CHECK(alpn_find(&a, "127.0.0.1") == NULL);
	return 0;
}

/* A client engine that accepts the responder's key, over fd. */
static br_ssl_client_context cc;
static br_x509_minimal_context xc;
static br_x509_knownkey_context kk;
static unsigned char cbuf[BR_SSL_BUFSIZE_BIDI];

static void
client_init(const char *sni)
{
	static const char *names[] = { "acme-tls/1" };
	static br_ec_public_key pk;

	pk.curve = BR_EC_secp256r1;
	pk.q = a.key.q;
	pk.qlen = sizeof(a.key.q);
	tls_client_profile(&cc, &xc, NULL, 0);
	br_x509_knownkey_init_ec(&kk, &pk, BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN);
	br_ssl_engine_set_x509(&cc.eng, &kk.vtable);
	br_ssl_engine_set_protocol_names(&cc.eng, names, 1);
	br_ssl_engine_set_buffer(&cc.eng, cbuf, sizeof(cbuf), 1);
	br_ssl_client_reset(&cc, sni, 0);
}

/* Moves the client engine on; returns its state. */
static unsigned
client_pump(int fd)
{
	br_ssl_engine_context *e = &cc.eng;
	unsigned char *buf;
	unsigned st;
	size_t len;
	ssize_t n;

	for (;;) {
		st = br_ssl_engine_current_state(e);
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(e, &len);
			n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(e, (size_t)n);
				continue;
			}
		} else if ((st & BR_SSL_RECVREC) && !(st & BR_SSL_SENDAPP)) {
			buf = br_ssl_engine_recvrec_buf(e, &len);
			n = recv(fd, buf, len, MSG_DONTWAIT);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(e, (size_t)n);
				continue;
			}
		}
		return st;
	}
}

/* A full handshake over a socketpair; returns the client's state. */
static unsigned
handshake(const char *sni)
{
	unsigned st = 0;
	int sv[2], k;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 ||
	    sockio_set_flags(sv[0]) != 0) {
		return 0;
	}
	client_init(sni);
	client_pump(sv[1]);
	alpn_take(&a, sv[0]);
	for (k = 0; k < 200; k++) {
		st = client_pump(sv[1]);
		if (st & (BR_SSL_SENDAPP | BR_SSL_CLOSED)) {
			break;
		}
		round_ms(10);
	}
	close(sv[1]);
	round_ms(10);
	return st;
}

static int
test_handshake(void)
{
	static const unsigned char d[32];
	int idle[4][2];
	size_t k;
	unsigned served = a.served;

	alpn_reset(&a);
	CHECK(alpn_add(&a, "v.example", d) == 0);
	CHECK(handshake("V.example") & BR_SSL_SENDAPP);
	CHECK(a.served == served + 1);
	CHECK(open_conns() == 0);
	/* unknown name, or no acme-tls/1: refused */
	CHECK(!(handshake("w.example") & BR_SSL_SENDAPP));
	CHECK(a.served == served + 1);
	/* four idle connections, one byte each, hold slots: the
	 * validator is still answered (the review saw "Failed to
	 * connect" while one connection at a time was served) */
	for (k = 0; k < 4; k++) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, idle[k]) == 0);
		CHECK(sockio_set_flags(idle[k][0]) == 0);
		CHECK(send(idle[k][1], "\x16", 1, 0) == 1);
		alpn_take(&a, idle[k][0]);
	}
	round_ms(10);
	CHECK(open_conns() == 4);
	CHECK(handshake("v.example") & BR_SSL_SENDAPP);
	CHECK(a.served == served + 2);
	for (k = 0; k < 4; k++) {
		close(idle[k][1]);
	}
	round_ms(10);
	CHECK(open_conns() == 0);
	return 0;
}

static void
on_alarm(int sig)
{
	(void)sig;
	/* the responder spun: fail loudly rather than hang the suite */
	(void)write(2, "FAIL test_short_handshake (responder hung)\n", 43);
	_exit(1);
}

/*
 * The security review's packet: a real ClientHello whose handshake
 * length is one byte shorter than its record. Over a half-duplex
 * buffer BearSSL could then neither send nor receive and br_sslio_flush
 * spun at 100% CPU forever. The connection must now end at once.
 */
static int
test_short_handshake(void)
{
	unsigned char *rec, copy[2048];
	size_t len;
	int sv[2], k;

	client_init("v.example");
	rec = br_ssl_engine_sendrec_buf(&cc.eng, &len);
	CHECK(len > 9 && len <= sizeof(copy) && rec[0] == 0x16 && rec[5] == 1);
	memcpy(copy, rec, len);
	/* handshake length (3 bytes at 6) minus one */
	CHECK(copy[8] > 0);
	copy[8]--;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(sockio_set_flags(sv[0]) == 0);
	CHECK(send(sv[1], copy, len, 0) == (ssize_t)len);
	signal(SIGALRM, on_alarm);
	alarm(5);
	alpn_take(&a, sv[0]);
	for (k = 0; k < 5 && open_conns() > 0; k++) {
		round_ms(10);
	}
	alarm(0);
	/* ended by the responder, not by a deadline; the peer sees it */
	CHECK(open_conns() == 0);
	CHECK(recv(sv[1], copy, sizeof(copy), 0) >= 0);
	close(sv[1]);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	if (alpn_init(&a, no_lfd, 0) != 0) {
		printf("FAIL alpn_init\n");
		return 1;
	}
	RUN(test_sni);
	RUN(test_handshake);
	RUN(test_short_handshake);
	alpn_wipe(&a);
	return runner_done();
}
