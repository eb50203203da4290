/* SPDX-License-Identifier: MIT */
/*
 * http.c - HTTP/1.1 client over BearSSL (profile: tls.c): URL, request,
 * a strict response parser, deadlines (see http.h).
 *
 * Separate from acme.c because everything here faces the network: the
 * response parser reads hostile bytes, so it is kept pure (it reads
 * through a callback) for unit tests and fuzzing.
 * Nothing here allocates (names are resolved by dns.c). The big
 * stack objects are the parser's line buffer (HTTP_MAX_LINE bytes) and
 * the request head (HTTP_MAX_URL + 768): about 6.5 KB deep in all on
 * x86_64, plus BearSSL's own frames.
 */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "ascii.h"
#include "dns.h"
#include "fmt.h"
#include "sockio.h"
#include "tls.h"

/* ---- small helpers ---------------------------------------------------- */

/* RFC 9110 §5.6.2 tchar */
static bool
is_tchar(unsigned c)
{
	return ascii_isalpha(c) || ascii_isdigit(c) ||
	    (c != 0 && c < 128 && strchr("!#$%&'*+-.^_`|~", (int)c) != NULL);
}

/* ---- error strings ---------------------------------------------------- */

const char *
http_strerror(int err)
{
	static const char *const msg[] = {
		"success",
		"bad URL (want https://HOST[:PORT]/PATH; HOST: name, IP, [IPv6])",
		"cannot resolve host name",
		"cannot connect",
		"timed out",
		"TLS failure",
		"I/O error",
		"connection closed by peer",
		"malformed HTTP response",
		"HTTP response too large"
	};

	if (err < 0 || (size_t)err >= sizeof(msg) / sizeof(msg[0])) {
		return "unknown HTTP error";
	}
	return msg[err];
}

const char *
http_tls_strerror(int brerr)
{
	switch (brerr) {
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate not trusted (unknown CA)";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "the certificate does not name the server (a DNS "
		    "name, or for an IP address an iPAddress SAN)";
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid "
		    "(is the system clock right?)";
	case BR_ERR_X509_TIME_UNKNOWN:
		return "certificate validity time unknown";
	case BR_ERR_UNSUPPORTED_VERSION:
		/* a record that is not TLS 1.x at all: plain HTTP, SSH, ... */
		return "server does not speak TLS 1.2 (not a TLS server?)";
	case BR_ERR_BAD_VERSION:
	case BR_ERR_RECV_FATAL_ALERT + 70:
		return "server does not support TLS 1.2";
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_RECV_FATAL_ALERT + 40:
		return "TLS handshake refused (no common cipher suite?)";
	case BR_ERR_NO_RANDOM:
		return "no entropy source for TLS";
	case BR_ERR_IO:
		return "connection failed during TLS";
	}
	if (brerr >= BR_ERR_X509_OK && brerr <= BR_ERR_X509_NOT_TRUSTED) {
		return "invalid server certificate";
	}
	if (brerr >= BR_ERR_SEND_FATAL_ALERT &&
	    brerr < BR_ERR_SEND_FATAL_ALERT + 256) {
		return "TLS failure on our side (alert sent)";
	}
	if (brerr >= BR_ERR_RECV_FATAL_ALERT &&
	    brerr < BR_ERR_RECV_FATAL_ALERT + 256) {
		return "server sent a fatal TLS alert";
	}
	return "TLS error";
}

/* ---- response parser -------------------------------------------------- */

void
http_src_init(struct http_src *src,
    int (*read)(void *ctx, unsigned char *buf, size_t len), void *ctx)
{
	src->read = read;
	src->ctx = ctx;
	src->err_on_read = HTTP_EIO;
	src->pos = 0;
	src->len = 0;
}

/* State of one http_parse_response() call, so helpers stay small. */
struct parser {
	struct http_src *src;
	struct http_response *r;
	int err;
	size_t budget;                     /* head + trailer bytes left */
	unsigned nfields;                  /* header + trailer lines */
	unsigned long long clen;
	bool has_clen, chunked, http10, conn_close, conn_keep;
	size_t llen;
	unsigned char line[HTTP_MAX_LINE];
};

static int
fail(struct parser *p, int err)
{
	p->err = err;
	return -1;
}

/* Makes src bytes available: 1, 0 at end of stream, -1 on error. */
static int
fill(struct parser *p)
{
	struct http_src *s = p->src;
	int n;

	if (s->pos < s->len) {
		return 1;
	}
	s->pos = 0;
	s->len = 0;
	n = s->read(s->ctx, s->buf, sizeof(s->buf));
	if (n < 0 || (size_t)n > sizeof(s->buf)) {
		return fail(p, s->err_on_read != HTTP_OK ?
		    s->err_on_read : HTTP_EIO);
	}
	s->len = (size_t)n;
	return n > 0;
}

/* One byte into *ch: 0, or -1 (end of stream is HTTP_ECLOSED). */
static int
next_byte(struct parser *p, unsigned char *ch)
{
	int rc = fill(p);

	if (rc <= 0) {
		return rc < 0 ? -1 : fail(p, HTTP_ECLOSED);
	}
	*ch = p->src->buf[p->src->pos++];
	return 0;
}

/*
 * Reads one line into p->line[0..p->llen), without its CRLF; each byte,
 * CRLF included, is taken from *budget. RFC 9112 §2.2 lets a recipient
 * accept a bare LF as line end; we do not: CRLF is required, and bare
 * CR/LF, NUL or other controls than HTAB are HTTP_EPROTO.
 */
static int
read_line(struct parser *p, size_t *budget)
{
	unsigned char ch;

	p->llen = 0;
	for (;;) {
		if (next_byte(p, &ch) < 0) {
			return -1;
		}
		if (*budget == 0) {
			return fail(p, HTTP_ETOOBIG);
		}
		(*budget)--;
		if (ch == '\r') {
			break;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return fail(p, HTTP_EPROTO);
		}
		if (p->llen == sizeof(p->line)) {
			return fail(p, HTTP_ETOOBIG);
		}
		p->line[p->llen++] = ch;
	}
	if (next_byte(p, &ch) < 0) {
		return -1;
	}
	if (*budget == 0) {
		return fail(p, HTTP_ETOOBIG);
	}
	(*budget)--;
	return ch == '\n' ? 0 : fail(p, HTTP_EPROTO);
}

/* RFC 9112 §4: HTTP/1.x SP 3DIGIT SP reason; a missing reason (and its
 * SP) is tolerated, it carries no meaning. */
static int
parse_status(struct parser *p)
{
	const unsigned char *s = p->line;

	if (p->llen < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || !ascii_isdigit(s[10]) ||
	    !ascii_isdigit(s[11]) || (p->llen > 12 && s[12] != ' ')) {
		return fail(p, HTTP_EPROTO);
	}
	p->r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	p->http10 = s[7] == '0';
	return 0;
}

/* Copies a kept header value as a C string; too long is HTTP_ETOOBIG. */
static int
copy_value(struct parser *p, char *dst, size_t cap,
    const unsigned char *v, size_t n)
{
	if (n >= cap) {
		return fail(p, HTTP_ETOOBIG);
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* RFC 9110 §7.6.1: comma-separated connection options. */
static void
parse_connection(struct parser *p, const unsigned char *v, size_t n)
{
	size_t i = 0, a, b;

	while (i < n) {
		while (i < n && (ascii_isblank(v[i]) || v[i] == ',')) {
			i++;
		}
		for (a = i; i < n && v[i] != ','; i++) {
			continue;
		}
		for (b = i; b > a && ascii_isblank(v[b - 1]); b--) {
			continue;
		}
		if (ascii_eq_nocase(v + a, b - a, "close")) {
			p->conn_close = true;
		} else if (ascii_eq_nocase(v + a, b - a, "keep-alive")) {
			p->conn_keep = true;
		}
	}
}

static int
set_content_length(struct parser *p, const unsigned char *v, size_t n)
{
	unsigned long long x;

	/* RFC 9112 §6.3: differing or invalid lengths are unrecoverable */
	if (fmt_dec((const char *)v, n, ULLONG_MAX, &x) < 0 ||
	    (p->has_clen && x != p->clen)) {
		return fail(p, HTTP_EPROTO);
	}
	p->has_clen = true;
	p->clen = x;
	return 0;
}

/* RFC 8555 §6.5.1: a nonce is base64url; anything else counts as absent. */
static int
set_nonce(struct parser *p, const unsigned char *v, size_t n)
{
	size_t i;

	p->r->nonce[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!ascii_is_b64url(v[i])) {
			return 0;
		}
	}
	return copy_value(p, p->r->nonce, sizeof(p->r->nonce), v, n);
}

/*
 * RFC 9110 §10.2.3 delta-seconds; too large saturates as RFC 9111 §1.2.2
 * says. An HTTP-date is not parsed (it would make the parser depend on
 * the clock): -1, as when absent.
 */
static long
parse_delta(const unsigned char *v, size_t n)
{
	unsigned long long x;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ascii_isdigit(v[i])) {
			return -1;
		}
	}
	if (n == 0) {
		return -1;
	}
	return fmt_dec((const char *)v, n, LONG_MAX, &x) < 0 ? LONG_MAX :
	    (long)x;
}

/* True if link parameters v[0..n) say rel="alternate" (or rel=...). */
static bool
link_is_alternate(const unsigned char *v, size_t n)
{
	static const char rel[] = "rel=";
	size_t i, k;

	for (i = 0; i + sizeof(rel) - 1 <= n; i++) {
		if (!ascii_eq_nocase(v + i, sizeof(rel) - 1, rel)) {
			continue;
		}
		k = i + sizeof(rel) - 1;
		k += k < n && v[k] == '"';
		if (k + 9 <= n && ascii_eq_nocase(v + k, 9, "alternate") &&
		    (k + 9 == n || v[k + 9] == '"' || v[k + 9] == ';' ||
		    v[k + 9] == ' ' || v[k + 9] == ',')) {
			return true;
		}
	}
	return false;
}

/*
 * Keeps the URLs of Link: <URL>;rel="alternate" (RFC 8288), several per
 * line allowed. Malformed links are ignored, not fatal: they only ever
 * offer a choice.
 */
static void
parse_link(struct http_response *r, const unsigned char *v, size_t n)
{
	size_t i = 0, u0, u1, p1;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == ',' || v[i] == '\t')) {
			i++;
		}
		if (i == n || v[i] != '<') {
			return;
		}
		u0 = ++i;
		while (i < n && v[i] != '>') {
			i++;
		}
		if (i == n) {
			return;
		}
		u1 = i++;
		for (p1 = i; p1 < n && v[p1] != ','; p1++) {
		}
		if (link_is_alternate(v + i, p1 - i) &&
		    r->nalternate < HTTP_MAX_ALTERNATES &&
		    u1 - u0 < HTTP_MAX_URL) {
			memcpy(r->alternate[r->nalternate], v + u0, u1 - u0);
			r->alternate[r->nalternate++][u1 - u0] = '\0';
		}
		i = p1;
	}
}

static int
apply_field(struct parser *p, const unsigned char *name, size_t nlen,
    const unsigned char *v, size_t n)
{
	struct http_response *r = p->r;

	if (ascii_eq_nocase(name, nlen, "content-length")) {
		return set_content_length(p, v, n);
	} else if (ascii_eq_nocase(name, nlen, "transfer-encoding")) {
		/* only "chunked", once: anything else we cannot frame */
		if (p->chunked || !ascii_eq_nocase(v, n, "chunked")) {
			return fail(p, HTTP_EPROTO);
		}
		p->chunked = true;
	} else if (ascii_eq_nocase(name, nlen, "connection")) {
		parse_connection(p, v, n);
	} else if (ascii_eq_nocase(name, nlen, "replay-nonce")) {
		return set_nonce(p, v, n);
	} else if (ascii_eq_nocase(name, nlen, "location")) {
		return copy_value(p, r->location, sizeof(r->location), v, n);
	} else if (ascii_eq_nocase(name, nlen, "content-type")) {
		return copy_value(p, r->content_type, sizeof(r->content_type),
		    v, n);
	} else if (ascii_eq_nocase(name, nlen, "retry-after")) {
		r->retry_after = parse_delta(v, n);
	} else if (ascii_eq_nocase(name, nlen, "link")) {
		parse_link(r, v, n);
	}
	return 0;
}

/* Header (or trailer) lines up to the empty line; trailers are checked
 * and counted but not applied (RFC 9112 §7.1.2). */
static int
read_fields(struct parser *p, bool apply)
{
	const unsigned char *s = p->line;
	size_t i, a, b;

	for (;;) {
		if (read_line(p, &p->budget) < 0) {
			return -1;
		}
		if (p->llen == 0) {
			return 0;
		}
		if (++p->nfields > HTTP_MAX_HEADERS) {
			return fail(p, HTTP_ETOOBIG);
		}
		/* RFC 9112 §5.1/§5.2: no space before ':', no obs-fold */
		for (i = 0; i < p->llen && is_tchar(s[i]); i++) {
			continue;
		}
		if (i == 0 || i == p->llen || s[i] != ':') {
			return fail(p, HTTP_EPROTO);
		}
		for (a = i + 1; a < p->llen && ascii_isblank(s[a]); a++) {
			continue;
		}
		for (b = p->llen; b > a && ascii_isblank(s[b - 1]); b--) {
			continue;
		}
		if (apply && apply_field(p, s, i, s + a, b - a) < 0) {
			return -1;
		}
	}
}

/* Status line and headers of the final response, skipping 1xx ones. */
static int
read_head(struct parser *p)
{
	struct http_response *r = p->r;

	do {
		r->status = 0;
		r->location[0] = r->nonce[0] = r->content_type[0] = '\0';
		r->nalternate = 0;
		r->retry_after = -1;
		p->has_clen = p->chunked = p->conn_close = p->conn_keep = false;
		p->clen = 0;
		if (read_line(p, &p->budget) < 0 || parse_status(p) < 0 ||
		    read_fields(p, true) < 0) {
			return -1;
		}
		/* we never ask to switch protocols */
		if (r->status == 101) {
			return fail(p, HTTP_EPROTO);
		}
	} while (r->status < 200);
	/* RFC 9112 §6.1, §6.3: chunked with Content-Length, or chunked in
	 * HTTP/1.0, is a framing we refuse to guess about */
	if (p->chunked && (p->has_clen || p->http10)) {
		return fail(p, HTTP_EPROTO);
	}
	r->keep_alive = p->http10 ? p->conn_keep && !p->conn_close :
	    !p->conn_close;
	return 0;
}

static int
read_exact(struct parser *p, unsigned char *dst, size_t n)
{
	struct http_src *s = p->src;
	size_t k;
	int rc;

	while (n > 0) {
		rc = fill(p);
		if (rc <= 0) {
			return rc < 0 ? -1 : fail(p, HTTP_ECLOSED);
		}
		k = s->len - s->pos < n ? s->len - s->pos : n;
		memcpy(dst, s->buf + s->pos, k);
		s->pos += k;
		dst += k;
		n -= k;
	}
	return 0;
}

/* RFC 9112 §7.1: chunk-size [ BWS ";" ext ] with at most SIZE_MAX. */
static int
parse_chunk_size(const unsigned char *s, size_t n, size_t *out)
{
	size_t i, v = 0;
	int d;

	for (i = 0; i < n && (d = ascii_hexval(s[i])) >= 0; i++) {
		if (v > SIZE_MAX >> 4) {
			return -1;
		}
		v = v << 4 | (size_t)d;
	}
	if (i == 0) {
		return -1;
	}
	/* BWS is only allowed before an extension */
	while (i < n && ascii_isblank(s[i])) {
		i++;
	}
	if (i < n ? s[i] != ';' : ascii_isblank(s[i - 1])) {
		return -1;
	}
	*out = v;
	return 0;
}

static int
read_chunked(struct parser *p, unsigned char *body, size_t cap)
{
	struct http_response *r = p->r;
	unsigned char crlf[2];
	size_t n, lb;

	for (;;) {
		/* chunk lines have their own cap: HTTP_MAX_LINE each */
		lb = HTTP_MAX_LINE + 2;
		if (read_line(p, &lb) < 0) {
			return -1;
		}
		if (parse_chunk_size(p->line, p->llen, &n) < 0) {
			return fail(p, HTTP_EPROTO);
		}
		if (n == 0) {
			break;
		}
		if (n > cap - r->body_len) {
			return fail(p, HTTP_ETOOBIG);
		}
		if (read_exact(p, body + r->body_len, n) < 0 ||
		    read_exact(p, crlf, 2) < 0) {
			return -1;
		}
		r->body_len += n;
		if (crlf[0] != '\r' || crlf[1] != '\n') {
			return fail(p, HTTP_EPROTO);
		}
	}
	return read_fields(p, false);
}

/* RFC 9112 §6.3 item 8: no length given, the body ends with the stream. */
static int
read_to_eos(struct parser *p, unsigned char *body, size_t cap)
{
	struct http_src *s = p->src;
	struct http_response *r = p->r;
	size_t k;
	int rc;

	r->keep_alive = false;
	while ((rc = fill(p)) > 0) {
		k = s->len - s->pos;
		if (k > cap - r->body_len) {
			return fail(p, HTTP_ETOOBIG);
		}
		memcpy(body + r->body_len, s->buf + s->pos, k);
		s->pos += k;
		r->body_len += k;
	}
	return rc;
}

static int
read_body(struct parser *p, unsigned char *body, size_t cap)
{
	if (p->chunked) {
		return read_chunked(p, body, cap);
	}
	if (p->has_clen) {
		if (p->clen > cap) {
			return fail(p, HTTP_ETOOBIG);
		}
		if (read_exact(p, body, (size_t)p->clen) < 0) {
			return -1;
		}
		p->r->body_len = (size_t)p->clen;
		return 0;
	}
	return read_to_eos(p, body, cap);
}

int
http_parse_response(struct http_src *src, bool is_head,
    struct http_response *r, unsigned char *body, size_t cap, int *err)
{
	struct parser p;

	p.src = src;
	p.r = r;
	p.err = HTTP_OK;
	p.budget = HTTP_MAX_HEADER_BYTES;
	p.nfields = 0;
	r->keep_alive = false;
	r->body = body;
	r->body_len = 0;
	if (read_head(&p) < 0) {
		goto out;
	}
	/* RFC 9112 §6.3: no body after HEAD, 204 or 304 (1xx: read_head) */
	if (!is_head && r->status != 204 && r->status != 304 &&
	    read_body(&p, body, cap) < 0) {
		goto out;
	}
	/* nothing is pipelined: extra bytes mean we lost the framing */
	if (src->pos < src->len) {
		r->keep_alive = false;
	}
out:
	if (p.err != HTTP_OK) {
		r->keep_alive = false;
	}
	*err = p.err;
	return p.err == HTTP_OK ? 0 : -1;
}

/* ---- URLs ------------------------------------------------------------- */

/* Splits authority a[0..n) into host (reg-name/IPv4 charset, or an IPv6
 * literal in brackets) and the port after ':' (*pt NULL if none). */
static int
split_authority(const char *a, size_t n, const char **h, size_t *hlen,
    const char **pt, size_t *plen)
{
	size_t i;

	if (n > 0 && a[0] == '[') {
		for (i = 1; i < n && a[i] != ']'; i++) {
			if (ascii_hexval((unsigned char)a[i]) < 0 &&
			    a[i] != ':' && a[i] != '.') {
				return -1;
			}
		}
		if (i == n) {
			return -1;
		}
		*h = a + 1;
		*hlen = i - 1;
		i++;
	} else {
		for (i = 0; i < n && a[i] != ':'; i++) {
			if (!ascii_is_b64url((unsigned char)a[i]) && a[i] != '.') {
				return -1;
			}
		}
		*h = a;
		*hlen = i;
	}
	if (i < n && a[i] != ':') {
		return -1;
	}
	*pt = i < n ? a + i + 1 : NULL;
	*plen = i < n ? n - i - 1 : 0;
	return 0;
}

int
http_url_parse(const char *url, char *host, size_t host_cap,
    char port[6], const char **path)
{
	const char *h, *pt;
	size_t n, i, e, hlen, plen;
	unsigned long long pv = 443;
	struct sbuf b;

	n = strnlen(url, HTTP_MAX_URL);
	if (n == HTTP_MAX_URL || n < 9 ||
	    !ascii_eq_nocase((const unsigned char *)url, 8, "https://")) {
		return -1;
	}
	/* printable ASCII only: no CR, LF, space, controls; no fragment */
	for (i = 0; i < n; i++) {
		if ((unsigned char)url[i] <= ' ' ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '#') {
			return -1;
		}
	}
	for (e = 8; e < n && url[e] != '/'; e++) {
		continue;
	}
	/* '@' (userinfo) fails the host charset in split_authority() */
	if (split_authority(url + 8, e - 8, &h, &hlen, &pt, &plen) < 0 ||
	    hlen == 0 || hlen >= host_cap ||
	    (pt != NULL &&
	    (fmt_dec(pt, plen, 65535, &pv) < 0 ||
	    pv == 0))) {
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	sbuf_init(&b, port, 6);
	sbuf_addu(&b, pv);
	*path = e < n ? url + e : "/";
	return 0;
}

/* ---- TLS client ------------------------------------------------------- */

void
http_client_init(struct http_client *c, const br_x509_trust_anchor *tas,
    size_t tas_num, unsigned char *iobuf, size_t iobuf_len)
{
	memset(c, 0, sizeof(*c));
	c->tas = tas;
	c->tas_num = tas_num;
	c->iobuf = iobuf;
	c->iobuf_len = iobuf_len;
	c->user_agent = "nanoacme";
	c->fd = -1;
	tls_client_profile(&c->sc, &c->xc, tas, tas_num);
	/* between the SSL and X.509 engines: checks IP hosts (tlsip.h) */
	tlsip_init(&c->xw, &c->xc.vtable);
	br_ssl_engine_set_x509(&c->sc.eng, &c->xw.vtable);
	br_ssl_engine_set_buffer(&c->sc.eng, iobuf, iobuf_len, 0);
}

/* Waits until fd is ready for ev, until min(until, c->deadline_ms). */
static int
wait_fd(struct http_client *c, int fd, short ev, long long until)
{
	struct pollfd pfd;
	long long now;
	int rc;

	if (until > c->deadline_ms) {
		until = c->deadline_ms;
	}
	for (;;) {
		now = sockio_now_ms();
		if (now >= until) {
			c->err = HTTP_ETIMEOUT;
			c->detail = 0;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		rc = poll(&pfd, 1, sockio_ms_until(until, now));
		if (rc < 0 && errno != EINTR) {
			c->err = HTTP_EIO;
			c->detail = errno;
			return -1;
		}
		if (rc > 0 && (pfd.revents & (ev | POLLERR | POLLHUP |
		    POLLNVAL))) {
			return 0;
		}
	}
}

/*
 * The whole-request deadline, checked before every read and write and
 * not only when one would wait: a server that keeps the socket full
 * (an endless chunked body of 1-byte chunks behind 4 KB extensions is
 * 256 MB before the body cap) must not hold us past it either.
 */
static bool
past_deadline(struct http_client *c)
{
	if (sockio_now_ms() < c->deadline_ms) {
		return false;
	}
	c->err = HTTP_ETIMEOUT;
	c->detail = 0;
	return true;
}

/*
 * One recv (ev POLLIN) or send (POLLOUT) of at most len bytes, waiting
 * while the socket would block, within the I/O timeout and the request's
 * deadline. End of stream is an error for BearSSL, so it is recorded
 * here as HTTP_ECLOSED (a send of 0 bytes as HTTP_EIO), errno failures
 * as HTTP_EIO.
 */
static int
sock_io(struct http_client *c, unsigned char *buf, size_t len, short ev)
{
	long long until = sockio_now_ms() + HTTP_IO_TIMEOUT_MS;
	ssize_t n;

	for (;;) {
		if (past_deadline(c)) {
			return -1;
		}
		n = ev == POLLIN ? recv(c->fd, buf, len, 0) :
		    send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			return (int)n;     /* len < 20000 (br_sslio_init) */
		}
		if (n == 0 || (errno != EINTR && !sockio_again(errno))) {
			c->err = n == 0 && ev == POLLIN ? HTTP_ECLOSED :
			    HTTP_EIO;
			c->detail = n != 0 ? errno : ev == POLLIN ? 0 : EIO;
			return -1;
		}
		if (sockio_again(errno) && wait_fd(c, c->fd, ev, until) < 0) {
			return -1;
		}
	}
}

/* br_sslio's low-level read and write. */
static int
sock_read(void *ctx, unsigned char *buf, size_t len)
{
	return sock_io(ctx, buf, len, POLLIN);
}

static int
sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	/* send() does not write to buf: the cast only meets recv()'s type */
	return sock_io(ctx, (unsigned char *)buf, len, POLLOUT);
}

/* After a br_sslio failure: keep a socket-level error if one was
 * recorded, else a clean close_notify is HTTP_ECLOSED, else HTTP_ETLS. */
static int
tls_fail(struct http_client *c)
{
	int e = br_ssl_engine_last_error(&c->sc.eng);

	if (c->err == HTTP_OK) {
		c->err = e == BR_ERR_OK ? HTTP_ECLOSED : HTTP_ETLS;
		c->detail = e;
	}
	return -1;
}

/* Closes the socket; sends close_notify if the engine can without
 * waiting (RFC 5246 §7.2.1: no need to wait for the peer's). */
static void
drop_conn(struct http_client *c)
{
	br_ssl_engine_context *e = &c->sc.eng;
	unsigned char *buf;
	size_t len;
	ssize_t n;

	if (c->fd < 0) {
		return;
	}
	if ((br_ssl_engine_current_state(e) & BR_SSL_CLOSED) == 0) {
		br_ssl_engine_close(e);
		while (br_ssl_engine_current_state(e) & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(e, &len);
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n <= 0) {
				break;
			}
			br_ssl_engine_sendrec_ack(e, (size_t)n);
		}
	}
	close(c->fd);
	c->fd = -1;
}

void
http_client_close(struct http_client *c)
{
	drop_conn(c);
}

static int
try_addr(struct http_client *c, const struct dns_server *a, int *e)
{
	int fd, soerr = 0, rc = -1;
	socklen_t sl = sizeof(soerr);

	fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*e = errno;
		goto out;
	}
	if (connect(fd, &a->u.sa, a->len) == 0) {
		rc = 0;
		goto out;
	}
	if (errno != EINPROGRESS && errno != EINTR) {
		*e = errno;
		goto out;
	}
	if (wait_fd(c, fd, POLLOUT, sockio_now_ms() + HTTP_CONNECT_TIMEOUT_MS) < 0) {
		*e = ETIMEDOUT;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
	    soerr != 0) {
		*e = soerr != 0 ? soerr : errno;
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* TCP to each address of host in turn. */
static int
tcp_connect(struct http_client *c, const char *host, const char *port)
{
	struct dns_server addr[HTTP_MAX_ADDRS];
	unsigned long long pn = 0;
	size_t n = 0, k;
	int e = ECONNREFUSED, derr;

	/* http_url_parse()'s digits: cannot fail (port 0 would refuse) */
	(void)fmt_dec(port, strlen(port), 65535, &pn);
	if (dns_resolve(host, (unsigned)pn, addr, HTTP_MAX_ADDRS, &n,
	    sockio_ms_until(c->deadline_ms, sockio_now_ms()), &derr) != 0) {
		c->err = HTTP_ERESOLVE;
		c->detail = derr;
		return -1;
	}
	for (k = 0; k < n && c->fd < 0; k++) {
		c->fd = try_addr(c, &addr[k], &e);
		/* a connect timeout moves on to the next address; the
		 * request deadline or a failed poll() ends the attempt */
		if (c->fd < 0 && c->err == HTTP_ETIMEOUT &&
		    sockio_now_ms() < c->deadline_ms) {
			c->err = HTTP_OK;
		}
		if (c->err != HTTP_OK) {
			break;
		}
	}
	if (c->fd < 0 && c->err == HTTP_OK) {
		c->err = HTTP_ECONNECT;
		c->detail = e;
	}
	return c->fd < 0 ? -1 : 0;
}

static int
tls_connect(struct http_client *c, const char *host, const char *port)
{
	int resume;
	bool ip;

	if (tcp_connect(c, host, port) < 0) {
		return -1;
	}
	/* a session is only resumed with the name it was verified for */
	resume = strcmp(host, c->host) == 0 && strcmp(port, c->port) == 0;
	memcpy(c->host, host, strlen(host) + 1);
	memcpy(c->port, port, strlen(port) + 1);
	/* our own 64-bit time: BearSSL's time() call is 32-bit on 32-bit
	 * Debian builds and would break in 2038 */
	tls_client_time(&c->xc, (int64_t)time(NULL));
	/* RFC 6066 §3: no IP literal in SNI; BearSSL then checks no name,
	 * and the wrapper checks the address in an iPAddress SAN */
	ip = tlsip_set_host(&c->xw, host);
	if (!br_ssl_client_reset(&c->sc, ip ? NULL : host, resume)) {
		return tls_fail(c);
	}
	br_sslio_init(&c->ioc, &c->sc.eng, sock_read, c, sock_write, c);
	/* the flush runs the handshake to completion */
	if (br_sslio_flush(&c->ioc) < 0) {
		return tls_fail(c);
	}
	c->handshakes++;
	return 0;
}

/* One request as http_request() got it. */
struct req {
	const char *method, *path, *ctype;
	const void *body;
	size_t len;
	bool is_head;
};

/* Printable ASCII, space and HTAB: safe inside a header line. */
static bool
is_field_value(const char *s)
{
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s < ' ' && *s != '\t') ||
		    (unsigned char)*s >= 0x7f) {
			return false;
		}
	}
	return true;
}

static int
send_request(struct http_client *c, const struct req *q)
{
	char head[HTTP_MAX_URL + 768];
	struct sbuf b;

	sbuf_init(&b, head, sizeof(head));
	sbuf_adds(&b, q->method);
	sbuf_adds(&b, " ");
	sbuf_adds(&b, q->path);
	sbuf_adds(&b, " HTTP/1.1\r\nHost: ");
	/* RFC 7230 §5.4 with RFC 3986's IP-literal: [2001:db8::10] */
	if (strchr(c->host, ':') != NULL) {
		sbuf_adds(&b, "[");
		sbuf_adds(&b, c->host);
		sbuf_adds(&b, "]");
	} else {
		sbuf_adds(&b, c->host);
	}
	if (strcmp(c->port, "443") != 0) {
		sbuf_adds(&b, ":");
		sbuf_adds(&b, c->port);
	}
	sbuf_adds(&b, "\r\nUser-Agent: ");
	sbuf_adds(&b, c->user_agent);
	sbuf_adds(&b, "\r\nAccept: */*\r\n");
	if (q->ctype != NULL) {
		sbuf_adds(&b, "Content-Type: ");
		sbuf_adds(&b, q->ctype);
		sbuf_adds(&b, "\r\n");
	}
	/* RFC 9110 §8.6: a POST says its length even when it is 0 */
	if (q->len > 0 || q->ctype != NULL || strcmp(q->method, "POST") == 0) {
		sbuf_adds(&b, "Content-Length: ");
		sbuf_addu(&b, q->len);
		sbuf_adds(&b, "\r\n");
	}
	sbuf_adds(&b, "\r\n");
	if (b.err) {
		c->err = HTTP_EURL;
		return -1;
	}
	if (br_sslio_write_all(&c->ioc, head, b.len) < 0 ||
	    (q->len > 0 && br_sslio_write_all(&c->ioc, q->body, q->len) < 0) ||
	    br_sslio_flush(&c->ioc) < 0) {
		return tls_fail(c);
	}
	c->requests++;
	return 0;
}

/* http_src reader over TLS. Only a close_notify is a clean end of
 * stream; a bare TCP close may be a truncation attack. */
static int
tls_src_read(void *ctx, unsigned char *buf, size_t len)
{
	struct http_client *c = ctx;
	int n = br_sslio_read(&c->ioc, buf, len);

	if (n > 0) {
		c->got_reply = true;
		return n;
	}
	if (c->err == HTTP_OK &&
	    br_ssl_engine_last_error(&c->sc.eng) == BR_ERR_OK) {
		return 0;
	}
	return tls_fail(c);
}

static int
exchange(struct http_client *c, const struct req *q,
    struct http_response *r, unsigned char *body, size_t cap)
{
	struct http_src src;
	int perr;

	c->got_reply = false;
	if (send_request(c, q) < 0) {
		return -1;
	}
	http_src_init(&src, tls_src_read, c);
	if (http_parse_response(&src, q->is_head, r, body, cap, &perr) < 0) {
		/* an I/O error recorded by the callbacks says more */
		if (c->err == HTTP_OK) {
			c->err = perr;
			c->detail = 0;
		}
		return -1;
	}
	/* decrypted bytes the response did not account for */
	if (br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVAPP) {
		r->keep_alive = false;
	}
	if (!r->keep_alive) {
		drop_conn(c);
	}
	return 0;
}

/* Validates what goes into the request head; fills q, host and port. */
static int
check_request(struct http_client *c, struct req *q, const char *url,
    char *host, char *port)
{
	size_t i;

	for (i = 0; ascii_isupper((unsigned char)q->method[i]); i++) {
		continue;
	}
	/* IP-literal hosts are fine: a private CA on a LAN address; TLS
	 * checks them in an iPAddress SAN (tls_connect(), tlsip.h) */
	if (i == 0 || i > 16 || q->method[i] != '\0' ||
	    http_url_parse(url, host, sizeof(c->host), port, &q->path) < 0 ||
	    (q->ctype != NULL && !is_field_value(q->ctype)) ||
	    c->user_agent == NULL || !is_field_value(c->user_agent)) {
		c->err = HTTP_EURL;
		return -1;
	}
	q->is_head = strcmp(q->method, "HEAD") == 0;
	return 0;
}

int
http_request(struct http_client *c, const char *method, const char *url,
    const char *ctype, const void *req_body, size_t req_len,
    struct http_response *r, unsigned char *body, size_t cap)
{
	struct req q = { method, NULL, ctype, req_body, req_len, false };
	char host[sizeof(c->host)], port[6];
	int rc = -1, tries;
	bool reused;

	c->err = HTTP_OK;
	c->detail = 0;
	c->deadline_ms = sockio_now_ms() + HTTP_REQUEST_TIMEOUT_MS;
	if (check_request(c, &q, url, host, port) < 0) {
		goto out;
	}
	if (strcmp(host, c->host) != 0 || strcmp(port, c->port) != 0) {
		drop_conn(c);
	}
	for (tries = 0; tries < 2 && rc < 0; tries++) {
		reused = c->fd >= 0;
		if (!reused && tls_connect(c, host, port) < 0) {
			break;
		}
		rc = exchange(c, &q, r, body, cap);
		/* a kept-alive connection the server closed meanwhile:
		 * reconnect and resend once, if nothing came back yet */
		if (rc < 0 && (!reused || c->got_reply ||
		    (c->err != HTTP_ECLOSED && c->err != HTTP_EIO &&
		    c->err != HTTP_ETLS))) {
			break;
		}
		if (rc < 0) {
			drop_conn(c);
			c->err = HTTP_OK;
			c->detail = 0;
		}
	}
out:
	if (rc < 0) {
		drop_conn(c);
	}
	return rc;
}
