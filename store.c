/* SPDX-License-Identifier: MIT */
/*
 * store.c - bounded reads, atomic writes, the lock and version swaps.
 * See store.h for why this is a module of its own.
 */
#include "store.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>      /* rename() */
#include "fmt.h"
#include <string.h>
#include <unistd.h>

/* see store.h */
int
store_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = fmt_s(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* see store.h */
int
store_mkdirs(const char *path, mode_t mode)
{
	char p[STORE_PATH_MAX];
	size_t n = strlen(path), k;

	if (n == 0 || n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (k = 1; k <= n; k++) {
		if (p[k] != '/' && p[k] != '\0') {
			continue;
		}
		p[k] = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			return -1;
		}
		p[k] = k < n ? '/' : '\0';
	}
	return 0;
}

/* see store.h */
int
store_check_dir(const char *dir, struct stat *st, enum store_dir_err *why)
{
	char p[STORE_PATH_MAX];
	size_t n = strlen(dir);

	memset(st, 0, sizeof(*st));
	*why = STORE_DIR_LSTAT;
	if (n == 0 || n >= sizeof(p)) {
		errno = n == 0 ? ENOENT : ENAMETOOLONG;
		return -1;
	}
	/* "dir/" would make lstat() follow a symlink named dir */
	memcpy(p, dir, n + 1);
	while (n > 1 && p[n - 1] == '/') {
		p[--n] = '\0';
	}
	if (lstat(p, st) != 0) {
		return -1;
	}
	if (S_ISLNK(st->st_mode)) {
		*why = STORE_DIR_SYMLINK;
	} else if (!S_ISDIR(st->st_mode)) {
		*why = STORE_DIR_NOTDIR;
	} else if (st->st_uid != geteuid()) {
		*why = STORE_DIR_OWNER;
	} else if ((st->st_mode & 077) != 0) {
		*why = STORE_DIR_MODE;
	} else {
		*why = STORE_DIR_OK;
		return 0;
	}
	return -1;
}

/* store_read() with extra open() flags. */
static int
read_file(const char *path, int flags, char *buf, size_t cap, size_t *len)
{
	size_t got = 0;
	ssize_t r;
	int fd, saved;

	if (cap == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC | flags)) < 0) {
		return -1;
	}
	for (;;) {
		if (got == cap - 1) {
			/* Full: one more byte would mean the file is too big. */
			r = read(fd, &(char){ 0 }, 1);
			if (r > 0) {
				errno = EFBIG;
				r = -1;
			}
		} else {
			r = read(fd, buf + got, cap - 1 - got);
		}
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			break;
		}
		got += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (r < 0) {
		errno = saved;
		return -1;
	}
	buf[got] = '\0';
	*len = got;
	return 0;
}

/* see store.h */
int
store_read(const char *path, char *buf, size_t cap, size_t *len)
{
	return read_file(path, 0, buf, cap, len);
}

/* see store.h */
int
store_read_nofollow(const char *path, char *buf, size_t cap, size_t *len)
{
	return read_file(path, O_NOFOLLOW, buf, cap, len);
}

/* fsyncs the directory holding path (makes a rename durable). */
static int
sync_parent(const char *path)
{
	char dir[STORE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		return -1;
	}
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* see store.h */
int
store_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[STORE_PATH_MAX];
	int fd = -1, n, rc = -1, saved;

	n = fmt_s(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A stale temp of ours (same pid after reboot) is never live data. */
	unlink(tmp);
	/* Created with its final mode: a key is never readable by others.
	 * O_EXCL already refuses a symlink; O_NOFOLLOW says so. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0) {
		return -1;
	}
	if (fchmod(fd, mode) != 0 || fmt_write(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		goto out;
	}
	rc = sync_parent(path);
	return rc;
out:
	saved = errno;
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	errno = saved;
	return rc;
}

/* see store.h */
int
store_rename(const char *from, const char *to)
{
	if (rename(from, to) != 0) {
		return -1;
	}
	return sync_parent(to);
}

/* see store.h */
int
store_lock(const char *dir)
{
	char path[STORE_PATH_MAX];
	int fd;

	if (store_join(path, sizeof(path), dir, "lock") != 0) {
		return -1;
	}
	/* A lock symlink planted in the directory would make a root run
	 * create its target anywhere: O_NOFOLLOW fails with ELOOP. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* see store.h */
int
store_version_new(const char *certs_dir, const char *name, char *out,
    size_t cap)
{
	int k, n;

	for (k = 1; k < 1000; k++) {
		n = fmt_s(out, cap, "%s/.%s.%d", certs_dir, name, k);
		if (n < 0 || (size_t)n >= cap) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (mkdir(out, 0700) == 0) {
			return 0;
		}
		if (errno != EEXIST) {
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

/* see store.h */
void
store_version_drop(const char *path)
{
	/* never through a symlink: .NAME.N -> /etc would empty /etc */
	store_rmtree(path, 1);
}

/*
 * Removes the version directories of name in certs_dir other than keep
 * (a base name): the one just replaced and any a killed run left.
 */
static void
drop_old_versions(const char *certs_dir, const char *name, const char *keep)
{
	char prefix[300], path[STORE_PATH_MAX];
	struct dirent *e;
	size_t plen;
	DIR *d;
	int n;

	n = fmt_s(prefix, sizeof(prefix), ".%s.", name);
	if (n < 0 || (size_t)n >= sizeof(prefix) ||
	    (d = opendir(certs_dir)) == NULL) {
		return;
	}
	plen = (size_t)n;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, plen) != 0 ||
		    strcmp(e->d_name, keep) == 0 ||
		    strspn(e->d_name + plen, "0123456789") !=
		    strlen(e->d_name + plen)) {
			continue;
		}
		if (store_join(path, sizeof(path), certs_dir, e->d_name) == 0) {
			store_version_drop(path);
		}
	}
	closedir(d);
}

/* see store.h */
int
store_version_commit(const char *certs_dir, const char *name,
    const char *version)
{
	char link_path[STORE_PATH_MAX], tmp[STORE_PATH_MAX];
	const char *base = strrchr(version, '/');
	int n;

	base = base == NULL ? version : base + 1;
	if (store_join(link_path, sizeof(link_path), certs_dir, name) != 0) {
		return -1;
	}
	n = fmt_s(tmp, sizeof(tmp), "%s/.%s.lnk", certs_dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(tmp);
	/* A relative target keeps the state directory movable. */
	if (symlink(base, tmp) != 0) {
		return -1;
	}
	if (rename(tmp, link_path) != 0) {
		n = errno;
		unlink(tmp);
		errno = n;
		return -1;
	}
	/* The new version is current from here on: a failed fsync cannot
	 * undo that, so it is not reported as a failure to install. */
	sync_parent(link_path);
	drop_old_versions(certs_dir, name, base);
	return 0;
}

/* Removes name in directory dfd, and below it up to depth levels. */
static void
rm_at(int dfd, const char *name, int depth)
{
	struct dirent *e;
	DIR *d;
	int fd;

	/* a file or symlink goes at once; a directory (EISDIR) is opened
	 * without following a link, emptied, then removed */
	if (unlinkat(dfd, name, 0) == 0 || depth <= 0 || (fd = openat(dfd,
	    name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		return;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			rm_at(fd, e->d_name, depth - 1);
		}
	}
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/* see store.h */
void
store_rmtree(const char *path, int depth)
{
	rm_at(AT_FDCWD, path, depth);
}
