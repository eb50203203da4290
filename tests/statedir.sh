#!/usr/bin/env bash
# tests/statedir.sh: a state directory someone else made is refused.
#
# Usage: tests/statedir.sh [path-to-nanoacme]  (default build/asan/nanoacme)
#
# No CA is needed: the state directory is checked and locked before any
# request, and `renew` with nothing stored exits 1 without one. Cases:
#   fresh          a missing -C directory is made 0700; renew exits 1
#   made-by-us     an existing 0700 directory of ours is used
#   other-owner    owned by nobody (root only): exit 6 naming the owner
#   group-open     mode 0755, 0750, 0701: exit 6 naming the mode; after
#                  chmod 700 it is used
#   symlink-dir    -C a symlink to a good directory (with and without a
#                  trailing '/'): exit 6
#   not-a-dir      -C a file: exit 6
#   lock-symlink   lock planted as a symlink to a missing target: exit 6,
#                  the target is not created; to an existing file: exit 6,
#                  the file is unchanged
#   planted-hook   a settings file with a deploy hook in a directory owned
#                  by nobody (root only): refused before it is read
# In each refused case nothing is created in the directory. Prints
# "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
set -u

NANOACME_TIMEOUT=${NANOACME_TIMEOUT:-30}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init statedir "${1:-build/asan/nanoacme}"

# refused DIR ERE: renew on -C DIR exits 6 with a message matching ERE,
# and creates nothing in DIR.
refused() {
	local before
	before=$(ls -A "$1" 2>/dev/null)
	na -C "$1" --jitter 0 renew
	expect_rc 6 || return 1
	expect_out "$2" || return 1
	expect_out '^nanoacme: ' "a nanoacme: message" || return 1
	[ "$(ls -A "$1" 2>/dev/null)" = "$before" ] ||
		fail "$1 changed: $(ls -A "$1" | tr '\n' ' ')"
}

# used DIR: renew on -C DIR passes the check (nothing stored: exit 1).
used() {
	na -C "$1" --jitter 0 renew
	expect_rc 1 || return 1
	[ -f "$1/lock" ] && [ ! -L "$1/lock" ] || fail "no lock file in $1"
}

mode_of() {
	stat -c %a "$1"
}

t_fresh() {
	used "$T/new/state" || return 1
	[ "$(mode_of "$T/new/state")" = 700 ] ||
		fail "made with mode $(mode_of "$T/new/state"), want 700"
}

t_made_by_us() {
	mkdir -m 700 "$T/s" && used "$T/s"
}

t_other_owner() {
	[ "$(id -u)" = 0 ] || { skip "not root"; return; }
	mkdir -m 700 "$T/s" && chown nobody "$T/s" || return 1
	refused "$T/s" "owned by uid $(id -u nobody), not by you \\(uid 0\\).*chown" || return 1
	# the owner rule is named even when the mode is wrong too
	chmod 777 "$T/s" && refused "$T/s" "owned by uid"
}

t_group_open() {
	local m
	mkdir "$T/s" || return 1
	for m in 755 750 701 777; do
		chmod "$m" "$T/s" || return 1
		refused "$T/s" "mode 0$m lets group or others in: chmod 700" || return 1
	done
	chmod 700 "$T/s" && used "$T/s"
}

t_symlink_dir() {
	mkdir -m 700 "$T/real" && ln -s real "$T/link" || return 1
	refused "$T/link" "symbolic link, not a directory" || return 1
	refused "$T/link/" "symbolic link, not a directory" || return 1
	[ ! -e "$T/real/lock" ] || fail "a lock was made through the link"
}

t_not_a_dir() {
	echo x >"$T/file" || return 1
	na -C "$T/file" --jitter 0 renew
	expect_rc 6 && expect_out "not a directory"
}

t_lock_symlink() {
	mkdir -m 700 "$T/s" && ln -s "$T/target" "$T/s/lock" || return 1
	refused "$T/s" "lock: a symbolic link, not followed" || return 1
	expect_absent "$T/target" || return 1
	echo keep >"$T/target" || return 1
	refused "$T/s" "lock: a symbolic link" || return 1
	[ "$(cat "$T/target")" = keep ] || fail "the lock target changed"
}

t_planted_hook() {
	[ "$(id -u)" = 0 ] || { skip "not root"; return; }
	mkdir -p "$T/s/certs/x.test" && chmod -R 755 "$T/s" || return 1
	printf 'name x.test\ndeploy-hook touch %s/pwned\n' "$T" \
		>"$T/s/certs/x.test/settings" || return 1
	chown -R nobody "$T/s" || return 1
	na -C "$T/s" --jitter 0 --force renew
	expect_rc 6 || return 1
	expect_out "owned by uid" || return 1
	expect_absent "$T/pwned"
}

# nobody must be able to reach the test directories (other-owner)
chmod 755 "$TMP"
[ -x "$NANOACME" ] ||
	setup_fail "$NANOACME is not an executable (make check-statedir builds it)"
# STATEDIR_TESTS: names as printed, "made_by_us"; "made-by-us" is taken too.
all_tests="fresh made_by_us other_owner group_open symlink_dir not_a_dir"
all_tests="$all_tests lock_symlink planted_hook"
sel=${STATEDIR_TESTS:-}
run_tests "$all_tests" "${sel//-/_}"
