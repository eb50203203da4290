/* SPDX-License-Identifier: MIT */
/*
 * musl_chk.c: the three fortified memory functions Debian's libbearssl.a
 * calls, for static musl builds (make static) only.
 *
 * Debian compiles BearSSL with -D_FORTIFY_SOURCE=2, so where the compiler
 * knows the size of the destination object, libbearssl.a calls glibc's
 * __memcpy_chk, __memmove_chk and __memset_chk (with that size as the last
 * argument, or (size_t)-1 when unknown) instead of memcpy, memmove and
 * memset. musl has no fortify entry points, so a musl link of Debian's
 * library fails without these. They check like glibc's: a call that would
 * write past the end of the destination prints glibc's message and aborts,
 * never corrupts memory. A glibc build must not link this file: glibc has
 * the real ones.
 *
 * The names start with "__" because that is the ABI libbearssl.a was
 * compiled against (STYLE.md §5 otherwise forbids leading underscores).
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen);
void *__memmove_chk(void *dest, const void *src, size_t len, size_t destlen);
void *__memset_chk(void *dest, int c, size_t len, size_t destlen);

/* glibc's __chk_fail(): no stdio (it may be what is corrupted), then abort. */
static void
chk_fail(void)
{
	static const char msg[] = "*** buffer overflow detected ***: terminated\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do: abort anyway */
	}
	abort();
}

void *
__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen)
{
	if (destlen < len) {
		chk_fail();
	}
	return memcpy(dest, src, len);
}

void *
__memmove_chk(void *dest, const void *src, size_t len, size_t destlen)
{
	if (destlen < len) {
		chk_fail();
	}
	return memmove(dest, src, len);
}

void *
__memset_chk(void *dest, int c, size_t len, size_t destlen)
{
	if (destlen < len) {
		chk_fail();
	}
	return memset(dest, c, len);
}
