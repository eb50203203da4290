/* SPDX-License-Identifier: MIT */
/*
 * fuzz_alpn.c - libFuzzer target: the tls-alpn-01 responder (alpn.c),
 * which sees every byte anyone on the Internet sends to port 443 during
 * an --alpn run. The input is what a client sends; the responder serves
 * it over one end of a socketpair, the other end closed for writing
 * after the input, as its own poll() loop would.
 *
 * Besides the sanitizers it checks the promise the security review
 * found broken: whatever arrives, the connection ends after a bounded
 * number of loop rounds (the review's ClientHello made the old responder
 * spin forever), and no input is answered with a completed handshake
 * (the input cannot know our random values, so Finished cannot verify).
 */
#include "alpn.h"

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockio.h"

static struct alpn_responder a;
static const int no_lfd[1] = { -1 };
static int ready;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char d[32];
	struct pollfd pfd[ALPN_MAX_POLLFD];
	unsigned char sink[4096];
	size_t n, k, open = 1;
	int sv[2], t;

	if (!ready) {
		if (alpn_init(&a, no_lfd, 0) != 0 ||
		    alpn_add(&a, "v.example", d) != 0) {
			abort();
		}
		ready = 1;
	}
	/* what fits in the socket buffer at once: 64 KB */
	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		return 0;
	}
	if (sockio_set_flags(sv[0]) != 0 ||
	    (size > 0 && send(sv[1], data, size, 0) != (ssize_t)size)) {
		abort();
	}
	shutdown(sv[1], SHUT_WR);
	alpn_take(&a, sv[0]);
	for (k = 0; k < 64 && open > 0; k++) {
		t = 0;
		n = alpn_pollfds(&a, pfd, &t);
		(void)poll(pfd, (nfds_t)n, 0);
		alpn_handle(&a, pfd);
		while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0) {
		}
		for (open = 0, n = 0; n < ALPN_MAX_CONN; n++) {
			open += a.conn[n].fd >= 0;
		}
	}
	close(sv[1]);
	if (open > 0 || a.served != 0) {
		abort();
	}
	return 0;
}
