#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare.sh: nanoacme next to uacme, lego and certbot, on one local Pebble.
#
# Usage: bench/compare.sh            (as root on Debian: installs what it misses)
# Environment:
#   BENCH_RUNS=5      timed issuances per client and scenario (the median is shown)
#   BENCH_CLIENTS     default "nanoacme nanoacme+bundle uacme lego certbot"
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
# A benchmark, not a test: it asserts nothing about the numbers, and exits
# non-zero only when a client fails to get a certificate or a tool is missing.
# Progress goes to stderr; the result is one markdown table on stdout.
#
# Every run gets a fresh Pebble (tests/pebble-env.sh: PEBBLE_VA_NOSLEEP=1,
# plus PEBBLE_WFE_NONCEREJECT=0 so that no injected badNonce makes request
# counts differ by chance) and a fresh, empty client state directory: each
# run registers a new account and gets one certificate, for one name
# (b.bench.test) or three (b., www.b., api.b.bench.test, prefixed per run).
# Every client trusts Pebble's throwaway CA only, talks to
# https://localhost:PEBBLE_PORT, uses an EC P-256 key, and answers http-01
# on 127.0.0.1:PEBBLE_HTTP_PORT, where Pebble's validator connects:
#   nanoacme  -c CA -l 127.0.0.1:PORT (the static musl build/x86_64/nanoacme)
#   nanoacme+bundle  the same with -c /etc/ssl/certs/ca-certificates.crt plus
#             Pebble's CA: the cost of loading a full system trust store
#   uacme     has no CA option (libcurl-gnutls reads the system bundle), so it
#             runs in a private mount namespace (unshare -m) where Pebble's CA
#             is bind-mounted over /etc/ssl/certs/ca-certificates.crt;
#             "uacme new" then "uacme issue" with a hook that writes the token
#             to a webroot that python3 -m http.server (started before the
#             timing, not counted) serves on 127.0.0.1:PORT
#   lego      LEGO_CA_CERTIFICATES=CA --http --http.port 127.0.0.1:PORT
#   certbot   REQUESTS_CA_BUNDLE=CA certonly --standalone --http-01-address
#             127.0.0.1 --http-01-port PORT --key-type ecdsa
#
# Columns (median of BENCH_RUNS timed runs, ratio to nanoacme in brackets):
#   binary    the program's executable (certbot: the python3 interpreter)
#   + loaded  the executable plus every shared library and Python module it
#             loads during a run (execve and openat of *.so*, *.py, *.pyc,
#             from strace in one extra, untimed run)
#   wall, CPU (user+sys), peak RSS: bench/measure.py around the client:
#             CPU of the client and its child processes (uacme's hook
#             shells), peak RSS = the largest VmHWM among them (GNU time's
#             %M has a floor of its own ~0.45 MiB: see measure.py)
#   requests  HTTP requests Pebble logged during the run ("METHOD PATH ->
#             calling handler()" lines of pebble.log)
#   TLS       TLS handshakes with the ACME server = TCP connections the client
#             opened to 127.0.0.1:PEBBLE_PORT, counted as connect() calls in
#             the strace run (each such connection carries one handshake)
#   instr.    instructions of one run under valgrind --tool=callgrind
#             (nanoacme only)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 1

BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_CLIENTS=${BENCH_CLIENTS:-nanoacme nanoacme+bundle uacme lego certbot}
SYS_BUNDLE=/etc/ssl/certs/ca-certificates.crt

tests/deps.sh bench || exit 1
make -s static ARCH=x86_64 >&2 || exit 1

# shellcheck source=tests/pebble-env.sh
. "$root/tests/pebble-env.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-bench.XXXXXX") || exit 1
# A copy: a rebuild during the run must not change the binary under test.
NA=$W/bin/nanoacme
mkdir -p "$W/bin" && cp build/x86_64/nanoacme "$NA" || exit 1
WEB_PID=
cleanup() {
	web_stop
	pebble_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() {
	echo "bench: $*" >&2
}

# web_start DIR: python3's http.server for uacme's webroot on the http-01 port.
web_start() {
	local i=0
	python3 -m http.server --bind 127.0.0.1 --directory "$1" \
		"$PEBBLE_HTTP_PORT" >"$W/web.log" 2>&1 </dev/null &
	WEB_PID=$!
	while ! pebble_port_busy "$PEBBLE_HTTP_PORT"; do
		i=$((i + 1))
		if [ "$i" -gt 100 ] || ! kill -0 "$WEB_PID" 2>/dev/null; then
			log "python3 -m http.server did not start"
			return 1
		fi
		sleep 0.05
	done
}

web_stop() {
	if [ -n "$WEB_PID" ]; then
		pebble_kill "$WEB_PID"
	fi
	WEB_PID=
}

# names N PREFIX: the names of one run, one per line.
names() {
	echo "$2.b.bench.test"
	if [ "$1" -eq 3 ]; then
		echo "www.$2.b.bench.test"
		echo "api.$2.b.bench.test"
	fi
}

# The uacme hook (uacme.sh-style arguments: METHOD TYPE IDENT TOKEN AUTH):
# takes http-01 only, writes the key authorization into $WEBROOT.
write_uacme_hook() {
	cat >"$1" <<-'EOF'
		#!/bin/sh
		[ "$2" = http-01 ] || exit 1
		f=$WEBROOT/.well-known/acme-challenge/$4
		case $1 in
		begin) printf '%s' "$5" >"$f" ;;
		*) rm -f "$f" ;;
		esac
	EOF
	chmod +x "$1"
}

# run_client CLIENT N PREFIX ST WRAP...: one issuance of CLIENT for N names
# in the fresh state directory ST, the client's command put after the WRAP
# words (measure.py, strace or valgrind). Output goes to ST/out.
run_client() {
	local client=$1 n=$2 prefix=$3 st=$4 d
	shift 4
	local -a wrap=("$@") dom=()
	local -a nm
	mapfile -t nm < <(names "$n" "$prefix")
	mkdir -p "$st"
	case $client in
	nanoacme | nanoacme+bundle)
		local ca=$PEBBLE_CA_FILE
		if [ "$client" = nanoacme+bundle ]; then
			cat "$SYS_BUNDLE" "$PEBBLE_CA_FILE" >"$st/bundle.pem"
			ca=$st/bundle.pem
		fi
		"${wrap[@]}" "$NA" -D "$PEBBLE_DIR_URL" -c "$ca" -C "$st/state" \
			-l "127.0.0.1:$PEBBLE_HTTP_PORT" -y issue "${nm[@]}" \
			>"$st/out" 2>&1
		;;
	uacme)
		mkdir -p "$st/www/.well-known/acme-challenge" "$st/conf"
		write_uacme_hook "$st/hook.sh"
		web_start "$st/www" || return 1
		# The wrapper words run inside the namespace, around uacme only;
		# the single-quoted scripts expand their own arguments.
		# shellcheck disable=SC2016
		WEBROOT=$st/www unshare -m sh -c '
			mount --bind "$1" "$2" || exit 99
			shift 2
			exec "$@"' sh "$PEBBLE_CA_FILE" "$SYS_BUNDLE" \
			"${wrap[@]}" sh -c '
			st=$1 url=$2
			shift 2
			uacme -v -c "$st/conf" -a "$url" -y -t EC new &&
			uacme -v -c "$st/conf" -a "$url" -y -t EC -h "$st/hook.sh" \
				issue "$@"' sh "$st" "$PEBBLE_DIR_URL" "${nm[@]}" \
			>"$st/out" 2>&1
		local rc=$?
		web_stop
		return "$rc"
		;;
	lego)
		for d in "${nm[@]}"; do
			dom+=(--domains "$d")
		done
		LEGO_CA_CERTIFICATES=$PEBBLE_CA_FILE "${wrap[@]}" lego \
			--server "$PEBBLE_DIR_URL" --accept-tos --email bench@example.com \
			--path "$st/lego" --key-type ec256 \
			--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT" "${dom[@]}" run \
			>"$st/out" 2>&1
		;;
	certbot)
		for d in "${nm[@]}"; do
			dom+=(-d "$d")
		done
		REQUESTS_CA_BUNDLE=$PEBBLE_CA_FILE "${wrap[@]}" certbot certonly \
			--standalone --non-interactive --agree-tos \
			--register-unsafely-without-email --server "$PEBBLE_DIR_URL" \
			--http-01-address 127.0.0.1 --http-01-port "$PEBBLE_HTTP_PORT" \
			--key-type ecdsa --config-dir "$st/conf" --work-dir "$st/work" \
			--logs-dir "$st/logs" "${dom[@]}" >"$st/out" 2>&1
		;;
	*)
		log "unknown client $client"
		return 1
		;;
	esac
}

# requests: the number of requests Pebble has logged so far.
requests() {
	grep -cE '^Pebble .* (GET|HEAD|POST) [^ ]+ -> calling handler\(\)$' \
		"$PEBBLE_WORK/pebble.log"
}

# one CLIENT N KIND I: start a fresh Pebble, run the client once (KIND:
# time, strace or callgrind), append its numbers to $W/results.
one() {
	local client=$1 n=$2 kind=$3 i=$4 st r0 r1 rc
	st=$W/run/$client.$n.$kind.$i
	pebble_start PEBBLE_WFE_NONCEREJECT=0 >"$W/pebble-start.log" 2>&1 || {
		cat "$W/pebble-start.log" >&2
		return 1
	}
	r0=$(requests)
	case $kind in
	time)
		run_client "$client" "$n" "r$i" "$st" \
			python3 "$here/measure.py" "$W/time.$$"
		rc=$?
		;;
	strace)
		run_client "$client" "$n" "s$i" "$st" \
			strace -f -qq -e trace=execve,openat,connect -o "$st.strace"
		rc=$?
		;;
	callgrind)
		run_client "$client" "$n" "v$i" "$st" valgrind -q --tool=callgrind \
			--callgrind-out-file="$st.callgrind"
		rc=$?
		;;
	esac
	r1=$(requests)
	pebble_stop
	if [ "$rc" -ne 0 ]; then
		log "$client ($n names, $kind) failed with exit $rc:"
		tail -n 20 "$st/out" >&2
		return 1
	fi
	case $kind in
	time)
		echo "$client $n time $(cat "$W/time.$$") $((r1 - r0))" >>"$W/results"
		;;
	strace)
		echo "$client $n strace $(python3 "$here/strace_sum.py" \
			"$st.strace" "$PEBBLE_PORT" "${client%%+*}")" >>"$W/results"
		;;
	callgrind)
		echo "$client $n callgrind $(sed -n 's/^summary: *//p' \
			"$st.callgrind")" >>"$W/results"
		;;
	esac
	rm -rf "$st"
}

: >"$W/results"
for n in 1 3; do
	for client in $BENCH_CLIENTS; do
		log "$client, $n name(s): $BENCH_RUNS timed runs, strace$(
			case $client in nanoacme*) echo ", callgrind" ;; esac)"
		for i in $(seq "$BENCH_RUNS"); do
			one "$client" "$n" time "$i" || exit 1
		done
		one "$client" "$n" strace 0 || exit 1
		case $client in
		nanoacme*) one "$client" "$n" callgrind 0 || exit 1 ;;
		esac
	done
done

python3 "$here/table.py" "$W/results" "$NA" "$BENCH_RUNS"
