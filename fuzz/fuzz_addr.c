/* SPDX-License-Identifier: MIT */
/*
 * fuzz_addr.c - libFuzzer target: the address parsers that read what a
 * user or a file wrote, dns_addr_parse() (-l, --alpn, --dns-server,
 * resolv.conf's addresses) and dns_server_resolv() (resolv.conf).
 *
 * Input: byte 0 picks the default port (even: none, as -l takes it;
 * odd: 53, as a DNS server takes it), the rest is the text. Besides the
 * sanitizers it checks the contract the callers rely on: on success an
 * IPv4 or IPv6 address of its own length with a port 1..65535, or
 * ":PORT" alone (length 0, any address); on failure, no address; resolv.conf gives at most max servers, each of
 * them a whole address with port 53 unless it named one.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless a is one address of the kind dns_addr_parse() makes. */
static void
check_addr(const struct dns_server *a, bool any_ok)
{
	unsigned port;

	if (a->len == 0) {
		port = ntohs(a->u.in6.sin6_port);
		if (!any_ok || a->u.sa.sa_family != AF_UNSPEC || port == 0) {
			abort();
		}
		return;
	}
	if (a->u.sa.sa_family == AF_INET && a->len == sizeof(a->u.in)) {
		port = ntohs(a->u.in.sin_port);
	} else if (a->u.sa.sa_family == AF_INET6 &&
	    a->len == sizeof(a->u.in6)) {
		port = ntohs(a->u.in6.sin6_port);
	} else {
		abort();
	}
	if (port == 0) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_server a, srv[3];
	const char *s = (const char *)data + 1;
	unsigned port;
	size_t k, n;

	if (size < 1) {
		return 0;
	}
	port = data[0] % 2 == 0 ? 0 : 53;
	n = size - 1;
	if (dns_addr_parse(&a, s, n, port) == 0) {
		check_addr(&a, true);
	} else if (a.len != 0) {
		abort();
	}
	memset(srv, 0xA5, sizeof(srv));
	k = dns_server_resolv(srv, 2, s, n);
	if (k > 2 || srv[2].len != (socklen_t)0xA5A5A5A5u) {
		abort();            /* more than max, or written past it */
	}
	while (k-- > 0) {
		check_addr(&srv[k], false);
	}
	return 0;
}
