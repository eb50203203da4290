# SPDX-License-Identifier: MIT
# tests/lib.sh: helpers the shell test suites share (sourced, bash).
#
# Each suite sources this before defining its own helpers; a suite that
# needs a different version of one defines it after, which wins. The
# helpers use the suite's variables: T (the test's directory), rc, reason,
# passed, failed, NANOACME, NANOACME_TIMEOUT, wrap, and finish().

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
	finish
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# na ARGS...: run nanoacme. Its stdout+stderr go to $T/out (this run) and are
# appended to $T/log (all runs of the test); its exit status is left in $rc.
na() {
	printf '$ %s %s\n' "${wrap[*]:+${wrap[*]} }$NANOACME" "$*" >>"$T/log"
	timeout --foreground -k 5 "$NANOACME_TIMEOUT" ${wrap[@]+"${wrap[@]}"} "$NANOACME" "$@" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
	cat "$T/out" >>"$T/log"
	printf '[exit %s]\n' "$rc" >>"$T/log"
}

expect_rc() {
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "nanoacme timed out after ${NANOACME_TIMEOUT}s (exit $rc), want exit $1"
		return 1
	fi
	[ "$rc" = "$1" ] || fail "exit $rc, want $1"
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

# expect_same A B: byte-identical files.
expect_same() {
	cmp -s "$1" "$2" || fail "$1 differs from $2"
}

# expect_sans CERT NAME...: the certificate's DNS names are exactly NAME...
expect_sans() {
	local cert=$1 have want
	shift
	have=$(openssl x509 -noout -ext subjectAltName -in "$cert" 2>/dev/null |
		tail -n +2 | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep . | sort)
	want=$(printf 'DNS:%s\n' "$@" | sort)
	[ "$have" = "$want" ] ||
		fail "SANs are '$(echo "$have" | tr '\n' ' ')', want '$(echo "$want" | tr '\n' ' ')'"
}

pubkey_of_cert() {
	openssl x509 -noout -pubkey -in "$1" 2>/dev/null
}

finish() {
	pebble_stop
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	TMP=
}
