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
# The package Makefile (openwrt/nanoacme/Makefile) is parsed by GNU make
# with stand-ins for OpenWrt's rules.mk and include/package.mk
# (tests/openwrt/sdk/), reached through a feed link as OpenWrt does.
# The scripts (openwrt/nanoacme/files/*.sh) run under `busybox ash`, as
# on a router, against a real Pebble on 127.0.0.1 and the real nanoacme.
# What only OpenWrt has is replaced by recording test doubles
# (tests/openwrt/): uci, nft, ubus, hotplug-call, uclient-fetch (bin/,
# the last on busybox wget), acme-common's functions.sh and notify,
# /etc/init.d scripts; each test has its own fake root (the scripts'
# NANOACME_ROOT), calls log ($STUB_LOG) and state. Debian's busybox-static
# runs its own applets before $PATH (logger included), so the hook's log
# lines are recorded through the functions.sh double.
# Also real: busybox crond running a renewal from a crontab, busybox
# httpd serving webroot challenges, lighttpd serving HTTPS for the uhttpd
# deploy hook, verified with openssl s_client against Pebble's root; the
# dnsapi bridge running provider scripts written as acme.sh's are against
# a DNS provider's HTTP API (tests/openwrt/fake-dnsapi.py, python3 on
# 127.0.0.1) and, with nsupdate, against knot on 127.0.0.1.
# Ports of its own (12000-13999 besides Pebble's): OPENWRT_HTTPS_PORT
# (13443), OPENWRT_DECOY_PORT (13399), OPENWRT_API_PORT (13480),
# OPENWRT_KNOT_PORT (13453).
#
# Runner as in tests/pebble.sh: "ok NAME" or "FAIL NAME: reason (line N)"
# with the test's log; the last line is "N passed, N failed".
set -u

# A port block of its own, so that other Pebble suites may run meanwhile.
: "${PEBBLE_PORT:=14300}" "${PEBBLE_MGMT_PORT:=15300}" "${PEBBLE_HTTP_PORT:=5302}"
: "${PEBBLE_TLS_PORT:=5301}" "${CHALLTESTSRV_DNS_PORT:=8353}" "${CHALLTESTSRV_MGMT_PORT:=8355}"
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init --pebble openwrt "$@"
verbose=${OPENWRT_VERBOSE:-0}
repo=$(cd "$here/.." && pwd)
files=$repo/openwrt/nanoacme/files
doubles=$here/openwrt
BUSYBOX=${BUSYBOX:-busybox}
# Where the fake uhttpd (lighttpd) serves HTTPS; the decoy port nothing
# listens on for the crond renewal (its authorization is reused).
HTTPS_PORT=${OPENWRT_HTTPS_PORT:-13443}
DECOY_PORT=${OPENWRT_DECOY_PORT:-13399}
# The fake DNS provider API (tests/openwrt/fake-dnsapi.py) and knot, the
# DNS server nsupdate talks to.
API_PORT=${OPENWRT_API_PORT:-13480}
KNOT_PORT=${OPENWRT_KNOT_PORT:-13453}

CROND_PID=
CROND_T0=
HELP=

# suite_cleanup: stop crond and the servers of the tests (finish, in
# tests/lib.sh).
suite_cleanup() {
	local f
	if [ -n "$CROND_PID" ]; then
		kill "$CROND_PID" 2>/dev/null
		wait "$CROND_PID" 2>/dev/null
		CROND_PID=
	fi
	if [ -n "$TMP" ]; then
		for f in "$TMP"/*/stub/uhttpd.pid "$TMP"/*/*.pid; do
			[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		done
	fi
}

# --- helpers (as tests/pebble.sh): each sets $reason and returns 1 ---------

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
	cp "$doubles/dns_natapi.sh" "$doubles/dns_nsutest.sh" \
		"$ROOT/usr/lib/acme/client/dnsapi/"
	cp "$files/dnsapi-helpers.sh" "$ROOT/usr/lib/nanoacme/"
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
# arguments (one a line, then "--end--") in $STUB_DIR/nanoacme.args, its pid in
# nanoacme.pid, prints $FAKE_STDERR on stderr, sleeps $FAKE_SLEEP and
# exits $FAKE_RC. `list` prints $STUB_DIR/list instead (`list --json`:
# list.json, else exit 2 as an older nanoacme) and is recorded in
# list.args; `--help` prints $FAKE_HELP.
fake_nanoacme() {
	rm -f "$ROOT/usr/bin/nanoacme"
	cat >"$ROOT/usr/bin/nanoacme" <<-'EOF'
		#!/bin/sh
		eval "last=\${$#}"
		if [ "$last" = --help ]; then
			printf '%s\n' "${FAKE_HELP:-}"
			exit 0
		fi
		case " $* " in
		*" list "*)
			printf '%s\n' "$@" --end-- >>"$STUB_DIR/list.args"
			case " $* " in
			*" --json "*)
				[ -f "$STUB_DIR/list.json" ] || exit 2
				cat "$STUB_DIR/list.json"
				;;
			*) cat "$STUB_DIR/list" 2>/dev/null ;;
			esac
			exit 0
			;;
		esac
		echo $$ >"$STUB_DIR/nanoacme.pid"
		[ -z "${FAKE_STDERR:-}" ] || printf '%s\n' "$FAKE_STDERR" >&2
		printf '%s\n' "$@" --end-- >>"$STUB_DIR/nanoacme.args"
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
	have=$(awk 'BEGIN { RS = "--end--\n" } { last = $0 } END { printf "%s", last }' \
		"$STUB_DIR/nanoacme.args" 2>/dev/null)
	case $'\n'$have$'\n' in
	*$'\n'"$want"$'\n'*) return 0 ;;
	esac
	fail "nanoacme was not given '$*': $(echo "$have" | tr '\n' ' ')"
}

args_lack() {
	local have
	have=$(awk 'BEGIN { RS = "--end--\n" } { last = $0 } END { printf "%s", last }' \
		"$STUB_DIR/nanoacme.args" 2>/dev/null)
	! grep -qxF -- "$1" <<<"$have" || fail "nanoacme was given $1: $(echo "$have" | tr '\n' ' ')"
}

# test_failed_extra: run_test's hook (tests/lib.sh): a failed test shows the
# calls of the doubles and the hook's logs.
test_failed_extra() {
	local f
	[ ! -s "$T/calls" ] || { echo "    --- calls"; sed 's/^/    /' "$T/calls"; }
	for f in "$T"/root/var/run/nanoacme/*.log; do
		[ -f "$f" ] || continue
		echo "    --- $f"
		sed 's/^/    /' "$f"
	done
}

# --- the package Makefile ----------------------------------------------------

# dump_pkg DIR [VAR=value...]: GNU make parses DIR/Makefile with the
# stand-ins for OpenWrt's rules.mk and include/package.mk
# (tests/openwrt/sdk/), which print what package.mk would take from it,
# one "KEY: value" a line, into $T/dump. DIR is entered as OpenWrt enters
# a package directory (make -C), so symbolic links resolve as they would.
dump_pkg() {
	local dir=$1
	shift
	make -s --no-print-directory -C "$dir" TOPDIR="$doubles/sdk" "$@" dumpinfo >"$T/dump" 2>&1
}

# dump_val KEY [PACKAGE]: the value of "KEY: [PACKAGE ]value" in $T/dump.
dump_val() {
	if [ $# -gt 1 ]; then
		sed -n "s/^$1: $2 //p" "$T/dump" | head -n 1
	else
		sed -n "s/^$1: //p" "$T/dump" | head -n 1
	fi
}

# The package as OpenWrt's build system reads it: the directory is named
# after the package when reached through a feed (scripts/feeds links
# package/feeds/FEED/DIR to the feed's DIR), so the install stamp that
# package/Makefile reads back (DIR.default.install) is the one package.mk
# writes; release tarball and extra sources with sha256 hashes; metadata a
# feed (opkg and apk) takes; Build/Compile with the target's toolchain,
# libc linked as the toolchain does, BearSSL from its .a.
t_makefile() {
	local pkgdir=$repo/openwrt/nanoacme mk h p v feed pv
	mk=$pkgdir/Makefile
	[ -f "$mk" ] || { fail "no $mk"; return; }
	[ ! -e "$repo/openwrt/Makefile" ] || { fail "openwrt/Makefile: openwrt/ is the feed, the package is openwrt/nanoacme"; return; }
	head -n 40 "$mk" | grep -q '^include $(TOPDIR)/rules.mk$' ||
		{ fail "no include \$(TOPDIR)/rules.mk at the top"; return; }
	# the feed, as scripts/feeds installs it into a build tree
	feed=$T/tree/package/feeds/nanoacme
	mkdir -p "$feed" && ln -s "$pkgdir" "$feed/nanoacme" || return
	dump_pkg "$feed/nanoacme" || { fail "make cannot parse the package: $(tail -n 3 "$T/dump")"; return; }
	cat "$T/dump" >>"$T/log"
	[ "$(dump_val Name)" = nanoacme ] || { fail "PKG_NAME is '$(dump_val Name)'"; return; }
	[ "$(dump_val Dir-Name)" = "$(dump_val Name)" ] ||
		{ fail "package directory '$(dump_val Dir-Name)' is not named PKG_NAME: package.mk writes $(dump_val Install-Stamp), package/Makefile reads nanoacme.default.install"; return; }
	[ "$(dump_val Install-Stamp)" = nanoacme.default.install ] || { fail "install stamp $(dump_val Install-Stamp)"; return; }
	v=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
	grep -q "NANOACME_VERSION \"$v\"" "$repo/acme.h" ||
		{ fail "PKG_VERSION $v is not acme.h's NANOACME_VERSION"; return; }
	[[ $(dump_val Maintainer) =~ ^[^\<]+\ \<[^\ @]+@[^\ ]+\>$ ]] || { fail "PKG_MAINTAINER is not 'Name <mail>'"; return; }
	[ "$(dump_val License)" = MIT ] || { fail "PKG_LICENSE '$(dump_val License)'"; return; }
	[ "$(dump_val License-Files)" = "LICENSE bearssl-0.6/LICENSE.txt jsmn-1.1.0/LICENSE" ] ||
		{ fail "PKG_LICENSE_FILES '$(dump_val License-Files)': nanoacme's, BearSSL's and jsmn's"; return; }
	# Sources: the release tarball of tag v$PKG_VERSION, BearSSL, jsmn;
	# every one with a sha256.
	[ "$(grep -c '^Download: ' "$T/dump")" = 3 ] || { fail "$(grep -c '^Download: ' "$T/dump") downloads, want 3"; return; }
	grep -Eq "^Download: default nanoacme-$v\.tar\.gz https://codeload\.github\.com/nanoacme/nanoacme/tar\.gz/v$v\? [0-9a-f]{64}$" "$T/dump" ||
		{ fail "the source is not tag v$v's tarball with a sha256: $(grep '^Download: default' "$T/dump")"; return; }
	grep -qx 'Download: bearssl bearssl-0.6.tar.gz https://bearssl.org/ 6705bba1714961b41a728dfc5debbe348d2966c117649392f8c8139efc83ff14' "$T/dump" ||
		{ fail "BearSSL 0.6 is not the published tarball and hash"; return; }
	grep -qx 'Download: jsmn jsmn-1.1.0.tar.gz https://codeload.github.com/zserge/jsmn/tar.gz/v1.1.0? 5f0913a10657fe7ec8d5794ccf00a01000e3e1f2f1e1f143c34a0f7b47edcb38' "$T/dump" ||
		{ fail "jsmn 1.1.0 is not the published tarball and hash"; return; }
	# The tag, when this checkout has it: the hash is its tarball's.
	if git -C "$repo" rev-parse -q --verify "refs/tags/v$v" >/dev/null 2>&1; then
		h=$(git -C "$repo" archive --format=tar.gz --prefix="nanoacme-$v/" "v$v" | sha256sum | cut -d ' ' -f 1)
		grep -q "^PKG_HASH:=$h$" "$mk" || { fail "PKG_HASH is not the sha256 of tag v$v's tarball ($h)"; return; }
	else
		echo "note: no tag v$v here: PKG_HASH not checked against a tarball" >>"$T/log"
	fi
	# Packages: fields package.mk requires, apk-compatible versions, URL,
	# the backend's PROVIDES/CONFLICTS/DEPENDS.
	[ "$(grep -c '^Package: ' "$T/dump")" = 3 ] || { fail "$(grep -c '^Package: ' "$T/dump") packages, want 3"; return; }
	for p in nanoacme acme-nanoacme nanoacme-cron; do
		grep -qx "Package: $p" "$T/dump" || { fail "no package $p"; return; }
		pv=$(dump_val Package-Version "$p")
		[[ $pv =~ ^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|p)[0-9]*)*-r[0-9]+$ ]] ||
			{ fail "$p: version '$pv' is not one apk accepts"; return; }
		[ "$(dump_val Package-URL "$p")" = https://github.com/nanoacme/nanoacme ] || { fail "$p: URL"; return; }
		[ "$(dump_val Package-Description "$p")" = yes ] || { fail "$p: no description"; return; }
	done
	[ "$(dump_val Package-Depends nanoacme)" = +ca-bundle ] || { fail "nanoacme DEPENDS '$(dump_val Package-Depends nanoacme)'"; return; }
	[ "$(dump_val Package-Provides acme-nanoacme)" = @acme ] || { fail "acme-nanoacme: PROVIDES:=@acme missing"; return; }
	[ "$(dump_val Package-Depends acme-nanoacme)" = "+acme-common +nanoacme" ] ||
		{ fail "acme-nanoacme: DEPENDS is not +acme-common +nanoacme"; return; }
	[ "$(dump_val Package-Conflicts acme-nanoacme)" = "acme-acmesh uacme" ] ||
		{ fail "acme-nanoacme: CONFLICTS '$(dump_val Package-Conflicts acme-nanoacme)', want the other backends (they own /usr/lib/acme/hook too)"; return; }
	[ "$(dump_val Package-Arch acme-nanoacme)" = all ] && [ "$(dump_val Package-Arch nanoacme-cron)" = all ] ||
		{ fail "the script packages are not PKGARCH:=all"; return; }
	v=$(dump_val Package-Install nanoacme)
	[ "$(grep -o 'install -' <<<"$v" | wc -l)" = 2 ] && grep -q 'IDIR/usr/bin/nanoacme$' <<<"$v" ||
		{ fail "Package/nanoacme/install must install the binary and nothing else: $v"; return; }
	grep -q './files/hook.sh IDIR/usr/lib/acme/hook' <<<"$(dump_val Package-Install acme-nanoacme)" ||
		{ fail "acme-nanoacme does not install /usr/lib/acme/hook"; return; }
	for p in $(grep -o '\./files/[A-Za-z0-9._-]*' "$T/dump" | sort -u); do
		[ -f "$pkgdir/$p" ] || { fail "openwrt/nanoacme/$p named in the Makefile is missing"; return; }
	done
	# Build/Prepare: the tarball through package.mk's default; Compile:
	# BearSSL and nanoacme with the target's toolchain, no -static.
	v=$(dump_val Prepare)
	grep -q "unpack .*/dl/nanoacme-" <<<"$v" || { fail "Build/Prepare does not unpack the release tarball: $v"; return; }
	v=$(dump_val Compile)
	for p in 'CC="target-gcc"' 'CFLAGS="-Os -pipe' 'LDFLAGS="-L' 'BEARSSL_LIBS="' '/build/libbearssl.a"' 'AR="target-ar"'; do
		grep -qF -- "$p" <<<"$v" || { fail "Build/Compile lacks $p: $v"; return; }
	done
	! grep -Eq 'STATIC=1|-static' <<<"$v" || { fail "Build/Compile links statically; feed packages link libc dynamically: $v"; return; }
	# Developers: NANOACME_SRC builds this checkout, its sources being
	# PKG_FILE_DEPENDS (an edit rebuilds); USE_SOURCE_DIR as OpenWrt has it.
	dump_pkg "$feed/nanoacme" NANOACME_SRC="$repo" || { fail "make with NANOACME_SRC: $(tail -n 3 "$T/dump")"; return; }
	grep -q '^Download: default' "$T/dump" && { fail "NANOACME_SRC still downloads the tarball"; return; }
	v=$(dump_val File-Depends)
	grep -qF "$repo/acme.c" <<<"$v" && grep -qF "$repo/Makefile" <<<"$v" ||
		{ fail "PKG_FILE_DEPENDS with NANOACME_SRC: '$v'"; return; }
	grep -qF "cp -fpR $repo/Makefile" <<<"$(dump_val Prepare)" || { fail "Build/Prepare does not copy NANOACME_SRC: $(dump_val Prepare)"; return; }
	dump_pkg "$feed/nanoacme" USE_SOURCE_DIR="$repo" || { fail "make with USE_SOURCE_DIR: $(tail -n 3 "$T/dump")"; return; }
	grep -qF "ln -snf $repo " <<<"$(dump_val Prepare)" || { fail "USE_SOURCE_DIR is not honoured: $(dump_val Prepare)"; return; }
	# What the issue found: a link named nanoacme to a directory named
	# otherwise gives the wrong stamp; the check must see it.
	mkdir -p "$T/wrong/openwrt" && cp "$mk" "$T/wrong/openwrt/" && ln -s "$T/wrong/openwrt" "$T/tree/package/nanoacme" &&
		dump_pkg "$T/tree/package/nanoacme" || return
	[ "$(dump_val Install-Stamp)" = openwrt.default.install ] || { fail "the stand-in package.mk does not see physical directory names"; return; }
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
		case $f in
		*/dnsapi-helpers.sh) # a library, sourced
			[ "$(head -n 1 "$f")" = '# shellcheck shell=sh' ] || { fail "$f: first line is not # shellcheck shell=sh"; return; } ;;
		*) [ "$(head -n 1 "$f")" = '#!/bin/sh' ] || { fail "$f: first line is not #!/bin/sh"; return; } ;;
		esac
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
		issue -- A.owrt.test b.owrt.test || return
	args_lack --force || return
	# Issuing (nothing existed): prepare first, then nothing (not due).
	calls_count '^notify ' 1 || return
	calls_has '^notify prepare$' || return
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
	hook validation_method=dns dns=dns_natapi domains='*.owrt.test' FAKE_RC=1
	args_have --hook "$ROOT/usr/lib/nanoacme/dnsapi-bridge" issue -- '*.owrt.test' || return
	hook validation_method=dns-persist domains=p.owrt.test FAKE_RC=1
	args_have --dns-persist issue -- p.owrt.test || return
	args_lack --hook || return
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
# uhttpd picking up the certificate (and every section serving it).
t_hook_standalone() {
	local p s1 s2 s3
	fresh_root || return
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test
	expect_rc 0 || return
	published sa.owrt.test || return
	p=$ROOT/etc/ssl/acme/sa.owrt.test
	calls_count '^notify ' 2 || return
	[ "$(line_of '^notify prepare$')" -gt 0 ] && [ "$(line_of '^notify prepare$')" -lt "$(line_of '^nft -a -e insert')" ] ||
		{ fail "no prepare event before the issuance"; return; }
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

	# Not due, also with days not below the lifetime (LuCI's 60 on a 6-
	# or 90-day certificate): ignored with a warning, nothing happens.
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test days=3000
	expect_rc 0 "not due" || return
	calls_has 'days 3000 is not below the certificate.s lifetime of [0-9]+ days; ignored' || return
	calls_lacks '^notify' || return
	calls_lacks '^nft' || return
	calls_lacks '^init.d/uhttpd' || return
	[ "$(serial "$p.crt")" = "$s1" ] || { fail "certificate changed while not due"; return; }

	# Revoked (nanoacme revoke leaves a marker): renewed now, as
	# `nanoacme renew` would. uhttpd serves it from a second section
	# only: restarted all the same.
	touch "$ROOT/etc/acme/certs/sa.owrt.test/revoked"
	printf '%s\n' uhttpd.main=uhttpd uhttpd.main.cert=/etc/uhttpd.crt uhttpd.main.key=/etc/uhttpd.key \
		uhttpd.admin=uhttpd "uhttpd.admin.cert=$p.crt" "uhttpd.admin.key=$p.key" >"$STUB_DIR/uci.db"
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test
	expect_rc 0 || return
	published sa.owrt.test || return
	s2=$(serial "$p.crt")
	[ "$s2" != "$s1" ] || { fail "renewal kept serial $s1"; return; }
	calls_has '(renew|issue): it was revoked' || return
	calls_count '^notify ' 2 || return
	calls_has '^notify renewed$' || return
	calls_has '^ubus call service event \{"type":"acme.renew"' || return
	calls_has '^init.d/uhttpd restart$' || return
	calls_lacks '^uci set' || return
	firewall_closed "$PEBBLE_HTTP_PORT" || return

	# Another CA setting (here cert_profile) reissues at once.
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test cert_profile=shortlived
	expect_rc 0 || return
	s3=$(serial "$p.crt")
	[ "$s3" != "$s2" ] || { fail "a new cert_profile did not reissue"; return; }
	calls_has "issue: cert_profile changed \(.* -> 'shortlived'\)" || return
	calls_has '^notify renewed$' || return

	# CERT_DIR lost a file: the next (not due) run publishes again.
	rm -f "$p.combined.crt"
	: >"$STUB_LOG"
	hook domains="sa.owrt.test www.sa.owrt.test" main_domain=sa.owrt.test cert_profile=shortlived
	expect_rc 0 || return
	published sa.owrt.test || return
	calls_has '^notify renewed$' || return
	calls_lacks '^notify prepare' || return
}

# settings FILE NAME...: a nanoacme settings file for NAME... (Let's
# Encrypt production, no profile).
settings() {
	local f=$1 n
	shift
	{
		echo '# nanoacme: settings of this certificate, for renew'
		for n in "$@"; do echo "name $n"; done
		echo 'directory https://acme-v02.api.letsencrypt.org/directory'
	} >"$f"
}

# When an existing certificate is issued again, with a double for
# nanoacme (its `list` line made up): changed names, CA or profile,
# revoked, the CA's ARI window, expired, due, not due; days not below the
# lifetime ignored; `--` before the names.
t_hook_decide() {
	local st c exp f
	fresh_root && fake_nanoacme || return
	st=$ROOT/etc/acme
	c=$st/certs/d.owrt.test
	mkdir -p "$c" && settings "$c/settings" d.owrt.test www.d.owrt.test || return
	for f in cert privkey chain fullchain; do echo "$f" >"$c/$f.pem"; done
	exp=$(date -u -d @$(($(date +%s) + 60 * 86400)) '+%Y-%m-%d %H:%M')
	touch -d @$(($(date +%s) - 30 * 86400)) "$c/cert.pem"
	echo "d.owrt.test                      $exp    59  ok       d.owrt.test,www.d.owrt.test" >"$STUB_DIR/list"
	set -- acme_server=letsencrypt "domains=d.owrt.test www.d.owrt.test" main_domain=d.owrt.test FAKE_RC=0
	# ok: nanoacme is not run at all (the first run only publishes)
	hook "$@"
	expect_rc 0 || return
	calls_has '^notify renewed$' || return
	: >"$STUB_LOG"
	hook "$@"
	expect_rc 0 || return
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "nanoacme ran although not due"; return; }
	calls_lacks '^notify' || return
	# names in another order and case: the same certificate
	hook "$@" "domains=WWW.d.owrt.test d.owrt.test"
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "reissued for the same names in another order"; return; }
	# another name: issue (nanoacme sees the new names)
	hook "$@" "domains=d.owrt.test new.d.owrt.test"
	args_have --force && args_have issue -- d.owrt.test new.d.owrt.test || return
	calls_has 'issue: the names changed' || return
	: >"$STUB_DIR/nanoacme.args"
	hook "$@" staging=1 acme_server=
	args_have -D https://acme-staging-v02.api.letsencrypt.org/directory || return
	args_have --force || return
	calls_has 'issue: the CA changed' || return
	: >"$STUB_DIR/nanoacme.args"
	# ARI: the CA's window opened (nanoacme's ari file) ...
	printf '# nanoacme: renewal information (RFC 9773)\nnext %s\nat %s\n' $(($(date +%s) + 3600)) \
		$(($(date +%s) - 60)) >"$c/ari"
	hook "$@"
	args_have --force || return
	calls_has "issue: the CA's renewal window \(ARI\) has opened" || return
	: >"$STUB_DIR/nanoacme.args"
	# ... not yet
	printf 'next 1\nat %s\n' $(($(date +%s) + 86400)) >"$c/ari"
	hook "$@"
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "reissued before the ARI window"; return; }
	# expired, due: nanoacme decides by the dates (no --force)
	sed -i 's/  ok  /  expired  /' "$STUB_DIR/list"
	hook "$@"
	args_have issue -- d.owrt.test www.d.owrt.test || return
	args_lack --force || return
	calls_has 'issue: it has expired' || return
	: >"$STUB_DIR/nanoacme.args"
	# nanoacme with `renew NAME`: renewals go through it (its own decision,
	# ARI's "replaces"), changes still through issue --force
	hook "$@" "FAKE_HELP=  renew [NAME...]    renew every certificate"
	args_have --jitter 0 && args_have renew d.owrt.test || return
	args_lack --force || return
	calls_has 'renew: it has expired' || return
	printf 'next 1\nat %s\n' $(($(date +%s) - 60)) >"$c/ari"
	sed -i 's/  expired  /  ok  /' "$STUB_DIR/list"
	hook "$@" "FAKE_HELP=  renew [NAME...]    renew every certificate"
	args_have --jitter 0 && args_have renew d.owrt.test || return
	args_lack --force || return
	hook "$@" "FAKE_HELP=  renew [NAME...]    renew every certificate" cert_profile=shortlived
	args_have --force || return
	args_have issue -- d.owrt.test www.d.owrt.test || return
	rm -f "$c/ari"
	sed -i 's/  ok  /  expired  /' "$STUB_DIR/list"
	: >"$STUB_DIR/nanoacme.args"
	# days: 45 is below the 90-day lifetime: asked with --days, honoured
	sed -i 's/  expired  /  ok  /' "$STUB_DIR/list"
	: >"$STUB_DIR/list.args"
	hook "$@" days=45
	grep -qx -- --days "$STUB_DIR/list.args" || { fail "list not asked with --days 45"; return; }
	# 90 is not: ignored, with a warning
	: >"$STUB_LOG"
	hook "$@" days=90
	calls_has 'days 90 is not below the certificate.s lifetime of 90 days; ignored' || return
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "nanoacme ran although not due"; return; }
	hook "$@" days=soon
	[ "$rc" != 0 ] || { fail "days 'soon' accepted"; return; }
	# `list --json` (newer nanoacme): the lifetime from notBefore and
	# notAfter, here 45 days, so LuCI's 60 is ignored; status as given.
	printf '[\n  {"name":"d.owrt.test","names":["d.owrt.test","www.d.owrt.test"],"not_before":"%s","not_after":"%s","renew_after":"%s","status":"%s","directory":null,"profile":null,"method":"standalone"}\n]\n' \
		"$(date -u -d @$(($(date +%s) - 86400)) +%Y-%m-%dT%H:%M:%SZ)" \
		"$(date -u -d @$(($(date +%s) + 44 * 86400)) +%Y-%m-%dT%H:%M:%SZ)" 2027-01-01T00:00:00Z ok \
		>"$STUB_DIR/list.json"
	: >"$STUB_LOG"
	: >"$STUB_DIR/nanoacme.args"
	hook "$@" days=60
	expect_rc 0 || return
	calls_has 'days 60 is not below the certificate.s lifetime of 45 days; ignored' || return
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "nanoacme ran although list --json says ok"; return; }
	sed -i 's/"status":"ok"/"status":"due"/' "$STUB_DIR/list.json"
	hook "$@" days=30
	args_have --days 30 || return
	args_have issue -- d.owrt.test www.d.owrt.test || return
	calls_has 'issue: it is due \(4[34] days left\)' || return
}

# Hostile UCI values: names that would be options, paths or nft syntax are
# refused before anything runs.
t_hook_hostile() {
	local d
	fresh_root && fake_nanoacme || return
	for d in --deploy-hook=/tmp/x.sh ../../etc '../..' 'a";flush;ruleset;"' 'a b/c' '.owrt.test' \
		'x..owrt.test' '*' 'a.*.owrt.test' "$(printf 'a\nb')"; do
		: >"$STUB_LOG"
		hook "domains=ok.owrt.test" "main_domain=$d" validation_method=standalone
		[ "$rc" != 0 ] || { fail "main_domain '$d' accepted"; return; }
		calls_has 'is not a DNS name' || return
		calls_lacks '^nft' || return
		: >"$STUB_LOG"
		hook "domains=ok.owrt.test $d" main_domain=ok.owrt.test
		[ "$rc" != 0 ] || { fail "domain '$d' accepted"; return; }
		calls_has 'is not a DNS name|holds more than DNS names' || return
	done
	# listen_port reaches nft's command line: digits only
	for d in '80 counter accept; flush ruleset' 0 65536 -1 8o; do
		: >"$STUB_LOG"
		hook domains=ok.owrt.test validation_method=standalone "listen_port=$d"
		[ "$rc" != 0 ] || { fail "listen_port '$d' accepted"; return; }
		calls_has 'is not a port number' || return
		calls_lacks '^nft' || return
	done
	[ ! -s "$STUB_DIR/nanoacme.args" ] || { fail "nanoacme ran: $(cat "$STUB_DIR/nanoacme.args")"; return; }
	[ -z "$(ls -A "$ROOT/etc/ssl/acme" 2>/dev/null)" ] || { fail "files written: $(ls -A "$ROOT/etc/ssl/acme")"; return; }
	hook "domains=*.ok.owrt.test ok.owrt.test" FAKE_RC=1
	expect_rc 0 "a wildcard" || return
	args_have issue -- '*.ok.owrt.test' ok.owrt.test || return
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
	# listen_port set (LuCI documents it for webroot): opened for the run,
	# as the other backends do.
	"$BUSYBOX" httpd -f -p "127.0.0.1:$PEBBLE_HTTP_PORT" -h "$cd" &
	pid=$!
	echo "$pid" >"$T/httpd.pid"
	sleep 0.2
	: >"$STUB_LOG"
	hook validation_method=webroot domains=wr2.owrt.test "listen_port=$PEBBLE_HTTP_PORT"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect_rc 0 || return
	published wr2.owrt.test || return
	firewall_closed "$PEBBLE_HTTP_PORT" || return
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

# api_start: the fake DNS provider API on 127.0.0.1:$API_PORT, adding
# its TXT records to Pebble's DNS server too; requests in $T/api/.
api_start() {
	local i=0
	mkdir -p "$T/api" || return 1
	pebble_port_busy "$API_PORT" && { fail "127.0.0.1:$API_PORT is busy"; return 1; }
	python3 "$doubles/fake-dnsapi.py" "$API_PORT" "$T/api" "$CHALLTESTSRV_MGMT_PORT" 2>>"$T/api/err" &
	echo $! >"$T/api.pid"
	while ! pebble_port_busy "$API_PORT" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pebble_port_busy "$API_PORT" || { fail "fake-dnsapi.py did not start: $(cat "$T/api/err")"; return 1; }
}

api_stop() {
	[ -f "$T/api.pid" ] && kill "$(cat "$T/api.pid")" 2>/dev/null
	rm -f "$T/api.pid"
}

# dns: nanoacme --hook dnsapi-bridge, which runs dns_natapi.sh (written
# as acme.sh's provider scripts are) against a provider's HTTP API (the
# fake one puts the TXT records in Pebble's DNS server), with a wildcard
# name, the credential from the environment and saved for the next run;
# records removed afterwards.
t_hook_dns() {
	local p
	need_option --hook || return
	fresh_root && api_start || return
	set -- validation_method=dns dns=dns_natapi dns_wait=0 listen_port= \
		"NATAPI_Url=http://127.0.0.1:$API_PORT/v1"
	hook "$@" NATAPI_Token=secret-token "domains=dns.owrt.test *.dns.owrt.test" main_domain=dns.owrt.test
	expect_rc 0 || { api_stop; return 1; }
	published dns.owrt.test || { api_stop; return 1; }
	p=$ROOT/etc/ssl/acme/dns.owrt.test
	openssl x509 -noout -ext subjectAltName -in "$p.crt" 2>/dev/null | grep -qF 'DNS:*.dns.owrt.test' ||
		{ api_stop; fail "no *.dns.owrt.test in the certificate"; return; }
	cat "$T/api/requests.log" >>"$T/log"
	[ "$(grep -c '^POST /v1/zones/z1/records$' "$T/api/requests.log")" = 2 ] &&
		[ "$(grep -c '^DELETE /v1/zones/z1/records/r' "$T/api/requests.log")" = 2 ] ||
		{ api_stop; fail "want 2 records added and 2 deleted"; return; }
	[ "$(cat "$T/api/records.json")" = "[]" ] || { api_stop; fail "records left: $(cat "$T/api/records.json")"; return; }
	calls_lacks '^nft' || { api_stop; return 1; }
	grep -q "^SAVED_NATAPI_Token='secret-token'$" "$ROOT/etc/acme/dnsapi/account.conf" ||
		{ api_stop; fail "the token was not saved"; return; }
	expect_mode "$ROOT/etc/acme/dnsapi/account.conf" 600 || { api_stop; return 1; }
	# The saved token serves the next run, as with acme.sh.
	: >"$STUB_LOG"
	hook "$@" domains=dns2.owrt.test
	expect_rc 0 "with the saved token" || { api_stop; return 1; }
	# Challenge alias: the record moves to _acme-challenge.CALIAS.
	: >"$T/api/requests.log"
	hook "$@" domains=dns3.owrt.test calias=alias.owrt.test
	grep -q '^GET /v1/zones/z1/records?type=TXT&name=_acme-challenge.alias.owrt.test$' "$T/api/requests.log" ||
		{ api_stop; fail "no record at _acme-challenge.alias.owrt.test: $(cat "$T/api/requests.log")"; return; }
	# Without any token the provider script refuses: issue-failed.
	rm -f "$ROOT/etc/acme/dnsapi/account.conf"
	: >"$STUB_LOG"
	hook "$@" domains=dns4.owrt.test
	api_stop
	[ "$rc" != 0 ] || { fail "issued without the dnsapi credential"; return; }
	calls_has '^notify issue-failed$' || return
}

# dns-persist: nanoacme --dns-persist, no hook, no port; when the record is
# missing (exit 5), the line to create is logged (nanoacme double).
t_hook_dns_persist() {
	local l='_validation-persist.dp.owrt.test TXT "letsencrypt.org; accounturi=https://ca.example/acct/1"'
	fresh_root && fake_nanoacme || return
	hook validation_method=dns-persist domains=dp.owrt.test listen_port= FAKE_RC=5 \
		"FAKE_STDERR=nanoacme: dp.owrt.test: no TXT record; create it: $l"
	expect_rc 5 || return
	args_have --dns-persist issue -- dp.owrt.test || return
	calls_lacks '^nft' || return
	calls_has "create this DNS record once, then run again: $l" || return
	calls_has '^notify issue-failed$' || return
}

# The real nanoacme's dns-persist CLI the hook relies on (README): the
# option and the command printing the record line. Fails until nanoacme
# has them.
t_dns_persist_cli() {
	local out
	need_option --dns-persist || return
	out=$("$NANOACME" -C "$T/st" -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" -y dns-persist dpc.owrt.test 2>>"$T/log")
	rc=$?
	echo "$out" >>"$T/log"
	expect_rc 0 "nanoacme dns-persist" || return
	grep -Eq '^_validation-persist\.dpc\.owrt\.test TXT ".+"$' <<<"$out" ||
		{ fail "nanoacme dns-persist printed '$out'"; return; }
}

# bridge STEP TYPE IDENT [VAR=value...]: the dnsapi bridge as nanoacme
# runs it (token tok, TXT value $AUTH); output in $T/out, status in $rc.
AUTH=Xk-9_abcdefghijklmnopqrstuvwxyz0123456789ABC
bridge() {
	local step=$1 type=$2 ident=$3
	shift 3
	echo "\$ dnsapi-bridge $step $type $ident $*" >>"$T/log"
	"${ENV[@]}" "state_dir=$ROOT/etc/acme" dns_wait=0 "$@" \
		"$BUSYBOX" ash "$ROOT/usr/lib/nanoacme/dnsapi-bridge" "$step" "$type" "$ident" tok "$AUTH" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
	cat "$T/out" >>"$T/log"
}

# The dnsapi scripts' helpers (dnsapi-helpers.sh) under busybox ash,
# against known answers and acme.sh's contracts.
t_dnsapi_helpers() {
	local out
	fresh_root || return
	cat >"$T/h.sh" <<-EOF
		LOG_TAG=t debug=0 NA_CONF_DIR=$T/conf
		. $files/dnsapi-helpers.sh
		trap _na_helpers_cleanup EXIT
		echo "math=\$(_math 6 \* 7)"
		echo "egrep=\$(printf '{"id":"abc","x":1}' | _egrep_o '"id":"[^"]*"')"
		echo "norm=\$(printf '{\n  "a" : "b",\n  "c" :  {"d": 1}\n}' | _normalizeJson)"
		echo "b64=\$(printf 'hello world' | _base64)"
		echo "db64=\$(printf 'aGVsbG8gd29ybGQ=' | _dbase64)"
		echo "dgst=\$(printf abc | _digest sha256 hex)"
		echo "dgstb=\$(printf abc | _digest sha256)"
		echo "hmac=\$(printf 'what do ya want for nothing?' | _hmac sha256 4a656665 hex)"
		echo "url=\$(printf 'a b&c/é~' | _url_encode)"
		echo "h2b=\$(printf '414243' | _h2b)"
		echo "json=\$(printf 'say "hi"\nnow' | _json_encode)"
		_contains "abc.example" "c.ex" && echo contains=yes
		_startswith "_acme-challenge.x" "_acme" && echo starts=yes
		_endswith "x.example.com" "example.com" && echo ends=yes
		echo "field=\$(_getfield 'a,b,,d' 3)"
		_hasfield 'a,b,c' b && echo hasfield=yes
		echo "lower=\$(printf ABC | _lower_case)"
		_err "an error" && echo err=0 || echo err=1
		_saveaccountconf_mutable K1 "it's \\\$(rm -rf /) \\\`x\\\`"
		_saveaccountconf_mutable K2 "base64 me" base64
		_saveaccountconf K3 v3
		_saveaccountconf_mutable K1 "it's \\\$(rm -rf /) \\\`x\\\`"
		echo "k1=\$(_readaccountconf_mutable K1)"
		echo "k2=\$(_readaccountconf_mutable K2)"
		echo "k3=\$(_readaccountconf K3)"
		_clearaccountconf K3
		echo "k3c=\$(_readaccountconf K3)"
		echo "none=\$(_readaccountconf_mutable NOPE)"
		_saveaccountconf 'A;B' x 2>/dev/null && echo badkey=saved
		echo "lines=\$(wc -l <"\$ACCOUNT_CONF_PATH")"
	EOF
	mkdir -p "$T/tmp" || return
	out=$("${ENV[@]}" "TMPDIR=$T/tmp" "$BUSYBOX" ash "$T/h.sh" 2>>"$T/log")
	echo "$out" >>"$T/log"
	local want
	for want in 'math=42' 'egrep="id":"abc"' 'norm={"a":"b","c":{"d": 1}}' 'b64=aGVsbG8gd29ybGQ=' \
		'db64=hello world' 'dgst=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' \
		'dgstb=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=' \
		'hmac=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' \
		'url=a%20b%26c%2f%c3%a9~' 'h2b=ABC' 'json=say \"hi\"\nnow' contains=yes starts=yes ends=yes \
		'field=b' hasfield=yes lower=abc err=1 "k1=it's \$(rm -rf /) \`x\`" 'k2=base64 me' k3=v3 k3c= none= \
		'lines=2'; do
		grep -qxF -- "$want" <<<"$out" || { fail "helpers: no line '$want'"; return; }
	done
	! grep -q badkey=saved <<<"$out" || { fail "a key that is not a variable name was saved"; return; }
	grep -q "^SAVED_K2='__ACME_BASE64__START_YmFzZTY0IG1l__ACME_BASE64__END_'$" "$T/conf/account.conf" ||
		{ fail "base64 setting not stored as acme.sh stores it: $(cat "$T/conf/account.conf")"; return; }
	[ -z "$(ls -A "$T/tmp")" ] || { fail "temporary files left: $(ls -A "$T/tmp")"; return; }
	# Without openssl (OpenWrt's default): busybox's sha256sum and base64.
	out=$(env -i "PATH=$doubles/bin" "TMPDIR=$T/tmp" LOG_TAG=t "NA_CONF_DIR=$T/conf" \
		"$(command -v "$BUSYBOX")" ash -c '
		. "$1"
		_exists openssl && echo "openssl found"
		printf abc | _digest sha256; echo
		printf abc | _digest sha256 hex
		printf "hello world" | _base64; echo
		printf "aGVsbG8gd29ybGQ=" | _dbase64; echo
		printf abc | _hmac sha256 4a656665 hex || echo "hmac refused"
		_na_helpers_cleanup' sh "$files/dnsapi-helpers.sh" 2>>"$T/log")
	echo "$out" >>"$T/log"
	[ "$out" = "$(printf '%s\n' ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= \
		ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad aGVsbG8gd29ybGQ= \
		'hello world' 'hmac refused')" ] || { fail "helpers without openssl: $(tr '\n' '|' <<<"$out")"; return; }
}

# The bridge and dns_natapi.sh with OpenWrt's default HTTP client,
# uclient-fetch (a stand-in on busybox wget): GET and POST with custom
# headers work; DELETE is refused with a clear message (needs curl).
# Also dns-account-01 with nanoacme's NANOACME_DNS_NAME.
t_dnsapi_uclient() {
	local n=_ab12cd._acme-challenge.u.owrt.test
	fresh_root && api_start || return
	set -- dns=dns_natapi NATAPI_Token=secret-token "NATAPI_Url=http://127.0.0.1:$API_PORT/v1" \
		NANOACME_HTTP_CLIENT=uclient-fetch "NANOACME_DNS_NAME=$n"
	bridge begin dns-account-01 u.owrt.test "$@"
	expect_rc 0 "begin" || { api_stop; return 1; }
	calls_has "^uclient-fetch .*--header=Authorization: Bearer secret-token --header=X-Api-Client: nanoacme --header=Content-Type: application/json --post-data=\{\"type\":\"TXT\",\"name\":\"$n\"" ||
		{ api_stop; return 1; }
	grep -q "\"name\": \"$n\", \"content\": \"$AUTH\"" "$T/api/records.json" ||
		{ api_stop; fail "record not added: $(cat "$T/api/records.json")"; return; }
	bridge "done" dns-account-01 u.owrt.test "$@"
	api_stop
	[ "$rc" != 0 ] || { fail "DELETE through uclient-fetch reported success"; return; }
	grep -q 'uclient-fetch knows GET and POST only; install curl' "$T/out" || { fail "no clear message for DELETE"; return; }
	# other types are declined, so nanoacme offers the next challenge
	bridge begin http-01 u.owrt.test "$@"
	expect_rc 1 "http-01 declined" || return
	bridge begin dns-01 '--x' "$@"
	[ "$rc" != 0 ] || { fail "ident --x accepted"; return; }
}

# knot_start: knot on 127.0.0.1:$KNOT_PORT serving owrt.test, updates
# allowed with the TSIG key $T/knot/upd.key (nsupdate's format).
knot_start() {
	local d=$T/knot secret i=0
	command -v knotd >/dev/null && command -v nsupdate >/dev/null && command -v dig >/dev/null ||
		{ fail "knotd, nsupdate or dig missing (tests/deps.sh check: knot bind9-dnsutils)"; return 1; }
	pebble_port_busy "$KNOT_PORT" && { fail "127.0.0.1:$KNOT_PORT is busy"; return 1; }
	mkdir -p "$d/run" "$d/db" "$d/zones" || return 1
	secret=$(head -c 32 /dev/urandom | base64)
	cat >"$d/knot.conf" <<-EOF
		server:
		    rundir: "$d/run"
		    listen: 127.0.0.1@$KNOT_PORT
		database:
		    storage: "$d/db"
		control:
		    listen: "$d/run/knot.sock"
		key:
		  - id: upd
		    algorithm: hmac-sha256
		    secret: $secret
		acl:
		  - id: upd
		    key: upd
		    action: update
		template:
		  - id: default
		    storage: "$d/zones"
		    zonefile-sync: -1
		zone:
		  - domain: owrt.test
		    file: "owrt.test.zone"
		    acl: upd
		log:
		  - target: stderr
		    any: info
	EOF
	printf '%s\n' '$TTL 60' '@ SOA ns.owrt.test. admin.owrt.test. 1 3600 600 86400 60' \
		'@ NS ns.owrt.test.' 'ns A 127.0.0.1' >"$d/zones/owrt.test.zone"
	printf 'key "upd" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$d/upd.key"
	knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 &
	echo $! >"$T/knot.pid"
	while ! dig +short +time=1 +tries=1 -p "$KNOT_PORT" @127.0.0.1 SOA owrt.test 2>/dev/null | grep -q ns.owrt.test &&
		[ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 50 ] || { fail "knotd did not start: $(tail -n 3 "$d/knot.log")"; return 1; }
}

knot_stop() {
	[ -f "$T/knot.pid" ] && kill "$(cat "$T/knot.pid")" 2>/dev/null
	rm -f "$T/knot.pid"
}

# txt NAME: the TXT records knot serves for NAME.
txt() {
	dig +short +time=2 -p "$KNOT_PORT" @127.0.0.1 TXT "$1" 2>/dev/null
}

# An nsupdate provider (dns_nsutest.sh, written like acme.sh's
# dns_nsupdate) through the bridge against a real DNS server: the record
# appears after begin and goes after done; dns-01 of a wildcard, and
# dns-account-01 at NANOACME_DNS_NAME; debug on (nsupdate -d, $DEBUG used
# bare by the script); settings saved, used without the environment.
t_dnsapi_nsupdate() {
	local n=_k7x2._acme-challenge.ns.owrt.test
	fresh_root && knot_start || return
	set -- dns=dns_nsutest NSUTEST_SERVER=127.0.0.1 "NSUTEST_SERVER_PORT=$KNOT_PORT" \
		"NSUTEST_KEY=$T/knot/upd.key" NSUTEST_ZONE=owrt.test
	bridge begin dns-01 '*.ns.owrt.test' "$@"
	expect_rc 0 "begin" || { knot_stop; return 1; }
	[ "$(txt _acme-challenge.ns.owrt.test)" = "\"$AUTH\"" ] ||
		{ knot_stop; fail "TXT after begin: '$(txt _acme-challenge.ns.owrt.test)'"; return; }
	bridge "done" dns-01 '*.ns.owrt.test' dns=nsutest
	expect_rc 0 "done, settings from the saved account.conf" || { knot_stop; return 1; }
	[ -z "$(txt _acme-challenge.ns.owrt.test)" ] || { knot_stop; fail "TXT left after done"; return; }
	bridge begin dns-account-01 ns.owrt.test dns=nsutest "NANOACME_DNS_NAME=$n" debug=1
	expect_rc 0 "dns-account-01" || { knot_stop; return 1; }
	[ "$(txt "$n")" = "\"$AUTH\"" ] || { knot_stop; fail "no TXT at $n"; return; }
	bridge failed dns-account-01 ns.owrt.test dns=nsutest "NANOACME_DNS_NAME=$n"
	[ -z "$(txt "$n")" ] || { knot_stop; fail "TXT left at $n after failed"; return; }
	# an alias (CNAME of _acme-challenge.IDENT) cannot serve dns-account-01
	bridge begin dns-account-01 ns.owrt.test dns=nsutest "NANOACME_DNS_NAME=$n" calias=alias.owrt.test
	[ "$rc" = 1 ] || { knot_stop; fail "dns-account-01 with calias: exit $rc, want 1 (declined)"; return 1; }
	[ -z "$(txt "$n")" ] && [ -z "$(txt _acme-challenge.alias.owrt.test)" ] ||
		{ knot_stop; fail "a record was added for a declined dns-account-01"; return 1; }
	# a wrong key: the provider's failure is the bridge's
	bridge begin dns-01 x.ns.owrt.test dns=nsutest NSUTEST_KEY=/nonexistent
	knot_stop
	[ "$rc" != 0 ] || { fail "begin with a missing TSIG key succeeded"; return; }
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

# nanoacme exit 8 (state locked by another run): the hook waits for the
# holder to finish however long it runs (flock), longer than the old
# 30 tries would have allowed here, then issues.
t_hook_lock_wait() {
	local lk fp
	command -v flock >/dev/null || { fail "flock(1) not installed (util-linux)"; return; }
	fresh_root || return
	mkdir -p -m 700 "$ROOT/etc/acme"
	lk=$ROOT/etc/acme/lock
	: >"$lk"
	flock "$lk" sleep 4 &
	fp=$!
	sleep 0.3
	hook domains=lock.owrt.test NANOACME_LOCK_WAIT=100
	wait "$fp"
	expect_rc 0 || return
	published lock.owrt.test || return
	calls_count 'another nanoacme run holds .*waiting for it to finish' 1 || return
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
	calls_lacks '^notify (issued|renewed|issue-failed|renew-failed)' || return
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
	# An administrator's own lines running nanoacme-cron are not ours; a
	# cron the administrator disabled is not enabled again.
	printf '%s\n' '0 3 * * * /usr/sbin/nanoacme-cron run -y issue x.owrt.test' \
		'*/30 * * * * /usr/sbin/nanoacme-cron run' >"$ct"
	: >"$STUB_LOG"
	"${ENV[@]}" FAKE_INIT_DISABLED=1 "$BUSYBOX" ash "$files/nanoacme-cron.sh" install >>"$T/log" 2>&1 || return
	grep -qxF '0 3 * * * /usr/sbin/nanoacme-cron run -y issue x.owrt.test' "$ct" &&
		grep -qxF '*/30 * * * * /usr/sbin/nanoacme-cron run' "$ct" &&
		[ "$(grep -Ec '^[0-9]+ [0-9]+ \* \* \* /usr/sbin/nanoacme-cron run$' "$ct")" = 1 ] ||
		{ fail "after install: $(tr '\n' '|' <"$ct")"; return; }
	calls_has '^init.d/cron enabled$' || return
	calls_lacks '^init.d/cron (enable|restart|start)$' || return
	"${ENV[@]}" "$BUSYBOX" ash "$files/nanoacme-cron.sh" remove >>"$T/log" 2>&1 || return
	[ "$(grep -c nanoacme-cron "$ct")" = 2 ] || { fail "remove took an administrator's line: $(tr '\n' '|' <"$ct")"; return; }
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
	while [ "$(grep -c '^--end--$' "$STUB_DIR/nanoacme.args")" -lt 2 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	args_have --syslog -y issue boot.owrt.test || return
	[ "$(grep -c '^--end--$' "$STUB_DIR/nanoacme.args")" = 2 ] || { fail "not run again after NTP"; return; }
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

all_tests="crond_start makefile manpage syntax hook_args hook_decide hook_hostile hook_standalone
hook_webroot hook_alpn hook_dns hook_dns_persist dns_persist_cli dnsapi_helpers dnsapi_uclient
dnsapi_nsupdate hook_fail hook_lock_wait hook_concurrent hook_term hook_clock cron_install
cron_clock deploy_uhttpd crond_check"

need_tools "$BUSYBOX" openssl lighttpd curl
"$BUSYBOX" --list | grep -qx crond ||
	setup_fail "$BUSYBOX has no crond (Debian: busybox-static)"
[ -x "$NANOACME" ] || setup_fail "$NANOACME: not an executable"
HELP=$("$NANOACME" --help 2>&1)

# Fresh validations for every new account; renewals of an account's names
# reuse its authorizations (the crond test relies on it).
pebble_setup PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100
pebble_root "$TMP/root.pem" || setup_fail "cannot fetch Pebble's root"

run_tests "$all_tests" "${OPENWRT_TESTS:-}"
