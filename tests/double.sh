#!/usr/bin/env bash
# tests/double.sh: nanoacme against tests/acme-double.py, a small ACME server
# of our own, for the profile and ACME Renewal Information (RFC 9773) cases
# that no Pebble offers: a profile the directory lists but newOrder refuses;
# renewalInfo that fails (500, 404 for a certificate it does not know) or
# gives an invalid or empty window; a chosen Retry-After; a CA without
# renewalInfo, or one that adds it later; a serial without a leading 00 byte;
# and the exact requests (no "profile" or "replaces" sent unasked). What Pebble
# 2.10 does itself (profiles, its renewalInfo windows, "replaces",
# alreadyReplaced) is tested against it in tests/ca2026.sh.
#
# Usage: tests/double.sh [path-to-nanoacme]      (default: $NANOACME, else ./nanoacme)
# Environment:
#   NANOACME_WRAP     words put in front of the binary (valgrind, qemu-...)
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 60)
#   DOUBLE_TESTS      space-separated test names to run (default: all)
#   DOUBLE_VERBOSE=1  print each test's log even when it passes
#   DOUBLE_PYTHON     the python with the cryptography module
#                     (default /usr/bin/python3: Debian's, python3-cryptography)
#   DOUBLE_HTTP_PORT  first port tried for nanoacme's http-01 listener, where
#                     the double validates (default 5012; the next free one)
#
# Everything listens on 127.0.0.1 only. One double runs for the whole script
# (its ACME and control ports are picked by the kernel); every test starts
# with POST /reset on the control port: default settings, empty request log.
# The double's listener certificate (DNS:localhost) is made here with openssl,
# under a throwaway CA given to nanoacme with -c; the double issues from its
# own root (root.pem in its work directory), which chains are verified against.
#
# Runner as in tests/pebble.sh: each test is a function t_NAME run in a fresh
# directory $T, "ok NAME" or "FAIL NAME: reason (line N)" plus the log of every
# nanoacme run and the double's requests; the last line is "N passed, N failed"
# and the exit status is non-zero if any test failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble double "$@"
verbose=${DOUBLE_VERBOSE:-0}
DOUBLE_PYTHON=${DOUBLE_PYTHON:-/usr/bin/python3}
DOUBLE_HTTP_PORT=${DOUBLE_HTTP_PORT:-5012}
DAY=86400
DOUBLE_PID=
DOUBLE_WORK=
DOUBLE_LOG=
DOUBLE_CA_FILE=
DOUBLE_ROOT=
DOUBLE_DIR_URL=
DOUBLE_ACME_PORT=
DOUBLE_CONTROL=

# suite_cleanup: stop the double (finish, in tests/lib.sh).
suite_cleanup() {
	double_stop
}

# --- the double ----------------------------------------------------------------

# double_start: certificates, a free port for nanoacme's listener, the double;
# waits for its ports.json. Sets DOUBLE_* (see the top of this file).
double_start() {
	local d p i ports
	d=$TMP/double
	mkdir -p "$d" || return 1
	DOUBLE_WORK=$d
	if ! make_ca_certs "$d" "nanoacme double listener CA (throwaway)" \
		DNS:localhost 2; then
		cat "$d/openssl.log"
		echo "openssl could not make the listener certificate"
		return 1
	fi
	p=$DOUBLE_HTTP_PORT
	while pebble_port_busy "$p"; do
		p=$((p + 1))
		if [ "$p" -ge $((DOUBLE_HTTP_PORT + 100)) ]; then
			echo "no free port in $DOUBLE_HTTP_PORT..$p for the listener"
			return 1
		fi
	done
	DOUBLE_HTTP_PORT=$p
	"$DOUBLE_PYTHON" "$here/acme-double.py" --dir "$d" --cert "$d/listener.pem" \
		--key "$d/listener.key" --http-port "$DOUBLE_HTTP_PORT" \
		>"$d/double.err" 2>&1 </dev/null &
	DOUBLE_PID=$!
	i=0
	while [ ! -s "$d/ports.json" ]; do
		if ! kill -0 "$DOUBLE_PID" 2>/dev/null; then
			DOUBLE_PID=
			cat "$d/double.err"
			echo "acme-double.py exited"
			return 1
		fi
		i=$((i + 1))
		if [ "$i" -ge 100 ]; then
			cat "$d/double.err"
			echo "acme-double.py not ready after 10 s"
			return 1
		fi
		sleep 0.1
	done
	ports=$(cat "$d/ports.json")
	DOUBLE_ACME_PORT=$(echo "$ports" | sed -n 's/.*"acme": *\([0-9]*\).*/\1/p')
	DOUBLE_DIR_URL=https://localhost:$DOUBLE_ACME_PORT/dir
	DOUBLE_CONTROL=http://127.0.0.1:$(echo "$ports" | sed -n 's/.*"control": *\([0-9]*\).*/\1/p')
	DOUBLE_CA_FILE=$d/ca.pem
	DOUBLE_ROOT=$d/root.pem
	DOUBLE_LOG=$d/log.jsonl
	if ! curl -fsS --max-time 5 --cacert "$DOUBLE_CA_FILE" \
		--resolve "localhost:$DOUBLE_ACME_PORT:127.0.0.1" -o /dev/null \
		"$DOUBLE_DIR_URL"; then
		echo "the double's directory $DOUBLE_DIR_URL does not answer"
		return 1
	fi
}

# double_stop: TERM, up to 5 s, KILL. Only the pid we started.
double_stop() {
	pebble_kill "$DOUBLE_PID"
	DOUBLE_PID=
}

# ctl PATH [JSON]: POST to the double's control port: /config merges JSON
# into the settings, /reset restores the defaults and empties the log.
ctl() {
	curl -fsS --max-time 5 -X POST -H 'Content-Type: application/json' \
		--data "${2:-{\}}" "$DOUBLE_CONTROL$1" >>"$T/ctl" 2>&1
}

# config JSON: merge settings (see acme-double.py) for the rest of the test.
config() {
	printf '# config %s\n' "$1" >>"$T/log"
	ctl /config "$1" || fail "control port refused config $1"
}

# --- the double's request log --------------------------------------------------

# log_query count FILTER / log_query values EXPR FILTER: FILTER and EXPR are
# Python expressions over e, one entry (a dict) of log.jsonl; "count" prints
# how many entries FILTER picks, "values" EXPR of each as JSON, one a line.
log_query() {
	"$DOUBLE_PYTHON" -c '
import json, sys
log, mode = sys.argv[1], sys.argv[2]
expr, flt = (None, sys.argv[3]) if mode == "count" else sys.argv[3:5]
n = 0
for line in open(log):
    e = json.loads(line)
    try:
        if not eval(flt, {}, {"e": e}):
            continue
    except (KeyError, TypeError, AttributeError):
        continue
    n += 1
    if mode == "values":
        print(json.dumps(eval(expr, {}, {"e": e}), sort_keys=True))
if mode == "count":
    print(n)
' "$DOUBLE_LOG" "$@"
}

NEWORDER='e.get("path") == "/new-order"'
ARI='e.get("method") == "GET" and e.get("path", "").startswith("/renewal-info/")'

# expect_count N FILTER WHAT: the log holds exactly N entries FILTER picks.
expect_count() {
	local n
	n=$(log_query count "$2") || { fail "cannot read the double's log"; return 1; }
	[ "$n" = "$1" ] || fail "$3: $n in the double's log, want $1"
}

# expect_some FILTER WHAT: the log holds at least one entry FILTER picks.
expect_some() {
	local n
	n=$(log_query count "$1") || { fail "cannot read the double's log"; return 1; }
	[ "$n" -ge 1 ] || fail "$2: none in the double's log"
}

# last_value EXPR FILTER: EXPR (as JSON) of the last entry FILTER picks.
last_value() {
	log_query values "$1" "$2" | tail -n 1
}

# --- helpers: each expect_* sets $reason and returns 1 on failure -------------

# na_double STATE ARGS...: nanoacme against the double with state directory STATE.
na_double() {
	na_at "$DOUBLE_DIR_URL" "$DOUBLE_CA_FILE" "$DOUBLE_HTTP_PORT" "$@"
}

# issue_one STATE NAME [ARGS...]: issue NAME, expect exit 0 and a good cert
# directory; sets $cid to its CertID and checks the double agrees on it.
cid=
issue_one() {
	local state=$1 name=$2 dcid
	shift 2
	na_double "$state" -y -v "$@" issue "$name"
	expect_rc 0 || return 1
	expect_cert_dir "$state/certs/$name" "$DOUBLE_ROOT" || return 1
	cid=$(cert_id "$state/certs/$name/cert.pem") ||
		{ fail "cannot compute the CertID of $name with openssl"; return 1; }
	dcid=$(last_value 'e["certid"]' 'e.get("event") == "issued"')
	expect_eq "$dcid" "\"$cid\"" "the double's CertID of the certificate it issued"
}

# issue_saved NAME: issue_one NAME in $T/s; $d is then its directory and
# $T/old.pem its certificate (the "before" of a renew).
issue_saved() {
	issue_one "$T/s" "$1" || return 1
	d=$T/s/certs/$1
	cp "$d/cert.pem" "$T/old.pem"
}

# renew_not_due N [WHEN]: renew exits 1; N renewalInfo requests in all (WHEN:
# words for the message), no newOrder but the issue's, cert.pem unchanged.
renew_not_due() {
	na_renew -v
	expect_rc 1 || return 1
	expect_count "$1" "$ARI" "renewalInfo requests${2:+ $2}" || return 1
	expect_count 1 "$NEWORDER" "newOrder requests (the issue's only)" || return 1
	expect_same "$T/old.pem" "$d/cert.pem"
}

# expect_replaced: a second newOrder (201) replaced $T/old.pem in $d by a
# good new certificate.
expect_replaced() {
	expect_count 2 "$NEWORDER and e[\"status\"] == 201" "newOrder requests" || return 1
	expect_cert_dir "$d" "$DOUBLE_ROOT" || return 1
	expect_differ "$T/old.pem" "$d/cert.pem"
}

# test_before, test_failed_extra: run_test's hooks (tests/lib.sh): each test
# starts with the double reset; a failed one shows the double's log.
test_before() {
	: >"$T/ctl"
	ctl /reset || reason="the double's control port does not answer"
}
test_failed_extra() {
	if [ -s "$T/ctl" ]; then
		echo "    --- control port"
		sed 's/^/    /' "$T/ctl"
	fi
	echo "    --- the double's log (method path status; events)"
	log_query values \
		'[e["method"], e["path"], e.get("status"), str(e.get("payload"))[:100]] if "method" in e else str(e)[:200]' \
		'True' 2>&1 | tail -n 30 | sed 's/^/    /'
	if [ -s "$DOUBLE_WORK/double.err" ]; then
		echo "    --- acme-double.py stderr"
		tail -n 20 "$DOUBLE_WORK/double.err" | sed 's/^/    /'
	fi
}

# --- tests: the double itself ------------------------------------------------

# The referee of every CertID below, on RFC 9773 Appendix A's certificate.
t_certid() {
	local got
	cat >"$T/ari.pem" <<-'EOF'
		-----BEGIN CERTIFICATE-----
		MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
		cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
		BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
		7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
		qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
		yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
		+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
		-----END CERTIFICATE-----
	EOF
	got=$(cert_id "$T/ari.pem")
	expect_eq "$got" "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE" "CertID of RFC 9773 Appendix A"
}

# A plain issuance: everything the double checks (JWS signatures, nonces,
# http-01 fetched from nanoacme's listener, the CSR) passed.
t_issue() {
	local d
	issue_one "$T/s" i1.nanoacme.test || return
	d=$T/s/certs/i1.nanoacme.test
	expect_lifetime "$d/cert.pem" $((90 * DAY)) || return
	expect_count 1 'e.get("path") == "/new-account" and "jwk" in e["protected"] and e["status"] == 201' \
		"newAccount with jwk, 201" || return
	expect_count 1 "$NEWORDER and e[\"status\"] == 201" "newOrder, 201" || return
	expect_eq "$(last_value 'e["payload"]["identifiers"]' "$NEWORDER")" \
		'[{"type": "dns", "value": "i1.nanoacme.test"}]' "newOrder identifiers" || return
	expect_count 1 'e.get("event") == "validate" and e["ok"] and e["type"] == "http-01"' \
		"successful http-01 validation" || return
	expect_count 0 'e.get("event") == "validate" and not e["ok"]' "failed validation" || return
	# Nothing to replace, no profile asked for: neither field is sent.
	expect_eq "$(last_value 'sorted(e["payload"])' "$NEWORDER")" '["identifiers"]' \
		"newOrder fields" || return
	expect_count 0 'e.get("status", 0) >= 400' "error replies" || return
}

# --- tests: profiles -------------------------------------------------------------

# A profile the directory lists but newOrder refuses: the CA's problem
# (invalidProfile) is shown, exit 4.
t_profile_refused() {
	config '{"advertise_only": ["retired"]}' || return
	na_double "$T/s" -y issue --profile retired p3.nanoacme.test
	expect_rc 4 || return
	expect_out 'invalidProfile' "the ACME problem type invalidProfile" || return
	expect_count 1 "$NEWORDER and e[\"status\"] == 400" "refused newOrder" || return
	expect_absent "$T/s/certs/p3.nanoacme.test" || return
}

# --- tests: ARI (RFC 9773) -------------------------------------------------------

# Retry-After of the renewalInfo reply: no second check before it passed, even
# when the CA would now answer differently (RFC 9773 §4.3).
# An authorization that stays pending with Retry-After: 99999999: polling
# waits at most 10 s a poll (ACME_POLL_RETRY_AFTER_MAX_S), so two slow
# polls end within half a minute, not in hours or at the 300 s limit.
t_poll_retry_after_cap() {
	local start took
	config '{"authz_pending_polls": 2, "authz_retry_after": 99999999}' || return
	start=$(date +%s)
	issue_one "$T/s" slowpoll.nanoacme.test || return
	took=$(($(date +%s) - start))
	[ "$took" -ge 15 ] || { fail "took $took s: the pending polls were not waited for"; return; }
	[ "$took" -le 40 ] || fail "took $took s: Retry-After was not capped"
}

t_ari_retry_after() {
	local d
	issue_saved a3.nanoacme.test || return
	config '{"window": "future", "retry_after": 3600}' || return
	na_renew -v
	expect_rc 1 || return
	expect_count 1 "$ARI" "renewalInfo requests after the first renew" || return
	config '{"window": "past"}' || return
	renew_not_due 1 "after a second renew within Retry-After" || return
}

# No renewalInfo in the directory: the lifetime rule; a fresh certificate is
# not due.
t_ari_absent() {
	local d
	config '{"renewal_info": false}' || return
	issue_saved a4.nanoacme.test || return
	renew_not_due 0 || return
}

# No renewalInfo, and the lifetime rule says due (20 of 90 days left): renewed,
# without "replaces", which is only for CAs that offer ARI (RFC 9773 §5).
t_ari_absent_due() {
	local d
	config "{\"renewal_info\": false, \"backdate\": $((70 * DAY))}" || return
	issue_saved a5.nanoacme.test || return
	config '{"backdate": 0}' || return
	na_renew -v
	expect_rc 0 || return
	expect_count 0 "$ARI" "renewalInfo requests" || return
	expect_count 2 "$NEWORDER and e[\"status\"] == 201" "newOrder requests" || return
	expect_eq "$(last_value '"replaces" in e["payload"]' "$NEWORDER")" 'false' \
		"replaces sent to a CA without renewalInfo" || return
	expect_cert_dir "$d" "$DOUBLE_ROOT" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
}

# A window whose end precedes its start is invalid: treated as no answer
# (RFC 9773 §4.2), so the lifetime rule decides: a fresh certificate is not
# due, although both ends are in the past.
t_ari_invalid_window() {
	local d
	issue_saved a6.nanoacme.test || return
	config '{"window": "inverted"}' || return
	renew_not_due 1 || return
}

# renewalInfo fails (500) for a certificate the lifetime rule says is due:
# a broken ARI must not keep a certificate from being renewed.
t_ari_error_due() {
	local d
	config "{\"backdate\": $((70 * DAY))}" || return
	issue_saved a7.nanoacme.test || return
	config '{"backdate": 0, "ari_status": 500}' || return
	na_renew -v
	expect_rc 0 || return
	expect_replaced || return
}

# A window that starts and ends at the same moment is invalid too ("the end
# timestamp equals or precedes the start", RFC 9773 §4.2): the lifetime rule
# decides, and a fresh certificate is not due.
t_ari_empty_window() {
	local d when
	issue_saved a8.nanoacme.test || return
	when=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
	config "{\"window\": {\"start\": \"$when\", \"end\": \"$when\"}}" || return
	renew_not_due 1 || return
}

# A serial whose DER INTEGER needs no leading 00 byte: the CertID has none
# (the double's serials have one otherwise).
t_ari_plain_serial() {
	local old
	config '{"serial_pad": false}' || return
	issue_one "$T/s" a9.nanoacme.test || return
	old=$cid
	case $(openssl x509 -noout -serial -in "$T/s/certs/a9.nanoacme.test/cert.pem") in
	serial=[0-7]*) ;;
	*) fail "precondition: the serial's top bit is set"; return ;;
	esac
	config '{"window": "past"}' || return
	na_renew -v
	expect_rc 0 || return
	expect_count 1 "$ARI and e[\"path\"] == \"/renewal-info/$old\"" \
		"GET renewalInfo/<CertID of the old certificate>" || return
	expect_eq "$(last_value 'e["payload"].get("replaces")' "$NEWORDER")" "\"$old\"" \
		"replaces of the renewal's newOrder" || return
}

# The CA offers ARI only after the certificate was issued. By design that
# certificate keeps the lifetime rule, with no request at all while it is
# not due (renew makes no network request for a CA that had no ARI); the
# renewal that replaces it learns the CA has ARI, and from then on ARI rules.
t_ari_added_later() {
	local d
	config '{"renewal_info": false}' || return
	issue_saved a10.nanoacme.test || return
	config '{"renewal_info": true, "window": "past"}' || return
	na_renew -v
	expect_rc 1 || return
	expect_count 0 "$ARI" "renewalInfo requests for a certificate issued without ARI" || return
	expect_same "$T/old.pem" "$d/cert.pem" || return
	na_renew -v --force
	expect_rc 0 || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
	cp "$d/cert.pem" "$T/new.pem" || return
	na_renew -v
	expect_rc 0 || return
	expect_some "$ARI" "a renewalInfo request once the CA has ARI" || return
	expect_differ "$T/new.pem" "$d/cert.pem" || return
}

# The CA does not know the certificate (another CA issued it: renew -D to a
# new CA, or the CA's ARI lost it): renewalInfo 404, the lifetime rule says
# due (20 of 90 days left), and a "replaces" naming it is refused. A
# certificate must still come of it (cert-manager#9074: Let's Encrypt
# answers such a "replaces" with malformed).
t_ari_replaces_unknown() {
	local d
	config "{\"backdate\": $((70 * DAY))}" || return
	issue_saved a12.nanoacme.test || return
	config '{"backdate": 0}' || return
	ctl /forget || { fail "control port refused /forget"; return; }
	na_renew -v
	expect_count 1 "$ARI and e[\"status\"] == 404" \
		"precondition: renewalInfo 404 for the unknown certificate" || return
	expect_rc 0 || return
	expect_cert_dir "$d" "$DOUBLE_ROOT" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
}

# The CA fails on "replaces" (500 serverInternal, as Pebble 2.10 for some
# serials): renewed all the same, ordered once more without it.
t_ari_replaces_500() {
	local d
	config "{\"backdate\": $((70 * DAY))}" || return
	issue_saved a13.nanoacme.test || return
	config '{"backdate": 0, "window": "past", "replaces_status": 500}' || return
	na_renew -v
	expect_rc 0 || return
	expect_out 'newOrder refused "replaces" \(500\): ordering without it' || return
	expect_count 2 "$NEWORDER and e[\"status\"] != 500" \
		"newOrders that succeeded: the issue's and the renewal's" || return
	expect_differ "$T/old.pem" "$d/cert.pem"
}

# --- main ------------------------------------------------------------------------

need_nanoacme
need_tools openssl curl timeout cmp basenc date "$DOUBLE_PYTHON"
"$DOUBLE_PYTHON" -c 'import cryptography' 2>/dev/null ||
	setup_fail "$DOUBLE_PYTHON has no cryptography module (python3-cryptography)"
double_start >"$T/start" 2>&1 ||
	setup_fail "cannot start tests/acme-double.py" "$T/start"

all_tests="certid issue profile_refused ari_retry_after"
all_tests="$all_tests ari_absent ari_absent_due ari_invalid_window ari_error_due"
all_tests="$all_tests ari_empty_window ari_plain_serial ari_added_later"
all_tests="$all_tests ari_replaces_500"
all_tests="$all_tests ari_replaces_unknown poll_retry_after_cap"
run_tests "$all_tests" "${DOUBLE_TESTS:-}"
