/* SPDX-License-Identifier: MIT */
/*
 * listen.c - the http-01 listener and its request parser (see
 * listen.h).
 *
 * Separate from http.c (the client) because it is the other side of
 * HTTP, and the part strangers talk to: during validation port 80 is
 * open to the world. The parser is a pure function for tests and
 * fuzzing; serving is split into listen_pollfds() and listen_handle()
 * so that one poll() loop (responder.c) serves this listener and the
 * tls-alpn-01 responder together. Nothing here allocates or prints.
 */
#include "listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "ascii.h"
#include "dns.h"
#include "fmt.h"
#include "sockio.h"

/* RFC 8555 §8.3: token is base64url; longer tokens are not ours. */
#define TOKEN_MAX 128

/*
 * The listener's parser: 0 (head incomplete), 200 (good challenge
 * request, *tok set), 400, 404 or 405. Only the request line matters;
 * header lines are only checked for stray control bytes.
 */
static int
parse_req(const char *req, size_t len, const char **tok, size_t *tok_len)
{
	static const char pfx[] = "/.well-known/acme-challenge/";
	const unsigned char *s = (const unsigned char *)req;
	size_t end, i, m, t0, tl, k = sizeof(pfx) - 1;

	for (end = 0; end + 4 <= len; end++) {
		if (memcmp(s + end, "\r\n\r\n", 4) == 0) {
			break;
		}
	}
	if (end + 4 > len) {
		return 0;
	}
	end += 2;                          /* s[end..end+4) is the CRLF CRLF */
	for (i = 0; i < end; i++) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n') || s[i] == 0x7f ||
		    (s[i] == '\r' && s[i + 1] != '\n') ||
		    (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))) {
			return 400;
		}
	}
	for (m = 0; m < end && ascii_isupper(s[m]); m++) {
		continue;
	}
	for (t0 = i = m + 1; i < end && s[i] > ' ' && s[i] < 0x7f; i++) {
		continue;
	}
	tl = i - t0;
	if (m == 0 || s[m] != ' ' || tl == 0 || i + 10 > end ||
	    memcmp(s + i, " HTTP/1.", 8) != 0 ||
	    (s[i + 8] != '0' && s[i + 8] != '1') || s[i + 9] != '\r') {
		return 400;
	}
	if (m != 3 || memcmp(s, "GET", 3) != 0) {
		return 405;
	}
	if (tl <= k || tl - k > TOKEN_MAX || memcmp(s + t0, pfx, k) != 0) {
		return 404;
	}
	for (i = t0 + k; i < t0 + tl; i++) {
		if (!ascii_is_b64url(s[i])) {
			return 404;
		}
	}
	*tok = req + t0 + k;
	*tok_len = tl - k;
	return 200;
}

int
listen_parse_request(const char *req, size_t len, const char **tok,
    size_t *tok_len)
{
	int code;

	*tok = NULL;
	*tok_len = 0;
	code = parse_req(req, len, tok, tok_len);
	return code == 0 ? 0 : code == 200 ? 1 : 2;
}

static void
conn_close(struct listen_conn *cc)
{
	if (cc->fd >= 0) {
		close(cc->fd);
	}
	cc->fd = -1;
	cc->len = 0;
	cc->out_len = 0;
	cc->out_pos = 0;
}

static void
put_head(struct sbuf *b, int code, size_t body_len)
{
	sbuf_adds(b, code == 200 ? "HTTP/1.1 200 OK" :
	    code == 400 ? "HTTP/1.1 400 Bad Request" :
	    code == 404 ? "HTTP/1.1 404 Not Found" :
	    code == 405 ? "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET" :
	    "HTTP/1.1 500 Internal Server Error");
	sbuf_adds(b, "\r\nContent-Type: text/plain\r\nContent-Length: ");
	sbuf_addu(b, body_len);
	sbuf_adds(b, "\r\nConnection: close\r\n\r\n");
}

/* Sends what is pending; closes the connection once all is sent. */
static void
conn_flush(struct listen_conn *cc)
{
	ssize_t n;
	int k;

	while (cc->out_pos < cc->out_len) {
		n = send(cc->fd, cc->out + cc->out_pos,
		    cc->out_len - cc->out_pos, MSG_NOSIGNAL);
		if (n > 0) {
			cc->out_pos += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && sockio_again(errno)) {
			return;
		} else {
			conn_close(cc);
			return;
		}
	}
	/* unread request bytes make close() send a RST, which can destroy
	 * the answer before the client reads it: drain a little first */
	for (k = 0; k < 4 && recv(cc->fd, cc->req, sizeof(cc->req), 0) > 0;
	    k++) {
		continue;
	}
	conn_close(cc);
}

/* Answers cc once its request head is complete or over the cap. */
static void
conn_answer(struct listener *l, struct listen_conn *cc)
{
	const char *tok, *body = "";
	struct sbuf b;
	size_t i, tlen;
	int code;

	code = parse_req(cc->req, cc->len, &tok, &tlen);
	if (code == 0 && cc->len < sizeof(cc->req)) {
		return;
	}
	if (code == 0) {
		code = 400;
	} else if (code == 200) {
		code = 404;
		for (i = 0; i < l->ntokens; i++) {
			const struct listen_token *t = &l->tokens[i];

			if (t->token != NULL && t->keyauth != NULL &&
			    strlen(t->token) == tlen &&
			    memcmp(t->token, tok, tlen) == 0) {
				code = 200;
				body = t->keyauth;
				break;
			}
		}
	}
	sbuf_init(&b, cc->out, sizeof(cc->out));
	put_head(&b, code, strlen(body));
	sbuf_adds(&b, body);
	if (b.err) {
		sbuf_init(&b, cc->out, sizeof(cc->out));
		put_head(&b, 500, 0);
	} else if (code == 200) {
		l->served++;
	}
	cc->out_len = b.len;
	cc->out_pos = 0;
	conn_flush(cc);
}

static void
conn_read(struct listener *l, struct listen_conn *cc)
{
	ssize_t n;

	do {
		n = recv(cc->fd, cc->req + cc->len, sizeof(cc->req) - cc->len,
		    0);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		cc->len += (size_t)n;
		conn_answer(l, cc);
	} else if (n == 0 || !sockio_again(errno)) {
		/* gone before a complete request: nothing to answer */
		conn_close(cc);
	}
}

/* A free slot: one used before, else a new one; over LISTEN_MAX_CONN
 * the oldest connection gives way. */
static struct listen_conn *
conn_slot(struct listener *l)
{
	struct listen_conn *old = &l->conn[0];
	size_t i;

	for (i = 0; i < l->nconn; i++) {
		if (l->conn[i].fd < 0) {
			return &l->conn[i];
		}
		if (l->conn[i].deadline_ms < old->deadline_ms) {
			old = &l->conn[i];
		}
	}
	if (l->nconn < LISTEN_MAX_CONN) {
		old = &l->conn[l->nconn];
		l->slot[l->nconn++] = false;
		old->fd = -1;
	}
	conn_close(old);
	return old;
}

static void
listen_accept(struct listener *l, int lfd)
{
	struct listen_conn *cc;
	int fd, k;

	/* at most one connection table's worth per round, so a flood
	 * cannot keep us here */
	for (k = 0; k < LISTEN_MAX_CONN && (fd = sockio_accept(lfd)) >= 0;
	    k++) {
		cc = conn_slot(l);
		cc->fd = fd;
		cc->deadline_ms = sockio_now_ms() + LISTEN_CONN_TIMEOUT_MS;
		/* the request often arrives with the connection */
		conn_read(l, cc);
	}
}

/* see listen.h */
size_t
listen_pollfds(struct listener *l, struct pollfd *pfd, int *timeout)
{
	struct listen_conn *cc;
	long long now = sockio_now_ms();
	size_t i, n = 0;

	for (i = 0; i < l->nlfd; i++) {
		sockio_pfd(pfd, &n, l->lfd[i], POLLIN);
	}
	for (i = 0; i < l->nconn; i++) {
		cc = &l->conn[i];
		l->slot[i] = cc->fd >= 0;
		if (l->slot[i]) {
			sockio_until(timeout, cc->deadline_ms, now);
			sockio_pfd(pfd, &n, cc->fd, cc->out_pos < cc->out_len ?
			    POLLOUT : POLLIN);
		}
	}
	return n;
}

/* see listen.h */
void
listen_handle(struct listener *l, const struct pollfd *pfd)
{
	struct listen_conn *cc;
	size_t i, n = l->nlfd;
	long long now;

	/* connections first (in the order listen_pollfds() gave them),
	 * then new ones: a connection accepted now has no pollfd yet */
	for (i = 0; i < l->nconn; i++) {
		cc = &l->conn[i];
		if (!l->slot[i]) {
			continue;
		}
		l->slot[i] = false;
		if (pfd[n++].revents == 0 || cc->fd < 0) {
			continue;
		}
		if (cc->out_pos < cc->out_len) {
			conn_flush(cc);
		} else {
			conn_read(l, cc);
		}
	}
	for (i = 0; i < l->nlfd; i++) {
		if (pfd[i].revents & POLLIN) {
			listen_accept(l, l->lfd[i]);
		}
	}
	now = sockio_now_ms();
	for (i = 0; i < l->nconn; i++) {
		if (l->conn[i].fd >= 0 && l->conn[i].deadline_ms <= now) {
			conn_close(&l->conn[i]);
		}
	}
}

/* see listen.h */
int
listen_serve(struct listener *l, int timeout_ms)
{
	struct pollfd pfd[LISTEN_MAX_POLLFD];
	long long end = sockio_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	size_t n;
	int t;

	do {
		t = sockio_ms_until(end, sockio_now_ms());
		n = listen_pollfds(l, pfd, &t);
		if (poll(pfd, (nfds_t)n, t) < 0 && errno != EINTR) {
			return -1;
		}
		listen_handle(l, pfd);
	} while (sockio_now_ms() < end);
	return 0;
}

/*
 * Linux: accept() a connection only once its first bytes are there. A
 * flood of connections that never send anything then stays in the
 * kernel and takes no slot; without it, such a flood made every new
 * connection push out the oldest, and a validator accepted a moment
 * before its request arrived could be dropped unanswered. A CA sends
 * its request at once, so it is accepted with it and answered in the
 * same round. Other systems go without.
 */
static void
defer_accept(int fd)
{
#ifdef TCP_DEFER_ACCEPT
	int secs = (LISTEN_CONN_TIMEOUT_MS + 999) / 1000;

	/* best effort: without it the listener works, just less well */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
	    sizeof(secs));
#else
	(void)fd;
#endif
}

/* One listening socket; an optional (IPv6) one may be missing. */
static int
listen_one(struct listener *l, const struct sockaddr *sa,
    socklen_t salen, bool optional)
{
	int fd, one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, sa, salen) < 0 || listen(fd, LISTEN_MAX_CONN) < 0) {
		l->detail = errno;
		if (fd >= 0) {
			close(fd);
		}
		return optional && (l->detail == EAFNOSUPPORT ||
		    l->detail == EADDRNOTAVAIL) ? 0 : -1;
	}
	defer_accept(fd);
	l->lfd[l->nlfd++] = fd;
	return 0;
}

/* see listen.h */
void
listen_init(struct listener *l)
{
	/* not the connection table: its entries are made as they are
	 * first used (conn_slot()), so the pages of the others are never
	 * touched */
	memset(l, 0, offsetof(struct listener, slot));
	l->lfd[0] = l->lfd[1] = -1;
}

/* see listen.h */
int
listen_open(struct listener *l, const char *spec)
{
	struct dns_server a;
	struct sockaddr_in s4;
	int rc;

	listen_init(l);
	l->detail = EINVAL;
	rc = dns_addr_parse(&a, spec, strlen(spec), 0);
	if (rc == 0 && a.len > 0) {
		rc = listen_one(l, &a.u.sa, a.len, false);
	} else if (rc == 0) {
		/* ":PORT": IPv6 (V6ONLY) plus IPv4, so neither family
		 * depends on the system's dual-stack default; both
		 * addresses are the zeroes of "any" */
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = a.u.in6.sin6_port;
		a.u.in6.sin6_family = AF_INET6;
		rc = listen_one(l, &a.u.sa, sizeof(a.u.in6), true);
		if (rc == 0) {
			rc = listen_one(l, (struct sockaddr *)&s4, sizeof(s4),
			    false);
		}
	}
	if (rc < 0) {
		listen_close(l);
	} else {
		l->detail = 0;
	}
	return rc;
}

void
listen_set_tokens(struct listener *l,
    const struct listen_token *tokens, size_t n)
{
	l->tokens = tokens;
	l->ntokens = n;
}

void
listen_close(struct listener *l)
{
	size_t i;

	for (i = 0; i < l->nlfd; i++) {
		close(l->lfd[i]);
		l->lfd[i] = -1;
	}
	l->nlfd = 0;
	for (i = 0; i < l->nconn; i++) {
		conn_close(&l->conn[i]);
	}
}
