/* SPDX-License-Identifier: MIT */
/*
 * dns.c - one DNS query (TXT, A, AAAA) over UDP (TCP on truncation)
 * and the strict parser of its reply (RFC 1035 §4, EDNS0 RFC 6891, TCP
 * RFC 7766); the addresses of a host name (literal, /etc/hosts, DNS).
 * See dns.h for why this is a module of its own.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "config.h"
#include "fmt.h"
#include "pem.h"
#include "sockio.h"

#define TYPE_A 1
#define TYPE_CNAME 5
#define TYPE_TXT 16
#define TYPE_AAAA 28
#define TYPE_OPT 41
#define CLASS_IN 1

/* A name in wire form: at most 255 bytes with the final zero. */
#define WIRE_MAX 255

/* Compression pointers followed in one name. */
#define MAX_JUMPS 64

/* see dns.h */
const char *
dns_strerror(int err)
{
	static const char *const msg[] = {
		"success",
		"bad DNS server address",
		"bad DNS name",
		"DNS socket error",
		"DNS query timed out",
		"malformed DNS reply",
		"DNS reply to another query",
		"DNS reply truncated",
		"DNS server error",
		"DNS records too large",
		"no DNS server",
		"no address for this name"
	};

	if (err < 0 || (size_t)err >= sizeof(msg) / sizeof(msg[0])) {
		return "unknown DNS error";
	}
	return msg[err];
}


static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
fail(struct dns_txt *out, int err, int detail)
{
	out->err = err;
	out->detail = detail;
	return -1;
}

/*
 * Text name (a trailing dot allowed) to lowercase wire form in
 * w[0..WIRE_MAX]. Returns the wire length, or 0 if the name is empty,
 * has an empty label or one over 63 bytes, or is over 255 bytes.
 */
static size_t
name_to_wire(const char *name, unsigned char w[WIRE_MAX])
{
	size_t n = strlen(name), i, o = 0, start;

	if (n > 0 && name[n - 1] == '.') {
		n--;
	}
	if (n == 0 || n > 253) {
		return 0;
	}
	for (i = 0; i <= n; i++) {
		start = i;
		while (i < n && name[i] != '.') {
			i++;
		}
		if (i == start || i - start > 63) {
			return 0;
		}
		w[o++] = (unsigned char)(i - start);
		while (start < i) {
			w[o++] = (unsigned char)ascii_tolower(
			    (unsigned char)name[start++]);
		}
	}
	w[o++] = 0;
	return o;
}

/*
 * Reads the (maybe compressed) name at m[off..len) into lowercase wire
 * form w, *wlen bytes; *next gets the offset after it in place. Each
 * pointer must point before the start of the run of labels it ends, so
 * the walk only goes backwards and cannot loop; at most MAX_JUMPS are
 * followed. Returns 0 or -1.
 */
static int
read_name(const unsigned char *m, size_t len, size_t off,
    unsigned char w[WIRE_MAX], size_t *wlen, size_t *next)
{
	size_t pos = off, run = off, o = 0, ptr, k;
	unsigned c, jumps = 0;

	for (;;) {
		if (pos >= len) {
			return -1;
		}
		c = m[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len) {
				return -1;
			}
			ptr = (size_t)(c & 0x3f) << 8 | m[pos + 1];
			if (jumps == 0) {
				*next = pos + 2;
			}
			if (ptr >= run || ++jumps > MAX_JUMPS) {
				return -1;
			}
			pos = run = ptr;
			continue;
		}
		if (c > 63 || o + 1 + c > WIRE_MAX || c >= len - pos) {
			return -1;      /* 0x40/0x80 types; 255 bytes; past end */
		}
		w[o++] = (unsigned char)c;
		if (c == 0) {
			break;
		}
		for (k = 1; k <= c; k++) {
			w[o++] = (unsigned char)ascii_tolower(m[pos + k]);
		}
		pos += 1 + c;
	}
	if (jumps == 0) {
		*next = pos + 1;
	}
	*wlen = o;
	return 0;
}

/* One resource record's fixed part, once its owner name is read. */
struct rr {
	unsigned char owner[WIRE_MAX];
	size_t owner_len;
	unsigned type, class;
	size_t rdata, rdlen;    /* offset and length of RDATA */
};

/* Reads the RR at *off, moving *off past it. Returns 0 or -1. */
static int
read_rr(const unsigned char *m, size_t len, size_t *off, struct rr *r)
{
	size_t p;

	if (read_name(m, len, *off, r->owner, &r->owner_len, &p) != 0 ||
	    len - p < 10) {
		return -1;
	}
	r->type = get16(m + p);
	r->class = get16(m + p + 2);
	r->rdlen = get16(m + p + 8);
	r->rdata = p + 10;
	if (r->rdlen > len - r->rdata) {
		return -1;
	}
	*off = r->rdata + r->rdlen;
	return 0;
}

static bool
wire_eq(const unsigned char *a, size_t an, const unsigned char *b,
    size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/*
 * Appends the TXT RDATA m[p..p+n) to out as one NUL-terminated record.
 * Returns 0 or an enum dns_error.
 */
static int
add_txt(const unsigned char *m, size_t p, size_t n, struct dns_txt *out)
{
	size_t end = p + n, start = out->len, k;

	if (n == 0) {
		return DNS_EFORMAT;     /* RFC 1035 §3.3.14: one string or more */
	}
	while (p < end) {
		k = m[p++];
		if (k > end - p) {
			return DNS_EFORMAT;
		}
		if (memchr(m + p, 0, k) != NULL) {
			out->len = start;           /* skip this record */
			return 0;
		}
		if (k >= out->cap - out->len) {
			return DNS_ETOOBIG;
		}
		memcpy(out->buf + out->len, m + p, k);
		out->len += k;
		p += k;
	}
	if (out->len >= out->cap) {
		return DNS_ETOOBIG;
	}
	out->buf[out->len++] = '\0';
	out->count++;
	return 0;
}

/*
 * Checks the header and question of m[0..len) against id and q: *off
 * gets the offset of the answer section, *rcode the RCODE. Returns 0 or
 * an enum dns_error.
 */
static int
check_header(const unsigned char *m, size_t len, unsigned id,
    const unsigned char *q, size_t qn, unsigned qtype, unsigned *rcode,
    size_t *off)
{
	unsigned char w[WIRE_MAX];
	unsigned flags;
	size_t wn, p;

	if (len < 12) {
		return DNS_EFORMAT;
	}
	flags = get16(m + 2);
	*rcode = flags & 15;
	if (get16(m) != id || (flags & 0x8000) == 0) {
		return DNS_EMISMATCH;
	}
	if ((flags & 0x7800) != 0) {
		return DNS_EFORMAT;             /* opcode not QUERY */
	}
	if ((flags & 0x0200) != 0) {
		return DNS_ETRUNC;
	}
	if (get16(m + 4) == 1) {
		if (read_name(m, len, 12, w, &wn, &p) != 0 || len - p < 4) {
			return DNS_EFORMAT;
		}
		if (!wire_eq(w, wn, q, qn) || get16(m + p) != qtype ||
		    get16(m + p + 2) != CLASS_IN) {
			return DNS_EMISMATCH;
		}
		*off = p + 4;
	} else if (*rcode == 0 || *rcode == 3) {
		return DNS_EMISMATCH;   /* an error reply may drop the question */
	}
	return *rcode != 0 && *rcode != 3 ? DNS_ERCODE : 0;
}

/*
 * An A or AAAA record's address, as bytes, into out (4 or 16 a record).
 * Returns 0 or an enum dns_error.
 */
static int
add_addr(const unsigned char *m, size_t p, size_t n, size_t want,
    struct dns_txt *out)
{
	if (n != want) {
		return DNS_EFORMAT;
	}
	if (n > out->cap - out->len) {
		return 0;               /* enough addresses already */
	}
	memcpy(out->buf + out->len, m + p, n);
	out->len += n;
	out->count++;
	return 0;
}

/* dns_parse_reply() for records of type qtype (TXT, A or AAAA). */
static int
parse_reply(const unsigned char *msg, size_t len, unsigned id,
    const char *name, unsigned qtype, struct dns_txt *out)
{
	unsigned char q[WIRE_MAX], t[WIRE_MAX];
	size_t qn, tn, off = 0, p, next;
	unsigned an, i, rcode = 0, links = 0;
	struct rr r;
	int err;

	out->len = 0;
	out->count = 0;
	out->nxdomain = false;
	qn = name_to_wire(name, q);
	err = qn == 0 ? DNS_ENAME :
	    check_header(msg, len, id, q, qn, qtype, &rcode, &off);
	an = err == 0 ? get16(msg + 6) : 0;
	memcpy(t, q, qn);
	tn = qn;
	/* One pass over the answers keeps the TXT records of t; a CNAME of
	 * t (at most DNS_MAX_CNAME) makes its target t and starts over, so
	 * the chain may come in any order and only its last name counts. */
	for (i = 0, p = off; err == 0 && i < an; i++) {
		if (read_rr(msg, len, &p, &r) != 0) {
			err = DNS_EFORMAT;
		} else if (r.class != CLASS_IN ||
		    !wire_eq(r.owner, r.owner_len, t, tn)) {
			continue;
		} else if (r.type == TYPE_CNAME && links < DNS_MAX_CNAME) {
			if (read_name(msg, r.rdata + r.rdlen, r.rdata, t, &tn,
			    &next) != 0 || next != r.rdata + r.rdlen) {
				err = DNS_EFORMAT;
			}
			links++;
			out->len = 0;
			out->count = 0;
			i = (unsigned)-1;       /* the loop's i++ makes it 0 */
			p = off;
		} else if (r.type == qtype) {
			err = qtype == TYPE_TXT ? add_txt(msg, r.rdata, r.rdlen,
			    out) : add_addr(msg, r.rdata, r.rdlen, qtype ==
			    TYPE_A ? 4 : 16, out);
		}
	}
	out->err = err;
	out->detail = err == DNS_ERCODE ? (int)rcode : 0;
	if (err != 0) {
		out->len = 0;   /* all records or none */
		out->count = 0;
		return -1;
	}
	out->nxdomain = rcode == 3;
	return 0;
}

/* see dns.h */
int
dns_parse_reply(const unsigned char *msg, size_t len, unsigned id,
    const char *name, struct dns_txt *out)
{
	return parse_reply(msg, len, id, name, TYPE_TXT, out);
}

/* ---- servers ----------------------------------------------------------- */

/* see dns.h */
int
dns_addr_parse(struct dns_server *a, const char *s, size_t n,
    unsigned port)
{
	char b[INET6_ADDRSTRLEN];
	const char *end = s + n, *p, *colon = NULL;
	unsigned long long v;
	unsigned colons = 0;
	size_t an;
	int fam = AF_INET;

	memset(a, 0, sizeof(*a));
	if (memchr(s, 0, n) != NULL) {
		return -1;
	}
	if (n > 0 && s[0] == '[') {     /* [V6] or [V6]:PORT */
		p = memchr(++s, ']', n - 1);
		if (p == NULL || (p + 1 < end && p[1] != ':')) {
			return -1;
		}
		colon = p + 1 < end ? p + 1 : NULL;
		fam = AF_INET6;
	} else {                        /* V4, V4:PORT, :PORT or V6 */
		for (p = s; p < end; p++) {
			if (*p == ':') {
				colons++;
				colon = p;
			}
		}
		if (colons > 1) {
			colon = NULL;
			fam = AF_INET6;
		}
		p = colon != NULL ? colon : end;
	}
	an = (size_t)(p - s);
	/* 1..5 digits, as listen.c and dns.c took it (the command line's
	 * own check let "-l :000080" through, for listen.c to refuse) */
	if (colon != NULL && (end - colon - 1 > 5 ||
	    fmt_dec(colon + 1, (size_t)(end - colon - 1), 65535, &v) != 0 ||
	    (port = (unsigned)v) == 0)) {
		return -1;
	}
	if (port == 0 || an >= sizeof(b)) {
		return -1;
	}
	if (an == 0) {
		/* ":PORT" alone (not "[]:PORT", not ""): any address */
		a->u.in6.sin6_port = htons((uint16_t)port);
		return colon == s ? 0 : -1;
	}
	memcpy(b, s, an);
	b[an] = '\0';
	if (inet_pton(fam, b, fam == AF_INET6 ? (void *)&a->u.in6.sin6_addr :
	    (void *)&a->u.in.sin_addr) != 1) {
		memset(a, 0, sizeof(*a));       /* no address, as it says */
		return -1;
	}
	a->u.sa.sa_family = (sa_family_t)fam;
	if (fam == AF_INET6) {
		a->u.in6.sin6_port = htons((uint16_t)port);
		a->len = sizeof(a->u.in6);
	} else {
		a->u.in.sin_port = htons((uint16_t)port);
		a->len = sizeof(a->u.in);
	}
	return 0;
}

/* see dns.h */
int
dns_server_parse(struct dns_server *srv, const char *s, size_t n)
{
	/* no ":PORT" alone: a server has an address */
	return dns_addr_parse(srv, s, n, 53) == 0 && srv->len > 0 ? 0 : -1;
}

/* see dns.h */
size_t
dns_server_resolv(struct dns_server *srv, size_t max, const char *s,
    size_t n)
{
	size_t i = 0, t, k = 0;

	while (i < n && k < max) {
		while (i < n && ascii_isblank((unsigned char)s[i])) {
			i++;
		}
		if (n - i > 11 && memcmp(s + i, "nameserver", 10) == 0 &&
		    ascii_isblank((unsigned char)s[i + 10])) {
			for (i += 11; i < n && ascii_isblank((unsigned char)s[i]); i++) {
			}
			for (t = i; i < n && !ascii_isblank((unsigned char)s[i]) && s[i] != '\n' &&
			    s[i] != '#' && s[i] != ';'; i++) {
			}
			k += dns_server_parse(&srv[k], s + t, i - t) == 0;
		}
		while (i < n && s[i] != '\n') {
			i++;
		}
		i++;
	}
	return k;
}

/* see dns.h */
size_t
dns_server_list(struct dns_server *srv, size_t max)
{
	const char *path = "/etc/resolv.conf";
	char buf[4096];
	size_t k;

#ifdef NANOACME_TEST_HOOKS
	/* tests: another resolv.conf (t_dns, tests/dns-live.sh) */
	path = getenv("NANOACME_TEST_RESOLV") != NULL ?
	    getenv("NANOACME_TEST_RESOLV") : path;
#endif
	/* read once, scanned once; a longer file: the nameserver lines
	 * in its first 4 KB (resolv.conf(5) uses only 3 anyway) */
	k = dns_server_resolv(srv, max, buf, fmt_read_lines(path, buf,
	    sizeof(buf)));
	if (k == 0) {
		dns_server_parse(srv, "127.0.0.1", 9);
		k = 1;
	}
	return k;
}

/* see dns.h */
void
dns_server_default(struct dns_server *srv)
{
	dns_server_list(srv, 1);
}

/* ---- lookup ------------------------------------------------------------ */


/*
 * Query for wire name q[0..qn) with id into b: header (RD), question
 * (TXT, IN), and an EDNS0 OPT record (RFC 6891 §6.1.2). Returns length.
 */
static size_t
build_query(unsigned char *b, unsigned id, const unsigned char *q,
    size_t qn, unsigned qtype)
{
	unsigned char tail[] = {
		0, 0, 0, CLASS_IN,
		0, 0, TYPE_OPT, DNS_EDNS_UDP >> 8, DNS_EDNS_UDP & 255,
		0, 0, 0, 0, 0, 0
	};

	memset(b, 0, 12);
	b[0] = (unsigned char)(id >> 8);
	b[1] = (unsigned char)id;
	b[2] = 0x01;            /* RD */
	b[5] = 1;               /* QDCOUNT */
	b[11] = 1;              /* ARCOUNT: the OPT record */
	tail[1] = (unsigned char)qtype;
	memcpy(b + 12, q, qn);
	memcpy(b + 12 + qn, tail, sizeof(tail));
	return 12 + qn + sizeof(tail);
}

/* Opens a socket of type to srv, connecting without blocking. */
static int
open_to(const struct dns_server *srv, int type, struct dns_txt *out)
{
	int fd;

	fd = socket(srv->u.sa.sa_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0) {
		return fail(out, DNS_ESOCKET, errno);
	}
	if (connect(fd, &srv->u.sa, srv->len) != 0 && errno != EINPROGRESS) {
		fail(out, DNS_ESOCKET, errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads or writes b[0..n) whole on non-blocking fd before deadline. */
static int
io_full(int fd, unsigned char *b, size_t n, bool wr, long long deadline,
    struct dns_txt *out)
{
	struct pollfd pfd;
	ssize_t r;
	size_t done = 0;
	int rc;

	pfd.fd = fd;
	pfd.events = wr ? POLLOUT : POLLIN;
	while (done < n) {
		rc = poll(&pfd, 1, sockio_ms_until(deadline, sockio_now_ms()));
		if (rc < 0 && errno == EINTR) {
			continue;
		}
		if (rc <= 0) {
			return fail(out, rc == 0 ? DNS_ETIMEOUT : DNS_ESOCKET,
			    errno);
		}
		r = wr ? send(fd, b + done, n - done, MSG_NOSIGNAL) :
		    recv(fd, b + done, n - done, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (r <= 0) {
			return fail(out, DNS_ESOCKET, r == 0 ? ECONNRESET :
			    errno);
		}
		done += (size_t)r;
	}
	return 0;
}

/* RFC 7766 §8: the query again over TCP, a 2-byte length before each. */
static int
lookup_tcp(const struct dns_server *srv, const unsigned char *qm,
    size_t ql, unsigned id, const char *name, unsigned qtype,
    long long deadline, unsigned char *r, struct dns_txt *out)
{
	unsigned char q[2 + 12 + WIRE_MAX + 15];
	size_t n;
	int fd, rc = -1;

	fd = open_to(srv, SOCK_STREAM, out);
	if (fd < 0) {
		return -1;
	}
	q[0] = (unsigned char)(ql >> 8);
	q[1] = (unsigned char)ql;
	memcpy(q + 2, qm, ql);
	if (io_full(fd, q, ql + 2, true, deadline, out) != 0 ||
	    io_full(fd, r, 2, false, deadline, out) != 0) {
		goto out;
	}
	n = get16(r);
	if (n > DNS_MAX_MSG) {
		fail(out, DNS_ETOOBIG, 0);
		goto out;
	}
	if (io_full(fd, r, n, false, deadline, out) != 0) {
		goto out;
	}
	rc = parse_reply(r, n, id, name, qtype, out);
	if (rc != 0 && out->err == DNS_ETRUNC) {
		out->err = DNS_EFORMAT;             /* TC over TCP */
	}
out:
	close(fd);
	return rc;
}

/* One query of type qtype for name to srv; see dns_txt_lookup(). */
static int
lookup(const struct dns_server *srv, const char *name, unsigned qtype,
    int timeout_ms, struct dns_txt *out)
{
	unsigned char q[12 + WIRE_MAX + 15], r[DNS_MAX_MSG], w[WIRE_MAX];
	unsigned char idb[2];
	long long deadline, resend;
	bool resent = false;
	struct pollfd pfd;
	size_t wn, ql;
	unsigned id;
	ssize_t n;
	int fd, rc = -1, pr;

	out->len = 0;
	out->count = 0;
	out->nxdomain = false;
	wn = name_to_wire(name, w);
	if (wn == 0) {
		return fail(out, DNS_ENAME, 0);
	}
	if (getrandom(idb, sizeof(idb), 0) != (ssize_t)sizeof(idb)) {
		return fail(out, DNS_ESOCKET, errno);
	}
	id = get16(idb);
	ql = build_query(q, id, w, wn, qtype);
	deadline = sockio_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	resend = deadline - (timeout_ms > 0 ? timeout_ms : 0) / 2;
	fd = open_to(srv, SOCK_DGRAM, out);
	if (fd < 0) {
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (send(fd, q, ql, 0) != (ssize_t)ql) {
		fail(out, DNS_ESOCKET, errno);
		goto out;
	}
	for (;;) {
		pr = poll(&pfd, 1, sockio_ms_until(resent ? deadline : resend,
		    sockio_now_ms()));
		if (pr < 0 && errno == EINTR) {
			continue;
		}
		if (pr < 0) {
			fail(out, DNS_ESOCKET, errno);
			break;
		}
		if (pr == 0 && !resent) {
			/* RFC 1035 §4.2.1: UDP may be lost; ask once more */
			resent = true;
			(void)send(fd, q, ql, 0);
			continue;
		}
		if (pr == 0) {
			fail(out, DNS_ETIMEOUT, 0);
			break;
		}
		n = recv(fd, r, sizeof(r), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n < 0) {
			fail(out, DNS_ESOCKET, errno);  /* ICMP unreachable */
			break;
		}
		rc = parse_reply(r, (size_t)n, id, name, qtype, out);
		if (rc == 0 || out->err != DNS_EMISMATCH) {
			break;
		}
	}
	if (rc != 0 && out->err == DNS_ETRUNC) {
		rc = lookup_tcp(srv, q, ql, id, name, qtype, deadline, r, out);
	}
out:
	close(fd);
	return rc;
}

/* see dns.h */
int
dns_txt_lookup(const struct dns_server *srv, const char *name,
    int timeout_ms, struct dns_txt *out)
{
	return lookup(srv, name, TYPE_TXT, timeout_ms, out);
}

/* ---- addresses ---------------------------------------------------------- */

/* Appends address ip (4 or 16 bytes) with port to a[*n < max]. */
static void
add_sa(struct dns_server *a, size_t max, size_t *n, const unsigned char *ip,
    size_t len, unsigned port)
{
	struct dns_server *d = a + *n;

	if (*n >= max) {
		return;
	}
	memset(d, 0, sizeof(*d));
	if (len == 4) {
		d->u.in.sin_family = AF_INET;
		d->u.in.sin_port = htons((uint16_t)port);
		memcpy(&d->u.in.sin_addr, ip, 4);
		d->len = sizeof(d->u.in);
	} else {
		d->u.in6.sin6_family = AF_INET6;
		d->u.in6.sin6_port = htons((uint16_t)port);
		memcpy(&d->u.in6.sin6_addr, ip, 16);
		d->len = sizeof(d->u.in6);
	}
	(*n)++;
}

/*
 * The addresses /etc/hosts gives host (ASCII case folded), into
 * a[*n..max). Lines are "ADDRESS NAME [ALIAS...]", "#" comments.
 */
static void
from_hosts(const char *host, unsigned port, struct dns_server *a,
    size_t max, size_t *n)
{
	const char *path = "/etc/hosts";
	char buf[8192], *p, *e, *t;
	unsigned char ip[16];
	size_t len, hn = strlen(host), iplen, k;
	bool more;

#ifdef NANOACME_TEST_HOOKS
	/* tests: another hosts file (t_dns) */
	path = getenv("NANOACME_TEST_HOSTS") != NULL ?
	    getenv("NANOACME_TEST_HOSTS") : path;
#endif
	/* a longer file: the lines of its first 8 KB, whole (fmt.h) */
	len = fmt_read_lines(path, buf, sizeof(buf) - 1);
	buf[len] = '\0';
	for (p = buf; *p != '\0'; p = e + more) {
		/* the end of the line is cut off before the line is read:
		 * whether another follows is known first */
		e = p + strcspn(p, "\n");
		more = *e != '\0';
		*e = '\0';
		p[strcspn(p, "#")] = '\0';
		p += strspn(p, " \t");
		t = p + strcspn(p, " \t");
		if (*t != '\0') {
			*t++ = '\0';
		}
		if (name_classify(p, ip, &iplen) != NAME_IP) {
			continue;
		}
		for (p = t; *p != '\0';) {
			p += strspn(p, " \t");
			t = p + strcspn(p, " \t");
			for (k = 0; k < hn && p + k < t &&
			    ascii_tolower((unsigned char)p[k]) ==
			    ascii_tolower((unsigned char)host[k]); k++) {
			}
			if (k == hn && p + k == t) {
				add_sa(a, max, n, ip, iplen, port);
				break;
			}
			p = t;
		}
	}
}

/* True if the host has a route to a (an IPv6 one may have none). */
static bool
routable(const struct dns_server *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, &a->u.sa, a->len) == 0;

	if (fd >= 0) {
		close(fd);
	}
	return ok;
}

/*
 * Adds the count addresses of an AAAA (k 0) or A (k 1) answer in buf.
 * RFC 6724 in short: IPv6 first only where it has a route, so a router
 * without IPv6 does not wait on it.
 */
static void
add_found(struct dns_server *a, size_t max, size_t *n,
    const unsigned char *buf, size_t count, size_t k, unsigned port)
{
	size_t first = *n, j;

	for (j = 0; j < count; j++) {
		add_sa(a, max, n, buf + j * (k == 0 ? 16 : 4), k == 0 ? 16 : 4,
		    port);
	}
	for (j = first; k == 0 && j < *n; j++) {
		if (!routable(&a[j])) {
			*n = first;
			break;
		}
	}
}

/* see dns.h */
int
dns_resolve(const char *host, unsigned port, struct dns_server *a,
    size_t max, size_t *n, int timeout_ms, int *err)
{
	unsigned char buf[16 * 8], ip[16];
	struct dns_server srv[DNS_MAX_SERVERS];
	struct dns_txt out;
	size_t len, k, s, ns;
	unsigned types[2] = { TYPE_AAAA, TYPE_A };
	long long end = sockio_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int left;

	*n = 0;
	*err = DNS_OK;
	if (max == 0) {
		*err = DNS_ETOOBIG;
		return -1;
	}
	if (name_classify(host, ip, &len) == NAME_IP) {
		add_sa(a, max, n, ip, len, port);
		return 0;
	}
	from_hosts(host, port, a, max, n);
	if (*n > 0) {
		return 0;
	}
	/* the next nameserver only when one does not answer at all (as
	 * resolv.conf's own rule): a name it says has no address has none */
	ns = dns_server_list(srv, DNS_MAX_SERVERS);
	for (s = 0; s < ns; s++) {
		*err = DNS_OK;
		for (k = 0; k < 2; k++) {
			memset(&out, 0, sizeof(out));
			out.buf = (char *)buf;
			out.cap = sizeof(buf);
			/* each query DNS_TIMEOUT_MS at most, all of them
			 * within timeout_ms: a silent server leaves time for
			 * the next one, none outlasts the caller's deadline */
			left = sockio_ms_until(end, sockio_now_ms());
			left = left < DNS_TIMEOUT_MS ? left : DNS_TIMEOUT_MS;
			if (left <= 0) {
				*err = DNS_ETIMEOUT;
				break;
			}
			if (lookup(&srv[s], host, types[k], left, &out) == 0) {
				add_found(a, max, n, buf, out.count, k, port);
				continue;
			}
			*err = out.err;
			if (out.err == DNS_ETIMEOUT || out.err == DNS_ESOCKET) {
				break;  /* silent: ask the next one */
			}
		}
		if (k == 2 || *n > 0) {
			break;
		}
	}
	if (*n == 0 && *err == DNS_OK) {
		*err = DNS_ENOTFOUND;
	}
	return *n > 0 ? 0 : -1;
}
