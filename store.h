/* SPDX-License-Identifier: MIT */
/*
 * store.h - the state directory on disk: bounded reads, atomic writes,
 * the run lock and the certificate directory swap.
 *
 * Why separate: "a failed run never damages a working certificate" is
 * decided here. Every write goes to a temporary file created with its
 * final mode (keys are 0600 from the first byte), is fsync'ed, then
 * renamed over the old one. A certificate and its key live together in
 * a version directory that STATE/certs/NAME (a symlink) points at; the
 * symlink is replaced with one rename(), so a reader, or a power cut,
 * sees the old pair or the new pair, never a mix. Nothing here prints:
 * failures return -1 with errno set.
 */
#ifndef NANOACME_STORE_H
#define NANOACME_STORE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>

/* Longest path we build; longer ones fail with ENAMETOOLONG. */
#define STORE_PATH_MAX 1024

/*
 * Creates directory path and missing parents with mode (existing ones
 * are left as they are). Returns 0 or -1.
 */
int store_mkdirs(const char *path, mode_t mode);

/* Which rule a state directory broke (store_check_dir()). */
enum store_dir_err {
	STORE_DIR_OK = 0,
	STORE_DIR_LSTAT,      /* lstat() failed: errno says why */
	STORE_DIR_SYMLINK,    /* a symbolic link, not the directory itself */
	STORE_DIR_NOTDIR,     /* something else than a directory */
	STORE_DIR_OWNER,      /* owned by st->st_uid, not the effective uid */
	STORE_DIR_MODE        /* group or others have access (st->st_mode) */
};

/*
 * Checks that the state directory dir can be trusted: a real directory
 * (lstat: not a symlink to one; trailing '/' ignored) owned by the
 * effective uid, with no permission for group or others. Anyone who
 * can write into it, or who owns it, could plant a key, a settings file
 * with a deploy hook, or a symlink that a root run would follow.
 * Returns 0, or -1 with *why set; *st holds what lstat() found.
 */
int store_check_dir(const char *dir, struct stat *st,
    enum store_dir_err *why);

/* DIR/NAME into out[0..cap): -1 (errno ENAMETOOLONG) if it does not fit. */
int store_join(char *out, size_t cap, const char *dir, const char *name);

/*
 * Reads file path into buf[0..cap): fails with EFBIG if it holds cap
 * bytes or more (so buf can be NUL-terminated, which it is). Returns 0
 * with *len set, or -1 (errno ENOENT when the file does not exist).
 * Follows symlinks: for files the user names (--ca-file, --csr, ...).
 */
int store_read(const char *path, char *buf, size_t cap, size_t *len);

/*
 * store_read() for the files of the state directory: fails with ELOOP
 * if the last component of path is a symlink (the directories on the
 * way, such as the certs/NAME link, are followed).
 */
int store_read_nofollow(const char *path, char *buf, size_t cap,
    size_t *len);

/*
 * Atomically replaces path with data[0..len): temporary file in the same
 * directory opened O_EXCL with mode, write, fsync, rename, fsync of the
 * directory. On failure the old file is untouched and the temporary
 * removed. Returns 0 or -1.
 */
int store_write(const char *path, const void *data, size_t len,
    mode_t mode);

/*
 * Renames from over to (same directory) and fsyncs the directory, so
 * the new name survives a power cut. Returns 0 or -1.
 */
int store_rename(const char *from, const char *to);

/*
 * Takes the exclusive lock of the state directory dir (flock on
 * dir/lock, non-blocking; the file is created 0600, never through a
 * symlink). Returns the lock fd, kept open for the life of the process,
 * or -1 (errno EWOULDBLOCK when another run holds it, ELOOP when lock
 * is a symlink).
 */
int store_lock(const char *dir);

/*
 * Makes a new empty version directory for certificate name under
 * certs_dir (".NAME.<n>", mode 0700) and writes its path to out[0..cap).
 * Returns 0 or -1.
 */
int store_version_new(const char *certs_dir, const char *name, char *out,
    size_t cap);

/*
 * Points certs_dir/NAME at version directory version (a path returned
 * by store_version_new) with one rename() of a symlink, fsyncs
 * certs_dir, then removes the version directory it pointed at before,
 * and stale ones a killed run left behind. Returns 0 or -1; on -1 the
 * old version is still the current one.
 */
int store_version_commit(const char *certs_dir, const char *name,
    const char *version);

/* Removes version directory path and the files in it (best effort;
 * a symlink in its place is left alone, its target untouched). */
void store_version_drop(const char *path);

/*
 * Removes path and, if it is a directory, what it holds, at most depth
 * levels down; symlinks are removed, never followed. Best effort.
 */
void store_rmtree(const char *path, int depth);

#endif /* NANOACME_STORE_H */
