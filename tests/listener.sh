#!/usr/bin/env bash
# tests/listener.sh: nanoacme's http-01 listener under abuse while a real
# validation is in progress.
#
# Usage: tests/listener.sh [path-to-nanoacme]   (default build/short/nanoacme)
# The binary should be the short-timeout sanitizer build of `make
# check-listener` (LISTEN_CONN_TIMEOUT_MS=2000). Sets up the hostile
# server of tests/hostile.py in its well-behaved mode, with a validator
# that fetches the key authorization from nanoacme's listener several
# times, spread over a few seconds (as a CA's several vantage points do).
# While nanoacme waits for that validation, tests/abuse.py floods the
# same listener (hundreds of concurrent connections, slow clients,
# megabyte request lines, traversal and other probes, other methods).
# Checks, besides those abuse.py prints:
#   validator-answered  nanoacme exits 0 with a new certificate, and every
#                       fetch of the validator got the key authorization;
#   no-sanitizer        no sanitizer report;
#   state-sane          the new certificate and key match.
# Prints "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init --pebble listener "${1:-build/short/nanoacme}"
# shellcheck source=tests/hostile-env.sh
. "$here/hostile-env.sh"
PY=$(command -v python3 || true)
# LISTEN_CONN_TIMEOUT_MS of the build under test, in seconds.
CONN_TIMEOUT=${LISTEN_CONN_TIMEOUT:-2}
FETCHES=6

[ -n "$PY" ] && [ -x "$NANOACME" ] ||
	setup_fail "python3 or $NANOACME missing (tests/deps.sh check; make check-listener)"
hostile_start || setup_fail "$hostile_err" "$T/out"

T=$TMP/abuse
mkdir -p "$T"
: >"$W/validations.log"
set_scenario good "\"delay\": 1.0, \"fetches\": $FETCHES, \"spacing\": 0.5"
cp -p "$S/certs/$NAME/cert.pem" "$T/cert.before"
ASAN_OPTIONS=exitcode=99:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	"$PY" "$here/abuse.py" "$W" "$LPORT" 6 "$CONN_TIMEOUT" -- \
	"$NANOACME" -D "https://localhost:$GOOD/dir" \
	-c "$W/ca.pem" -C "$S" -l "127.0.0.1:$LPORT" issue --force "$NAME" \
	>"$T/abuse.out" 2>&1
cp "$W/nanoacme.out" "$T/out" 2>/dev/null
while read -r word name rest; do
	case $word in
	ok) ok "$name" ;;
	FAIL) bad "${name%:}" "$rest" ;;
	*) echo "$word $name $rest" ;;
	esac
done <"$T/abuse.out"
rc=$(cat "$W/nanoacme.rc" 2>/dev/null)
nok=$(grep -c '^ok ' "$W/validations.log")
if [ "$rc" = 0 ] && [ "$nok" = "$FETCHES" ] &&
	! grep -q '^bad ' "$W/validations.log"; then
	ok "validator-answered ($nok of $FETCHES fetches during the attack)"
else
	bad validator-answered "nanoacme exit ${rc:-?}, validator: $(tr '\n' ';' <"$W/validations.log")"
fi
if grep -Eq 'Sanitizer|runtime error' "$T/out"; then
	bad no-sanitizer "sanitizer report"
else
	ok no-sanitizer
fi
if pair_ok "$S/certs/$NAME" && ! cmp -s "$T/cert.before" "$S/certs/$NAME/cert.pem"; then
	ok state-sane
else
	bad state-sane "no new matching certificate and key"
fi
summary
