/* SPDX-License-Identifier: MIT */
/*
 * fmt.c - the small printf of fmt.h, the string builder, whole reads
 * and writes, the decimal parser. See fmt.h for why they exist.
 */
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* The output so far: out[0..cap) holds what fits, len counts it all. */
struct fmt_out {
	char *p;
	size_t cap, len;
};

static void
put(struct fmt_out *o, const char *s, size_t n)
{
	size_t room;

	if (o->cap > 0 && o->len < o->cap - 1) {
		room = o->cap - 1 - o->len;
		memcpy(o->p + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
pad(struct fmt_out *o, char c, size_t n)
{
	while (n-- > 0) {
		put(o, &c, 1);
	}
}

/* Puts s[0..n) in a field of width w, left-aligned with '-'. */
static void
field(struct fmt_out *o, const char *s, size_t n, size_t w, int left,
    char fill)
{
	if (!left && n < w) {
		/* zero padding goes after a sign */
		if (fill == '0' && n > 0 && s[0] == '-') {
			put(o, s, 1);
			s++;
			n--;
			w--;
		}
		pad(o, fill, w - n);
	}
	put(o, s, n);
	if (left && n < w) {
		pad(o, ' ', w - n);
	}
}

/* Divides v by 10 in place, returns the remainder: 16-bit limbs, so
 * every step is a 32-bit division. */
static unsigned
div10(unsigned long long *v)
{
	unsigned long long q = 0;
	unsigned long cur, rem = 0;
	int shift;

	for (shift = 48; shift >= 0; shift -= 16) {
		cur = rem << 16 | (unsigned long)((*v >> shift) & 0xFFFF);
		q |= (unsigned long long)(cur / 10) << shift;
		rem = cur % 10;
	}
	*v = q;
	return (unsigned)rem;
}

/* see fmt.h */
size_t
fmt_u64(char buf[20], unsigned long long v)
{
	char tmp[20];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + div10(&v));
	} while (v > 0);
	while (n > 0) {
		buf[k++] = tmp[--n];
	}
	return k;
}

/* Decimal (base 10) or hex (base 16) text of v, sign first if neg. */
static size_t
num(char buf[24], unsigned long long v, int neg, unsigned base)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	size_t n = 0, k = 0;

	if (neg) {
		buf[k++] = '-';
	}
	if (base == 10) {
		return k + fmt_u64(buf + k, v);
	}
	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v > 0);
	while (n > 0) {
		buf[k++] = tmp[--n];
	}
	return k;
}

/* Reads one integer argument of length modifier len (0 none, 1 l, 2 ll,
 * 3 z) as signed or unsigned. */
static unsigned long long
arg_int(va_list *ap, int len, int is_signed, int *neg)
{
	long long s;

	*neg = 0;
	if (!is_signed) {
		return len == 2 ? va_arg(*ap, unsigned long long) :
		    len == 1 ? va_arg(*ap, unsigned long) :
		    len == 3 ? va_arg(*ap, size_t) : va_arg(*ap, unsigned);
	}
	s = len == 2 ? va_arg(*ap, long long) : len == 1 ? va_arg(*ap, long) :
	    len == 3 ? (long long)va_arg(*ap, size_t) : va_arg(*ap, int);
	*neg = s < 0;
	return s < 0 ? 0 - (unsigned long long)s : (unsigned long long)s;
}

/* see fmt.h */
int
fmt_v(char *out, size_t cap, const char *fmt, va_list ap)
{
	struct fmt_out o = { out, cap, 0 };
	char buf[24], fill;
	unsigned long long v;
	const char *s;
	size_t w, n;
	int left, len, neg;
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			put(&o, fmt, 1);
			continue;
		}
		fmt++;
		left = *fmt == '-';
		fmt += left;
		fill = *fmt == '0' ? '0' : ' ';
		for (w = 0; *fmt >= '0' && *fmt <= '9'; fmt++) {
			w = w * 10 + (size_t)(*fmt - '0');
		}
		len = 0;
		if (*fmt == 'z') {
			len = 3;
			fmt++;
		}
		while (*fmt == 'l' && len < 2) {
			len++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			s = va_arg(aq, const char *);
			s = s != NULL ? s : "(null)";
			field(&o, s, strlen(s), w, left, ' ');
			break;
		case 'c':
			buf[0] = (char)va_arg(aq, int);
			field(&o, buf, 1, w, left, ' ');
			break;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
			v = arg_int(&aq, len, *fmt == 'd' || *fmt == 'i', &neg);
			n = num(buf, v, neg, *fmt == 'x' ? 16 : 10);
			field(&o, buf, n, w, left, left ? ' ' : fill);
			break;
		case '%':
			put(&o, "%", 1);
			break;
		default:
			va_end(aq);
			return -1;
		}
	}
	va_end(aq);
	if (cap > 0) {
		out[o.len < cap ? o.len : cap - 1] = '\0';
	}
	return o.len > 0x7FFFFFFF ? 0x7FFFFFFF : (int)o.len;
}

/* see fmt.h */
int
fmt_s(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_v(out, cap, fmt, ap);
	va_end(ap);
	return n;
}

/* see fmt.h */
void
sbuf_init(struct sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->err = cap == 0;
	if (cap > 0) {
		p[0] = '\0';
	}
}

/* see fmt.h */
void
sbuf_add(struct sbuf *b, const void *s, size_t n)
{
	/* Keep one byte for the terminating NUL. */
	if (b->err != 0 || n >= b->cap - b->len) {
		b->err = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* see fmt.h */
void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/* see fmt.h */
void
sbuf_addu(struct sbuf *b, unsigned long long v)
{
	char d[20];

	sbuf_add(b, d, fmt_u64(d, v));
}

/* Writes (wr) or reads n bytes at b, blocking, through EINTR: how many
 * before the end of file (reading) or n, or -1 on an error. */
static ssize_t
fd_all(int fd, unsigned char *b, size_t n, bool wr)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = wr ? write(fd, b + done, n - done) :
		    read(fd, b + done, n - done);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			return -1;
		}
		if (r == 0) {
			break;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* see fmt.h */
int
fmt_write(int fd, const void *data, size_t n)
{
	/* write() does not change data: the cast only shares fd_all() */
	return fd_all(fd, (unsigned char *)data, n, true) == (ssize_t)n ?
	    0 : -1;
}

/* see fmt.h */
int
fmt_read(int fd, void *data, size_t n)
{
	return fd_all(fd, data, n, false) == (ssize_t)n ? 0 : -1;
}

/* see fmt.h */
size_t
fmt_read_lines(const char *path, char *buf, size_t cap)
{
	ssize_t r = -1;
	size_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		r = fd_all(fd, (unsigned char *)buf, cap, false);
		close(fd);
	}
	n = r > 0 ? (size_t)r : 0;
	if (n == cap) {
		/* full: the file may go on, so its last line here may be
		 * the first part of a longer one; drop it */
		while (n > 0 && buf[n - 1] != '\n') {
			n--;
		}
	}
	return n;
}

/* see fmt.h */
int
fmt_dec(const char *s, size_t n, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned d;
	size_t i;

	if (n == 0) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* no division at run time: ULLONG_MAX / 10 is folded, and a
		 * 64-bit one links libgcc's __udivdi3 on 32-bit targets
		 * (dnsrec.c's own copy did: 2 KB on mipsel) */
		d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9 || v > ULLONG_MAX / 10 || v * 10 > ULLONG_MAX - d ||
		    v * 10 + d > max) {
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* see fmt.h */
const char *
fmt_strerror(int e)
{
	/* the errors a run can meet, in musl's words; texts[k] is the
	 * message of codes[k] */
	static const unsigned short codes[] = {
		ENOENT, EACCES, EPERM, EROFS, ENOSPC, EDQUOT, EIO, EISDIR,
		ENOTDIR, ENAMETOOLONG, ELOOP, EEXIST, EXDEV, EBUSY, ETXTBSY,
		ENOTEMPTY, EFBIG, EMFILE, ENFILE, ENOMEM, EINVAL, EAGAIN,
		EINTR, ENOEXEC, E2BIG, ECHILD, ESRCH, ENOSYS, EPIPE,
		ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT,
		EHOSTUNREACH, EHOSTDOWN, ENETUNREACH, ENETDOWN, EADDRINUSE,
		EADDRNOTAVAIL, EAFNOSUPPORT, EPROTO, ENOBUFS, EMSGSIZE
	};
	static const char texts[] =
	    "No such file or directory\0"
	    "Permission denied\0"
	    "Operation not permitted\0"
	    "Read-only file system\0"
	    "No space left on device\0"
	    "Quota exceeded\0"
	    "I/O error\0"
	    "Is a directory\0"
	    "Not a directory\0"
	    "Filename too long\0"
	    "Symbolic link loop\0"
	    "File exists\0"
	    "Cross-device link\0"
	    "Resource busy\0"
	    "Text file busy\0"
	    "Directory not empty\0"
	    "File too large\0"
	    "No file descriptors available\0"
	    "Too many open files in system\0"
	    "Out of memory\0"
	    "Invalid argument\0"
	    "Resource temporarily unavailable\0"
	    "Interrupted system call\0"
	    "Exec format error\0"
	    "Argument list too long\0"
	    "No child process\0"
	    "No such process\0"
	    "Function not implemented\0"
	    "Broken pipe\0"
	    "Connection refused\0"
	    "Connection reset by peer\0"
	    "Connection aborted\0"
	    "Operation timed out\0"
	    "Host is unreachable\0"
	    "Host is down\0"
	    "Network unreachable\0"
	    "Network is down\0"
	    "Address in use\0"
	    "Address not available\0"
	    "Address family not supported by protocol\0"
	    "Protocol error\0"
	    "No buffer space available\0"
	    "Message too large\0";
	static char other[24];
	const char *t = texts;
	size_t k;

	for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
		if (codes[k] == e) {
			return t;
		}
		t += strlen(t) + 1;
	}
	fmt_s(other, sizeof(other), "error %d", e);
	return other;
}

/* see fmt.h */
void
fmt_puts(int fd, const char *s)
{
	fmt_write(fd, s, strlen(s));
}

/* see fmt.h */
void
fmt_fd(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0) {
		fmt_write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
	}
}
