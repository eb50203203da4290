/* SPDX-License-Identifier: MIT */
/*
 * tlsip.c - the iPAddress check of a CA reached by IP address.
 * See tlsip.h for why this is a module of its own.
 */
#include "tlsip.h"

#include <string.h>

#include "x509.h"

/* The wrapper from the vtable pointer BearSSL hands back. */
static struct tlsip *
self(const br_x509_class **ctx)
{
	return (struct tlsip *)(void *)ctx;
}

static void
w_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tlsip *w = self(ctx);

	w->depth = 0;
	w->ee_len = 0;
	w->over = false;
	(*w->inner)->start_chain(w->inner, server_name);
}

static void
w_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tlsip *w = self(ctx);

	if (w->depth == 0 && length > sizeof(w->ee)) {
		w->over = true;
	}
	(*w->inner)->start_cert(w->inner, length);
}

/* The first certificate is the server's own (RFC 5246 §7.4.2). */
static void
w_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tlsip *w = self(ctx);

	if (w->depth == 0 && w->ip_len > 0 && !w->over) {
		if (len > sizeof(w->ee) - w->ee_len) {
			w->over = true;
		} else {
			memcpy(w->ee + w->ee_len, buf, len);
			w->ee_len += len;
		}
	}
	(*w->inner)->append(w->inner, buf, len);
}

static void
w_end_cert(const br_x509_class **ctx)
{
	struct tlsip *w = self(ctx);

	w->depth++;
	(*w->inner)->end_cert(w->inner);
}

/* The chain verified: for an IP host, the address must be named too. */
static unsigned
w_end_chain(const br_x509_class **ctx)
{
	struct tlsip *w = self(ctx);
	struct x509_cert x;
	unsigned err = (*w->inner)->end_chain(w->inner);

	if (err != 0 || w->ip_len == 0) {
		return err;
	}
	if (w->over || x509_parse(w->ee, w->ee_len, &x) != 0 ||
	    !x509_has_ip(&x, w->ip, w->ip_len)) {
		return TLSIP_ERR;
	}
	return 0;
}

static const br_x509_pkey *
w_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct tlsip *w = (const struct tlsip *)(const void *)ctx;

	return (*w->inner)->get_pkey(w->inner, usages);
}

static const br_x509_class tlsip_vtable = {
	sizeof(struct tlsip),
	w_start_chain,
	w_start_cert,
	w_append,
	w_end_cert,
	w_end_chain,
	w_get_pkey
};

/* see tlsip.h */
void
tlsip_init(struct tlsip *w, const br_x509_class **inner)
{
	memset(w, 0, sizeof(*w));
	w->vtable = &tlsip_vtable;
	w->inner = inner;
}

/* see tlsip.h */
bool
tlsip_set_host(struct tlsip *w, const char *host)
{
	size_t len = 0;

	w->ip_len = 0;
	if (name_classify(host, w->ip, &len) != NAME_IP) {
		return false;
	}
	w->ip_len = len;
	return true;
}
