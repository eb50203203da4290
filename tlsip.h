/* SPDX-License-Identifier: MIT */
/*
 * tlsip.h - checking a CA reached by IP address (https://192.0.2.10/,
 * https://[2001:db8::10]/): its TLS certificate must name that address
 * in an iPAddress subjectAltName (RFC 5280 §4.2.1.6, RFC 6125).
 *
 * Why separate: BearSSL's minimal X.509 engine matches DNS names only,
 * and an IP literal may not be sent as SNI (RFC 6066 §3). So for an IP
 * host the client resets the engine with no server name (the engine
 * then checks the chain and dates but no name) and this wrapper, placed
 * between the SSL engine and the X.509 engine, keeps the end-entity
 * certificate as it streams by and refuses the chain unless the address
 * is among its iPAddress names. For a DNS host it only passes calls
 * through. It never prints and allocates nothing.
 */
#ifndef NANOACME_TLSIP_H
#define NANOACME_TLSIP_H

#include <stdbool.h>
#include <stddef.h>

#include <bearssl.h>

/* The largest end-entity certificate an IP-addressed CA may send. */
#ifndef TLSIP_MAX_EE
#define TLSIP_MAX_EE 4096
#endif

/*
 * The error end_chain() reports when the end-entity certificate does not
 * name the address (or is larger than TLSIP_MAX_EE): BearSSL's own code
 * for a name mismatch, so callers' messages keep working.
 */
#define TLSIP_ERR BR_ERR_X509_BAD_SERVER_NAME

/* The wrapper; its first field is the vtable, as BearSSL requires. */
struct tlsip {
	const br_x509_class *vtable;
	const br_x509_class **inner;       /* the real X.509 engine */
	unsigned char ip[16];              /* the address; ip_len 0: none */
	size_t ip_len;
	unsigned char ee[TLSIP_MAX_EE];    /* the end-entity certificate */
	size_t ee_len;
	unsigned depth;                    /* certificates seen */
	bool over;                         /* ee did not fit */
};

/* Wraps inner; hand &w->vtable to br_ssl_engine_set_x509(). */
void tlsip_init(struct tlsip *w, const br_x509_class **inner);

/*
 * Sets the host of the next handshake. Returns true if host is an IPv4
 * or IPv6 literal (then reset the client with a NULL server name), false
 * for a DNS name (then pass it as server name, as usual).
 */
bool tlsip_set_host(struct tlsip *w, const char *host);

#endif /* NANOACME_TLSIP_H */
