/* SPDX-License-Identifier: MIT */
/*
 * t_dns.c - unit tests of dns.c: the reply parser on hand-made replies
 * (compression, CNAME, several strings, NXDOMAIN, truncation at every
 * length, lengths at their caps, pointer loops), server address and
 * resolv.conf parsing, and dns_txt_lookup() against a fake server in a
 * child process on 127.0.0.1 (a lost first query, a reply to another
 * ID, a truncated reply answered again over TCP).
 *
 * With DNS_LIVE=ADDR:PORT, DNS_LIVE_NAME and DNS_LIVE_VALUE set (by
 * tests/dns-live.sh), it also asks a real server (pebble-challtestsrv).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dns.h"
#include "fmt.h"
#include "store.h"

#include "runner.h"

#define QNAME "_acme-challenge.a.test"
#define ID 0x1234

/* A reply under construction. */
struct msg {
	unsigned char b[DNS_MAX_MSG + 64];
	size_t n;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (unsigned char)(v >> 8);
	m->b[m->n++] = (unsigned char)v;
}

/* Text name in wire form, uncompressed. */
static void
put_name(struct msg *m, const char *s)
{
	const char *dot;
	size_t k;

	while (*s != '\0') {
		dot = strchr(s, '.');
		k = dot != NULL ? (size_t)(dot - s) : strlen(s);
		m->b[m->n++] = (unsigned char)k;
		put(m, s, k);
		s += k + (dot != NULL);
	}
	m->b[m->n++] = 0;
}

/* Header and question for name (TXT IN); an answers follow. */
static void
start(struct msg *m, unsigned id, unsigned flags, unsigned an,
    const char *name)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
	put_name(m, name);
	put16(m, 16);
	put16(m, 1);
}

/* RR header: owner as raw bytes (a pointer, say), type, class IN. */
static void
rr(struct msg *m, const void *owner, size_t on, unsigned type,
    unsigned rdlen)
{
	put(m, owner, on);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, rdlen);
}

/* A TXT record at the question's name with one string s. */
static void
txt1(struct msg *m, const char *s)
{
	size_t k = strlen(s);

	rr(m, "\xc0\x0c", 2, 16, (unsigned)k + 1);
	m->b[m->n++] = (unsigned char)k;
	put(m, s, k);
}

static char obuf[4096];
/* The reply of the test at hand, and what the parser made of it. */
static struct msg m;
static struct dns_txt t;

static int
parse(const struct msg *m, struct dns_txt *t)
{
	memset(t, 0, sizeof(*t));
	t->buf = obuf;
	t->cap = sizeof(obuf);
	return dns_parse_reply(m->b, m->n, ID, QNAME, t);
}

static int
test_simple(void)
{
	start(&m, ID, 0x8180, 1, QNAME);
	txt1(&m, "hello");
	CHECK(parse(&m, &t) == 0);
	CHECK(t.count == 1 && t.len == 6 && strcmp(obuf, "hello") == 0);
	CHECK(!t.nxdomain);
	/* the name compares without case, a trailing dot allowed */
	CHECK(dns_parse_reply(m.b, m.n, ID, "_ACME-challenge.A.test.", &t) == 0);
	CHECK(t.count == 1);
	/* an OPT record in the additional section is not read */
	m.b[11] = 1;
	put(&m, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
	CHECK(parse(&m, &t) == 0 && t.count == 1);
	return 0;
}

static int
test_several(void)
{
	start(&m, ID, 0x8180, 3, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 3 + 4 + 1);
	put(&m, "\x02" "ab" "\x03" "cde" "\x00", 8);   /* "ab" "cde" "" */
	txt1(&m, "second");
	rr(&m, "\xc0\x0c", 2, 1, 4);                    /* an A: ignored */
	put(&m, "\x7f\x00\x00\x01", 4);
	CHECK(parse(&m, &t) == 0);
	CHECK(t.count == 2 && t.len == 6 + 7);
	CHECK(strcmp(obuf, "abcde") == 0 && strcmp(obuf + 6, "second") == 0);
	return 0;
}

static int
test_nodata(void)
{
	start(&m, ID, 0x8183, 0, QNAME);                /* NXDOMAIN */
	CHECK(parse(&m, &t) == 0 && t.count == 0 && t.nxdomain);
	start(&m, ID, 0x8180, 0, QNAME);                /* NOERROR, no data */
	CHECK(parse(&m, &t) == 0 && t.count == 0 && !t.nxdomain);
	start(&m, ID, 0x8180, 1, QNAME);                /* other name only */
	rr(&m, "\x01x\xc0\x0c", 4, 16, 2);
	put(&m, "\x01y", 2);
	CHECK(parse(&m, &t) == 0 && t.count == 0);
	return 0;
}

static int
test_cname(void)
{
	size_t b;

	/* QNAME CNAME b.test (b + pointer to "test" at 12+18), TXT there;
	 * the TXT at QNAME itself and at another name are not ours. */
	start(&m, ID, 0x8180, 4, QNAME);
	txt1(&m, "stale");
	rr(&m, "\xc0\x0c", 2, 5, 4);
	b = m.n;
	put(&m, "\x01" "b" "\xc0\x1e", 4);
	rr(&m, "\x01z\xc0\x1e", 4, 16, 2);
	put(&m, "\x01w", 2);
	put(&m, (unsigned char[]){ 0xc0, (unsigned char)b }, 2);
	put16(&m, 16); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 3);
	put(&m, "\x02ok", 3);
	CHECK(parse(&m, &t) == 0);
	CHECK(t.count == 1 && strcmp(obuf, "ok") == 0);
	return 0;
}

/* A chain of n CNAMEs c1.test -> c2.test ... then TXT at the end. */
static void
chain(struct msg *m, unsigned n)
{
	char from[32], to[32];
	unsigned i;

	start(m, ID, 0x8180, n + 1, QNAME);
	for (i = 1; i <= n; i++) {
		if (i == 1) {
			put(m, "\xc0\x0c", 2);
		} else {
			put_name(m, from);
		}
		put16(m, 5); put16(m, 1); put16(m, 0); put16(m, 0);
		snprintf(to, sizeof(to), "c%u.test", i);
		put16(m, (unsigned)strlen(to) + 2);
		put_name(m, to);
		memcpy(from, to, sizeof(to));
	}
	put_name(m, from);
	put16(m, 16); put16(m, 1); put16(m, 0); put16(m, 0); put16(m, 3);
	put(m, "\x02ok", 3);
}

static int
test_cname_bounds(void)
{
	chain(&m, DNS_MAX_CNAME);
	CHECK(parse(&m, &t) == 0 && t.count == 1);
	chain(&m, DNS_MAX_CNAME + 1);
	CHECK(parse(&m, &t) == 0 && t.count == 0);
	/* the chain in any order: c1 -> c2 and c2's TXT before QNAME -> c1 */
	start(&m, ID, 0x8180, 3, QNAME);
	put_name(&m, "c1.test");
	put16(&m, 5); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 9);
	put_name(&m, "c2.test");
	put_name(&m, "c2.test");
	put16(&m, 16); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 3);
	put(&m, "\x02ok", 3);
	rr(&m, "\xc0\x0c", 2, 5, 9);
	put_name(&m, "c1.test");
	CHECK(parse(&m, &t) == 0 && t.count == 1 && strcmp(obuf, "ok") == 0);
	/* a loop QNAME -> x.test -> QNAME ends, with no record */
	start(&m, ID, 0x8180, 2, QNAME);
	rr(&m, "\xc0\x0c", 2, 5, 8);
	put_name(&m, "x.test");
	rr(&m, "\x01x\xc0\x1e", 4, 5, 2);
	put(&m, "\xc0\x0c", 2);
	CHECK(parse(&m, &t) == 0 && t.count == 0);
	/* CNAME rdata longer than its name */
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\xc0\x0c", 2, 5, 9);
	put_name(&m, "x.test");
	m.b[m.n++] = 0;
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	return 0;
}

static int
test_header(void)
{
	start(&m, ID + 1, 0x8180, 0, QNAME);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EMISMATCH);
	start(&m, ID, 0x0100, 0, QNAME);                /* a query */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EMISMATCH);
	start(&m, ID, 0x8180, 0, "_acme-challenge.b.test");
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EMISMATCH);
	start(&m, ID, 0x8180, 0, QNAME);
	m.b[m.n - 3] = 1;                               /* QTYPE A */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EMISMATCH);
	start(&m, ID, 0x8180, 0, QNAME);
	m.b[5] = 2;                                     /* QDCOUNT 2 */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EMISMATCH);
	start(&m, ID, 0x8380, 0, QNAME);                /* TC */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_ETRUNC);
	start(&m, ID, 0x8982, 0, QNAME);                /* opcode 1 */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	start(&m, ID, 0x8182, 0, QNAME);                /* SERVFAIL */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_ERCODE && t.detail == 2);
	start(&m, ID, 0x8185, 0, QNAME);
	m.b[5] = 0;                                     /* REFUSED, no qd */
	m.n = 12;
	CHECK(parse(&m, &t) != 0 && t.err == DNS_ERCODE && t.detail == 5);
	CHECK(dns_parse_reply(m.b, m.n, ID, "", &t) != 0 &&
	    t.err == DNS_ENAME);
	CHECK(strcmp(dns_strerror(DNS_ETRUNC), "DNS reply truncated") == 0);
	CHECK(strcmp(dns_strerror(99), "unknown DNS error") == 0);
	return 0;
}

/* Every prefix of a good reply is refused; each is an exact-size heap
 * copy, so ASan reports any read past its end. */
static int
test_truncated(void)
{
	unsigned char *cut;
	size_t k;
	int rc;

	chain(&m, 2);
	CHECK(parse(&m, &t) == 0 && t.count == 1);
	for (k = 0; k < m.n; k++) {
		cut = malloc(k > 0 ? k : 1);
		CHECK(cut != NULL);
		memcpy(cut, m.b, k);
		t.buf = obuf;
		t.cap = sizeof(obuf);
		rc = dns_parse_reply(cut, k, ID, QNAME, &t);
		free(cut);
		CHECK(rc != 0 && t.count == 0);
	}
	return 0;
}

static int
test_pointers(void)
{
	size_t at;

	/* pointer to itself */
	start(&m, ID, 0x8180, 1, QNAME);
	at = m.n;
	put(&m, (unsigned char[]){ 0xc0, (unsigned char)at }, 2);
	put16(&m, 16); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 0);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	/* forward pointer */
	m.b[at + 1] = (unsigned char)(at + 4);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	/* label then a pointer back to that label: a loop */
	start(&m, ID, 0x8180, 1, QNAME);
	at = m.n;
	put(&m, (unsigned char[]){ 1, 'x', 0xc0, (unsigned char)at }, 4);
	put16(&m, 16); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 0);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	/* the question itself compressed (pointer into the header) */
	start(&m, ID, 0x8180, 0, QNAME);
	m.n = 12;
	put(&m, "\xc0\x02", 2);
	put16(&m, 16); put16(&m, 1);
	CHECK(parse(&m, &t) != 0);
	/* label types 0x40 and 0x80 */
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\x41", 1, 16, 0);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\x80\x0c", 2, 16, 0);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	return 0;
}

/* A chain of 64 pointers is followed, 65 is not: the TXT owner points
 * to the j-th RR's owner, which points to the one before, ..., the
 * first to the question: j + 1 jumps. */
static int
test_pointer_count(void)
{
	size_t prev, i, j;

	for (j = 63; j <= 64; j++) {
		start(&m, ID, 0x8180, 1, QNAME);
		/* 10-byte RRs of type 99 whose owner is a pointer to the
		 * previous one's owner; the last is our TXT */
		m.b[7] = (unsigned char)(j + 1);
		prev = 12;
		for (i = 0; i < j; i++) {
			size_t here = m.n;

			put(&m, (unsigned char[]){ 0xc0 | (unsigned char)(prev >> 8),
			    (unsigned char)prev }, 2);
			put16(&m, 99); put16(&m, 1); put16(&m, 0); put16(&m, 0);
			put16(&m, 0);
			prev = here;
		}
		put(&m, (unsigned char[]){ 0xc0 | (unsigned char)(prev >> 8),
		    (unsigned char)prev }, 2);
		put16(&m, 16); put16(&m, 1); put16(&m, 0); put16(&m, 0);
		put16(&m, 3);
		put(&m, "\x02ok", 3);
		if (j == 63) {
			/* the last owner takes 64 jumps: 63 + the question */
			CHECK(parse(&m, &t) == 0 && t.count == 1);
		} else {
			CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
		}
	}
	return 0;
}

/* Names at 254, 255 (the cap) and 256 wire bytes; labels at 63, 64. */
static int
test_name_lengths(void)
{
	char q[300];
	/* 250 characters: 63.63.63.58 -> 252 wire bytes */
	memset(q, 'a', sizeof(q));
	q[63] = q[127] = q[191] = '.';
	q[250] = '\0';
	start(&m, ID, 0x8180, 1, q);
	rr(&m, "\x01x\xc0\x0c", 4, 16, 2);              /* 254 */
	put(&m, "\x01y", 2);
	t.buf = obuf;
	t.cap = sizeof(obuf);
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) == 0 && t.count == 0);
	q[250] = 'a';
	q[251] = '\0';                                  /* 253 wire */
	start(&m, ID, 0x8180, 1, q);
	rr(&m, "\x01x\xc0\x0c", 4, 16, 2);              /* 255 */
	put(&m, "\x01y", 2);
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) == 0 && t.count == 0);
	start(&m, ID, 0x8180, 1, q);
	rr(&m, "\x02xx\xc0\x0c", 5, 16, 2);             /* 256 */
	put(&m, "\x01y", 2);
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) != 0 &&
	    t.err == DNS_EFORMAT);
	/* query names: 253 characters is the most */
	q[251] = q[252] = 'a';
	q[253] = '\0';
	start(&m, ID, 0x8180, 0, q);
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) == 0);
	q[253] = 'a';
	q[254] = '\0';
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) != 0 &&
	    t.err == DNS_ENAME);
	/* labels of 63 and 64 */
	memset(q, 'b', 64);
	strcpy(q + 63, ".test");
	start(&m, ID, 0x8180, 0, q);
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) == 0);
	memset(q, 'b', 64);
	strcpy(q + 64, ".test");
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) != 0 &&
	    t.err == DNS_ENAME);
	m.b[12] = 64;                                   /* in a reply */
	CHECK(dns_parse_reply(m.b, m.n, ID, q, &t) != 0);
	CHECK(dns_parse_reply(m.b, m.n, ID, "a..test", &t) != 0 &&
	    t.err == DNS_ENAME);
	return 0;
}

static int
test_txt_lengths(void)
{
	size_t rd;

	/* string length one past rdlen, rdlen one past the message */
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 3);
	put(&m, "\x03" "ab", 3);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 4);
	put(&m, "\x02" "ab", 3);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 0);
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	/* a 255-byte string fills rdlen 256 exactly */
	start(&m, ID, 0x8180, 1, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 256);
	rd = m.n;
	m.b[m.n++] = 255;
	memset(m.b + m.n, 'v', 255);
	m.n += 255;
	CHECK(parse(&m, &t) == 0 && t.count == 1 && strlen(obuf) == 255);
	m.b[rd] = 0;                                    /* "" then junk */
	CHECK(parse(&m, &t) != 0 && t.err == DNS_EFORMAT);
	/* output cap: "hello" needs 6 */
	start(&m, ID, 0x8180, 1, QNAME);
	txt1(&m, "hello");
	t.buf = obuf;
	t.cap = 7;
	CHECK(dns_parse_reply(m.b, m.n, ID, QNAME, &t) == 0 && t.len == 6);
	t.cap = 6;
	CHECK(dns_parse_reply(m.b, m.n, ID, QNAME, &t) == 0 && t.len == 6);
	t.cap = 5;
	CHECK(dns_parse_reply(m.b, m.n, ID, QNAME, &t) != 0 &&
	    t.err == DNS_ETOOBIG && t.count == 0 && t.len == 0);
	t.cap = 0;
	CHECK(dns_parse_reply(m.b, m.n, ID, QNAME, &t) != 0 &&
	    t.err == DNS_ETOOBIG);
	/* a record with a NUL byte is skipped, the next one kept */
	start(&m, ID, 0x8180, 2, QNAME);
	rr(&m, "\xc0\x0c", 2, 16, 6);
	put(&m, "\x02ok\x02" "a\0", 6);
	txt1(&m, "next");
	CHECK(parse(&m, &t) == 0 && t.count == 1 && strcmp(obuf, "next") == 0);
	return 0;
}

static int
server_is(const char *s, int family, const char *addr, unsigned port)
{
	struct dns_server srv;
	char a[INET6_ADDRSTRLEN];

	if (dns_server_parse(&srv, s, strlen(s)) != 0 ||
	    srv.u.sa.sa_family != family) {
		return 0;
	}
	if (family == AF_INET) {
		return srv.len == sizeof(srv.u.in) &&
		    ntohs(srv.u.in.sin_port) == port &&
		    inet_ntop(AF_INET, &srv.u.in.sin_addr, a, sizeof(a)) &&
		    strcmp(a, addr) == 0;
	}
	return srv.len == sizeof(srv.u.in6) &&
	    ntohs(srv.u.in6.sin6_port) == port &&
	    inet_ntop(AF_INET6, &srv.u.in6.sin6_addr, a, sizeof(a)) &&
	    strcmp(a, addr) == 0;
}

static int
test_server(void)
{
	/* an address, and the family, address and port it stands for */
	static const struct {
		const char *in;
		int family;
		const char *addr;
		unsigned port;
	} good[] = {
		{ "127.0.0.1", AF_INET, "127.0.0.1", 53 },
		{ "127.0.0.1:18053", AF_INET, "127.0.0.1", 18053 },
		{ "9.9.9.9:65535", AF_INET, "9.9.9.9", 65535 },
		{ "::1", AF_INET6, "::1", 53 },
		{ "[::1]", AF_INET6, "::1", 53 },
		{ "[2001:db8::5]:5353", AF_INET6, "2001:db8::5", 5353 },
		{ "2001:db8::5", AF_INET6, "2001:db8::5", 53 }
	};
	static const char *const bad[] = {
		"", ":53", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:5x", "1.2.3", "host.example", "[::1", "[::1]53",
		"[::1]:", "[1.2.3.4]:53", "::1%eth0", "[fe80::1%eth0]:53",
		"1.2.3.4 ", "[]:53", "1.2.3.4:+53"
	};
	struct dns_server srv;
	size_t i;

	for (i = 0; i < NELEM(good); i++) {
		CHECK_CASE(server_is(good[i].in, good[i].family, good[i].addr,
		    good[i].port), i);
	}
	for (i = 0; i < NELEM(bad); i++) {
		CHECK_CASE(dns_server_parse(&srv, bad[i], strlen(bad[i])) != 0,
		    i);
	}
	/* length, not NUL, ends the input */
	CHECK(dns_server_parse(&srv, "1.2.3.4:53xx", 10) == 0);
	CHECK(dns_server_parse(&srv, "1.2.3.4\0", 8) != 0);
	return 0;
}

static int
test_resolv(void)
{
	const char *s;
	struct dns_server srv[3];
	char a[INET6_ADDRSTRLEN];

	s = "# generated\nsearch lan\n  nameserver\tfe80::1%eth0\n"
	    "nameserver 192.0.2.7 # comment\nnameserver 192.0.2.8\n";
	/* the usable lines (fe80::1%eth0 is not one), in order, no third */
	CHECK(dns_server_resolv(srv, 3, s, strlen(s)) == 2);
	CHECK(srv[0].u.sa.sa_family == AF_INET &&
	    ntohs(srv[0].u.in.sin_port) == 53);
	CHECK(inet_ntop(AF_INET, &srv[0].u.in.sin_addr, a, sizeof(a)) &&
	    strcmp(a, "192.0.2.7") == 0);
	CHECK(inet_ntop(AF_INET, &srv[1].u.in.sin_addr, a, sizeof(a)) &&
	    strcmp(a, "192.0.2.8") == 0);
	/* max: the first ones only, none past srv[max - 1] */
	srv[1].len = 77;
	CHECK(dns_server_resolv(srv, 1, s, strlen(s)) == 1 &&
	    srv[1].len == 77);
	CHECK(inet_ntop(AF_INET, &srv[0].u.in.sin_addr, a, sizeof(a)) &&
	    strcmp(a, "192.0.2.7") == 0);
	CHECK(dns_server_resolv(srv, 0, s, strlen(s)) == 0);
	s = "nameserver 2001:db8::53";
	CHECK(dns_server_resolv(srv, 3, s, strlen(s)) == 1);
	CHECK(srv[0].u.sa.sa_family == AF_INET6);
	s = "nameservers 1.2.3.4\n#nameserver 1.2.3.4\nnameserver\n"
	    "nameserver";
	CHECK(dns_server_resolv(srv, 3, s, strlen(s)) == 0);
	CHECK(dns_server_resolv(srv, 3, "", 0) == 0);
	/* cut at the length: "10.0.0." is no address; ":53" is none */
	s = "nameserver 10.0.0.1";
	CHECK(dns_server_resolv(srv, 3, s, strlen(s)) == 1);
	CHECK(dns_server_resolv(srv, 3, s, strlen(s) - 1) == 0);
	s = "nameserver :53\nnameserver [::1]:53\n";
	CHECK(dns_server_resolv(srv, 3, s, strlen(s)) == 1 &&
	    srv[0].u.sa.sa_family == AF_INET6);
	dns_server_default(&srv[0]);
	CHECK(srv[0].len == sizeof(srv[0].u.in) ||
	    srv[0].len == sizeof(srv[0].u.in6));
	return 0;
}

/* dns_addr_parse() without a default port: the language of -l, --alpn
 * and listen_open(). */
static int
test_addr(void)
{
	static const char *const bad[] = {
		"", ":", ":0", ":65536", ":000080", ":8x", "80", "1.2.3.4",
		"1.2.3.4:", "1.2.3.4:0", "::1", "::1:80", "[::1]", "[::1]:",
		"[]:80", "[1.2.3.4]:80", "host.example:80", "1.2.3.4:+80",
		"[::1]80", ":-80", ":80 "
	};
	struct dns_server a;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		/* refused, and no address left behind (fuzz_addr found one
		 * that a literal inet_pton() refuses kept its length) */
		CHECK_CASE(dns_addr_parse(&a, bad[i], strlen(bad[i]),
		    0) != 0 && a.len == 0, i);
	}
	CHECK(dns_addr_parse(&a, "\x01::", 3, 53) != 0 && a.len == 0);
	CHECK(dns_addr_parse(&a, "1.2.3.400:80", 12, 0) != 0 && a.len == 0);
	/* ":PORT": no family, no address, the port */
	CHECK(dns_addr_parse(&a, ":80", 3, 0) == 0 && a.len == 0 &&
	    a.u.sa.sa_family == AF_UNSPEC && ntohs(a.u.in6.sin6_port) == 80);
	CHECK(dns_addr_parse(&a, ":00443", 6, 0) == 0 &&
	    ntohs(a.u.in6.sin6_port) == 443);
	CHECK(dns_addr_parse(&a, ":65535", 6, 0) == 0 &&
	    ntohs(a.u.in6.sin6_port) == 65535);
	CHECK(dns_addr_parse(&a, ":1", 2, 0) == 0 &&
	    ntohs(a.u.in6.sin6_port) == 1);
	CHECK(dns_addr_parse(&a, "127.0.0.1:5002", 14, 0) == 0 &&
	    a.u.sa.sa_family == AF_INET && a.len == sizeof(a.u.in) &&
	    ntohs(a.u.in.sin_port) == 5002 &&
	    a.u.in.sin_addr.s_addr == htonl(0x7f000001));
	CHECK(dns_addr_parse(&a, "[::1]:80", 8, 0) == 0 &&
	    a.u.sa.sa_family == AF_INET6 && a.len == sizeof(a.u.in6) &&
	    ntohs(a.u.in6.sin6_port) == 80 &&
	    IN6_IS_ADDR_LOOPBACK(&a.u.in6.sin6_addr));
	/* a default port: the forms without one too */
	CHECK(dns_addr_parse(&a, "::1", 3, 53) == 0 &&
	    ntohs(a.u.in6.sin6_port) == 53);
	CHECK(dns_addr_parse(&a, ":80", 3, 53) == 0 && a.len == 0);
	CHECK(dns_addr_parse(&a, "", 0, 53) != 0);
	return 0;
}

/* fmt_read_lines() (resolv.conf, /etc/hosts, /etc/passwd): a longer
 * file is cut after its last whole line. */
static int
test_read_lines(void)
{
	char path[64], buf[16];

	snprintf(path, sizeof(path), "/tmp/nanoacme-lines.%ld",
	    (long)getpid());
	CHECK(store_write(path, "ab\ncd\nef", 8, 0600) == 0);
	CHECK(fmt_read_lines(path, buf, 16) == 8);
	CHECK(fmt_read_lines(path, buf, 9) == 8);
	CHECK(fmt_read_lines(path, buf, 8) == 6 &&
	    memcmp(buf, "ab\ncd\n", 6) == 0);
	CHECK(fmt_read_lines(path, buf, 7) == 6);
	CHECK(fmt_read_lines(path, buf, 6) == 6);
	CHECK(fmt_read_lines(path, buf, 5) == 3);
	CHECK(fmt_read_lines(path, buf, 2) == 0);
	CHECK(fmt_read_lines(path, buf, 0) == 0);
	CHECK(store_write(path, "abcdef", 6, 0600) == 0);
	CHECK(fmt_read_lines(path, buf, 7) == 6);
	CHECK(fmt_read_lines(path, buf, 6) == 0);
	CHECK(fmt_read_lines("/nonexistent/x", buf, 16) == 0);
	unlink(path);
	return 0;
}

/* NANOACME_TEST_RESOLV: a resolv.conf of over 4 KB gives the
 * nameservers of its first 4 KB, never the first part of a line. */
static int
test_resolv_long(void)
{
	char path[64], big[6000];
	struct dns_server srv[3];
	size_t n;

	snprintf(path, sizeof(path), "/tmp/nanoacme-long.%ld",
	    (long)getpid());
	/* a comment line, then "nameserver 10.0.0.12" across the 4 KB
	 * mark, after "10.0.0.1": that part must not count */
	memset(big, '#', 4076);
	big[4076] = '\n';
	n = 4077;
	n += (size_t)snprintf(big + n, sizeof(big) - n,
	    "nameserver 10.0.0.12\nnameserver 10.0.0.13\n");
	CHECK(store_write(path, big, n, 0600) == 0);
	setenv("NANOACME_TEST_RESOLV", path, 1);
	CHECK(dns_server_list(srv, 3) == 1 &&
	    srv[0].u.in.sin_addr.s_addr == htonl(0x7f000001));
	/* the first 4 KB hold whole lines: kept */
	memcpy(big, "nameserver 10.0.0.9\n", 20);
	CHECK(store_write(path, big, n, 0600) == 0);
	CHECK(dns_server_list(srv, 3) == 1 &&
	    srv[0].u.in.sin_addr.s_addr == htonl(0x0a000009));
	unsetenv("NANOACME_TEST_RESOLV");
	unlink(path);
	return 0;
}

/* ---- a fake server in a child process ---------------------------------- */

/*
 * Answers on UDP port *port of 127.0.0.1 (and TCP on the same port):
 * mode 0: drops the first query, answers the second with a reply to
 * another ID first, then the right one; mode 1: answers UDP with TC,
 * TCP with the record; mode 2: never answers. Returns the child pid.
 */
static pid_t
fake_server(int mode, unsigned short *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	unsigned char q[512], len2[2];
	struct msg m;
	ssize_t n;
	int u, l, c, seen = 0;
	pid_t pid;

	/* the UDP port the kernel picks may be taken for TCP: try again */
	for (c = 0; ; c++) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		al = sizeof(a);
		u = socket(AF_INET, SOCK_DGRAM, 0);
		l = socket(AF_INET, SOCK_STREAM, 0);
		if (u >= 0 && l >= 0 &&
		    bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(u, (struct sockaddr *)&a, &al) == 0 &&
		    bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    listen(l, 1) == 0) {
			break;
		}
		close(u);
		close(l);
		if (c == 50) {
			return -1;
		}
	}
	*port = ntohs(a.sin_port);
	pid = fork();
	if (pid != 0) {
		close(u);
		close(l);
		return pid;
	}
	for (;;) {
		al = sizeof(a);
		n = recvfrom(u, q, sizeof(q), 0, (struct sockaddr *)&a, &al);
		if (n < 12 || mode == 2 || (mode == 0 && seen++ == 0)) {
			continue;
		}
		start(&m, (unsigned)q[0] << 8 | q[1], 0x8180, 1, QNAME);
		txt1(&m, "fake-udp");
		if (mode == 0) {
			m.b[1] ^= 1;
			sendto(u, m.b, m.n, 0, (struct sockaddr *)&a, al);
			m.b[1] ^= 1;
		} else {
			m.b[2] |= 0x02;         /* TC */
		}
		sendto(u, m.b, m.n, 0, (struct sockaddr *)&a, al);
		if (mode != 1 || (c = accept(l, NULL, NULL)) < 0) {
			continue;
		}
		if (recv(c, len2, 2, MSG_WAITALL) == 2 &&
		    recv(c, q, (size_t)(len2[0] << 8 | len2[1]), MSG_WAITALL) > 12) {
			start(&m, (unsigned)q[0] << 8 | q[1], 0x8180, 1, QNAME);
			txt1(&m, "fake-tcp");
			len2[0] = (unsigned char)(m.n >> 8);
			len2[1] = (unsigned char)m.n;
			send(c, len2, 2, 0);
			send(c, m.b, m.n, 0);
		}
		close(c);
	}
}

static void
stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static int
lookup_fake(int mode, int timeout_ms, struct dns_txt *t)
{
	struct dns_server srv;
	unsigned short port;
	char s[32];
	pid_t pid;
	int rc;

	pid = fake_server(mode, &port);
	if (pid < 0) {
		return -2;
	}
	snprintf(s, sizeof(s), "127.0.0.1:%u", port);
	memset(t, 0, sizeof(*t));
	t->buf = obuf;
	t->cap = sizeof(obuf);
	rc = dns_server_parse(&srv, s, strlen(s)) != 0 ? -2 :
	    dns_txt_lookup(&srv, QNAME, timeout_ms, t);
	stop(pid);
	return rc;
}

static int
test_lookup_fake(void)
{
	/* generous: the second query leaves after half of it, and the
	 * machine may be busy with other builds */
	CHECK(lookup_fake(0, 4000, &t) == 0);
	CHECK(t.count == 1 && strcmp(obuf, "fake-udp") == 0);
	CHECK(lookup_fake(1, 4000, &t) == 0);
	CHECK(t.count == 1 && strcmp(obuf, "fake-tcp") == 0);
	CHECK(lookup_fake(2, 300, &t) != 0 && t.err == DNS_ETIMEOUT);
	return 0;
}

static int
test_lookup_errors(void)
{
	struct dns_server srv;
	struct dns_txt t;

	memset(&t, 0, sizeof(t));
	t.buf = obuf;
	t.cap = sizeof(obuf);
	CHECK(dns_server_parse(&srv, "127.0.0.1:9", 11) == 0);
	CHECK(dns_txt_lookup(&srv, "bad..name", 100, &t) != 0 &&
	    t.err == DNS_ENAME);
	/* nothing listens on the discard port: refused or timed out */
	CHECK(dns_txt_lookup(&srv, QNAME, 300, &t) != 0 &&
	    (t.err == DNS_ESOCKET || t.err == DNS_ETIMEOUT));
	return 0;
}

/* tests/dns-live.sh: a real server holding DNS_LIVE_NAME TXT VALUE. */
static int
test_live(void)
{
	const char *srv_s = getenv("DNS_LIVE"), *name, *want;
	struct dns_server srv;
	struct dns_txt t;
	const char *p;
	unsigned i;
	int found = 0;

	name = getenv("DNS_LIVE_NAME");
	want = getenv("DNS_LIVE_VALUE");
	CHECK(srv_s != NULL && name != NULL && want != NULL);
	CHECK(dns_server_parse(&srv, srv_s, strlen(srv_s)) == 0);
	memset(&t, 0, sizeof(t));
	t.buf = obuf;
	t.cap = sizeof(obuf);
	CHECK(dns_txt_lookup(&srv, name, 3000, &t) == 0);
	for (i = 0, p = obuf; i < t.count; i++, p += strlen(p) + 1) {
		found |= strcmp(p, want) == 0;
	}
	CHECK(found);
	/* a name with no TXT record: no record, not an error */
	CHECK(dns_txt_lookup(&srv, "_none.nanoacme.test", 3000, &t) == 0);
	CHECK(t.count == 0);
	return 0;
}

/*
 * tests/dns-live.sh: dns_resolve() past a nameserver that does not
 * answer (a closed port: refused at once) to the live one, which gives
 * every name an address; with the dead one alone, its error.
 */
static int
test_live_fallback(void)
{
	const char *srv_s = getenv("DNS_LIVE");
	struct dns_server a[4];
	char text[128], path[64];
	size_t n = 0;
	int err = -1;

	CHECK(srv_s != NULL);
	snprintf(path, sizeof(path), "/tmp/nanoacme-resolv.%ld",
	    (long)getpid());
	snprintf(text, sizeof(text), "nameserver 127.0.0.1:9\n"
	    "nameserver %s\n", srv_s);
	CHECK(store_write(path, text, strlen(text), 0600) == 0);
	setenv("NANOACME_TEST_RESOLV", path, 1);
	CHECK(dns_server_list(a, 4) == 2);
	CHECK(dns_resolve("fallback.nanoacme.test", 443, a, 4, &n, 2000,
	    &err) == 0 && n >= 1);
	CHECK(ntohs(a[0].u.in.sin_port) == 443);
	snprintf(text, sizeof(text), "nameserver 127.0.0.1:9\n");
	CHECK(store_write(path, text, strlen(text), 0600) == 0);
	CHECK(dns_resolve("fallback.nanoacme.test", 443, a, 4, &n, 2000,
	    &err) == -1 && n == 0);
	CHECK(err == DNS_ESOCKET || err == DNS_ETIMEOUT);
	unsetenv("NANOACME_TEST_RESOLV");
	unlink(path);
	return 0;
}

/* NANOACME_TEST_HOSTS: every line of /etc/hosts counts, not only the
 * first (a device's private CA is often named there, after localhost);
 * comments, blank lines and other names do not. */
static int
test_hosts_lines(void)
{
	static const char hosts[] =
	    "127.0.0.1\tlocalhost\n"
	    "\n"
	    "# 10.9.9.9 ca.lan\n"
	    "::1 localhost ip6-localhost\n"
	    "192.168.1.10   router.lan   CA.lan  # the private CA\n"
	    "192.168.1.11 ca.lan.example\n"
	    "fd00::10 ca.lan";
	char path[64];
	struct dns_server a[4];
	size_t n = 9;
	int err = -1;

	snprintf(path, sizeof(path), "/tmp/nanoacme-hosts.%ld",
	    (long)getpid());
	CHECK(store_write(path, hosts, sizeof(hosts) - 1, 0600) == 0);
	setenv("NANOACME_TEST_HOSTS", path, 1);
	CHECK(dns_resolve("ca.lan", 8443, a, 4, &n, 1000, &err) == 0);
	CHECK(n == 2 && a[0].u.sa.sa_family == AF_INET &&
	    a[0].u.in.sin_addr.s_addr == htonl(0xc0a8010a) &&
	    ntohs(a[0].u.in.sin_port) == 8443 &&
	    a[1].u.sa.sa_family == AF_INET6 &&
	    a[1].u.in6.sin6_addr.s6_addr[15] == 0x10);
	unsetenv("NANOACME_TEST_HOSTS");
	unlink(path);
	return 0;
}

/* dns_resolve(): literals as they are, /etc/hosts for localhost (every
 * test machine has it), the port in each address, the caps. */
static int
test_resolve(void)
{
	struct dns_server a[4];
	size_t n = 9;
	int err = -1;

	CHECK(dns_resolve("127.0.0.1", 443, a, 4, &n, 1000, &err) == 0);
	CHECK(n == 1 && a[0].u.sa.sa_family == AF_INET &&
	    ntohs(a[0].u.in.sin_port) == 443 &&
	    a[0].u.in.sin_addr.s_addr == htonl(0x7f000001));
	CHECK(dns_resolve("2001:db8::10", 9000, a, 4, &n, 1000, &err) == 0);
	CHECK(n == 1 && a[0].u.sa.sa_family == AF_INET6 &&
	    ntohs(a[0].u.in6.sin6_port) == 9000 &&
	    a[0].u.in6.sin6_addr.s6_addr[15] == 0x10 &&
	    a[0].len == sizeof(a[0].u.in6));
	CHECK(dns_resolve("LocalHost", 14000, a, 4, &n, 1000, &err) == 0);
	CHECK(n >= 1 && n <= 4 && ntohs(a[0].u.in.sin_port) == 14000);
	/* no room: nothing written, and no address is no success */
	CHECK(dns_resolve("127.0.0.1", 1, a, 0, &n, 1000, &err) == -1 &&
	    n == 0);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_simple);
	RUN(test_several);
	RUN(test_nodata);
	RUN(test_cname);
	RUN(test_cname_bounds);
	RUN(test_header);
	RUN(test_truncated);
	RUN(test_pointers);
	RUN(test_pointer_count);
	RUN(test_name_lengths);
	RUN(test_txt_lengths);
	RUN(test_server);
	RUN(test_resolv);
	RUN(test_addr);
	RUN(test_read_lines);
	RUN(test_resolv_long);
	RUN(test_lookup_fake);
	RUN(test_lookup_errors);
	RUN(test_resolve);
	RUN(test_hosts_lines);
	if (getenv("DNS_LIVE") != NULL) {
		RUN(test_live);
		RUN(test_live_fallback);
	}
	return runner_done();
}
