#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/smallstep.sh: nanoacme against a real smallstep CA, reached by IP
# address as private CAs of IoT enrolment often are: Caddy's acme_server
# (Debian testing's caddy, built on smallstep's CA library, the family of
# step-ca), on 127.0.0.1 and ::1 only, unpacked under build/caddy by
# tests/deps.sh. Also a CA reached by IP whose certificate does not name
# the address (openssl s_server).
#
# Usage: tests/smallstep.sh [path-to-nanoacme]   (default: ./nanoacme)
# Environment:
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 120)
#   CADDY             the caddy binary (default build/caddy/usr/bin/caddy)
#   SMALLSTEP_PORT    Caddy's HTTPS port (default 14443); +1 for s_server
#   SMALLSTEP_TESTS   space-separated test names to run (default: all)
#
# Facts of smallstep's ACME server (Caddy 2.11, checked here) these tests
# rest on:
# - http-01 is validated on port 80 of the identifier, inside the POST to
#   the challenge; when it cannot connect, challenge and authorization stay
#   "pending" and the challenge carries the error ("The server could not
#   connect to validation target"); the CA retries only when the challenge
#   is POSTed to again.
# - An IP identifier (127.0.0.1) is accepted and validated at the address
#   itself, so no DNS is needed; `tls internal` gives Caddy's own HTTPS
#   listener a certificate with the site's address as iPAddress SAN.
# Port 80 must be free on 127.0.0.1 (the tests run as root, as CI does).
#
# Prints "ok NAME" or "FAIL NAME: reason (line N)", then "N passed, N failed";
# exits non-zero on any failure.
set -u

NANOACME_TIMEOUT=${NANOACME_TIMEOUT:-120}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init smallstep "$@"
CADDY=${CADDY:-$here/../build/caddy/usr/bin/caddy}
PORT=${SMALLSTEP_PORT:-14443}
CADDY_PID=
SSERVER_PID=
ROOT=$TMP/caddy/data/caddy/pki/authorities/local/root.crt

# suite_cleanup: stop Caddy and the test's own server (finish, in
# tests/lib.sh).
suite_cleanup() {
	[ -n "$CADDY_PID" ] && kill "$CADDY_PID" 2>/dev/null && wait "$CADDY_PID" 2>/dev/null
	[ -n "$SSERVER_PID" ] && kill "$SSERVER_PID" 2>/dev/null && wait "$SSERVER_PID" 2>/dev/null
	CADDY_PID=
	SSERVER_PID=
}

# caddy_start: Caddy's ACME server at https://127.0.0.1:PORT and
# https://[::1]:PORT, directory /acme/local/directory.
caddy_start() {
	local d=$TMP/caddy i
	mkdir -p "$d"
	cat >"$d/Caddyfile" <<-EOF
		{
			admin off
			skip_install_trust
			local_certs
			http_port $((PORT + 2))
			https_port $PORT
			pki {
				ca local {
					name "nanoacme smallstep test CA"
				}
			}
		}
		https://127.0.0.1:$PORT, https://[::1]:$PORT {
			bind 127.0.0.1 ::1
			tls internal
			acme_server {
				ca local
			}
		}
	EOF
	XDG_DATA_HOME=$d/data XDG_CONFIG_HOME=$d/config HOME=$d \
		"$CADDY" run --config "$d/Caddyfile" --adapter caddyfile \
		>"$d/caddy.log" 2>&1 </dev/null &
	CADDY_PID=$!
	for i in $(seq 1 100); do
		if [ -f "$ROOT" ] && curl -fsS --max-time 2 --cacert "$ROOT" \
			-o /dev/null "https://127.0.0.1:$PORT/acme/local/directory" 2>/dev/null; then
			return 0
		fi
		kill -0 "$CADDY_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "caddy did not start:"
	tail -n 20 "$d/caddy.log"
	return 1
}

# na_s URL-HOST ARGS...: nanoacme against Caddy's CA at https://URL-HOST:PORT.
na_s() {
	local h=$1
	shift
	na -C "$T/s" -D "https://$h:$PORT/acme/local/directory" -c "$ROOT" -y "$@"
}

# The CA reached by its IPv4 address (its certificate names it in an
# iPAddress SAN): an IP certificate for 127.0.0.1, http-01 on port 80.
t_issue_ipv4() {
	na_s 127.0.0.1 -l 127.0.0.1:80 issue 127.0.0.1
	expect_rc 0 || return
	expect_file "$T/s/certs/127.0.0.1/fullchain.pem" || return
	openssl verify -CAfile "$ROOT" -untrusted "$T/s/certs/127.0.0.1/chain.pem" \
		"$T/s/certs/127.0.0.1/cert.pem" >/dev/null 2>&1 ||
		fail "the chain does not verify against the CA's root"
}

# The same CA by its IPv6 address, [::1] in the URL.
t_issue_ipv6() {
	na_s '[::1]' -l 127.0.0.1:80 issue 127.0.0.1
	expect_rc 0 || return
	expect_file "$T/s/certs/127.0.0.1/fullchain.pem"
}

# smallstep's way: the CA cannot connect (nothing on port 80), the challenge
# stays pending with an error. nanoacme asks again a few times, then fails
# with exit 5 and the CA's error, well within a minute (not after 300 s).
t_unreachable() {
	local start took
	start=$(date +%s)
	na_s 127.0.0.1 -l 127.0.0.1:$((PORT + 3)) issue 127.0.0.1
	took=$(($(date +%s) - start))
	expect_rc 5 || return
	expect_out 'validation of 127.0.0.1 failed' || return
	expect_out 'connect' "the CA's error" || return
	[ "$took" -le 60 ] || fail "took $took s"
	expect_absent "$T/s/certs/127.0.0.1"
}

# A CA by IP address whose certificate names only DNS:localhost: refused
# (exit 3), with a message that says so; the same server by name works as
# far as TLS goes.
t_ip_not_in_cert() {
	local d=$T/ss
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost >/dev/null 2>&1 ||
		{ fail "openssl could not make a certificate"; return 1; }
	openssl s_server -quiet -accept "127.0.0.1:$((PORT + 1))" -cert "$d/cert.pem" \
		-key "$d/key.pem" -www >"$d/log" 2>&1 </dev/null &
	SSERVER_PID=$!
	sleep 0.5
	na -C "$T/s" -D "https://127.0.0.1:$((PORT + 1))/dir" -c "$d/cert.pem" -y \
		account
	expect_rc 3 || return
	expect_out 'iPAddress|does not match' "a message naming the address mismatch"
	kill "$SSERVER_PID" 2>/dev/null
	wait "$SSERVER_PID" 2>/dev/null
	SSERVER_PID=
}

[ -x "$CADDY" ] ||
	setup_fail "$CADDY not found (tests/deps.sh check unpacks Debian's caddy)"
caddy_start >"$T/log" 2>&1 || setup_fail "Caddy's ACME server did not start" "$T/log"

run_tests "issue_ipv4 issue_ipv6 unreachable ip_not_in_cert" "${SMALLSTEP_TESTS:-}"
