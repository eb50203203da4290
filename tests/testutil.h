/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers that more than one unit test (tests/t_*.c) or
 * fuzz target (fuzz/fuzz_*.c) needs, kept once here instead of copied: a
 * byte source over an array for the HTTP parser, loopback sockets,
 * settings compared field by field, and a certificate run through
 * BearSSL's X.509 engine. Everything is static inline, so a file that
 * includes this and uses only part of it neither warns nor links the
 * rest. Included after the module headers, before runner.h.
 */
#ifndef NANOACME_TESTUTIL_H
#define NANOACME_TESTUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "certs.h"
#include "pem.h"
#include "store.h"

/* ---- a byte source over an array (http_src_init()'s read function) ---- */

/* p[0..len) read from pos on, at most step bytes per read (0: as many
 * as asked), then end of stream, or -1 if fail is set. */
struct mem {
	const void *p;
	size_t len, pos, step;
	bool fail;
};

static inline int
mem_read(void *ctx, unsigned char *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n == 0) {
		return m->fail ? -1 : 0;
	}
	if (n > len) {
		n = len;
	}
	if (m->step != 0 && n > m->step) {
		n = m->step;
	}
	memcpy(buf, (const unsigned char *)m->p + m->pos, n);
	m->pos += n;
	return (int)n;
}

/* ---- loopback sockets --------------------------------------------------- */

/* 127.0.0.1:port in *sa. */
static inline void
loopback(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* A free TCP port on 127.0.0.1 (bind a probe to port 0 and ask), or -1. */
static inline int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port = -1;

	loopback(&sa, 0);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
		port = ntohs(sa.sin_port);
	}
	if (fd >= 0) {
		close(fd);
	}
	return port;
}

/* A TCP connection to 127.0.0.1:port, or -1. */
static inline int
dial(int port)
{
	struct sockaddr_in sa;
	int fd;

	loopback(&sa, port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* ---- settings (certs.h) ------------------------------------------------- */

/* True if the strings are both NULL or equal. */
static inline bool
str_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* True if a and b hold the same settings, reuse_key aside (the caller
 * compares it: exactly, or as "given as yes"). */
static inline bool
conf_same_but_reuse(const struct conf *a, const struct conf *b)
{
	size_t k;

	if (!str_same(a->directory, b->directory) ||
	    !str_same(a->ca_file, b->ca_file) ||
	    !str_same(a->listen, b->listen) ||
	    !str_same(a->email, b->email) ||
	    !str_same(a->deploy_hook, b->deploy_hook) ||
	    !str_same(a->webroot, b->webroot) ||
	    !str_same(a->hook, b->hook) || !str_same(a->alpn, b->alpn) ||
	    !str_same(a->user, b->user) ||
	    !str_same(a->profile, b->profile) ||
	    !str_same(a->preferred_chain, b->preferred_chain) ||
	    !str_same(a->csr_file, b->csr_file) ||
	    !str_same(a->dns_persist, b->dns_persist) ||
	    !str_same(a->dns_server, b->dns_server) || a->days != b->days ||
	    a->nnames != b->nnames) {
		return false;
	}
	for (k = 0; k < a->nnames; k++) {
		if (!str_same(a->names[k], b->names[k])) {
			return false;
		}
	}
	return true;
}

/* ---- certificates ----------------------------------------------------- */

/* Reads the first certificate of PEM file path into der[0..cap), its
 * length in *len; 0, or -1 if the file or its PEM is not readable. */
static inline int
read_der(const char *path, unsigned char *der, size_t cap, size_t *len)
{
	static char text[16384];
	char name[64];
	size_t n, pos = 0;

	return store_read(path, text, sizeof(text), &n) == 0 &&
	    pem_next(text, n, &pos, name, sizeof(name), der, cap, len) == 1 ?
	    0 : -1;
}

/* Runs the one-certificate chain der[0..len) through br_x509_minimal
 * with the nta anchors ta, at the current time; returns its error (0:
 * trusted). */
static inline int
x509_validate(const br_x509_trust_anchor *ta, size_t nta,
    const unsigned char *der, size_t len)
{
	br_x509_minimal_context xc;
	const br_x509_class **v = &xc.vtable;
	int64_t now = (int64_t)time(NULL);

	br_x509_minimal_init(&xc, &br_sha256_vtable, ta, nta);
	br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_rsa(&xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(&xc, &br_ec_prime_i31,
	    &br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_set_time(&xc, (uint32_t)(now / 86400 + 719528),
	    (uint32_t)(now % 86400));
	(*v)->start_chain(v, NULL);
	(*v)->start_cert(v, (uint32_t)len);
	(*v)->append(v, der, len);
	(*v)->end_cert(v);
	return (int)(*v)->end_chain(v);
}

#endif /* NANOACME_TESTUTIL_H */
