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
#          make check-powerloss: kills at chosen syscalls, key file modes)
#   bench  check + strace, uacme, lego and certbot (bench/compare.sh)
# Quiet when everything is installed. Runs `apt-get update` once, and only when
# something is missing. Needs root to install; otherwise prints the command and
# exits 1. Exit 2 on a usage error.
set -u

build_pkgs="gcc make libbearssl-dev libjsmn-dev ca-certificates"
musl_pkgs="musl-tools gcc-mipsel-linux-gnu gcc-aarch64-linux-gnu"
static_pkgs="$build_pkgs $musl_pkgs"
demo_pkgs="$build_pkgs pebble openssl curl"
check_pkgs="$demo_pkgs $musl_pkgs clang valgrind libclang-rt-14-dev qemu-user-static"
check_pkgs="$check_pkgs python3 python3-cryptography faketime"
check_pkgs="$check_pkgs busybox-static lighttpd lighttpd-mod-openssl"
check_pkgs="$check_pkgs strace"
bench_pkgs="$check_pkgs strace python3 uacme lego certbot"

case ${1:-} in
build) pkgs=$build_pkgs ;;
static) pkgs=$static_pkgs ;;
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

missing=
for p in $pkgs; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing="$missing $p"
	fi
done
missing=${missing# }
[ -z "$missing" ] && exit 0

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
exit 0
