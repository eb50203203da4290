/* SPDX-License-Identifier: MIT */
/*
 * certs.c - per-certificate settings and the due rule.
 * See certs.h for why this is a module of its own.
 */
#include "certs.h"

#include <string.h>

#include "fmt.h"
#include "pem.h"

/* Keys of the settings file, in the order they are written. */
enum conf_key {
	KEY_NAME, KEY_DIRECTORY, KEY_CA_FILE, KEY_LISTEN, KEY_EMAIL,
	KEY_DEPLOY_HOOK, KEY_WEBROOT, KEY_HOOK, KEY_ALPN, KEY_PROFILE,
	KEY_PREFERRED_CHAIN, KEY_CSR, KEY_DNS_PERSIST, KEY_DNS_SERVER,
	KEY_USER, KEY_DAYS, KEY_REUSE_KEY, KEY_COUNT
};

/* The last of the string settings (KEY_DIRECTORY .. KEY_LAST_STR). */
#define KEY_LAST_STR KEY_USER

static const char *const conf_keys[KEY_COUNT] = {
	"name", "directory", "ca-file", "listen", "email", "deploy-hook",
	"webroot", "hook", "alpn", "profile", "preferred-chain", "csr",
	"dns-persist", "dns-server", "user", "days", "reuse-key"
};

/* The string settings, in enum order from KEY_DIRECTORY. */
static const char **
conf_str(struct conf *c, enum conf_key k)
{
	switch (k) {
	case KEY_DIRECTORY: return &c->directory;
	case KEY_CA_FILE: return &c->ca_file;
	case KEY_LISTEN: return &c->listen;
	case KEY_EMAIL: return &c->email;
	case KEY_DEPLOY_HOOK: return &c->deploy_hook;
	case KEY_WEBROOT: return &c->webroot;
	case KEY_HOOK: return &c->hook;
	case KEY_ALPN: return &c->alpn;
	case KEY_PROFILE: return &c->profile;
	case KEY_PREFERRED_CHAIN: return &c->preferred_chain;
	case KEY_CSR: return &c->csr_file;
	case KEY_DNS_PERSIST: return &c->dns_persist;
	case KEY_DNS_SERVER: return &c->dns_server;
	case KEY_USER: return &c->user;
	default: return NULL;
	}
}

/* True if s has a byte that would break a line-based file. */
static bool
has_ctl(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7F) {
			return true;
		}
	}
	return false;
}

/* Appends "key value\n" when value is set. */
static void
add_line(struct sbuf *b, enum conf_key k, const char *value, int *bad)
{
	if (value == NULL) {
		return;
	}
	if (has_ctl(value)) {
		*bad = 1;
	}
	sbuf_adds(b, conf_keys[k]);
	sbuf_add(b, " ", 1);
	sbuf_adds(b, value);
	sbuf_add(b, "\n", 1);
}

/* Decimal text of a non-negative v into buf[24]. */
static const char *
num_text(int64_t v, char buf[24])
{
	buf[fmt_u64(buf, v > 0 ? (unsigned long long)v : 0)] = '\0';
	return buf;
}

/* see certs.h */
int
conf_format(const struct conf *c, struct sbuf *b)
{
	char num[24];
	size_t k;
	int bad = 0;

	sbuf_adds(b, "# nanoacme: settings of this certificate, for renew\n");
	for (k = 0; k < c->nnames; k++) {
		add_line(b, KEY_NAME, c->names[k], &bad);
	}
	for (k = KEY_DIRECTORY; k <= KEY_LAST_STR; k++) {
		add_line(b, k, *conf_str((struct conf *)c, k), &bad);
	}
	if (c->days != CONF_UNSET) {
		add_line(b, KEY_DAYS, num_text(c->days, num), &bad);
	}
	if (c->reuse_key == 1) {
		add_line(b, KEY_REUSE_KEY, "yes", &bad);
	}
	return bad || b->err ? -1 : 0;
}

/* Decimal digits only, at most 18, at s. Returns 0 or -1. */
static int
parse_i64(const char *s, int64_t *v)
{
	int n = 0;

	*v = 0;
	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || ++n > 18) {
			return -1;
		}
		*v = *v * 10 + (*s - '0');
	}
	return 0;
}

/* Parses decimal digits into *out (at most 3650). */
static int
conf_num(const char *s, long *out)
{
	int64_t v;

	if (parse_i64(s, &v) != 0 || v > 3650) {
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* Applies one "key value" line to c. Returns 0 or -1. */
static int
conf_line(char *line, struct conf *c)
{
	char *value = strchr(line, ' ');
	size_t k;

	if (value == NULL || has_ctl(line)) {
		return -1;
	}
	*value++ = '\0';
	for (k = 0; k < KEY_COUNT && strcmp(line, conf_keys[k]) != 0; k++) {
	}
	switch (k) {
	case KEY_NAME:
		if (c->nnames == ACME_MAX_NAMES) {
			return -1;
		}
		c->names[c->nnames++] = value;
		return 0;
	case KEY_DAYS: return conf_num(value, &c->days);
	case KEY_REUSE_KEY:
		/* conf_format() writes only "yes"; anything but yes/no is
		 * a damaged file, refused like an unknown key */
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			return -1;
		}
		c->reuse_key = value[0] == 'y';
		return 0;
	case KEY_COUNT:
		return -1;
	default:
		*conf_str(c, k) = value;
		return 0;
	}
}

/* see certs.h */
int
conf_parse(char *text, size_t len, struct conf *c, int *bad_line)
{
	char *line = text, *end = text + len, *nl;
	int n = 0;

	memset(c, 0, sizeof(*c));
	c->days = CONF_UNSET;
	c->reuse_key = CONF_UNSET;
	*bad_line = 0;
	/* The last line ends at text[len], which must be the terminator. */
	if (text[len] != '\0') {
		return -1;
	}
	while (line < end) {
		n++;
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL) {
			nl = end;     /* the last line may lack its newline */
		}
		*nl = '\0';
		if (line[0] != '\0' && line[0] != '#' &&
		    (strlen(line) != (size_t)(nl - line) ||
		    conf_line(line, c) != 0)) {
			*bad_line = n;
			return -1;
		}
		line = nl + 1;
	}
	if (c->nnames == 0) {
		*bad_line = 0;
		return -1;
	}
	return 0;
}

/* see certs.h */
void
conf_merge(struct conf *dst, const struct conf *over)
{
	size_t k;

	for (k = KEY_DIRECTORY; k <= KEY_LAST_STR; k++) {
		if (*conf_str((struct conf *)over, k) != NULL) {
			*conf_str(dst, k) = *conf_str((struct conf *)over, k);
		}
	}
	dst->days = over->days != CONF_UNSET ? over->days : dst->days;
	dst->reuse_key = over->reuse_key != CONF_UNSET ? over->reuse_key :
	    dst->reuse_key;
	if (over->nnames > 0) {
		for (k = 0; k < over->nnames; k++) {
			dst->names[k] = over->names[k];
		}
		dst->nnames = over->nnames;
	}
}

/* see certs.h */
int64_t
cert_due_at(int64_t not_before, int64_t not_after, long days)
{
	int64_t life = not_after - not_before;

	if (days != CONF_UNSET) {
		return not_after - (int64_t)days * 86400;
	}
	if (life <= 0) {
		return not_before;
	}
	/* Let's Encrypt's advice as lifetimes shrink to 45 and 6 days. */
	return not_after - (life <= 10 * 86400 ? life / 2 : life / 3);
}

/* n decimal digits at s into *v. Returns 0 or -1. */
static int
digits_at(const char *s, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*s < '0' || *s > '9') {
			return -1;
		}
		*v = *v * 10 + (*s++ - '0');
	}
	return 0;
}

/* see certs.h */
int
rfc3339_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;

	if (strlen(s) < 20 || digits_at(s, 4, &y) || s[4] != '-' ||
	    digits_at(s + 5, 2, &mo) || s[7] != '-' ||
	    digits_at(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits_at(s + 11, 2, &h) || s[13] != ':' ||
	    digits_at(s + 14, 2, &mi) || s[16] != ':' ||
	    digits_at(s + 17, 2, &se)) {
		return -1;
	}
	s += 19;
	if (*s == '.') {
		/* RFC 3339 §5.6: time-secfrac = "." 1*DIGIT */
		if (s[1] < '0' || s[1] > '9') {
			return -1;
		}
		for (s++; *s >= '0' && *s <= '9'; s++) {
		}
	}
	if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (digits_at(s + 1, 2, &oh) || s[3] != ':' ||
		    digits_at(s + 4, 2, &om) || s[6] != '\0') {
			return -1;
		}
	} else if ((*s != 'Z' && *s != 'z') || s[1] != '\0') {
		return -1;
	}
	/* A leap second (:60) is read as the next second, as POSIX time
	 * has none; a day the month lacks (02-30) is refused. */
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
	    mi > 59 || se > 60 || oh > 23 || om > 59) {
		return -1;
	}
	*t = date_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	    sign * (oh * 3600 + om * 60);
	return 0;
}


/* see certs.h */
int
ari_parse(const char *text, size_t len, struct ari_state *a)
{
	char line[64];
	size_t pos = 0, n;
	int got = 0;

	a->next = a->at = 0;
	if (text[len] != '\0') {
		return -1;
	}
	while (pos < len) {
		n = strcspn(text + pos, "\n");
		/* strcspn() stops at a NUL too: one inside the text is
		 * damage, not a line end */
		if (n >= sizeof(line) || (pos + n < len &&
		    text[pos + n] != '\n')) {
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (strncmp(line, "next ", 5) == 0 &&
		    parse_i64(line + 5, &a->next) == 0) {
			got |= 1;
		} else if (strncmp(line, "at ", 3) == 0 &&
		    parse_i64(line + 3, &a->at) == 0) {
			got |= 2;
		} else if (line[0] != '\0' && line[0] != '#') {
			return -1;
		}
	}
	return got == 3 ? 0 : -1;
}

/* see certs.h */
int
ari_format(const struct ari_state *a, struct sbuf *b)
{
	char num[24];

	sbuf_adds(b, "# nanoacme: renewal information (RFC 9773)\nnext ");
	sbuf_adds(b, num_text(a->next > 0 ? a->next : 0, num));
	sbuf_adds(b, "\nat ");
	sbuf_adds(b, num_text(a->at > 0 ? a->at : 0, num));
	sbuf_adds(b, "\n");
	return b->err ? -1 : 0;
}

/* see certs.h */
int64_t
ari_pick(int64_t start, int64_t end, unsigned long (*rnd)(unsigned long))
{
	/* renew runs once a day, after its jitter: a moment in the
	 * window's last day would be seen only by the next run, after the
	 * window; so pick before end - 25 h (or in the first half of a
	 * window under 26 h) */
	int64_t margin = end - start > 93600 ? 90000 : (end - start) / 2;

	end -= margin;
	return start + (int64_t)rnd((unsigned long)(end - start >
	    0x7FFFFFFF ? 0x7FFFFFFF : end - start));
}

/* see certs.h */
int64_t
ari_next(int64_t now, long retry_after)
{
	long ra = retry_after;

	return now + (ra < 0 ? 6 * 3600 : ra < 60 ? 60 : ra > 86400 ?
	    86400 : ra);
}

/* see certs.h */
long
renew_jitter_max(long jitter, bool tty)
{
	if (jitter == CONF_UNSET) {
		return tty ? 0 : RENEW_JITTER_S;
	}
	return jitter;
}
