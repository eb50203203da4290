#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-aux/bearssl-src.sh: BearSSL's source, from Debian's source package.
#
# Usage: build-aux/bearssl-src.sh DIR
#
# Makes DIR holding BearSSL's source tree (DIR/inc, DIR/src) as Debian ships
# it for the libbearssl-dev this machine has (the same version as the
# headers the static builds compile against), and DIR/version.
#
# Why build BearSSL ourselves for `make static`: Debian's libbearssl.a is
# compiled -O2 and, on mipsel, as PIC (every call and global through the
# GOT). Compiled like our own code (-Os, one section per function, no PIC)
# the static binary is 5 KB smaller on x86_64 and 17 KB smaller on mipsel,
# which is what keeps it within its size budget. The OpenWrt package builds
# BearSSL from source the same way.
#
# apt runs with its own lists and cache, with deb-src entries made from the
# machine's own signed Debian sources; apt-get source verifies the files
# against the signed Release file. Nothing outside DIR changes. A complete
# DIR is kept (make clean removes it).
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
case $dir in
/*) ;;
*) dir=$PWD/$dir ;;
esac
for p in apt-get tar; do
	command -v "$p" >/dev/null 2>&1 ||
		{ echo "$0: $p not found: this script is for Debian" >&2; exit 1; }
done

tmp=$dir.tmp.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
apt=$tmp/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" \
	"$apt/get"

# deb-src twins of the machine's Debian sources (deb822 and one-line forms).
n=0
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	grep -q 'debian' "$f" || continue
	n=$((n + 1))
	sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt/parts/src$n.sources"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' "$f" >"$apt/parts/src$n.list"
done
opts=(-q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/parts"
	-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
	-o Debug::NoLocking=1)
echo "$0: fetching Debian's bearssl source package" >&2
if ! apt-get "${opts[@]}" update >"$apt/update.log" 2>&1; then
	cat "$apt/update.log" >&2
	echo "$0: apt-get update (deb-src lists) failed" >&2
	exit 1
fi
version=$(dpkg-query -W --showformat='${source:Version}' libbearssl-dev \
	2>/dev/null || true)
if ! (cd "$apt/get" && apt-get "${opts[@]}" source --download-only \
	"bearssl${version:+=$version}") >"$apt/source.log" 2>&1; then
	cat "$apt/source.log" >&2
	echo "$0: apt-get source bearssl failed" >&2
	exit 1
fi
orig=$(ls "$apt"/get/bearssl_*.orig.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || { echo "$0: no bearssl orig tarball" >&2; exit 1; }
mkdir -p "$tmp/tree"
tar -C "$tmp/tree" -xf "$orig"
top=$(ls -d "$tmp"/tree/*/ | head -n 1)
if [ ! -d "$top/src" ] || [ ! -d "$top/inc" ]; then
	echo "$0: $orig has no src/ and inc/" >&2
	exit 1
fi
rm -rf "$dir"
mv "$top" "$dir"
basename "$orig" >"$dir/version"
rm -rf "$tmp"
trap - EXIT
