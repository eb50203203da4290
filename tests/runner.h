/* SPDX-License-Identifier: MIT */
/*
 * runner.h - the tiny test runner of our unit tests, after jsmn's
 * test/test.h: a test is a function returning 0 on success or the line
 * of the first failed CHECK; RUN() counts and reports; runner_done()
 * prints "N passed, N failed" alone on the last line.
 */
#ifndef NANOACME_RUNNER_H
#define NANOACME_RUNNER_H

#include <stdio.h>
#include <stdlib.h>

static int runner_passed;
static int runner_failed;

/* Fails the current test at this line when c is false. */
#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "  check failed: %s\n", #c); \
		return __LINE__; \
	} \
} while (0)

/* CHECK(c) inside a loop over a table of cases: a failure also names
 * case i. */
#define CHECK_CASE(c, i) do { \
	if (!(c)) { \
		fprintf(stderr, "  check failed: %s (case %zu)\n", #c, \
		    (size_t)(i)); \
		return __LINE__; \
	} \
} while (0)

/* The number of elements of array a. */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Runs test function fn and counts the result. */
#define RUN(fn) do { \
	int runner_line = fn(); \
	if (runner_line == 0) { \
		runner_passed++; \
	} else { \
		runner_failed++; \
		printf("FAIL %s (line %d)\n", #fn, runner_line); \
	} \
} while (0)

/*
 * Starts a test program: stdout is line-buffered, so FAIL lines survive
 * a sanitizer abort. tmpdir is NULL or a mkdtemp() template, made into
 * the tests' scratch directory; if it cannot be, says why and exits 1.
 */
static void
runner_init(char *tmpdir)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tmpdir != NULL && mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

/* Prints the closing line; returns the process exit status. */
static int
runner_done(void)
{
	printf("%d passed, %d failed\n", runner_passed, runner_failed);
	return runner_failed != 0;
}

#endif /* NANOACME_RUNNER_H */
