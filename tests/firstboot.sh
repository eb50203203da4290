#!/usr/bin/env bash
# tests/firstboot.sh: a device's first boot against real Pebble: no real-time
# clock (the system clock says 1971 until "NTP" sets it) and an uplink that
# comes up after nanoacme starts.
#
# Usage: tests/firstboot.sh [path-to-nanoacme]   (default ./nanoacme)
# Environment: FIRSTBOOT_TESTS (names to run, in their order), PEBBLE_*_PORT,
# CHALLTESTSRV_*_PORT (tests/pebble-env.sh).
#
# The clock is faked with libfaketime (Debian faketime) for the nanoacme
# process only, through a timestamp file read at every call, so a test can
# "sync NTP" in the middle of a run by rewriting the file. Prints "ok NAME"
# or "FAIL NAME: reason", then "N passed, N failed"; exits non-zero on any
# failure. Only 127.0.0.1.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init --pebble firstboot "${1:-./nanoacme}"
FAKELIB=
for f in /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$f" ] && FAKELIB=$f
done

# na_clock CLOCKFILE ARGS...: nanoacme with its clock read from CLOCKFILE.
na_clock() {
	local clock=$1
	shift
	LD_PRELOAD=$FAKELIB FAKETIME_TIMESTAMP_FILE=$clock FAKETIME_NO_CACHE=1 \
		"$NANOACME" "$@"
}

# Common options for Pebble on 127.0.0.1.
pebble_opts() {
	echo "-D $PEBBLE_DIR_URL -c $PEBBLE_CA_FILE -l 127.0.0.1:$PEBBLE_HTTP_PORT -y"
}

# A clock before the release date: exit 10 at once, with no key made and
# no request sent (the check comes before any TLS or key generation).
t_clock_unset() {
	local before after
	echo "@1971-01-01 00:00:00" >"$T/clock"
	before=$(wc -l <"$PEBBLE_WORK/pebble.log")
	# shellcheck disable=SC2046
	na_clock "$T/clock" $(pebble_opts) -C "$T/s" issue clock.nanoacme.test \
		>"$T/out" 2>&1
	rc=$?
	after=$(wc -l <"$PEBBLE_WORK/pebble.log")
	[ "$rc" = 10 ] || { fail "exit $rc, want 10"; return; }
	grep -q 'system clock not set' "$T/out" ||
		{ fail "no 'system clock not set' message"; return; }
	[ -z "$(find "$T/s" -name '*.pem' 2>/dev/null)" ] ||
		{ fail "a key or certificate was written"; return; }
	[ "$before" = "$after" ] ||
		{ fail "Pebble was contacted"; return; }
}

# --wait-clock: the clock is set ("NTP syncs") 2 s into the run, which then
# goes on and issues.
t_wait_clock_sync() {
	local pid start took
	echo "@1971-01-01 00:00:00" >"$T/clock"
	start=$(date +%s)
	# shellcheck disable=SC2046
	na_clock "$T/clock" $(pebble_opts) -C "$T/s" --wait-clock 30 issue \
		ntp.nanoacme.test >"$T/out" 2>&1 &
	pid=$!
	sleep 2
	echo "+0" >"$T/clock"
	wait "$pid"
	rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" = 0 ] || { fail "exit $rc, want 0"; return; }
	grep -q 'waiting up to 30 s for the system clock' "$T/out" ||
		{ fail "no waiting message"; return; }
	[ "$took" -ge 2 ] || { fail "took $took s, under 2"; return; }
	[ -f "$T/s/certs/ntp.nanoacme.test/cert.pem" ] ||
		{ fail "no certificate"; return; }
}

# --wait-clock that runs out: exit 10 after the wait.
t_wait_clock_timeout() {
	local start took
	echo "@1971-01-01 00:00:00" >"$T/clock"
	start=$(date +%s)
	# shellcheck disable=SC2046
	na_clock "$T/clock" $(pebble_opts) -C "$T/s" --wait-clock 2 issue \
		late.nanoacme.test >"$T/out" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" = 10 ] || { fail "exit $rc, want 10"; return; }
	[ "$took" -ge 2 ] && [ "$took" -le 6 ] ||
		{ fail "took $took s, want 2 to 6"; return; }
}

# Without --retry, a CA that is not reachable is exit 3 at once.
t_no_retry() {
	pebble_stop
	# shellcheck disable=SC2046
	"$NANOACME" $(pebble_opts) -C "$T/s" issue up.nanoacme.test >"$T/out" 2>&1
	rc=$?
	[ "$rc" = 3 ] || { fail "exit $rc, want 3"; return; }
}

# --retry: the uplink (here: the CA) comes up after nanoacme started; the
# transient failure is retried after a backoff and the run succeeds.
t_retry_uplink() {
	local pid
	# The CA is down (t_no_retry stopped it): same URL, CA file and ports.
	# shellcheck disable=SC2046
	"$NANOACME" $(pebble_opts) -C "$T/s" --retry 2 issue up.nanoacme.test \
		>"$T/out" 2>&1 &
	pid=$!
	sleep 1
	pebble_restart_same >>"$T/out" 2>&1 ||
		{ kill "$pid"; fail "cannot start Pebble again"; return; }
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { fail "exit $rc, want 0"; return; }
	grep -q 'transient failure: retry 1 of 2' "$T/out" ||
		{ fail "no retry message"; return; }
	[ -f "$T/s/certs/up.nanoacme.test/cert.pem" ] ||
		{ fail "no certificate"; return; }
}

# Pebble again, with the listener certificate of the first one (kept in
# $TMP): nanoacme holds that CA from its start.
pebble_restart_same() {
	PEBBLE_REUSE_CERTS=$TMP pebble_start
}

[ -n "$FAKELIB" ] ||
	setup_fail "libfaketime not found (tests/deps.sh check installs faketime)"
# shellcheck disable=SC2119
pebble_setup
# The retry tests restart Pebble with the same listener certificate.
cp "$PEBBLE_WORK/listener.pem" "$PEBBLE_WORK/listener.key" "$PEBBLE_CA_FILE" \
	"$TMP/" || setup_fail "cannot keep Pebble's listener certificate"
PEBBLE_CA_FILE=$TMP/ca.pem
# In this order: t_no_retry stops Pebble, t_retry_uplink starts it again.
run_tests "clock_unset wait_clock_sync wait_clock_timeout no_retry retry_uplink" \
	"${FIRSTBOOT_TESTS:-}"
