/* SPDX-License-Identifier: MIT */
/*
 * t_store.c - unit tests of store.c where the state directory meets
 * someone else's files: store_check_dir() (a real directory, ours,
 * closed to group and others), the lock and reads that do not follow a
 * planted symlink, and version swaps that never reach through one.
 * Run as root, the owner rule is tested with a directory given to
 * nobody (uid 65534); otherwise that check is skipped and says so.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "store.h"

#include "runner.h"

static char base[64];
static char path[STORE_PATH_MAX];

/* base/name into path. */
static const char *
at(const char *name)
{
	fmt_s(path, sizeof(path), "%s/%s", base, name);
	return path;
}

/* True if base/name exists (not following a last symlink). */
static bool
exists(const char *name)
{
	struct stat st;

	return lstat(at(name), &st) == 0;
}

/* Creates base/name holding s. */
static int
put(const char *name, const char *s)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		return -1;
	}
	if (fmt_write(fd, s, strlen(s)) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* store_check_dir(base/name): the rule broken, STORE_DIR_OK if none
 * (100 and up: the return value and *why disagree). */
static int
check(const char *name)
{
	enum store_dir_err why = STORE_DIR_OK;
	struct stat st;
	int rc = store_check_dir(at(name), &st, &why);

	if (rc == 0) {
		return why == STORE_DIR_OK ? STORE_DIR_OK : 100;
	}
	return why == STORE_DIR_OK ? 101 : (int)why;
}

static int
test_check_dir(void)
{
	enum store_dir_err why;
	struct stat st;
	char longp[STORE_PATH_MAX + 8];

	CHECK(mkdir(at("s"), 0700) == 0);
	CHECK(check("s") == STORE_DIR_OK);
	CHECK(check("s/") == STORE_DIR_OK);
	CHECK(check("s//") == STORE_DIR_OK);
	/* read-only for the owner is fine (a read-only flash overlay) */
	CHECK(chmod(at("s"), 0500) == 0 && check("s") == STORE_DIR_OK);
	CHECK(chmod(at("s"), 0000) == 0 && check("s") == STORE_DIR_OK);
	/* any bit for group or others is refused */
	CHECK(chmod(at("s"), 0755) == 0 && check("s") == STORE_DIR_MODE);
	CHECK(chmod(at("s"), 0710) == 0 && check("s") == STORE_DIR_MODE);
	CHECK(chmod(at("s"), 0701) == 0 && check("s") == STORE_DIR_MODE);
	CHECK(chmod(at("s"), 01777) == 0 && check("s") == STORE_DIR_MODE);
	CHECK(store_check_dir(at("s"), &st, &why) == -1 &&
	    (st.st_mode & 07777) == 01777);
	CHECK(chmod(at("s"), 0700) == 0);
	/* a symlink to a good directory, with or without a trailing '/' */
	CHECK(symlink("s", at("link")) == 0);
	CHECK(check("link") == STORE_DIR_SYMLINK);
	CHECK(check("link/") == STORE_DIR_SYMLINK);
	CHECK(symlink("nowhere", at("dangling")) == 0);
	CHECK(check("dangling") == STORE_DIR_SYMLINK);
	/* a file, a missing path, an empty and a too long one */
	CHECK(put("file", "x") == 0 && check("file") == STORE_DIR_NOTDIR);
	CHECK(check("missing") == STORE_DIR_LSTAT && errno == ENOENT);
	CHECK(store_check_dir("", &st, &why) == -1 &&
	    why == STORE_DIR_LSTAT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK(store_check_dir(longp, &st, &why) == -1 &&
	    why == STORE_DIR_LSTAT && errno == ENAMETOOLONG);
	/* the root directory itself is not closed to others */
	CHECK(store_check_dir("/", &st, &why) == -1 &&
	    (why == STORE_DIR_MODE || why == STORE_DIR_OWNER));
	return 0;
}

static int
test_check_dir_owner(void)
{
	enum store_dir_err why;
	struct stat st;

	if (geteuid() != 0) {
		printf("skip test_check_dir_owner: not root\n");
		return 0;
	}
	CHECK(mkdir(at("theirs"), 0700) == 0);
	CHECK(chown(at("theirs"), 65534, 65534) == 0);
	CHECK(store_check_dir(at("theirs"), &st, &why) == -1);
	CHECK(why == STORE_DIR_OWNER && st.st_uid == 65534);
	/* the owner rule comes before the mode rule */
	CHECK(chmod(at("theirs"), 0777) == 0);
	CHECK(check("theirs") == STORE_DIR_OWNER);
	return 0;
}

static int
test_lock(void)
{
	int fd, fd2;

	CHECK(mkdir(at("l"), 0700) == 0);
	fd = store_lock(at("l"));
	CHECK(fd >= 0);
	/* a second lock, even in this process, is refused */
	CHECK(store_lock(at("l")) == -1 && errno == EWOULDBLOCK);
	close(fd);
	fd2 = store_lock(at("l"));
	CHECK(fd2 >= 0);
	close(fd2);
	/* a planted lock symlink: refused, its target never created */
	CHECK(mkdir(at("p"), 0700) == 0);
	CHECK(symlink("../target", at("p/lock")) == 0);
	CHECK(store_lock(at("p")) == -1 && errno == ELOOP);
	CHECK(!exists("target"));
	/* nor opened when it exists */
	CHECK(put("target", "keep") == 0);
	CHECK(store_lock(at("p")) == -1 && errno == ELOOP);
	return 0;
}

static int
test_read_nofollow(void)
{
	char buf[16];
	size_t len;

	CHECK(mkdir(at("r"), 0700) == 0 && mkdir(at("r/.v.1"), 0700) == 0);
	CHECK(put("r/.v.1/settings", "name a\n") == 0);
	CHECK(symlink(".v.1", at("r/v")) == 0);
	CHECK(symlink(".v.1/settings", at("r/alias")) == 0);
	/* through a directory link (certs/NAME) is fine */
	CHECK(store_read_nofollow(at("r/v/settings"), buf, sizeof(buf),
	    &len) == 0 && len == 7 && strcmp(buf, "name a\n") == 0);
	/* a symlink as the file itself is refused; store_read() follows */
	CHECK(store_read_nofollow(at("r/alias"), buf, sizeof(buf),
	    &len) == -1 && errno == ELOOP);
	CHECK(store_read(at("r/alias"), buf, sizeof(buf), &len) == 0 &&
	    len == 7);
	/* the size rule is the same: cap - 1 bytes fit, cap do not */
	CHECK(store_read_nofollow(at("r/v/settings"), buf, 8, &len) == 0);
	CHECK(store_read_nofollow(at("r/v/settings"), buf, 7, &len) == -1 &&
	    errno == EFBIG);
	CHECK(store_read_nofollow(at("r/v/none"), buf, 8, &len) == -1 &&
	    errno == ENOENT);
	return 0;
}

static int
test_write_not_through_link(void)
{
	char buf[16];
	size_t len;

	CHECK(mkdir(at("w"), 0700) == 0);
	CHECK(put("victim", "keep") == 0);
	/* a symlink in place of the file is replaced, not followed */
	CHECK(symlink("../victim", at("w/settings")) == 0);
	CHECK(store_write(at("w/settings"), "new\n", 4, 0600) == 0);
	CHECK(store_read_nofollow(at("w/settings"), buf, sizeof(buf),
	    &len) == 0 && strcmp(buf, "new\n") == 0);
	CHECK(store_read(at("victim"), buf, sizeof(buf), &len) == 0 &&
	    strcmp(buf, "keep") == 0);
	return 0;
}

/* Makes the next version of c/a.test in ver[0..cap), checks that it is
 * base/want, writes text as its cert.pem, commits it and reads it back
 * through c/a.test; 0, or the line of the failed check. */
static int
commit_version(const char *want, const char *text, char *ver, size_t cap)
{
	char buf[16];
	size_t len;

	CHECK(store_version_new(at("c"), "a.test", ver, cap) == 0);
	CHECK(strcmp(ver, at(want)) == 0);
	fmt_s(path, sizeof(path), "%s/cert.pem", ver);
	CHECK(store_write(path, text, strlen(text), 0644) == 0);
	CHECK(store_version_commit(at("c"), "a.test", ver) == 0);
	CHECK(store_read_nofollow(at("c/a.test/cert.pem"), buf, sizeof(buf),
	    &len) == 0 && strcmp(buf, text) == 0);
	return 0;
}

static int
test_versions(void)
{
	char ver[STORE_PATH_MAX], ver2[STORE_PATH_MAX];

	CHECK(mkdir(at("c"), 0700) == 0);
	CHECK(mkdir(at("elsewhere"), 0700) == 0);
	CHECK(put("elsewhere/precious", "keep") == 0);
	/* a planted .NAME.N symlink: drop_old_versions() must not empty
	 * its target */
	CHECK(symlink("../elsewhere", at("c/.a.test.7")) == 0);
	CHECK(commit_version("c/.a.test.1", "one", ver, sizeof(ver)) == 0);
	CHECK(exists("elsewhere/precious"));
	/* the next version replaces the first, which is removed */
	CHECK(commit_version("c/.a.test.2", "two", ver2, sizeof(ver2)) == 0);
	CHECK(!exists("c/.a.test.1"));
	CHECK(exists("elsewhere/precious"));
	/* dropping a symlink leaves its target alone */
	store_version_drop(at("c/.a.test.7"));
	CHECK(exists("elsewhere/precious"));
	/* dropping a real version directory empties and removes it */
	store_version_drop(ver2);
	CHECK(!exists("c/.a.test.2"));
	return 0;
}

int
main(void)
{
	char cmd[128];

	fmt_s(base, sizeof(base), "%s", "/tmp/nanoacme-t_store.XXXXXX");
	runner_init(base);
	RUN(test_check_dir);
	RUN(test_check_dir_owner);
	RUN(test_lock);
	RUN(test_read_nofollow);
	RUN(test_write_not_through_link);
	RUN(test_versions);
	fmt_s(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0) {
		printf("could not remove %s\n", base);
	}
	return runner_done();
}
