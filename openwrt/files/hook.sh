#!/bin/sh
# SPDX-License-Identifier: MIT
# /usr/lib/acme/hook of acme-nanoacme: nanoacme as acme-common's backend.
#
# acme-common runs `/usr/lib/acme/hook get` once per enabled `config cert`
# section (procd instances, several at once, no lock between them), with
# the section's options in the environment: domains, main_domain,
# validation_method, listen_port, staging, acme_server, days, cert_profile,
# key_type, dns, dns_wait, calias, dalias, account_email, state_dir, debug,
# CERT_DIR, CHALLENGE_DIR and each `list credentials` entry.
#
# This script turns them into one `nanoacme issue` (which does nothing,
# exit 1, while the certificate is not due), then publishes the result as
# $CERT_DIR/MAIN.{crt,key,fullchain.crt,chain.crt,combined.crt}: real
# files, each written to a temporary file in $CERT_DIR and renamed over
# the old one, the key and combined file 0600 from their first byte.
#
# Events (/usr/lib/acme/notify): `issued` the first time a certificate
# exists for MAIN, `renewed` when it replaced one (nanoacme's or an earlier
# backend's files in $CERT_DIR), `issue-failed`/`renew-failed` on failure.
# Nothing when the certificate was not due.
#
# uhttpd: on the first issuance, if uhttpd.main.cert/key still name the
# self-signed defaults (/etc/uhttpd.crt, /etc/uhttpd.key, or are unset),
# they are pointed at MAIN.fullchain.crt/MAIN.key and uhttpd is reloaded
# (the changed command line makes procd restart it). Any other setting is
# the administrator's choice and is left alone. When uhttpd already serves
# MAIN's files, a renewal restarts it: `reload` would not, because its
# command line did not change, and it would keep the old certificate.
#
# Exit status: 0 when a certificate was issued or renewed, or was not due;
# 1 (or nanoacme's status) on failure. nanoacme exit 8 (another run holds
# the state lock: per-certificate instances started together) is retried
# every NANOACME_LOCK_WAIT seconds, NANOACME_LOCK_TRIES times. Exit 10
# (clock not set, typical at boot before NTP) leaves a marker that
# /etc/hotplug.d/ntp/ uses to run `/etc/init.d/acme renew` once time is
# synced.
#
# TERM, INT, HUP (`service acme abort`): nanoacme is stopped, the firewall
# rule removed, the failure event sent, exit 128+signal.
#
# For tests: NANOACME_ROOT prefixes every absolute path this script uses
# (not those acme-common passes in); NANOACME_LISTEN_HOST, if set, is the
# one address the standalone/alpn listener binds (default: all, IPv6 and
# IPv4).

set -u
set -f # domains may be wildcards: no globbing anywhere

R=${NANOACME_ROOT:-}
NANOACME=$R/usr/bin/nanoacme
NOTIFY=$R/usr/lib/acme/notify
BRIDGE=$R/usr/lib/nanoacme/dnsapi-bridge
UHTTPD_INIT=$R/etc/init.d/uhttpd
RUN_DIR=$R/var/run/nanoacme
LOG_TAG=acme-nanoacme
LOCK_TRIES=${NANOACME_LOCK_TRIES:-30}
LOCK_WAIT=${NANOACME_LOCK_WAIT:-10}
LISTEN_HOST=${NANOACME_LISTEN_HOST:-}

# acme-common sets all of these; default them so `set -u` holds.
: "${CERT_DIR:=/etc/ssl/acme}" "${CHALLENGE_DIR:=/var/run/acme/challenge}"
: "${account_email:=}" "${state_dir:=}" "${debug:=0}"
: "${validation_method:=}" "${listen_port:=}" "${staging:=0}"
: "${domains:=}" "${main_domain:=}" "${key_type:=}" "${acme_server:=}"
: "${days:=}" "${cert_profile:=}" "${dns:=}" "${dns_wait:=}"
: "${calias:=}" "${dalias:=}" "${eab_kid:=}" "${eab_hmac_key:=}"
[ -n "$state_dir" ] || state_dir=/etc/acme

# log, add_nft_rule, del_nft_rule (and NFT_HANDLE)
# shellcheck source=/dev/null
. "$R/usr/lib/acme/functions.sh"

child=
tmp_files=
ok_event=issued
fail_event=issue-failed

cleanup() {
	del_nft_rule
	# shellcheck disable=SC2086 # a list of mktemp names
	[ -z "$tmp_files" ] || rm -f $tmp_files
	tmp_files=
}

# on_signal NAME NUMBER: stop nanoacme, clean up, report, exit 128+NUMBER.
on_signal() {
	trap '' TERM INT HUP
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
		child=
	fi
	log err "$main_domain: stopped by SIG$1"
	cleanup
	"$NOTIFY" "$fail_event"
	exit $((128 + $2))
}

# fail MESSAGE: report a failure that happened before or without nanoacme.
fail() {
	log err "$main_domain: $1"
	cleanup
	"$NOTIFY" "$fail_event"
	exit 1
}

# lower WORD: WORD in lower case (nanoacme names a certificate so).
lower() {
	printf '%s' "$1" | tr 'A-Z' 'a-z'
}

# stage SRC... MODE: concatenation of SRC... into a new temporary file in
# $CERT_DIR (mktemp makes it 0600 before anything is written), then MODE.
# The name is left in $staged.
stage() {
	local mode
	eval "mode=\${$#}"
	staged=$(mktemp "$CERT_DIR/.$main_domain.XXXXXX") || return 1
	tmp_files="$tmp_files $staged"
	while [ $# -gt 1 ]; do
		cat "$1" >>"$staged" || return 1
		shift
	done
	chmod "$mode" "$staged"
}

# publish: nanoacme's current files for MAIN into $CERT_DIR, atomically
# per file (all written first, then renamed; a rename replaces a symbolic
# link left by another backend, never its target).
publish() {
	local s=$src p=$CERT_DIR/$main_domain crt key full chain comb
	mkdir -p "$CERT_DIR" || return 1
	stage "$s/cert.pem" 644 && crt=$staged &&
		stage "$s/privkey.pem" 600 && key=$staged &&
		stage "$s/fullchain.pem" 644 && full=$staged &&
		stage "$s/chain.pem" 644 && chain=$staged &&
		stage "$s/fullchain.pem" "$s/privkey.pem" 600 && comb=$staged &&
		sync || return 1
	mv -f "$key" "$p.key" && mv -f "$crt" "$p.crt" &&
		mv -f "$full" "$p.fullchain.crt" && mv -f "$chain" "$p.chain.crt" &&
		mv -f "$comb" "$p.combined.crt" || return 1
	tmp_files=
	log info "$main_domain: certificate published in $CERT_DIR"
}

# published: true if $CERT_DIR holds exactly nanoacme's current files.
published() {
	local p=$CERT_DIR/$main_domain
	cmp -s "$src/fullchain.pem" "$p.fullchain.crt" &&
		cmp -s "$src/cert.pem" "$p.crt" &&
		cmp -s "$src/chain.pem" "$p.chain.crt" &&
		cmp -s "$src/privkey.pem" "$p.key" &&
		[ -f "$p.combined.crt" ] && [ ! -L "$p.crt" ]
}

# uhttpd_pickup EVENT: make uhttpd serve MAIN's certificate (see top).
uhttpd_pickup() {
	local cert key crt=$CERT_DIR/$main_domain.fullchain.crt
	local newkey=$CERT_DIR/$main_domain.key
	[ -x "$UHTTPD_INIT" ] || return 0
	cert=$(uci -q get uhttpd.main.cert) || cert=
	key=$(uci -q get uhttpd.main.key) || key=
	if [ "$cert" = "$crt" ] && [ "$key" = "$newkey" ]; then
		log info "$main_domain: restarting uhttpd for the new certificate"
		"$UHTTPD_INIT" restart
		return 0
	fi
	[ "$1" = issued ] || return 0
	case $cert in '' | /etc/uhttpd.crt) ;; *) return 0 ;; esac
	case $key in '' | /etc/uhttpd.key) ;; *) return 0 ;; esac
	log info "$main_domain: uhttpd now uses $crt"
	uci set uhttpd.main.cert="$crt" && uci set uhttpd.main.key="$newkey" &&
		uci commit uhttpd && "$UHTTPD_INIT" reload
}

# pending: remember to run `/etc/init.d/acme renew` once NTP has synced.
pending() {
	mkdir -p "$RUN_DIR/pending" &&
		printf '%s\n' /etc/init.d/acme renew >"$RUN_DIR/pending/acme"
}

# run_nanoacme ARGS...: nanoacme in the background (so that a signal is
# handled at once), its output in $out; status in $rc.
run_nanoacme() {
	"$NANOACME" "$@" >"$out" 2>&1 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	child=
}

# hint: one line saying what to do about nanoacme's status $rc.
hint() {
	case $rc in
	6) [ -z "$port" ] ||
		echo "is another program (uhttpd?) listening on port $port? Use validation_method webroot to let uhttpd answer on port 80" ;;
	3) echo "cannot reach the CA: check DNS, the clock and the CA bundle (ca-bundle)" ;;
	5) [ -z "$port" ] ||
		echo "the CA could not reach this router on port $port of each name" ;;
	esac
}

case ${1:-} in
get) ;;
*)
	echo "usage: $0 get    (run by /etc/init.d/acme with its environment)" >&2
	exit 2
	;;
esac

trap 'on_signal TERM 15' TERM
trap 'on_signal INT 2' INT
trap 'on_signal HUP 1' HUP
trap cleanup EXIT

# shellcheck disable=SC2086 # a space-separated list
[ -n "$main_domain" ] || set -- $domains
[ -n "$main_domain" ] || main_domain=${1:-}
[ -n "$main_domain" ] || fail "no domains configured"
[ -n "$domains" ] || domains=$main_domain
name=$(lower "$main_domain")
src=$state_dir/certs/$name
if [ -e "$src/cert.pem" ] || [ -e "$CERT_DIR/$main_domain.crt" ] ||
	[ -L "$CERT_DIR/$main_domain.crt" ]; then
	ok_event=renewed
	fail_event=renew-failed
fi

case $key_type in
'' | ec256 | ec-256) ;;
*) fail "key_type $key_type is not supported by nanoacme, which makes ECDSA P-256 keys only: set \"option key_type 'ec256'\", or install another ACME backend (acme-acmesh) for $key_type" ;;
esac

set -- -C "$state_dir" -y --syslog
server=
case $acme_server in
'' | letsencrypt)
	server=https://acme-v02.api.letsencrypt.org/directory
	[ "$staging" != 1 ] ||
		server=https://acme-staging-v02.api.letsencrypt.org/directory
	;;
letsencrypt_test) server=https://acme-staging-v02.api.letsencrypt.org/directory ;;
zerossl) server=https://acme.zerossl.com/v2/DV90 ;;
google) server=https://dv.acme-v02.api.pki.goog/directory ;;
actalis) server=https://acme-api.actalis.com/acme/directory ;;
https://* | http://*) server=$acme_server ;;
*) fail "acme_server '$acme_server' is neither a URL nor one of letsencrypt, letsencrypt_test, zerossl, google, actalis" ;;
esac
case $acme_server in
'' | letsencrypt | letsencrypt_test) ;;
*) [ "$staging" != 1 ] ||
	log warn "$main_domain: staging applies to Let's Encrypt only; using $server" ;;
esac
set -- "$@" -D "$server"
[ -z "$account_email" ] || set -- "$@" -e "$account_email"
[ -z "$days" ] || set -- "$@" --days "$days"
[ -z "$cert_profile" ] || set -- "$@" --profile "$cert_profile"
if [ -n "$eab_kid" ] && [ -n "$eab_hmac_key" ]; then
	set -- "$@" --eab-kid "$eab_kid" --eab-hmac "$eab_hmac_key"
fi
[ "$debug" != 1 ] || set -- "$@" -v

port=
case $validation_method in
standalone)
	port=${listen_port:-80}
	set -- "$@" --listen "$LISTEN_HOST:$port"
	;;
alpn)
	port=${listen_port:-443}
	set -- "$@" --alpn "$LISTEN_HOST:$port"
	;;
webroot)
	mkdir -p "$CHALLENGE_DIR" || fail "cannot create $CHALLENGE_DIR"
	set -- "$@" --webroot "$CHALLENGE_DIR"
	;;
dns)
	[ -n "$dns" ] || fail "validation_method dns needs option dns, an acme.sh dnsapi name such as dns_cf"
	export dns dns_wait calias dalias state_dir debug
	set -- "$@" --hook "$BRIDGE"
	;;
*) fail "validation_method '$validation_method' is not one of standalone, webroot, alpn, dns" ;;
esac
# shellcheck disable=SC2086 # a space-separated list; globbing is off
set -- "$@" issue $domains

mkdir -p "$RUN_DIR" && chmod 700 "$RUN_DIR" || fail "cannot create $RUN_DIR"
out=$RUN_DIR/$main_domain.log

if [ -n "$port" ] && ! add_nft_rule "$main_domain" "$port" >/dev/null; then
	log warn "$main_domain: could not open port $port in the firewall; trying anyway"
fi

log info "$main_domain: nanoacme $*"
tries=0
while :; do
	run_nanoacme "$@"
	[ "$rc" = 8 ] || break
	tries=$((tries + 1))
	[ "$tries" -lt "$LOCK_TRIES" ] || break
	log info "$main_domain: another nanoacme run holds $state_dir; retry $tries of $((LOCK_TRIES - 1)) in ${LOCK_WAIT}s"
	sleep "$LOCK_WAIT" &
	child=$!
	wait "$child"
	child=
done
log info "$main_domain: nanoacme exited $rc"
del_nft_rule
[ "$debug" != 1 ] || cat "$out" >&2

case $rc in
0 | 9)
	[ "$rc" = 0 ] || log warn "$main_domain: a deploy hook remembered in $state_dir failed"
	publish || fail "could not write the certificate to $CERT_DIR"
	"$NOTIFY" "$ok_event"
	uhttpd_pickup "$ok_event"
	exit 0
	;;
1)
	# Not due. Publish again only if $CERT_DIR lost or changed the files.
	if [ -f "$src/cert.pem" ] && ! published; then
		publish || fail "could not write the certificate to $CERT_DIR"
		"$NOTIFY" "$ok_event"
		uhttpd_pickup "$ok_event"
	fi
	exit 0
	;;
10)
	pending
	log warn "$main_domain: the system clock is not set; will run again once NTP has synced"
	exit 1
	;;
esac
msg=$(tail -n 1 "$out" 2>/dev/null)
log err "$main_domain: nanoacme failed (exit $rc): $msg"
h=$(hint)
[ -z "$h" ] || log err "$main_domain: $h"
"$NOTIFY" "$fail_event"
exit "$rc"
