#!/usr/bin/env bash
# tests/deps.sh: install the Debian packages nanoacme needs, and only the missing ones.
#
# Usage: tests/deps.sh build|static|demo|check|bench
#   build  compiler, make, BearSSL and jsmn headers, CA bundle
#   static build + musl (make static, make size) and Debian's cross compilers
#          for mipsel and aarch64 (their musl and BearSSL come from
#          build-aux/sysroot.sh, not from multiarch packages)
#   demo   build + pebble (ACME test server), openssl and curl (tests/pebble-env.sh
#          uses curl to wait for Pebble and fetch its root)
#   check  demo + static + clang, valgrind and clang's runtime (sanitizer
#          builds), qemu-user-static (the router builds under qemu), python3
#          and python3-cryptography (tests/acme-double.py, make check-double),
#          busybox-static (ash, crond, httpd), lighttpd and its TLS module
#          (tests/openwrt.sh, make check-openwrt), strace (tests/powerloss.sh,
#          make check-powerloss: kills at chosen syscalls, key file modes),
#          iproute2 and procps (ss and pgrep: who holds a port, tests/
#          sandbox.sh and pebble-env.sh), bsdutils (script(1): a terminal
#          for tests/everyday.sh's status line)
#   bench  check + strace, uacme, lego and certbot (bench/compare.sh)
# demo, check and bench also fetch Debian testing's newest pebble (2.10.x, the
# default of tests/pebble-env.sh) into build/pebble-2.10/ and caddy (2.11.x)
# into build/caddy/, unpacked with dpkg -x and never installed: a private apt
# configuration under build/apt/ (its own sources.list, lists, cache, empty
# dpkg status) leaves the system's sources and packages as they are; bookworm's
# pebble 2.4 stays installed (make check-pebble24).
# Quiet when everything is installed. Runs `apt-get update` once, and only when
# something is missing. Needs root to install; otherwise prints the command and
# exits 1. Exit 2 on a usage error.
set -u

build_pkgs="gcc libc6-dev make libbearssl-dev libjsmn-dev ca-certificates"
musl_pkgs="musl-tools gcc-mipsel-linux-gnu gcc-aarch64-linux-gnu"
static_pkgs="$build_pkgs $musl_pkgs"
demo_pkgs="$build_pkgs pebble openssl curl"
check_pkgs="$demo_pkgs $musl_pkgs clang valgrind libclang-rt-14-dev qemu-user-static"
check_pkgs="$check_pkgs python3 python3-cryptography faketime"
check_pkgs="$check_pkgs busybox-static lighttpd lighttpd-mod-openssl knot bind9-dnsutils"
check_pkgs="$check_pkgs strace iproute2 procps bsdutils"
bench_pkgs="$check_pkgs strace python3 uacme lego certbot dehydrated acme-tiny"

# Debian testing's packages for build/: name and directory.
testing_pkgs="pebble:pebble-2.10 caddy:caddy"

case ${1:-} in
build) pkgs=$build_pkgs testing_pkgs= ;;
static) pkgs=$static_pkgs testing_pkgs= ;;
demo) pkgs=$demo_pkgs ;;
check) pkgs=$check_pkgs ;;
bench) pkgs=$bench_pkgs ;;
*)
	echo "usage: $0 build|static|demo|check|bench" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$0: dpkg-query not found: this script is for Debian; please install: $pkgs" >&2
	exit 1
fi

top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
aptdir=$top/build/apt
updated=

# apt_private ARGS...: apt-get with build/apt/ as its whole world: Debian
# testing as the only source, its own lists and cache, an empty dpkg status
# (so nothing counts as installed) and no update hooks of the system's.
apt_private() {
	apt-get -q -c "$aptdir/apt.conf" "$@"
}

# apt_private_setup: write build/apt/ once.
apt_private_setup() {
	[ -f "$aptdir/apt.conf" ] && return 0
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
		"$aptdir/debs" || return 1
	: >"$aptdir/status"
	: >"$aptdir/preferences"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian testing main" >"$aptdir/sources.list"
	cat >"$aptdir/apt.conf.tmp" <<-EOF
		Dir::Etc::SourceList "$aptdir/sources.list";
		Dir::Etc::SourceParts "/nonexistent";
		Dir::Etc::Preferences "$aptdir/preferences";
		Dir::Etc::PreferencesParts "/nonexistent";
		Dir::State "$aptdir";
		Dir::State::Lists "$aptdir/lists";
		Dir::State::status "$aptdir/status";
		Dir::Cache "$aptdir/cache";
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
		APT::Sandbox::User "root";
		#clear APT::Update::Post-Invoke;
		#clear APT::Update::Post-Invoke-Success;
		#clear DPkg::Post-Invoke;
	EOF
	mv "$aptdir/apt.conf.tmp" "$aptdir/apt.conf"
}

# fetch_testing PKG DIR: Debian testing's newest PKG unpacked into
# build/DIR/ (programs in build/DIR/usr/bin/), unless build/DIR/.version
# says it is there already. Returns 0 or 1 with a message.
fetch_testing() {
	local pkg=$1 dir=$top/build/$2 deb p
	[ -s "$dir/.version" ] && return 0
	for p in apt-get dpkg-deb; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "$0: $p not found: cannot fetch $pkg into $dir" >&2
			return 1
		fi
	done
	echo "$0: fetching Debian testing's $pkg into $dir" >&2
	apt_private_setup || return 1
	if [ -z "$updated" ]; then
		if ! apt_private update >"$aptdir/update.log" 2>&1; then
			cat "$aptdir/update.log" >&2
			echo "$0: apt-get update (build/apt, Debian testing) failed" >&2
			return 1
		fi
		updated=1
	fi
	rm -f "$aptdir/debs/${pkg}_"*.deb
	if ! (cd "$aptdir/debs" && apt_private download "$pkg") \
		>"$aptdir/download.log" 2>&1; then
		cat "$aptdir/download.log" >&2
		echo "$0: apt-get download $pkg (Debian testing) failed" >&2
		return 1
	fi
	for deb in "$aptdir/debs/${pkg}_"*.deb; do :; done
	rm -rf "$dir.tmp"
	if ! dpkg-deb -x "$deb" "$dir.tmp"; then
		echo "$0: dpkg-deb -x $deb failed" >&2
		return 1
	fi
	dpkg-deb -f "$deb" Version >"$dir.tmp/.version" || return 1
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	echo "$0: $pkg $(cat "$dir/.version") in $dir" >&2
}

missing=
for p in $pkgs; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing="$missing $p"
	fi
done
missing=${missing# }
fetched=0
for t in $testing_pkgs; do
	fetch_testing "${t%%:*}" "${t#*:}" || fetched=1
done
[ -z "$missing" ] && exit $fetched

if [ "$(id -u)" -ne 0 ]; then
	echo "$0: missing packages: $missing" >&2
	echo "install them as root with: apt-get install --no-install-recommends $missing" >&2
	exit 1
fi

echo "$0: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q; then
	echo "$0: apt-get update failed" >&2
	exit 1
fi
# $missing is a list of package names: word splitting is intended.
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
	echo "$0: apt-get install failed for: $missing" >&2
	exit 1
fi
exit $fetched
