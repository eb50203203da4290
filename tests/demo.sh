#!/usr/bin/env bash
# tests/demo.sh: what `make demo` runs: issue a real certificate from a local Pebble.
#
# Usage: tests/demo.sh [path-to-nanoacme]      (default: $NANOACME, else ./nanoacme)
# Starts Pebble on 127.0.0.1 (tests/pebble-env.sh), runs nanoacme with -v for two
# demo names into a fresh ./demo-state (or $DEMO_STATE), shows the files, the
# certificate's names and validity, verifies the chain against Pebble's root with
# openssl, and stops Pebble again. NANOACME_WRAP is put in front of the binary
# (e.g. "qemu-mipsel-static"). Exits non-zero if issuance or verification fails.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pebble-env.sh
. "$here/pebble-env.sh"

NANOACME=${1:-${NANOACME:-./nanoacme}}
STATE=${DEMO_STATE:-./demo-state}
NAMES=(demo.nanoacme.test www.demo.nanoacme.test)
read -r -a wrap <<<"${NANOACME_WRAP:-}"

trap pebble_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -f "$NANOACME" ] || [ ! -x "$NANOACME" ]; then
	echo "demo: $NANOACME is not an executable file (run make first)" >&2
	exit 1
fi
case $STATE in
"" | / | . | ..)
	echo "demo: refusing to use '$STATE' as the state directory" >&2
	exit 1
	;;
esac

echo "== starting Pebble (ACME test server) on 127.0.0.1:$PEBBLE_PORT"
# Pebble's defaults on purpose (5% badNonce, 50% authz reuse): a realistic run.
# shellcheck disable=SC2119
pebble_start || exit 1
echo "   directory $PEBBLE_DIR_URL, its TLS anchored by $PEBBLE_CA_FILE"

rm -rf -- "$STATE"
echo "== nanoacme issue ${NAMES[*]}"
${wrap[@]+"${wrap[@]}"} "$NANOACME" -v -D "$PEBBLE_DIR_URL" -c "$PEBBLE_CA_FILE" \
	-C "$STATE" -y -l "127.0.0.1:$PEBBLE_HTTP_PORT" issue "${NAMES[@]}"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "demo: nanoacme failed with exit status $rc" >&2
	echo "--- last lines of pebble.log" >&2
	tail -n 20 "$PEBBLE_WORK/pebble.log" >&2
	exit 1
fi

dir=$STATE/certs/${NAMES[0]}
echo "== files"
ls -l "$dir/"
echo "== certificate"
if ! openssl x509 -in "$dir/cert.pem" -noout -subject -issuer -ext subjectAltName \
	-startdate -enddate; then
	echo "demo: cannot read $dir/cert.pem" >&2
	exit 1
fi

echo "== verifying the chain against Pebble's root"
root=$PEBBLE_WORK/pebble-root.pem
if ! pebble_root "$root"; then
	echo "demo: cannot fetch Pebble's root" >&2
	exit 1
fi
if ! openssl verify -CAfile "$root" -untrusted "$dir/chain.pem" "$dir/cert.pem"; then
	echo "demo: chain does not verify" >&2
	exit 1
fi
echo "== done: certificate, key and chain are in $dir (Pebble's root is gone with Pebble)"
