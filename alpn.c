/* SPDX-License-Identifier: MIT */
/*
 * alpn.c - the tls-alpn-01 responder. See alpn.h for why it is a module
 * of its own.
 *
 * Each connection has its own BearSSL server engine with bidirectional
 * buffers, driven by conn_pump(): a loop over the engine state that
 * sends what the engine has to send, receives what it asks for, and
 * returns when the socket would block. The security review found that
 * br_sslio over a half-duplex (mono) buffer spins forever on a
 * ClientHello whose handshake length is shorter than its record: the
 * engine can then neither send nor receive, and br_sslio_flush() loops
 * without calling the I/O callbacks. Here such an engine state ends the
 * connection, and every pass is bounded.
 */
#include "alpn.h"

#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "fmt.h"
#include "sockio.h"
#include "tls.h"

/* see alpn.h */
const struct alpn_entry *
alpn_find(const struct alpn_responder *a, const char *name)
{
	size_t k;

	if (name == NULL) {
		return NULL;
	}
	for (k = 0; k < a->n; k++) {
		if (ascii_streq_nocase(a->entry[k].sni[0] != '\0' ?
		    a->entry[k].sni : a->entry[k].ident, name)) {
			return &a->entry[k];
		}
	}
	return NULL;
}

/*
 * BearSSL policy: answer only a client that negotiated acme-tls/1 and
 * named an identifier we validate, with ECDHE_ECDSA and SHA-256, and the
 * certificate for that identifier (RFC 8737 §3).
 */
static int
policy_choose(const br_ssl_server_policy_class **pctx,
    const br_ssl_server_context *cc, br_ssl_server_choices *choices)
{
	const struct alpn_policy *pol = (const void *)pctx;
	struct alpn_conn *c = pol->c;
	const br_suite_translated *st;
	const struct alpn_entry *e;
	const char *proto;
	size_t n, u;

	proto = br_ssl_engine_get_selected_protocol(
	    (br_ssl_engine_context *)&cc->eng);
	e = alpn_find(pol->a, br_ssl_engine_get_server_name(&cc->eng));
	if (proto == NULL || strcmp(proto, "acme-tls/1") != 0 || e == NULL ||
	    ((br_ssl_server_get_client_hashes(cc) >> 8) &
	    (1u << br_sha256_ID)) == 0) {
		return 0;
	}
	st = br_ssl_server_get_client_suites(cc, &n);
	for (u = 0; u < n && (st[u][1] >> 12) != BR_SSLKEYX_ECDHE_ECDSA; u++) {
	}
	if (u == n || cert_build_alpn(&pol->a->key, e->ident, e->digest,
	    (int64_t)time(NULL), c->der, sizeof(c->der),
	    &c->chain.data_len) != 0) {
		return 0;
	}
	c->chain.data = c->der;
	choices->cipher_suite = st[u][0];
	choices->algo_id = 0xFF00 + br_sha256_ID;
	choices->chain = &c->chain;
	choices->chain_len = 1;
	return 1;
}

/* No static key exchange is offered. */
static uint32_t
policy_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data,
    size_t *len)
{
	(void)pctx;
	(void)data;
	(void)len;
	return 0;
}

/* Signs the ServerKeyExchange hash (SHA-256) with our key. */
static size_t
policy_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id,
    unsigned char *data, size_t hv_len, size_t len)
{
	const struct alpn_policy *pol = (const void *)pctx;
	unsigned char hv[32];

	if (algo_id != 0xFF00 + br_sha256_ID || hv_len != sizeof(hv) ||
	    len < 72) {
		return 0;
	}
	memcpy(hv, data, sizeof(hv));
	return br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, hv,
	    &pol->a->key.sk, data);
}

static const br_ssl_server_policy_class policy_vtable = {
	sizeof(struct alpn_policy), policy_choose, policy_keyx, policy_sign
};

/* see alpn.h */
int
alpn_init(struct alpn_responder *a, const int *lfd, size_t nlfd)
{
	unsigned char seed[32];
	struct alpn_conn *c;
	size_t k;

	memset(a, 0, sizeof(*a));
	a->lfd = lfd;
	a->nlfd = nlfd;
	for (k = 0; k < ALPN_MAX_CONN; k++) {
		a->conn[k].fd = -1;
	}
	if (key_generate(&a->key) != 0 ||
	    getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		return -1;
	}
	br_hmac_drbg_init(&a->rng, &br_sha256_vtable, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	for (k = 0; k < ALPN_MAX_CONN; k++) {
		c = &a->conn[k];
		tls_server_profile(&c->sc);
		br_ssl_engine_set_buffers_bidi(&c->sc.eng, c->ibuf,
		    sizeof(c->ibuf), c->obuf, sizeof(c->obuf));
		c->policy.vtable = &policy_vtable;
		c->policy.a = a;
		c->policy.c = c;
		br_ssl_server_set_policy(&c->sc, &c->policy.vtable);
		/* BearSSL asks the system for entropy on an engine's first
		 * reset (it may open /dev/urandom): do it now, before the
		 * sandbox, with our own seed injected as well */
		br_hmac_drbg_generate(&a->rng, seed, sizeof(seed));
		br_ssl_engine_inject_entropy(&c->sc.eng, seed, sizeof(seed));
		br_ssl_server_reset(&c->sc);
	}
	memset(seed, 0, sizeof(seed));
	return 0;
}

/* see alpn.h */
void
alpn_reset(struct alpn_responder *a)
{
	a->n = 0;
}

/* RFC 8738 §6: an IP address is named by its reverse-DNS name; a DNS
 * name by itself (out gets ""). */
static int
reverse_name(const char *ident, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ip[16];
	size_t len, k, o = 0;
	int n;

	if (name_classify(ident, ip, &len) != NAME_IP) {
		out[0] = '\0';         /* a DNS name is its own SNI */
		return 0;
	}
	if (len == 4) {
		n = fmt_s(out, cap, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2],
		    ip[1], ip[0]);
		return n < 0 || (size_t)n >= cap ? -1 : 0;
	}
	if (cap < 16 * 4 + sizeof("ip6.arpa")) {
		return -1;
	}
	for (k = 16; k-- > 0;) {
		out[o++] = hex[ip[k] & 15];
		out[o++] = '.';
		out[o++] = hex[ip[k] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

/* see alpn.h */
int
alpn_add(struct alpn_responder *a, const char *ident,
    const unsigned char digest[32])
{
	struct alpn_entry *e;
	size_t len = strlen(ident);

	if (a->n == ACME_MAX_NAMES || len >= sizeof(e->ident)) {
		return -1;
	}
	e = &a->entry[a->n];
	if (reverse_name(ident, e->sni, sizeof(e->sni)) != 0) {
		return -1;
	}
	memcpy(e->ident, ident, len + 1);
	memcpy(e->digest, digest, sizeof(e->digest));
	a->n++;
	return 0;
}

static void
conn_end(struct alpn_conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
}

/*
 * Moves the handshake of c on as far as the socket allows, in at most
 * 32 passes (then the next poll round goes on). Each pass does one of:
 * send records, drop received application data, receive records; an
 * engine that wants none of these and is not closed is stuck (a
 * malformed ClientHello can do that) and ends the connection. Once the
 * handshake is done the validator has seen the certificate: we wait
 * for it to close (closing first could reset the connection before it
 * read our Finished).
 */
static void
conn_pump(struct alpn_responder *a, struct alpn_conn *c)
{
	br_ssl_engine_context *e = &c->sc.eng;
	unsigned char *buf;
	unsigned st, k;
	size_t len;
	ssize_t n;

	for (k = 0; k < 32; k++) {
		st = br_ssl_engine_current_state(e);
		if (st & BR_SSL_CLOSED) {
			break;
		}
		if (!c->done && (st & BR_SSL_SENDAPP) != 0) {
			c->done = true;
			a->served++;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(e, &len);
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(e, (size_t)n);
				continue;
			}
			c->want = POLLOUT;
		} else if (st & BR_SSL_RECVAPP) {
			(void)br_ssl_engine_recvapp_buf(e, &len);
			br_ssl_engine_recvapp_ack(e, len);
			continue;
		} else if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(e, &len);
			n = recv(c->fd, buf, len, 0);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(e, (size_t)n);
				continue;
			}
			c->want = POLLIN;
		} else {
			break;
		}
		if (n < 0 && (errno == EINTR || sockio_again(errno))) {
			return;
		}
		break;
	}
	if (k == 32) {
		c->want = POLLIN | POLLOUT;
		return;
	}
	conn_end(c);
}

/* see alpn.h */
void
alpn_take(struct alpn_responder *a, int fd)
{
	unsigned char seed[32];
	struct alpn_conn *c = &a->conn[0];
	size_t k;

	for (k = 0; k < ALPN_MAX_CONN; k++) {
		if (a->conn[k].fd < 0) {
			c = &a->conn[k];
			break;
		}
		if (a->conn[k].deadline_ms < c->deadline_ms) {
			c = &a->conn[k];
		}
	}
	conn_end(c);
	br_hmac_drbg_generate(&a->rng, seed, sizeof(seed));
	br_ssl_engine_inject_entropy(&c->sc.eng, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	if (br_ssl_server_reset(&c->sc) == 0) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->deadline_ms = sockio_now_ms() + ALPN_CONN_TIMEOUT_MS;
	c->done = false;
	/* TCP_DEFER_ACCEPT: the ClientHello usually came with it */
	conn_pump(a, c);
}

/* Accepts at most a connection table's worth, so a flood cannot keep
 * us here. */
static void
conn_accept(struct alpn_responder *a, int lfd)
{
	int fd, k;

	for (k = 0; k < ALPN_MAX_CONN && (fd = sockio_accept(lfd)) >= 0; k++) {
		alpn_take(a, fd);
	}
}

/* see alpn.h */
size_t
alpn_pollfds(struct alpn_responder *a, struct pollfd *pfd, int *timeout)
{
	struct alpn_conn *c;
	long long now = sockio_now_ms();
	size_t i, n = 0;

	for (i = 0; i < a->nlfd; i++) {
		sockio_pfd(pfd, &n, a->lfd[i], POLLIN);
	}
	for (i = 0; i < ALPN_MAX_CONN; i++) {
		c = &a->conn[i];
		a->slot[i] = c->fd >= 0;
		if (a->slot[i]) {
			sockio_until(timeout, c->deadline_ms, now);
			sockio_pfd(pfd, &n, c->fd, c->want);
		}
	}
	return n;
}

/* see alpn.h */
void
alpn_handle(struct alpn_responder *a, const struct pollfd *pfd)
{
	struct alpn_conn *c;
	size_t i, n = a->nlfd;
	long long now;

	for (i = 0; i < ALPN_MAX_CONN; i++) {
		c = &a->conn[i];
		if (!a->slot[i]) {
			continue;
		}
		a->slot[i] = false;
		if (pfd[n++].revents != 0 && c->fd >= 0) {
			conn_pump(a, c);
		}
	}
	for (i = 0; i < a->nlfd; i++) {
		if (pfd[i].revents & POLLIN) {
			conn_accept(a, a->lfd[i]);
		}
	}
	now = sockio_now_ms();
	for (i = 0; i < ALPN_MAX_CONN; i++) {
		if (a->conn[i].fd >= 0 && a->conn[i].deadline_ms <= now) {
			conn_end(&a->conn[i]);
		}
	}
}

/* see alpn.h */
void
alpn_wipe(struct alpn_responder *a)
{
	size_t k;

	if (a->lfd != NULL) {
		for (k = 0; k < ALPN_MAX_CONN; k++) {
			conn_end(&a->conn[k]);
		}
	}
	key_wipe(&a->key);
	memset(&a->rng, 0, sizeof(a->rng));
}
