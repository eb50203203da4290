#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/dnsapi.sh: acme.sh's real dnsapi scripts through nanoacme's OpenWrt
# dnsapi bridge (openwrt/nanoacme/files/dnsapi-bridge.sh and
# dnsapi-helpers.sh), under busybox ash, without acme.sh.
#
# Usage:
#   bench/dnsapi.sh scan [DIR]
#       every DIR/dns_*.sh (default: /usr/lib/acme/client/dnsapi, else
#       ~/.acme.sh/dnsapi): parses under busybox ash, loads next to the
#       helpers, defines dns_NAME_add and dns_NAME_rm, and which functions
#       it calls that neither it nor the helpers define (what it would
#       need from acme.sh). One line a script, then a summary.
#   bench/dnsapi.sh nsupdate [DIR]
#       DIR/dns_nsupdate.sh against a throwaway knot on 127.0.0.1 (needs
#       knot, bind9-dnsutils): add, check with dig, remove, check.
#   bench/dnsapi.sh live DNSAPI IDENT [DIR]
#       the provider script DNSAPI (e.g. dns_cf) for real, with the
#       credentials in the environment as acme.sh reads them (CF_Token=...):
#       adds a TXT record at _acme-challenge.IDENT with a random value,
#       asks 1.1.1.1 for it (when dig is installed) until it is seen or
#       BENCH_WAIT seconds (default 120) passed, removes it. Settings the
#       script saves go to a temporary directory.
# A benchmark, not a test: it exits non-zero only when a step fails or a
# tool is missing. Nothing here runs in `make check` (tests/openwrt.sh
# runs provider scripts of our own written like acme.sh's).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
files=$repo/openwrt/nanoacme/files
BUSYBOX=${BUSYBOX:-busybox}
KNOT_PORT=${BENCH_KNOT_PORT:-13463}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-dnsapi-bench.XXXXXX") || exit 1
KNOT_PID=
trap '[ -z "$KNOT_PID" ] || kill "$KNOT_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

die() {
	echo "bench/dnsapi.sh: $*" >&2
	exit 1
}

command -v "$BUSYBOX" >/dev/null || die "$BUSYBOX not found (Debian: busybox-static)"

# default_dir: where acme.sh's dnsapi scripts are on this machine.
default_dir() {
	local d
	for d in /usr/lib/acme/client/dnsapi "$HOME/.acme.sh/dnsapi"; do
		[ -d "$d" ] && { echo "$d"; return 0; }
	done
	return 1
}

# root DIR: a fake root under $TMP with the bridge, the helpers and DIR's
# scripts where OpenWrt puts them; prints its path.
root() {
	local r=$TMP/root
	mkdir -p "$r/usr/lib/nanoacme" "$r/usr/lib/acme/client" || return 1
	ln -sfn "$1" "$r/usr/lib/acme/client/dnsapi"
	cp "$files/dnsapi-helpers.sh" "$r/usr/lib/nanoacme/" &&
		cp "$files/dnsapi-bridge.sh" "$r/usr/lib/nanoacme/dnsapi-bridge" || return 1
	echo "$r"
}

# bridge ROOT STEP IDENT AUTH [VAR=value...]: the bridge as nanoacme runs it.
bridge() {
	local r=$1 step=$2 ident=$3 auth=$4
	shift 4
	env "NANOACME_ROOT=$r" "state_dir=$TMP/state" dns_wait=0 "$@" \
		"$BUSYBOX" ash "$r/usr/lib/nanoacme/dnsapi-bridge" "$step" dns-01 "$ident" tok "$auth"
}

cmd_scan() {
	local dir=$1 f name out defined calls missing n=0 ok=0 bad=0 needs=0
	defined=$(sed -n 's/^\(_[A-Za-z0-9_]*\)() *{.*/\1/p' "$files/dnsapi-helpers.sh" | sort -u)
	for f in "$dir"/dns_*.sh; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		name=$(basename "$f" .sh)
		if ! out=$("$BUSYBOX" ash -n "$f" 2>&1); then
			printf '%-28s PARSE  %s\n' "$name" "$(head -n 1 <<<"$out")"
			bad=$((bad + 1))
			continue
		fi
		out=$(env -i PATH="$PATH" LOG_TAG=bench debug=0 NA_CONF_DIR="$TMP/conf" "$BUSYBOX" ash -c '
			. "$1" && . "$2" || exit 3
			command -v "$3_add" >/dev/null && command -v "$3_rm" >/dev/null || exit 4
			_na_helpers_cleanup' sh "$files/dnsapi-helpers.sh" "$f" "$name" 2>&1)
		case $? in
		0) ;;
		3) printf '%-28s LOAD   %s\n' "$name" "$(tail -n 1 <<<"$out")"; bad=$((bad + 1)); continue ;;
		*) printf '%-28s NOFUNC %s_add/%s_rm not defined\n' "$name" "$name" "$name"; bad=$((bad + 1)); continue ;;
		esac
		# functions called (command position) and defined nowhere
		calls=$(grep -v '^ *#' "$f" | sed -E 's/\$\{?[A-Za-z_][A-Za-z0-9_]*//g' |
			grep -Eo '(^|[;&|(!]|\{ |\$\(|\<(then|do|else|if|while|until)) *_[a-z][A-Za-z0-9_]*([^A-Za-z0-9_=]|$)' |
			grep -Eo '_[a-z][A-Za-z0-9_]*' | sort -u)
		missing=
		for c in $calls; do
			grep -q "^$c *()" "$f" && continue
			grep -qx -- "$c" <<<"$defined" && continue
			missing="$missing $c"
		done
		if [ -n "$missing" ]; then
			printf '%-28s NEEDS %s\n' "$name" "$missing"
			needs=$((needs + 1))
		else
			printf '%-28s ok\n' "$name"
			ok=$((ok + 1))
		fi
	done
	[ "$n" -gt 0 ] || die "no dns_*.sh in $dir"
	echo "$n scripts: $ok ok, $needs call functions the helpers lack, $bad do not load"
}

cmd_nsupdate() {
	local dir=$1 d=$TMP/knot secret r auth i=0 got
	for t in knotd nsupdate dig; do command -v "$t" >/dev/null || die "$t not found (Debian: knot, bind9-dnsutils)"; done
	[ -f "$dir/dns_nsupdate.sh" ] || die "no $dir/dns_nsupdate.sh"
	mkdir -p "$d/run" "$d/db" "$d/zones"
	secret=$(head -c 32 /dev/urandom | base64)
	printf '%s\n' 'server:' "    rundir: \"$d/run\"" "    listen: 127.0.0.1@$KNOT_PORT" \
		'database:' "    storage: \"$d/db\"" 'control:' "    listen: \"$d/run/knot.sock\"" \
		'key:' '  - id: upd' '    algorithm: hmac-sha256' "    secret: $secret" \
		'acl:' '  - id: upd' '    key: upd' '    action: update' \
		'template:' '  - id: default' "    storage: \"$d/zones\"" '    zonefile-sync: -1' \
		'zone:' '  - domain: bench.test' '    file: "bench.test.zone"' '    acl: upd' >"$d/knot.conf"
	printf '%s\n' '$TTL 60' '@ SOA ns.bench.test. admin.bench.test. 1 3600 600 86400 60' \
		'@ NS ns.bench.test.' 'ns A 127.0.0.1' >"$d/zones/bench.test.zone"
	printf 'key "upd" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$d/upd.key"
	knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 &
	KNOT_PID=$!
	until dig +short +time=1 +tries=1 -p "$KNOT_PORT" @127.0.0.1 SOA bench.test | grep -q ns.bench.test; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "knotd did not start: $(tail -n 2 "$d/knot.log")"
		sleep 0.1
	done
	r=$(root "$dir") || exit 1
	auth=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	set -- dns=dns_nsupdate NSUPDATE_SERVER=127.0.0.1 "NSUPDATE_SERVER_PORT=$KNOT_PORT" \
		"NSUPDATE_KEY=$d/upd.key" NSUPDATE_ZONE=bench.test
	bridge "$r" begin www.bench.test "$auth" "$@" || die "dns_nsupdate_add failed"
	got=$(dig +short -p "$KNOT_PORT" @127.0.0.1 TXT _acme-challenge.www.bench.test)
	[ "$got" = "\"$auth\"" ] || die "after add, knot serves '$got'"
	echo "dns_nsupdate_add: ok ($got)"
	bridge "$r" "done" www.bench.test "$auth" dns=dns_nsupdate || die "dns_nsupdate_rm failed"
	got=$(dig +short -p "$KNOT_PORT" @127.0.0.1 TXT _acme-challenge.www.bench.test)
	[ -z "$got" ] || die "after rm, knot still serves '$got'"
	echo "dns_nsupdate_rm: ok (settings saved and reused: $(grep -c '^SAVED_' "$TMP/state/dnsapi/account.conf"))"
}

cmd_live() {
	local api=$1 ident=$2 dir=$3 r auth t0 seen=no
	r=$(root "$dir") || exit 1
	auth=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	t0=$(date +%s)
	bridge "$r" begin "$ident" "$auth" "dns=$api" || die "${api}_add failed"
	echo "${api}_add: ok in $(($(date +%s) - t0)) s"
	if command -v dig >/dev/null; then
		while [ $(($(date +%s) - t0)) -lt "${BENCH_WAIT:-120}" ]; do
			if dig +short @1.1.1.1 TXT "_acme-challenge.$ident" | grep -qF "\"$auth\""; then
				seen=yes
				break
			fi
			sleep 5
		done
		echo "seen by 1.1.1.1: $seen after $(($(date +%s) - t0)) s"
	fi
	bridge "$r" "done" "$ident" "$auth" "dns=$api" || die "${api}_rm failed"
	echo "${api}_rm: ok"
}

case ${1:-} in
scan) cmd_scan "${2:-$(default_dir)}" ;;
nsupdate) cmd_nsupdate "${2:-$(default_dir)}" ;;
live)
	[ $# -ge 3 ] || die "usage: $0 live DNSAPI IDENT [DIR]"
	cmd_live "$2" "$3" "${4:-$(default_dir)}"
	;;
*)
	echo "usage: $0 scan [DIR] | nsupdate [DIR] | live DNSAPI IDENT [DIR]" >&2
	exit 2
	;;
esac
