/* SPDX-License-Identifier: MIT */
/*
 * alpn.c - the tls-alpn-01 responder. See alpn.h for why it is a module
 * of its own.
 */
#include "alpn.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include "fmt.h"
#include <string.h>
#include <time.h>
#include <unistd.h>

/* RFC 8737 §6.2: the ALPN protocol name of the challenge. */
static const char *alpn_names[] = { "acme-tls/1" };

/* Milliseconds of a monotonic clock. */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The connection being answered and its deadline. */
struct alpn_io {
	int fd;
	long long deadline;
};

/* Waits for fd to be ready for events before the deadline. */
static int
io_wait(const struct alpn_io *io, short events)
{
	struct pollfd p = { io->fd, events, 0 };
	long long left = io->deadline - mono_ms();

	if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
		return -1;
	}
	return 0;
}

static int
io_read(void *ctx, unsigned char *buf, size_t len)
{
	const struct alpn_io *io = ctx;
	ssize_t n;

	for (;;) {
		if (io_wait(io, POLLIN) != 0) {
			return -1;
		}
		n = recv(io->fd, buf, len, 0);
		if (n > 0) {
			return (int)n;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			return -1;
		}
	}
}

static int
io_write(void *ctx, const unsigned char *buf, size_t len)
{
	const struct alpn_io *io = ctx;
	ssize_t n;

	for (;;) {
		if (io_wait(io, POLLOUT) != 0) {
			return -1;
		}
		n = send(io->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			return (int)n;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			return -1;
		}
	}
}

/* The entry whose SNI is name (ASCII case-insensitive), or NULL. */
static const struct alpn_entry *
find_entry(const struct alpn_responder *a, const char *name)
{
	size_t k, i;

	for (k = 0; k < a->n; k++) {
		const char *s = a->entry[k].sni;

		for (i = 0; s[i] != '\0' && name[i] != '\0'; i++) {
			if ((s[i] | 0x20) != (name[i] | 0x20)) {
				break;
			}
		}
		if (s[i] == '\0' && name[i] == '\0') {
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
	struct alpn_responder *a = ((const struct alpn_policy *)
	    (const void *)pctx)->a;
	const br_suite_translated *st;
	const struct alpn_entry *e;
	const char *proto;
	size_t n, u;

	proto = br_ssl_engine_get_selected_protocol(
	    (br_ssl_engine_context *)&cc->eng);
	e = find_entry(a, br_ssl_engine_get_server_name(&cc->eng));
	if (proto == NULL || strcmp(proto, alpn_names[0]) != 0 || e == NULL ||
	    ((br_ssl_server_get_client_hashes(cc) >> 8) &
	    (1u << br_sha256_ID)) == 0) {
		return 0;
	}
	st = br_ssl_server_get_client_suites(cc, &n);
	for (u = 0; u < n && (st[u][1] >> 12) != BR_SSLKEYX_ECDHE_ECDSA; u++) {
	}
	if (u == n || cert_build_alpn(&a->key, e->ident, e->digest,
	    (int64_t)time(NULL), a->der, sizeof(a->der),
	    &a->chain.data_len) != 0) {
		return 0;
	}
	a->chain.data = a->der;
	choices->cipher_suite = st[u][0];
	choices->algo_id = 0xFF00 + br_sha256_ID;
	choices->chain = &a->chain;
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
	struct alpn_responder *a = ((const struct alpn_policy *)
	    (const void *)pctx)->a;
	unsigned char hv[32];

	if (algo_id != 0xFF00 + br_sha256_ID || hv_len != sizeof(hv) ||
	    len < 72) {
		return 0;
	}
	memcpy(hv, data, sizeof(hv));
	return br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, hv,
	    &a->key.sk, data);
}

static const br_ssl_server_policy_class policy_vtable = {
	sizeof(struct alpn_policy), policy_choose, policy_keyx, policy_sign
};

/* Sets up the server engine: TLS 1.2, ECDHE_ECDSA, P-256, SHA-256. */
static void
server_init(struct alpn_responder *a)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
	};
	br_ssl_engine_context *e = &a->sc.eng;

	br_ssl_server_zero(&a->sc);
	br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(e, suites, sizeof(suites) / sizeof(suites[0]));
	br_ssl_engine_set_ec(e, &br_ec_p256_m31);
	br_ssl_engine_set_hash(e, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_prf_sha256(e, &br_tls12_sha256_prf);
	http_tls_ciphers(e);
	br_ssl_engine_set_protocol_names(e, alpn_names, 1);
	br_ssl_engine_add_flags(e, BR_OPT_FAIL_ON_ALPN_MISMATCH);
	br_ssl_engine_set_buffer(e, a->iobuf, sizeof(a->iobuf), 0);
	a->policy.vtable = &policy_vtable;
	a->policy.a = a;
	br_ssl_server_set_policy(&a->sc, &a->policy.vtable);
}

/* see alpn.h */
void
alpn_reset(struct alpn_responder *a)
{
	a->n = 0;
	a->served = 0;
}

/* RFC 8738 §6: an IP address is named by its reverse-DNS name. */
static int
reverse_name(const char *ident, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ip[16];
	size_t len, k, o = 0;
	int n;

	if (name_classify(ident, ip, &len) != NAME_IP) {
		n = fmt_s(out, cap, "%s", ident);
		return n < 0 || (size_t)n >= cap ? -1 : 0;
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
alpn_add(struct alpn_responder *a, const char *ident, const char *keyauth)
{
	struct alpn_entry *e;
	br_sha256_context h;

	if (a->n == ACME_MAX_NAMES || strlen(ident) >= sizeof(e->ident)) {
		return -1;
	}
	if (!a->have_key) {
		if (key_generate(&a->key) != 0) {
			return -1;
		}
		a->have_key = true;
	}
	e = &a->entry[a->n];
	if (reverse_name(ident, e->sni, sizeof(e->sni)) != 0) {
		return -1;
	}
	memcpy(e->ident, ident, strlen(ident) + 1);
	/* RFC 8737 §3: the extension holds SHA-256(key authorization). */
	br_sha256_init(&h);
	br_sha256_update(&h, keyauth, strlen(keyauth));
	br_sha256_out(&h, e->digest);
	a->n++;
	return 0;
}

/* Answers one accepted connection, within ALPN_CONN_TIMEOUT_MS. */
static void
answer(struct alpn_responder *a, int fd)
{
	struct alpn_io io = { fd, mono_ms() + ALPN_CONN_TIMEOUT_MS };
	br_sslio_context ioc;
	unsigned char c;

	server_init(a);
	if (br_ssl_server_reset(&a->sc) == 0) {
		return;
	}
	br_sslio_init(&ioc, &a->sc.eng, io_read, &io, io_write, &io);
	/* flush returns once the handshake is done (or failed). */
	if (br_sslio_flush(&ioc) == 0) {
		a->served++;
		/* The validator closes after seeing the certificate. */
		br_sslio_read(&ioc, &c, 1);
		br_sslio_close(&ioc);
	}
}

/* see alpn.h */
int
alpn_serve(struct alpn_responder *a, const struct http_listener *l,
    int timeout_ms)
{
	struct pollfd p[2];
	long long end = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0), left;
	size_t k;
	int fd, r;

	for (;;) {
		left = end - mono_ms();
		for (k = 0; k < l->nlfd; k++) {
			p[k].fd = l->lfd[k];
			p[k].events = POLLIN;
			p[k].revents = 0;
		}
		r = poll(p, (nfds_t)l->nlfd, left > 0 ? (int)left : 0);
		if (r < 0 && errno != EINTR) {
			return -1;
		}
		for (k = 0; r > 0 && k < l->nlfd; k++) {
			if ((p[k].revents & POLLIN) == 0 ||
			    (fd = accept(l->lfd[k], NULL, NULL)) < 0) {
				continue;
			}
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			answer(a, fd);
			close(fd);
		}
		if (left <= 0) {
			return 0;
		}
	}
}

/* see alpn.h */
void
alpn_wipe(struct alpn_responder *a)
{
	key_wipe(&a->key);
	a->have_key = false;
}
