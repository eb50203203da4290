/* SPDX-License-Identifier: MIT */
/*
 * bench/fleet.c - a million routers renewing from cron against one CA:
 * the CA's requests per second over a simulated month. `make fleet`.
 *
 * Each router runs `nanoacme renew` once a day, at one fixed minute for
 * all (04:17, README's cron line) or at its own random minute of the day
 * (nanoacme-cron.sh picks hour and minute once), for 90-day or 6-day
 * certificates, with or without ARI. A run does what cmd_renew() does,
 * with nanoacme's own code, linked from certs.o:
 *   - renew_jitter_max() from cron (300 s) bounds a random wait before
 *     the first request of a run that has anything to ask (a first pass
 *     decides that without a request);
 *   - ARI: when the stored "next" has passed, a renewalInfo check (2
 *     requests: directory and renewalInfo), the moment picked in the
 *     window by ari_pick() (before its last day), the
 *     next check by ari_next() (the CA sends Retry-After: 6 h); the
 *     certificate is due when that moment has passed;
 *   - without ARI: due at cert_due_at() (the default rule);
 *   - if due, a renewal of REQS_PER_RENEWAL requests in that second; the
 *     new certificate starts then, with "next 0, at 0" (as issue writes).
 * The CA's window (ours to model: what Pebble 2.10 answers) is centred
 * a third of the lifetime before notAfter, +-24 h, clipped to the
 * lifetime. A renewal is "late" after its window's end (both with and
 * without ARI: the window the CA would give), "expired" after notAfter.
 *
 * Certificates start at random times spread over one renewal period,
 * then one lifetime of warm-up runs before the month is counted. Every
 * router is simulated on its own, so only the month's per-second request
 * counts are kept (10 MB); peak/mean is shown per second, per minute and
 * per hour. Per second it mostly measures cron firing at second 0 and
 * the granularity of 10 requests a renewal; the minute is the scale a
 * CA provisions for. A benchmark, not a test: it prints and asserts
 * nothing. Routers and days with -n N and -d D.
 *
 * -p adds rows for a change to ARI renewal, proposed, not made: a
 * certificate whose picked moment comes before the next daily run is
 * renewed now (RFC 9773 §4.2: "if the selected time is before the next
 * time that the client would wake up normally, attempt renewal
 * immediately"), not at the first run after.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../certs.h"

#define DAY 86400
#define REQS_PER_RENEWAL 10     /* README: one name, new order to cert */
#define REQS_PER_ARI 2          /* directory + renewalInfo */
#define ARI_RETRY_AFTER (6 * 3600)
#define FIXED_CRON (4 * 3600 + 17 * 60)

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64*: fast, and plenty for spreading routers. */
static uint64_t
next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Du;
}

/* A random number in [0, n]: random_upto()'s contract in acme.c. */
static unsigned long
rand_upto(unsigned long n)
{
	return (unsigned long)((next_rand() >> 11) % ((uint64_t)n + 1));
}

struct setting {
	const char *name;
	bool random_minute;
	int64_t life;
	bool ari;
	bool proposed;              /* -p: the changes proposed above */
};

struct result {
	uint64_t renewals, checks, late, expired;
	int64_t max_late;
};

/* The CA's suggested window of a certificate (Pebble 2.10's rule). */
static void
ca_window(int64_t nb, int64_t na, int64_t *ws, int64_t *we)
{
	int64_t mid = na - (na - nb) / 3;

	*ws = mid - DAY < nb ? nb : mid - DAY;
	*we = mid + DAY > na ? na : mid + DAY;
}

/* Adds n requests at time t to the month's counts (t0: its start). */
static void
count(uint32_t *sec, int64_t nsec, int64_t t0, int64_t t, uint32_t n)
{
	if (t >= t0 && t - t0 < nsec) {
		sec[t - t0] += n;
	}
}

/* One router over warm-up and month; its requests into sec. */
static void
router(const struct setting *s, uint32_t *sec, int64_t nsec, int64_t t0,
    int64_t warm_days, struct result *res)
{
	int64_t cron, nb, na, next = 0, at = 0, t, due, ws, we, when, wait;
	int64_t period = cert_due_at(0, s->life, CONF_UNSET);
	int64_t day, days = warm_days + nsec / DAY;
	long jmax = renew_jitter_max(CONF_UNSET, false);

	cron = s->random_minute ? (int64_t)rand_upto(1439) * 60 : FIXED_CRON;
	/* issued at a random moment of the last renewal period */
	nb = t0 - warm_days * DAY - 1 - (int64_t)rand_upto(
	    (unsigned long)period);
	na = nb + s->life;
	for (day = 0; day < days; day++) {
		t = t0 + (day - warm_days) * DAY + cron;
		ca_window(nb, na, &ws, &we);
		wait = (int64_t)rand_upto((unsigned long)jmax);
		t += wait;              /* the wait comes first */
		wait = 0;
		if (s->ari) {
			if (t >= next) {
				count(sec, nsec, t0, t, REQS_PER_ARI);
				res->checks += t >= t0;
				at = ari_pick(ws, we, rand_upto);
				next = ari_next(t, ARI_RETRY_AFTER);
			}
			due = at;
		} else {
			due = cert_due_at(nb, na, CONF_UNSET);
		}
		if (t < due - (s->proposed ? DAY : 0)) {
			if (!s->ari) {
				/* nothing happens until the due day */
				day += (due - t) / DAY;
			}
			continue;
		}
		when = t + wait;
		count(sec, nsec, t0, when, REQS_PER_RENEWAL);
		if (when >= t0 && when - t0 < nsec) {
			res->renewals++;
			if (when > we) {
				res->late++;
				if (when - we > res->max_late) {
					res->max_late = when - we;
				}
			}
			res->expired += when > na;
		}
		nb = when;
		na = nb + s->life;
		next = 0;
		at = 0;
	}
}

/* Peak and mean requests per second over buckets of width w seconds. */
static void
peak_mean(const uint32_t *sec, int64_t nsec, int64_t w, double *peak,
    double *mean)
{
	uint64_t total = 0, b, top = 0;
	int64_t k, j;

	for (k = 0; k + w <= nsec; k += w) {
		for (b = 0, j = 0; j < w; j++) {
			b += sec[k + j];
		}
		total += b;
		top = b > top ? b : top;
	}
	*mean = (double)total / (double)(nsec - nsec % w);
	*peak = (double)top / (double)w;
}

int
main(int argc, char **argv)
{
	static const struct setting settings[] = {
		{ "fixed minute, 90 d, no ARI", false, 90 * DAY, false, false },
		{ "fixed minute, 90 d, ARI", false, 90 * DAY, true, false },
		{ "fixed minute, 6 d, no ARI", false, 6 * DAY, false, false },
		{ "fixed minute, 6 d, ARI", false, 6 * DAY, true, false },
		{ "random minute, 90 d, no ARI", true, 90 * DAY, false, false },
		{ "random minute, 90 d, ARI", true, 90 * DAY, true, false },
		{ "random minute, 6 d, no ARI", true, 6 * DAY, false, false },
		{ "random minute, 6 d, ARI", true, 6 * DAY, true, false },
		/* -p: the proposed changes */
		{ "fixed minute, 90 d, ARI, proposed", false, 90 * DAY, true,
		    true },
		{ "fixed minute, 6 d, ARI, proposed", false, 6 * DAY, true,
		    true },
		{ "random minute, 90 d, ARI, proposed", true, 90 * DAY, true,
		    true },
		{ "random minute, 6 d, ARI, proposed", true, 6 * DAY, true,
		    true }
	};
	static const int64_t widths[3] = { 1, 60, 3600 };
	long routers = 1000000, days = 30, k;
	int64_t t0 = 1798761600;        /* 2027-01-01, any day will do */
	int64_t nsec;
	uint32_t *sec;
	struct result res;
	double peak[3], mean[3];
	size_t i, w, nset = 8;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-p") == 0) {
			nset = sizeof(settings) / sizeof(settings[0]);
		} else if (strcmp(argv[a], "-n") == 0 && a + 1 < argc) {
			routers = strtol(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "-d") == 0 && a + 1 < argc) {
			days = strtol(argv[++a], NULL, 10);
		} else {
			routers = 0;
		}
	}
	if (routers < 1 || days < 1 || days > 366) {
		fprintf(stderr, "usage: fleet [-p] [-n ROUTERS] [-d DAYS]\n");
		return 2;
	}
	nsec = (int64_t)days * DAY;
	if ((sec = malloc((size_t)nsec * sizeof(*sec))) == NULL) {
		perror("malloc");
		return 1;
	}
	printf("%ld routers, %ld days; renewal %d requests, ARI check %d; "
	    "jitter up to %ld s\n", routers, days, REQS_PER_RENEWAL,
	    REQS_PER_ARI, renew_jitter_max(CONF_UNSET, false));
	printf("requests/s: mean; peak and peak/mean over 1 s, 1 min, 1 h "
	    "buckets\n\n");
	printf("| setting | renewals | ARI checks | mean | peak 1 s | "
	    "p/m 1 s | peak 1 min | p/m 1 min | peak 1 h | p/m 1 h | late "
	    "| expired |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < nset; i++) {
		memset(sec, 0, (size_t)nsec * sizeof(*sec));
		memset(&res, 0, sizeof(res));
		for (k = 0; k < routers; k++) {
			router(&settings[i], sec, nsec, t0,
			    settings[i].life / DAY, &res);
		}
		for (w = 0; w < 3; w++) {
			peak_mean(sec, nsec, widths[w], &peak[w], &mean[w]);
		}
		printf("| %s | %llu | %llu | %.1f |", settings[i].name,
		    (unsigned long long)res.renewals,
		    (unsigned long long)res.checks, mean[1]);
		for (w = 0; w < 3; w++) {
			printf(" %.0f | %.1f |", peak[w], peak[w] / mean[w]);
		}
		printf(" %llu", (unsigned long long)res.late);
		if (res.late > 0) {
			printf(" (%.1f%%, up to %lld min)", 100.0 *
			    (double)res.late / (double)res.renewals,
			    (long long)(res.max_late + 59) / 60);
		}
		printf(" | %llu |\n", (unsigned long long)res.expired);
	}
	free(sec);
	return 0;
}
