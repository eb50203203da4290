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
# Deciding (no request to the CA unless something is due), for MAIN's
# certificate in $state_dir/certs/MAIN (nanoacme's state):
#   - none yet: issue;
#   - other names, CA (acme_server, staging) or cert_profile than the ones
#     it was issued with (nanoacme's settings file): issue again now;
#   - marked revoked, or the CA's renewal window (ARI, RFC 9773) has
#     opened, or expired, or fewer than `days` (default: nanoacme's, a
#     third of the lifetime) days left: `nanoacme renew MAIN` (where
#     nanoacme has `renew NAME`; else `issue`, with --force for revoked
#     and ARI);
#   - otherwise: nothing (exit 0, no event).
# `days` not below the certificate's lifetime (LuCI suggests 60; 45-day
# and 6-day certificates exist) would reissue on every run: it is ignored
# with a warning.
#
# Issuing: `/usr/lib/acme/notify prepare`, the firewall port opened for
# the listener (standalone, alpn, and webroot when listen_port is set),
# nanoacme, the port closed; then the files published as
# $CERT_DIR/MAIN.{crt,key,fullchain.crt,chain.crt,combined.crt}: real
# files, each written to a temporary file in $CERT_DIR and renamed over
# the old one, the key and combined file 0600 from their first byte.
#
# Events (/usr/lib/acme/notify): `prepare` before an issuance, `issued`
# the first time a certificate exists for MAIN, `renewed` when it replaced
# one (nanoacme's or an earlier backend's files in $CERT_DIR),
# `issue-failed`/`renew-failed` on failure.
#
# uhttpd: on the first issuance, if uhttpd.main.cert/key still name the
# self-signed defaults (/etc/uhttpd.crt, /etc/uhttpd.key, or are unset),
# they are pointed at MAIN.fullchain.crt/MAIN.key and uhttpd is reloaded
# (the changed command line makes procd restart it). Any other setting is
# the administrator's choice and is left alone. When any uhttpd section
# serves MAIN's files (cert MAIN.fullchain.crt or MAIN.crt, or key
# MAIN.key), a new certificate restarts uhttpd: `reload` would not, as
# its command line did not change, and it would keep the old one.
#
# validation_method dns-persist (dns-persist-01): no hook, no port; the
# TXT record is set once by the administrator. When it is missing, the
# line to create (`_validation-persist.NAME TXT "..."`) is logged.
#
# Exit status: 0 when a certificate was issued or renewed, or was not due;
# 1 (or nanoacme's status) on failure. nanoacme exit 8 (another run holds
# the state lock: per-certificate instances started together) waits for
# the holder to let go (flock), however long it runs, then tries again.
# Exit 10 (clock not set, typical at boot before NTP) leaves a marker
# that /etc/hotplug.d/ntp/ uses to run `/etc/init.d/acme renew` once time
# is synced.
#
# TERM, INT, HUP (`service acme abort`): nanoacme is stopped, the firewall
# rule removed, the failure event sent, exit 128+signal.
#
# For tests: NANOACME_ROOT prefixes every absolute path this script uses
# (not those acme-common passes in); NANOACME_LISTEN_HOST, if set, is the
# one address the standalone/alpn listener binds (default: all, IPv6 and
# IPv4); NANOACME_LOCK_WAIT is the pause between two tries when flock(1)
# is missing (default 10 s).

set -u
set -f # domains may be wildcards: no globbing anywhere

R=${NANOACME_ROOT:-}
NANOACME=$R/usr/bin/nanoacme
NOTIFY=$R/usr/lib/acme/notify
BRIDGE=$R/usr/lib/nanoacme/dnsapi-bridge
UHTTPD_INIT=$R/etc/init.d/uhttpd
RUN_DIR=$R/var/run/nanoacme
# shellcheck disable=SC2034 # read by functions.sh's log
LOG_TAG=acme-nanoacme
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
# main_domain as it may be logged before it is checked
safe_main=$(printf '%s' "$main_domain" | tr -c 'A-Za-z0-9.*_-' '?')

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
	log err "$safe_main: stopped by SIG$1"
	cleanup
	"$NOTIFY" "$fail_event"
	exit $((128 + $2))
}

# fail MESSAGE: report a failure that happened before or without nanoacme.
fail() {
	log err "$safe_main: $1"
	cleanup
	"$NOTIFY" "$fail_event"
	exit 1
}

# lower WORD: WORD in lower case (nanoacme names a certificate so).
lower() {
	printf '%s' "$1" | tr 'A-Z' 'a-z'
}

# is_name WORD: WORD is a DNS name nanoacme could be asked for (letters,
# digits, '-', '_', dots between labels, an optional leading "*."): no
# option, no path, nothing a shell, nft or a file name would read twice.
is_name() {
	case $1 in
	'' | -* | .* | *. | *..* | *[!A-Za-z0-9._*-]* | ?*'*'* | '*' | '*'[!.]*) return 1 ;;
	esac
	[ "${#1}" -le 253 ]
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
	local s cert key serves='' p=$CERT_DIR/$main_domain
	[ -x "$UHTTPD_INIT" ] || return 0
	for s in $(uci -q show uhttpd | sed -n 's/^uhttpd\.\([^.=]*\)=uhttpd$/\1/p'); do
		cert=$(uci -q get "uhttpd.$s.cert") || cert=
		key=$(uci -q get "uhttpd.$s.key") || key=
		case $cert in
		"$p.fullchain.crt" | "$p.crt") serves="$serves $s" ;;
		*) [ "$key" != "$p.key" ] || serves="$serves $s" ;;
		esac
	done
	if [ -n "$serves" ]; then
		log info "$main_domain: restarting uhttpd for the new certificate (uhttpd:$serves)"
		"$UHTTPD_INIT" restart
		return 0
	fi
	[ "$1" = issued ] || return 0
	[ "$(uci -q get uhttpd.main)" = uhttpd ] || return 0
	cert=$(uci -q get uhttpd.main.cert) || cert=
	key=$(uci -q get uhttpd.main.key) || key=
	case $cert in '' | /etc/uhttpd.crt) ;; *) return 0 ;; esac
	case $key in '' | /etc/uhttpd.key) ;; *) return 0 ;; esac
	log info "$main_domain: uhttpd now uses $p.fullchain.crt"
	uci set uhttpd.main.cert="$p.fullchain.crt" && uci set uhttpd.main.key="$p.key" &&
		uci commit uhttpd && "$UHTTPD_INIT" reload
}

# pending: remember to run `/etc/init.d/acme renew` once NTP has synced.
pending() {
	mkdir -p "$RUN_DIR/pending" &&
		printf '%s\n' /etc/init.d/acme renew >"$RUN_DIR/pending/acme"
}

# waited ARGS...: ARGS in the background (so that a signal is handled at
# once); status in $rc.
waited() {
	"$@" &
	child=$!
	wait "$child"
	rc=$?
	child=
}

# run_nanoacme ARGS...: nanoacme, its output in $out; status in $rc.
run_nanoacme() {
	waited "$NANOACME" "$@" >"$out" 2>&1 </dev/null
}

# lock_wait: wait until no nanoacme run holds $state_dir's lock (flock(1)
# blocks exactly as long as the holder lives), else pause LOCK_WAIT.
lock_wait() {
	if command -v flock >/dev/null 2>&1 && [ -f "$state_dir/lock" ]; then
		waited flock -x "$state_dir/lock" true </dev/null
	else
		waited sleep "$LOCK_WAIT"
	fi
}

# hint: one line saying what to do about nanoacme's status $rc.
hint() {
	case $rc in
	6) [ -z "$listener" ] ||
		echo "is another program (uhttpd?) listening on port $port? Use validation_method webroot to let uhttpd answer on port 80" ;;
	3) echo "cannot reach the CA: check DNS, the clock and the CA bundle (ca-bundle)" ;;
	5) [ -z "$port" ] ||
		echo "the CA could not reach this router on port $port of each name" ;;
	esac
}

# setting KEY: the value(s) of KEY in nanoacme's settings of MAIN.
setting() {
	sed -n "s/^$1 //p" "$src/settings" 2>/dev/null
}

# sorted_names WORDS: the names, lower case, sorted, one a line.
sorted_names() {
	# shellcheck disable=SC2086 # a space-separated list; globbing is off
	printf '%s\n' $1 | tr 'A-Z' 'a-z' | sort -u
}

# epoch TEXT: seconds since 1970 of a UTC date "YYYY-MM-DD hh:mm[:ss]" or
# RFC 3339 "YYYY-MM-DDThh:mm:ssZ" (empty if it is neither).
epoch() {
	local t=${1%Z}
	case $t in *T*) t="${t%%T*} ${t#*T}" ;; esac
	[ -n "$t" ] && date -u -d "$t" +%s 2>/dev/null
}

# cert_info [DAYS]: what nanoacme's `list` says of MAIN's certificate:
# $status (ok, due, expired, revoked, unreadable, or empty), $nb and $na
# (notBefore, notAfter in seconds; $nb empty when `list` does not tell,
# then taken from the file's date), $left (days). `list --json` where
# nanoacme has it, else the text columns NAME EXPIRES DAYS STATUS NAMES.
cert_info() {
	local line
	status=
	nb=
	na=
	left=
	# shellcheck disable=SC2086 # optional "--days N"
	line=$("$NANOACME" -C "$state_dir" ${1:+--days "$1"} list --json 2>/dev/null |
		grep -F "\"name\":\"$name\"")
	if [ -n "$line" ]; then
		status=$(printf '%s' "$line" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
		nb=$(epoch "$(printf '%s' "$line" | sed -n 's/.*"not_before":"\([^"]*\)".*/\1/p')")
		na=$(epoch "$(printf '%s' "$line" | sed -n 's/.*"not_after":"\([^"]*\)".*/\1/p')")
	else
		# shellcheck disable=SC2086 # optional "--days N"
		line=$("$NANOACME" -C "$state_dir" ${1:+--days "$1"} list 2>/dev/null |
			awk -v n="$name" '$1 == n')
		# shellcheck disable=SC2086 # fields of a list line; globbing is off
		set -- $line
		[ $# -lt 5 ] || { na=$(epoch "$2 $3"); left=$4; status=$5; }
	fi
	[ -n "$nb" ] || nb=$(date -r "$src/cert.pem" +%s 2>/dev/null)
	[ -z "$na" ] || left=$(((na - $(date +%s)) / 86400))
}

# decide: for an existing certificate, sets $changed (issue again now:
# other names, CA or profile) or $renewing (due as `nanoacme renew` sees
# it; $force too when `issue` needs --force for it: revoked, ARI), the
# reason in $why; returns 1 when it is not due. Also drops $days when it
# is not below the certificate's lifetime.
decide() {
	local life had ari_at now
	force=
	changed=
	renewing=
	why=
	now=$(date +%s)
	had=$(setting directory)
	[ -n "$had" ] || had=$LE_PROD
	if [ "$(setting name | tr 'A-Z' 'a-z' | sort -u)" != "$(sorted_names "$domains")" ]; then
		why="the names changed"
	elif [ "$had" != "$server" ]; then
		why="the CA changed ($had -> $server)"
	elif [ "$(setting profile)" != "$cert_profile" ]; then
		why="cert_profile changed ('$(setting profile)' -> '$cert_profile')"
	fi
	[ -z "$why" ] || changed=1
	if [ -z "$why" ] && [ -e "$src/revoked" ]; then
		why="it was revoked"
	fi
	# one `list` with the days in force; again without them only when
	# they are dropped
	cert_info "$days"
	if [ -n "$days" ] && [ -n "$nb" ] && [ -n "$na" ]; then
		life=$(((na - nb + 43200) / 86400))
		if [ "$days" -ge "$life" ]; then
			log warn "$main_domain: days $days is not below the certificate's lifetime of $life days; ignored (renewing at nanoacme's default, a third of the lifetime left)"
			days=
			cert_info
		fi
	fi
	if [ -n "$why" ]; then
		force=1
		[ -n "$changed" ] || renewing=1
		return 0
	fi
	ari_at=$(sed -n 's/^at //p' "$src/ari" 2>/dev/null)
	case $ari_at in '' | *[!0-9]*) ari_at= ;; esac
	if [ -z "$days" ] && [ -n "$ari_at" ] && [ "$ari_at" -gt 0 ] && [ "$ari_at" -le "$now" ]; then
		why="the CA's renewal window (ARI) has opened"
		force=1
		renewing=1
		return 0
	fi
	case $status in
	ok) return 1 ;;
	expired) why="it has expired" ;;
	*) why="it is due (${left:-?} days left)" ;;
	esac
	renewing=1
}

# renews_names: nanoacme has `renew NAME...` (its --help says so).
renews_names() {
	"$NANOACME" --help 2>&1 | grep -q 'renew \[NAME'
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
safe_main=$(printf '%s' "$main_domain" | tr -c 'A-Za-z0-9.*_-' '?')
is_name "$main_domain" || fail "main domain '$safe_main' is not a DNS name"
case $domains in
*[!A-Za-z0-9._*\ -]*) fail "domains '$(printf '%s' "$domains" | tr -c 'A-Za-z0-9.*_ -' '?')' holds more than DNS names and spaces" ;;
esac
for d in $domains; do
	is_name "$d" || fail "domain '$d' is not a DNS name"
done
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
case $days in
'' | *[!0-9]*) [ -z "$days" ] || fail "days '$days' is not a number of days" ;;
esac

LE_PROD=https://acme-v02.api.letsencrypt.org/directory
LE_STAGING=https://acme-staging-v02.api.letsencrypt.org/directory
server=
case $acme_server in
'' | letsencrypt)
	server=$LE_PROD
	[ "$staging" != 1 ] || server=$LE_STAGING
	;;
letsencrypt_test) server=$LE_STAGING ;;
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

# listen_port reaches nft's command line (add_nft_rule): digits only
case ${listen_port:-} in
'' | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-5][0-9][0-9][0-9][0-9] | 6[0-4][0-9][0-9][0-9] | 65[0-4][0-9][0-9] | 655[0-2][0-9] | 6553[0-5]) ;;
*) fail "listen_port '$listen_port' is not a port number (1-65535)" ;;
esac
port=
listener=
case $validation_method in
standalone) port=${listen_port:-80} listener=--listen ;;
alpn) port=${listen_port:-443} listener=--alpn ;;
webroot) port=$listen_port ;;
dns) [ -n "$dns" ] || fail "validation_method dns needs option dns, an acme.sh dnsapi name such as dns_cf" ;;
dns-persist) ;;
*) fail "validation_method '$validation_method' is not one of webroot, standalone, alpn, dns, dns-persist" ;;
esac

force=
changed=
renewing=
why="there is none yet"
if [ -f "$src/cert.pem" ] && ! decide; then
	# Not due. Publish again only if $CERT_DIR lost or changed the files.
	log debug "$main_domain: not due"
	if ! published; then
		publish || fail "could not write the certificate to $CERT_DIR"
		"$NOTIFY" "$ok_event"
		uhttpd_pickup "$ok_event"
	fi
	exit 0
fi

set -- -C "$state_dir" -y --syslog -D "$server"
[ -z "$account_email" ] || set -- "$@" -e "$account_email"
[ -z "$days" ] || set -- "$@" --days "$days"
[ -z "$cert_profile" ] || set -- "$@" --profile "$cert_profile"
if [ -n "$eab_kid" ] && [ -n "$eab_hmac_key" ]; then
	set -- "$@" --eab-kid "$eab_kid" --eab-hmac "$eab_hmac_key"
fi
[ "$debug" != 1 ] || set -- "$@" -v
# A renewal goes through `nanoacme renew MAIN` where nanoacme has it: its
# own decision (revoked, ARI asked again, dates), the new order marked as
# replacing the old certificate (RFC 9773 §5); else `issue` (--force
# where nanoacme's `issue` would not see the reason).
verb=issue
if [ -n "$renewing" ] && renews_names; then
	verb=renew
	set -- "$@" --jitter 0
elif [ -n "$force" ]; then
	set -- "$@" --force
fi

case $validation_method in
standalone | alpn) set -- "$@" "$listener" "$LISTEN_HOST:$port" ;;
webroot)
	mkdir -p "$CHALLENGE_DIR" || fail "cannot create $CHALLENGE_DIR"
	set -- "$@" --webroot "$CHALLENGE_DIR"
	;;
dns)
	export dns dns_wait calias dalias state_dir debug
	set -- "$@" --hook "$BRIDGE"
	;;
dns-persist) set -- "$@" --dns-persist ;;
esac
if [ "$verb" = renew ]; then
	set -- "$@" renew "$name"
else
	# shellcheck disable=SC2086 # a space-separated list; globbing is off
	set -- "$@" issue -- $domains
fi

{ mkdir -p "$RUN_DIR" && chmod 700 "$RUN_DIR"; } || fail "cannot create $RUN_DIR"
out=$RUN_DIR/$main_domain.log

log info "$main_domain: $verb: $why"
"$NOTIFY" prepare
if [ -n "$port" ] && ! add_nft_rule "$main_domain" "$port" >/dev/null; then
	log warn "$main_domain: could not open port $port in the firewall; trying anyway"
fi

# the log shows the arguments, not the EAB key
shown=$(printf '%s ' "$@" | sed 's/--eab-hmac [^ ]*/--eab-hmac ***/')
log info "$main_domain: nanoacme $shown"
while :; do
	run_nanoacme "$@"
	[ "$rc" = 8 ] || break
	log info "$main_domain: another nanoacme run holds $state_dir; waiting for it to finish"
	lock_wait
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
	# nanoacme found it not due after all (its own dates): as above.
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
if [ "$validation_method" = dns-persist ] && [ "$rc" = 5 ]; then
	grep -o '_validation-persist\.[^ ]* TXT ".*"' "$out" 2>/dev/null | while IFS= read -r l; do
		log err "$main_domain: create this DNS record once, then run again: $l"
	done
fi
msg=$(tail -n 1 "$out" 2>/dev/null)
log err "$main_domain: nanoacme failed (exit $rc): $msg"
h=$(hint)
[ -z "$h" ] || log err "$main_domain: $h"
"$NOTIFY" "$fail_event"
exit "$rc"
