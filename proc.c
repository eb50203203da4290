/* SPDX-License-Identifier: MIT */
/*
 * proc.c - what nanoacme runs or writes for others: the challenge
 * hook (uacme's contract), the deploy hook with its environment, and
 * the webroot token files.
 *
 * Why separate: every fork and exec, and every file outside the state
 * directory, in one small place that can be audited alone.
 */
#include "run.h"

/* waitpid() that a signal does not cut short: the child is waited for
 * to the end (a signal only asks the run to stop after it). */
static int
wait_child(pid_t pid, int *st)
{
	pid_t got;

	while ((got = waitpid(pid, st, 0)) < 0 && errno == EINTR) {
		continue;
	}
	return got == pid ? 0 : -1;
}

/* Runs the challenge hook: PROGRAM STEP TYPE IDENT TOKEN AUTH. */
int
run_hook(const struct run *r, const char *step, const struct authz *a)
{
	char digest[JWS_THUMB_LEN];
	const char *auth = a->keyauth;
	pid_t pid;
	int st;

	/* RFC 8555 §8.4: dns-01 (and dns-account-01) publish the digest,
	 * not the key authorization; dns-persist-01 its record's value. */
	if (strcmp(a->type, "dns-persist-01") == 0) {
		auth = a->record;
	} else if (strncmp(a->type, "dns-", 4) == 0) {
		if (jws_dns_digest(a->keyauth, digest) != 0) {
			return -1;
		}
		auth = digest;
	}
	if ((pid = fork()) == 0) {
		/* where the record goes: the hook need not know the rules */
		if (a->dns_name[0] != '\0') {
			setenv("NANOACME_DNS_NAME", a->dns_name, 1);
		}
		execl(r->c->hook, r->c->hook, step, a->type, a->ident, a->token,
		    auth, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait_child(pid, &st) != 0) {
		return -1;
	}
	msg_info(r->o, 1, "  hook %s %s %s: %s %d", step, a->type, a->ident,
	    WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ?
	    WEXITSTATUS(st) : WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* STATE-independent path of the webroot file of token. */
int
webroot_path(const struct run *r, const char *token, char *out)
{
	int n = fmt_s(out, STORE_PATH_MAX, "%s/.well-known/acme-challenge"
	    "%s%s", r->c->webroot, token[0] != '\0' ? "/" : "", token);

	return n < 0 || n >= STORE_PATH_MAX ? -1 : 0;
}

/* Writes the key authorization where the web server serves it. */
int
webroot_publish(const struct run *r, const struct authz *a)
{
	char path[STORE_PATH_MAX];

	if (webroot_path(r, "", path) != 0 || store_mkdirs(path, 0755) != 0 ||
	    webroot_path(r, a->token, path) != 0 ||
	    store_write(path, a->keyauth, strlen(a->keyauth), 0644) != 0) {
		return file_fail("cannot write webroot file", path);
	}
	return 0;
}

/* Sets one variable of the deploy hook's environment (in the child). */
static void
hook_env(const char *name, const char *dir, const char *file)
{
	char v[STORE_PATH_MAX + 32];

	fmt_s(v, sizeof(v), "%s%s%s", dir, file[0] != '\0' ? "/" : "",
	    file);
	setenv(name, v, 1);
}

/*
 * Runs the deploy hook (sh -c CMD) after a certificate was installed,
 * with its files named in the environment (README: "Deploy hook").
 * Returns 0, or EXIT_HOOK when it could not run or exited non-zero: the
 * new certificate stays either way.
 */
int
deploy_hook(struct run *r, bool renewed)
{
	char dir[STORE_PATH_MAX], names[ACME_MAX_NAMES * 256];
	struct sbuf b;
	pid_t pid;
	size_t k;
	int st;

	if (r->c->deploy_hook == NULL || r->c->deploy_hook[0] == '\0' ||
	    cert_path(r, r->c->names[0], "", dir) != 0) {
		return 0;
	}
	if (r->o->dry_run) {
		msg_info(r->o, 0, "dry run: deploy hook not run: %s",
		    r->c->deploy_hook);
		return 0;
	}
	sbuf_init(&b, names, sizeof(names));
	for (k = 0; k < r->c->nnames; k++) {
		sbuf_adds(&b, k > 0 ? " " : "");
		sbuf_adds(&b, r->c->names[k]);
	}
	if ((pid = fork()) == 0) {
		setenv("NANOACME_EVENT", renewed ? "renewed" : "issued", 1);
		setenv("NANOACME_NAME", r->c->names[0], 1);
		setenv("NANOACME_NAMES", names, 1);
		hook_env("NANOACME_CERT_DIR", dir, "");
		hook_env("NANOACME_PRIVKEY", dir, "privkey.pem");
		hook_env("NANOACME_CERT", dir, "cert.pem");
		hook_env("NANOACME_CHAIN", dir, "chain.pem");
		hook_env("NANOACME_FULLCHAIN", dir, "fullchain.pem");
		/* certbot's names, so its deploy hooks work unchanged */
		hook_env("RENEWED_LINEAGE", dir, "");
		setenv("RENEWED_DOMAINS", names, 1);
		execl("/bin/sh", "sh", "-c", r->c->deploy_hook, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait_child(pid, &st) != 0) {
		msg_err("deploy hook: cannot run: %s", fmt_strerror(errno));
		return EXIT_HOOK;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		msg_err("deploy hook '%s' failed (%s %d); the new certificate "
		    "is installed", r->c->deploy_hook, WIFEXITED(st) ?
		    "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st));
		return EXIT_HOOK;
	}
	return 0;
}
