/* SPDX-License-Identifier: MIT */
/*
 * t_certs.c - unit tests of certs.c: the settings file (conf_format,
 * conf_parse, conf_merge), the due rule (cert_due_at), RFC 3339 times
 * (rfc3339_parse) and the ARI memory (ari_parse, ari_format).
 */
#include <string.h>

#include "certs.h"
#include "fmt.h"

#include "testutil.h"
#include "runner.h"

static char text[64 * 1024];
static char out[64 * 1024];

/* Copies s into text and parses it with conf_parse(). */
static int
parse_s(const char *s, struct conf *c, int *bad)
{
	size_t n = strlen(s);

	memcpy(text, s, n + 1);
	return conf_parse(text, n, c, bad);
}

/* Formats c into out; returns conf_format()'s result, *len the length. */
static int
format_c(const struct conf *c, size_t cap, size_t *len)
{
	struct sbuf b;
	int rc;

	sbuf_init(&b, out, cap);
	rc = conf_format(c, &b);
	*len = b.len;
	return rc;
}

/* A conf with every setting given. */
static void
full_conf(struct conf *c)
{
	static const struct conf full = {
		.directory = "https://ca.test/dir",
		.ca_file = "/etc/ssl/ca bundle.pem", .listen = "[::1]:80",
		.email = "a@b.test",
		.deploy_hook = "/etc/init.d/uhttpd reload; echo 'ok'",
		.webroot = "/www", .hook = "/usr/lib/acme/hook.sh",
		.alpn = "127.0.0.1:443", .profile = "shortlived",
		.preferred_chain = "ISRG Root X1",
		.csr_file = "/etc/r\xc3\xa9.csr", .dns_persist = "yes",
		.dns_server = "[::1]:53", .days = 30, .reuse_key = 1,
		.names = { "router.example.com", "*.example.com", "192.0.2.1" },
		.nnames = 3
	};

	*c = full;
}

/* True if a and b hold the same settings. */
static bool
conf_eq(const struct conf *a, const struct conf *b)
{
	return conf_same_but_reuse(a, b) && a->reuse_key == b->reuse_key;
}

static int
test_conf_round_trip(void)
{
	struct conf c, back;
	size_t len;
	int bad;

	full_conf(&c);
	CHECK(format_c(&c, sizeof(out), &len) == 0);
	CHECK(len == strlen(out));
	memcpy(text, out, len + 1);
	CHECK(conf_parse(text, len, &back, &bad) == 0);
	CHECK(conf_eq(&c, &back));
	/* Unset settings stay unset. */
	memset(&c, 0, sizeof(c));
	c.days = CONF_UNSET;
	c.reuse_key = CONF_UNSET;
	c.names[0] = "a.test";
	c.nnames = 1;
	CHECK(format_c(&c, sizeof(out), &len) == 0);
	memcpy(text, out, len + 1);
	CHECK(conf_parse(text, len, &back, &bad) == 0);
	CHECK(conf_eq(&c, &back));
	CHECK(back.directory == NULL && back.days == CONF_UNSET &&
	    back.reuse_key == CONF_UNSET);
	return 0;
}

static int
test_conf_every_key(void)
{
	struct conf c;
	int bad;

	CHECK(parse_s("# comment\n\nname a.test\nname b.test\n"
	    "directory https://d\nca-file /ca\nlisten :80\nemail e@x\n"
	    "deploy-hook echo a b\nwebroot /www\nhook /h\nalpn :443\n"
	    "profile tlsserver\npreferred-chain X Y\ncsr /c\ndays 7\n"
	    "reuse-key yes", &c, &bad) == 0);
	CHECK(c.nnames == 2 && strcmp(c.names[0], "a.test") == 0 &&
	    strcmp(c.names[1], "b.test") == 0);
	CHECK(strcmp(c.directory, "https://d") == 0);
	CHECK(strcmp(c.ca_file, "/ca") == 0);
	CHECK(strcmp(c.listen, ":80") == 0);
	CHECK(strcmp(c.email, "e@x") == 0);
	CHECK(strcmp(c.deploy_hook, "echo a b") == 0);
	CHECK(strcmp(c.webroot, "/www") == 0);
	CHECK(strcmp(c.hook, "/h") == 0);
	CHECK(strcmp(c.alpn, ":443") == 0);
	CHECK(strcmp(c.profile, "tlsserver") == 0);
	CHECK(strcmp(c.preferred_chain, "X Y") == 0);
	CHECK(strcmp(c.csr_file, "/c") == 0);
	CHECK(c.days == 7 && c.reuse_key == 1);
	CHECK(parse_s("name a\nreuse-key no\n", &c, &bad) == 0);
	CHECK(c.reuse_key == 0);
	/* A later line of a key wins. */
	CHECK(parse_s("name a\nwebroot /x\nwebroot /y\n", &c, &bad) == 0);
	CHECK(strcmp(c.webroot, "/y") == 0);
	/* An empty value is a value. */
	CHECK(parse_s("name a\nemail \n", &c, &bad) == 0);
	CHECK(c.email != NULL && c.email[0] == '\0');
	return 0;
}

static int
test_conf_refused(void)
{
	struct conf c;
	int bad;

	CHECK(parse_s("name a\nfrobnicate yes\n", &c, &bad) == -1);
	CHECK(bad == 2);
	/* Keys are whole and case-sensitive. */
	CHECK(parse_s("Name a\n", &c, &bad) == -1 && bad == 1);
	CHECK(parse_s("name a\nnam b\n", &c, &bad) == -1 && bad == 2);
	CHECK(parse_s("name a\nnamex b\n", &c, &bad) == -1 && bad == 2);
	/* A key without a value (no space). */
	CHECK(parse_s("name a\nwebroot\n", &c, &bad) == -1 && bad == 2);
	CHECK(parse_s("name\n", &c, &bad) == -1 && bad == 1);
	/* A line starting with a space names the empty key. */
	CHECK(parse_s(" name a\n", &c, &bad) == -1 && bad == 1);
	CHECK(parse_s("name a\nreuse-key maybe\n", &c, &bad) == -1);
	CHECK(parse_s("name a\nreuse-key yes \n", &c, &bad) == -1);
	/* No name at all. */
	CHECK(parse_s("# only a comment\n", &c, &bad) == -1 && bad == 0);
	CHECK(parse_s("webroot /www\n", &c, &bad) == -1 && bad == 0);
	return 0;
}

static int
test_conf_control_chars(void)
{
	static const char ctl[] = { 0x01, '\t', '\r', 0x1b, 0x1f, 0x7f };
	struct conf c;
	size_t k, len;
	char s[64];
	int bad;

	for (k = 0; k < sizeof(ctl); k++) {
		fmt_s(s, sizeof(s), "name a\ndeploy-hook x%cy\n", ctl[k]);
		CHECK(parse_s(s, &c, &bad) == -1 && bad == 2);
		fmt_s(s, sizeof(s), "na%cme a\n", ctl[k]);
		CHECK(parse_s(s, &c, &bad) == -1 && bad == 1);
		/* and conf_format() refuses to write what it cannot read */
		memset(&c, 0, sizeof(c));
		c.days = c.reuse_key = CONF_UNSET;
		c.names[0] = "a";
		c.nnames = 1;
		fmt_s(s, sizeof(s), "x%cy", ctl[k]);
		c.deploy_hook = s;
		CHECK(format_c(&c, sizeof(out), &len) == -1);
		c.deploy_hook = NULL;
		c.names[0] = s;
		CHECK(format_c(&c, sizeof(out), &len) == -1);
	}
	/* A NUL inside the text ends nothing: the line is refused. */
	memcpy(text, "name a\nname b\0c\n", 17);
	CHECK(conf_parse(text, 16, &c, &bad) == -1 && bad == 2);
	/* CRLF line ends: '\r' is a control character. */
	CHECK(parse_s("name a\r\n", &c, &bad) == -1 && bad == 1);
	/* UTF-8 is text. */
	CHECK(parse_s("name a\nwebroot /w\xc3\xa9\n", &c, &bad) == 0);
	return 0;
}

static int
test_conf_lengths(void)
{
	struct conf c;
	int bad;

	/* 0 and 1 bytes */
	text[0] = '\0';
	CHECK(conf_parse(text, 0, &c, &bad) == -1 && bad == 0);
	CHECK(parse_s("\n", &c, &bad) == -1 && bad == 0);
	CHECK(parse_s("#", &c, &bad) == -1);
	/* the shortest valid file, with and without its newline */
	CHECK(parse_s("name \n", &c, &bad) == 0 && c.nnames == 1);
	CHECK(parse_s("name a", &c, &bad) == 0 && c.nnames == 1 &&
	    strcmp(c.names[0], "a") == 0);
	/* text[len] must be the terminator */
	memcpy(text, "name a\nXX", 10);
	CHECK(conf_parse(text, 7, &c, &bad) == -1);
	text[7] = '\0';
	CHECK(conf_parse(text, 7, &c, &bad) == 0);
	return 0;
}

/* "name nK\n" lines for k = 0..n-1 into text; returns the length. */
static size_t
names_text(size_t n)
{
	struct sbuf b;
	size_t k;

	sbuf_init(&b, text, sizeof(text));
	for (k = 0; k < n; k++) {
		sbuf_adds(&b, "name n");
		sbuf_addu(&b, k);
		sbuf_adds(&b, "\n");
	}
	return b.err ? 0 : b.len;
}

static int
test_conf_names_cap(void)
{
	struct conf c;
	size_t len;
	int bad;

	len = names_text(ACME_MAX_NAMES - 1);
	CHECK(conf_parse(text, len, &c, &bad) == 0);
	CHECK(c.nnames == ACME_MAX_NAMES - 1);
	len = names_text(ACME_MAX_NAMES);
	CHECK(conf_parse(text, len, &c, &bad) == 0);
	CHECK(c.nnames == ACME_MAX_NAMES);
	CHECK(strcmp(c.names[ACME_MAX_NAMES - 1], "n99") == 0 ||
	    ACME_MAX_NAMES != 100);
	len = names_text(ACME_MAX_NAMES + 1);
	CHECK(conf_parse(text, len, &c, &bad) == -1);
	CHECK(bad == ACME_MAX_NAMES + 1);
	return 0;
}

static int
test_conf_days(void)
{
	struct conf c;
	int bad;

	CHECK(parse_s("name a\ndays 0\n", &c, &bad) == 0 && c.days == 0);
	CHECK(parse_s("name a\ndays 1\n", &c, &bad) == 0 && c.days == 1);
	CHECK(parse_s("name a\ndays 3649\n", &c, &bad) == 0 &&
	    c.days == 3649);
	CHECK(parse_s("name a\ndays 3650\n", &c, &bad) == 0 &&
	    c.days == 3650);
	CHECK(parse_s("name a\ndays 003650\n", &c, &bad) == 0 &&
	    c.days == 3650);
	CHECK(parse_s("name a\ndays 3651\n", &c, &bad) == -1 && bad == 2);
	CHECK(parse_s("name a\ndays \n", &c, &bad) == -1);
	CHECK(parse_s("name a\ndays -1\n", &c, &bad) == -1);
	CHECK(parse_s("name a\ndays +1\n", &c, &bad) == -1);
	CHECK(parse_s("name a\ndays 1x\n", &c, &bad) == -1);
	CHECK(parse_s("name a\ndays 1 \n", &c, &bad) == -1);
	CHECK(parse_s("name a\ndays 9999999999999999999\n", &c, &bad) == -1);
	return 0;
}

static int
test_conf_format_cap(void)
{
	struct conf c;
	size_t len, full;

	full_conf(&c);
	CHECK(format_c(&c, sizeof(out), &full) == 0);
	/* cap - 1 bytes used: fits; one byte less: refused */
	CHECK(format_c(&c, full + 2, &len) == 0 && len == full);
	CHECK(format_c(&c, full + 1, &len) == 0 && len == full);
	CHECK(format_c(&c, full, &len) == -1);
	CHECK(format_c(&c, 1, &len) == -1);
	CHECK(format_c(&c, 0, &len) == -1);
	return 0;
}

static int
test_conf_merge(void)
{
	struct conf dst, over;

	full_conf(&dst);
	memset(&over, 0, sizeof(over));
	over.days = CONF_UNSET;
	over.reuse_key = CONF_UNSET;
	/* nothing given: nothing changes */
	conf_merge(&dst, &over);
	CHECK(strcmp(dst.directory, "https://ca.test/dir") == 0);
	CHECK(dst.days == 30 && dst.reuse_key == 1 && dst.nnames == 3);
	over.webroot = "/other";
	over.days = 0;
	over.reuse_key = 0;
	over.names[0] = "x.test";
	over.nnames = 1;
	conf_merge(&dst, &over);
	CHECK(strcmp(dst.webroot, "/other") == 0);
	CHECK(strcmp(dst.hook, "/usr/lib/acme/hook.sh") == 0);
	CHECK(dst.days == 0 && dst.reuse_key == 0);
	CHECK(dst.nnames == 1 && strcmp(dst.names[0], "x.test") == 0);
	return 0;
}

#define DAY 86400
#define T0 1735790400LL    /* 2025-01-02T04:00:00Z */

static int
test_due(void)
{
	/* 90 days: due with 30 left */
	CHECK(cert_due_at(T0, T0 + 90 * DAY, CONF_UNSET) == T0 + 60 * DAY);
	/* 45 days: 15 left */
	CHECK(cert_due_at(T0, T0 + 45 * DAY, CONF_UNSET) == T0 + 30 * DAY);
	/* 6 days (shortlived): half, 3 left */
	CHECK(cert_due_at(T0, T0 + 6 * DAY, CONF_UNSET) == T0 + 3 * DAY);
	/* the boundary: 10 days is half, one second more a third */
	CHECK(cert_due_at(T0, T0 + 10 * DAY, CONF_UNSET) == T0 + 5 * DAY);
	CHECK(cert_due_at(T0, T0 + 10 * DAY + 1, CONF_UNSET) ==
	    T0 + 10 * DAY + 1 - (10 * DAY + 1) / 3);
	/* 1 second, 0 and negative lifetimes */
	CHECK(cert_due_at(T0, T0 + 1, CONF_UNSET) == T0 + 1);
	CHECK(cert_due_at(T0, T0, CONF_UNSET) == T0);
	CHECK(cert_due_at(T0, T0 - DAY, CONF_UNSET) == T0);
	/* --days N: N days before notAfter, whatever the lifetime */
	CHECK(cert_due_at(T0, T0 + 90 * DAY, 10) == T0 + 80 * DAY);
	CHECK(cert_due_at(T0, T0 + 6 * DAY, 1) == T0 + 5 * DAY);
	CHECK(cert_due_at(T0, T0 + 6 * DAY, 0) == T0 + 6 * DAY);
	CHECK(cert_due_at(T0, T0 + 90 * DAY, 3650) == T0 + 90 * DAY -
	    3650LL * DAY);
	return 0;
}

/* rfc3339_parse(s) == 0 and the time is want. */
static bool
t_is(const char *s, int64_t want)
{
	int64_t t = -12345;

	return rfc3339_parse(s, &t) == 0 && t == want;
}

/* rfc3339_parse(s) fails. */
static bool
t_bad(const char *s)
{
	int64_t t;

	return rfc3339_parse(s, &t) == -1;
}

static int
test_rfc3339_valid(void)
{
	CHECK(t_is("2025-01-02T04:00:00Z", T0));
	CHECK(t_is("1970-01-01T00:00:00Z", 0));
	CHECK(t_is("2025-01-02t04:00:00z", T0));
	/* fractions are dropped */
	CHECK(t_is("2025-01-02T04:00:00.5Z", T0));
	CHECK(t_is("2025-01-02T04:00:00.999999999999Z", T0));
	CHECK(t_is("2025-01-02T04:00:00.0+00:00", T0));
	/* offsets */
	CHECK(t_is("2025-01-02T06:00:00+02:00", T0));
	CHECK(t_is("2025-01-01T22:30:00-05:30", T0));
	CHECK(t_is("2025-01-02T04:00:00-00:00", T0));
	CHECK(t_is("2025-01-03T03:59:00+23:59", T0));
	/* leap days and the leap second (read as the next second) */
	CHECK(t_is("2024-02-29T00:00:00Z", 1709164800));
	CHECK(t_is("2000-02-29T12:00:00Z", 951825600));
	CHECK(t_is("2016-12-31T23:59:59Z", 1483228799));
	CHECK(t_is("2016-12-31T23:59:60Z", 1483228800));
	CHECK(t_is("9999-12-31T23:59:59Z", 253402300799LL));
	return 0;
}

static int
test_rfc3339_invalid(void)
{
	/* lengths 0, 1, 19 (one short), and cut at each part */
	CHECK(t_bad(""));
	CHECK(t_bad("2"));
	CHECK(t_bad("2025-01-02T04:00:00"));
	CHECK(t_bad("2025-01-02T04:00Z"));
	CHECK(t_bad("2025-01-02"));
	/* fields */
	CHECK(t_bad("2025-00-02T04:00:00Z"));
	CHECK(t_bad("2025-13-02T04:00:00Z"));
	CHECK(t_bad("2025-01-00T04:00:00Z"));
	CHECK(t_bad("2025-01-32T04:00:00Z"));
	CHECK(t_bad("2025-04-31T04:00:00Z"));
	CHECK(t_bad("2025-02-29T04:00:00Z"));
	CHECK(t_bad("1900-02-29T04:00:00Z"));
	CHECK(t_bad("2024-02-30T04:00:00Z"));
	CHECK(t_bad("2025-01-02T24:00:00Z"));
	CHECK(t_bad("2025-01-02T04:60:00Z"));
	CHECK(t_bad("2025-01-02T04:00:61Z"));
	/* separators, signs, digits */
	CHECK(t_bad("2025-01-02 04:00:00Z"));
	CHECK(t_bad("2025/01/02T04:00:00Z"));
	CHECK(t_bad("2025-1-02T04:00:00Z"));
	CHECK(t_bad("+025-01-02T04:00:00Z"));
	CHECK(t_bad("2025-01-02T04:00:0xZ"));
	CHECK(t_bad("2025-01-02T04:00:00.Z"));
	CHECK(t_bad("2025-01-02T04:00:00.+01:00"));
	CHECK(t_bad("2025-01-02T04:00:00,5Z"));
	/* zone */
	CHECK(t_bad("2025-01-02T04:00:00"));
	CHECK(t_bad("2025-01-02T04:00:00ZZ"));
	CHECK(t_bad("2025-01-02T04:00:00Z "));
	CHECK(t_bad("2025-01-02T04:00:00+0200"));
	CHECK(t_bad("2025-01-02T04:00:00+02"));
	CHECK(t_bad("2025-01-02T04:00:00+02:00x"));
	CHECK(t_bad("2025-01-02T04:00:00+24:00"));
	CHECK(t_bad("2025-01-02T04:00:00+02:60"));
	CHECK(t_bad("2025-01-02T04:00:00UTC"));
	return 0;
}

/* Copies s into text and parses it with ari_parse(). */
static int
ari_s(const char *s, struct ari_state *a)
{
	size_t n = strlen(s);

	memcpy(text, s, n + 1);
	return ari_parse(text, n, a);
}

static int
test_ari_parse(void)
{
	struct ari_state a;

	CHECK(ari_s("next 5\nat 6\n", &a) == 0 && a.next == 5 && a.at == 6);
	CHECK(ari_s("# c\n\nat 6\nnext 5", &a) == 0 && a.next == 5 &&
	    a.at == 6);
	CHECK(ari_s("next 0\nat 0\n", &a) == 0 && a.next == 0 && a.at == 0);
	/* 18 digits is the cap of a number, 19 is refused */
	CHECK(ari_s("next 999999999999999999\nat 1\n", &a) == 0 &&
	    a.next == 999999999999999999LL);
	CHECK(ari_s("next 9999999999999999999\nat 1\n", &a) == -1);
	/* both lines are needed; anything else is refused */
	CHECK(ari_s("next 5\n", &a) == -1);
	CHECK(ari_s("at 6\n", &a) == -1);
	CHECK(ari_s("", &a) == -1);
	CHECK(ari_s("\n", &a) == -1);
	CHECK(ari_s("next 5\nat 6\nfoo 1\n", &a) == -1);
	CHECK(ari_s("next -5\nat 6\n", &a) == -1);
	CHECK(ari_s("next 5 \nat 6\n", &a) == -1);
	CHECK(ari_s("next  5\nat 6\n", &a) == -1);
	CHECK(ari_s("next 5\nat \n", &a) == -1);
	CHECK(ari_s("next 5\r\nat 6\r\n", &a) == -1);
	CHECK(ari_s("Next 5\nat 6\n", &a) == -1);
	/* text[len] must be the terminator; a NUL inside is damage */
	memcpy(text, "next 5\nat 6\nX", 14);
	CHECK(ari_parse(text, 12, &a) == -1);
	memcpy(text, "next 5\0at 6\n", 13);
	CHECK(ari_parse(text, 12, &a) == -1);
	return 0;
}

static int
test_ari_line_cap(void)
{
	struct ari_state a;
	char s[256];

	/* a line is at most 63 bytes: a 63-byte comment passes, 64 not */
	memset(s, 0, sizeof(s));
	memcpy(s, "next 1\nat 2\n#", 13);
	memset(s + 13, 'x', 62);
	CHECK(strlen(s + 12) == 63);
	CHECK(ari_s(s, &a) == 0);
	s[13 + 62] = 'x';
	CHECK(ari_s(s, &a) == -1);
	s[13 + 62] = '\n';
	CHECK(ari_s(s, &a) == 0);
	return 0;
}

static int
test_ari_round_trip(void)
{
	static const int64_t v[] = { 0, 1, T0, 999999999999999999LL };
	struct ari_state a, back;
	struct sbuf b;
	size_t i, j, full;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			a.next = v[i];
			a.at = v[j];
			sbuf_init(&b, out, sizeof(out));
			CHECK(ari_format(&a, &b) == 0);
			memcpy(text, out, b.len + 1);
			CHECK(ari_parse(text, b.len, &back) == 0);
			CHECK(back.next == a.next && back.at == a.at);
		}
	}
	/* negative times are written as 0 */
	a.next = -1;
	a.at = -T0;
	sbuf_init(&b, out, sizeof(out));
	CHECK(ari_format(&a, &b) == 0);
	CHECK(ari_parse(out, b.len, &back) == 0);
	CHECK(back.next == 0 && back.at == 0);
	/* cap: exactly fits, one byte short */
	a.next = T0;
	a.at = T0 + 1;
	sbuf_init(&b, out, sizeof(out));
	CHECK(ari_format(&a, &b) == 0);
	full = b.len;
	sbuf_init(&b, out, full + 1);
	CHECK(ari_format(&a, &b) == 0 && b.len == full);
	sbuf_init(&b, out, full);
	CHECK(ari_format(&a, &b) == -1);
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_conf_round_trip);
	RUN(test_conf_every_key);
	RUN(test_conf_refused);
	RUN(test_conf_control_chars);
	RUN(test_conf_lengths);
	RUN(test_conf_names_cap);
	RUN(test_conf_days);
	RUN(test_conf_format_cap);
	RUN(test_conf_merge);
	RUN(test_due);
	RUN(test_rfc3339_valid);
	RUN(test_rfc3339_invalid);
	RUN(test_ari_parse);
	RUN(test_ari_line_cap);
	RUN(test_ari_round_trip);
	return runner_done();
}
