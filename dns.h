/* SPDX-License-Identifier: MIT */
/*
 * dns.h - a minimal DNS client: one TXT query over UDP (TCP when the
 * reply is truncated) to one recursive server given as an IP literal,
 * and the pure parser of its reply.
 *
 * Why separate and why our own: before asking the CA to validate a DNS
 * challenge, nanoacme looks the record up itself, so a missing or wrong
 * record is reported at once rather than as a failed (and rate-limited)
 * validation. libc's resolver gives no TXT records, and res_query() is
 * not in musl's static budget; all we need is one question and a
 * strictly bounded reading of the answer. No getaddrinfo (servers are
 * literals), no stdio, no allocation, never prints: errors are an
 * enum dns_error described by dns_strerror().
 */
#ifndef NANOACME_DNS_H
#define NANOACME_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include <netinet/in.h>
#include <sys/socket.h>

/* Largest reply we read (UDP with EDNS0 is 1232; TCP may be larger). */
#ifndef DNS_MAX_MSG
#define DNS_MAX_MSG 4096
#endif

/* EDNS0 UDP payload size we advertise (DNS flag day 2020). */
#define DNS_EDNS_UDP 1232

/* CNAMEs followed inside one answer section. */
#define DNS_MAX_CNAME 8

/* Error codes, in struct dns_txt.err. */
enum dns_error {
	DNS_OK = 0,
	DNS_EADDR,      /* server not ADDR[:PORT] / [V6][:PORT] literal */
	DNS_ENAME,      /* query name empty, label > 63 or name > 253 */
	DNS_ESOCKET,    /* socket, connect, send or recv failed (errno) */
	DNS_ETIMEOUT,   /* no acceptable reply before the deadline */
	DNS_EFORMAT,    /* malformed reply */
	DNS_EMISMATCH,  /* reply to another query (ID or question) */
	DNS_ETRUNC,     /* reply truncated (TC): ask again over TCP */
	DNS_ERCODE,     /* server answered an error (detail: RCODE) */
	DNS_ETOOBIG,    /* records do not fit the caller's buffer */
	DNS_ENOSERVER,  /* no usable nameserver line */
	DNS_ENOTFOUND   /* dns_resolve(): no address for the name */
};

/* Returns a short English description of an enum dns_error value. */
const char *dns_strerror(int err);

/* A server: IPv4 or IPv6 address and port. */
struct dns_server {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
};

/*
 * The one parser of an address with a port, for the DNS server
 * (dns_server_parse()), the listeners (listen_open()) and the command
 * line's -l and --alpn: s[0..n) is "V4:PORT", "[V6]:PORT" or ":PORT"
 * (any address: a->len 0, family AF_UNSPEC, the port in
 * a->u.in6.sin6_port); with a default port (port not 0) also "V4",
 * "V6" and "[V6]". PORT is 1 to 5 digits, 1..65535. Literals only (no
 * names, no %scope). Returns 0, or -1 (a is then no address).
 */
int dns_addr_parse(struct dns_server *a, const char *s, size_t n,
    unsigned port);

/*
 * A DNS server: dns_addr_parse() with port 53 by default, not ":PORT".
 * Returns 0, or -1 (DNS_EADDR).
 */
int dns_server_parse(struct dns_server *srv, const char *s, size_t n);

/*
 * The usable "nameserver ADDR" lines of resolv.conf text s[0..n) into
 * srv[0..max), in order, port 53, in one pass. Returns how many.
 */
size_t dns_server_resolv(struct dns_server *srv, size_t max, const char *s,
    size_t n);

/* How many nameservers dns_resolve() tries, as resolv.conf(5)'s MAXNS. */
#define DNS_MAX_SERVERS 3

/*
 * The nameservers of /etc/resolv.conf (the whole lines of its first
 * 4 KB), read once, into srv[0..max), else 127.0.0.1:53. Returns how
 * many (at least 1).
 */
size_t dns_server_list(struct dns_server *srv, size_t max);

/* The first of them. */
void dns_server_default(struct dns_server *srv);

/*
 * The TXT records of one name. The caller sets buf/cap; the lookup or
 * parser fills the rest. Each record (its strings concatenated) is
 * stored NUL-terminated one after the other in buf[0..len): iterate
 * with p += strlen(p) + 1, count times. A record holding a NUL byte is
 * skipped (no ACME value has one). count 0 after success means "no
 * record": NXDOMAIN or NOERROR without TXT data.
 */
struct dns_txt {
	char *buf;              /* caller's buffer */
	size_t cap;
	size_t len;             /* bytes of buf used */
	unsigned count;         /* records in buf */
	bool nxdomain;          /* RCODE 3: the name does not exist */
	int err;                /* enum dns_error of the last -1 */
	int detail;             /* errno (DNS_ESOCKET) or RCODE (DNS_ERCODE) */
};

/*
 * Parses reply msg[0..len) to the TXT query with identifier id for
 * name (text, a trailing dot allowed): QR set, opcode 0, RCODE 0 or 3,
 * the question echoed (name case-insensitively, TXT, IN). Follows the
 * answer section's CNAME chain from name (at most DNS_MAX_CNAME links)
 * and keeps the IN TXT records of the final name; other records are
 * ignored; the authority and additional sections are not read.
 * Compression pointers must point backwards and at most 64 are followed
 * per name; every length is checked against len. Resets and fills out
 * (buf, cap kept). Returns 0, or -1 with out->err: DNS_ETRUNC (TC set,
 * nothing parsed), DNS_EMISMATCH, DNS_EFORMAT, DNS_ERCODE, DNS_ETOOBIG,
 * DNS_ENAME.
 */
int dns_parse_reply(const unsigned char *msg, size_t len, unsigned id,
    const char *name, struct dns_txt *out);

/*
 * Asks srv for the TXT records of name (RD set, EDNS0 OPT with
 * DNS_EDNS_UDP) from a connected UDP socket (the kernel drops datagrams
 * from other addresses), with a random ID (getrandom). Waits with poll()
 * up to timeout_ms in all, sending the query a second time after half
 * of it; replies to other queries are ignored. A truncated reply is
 * asked again once over TCP (2-byte length prefix, at most DNS_MAX_MSG
 * bytes) within the same deadline. Fills out as dns_parse_reply().
 * Returns 0 (out->count 0: no record), or -1 with out->err.
 */
int dns_txt_lookup(const struct dns_server *srv, const char *name,
    int timeout_ms, struct dns_txt *out);

/*
 * The addresses to connect to host:port, into a[0..max), *n of them:
 * an IPv4 or IPv6 literal as it is; else the lines of /etc/hosts that
 * name it; else its AAAA (only when this host has a route to them, so
 * an IPv4-only router does not wait on IPv6) then A records from the
 * first nameserver of /etc/resolv.conf that answers (the next one only
 * when one times out or cannot be reached; up to DNS_MAX_SERVERS), each
 * query within DNS_TIMEOUT_MS and all of them within timeout_ms.
 * Our own, instead of getaddrinfo(): musl's resolver and its helpers
 * are about 13 KB of a static build, this is one more query type.
 * Returns 0, or -1 with *err an enum dns_error (DNS_ENOTFOUND: the name
 * has no address).
 */
int dns_resolve(const char *host, unsigned port, struct dns_server *a,
    size_t max, size_t *n, int timeout_ms, int *err);

#endif /* NANOACME_DNS_H */
