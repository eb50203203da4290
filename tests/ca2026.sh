#!/usr/bin/env bash
# tests/ca2026.sh: nanoacme against what today's CAs do that Pebble 2.4 did
# not, on a real Pebble 2.10 (Debian testing's, see tests/pebble-env.sh):
# certificate profiles (directory meta.profiles, newOrder "profile") and ACME
# Renewal Information (RFC 9773: renewalInfo, newOrder "replaces").
#
# Usage: tests/ca2026.sh [path-to-nanoacme]     (default: $NANOACME, else ./nanoacme)
# Environment:
#   NANOACME_WRAP     words put in front of the binary (valgrind, qemu-...)
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 60)
#   CA2026_TESTS      space-separated test names to run (default: all)
#   PEBBLE_VERBOSE=1  print each test's nanoacme log even when it passes
#   PEBBLE_BIN, PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# One Pebble for the whole script, PEBBLE_WFE_NONCEREJECT=0
# PEBBLE_AUTHZREUSE=100, with Let's Encrypt's 2026 profile names: "default"
# and "classic" (90 days), "tlsserver" (45 days), "shortlived" (6 days).
# Pebble gives an order without "profile" one of them AT RANDOM, so a client
# that forgot its profile gets "shortlived" again only one time in four.
#
# What the tests see of the CA's side, Pebble having no request log of its
# own: the order objects it answers (nanoacme -vv prints each reply body;
# Pebble echoes "profile" and "replaces"), its log lines ("POST /order-plz"
# per newOrder, "has been marked as replaced" per finalized order that
# replaced a certificate), and the certificates. Pebble's own renewalInfo
# window is 1/3 of the lifetime before notAfter, +-24 h (clipped to the
# lifetime); a revoked certificate gets a window that ended an hour ago; the
# management API's /set-renewal-info/ sets any reply for one certificate.
# What no Pebble does (ARI errors, invalid windows, chosen Retry-After, a CA
# that adds ARI later, a profile listed but refused) stays in tests/double.sh.
#
# Runner as in tests/pebble.sh: each test is a function t_NAME run in a fresh
# directory $T, "ok NAME" or "FAIL NAME: reason (line N)" plus the log of every
# nanoacme run; the last line is "N passed, N failed" and the exit status is
# non-zero if any test failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble ca2026 "$@"
# Pebble makes notAfter = notBefore + validityPeriod - 1 s: a 6-day
# profile gives expect_lifetime CERT $((6 * DAY - 1)).
DAY=86400

# --- helpers: each expect_* sets $reason and returns 1 on failure -------------

# pebble_count ERE: how many lines of Pebble's log match ERE.
pebble_count() {
	grep -Ec -- "$1" "$PEBBLE_WORK/pebble.log"
}

neworders() {
	pebble_count 'POST /order-plz -> calling handler'
}

# order_field NAME: the value of "NAME" in the order object of this run's last
# newOrder reply (-vv prints each reply body after the status line, a line of
# the body a line, indented by two spaces; joined here into one).
order_field() {
	awk '/^> POST .*\/order-plz$/ { n = 2; body = ""; next }
		n == 2 { n = 1; next }
		n == 1 && /^  / { body = body $0; next }
		{ n = 0 }
		END { print body }' "$T/out" |
		sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p"
}

# issue_vv NAME [ARGS...]: issue NAME (-vv), expect exit 0 and a good cert
# directory; sets $cid to its CertID.
cid=
#
# Pebble 2.10 cannot find the order of a certificate whose serial starts
# with a 0x00 byte in DER (7 bytes with the top bit set, about 1 in 256 of
# its serials): a newOrder naming it in "replaces" gets 500 (nanoacme then
# orders without "replaces"). The tests of "replaces" need Pebble to know
# the certificate, so such a certificate is issued again (logged).
issue_vv() {
	local name=$1 try force= serial
	shift
	for try in 1 2 3 4 5; do
		# shellcheck disable=SC2086 # $force: empty or one word
		na_std -y -vv "$@" $force issue "$name"
		expect_rc 0 || return 1
		expect_cert_dir "$T/s/certs/$name" || return 1
		cid=$(cert_id "$T/s/certs/$name/cert.pem") ||
			{ fail "cannot compute the CertID of $name with openssl"; return 1; }
		serial=$(openssl x509 -in "$T/s/certs/$name/cert.pem" -noout -serial |
			sed 's/^serial=//')
		[ $((${#serial} % 2)) = 0 ] || serial=0$serial
		case $serial in
		[89A-Fa-f]*) ;;
		*) return 0 ;;
		esac
		echo "[serial $serial: a 0x00 byte in DER, which Pebble cannot find; issue $try again]" >>"$T/log"
		force=--force
	done
	fail "five serials with a 0x00 byte in DER in a row"
}

# rfc3339 SECONDS: that moment as an RFC 3339 UTC timestamp.
rfc3339() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# set_window CERT START END: Pebble's renewalInfo for CERT answers the window
# START..END (seconds since the epoch) from now on (management API).
set_window() {
	local pem
	pem=$(awk 'BEGIN { ORS = "\\n" } { print }' "$1") || return 1
	printf '{"Certificate": "%s", "ARIResponse": "{\\"suggestedWindow\\": {\\"start\\": \\"%s\\", \\"end\\": \\"%s\\"}}"}' \
		"$pem" "$(rfc3339 "$2")" "$(rfc3339 "$3")" >"$T/set-ari.json" &&
	pebble_curl -X POST --data-binary @"$T/set-ari.json" \
		"https://localhost:$PEBBLE_MGMT_PORT/set-renewal-info/" >>"$T/log" 2>&1 ||
		fail "Pebble's /set-renewal-info/ refused the window for $1"
}

# expect_replaces CID: this run's last newOrder named CID in "replaces", as
# Pebble's order object says.
expect_replaces() {
	expect_eq "$(order_field replaces)" "$1" \
		"\"replaces\" of the order Pebble answered"
}

# --- tests: profiles ---------------------------------------------------------

# --profile shortlived: the order Pebble makes carries it, the certificate
# lasts 6 days; --profile tlsserver: 45 days.
t_profile_shortlived() {
	issue_vv p1.nanoacme.test --profile shortlived || return
	expect_eq "$(order_field profile)" shortlived "profile of Pebble's order" || return
	expect_lifetime "$T/s/certs/p1.nanoacme.test/cert.pem" $((6 * DAY - 1)) || return
	issue_vv p2.nanoacme.test --profile tlsserver || return
	expect_eq "$(order_field profile)" tlsserver "profile of Pebble's order" || return
	expect_lifetime "$T/s/certs/p2.nanoacme.test/cert.pem" $((45 * DAY - 1)) || return
}

# A profile the directory does not list: usage error naming it, before any
# order is made (Pebble would answer invalidProfile).
t_profile_unknown() {
	local n0
	n0=$(neworders)
	na_std -y issue --profile nosuch p3.nanoacme.test
	expect_rc 2 || return
	expect_out 'nosuch' "the profile's name" || return
	expect_out 'not one of the profiles' "'not one of the profiles'" || return
	expect_eq "$(neworders)" "$n0" "newOrder requests Pebble got" || return
	expect_absent "$T/s/certs/p3.nanoacme.test" || return
}

# renew redoes the stored profile, whatever made it due: once ARI (a window
# in the past), once --force. A client that forgot it would get a random one
# of four profiles each time: it passes both checks one time in sixteen.
t_profile_renew() {
	local d=$T/s/certs/p4.nanoacme.test now
	issue_vv p4.nanoacme.test --profile shortlived || return
	cp "$d/cert.pem" "$T/old.pem" || return
	now=$(date +%s)
	set_window "$d/cert.pem" $((now - 7200)) $((now - 3600)) || return
	na_renew -vv
	expect_rc 0 || return
	expect_eq "$(order_field profile)" shortlived "profile of the renewal's order" || return
	expect_cert_dir "$d" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
	expect_lifetime "$d/cert.pem" $((6 * DAY - 1)) || return
	cp "$d/cert.pem" "$T/old.pem" || return
	na_renew -vv --force
	expect_rc 0 || return
	expect_eq "$(order_field profile)" shortlived "profile of the forced renewal's order" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
	expect_lifetime "$d/cert.pem" $((6 * DAY - 1)) || return
}

# --- tests: ARI (RFC 9773) ---------------------------------------------------

# A fresh 90-day certificate: renew asks renewalInfo/<its CertID>, takes a
# moment inside Pebble's window (2/3 of the lifetime, +-1 day) and is not
# due; a second renew within the reply's Retry-After (6 h) asks nothing.
t_ari_not_due() {
	local d=$T/s/certs/a1.nanoacme.test n0 na start end when
	issue_vv a1.nanoacme.test --profile default || return
	expect_lifetime "$d/cert.pem" $((90 * DAY - 1)) || return
	cp "$d/cert.pem" "$T/old.pem" || return
	n0=$(neworders)
	na_renew -vv
	expect_rc 1 || return
	expect_out "> GET [^ ]*/renewalInfo/$cid\$" "GET renewalInfo/<CertID of the certificate>" || return
	when=$(sed -n 's/^a1\.nanoacme\.test: not due until \(.*\) UTC$/\1/p' "$T/out")
	[ -n "$when" ] && when=$(date -u -d "$when" +%s) ||
		{ fail "no 'a1.nanoacme.test: not due until DATE UTC' line"; return; }
	na=$(($(cert_time "$d/cert.pem" enddate) + 1))
	start=$((na - 30 * DAY - DAY - 60))
	end=$((na - 30 * DAY + DAY))
	[ "$when" -ge "$start" ] && [ "$when" -le "$end" ] ||
		{ fail "due at $(rfc3339 "$when"), outside Pebble's window $(rfc3339 "$start")..$(rfc3339 "$end")"; return; }
	na_renew -vv
	expect_rc 1 || return
	expect_out 'TLS handshakes: 0, HTTP requests: 0([^0-9]|$)' \
		"no request within renewalInfo's Retry-After" || return
	expect_eq "$(neworders)" "$n0" "newOrder requests Pebble got" || return
	expect_same "$T/old.pem" "$d/cert.pem" || return
}

# The window opens a few seconds from now: not due before, due once it has
# opened (the moment picked from the first reply: no second request), and the
# renewal's order replaces the old certificate (Pebble marks it replaced).
t_ari_window_opens() {
	local d=$T/s/certs/a2.nanoacme.test old now r0
	issue_vv a2.nanoacme.test --profile default || return
	old=$cid
	cp "$d/cert.pem" "$T/old.pem" || return
	now=$(date +%s)
	set_window "$d/cert.pem" $((now + 3)) $((now + 4)) || return
	na_renew -vv
	expect_rc 1 || return
	expect_out 'a2\.nanoacme\.test: not due until' "'not due until'" || return
	expect_same "$T/old.pem" "$d/cert.pem" || return
	while [ "$(date +%s)" -le $((now + 4)) ]; do
		sleep 0.2
	done
	r0=$(pebble_count 'has been marked as replaced')
	na_renew -vv
	expect_rc 0 || return
	expect_out 'a2\.nanoacme\.test: due since' "'due since'" || return
	grep -q '^> GET [^ ]*/renewalInfo/' "$T/out" &&
		{ fail "renewalInfo asked again within its Retry-After"; return; }
	expect_replaces "$old" || return
	expect_eq "$(pebble_count 'has been marked as replaced')" $((r0 + 1)) \
		"orders Pebble marked as replacements" || return
	expect_cert_dir "$d" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
}

# The CA revoked the certificate behind nanoacme's back (a mass revocation,
# another host with a copy of the key): Pebble's renewalInfo then says "renew
# now" (a window that ended an hour ago) for a fresh 90-day certificate the
# lifetime rule would keep for two months.
t_ari_revoked() {
	local d=$T/s/certs/a3.nanoacme.test old
	issue_vv a3.nanoacme.test --profile default || return
	old=$cid
	cp -a "$T/s" "$T/other" || return
	na -C "$T/other" revoke a3.nanoacme.test
	expect_rc 0 || return
	cp "$d/cert.pem" "$T/old.pem" || return
	na_renew -vv
	expect_rc 0 || return
	expect_out "> GET [^ ]*/renewalInfo/$old\$" "GET renewalInfo/<CertID>" || return
	expect_replaces "$old" || return
	expect_cert_dir "$d" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
}

# The CA already replaced the certificate nanoacme holds (a run killed after
# finalize, /etc restored from a backup): the state is put back as it was
# before a renewal; the next renewal names the old certificate again, Pebble
# answers alreadyReplaced, and a certificate still comes of it (ordered
# without "replaces", as lego does: go-acme/lego#2475).
t_ari_already_replaced() {
	local d=$T/s/certs/a4.nanoacme.test old now
	issue_vv a4.nanoacme.test --profile default || return
	old=$cid
	now=$(date +%s)
	set_window "$d/cert.pem" $((now - 7200)) $((now - 3600)) || return
	cp -a "$T/s" "$T/snapshot" || return
	na_renew -vv
	expect_rc 0 || return
	expect_replaces "$old" || return
	rm -rf "$T/s" && cp -a "$T/snapshot" "$T/s" || return
	cp "$d/cert.pem" "$T/old.pem" || return
	na_renew -vv
	expect_out 'alreadyReplaced' "Pebble's alreadyReplaced" || return
	expect_rc 0 || return
	expect_eq "$(order_field replaces)" "" "\"replaces\" of the order made anew" || return
	expect_cert_dir "$d" || return
	expect_differ "$T/old.pem" "$d/cert.pem" || return
}

# --- main --------------------------------------------------------------------

need_nanoacme
need_tools openssl curl timeout cmp basenc date awk
[ "$PEBBLE_VERSION" != 2.4 ] ||
	setup_fail "$PEBBLE_BIN is Pebble 2.4, which has no profiles or ARI (tests/deps.sh check fetches 2.10)"
PEBBLE_EXTRA_CONFIG='"profiles": {
	    "default": {"description": "90 days", "validityPeriod": 7776000},
	    "classic": {"description": "90 days", "validityPeriod": 7776000},
	    "tlsserver": {"description": "45 days", "validityPeriod": 3888000},
	    "shortlived": {"description": "6 days", "validityPeriod": 518400}}' \
	pebble_setup PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100

all_tests="profile_shortlived profile_unknown profile_renew"
all_tests="$all_tests ari_not_due ari_window_opens ari_revoked ari_already_replaced"
run_tests "$all_tests" "${CA2026_TESTS:-}"
