#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-aux/sysroot.sh: the musl + BearSSL sysroot of one `make static` build.
#
# Usage: build-aux/sysroot.sh x86_64|mipsel|aarch64 DIR
#
# Makes DIR, in the same layout for every architecture (the Makefile relies
# on it):
#   DIR/musl-gcc.specs     musl's gcc specs file (-specs), for ARCH-linux-gnu-gcc
#   DIR/usr/include/       bearssl.h, bearssl/ and jsmn.h only, so that the
#                          build can pass it with -I: no glibc header can leak
#                          into a musl build through it
#   DIR/usr/lib/ARCH-linux-gnu/libbearssl.a
# x86_64: symbolic links to the host's musl-tools, musl-dev, libbearssl-dev
# and libjsmn-dev (tests/deps.sh installs them).
# mipsel, aarch64: Debian's musl-dev, libbearssl-dev and libjsmn-dev for that
# architecture, fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`; the specs file's /usr paths are rewritten into DIR.
# DIR/versions lists what went in.
#
# Why not multiarch (dpkg --add-architecture mipsel; apt-get install
# libbearssl-dev:mipsel musl-dev:mipsel): that needs libc6:mipsel at exactly
# the host's libc6 version, and Debian's security suite carries no mipsel
# packages, so the first amd64 libc6 security update makes the :mipsel
# packages uninstallable and a fresh CI machine could not build any more.
# Here apt runs with its own lists, cache and an empty dpkg status, for the
# target architecture only, from the machine's own (signed) sources: nothing
# outside DIR changes, the host's dpkg architectures included, and no foreign
# libc6 is needed. Downloading needs the Debian mirror, as apt-get install
# does; a DIR that is complete is kept (make clean removes it).
set -eu

usage() {
	echo "usage: $0 x86_64|mipsel|aarch64 DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
arch=$1
dir=$2
case $arch in
x86_64) debarch=amd64 ;;
mipsel) debarch=mipsel ;;
aarch64) debarch=arm64 ;;
*) usage ;;
esac
case $dir in
/*) ;;
*) dir=$PWD/$dir ;;
esac

# Built in a temporary directory and renamed: an interrupted run leaves no
# half sysroot that a later make would take for complete.
tmp=$dir.tmp.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp/usr/include" "$tmp/usr/lib/$arch-linux-gnu"

if [ "$arch" = x86_64 ]; then
	for f in /usr/lib/x86_64-linux-musl/musl-gcc.specs /usr/include/bearssl.h \
		/usr/include/bearssl /usr/include/jsmn.h \
		/usr/lib/x86_64-linux-gnu/libbearssl.a; do
		if [ ! -e "$f" ]; then
			echo "$0: $f missing: run tests/deps.sh build" >&2
			exit 1
		fi
	done
	ln -s /usr/lib/x86_64-linux-musl/musl-gcc.specs "$tmp/musl-gcc.specs"
	ln -s /usr/include/bearssl.h /usr/include/bearssl /usr/include/jsmn.h \
		"$tmp/usr/include/"
	ln -s /usr/lib/x86_64-linux-gnu/libbearssl.a "$tmp/usr/lib/x86_64-linux-gnu/"
	dpkg-query -W --showformat='${Package}:${Architecture}\t${Version}\n' \
		musl-dev libbearssl-dev libjsmn-dev >"$tmp/versions"
else
	for p in apt-get dpkg-deb; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "$0: $p not found: this script is for Debian" >&2
			exit 1
		fi
	done
	apt=$tmp/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
	: >"$apt/status"
	opts=(-q -o "APT::Architecture=$debarch" -o "APT::Architectures::=$debarch"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
		-o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1)
	echo "$0: fetching Debian's $debarch musl-dev, libbearssl-dev, libjsmn-dev" >&2
	if ! apt-get "${opts[@]}" update >"$apt/update.log" 2>&1; then
		cat "$apt/update.log" >&2
		echo "$0: apt-get update ($debarch lists) failed" >&2
		exit 1
	fi
	# apt-get download verifies each .deb against the signed Release file.
	if ! (cd "$apt/debs" && apt-get "${opts[@]}" download \
		musl-dev libbearssl-dev libjsmn-dev) >"$apt/download.log" 2>&1; then
		cat "$apt/download.log" >&2
		echo "$0: apt-get download ($debarch) failed" >&2
		exit 1
	fi
	for deb in "$apt"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp"
		dpkg-deb -W --showformat='${Package}:${Architecture}\t${Version}\n' \
			"$deb" >>"$tmp/versions"
	done
	specs=$tmp/usr/lib/$arch-linux-musl/musl-gcc.specs
	if [ ! -f "$specs" ] || [ ! -f "$tmp/usr/lib/$arch-linux-gnu/libbearssl.a" ]; then
		echo "$0: the $debarch packages lack musl-gcc.specs or libbearssl.a" >&2
		exit 1
	fi
	sed -e "s|/usr/include/$arch-linux-musl|$dir/usr/include/$arch-linux-musl|g" \
		-e "s|/usr/lib/$arch-linux-musl|$dir/usr/lib/$arch-linux-musl|g" \
		"$specs" >"$tmp/musl-gcc.specs"
	# Keep usr/include to the headers -I may show: the musl headers stay
	# in their own subdirectory (the specs file's -isystem), nothing else.
	rm -rf "${tmp:?}/usr/bin" "${tmp:?}/usr/share" "$apt"
fi

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
