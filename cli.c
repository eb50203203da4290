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

#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

/* One option: long name, short letter, whether it takes a value. */
struct opt_def {
	const char *name;
	char letter;
	bool has_arg;
};

static const struct opt_def opt_defs[] = {
	{ "directory", 'D', true },
	{ "staging", 'S', false },
	{ "state", 'C', true },
	{ "ca-file", 'c', true },
	{ "email", 'e', true },
	{ "agree-tos", 'y', false },
	{ "listen", 'l', true },
	{ "days", 'd', true },
	{ "reuse-key", 'r', false },
	{ "deploy-hook", 'H', true },
	{ "jitter", 'J', true },
	{ "force", 'f', false },
	{ "reason", 'R', true },
	{ "cert", 'T', true },
	{ "key", 'K', true },
	{ "syslog", 's', false },
	{ "webroot", 'w', true },
	{ "hook", 'k', true },
	{ "alpn", 'A', true },
	{ "user", 'U', true },
	{ "profile", 'P', true },
	{ "preferred-chain", 'p', true },
	{ "csr", 'Q', true },
	{ "eab-kid", 'E', true },
	{ "eab-hmac", 'M', true },
	{ "eab-alg", 'a', true },
	{ "wait-clock", 'W', true },
	{ "retry", 't', true },
	{ "dns-persist", 'Y', false },
	{ "dns-server", 'N', true },
	{ "persist-wildcard", 'G', false },
	{ "persist-until", 'I', true },
	{ "json", 'j', false },
	{ "dry-run", 'n', false },
	{ "verbose", 'v', false },
	{ "quiet", 'q', false },
	{ "help", 'h', false },
	{ "version", 'V', false },
};

/* Letters that exist only as long options (no -S, -H, ...). */
static const char long_only[] = "SHJRTKsVrdAPpQEMaWtYNGIUn";

static const char usage_text[] =
"usage: nanoacme [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  issue NAME...      get a certificate for every NAME (the first names it:\n"
"                     STATE/certs/NAME/{privkey,cert,chain,fullchain}.pem)\n"
"                     and remember its settings for renew; does nothing\n"
"                     (exit 1) if the same names are not due, unless --force\n"
"  renew [NAME...]    renew every certificate in STATE that is due (or\n"
"                     only those NAMEs)\n"
"  list [--json]      every certificate, sorted: name, days left, when it\n"
"                     renews, status, CA, names (--json: one JSON array)\n"
"  revoke NAME        revoke, signed with the account key\n"
"  delete NAME        remove a certificate, every version and key of it\n"
"  revoke --cert FILE --key FILE   revoke, signed with the certificate key\n"
"  account            show the account: URL, status, contacts\n"
"  account deactivate deactivate the account (no further use)\n"
"  account rollover   replace the account key (RFC 8555 keyChange)\n"
"  dns-persist NAME... print the dns-persist-01 TXT record to set once\n"
"                     per NAME, for this account and CA (-y creates one)\n"
"\n"
"Options (before or after the command):\n"
"  -D, --directory URL   ACME directory URL\n"
"                        (default " DEFAULT_DIRECTORY ")\n"
"      --staging         use Let's Encrypt's staging directory\n"
"  -C, --state DIR       state directory (default " DEFAULT_STATE_DIR ")\n"
"  -c, --ca-file FILE    PEM bundle anchoring the CA's TLS certificate\n"
"                        (default $SSL_CERT_FILE, else for Let's Encrypt\n"
"                        its built-in roots, else " DEFAULT_CA_FILE ")\n"
"  -e, --email ADDR      account contact (optional)\n"
"  -y, --agree-tos       agree to the CA's terms of service (needed to\n"
"                        create an account)\n"
"  -l, --listen [ADDR]:PORT  http-01 listener (default " DEFAULT_LISTEN
", IPv4 and IPv6)\n"
"  -w, --webroot DIR     http-01 through DIR/.well-known/acme-challenge/\n"
"  -k, --hook PROGRAM    challenge hook, as uacme's: PROGRAM begin|done|\n"
"                        failed TYPE IDENT TOKEN AUTH (dns-01 and more)\n"
"      --alpn [ADDR]:PORT  built-in tls-alpn-01 responder (RFC 8737)\n"
"      --user NAME       the listener and responder run as NAME, chrooted\n"
"                        and seccomp-filtered (default nobody)\n"
"      --dns-persist     dns-persist-01: a TXT record set once (see the\n"
"                        dns-persist command); no hook, no open port\n"
"      --dns-server ADDR[:PORT]  resolver that checks that record (default:\n"
"                        the first nameserver of /etc/resolv.conf)\n"
"      --persist-wildcard, --persist-until UNIXTIME  dns-persist: the\n"
"                        record also covers *.NAME; it expires then\n"
"      --profile NAME    certificate profile (directory meta.profiles)\n"
"      --preferred-chain CN  pick the chain whose top issuer is CN\n"
"      --csr FILE        issue for this PEM/DER CSR (names from it; no key\n"
"                        is made or stored)\n"
"      --eab-kid KID, --eab-hmac KEY  external account binding (the\n"
"                        CA's key id and base64url MAC key)\n"
"      --eab-alg 256|384|512  EAB MAC: HS256 (default), HS384, HS512\n"
"      --wait-clock SECONDS  wait up to SECONDS for a sane system clock\n"
"      --retry N         retry transient failures N times (network, 5xx,\n"
"                        rateLimited) with backoff and Retry-After\n"
"      --days N          renew when fewer than N days are left (default:\n"
"                        a third of the lifetime left, half for\n"
"                        lifetimes of 10 days or less)\n"
"      --reuse-key       keep the certificate key at renewal\n"
"      --deploy-hook CMD run CMD (sh -c) after each issue or renewal\n"
"      --jitter SECONDS  renew: random delay before contacting the CA\n"
"                        when something is due (default 300 when stdin\n"
"                        is not a terminal, else 0)\n"
"  -f, --force           issue or renew even if not due\n"
"      --dry-run         issue/renew all of it, kept nowhere, no deploy\n"
"                        hook (Let's Encrypt: at its staging)\n"
"      --reason N        revoke: RFC 5280 reason code (default 0)\n"
"      --cert FILE, --key FILE   revoke: certificate and its key\n"
"      --syslog          also log to syslog (daemon, tag nanoacme)\n"
"  -v, --verbose         show each ACME request (-vv: more)\n"
"  -q, --quiet           print errors only\n"
"  -h, --help            this help\n"
"      --version         version\n"
"\n"
"Exit codes:\n"
"  0 issued/renewed/done, 1 nothing to do (not due), 2 usage error,\n"
"  3 network/TLS failure, 4 the CA refused a request (ACME problem),\n"
"  5 validation failed (or no dns-persist record), 6 local file or\n"
"  state error,\n"
"  7 terms of service not agreed (-y), 8 another nanoacme run holds\n"
"  the state lock, 9 issued but the deploy hook failed,\n"
"  10 system clock not set, 129/130/143 stopped by SIGHUP/SIGINT/\n"
"  SIGTERM (what was published is taken back first)\n";

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 §4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), with its code
 * point in *cp; 0 if the bytes at s are not one. s is NUL-terminated and
 * a NUL is never a continuation byte, so no read passes the end.
 */
static size_t
utf8_seq(const unsigned char *s, unsigned long *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, k;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		*cp = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		*cp = s[0] & 0x0Fu;
		lo = s[0] == 0xE0 ? 0xA0 : 0x80;     /* overlong */
		hi = s[0] == 0xED ? 0x9F : 0xBF;     /* surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		*cp = s[0] & 0x07u;
		lo = s[0] == 0xF0 ? 0x90 : 0x80;     /* overlong */
		hi = s[0] == 0xF4 ? 0x8F : 0xBF;     /* > U+10FFFF */
	} else {
		return 0;     /* a continuation byte, C0, C1, F5..FF */
	}
	for (k = 1; k < n; k++) {
		if (s[k] < lo || s[k] > hi) {
			return 0;
		}
		*cp = *cp << 6 | (s[k] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

/*
 * True for a code point that must not reach a terminal or syslog: C0
 * and C1 controls (U+0080..U+009F include CSI and OSC, which the Linux
 * console acts on), DEL, and the bidirectional overrides and isolates
 * (U+202A..U+202E, U+2066..U+2069) that reorder what is shown.
 */
static bool
is_unsafe(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* see acme.h */
void
msg_clean(const char *s, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t k = 0, n;

	if (cap == 0) {
		return;
	}
	while (*u != '\0' && k + 1 < cap) {
		n = utf8_seq(u, &cp);
		if (n == 0 || is_unsafe(cp)) {
			/* one '?' per unsafe character, or per byte that is
			 * not part of well-formed UTF-8 */
			out[k++] = '?';
			u += n > 0 ? n : 1;
		} else if (n < cap - k) {
			/* never cut a character; out may be s: k stays
			 * behind u, so memmove */
			memmove(out + k, u, n);
			k += n;
			u += n;
		} else {
			break;
		}
	}
	out[k] = '\0';
}

static int syslog_fd = -1;
static const char *msg_for;
static bool msg_muted;
static bool status_shown;              /* a msg_status() line is up */

/* Takes a msg_status() line off the terminal before a message. */
static void
status_clear(void)
{
	if (status_shown) {
		fmt_puts(2, "\r\033[K");
		status_shown = false;
	}
}

/* see acme.h */
void
msg_prefix(const char *name)
{
	msg_for = name;
}

/* see acme.h */
void
msg_mute(bool mute)
{
	msg_muted = mute;
}

/* see acme.h */
void
msg_status(const struct opts *o, const char *what, long seconds)
{
	/* a person at a terminal only: never cron, a pipe or -q */
	if (o->verbose < 0 || msg_muted || !isatty(STDERR_FILENO)) {
		return;
	}
	if (what == NULL) {
		status_clear();
		return;
	}
	fmt_fd(2, "\r\033[Kwaiting %ld s: %s", seconds, what);
	status_shown = true;
}

/* see acme.h */
void
msg_syslog(void)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, "/dev/log", sizeof("/dev/log"));
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (syslog_fd >= 0 && connect(syslog_fd, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0) {
		close(syslog_fd);
		syslog_fd = -1;
	}
}

/*
 * Sends one line to syslog, facility daemon: "<PRI>nanoacme[PID]: ...".
 * Our own few lines instead of syslog(3), which in musl drags in
 * strftime and the time zone code (5 KB) for a timestamp that logd and
 * busybox syslogd add themselves.
 */
static void
syslog_line(int severity, bool prefixed, const char *line)
{
	char buf[2200];
	int n;

	if (syslog_fd < 0) {
		return;
	}
	n = fmt_s(buf, sizeof(buf), "<%d>nanoacme[%ld]: %s%s%s",
	    3 * 8 + severity, (long)getpid(), prefixed && msg_for != NULL ?
	    msg_for : "", prefixed && msg_for != NULL ? ": " : "", line);
	if (n > 0) {
		send(syslog_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1, MSG_NOSIGNAL);
	}
}

/*
 * One message: formatted, cleaned (every message may carry a CA's
 * words: cleaned here, once), the status line cleared, written to
 * stderr, and to syslog unless its severity is 7 (debug, -vv). Errors
 * (err) start "nanoacme: " and the certificate's name.
 */
static void
msg_emit(int severity, bool err, const char *fmt, va_list ap)
{
	char line[2048];

	if (msg_muted) {
		return;
	}
	fmt_v(line, sizeof(line), fmt, ap);
	msg_clean(line, line, sizeof(line));
	status_clear();
	fmt_fd(2, "%s%s%s%s\n", err ? "nanoacme: " : "", err && msg_for !=
	    NULL ? msg_for : "", err && msg_for != NULL ? ": " : "", line);
	if (severity < 7) {
		syslog_line(severity, err, line);
	}
}

/* see acme.h */
void
msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_emit(3, true, fmt, ap);     /* LOG_ERR */
	va_end(ap);
}

/* see acme.h */
void
msg_info(const struct opts *o, int level, const char *fmt, ...)
{
	va_list ap;

	if (o->verbose >= level) {
		va_start(ap, fmt);
		/* LOG_NOTICE, LOG_INFO, then -vv's debug: not logged */
		msg_emit(level <= 0 ? 5 : level == 1 ? 6 : 7, false, fmt, ap);
		va_end(ap);
	}
}

/* Finds an option by long name (len chars) or by letter. */
static const struct opt_def *
opt_find(const char *name, size_t len, char letter)
{
	size_t k;

	for (k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++) {
		if (name != NULL ? strlen(opt_defs[k].name) == len &&
		    strncmp(opt_defs[k].name, name, len) == 0 :
		    opt_defs[k].letter == letter &&
		    strchr(long_only, letter) == NULL) {
			return &opt_defs[k];
		}
	}
	return NULL;
}

/* Parses a decimal number in [0, max] (digits only). Returns 0 or -1. */
static int
parse_num(const char *s, long max, long *out)
{
	long v = 0;

	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10) {
			return -1;
		}
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Applies a numeric option. Returns -1 to go on, else EXIT_USAGE. */
static int
opt_num(const struct opt_def *d, const char *v, long max, long *out)
{
	if (parse_num(v, max, out) != 0) {
		msg_err("--%s %s: not a number from 0 to %ld", d->name, v, max);
		return EXIT_USAGE;
	}
	return -1;
}

/* Applies option d with value v. Returns -1 to go on, else exit code. */
static int
opt_apply(struct opts *o, const struct opt_def *d, const char *v)
{
	switch (d->letter) {
	case 'D': o->conf.directory = v; break;
	case 'S': o->conf.directory = STAGING_DIRECTORY; break;
	case 'C': o->state = v; break;
	case 'c': o->conf.ca_file = v; break;
	case 'e': o->conf.email = v; break;
	case 'y': o->agree_tos = true; break;
	case 'l': o->conf.listen = v; break;
	case 'd': return opt_num(d, v, 3650, &o->conf.days);
	case 'r': o->conf.reuse_key = 1; break;
	case 'H': o->conf.deploy_hook = v; break;
	case 'J': return opt_num(d, v, 86400, &o->jitter);
	case 'f': o->force = true; break;
	case 'R': return opt_num(d, v, 10, &o->reason);
	case 'T': o->cert_file = v; break;
	case 'K': o->key_file = v; break;
	case 's': o->syslog = true; break;
	case 'w': o->conf.webroot = v; break;
	case 'k': o->conf.hook = v; break;
	case 'A': o->conf.alpn = v; break;
	case 'U': o->conf.user = v; break;
	case 'P': o->conf.profile = v; break;
	case 'p': o->conf.preferred_chain = v; break;
	case 'Q': o->conf.csr_file = v; break;
	case 'E': o->eab_kid = v; break;
	case 'M': o->eab_hmac = v; break;
	case 'a': return opt_num(d, v, 512, &o->eab_alg);
	case 'W': return opt_num(d, v, 86400, &o->wait_clock);
	case 't': return opt_num(d, v, 100, &o->retry);
	case 'Y': o->conf.dns_persist = "yes"; break;
	case 'N': o->conf.dns_server = v; break;
	case 'G': o->persist_wildcard = true; break;
	case 'j': o->json = true; break;
	case 'n': o->dry_run = true; break;
	case 'I':
		/* UNIX seconds, as the record carries them: past 2038 too,
		 * so no long on 32-bit routers */
		if (v[0] == '\0' || strlen(v) > 12 ||
		    v[strspn(v, "0123456789")] != '\0') {
			msg_err("--persist-until %s: not UNIX seconds", v);
			return EXIT_USAGE;
		}
		o->persist_until = v;
		break;
	case 'v': o->verbose = o->verbose < 0 ? 1 : o->verbose + 1; break;
	case 'q': o->verbose = -1; break;
	case 'h':
		fmt_puts(1, usage_text);
		return EXIT_ISSUED;
	default:    /* --version */
		fmt_fd(1, "nanoacme %s\n", NANOACME_VERSION);
		return EXIT_ISSUED;
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
		if ((d = opt_find(NULL, 0, a[k])) == NULL) {
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

/* Checks the words after the command. Returns -1 or EXIT_USAGE. */
static int
check_command(struct opts *o)
{
	const char *c = o->cmd;
	size_t k;

	if (strcmp(c, "issue") == 0 || strcmp(c, "dns-persist") == 0) {
		if (o->nargs == 0 && (o->conf.csr_file == NULL || c[0] == 'd')) {
			msg_err("%s: at least one NAME%s is needed", c,
			    c[0] == 'i' ? " (or --csr)" : "");
			return EXIT_USAGE;
		}
		for (k = 0; k < o->nargs; k++) {
			o->conf.names[k] = o->args[k];
		}
		o->conf.nnames = o->nargs;
		return -1;
	}
	if (strcmp(c, "renew") == 0) {
		return -1;      /* renew NAME...: only those */
	}
	if (o->dry_run) {
		msg_err("--dry-run goes with issue or renew, not %s", c);
		return EXIT_USAGE;
	}
	if (strcmp(c, "list") == 0) {
		if (o->nargs == 0) {
			return -1;
		}
	} else if (strcmp(c, "delete") == 0) {
		if (o->nargs == 1) {
			return -1;
		}
		msg_err("delete: give one NAME");
		return EXIT_USAGE;
	} else if (strcmp(c, "revoke") == 0) {
		if (!(o->nargs == 1 && o->cert_file == NULL &&
		    o->key_file == NULL) && !(o->nargs == 0 &&
		    o->cert_file != NULL && o->key_file != NULL)) {
			msg_err("revoke: give NAME, or --cert FILE --key FILE");
			return EXIT_USAGE;
		}
		return -1;
	} else if (strcmp(c, "account") == 0) {
		if (o->nargs == 0 || (o->nargs == 1 &&
		    (strcmp(o->args[0], "deactivate") == 0 ||
		    strcmp(o->args[0], "rollover") == 0))) {
			return -1;
		}
	} else {
		msg_err("unknown command '%s' (see --help)", c);
		return EXIT_USAGE;
	}
	msg_err("%s: unexpected '%s' (see --help)", c, o->args[0]);
	return EXIT_USAGE;
}

/* see acme.h */
void
conf_defaults(struct conf *c)
{
	if (c->directory == NULL) {
		c->directory = DEFAULT_DIRECTORY;
	}
	if (c->listen == NULL) {
		c->listen = DEFAULT_LISTEN;
	}
	/* ca_file stays NULL when not given: the TLS setup then picks
	 * $SSL_CERT_FILE, the built-in roots of Let's Encrypt, or the
	 * system bundle, and so does every later renew. */
}

/* see acme.h */
int
cli_parse(int argc, char **argv, struct opts *o)
{
	bool only_args = false;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->state = DEFAULT_STATE_DIR;
	o->conf.days = CONF_UNSET;
	o->conf.reuse_key = CONF_UNSET;
	o->reason = CONF_UNSET;
	o->jitter = CONF_UNSET;
	o->eab_alg = 256;
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
		} else if (o->nargs == ACME_MAX_NAMES) {
			msg_err("too many names (at most %d)", ACME_MAX_NAMES);
			return EXIT_USAGE;
		} else {
			o->args[o->nargs++] = argv[i];
		}
	}
	if (o->cmd == NULL) {
		fmt_puts(2, usage_text);
		return EXIT_USAGE;
	}
	return check_command(o);
}
