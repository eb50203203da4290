#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare.sh: nanoacme next to uacme, lego, certbot, dehydrated and
# acme-tiny, on one local Pebble.
#
# Usage: bench/compare.sh            (as root on Debian: installs what it misses)
# Environment:
#   BENCH_RUNS=5      timed issuances per client and scenario (the median is shown)
#   BENCH_CLIENTS     default "nanoacme nanoacme+bundle uacme lego certbot
#                     dehydrated acme-tiny"
#   PEBBLE_BIN, CHALLTESTSRV_BIN, PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see
#                     tests/pebble-env.sh (default: Debian testing's Pebble
#                     2.10 in build/pebble-2.10, which tests/deps.sh unpacks)
# A benchmark, not a test: it asserts nothing about the numbers, and exits
# non-zero only when a client fails to get a certificate or a tool is missing.
# stdout is the result alone: a header line, one markdown table, a note.
# Progress, apt's and make's output go to stderr.
#
# Every run gets a fresh Pebble (tests/pebble-env.sh: PEBBLE_VA_NOSLEEP=1,
# plus PEBBLE_WFE_NONCEREJECT=0 so that no injected badNonce makes request
# counts differ by chance) and a fresh, empty client state directory: each
# run registers a new account and gets one certificate, for one name
# (b.bench.test) or three (b., www.b., api.b.bench.test, prefixed per run).
# Pebble's throwaway CA and listener certificate are made once and reused
# by every start (PEBBLE_REUSE_CERTS), so the bundle below is the same
# file all along. Orders ask for no profile, so Pebble 2.10 gives each a
# random one of its two (90 or 6 days): that changes the certificate's
# lifetime only, and no lifetime is measured here.
# Every client trusts Pebble's throwaway CA only, talks to
# https://localhost:PEBBLE_PORT, uses an EC P-256 certificate key, and
# answers http-01 on 127.0.0.1:PEBBLE_HTTP_PORT, where Pebble's validator
# connects:
#   nanoacme  -c CA -l 127.0.0.1:PORT (the static musl build/x86_64/nanoacme,
#             made by `make static ARCH=x86_64` only if it is missing)
#   nanoacme+bundle  the same with -c /etc/ssl/certs/ca-certificates.crt plus
#             Pebble's CA: the cost of trusting a full system trust store.
#             nanoacme keeps the decoded anchors of a bundle in STATE/anchors
#             (tacache.c): one untimed run (under callgrind: the "first run"
#             of the note) decodes the bundle and writes that cache; every
#             measured run starts from an empty state directory holding only
#             a copy of STATE/anchors, as a router's second and later runs
#             do, and fails the benchmark if it decoded the bundle again
#   uacme     has no CA option (libcurl-gnutls reads the system bundle), so it
#             runs in a private mount namespace (unshare -m) where Pebble's CA
#             is bind-mounted over /etc/ssl/certs/ca-certificates.crt;
#             "uacme new" then "uacme issue" with a hook that writes the token
#             to a webroot that python3 -m http.server (started before the
#             timing, not counted) serves on 127.0.0.1:PORT. Against
#             Pebble 2.10 some runs fail by chance (known_failure below):
#             they are run again, and the note under the table counts them
#   lego      LEGO_CA_CERTIFICATES=CA --http --http.port 127.0.0.1:PORT
#   certbot   REQUESTS_CA_BUNDLE=CA certonly --standalone --http-01-address
#             127.0.0.1 --http-01-port PORT --key-type ecdsa
#   dehydrated  -f CONFIG -c --accept-terms -d NAME...; CONFIG sets CA (the
#             directory URL), CURL_OPTS="--cacert CA" (it runs curl for every
#             request), BASEDIR (the state directory), KEY_ALGO=prime256v1,
#             KEYSIZE=2048 (its account key is always RSA: 0.7.0 has no
#             other kind; 2048 bits instead of its default 4096) and
#             WELLKNOWN, a webroot served as uacme's; it makes its account
#             key, certificate key and CSR with openssl within the run
#   acme-tiny --account-key KEY --csr CSR --acme-dir DIR --directory-url URL
#             --disable-check, SSL_CERT_FILE=CA (Python's ssl reads it);
#             it takes an existing RSA account key (RSA only) and CSR: both
#             are made with openssl before the timing (RSA 2048, and a
#             P-256 key with the names), not counted; DIR is a webroot
#             served as uacme's. --disable-check: its self-check would GET
#             http://NAME/ through the system resolver, which does not know
#             the test names (Pebble's validator asks pebble-challtestsrv)
#
# Columns (median of BENCH_RUNS timed runs, ratio to nanoacme in brackets):
#   binary    the program's executable (a script's: its interpreter,
#             python3 for certbot and acme-tiny, bash for dehydrated)
#   + loaded  every file the run executes (curl, openssl, the shell's
#             tools) plus every shared library and Python module it loads
#             (execve and openat of *.so*, *.py, *.pyc, from strace in one
#             extra, untimed run)
#   wall, CPU (user+sys), peak RSS: bench/measure.py around the client:
#             CPU of the client and its child processes (uacme's hook
#             shells, dehydrated's curl and openssl, acme-tiny's openssl),
#             peak RSS = the largest VmHWM among them, one process (GNU
#             time's %M has a floor of its own ~0.45 MiB: see measure.py)
#   requests  HTTP requests Pebble logged during the run ("METHOD PATH ->
#             calling handler()" lines of pebble.log)
#   TLS       TLS handshakes with the ACME server = TCP connections the client
#             opened to 127.0.0.1:PEBBLE_PORT, counted as connect() calls in
#             the strace run (each such connection carries one handshake)
#   instr.    instructions of one run under valgrind --tool=callgrind
#             (nanoacme only): the process and its forked challenge
#             responder, summed. These runs are made as user nobody: as
#             root, the responder chroots into an empty directory, where
#             valgrind cannot write the child's profile (not root, it
#             skips only its chroot and uid change: a few system calls)
set -u
# Debian's PATH: the clients' shell tools (dehydrated runs hundreds) found
# where a Debian server has them, whatever the caller's PATH holds.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# No trust or Python settings of the caller's: each client gets Pebble's CA
# its own way (below), as it would on a Debian server.
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE \
	LEGO_CA_CERTIFICATES PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 1

BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_CLIENTS=${BENCH_CLIENTS:-nanoacme nanoacme+bundle uacme lego certbot dehydrated acme-tiny}
SYS_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# apt-get writes its progress to stdout: stdout is the table's alone.
tests/deps.sh bench >&2 || exit 1
if [ ! -x build/x86_64/nanoacme ]; then
	make -s static ARCH=x86_64 >&2 || exit 1
fi

# shellcheck source=tests/pebble-env.sh
. "$root/tests/pebble-env.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-bench.XXXXXX") || exit 1
# Nothing secret in it; the callgrind runs (as nobody) read the CA files.
chmod 755 "$W" || exit 1
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

# Pebble's CA and listener certificate, made by one start and reused by
# every later one: the bundle of nanoacme+bundle, and so its anchor cache,
# stay the same file from run to run.
pebble_start >"$W/pebble-start.log" 2>&1 || {
	cat "$W/pebble-start.log" >&2
	exit 1
}
mkdir -p "$W/certs" &&
	cp "$PEBBLE_WORK/ca.pem" "$PEBBLE_WORK/listener.pem" \
		"$PEBBLE_WORK/listener.key" "$W/certs/" || exit 1
pebble_stop
PEBBLE_REUSE_CERTS=$W/certs
CA=$W/certs/ca.pem
cat "$SYS_BUNDLE" "$CA" >"$W/bundle.pem" || exit 1
mkdir -p "$W/anchors"

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
	nanoacme)
		[ -z "${RUN_AS:-}" ] || chown "$RUN_AS" "$st" || return 1
		"${wrap[@]}" "$NA" -D "$PEBBLE_DIR_URL" -c "$CA" -C "$st/state" \
			-l "127.0.0.1:$PEBBLE_HTTP_PORT" -y issue "${nm[@]}" \
			>"$st/out" 2>&1
		;;
	nanoacme+bundle)
		# The anchor cache of earlier runs (none before the first), and
		# a mark older than anything this run writes.
		mkdir -m 700 "$st/state" && cp -pR "$W/anchors" "$st/state/" &&
			touch "$st/start" || return 1
		[ -z "${RUN_AS:-}" ] || chown -R "$RUN_AS" "$st" || return 1
		"${wrap[@]}" "$NA" -D "$PEBBLE_DIR_URL" -c "$W/bundle.pem" \
			-C "$st/state" -l "127.0.0.1:$PEBBLE_HTTP_PORT" -y \
			issue "${nm[@]}" >"$st/out" 2>&1 || return 1
		if [ -z "$(ls -A "$W/anchors")" ]; then
			cp -p "$st/state/anchors/"* "$W/anchors/" || return 1
		elif [ -n "$(find "$st/state/anchors" -newer "$st/start")" ]; then
			log "nanoacme+bundle decoded the bundle again: cache not used"
			return 1
		fi
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
			exec "$@"' sh "$CA" "$SYS_BUNDLE" \
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
		LEGO_CA_CERTIFICATES=$CA "${wrap[@]}" lego \
			--server "$PEBBLE_DIR_URL" --accept-tos --email bench@example.com \
			--path "$st/lego" --key-type ec256 \
			--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT" "${dom[@]}" run \
			>"$st/out" 2>&1
		;;
	certbot)
		for d in "${nm[@]}"; do
			dom+=(-d "$d")
		done
		REQUESTS_CA_BUNDLE=$CA "${wrap[@]}" certbot certonly \
			--standalone --non-interactive --agree-tos \
			--register-unsafely-without-email --server "$PEBBLE_DIR_URL" \
			--http-01-address 127.0.0.1 --http-01-port "$PEBBLE_HTTP_PORT" \
			--key-type ecdsa --config-dir "$st/conf" --work-dir "$st/work" \
			--logs-dir "$st/logs" "${dom[@]}" >"$st/out" 2>&1
		;;
	dehydrated)
		mkdir -p "$st/www/.well-known/acme-challenge" "$st/dh"
		cat >"$st/config" <<-EOF
			CA="$PEBBLE_DIR_URL"
			CURL_OPTS="--cacert $CA"
			BASEDIR="$st/dh"
			WELLKNOWN="$st/www/.well-known/acme-challenge"
			CHALLENGETYPE=http-01
			KEY_ALGO=prime256v1
			KEYSIZE=2048
		EOF
		for d in "${nm[@]}"; do
			dom+=(-d "$d")
		done
		web_start "$st/www" || return 1
		"${wrap[@]}" dehydrated -f "$st/config" -c --accept-terms \
			"${dom[@]}" >"$st/out" 2>&1
		local rc=$?
		web_stop
		return "$rc"
		;;
	acme-tiny)
		mkdir -p "$st/www/.well-known/acme-challenge"
		# Made before the timing: acme-tiny takes both ready-made.
		printf 'DNS:%s,' "${nm[@]}" >"$st/san"
		if ! openssl genrsa -out "$st/account.key" 2048 \
			>"$st/openssl.log" 2>&1 ||
			! openssl req -new -newkey ec \
				-pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$st/domain.key" -subj "/CN=${nm[0]}" \
				-addext "subjectAltName=$(sed 's/,$//' "$st/san")" \
				-out "$st/domain.csr" >>"$st/openssl.log" 2>&1; then
			cat "$st/openssl.log" >&2
			return 1
		fi
		web_start "$st/www" || return 1
		SSL_CERT_FILE=$CA "${wrap[@]}" acme-tiny \
			--account-key "$st/account.key" --csr "$st/domain.csr" \
			--acme-dir "$st/www/.well-known/acme-challenge" \
			--directory-url "$PEBBLE_DIR_URL" --disable-check \
			>"$st/cert.pem" 2>"$st/out"
		local rc=$?
		web_stop
		return "$rc"
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

# known_failure CLIENT ST: true if CLIENT's failed run in ST failed the
# way Pebble 2.10 makes it fail by chance, so that another run may pass:
# uacme 1.7.4 stops at a challenge without a "token" ("failed to parse
# challenge"), and Pebble 2.10 offers dns-persist-01, which has none
# (draft-ietf-acme-dns-persist), in a random place among the challenges
# of each authorization: uacme fails when it comes before http-01.
# bench/table.py says so under the table.
known_failure() {
	[ "$1" = uacme ] && grep -q 'failed to parse challenge' "$2/out"
}

# one CLIENT N KIND I: start a fresh Pebble, run the client once (KIND:
# time, strace, callgrind, or first: callgrind for nanoacme+bundle's first
# run, which writes the anchor cache), append its numbers to $W/results.
# A known_failure is run again, up to 100 times (uacme with 3 names
# passes 1 run in 8), each one counted in $W/results as "CLIENT N retry".
one() {
	local t
	for t in $(seq 100); do
		one_try "$@"
		case $? in
		0) return 0 ;;
		3) echo "$1 $2 retry" >>"$W/results" ;;
		*) return 1 ;;
		esac
	done
	log "$1 ($2 names, $3): failed $t times, giving up"
	return 1
}

# one_try CLIENT N KIND I: one (above) without retries; returns 0, 1 on
# failure, 3 on a known_failure.
one_try() {
	local client=$1 n=$2 kind=$3 i=$4 st r0 r1 rc
	st=$W/run/$client.$n.$kind.$i
	rm -rf "$st" "$st.strace"
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
	callgrind | first)
		RUN_AS=nobody run_client "$client" "$n" "v$i" "$st" \
			setpriv --reuid=nobody --regid=nogroup --clear-groups \
			valgrind -q --tool=callgrind \
			--callgrind-out-file="$st/callgrind.%p"
		rc=$?
		;;
	esac
	r1=$(requests)
	pebble_stop
	if [ "$rc" -ne 0 ] && known_failure "$client" "$st"; then
		log "$client ($n names, $kind): known failure, run again"
		return 3
	fi
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
	callgrind | first)
		echo "$client $n $kind $(sed -n 's/^summary: *//p' \
			"$st/callgrind."* | awk '{ s += $1 } END { print s }')" \
			>>"$W/results"
		;;
	esac
	rm -rf "$st"
}

# pebble_version: the version of the Pebble under test, for the header.
pebble_version() {
	local top
	top=$(dirname "$(dirname "$(dirname "$PEBBLE_BIN")")")
	if [ -s "$top/.version" ]; then
		cat "$top/.version"
	elif [ "$PEBBLE_BIN" = /usr/bin/pebble ]; then
		dpkg-query -W -f '${Version}' pebble
	else
		echo "$PEBBLE_VERSION ($PEBBLE_BIN)"
	fi
}

: >"$W/results"
case " $BENCH_CLIENTS " in
*" nanoacme+bundle "*)
	log "nanoacme+bundle: first run (callgrind), writes the anchor cache"
	one nanoacme+bundle 1 first 0 || exit 1
	;;
esac
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

python3 "$here/table.py" "$W/results" "$BENCH_RUNS" "$(pebble_version)"
