/* SPDX-License-Identifier: MIT */
/*
 * cli.c - the command line: options, --help, --version and messages.
 *
 * Our own small option parser rather than getopt_long: options must be
 * accepted before and after the command word on every libc (musl's and
 * glibc's argument permutation differ at the edges), and the parser is
 * a few dozen lines.
 */
#include "acme.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One option: long name, short letter, whether it takes a value. */
struct opt_def {
	const char *name;
	char letter;
	bool has_arg;
};

static const struct opt_def opt_defs[] = {
	{ "directory", 'D', true },
	{ "staging", 0, false },
	{ "state", 'C', true },
	{ "ca-file", 'c', true },
	{ "email", 'e', true },
	{ "agree-tos", 'y', false },
	{ "listen", 'l', true },
	{ "verbose", 'v', false },
	{ "quiet", 'q', false },
	{ "help", 'h', false },
	{ "version", 'V', false },
};

static const char usage_text[] =
"usage: nanoacme [OPTIONS] issue NAME...\n"
"\n"
"Gets a certificate from an ACME CA (RFC 8555) for every NAME, proving\n"
"control with http-01 on a built-in listener. The first NAME names the\n"
"certificate: STATE/certs/NAME/{privkey,cert,chain,fullchain}.pem.\n"
"\n"
"Options (before or after the command):\n"
"  -D, --directory URL   ACME directory URL\n"
"                        (default " DEFAULT_DIRECTORY ")\n"
"      --staging         use Let's Encrypt's staging directory\n"
"  -C, --state DIR       state directory (default " DEFAULT_STATE_DIR ")\n"
"  -c, --ca-file FILE    PEM bundle anchoring the CA's TLS certificate\n"
"                        (default $SSL_CERT_FILE, else\n"
"                        " DEFAULT_CA_FILE ")\n"
"  -e, --email ADDR      account contact (optional)\n"
"  -y, --agree-tos       agree to the CA's terms of service (needed to\n"
"                        create an account)\n"
"  -l, --listen [ADDR]:PORT  http-01 listener (default " DEFAULT_LISTEN
", IPv4 and IPv6)\n"
"  -v, --verbose         show each ACME request (-vv: more)\n"
"  -q, --quiet           print errors only\n"
"  -h, --help            this help\n"
"      --version         version\n"
"\n"
"Exit codes:\n"
"  0 issued, 1 nothing to do, 2 usage error, 3 network/TLS failure,\n"
"  4 the CA refused a request (ACME problem), 5 validation failed,\n"
"  6 local file or state error, 7 terms of service not agreed (-y),\n"
"  8 another nanoacme run holds the state lock\n";

/* see acme.h */
void
msg_clean(const char *s, char *out, size_t cap)
{
	size_t k;

	if (cap == 0) {
		return;
	}
	for (k = 0; s[k] != '\0' && k + 1 < cap; k++) {
		out[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7F ? '?' : s[k];
	}
	out[k] = '\0';
}

/* see acme.h */
void
msg_err(const char *fmt, ...)
{
	va_list ap;

	fputs("nanoacme: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* see acme.h */
void
msg_info(const struct opts *o, int level, const char *fmt, ...)
{
	va_list ap;

	if (o->verbose < level) {
		return;
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Finds an option by long name (len chars) or by letter. */
static const struct opt_def *
opt_find(const char *name, size_t len, char letter)
{
	size_t k;

	for (k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++) {
		if (name != NULL ? strlen(opt_defs[k].name) == len &&
		    strncmp(opt_defs[k].name, name, len) == 0 :
		    opt_defs[k].letter == letter && letter != 0) {
			return &opt_defs[k];
		}
	}
	return NULL;
}

/* Applies option d with value v. Returns -1 to go on, else exit code. */
static int
opt_apply(struct opts *o, const struct opt_def *d, const char *v)
{
	switch (d->letter) {
	case 'D': o->directory = v; break;
	case 'C': o->state = v; break;
	case 'c': o->ca_file = v; break;
	case 'e': o->email = v; break;
	case 'y': o->agree_tos = true; break;
	case 'l': o->listen = v; break;
	case 'v': o->verbose = o->verbose < 0 ? 1 : o->verbose + 1; break;
	case 'q': o->verbose = -1; break;
	case 'h':
		fputs(usage_text, stdout);
		return EXIT_ISSUED;
	case 'V':
		printf("nanoacme %s\n", NANOACME_VERSION);
		return EXIT_ISSUED;
	default:    /* --staging */
		o->directory = STAGING_DIRECTORY;
		break;
	}
	return -1;
}

/* Parses the option at argv[*i] (and its value). Same returns. */
static int
opt_one(int argc, char **argv, int *i, struct opts *o)
{
	const char *a = argv[*i], *eq, *v = NULL;
	const struct opt_def *d;
	size_t k;
	int r;

	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		k = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		if ((d = opt_find(a + 2, k, 0)) == NULL) {
			msg_err("unknown option %s (see --help)", a);
			return EXIT_USAGE;
		}
		if (d->has_arg) {
			v = eq != NULL ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		} else if (eq != NULL) {
			msg_err("option --%s takes no value", d->name);
			return EXIT_USAGE;
		}
		if (d->has_arg && v == NULL) {
			msg_err("option --%s needs a value", d->name);
			return EXIT_USAGE;
		}
		return opt_apply(o, d, v);
	}
	/* Short options may be grouped (-vy); a value may be attached. */
	for (k = 1; a[k] != '\0'; k++) {
		if ((d = opt_find(NULL, 0, a[k])) == NULL || a[k] == 'V') {
			msg_err("unknown option -%c (see --help)", a[k]);
			return EXIT_USAGE;
		}
		if (d->has_arg) {
			v = a[k + 1] != '\0' ? a + k + 1 :
			    *i + 1 < argc ? argv[++*i] : NULL;
			if (v == NULL) {
				msg_err("option -%c needs a value", a[k]);
				return EXIT_USAGE;
			}
			return opt_apply(o, d, v);
		}
		if ((r = opt_apply(o, d, NULL)) >= 0) {
			return r;
		}
	}
	return -1;
}

/* see acme.h */
int
cli_parse(int argc, char **argv, struct opts *o)
{
	bool only_args = false;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->directory = DEFAULT_DIRECTORY;
	o->state = DEFAULT_STATE_DIR;
	o->listen = DEFAULT_LISTEN;
	for (i = 1; i < argc; i++) {
		if (!only_args && strcmp(argv[i], "--") == 0) {
			only_args = true;
		} else if (!only_args && argv[i][0] == '-' &&
		    argv[i][1] != '\0') {
			if ((r = opt_one(argc, argv, &i, o)) >= 0) {
				return r;
			}
		} else if (o->cmd == NULL) {
			o->cmd = argv[i];
		} else if (o->nnames == ACME_MAX_NAMES) {
			msg_err("too many names (at most %d)", ACME_MAX_NAMES);
			return EXIT_USAGE;
		} else {
			o->names[o->nnames++] = argv[i];
		}
	}
	if (o->cmd == NULL) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(o->cmd, "issue") != 0) {
		msg_err("unknown command '%s' (see --help)", o->cmd);
		return EXIT_USAGE;
	}
	if (o->nnames == 0) {
		msg_err("issue: at least one NAME is needed");
		return EXIT_USAGE;
	}
	if (o->ca_file == NULL) {
		o->ca_file = getenv("SSL_CERT_FILE");
		if (o->ca_file == NULL || o->ca_file[0] == '\0') {
			o->ca_file = DEFAULT_CA_FILE;
		}
	}
	return -1;
}
