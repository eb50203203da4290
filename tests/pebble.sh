#!/usr/bin/env bash
# tests/pebble.sh: integration tests of the nanoacme binary against a real Pebble.
#
# Usage: tests/pebble.sh [path-to-nanoacme]      (default: $NANOACME, else ./nanoacme)
# Environment:
#   NANOACME_WRAP     words put in front of the binary, e.g.
#                     "valgrind --error-exitcode=99 --leak-check=full" or
#                     "qemu-mipsel-static"
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 60; raise it for
#                     valgrind or qemu)
#   PEBBLE_TESTS      space-separated test names to run (default: all), e.g.
#                     PEBBLE_TESTS="one_name lock" tests/pebble.sh
#   PEBBLE_VERBOSE=1  print each test's nanoacme log even when it passes
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# Everything listens on 127.0.0.1 only. Pebble runs in one of two modes, started
# once and restarted only when a test needs the other mode (tests are ordered so
# that this happens once):
#   main   PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0: as deterministic as
#          Pebble gets (2.10 by default, 2.4 for make check-pebble24).
#          AUTHZREUSE=0 still reuses a valid authorization 1% of the time
#          (Pebble creates a new one only if rand.Intn(100) > percent, and
#          rejects negative values), so no test may rely on a fresh
#          validation of a name its account already validated.
#   storm  PEBBLE_WFE_NONCEREJECT=50 PEBBLE_AUTHZREUSE=100: badNonce half the time,
#          valid authorizations always reused
#
# Runner, after tests/runner.h: each test is a function t_NAME; run_test NAME runs
# it in a fresh directory $T, prints "ok NAME" or "FAIL NAME: reason (line N)" plus
# the log of every nanoacme run of that test; the last line is "N passed, N failed"
# and the exit status is non-zero if any test failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble test "$@"
acct_url=
acct_dir=

# --- helpers: each expect_* sets $reason and returns 1 on failure -------------

# expect_out_fixed STRING: this run's output contains STRING literally.
expect_out_fixed() {
	grep -Fq -- "$1" "$T/out" || fail "output lacks '$1'"
}

# expect_line_with A B: some output line contains both fixed strings A and B.
expect_line_with() {
	awk -v a="$1" -v b="$2" 'index($0, a) && index($0, b) { f = 1 } END { exit !f }' \
		"$T/out" || fail "no output line with both '$1' and '$2'"
}

# dir_field NAME: a string member of Pebble's directory (or its meta object).
dir_field() {
	pebble_curl "$PEBBLE_DIR_URL" |
		sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}

# free_port: a 127.0.0.1 port nobody listens on and Pebble does not use.
free_port() {
	local p
	for p in $(seq $((PEBBLE_HTTP_PORT + 100)) $((PEBBLE_HTTP_PORT + 200))); do
		case " $PEBBLE_PORT $PEBBLE_MGMT_PORT $PEBBLE_TLS_PORT $CHALLTESTSRV_DNS_PORT $CHALLTESTSRV_MGMT_PORT " in
		*" $p "*) continue ;;
		esac
		if ! pebble_port_busy "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# pebble_mode_start main|storm: start Pebble in that mode (see the header;
# use_pebble in tests/pebble-env.sh).
pebble_mode_start() {
	case $1 in
	main) pebble_start PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 ;;
	storm) pebble_start PEBBLE_WFE_NONCEREJECT=50 PEBBLE_AUTHZREUSE=100 ;;
	*) return 1 ;;
	esac
}

# --- tests ---------------------------------------------------------------------

t_usage() {
	na
	expect_rc 2 || return
	na --help
	expect_rc 0 || return
	expect_out 'issue' || return
	expect_out '[Ee][Xx][Ii][Tt]' "a word about exit codes" || return
	expect_out '(^|[^0-9])7([^0-9]|$)' "exit code 7" || return
	expect_out '(^|[^0-9])8([^0-9]|$)' "exit code 8" || return
	na --no-such-option
	expect_rc 2 || return
	na -C "$T/s" issue
	expect_rc 2 || return
	expect_absent "$T/s/certs" || return
	na --version
	expect_rc 0 || return
	expect_out '[Nn][Aa][Nn][Oo][Aa][Cc][Mm][Ee]' "the program name" || return
}

t_tos() {
	local tos
	use_pebble main || return
	tos=$(dir_field termsOfService)
	[ -n "$tos" ] || { fail "Pebble's directory has no termsOfService"; return; }
	na_pebble "$T/s" issue tos.nanoacme.test
	expect_rc 7 || return
	expect_out_fixed "$tos" || return
	[ -z "$(find "$T/s/account" -type f \( -name url -o -name key.pem \) 2>/dev/null)" ] ||
		{ fail "account files created without -y: $(find "$T/s" -type f | tr '\n' ' ')"; return; }
	expect_absent "$T/s/certs/tos.nanoacme.test" || return
}

t_one_name() {
	local d neworder
	use_pebble main || return
	na_pebble "$T/s" -y -v issue a.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/a.nanoacme.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" a.nanoacme.test || return
	find_account "$T/s" || return
	expect_file "$acct_url" || return
	expect_file "$acct_dir/key.pem" || return
	expect_mode "$acct_dir/key.pem" 600 || return
	expect_mode "$acct_dir" 700 || return
	expect_out 'TLS handshakes: 1([^0-9]|$)' "'TLS handshakes: 1'" || return
	neworder=$(dir_field newOrder)
	[ -n "$neworder" ] || { fail "Pebble's directory has no newOrder"; return; }
	expect_line_with POST "$neworder" || return
}

t_three_names() {
	local d
	use_pebble main || return
	na_pebble "$T/s" -y issue a.example.test b.example.test c.example.test
	expect_rc 0 || return
	d=$T/s/certs/a.example.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" a.example.test b.example.test c.example.test || return
	expect_absent "$T/s/certs/b.example.test" || return
	expect_absent "$T/s/certs/c.example.test" || return
}

t_account_reuse() {
	local f1 f2 url d1 u
	use_pebble main || return
	na_pebble "$T/s" -y issue r1.nanoacme.test
	expect_rc 0 || return
	find_account "$T/s" || return
	f1=$acct_url
	cp "$f1" "$T/url.saved" && cp "$acct_dir/key.pem" "$T/key.saved" || return
	d1=$T/s/certs/r1.nanoacme.test
	cp -p "$d1/cert.pem" "$T/r1.cert.saved" || return
	na_pebble "$T/s" -y -v issue r2.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/r2.nanoacme.test" || return
	find_account "$T/s" || return
	f2=$acct_url
	[ "$f1" = "$f2" ] || { fail "account url moved from $f1 to $f2"; return; }
	expect_same "$T/url.saved" "$f2" || return
	expect_same "$T/key.saved" "$(dirname "$f2")/key.pem" || return
	expect_same "$T/r1.cert.saved" "$d1/cert.pem" || return
	# Any account URL the second run mentions must be the stored one: a new
	# account would have a new URL (Pebble: .../my-account/ID).
	url=$(cat "$f2")
	while read -r u; do
		[ "$u" = "$url" ] || { fail "second run used account $u, stored $url"; return; }
	done < <(grep -Eo "https://[^ \"]*/my-account/[A-Za-z0-9_-]+" "$T/out" | sort -u)
}

t_failed_validation() {
	local d f port before after
	use_pebble main || return
	na_pebble "$T/s" -y issue fv.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/fv.nanoacme.test
	expect_cert_dir "$d" || return
	for f in privkey.pem cert.pem chain.pem fullchain.pem; do
		cp -p "$d/$f" "$T/$f.saved" || return
	done
	before=$(ls -A "$d")
	port=$(free_port) || { fail "no free port for the decoy listener"; return; }
	# Pebble validates on $PEBBLE_HTTP_PORT, where nobody listens now. The new
	# name fv2 guarantees a fresh authorization: Pebble may reuse fv's (1%).
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/s" -l "127.0.0.1:$port" \
		-y -v issue fv.nanoacme.test fv2.nanoacme.test
	expect_rc 5 || return
	expect_out 'urn:ietf:params:acme:error:[A-Za-z]+' "an ACME problem type" || return
	for f in privkey.pem cert.pem chain.pem fullchain.pem; do
		expect_same "$T/$f.saved" "$d/$f" || return
	done
	after=$(ls -A "$d")
	[ "$before" = "$after" ] ||
		{ fail "files in $d changed: '$(echo "$after" | tr '\n' ' ')'"; return; }
	if pebble_port_busy "$port"; then
		fail "127.0.0.1:$port still listening after nanoacme exited"
		return
	fi
}

t_network() {
	use_pebble main || return
	if pebble_port_busy 1; then
		fail "precondition: something listens on 127.0.0.1:1"
		return
	fi
	na -D "https://localhost:1/dir" -c "$PEBBLE_CA_FILE" -C "$T/s" \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT" -y issue net.nanoacme.test
	expect_rc 3 || return
	expect_out '[Cc]onnect|[Rr]efused|localhost' "a message naming the failure" || return
}

t_untrusted() {
	use_pebble main || return
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/other.key" -out "$T/other.pem" -days 2 \
		-subj "/CN=not the Pebble test CA" >>"$T/log" 2>&1 ||
		{ fail "openssl could not make a CA"; return; }
	na -D "$PEBBLE_DIR_URL" -c "$T/other.pem" -C "$T/s" \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT" -y issue tls.nanoacme.test
	expect_rc 3 || return
	expect_out '[Cc]ertificate|[Tt]rust|[Vv]erif|X\.?509' \
		"a word about the certificate/trust" || return
	expect_absent "$T/s/certs/tls.nanoacme.test" || return
}

t_lock() {
	local holder i
	use_pebble main || return
	mkdir -p "$T/s" && chmod 700 "$T/s" || return
	# Hold STATE/lock the way flock(1) does: the subshell keeps fd 9 open and
	# locked, then becomes sleep. Killing that one pid releases the lock.
	(
		exec 9>"$T/s/lock" && flock -x 9 && exec sleep 60
	) &
	holder=$!
	i=0
	while flock -n "$T/s/lock" true 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge 50 ]; then
			kill "$holder" 2>/dev/null
			wait "$holder" 2>/dev/null
			fail "could not take the lock for the test"
			return
		fi
		sleep 0.1
	done
	na_pebble "$T/s" -y issue lock.nanoacme.test
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	expect_rc 8 || return
	expect_absent "$T/s/certs/lock.nanoacme.test" || return
	# Same command once the lock is free: proves the lock caused exit 8.
	na_pebble "$T/s" -y issue lock.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/lock.nanoacme.test" || return
}

t_nonce_storm() {
	local d
	use_pebble storm || return
	na_pebble "$T/s" -y -v issue n1.nanoacme.test n2.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/n1.nanoacme.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" n1.nanoacme.test n2.nanoacme.test || return
	# With half of all nonces rejected, missing this means the rejection never
	# happened (or -v hides it): P(no rejection in ~12 POSTs) < 1/4000.
	expect_out 'badNonce' "a retried badNonce in -v output" || return
}

t_authz_reuse() {
	local d port nchal n
	use_pebble storm || return
	na_pebble "$T/s" -y issue az.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/az.nanoacme.test
	expect_cert_dir "$d" || return
	cp "$d/cert.pem" "$T/cert.saved" || return
	nchal=$(grep -c 'POST /chalZ/' "$PEBBLE_WORK/pebble.log")
	[ "$nchal" -ge 1 ] ||
		{ fail "pebble.log shows no challenge POST (log format changed?)"; return; }
	port=$(free_port) || { fail "no free port for the decoy listener"; return; }
	# Pebble now reuses the valid authorization: no challenge to answer, so the
	# listener on a port Pebble never connects to does not matter (RFC 8555
	# §7.1.3: check each authorization's status before answering challenges).
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/s" -l "127.0.0.1:$port" \
		-y -v --force issue az.nanoacme.test
	expect_rc 0 || return
	n=$(grep -c 'POST /chalZ/' "$PEBBLE_WORK/pebble.log")
	[ "$n" = "$nchal" ] ||
		{ fail "answered a challenge of a valid authorization ($nchal -> $n POSTs)"; return; }
	expect_cert_dir "$d" || return
	if cmp -s "$T/cert.saved" "$d/cert.pem"; then
		fail "cert.pem was not replaced by the new certificate"
		return
	fi
}

# --- main ------------------------------------------------------------------------

need_nanoacme
need_tools openssl curl timeout flock cmp stat

# Order matters only for speed: "main" tests first, then the "storm" ones.
all_tests="usage tos one_name three_names account_reuse failed_validation"
all_tests="$all_tests network untrusted lock nonce_storm authz_reuse"
run_tests "$all_tests" "${PEBBLE_TESTS:-}"
