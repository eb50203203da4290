#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-aux/sysroot.sh: the musl + BearSSL sysroot of one `make static` build.
#
# Usage: build-aux/sysroot.sh x86_64 DIR
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
# DIR/versions lists what went in.
set -eu

usage() {
	echo "usage: $0 x86_64 DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
arch=$1
dir=$2
case $arch in
x86_64) ;;
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
fi

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
