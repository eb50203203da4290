#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/dns-live.sh T_DNS: runs the t_dns unit tests once more with a live
# server: pebble-challtestsrv on 127.0.0.1:$CHALLTESTSRV_DNS_PORT holding a
# TXT record set through its management API, which t_dns must find with
# dns_txt_lookup() (and find no record at a name without one).
# Ports: CHALLTESTSRV_DNS_PORT, CHALLTESTSRV_MGMT_PORT (8053, 8055).
# Binary: CHALLTESTSRV_BIN, else Debian testing's 2.10 under
# build/pebble-2.10, else bookworm's /usr/bin/pebble-challtestsrv.
# t_dns prints the closing "N passed, N failed" line.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/t_dns" >&2
	exit 2
fi
t_dns=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ -z "${CHALLTESTSRV_BIN:-}" ]; then
	CHALLTESTSRV_BIN=build/pebble-2.10/usr/bin/pebble-challtestsrv
	[ -x "$CHALLTESTSRV_BIN" ] || CHALLTESTSRV_BIN=/usr/bin/pebble-challtestsrv
fi
# shellcheck source=tests/pebble-env.sh
. "$(dirname "$0")/pebble-env.sh"   # challtestsrv_start, pebble_stop
mgmt=http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT
name=_acme-challenge.live.nanoacme.test
value=live-value-$$

work=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-dns.XXXXXX") || exit 1
cleanup() {
	pebble_stop
	rm -rf "$work"
}
trap cleanup EXIT

challtestsrv_start "$work/challtestsrv.log"
i=0
until curl -fsS -o /dev/null -d "{\"host\":\"$name.\",\"value\":\"$value\"}" \
	"$mgmt/set-txt" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -ge 50 ] || ! kill -0 "$CHALLTESTSRV_PID" 2>/dev/null; then
		echo "FAIL dns-live: challtestsrv did not start; its log:"
		sed 's/^/    /' "$work/challtestsrv.log" | head -n 20
		echo "0 passed, 1 failed"
		exit 1
	fi
	sleep 0.1
done

cd "$(dirname "$0")" &&
	DNS_LIVE=127.0.0.1:$CHALLTESTSRV_DNS_PORT DNS_LIVE_NAME=$name \
	DNS_LIVE_VALUE=$value "$t_dns"
