/* SPDX-License-Identifier: MIT */
/*
 * t_musl_chk.c - musl_chk.c, the fortify calls of static musl builds: in
 * bounds they copy, move and fill like memcpy, memmove and memset; one
 * byte past the destination they abort (SIGABRT) as glibc's do. Built
 * with the static toolchain and run by `make check-static`, since the
 * shim exists only in musl builds.
 */
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen);
void *__memmove_chk(void *dest, const void *src, size_t len, size_t destlen);
void *__memset_chk(void *dest, int c, size_t len, size_t destlen);

/* Runs op(len) in a child; returns its wait status. */
static int
in_child(void (*op)(size_t), size_t len)
{
	pid_t pid;
	int status = -1;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(STDERR_FILENO); /* the expected abort message */
		op(len);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		return -1;
	}
	return status;
}

static unsigned char buf[8];
static const unsigned char src[16] = "0123456789abcdef";

static void
do_cpy(size_t len)
{
	__memcpy_chk(buf, src, len, sizeof(buf));
}

static void
do_move(size_t len)
{
	__memmove_chk(buf, src, len, sizeof(buf));
}

static void
do_set(size_t len)
{
	__memset_chk(buf, 'x', len, sizeof(buf));
}

static int
aborted(int status)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static int
exited0(int status)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
test_in_bounds(void)
{
	unsigned char m[8] = "abcdefg";

	CHECK(__memcpy_chk(buf, src, 8, 8) == buf);
	CHECK(memcmp(buf, "01234567", 8) == 0);
	CHECK(__memset_chk(buf, 'x', 3, 8) == buf);
	CHECK(memcmp(buf, "xxx34567", 8) == 0);
	CHECK(__memcpy_chk(buf, src, 0, 0) == buf);
	/* overlapping move, (size_t)-1 = size unknown to the compiler */
	CHECK(__memmove_chk(m + 1, m, 6, (size_t)-1) == m + 1);
	CHECK(memcmp(m, "aabcdef", 8) == 0);
	return 0;
}

static int
test_overflow_aborts(void)
{
	CHECK(exited0(in_child(do_cpy, 8)));
	CHECK(aborted(in_child(do_cpy, 9)));
	CHECK(exited0(in_child(do_move, 8)));
	CHECK(aborted(in_child(do_move, 9)));
	CHECK(exited0(in_child(do_set, 8)));
	CHECK(aborted(in_child(do_set, 9)));
	return 0;
}

int
main(void)
{
	runner_init(NULL);
	RUN(test_in_bounds);
	RUN(test_overflow_aborts);
	return runner_done();
}
