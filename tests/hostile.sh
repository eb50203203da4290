#!/usr/bin/env bash
# tests/hostile.sh: nanoacme against a hostile ACME server (tests/hostile.py).
#
# Usage: tests/hostile.sh [path-to-nanoacme]    (default build/short/nanoacme)
# The binary should be the sanitizer build with short timeouts that
# `make check-hostile` makes (HTTP_IO_TIMEOUT_MS=2000,
# HTTP_REQUEST_TIMEOUT_MS=4000, ACME_POLL_TOTAL_S=5, ...): a stall then
# costs seconds. Environment: HOSTILE_TESTS="name..." runs only those
# cases; HOSTILE_VERBOSE=1 prints every run's output.
#
# Setup: a throwaway CA and TLS certificates made here with openssl (one
# for localhost, one for another name, one expired, one self-signed), the
# server on 127.0.0.1 only, and one good issuance, which creates the
# account and a certificate. Then each case makes the server misbehave at
# one step and runs `nanoacme issue --force` (some also `renew --force`)
# against it, and checks:
#   - the exit status is the documented one, and a line of the output
#     names the problem;
#   - no crash, no sanitizer report;
#   - it ends within the configured timeouts (each case has a bound);
#   - the state directory (account, certificate, key, every file, mode
#     and link) is byte for byte what it was before;
#   - the client broke no protocol rule the server checks (each nonce
#     used once, JWS url = request URL, the account's kid).
# Then: a webroot run must not write a traversal token anywhere; no
# option of --help, no usual spelling of an "insecure" switch and no
# such environment variable makes nanoacme accept the self-signed
# server (tls-no-off-switch). Finally a good issuance must still work
# with the same state.
# Prints "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init --pebble hostile "${1:-build/short/nanoacme}"
# shellcheck source=tests/hostile-env.sh
. "$here/hostile-env.sh"
PY=$(command -v python3 || true)

# --- cases: name (tests/hostile.py's SCENARIOS say what the server does),
# expected exit, ERE one line of the output must match, bound in seconds,
# and the server's listener when not "good" ---------------------------------
# Timeouts of the test build: I/O 2 s, request 4 s, polling 5 s.
CASES='
big-body            3 too large                      5
big-body-eos        3 too large                      5
chunked-endless     3 too large                      5
chunked-endless-ext 3 timed out|too large            5
chunked-bad-size    3 malformed HTTP response        5
big-header-line     3 too large                      5
many-headers        3 too large                      5
big-headers-total   3 too large                      5
endless-continue    3 too large                      5
location-too-long   3 too large                      5
bad-framing         3 malformed HTTP response        5
not-http            3 malformed HTTP response        5
body-stops          3 closed                         5
body-stops-stall    3 timed out                      7
stall               3 timed out                      7
slowloris           3 timed out                      7
slow-body           3 timed out                      7
bad-json            4 directory .*unexpected reply   5
not-json            4 directory .*unexpected reply   5
vv-colons           4 directory .*unexpected reply   5
dir-no-newnonce     4 newNonce                       5
dir-wrong-types     4 newOrder missing|newOrder      5
dir-http-url        4 not an https URL               5
no-replay-nonce     4 without a Replay-Nonce         5
bad-replay-nonce    4 without a Replay-Nonce         5
order-wrong-types   4 newOrder .*unexpected reply    5
order-no-finalize   4 newOrder .*unexpected reply    5
order-no-location   4 newOrder .*unexpected reply    5
order-authz-numbers 4 newOrder .*unexpected reply    5
order-too-many-authz 4 101 authorizations            5
server-error        4 newOrder .*500                 5
deep-subproblems    4 newOrder .*400                 5
deep-subproblems-min 4 newOrder .*400                5
problem-controls    4 rejectedIdentifier             5
problem-c1          4 rejectedIdentifier             5
authz-status-number 4 without status                 5
authz-no-challenges 4 no challenge                   5
token-traversal     4 no challenge                   5
token-too-long      4 no challenge                   5
authz-other-ident   4 not one of the names ordered   5
authz-newline-ident 4 not one of the names ordered   5
authz-wildcard-ident 4 not one of the names ordered  5
chall-refused       4 challenge .*malformed          5
order-paused        4 visit https://portal.example.test/sfe/v1/unpause 5
order-user-action   4 visit https://ca.example.test/agree 5
authz-revoked       4 became revoked                 5
authz-invalid       5 hostile says no                5
bad-nonce-forever   4 badNonce                       8
finalize-refused    4 badCSR                         5
order-invalid       4 is invalid                     5
order-processing-forever 4 still not done            8
order-valid-no-cert 4 order .*unexpected reply       5
cert-garbage        4 not a PEM certificate chain    5
cert-empty          4 not a PEM certificate chain    5
cert-pem-garbage    4 not a valid X.509|not a PEM    5
cert-wrong-key      4 does not certify our key       5
cert-wrong-names    4 missing from its names         5
cert-expired        4 expired                        5
redirect-loop-dir   4 directory .*301                5
redirect-loop-cert  4 certificate .*301              5
tls-wrong-host      3 does not name the server       5 wronghost
tls-expired         3 expired                        5 expired
tls-untrusted       3 not trusted                    5 untrusted
tls-garbage         3 not a TLS server               5 raw
tls-stall           3 timed out                      7 raw
tls-close           3 closed|reset|TLS               5 raw
'
# Known bugs of files this test may not fix, reported to their owners:
# skipped (and listed at the end) unless named in HOSTILE_TESTS. Remove a
# name once its bug is fixed.
#   cert-expired: acme.c installs a certificate that has already expired
#     (leaf_check() looks at key and names, not at notBefore/notAfter),
#     replacing the working one.
#   deep-subproblems-min: acme.c's print_problem_at() recurses once per
#     nesting level of subproblems (335 levels fit in 1024 tokens, about
#     3 KB of stack each): with a 1 MB stack (ulimit -s 1024, as this case
#     runs) a CA's problem document crashes nanoacme (SIGSEGV).
PENDING=""
# Cases run with a 1 MB stack (ulimit -s 1024), as on a small router.
SMALL_STACK="deep-subproblems deep-subproblems-min"
# Cases also run as `renew --force`: the renewal path keeps the old pair too.
RENEW_CASES="body-stops cert-wrong-key cert-garbage tls-untrusted stall"
# Cases run with -vv (the reply bodies shown).
VV_CASES="vv-colons"

# run_case NAME EXIT ERE BOUND LISTENER CMD...: one hostile run.
run_case() {
	local name=$1 want=$2 ere=$3 bound=$4 lis=$5 port v
	shift 5
	T=$TMP/$name
	mkdir -p "$T"
	port=$(sed -n "s/^$lis //p" "$W/ports")
	set_scenario "$name"
	: >"$W/violations.log"
	snapshot "$S" >"$T/before"
	case " $SMALL_STACK " in
	*" $name "*)
		ulimit -S -s 1024
		na_srv "$port" "$@"
		ulimit -S -s "$STACK"
		;;
	*) na_srv "$port" "$@" ;;
	esac
	snapshot "$S" >"$T/after"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		bad "$name" "no exit after 60 s (killed)"
	elif grep -Eq 'Sanitizer|runtime error|LeakSanitizer' "$T/out"; then
		bad "$name" "sanitizer report (exit $rc)"
	elif [ "$rc" != "$want" ]; then
		bad "$name" "exit $rc, want $want"
	elif ! grep -Eq -- "$ere" "$T/out"; then
		bad "$name" "no line of the output matches /$ere/"
	elif ! grep -Eq '^nanoacme: ' "$T/out"; then
		bad "$name" "no 'nanoacme: ' error message"
	elif LC_ALL=C grep -q "$(printf '[\033\233\235]')" "$T/out"; then
		bad "$name" "an ESC, CSI or OSC byte from the server reached the terminal"
	elif [ "${secs%.*}" -ge "$bound" ]; then
		bad "$name" "took ${secs}s, bound ${bound}s"
	elif ! cmp -s "$T/before" "$T/after"; then
		bad "$name" "state directory changed: $(diff "$T/before" "$T/after" | tr '\n' ' ')"
	elif [ -s "$W/violations.log" ]; then
		bad "$name" "protocol violation: $(head -n 3 "$W/violations.log" | tr '\n' ' ')"
	else
		v=$name
		[ "$1" = renew ] && v="$name (renew)"
		ok "$v (exit $rc in ${secs}s)"
	fi
}

# --- main ------------------------------------------------------------------------

need_tools openssl timeout sha256sum
[ -n "$PY" ] || setup_fail "python3 not found (tests/deps.sh check)"
[ -x "$NANOACME" ] ||
	setup_fail "$NANOACME is not an executable (make check-hostile builds it)"
hostile_start || setup_fail "$hostile_err" "$T/out"
ok "good (exit 0 in ${secs}s: account, certificate, validation)"

STACK=$(ulimit -S -s)
not_run=
while read -r name want rest; do
	[ -z "$name" ] && continue
	case " ${HOSTILE_TESTS:-$name} " in *" $name "*) ;; *) continue ;; esac
	case " $PENDING " in
	*" $name "*)
		case " ${HOSTILE_TESTS:-} " in
		*" $name "*) ;;
		*) not_run="$not_run $name"; continue ;;
		esac
		;;
	esac
	# the ERE may hold spaces: the bound and listener are the last words
	set -f
	# shellcheck disable=SC2086
	set -- $rest
	set +f
	lis=good
	case ${!#} in
	good | wronghost | expired | untrusted | raw) lis=${!#}; set -- "${@:1:$(($# - 1))}" ;;
	esac
	bound=${!#}
	ere=${*:1:$(($# - 1))}
	vv=
	case " $VV_CASES " in *" $name "*) vv=-vv ;; esac
	# shellcheck disable=SC2086 # $vv: empty or one word
	run_case "$name" "$want" "$ere" "$bound" "$lis" $vv issue --force "$NAME"
	case " $RENEW_CASES " in
	*" $name "*) run_case "$name" "$want" "$ere" "$bound" "$lis" renew --force ;;
	esac
done <<<"$CASES"

# A token the server sends must never become a path: with --webroot, a
# traversal token gives exit 4 and writes nothing anywhere.
T=$TMP/webroot-traversal
mkdir -p "$T" "$TMP/www"
set_scenario token-traversal
snapshot "$S" >"$T/before"
na_srv "$GOOD" --webroot "$TMP/www" issue --force "$NAME"
snapshot "$S" >"$T/after"
if [ "$rc" != 4 ] || [ -e /tmp/nanoacme-pwned ] ||
	[ -n "$(find "$TMP/www" -type f)" ] || ! cmp -s "$T/before" "$T/after"; then
	bad webroot-traversal "exit $rc (want 4), or a file was written"
else
	ok "webroot-traversal (exit 4, nothing written)"
fi

# A paused name is not retried: --retry 3 still ends at once (a retry
# would wait 10 s or the CA's Retry-After), with the unpause URL.
T=$TMP/paused-no-retry
mkdir -p "$T"
set_scenario order-paused
na_srv "$GOOD" --retry 3 issue --force "$NAME"
if [ "$rc" != 4 ] || [ "${secs%.*}" -ge 5 ] ||
	! grep -q 'unpause?jwt=abc.def' "$T/out" || grep -q 'retry 1 of' "$T/out"; then
	bad paused-no-retry "exit $rc in ${secs}s (want 4 at once, no retry)"
else
	ok "paused-no-retry (exit 4 in ${secs}s, not retried)"
fi

# No option turns TLS verification off: every option of --help (with a
# plausible value) and the usual spellings of such a switch, against the
# server's self-signed listener, give exit 3 "not trusted" (or a usage or
# local error before any connection), never a certificate. The tested
# option comes first, so the -D that follows overrides --staging.
T=$TMP/tls-no-off-switch
mkdir -p "$T" "$TMP/www"
set_scenario good
UNTRUSTED=$(sed -n 's/^untrusted //p' "$W/ports")
openssl req -new -key "$W/good.key" -subj "/CN=$NAME" \
	-addext "subjectAltName=DNS:$NAME" -out "$TMP/name.csr" 2>/dev/null
opts=$("$NANOACME" --help 2>&1 |
	grep -oE -- '--[a-z][a-z0-9-]+( [A-Z][A-Z0-9|]*| ?\[ADDR\]:PORT| [0-9|]+)?' | sort -u)
snapshot "$S" >"$T/before"
tried=0 refused=0 nopts=0 why='' codes='' 
while read -r opt meta; do
	case $opt in --help | --version | '') continue ;; esac
	case $meta in
	'') set -- "$opt" ;;
	URL) set -- "$opt" "https://localhost:$UNTRUSTED/dir" ;;
	DIR) set -- "$opt" "$TMP/www" ;;
	FILE) if [ "$opt" = --csr ]; then set -- "$opt" "$TMP/name.csr"; else set -- "$opt" "$W/ca.pem"; fi ;;
	*PORT) set -- "$opt" "127.0.0.1:$LPORT" ;;
	PROGRAM | CMD) set -- "$opt" true ;;
	N | SECONDS) set -- "$opt" 0 ;;
	[0-9]*) set -- "$opt" "${meta%%|*}" ;;
	ADDR) set -- "$opt" a@example.test ;;
	*) set -- "$opt" x ;;
	esac
	na_srv "$UNTRUSTED" "$@" -D "https://localhost:$UNTRUSTED/dir" issue --force "$NAME"
	tried=$((tried + 1))
	nopts=$((nopts + 1))
	codes="$codes $opt=$rc"
	case $rc in
	0 | 1 | 9) why="$why $*: exit $rc;" ;;
	3) if grep -q 'not trusted' "$T/out"; then refused=$((refused + 1)); else
		why="$why $*: exit 3 without 'not trusted';"; fi ;;
	esac
done <<<"$opts"
# what such a switch is called elsewhere: unknown here (usage error)
for sw in --insecure --no-verify --tls-no-verify --skip-verify \
	--no-check-certificate --insecure-skip-tls-verify -K; do
	na_srv "$UNTRUSTED" "$sw" -D "https://localhost:$UNTRUSTED/dir" issue --force "$NAME"
	tried=$((tried + 1))
	case $rc in 2 | 3) ;; *) why="$why $sw: exit $rc;" ;; esac
done
# and the environment variables other tools listen to
for env in NANOACME_INSECURE=1 SSL_NO_VERIFY=1 CURL_INSECURE=1 \
	NODE_TLS_REJECT_UNAUTHORIZED=0 PYTHONHTTPSVERIFY=0; do
	env "$env" timeout -k 5 60 "$NANOACME" -D "https://localhost:$UNTRUSTED/dir" \
		-c "$W/ca.pem" -C "$S" -l "127.0.0.1:$LPORT" issue --force "$NAME" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
	tried=$((tried + 1))
	[ "$rc" = 3 ] && grep -q 'not trusted' "$T/out" || why="$why $env: exit $rc;"
done
[ "${HOSTILE_VERBOSE:-0}" = 1 ] && echo "  exit codes by option:$codes"
snapshot "$S" >"$T/after"
cmp -s "$T/before" "$T/after" || why="$why the state directory changed;"
if [ -n "$why" ] || [ "$((refused * 2))" -lt "$nopts" ]; then
	bad tls-no-off-switch "${why:-only $refused of $nopts options reached the TLS check}"
else
	ok "tls-no-off-switch ($tried runs with every option: none trusted the server; $refused said 'not trusted')"
fi

# After all that, the same state still issues.
T=$TMP/good-again
mkdir -p "$T"
set_scenario good
cp -p "$S/certs/$NAME/cert.pem" "$T/cert.before"
na_srv "$GOOD" issue --force "$NAME"
if [ "$rc" != 0 ] || ! pair_ok "$S/certs/$NAME" ||
	cmp -s "$T/cert.before" "$S/certs/$NAME/cert.pem" || [ -s "$W/violations.log" ]; then
	bad good-again "exit $rc, or no new matching certificate"
else
	ok "good-again (exit 0 in ${secs}s, new pair installed)"
fi
[ -n "$not_run" ] && echo "  (pending known bugs, not run:$not_run; see PENDING)"
summary
