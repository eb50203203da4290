/* SPDX-License-Identifier: MIT */
/*
 * fmt.h - our own small printf: %s %c %d %i %u %x with the l, ll and z
 * length modifiers, '-' and '0' flags and a field width.
 *
 * Why: musl's printf family links floating-point and wide-character
 * formatting (fmt_fp, mbsrtowcs: ~10 KB) that nanoacme never uses, and
 * stdio's buffers on top; the static binary has a size budget (192 KiB
 * on x86_64). Output goes straight to a file descriptor with write(2).
 * The functions carry GCC's format attribute, so the compiler checks
 * every call as it would printf's. struct sbuf, the bounded string
 * builder every module appends with, lives here too: this is the one
 * header below all the others. So do the one loop that reads or writes
 * a file descriptor whole (fmt_read(), fmt_write(), fmt_read_lines())
 * and the one decimal number parser (fmt_dec()): copies drift.
 */
#ifndef NANOACME_FMT_H
#define NANOACME_FMT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define FMT_CHECK(f, a) __attribute__((format(printf, f, a)))
#else
#define FMT_CHECK(f, a)
#endif

/*
 * Formats into out[0..cap) like vsnprintf: always NUL-terminated when
 * cap > 0, returns the length the whole result has (so n >= cap means
 * it was cut), or -1 on a conversion it does not know.
 */
int fmt_v(char *out, size_t cap, const char *fmt, va_list ap);

/* fmt_v() with arguments: snprintf. */
int fmt_s(char *out, size_t cap, const char *fmt, ...) FMT_CHECK(3, 4);

/* Formats (up to 4 KB) and writes to file descriptor fd: dprintf. */
void fmt_fd(int fd, const char *fmt, ...) FMT_CHECK(2, 3);

/*
 * Writes the decimal digits of v into buf (no NUL) and returns how many.
 * With 32-bit arithmetic only: on 32-bit routers a 64-bit division
 * links libgcc's __udivdi3/__umoddi3 (2 KB of a tight size budget).
 */
size_t fmt_u64(char buf[20], unsigned long long v);

/*
 * Bounded string builder (STYLE §3). len bytes used out of cap; an
 * append that does not fit sets err and every later append does
 * nothing, so a caller checks once at the end. p is kept NUL-terminated
 * while cap > 0 (so at most cap - 1 bytes are used).
 */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

/* Starts an empty builder over p[0..cap). */
void sbuf_init(struct sbuf *b, char *p, size_t cap);

/* Appends n raw bytes. */
void sbuf_add(struct sbuf *b, const void *s, size_t n);

/* Appends a NUL-terminated string, raw. */
void sbuf_adds(struct sbuf *b, const char *s);

/* Appends the decimal digits of v. */
void sbuf_addu(struct sbuf *b, unsigned long long v);

/* Writes data[0..n) to fd, whole (retrying short writes and EINTR).
 * Returns 0 or -1 with errno. */
int fmt_write(int fd, const void *data, size_t n);

/* Reads exactly n bytes from fd into data (blocking, through EINTR):
 * 0, or -1 on an error or end of file first. */
int fmt_read(int fd, void *data, size_t n);

/*
 * The text file path, its first cap bytes at most, into buf[0..cap) (no
 * NUL added). Returns how many bytes, 0 if it cannot be opened or read.
 * A file of cap bytes or more is cut after its last newline within
 * them: a caller that reads lines sees whole lines only, never the
 * first part of a longer one (which could mean something else).
 */
size_t fmt_read_lines(const char *path, char *buf, size_t cap);

/*
 * The message of errno value e, as strerror() gives it, for the errors a
 * run can meet (files, sockets, processes: musl's words), else "error
 * N": musl's table of all 134 messages is 2 KB of a 200 KB budget. The
 * "error N" text is valid until the next call.
 */
const char *fmt_strerror(int e);

/*
 * The decimal number s[0..n) into *out: digits only (leading zeros
 * allowed), at least one, at most max; overflow-checked, with no
 * division at run time. Returns 0, or -1 (*out untouched). A caller
 * that caps the number of digits checks n itself.
 */
int fmt_dec(const char *s, size_t n, unsigned long long max,
    unsigned long long *out);

/* Writes the NUL-terminated s to fd, whole. */
void fmt_puts(int fd, const char *s);

#endif /* NANOACME_FMT_H */
