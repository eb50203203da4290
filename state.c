/* SPDX-License-Identifier: MIT */
/*
 * state.c - every path and file of the state directory: the lock and
 * the directory's ownership check, accounts per CA (key, URL, rollover
 * recovery), certificate versions and their atomic install, settings,
 * ARI memory and markers.
 *
 * Why separate: one place decides where each file lives and that it is
 * read without following links and written atomically through store.c;
 * the protocol and commands only name what they want.
 */
#include "run.h"

/*
 * STATE/account/<ca> for directory URL dir: host, port and path with
 * every character outside [A-Za-z0-9.-] made '_', so each CA has its own
 * account key and URL and two CAs never mix accounts.
 */
static int
account_dir(const struct run *r, char *out, size_t cap)
{
	const char *u = r->c->directory + strlen("https://");
	struct sbuf b;
	char c;

	sbuf_init(&b, out, cap);
	sbuf_adds(&b, r->wstate);
	sbuf_adds(&b, "/account/");
	for (; *u != '\0'; u++) {
		c = *u;
		if (!ascii_isalnum((unsigned char)c) && c != '.' && c != '-') {
			c = '_';
		}
		sbuf_add(&b, &c, 1);
	}
	return b.err != 0 ? -1 : 0;
}

/*
 * STATE/certs/NAME/FILE into out (STORE_PATH_MAX). NAME, often from the
 * command line, must be one entry of certs/ and not a hidden version
 * (".NAME.N"): no "/", no leading "." (-1, errno EINVAL), so no name
 * reaches a file outside its certificate.
 */
int
cert_path(const struct run *r, const char *name, const char *file,
    char *out)
{
	int n;

	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		fmt_s(out, STORE_PATH_MAX, "%s", name);  /* for messages */
		errno = EINVAL;
		return -1;
	}
	/* too long: out holds the cut path, for messages */
	n = fmt_s(out, STORE_PATH_MAX, "%s/certs/%s%s%s", r->o->state, name,
	    file[0] != '\0' ? "/" : "", file);
	if (n < 0 || n >= STORE_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* see run.h */
DIR *
certs_open(const struct run *r)
{
	char certs[STORE_PATH_MAX];

	return store_join(certs, sizeof(certs), r->o->state, "certs") == 0 ?
	    opendir(certs) : NULL;
}

/* see run.h */
int
anchors_dir(const struct run *r, char *out)
{
	if (store_join(out, STORE_PATH_MAX, r->wstate, "anchors") != 0) {
		msg_err("%s: path too long", r->wstate);
		return EXIT_LOCAL;
	}
	return 0;
}

/* see run.h */
bool
cert_is_revoked(const struct run *r, const char *name)
{
	char path[STORE_PATH_MAX];

	return cert_path(r, name, "revoked", path) == 0 &&
	    access(path, F_OK) == 0;
}

/* see run.h */
int
cert_mark_revoked(const struct run *r, const char *name)
{
	char path[STORE_PATH_MAX];

	if (cert_path(r, name, "revoked", path) != 0 ||
	    store_write(path, "revoked\n", 8, 0644) != 0) {
		return file_fail("revoked, but cannot write", path);
	}
	return 0;
}

/* True if e is a version directory of name: ".NAME.N", N digits only
 * (".a.com.3com.net.7" is a version of "a.com.3com.net", not "a.com"). */
static bool
is_version_of(const char *e, const char *name)
{
	size_t n = strlen(name), k;

	if (e[0] != '.' || strncmp(e + 1, name, n) != 0 || e[n + 1] != '.' ||
	    e[n + 2] == '\0') {
		return false;
	}
	for (k = n + 2; ascii_isdigit((unsigned char)e[k]); k++) {
	}
	return e[k] == '\0';
}

/* see run.h */
int
cert_remove(const struct run *r, const char *name)
{
	char path[STORE_PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (cert_path(r, name, "", path) != 0 || unlink(path) != 0) {
		return file_fail("cannot remove", path);
	}
	if ((d = certs_open(r)) == NULL) {
		return file_fail("cannot read the certificates of",
		    r->o->state);
	}
	while ((e = readdir(d)) != NULL) {
		if (is_version_of(e->d_name, name) && fmt_s(path,
		    sizeof(path), "%s/certs/%s", r->o->state, e->d_name) > 0) {
			store_version_drop(path);
		}
	}
	closedir(d);
	return 0;
}

/* see run.h */
int
cert_key_read(struct run *r, const char *name, struct ec_key *k)
{
	char path[STORE_PATH_MAX];
	size_t len;
	int rc = 0;

	if (cert_path(r, name, "privkey.pem", path) != 0 ||
	    store_read_nofollow(path, r->pem, sizeof(r->pem), &len) != 0) {
		return -1;
	}
	if (key_from_pem(k, r->pem, len) != 0) {
		msg_err("%s: not a P-256 private key", path);
		rc = EXIT_LOCAL;
	}
	memset(r->pem, 0, len);
	return rc;
}

/* Reports a failed file operation on path; returns EXIT_LOCAL. */
int
file_fail(const char *what, const char *path)
{
	msg_err("%s %s: %s", what, path, fmt_strerror(errno));
	return EXIT_LOCAL;
}

/*
 * Fails, before any network request, when the account of this CA was
 * deactivated (account deactivate leaves a marker): nothing can use it.
 */
int
account_usable(struct run *r)
{
	struct session *ca = r->ca;
	char path[STORE_PATH_MAX];

	if (account_dir(r, ca->acct_dir, sizeof(ca->acct_dir)) != 0 ||
	    store_join(path, sizeof(path), ca->acct_dir, "deactivated") != 0) {
		msg_err("state directory path too long");
		return EXIT_LOCAL;
	}
	if (access(path, F_OK) == 0) {
		msg_err("the account in %s was deactivated; remove that "
		    "directory to create a new account", ca->acct_dir);
		return EXIT_ACME;
	}
	return 0;
}

/*
 * Loads the account key and URL of this CA. *have_key and *have_url say what
 * was found. A stored directory URL that differs (two URLs folding to the
 * same folder name) is refused rather than mixed.
 */
int
account_load(struct run *r, bool *have_key, bool *have_url)
{
	struct session *ca = r->ca;
	char path[STORE_PATH_MAX], buf[2048];
	size_t len;

	*have_key = *have_url = false;
	if (account_dir(r, ca->acct_dir, sizeof(ca->acct_dir)) != 0 ||
	    store_join(path, sizeof(path), ca->acct_dir, "directory") != 0) {
		msg_err("state directory path too long");
		return EXIT_LOCAL;
	}
	if (store_read_nofollow(path, buf, sizeof(buf), &len) == 0 &&
	    strcmp(buf, r->c->directory) != 0) {
		msg_err("%s belongs to directory %s, not %s", ca->acct_dir, buf,
		    r->c->directory);
		return EXIT_LOCAL;
	}
	if (store_join(path, sizeof(path), ca->acct_dir, "key.pem") != 0) {
		return EXIT_LOCAL;
	}
	if (store_read_nofollow(path, buf, sizeof(buf), &len) == 0) {
		if (key_from_pem(&ca->acct, buf, len) != 0) {
			memset(buf, 0, sizeof(buf));
			msg_err("%s: not a P-256 private key", path);
			return EXIT_LOCAL;
		}
		*have_key = true;
	} else if (errno != ENOENT) {
		return file_fail("cannot read", path);
	}
	memset(buf, 0, sizeof(buf));
	if (store_join(path, sizeof(path), ca->acct_dir, "url") != 0) {
		return EXIT_LOCAL;
	}
	if (*have_key && store_read_nofollow(path, ca->kid, sizeof(ca->kid),
	    &len) == 0) {
		ca->kid[strcspn(ca->kid, "\r\n")] = '\0';
		*have_url = ca->kid[0] != '\0';
	}
	return 0;
}

/* A new key k, stored as file (0600 from creation) of the account's
 * directory. Returns 0 or EXIT_LOCAL (reported). */
static int
key_new_file(struct run *r, struct ec_key *k, const char *file)
{
	char path[STORE_PATH_MAX], buf[1024];
	struct sbuf b;
	int rc = 0;

	if (key_generate(k) != 0) {
		msg_err("cannot generate a key: %s", fmt_strerror(errno));
		return EXIT_LOCAL;
	}
	sbuf_init(&b, buf, sizeof(buf));
	if (store_join(path, sizeof(path), r->ca->acct_dir, file) != 0 ||
	    key_to_pem(k, &b) != 0 ||
	    store_write(path, b.p, b.len, 0600) != 0) {
		rc = file_fail("cannot write", path);
	}
	memset(buf, 0, sizeof(buf));
	return rc;
}

/* Generates and stores a new account key (before it is ever used). */
int
account_new_key(struct run *r)
{
	struct session *ca = r->ca;
	char path[STORE_PATH_MAX];

	if (store_mkdirs(ca->acct_dir, 0700) != 0) {
		return file_fail("cannot create", ca->acct_dir);
	}
	if (store_join(path, sizeof(path), ca->acct_dir, "directory") != 0 ||
	    store_write(path, r->c->directory, strlen(r->c->directory),
	    0644) != 0) {
		return file_fail("cannot write", path);
	}
	return key_new_file(r, &ca->acct, "key.pem");
}

/* see run.h */
int
account_save_url(struct run *r)
{
	char path[STORE_PATH_MAX];

	if (store_join(path, sizeof(path), r->ca->acct_dir, "url") != 0 ||
	    store_write(path, r->ca->kid, strlen(r->ca->kid), 0644) != 0) {
		return file_fail("cannot write", path);
	}
	return 0;
}

/* see run.h */
int
account_mark_deactivated(struct run *r)
{
	char path[STORE_PATH_MAX];

	if (store_join(path, sizeof(path), r->ca->acct_dir,
	    "deactivated") != 0 ||
	    store_write(path, "deactivated\n", 12, 0644) != 0) {
		return file_fail("deactivated, but cannot write", path);
	}
	return 0;
}

/* see run.h */
int
rollover_key_new(struct run *r, struct ec_key *nk)
{
	return key_new_file(r, nk, "key-new.pem");
}

/* see run.h */
int
rollover_key_end(struct run *r, bool accepted)
{
	char path[STORE_PATH_MAX], fresh[STORE_PATH_MAX];

	if (store_join(fresh, sizeof(fresh), r->ca->acct_dir,
	    "key-new.pem") != 0 ||
	    store_join(path, sizeof(path), r->ca->acct_dir, "key.pem") != 0) {
		return EXIT_LOCAL;
	}
	if (!accepted) {
		unlink(fresh);
		return 0;
	}
	if (store_rename(fresh, path) != 0) {
		return file_fail("the CA has the new key, but cannot install",
		    fresh);
	}
	return 0;
}

/*
 * A rollover killed between the CA's acceptance and the rename leaves
 * key-new.pem: ask the CA which key it knows (RFC 8555 §7.3.1, signed
 * with the new key). If it knows the new one, install it; if not,
 * the rollover never happened and the file goes.
 */
int
rollover_recover(struct run *r)
{
	struct session *ca = r->ca;
	char path[STORE_PATH_MAX], fresh[STORE_PATH_MAX];
	struct ec_key nk;
	size_t len;
	int rc;

	if (store_join(fresh, sizeof(fresh), ca->acct_dir,
	    "key-new.pem") != 0 ||
	    store_join(path, sizeof(path), ca->acct_dir, "key.pem") != 0 ||
	    store_read_nofollow(fresh, r->pem, sizeof(r->pem), &len) != 0) {
		return 0;
	}
	rc = key_from_pem(&nk, r->pem, len);
	memset(r->pem, 0, len);
	if (rc != 0) {
		msg_err("%s: not a key; removed", fresh);
		unlink(fresh);
		return 0;
	}
	/* The new key is fresh randomness: only our account can have it. */
	ca->signer = &nk;
	rc = account_post(r, true);
	ca->signer = &ca->acct;
	if (rc == EXIT_NOTHING) {
		unlink(fresh);      /* the CA never took it */
		rc = 0;
	} else if (rc == 0) {
		if (store_rename(fresh, path) != 0) {
			rc = file_fail("cannot install", fresh);
		} else {
			msg_info(r->o, 0, "%s: finished an interrupted account "
			    "rollover", ca->acct_dir);
			key_wipe(&ca->acct);
			rc = store_read_nofollow(path, r->pem,
			    sizeof(r->pem), &len) == 0 &&
			    key_from_pem(&ca->acct, r->pem, len) == 0 ? 0 :
			    EXIT_LOCAL;
			memset(r->pem, 0, sizeof(r->pem));
		}
	}
	key_wipe(&nk);
	return rc;
}

/* Writes name/data into version directory dir. */
static int
save_file(const char *dir, const char *name, const char *data, size_t len,
    mode_t mode)
{
	char path[STORE_PATH_MAX];

	if (store_join(path, sizeof(path), dir, name) != 0 ||
	    store_write(path, data, len, mode) != 0) {
		return file_fail("cannot write", path);
	}
	return 0;
}

/*
 * Stores key and chain in a new version directory, then makes it the
 * current one with one rename: until then the old pair stays in place.
 */
int
save_cert(struct run *r, size_t leaf_len, size_t len)
{
	struct session *ca = r->ca;

	/* The CA has ARI: the first renew asks it (RFC 9773 §4.3). */
	static const char ari_new[] = "next 0\nat 0\n";
	char certs[STORE_PATH_MAX], ver[STORE_PATH_MAX], key[1024];
	const char *pem = r->pem;
	struct sbuf b, conf;
	int rc = EXIT_LOCAL;

	sbuf_init(&b, key, sizeof(key));
	if (store_join(certs, sizeof(certs), r->wstate, "certs") != 0 ||
	    store_mkdirs(certs, 0700) != 0 ||
	    store_version_new(certs, r->c->names[0], ver, sizeof(ver)) != 0) {
		return file_fail("cannot create a directory in", r->wstate);
	}
	if (r->c->csr_file == NULL && key_to_pem(&r->cs->cert_key, &b) != 0) {
		goto out;
	}
	sbuf_init(&conf, ca->payload, sizeof(ca->payload));
	/* renew stores what it read, not its command line's one-off
	 * options: those hold "for that run" only. */
	if (conf_format(r->cs->keep != NULL ? r->cs->keep : r->c, &conf) != 0) {
		msg_err("settings hold a control character: not stored");
		goto out;
	}
	if (ca->dir.renewal_info[0] != '\0' &&
	    save_file(ver, "ari", ari_new, strlen(ari_new), 0644) != 0) {
		goto out;
	}
	if ((r->c->csr_file == NULL &&
	    save_file(ver, "privkey.pem", b.p, b.len, 0600) != 0) ||
	    save_file(ver, "settings", conf.p, conf.len, 0644) != 0 ||
	    save_file(ver, "cert.pem", pem, leaf_len, 0644) != 0 ||
	    save_file(ver, "chain.pem", pem + leaf_len, len - leaf_len,
	    0644) != 0 ||
	    save_file(ver, "fullchain.pem", pem, len, 0644) != 0) {
		goto out;
	}
	if (store_version_commit(certs, r->c->names[0], ver) != 0) {
		rc = file_fail("cannot install", ver);
		goto out;
	}
	rc = 0;
out:
	memset(key, 0, sizeof(key));
	if (rc != 0) {
		store_version_drop(ver);
	}
	return rc;
}

/* Creates and locks the state directory: the first thing a run does. */
int
lock_state(const char *state)
{
	enum store_dir_err why;
	struct stat st;

	if (store_mkdirs(state, 0700) != 0) {
		return file_fail("cannot create state directory", state);
	}
	/* Made 0700 by us, or found: then whoever owns it or can write
	 * into it could plant keys, a deploy hook or symlinks. */
	if (store_check_dir(state, &st, &why) != 0) {
		switch (why) {
		case STORE_DIR_SYMLINK:
			msg_err("%s: a symbolic link, not a directory: give "
			    "-C the real directory", state);
			break;
		case STORE_DIR_NOTDIR:
			msg_err("%s: not a directory: use another -C", state);
			break;
		case STORE_DIR_OWNER:
			msg_err("%s: owned by uid %ld, not by you (uid %ld): "
			    "chown it and chmod 700 it, or use another -C",
			    state, (long)st.st_uid, (long)geteuid());
			break;
		case STORE_DIR_MODE:
			/* fmt.c has no %o */
			msg_err("%s: mode 0%u%u%u lets group or others in: "
			    "chmod 700 it, or use another -C", state,
			    (unsigned)(st.st_mode >> 6 & 7),
			    (unsigned)(st.st_mode >> 3 & 7),
			    (unsigned)(st.st_mode & 7));
			break;
		default:
			return file_fail("cannot check state directory",
			    state);
		}
		return EXIT_LOCAL;
	}
	/* The lock fd stays open (close-on-exec) until the process exits. */
	if (store_lock(state) < 0) {
		if (errno == EWOULDBLOCK) {
			msg_err("%s is in use by another nanoacme run",
			    state);
			return EXIT_LOCKED;
		}
		if (errno == ELOOP) {
			msg_err("%s/lock: a symbolic link, not followed: "
			    "remove it", state);
			return EXIT_LOCAL;
		}
		return file_fail("cannot lock", state);
	}
	return 0;
}

/*
 * Reads STATE/certs/NAME/cert.pem into x (pointing into r->der, valid
 * until r->der is reused). Returns 0, or -1 with errno (ENOENT: no such
 * certificate; EINVAL: unreadable).
 */
int
cert_read(struct run *r, const char *name, struct x509_cert *x)
{
	char path[STORE_PATH_MAX];
	size_t der_len;

	if (cert_path(r, name, "cert.pem", path) != 0 ||
	    cert_der(r, path, true, &der_len) != 0) {
		return -1;
	}
	if (x509_parse(r->der, der_len, x) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The validity of STATE/certs/NAME/cert.pem (see cert_read()). */
int
cert_dates(struct run *r, const char *name, int64_t *not_before,
    int64_t *not_after)
{
	struct x509_cert x;

	if (cert_read(r, name, &x) != 0) {
		return -1;
	}
	*not_before = x.not_before;
	*not_after = x.not_after;
	return 0;
}

/*
 * Reads the settings of certificate name into r->cs->conf (strings in
 * r->cs->conf_text). Returns 0 or an exit code (reported).
 */
int
settings_load(struct run *r, const char *name)
{
	char path[STORE_PATH_MAX];
	size_t len;
	int line;

	if (cert_path(r, name, "settings", path) != 0 ||
	    store_read_nofollow(path, r->cs->conf_text,
	    sizeof(r->cs->conf_text), &len) != 0) {
		return file_fail("cannot read", path);
	}
	if (conf_parse(r->cs->conf_text, len, &r->cs->conf, &line) != 0) {
		msg_err("%s: line %d is not a nanoacme setting", path, line);
		return EXIT_LOCAL;
	}
	return 0;
}

/* True if two optional settings are equal (both unset counts). */
bool
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/*
 * issue for a certificate that is not due: the settings given replace
 * the stored ones (how a setting is changed without reissuing), written
 * atomically into the current version. Returns 1 changed, 0 the same,
 * -1 failed (reported).
 */
int
settings_update(struct run *r, const struct conf *c)
{
	struct session *ca = r->ca;
	char path[STORE_PATH_MAX], now[8192];
	struct sbuf b, old;

	sbuf_init(&b, ca->payload, sizeof(ca->payload));
	sbuf_init(&old, now, sizeof(now));
	if (conf_format(c, &b) != 0 || conf_format(&r->cs->conf, &old) != 0) {
		msg_err("settings hold a control character: not stored");
		return -1;
	}
	if (b.len == old.len && memcmp(b.p, old.p, b.len) == 0) {
		return 0;
	}
	if (cert_path(r, c->names[0], "settings", path) != 0 ||
	    store_write(path, b.p, b.len, 0644) != 0) {
		file_fail("cannot write", path);
		return -1;
	}
	return 1;
}

/* True if the CA answered renewal information for certificate name. */
bool
ari_known(const struct run *r, const char *name)
{
	struct ari_state a;

	return ari_load(r, name, &a) == 0 && a.at > 0;
}

/* see run.h */
int
ari_save(const struct run *r, const char *name, const struct ari_state *a)
{
	char path[STORE_PATH_MAX], txt[128];
	struct sbuf b;

	sbuf_init(&b, txt, sizeof(txt));
	return ari_format(a, &b) == 0 && cert_path(r, name, "ari", path) == 0 &&
	    store_write(path, b.p, b.len, 0644) == 0 ? 0 : -1;
}

/* see run.h */
int
ari_load(const struct run *r, const char *name, struct ari_state *a)
{
	char path[STORE_PATH_MAX], txt[256];
	size_t len;

	return cert_path(r, name, "ari", path) == 0 &&
	    store_read_nofollow(path, txt, sizeof(txt), &len) == 0 &&
	    ari_parse(txt, len, a) == 0 ? 0 : -1;
}

/* see run.h */
int
cert_der(struct run *r, const char *path, bool in_state, size_t *der_len)
{
	char label[64];
	size_t len, pos = 0;

	if ((in_state ? store_read_nofollow(path, r->pem, sizeof(r->pem),
	    &len) : store_read(path, r->pem, sizeof(r->pem), &len)) != 0) {
		return -1;
	}
	while (pem_next(r->pem, len, &pos, label, sizeof(label), r->der,
	    sizeof(r->der), der_len) == 1) {
		if (strcmp(label, "CERTIFICATE") == 0) {
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

/* see run.h */
int
read_cert_der(struct run *r, const char *path, bool in_state,
    size_t *der_len)
{
	if (cert_der(r, path, in_state, der_len) == 0) {
		return 0;
	}
	if (errno != EINVAL) {
		return file_fail("cannot read", path);
	}
	msg_err("%s: no PEM certificate in it", path);
	return EXIT_LOCAL;
}

/*
 * Removes what dry runs killed before their cleanup (SIGKILL, a power
 * cut) left in dir: our own nanoacme-dry-run.* directories, which hold
 * copies of account keys, once a day old and with their lock free (a
 * dry run holds it from its first step to its end, however long).
 */
static void
dry_state_sweep(const char *dir)
{
	char path[STORE_PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	if ((d = opendir(dir)) == NULL) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "nanoacme-dry-run.", 17) != 0 ||
		    store_join(path, sizeof(path), dir, e->d_name) != 0 ||
		    lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid() ||
		    st.st_mtime > time(NULL) - 86400) {
			continue;
		}
		if ((fd = store_lock(path)) >= 0) {
			store_rmtree(path, 4);
			close(fd);
		}
	}
	closedir(d);
}

/*
 * --dry-run: a throwaway state directory under $TMPDIR (else /tmp) into
 * tmp[STORE_PATH_MAX], holding a copy of STATE's accounts (key, URL), so
 * that a dry run at the same CA uses the account a real run would and
 * creates none. STATE itself is only read. Returns 0 or EXIT_LOCAL.
 */
int
dry_state(const struct run *r, char *tmp)
{
	static const char *const files[] = { "key.pem", "url" };
	char src[STORE_PATH_MAX], dst[STORE_PATH_MAX], buf[2048];
	const char *t = getenv("TMPDIR");
	struct dirent *e;
	size_t k, n;
	DIR *d;

	t = t != NULL && t[0] == '/' ? t : "/tmp";
	dry_state_sweep(t);
	if (fmt_s(tmp, STORE_PATH_MAX - 256, "%s/nanoacme-dry-run.XXXXXX",
	    t) < 0 || mkdtemp(tmp) == NULL) {
		return file_fail("cannot create a directory in", t);
	}
	if (store_join(src, sizeof(src), r->o->state, "account") != 0 ||
	    (d = opendir(src)) == NULL) {
		return 0;       /* no account yet */
	}
	while ((e = readdir(d)) != NULL) {
		for (k = 0; k < 2 && e->d_name[0] != '.'; k++) {
			fmt_s(dst, sizeof(dst), "%s/account/%s", tmp,
			    e->d_name);
			if (fmt_s(src, sizeof(src), "%s/account/%s/%s",
			    r->o->state, e->d_name, files[k]) > 0 &&
			    store_read(src, buf, sizeof(buf), &n) == 0 &&
			    store_mkdirs(dst, 0700) == 0 && store_join(src,
			    sizeof(src), dst, files[k]) == 0) {
				store_write(src, buf, n, 0600);
			}
		}
	}
	closedir(d);
	memset(buf, 0, sizeof(buf));
	return 0;
}
