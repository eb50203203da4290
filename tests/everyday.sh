#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/everyday.sh: the habits certbot and acme.sh users bring, against
# real Pebble 2.10: staging then production, settings given to an issue that
# is not due, $SSL_CERT_FILE remembered for cron, renew NAME, usage errors
# that name the rule broken, --dry-run, -vv bodies, the messages of an
# unknown CA and a forgotten account, jitter and the terminal status line,
# signals.
#
# Usage: tests/everyday.sh [path-to-nanoacme]   (default: ./nanoacme)
# Environment: NANOACME_TIMEOUT (default 60), EVERYDAY_TESTS (names to run),
# PEBBLE_*_PORT, CHALLTESTSRV_*_PORT (tests/pebble-env.sh).
#
# "Staging" and "production" are one Pebble reached by two directory URLs,
# https://localhost:PORT/dir and https://127.0.0.1:PORT/dir (its listener
# certificate names both): to nanoacme they are two CAs, with an account
# each. Every certificate asks for a profile, as Pebble picks a random one
# for an order without.
#
# Prints "ok NAME" or "FAIL NAME: reason (line N)" with the test's log, then
# "N passed, N failed"; exits non-zero on any failure. Only 127.0.0.1.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble everyday "$@"

STAGING=
PRODUCTION=

# na_e ARGS...: nanoacme with the state in $T/s and the listener Pebble uses.
na_e() {
	na -C "$T/s" -c "$PEBBLE_CA_FILE" -y -l "127.0.0.1:$PEBBLE_HTTP_PORT" \
		--profile default "$@"
}

# Staging, then production, for the same names: the second issue is not
# "not due": it issues from the new CA, replaces the certificate, and the
# settings and list name the new directory.
t_staging_then_production() {
	local n=sp.nanoacme.test
	na_e -D "$STAGING" issue "$n"
	expect_rc 0 || return
	cp "$T/s/certs/$n/cert.pem" "$T/staging.pem"
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 0 || return
	cmp -s "$T/staging.pem" "$T/s/certs/$n/cert.pem" && { fail "not replaced"; return 1; }
	grep -qx "directory $PRODUCTION" "$T/s/certs/$n/settings" ||
		{ fail "settings do not name $PRODUCTION"; return 1; }
	# and again with production: now it is not due
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 1
}

# An issue that is not due stores the settings it was given ("settings
# updated"), so a deploy hook can be added without reissuing; renew then
# runs it. The same settings again: no "updated".
t_settings_update() {
	local n=su.nanoacme.test
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 0 || return
	cp "$T/s/certs/$n/cert.pem" "$T/first.pem"
	na_e -D "$PRODUCTION" --deploy-hook "touch $T/deployed" --days 60 issue "$n"
	expect_rc 1 || return
	expect_out 'settings updated; not due until' || return
	cmp -s "$T/first.pem" "$T/s/certs/$n/cert.pem" || { fail "reissued"; return 1; }
	grep -qx "deploy-hook touch $T/deployed" "$T/s/certs/$n/settings" ||
		{ fail "deploy hook not stored"; return 1; }
	na_e -D "$PRODUCTION" --deploy-hook "touch $T/deployed" --days 60 issue "$n"
	expect_rc 1 || return
	grep -q 'settings updated' "$T/out" && { fail "updated twice"; return 1; }
	na -C "$T/s" --jitter 0 --force renew "$n"
	expect_rc 0 || return
	[ -f "$T/deployed" ] || fail "the stored deploy hook did not run"
}

# $SSL_CERT_FILE at issue time is the certificate's CA file: a renew from
# cron, without it, still trusts the CA.
t_ssl_cert_file() {
	local n=env.nanoacme.test
	SSL_CERT_FILE=$PEBBLE_CA_FILE timeout 60 "$NANOACME" -C "$T/s" -y \
		-D "$PRODUCTION" -l "127.0.0.1:$PEBBLE_HTTP_PORT" --profile default \
		issue "$n" >"$T/out" 2>&1 </dev/null
	rc=$?
	cat "$T/out" >>"$T/log"
	expect_rc 0 || return
	grep -qx "ca-file $PEBBLE_CA_FILE" "$T/s/certs/$n/settings" ||
		{ fail "SSL_CERT_FILE not stored"; return 1; }
	env -u SSL_CERT_FILE timeout 60 "$NANOACME" -C "$T/s" --jitter 0 --force \
		renew >"$T/out" 2>&1 </dev/null
	rc=$?
	cat "$T/out" >>"$T/log"
	expect_rc 0
}

# renew NAME renews that one only; an unknown NAME is a usage error.
t_renew_name() {
	na_e -D "$PRODUCTION" issue r1.nanoacme.test && expect_rc 0 || return
	na_e -D "$PRODUCTION" issue r2.nanoacme.test && expect_rc 0 || return
	cp "$T/s/certs/r1.nanoacme.test/cert.pem" "$T/r1.pem"
	cp "$T/s/certs/r2.nanoacme.test/cert.pem" "$T/r2.pem"
	na -C "$T/s" --jitter 0 --force renew r2.nanoacme.test
	expect_rc 0 || return
	cmp -s "$T/r1.pem" "$T/s/certs/r1.nanoacme.test/cert.pem" || { fail "r1 renewed"; return 1; }
	cmp -s "$T/r2.pem" "$T/s/certs/r2.nanoacme.test/cert.pem" && { fail "r2 not renewed"; return 1; }
	na -C "$T/s" --jitter 0 --force renew nosuch.nanoacme.test
	expect_rc 2 || return
	expect_out 'no such certificate'
}

# The same names in another order are the same certificate: not due, so
# nothing is issued and no second certificate directory appears.
t_same_names() {
	na_e -D "$PRODUCTION" issue o1.nanoacme.test o2.nanoacme.test
	expect_rc 0 || return
	na_e -D "$PRODUCTION" issue o2.nanoacme.test o1.nanoacme.test
	expect_rc 1 || return
	expect_out 'o1\.nanoacme\.test: .*not due until' || return
	expect_absent "$T/s/certs/o2.nanoacme.test"
}

# delete NAME: the certificate and every version of it (keys too) go,
# after a line that says so; another certificate stays; a second delete
# is a usage error.
t_delete() {
	na_e -D "$PRODUCTION" issue dl.nanoacme.test && expect_rc 0 || return
	na_e -D "$PRODUCTION" --force issue dl.nanoacme.test && expect_rc 0 || return
	na_e -D "$PRODUCTION" issue keep.nanoacme.test && expect_rc 0 || return
	# a certificate whose name extends this one's with a label starting
	# with a digit (3com.net): its versions ".dl.nanoacme.test.3x.test.N"
	# are not versions of dl.nanoacme.test
	na_e -D "$PRODUCTION" issue dl.nanoacme.test.3x.test && expect_rc 0 || return
	# a version left by a run killed between writing and switching
	mkdir -m 700 "$T/s/certs/.dl.nanoacme.test.99" &&
		cp "$T/s/certs/dl.nanoacme.test/privkey.pem" "$T/s/certs/.dl.nanoacme.test.99/" ||
		return 1
	na -C "$T/s" delete dl.nanoacme.test
	expect_rc 0 || return
	expect_out 'deleting .*dl\.nanoacme\.test' || return
	expect_absent "$T/s/certs/dl.nanoacme.test" || return
	[ -z "$(find "$T/s/certs" -maxdepth 1 -name '.dl.nanoacme.test.[0-9]*' ! -name '*.3x.test.*')" ] ||
		{ fail "versions left: $(ls -a "$T/s/certs")"; return 1; }
	expect_file "$T/s/certs/keep.nanoacme.test/privkey.pem" || return
	expect_file "$T/s/certs/dl.nanoacme.test.3x.test/privkey.pem" || return
	na -C "$T/s" delete dl.nanoacme.test
	expect_rc 2
}

# -e on an existing account updates its contact (RFC 8555 §7.3.2); the
# account command without an account is a local matter (exit 6, a hint).
t_account_contact() {
	na_e -D "$PRODUCTION" -e first@example.com issue ac.nanoacme.test
	expect_rc 0 || return
	na -C "$T/s" -c "$PEBBLE_CA_FILE" -D "$PRODUCTION" account
	expect_rc 0 || return
	expect_out 'mailto:first@example.com' || return
	na -C "$T/s" -c "$PEBBLE_CA_FILE" -D "$PRODUCTION" -e second@example.com account
	expect_rc 0 || return
	expect_out 'mailto:second@example.com' "the new contact, as the CA returns it" || return
	na -C "$T/none" -c "$PEBBLE_CA_FILE" -D "$PRODUCTION" account
	expect_rc 6 || return
	expect_out 'no account for .*-y creates one'
}

# Usage errors say which rule was broken, exit 2, before any request:
# names (each rule), listener addresses.
t_usage_errors() {
	local before n l long
	before=$(wc -l <"$PEBBLE_WORK/pebble.log")
	long=$(printf 'a%.0s' $(seq 64)).nanoacme.test
	for n in "x_y.nanoacme.test:other than letters" \
		"trail.nanoacme.test.:trailing dot" \
		"$long:longer than 63" "localhost:single label" \
		"r\303\274.nanoacme.test:non-ASCII" "1.2.3.4.5:digits only"; do
		na_e -D "$PRODUCTION" issue "$(printf '%b' "${n%%:*}")"
		expect_rc 2 || return
		expect_out "${n#*:}" "the rule '${n#*:}' for ${n%%:*}" || return
	done
	for l in foo 5502 :99999 ::1:80 '[::1]'; do
		na_e -D "$PRODUCTION" -l "$l" issue u.nanoacme.test
		expect_rc 2 || return
		expect_out 'not \[ADDR\]:PORT' "the [ADDR]:PORT hint for -l $l" || return
	done
	[ "$before" = "$(wc -l <"$PEBBLE_WORK/pebble.log")" ] || fail "Pebble was asked"
}

# --dry-run issue: the whole flow, a certificate issued, and nothing kept:
# no state directory appears, the throwaway one (under $TMPDIR) is gone.
# What a killed dry run left (a copy of an account key) goes too once a
# day old, unless a run still holds its lock; a fresh one stays.
t_dry_run_issue() {
	local n=dry.nanoacme.test d holder
	mkdir -p "$T/tmp"
	for d in old held fresh; do
		mkdir -p -m 700 "$T/tmp/nanoacme-dry-run.$d/account/x"
		echo key >"$T/tmp/nanoacme-dry-run.$d/account/x/key.pem"
	done
	touch -d '2 days ago' "$T/tmp/nanoacme-dry-run.old" "$T/tmp/nanoacme-dry-run.held"
	: >"$T/tmp/nanoacme-dry-run.held/lock"
	touch -d '2 days ago' "$T/tmp/nanoacme-dry-run.held"
	flock -x "$T/tmp/nanoacme-dry-run.held/lock" sleep 30 &
	holder=$!
	sleep 0.3
	TMPDIR=$T/tmp na_e -D "$PRODUCTION" --dry-run issue "$n"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	expect_rc 0 || return
	expect_out "dry run: issued $n" || return
	expect_out "dry run: $T/tmp/nanoacme-dry-run\\.[A-Za-z0-9]+ removed" || return
	[ ! -e "$T/s" ] || { fail "the state directory was created"; return 1; }
	[ "$(ls -A "$T/tmp" | tr '\n' ' ')" = "nanoacme-dry-run.fresh nanoacme-dry-run.held " ] ||
		fail "left in TMPDIR: $(ls -A "$T/tmp" | tr '\n' ' '), want the fresh and the held one"
}

# --dry-run renew: every certificate, due or not, renewed from its stored
# settings with the stored account (none created), no "replaces" (the CA
# would take the real certificate for replaced), the deploy hook not run,
# and STATE byte for byte as it was. With another command: a usage error.
t_dry_run_renew() {
	local n=dryr.nanoacme.test before
	na_e -D "$PRODUCTION" --deploy-hook "touch $T/deployed" issue "$n"
	expect_rc 0 || return
	rm -f "$T/deployed"
	# a renew that is not due asks the CA's window (ARI): from now on a
	# real renewal names the certificate in "replaces"
	na -C "$T/s" --jitter 0 renew
	expect_rc 1 || return
	before=$(snapshot "$T/s")
	na -C "$T/s" -vv --dry-run renew
	expect_rc 0 || return
	expect_out "dry run: a real renew: $n: not due until" || return
	expect_out "dry run: renewed $n" || return
	expect_out "dry run: deploy hook not run: touch $T/deployed" || return
	! grep -q '(created)' "$T/out" || { fail "an account was created"; return 1; }
	[ ! -e "$T/deployed" ] || { fail "the deploy hook ran"; return 1; }
	[ "$before" = "$(snapshot "$T/s")" ] || { fail "STATE changed"; return 1; }
	# Pebble echoes an order's "replaces" (-vv shows the replies)
	! grep -q '"replaces"' "$T/out" || { fail "the order named the real certificate"; return 1; }
	na -C "$T/s" --dry-run list
	expect_rc 2 || return
	expect_out 'dry-run goes with issue or renew'
}

# --dry-run against Let's Encrypt's production goes to its staging. Tests
# reach nothing beyond 127.0.0.1: the listener's port is Pebble's, so the
# run stops (exit 6) after saying where it goes and before any request.
t_dry_run_staging() {
	na -C "$T/s" -v -l "127.0.0.1:$PEBBLE_PORT" \
		-D https://acme-v02.api.letsencrypt.org/directory --dry-run issue le.nanoacme.test
	expect_rc 6 || return
	expect_out 'dry run: at https://acme-staging-v02\.api\.letsencrypt\.org/directory' || return
	! grep -q '^> ' "$T/out" || fail "a request was sent"
}

# -vv shows each reply body re-indented, two spaces a level (Pebble
# indents by three: these lines are ours), and a body over 2 KB (the
# certificate chain) cut with how much more there was.
t_verbose_bodies() {
	na_e -D "$PRODUCTION" -vv issue vv.nanoacme.test
	expect_rc 0 || return
	expect_out '^    "status": "(pending|valid|processing)",$' "a member at level 1" || return
	expect_out '^        "type": "dns",$' "a member at level 3" || return
	expect_out '^  \.\.\. \([0-9]+ more bytes\)$' "the cut body's marker"
}

# A CA whose TLS certificate the CA file does not anchor: exit 3, and the
# error names the file used (the one to fix).
t_unknown_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/other.key" -out "$T/other.pem" -subj /CN=other -days 2 \
		>>"$T/log" 2>&1 || { fail "openssl req"; return 1; }
	na -C "$T/s" -c "$T/other.pem" -D "$PRODUCTION" -y issue uca.nanoacme.test
	expect_rc 3 || return
	expect_out "trusted CAs: $T/other\\.pem"
}

# A CA that forgot the account (a test CA reset): exit 4 with the CA's
# problem and how to recover, which then works.
t_account_forgotten() {
	local n=af.nanoacme.test url
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 0 || return
	url=$(find "$T/s/account" -name url | head -n 1)
	echo "https://127.0.0.1:$PEBBLE_PORT/my-account/99999999" >"$url"
	na_e -D "$PRODUCTION" --force issue "$n"
	expect_rc 4 || return
	expect_out 'accountDoesNotExist' || return
	expect_out "does not know this account .*remove $url and run again" || return
	rm -f "$url"
	na_e -D "$PRODUCTION" --force issue "$n"
	expect_rc 0
}

# -v says that renew waits for jitter, how long and why; a person at a
# terminal (script(1) gives a pty) sees a status line for the wait, which
# is cleared after; cron (no terminal) sees none.
t_jitter_status() {
	local n=js.nanoacme.test
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 0 || return
	na -C "$T/s" -v --jitter 1 --force renew "$n"
	expect_rc 0 || return
	expect_out 'waiting [01] s \(random, up to 1: --jitter\)' || return
	! grep -q 'waiting [0-9]* s: ' "$T/out" || { fail "a status line without a terminal"; return 1; }
	script -qec "$NANOACME -C $T/s --jitter 1 --force renew $n" "$T/tty" \
		</dev/null >>"$T/log" 2>&1
	rc=$?
	expect_rc 0 || return
	grep -q 'waiting [01] s: jitter' "$T/tty" || { fail "no status line on the terminal"; return 1; }
	grep -q "$(printf '\r\033\\[K')" "$T/tty" || fail "the status line is never cleared"
}

# SIGTERM and SIGINT during a wait: one line saying so, exit 143 and 130,
# STATE as it was.
t_signals() {
	local n=sig.nanoacme.test before s pid i
	na_e -D "$PRODUCTION" issue "$n"
	expect_rc 0 || return
	before=$(snapshot "$T/s")
	for s in TERM:143 INT:130; do
		"$NANOACME" -C "$T/s" -v --jitter 3600 --force renew "$n" \
			>"$T/out" 2>&1 </dev/null &
		pid=$!
		for i in $(seq 1 50); do
			grep -q 'waiting .*--jitter' "$T/out" && break
			sleep 0.1
		done
		kill -"${s%%:*}" "$pid"
		wait "$pid"
		rc=$?
		cat "$T/out" >>"$T/log"
		expect_rc "${s#*:}" "SIG${s%%:*}" || return
		expect_out "stopped by signal [0-9]+ \\(SIG${s%%:*}\\)" || return
		[ "$(grep -c '^nanoacme: ' "$T/out")" = 1 ] || { fail "not one line"; return 1; }
	done
	[ "$before" = "$(snapshot "$T/s")" ] || fail "STATE changed"
}

need_nanoacme
need_tools openssl script
pebble_setup PEBBLE_WFE_NONCEREJECT=0
STAGING=$PEBBLE_DIR_URL
PRODUCTION=https://127.0.0.1:$PEBBLE_PORT/dir

all_tests="staging_then_production settings_update ssl_cert_file renew_name"
all_tests="$all_tests usage_errors account_contact same_names delete"
all_tests="$all_tests dry_run_issue dry_run_renew dry_run_staging"
all_tests="$all_tests verbose_bodies unknown_ca account_forgotten"
all_tests="$all_tests jitter_status signals"
run_tests "$all_tests" "${EVERYDAY_TESTS:-}"
