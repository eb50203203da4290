/* SPDX-License-Identifier: MIT */
/*
 * certs.h - what nanoacme remembers about each certificate, and when a
 * certificate is due.
 *
 * Why separate: `renew` runs unattended from cron for years and must
 * redo exactly what `issue` did. The settings file is read back as
 * untrusted text (a flash cell can rot; a user can edit it), and the due
 * rule decides when a router talks to its CA. Both are pure functions
 * over buffers, tested on their own; nothing here prints or does I/O.
 */
#ifndef NANOACME_CERTS_H
#define NANOACME_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme.h"
#include "json.h"

/*
 * Writes the settings of c as text lines "key value" (key = the long
 * option name; one "name" line per name) into b. Fails (-1) if a value
 * holds a control character, which could not be read back.
 */
int conf_format(const struct conf *c, struct sbuf *b);

/*
 * Reads settings text[0..len) written by conf_format() into c; text[len]
 * must be '\0' (store_read() leaves it so). The strings of c then point
 * into text, which is modified in place (line ends become NUL) and must
 * outlive c. Unknown keys are errors (a newer
 * nanoacme's file is refused, not misread); blank lines and lines
 * starting with '#' are skipped. Returns 0, or -1 with *bad_line set.
 */
int conf_parse(char *text, size_t len, struct conf *c, int *bad_line);

/* Copies into dst every setting over gives (non-NULL, not CONF_UNSET). */
void conf_merge(struct conf *dst, const struct conf *over);

/*
 * The moment a certificate valid from not_before to not_after is due:
 * days (unless CONF_UNSET, the default rule) before not_after;
 * otherwise when a third of its lifetime is left, or half for
 * lifetimes of 10 days or less (6-day certificates renew at 3 days).
 */
int64_t cert_due_at(int64_t not_before, int64_t not_after, long days);

/*
 * Parses an RFC 3339 date-time ("2025-01-02T04:00:00Z", fractions and
 * +hh:mm offsets allowed, as in ARI's suggestedWindow) into seconds
 * since the epoch. Returns 0 or -1.
 */
int rfc3339_parse(const char *s, int64_t *t);

/*
 * What renew remembers of a CA's renewal information (RFC 9773) for a
 * certificate, kept as "next N" / "at N" lines in its ari file: when to
 * ask again (Retry-After) and the moment picked inside the window.
 */
struct ari_state {
	int64_t next;
	int64_t at;
};

/* Reads text[0..len), text[len] == '\0', into a. Returns 0 or -1. */
int ari_parse(const char *text, size_t len, struct ari_state *a);

/* Writes a as text into b. Returns 0 or -1. */
int ari_format(const struct ari_state *a, struct sbuf *b);

/*
 * The moment to renew inside the CA's suggested window [start, end],
 * end > start (RFC 9773 §4.2: uniformly random), leaving the window's
 * last 25 hours (or its second half, for windows under 26 hours) so that
 * a daily renew, after its jitter, sees the moment before the window
 * ends: start + rnd(span),
 * the span capped at 2^31 - 1 seconds; rnd(n) returns a random number in
 * [0, n]. Pure given rnd, so bench/fleet.c runs it with its own
 * generator.
 */
int64_t ari_pick(int64_t start, int64_t end,
    unsigned long (*rnd)(unsigned long n));

/*
 * When to ask the CA again after a renewalInfo reply at now with
 * Retry-After retry_after seconds (-1: none): RFC 9773 §4.3.2, between
 * a minute and a day; 6 hours without one.
 */
int64_t ari_next(int64_t now, long retry_after);

/*
 * The most seconds `renew` waits before its first request: --jitter
 * (CONF_UNSET: not given), else RENEW_JITTER_S from cron (tty false:
 * stdin is not a terminal), 0 at a terminal.
 */
long renew_jitter_max(long jitter, bool tty);

#endif /* NANOACME_CERTS_H */
