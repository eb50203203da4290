/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns.c - libFuzzer target: dns_parse_reply() on hostile DNS
 * replies (compression pointers, CNAME chains, TXT strings, counts and
 * lengths that lie).
 *
 * Input: byte 0 picks the output buffer size (0..255, or 4096 when 255),
 * the rest is the reply. The query ID is taken from the reply itself,
 * so the fuzzer gets past the ID check; the question must be
 * _acme-challenge.a.test TXT IN. Besides the sanitizers it checks the
 * contract acme.c relies on: on success, count NUL-terminated records
 * fill exactly buf[0..len) within cap; on failure, an error code and
 * no records.
 */
#include "dns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	struct dns_txt t;
	unsigned id, i;
	size_t off;
	int rc;

	if (size < 1) {
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.buf = buf;
	t.cap = data[0] == 255 ? sizeof(buf) : data[0];
	data++;
	size--;
	id = size >= 2 ? (unsigned)data[0] << 8 | data[1] : 0;
	rc = dns_parse_reply(data, size, id, "_acme-challenge.a.test", &t);
	if (rc != 0) {
		if (t.err <= DNS_OK || t.err > DNS_ENOSERVER || t.count != 0 ||
		    t.len != 0) {
			abort();
		}
		return 0;
	}
	if (t.err != DNS_OK || t.len > t.cap || (t.count == 0) != (t.len == 0)) {
		abort();
	}
	for (i = 0, off = 0; i < t.count; i++) {
		const char *nul = memchr(buf + off, 0, t.len - off);

		if (nul == NULL) {
			abort();
		}
		off = (size_t)(nul - buf) + 1;
	}
	if (off != t.len) {
		abort();
	}
	return 0;
}
