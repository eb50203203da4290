#!/usr/bin/env bash
# tests/firstboot.sh: a device's first boot against real Pebble: no real-time
# clock (the system clock says 1971 until "NTP" sets it) and an uplink that
# comes up after nanoacme starts.
#
# Usage: tests/firstboot.sh [path-to-nanoacme]   (default ./nanoacme)
#
# The clock is faked with libfaketime (Debian faketime) for the nanoacme
# process only, through a timestamp file read at every call, so a test can
# "sync NTP" in the middle of a run by rewriting the file. Prints "ok NAME"
# or "FAIL NAME: reason", then "N passed, N failed"; exits non-zero on any
# failure. Only 127.0.0.1.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/pebble-env.sh
. "$here/pebble-env.sh"

NANOACME=${1:-./nanoacme}
FAKELIB=
for f in /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$f" ] && FAKELIB=$f
done
passed=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-firstboot.XXXXXX") || exit 1
trap 'pebble_stop; rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL $1: $2"
	sed 's/^/    /' "$T/out" 2>/dev/null
	failed=$((failed + 1))
}

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
	T=$TMP/clock_unset && mkdir -p "$T"
	echo "@1971-01-01 00:00:00" >"$T/clock"
	before=$(wc -l <"$PEBBLE_WORK/pebble.log")
	# shellcheck disable=SC2046
	na_clock "$T/clock" $(pebble_opts) -C "$T/s" issue clock.nanoacme.test \
		>"$T/out" 2>&1
	rc=$?
	after=$(wc -l <"$PEBBLE_WORK/pebble.log")
	[ "$rc" = 10 ] || { fail clock_unset "exit $rc, want 10"; return; }
	grep -q 'system clock not set' "$T/out" ||
		{ fail clock_unset "no 'system clock not set' message"; return; }
	[ -z "$(find "$T/s" -name '*.pem' 2>/dev/null)" ] ||
		{ fail clock_unset "a key or certificate was written"; return; }
	[ "$before" = "$after" ] ||
		{ fail clock_unset "Pebble was contacted"; return; }
	ok clock_unset
}

# --wait-clock: the clock is set ("NTP syncs") 2 s into the run, which then
# goes on and issues.
t_wait_clock_sync() {
	local pid start took
	T=$TMP/wait_clock_sync && mkdir -p "$T"
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
	[ "$rc" = 0 ] || { fail wait_clock_sync "exit $rc, want 0"; return; }
	grep -q 'waiting up to 30 s for the system clock' "$T/out" ||
		{ fail wait_clock_sync "no waiting message"; return; }
	[ "$took" -ge 2 ] || { fail wait_clock_sync "took $took s, under 2"; return; }
	[ -f "$T/s/certs/ntp.nanoacme.test/cert.pem" ] ||
		{ fail wait_clock_sync "no certificate"; return; }
	ok wait_clock_sync
}

# --wait-clock that runs out: exit 10 after the wait.
t_wait_clock_timeout() {
	local start took
	T=$TMP/wait_clock_timeout && mkdir -p "$T"
	echo "@1971-01-01 00:00:00" >"$T/clock"
	start=$(date +%s)
	# shellcheck disable=SC2046
	na_clock "$T/clock" $(pebble_opts) -C "$T/s" --wait-clock 2 issue \
		late.nanoacme.test >"$T/out" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" = 10 ] || { fail wait_clock_timeout "exit $rc, want 10"; return; }
	[ "$took" -ge 2 ] && [ "$took" -le 6 ] ||
		{ fail wait_clock_timeout "took $took s, want 2 to 6"; return; }
	ok wait_clock_timeout
}

# Without --retry, a CA that is not reachable is exit 3 at once.
t_no_retry() {
	T=$TMP/no_retry && mkdir -p "$T"
	pebble_stop
	# shellcheck disable=SC2046
	"$NANOACME" $(pebble_opts) -C "$T/s" issue up.nanoacme.test >"$T/out" 2>&1
	rc=$?
	[ "$rc" = 3 ] || { fail no_retry "exit $rc, want 3"; return; }
	ok no_retry
}

# --retry: the uplink (here: the CA) comes up after nanoacme started; the
# transient failure is retried after a backoff and the run succeeds.
t_retry_uplink() {
	local pid
	T=$TMP/retry_uplink && mkdir -p "$T"
	# The CA is down (t_no_retry stopped it): same URL, CA file and ports.
	# shellcheck disable=SC2046
	"$NANOACME" $(pebble_opts) -C "$T/s" --retry 2 issue up.nanoacme.test \
		>"$T/out" 2>&1 &
	pid=$!
	sleep 1
	pebble_restart_same >>"$T/out" 2>&1 ||
		{ kill "$pid"; fail retry_uplink "cannot start Pebble again"; return; }
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { fail retry_uplink "exit $rc, want 0"; return; }
	grep -q 'transient failure: retry 1 of 2' "$T/out" ||
		{ fail retry_uplink "no retry message"; return; }
	[ -f "$T/s/certs/up.nanoacme.test/cert.pem" ] ||
		{ fail retry_uplink "no certificate"; return; }
	ok retry_uplink
}

# Pebble again, with the listener certificate of the first one (kept in
# $TMP): nanoacme holds that CA from its start.
pebble_restart_same() {
	PEBBLE_REUSE_CERTS=$TMP pebble_start
}

if [ -z "$FAKELIB" ]; then
	echo "FAIL setup: libfaketime not found (tests/deps.sh check installs faketime)"
	echo "0 passed, 1 failed"
	exit 1
fi
pebble_start >"$TMP/start.log" 2>&1 || { cat "$TMP/start.log"; echo "0 passed, 1 failed"; exit 1; }
t_clock_unset
t_wait_clock_sync
t_wait_clock_timeout
# The retry tests restart Pebble with the same listener certificate.
cp "$PEBBLE_WORK/listener.pem" "$PEBBLE_WORK/listener.key" "$PEBBLE_CA_FILE" \
	"$TMP/" || exit 1
PEBBLE_CA_FILE=$TMP/ca.pem
t_no_retry
t_retry_uplink
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
