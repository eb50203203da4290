# shellcheck shell=bash
# tests/pebble-env.sh: start and stop a throwaway Pebble ACME server on 127.0.0.1.
#
# Sourced (never executed) by tests/demo.sh, tests/dns-live.sh and, through
# suite_init --pebble (tests/lib.sh), the test suites, which also use the
# helpers at the end of this file (na_pebble, na_std, pebble_setup,
# use_pebble, pebble_log_tail). It runs two
# processes, both bound to 127.0.0.1 only (by default Debian testing's Pebble
# 2.10 that tests/deps.sh unpacks into build/pebble-2.10/; see "Binaries"):
#   pebble-challtestsrv  mock DNS answering 127.0.0.1 for every A query, so Pebble's
#                        validator resolves any test name to this machine;
#   pebble               the ACME server, its HTTPS API anchored by a throwaway CA
#                        made here with openssl (Pebble's own test cert is not shipped
#                        by Debian, and we want the client to verify "localhost").
#
# Usage (from bash, in the main shell: pebble_start must not run in a subshell such
# as $(...), or the pids it records are lost):
#   . tests/pebble-env.sh
#   trap pebble_stop EXIT
#   pebble_start [VAR=value...] || exit 1   # VAR=value go to pebble's environment
#   pebble_start --validity SECONDS [VAR=value...]   # leaves valid SECONDS long
#                                   # (2.10: every profile's validityPeriod)
#   nanoacme -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" ... \
#       -l "127.0.0.1:$PEBBLE_HTTP_PORT" issue a.nanoacme.test
#   pebble_root "$PEBBLE_WORK/root.pem"     # issuing root, to openssl-verify the chain
#   pebble_stop                             # safe to call twice
#
# Ports (override in the environment before sourcing or before pebble_start):
#   PEBBLE_PORT=14000 (ACME API), PEBBLE_MGMT_PORT=15000 (management API),
#   PEBBLE_HTTP_PORT=5002 (where Pebble's validator connects for http-01: the
#   client listens here), PEBBLE_TLS_PORT=5001 (tls-alpn-01, unused by us),
#   CHALLTESTSRV_DNS_PORT=8053, CHALLTESTSRV_MGMT_PORT=8055.
# Binaries: PEBBLE_BIN and CHALLTESTSRV_BIN (default build/pebble-2.10/usr/bin/
# pebble and pebble-challtestsrv); bookworm's 2.4 with
#   PEBBLE_BIN=/usr/bin/pebble CHALLTESTSRV_BIN=/usr/bin/pebble-challtestsrv
# PEBBLE_VERSION (exported when sourced; a caller may set it): 2.10 or 2.4,
# guessed from `pebble -version` (2.4 has no such flag). Tests branch on it.
# Exports after pebble_start: PEBBLE_DIR_URL, PEBBLE_CA_FILE, PEBBLE_WORK.
# PEBBLE_REUSE_CERTS=DIR (read by pebble_start): reuse DIR/ca.pem,
# DIR/listener.pem and DIR/listener.key instead of making new ones.
# PEBBLE_EXTRA_CONFIG (read by pebble_start): extra JSON members for the "pebble"
# object of the config, appended last, e.g. '"externalAccountBindingRequired":
# true, "externalAccountMACKeys": {"kid-1": "BASE64URL"}'. A member named twice
# takes the last value (Go's encoding/json), so these override the defaults.
#
# Facts about Debian testing's Pebble 2.10 (2.10.0+ds1-2, static Go binaries run
# on bookworm), checked on this machine and in its source (letsencrypt/pebble
# v2.10.0). Where nothing is said, 2.4's facts below still hold.
# - Every ACME request needs a User-Agent header (400 malformed without one;
#   the management API does not care).
# - Config adds "profiles": {NAME: {"description", "validityPeriod" SECONDS}},
#   "keyAlgorithm" (rsa by default), "caaIdentities", "retryAfter": {"authz",
#   "order"} (seconds; Retry-After only when > 0, so none here).
#   "certificateValidityPeriod" is still parsed but ignored: --validity sets
#   every profile's validityPeriod instead. notAfter is notBefore +
#   validityPeriod - 1 s as before. Without "profiles" one profile "default"
#   of 90 days. We configure "default" (90 days) and "shortlived" (6 days).
# - Directory meta.profiles maps each name to its description. newOrder with
#   an unknown "profile" is refused (400 urn:ietf:params:acme:error:
#   invalidProfile) before any order exists; an order without "profile" gets a
#   RANDOM one of the configured profiles: a test that checks the lifetime
#   must either ask for a profile or use --validity (same for all profiles).
# - ARI: directory "renewalInfo" (.../draft-ietf-acme-ari-03/renewalInfo/),
#   GET answers {"suggestedWindow": {start, end}} with Retry-After: 21600.
#   The window is centred 1/3 of the lifetime before notAfter, +-24 h,
#   clipped to [notBefore, notAfter]: for a certificate shorter than 36 h
#   it opens at notBefore (and the client picks a random moment in it); a
#   revoked one gets a 1 s window that ended an hour ago. The
#   management API's POST /set-renewal-info/ {"Certificate": PEM,
#   "ARIResponse": "ANY TEXT"} makes renewalInfo answer that text verbatim.
#   newOrder "replaces": a certificate of another account is refused (403
#   unauthorized), one already replaced by a finalized order too (409
#   alreadyReplaced), an unknown one 500 or 400; the order echoes "replaces"
#   and the log says "has been marked as replaced" once it is finalized.
# - Each authorization offers http-01, dns-01, tls-alpn-01, dns-account-01
#   and dns-persist-01 (random order). Environment variables are those of
#   2.4 (same PEBBLE_AUTHZREUSE semantics); PEBBLE_VA_ALWAYS_VALID too.
# - pebble -version prints "Pebble version: dev" (Debian sets no version).
# - pebble-challtestsrv 2.10: -dnsserver (2.4: -dns01) and -doh, a DoH
#   listener on :8443 unless -doh "".
#
# Facts about Debian's Pebble 2.4 (2.4.0+ds1, bookworm), checked on this machine:
# - Config keys (from the binary's config struct): listenAddress,
#   managementListenAddress, httpPort, tlsPort, certificate, privateKey,
#   ocspResponderURL, externalAccountBindingRequired, externalAccountMACKeys,
#   domainBlocklist, certificateValidityPeriod. Unknown keys are silently ignored:
#   "retryAfter" (a later Pebble's setting) is accepted but has no effect, so we
#   leave it out. Pebble 2.4 sends no Retry-After on pending orders/authzs.
# - Environment: PEBBLE_VA_NOSLEEP (skip the random 0-15 s validation delay),
#   PEBBLE_VA_SLEEPTIME, PEBBLE_VA_ALWAYS_VALID, PEBBLE_WFE_NONCEREJECT (percent of
#   good nonces rejected with badNonce, default 5), PEBBLE_AUTHZREUSE (percent,
#   default 50, values outside 0..100 ignored: see below), PEBBLE_CHAIN_LENGTH
#   (default 1: leaf + 1 intermediate), PEBBLE_ALTERNATE_ROOTS,
#   PEBBLE_WFE_ORDERS_PER_PAGE. That is the complete list in the binary.
# - Authorization reuse: a new order reuses the account's valid authz for a name
#   unless rand.Intn(100) > PEBBLE_AUTHZREUSE, so 100 always reuses and 0 still
#   reuses 1% of the time (seen here): no setting guarantees a fresh validation.
# - Management API (https, same listener cert): /roots/N, /root-keys/N,
#   /intermediates/N, /intermediate-keys/N, /cert-status-by-serial/SERIAL.
#   /roots/0 and /intermediates/0 both answer 200 with one PEM certificate;
#   /roots/1 is 404 unless PEBBLE_ALTERNATE_ROOTS is set. Root and intermediate
#   are RSA-2048, regenerated at every start, valid 30 years; leaves 5 years.
#   /cert-status-by-serial/HEX takes the serial in hex as openssl prints it
#   (either case, leading zeros allowed) and answers JSON: "Status" ("Valid" or
#   "Revoked"), "Serial" (lower-case hex), "Certificate" (PEM), and once
#   revoked "RevokedAt" and "Reason" (the number the client sent; absent if it
#   sent none); 404 for an unknown serial.
# - "certificateValidityPeriod": SECONDS (pebble_start --validity) is honoured:
#   notBefore is the issuing second (not backdated), notAfter notBefore +
#   SECONDS - 1 (30 gives 29 s, 86400 gives 23:59:59).
# - Names: Pebble checks no TLD list: a.nanoacme.test, www.example.com and
#   localhost are accepted; orders fold upper case; an IP address as a "dns"
#   identifier and names with "_" are refused (400); *.x.test gets only a
#   dns-01 challenge. The validator resolves names through challtestsrv
#   (127.0.0.1) and GETs http://NAME:$PEBBLE_HTTP_PORT/.well-known/acme-challenge/
#   TOKEN three times (Host: NAME:PORT). With nothing listening the challenge
#   and authz become invalid with urn:ietf:params:acme:error:connection.
# - Finalize answers "processing": the client polls the order. The certificate
#   is leaf + intermediate (application/pem-certificate-chain), no alternate
#   links. No Retry-After header anywhere.
# - pebble-challtestsrv 2.4 has no -doh flag; "" disables each other server.
# - Both programs exit promptly on SIGTERM and free their ports.

: "${PEBBLE_PORT:=14000}"
: "${PEBBLE_MGMT_PORT:=15000}"
: "${PEBBLE_HTTP_PORT:=5002}"
: "${PEBBLE_TLS_PORT:=5001}"
: "${CHALLTESTSRV_DNS_PORT:=8053}"
: "${CHALLTESTSRV_MGMT_PORT:=8055}"
: "${PEBBLE_START_TIMEOUT:=15}"
: "${PEBBLE_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/pebble-2.10/usr/bin/pebble}"
: "${CHALLTESTSRV_BIN:=$(dirname "$PEBBLE_BIN")/pebble-challtestsrv}"
if [ -z "${PEBBLE_VERSION:-}" ]; then
	if "$PEBBLE_BIN" -version >/dev/null 2>&1; then
		PEBBLE_VERSION=2.10
	else
		PEBBLE_VERSION=2.4
	fi
fi
export PEBBLE_BIN CHALLTESTSRV_BIN PEBBLE_VERSION
export PEBBLE_PORT PEBBLE_MGMT_PORT PEBBLE_HTTP_PORT PEBBLE_TLS_PORT
export CHALLTESTSRV_DNS_PORT CHALLTESTSRV_MGMT_PORT

PEBBLE_PID=
CHALLTESTSRV_PID=

# pebble_port_busy PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
pebble_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pebble_udp_busy PORT: true if a UDP socket is bound to PORT (needs ss from
# iproute2; without it, assume free: challtestsrv then logs the bind error,
# which pebble_start also looks for).
pebble_udp_busy() {
	command -v ss >/dev/null 2>&1 || return 1
	[ -n "$(ss -Hlun "sport = :$1" 2>/dev/null)" ]
}

# pebble_curl ARGS...: curl against Pebble's listeners, trusting only our CA and
# pinning "localhost" to 127.0.0.1 (never ::1 or anything else).
pebble_curl() {
	curl -fsS --max-time 5 --cacert "$PEBBLE_CA_FILE" \
		--resolve "localhost:$PEBBLE_PORT:127.0.0.1" \
		--resolve "localhost:$PEBBLE_MGMT_PORT:127.0.0.1" "$@"
}

# pebble_fail MSG: report a start failure with the tail of both logs, clean up.
pebble_fail() {
	local f
	echo "pebble_start: $1" >&2
	for f in "$PEBBLE_WORK/challtestsrv.log" "$PEBBLE_WORK/pebble.log"; do
		if [ -s "$f" ]; then
			echo "--- tail of $f" >&2
			tail -n 15 "$f" >&2
		fi
	done
	pebble_stop
	return 1
}

# pebble_make_certs DIR: throwaway CA (EC P-256) and a listener certificate for
# localhost / 127.0.0.1 signed by it. An explicit config file, so the result does
# not depend on the system openssl.cnf.
pebble_make_certs() {
	local d=$1
	# PEBBLE_REUSE_CERTS=DIR: the CA and listener certificate of an earlier
	# start (DIR/ca.pem, listener.pem, listener.key), for a test that
	# restarts Pebble under a client that already holds the CA.
	if [ -n "${PEBBLE_REUSE_CERTS:-}" ]; then
		cp "$PEBBLE_REUSE_CERTS/ca.pem" "$PEBBLE_REUSE_CERTS/listener.pem" \
			"$PEBBLE_REUSE_CERTS/listener.key" "$d/" 2>"$d/openssl.log"
		return
	fi
	make_ca_certs "$d" "nanoacme test CA (throwaway)" "DNS:localhost, IP:127.0.0.1" 7
}

# ca_cnf_head CN: the start of an openssl config for a throwaway CA named CN:
# [req] without prompts, [dn], and [ca_ext], the CA certificate's extensions.
# An explicit config, so the result does not depend on the system openssl.cnf.
ca_cnf_head() {
	cat <<-EOF
		[req]
		distinguished_name = dn
		prompt = no
		[dn]
		CN = $1
		[ca_ext]
		basicConstraints = critical, CA:TRUE
		keyUsage = critical, keyCertSign, cRLSign
		subjectKeyIdentifier = hash
	EOF
}

# make_ca_certs DIR CN SAN DAYS: a throwaway CA (EC P-256, named CN) in
# DIR/ca.pem and ca.key, and a listener certificate for SAN (an openssl
# subjectAltName value) signed by it in DIR/listener.pem and listener.key,
# both valid DAYS days; openssl's messages in DIR/openssl.log.
make_ca_certs() {
	local d=$1
	{
		ca_cnf_head "$2"
		cat <<-EOF
		[leaf_ext]
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = $3
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
		EOF
	} >"$d/openssl.cnf"
	openssl req -x509 -new -config "$d/openssl.cnf" -extensions ca_ext \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days "$4" -sha256 \
		>>"$d/openssl.log" 2>&1 &&
	openssl req -new -config "$d/openssl.cnf" -subj "/CN=localhost" \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/listener.key" -out "$d/listener.csr" \
		>>"$d/openssl.log" 2>&1 &&
	openssl x509 -req -in "$d/listener.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -CAserial "$d/ca.srl" -days "$4" -sha256 \
		-extfile "$d/openssl.cnf" -extensions leaf_ext -out "$d/listener.pem" \
		>>"$d/openssl.log" 2>&1
}

# challtestsrv_start LOG: start pebble-challtestsrv in the background, its
# mock DNS on 127.0.0.1:$CHALLTESTSRV_DNS_PORT answering 127.0.0.1 for every
# A query, its management API on 127.0.0.1:$CHALLTESTSRV_MGMT_PORT, nothing
# else; output to LOG, pid in $CHALLTESTSRV_PID.
challtestsrv_start() {
	local dnsflags
	# challtestsrv 2.10 renamed -dns01 to -dnsserver and added DoH (-doh).
	if "$CHALLTESTSRV_BIN" -h 2>&1 | grep -q -e '-dnsserver'; then
		dnsflags=(-dnsserver "127.0.0.1:$CHALLTESTSRV_DNS_PORT" -doh "")
	else
		dnsflags=(-dns01 "127.0.0.1:$CHALLTESTSRV_DNS_PORT")
	fi
	"$CHALLTESTSRV_BIN" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		-http01 "" -https01 "" -tlsalpn01 "" "${dnsflags[@]}" \
		-management "127.0.0.1:$CHALLTESTSRV_MGMT_PORT" \
		>"$1" 2>&1 </dev/null &
	CHALLTESTSRV_PID=$!
}

# pebble_start [--validity SECONDS] [VAR=value...]: start challtestsrv and
# Pebble, wait until both answer. --validity sets the lifetime of the leaf
# certificates Pebble issues (2.4: "certificateValidityPeriod", default 5
# years; 2.10: every profile's "validityPeriod", default 90 and 6 days).
# Returns 0, or 1 with a message (and everything started stopped again).
pebble_start() {
	local a p i profiles validity=
	if [ "${1:-}" = --validity ]; then
		validity=${2:-}
		case $validity in
		'' | *[!0-9]*)
			echo "pebble_start: --validity needs SECONDS, got '$validity'" >&2
			return 1
			;;
		esac
		shift 2
	fi
	for a in "$@"; do
		case $a in
		[A-Za-z_]*=*) ;;
		*) echo "pebble_start: expected VAR=value, got '$a'" >&2; return 1 ;;
		esac
	done
	if [ -n "$PEBBLE_PID$CHALLTESTSRV_PID" ]; then
		echo "pebble_start: already running (pebble_stop first)" >&2
		return 1
	fi
	for p in "$PEBBLE_BIN" "$CHALLTESTSRV_BIN" openssl curl; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "pebble_start: $p not found (tests/deps.sh demo)" >&2
			return 1
		fi
	done
	# A busy port would make a server exit, or worse, let us talk to a stranger.
	# PEBBLE_HTTP_PORT is the client's http-01 listener: it must be free too.
	for p in "$PEBBLE_PORT" "$PEBBLE_MGMT_PORT" "$CHALLTESTSRV_DNS_PORT" \
		"$CHALLTESTSRV_MGMT_PORT" "$PEBBLE_HTTP_PORT"; do
		if pebble_port_busy "$p"; then
			echo "pebble_start: 127.0.0.1:$p already in use" >&2
			return 1
		fi
	done
	if pebble_udp_busy "$CHALLTESTSRV_DNS_PORT"; then
		echo "pebble_start: UDP port $CHALLTESTSRV_DNS_PORT already in use" >&2
		return 1
	fi

	PEBBLE_WORK=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-pebble.XXXXXX") || return 1
	export PEBBLE_WORK
	PEBBLE_CA_FILE=$PEBBLE_WORK/ca.pem
	PEBBLE_DIR_URL=https://localhost:$PEBBLE_PORT/dir
	export PEBBLE_CA_FILE PEBBLE_DIR_URL
	if ! pebble_make_certs "$PEBBLE_WORK"; then
		cat "$PEBBLE_WORK/openssl.log" >&2
		pebble_fail "openssl could not make the test CA"
		return 1
	fi
	# 2.4 knows certificateValidityPeriod only; 2.10 knows profiles only.
	profiles=
	if [ "$PEBBLE_VERSION" = 2.4 ]; then
		[ -z "$validity" ] ||
			profiles=", \"certificateValidityPeriod\": $validity"
	else
		profiles=", \"profiles\": {
		      \"default\": {\"description\": \"90 days\",
		        \"validityPeriod\": ${validity:-7776000}},
		      \"shortlived\": {\"description\": \"6 days\",
		        \"validityPeriod\": ${validity:-518400}}}"
	fi
	cat >"$PEBBLE_WORK/pebble.json" <<-EOF
		{
		  "pebble": {
		    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
		    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
		    "certificate": "$PEBBLE_WORK/listener.pem",
		    "privateKey": "$PEBBLE_WORK/listener.key",
		    "httpPort": $PEBBLE_HTTP_PORT,
		    "tlsPort": $PEBBLE_TLS_PORT,
		    "ocspResponderURL": "",
		    "externalAccountBindingRequired": false$profiles
		    ${PEBBLE_EXTRA_CONFIG:+, $PEBBLE_EXTRA_CONFIG}
		  }
		}
	EOF

	challtestsrv_start "$PEBBLE_WORK/challtestsrv.log"
	env PEBBLE_VA_NOSLEEP=1 "$@" \
		"$PEBBLE_BIN" -config "$PEBBLE_WORK/pebble.json" \
		-dnsserver "127.0.0.1:$CHALLTESTSRV_DNS_PORT" \
		>"$PEBBLE_WORK/pebble.log" 2>&1 </dev/null &
	PEBBLE_PID=$!

	# Ready = both alive, DNS port open, ACME directory and management API answer.
	i=0
	while :; do
		if ! kill -0 "$CHALLTESTSRV_PID" 2>/dev/null; then
			pebble_fail "pebble-challtestsrv exited"
			return 1
		fi
		if ! kill -0 "$PEBBLE_PID" 2>/dev/null; then
			pebble_fail "pebble exited"
			return 1
		fi
		# challtestsrv only logs a failed bind (UDP DNS) and keeps running.
		if grep -q 'address already in use' "$PEBBLE_WORK/challtestsrv.log"; then
			pebble_fail "pebble-challtestsrv could not bind a port"
			return 1
		fi
		if pebble_port_busy "$CHALLTESTSRV_DNS_PORT" &&
			pebble_curl -o /dev/null "$PEBBLE_DIR_URL" 2>/dev/null &&
			pebble_curl -o /dev/null \
				"https://localhost:$PEBBLE_MGMT_PORT/roots/0" 2>/dev/null; then
			return 0
		fi
		i=$((i + 1))
		if [ "$i" -ge $((PEBBLE_START_TIMEOUT * 5)) ]; then
			pebble_fail "not ready after ${PEBBLE_START_TIMEOUT}s"
			return 1
		fi
		sleep 0.2
	done
}

# pebble_root FILE: Pebble's issuing root (PEM, new at every start) into FILE.
pebble_root() {
	pebble_curl -o "$1" "https://localhost:$PEBBLE_MGMT_PORT/roots/0"
}

# pebble_intermediate FILE: Pebble's intermediate (the one in issued chains).
pebble_intermediate() {
	pebble_curl -o "$1" "https://localhost:$PEBBLE_MGMT_PORT/intermediates/0"
}

# pebble_kill PID: TERM, wait up to 5 s, then KILL. Only the pids we started.
pebble_kill() {
	local pid=$1 i=0
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# pebble_stop: stop both servers and remove PEBBLE_WORK. Idempotent.
pebble_stop() {
	pebble_kill "$PEBBLE_PID"
	pebble_kill "$CHALLTESTSRV_PID"
	PEBBLE_PID=
	CHALLTESTSRV_PID=
	if [ -n "${PEBBLE_WORK:-}" ] && [ -d "$PEBBLE_WORK" ]; then
		rm -rf "$PEBBLE_WORK"
	fi
	PEBBLE_WORK=
	return 0
}

# The helpers below are for the test suites, which source tests/lib.sh first
# (fail, setup_fail, $T).

# na_pebble STATE ARGS...: na against our Pebble, state directory STATE,
# the http-01 listener where Pebble validates.
na_pebble() {
	na_at "$PEBBLE_DIR_URL" "$PEBBLE_CA_FILE" "$PEBBLE_HTTP_PORT" "$@"
}

# na_std ARGS...: na_pebble with the state directory $T/s.
na_std() {
	na_pebble "$T/s" "$@"
}

# pebble_log_tail: the last 15 lines of Pebble's log that are not routine
# "calling handler" lines (for a failed test's report).
pebble_log_tail() {
	if [ -n "${PEBBLE_WORK:-}" ] && [ -f "$PEBBLE_WORK/pebble.log" ]; then
		echo "    --- last lines of pebble.log"
		grep -v 'calling handler' "$PEBBLE_WORK/pebble.log" | tail -n 15 |
			sed 's/^/    /'
	fi
}

# pebble_setup [pebble_start ARGS...]: start Pebble for the whole suite,
# or setup_fail with the start's messages.
pebble_setup() {
	pebble_start "$@" >"$T/log" 2>&1 || setup_fail "Pebble did not start" "$T/log"
}

# use_pebble MODE: make sure Pebble runs in the suite's MODE, restarting it
# with the suite's pebble_mode_start MODE (pebble_start with that mode's
# settings) when it runs in another; fails the test if it cannot.
pebble_mode=
use_pebble() {
	[ "$pebble_mode" = "$1" ] && return 0
	pebble_stop
	pebble_mode=
	pebble_mode_start "$1" >>"$T/log" 2>&1 ||
		{ fail "cannot start Pebble ($1)"; return 1; }
	pebble_mode=$1
}
