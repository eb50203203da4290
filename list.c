/* SPDX-License-Identifier: MIT */
/*
 * list.c - the list command: every certificate of the state
 * directory, sorted, as aligned columns or as JSON (list --json) for
 * scripts and LuCI.
 */
#include "run.h"

/* What `list` says of one certificate. */
struct list_item {
	const char *name;
	const struct conf *conf;           /* its settings (names...) */
	char ca[256];                      /* the directory's host[:port] */
	const char *status;
	int64_t not_before, not_after, renew_after;
	bool readable;
};

/* When name renews, from what is stored (no request): the moment picked
 * in the CA's ARI window, else the lifetime rule. */
static int64_t
renew_after(struct run *r, const char *name, const struct list_item *it)
{
	struct ari_state a;
	long days = r->o->conf.days != CONF_UNSET ? r->o->conf.days :
	    r->cs->conf.days;

	if (days == CONF_UNSET && ari_load(r, name, &a) == 0 && a.at > 0) {
		return a.at;
	}
	return cert_due_at(it->not_before, it->not_after, days);
}

/* Fills it for certificate name: 0, or EXIT_LOCAL (out of memory). */
static int
list_item(struct run *r, const char *name, struct list_item *it)
{
	char port[6];
	int64_t now = (int64_t)time(NULL);
	const char *p;

	memset(it, 0, sizeof(*it));
	it->name = name;
	if (cert_begin(r) != 0) {
		return EXIT_LOCAL;
	}
	it->conf = &r->cs->conf;
	if (settings_load(r, name) == 0) {
		if (r->cs->conf.directory != NULL && http_url_parse(
		    r->cs->conf.directory, it->ca, sizeof(it->ca), port,
		    &p) == 0 && strcmp(port, "443") != 0) {
			fmt_s(it->ca + strlen(it->ca), sizeof(it->ca) -
			    strlen(it->ca), ":%s", port);
		}
	}
	it->readable = cert_dates(r, name, &it->not_before,
	    &it->not_after) == 0;
	if (!it->readable) {
		it->status = "unreadable";
		return 0;
	}
	it->renew_after = renew_after(r, name, it);
	if (cert_is_revoked(r, name)) {
		it->status = "revoked";
	} else if (it->not_after <= now) {
		it->status = "expired";
	} else if (it->renew_after <= now) {
		it->status = "due";
	} else {
		it->status = "ok";
	}
	return 0;
}

/* An RFC 3339 UTC date-time of t into out[24]. */
static void
rfc3339_text(int64_t t, char out[24])
{
	int64_t f[6];

	date_split(t > 0 ? t : 0, f);
	fmt_s(out, 24, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)f[0],
	    (int)f[1], (int)f[2], (int)f[3], (int)f[4], (int)f[5]);
}

/* One JSON string member "key":"value" (or null) into b. */
static void
json_member(struct sbuf *b, const char *key, const char *v, bool comma)
{
	sbuf_adds(b, comma ? ",\"" : "\"");
	sbuf_adds(b, key);
	sbuf_adds(b, "\":");
	if (v == NULL) {
		sbuf_adds(b, "null");
	} else {
		json_add_str(b, v, strlen(v));
	}
}

/* Writes b on stdout (unless it overflowed) and empties it. */
static void
flush(struct sbuf *b, char *buf, size_t cap)
{
	if (b->err == 0) {
		fmt_puts(1, b->p);
	}
	sbuf_init(b, buf, cap);
}

/* One object of `list --json` on stdout: each name written on its own,
 * so a hundred long names are all listed, none cut. */
static void
list_json(struct run *r, const struct list_item *it, bool first)
{
	char nb[24], na[24], ra[24], out[4096];
	const struct conf *c = it->conf;
	struct sbuf b;
	size_t k;

	rfc3339_text(it->not_before, nb);
	rfc3339_text(it->not_after, na);
	rfc3339_text(it->renew_after, ra);
	sbuf_init(&b, out, sizeof(out));
	sbuf_adds(&b, first ? "\n  {" : ",\n  {");
	json_member(&b, "name", it->name, false);
	sbuf_adds(&b, ",\"names\":[");
	for (k = 0; k < c->nnames; k++) {
		flush(&b, out, sizeof(out));
		sbuf_adds(&b, k > 0 ? "," : "");
		json_add_str(&b, c->names[k], strlen(c->names[k]));
		if (b.err != 0) {       /* not a name: a damaged file */
			sbuf_init(&b, out, sizeof(out));
			sbuf_adds(&b, k > 0 ? ",\"?\"" : "\"?\"");
		}
	}
	sbuf_adds(&b, "]");
	json_member(&b, "not_before", it->readable ? nb : NULL, true);
	json_member(&b, "not_after", it->readable ? na : NULL, true);
	json_member(&b, "renew_after", it->readable ? ra : NULL, true);
	json_member(&b, "status", it->status, true);
	json_member(&b, "directory", r->cs->conf.directory, true);
	json_member(&b, "profile", r->cs->conf.profile, true);
	json_member(&b, "method", r->cs->conf.dns_persist != NULL ?
	    "dns-persist" : r->cs->conf.hook != NULL ? "hook" :
	    r->cs->conf.webroot != NULL ? "webroot" : r->cs->conf.alpn != NULL ?
	    "tls-alpn" : r->cs->conf.csr_file != NULL ? "csr" : "standalone",
	    true);
	sbuf_adds(&b, "}");
	flush(&b, out, sizeof(out));
}

/* s padded with spaces to w columns (our printf has no "%-*s"). */
static const char *
pad(const char *s, int w, char out[300])
{
	size_t n = strlen(s);

	n = n < 299 ? n : 299;
	memcpy(out, s, n);
	while ((int)n < w && n < 299) {
		out[n++] = ' ';
	}
	out[n] = '\0';
	return out;
}

/* One line of `list`, the name column w wide; the names last, each
 * written on its own (a hundred long ones fit no buffer). */
static void
list_line(const struct list_item *it, int w)
{
	char when[32], name[300];
	int64_t now = (int64_t)time(NULL);
	size_t k;

	if (!it->readable) {
		fmt_fd(1, "%s %5s  %-16s  %-10s %-24s ", pad(it->name, w,
		    name), "-", "-", it->status, it->ca);
	} else {
		fmt_date(it->renew_after, when);
		fmt_fd(1, "%s %5lld  %-16s  %-10s %-24s ", pad(it->name, w,
		    name), (long long)((it->not_after - now) / 86400), when,
		    it->status, it->ca[0] != '\0' ? it->ca : "-");
	}
	for (k = 0; k < it->conf->nnames; k++) {
		fmt_puts(1, k > 0 ? "," : "");
		fmt_puts(1, it->conf->names[k]);
	}
	fmt_puts(1, "\n");
}

/* The certificate names in STATE, sorted, into names[] (held in
 * store[0..cap)). */
static size_t
list_names(DIR *d, const char **names, size_t max, char *store, size_t cap)
{
	struct dirent *e;
	size_t n = 0, used = 0, len, k;
	const char *t;

	while ((e = readdir(d)) != NULL && n < max) {
		len = strlen(e->d_name) + 1;
		if (e->d_name[0] == '.' || len > cap - used) {
			continue;
		}
		memcpy(store + used, e->d_name, len);
		names[n++] = store + used;
		used += len;
	}
	for (k = 1; k < n; k++) {       /* insertion sort: a few dozen */
		for (len = k; len > 0 && strcmp(names[len - 1],
		    names[len]) > 0; len--) {
			t = names[len];
			names[len] = names[len - 1];
			names[len - 1] = t;
		}
	}
	return n;
}

/* list [--json]: every certificate of STATE, sorted by name. */
int
cmd_list(struct run *r)
{
	static const char *names[512];
	static char store[16384];
	char head[300];
	struct list_item it;
	size_t n, k;
	int w = 4;
	DIR *d;

	if ((d = certs_open(r)) == NULL && (errno != ENOENT ||
	    access(r->o->state, F_OK) != 0)) {
		msg_err("%s: cannot list certificates: %s", r->o->state,
		    errno == ENOENT ? "no such state directory (-C)" :
		    fmt_strerror(errno));
		return EXIT_LOCAL;
	}
	n = 0;                  /* no certs/ yet: none issued */
	if (d != NULL) {
		n = list_names(d, names, sizeof(names) / sizeof(names[0]),
		    store, sizeof(store));
		closedir(d);
	}
	for (k = 0; k < n; k++) {
		w = (int)strlen(names[k]) > w ? (int)strlen(names[k]) : w;
	}
	if (r->o->json) {
		fmt_puts(1, "[");
	} else {
		fmt_fd(1, "%s %5s  %-16s  %-10s %-24s %s\n", pad("NAME", w,
		    head), "DAYS", "RENEWS (UTC)", "STATUS", "CA", "NAMES");
	}
	for (k = 0; k < n; k++) {
		if (list_item(r, names[k], &it) != 0) {
			return EXIT_LOCAL;
		}
		if (r->o->json) {
			list_json(r, &it, k == 0);
		} else {
			list_line(&it, w);
		}
	}
	if (r->o->json) {
		fmt_puts(1, n > 0 ? "\n]\n" : "]\n");
	}
	return 0;
}
