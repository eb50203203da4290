#!/usr/bin/env bash
# tests/anchors.sh: where nanoacme's trust anchors come from, against real
# Pebble: the cache of a CA bundle in STATE/anchors (tacache.c) and the
# fallback from the built-in Let's Encrypt roots to the system bundle.
#
# Usage: tests/anchors.sh [path-to-nanoacme]   (a test build: make check's
#        sanitizer build, compiled with -DNANOACME_TEST_HOOKS)
# Environment: NANOACME_WRAP, NANOACME_TIMEOUT (default 60), ANCHORS_TESTS
# (test names to run), ANCHORS_VERBOSE=1, and the Pebble ports of
# tests/pebble-env.sh.
#
# The bundle is Debian's system bundle (/etc/ssl/certs/ca-certificates.crt)
# with Pebble's throwaway CA appended, so it is large enough to be cached.
# Cache: the first run decodes and writes the cache, the second reads it;
# the same bundle file without Pebble's CA, a flipped byte, a cut cache, and
# the cache of the bundle with Pebble's CA put in place of the cache of one
# without it: each gives the bundle's own trust decision, never the cache's.
# Fallback: a test build counts a directory URL starting with
# $NANOACME_TEST_LE as Let's Encrypt's (built-in roots, which Pebble's CA is
# not among) and reads the system bundle from $NANOACME_TEST_SYSTEM_CA; a
# shipped build reads neither variable (acme.c: test_env()).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

suite_init --pebble anchors "$@"
verbose=${ANCHORS_VERBOSE:-0}
SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt
unset SSL_CERT_FILE NANOACME_TEST_LE NANOACME_TEST_SYSTEM_CA

# nab STATE ARGS...: nanoacme against Pebble, no CA file given.
nab() {
	local state=$1
	shift
	na -D "$PEBBLE_DIR_URL" -C "$state" -l "127.0.0.1:$PEBBLE_HTTP_PORT" "$@"
}

# The one cache file of STATE, or nothing.
cache_of() {
	ls "$1"/anchors/*.ta 2>/dev/null
}

# make_bundles: $TMP/with.pem (system + Pebble CA), $TMP/without.pem.
make_bundles() {
	cat "$SYSTEM_CA" "$PEBBLE_CA_FILE" >"$TMP/with.pem" &&
		cp "$SYSTEM_CA" "$TMP/without.pem"
}

t_cache_used() {
	cp "$TMP/with.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/ca.pem" -y -vv issue c1.nanoacme.test
	expect_rc 0 || return
	expect_out 'trust anchors of .*: decoded, cache written' || return
	[ -n "$(cache_of "$T/s")" ] || fail "no cache in $T/s/anchors" || return
	[ "$(stat -c %a "$T/s/anchors")" = 700 ] || fail "anchors/ not 0700" ||
		return
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 0 || return
	expect_out 'trust anchors of .*: from the cache'
}

# The bundle loses Pebble's CA (same file name, cache of the old content
# still there): not trusted; gets it back: trusted again.
t_cache_stale() {
	cp "$TMP/with.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/ca.pem" -y issue c2.nanoacme.test
	expect_rc 0 || return
	cp "$TMP/without.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 3 || return
	expect_out 'decoded, cache written' || return
	expect_out 'not trusted' || return
	cp "$TMP/with.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 0 || return
	expect_out 'decoded, cache written'
}

# A flipped byte, a cut cache, an empty one: decoded again, still works.
t_cache_damaged() {
	local f
	cp "$TMP/with.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/ca.pem" -y issue c3.nanoacme.test
	expect_rc 0 || return
	f=$(cache_of "$T/s")
	[ -n "$f" ] || fail "no cache" || return
	printf '\377' | dd of="$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 0 || return
	expect_out 'decoded, cache written' || return
	truncate -s 20000 "$f"
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 0 || return
	expect_out 'decoded, cache written' || return
	: >"$f"
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 0 || return
	expect_out 'decoded, cache written'
}

# The cache of a bundle that trusts Pebble, put where the cache of one that
# does not belongs: refused, so Pebble is not trusted.
t_cache_foreign() {
	local good f
	cp "$TMP/with.pem" "$T/good.pem"
	cp "$TMP/without.pem" "$T/ca.pem"
	nab "$T/s" -c "$T/good.pem" -y issue c4.nanoacme.test
	expect_rc 0 || return
	good=$(cache_of "$T/s")
	nab "$T/s" -c "$T/ca.pem" account
	expect_rc 3 || return
	set -- "$T"/s/anchors/*.ta
	[ $# = 2 ] || fail "want 2 caches, have $#" || return
	for f in "$T"/s/anchors/*.ta; do
		[ "$f" = "$good" ] || cp "$good" "$f"
	done
	nab "$T/s" -c "$T/ca.pem" -vv account
	expect_rc 3 || return
	expect_out 'decoded, cache written' || return
	expect_out 'not trusted'
}

# Built-in roots for the directory; the CA's chain is not theirs: the
# system bundle is tried, quietly without -v, said with -v.
t_fallback() {
	NANOACME_TEST_LE=$PEBBLE_DIR_URL NANOACME_TEST_SYSTEM_CA=$TMP/with.pem \
		nab "$T/s" -y issue f1.nanoacme.test
	expect_rc 0 || return
	! grep -q 'built-in' "$T/out" ||
		{ fail "fallback not quiet without -v"; return 1; }
	NANOACME_TEST_LE=$PEBBLE_DIR_URL NANOACME_TEST_SYSTEM_CA=$TMP/with.pem \
		nab "$T/s" -v account
	expect_rc 0 || return
	expect_out "does not chain to the built-in roots: trying $TMP/with.pem"
}

# Neither the built-in roots nor the system bundle anchor the CA: exit 3.
t_fallback_fails() {
	NANOACME_TEST_LE=$PEBBLE_DIR_URL \
		NANOACME_TEST_SYSTEM_CA=$TMP/without.pem \
		nab "$T/s" -v -y issue f2.nanoacme.test
	expect_rc 3 || return
	expect_out "trying $TMP/without.pem" || return
	expect_out 'not trusted' || return
	# no system bundle at all: said, and still exit 3
	NANOACME_TEST_LE=$PEBBLE_DIR_URL NANOACME_TEST_SYSTEM_CA=$T/none.pem \
		nab "$T/s" -y issue f2.nanoacme.test
	expect_rc 3 || return
	expect_out "cannot read CA file $T/none.pem"
}

# Without NANOACME_TEST_LE the directory is not Let's Encrypt's: the system
# bundle is used at once, no built-in roots, no fallback.
t_no_builtin() {
	NANOACME_TEST_SYSTEM_CA=$TMP/with.pem nab "$T/s" -v -y issue \
		n1.nanoacme.test
	expect_rc 0 || return
	! grep -q 'built-in' "$T/out" || fail "built-in roots used"
}

need_nanoacme
pebble_setup PEBBLE_AUTHZREUSE=0
make_bundles || setup_fail "cannot make the bundles"
all_tests="cache_used cache_stale cache_damaged cache_foreign fallback"
all_tests="$all_tests fallback_fails no_builtin"
run_tests "$all_tests" "${ANCHORS_TESTS:-}"
