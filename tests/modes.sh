#!/usr/bin/env bash
# tests/modes.sh: integration tests against a real Pebble (2.10 by default,
# 2.4 too: tests/pebble-env.sh) of every way
# nanoacme proves control (webroot, challenge hook with dns-01 and http-01,
# tls-alpn-01, IP identifiers) and of the CA features (external account
# binding, alternate chains, bring-your-own CSR, profiles), and that renew
# remembers the way a certificate was proved.
#
# Usage: tests/modes.sh [path-to-nanoacme]      (default: $NANOACME, else ./nanoacme)
# Environment:
#   NANOACME_TIMEOUT  seconds one nanoacme run may take (default 60)
#   MODES_TESTS       space-separated test names to run (default: all)
#   MODES_PYTHON      python3 for the test web server (default /usr/bin/python3
#                     if there, else python3 from PATH)
#   PEBBLE_VERBOSE=1  print each test's log even when it passes
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# Everything listens on 127.0.0.1 (and ::1 for the IPv6 test) only. Pebble runs
# in one of two modes, started once and restarted only when a test needs the
# other (tests are ordered so that this happens once):
#   main  PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 PEBBLE_ALTERNATE_ROOTS=2:
#         every certificate also has two alternate chains (roots 1 and 2), the
#         default chain is root 0's. AUTHZREUSE=0 still reuses a valid
#         authorization 1% of the time (see tests/pebble.sh), so a test that
#         needs a fresh validation of a name it validated before removes the
#         account first (Pebble reuses authorizations of the same account only).
#   eab   externalAccountBindingRequired with one MAC key "kid-1" (random, made
#         at every run), through PEBBLE_EXTRA_CONFIG (tests/pebble-env.sh).
#
# The web server of the webroot tests is a small Python http.server (written
# to the work directory) on 127.0.0.1:$PEBBLE_HTTP_PORT, where Pebble's
# validator connects; it logs every GET with the served file's mode and body.
# The challenge hooks are shell scripts made per test; the dns-01 ones publish
# the TXT record through pebble-challtestsrv's management API (set-txt,
# clear-txt) and log every call.
#
# Known facts of Pebble 2.4 (and 2.10 where said) that shape these tests:
# - the validator offers http-01, dns-01 and tls-alpn-01 for a DNS name (in
#   random order; 2.10 adds dns-account-01 and dns-persist-01), dns-01 only
#   for a wildcard (whose identifier is the name
#   without "*."), http-01 and tls-alpn-01 for an IP address; it validates
#   127.0.0.1 and ::1 directly (no DNS), tls-alpn-01 on $PEBBLE_TLS_PORT.
# - it names the subject CN itself (the first DNS name, else the first IP
#   address), whatever the CSR says: an IP certificate from Pebble always has
#   CN=IP; that nanoacme's CSR has no CN for an IP is a unit test (t_pem).
#   2.10's profiles (no "promoteCommonName") give no CN at all.
# - EAB: HS256, HS384 and HS512 are all accepted (2.10 only with a key at
#   least as long as the hash, RFC 7518 §3.2: the eab mode's is 64 bytes);
#   the account object returned
#   by newAccount echoes the externalAccountBinding JWS, so -vv shows what
#   nanoacme sent (bodies are cut at 2 KB: the signature is
#   compared as far as it is shown).
# - PEBBLE_ALTERNATE_ROOTS=2: roots 0, 1, 2 (/roots/N), the certificate
#   answer links .../alternate/1 and /2; all chains share one intermediate
#   name, each signed by its own root.
#
# Runner as in tests/pebble.sh: each test is a function t_NAME run in a fresh
# directory $T; it prints "ok NAME", "FAIL NAME: reason (line N)" plus the log
# of every nanoacme run of that test, or "skip NAME: reason" (not counted);
# the last line is "N passed, N failed" and the exit status is non-zero if any
# test failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble modes "$@"
if [ -n "${MODES_PYTHON:-}" ]; then
	PY=$MODES_PYTHON
elif [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=python3
fi

acct_dir=
WEB_PID=
EAB_KEY=

# suite_cleanup: stop the test web server (finish, in tests/lib.sh).
suite_cleanup() {
	web_stop
}

# --- helpers: each expect_* sets $reason and returns 1 on failure -------------

# na_ca ARGS...: nanoacme against our Pebble with state $T/s, no listener.
na_ca() {
	na -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/s" -y "$@"
}

# na_std ARGS... (tests/pebble-env.sh) gives the http-01 listener where
# Pebble validates (-l). In webroot, hook and alpn runs the listener must
# not be opened: when a web server holds the port, a run that opened it
# would fail (exit 6).

# expect_empty_dir DIR: DIR exists (or not) and holds nothing.
expect_empty_dir() {
	local left
	left=$(find "$1" -mindepth 1 2>/dev/null | tr '\n' ' ')
	[ -z "$left" ] || fail "left behind in $1: $left"
}

# expect_verifies_root DIR N: cert.pem chains to Pebble's root N through
# chain.pem.
expect_verifies_root() {
	pebble_curl -o "$T/root$2.pem" "https://localhost:$PEBBLE_MGMT_PORT/roots/$2" ||
		{ fail "cannot fetch Pebble's root $2"; return 1; }
	expect_verifies "$1" "$T/root$2.pem"
}

# expect_setting DIR KEY VALUE: the certificate's settings file has "KEY VALUE".
expect_setting() {
	grep -Fxq -- "$2 $3" "$1/settings" 2>/dev/null ||
		fail "$1/settings lacks '$2 $3': $(tr '\n' '|' <"$1/settings" 2>/dev/null)"
}

# forget_account: remove the account of $T/s, so the next run makes a new one
# and must validate afresh (Pebble reuses valid authorizations per account).
forget_account() {
	rm -rf "$T/s/account"
}

# b64u: base64url without padding of stdin.
b64u() {
	base64 -w0 | tr '+/' '-_' | tr -d '=\n'
}

# b64u_decode STRING: the bytes of a base64url string, on stdout.
b64u_decode() {
	local s
	s=$(printf '%s' "$1" | tr -- '-_' '+/')
	case $((${#s} % 4)) in
	2) s="$s==" ;;
	3) s="$s=" ;;
	esac
	printf '%s' "$s" | base64 -d 2>/dev/null
}

# jwk_xy KEYFILE: "X Y", the base64url coordinates of a P-256 key (from its
# 91-byte DER SubjectPublicKeyInfo: ... 04 || X || Y).
jwk_xy() {
	local der=$T/pub.der x y
	openssl pkey -in "$1" -pubout -outform DER -out "$der" 2>/dev/null || return 1
	[ "$(wc -c <"$der")" = 91 ] || return 1
	x=$(tail -c 64 "$der" | head -c 32 | b64u)
	y=$(tail -c 32 "$der" | b64u)
	echo "$x $y"
}

# thumbprint KEYFILE: RFC 7638 thumbprint of the P-256 key, base64url.
thumbprint() {
	local xy
	xy=$(jwk_xy "$1") || return 1
	printf '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' "${xy% *}" "${xy#* }" |
		openssl dgst -sha256 -binary | b64u
}

# dns_digest KEYAUTH: the dns-01 TXT value, base64url(SHA-256(KEYAUTH)).
dns_digest() {
	printf '%s' "$1" | openssl dgst -sha256 -binary | b64u
}

# account_thumb: $thumb = thumbprint of the account key of $T/s.
account_thumb() {
	thumb=
	find_account "$T/s" || return 1
	thumb=$(thumbprint "$acct_dir/key.pem")
	[ "${#thumb}" = 43 ] || { fail "cannot compute the thumbprint of $acct_dir/key.pem"; return 1; }
}

# --- the web server and the hooks ---------------------------------------------

# write_websrv FILE: the Python web server. Modes: "serve ROOT PORT LOG" (GET
# of files under ROOT; each GET logged as "GET PATH mode=OCTAL body=BODY" or
# "GET PATH missing"), "hang - PORT LOG" (accepts, never answers).
write_websrv() {
	cat >"$1" <<-'EOF'
		import os, socket, sys
		from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
		mode, root, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
		def note(s):
		    with open(log, "a") as f:
		        f.write(s + "\n")
		if mode == "hang":
		    s = socket.socket()
		    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		    s.bind(("127.0.0.1", port))
		    s.listen(64)
		    held = []
		    while True:
		        c, _ = s.accept()
		        held.append(c)
		        note("accepted")
		class H(SimpleHTTPRequestHandler):
		    def __init__(self, *a, **k):
		        super().__init__(*a, directory=root, **k)
		    def do_GET(self):
		        p = self.translate_path(self.path)
		        try:
		            st = os.stat(p)
		            with open(p, "rb") as f:
		                body = f.read().decode("ascii", "replace")
		            note("GET %s mode=%o body=%s" % (self.path, st.st_mode & 0o777, body))
		        except OSError:
		            note("GET %s missing" % self.path)
		        super().do_GET()
		    def log_message(self, *a):
		        pass
		ThreadingHTTPServer.allow_reuse_address = True
		ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
	EOF
}

# web_start serve|hang DIR: the web server on 127.0.0.1:$PEBBLE_HTTP_PORT,
# logging to $T/web.log. Waits until it accepts connections.
web_start() {
	local i=0
	web_stop
	: >>"$T/web.log"
	"$PY" "$TMP/websrv.py" "$1" "$2" "$PEBBLE_HTTP_PORT" "$T/web.log" \
		>>"$T/web.err" 2>&1 </dev/null &
	WEB_PID=$!
	while ! pebble_port_busy "$PEBBLE_HTTP_PORT"; do
		i=$((i + 1))
		if [ "$i" -ge 50 ] || ! kill -0 "$WEB_PID" 2>/dev/null; then
			fail "web server did not start: $(tail -n 3 "$T/web.err" 2>/dev/null | tr '\n' ' ')"
			web_stop
			return 1
		fi
		sleep 0.1
	done
	# Connection probes of pebble_port_busy count as "accepted" in hang mode.
	: >"$T/web.log"
}

web_stop() {
	if [ -n "$WEB_PID" ]; then
		pebble_kill "$WEB_PID"
	fi
	WEB_PID=
}

# make_hook FILE KIND: a challenge hook logging "NARGS|STEP|TYPE|IDENT|TOKEN|AUTH"
# to FILE.log. KIND: dns (publishes dns-01 through challtestsrv, refuses the
# rest), dns-wrong (publishes a wrong TXT value), refuse (refuses all),
# http:DIR (publishes http-01 in webroot DIR, refuses the rest).
make_hook() {
	local f=$1 kind=$2 prefix='' webdir=''
	case $kind in
	dns-wrong) prefix=wrong ;;
	http:*) webdir=${kind#http:} ;;
	esac
	cat >"$f" <<-EOF
		#!/bin/sh
		printf '%s|%s|%s|%s|%s|%s\n' "\$#" "\$1" "\$2" "\$3" "\$4" "\$5" >>"$f.log"
		mgmt=http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT
		case $kind:\$2:\$1 in
		dns*:dns-01:begin)
			curl -fsS --max-time 5 -X POST -o /dev/null \\
				-d "{\"host\":\"_acme-challenge.\$3.\",\"value\":\"$prefix\$5\"}" \\
				"\$mgmt/set-txt" 2>>"$f.err" ;;
		dns*:dns-01:done | dns*:dns-01:failed)
			curl -fsS --max-time 5 -X POST -o /dev/null \\
				-d "{\"host\":\"_acme-challenge.\$3.\"}" "\$mgmt/clear-txt" 2>>"$f.err" ;;
		http:*:http-01:begin)
			mkdir -p "$webdir/.well-known/acme-challenge" &&
			printf '%s' "\$5" >"$webdir/.well-known/acme-challenge/\$4" ;;
		http:*:http-01:done | http:*:http-01:failed)
			rm -f "$webdir/.well-known/acme-challenge/\$4" ;;
		*) exit 1 ;;
		esac
	EOF
	chmod 755 "$f"
	: >"$f.log"
}

# hook_calls FILE STEP TYPE: the logged calls of the hook FILE with STEP and TYPE.
hook_calls() {
	awk -F'|' -v s="$2" -v t="$3" '$2 == s && $3 == t' "$1.log"
}

# expect_hook_auths FILE: every logged call has 5 arguments and the right AUTH
# for the account $thumb: the dns-01 digest, else the key authorization.
expect_hook_auths() {
	local n step type ident token auth want
	while IFS='|' read -r n step type ident token auth; do
		[ "$n" = 5 ] || { fail "hook called with $n arguments: $step $type $ident"; return 1; }
		want=$token.$thumb
		case $type in
		dns-01 | dns-account-01) want=$(dns_digest "$want") ;;
		# no token: AUTH is the record's value (tests/dnsproof.sh)
		dns-persist-01)
			case $token:$auth in
			":pebble.letsencrypt.org; accounturi=https://"*) want=$auth ;;
			*) want="no token, ISSUER; accounturi=URL" ;;
			esac ;;
		esac
		[ "$auth" = "$want" ] ||
			{ fail "hook $step $type $ident $token: AUTH '$auth', want '$want'"; return 1; }
	done <"$1.log"
}

# pebble_mode_start main|eab: start Pebble in that mode (see the header;
# use_pebble in tests/pebble-env.sh).
pebble_mode_start() {
	case $1 in
	main)
		PEBBLE_EXTRA_CONFIG='' pebble_start PEBBLE_WFE_NONCEREJECT=0 \
			PEBBLE_AUTHZREUSE=0 PEBBLE_ALTERNATE_ROOTS=2
		;;
	eab)
		# 64 bytes: RFC 7518 §3.2 wants an HMAC key at least as long as
		# the hash; Pebble 2.10 (go-jose v4) refuses HS384 and HS512 with
		# a 32-byte key ("error in cryptographic primitive").
		EAB_KEY=$(head -c 64 /dev/urandom | b64u)
		PEBBLE_EXTRA_CONFIG="\"externalAccountBindingRequired\": true,
		    \"externalAccountMACKeys\": {\"kid-1\": \"$EAB_KEY\"}" \
			pebble_start PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
		;;
	*) return 1 ;;
	esac
}

# test_after, test_failed_extra: run_test's hooks (tests/lib.sh): the web
# server stops after each test; a failed one shows its log.
test_after() {
	web_stop
}
test_failed_extra() {
	if [ -s "$T/web.log" ]; then
		echo "    --- web server log"
		sed 's/^/    /' "$T/web.log"
	fi
}

# --- webroot --------------------------------------------------------------------

# -w: the key authorizations are files under DIR/.well-known/acme-challenge/
# (made as needed), served by a real web server on the port Pebble validates;
# nanoacme does not open that port; every file is gone afterwards.
t_webroot() {
	local d tok path body n
	use_pebble main || return
	mkdir -p "$T/www" || return
	web_start serve "$T/www" || return
	na_std -y -w "$T/www" issue w1.nanoacme.test w2.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/w1.nanoacme.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" DNS:w1.nanoacme.test DNS:w2.nanoacme.test || return
	expect_setting "$d" webroot "$T/www" || return
	account_thumb || return
	# Pebble fetched each of the two tokens (three times each), from files
	# that were there, 0644, holding TOKEN.THUMBPRINT.
	n=$(grep -c '^GET /.well-known/acme-challenge/' "$T/web.log")
	[ "$n" -ge 2 ] || { fail "web server saw $n challenge GETs, want >= 2"; return; }
	n=$(sed -n 's|^GET /.well-known/acme-challenge/\([^ ]*\) .*|\1|p' "$T/web.log" | sort -u | wc -l)
	[ "$n" = 2 ] || { fail "web server saw $n distinct tokens, want 2"; return; }
	while read -r _ path body; do
		tok=${path##*/}
		[ "$body" = "mode=644 body=$tok.$thumb" ] ||
			{ fail "GET $path: '$body', want 'mode=644 body=$tok.$thumb'"; return; }
	done < <(grep '^GET /.well-known/acme-challenge/' "$T/web.log")
	[ -d "$T/www/.well-known/acme-challenge" ] ||
		{ fail "no $T/www/.well-known/acme-challenge made"; return; }
	expect_empty_dir "$T/www/.well-known/acme-challenge" || return
}

# A failed validation (no web server) leaves no token file, and nanoacme does
# not answer on the port itself: had it listened, the validation would pass.
t_webroot_failed() {
	use_pebble main || return
	mkdir -p "$T/www/.well-known/acme-challenge" || return
	na_std -y -w "$T/www" issue wf.nanoacme.test
	expect_rc 5 || return
	expect_out 'urn:ietf:params:acme:error:[A-Za-z]+' "an ACME problem type" || return
	expect_empty_dir "$T/www/.well-known/acme-challenge" || return
	expect_absent "$T/s/certs/wf.nanoacme.test" || return
	if pebble_port_busy "$PEBBLE_HTTP_PORT"; then
		fail "127.0.0.1:$PEBBLE_HTTP_PORT is busy after the run"
	fi
}

# The web server may run as another user (www-data): whatever nanoacme's
# umask, the directories it makes must be searchable and the file readable
# by others (certbot's webroot plugin does the same).
t_webroot_umask() {
	local old m d
	use_pebble main || return
	mkdir -p "$T/www" || return
	web_start serve "$T/www" || return
	old=$(umask)
	umask 077
	na_std -y -w "$T/www" issue wu.nanoacme.test
	umask "$old"
	expect_rc 0 || return
	grep -q '^GET /.well-known/acme-challenge/[^ ]* mode=644 ' "$T/web.log" ||
		{ fail "token file not served with mode 644 under umask 077"; return; }
	for d in "$T/www/.well-known" "$T/www/.well-known/acme-challenge"; do
		m=$(stat -c %a "$d" 2>/dev/null) || { fail "cannot stat $d"; return; }
		[ "$m" = 755 ] || { fail "$d made with mode $m under umask 077, want 755"; return; }
	done
}

# "Removed afterwards whatever happens": nanoacme stopped with SIGTERM while
# Pebble is still validating (a web server that never answers) must not leave
# the token file in the webroot.
t_webroot_killed() {
	local dir pid i st
	use_pebble main || return
	dir=$T/www/.well-known/acme-challenge
	mkdir -p "$dir" || return
	web_start hang - || return
	printf '$ %s %s &\n' "$NANOACME" "... -w $T/www issue wk.nanoacme.test" >>"$T/log"
	"$NANOACME" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -C "$T/s" -y \
		-w "$T/www" issue wk.nanoacme.test >"$T/out" 2>&1 </dev/null &
	pid=$!
	i=0
	while [ -z "$(ls -A "$dir")" ]; do
		i=$((i + 1))
		if [ "$i" -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			pebble_kill "$pid"
			cat "$T/out" >>"$T/log"
			fail "no token file appeared in $dir within 10 s"
			return
		fi
		sleep 0.1
	done
	# The token is published; wait until Pebble connected (its validation is
	# now pending), then stop nanoacme as cron's timeout or an admin would.
	i=0
	while ! grep -q accepted "$T/web.log" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -TERM "$pid"
	wait "$pid"
	st=$?
	cat "$T/out" >>"$T/log"
	printf '[exit %s after SIGTERM]\n' "$st" >>"$T/log"
	expect_empty_dir "$dir" || return
}

# --- challenge hook ---------------------------------------------------------------

# -k with dns-01 through challtestsrv: a wildcard and its base name, both
# proved by TXT records at _acme-challenge.wild.nanoacme.test.
t_hook_dns() {
	local d n
	use_pebble main || return
	make_hook "$T/hook" dns
	na_ca -k "$T/hook" issue '*.wild.nanoacme.test' wild.nanoacme.test
	expect_rc 0 || return
	d="$T/s/certs/*.wild.nanoacme.test"
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" 'DNS:*.wild.nanoacme.test' DNS:wild.nanoacme.test || return
	expect_setting "$d" hook "$T/hook" || return
	account_thumb || return
	expect_hook_auths "$T/hook" || return
	n=$(hook_calls "$T/hook" begin dns-01 | wc -l)
	[ "$n" = 2 ] || { fail "hook got $n 'begin dns-01' calls, want 2"; return; }
	n=$(hook_calls "$T/hook" begin dns-01 | awk -F'|' '$4 == "wild.nanoacme.test"' | wc -l)
	[ "$n" = 2 ] || { fail "the dns-01 IDENTs are not both wild.nanoacme.test"; return; }
	[ "$(hook_calls "$T/hook" begin dns-01 | cut -d'|' -f3-)" = \
		"$(hook_calls "$T/hook" 'done' dns-01 | cut -d'|' -f3-)" ] ||
		{ fail "the 'done' calls do not match the 'begin' calls"; return; }
	[ -z "$(hook_calls "$T/hook" failed dns-01)" ] ||
		{ fail "hook got 'failed' in a run that succeeded"; return; }
	# A challenge the hook refused (http-01, tls-alpn-01 of the base name) is
	# not taken back: no done/failed for those.
	n=$(awk -F'|' '$3 != "dns-01" && $2 != "begin"' "$T/hook.log" | wc -l)
	[ "$n" = 0 ] || { fail "hook got done/failed for a challenge it refused"; return; }
}

# A hook that refuses every challenge: exit 4, a message about the hook, one
# "begin" per challenge Pebble offers (http-01, dns-01, tls-alpn-01).
t_hook_refuses() {
	local n t
	use_pebble main || return
	make_hook "$T/hook" refuse
	na_ca -k "$T/hook" issue hr.nanoacme.test
	expect_rc 4 || return
	expect_out 'hr\.nanoacme\.test' "the name" || return
	expect_out '[Hh]ook' "a word about the hook" || return
	expect_absent "$T/s/certs/hr.nanoacme.test" || return
	for t in http-01 dns-01 tls-alpn-01; do
		n=$(hook_calls "$T/hook" begin "$t" | wc -l)
		[ "$n" = 1 ] || { fail "hook got $n 'begin $t' calls, want 1"; return; }
	done
	n=$(grep -vc '|begin|' "$T/hook.log")
	[ "$n" = 0 ] || { fail "hook got $n calls other than begin"; return; }
	account_thumb || return
	expect_hook_auths "$T/hook" || return
}

# A hook that publishes a wrong TXT value: exit 5 with Pebble's problem, and
# the hook hears "failed" (not "done") for it.
t_hook_wrong_txt() {
	local b f
	use_pebble main || return
	make_hook "$T/hook" dns-wrong
	na_ca -k "$T/hook" issue '*.hw.nanoacme.test'
	expect_rc 5 || return
	expect_out 'urn:ietf:params:acme:error:[A-Za-z]+' "an ACME problem type" || return
	b=$(hook_calls "$T/hook" begin dns-01 | cut -d'|' -f3-)
	f=$(hook_calls "$T/hook" failed dns-01 | cut -d'|' -f3-)
	[ -n "$b" ] || { fail "hook got no 'begin dns-01'"; return; }
	[ "$b" = "$f" ] || { fail "'failed' calls '$f' do not match 'begin' '$b'"; return; }
	[ -z "$(hook_calls "$T/hook" 'done' dns-01)" ] || { fail "hook got 'done' for a failed validation"; return; }
}

# -k with http-01: AUTH is the key authorization, published by the hook in a
# webroot served by the web server.
t_hook_http01() {
	local b
	use_pebble main || return
	mkdir -p "$T/www" || return
	web_start serve "$T/www" || return
	make_hook "$T/hook" "http:$T/www"
	na_std -y -k "$T/hook" issue hh.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/hh.nanoacme.test" || return
	account_thumb || return
	expect_hook_auths "$T/hook" || return
	b=$(hook_calls "$T/hook" begin http-01 | cut -d'|' -f3-)
	[ -n "$b" ] || { fail "hook got no 'begin http-01'"; return; }
	[ "$b" = "$(hook_calls "$T/hook" 'done' http-01 | cut -d'|' -f3-)" ] ||
		{ fail "'done http-01' does not match 'begin http-01'"; return; }
	grep -q "body=${b##*|}\$" "$T/web.log" ||
		{ fail "Pebble did not fetch the hook's file"; return; }
	expect_empty_dir "$T/www/.well-known/acme-challenge" || return
}

# --- tls-alpn-01 ------------------------------------------------------------------

# expect_alpn_valid NAME: the -vv output shows NAME's authorization valid by
# a tls-alpn-01 challenge.
expect_alpn_valid() {
	# each reply body on one line: -vv shows it a line at a time
	awk '/^  / { b = b $0; next } b != "" { print b; b = "" }
		END { if (b != "") print b }' "$T/out" |
		grep -F "\"value\": \"$1\"" | grep '"status": "valid"' |
		grep -q '"type": "tls-alpn-01"' ||
		fail "-vv output shows no authorization of $1 valid by tls-alpn-01"
}

# --alpn: two names proved on Pebble's tlsPort. A web server holds the http-01
# port: nanoacme must not open it (-l is given too).
t_alpn() {
	local d
	use_pebble main || return
	mkdir -p "$T/www" || return
	web_start serve "$T/www" || return
	na_std -y -vv --alpn "127.0.0.1:$PEBBLE_TLS_PORT" issue al1.nanoacme.test al2.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/al1.nanoacme.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" DNS:al1.nanoacme.test DNS:al2.nanoacme.test || return
	expect_alpn_valid al1.nanoacme.test || return
	expect_alpn_valid al2.nanoacme.test || return
	expect_setting "$d" alpn "127.0.0.1:$PEBBLE_TLS_PORT" || return
	[ ! -s "$T/web.log" ] || { fail "Pebble made http-01 requests in --alpn mode"; return; }
	if pebble_port_busy "$PEBBLE_TLS_PORT"; then
		fail "127.0.0.1:$PEBBLE_TLS_PORT still listening after the run"
	fi
}

# --- IP addresses (RFC 8738) ------------------------------------------------------

t_ip_v4() {
	local d
	use_pebble main || return
	na_std -y issue 127.0.0.1
	expect_rc 0 || return
	d=$T/s/certs/127.0.0.1
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" 'IP Address:127.0.0.1' || return
	# A DNS name and an address in one certificate.
	na_std -y issue ipmix.nanoacme.test 127.0.0.1
	expect_rc 0 || return
	d=$T/s/certs/ipmix.nanoacme.test
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" DNS:ipmix.nanoacme.test 'IP Address:127.0.0.1' || return
	# tls-alpn-01 for an address (SNI: its reverse-DNS name), new account.
	forget_account
	na_ca -vv --alpn "127.0.0.1:$PEBBLE_TLS_PORT" --force issue 127.0.0.1
	expect_rc 0 || return
	expect_alpn_valid 127.0.0.1 || return
	d=$T/s/certs/127.0.0.1
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" 'IP Address:127.0.0.1' || return
}

# have_v6_loopback: ::1 is configured and a socket can be bound to it.
have_v6_loopback() {
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' &&
		"$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
			2>/dev/null
}

t_ip_v6() {
	local d
	have_v6_loopback || { skip "no IPv6 loopback (::1) on this machine"; return; }
	use_pebble main || return
	na_ca -l "[::1]:$PEBBLE_HTTP_PORT" issue ::1
	expect_rc 0 || return
	d=$T/s/certs/::1
	expect_cert_dir "$d" || return
	expect_sans "$d/cert.pem" 'IP Address:0:0:0:0:0:0:0:1' || return
	forget_account
	na_ca -vv --alpn "[::1]:$PEBBLE_TLS_PORT" --force issue ::1
	expect_rc 0 || return
	expect_alpn_valid ::1 || return
	expect_cert_dir "$d" || return
}

# --- CA features ------------------------------------------------------------------

# chain_top_issuer FILE: the issuer CN of the last certificate in FILE.
chain_top_issuer() {
	awk '/-----BEGIN CERTIFICATE-----/ { c = "" } { c = c $0 "\n" }
		END { printf "%s", c }' "$1" |
		openssl x509 -noout -issuer -nameopt RFC2253 2>/dev/null |
		sed -n 's/^issuer=.*CN=\([^,]*\).*/\1/p'
}

# root_cn N: the CN of Pebble's root N.
root_cn() {
	pebble_curl "https://localhost:$PEBBLE_MGMT_PORT/roots/$1" |
		openssl x509 -noout -subject -nameopt RFC2253 2>/dev/null |
		sed -n 's/^subject=.*CN=\([^,]*\).*/\1/p'
}

# --preferred-chain CN of root 2: the chain tops out at root 2 and verifies
# against it (and not against root 0); an unknown CN keeps the default chain.
t_preferred_chain() {
	local cn0 cn2 d top
	use_pebble main || return
	cn0=$(root_cn 0)
	cn2=$(root_cn 2)
	if [ -z "$cn2" ] || [ "$cn2" = "$cn0" ]; then
		fail "Pebble has no distinct root 2 ('$cn0', '$cn2'): PEBBLE_ALTERNATE_ROOTS?"
		return
	fi
	na_std -y --preferred-chain "$cn2" issue pc.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/pc.nanoacme.test
	top=$(chain_top_issuer "$d/chain.pem")
	[ "$top" = "$cn2" ] || { fail "chain tops out at '$top', want '$cn2'"; return; }
	expect_verifies_root "$d" 2 || return
	if openssl verify -CAfile "$T/root0.pem" -untrusted "$d/chain.pem" \
		"$d/cert.pem" >/dev/null 2>&1; then
		fail "root 2's chain also verifies against root 0: the test proves nothing"
		return
	fi
	expect_setting "$d" preferred-chain "$cn2" || return
	# renew keeps the preferred chain.
	na -C "$T/s" renew --force --jitter 0
	expect_rc 0 || return
	top=$(chain_top_issuer "$d/chain.pem")
	[ "$top" = "$cn2" ] || { fail "after renew the chain tops out at '$top', want '$cn2'"; return; }
	# No chain with that issuer: the default one (root 0), exit 0.
	na_std -y --preferred-chain "No Such Root CA" issue pc2.nanoacme.test
	expect_rc 0 || return
	d=$T/s/certs/pc2.nanoacme.test
	top=$(chain_top_issuer "$d/chain.pem")
	[ "$top" = "$cn0" ] || { fail "chain tops out at '$top', want the default '$cn0'"; return; }
	expect_cert_dir "$d" || return
}

# make_csr KEY CSR NAME...: a P-256 key and a CSR for NAME... (CN = the first).
make_csr() {
	local key=$1 csr=$2 san=
	shift 2
	san=$(printf 'DNS:%s,' "$@")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$key" -out "$csr" -subj "/CN=$1" \
		-addext "subjectAltName=${san%,}" >>"$T/log" 2>&1
}

# --csr: names and key from the CSR, no privkey.pem; names on the command line
# must be the CSR's; renew uses the stored CSR.
t_csr() {
	local d want s1
	use_pebble main || return
	make_csr "$T/q.key" "$T/q.csr" q1.nanoacme.test q2.nanoacme.test ||
		{ fail "openssl could not make the CSR"; return; }
	want=$(openssl pkey -pubout -in "$T/q.key" 2>/dev/null)
	na_std -y --csr "$T/q.csr" issue
	expect_rc 0 || return
	d=$T/s/certs/q1.nanoacme.test
	expect_file "$d/cert.pem" || return
	expect_absent "$d/privkey.pem" || return
	expect_sans "$d/cert.pem" DNS:q1.nanoacme.test DNS:q2.nanoacme.test || return
	[ "$(pubkey_of_cert "$d/cert.pem")" = "$want" ] ||
		{ fail "the certificate is not for the CSR's key"; return; }
	cat "$d/cert.pem" "$d/chain.pem" | cmp -s - "$d/fullchain.pem" ||
		{ fail "fullchain.pem is not cert.pem + chain.pem"; return; }
	expect_verifies "$d" || return
	expect_setting "$d" csr "$T/q.csr" || return
	s1=$(serial_of "$d/cert.pem")
	# Other names than the CSR's: usage error, nothing changes.
	na_std -y --csr "$T/q.csr" --force issue other.nanoacme.test
	expect_rc 2 || return
	na_std -y --csr "$T/q.csr" --force issue q1.nanoacme.test
	expect_rc 2 || return
	expect_absent "$T/s/certs/other.nanoacme.test" || return
	[ "$(serial_of "$d/cert.pem")" = "$s1" ] || { fail "a refused run replaced the certificate"; return; }
	# The same names in another order and case are the CSR's names.
	na_std -y --csr "$T/q.csr" --force issue Q2.nanoacme.TEST q1.nanoacme.test
	expect_rc 0 || return
	s1=$(serial_of "$d/cert.pem")
	na -C "$T/s" renew --force --jitter 0
	expect_rc 0 || return
	[ "$(serial_of "$d/cert.pem")" != "$s1" ] || { fail "renew did not replace the certificate"; return; }
	[ "$(pubkey_of_cert "$d/cert.pem")" = "$want" ] ||
		{ fail "the renewed certificate is not for the CSR's key"; return; }
	expect_absent "$d/privkey.pem" || return
	expect_verifies "$d" || return
}

# --profile with a CA that offers none (Pebble 2.4), or not that one (2.10:
# "default" and "shortlived"): usage error naming the cause.
t_profile() {
	use_pebble main || return
	na_std -y --profile x issue pr.nanoacme.test
	expect_rc 2 || return
	expect_out '[Pp]rofile' "a word about profiles" || return
	if [ "$PEBBLE_VERSION" = 2.4 ]; then
		expect_out 'no profiles' "'no profiles'" || return
	else
		expect_out 'not one of the profiles' "'not one of the profiles'" || return
	fi
	expect_absent "$T/s/certs/pr.nanoacme.test" || return
}

# --- settings remembered by renew ---------------------------------------------------

# issue -w, then renew with no mode option, with a new account (a fresh
# validation): the token is served from the webroot again. The stored -l port
# is held by the web server, so a renew that listened would fail.
t_remember_webroot() {
	local before
	use_pebble main || return
	mkdir -p "$T/www" || return
	web_start serve "$T/www" || return
	na_std -y -w "$T/www" issue rw.nanoacme.test
	expect_rc 0 || return
	before=$(sed -n 's|^GET /.well-known/acme-challenge/\([^ ]*\) .*|\1|p' "$T/web.log" | sort -u)
	[ -n "$before" ] || { fail "no token fetched at issue"; return; }
	forget_account
	na -C "$T/s" -y renew --force --jitter 0
	expect_rc 0 || return
	sed -n 's|^GET /.well-known/acme-challenge/\([^ ]*\) mode=644 body=.*|\1|p' "$T/web.log" |
		sort -u | grep -Fvxq -- "$before" ||
		{ fail "renew did not publish a new token through the webroot"; return; }
	expect_cert_dir "$T/s/certs/rw.nanoacme.test" || return
	expect_empty_dir "$T/www/.well-known/acme-challenge" || return
}

t_remember_hook() {
	local n
	use_pebble main || return
	make_hook "$T/hook" dns
	na_ca -k "$T/hook" issue '*.rh.nanoacme.test'
	expect_rc 0 || return
	n=$(hook_calls "$T/hook" 'done' dns-01 | wc -l)
	[ "$n" = 1 ] || { fail "hook got $n 'done dns-01' at issue, want 1"; return; }
	expect_setting "$T/s/certs/*.rh.nanoacme.test" hook "$T/hook" || return
	: >"$T/hook.log"
	forget_account
	na -C "$T/s" -y renew --force --jitter 0
	expect_rc 0 || return
	n=$(hook_calls "$T/hook" begin dns-01 | wc -l)
	[ "$n" = 1 ] || { fail "hook got $n 'begin dns-01' at renew, want 1"; return; }
	n=$(hook_calls "$T/hook" 'done' dns-01 | wc -l)
	[ "$n" = 1 ] || { fail "hook got $n 'done dns-01' at renew, want 1"; return; }
	account_thumb || return
	expect_hook_auths "$T/hook" || return
}

t_remember_alpn() {
	use_pebble main || return
	na_std -y --alpn "127.0.0.1:$PEBBLE_TLS_PORT" issue ra.nanoacme.test
	expect_rc 0 || return
	forget_account
	na -C "$T/s" -y -vv renew --force --jitter 0
	expect_rc 0 || return
	expect_alpn_valid ra.nanoacme.test || return
	expect_cert_dir "$T/s/certs/ra.nanoacme.test" || return
}

# Paths given relative to the working directory of issue (-w, --csr, -k) must
# still work for renew from cron, which runs elsewhere: nanoacme stores
# absolute paths, or refuses relative ones at issue (exit 2).
t_relative_paths() {
	local cwd=$T/cwd r1 r2 r3 s1='' s2='' s3='' d1 d2 d3
	use_pebble main || return
	mkdir -p "$cwd/www" "$T/elsewhere" || return
	web_start serve "$cwd/www" || return
	make_csr "$cwd/req.key" "$cwd/req.csr" rp2.nanoacme.test ||
		{ fail "openssl could not make the CSR"; return; }
	make_hook "$cwd/hook" dns
	d1=$T/s/certs/rp1.nanoacme.test
	d2=$T/s/certs/rp2.nanoacme.test
	d3="$T/s/certs/*.rp3.nanoacme.test"
	cd "$cwd" || return
	na_std -y -w www issue rp1.nanoacme.test
	r1=$rc
	na_ca --csr req.csr -k "$cwd/hook" issue
	r2=$rc
	na_ca -k ./hook issue '*.rp3.nanoacme.test'
	r3=$rc
	cd "$here" || return
	for rc in "$r1" "$r2" "$r3"; do
		[ "$rc" = 2 ] || expect_rc 0 || return
	done
	[ "$r1" = 0 ] && s1=$(serial_of "$d1/cert.pem")
	[ "$r2" = 0 ] && s2=$(serial_of "$d2/cert.pem")
	[ "$r3" = 0 ] && s3=$(serial_of "$d3/cert.pem")
	forget_account
	cd "$T/elsewhere" || return
	na -C "$T/s" -y renew --force --jitter 0
	cd "$here" || return
	if [ "$rc" != 0 ]; then
		fail "renew from another working directory: exit $rc, want 0: $(grep -c . "$T/out") certificate(s) failed (settings store the relative paths?)"
		return
	fi
	if [ -n "$s1" ] && [ "$(serial_of "$d1/cert.pem")" = "$s1" ]; then
		fail "certificate issued with -w www not renewed"
		return
	fi
	if [ -n "$s2" ] && [ "$(serial_of "$d2/cert.pem")" = "$s2" ]; then
		fail "certificate issued with --csr req.csr not renewed"
		return
	fi
	if [ -n "$s3" ] && [ "$(serial_of "$d3/cert.pem")" = "$s3" ]; then
		fail "certificate issued with -k ./hook not renewed"
		return
	fi
}

# --- external account binding -----------------------------------------------------

t_eab_required() {
	use_pebble eab || return
	na_std -y issue er.nanoacme.test
	expect_rc 2 || return
	expect_out '[Ee]xternal account binding' "'external account binding'" || return
	expect_out 'eab-kid' "the option to use" || return
	[ -z "$(find "$T/s/account" -type f -name url 2>/dev/null)" ] ||
		{ fail "an account was stored"; return; }
	expect_absent "$T/s/certs/er.nanoacme.test" || return
}

# expect_eab ALG: Pebble's newAccount reply (shown by -vv) echoes the EAB JWS
# nanoacme sent: protected {"alg":ALG,"kid":"kid-1","url":newAccount}, payload
# the account key's JWK, signature HMAC-ALG over them with $EAB_KEY.
expect_eab() {
	local alg=$1 prot payload sig prot_json pay_json url xy hexkey want bits m
	prot=$(grep -o '"protected": *"[A-Za-z0-9_-]*"' "$T/out" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/')
	payload=$(grep -o '"payload": *"[A-Za-z0-9_-]*"' "$T/out" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/')
	sig=$(grep -o '"signature": *"[A-Za-z0-9_-]*' "$T/out" | head -n 1 | sed 's/.*: *"//')
	if [ -z "$prot" ] || [ -z "$payload" ]; then
		fail "no externalAccountBinding in the -vv output of newAccount"
		return 1
	fi
	prot_json=$(b64u_decode "$prot")
	pay_json=$(b64u_decode "$payload")
	url=$(pebble_curl "$PEBBLE_DIR_URL" | sed -n 's/.*"newAccount": *"\([^"]*\)".*/\1/p')
	for m in "\"alg\":\"HS$alg\"" '"kid":"kid-1"' "\"url\":\"$url\""; do
		case $prot_json in
		*"$m"*) ;;
		*) fail "EAB protected header '$prot_json' lacks $m"; return 1 ;;
		esac
	done
	find_account "$T/s" || return 1
	xy=$(jwk_xy "$acct_dir/key.pem") || { fail "cannot read the account key"; return 1; }
	for m in "\"x\":\"${xy% *}\"" "\"y\":\"${xy#* }\"" '"kty":"EC"' '"crv":"P-256"'; do
		case $pay_json in
		*"$m"*) ;;
		*) fail "EAB payload '$pay_json' is not the account key (lacks $m)"; return 1 ;;
		esac
	done
	hexkey=$(b64u_decode "$EAB_KEY" | od -An -v -tx1 | tr -d ' \n')
	want=$(printf '%s.%s' "$prot" "$payload" |
		openssl dgst "-sha$alg" -mac HMAC -macopt "hexkey:$hexkey" -binary | b64u)
	bits=${#sig}
	[ "$bits" -ge 16 ] || { fail "EAB signature shown too short to compare ('$sig')"; return 1; }
	[ "${want:0:$bits}" = "$sig" ] ||
		fail "EAB signature '$sig...' is not HMAC-SHA$alg ('$want')"
}

t_eab() {
	use_pebble eab || return
	na_std -y -vv --eab-kid kid-1 --eab-hmac "$EAB_KEY" issue eb.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/eb.nanoacme.test" || return
	expect_eab 256 || return
	# The account exists now: no EAB needed any more.
	na_std -y issue eb2.nanoacme.test
	expect_rc 0 || return
	expect_cert_dir "$T/s/certs/eb2.nanoacme.test" || return
}

t_eab_wrong() {
	local other
	use_pebble eab || return
	other=$(head -c 32 /dev/urandom | b64u)
	na_std -y --eab-kid kid-1 --eab-hmac "$other" issue ew.nanoacme.test
	expect_rc 4 || return
	expect_out 'urn:ietf:params:acme:error:[A-Za-z]+' "Pebble's problem type" || return
	expect_out '[Ee]xternal account binding' "Pebble's detail" || return
	[ -z "$(find "$T/s/account" -type f -name url 2>/dev/null)" ] ||
		{ fail "an account was stored"; return; }
	na_std -y --eab-kid kid-2 --eab-hmac "$EAB_KEY" issue ew.nanoacme.test
	expect_rc 4 || return
	expect_out 'urn:ietf:params:acme:error:[A-Za-z]+' "Pebble's problem type" || return
	na_std -y --eab-kid kid-1 --eab-hmac 'not+base64url' issue ew.nanoacme.test
	expect_rc 2 || return
	na_std -y --eab-kid kid-1 issue ew.nanoacme.test
	expect_rc 2 || return
	expect_absent "$T/s/certs/ew.nanoacme.test" || return
}

# Pebble takes HS384 and HS512 too.
t_eab_alg() {
	local a
	use_pebble eab || return
	for a in 384 512; do
		rm -rf "$T/s"
		na_std -y -vv --eab-kid kid-1 --eab-hmac "$EAB_KEY" --eab-alg "$a" issue "ea$a.nanoacme.test"
		expect_rc 0 || return
		expect_eab "$a" || return
	done
	rm -rf "$T/s"
	na_std -y --eab-kid kid-1 --eab-hmac "$EAB_KEY" --eab-alg 128 issue ea.nanoacme.test
	expect_rc 2 || return
}

# --- main ------------------------------------------------------------------------

need_nanoacme
need_tools openssl curl timeout base64 od awk sed "$PY"
write_websrv "$TMP/websrv.py"

# Order matters only for speed: "main" tests first, then the "eab" ones.
all_tests="webroot webroot_failed webroot_umask webroot_killed hook_dns"
all_tests="$all_tests hook_refuses hook_wrong_txt hook_http01 alpn ip_v4 ip_v6"
all_tests="$all_tests preferred_chain csr profile remember_webroot remember_hook"
all_tests="$all_tests remember_alpn relative_paths"
all_tests="$all_tests eab_required eab eab_wrong eab_alg"
run_tests "$all_tests" "${MODES_TESTS:-}"
