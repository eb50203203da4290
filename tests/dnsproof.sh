#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/dnsproof.sh: the DNS challenges of 2026 against real Pebble 2.10,
# whose mock DNS (pebble-challtestsrv) serves the TXT records: dns-persist-01
# (the dns-persist command, --dns-persist with the record missing, wrong and
# in place, renew with no hook, wildcards), dns-account-01 through a hook
# (NANOACME_DNS_NAME), and a renew of certificates with mixed settings in one
# run, each from its own settings alone.
#
# Usage: tests/dnsproof.sh [path-to-nanoacme]   (default: ./nanoacme)
# Environment:
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 60)
#   DNSPROOF_TESTS    space-separated test names to run (default: all)
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# Facts of Pebble 2.10 these tests rest on (its source, va/va.go, wfe/wfe.go):
# - every authorization of a DNS name offers http-01, tls-alpn-01, dns-01,
#   dns-account-01 and dns-persist-01, in random order; a wildcard only the
#   three dns ones, its identifier the base name with "wildcard": true.
# - dns-persist-01 has no token and "issuer-domain-names" (Pebble's CAA
#   identity, pebble.letsencrypt.org); the validator reads the TXT records at
#   _validation-persist.IDENT and wants "ISSUER; accounturi=ACCOUNT-URL"
#   (policy=wildcard for a wildcard).
# - dns-account-01: TXT at _LABEL._acme-challenge.IDENT, LABEL the lowercase
#   base32 of the first 10 bytes of SHA-256(account URL), value as dns-01.
# - An order without "profile" gets a RANDOM profile ("in true pebble chaos
#   fashion"): a test that checks lifetimes names the profile each time.
#
# Prints "ok NAME" or "FAIL NAME: reason (line N)" with the test's log, then
# "N passed, N failed"; exits non-zero on any failure. Only 127.0.0.1.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble dnsproof "$@"

MGMT=
DNS=

# txt_set NAME VALUE / txt_clear NAME: the mock DNS's TXT record of NAME.
txt_set() {
	curl -fsS --max-time 5 -X POST -o /dev/null \
		-d "{\"host\":\"$1.\",\"value\":\"$2\"}" "$MGMT/set-txt"
}
txt_clear() {
	curl -fsS --max-time 5 -X POST -o /dev/null -d "{\"host\":\"$1.\"}" \
		"$MGMT/clear-txt"
}

# na_p ARGS...: nanoacme against Pebble with the state in $T/s, the mock DNS
# as resolver and no listener of its own (every test here proves by DNS).
na_p() {
	na -C "$T/s" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -y \
		--dns-server "$DNS" "$@"
}

# not_after_days CERT: whole days between notBefore and notAfter.
lifetime_days() {
	local nb na
	nb=$(date -d "$(openssl x509 -noout -startdate -in "$1" | cut -d= -f2)" +%s)
	na=$(date -d "$(openssl x509 -noout -enddate -in "$1" | cut -d= -f2)" +%s)
	echo $(((na - nb + 3600) / 86400))
}

# account_url: the account URL nanoacme stored for Pebble.
account_url() {
	cat "$T"/s/account/*/url
}

# na_split ARGS...: nanoacme with stdout in $T/stdout and stderr in
# $T/stderr apart (na merges them); exit status in $rc.
na_split() {
	timeout -k 5 "$NANOACME_TIMEOUT" "$NANOACME" "$@" >"$T/stdout" \
		2>"$T/stderr" </dev/null
	rc=$?
	cat "$T/stdout" "$T/stderr" >>"$T/log"
}

# persist_line NAME: the line `dns-persist NAME` prints (and checks it).
persist_line() {
	na_p dns-persist "$1" || return 1
	grep "^_validation-persist\." "$T/out" | head -n 1
}

# txt_hook FILE TYPE: write FILE, a challenge hook that answers TYPE only
# (exit 1 for any other) by setting the TXT record at $NANOACME_DNS_NAME
# through the mock DNS, and logs "CMD|TYPE|IDENT|TOKEN|AUTH|DNS_NAME" to
# $T/hook.log.
txt_hook() {
	cat >"$1" <<-EOF
		#!/bin/sh
		echo "\$1|\$2|\$3|\$4|\$5|\${NANOACME_DNS_NAME:-}" >>"$T/hook.log"
		[ "\$2" = $2 ] || exit 1
		case \$1 in
		begin) curl -fsS --max-time 5 -X POST -o /dev/null \\
			-d "{\"host\":\"\$NANOACME_DNS_NAME.\",\"value\":\"\$5\"}" \\
			"$MGMT/set-txt" ;;
		*) curl -fsS --max-time 5 -X POST -o /dev/null \\
			-d "{\"host\":\"\$NANOACME_DNS_NAME.\"}" "$MGMT/clear-txt" ;;
		esac
	EOF
	chmod 755 "$1"
}

# dns-persist NAME: one zone-file line on stdout, exactly the record Pebble's
# validator wants (issuer, this account's URL); a person's explanation on
# stderr. The account is created with -y.
t_persist_command() {
	local url line
	na_split -C "$T/s" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -y \
		dns-persist p1.nanoacme.test
	expect_rc 0 || return
	url=$(account_url)
	line=$(cat "$T/stdout")
	[ "$line" = "_validation-persist.p1.nanoacme.test TXT \"pebble.letsencrypt.org; accounturi=$url\"" ] ||
		{ fail "stdout is '$line'"; return 1; }
	grep -q 'once' "$T/stderr" || { fail "no explanation on stderr"; return 1; }
	# a wildcard: the record at the base name, with policy=wildcard;
	# --persist-until adds the tag
	na_split -C "$T/s" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" \
		--persist-until 4102444800 dns-persist '*.p2.nanoacme.test'
	expect_rc 0 || return
	line=$(cat "$T/stdout")
	[ "$line" = "_validation-persist.p2.nanoacme.test TXT \"pebble.letsencrypt.org; accounturi=$url; policy=wildcard; persistUntil=4102444800\"" ] ||
		{ fail "wildcard line is '$line'"; return 1; }
	# without -y and without an account: exit 7, nothing printed
	na_split -C "$T/s2" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" \
		dns-persist p1.nanoacme.test
	expect_rc 7 || return
	[ ! -s "$T/stdout" ] || fail "printed a record without an account"
}

# --dns-persist with no record in DNS: exit 5, the exact line to create, and
# no challenge answered (Pebble saw no POST to a challenge URL).
t_persist_missing() {
	local name=m.nanoacme.test line
	line=$(persist_line "$name") || { fail "dns-persist failed"; return 1; }
	: >"$T/pebble.before"
	cp "$PEBBLE_WORK/pebble.log" "$T/pebble.before"
	na_p --dns-persist issue "$name"
	expect_rc 5 || return
	grep -qF -- "$line" "$T/out" || { fail "the line to create is not printed"; return 1; }
	expect_absent "$T/s/certs/$name"
	# a record for another account counts for nothing either
	txt_set "_validation-persist.$name" \
		"pebble.letsencrypt.org; accounturi=https://localhost/other"
	na_p --dns-persist issue "$name"
	expect_rc 5 || return
	grep -qF -- "$line" "$T/out" || fail "the line to create is not printed"
	txt_clear "_validation-persist.$name"
	diff "$T/pebble.before" "$PEBBLE_WORK/pebble.log" | grep -q 'chalZ\|/chal' &&
		fail "a challenge was answered"
	return 0
}

# The record in place: issue with --dns-persist, then renew --force with no
# option at all (no hook, no listener: the method is remembered), then a
# wildcard with policy=wildcard.
t_persist_issue_renew() {
	local name=ok.nanoacme.test value
	persist_line "$name" >/dev/null || { fail "dns-persist failed"; return 1; }
	value="pebble.letsencrypt.org; accounturi=$(account_url)"
	txt_set "_validation-persist.$name" "$value"
	na_p --dns-persist issue "$name"
	expect_rc 0 || return
	expect_file "$T/s/certs/$name/fullchain.pem" || return
	grep -qx 'dns-persist yes' "$T/s/certs/$name/settings" ||
		{ fail "method not remembered"; return 1; }
	cp "$T/s/certs/$name/cert.pem" "$T/old.pem"
	na -C "$T/s" -v --jitter 0 --force renew
	expect_rc 0 || return
	cmp -s "$T/old.pem" "$T/s/certs/$name/cert.pem" && { fail "not renewed"; return 1; }
	# wildcard: the record needs policy=wildcard
	txt_set "_validation-persist.w.nanoacme.test" "$value"
	na_p --dns-persist issue '*.w.nanoacme.test'
	expect_rc 5 || return
	expect_out 'policy=wildcard' "the wildcard record to create"
	txt_set "_validation-persist.w.nanoacme.test" "$value; policy=wildcard"
	na_p --dns-persist issue '*.w.nanoacme.test'
	expect_rc 0 || return
	expect_sans "$T/s/certs/*.w.nanoacme.test/cert.pem" '*.w.nanoacme.test'
}

# A hook that answers only dns-account-01: it gets begin dns-account-01 IDENT
# TOKEN AUTH with AUTH the dns-01-style digest and NANOACME_DNS_NAME the
# _LABEL._acme-challenge name, writes the record there, and the run issues.
t_account_hook() {
	txt_hook "$T/hook" dns-account-01
	na_p -k "$T/hook" issue acct.nanoacme.test '*.acct.nanoacme.test'
	expect_rc 0 || return
	local label want
	label=$(printf '%s' "$(account_url)" | openssl dgst -sha256 -binary |
		head -c 10 | base32 | tr 'A-Z' 'a-z' | tr -d '=')
	want="_$label._acme-challenge.acct.nanoacme.test"
	grep -q "^begin|dns-account-01|acct.nanoacme.test|[A-Za-z0-9_-]*|[A-Za-z0-9_-]\{43\}|$want\$" \
		"$T/hook.log" || { fail "no begin dns-account-01 with NANOACME_DNS_NAME=$want"; return 1; }
	grep -q "^done|dns-account-01|" "$T/hook.log" || fail "no done call"
}

# Six certificates with mixed settings in one state directory, one renew
# --force: each comes back from its own settings alone (profile, so
# lifetime; method; hook run or not; deploy hook run or not).
t_mixed_renew() {
	local n value want
	txt_hook "$T/hook" dns-01
	persist_line x.nanoacme.test >/dev/null || { fail "dns-persist failed"; return 1; }
	value="pebble.letsencrypt.org; accounturi=$(account_url)"
	for n in s1 s2 s3; do
		txt_set "_validation-persist.$n.nanoacme.test" "$value"
	done
	na_p --profile shortlived --dns-persist issue s1.nanoacme.test && expect_rc 0 || return
	na_p --profile default -k "$T/hook" issue d1.nanoacme.test && expect_rc 0 || return
	na_p --profile shortlived --dns-persist --deploy-hook "touch $T/deployed-s2" \
		issue s2.nanoacme.test && expect_rc 0 || return
	na_p --profile default --dns-persist issue s3.nanoacme.test && expect_rc 0 || return
	na_p --profile shortlived -k "$T/hook" issue d2.nanoacme.test && expect_rc 0 || return
	na_p --profile default -k "$T/hook" --deploy-hook "touch $T/deployed-d3" \
		issue d3.nanoacme.test && expect_rc 0 || return
	rm -f "$T/deployed-s2" "$T/deployed-d3" "$T/hook.log"
	na -C "$T/s" -v --jitter 0 --force renew
	expect_rc 0 || return
	for n in s1:6 d1:90 s2:6 s3:90 d2:6 d3:90; do
		[ "$(lifetime_days "$T/s/certs/${n%%:*}.nanoacme.test/cert.pem")" = "${n#*:}" ] ||
			{ fail "${n%%:*}: lifetime $(lifetime_days "$T/s/certs/${n%%:*}.nanoacme.test/cert.pem") days, want ${n#*:}"; return 1; }
	done
	# the hook ran for d1, d2, d3 only (less one whose authorization
	# Pebble reused, as it rarely still does: "already valid", no
	# challenge); deploy hooks for s2 and d3 only
	want=
	for n in d1 d2 d3; do
		grep -q "^  $n.nanoacme.test: already valid" "$T/out" ||
			want="$want$n.nanoacme.test "
	done
	[ -n "$want" ] || { fail "every authorization was reused"; return 1; }
	[ "$(grep '^begin|dns-01|' "$T/hook.log" | cut -d'|' -f3 | sort | tr '\n' ' ')" = \
		"$want" ] ||
		{ fail "hook calls: $(tr '\n' ';' <"$T/hook.log"), want $want"; return 1; }
	[ -f "$T/deployed-s2" ] && [ -f "$T/deployed-d3" ] || { fail "a deploy hook did not run"; return 1; }
	for n in s1 d1 s3 d2; do
		grep -q '^deploy-hook' "$T/s/certs/$n.nanoacme.test/settings" &&
			{ fail "$n gained a deploy hook"; return 1; }
	done
	return 0
}

# Methods that exclude each other, and a wildcard with no DNS method: exit 2
# before any request (Pebble's log does not grow).
t_usage() {
	local before
	before=$(wc -l <"$PEBBLE_WORK/pebble.log")
	na_p -w "$T/www" --alpn 127.0.0.1:5999 issue u.nanoacme.test
	expect_rc 2 || return
	na_p --dns-persist -k /bin/true issue u.nanoacme.test
	expect_rc 2 || return
	na -C "$T/s" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -y issue '*.u.nanoacme.test'
	expect_rc 2 || return
	expect_out 'wildcard needs a DNS challenge'
	na_p --dns-server 127.0.0.1:99999 --dns-persist issue u.nanoacme.test
	expect_rc 2 || return
	[ "$before" = "$(wc -l <"$PEBBLE_WORK/pebble.log")" ] || fail "Pebble was asked"
}

need_nanoacme
pebble_setup PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
MGMT=http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT
DNS=127.0.0.1:$CHALLTESTSRV_DNS_PORT

all_tests="persist_command persist_missing persist_issue_renew account_hook"
all_tests="$all_tests mixed_renew usage"
run_tests "$all_tests" "${DNSPROOF_TESTS:-}"
