# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are for the suite that sources this)
# SPDX-License-Identifier: MIT
# tests/lib.sh: helpers the shell test suites share (sourced, bash).
#
# Each suite sources this, then calls suite_init (counters, $TMP, traps;
# --pebble also sources tests/pebble-env.sh), defines its tests t_NAME and
# ends with run_tests ALL SELECTED. Every helper is defined here once; a
# suite adds hooks only: suite_cleanup (finish), test_before, test_after,
# test_failed_extra (run_test). The helpers use the suite's variables: T
# (the test's directory), rc, reason, passed, failed, NANOACME,
# NANOACME_TIMEOUT, wrap.

# fail MSG: record why the current test failed, with the line of the test
# function (t_*) that led here, as runner.h's CHECK reports __LINE__.
fail() {
	local i=1 line='?'
	while [ "$i" -lt "${#FUNCNAME[@]}" ]; do
		case ${FUNCNAME[$i]} in
		t_*) line=${BASH_LINENO[$((i - 1))]}; break ;;
		esac
		i=$((i + 1))
	done
	reason="$* (line $line)"
	return 1
}

ok() {
	echo "ok $1"
	passed=$((passed + 1))
}

# bad NAME REASON: count a failure and show the run's output.
bad() {
	echo "FAIL $1: $2"
	[ -f "$T/out" ] && sed 's/^/    /' "$T/out" | head -n 40
	failed=$((failed + 1))
}

# summary: clean up, then print the verdict as the very last line; the
# status is the script's exit status.
summary() {
	local t=$(($(date +%s) - ${started:-0}))
	finish
	[ -z "${started:-}" ] || echo "time: $t s, ${skipped:-0} skipped"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# na ARGS...: run nanoacme. Its stdout+stderr go to $T/out (this run) and are
# appended to $T/log (all runs of the test); its exit status is left in $rc,
# its wall time in milliseconds in $ms.
na() {
	local t0
	printf '$ %s %s\n' "${wrap[*]:+${wrap[*]} }$NANOACME" "$*" >>"$T/log"
	t0=$(date +%s%3N)
	timeout --foreground -k 5 "$NANOACME_TIMEOUT" ${wrap[@]+"${wrap[@]}"} "$NANOACME" "$@" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
	ms=$(($(date +%s%3N) - t0))
	cat "$T/out" >>"$T/log"
	printf '[exit %s, %s ms]\n' "$rc" "$ms" >>"$T/log"
}

# na_at DIR_URL CA_FILE HTTP_PORT STATE ARGS...: na against the ACME server
# at DIR_URL (its TLS anchored by CA_FILE), state directory STATE, the
# http-01 listener on 127.0.0.1:HTTP_PORT.
na_at() {
	local url=$1 ca=$2 port=$3 state=$4
	shift 4
	na -D "$url" -c "$ca" -C "$state" -l "127.0.0.1:$port" "$@"
}

# na_renew ARGS...: renew $T/s with its stored settings only; --jitter 0, as
# stdin is not a terminal here (the default would wait up to 300 s).
na_renew() {
	na -C "$T/s" renew --jitter 0 "$@"
}

# expect_rc N [WHAT]: this run exited N (WHAT: the case, for the message).
expect_rc() {
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "nanoacme timed out after ${NANOACME_TIMEOUT}s (exit $rc), want exit $1"
		return 1
	fi
	[ "$rc" = "$1" ] || fail "exit $rc, want $1${2:+ ($2)}"
}

# expect_out ERE [what]: this run's output matches ERE.
expect_out() {
	grep -Eq -- "$1" "$T/out" || fail "output lacks ${2:-/$1/}"
}

expect_file() {
	if [ ! -f "$1" ] || [ ! -s "$1" ]; then
		fail "missing or empty: $1"
	fi
}

expect_absent() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "should not exist: $1"
	fi
}

# snapshot DIR: every path with its type, mode, link target and the
# SHA-256 of regular files, sorted: equal snapshots = same state.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k 2)
}

# kernel_port: a 127.0.0.1 TCP port nobody listens on, the kernel's pick
# (needs $PY, a python3).
kernel_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# expect_same A B: byte-identical files.
expect_same() {
	cmp -s "$1" "$2" || fail "$1 differs from $2"
}

# expect_sans CERT ENTRY...: the subjectAltName entries are exactly ENTRY...,
# as openssl prints them ("DNS:a.test", "IP Address:127.0.0.1"); an ENTRY
# without ":" is a DNS name.
expect_sans() {
	local cert=$1 have want e
	shift
	have=$(openssl x509 -noout -ext subjectAltName -in "$cert" 2>/dev/null |
		tail -n +2 | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep . | sort)
	want=$(for e in "$@"; do
		case $e in
		*:*) printf '%s\n' "$e" ;;
		*) printf 'DNS:%s\n' "$e" ;;
		esac
	done | sort)
	[ "$have" = "$want" ] ||
		fail "SANs of $cert are '$(echo "$have" | tr '\n' ' ')', want '$(echo "$want" | tr '\n' ' ')'"
}

# pubkey_of_cert CERT, pubkey_of_key KEY: the public key, PEM.
pubkey_of_cert() {
	openssl x509 -noout -pubkey -in "$1" 2>/dev/null
}
pubkey_of_key() {
	openssl pkey -pubout -in "$1" 2>/dev/null
}

# expect_eq GOT WANT WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3 is '$1', want '$2'"
}

# expect_differ OLD NEW: NEW is no longer the file OLD saved.
expect_differ() {
	if cmp -s "$1" "$2"; then
		fail "$2 was not replaced: same as $1"
	fi
}

# expect_mode PATH OCTAL: permission bits of PATH, e.g. 600. Symlinks are
# followed: nanoacme may make certs/NAME a link to a versioned directory.
expect_mode() {
	local m
	m=$(stat -L -c %a "$1" 2>/dev/null) || { fail "cannot stat $1"; return 1; }
	[ "$m" = "$2" ] || fail "mode of $1 is $m, want $2"
}

# serial_of CERT: the serial number, lower-case hex (Pebble's format).
serial_of() {
	openssl x509 -noout -serial -in "$1" 2>/dev/null | sed 's/^serial=//' |
		tr 'A-F' 'a-f'
}

# cert_time CERT startdate|enddate: seconds since the epoch.
cert_time() {
	date -d "$(openssl x509 -noout "-$2" -in "$1" | sed 's/^[^=]*=//')" +%s
}

# expect_lifetime CERT SECONDS: notAfter - notBefore is SECONDS.
expect_lifetime() {
	local nb na
	if ! nb=$(cert_time "$1" startdate) || ! na=$(cert_time "$1" enddate); then
		fail "cannot read the dates of $1"
		return 1
	fi
	[ $((na - nb)) = "$2" ] ||
		fail "lifetime of $1 is $((na - nb)) s ($(((na - nb) / 86400)) days), want $2 s ($(($2 / 86400)) days)"
}

# cert_id CERT: the RFC 9773 §4.1 CertID of CERT: base64url (no padding) of
# the authority key identifier's keyIdentifier, ".", base64url of the serial's
# DER INTEGER content octets (a leading 00 when the top bit is set). Made with
# openssl and basenc only, a referee independent of the client and the CA
# (tests/double.sh's t_certid checks it against RFC 9773 Appendix A).
cert_id() {
	local aki serial
	aki=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier 2>/dev/null |
		sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-Fa-f]\{2\}\(:[0-9A-Fa-f]\{2\}\)*\) *$/\2/p' |
		head -n 1 | tr -d : | tr a-f A-F)
	serial=$(openssl x509 -in "$1" -noout -serial 2>/dev/null |
		sed -n 's/^serial=//p' | tr a-f A-F)
	[ -n "$aki" ] && [ -n "$serial" ] || return 1
	[ $((${#serial} % 2)) = 0 ] || serial=0$serial
	case $serial in
	[89A-F]*) serial=00$serial ;;
	esac
	printf '%s.%s\n' \
		"$(printf %s "$aki" | basenc --base16 -d | basenc --base64url -w 0 | tr -d =)" \
		"$(printf %s "$serial" | basenc --base16 -d | basenc --base64url -w 0 | tr -d =)"
}

# expect_verifies DIR [ROOT]: DIR/cert.pem chains to ROOT (a PEM file;
# default: Pebble's current root 0) through DIR/chain.pem.
expect_verifies() {
	local d=$1 root=${2:-} out
	if [ -z "$root" ]; then
		root=$T/root.pem
		pebble_root "$root" || { fail "cannot fetch Pebble's root"; return 1; }
	fi
	if ! out=$(openssl verify -CAfile "$root" -untrusted "$d/chain.pem" \
		"$d/cert.pem" 2>&1); then
		fail "openssl verify $d: $(echo "$out" | tr '\n' ' ')"
		return 1
	fi
}

# expect_key_matches DIR: privkey.pem is the key of cert.pem.
expect_key_matches() {
	local d=$1 a
	a=$(pubkey_of_cert "$d/cert.pem")
	case $a in
	*"BEGIN PUBLIC KEY"*) ;;
	*) fail "no public key in $d/cert.pem"; return 1 ;;
	esac
	[ "$a" = "$(pubkey_of_key "$d/privkey.pem")" ] ||
		fail "privkey.pem does not match cert.pem in $d"
}

# expect_cert_dir DIR [ROOT]: the four PEM files and settings, privkey.pem
# 0600 in a 0700 directory, one certificate in cert.pem and some in
# chain.pem, fullchain = cert + chain, the key is the certificate's, and the
# chain verifies to ROOT (default: Pebble's current root).
expect_cert_dir() {
	local d=$1 f n
	for f in privkey.pem cert.pem chain.pem fullchain.pem settings; do
		expect_file "$d/$f" || return 1
	done
	expect_mode "$d/privkey.pem" 600 || return 1
	expect_mode "$d" 700 || return 1
	n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$d/cert.pem")
	[ "$n" = 1 ] || { fail "cert.pem holds $n certificates, want 1"; return 1; }
	n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$d/chain.pem")
	[ "$n" -ge 1 ] || { fail "chain.pem holds no certificate"; return 1; }
	cat "$d/cert.pem" "$d/chain.pem" | cmp -s - "$d/fullchain.pem" ||
		{ fail "fullchain.pem is not cert.pem + chain.pem in $d"; return 1; }
	expect_verifies "$d" "${2:-}" || return 1
	expect_key_matches "$d"
}

# find_account STATE: $acct_url = the one account url file under
# STATE/account/ (fail unless there is exactly one), $acct_dir its directory,
# which holds key.pem too. Not used in $(...), so that fail's reason survives.
find_account() {
	local files n
	acct_url=
	acct_dir=
	files=$(find "$1/account" -type f -name url 2>/dev/null)
	n=$(printf '%s' "$files" | grep -c .)
	[ "$n" = 1 ] || { fail "want 1 account url file under $1/account, found $n"; return 1; }
	acct_url=$files
	acct_dir=$(dirname "$files")
	expect_file "$acct_dir/key.pem"
}

# finish: the suite's own suite_cleanup (servers it started), Pebble and
# the hostile server stopped (when their files are sourced), $TMP removed.
# Safe to call twice.
finish() {
	if declare -F suite_cleanup >/dev/null; then
		suite_cleanup
	fi
	if declare -F pebble_stop >/dev/null; then
		pebble_stop
	fi
	if declare -F hostile_stop >/dev/null; then
		hostile_stop
	fi
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	TMP=
}

# --- the runner every suite shares ------------------------------------------------

# suite_init [--pebble] NAME [PATH]: start a suite run: $here (the tests
# directory), tests/pebble-env.sh sourced with --pebble, counters, NANOACME
# (PATH, else $NANOACME, else ./nanoacme; made absolute), NANOACME_TIMEOUT
# (default 60), wrap (words of $NANOACME_WRAP), verbose (PEBBLE_VERBOSE),
# traps, $TMP (nanoacme-NAME.XXXXXX) and $T=$TMP/setup for the setup's log.
suite_init() {
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	if [ "$1" = --pebble ]; then
		# shellcheck source=tests/pebble-env.sh
		. "$here/pebble-env.sh"
		shift
	fi
	NANOACME=${2:-${NANOACME:-./nanoacme}}
	case $NANOACME in
	/*) ;;
	*) NANOACME=$PWD/$NANOACME ;;
	esac
	NANOACME_TIMEOUT=${NANOACME_TIMEOUT:-60}
	read -r -a wrap <<<"${NANOACME_WRAP:-}"
	verbose=${PEBBLE_VERBOSE:-0}
	passed=0
	failed=0
	skipped=0
	rc=
	reason=
	started=$(date +%s)
	trap finish EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-$1.XXXXXX") || exit 1
	T=$TMP/setup
	mkdir -p "$T" && : >"$T/log" && : >"$T/out"
}

# setup_fail MSG [LOG]: the suite cannot run: "FAIL setup: MSG" (and LOG),
# counted as a failure; prints the summary and exits non-zero.
setup_fail() {
	echo "FAIL setup: $1"
	[ -z "${2:-}" ] || sed 's/^/    /' "$2"
	failed=$((failed + 1))
	summary
	exit
}

# need_nanoacme: setup_fail unless $NANOACME is an executable file.
need_nanoacme() {
	[ -f "$NANOACME" ] && [ -x "$NANOACME" ] ||
		setup_fail "$NANOACME is not an executable file (build it with make)"
}

# need_tools PROG...: setup_fail unless every PROG is on PATH.
need_tools() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 ||
			setup_fail "$p not found (tests/deps.sh check)"
	done
}

# skip MSG: the current test cannot run here; returns 77, which run_test
# reports as "skip", counted neither passed nor failed.
skip() {
	reason=$*
	return 77
}

# run_test NAME: run t_NAME in a fresh $T. Passed: it returned 0 and set no
# $reason ("ok NAME (N ms)", and its log when $verbose is 1). Else "FAIL
# NAME: reason" with the log, the suite's test_failed_extra and the tail of
# Pebble's log (when pebble-env.sh is in). A suite may define test_before
# NAME (non-zero: the test fails unrun; it then needs test_failed_extra
# too) and test_after.
run_test() {
	local name=$1 st t0
	T=$TMP/$name
	mkdir -p "$T" && : >"$T/log" && : >"$T/out"
	reason=
	if declare -F test_before >/dev/null && ! test_before "$name"; then
		echo "FAIL $name: ${reason:-setup of the test failed}"
		test_failed_extra "$name"
		failed=$((failed + 1))
		return
	fi
	t0=$(date +%s%3N)
	"t_$name"
	st=$?
	[ "$st" != 0 ] || [ -z "$reason" ] || st=1
	if declare -F test_after >/dev/null; then
		test_after "$name"
	fi
	case $st in
	0)
		ok "$name ($(($(date +%s%3N) - t0)) ms)"
		[ "${verbose:-0}" != 1 ] || sed 's/^/    /' "$T/log"
		;;
	77)
		echo "skip $name: $reason"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL $name: ${reason:-returned non-zero}"
		if [ -s "$T/log" ]; then
			sed 's/^/    /' "$T/log"
		else
			sed 's/^/    /' "$T/out" | head -n 40
		fi
		if declare -F test_failed_extra >/dev/null; then
			test_failed_extra "$name"
		fi
		if declare -F pebble_log_tail >/dev/null; then
			pebble_log_tail
		fi
		failed=$((failed + 1))
		;;
	esac
}

# run_tests ALL [SELECTED]: run_test each name of SELECTED (default ALL); a
# name with no t_NAME counts as failed. Then the summary.
run_tests() {
	local t
	for t in ${2:-$1}; do
		if ! declare -F "t_$t" >/dev/null; then
			echo "FAIL $t: no such test (known: $1)"
			failed=$((failed + 1))
			continue
		fi
		run_test "$t"
	done
	summary
}
