#!/usr/bin/env bash
# tests/openwrt.sh: the OpenWrt glue in openwrt/ run for real, as far as a
# Debian machine allows.
#
# Usage: tests/openwrt.sh [path-to-nanoacme]    (default: $NANOACME, else ./nanoacme)
# Environment:
#   OPENWRT_TESTS     space-separated test names to run (default: all)
#   OPENWRT_VERBOSE=1 print each test's log even when it passes
#   PEBBLE_*_PORT, CHALLTESTSRV_*_PORT: see tests/pebble-env.sh
#
# The scripts (openwrt/files/*.sh) run under `busybox ash`, as on a router,
# against a real Pebble on 127.0.0.1 and the real nanoacme. What only
# OpenWrt has is replaced by recording test doubles (tests/openwrt/):
# uci, nft, ubus, hotplug-call (bin/), acme-common's functions.sh and
# notify, /etc/init.d scripts; each test has its own fake root (the
# scripts' NANOACME_ROOT), calls log ($STUB_LOG) and state. Debian's
# busybox-static runs its own applets before $PATH (logger included), so
# the hook's log lines are recorded through the functions.sh double.
# Also real: busybox crond running a renewal from a crontab, busybox
# httpd serving webroot challenges, lighttpd serving HTTPS for the uhttpd
# deploy hook, verified with openssl s_client against Pebble's root.
#
# Runner as in tests/pebble.sh: "ok NAME" or "FAIL NAME: reason (line N)"
# with the test's log; the last line is "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
files=$repo/openwrt/files
doubles=$here/openwrt
# A port block of its own, so that other Pebble suites may run meanwhile.
: "${PEBBLE_PORT:=14300}" "${PEBBLE_MGMT_PORT:=15300}" "${PEBBLE_HTTP_PORT:=5302}"
: "${PEBBLE_TLS_PORT:=5301}" "${CHALLTESTSRV_DNS_PORT:=8353}" "${CHALLTESTSRV_MGMT_PORT:=8355}"
# shellcheck source=tests/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/pebble-env.sh
. "$here/pebble-env.sh"

NANOACME=${1:-${NANOACME:-./nanoacme}}
case $NANOACME in /*) ;; *) NANOACME=$PWD/$NANOACME ;; esac
BUSYBOX=${BUSYBOX:-busybox}
# Where the fake uhttpd (lighttpd) serves HTTPS; the decoy port nothing
# listens on for the crond renewal (its authorization is reused).
HTTPS_PORT=${OPENWRT_HTTPS_PORT:-18443}
DECOY_PORT=${OPENWRT_DECOY_PORT:-5399}

passed=0
failed=0
T=
TMP=
reason=
rc=
CROND_PID=
CROND_T0=
HELP=

finish() {
	local f
	if [ -n "$CROND_PID" ]; then
		kill "$CROND_PID" 2>/dev/null
		wait "$CROND_PID" 2>/dev/null
		CROND_PID=
	fi
	if [ -n "$TMP" ]; then
		for f in "$TMP"/*/stub/uhttpd.pid "$TMP"/*/httpd.pid; do
			[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		done
	fi
	pebble_stop
	[ -z "$TMP" ] || rm -rf "$TMP"
	TMP=
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers (as tests/pebble.sh): each sets $reason and returns 1 ---------

expect_rc() {
	[ "$rc" = "$1" ] || fail "exit $rc, want $1${2:+ ($2)}"
}

# has_option OPT: the binary's --help lists OPT.
has_option() {
	grep -Eq -- "(^|[ ,])$1([ ,=]|$)" <<<"$HELP"
}

# need_option OPT: fail clearly if the binary does not have OPT yet.
need_option() {
	has_option "$1" ||
		fail "nanoacme has no $1 option yet (./nanoacme --help): this validation method cannot run"
}

# calls_has ERE: the calls log has a matching line.
calls_has() {
	grep -Eq -- "$1" "$STUB_LOG" || fail "no call matching /$1/ in the calls log"
}

calls_lacks() {
	! grep -Eq -- "$1" "$STUB_LOG" || fail "unexpected call: $(grep -E -- "$1" "$STUB_LOG" | head -n 1)"
}

# calls_count ERE N
calls_count() {
	local n
	n=$(grep -Ec -- "$1" "$STUB_LOG")
	[ "$n" = "$2" ] || fail "$n calls matching /$1/, want $2"
}

# line_of ERE: number of the first matching line of the calls log (or 0).
line_of() {
	local n
	n=$(grep -En -- "$1" "$STUB_LOG" | head -n 1 | cut -d: -f1)
	echo "${n:-0}"
}

expect_mode() {
	local m
	m=$(stat -c %a "$1" 2>/dev/null) || { fail "cannot stat $1"; return 1; }
	[ "$m" = "$2" ] || fail "mode of $1 is $m, want $2"
}

# serial CERT: the certificate's serial number.
serial() {
	openssl x509 -noout -serial -in "$1" 2>/dev/null
}

# fresh_root: a fake OpenWrt root for this test in $ROOT, its calls log,
# uci database and the environment the scripts see (array $ENV).
fresh_root() {
	ROOT=$T/root
	STUB_DIR=$T/stub
	STUB_LOG=$T/calls
	mkdir -p "$STUB_DIR" "$ROOT/usr/bin" "$ROOT/usr/sbin" "$ROOT/usr/lib/acme/client/dnsapi" \
		"$ROOT/usr/lib/nanoacme" "$ROOT/etc/init.d" "$ROOT/etc/hotplug.d/ntp" \
		"$ROOT/etc/crontabs" "$ROOT/var/run" || return 1
	: >"$STUB_LOG"
	ln -s "$NANOACME" "$ROOT/usr/bin/nanoacme"
	cp "$doubles/functions.sh" "$doubles/notify" "$ROOT/usr/lib/acme/"
	cp "$doubles/dns_natest.sh" "$ROOT/usr/lib/acme/client/dnsapi/"
	wrap "$files/hook.sh" "$ROOT/usr/lib/acme/hook"
	wrap "$files/dnsapi-bridge.sh" "$ROOT/usr/lib/nanoacme/dnsapi-bridge"
	wrap "$files/deploy-uhttpd.sh" "$ROOT/usr/lib/nanoacme/deploy-uhttpd"
	wrap "$files/nanoacme-cron.sh" "$ROOT/usr/sbin/nanoacme-cron"
	wrap "$files/ntp-hotplug.sh" "$ROOT/etc/hotplug.d/ntp/25-acme-nanoacme"
	cp "$doubles/uhttpd-init" "$ROOT/etc/init.d/uhttpd"
	cp "$doubles/init-stub" "$ROOT/etc/init.d/cron"
	cp "$doubles/init-stub" "$ROOT/etc/init.d/acme"
	printf '%s\n' uhttpd.main=uhttpd uhttpd.main.cert=/etc/uhttpd.crt \
		uhttpd.main.key=/etc/uhttpd.key "uhttpd.main.listen_https=0.0.0.0:443" \
		>"$STUB_DIR/uci.db"
	ENV=(env -i "PATH=$doubles/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root
		"STUB_LOG=$STUB_LOG" "STUB_DIR=$STUB_DIR" "NANOACME_ROOT=$ROOT"
		"SSL_CERT_FILE=$PEBBLE_CA_FILE" "CHALLTESTSRV_MGMT_PORT=$CHALLTESTSRV_MGMT_PORT")
}

# wrap SCRIPT PATH: PATH runs SCRIPT under busybox ash (a #!/bin/sh script
# exec'd by nanoacme, crond or hotplug would get Debian's dash).
wrap() {
	printf '#!/bin/sh\nexec %s ash %s "$@"\n' "$BUSYBOX" "$1" >"$2" && chmod 755 "$2"
}

# fake_nanoacme: replace usr/bin/nanoacme by a double that records its
# arguments (one a line, then "--") in $STUB_DIR/nanoacme.args, its pid in
# nanoacme.pid, sleeps $FAKE_SLEEP and exits $FAKE_RC.
fake_nanoacme() {
	rm -f "$ROOT/usr/bin/nanoacme"
	cat >"$ROOT/usr/bin/nanoacme" <<-'EOF'
		#!/bin/sh
		echo $$ >"$STUB_DIR/nanoacme.pid"
		printf '%s\n' "$@" -- >>"$STUB_DIR/nanoacme.args"
		[ "${FAKE_SLEEP:-0}" = 0 ] || sleep "$FAKE_SLEEP"
		exit "${FAKE_RC:-0}"
	EOF
	chmod 755 "$ROOT/usr/bin/nanoacme"
}

# hook [VAR=value...]: run acme-common's `/usr/lib/acme/hook get` the way
# procd does, with a cert section's environment (defaults below, then
# VAR=value). Output in $T/out (and $T/log), status in $rc.
hook() {
	local -a env=("${ENV[@]}"
		"CERT_DIR=$ROOT/etc/ssl/acme" "CHALLENGE_DIR=$ROOT/var/run/acme/challenge"
		account_email=admin@owrt.test "state_dir=$ROOT/etc/acme" debug=0
		validation_method=standalone "listen_port=$PEBBLE_HTTP_PORT" staging=0
		"acme_server=$PEBBLE_DIR_URL" key_type=ec256 days= cert_profile= dns=
		dns_wait= calias= dalias= NANOACME_LISTEN_HOST=127.0.0.1
		NANOACME_LOCK_WAIT=1 "$@")
	echo "\$ hook get $*" >>"$T/log"
	timeout -k 5 120 "${env[@]}" "$BUSYBOX" ash "$files/hook.sh" get >"$T/out" 2>&1 </dev/null
	rc=$?
	cat "$T/out" >>"$T/log"
	echo "[exit $rc]" >>"$T/log"
}

# published MAIN: the five files in CERT_DIR are real files with the right
# modes and content (nanoacme's files of MAIN), the chain verifies against
# Pebble's root, and no temporary file is left.
published() {
	local p=$ROOT/etc/ssl/acme/$1 s=$ROOT/etc/acme/certs/$1 f out
	for f in crt key fullchain.crt chain.crt combined.crt; do
		[ -f "$p.$f" ] && [ ! -L "$p.$f" ] || { fail "$p.$f: not a regular file"; return 1; }
	done
	expect_mode "$p.key" 600 && expect_mode "$p.combined.crt" 600 &&
		expect_mode "$p.crt" 644 && expect_mode "$p.fullchain.crt" 644 &&
		expect_mode "$p.chain.crt" 644 || return 1
	cmp -s "$s/cert.pem" "$p.crt" && cmp -s "$s/privkey.pem" "$p.key" &&
		cmp -s "$s/chain.pem" "$p.chain.crt" && cmp -s "$s/fullchain.pem" "$p.fullchain.crt" ||
		{ fail "$p.* differ from nanoacme's $s/*"; return 1; }
	cat "$p.fullchain.crt" "$p.key" | cmp -s - "$p.combined.crt" ||
		{ fail "$p.combined.crt is not fullchain + key"; return 1; }
	out=$(openssl verify -CAfile "$TMP/root.pem" -untrusted "$p.chain.crt" "$p.crt" 2>&1) ||
		{ fail "openssl verify $p.crt: $out"; return 1; }
	[ -z "$(find "$ROOT/etc/ssl/acme" -name ".$1.*")" ] ||
		{ fail "temporary files left: $(ls -A "$ROOT/etc/ssl/acme")"; return 1; }
}

# firewall_closed PORT: one rule was opened for PORT, deleted by its handle
# after nanoacme had exited, and no rule is left.
firewall_closed() {
	local h ins del done_line
	ins=$(line_of "^nft -a -e insert rule inet fw4 input tcp dport $1 ")
	[ "$ins" -gt 0 ] || { fail "no nft rule was inserted for port $1"; return 1; }
	h=$(grep -c '^nft -a -e insert' "$STUB_LOG")
	[ "$h" = 1 ] || { fail "$h nft inserts, want 1"; return 1; }
	del=$(line_of '^nft delete rule inet fw4 input handle [0-9]+$')
	[ "$del" -gt "$ins" ] || { fail "the nft rule was not deleted"; return 1; }
	done_line=$(line_of 'nanoacme exited')
	[ "$done_line" -gt 0 ] && [ "$del" -gt "$done_line" ] ||
		{ fail "nft rule deleted (line $del) before nanoacme exited (line $done_line)"; return 1; }
	[ ! -s "$STUB_DIR/nft.rules" ] || { fail "nft rules left: $(cat "$STUB_DIR/nft.rules")"; return 1; }
}

# args_have WORD...: the fake nanoacme's last argument list has these
# consecutive arguments.
args_have() {
	local want have
	want=$(printf '%s\n' "$@")
	have=$(awk 'BEGIN { RS = "--\n" } { last = $0 } END { printf "%s", last }' \
		"$STUB_DIR/nanoacme.args" 2>/dev/null)
	case $'\n'$have$'\n' in
	*$'\n'"$want"$'\n'*) return 0 ;;
	esac
	fail "nanoacme was not given '$*': $(echo "$have" | tr '\n' ' ')"
}

args_lack() {
	local have
	have=$(awk 'BEGIN { RS = "--\n" } { last = $0 } END { printf "%s", last }' \
		"$STUB_DIR/nanoacme.args" 2>/dev/null)
	! grep -qxF -- "$1" <<<"$have" || fail "nanoacme was given $1: $(echo "$have" | tr '\n' ' ')"
}

run_test() {
	local name=$1
	T=$TMP/$name
	mkdir -p "$T" && : >"$T/log" && : >"$T/out"
	reason=
	if "t_$name"; then
		echo "ok $name"
		[ "${OPENWRT_VERBOSE:-0}" != 1 ] || sed 's/^/    /' "$T/log"
		passed=$((passed + 1))
	else
		echo "FAIL $name: ${reason:-returned non-zero}"
		sed 's/^/    /' "$T/log"
		[ ! -s "$T/calls" ] || { echo "    --- calls"; sed 's/^/    /' "$T/calls"; }
		for f in "$T"/root/var/run/nanoacme/*.log; do
			[ -f "$f" ] || continue
			echo "    --- $f"
			sed 's/^/    /' "$f"
		done
		failed=$((failed + 1))
	fi
}

# --- the package Makefile ----------------------------------------------------

# OpenWrt's package conventions: the variables and sections a feed package
# must have, pinned extra sources with sha256 hashes, the packages.
t_makefile() {
	local mk=$repo/openwrt/Makefile v p h
	[ -f "$mk" ] || { fail "no $mk"; return; }
	head -n 20 "$mk" | grep -q '^include $(TOPDIR)/rules.mk$' ||
		{ fail "no include \$(TOPDIR)/rules.mk at the top"; return; }
	grep -q '^include $(INCLUDE_DIR)/package.mk$' "$mk" || { fail "no include package.mk"; return; }
	for v in PKG_NAME PKG_VERSION PKG_RELEASE PKG_LICENSE PKG_LICENSE_FILES PKG_MAINTAINER; do
		grep -Eq "^$v:=.+" "$mk" || { fail "$v not set"; return; }
	done
	grep -Eq '^PKG_MAINTAINER:=.+ <[^ @]+@[^ ]+>$' "$mk" || { fail "PKG_MAINTAINER is not 'Name <mail>'"; return; }
	v=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
	grep -q "NANOACME_VERSION \"$v\"" "$repo/acme.h" ||
		{ fail "PKG_VERSION $v is not acme.h's NANOACME_VERSION"; return; }
	# Extra sources: BearSSL and jsmn, pinned versions and sha256 hashes.
	for p in BEARSSL JSMN; do
		grep -Eq "^${p}_VERSION:=[0-9]" "$mk" || { fail "${p}_VERSION not pinned"; return; }
	done
	grep -q 'bearssl.org' "$mk" || { fail "BearSSL does not come from bearssl.org"; return; }
	grep -q 'zserge/jsmn' "$mk" || { fail "jsmn does not come from zserge/jsmn"; return; }
	h=$(grep -Ec '^ *HASH:=[0-9a-f]{64}$' "$mk")
	[ "$h" = 2 ] || { fail "$h HASH:= sha256 lines in Download sections, want 2"; return; }
	grep -q '6705bba1714961b41a728dfc5debbe348d2966c117649392f8c8139efc83ff14' "$mk" ||
		{ fail "BearSSL 0.6's hash is not the published one"; return; }
	grep -q '5f0913a10657fe7ec8d5794ccf00a01000e3e1f2f1e1f143c34a0f7b47edcb38' "$mk" ||
		{ fail "jsmn 1.1.0's hash is not the published one"; return; }
	for p in bearssl jsmn; do
		grep -q "^\$(eval \$(call Download,$p))$" "$mk" || { fail "no Download call for $p"; return; }
	done
	# Build/Compile: our Makefile with the target's CC, CFLAGS, LDFLAGS,
	# BearSSL built by the target toolchain, linked statically.
	awk '/^define Build\/Compile/,/^endef/' "$mk" >"$T/compile"
	for v in 'CC="$(TARGET_CC)"' 'CFLAGS="$(TARGET_CFLAGS)' 'LDFLAGS="$(TARGET_LDFLAGS)' \
		'STATIC=1' 'BEARSSL_CFLAGS=' 'BEARSSL_LIBS=' 'libbearssl.a'; do
		grep -qF -- "$v" "$T/compile" || { fail "Build/Compile lacks $v"; return; }
	done
	for p in nanoacme acme-nanoacme nanoacme-cron; do
		awk "/^define Package\\/$p\$/,/^endef/" "$mk" >"$T/pkg"
		for v in SECTION CATEGORY TITLE DEPENDS; do
			grep -Eq "^ +$v:=.+" "$T/pkg" || { fail "Package/$p: no $v"; return; }
		done
		grep -q "^define Package/$p/description" "$mk" || { fail "Package/$p: no description"; return; }
		grep -q "^define Package/$p/install" "$mk" || { fail "Package/$p: no install section"; return; }
		grep -q "^\$(eval \$(call BuildPackage,$p))$" "$mk" || { fail "no BuildPackage for $p"; return; }
	done
	awk '/^define Package\/acme-nanoacme$/,/^endef/' "$mk" >"$T/pkg"
	grep -Eq '^ +PROVIDES:=@acme$' "$T/pkg" || { fail "acme-nanoacme: PROVIDES:=@acme missing"; return; }
	grep -Eq '^ +DEPENDS:=\+acme-common \+nanoacme$' "$T/pkg" ||
		{ fail "acme-nanoacme: DEPENDS is not +acme-common +nanoacme"; return; }
	awk '/^define Package\/nanoacme\/install$/,/^endef/' "$mk" >"$T/inst"
	[ "$(grep -c INSTALL_ "$T/inst")" = 2 ] && grep -q '/usr/bin/' "$T/inst" ||
		{ fail "Package/nanoacme/install must install the binary and nothing else"; return; }
	awk '/^define Package\/acme-nanoacme\/install$/,/^endef/' "$mk" >"$T/inst"
	grep -q 'files/hook.sh $(1)/usr/lib/acme/hook$' "$T/inst" ||
		{ fail "acme-nanoacme does not install /usr/lib/acme/hook"; return; }
	# Every file the install sections name exists.
	for p in $(grep -Eo '\./files/[A-Za-z0-9._-]+' "$mk" | sort -u); do
		[ -f "$repo/openwrt/$p" ] || { fail "openwrt/$p named in the Makefile is missing"; return; }
	done
}

# nanoacme.1 documents every option --help lists, every command and every
# exit code (the man page is the package's documentation on the router).
t_manpage() {
	local man=$repo/nanoacme.1 txt o c
	[ -f "$man" ] || { fail "no $man"; return; }
	txt=$(sed 's/\\-/-/g' "$man")
	for o in $(grep -Eo -- '--[a-z][a-z-]+' <<<"$HELP" | sort -u); do
		grep -qF -- "$o" <<<"$txt" || { fail "nanoacme.1 lacks $o"; return; }
	done
	for c in issue renew list revoke account deactivate rollover; do
		grep -q "^\.B.* $c" <<<"$txt" || { fail "nanoacme.1 lacks the command $c"; return; }
	done
	for c in $(grep -Eo '(^|[ ,])[0-9]+ [a-z]' <<<"$(sed -n '/^Exit codes/,$p' <<<"$HELP")" |
		grep -Eo '[0-9]+'); do
		grep -qx "\.B $c" <<<"$txt" || { fail "nanoacme.1 lacks exit code $c"; return; }
	done
	if command -v man >/dev/null 2>&1; then
		o=$(LC_ALL=C man --warnings -l "$man" 2>&1 >/dev/null)
		[ -z "$o" ] || { fail "man warns: $o"; return; }
	fi
}

# Every script parses under busybox ash and starts with #!/bin/sh.
t_syntax() {
	local f out
	for f in "$files"/*.sh; do
		[ "$(head -n 1 "$f")" = '#!/bin/sh' ] || { fail "$f: first line is not #!/bin/sh"; return; }
		out=$("$BUSYBOX" ash -n "$f" 2>&1) || { fail "busybox ash -n $f: $out"; return; }
	done
}

# --- acme-common hook ----------------------------------------------------------

# UCI options to nanoacme options, with a double in place of nanoacme.
t_hook_args() {
	local s
	fresh_root && fake_nanoacme || return
	hook acme_server= staging=0 days=45 cert_profile=shortlived debug=1 \
		listen_port= "domains=A.owrt.test b.owrt.test" main_domain=A.owrt.test \
		NANOACME_LISTEN_HOST= FAKE_RC=1
	expect_rc 0 "not due" || return
	s=$ROOT/etc/acme
	args_have -C "$s" -y --syslog -D https://acme-v02.api.letsencrypt.org/directory \
		-e admin@owrt.test --days 45 --profile shortlived -v --listen :80 \
		issue A.owrt.test b.owrt.test || return
	calls_lacks '^notify' || return
	hook acme_server= staging=1 domains=a.owrt.test FAKE_RC=1
	args_have -D https://acme-staging-v02.api.letsencrypt.org/directory || return
	args_lack -v || return
	args_lack --days || return
	hook acme_server=letsencrypt_test domains=a.owrt.test FAKE_RC=1
	args_have -D https://acme-staging-v02.api.letsencrypt.org/directory || return
	hook acme_server=zerossl domains=a.owrt.test FAKE_RC=1
	args_have -D https://acme.zerossl.com/v2/DV90 || return
	hook acme_server=google staging=1 domains=a.owrt.test FAKE_RC=1
	args_have -D https://dv.acme-v02.api.pki.goog/directory || return
	calls_has 'staging applies to Let.s Encrypt only' || return
	hook acme_server=actalis domains=a.owrt.test FAKE_RC=1
	args_have -D https://acme-api.actalis.com/acme/directory || return
	hook acme_server=https://ca.example/dir account_email= domains=a.owrt.test FAKE_RC=1 \
		eab_kid=kid1 eab_hmac_key=bWFj
	args_have -D https://ca.example/dir || return
	args_have --eab-kid kid1 --eab-hmac bWFj || return
	args_lack -e || return
	hook validation_method=alpn listen_port= NANOACME_LISTEN_HOST= domains=a.owrt.test FAKE_RC=1
	args_have --alpn :443 || return
	hook validation_method=webroot domains=a.owrt.test FAKE_RC=1
	args_have --webroot "$ROOT/var/run/acme/challenge" || return
	[ -d "$ROOT/var/run/acme/challenge" ] || { fail "CHALLENGE_DIR not created"; return; }
	hook validation_method=dns dns=dns_natest domains='*.owrt.test' FAKE_RC=1
	args_have --hook "$ROOT/usr/lib/nanoacme/dnsapi-bridge" issue '*.owrt.test' || return
	# Refusals: nanoacme must not run, the failure event goes out.
	: >"$STUB_DIR/nanoacme.args"
	: >"$STUB_LOG"
	hook key_type=rsa2048 domains=k.owrt.test
	[ "$rc" != 0 ] || { fail "key_type rsa2048 accepted"; return; }
	calls_has 'key_type rsa2048 is not supported by nanoacme.*ECDSA P-256' || return
	calls_has '^notify issue-failed$' || return
	hook acme_server=nosuchca domains=k.owrt.test
	[ "$rc" != 0 ] || { fail "acme_server nosuchca accepted"; return; }
	hook validation_method=carrierpigeon domains=k.owrt.test
	[ "$rc" != 0 ] || { fail "validation_method carrierpigeon accepted"; return; }
	hook validation_method=dns dns= domains=k.owrt.test
	[ "$rc" != 0 ] || { fail "dns without a dnsapi name accepted"; return; }
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "nanoacme ran for a refused configuration"; return; }
	calls_count '^notify issue-failed$' 4 || return
}

# standalone: first issuance, not due, renewal; files, events, firewall,
# uhttpd picking up the certificate.
t_hook_standalone() {
	local p s1 s2
	fresh_root || return
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test
	expect_rc 0 || return
	published sa.owrt.test || return
	p=$ROOT/etc/ssl/acme/sa.owrt.test
	calls_count '^notify ' 1 || return
	calls_has '^notify issued$' || return
	calls_has '^ubus call service event \{"type":"acme.issue"' || return
	firewall_closed "$PEBBLE_HTTP_PORT" || return
	calls_has 'comment "ACME sa.owrt.test"' || return
	# uhttpd had the self-signed defaults: now it serves this certificate.
	[ "$(grep '^uhttpd.main.cert=' "$STUB_DIR/uci.db")" = "uhttpd.main.cert=$p.fullchain.crt" ] &&
		[ "$(grep '^uhttpd.main.key=' "$STUB_DIR/uci.db")" = "uhttpd.main.key=$p.key" ] ||
		{ fail "uhttpd not pointed at the certificate: $(cat "$STUB_DIR/uci.db")"; return; }
	calls_has '^uci commit uhttpd$' || return
	calls_has '^init.d/uhttpd reload' || return
	s1=$(serial "$p.crt")

	# Not due: nothing happens, no event.
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test
	expect_rc 0 "not due" || return
	calls_lacks '^notify' || return
	calls_lacks '^init.d/uhttpd' || return
	[ "$(serial "$p.crt")" = "$s1" ] || { fail "certificate changed while not due"; return; }
	[ ! -s "$STUB_DIR/nft.rules" ] || { fail "nft rule left: $(cat "$STUB_DIR/nft.rules")"; return; }

	# Due (days larger than Pebble's 5-year lifetime): renewed.
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test days=3000
	expect_rc 0 || return
	published sa.owrt.test || return
	s2=$(serial "$p.crt")
	[ "$s2" != "$s1" ] || { fail "renewal kept serial $s1"; return; }
	calls_count '^notify ' 1 || return
	calls_has '^notify renewed$' || return
	calls_has '^ubus call service event \{"type":"acme.renew"' || return
	calls_has '^init.d/uhttpd restart$' || return
	calls_lacks '^uci set' || return
	firewall_closed "$PEBBLE_HTTP_PORT" || return

	# CERT_DIR lost a file: the next (not due) run publishes again.
	rm -f "$p.combined.crt"
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test
	expect_rc 0 || return
	published sa.owrt.test || return
	calls_has '^notify renewed$' || return
}

# webroot: challenges written to CHALLENGE_DIR, served by another web
# server (busybox httpd here, uhttpd on a router); no firewall rule; a
# uhttpd certificate chosen by the administrator is left alone.
t_hook_webroot() {
	local cd pid
	need_option --webroot || return
	fresh_root || return
	cd=$ROOT/var/run/acme/challenge
	mkdir -p "$cd/.well-known/acme-challenge"
	"$BUSYBOX" httpd -f -p "127.0.0.1:$PEBBLE_HTTP_PORT" -h "$cd" &
	pid=$!
	echo "$pid" >"$T/httpd.pid"
	sleep 0.2
	printf '%s\n' uhttpd.main=uhttpd uhttpd.main.cert=/etc/mine.crt uhttpd.main.key=/etc/mine.key \
		>"$STUB_DIR/uci.db"
	hook validation_method=webroot domains=wr.owrt.test listen_port=
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect_rc 0 || return
	published wr.owrt.test || return
	calls_has '^notify issued$' || return
	calls_lacks '^nft' || return
	calls_lacks '^uci set' || return
	calls_lacks '^init.d/uhttpd' || return
	[ -z "$(ls -A "$cd/.well-known/acme-challenge")" ] ||
		{ fail "challenge files left: $(ls -A "$cd/.well-known/acme-challenge")"; return; }
}

# alpn: the built-in tls-alpn-01 responder on listen_port, firewall opened
# and closed.
t_hook_alpn() {
	need_option --alpn || return
	fresh_root || return
	hook validation_method=alpn "listen_port=$PEBBLE_TLS_PORT" domains=alpn.owrt.test
	expect_rc 0 || return
	published alpn.owrt.test || return
	calls_has '^notify issued$' || return
	firewall_closed "$PEBBLE_TLS_PORT" || return
}

# dns: nanoacme --hook dnsapi-bridge, which loads an acme.sh-style dnsapi
# script (TXT records in Pebble's DNS server), with a wildcard name and the
# credential from the environment; records removed afterwards.
t_hook_dns() {
	local p
	need_option --hook || return
	fresh_root || return
	hook validation_method=dns dns=dns_natest dns_wait=0 NATEST_TOKEN=secret \
		"domains=dns.owrt.test *.dns.owrt.test" main_domain=dns.owrt.test listen_port=
	expect_rc 0 || return
	published dns.owrt.test || return
	p=$ROOT/etc/ssl/acme/dns.owrt.test
	openssl x509 -noout -ext subjectAltName -in "$p.crt" 2>/dev/null | grep -qF 'DNS:*.dns.owrt.test' ||
		{ fail "no *.dns.owrt.test in the certificate"; return; }
	calls_count '^add _acme-challenge\.dns\.owrt\.test ' 2 || return
	calls_count '^rm _acme-challenge\.dns\.owrt\.test ' 2 || return
	calls_lacks '^nft' || return
	# Without the credential the provider script refuses: issue-failed.
	: >"$STUB_LOG"
	hook validation_method=dns dns=natest dns_wait=0 domains=dns2.owrt.test listen_port=
	[ "$rc" != 0 ] || { fail "issued without the dnsapi credential"; return; }
	calls_has '^notify issue-failed$' || return
	# Challenge alias: the record moves to _acme-challenge.CALIAS.
	: >"$STUB_LOG"
	hook validation_method=dns dns=dns_natest dns_wait=0 NATEST_TOKEN=secret \
		domains=dns3.owrt.test calias=alias.owrt.test listen_port=
	calls_has '^add _acme-challenge\.alias\.owrt\.test ' || return
}

# A validation that fails: failure event, nothing published, firewall
# closed, non-zero exit.
t_hook_fail() {
	fresh_root || return
	hook domains=fail.owrt.test "listen_port=$DECOY_PORT"
	[ "$rc" != 0 ] || { fail "exit 0 although the CA could not validate"; return; }
	calls_has '^notify issue-failed$' || return
	calls_lacks '^notify issued' || return
	calls_has 'nanoacme failed \(exit 5\)' || return
	[ ! -e "$ROOT/etc/ssl/acme/fail.owrt.test.crt" ] || { fail "a certificate was published"; return; }
	firewall_closed "$DECOY_PORT" || return
}

# nanoacme exit 8 (state locked by another run) is retried until it works.
t_hook_lock_retry() {
	local lk fp
	command -v flock >/dev/null || { fail "flock(1) not installed (util-linux)"; return; }
	fresh_root || return
	mkdir -p -m 700 "$ROOT/etc/acme"
	lk=$ROOT/etc/acme/lock
	flock "$lk" sleep 3 &
	fp=$!
	sleep 0.3
	hook domains=lock.owrt.test
	wait "$fp"
	expect_rc 0 || return
	published lock.owrt.test || return
	calls_has 'another nanoacme run holds .*retry 1 of' || return
}

# Two certificates' instances started at once, as /etc/init.d/acme does,
# same state and port: both issued, no rule left.
t_hook_concurrent() {
	local p1 p2 rc1 rc2
	fresh_root || return
	(T=$T/one && mkdir -p "$T" && hook domains=c1.owrt.test && exit "$rc") &
	p1=$!
	(T=$T/two && mkdir -p "$T" && hook domains=c2.owrt.test && exit "$rc") &
	p2=$!
	wait "$p1"
	rc1=$?
	wait "$p2"
	rc2=$?
	cat "$T/one/log" "$T/two/log" >>"$T/log"
	[ "$rc1" = 0 ] && [ "$rc2" = 0 ] || { fail "exits $rc1 and $rc2, want 0 and 0"; return; }
	published c1.owrt.test && published c2.owrt.test || return
	calls_count '^notify issued$' 2 || return
	[ ! -s "$STUB_DIR/nft.rules" ] || { fail "nft rules left: $(cat "$STUB_DIR/nft.rules")"; return; }
}

# TERM (service acme abort) while nanoacme runs: nanoacme stopped, rule
# removed, failure event, exit 143.
t_hook_term() {
	local pid child i=0
	fresh_root && fake_nanoacme || return
	"${ENV[@]}" "CERT_DIR=$ROOT/etc/ssl/acme" "state_dir=$ROOT/etc/acme" \
		validation_method=standalone listen_port=80 domains=term.owrt.test \
		FAKE_SLEEP=30 "$BUSYBOX" ash "$files/hook.sh" get >"$T/out" 2>&1 </dev/null &
	pid=$!
	while [ ! -s "$STUB_DIR/nanoacme.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	child=$(cat "$STUB_DIR/nanoacme.pid" 2>/dev/null)
	[ -n "$child" ] || { kill "$pid"; fail "nanoacme double never started"; return; }
	[ -s "$STUB_DIR/nft.rules" ] || { kill "$pid"; fail "no firewall rule while nanoacme runs"; return; }
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	cat "$T/out" >>"$T/log"
	expect_rc 143 || return
	i=0
	while kill -0 "$child" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$child" 2>/dev/null || { kill "$child"; fail "nanoacme still runs after TERM"; return; }
	[ ! -s "$STUB_DIR/nft.rules" ] || { fail "nft rule left after TERM"; return; }
	calls_has '^nft delete rule inet fw4 input handle' || return
	calls_has '^notify issue-failed$' || return
	calls_has 'stopped by SIGTERM' || return
}

# Clock not set (nanoacme exit 10): a marker, then the NTP hotplug event
# runs `/etc/init.d/acme renew` once.
t_hook_clock() {
	local m i=0
	fresh_root && fake_nanoacme || return
	hook domains=clock.owrt.test FAKE_RC=10
	[ "$rc" != 0 ] || { fail "exit 0 although nothing was issued"; return; }
	calls_lacks '^notify' || return
	m=$ROOT/var/run/nanoacme/pending/acme
	[ "$(cat "$m" 2>/dev/null | tr '\n' ' ')" = "/etc/init.d/acme renew " ] ||
		{ fail "marker $m: '$(cat "$m" 2>/dev/null)'"; return; }
	"${ENV[@]}" ACTION=ifup "$BUSYBOX" ash "$ROOT/etc/hotplug.d/ntp/25-acme-nanoacme"
	[ -f "$m" ] || { fail "marker taken on ACTION=ifup"; return; }
	"${ENV[@]}" ACTION=stratum "$BUSYBOX" ash "$ROOT/etc/hotplug.d/ntp/25-acme-nanoacme"
	while ! grep -q '^init.d/acme renew$' "$STUB_LOG" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	calls_count '^init.d/acme renew$' 1 || return
	[ -z "$(ls -A "$ROOT/var/run/nanoacme/pending")" ] ||
		{ fail "markers left: $(ls -A "$ROOT/var/run/nanoacme/pending")"; return; }
	"${ENV[@]}" ACTION=stratum "$BUSYBOX" ash "$ROOT/etc/hotplug.d/ntp/25-acme-nanoacme"
	sleep 0.3
	calls_count '^init.d/acme renew$' 1 || return
}

# --- standalone: cron, uhttpd deploy hook ---------------------------------------

# nanoacme-cron install/remove: one entry at a random time, idempotent,
# duplicates removed, other lines kept, crontab 0600, cron restarted only
# when the file changed.
t_cron_install() {
	local ct line1
	fresh_root || return
	ct=$ROOT/etc/crontabs/root
	"${ENV[@]}" "$BUSYBOX" ash "$files/nanoacme-cron.sh" install >>"$T/log" 2>&1 ||
		{ fail "install failed"; return; }
	[ "$(grep -c nanoacme-cron "$ct")" = 1 ] || { fail "crontab: $(cat "$ct")"; return; }
	line1=$(cat "$ct")
	[[ $line1 =~ ^([0-9]|[1-5][0-9])\ ([0-9]|1[0-9]|2[0-3])\ \*\ \*\ \*\ /usr/sbin/nanoacme-cron\ run$ ]] ||
		{ fail "entry '$line1'"; return; }
	expect_mode "$ct" 600 || return
	calls_has '^init.d/cron restart$' || return
	: >"$STUB_LOG"
	"${ENV[@]}" "$BUSYBOX" ash "$files/nanoacme-cron.sh" install >>"$T/log" 2>&1 || return
	[ "$(cat "$ct")" = "$line1" ] || { fail "second install changed the crontab: $(cat "$ct")"; return; }
	calls_lacks '^init.d/cron' || return
	# After a sysupgrade that kept the crontab and a package that appended
	# its entry again: duplicates go, foreign lines stay.
	printf '%s\n' '0 0 * * * /etc/init.d/acme renew' "$line1" '# 1 1 * * * /usr/sbin/nanoacme-cron run' \
		'5 5 * * * /usr/sbin/nanoacme-cron run' '*/5 * * * * /bin/true' "$line1" >"$ct"
	"${ENV[@]}" "$BUSYBOX" ash "$files/nanoacme-cron.sh" install >>"$T/log" 2>&1 || return
	[ "$(grep -c '^[^#].*nanoacme-cron run' "$ct")" = 1 ] && grep -qxF "$line1" "$ct" &&
		grep -qxF '*/5 * * * * /bin/true' "$ct" && grep -qxF '0 0 * * * /etc/init.d/acme renew' "$ct" &&
		grep -qxF '# 1 1 * * * /usr/sbin/nanoacme-cron run' "$ct" ||
		{ fail "after install: $(tr '\n' '|' <"$ct")"; return; }
	"${ENV[@]}" "$BUSYBOX" ash "$files/nanoacme-cron.sh" remove >>"$T/log" 2>&1 || return
	! grep -q '^[^#].*nanoacme-cron run' "$ct" && grep -qxF '*/5 * * * * /bin/true' "$ct" ||
		{ fail "after remove: $(tr '\n' '|' <"$ct")"; return; }
	expect_mode "$ct" 600 || return
}

# nanoacme-cron run at boot before NTP: exit 10 leaves a marker; the NTP
# event runs the same command again.
t_cron_clock() {
	local i=0
	fresh_root && fake_nanoacme || return
	"${ENV[@]}" FAKE_RC=10 "$BUSYBOX" ash "$files/nanoacme-cron.sh" run -y issue boot.owrt.test \
		>>"$T/log" 2>&1
	rc=$?
	expect_rc 10 || return
	[ "$(ls "$ROOT/var/run/nanoacme/pending" | grep -c '^cron-')" = 1 ] || { fail "no cron marker"; return; }
	"${ENV[@]}" FAKE_RC=0 ACTION=stratum "$BUSYBOX" ash "$files/ntp-hotplug.sh"
	while [ "$(grep -c '^--$' "$STUB_DIR/nanoacme.args")" -lt 2 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	args_have --syslog -y issue boot.owrt.test || return
	[ "$(grep -c '^--$' "$STUB_DIR/nanoacme.args")" = 2 ] || { fail "not run again after NTP"; return; }
}

# A real busybox crond runs `nanoacme-cron run renew` from a crontab in a
# temporary directory; started first, checked last (crond runs entries at
# the next minute boundary, so the other tests run meanwhile).
t_crond_start() {
	local n
	fresh_root || return
	echo "$T" >"$TMP/crond.t"
	n=cron.owrt.test
	"${ENV[@]}" "$NANOACME" -D "$PEBBLE_DIR_URL" -C "$ROOT/etc/nanoacme" -y \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT" --days 3000 issue "$n" >>"$T/log" 2>&1
	rc=$?
	expect_rc 0 "first issue" || return
	serial "$ROOT/etc/nanoacme/certs/$n/cert.pem" >"$T/serial1"
	mkdir -p "$T/crontabs"
	# Renewal only: the authorization is reused (Pebble AUTHZREUSE=100), so
	# the listener moves to a port nobody validates on, and other tests may
	# use Pebble's http-01 port meanwhile.
	printf '* * * * * %s STUB_LOG=%s STUB_DIR=%s NANOACME_ROOT=%s SSL_CERT_FILE=%s %s/usr/sbin/nanoacme-cron run -C %s renew --jitter 0 -l 127.0.0.1:%s >>%s 2>&1; echo "cron exit $?" >>%s\n' \
		"env PATH=$doubles/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$STUB_LOG" "$STUB_DIR" "$ROOT" \
		"$PEBBLE_CA_FILE" "$ROOT" "$ROOT/etc/nanoacme" "$DECOY_PORT" "$T/cron.out" "$T/cron.out" \
		>"$T/crontabs/root"
	chmod 600 "$T/crontabs/root"
	"$BUSYBOX" crond -f -c "$T/crontabs" -L "$T/crond.log" -l 0 &
	CROND_PID=$!
	CROND_T0=$(date +%s)
	sleep 0.2
	kill -0 "$CROND_PID" 2>/dev/null || { fail "busybox crond exited: $(cat "$T/crond.log")"; return; }
}

t_crond_check() {
	local n=cron.owrt.test left
	[ -n "$CROND_PID" ] || { fail "crond was not started (crond_start failed)"; return; }
	T=$(cat "$TMP/crond.t")
	STUB_LOG=$T/calls
	left=$((CROND_T0 + 75 - $(date +%s)))
	while ! grep -q '^cron exit' "$T/cron.out" 2>/dev/null && [ "$left" -gt 0 ]; do
		sleep 1
		left=$((left - 1))
	done
	kill "$CROND_PID" 2>/dev/null
	wait "$CROND_PID" 2>/dev/null
	CROND_PID=
	{ echo "--- crond.log"; cat "$T/crond.log"; echo "--- cron.out"; cat "$T/cron.out"; } >>"$T/log" 2>&1
	grep -q '^cron exit' "$T/cron.out" 2>/dev/null || { fail "crond did not run the entry within 75 s"; return; }
	grep -qx 'cron exit 0' "$T/cron.out" || { fail "the cron run failed: $(tail -n 3 "$T/cron.out")"; return; }
	grep -q 'nanoacme-cron run' "$T/crond.log" || { fail "crond's log does not show the job"; return; }
	[ "$(serial "$T/root/etc/nanoacme/certs/$n/cert.pem")" != "$(cat "$T/serial1")" ] ||
		{ fail "the certificate was not renewed"; return; }
}

# The uhttpd deploy hook with a real HTTPS server: lighttpd stands in for
# uhttpd, under an init script with procd's reload semantics. First issue:
# uci pointed at nanoacme's files, reload restarts, clients get the new
# certificate. Renewal: same paths, the hook restarts (a reload would keep
# the old one), clients get the new serial; openssl verifies the chain
# against Pebble's root and the name.
t_deploy_uhttpd() {
	local n=web.owrt.test s1 s2 got
	fresh_root || return
	pebble_port_busy "$HTTPS_PORT" && { fail "127.0.0.1:$HTTPS_PORT is busy"; return; }
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=OpenWrt -keyout "$ROOT/etc/uhttpd.key" -out "$ROOT/etc/uhttpd.crt" \
		>>"$T/log" 2>&1 || return
	printf '%s\n' uhttpd.main=uhttpd "uhttpd.main.cert=$ROOT/etc/uhttpd.crt" \
		"uhttpd.main.key=$ROOT/etc/uhttpd.key" "uhttpd.main.listen_https=127.0.0.1:$HTTPS_PORT" \
		>"$STUB_DIR/uci.db"
	ENV+=("FAKE_UHTTPD_PORT=$HTTPS_PORT")
	"${ENV[@]}" "$ROOT/etc/init.d/uhttpd" start || { fail "lighttpd did not start: $(cat "$STUB_DIR/uhttpd.err")"; return; }
	got=$(served "$n") && { fail "self-signed certificate verified: $got"; return; }
	"${ENV[@]}" "$NANOACME" -D "$PEBBLE_DIR_URL" -C "$ROOT/etc/nanoacme" -y \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT" issue "$n" \
		--deploy-hook "$ROOT/usr/lib/nanoacme/deploy-uhttpd" >>"$T/log" 2>&1
	rc=$?
	expect_rc 0 "issue" || return
	calls_has '^init.d/uhttpd reload: restarted$' || return
	[ "$(grep '^uhttpd.main.cert=' "$STUB_DIR/uci.db")" = "uhttpd.main.cert=$ROOT/etc/nanoacme/certs/$n/fullchain.pem" ] ||
		{ fail "uci: $(cat "$STUB_DIR/uci.db")"; return; }
	s1=$(serial "$ROOT/etc/nanoacme/certs/$n/cert.pem")
	got=$(served "$n") || { fail "clients do not get a valid certificate: $got"; return; }
	[ "$got" = "$s1" ] || { fail "served $got, issued $s1"; return; }
	: >"$STUB_LOG"
	"${ENV[@]}" "$NANOACME" -C "$ROOT/etc/nanoacme" --jitter 0 --force renew >>"$T/log" 2>&1
	rc=$?
	expect_rc 0 "renew" || return
	calls_has '^init.d/uhttpd restart$' || return
	calls_lacks '^uci set' || return
	s2=$(serial "$ROOT/etc/nanoacme/certs/$n/cert.pem")
	[ "$s2" != "$s1" ] || { fail "renewal kept serial $s1"; return; }
	got=$(served "$n") || { fail "clients do not get a valid certificate after renewal: $got"; return; }
	[ "$got" = "$s2" ] || { fail "after renewal clients get $got, want the new $s2"; return; }
	# Misuse is reported: not run by nanoacme, unknown section.
	"${ENV[@]}" "$BUSYBOX" ash "$files/deploy-uhttpd.sh" >>"$T/log" 2>&1 &&
		{ fail "deploy-uhttpd without NANOACME_* succeeded"; return; }
	"${ENV[@]}" "NANOACME_FULLCHAIN=$ROOT/etc/nanoacme/certs/$n/fullchain.pem" \
		"NANOACME_PRIVKEY=$ROOT/etc/nanoacme/certs/$n/privkey.pem" \
		"$BUSYBOX" ash "$files/deploy-uhttpd.sh" nosuch >>"$T/log" 2>&1 &&
		{ fail "deploy-uhttpd for a missing uci section succeeded"; return; }
	"${ENV[@]}" "$ROOT/etc/init.d/uhttpd" stop
}

# served NAME: the serial of the certificate 127.0.0.1:HTTPS_PORT serves for
# NAME, if it verifies against Pebble's root for NAME (else the error).
served() {
	local out
	out=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$1" \
		-verify_return_error -verify_hostname "$1" -CAfile "$TMP/root.pem" \
		</dev/null 2>&1) || { echo "$out" | grep -E 'verify|error' | head -n 3; return 1; }
	echo "$out" | openssl x509 -noout -serial 2>&1
}

# --- main ------------------------------------------------------------------------

all_tests="crond_start makefile manpage syntax hook_args hook_standalone hook_webroot hook_alpn
hook_dns hook_fail hook_lock_retry hook_concurrent hook_term hook_clock cron_install
cron_clock deploy_uhttpd crond_check"
tests=${OPENWRT_TESTS:-$all_tests}

for p in "$BUSYBOX" openssl lighttpd curl; do
	command -v "$p" >/dev/null 2>&1 || { echo "$0: $p not found (tests/deps.sh check)" >&2; exit 1; }
done
"$BUSYBOX" --list | grep -qx crond ||
	{ echo "$0: $BUSYBOX has no crond (Debian: busybox-static)" >&2; exit 1; }
[ -x "$NANOACME" ] || { echo "$0: $NANOACME: not an executable" >&2; exit 1; }
HELP=$("$NANOACME" --help 2>&1)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-openwrt.XXXXXX") || exit 1
# Fresh validations for every new account; renewals of an account's names
# reuse its authorizations (the crond test relies on it).
if ! pebble_start PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100 >"$TMP/pebble-start.log" 2>&1; then
	cat "$TMP/pebble-start.log"
	echo "0 passed, 1 failed"
	exit 1
fi
pebble_root "$TMP/root.pem" || { echo "cannot fetch Pebble's root"; echo "0 passed, 1 failed"; exit 1; }

for t in $tests; do
	run_test "$t"
done
finish
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
