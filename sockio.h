/* SPDX-License-Identifier: MIT */
/*
 * sockio.h - the monotonic clock, deadlines and non-blocking file
 * descriptors, once, for the client (http.c), the listener (listen.c),
 * the tls-alpn-01 responder (alpn.c) and the process that serves them
 * (responder.c). static inline: no object file, one definition.
 */
#ifndef NANOACME_SOCKIO_H
#define NANOACME_SOCKIO_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds of the monotonic clock (wall clock if it has none). */
static inline long long
sockio_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		return (long long)time(NULL) * 1000;
	}
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds from now to t for poll(): 0 if past, capped at INT_MAX. */
static inline int
sockio_ms_until(long long t, long long now)
{
	if (t <= now) {
		return 0;
	}
	return t - now > INT_MAX ? INT_MAX : (int)(t - now);
}

/* errno e says "try again later" on a non-blocking socket. */
static inline bool
sockio_again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK;
}

/*
 * Close-on-exec and non-blocking via fcntl, for accepted sockets only.
 * New sockets are made so in one step, socket(type | SOCK_CLOEXEC |
 * SOCK_NONBLOCK) (http.c, listen.c, dns.c): no extra system calls, no
 * error path, less code. accept4() would do the same for accept(), but
 * glibc and musl declare it only under _GNU_SOURCE; every process of
 * ours is single-threaded, so no exec can slip in before fcntl().
 * Returns 0 or -1.
 */
static inline int
sockio_set_flags(int fd)
{
	int fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		return -1;
	}
	return 0;
}

/* Appends fd, polled for events, to pfd[0..*n). */
static inline void
sockio_pfd(struct pollfd *pfd, size_t *n, int fd, short events)
{
	pfd[*n].fd = fd;
	pfd[*n].events = events;
	pfd[(*n)++].revents = 0;
}

/* Lowers *timeout (ms, for poll()) to what is left until deadline. */
static inline void
sockio_until(int *timeout, long long deadline, long long now)
{
	if (sockio_ms_until(deadline, now) < *timeout) {
		*timeout = sockio_ms_until(deadline, now);
	}
}

/*
 * Accepts one connection waiting on the listening socket lfd, made
 * non-blocking and close-on-exec; connections that failed on the way
 * are skipped. Returns its fd, or -1 when none is waiting.
 */
static inline int
sockio_accept(int lfd)
{
	int fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0 && sockio_set_flags(fd) == 0) {
			return fd;
		}
		if (fd >= 0) {
			close(fd);
		} else if (errno != EINTR && errno != ECONNABORTED) {
			return -1;
		}
	}
}

#endif /* NANOACME_SOCKIO_H */
