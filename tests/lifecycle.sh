#!/usr/bin/env bash
# tests/lifecycle.sh: integration tests of nanoacme's life-cycle commands
# (renew, list, revoke, account, the due rule, deploy hook, jitter, lock)
# against a real Pebble on 127.0.0.1.
#
# Usage: tests/lifecycle.sh [path-to-nanoacme]  (default: $NANOACME, else ./nanoacme)
# Environment:
#   NANOACME_TIMEOUT    seconds one nanoacme run may take (default 60)
#   LIFECYCLE_TESTS     space-separated test names to run (default: all)
#   PEBBLE_VERBOSE=1    print each test's nanoacme log even when it passes
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# Pebble runs in one of two modes, started once and restarted only when a test
# needs the other (tests are ordered so that this happens once); both with
# PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 as in tests/pebble.sh:
#   day    certificates valid 1 day (86400 s): never due by the default rule
#          during a test (due with 12 h left), due at once with --days 2
#          (on Pebble 2.10, ARI's window for them is their whole day: once
#          asked, renew picks a random moment in it, due during a test about
#          once in 10,000 certificates)
#   short  certificates valid 12 s (Pebble makes notAfter = notBefore + 11 s):
#          due by the default rule ("half for lifetimes of 10 days or less")
#          5-6 s after issue, so a test can watch one become due (6 s was
#          too short for three issuances on a loaded 2-core machine)
# The default rule for longer lifetimes (a third left), "expired" and the exact
# day counts of `list` are tested on certificates made here with openssl, with
# chosen notBefore/notAfter, put in place of a Pebble certificate (craft_cert).
# Pebble 2.10 has ARI (RFC 9773): a certificate it issued is due when its
# renewalInfo says so, and the first renew asks it (then not again before
# Retry-After, 6 h). These tests are about the lifetime rule, so a test that
# watches it drops the CA's ARI record of a certificate (no_ari: what a CA
# without ARI, like Pebble 2.4, leaves) or lets one renew fetch renewalInfo
# first (ari_settle). ARI itself: tests/ca2026.sh.
#
# Every nanoacme run has stdin from /dev/null (so --jitter defaults to 300 s:
# every renew that may find something due passes --jitter 0, except the jitter
# test). "No network" is proved three ways: -v's "TLS handshakes: 0, HTTP
# requests: 0", Pebble's request log not growing, and a -D override pointing
# at 127.0.0.1:1 where nothing listens.
#
# Runner as in tests/pebble.sh: each test is a function t_NAME; it prints
# "ok NAME" or "FAIL NAME: reason (line N)" plus the log of every nanoacme run of
# that test; the last line is "N passed, N failed"; the exit status is non-zero
# if any test failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble lifecycle "$@"

# --- helpers: each expect_* sets $reason and returns 1 on failure -------------

# na_bare ARGS...: nanoacme with only the state directory: renew must find
# directory, CA file and listener in the stored settings.
na_bare() {
	na -C "$T/s" "$@"
}

expect_no_out() {
	! grep -Eq -- "$1" "$T/out" || fail "output has ${2:-/$1/}: $(grep -E -m1 -- "$1" "$T/out")"
}

# expect_no_network: this run (with -v) made no TLS handshake and no request.
expect_no_network() {
	expect_out 'TLS handshakes: 0, HTTP requests: 0([^0-9]|$)' \
		"'TLS handshakes: 0, HTTP requests: 0' (with -v)"
}

# pebble_requests: how many requests Pebble has logged so far.
pebble_requests() {
	grep -c -- '-> calling handler()' "$PEBBLE_WORK/pebble.log"
}

# issue_and_save NAME: issue NAME (-y, in $T/s), then save it.
issue_and_save() {
	na_std -y issue "$1"
	expect_rc 0 || return 1
	save "$1"
}

# save NAME: copies cert.pem and privkey.pem of certificate NAME to
# $T/NAME.cert and $T/NAME.key (the "before" of a renewal).
save() {
	cp "$T/s/certs/$1/cert.pem" "$T/$1.cert" &&
		cp "$T/s/certs/$1/privkey.pem" "$T/$1.key" ||
		fail "cannot save certificate $1"
}

# expect_renewed NAME [same-key]: certificate NAME was replaced since save:
# a valid Pebble certificate with a new serial, and a new key (or, with
# same-key, the same key).
expect_renewed() {
	local d=$T/s/certs/$1 old new
	expect_cert_dir "$d" || return 1
	old=$(serial_of "$T/$1.cert")
	new=$(serial_of "$d/cert.pem")
	[ -n "$new" ] && [ "$old" != "$new" ] ||
		{ fail "$1: serial still $old, want a new certificate"; return 1; }
	if [ "${2:-}" = same-key ]; then
		[ "$(pubkey_of_key "$T/$1.key")" = "$(pubkey_of_key "$d/privkey.pem")" ] ||
			fail "$1: the key changed (--reuse-key)"
	else
		[ "$(pubkey_of_key "$T/$1.key")" != "$(pubkey_of_key "$d/privkey.pem")" ] ||
			fail "$1: the key was kept, want a new key"
	fi
}

# expect_unchanged NAME: certificate NAME is still the one saved.
expect_unchanged() {
	expect_same "$T/$1.cert" "$T/s/certs/$1/cert.pem" &&
		expect_same "$T/$1.key" "$T/s/certs/$1/privkey.pem"
}

# pebble_status SERIAL: sets $cstatus (Valid, Revoked, or "" if Pebble does not
# know the serial) and $creason (the revocation reason, or "") from Pebble's
# management API. GET /cert-status-by-serial/<hex> answers JSON with
# "Status", "Serial" (lower-case hex), "Certificate", and once revoked
# "RevokedAt" and "Reason"; 404 for an unknown serial.
pebble_status() {
	local j
	cstatus=
	creason=
	j=$(pebble_curl "https://localhost:$PEBBLE_MGMT_PORT/cert-status-by-serial/$1" \
		2>>"$T/log") || return 0
	cstatus=$(printf '%s\n' "$j" | sed -n 's/^ *"Status": *"\([A-Za-z]*\)".*/\1/p')
	creason=$(printf '%s\n' "$j" | sed -n 's/^ *"Reason": *\([0-9]*\).*/\1/p')
}

expect_pebble_status() {
	pebble_status "$1"
	[ "$cstatus" = "$2" ] ||
		fail "Pebble says certificate $1 is '${cstatus:-unknown}', want $2"
}

# list_line NAME: sets $lstatus, $ldays, $lexp (YYYY-MM-DD HH:MM or -) and
# $lnames (the names column) from the line of NAME in `list` output ($T/out).
list_line() {
	local line
	lstatus='' ldays='' lren='' lca='' lnames=''
	line=$(awk -v n="$1" 'NR > 1 && $1 == n' "$T/out")
	[ -n "$line" ] || { fail "list has no line for $1"; return 1; }
	[ "$(printf '%s\n' "$line" | wc -l)" = 1 ] ||
		{ fail "list has several lines for $1"; return 1; }
	# name, days (or "-"), renews (date and time, or "-"), status, CA, names
	# shellcheck disable=SC2086 # split into words on purpose
	set -- $line
	shift
	ldays=$1
	shift
	if [ "$1" = - ]; then
		lren=-
		shift
	else
		lren="$1 $2"
		shift 2
	fi
	lstatus=$1 lca=$2
	shift 2
	lnames="$*"
}

# expect_list_status NAME STATUS [NAME STATUS...]: `list` (in $T/out) shows
# each certificate NAME with its STATUS.
expect_list_status() {
	while [ $# -ge 2 ]; do
		list_line "$1" || return 1
		[ "$lstatus" = "$2" ] || { fail "list: $1 is '$lstatus', want $2"; return 1; }
		shift 2
	done
}

# expect_list_header: the first line of `list` names the columns.
expect_list_header() {
	head -n 1 "$T/out" | grep -q '^NAME .*DAYS.*RENEWS.*STATUS.*CA.*NAMES' ||
		fail "list header is '$(head -n 1 "$T/out")'"
}

# craft_cert DIR FROM TO: replaces DIR/cert.pem by a certificate for the same
# name and key (DIR/privkey.pem, self-signed) valid from now+FROM to now+TO
# seconds, to test the due rule on chosen dates. Keeps a copy as DIR's
# $T/NAME.cert (see save). The CA that made it has no ARI: DIR/ari goes.
craft_cert() {
	local dir=$1 from=$2 to=$3 name d now r
	name=$(basename "$dir")
	d=$T/craft.$name
	mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial" || return 1
	cat >"$d/ca.cnf" <<-EOF
		[ca]
		default_ca = c
		[c]
		database = $d/index.txt
		new_certs_dir = $d
		serial = $d/serial
		default_md = sha256
		policy = p
		unique_subject = no
		[p]
		commonName = supplied
		[ext]
		basicConstraints = critical, CA:FALSE
		subjectAltName = DNS:$name
	EOF
	now=$(date +%s)
	openssl req -new -key "$dir/privkey.pem" -subj "/CN=$name" -out "$d/csr" \
		>>"$T/log" 2>&1 &&
	openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$dir/privkey.pem" \
		-in "$d/csr" -extensions ext -notext \
		-startdate "$(date -u -d "@$((now + from))" +%Y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d "@$((now + to))" +%Y%m%d%H%M%SZ)" \
		-out "$d/cert.pem" >>"$T/log" 2>&1 &&
	cp "$d/cert.pem" "$dir/cert.pem" && cp "$dir/privkey.pem" "$T/$name.key" &&
	cp "$d/cert.pem" "$T/$name.cert" &&
	rm -f "$dir/ari"
	r=$?
	[ "$r" = 0 ] || fail "openssl could not make a certificate for $name"
	return "$r"
}

# no_ari NAME...: certificate NAME counts as issued by a CA without ARI
# (like Pebble 2.4): its state file "ari" goes, so renew decides by the
# lifetime rule alone and asks the CA nothing while it is not due.
no_ari() {
	local n
	for n in "$@"; do
		rm -f "$T/s/certs/$n/ari" || { fail "cannot remove $n's ari"; return 1; }
	done
}

# ari_settle: on a CA with ARI (Pebble 2.10), one renew that finds nothing
# due asks renewalInfo for each certificate issued since; later runs then ask
# nothing before its Retry-After (6 h). Does nothing on Pebble 2.4.
ari_settle() {
	[ "$PEBBLE_VERSION" = 2.4 ] && return 0
	# an ARI check waits the jitter first (a fleet on one cron minute):
	# none here
	na_bare -v --jitter 0 renew
	expect_rc 1 || return 1
	expect_out '> GET [^ ]*/renewalInfo/' "a renewalInfo request" || return 1
}

# hook_script: writes $T/hook.sh, a deploy hook that records, in a new
# directory $T/hook/N (N = 1, 2, ...), its environment (NANOACME_* and
# RENEWED_*) and the files it was told about, as they were when it ran.
# "hook.sh fail" exits 3 after that.
hook_script() {
	cat >"$T/hook.sh" <<-'EOF'
		#!/bin/sh
		base=$(dirname "$0")/hook
		mkdir -p "$base"
		n=$(($(ls "$base" | wc -l) + 1))
		d=$base/$n
		mkdir "$d"
		env | grep -E '^(NANOACME_|RENEWED_)' | sort >"$d/env"
		for f in "$NANOACME_PRIVKEY" "$NANOACME_CERT" "$NANOACME_CHAIN" \
			"$NANOACME_FULLCHAIN"; do
			cp "$f" "$d/" || echo "cannot copy $f" >>"$d/errors"
		done
		[ "${1:-}" != fail ] || exit 3
	EOF
	chmod +x "$T/hook.sh"
}

# hook_var N VAR: the value of VAR in the environment of hook run N.
hook_var() {
	sed -n "s/^$2=//p" "$T/hook/$1/env"
}

expect_hook_var() {
	local v
	[ -f "$T/hook/$1/env" ] || { fail "deploy hook run $1 did not happen"; return 1; }
	v=$(hook_var "$1" "$2")
	[ "$v" = "$3" ] || fail "hook run $1: $2='$v', want '$3'"
}

hook_runs() {
	if [ -d "$T/hook" ]; then
		ls "$T/hook" | wc -l
	else
		echo 0
	fi
}

# pebble_mode_start day|short: start Pebble in that mode (see the header;
# use_pebble in tests/pebble-env.sh).
pebble_mode_start() {
	case $1 in
	day) pebble_start --validity 86400 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 ;;
	short) pebble_start --validity 12 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 ;;
	*) return 1 ;;
	esac
}

# --- tests: Pebble "day" (1-day certificates) ----------------------------------

t_usage() {
	na -C "$T/s" renew extra
	expect_rc 2 || return
	na -C "$T/s" renew --jitter x
	expect_rc 2 || return
	na -C "$T/s" renew --days -1
	expect_rc 2 || return
	na -C "$T/s" revoke
	expect_rc 2 || return
	na -C "$T/s" revoke a.test --cert "$T/x"
	expect_rc 2 || return
	na -C "$T/s" account frobnicate
	expect_rc 2 || return
	na -C "$T/s" list extra
	expect_rc 2 || return
	# Nothing issued yet: renew has nothing to do, without touching the network.
	na -C "$T/s" -v renew
	expect_rc 1 || return
	expect_no_network || return
}

# issue stores the settings; a bare renew (-C only) redoes the same thing.
t_settings_stored() {
	local st=$T/s/certs/st.nanoacme.test/settings l
	use_pebble day || return
	hook_script
	na_std -y -e st@nanoacme.test --days 2 --reuse-key \
		--deploy-hook "$T/hook.sh" issue st.nanoacme.test www.st.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/st.nanoacme.test" || return
	[ "$(hook_runs)" = 1 ] || { fail "deploy hook ran $(hook_runs) times, want 1"; return; }
	for l in "name st.nanoacme.test" "name www.st.nanoacme.test" \
		"directory $PEBBLE_DIR_URL" "ca-file $PEBBLE_CA_FILE" \
		"listen 127.0.0.1:$PEBBLE_HTTP_PORT" "email st@nanoacme.test" \
		"deploy-hook $T/hook.sh" "days 2" "reuse-key yes"; do
		grep -qxF -- "$l" "$st" || { fail "settings lack '$l'"; return; }
	done
	save st.nanoacme.test || return
	# Without -D/-c/-l this would go to Let's Encrypt with the system CAs on
	# port 80: only the stored settings make it work. --days 2 (stored) makes
	# the 1-day certificate due.
	na_bare --jitter 0 renew
	expect_rc 0 || return
	expect_renewed st.nanoacme.test same-key || return
	expect_sans "$T/s/certs/st.nanoacme.test/cert.pem" st.nanoacme.test \
		www.st.nanoacme.test || return
	[ "$(hook_runs)" = 2 ] || { fail "stored deploy hook did not run at renew"; return; }
	expect_hook_var 2 NANOACME_EVENT renewed || return
	# The settings survive the renewal.
	for l in "directory $PEBBLE_DIR_URL" "days 2" "reuse-key yes" \
		"deploy-hook $T/hook.sh"; do
		grep -qxF -- "$l" "$st" || { fail "after renew, settings lack '$l'"; return; }
	done
}

# Options given to renew override the stored ones (for that run).
t_renew_override() {
	local n0
	use_pebble day || return
	issue_and_save ov.nanoacme.test || return
	if pebble_port_busy 1; then
		fail "precondition: something listens on 127.0.0.1:1"
		return
	fi
	# A directory override is used: nothing listens on port 1.
	n0=$(pebble_requests)
	na_bare --jitter 0 --force -D https://localhost:1/dir renew
	expect_rc 3 || return
	[ "$(pebble_requests)" = "$n0" ] || { fail "Pebble was asked anyway"; return; }
	expect_unchanged ov.nanoacme.test || return
	# --days overrides the stored (unset) rule: due at once.
	na_bare --jitter 0 --days 2 renew
	expect_rc 0 || return
	expect_renewed ov.nanoacme.test || return
}

# "for that run": an override is not written into the stored settings.
t_override_one_run() {
	use_pebble day || return
	hook_script
	na_std -y --deploy-hook "$T/hook.sh" issue oo.nanoacme.test
	expect_rc 0 || return
	cp "$T/s/certs/oo.nanoacme.test/settings" "$T/settings.saved" || return
	na_bare --jitter 0 --force --days 2 --deploy-hook "true override" renew
	expect_rc 0 || return
	[ "$(hook_runs)" = 1 ] || { fail "the stored hook ran though overridden"; return; }
	cmp -s "$T/settings.saved" "$T/s/certs/oo.nanoacme.test/settings" ||
		{ fail "renew stored its overrides in the settings: $(diff "$T/settings.saved" \
			"$T/s/certs/oo.nanoacme.test/settings" | grep '^[<>]' | tr '\n' ' ')"; return; }
	na_bare --jitter 0 --force renew
	expect_rc 0 || return
	[ "$(hook_runs)" = 2 ] ||
		{ fail "the stored deploy hook no longer runs after an override"; return; }
}

# issue for the same names when not due: exit 1 without a request; --force
# issues; other names issue.
t_issue_not_due() {
	local d=$T/s/certs/nd.nanoacme.test n0
	use_pebble day || return
	issue_and_save nd.nanoacme.test || return
	n0=$(pebble_requests)
	na_std -y -v issue nd.nanoacme.test
	expect_rc 1 || return
	expect_out 'not due' "'not due'" || return
	expect_no_network || return
	[ "$(pebble_requests)" = "$n0" ] || { fail "Pebble got requests"; return; }
	expect_unchanged nd.nanoacme.test || return
	# Same names, upper case: still the same certificate.
	na_std -y -v issue ND.nanoacme.test
	expect_rc 1 || return
	expect_no_network || return
	na_std -y --force issue nd.nanoacme.test
	expect_rc 0 || return
	expect_renewed nd.nanoacme.test || return
	save nd.nanoacme.test || return
	# Other names (a second one): issued without --force.
	na_std -y issue nd.nanoacme.test nd2.nanoacme.test
	expect_rc 0 || return
	expect_renewed nd.nanoacme.test || return
	expect_sans "$d/cert.pem" nd.nanoacme.test nd2.nanoacme.test || return
	# The same two names in another order: not due.
	na_std -y -v issue nd.nanoacme.test nd2.nanoacme.test
	expect_rc 1 || return
	expect_no_network || return
	# --days 2 makes the 1-day certificate due: issue goes ahead.
	save nd.nanoacme.test || return
	na_std -y --days 2 issue nd.nanoacme.test nd2.nanoacme.test
	expect_rc 0 || return
	expect_renewed nd.nanoacme.test || return
}

# renew with nothing due: exit 1 at once (no jitter even though stdin is not a
# terminal), no network at all.
t_nothing_due() {
	local n0
	use_pebble day || return
	issue_and_save no.nanoacme.test || return
	ari_settle || return
	n0=$(pebble_requests)
	# (a wrongly taken default jitter would wait up to 300 s: stop at 10)
	NANOACME_TIMEOUT=10 na_bare -v renew
	expect_rc 1 || return
	expect_no_network || return
	expect_no_out 'waiting' "a jitter wait" || return
	[ "$ms" -lt 3000 ] || { fail "took $ms ms with nothing due"; return; }
	[ "$(pebble_requests)" = "$n0" ] || { fail "Pebble got requests"; return; }
	# Same with the directory on the command line: Pebble hears nothing.
	na_std -v renew
	expect_rc 1 || return
	expect_no_network || return
	[ "$(pebble_requests)" = "$n0" ] || { fail "Pebble got requests"; return; }
	# An unreachable directory does not matter when nothing is due.
	na_bare -v -D https://localhost:1/dir renew
	expect_rc 1 || return
	expect_no_network || return
	na_bare -v --jitter 5 renew
	expect_rc 1 || return
	expect_no_out 'waiting' "a jitter wait" || return
	[ "$ms" -lt 3000 ] || { fail "took $ms ms with nothing due"; return; }
	expect_unchanged no.nanoacme.test || return
	# The same is due with --days 2: proof that the runs above could renew.
	na_bare -v --jitter 0 --days 2 renew
	expect_rc 0 || return
	expect_renewed no.nanoacme.test || return
}

# The due rule reads the certificate's own notBefore/notAfter: default a third
# of the lifetime left (lifetime > 10 days), half (<= 10 days); --days N.
# Certificates with chosen dates replace Pebble's; renew replaces exactly the
# due ones (and the expired one), and leaves the others alone.
t_due_rule() {
	local n name d day=86400
	use_pebble day || return
	for n in l30ok l30due l11ok l10due l10ok gone; do
		na_std -y issue "$n.nanoacme.test"
		expect_rc 0 || return
	done
	d=$T/s/certs
	# 30 days, 11 left (> 10): ok;  9 left (< 10): due.
	craft_cert "$d/l30ok.nanoacme.test" $((-19 * day)) $((11 * day)) || return
	craft_cert "$d/l30due.nanoacme.test" $((-21 * day)) $((9 * day)) || return
	# 11 days, 4 left: ok by "a third" (3.67), due if the half rule were used.
	craft_cert "$d/l11ok.nanoacme.test" $((-7 * day)) $((4 * day)) || return
	# 10 days, 4.9 left: due by "half" (5), ok if "a third" were used;
	# 5.1 left: ok.
	craft_cert "$d/l10due.nanoacme.test" $((-51 * day / 10)) $((49 * day / 10)) || return
	craft_cert "$d/l10ok.nanoacme.test" $((-49 * day / 10)) $((51 * day / 10)) || return
	# expired a day ago
	craft_cert "$d/gone.nanoacme.test" $((-11 * day)) $((-1 * day)) || return
	na_bare list
	expect_rc 0 || return
	expect_list_header || return
	expect_list_status l30ok.nanoacme.test ok l30due.nanoacme.test due \
		l11ok.nanoacme.test ok l10due.nanoacme.test due l10ok.nanoacme.test ok \
		gone.nanoacme.test expired || return
	# --days 12 on list: everything with fewer than 12 days left is due.
	na_bare --days 12 list
	expect_rc 0 || return
	expect_list_status l30ok.nanoacme.test due l10ok.nanoacme.test due || return
	na_bare -v --jitter 0 renew
	expect_rc 0 || return
	for name in l30due l10due gone; do
		expect_renewed "$name.nanoacme.test" || return
	done
	for name in l30ok l11ok l10ok; do
		expect_unchanged "$name.nanoacme.test" || return
	done
	# Now nothing is due.
	ari_settle || return
	na_bare -v renew
	expect_rc 1 || return
	expect_no_network || return
	# --days 5 makes l11ok (4 days left) due, not l10ok (5.1) or l30ok (11).
	na_bare -v --jitter 0 --days 5 renew
	expect_rc 0 || return
	expect_renewed l11ok.nanoacme.test || return
	# l30due etc. now carry fresh 1-day Pebble certificates: due with --days 5
	# too, so only check the two crafted ones that must stay.
	expect_unchanged l10ok.nanoacme.test || return
	expect_unchanged l30ok.nanoacme.test || return
}

# list: header, then name, expiry, days left, status, names for every
# certificate; statuses ok, due, expired, revoked, unreadable.
t_list() {
	local d=$T/s/certs want day=86400 nb na
	use_pebble day || return
	na_std -y issue ok.nanoacme.test www.ok.nanoacme.test
	expect_rc 0 || return
	na_std -y issue twenty.nanoacme.test
	expect_rc 0 || return
	na_std -y issue bad.nanoacme.test
	expect_rc 0 || return
	na_std -y issue rv.nanoacme.test
	expect_rc 0 || return
	na_std revoke rv.nanoacme.test
	expect_rc 0 || return
	# 20 days and an hour left of 30: ok, "20" days.
	craft_cert "$d/twenty.nanoacme.test" $((-10 * day)) $((20 * day + 3600)) || return
	echo "not a certificate" >"$d/bad.nanoacme.test/cert.pem" || return
	na_bare list
	expect_rc 0 || return
	expect_list_header || return
	[ "$(wc -l <"$T/out")" = 5 ] || { fail "list printed $(wc -l <"$T/out") lines, want 5"; return; }
	list_line ok.nanoacme.test || return
	[ "$lstatus" = ok ] || { fail "ok.nanoacme.test is '$lstatus'"; return; }
	# a 1-day certificate renews when half its lifetime is left
	nb=$(date -u -d "$(openssl x509 -noout -startdate -in "$d/ok.nanoacme.test/cert.pem" |
		sed 's/^notBefore=//')" +%s)
	na=$(date -u -d "$(openssl x509 -noout -enddate -in "$d/ok.nanoacme.test/cert.pem" |
		sed 's/^notAfter=//')" +%s)
	want=$(date -u -d "@$((na - (na - nb) / 2))" '+%Y-%m-%d %H:%M')
	[ "$lren" = "$want" ] || { fail "renews '$lren', want '$want'"; return; }
	[ "$lca" = "localhost:$PEBBLE_PORT" ] || { fail "CA column '$lca'"; return; }
	[ "$ldays" = 0 ] || { fail "days left '$ldays' of a 1-day certificate, want 0"; return; }
	case $lnames in
	*ok.nanoacme.test*www.ok.nanoacme.test*) ;;
	*) fail "names column '$lnames' lacks the two names"; return ;;
	esac
	list_line twenty.nanoacme.test || return
	[ "$lstatus" = ok ] && [ "$ldays" = 20 ] ||
		{ fail "twenty.nanoacme.test: '$lstatus' '$ldays' days, want ok 20"; return; }
	expect_list_status bad.nanoacme.test unreadable \
		rv.nanoacme.test revoked || return
	# --days 2: the 1-day certificate is due.
	na_bare --days 2 list
	expect_rc 0 || return
	expect_list_status ok.nanoacme.test due twenty.nanoacme.test ok || return
	# No state directory: a message naming it, exit 6.
	na -C "$T/empty" list
	expect_rc 6 || return
	expect_out 'no such state directory' || return
	# An empty one: the header only (list --json: an empty array).
	mkdir -m 700 "$T/empty"
	na -C "$T/empty" list
	expect_rc 0 || return
	[ "$(wc -l <"$T/out")" = 1 ] || { fail "empty list: $(cat "$T/out")"; return; }
	na -C "$T/empty" list --json
	expect_rc 0 || return
	grep -q '^\[\]$' "$T/out" || fail "list --json of nothing is '$(cat "$T/out")'"
}

# list is sorted by name; list --json is one array with every field.
t_list_json() {
	use_pebble day || return
	na_std -y issue zz.nanoacme.test && expect_rc 0 || return
	na_std -y issue aa.nanoacme.test && expect_rc 0 || return
	# 60 names of 60 characters in aa's settings (list reads them, it
	# does not check them against the certificate): every one listed.
	local k long=
	for k in $(seq 10 69); do long="$long$(printf 'n%s%057d' "$k" 0).nanoacme.test "; done
	for k in $long; do printf 'name %s\n' "$k"; done >"$T/names"
	grep -v '^name ' "$T/s/certs/aa.nanoacme.test/settings" >>"$T/names"
	cp "$T/names" "$T/s/certs/aa.nanoacme.test/settings" || return
	na_bare list
	expect_rc 0 || return
	for k in $long; do
		grep -q "^aa.nanoacme.test .*$k" "$T/out" ||
			{ fail "list cut the names: $k missing"; return; }
	done
	na_bare list
	expect_rc 0 || return
	[ "$(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')" = "aa.nanoacme.test zz.nanoacme.test " ] ||
		{ fail "not sorted: $(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')"; return; }
	timeout 30 "$NANOACME" -C "$T/s" list --json >"$T/json" 2>>"$T/log"
	python3 - "$T/json" <<-'EOF' >>"$T/log" 2>&1 || fail "list --json: see the log"
		import json, sys
		a = json.load(open(sys.argv[1]))
		assert [o["name"] for o in a] == ["aa.nanoacme.test", "zz.nanoacme.test"], a
		assert len(a[0]["names"]) == 60, a[0]["names"]
		assert all(len(n) == 74 for n in a[0]["names"]), a[0]["names"]
		a[0]["names"] = ["aa.nanoacme.test"]
		for o in a:
		    for k in ("names", "not_before", "not_after", "renew_after",
		              "status", "directory", "profile", "method"):
		        assert k in o, (k, o)
		    assert o["status"] == "ok" and o["method"] == "standalone", o
		    assert o["not_after"].endswith("Z") and o["names"] == [o["name"]], o
	EOF
}

# --deploy-hook: variables, files in place when it runs, failure = exit 9
# with the new certificate installed.
t_deploy_hook() {
	local d=$T/s/certs/dh.nanoacme.test v
	use_pebble day || return
	hook_script
	na_std -y --deploy-hook "$T/hook.sh" issue dh.nanoacme.test www.dh.nanoacme.test
	expect_rc 0 || return
	[ "$(hook_runs)" = 1 ] || { fail "hook ran $(hook_runs) times, want 1"; return; }
	[ ! -s "$T/hook/1/errors" ] || { fail "hook: $(cat "$T/hook/1/errors")"; return; }
	expect_hook_var 1 NANOACME_EVENT issued || return
	expect_hook_var 1 NANOACME_NAME dh.nanoacme.test || return
	expect_hook_var 1 NANOACME_NAMES "dh.nanoacme.test www.dh.nanoacme.test" || return
	expect_hook_var 1 NANOACME_CERT_DIR "$d" || return
	expect_hook_var 1 NANOACME_PRIVKEY "$d/privkey.pem" || return
	expect_hook_var 1 NANOACME_CERT "$d/cert.pem" || return
	expect_hook_var 1 NANOACME_CHAIN "$d/chain.pem" || return
	expect_hook_var 1 NANOACME_FULLCHAIN "$d/fullchain.pem" || return
	expect_hook_var 1 RENEWED_LINEAGE "$d" || return
	expect_hook_var 1 RENEWED_DOMAINS "dh.nanoacme.test www.dh.nanoacme.test" || return
	# The hook saw the installed certificate and key (not the old, not a half).
	for v in privkey.pem cert.pem chain.pem fullchain.pem; do
		expect_same "$T/hook/1/$v" "$d/$v" || return
	done
	save dh.nanoacme.test || return
	na_bare --jitter 0 --force renew
	expect_rc 0 || return
	expect_renewed dh.nanoacme.test || return
	[ "$(hook_runs)" = 2 ] || { fail "hook ran $(hook_runs) times, want 2"; return; }
	expect_hook_var 2 NANOACME_EVENT renewed || return
	expect_hook_var 2 NANOACME_NAMES "dh.nanoacme.test www.dh.nanoacme.test" || return
	expect_hook_var 2 RENEWED_LINEAGE "$d" || return
	expect_same "$T/hook/2/cert.pem" "$d/cert.pem" || return
	expect_same "$T/hook/2/privkey.pem" "$d/privkey.pem" || return
	# A failing hook: exit 9, message, the new certificate stays installed.
	save dh.nanoacme.test || return
	na_bare --jitter 0 --force --deploy-hook "$T/hook.sh fail" renew
	expect_rc 9 || return
	expect_out '[Hh]ook' "a message about the hook" || return
	expect_renewed dh.nanoacme.test || return
	[ "$(hook_runs)" = 3 ] || { fail "failing hook did not run"; return; }
	# Same for issue.
	na_std -y --deploy-hook "exit 1" issue dh2.nanoacme.test
	expect_rc 9 || return
	expect_cert_dir "$T/s/certs/dh2.nanoacme.test" || return
}

# renew goes on past a failed certificate, reports each, exits with the
# worst status: any failure beats 0, and 0 beats 1.
t_renew_worst() {
	local first last n
	use_pebble day || return
	for n in w1 w2 w3; do
		na_std -y issue "$n.nanoacme.test"
		expect_rc 0 || return
	done
	# 0 beats 1: only w1 is due (its stored --days 2), the others are not.
	na_std -y --days 2 --force issue w1.nanoacme.test
	expect_rc 0 || return
	save w1.nanoacme.test && save w2.nanoacme.test && save w3.nanoacme.test || return
	na_bare -v --jitter 0 renew
	expect_rc 0 || return
	expect_renewed w1.nanoacme.test || return
	expect_unchanged w2.nanoacme.test || return
	expect_unchanged w3.nanoacme.test || return
	# renew visits certificates in directory order (as list shows them):
	# break the first (directory on 127.0.0.1:1: exit 3) and the second
	# (unreadable settings: exit 6); the last must still be renewed.
	na_bare list
	first=$(awk 'NR == 2 { print $1 }' "$T/out")
	n=$(awk 'NR == 3 { print $1 }' "$T/out")
	last=$(awk 'NR == 4 { print $1 }' "$T/out")
	[ -n "$first" ] && [ -n "$n" ] && [ -n "$last" ] || { fail "list shows fewer than 3"; return; }
	sed -i 's|^directory .*|directory https://localhost:1/dir|' \
		"$T/s/certs/$first/settings" || return
	echo "frobnicate yes" >>"$T/s/certs/$n/settings" || return
	save "$first" && save "$n" && save "$last" || return
	na_bare --jitter 0 --force renew
	expect_rc 6 || return
	expect_out "$first: .*(localhost|connect|refused)" "an error about $first" || return
	expect_out "$n.*settings" "an error about $n's settings" || return
	# one line for each failed certificate (README)
	[ "$(grep -c "^nanoacme: $first:" "$T/out")" = 1 ] &&
		[ "$(grep -c "^nanoacme: $n:" "$T/out")" = 1 ] ||
		{ fail "want one error line for each of $first and $n"; return; }
	expect_unchanged "$first" || return
	expect_unchanged "$n" || return
	expect_renewed "$last" || return
	# Without the local failure, the network failure (3) beats success (0).
	sed -i '/^frobnicate/d' "$T/s/certs/$n/settings" || return
	save "$last" || return
	na_bare --jitter 0 --force renew
	expect_rc 3 || return
	expect_renewed "$n" || return
	expect_renewed "$last" || return
}

# revoke NAME (account key): Pebble reports it revoked with the reason; list
# shows revoked; renew without --force replaces it.
t_revoke_account_key() {
	local d=$T/s/certs/rk.nanoacme.test s1 s2
	use_pebble day || return
	na_std -y issue rk.nanoacme.test
	expect_rc 0 || return
	s1=$(serial_of "$d/cert.pem")
	expect_pebble_status "$s1" Valid || return
	save rk.nanoacme.test || return
	na_bare -v --jitter 0 renew
	expect_rc 1 || return
	na_bare revoke --reason 4 rk.nanoacme.test
	expect_rc 0 || return
	expect_pebble_status "$s1" Revoked || return
	[ "$creason" = 4 ] || { fail "Pebble has reason '$creason', want 4"; return; }
	na_bare list
	expect_list_status rk.nanoacme.test revoked || return
	na_bare -v --jitter 0 renew
	expect_rc 0 || return
	expect_renewed rk.nanoacme.test || return
	s2=$(serial_of "$d/cert.pem")
	expect_pebble_status "$s2" Valid || return
	na_bare list
	expect_list_status rk.nanoacme.test ok || return
	na_bare -v --jitter 0 renew
	expect_rc 1 || return
	# Unknown certificate name: nothing revoked, an error.
	na_bare revoke none.nanoacme.test
	[ "$rc" != 0 ] || { fail "revoke of an unknown name exits 0"; return; }
	expect_pebble_status "$s2" Valid || return
}

# revoke --cert FILE --key FILE: signed with the certificate key, no account
# needed; a key that is not the certificate's is refused before any request.
t_revoke_cert_key() {
	local d=$T/s/certs/ck.nanoacme.test s
	use_pebble day || return
	na_std -y issue ck.nanoacme.test
	expect_rc 0 || return
	na_std -y issue ck2.nanoacme.test
	expect_rc 0 || return
	s=$(serial_of "$d/cert.pem")
	cp "$d/cert.pem" "$T/ck.pem" && cp "$d/privkey.pem" "$T/ck.key" || return
	# Wrong key: refused locally.
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/other" -v revoke \
		--cert "$T/ck.pem" --key "$T/s/certs/ck2.nanoacme.test/privkey.pem"
	expect_rc 6 || return
	expect_no_network || return
	expect_pebble_status "$s" Valid || return
	# Right key, a state directory without any account.
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/other" revoke \
		--cert "$T/ck.pem" --key "$T/ck.key" --reason 1
	expect_rc 0 || return
	expect_pebble_status "$s" Revoked || return
	[ "$creason" = 1 ] || { fail "Pebble has reason '$creason', want 1"; return; }
	[ -z "$(find "$T/other/account" -name key.pem 2>/dev/null)" ] ||
		{ fail "revoke by certificate key created an account key"; return; }
	# Revoking it again: the CA refuses (alreadyRevoked): exit 4.
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/other" revoke \
		--cert "$T/ck.pem" --key "$T/ck.key"
	expect_rc 4 || return
	# With the state directory that holds it: marked revoked there, as
	# revoke NAME does, so list says so (ck2's own key, ck2 only).
	s=$(serial_of "$T/s/certs/ck2.nanoacme.test/cert.pem")
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/s" revoke \
		--cert "$T/s/certs/ck2.nanoacme.test/cert.pem" \
		--key "$T/s/certs/ck2.nanoacme.test/privkey.pem"
	expect_rc 0 || return
	expect_pebble_status "$s" Revoked || return
	na_bare list
	expect_list_status ck2.nanoacme.test revoked || return
	expect_list_status ck.nanoacme.test ok
}

# account: URL, status, contact.
t_account() {
	local url
	use_pebble day || return
	na_std -y -e acct@nanoacme.test issue ac.nanoacme.test
	expect_rc 0 || return
	url=$(cat "$T/s/account/"*/url) || return
	na_std account
	expect_rc 0 || return
	expect_out "^account: $url\$" "the account URL $url" || return
	expect_out '^status: valid$' "status: valid" || return
	expect_out '^contact: mailto:acct@nanoacme.test$' "the contact" || return
	# No account for this state and directory: a local error (6) that
	# says how to make one, not a new account.
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/none" -y account
	expect_rc 6 || return
	expect_out 'no account for .*-y creates one' "the hint" || return
	[ -z "$(find "$T/none" -name url 2>/dev/null)" ] ||
		{ fail "account created an account"; return; }
}

# account rollover: new key stored, the old one no longer accepted, renewal
# with the new key works.
t_rollover() {
	local a url
	use_pebble day || return
	na_std -y issue ro.nanoacme.test
	expect_rc 0 || return
	a=$(dirname "$(find "$T/s/account" -name key.pem)")
	url=$(cat "$a/url")
	cp -r "$T/s" "$T/old" || return
	na_std account rollover
	expect_rc 0 || return
	expect_differ "$T/old/account/$(basename "$a")/key.pem" "$a/key.pem" || return
	expect_absent "$a/key-new.pem" || return
	[ "$(cat "$a/url")" = "$url" ] || { fail "account URL changed"; return; }
	# The old key is refused by Pebble for this account now.
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/old" account
	expect_rc 4 || return
	na_std account
	expect_rc 0 || return
	expect_out "^account: $url\$" "the same account URL" || return
	save ro.nanoacme.test || return
	na_bare -v --jitter 0 --force renew
	expect_rc 0 || return
	expect_renewed ro.nanoacme.test || return
	expect_no_out 'POST [^ ]*/sign-me-up' "a new account" || return
}

# account deactivate: then any use fails clearly (exit 4, "deactivated").
t_deactivate() {
	local url
	use_pebble day || return
	issue_and_save da.nanoacme.test || return
	url=$(cat "$T/s/account/"*/url)
	cp -r "$T/s" "$T/copy" || return
	na_std account deactivate
	expect_rc 0 || return
	na_std account
	expect_rc 4 || return
	expect_out '[Dd]eactivated' "a message saying deactivated" || return
	na_bare --jitter 0 --force renew
	expect_rc 4 || return
	expect_out '[Dd]eactivated' "a message saying deactivated" || return
	expect_unchanged da.nanoacme.test || return
	na_std -y issue da2.nanoacme.test
	expect_rc 4 || return
	expect_out '[Dd]eactivated' "a message saying deactivated" || return
	expect_absent "$T/s/certs/da2.nanoacme.test" || return
	na_bare revoke da.nanoacme.test
	expect_rc 4 || return
	# Pebble itself refuses the account (the copy has no local mark).
	rm -f "$T/copy/account/"*/deactivated
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/copy" account
	expect_rc 4 || return
	expect_out 'unauthorized|[Dd]eactivated' "Pebble's refusal" || return
}

# After account deactivate, nanoacme knows (STATE/account/<CA>/deactivated)
# that every use must fail: it should fail before any request.
t_deactivated_offline() {
	use_pebble day || return
	na_std -y issue dn.nanoacme.test
	expect_rc 0 || return
	na_std account deactivate
	expect_rc 0 || return
	na_bare -v --jitter 0 --force renew
	expect_rc 4 || return
	expect_no_network || return
	na_std -v -y issue dn2.nanoacme.test
	expect_rc 4 || return
	expect_no_network || return
}

# Two renew runs at once never interleave: the lock (non-blocking flock on
# STATE/lock) makes the second exit 8.
t_lock() {
	local i p1 p2 r1 r2 r3 r4
	use_pebble day || return
	issue_and_save lk.nanoacme.test || return
	# Hook: "begin", 1 s, "end", so that each run lasts > 1 s and two runs
	# started together overlap.
	printf '#!/bin/sh\necho "begin $$" >>%s\nsleep 1\necho "end $$" >>%s\n' \
		"$T/order" "$T/order" >"$T/slow.sh" && chmod +x "$T/slow.sh" || return
	for i in 1 2; do
		printf '$ %s (run %s, background)\n' "$NANOACME" "$i" >>"$T/log"
		timeout -k 5 "$NANOACME_TIMEOUT" "$NANOACME" -C "$T/s" --jitter 0 --force \
			--deploy-hook "$T/slow.sh" renew >"$T/out$i" 2>&1 </dev/null &
		eval "p$i=\$!"
	done
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	cat "$T/out1" "$T/out2" >>"$T/log"
	echo "[exits $r1 $r2]" >>"$T/log"
	case "$r1 $r2" in
	"0 8" | "8 0")
		[ "$(grep -c begin "$T/order")" = 1 ] ||
			{ fail "hook ran $(grep -c begin "$T/order") times"; return; }
		grep -q 'in use' "$T/out1" "$T/out2" || { fail "no 'in use' message"; return; }
		;;
	"0 0")
		# Serialized: each hook's begin is followed by its own end.
		awk '/^begin/ { if (open) bad = 1; open = $2 }
			/^end/ { if ($2 != open) bad = 1; open = "" }
			END { exit bad }' "$T/order" ||
			{ fail "hooks interleaved: $(tr '\n' ' ' <"$T/order")"; return; }
		;;
	*) fail "exits $r1 and $r2, want one 8 (or both 0 in turn)"; return ;;
	esac
	expect_renewed lk.nanoacme.test || return
	[ "$(find "$T/s/certs" -maxdepth 1 -name '.lk.nanoacme.test.*' | wc -l)" = 1 ] ||
		{ fail "version directories left: $(ls -A "$T/s/certs" | tr '\n' ' ')"; return; }
	# While one run is certainly inside (its hook waits for $T/release, 20 s
	# at most), renew, issue and revoke exit 8 and change nothing.
	rm -f "$T/in" "$T/release"
	printf '#!/bin/sh\ntouch %s\ni=0\nwhile [ ! -e %s ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done\n' \
		"$T/in" "$T/release" >"$T/hold.sh" && chmod +x "$T/hold.sh" || return
	timeout -k 5 "$NANOACME_TIMEOUT" "$NANOACME" -C "$T/s" --jitter 0 --force \
		--deploy-hook "$T/hold.sh" renew >"$T/out1" 2>&1 </dev/null &
	p1=$!
	i=0
	while [ ! -e "$T/in" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$T/in" ] || { touch "$T/release"; wait "$p1"; fail "holder never reached its hook"; return; }
	save lk.nanoacme.test
	na_bare --jitter 0 --force renew
	r2=$rc
	na_std -y --force issue lk.nanoacme.test
	r3=$rc
	na_bare revoke lk.nanoacme.test
	r4=$rc
	touch "$T/release"
	wait "$p1"; r1=$?
	cat "$T/out1" >>"$T/log"
	[ "$r1" = 0 ] || { fail "holder exited $r1"; return; }
	[ "$r2 $r3 $r4" = "8 8 8" ] ||
		{ fail "renew, issue, revoke under the lock exited $r2 $r3 $r4, want 8 8 8"; return; }
	expect_unchanged lk.nanoacme.test || return
	expect_pebble_status "$(serial_of "$T/s/certs/lk.nanoacme.test/cert.pem")" Valid || return
	# Once the holder is gone, the same renew works: the lock caused the 8s.
	save lk.nanoacme.test || return
	na_bare --jitter 0 --force renew
	expect_rc 0 || return
	expect_renewed lk.nanoacme.test || return
}

# --jitter: a random wait in [0, SECONDS] before the first request, only when
# something is due; default 300 when stdin is not a terminal.
t_jitter() {
	local k w lo hi
	use_pebble day || return
	na_std -y issue jt.nanoacme.test
	expect_rc 0 || return
	# Up to three runs, until one draws a wait of at least 1 s, to see it taken.
	for k in 1 2 3; do
		save jt.nanoacme.test || return
		na_bare -v --jitter 2 --days 2 renew
		expect_rc 0 || return
		expect_renewed jt.nanoacme.test || return
		w=$(sed -n 's/.*waiting \([0-9][0-9]*\) s.*/\1/p' "$T/out" | head -n 1)
		[ -n "$w" ] || { fail "-v shows no 'waiting N s'"; return; }
		[ "$w" -ge 0 ] && [ "$w" -le 2 ] || { fail "waited $w s with --jitter 2"; return; }
		lo=$((w * 1000))
		hi=$((w * 1000 + 5000))
		[ "$ms" -ge "$lo" ] && [ "$ms" -lt "$hi" ] ||
			{ fail "run took $ms ms for a wait of $w s"; return; }
		# The wait comes before the first request.
		[ "$(grep -n -m1 -E 'waiting|^> ' "$T/out" | grep -c waiting)" = 1 ] ||
			{ fail "a request came before the wait"; return; }
		[ "$w" -ge 1 ] && break
	done
	# --jitter 0: no wait at all.
	save jt.nanoacme.test || return
	na_bare -v --jitter 0 --days 2 renew
	expect_rc 0 || return
	expect_no_out 'waiting [1-9]' "a wait with --jitter 0" || return
	# No --jitter, stdin not a terminal, something due: the default (300 s)
	# applies. The wait is announced before any request; stop the run there.
	printf '$ %s (no --jitter, stopped after 2 s)\n' "$NANOACME" >>"$T/log"
	timeout -k 2 2 "$NANOACME" -C "$T/s" -v --days 2 renew >"$T/out" 2>&1 </dev/null
	cat "$T/out" >>"$T/log"
	w=$(sed -n 's/.*waiting \([0-9][0-9]*\) s.*/\1/p' "$T/out" | head -n 1)
	[ -n "$w" ] && [ "$w" -le 300 ] ||
		{ fail "no default jitter wait announced (want 'waiting N s', N <= 300)"; return; }
	# Nothing due, but the CA's renewal information is to be asked (a
	# fresh certificate): the wait comes before that request too, so a
	# fleet on one cron minute does not ask at once.
	[ "$PEBBLE_VERSION" = 2.4 ] && return 0
	na_bare -v --jitter 0 --force renew
	expect_rc 0 || return
	na_bare -v --jitter 1 renew
	expect_rc 1 || return
	expect_out '> GET [^ ]*/renewalInfo/' "a renewalInfo request" || return
	[ "$(grep -n -m1 -E 'waiting|^> ' "$T/out" | grep -c waiting)" = 1 ] ||
		fail "the renewalInfo request came before the wait"
}

# --- tests: Pebble "short" (12-second certificates) -----------------------------

# A short-lived certificate becomes due by the default rule (half of its
# lifetime left) and a plain renew replaces it: new serial, new key, or the
# same key with --reuse-key. One issued with --days 0 is due only once expired:
# list then says expired, and renew replaces it.
t_short_validity() {
	local d=$T/s/certs nb na due k
	use_pebble short || return
	na_std -y issue sv.nanoacme.test
	expect_rc 0 || return
	na_std -y --reuse-key issue svk.nanoacme.test
	expect_rc 0 || return
	na_std -y --days 0 issue svx.nanoacme.test
	expect_rc 0 || return
	save sv.nanoacme.test && save svk.nanoacme.test && save svx.nanoacme.test || return
	no_ari sv.nanoacme.test svk.nanoacme.test svx.nanoacme.test || return
	nb=$(cert_time "$d/sv.nanoacme.test/cert.pem" startdate)
	na=$(cert_time "$d/sv.nanoacme.test/cert.pem" enddate)
	[ $((na - nb)) -le 12 ] && [ $((na - nb)) -gt 0 ] ||
		{ fail "Pebble's certificate lasts $((na - nb)) s, want <= 12 (--validity)"; return; }
	# Due (half the lifetime left) at the later of the two due moments.
	due=$(due_half "$d/sv.nanoacme.test/cert.pem")
	k=$(due_half "$d/svk.nanoacme.test/cert.pem")
	[ "$k" -le "$due" ] || due=$k
	[ "$(date +%s)" -lt "$(due_half "$d/sv.nanoacme.test/cert.pem")" ] ||
		{ fail "too slow: due already at issue"; return; }
	na_bare -v renew
	expect_rc 1 || return
	expect_no_network || return
	na_bare list
	expect_list_status sv.nanoacme.test ok svk.nanoacme.test ok || return
	# Wait until half the lifetime is left, then renew.
	wait_until "$due"
	na_bare list
	expect_list_status sv.nanoacme.test due svk.nanoacme.test due \
		svx.nanoacme.test ok || return
	na_bare -v --jitter 0 renew
	expect_rc 0 || return
	expect_renewed sv.nanoacme.test || return
	expect_renewed svk.nanoacme.test same-key || return
	expect_unchanged svx.nanoacme.test || return
	# svx expires: now it is due (and listed as expired).
	wait_until "$(cert_time "$d/svx.nanoacme.test/cert.pem" enddate)"
	na_bare list
	expect_list_status svx.nanoacme.test expired || return
	na_bare -v --jitter 0 renew
	expect_rc 0 || return
	expect_renewed svx.nanoacme.test || return
}

# due_half CERT: when CERT has half of its lifetime left (the default rule
# for lifetimes of 10 days or less), in seconds since 1970.
due_half() {
	local nb na
	nb=$(cert_time "$1" startdate)
	na=$(cert_time "$1" enddate)
	echo $((na - (na - nb) / 2))
}

# wait_until T: sleep until the clock reaches second T (nanoacme's time(NULL)
# is then T or later too).
wait_until() {
	while [ "$(date +%s)" -lt "$1" ]; do
		sleep 0.1
	done
}

# --- main ------------------------------------------------------------------------

need_nanoacme
need_tools openssl curl timeout flock cmp awk sed

# Order matters only for speed: "day" tests first, then the "short" one.
all_tests="usage settings_stored renew_override override_one_run issue_not_due"
all_tests="$all_tests nothing_due due_rule list list_json deploy_hook renew_worst"
all_tests="$all_tests revoke_account_key revoke_cert_key account rollover"
all_tests="$all_tests deactivate deactivated_offline lock jitter short_validity"
run_tests "$all_tests" "${LIFECYCLE_TESTS:-}"
