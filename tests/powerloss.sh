#!/usr/bin/env bash
# tests/powerloss.sh: kill -9 at many points of issue and renew, a full disk,
# a read-only state directory, and how keys are written and shown.
#
# Usage: tests/powerloss.sh [path-to-nanoacme]  (default build/asan/nanoacme)
# Environment: POWERLOSS_RANDOM (random-time kills, default 24),
# POWERLOSS_TESTS="name..." (subset), PEBBLE_* ports (default: free ports
# the kernel picks, so a Pebble of another test run does not matter).
#
# Against real Pebble on 127.0.0.1 (tests/pebble-env.sh), authorizations
# reused so a run takes about 0.1 s. A first issuance makes the account
# and the certificate; then:
#   kill-random    nanoacme issue --force / renew --force, killed with
#                  SIGKILL after a random time within a run's length;
#   kill-syscall   the same, killed by strace at the entry of the Nth
#                  mkdir, unlink, unlinkat, openat, fchmod, write, fsync,
#                  rename, symlink, rmdir: every one of them in the store
#                  phase, so every step of the write-then-rename sequence
#                  is hit;
#   After each kill: STATE/certs/NAME is a complete pair (cert.pem, key,
#   chain, fullchain, settings; the key matches the certificate, which
#   chains to Pebble's root, fullchain = cert + chain, key 0600), old or
#   new; the account files are unchanged; and the next run succeeds with
#   a new matching pair, on the same account. At least 50 kills in all.
#   leftovers      after the last successful run, no stale version
#                  directory, temporary file or link is left.
#   full-disk      STATE on a full tmpfs: exit 6 naming ENOSPC, state
#                  unchanged; with space again, the next run succeeds.
#   readonly-state STATE mounted read-only: exit 6, clear message.
#   readonly-certs STATE/certs read-only: the CA is asked, the new
#                  certificate cannot be stored: exit 6, old pair intact.
#   secret-output  -vv runs of issue, renew, list and account print no
#                  byte of any private key (PEM lines, scalar in hex or
#                  base64url).
#   kill-rollover  (pending an acme.c fix, see PENDING) account rollover
#                  killed after the CA took the new key: the account must
#                  still work.
#   secret-modes   under strace and umask 000: every file that holds a key
#                  (account key, certificate key, rollover's key-new.pem,
#                  their temporaries) is created with mode 0600 in the
#                  open() itself and never widened; key directories 0700.
# Prints "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
PY=$(command -v python3 || true)
RANDOM_KILLS=${POWERLOSS_RANDOM:-24}
NAME=pl.example.test
if [ -n "$PY" ]; then
	: "${PEBBLE_PORT:=$(kernel_port)}" "${PEBBLE_MGMT_PORT:=$(kernel_port)}"
	: "${PEBBLE_HTTP_PORT:=$(kernel_port)}" "${PEBBLE_TLS_PORT:=$(kernel_port)}"
	: "${CHALLTESTSRV_DNS_PORT:=$(kernel_port)}" "${CHALLTESTSRV_MGMT_PORT:=$(kernel_port)}"
fi
suite_init --pebble powerloss "${1:-build/asan/nanoacme}"

# suite_cleanup: unmount the test file systems (finish, in tests/lib.sh).
MOUNTS=
suite_cleanup() {
	local m
	for m in $MOUNTS; do
		umount "$m" 2>/dev/null
	done
	MOUNTS=
}

# args STATE: the options of every run against our Pebble.
args() {
	echo "-D $PEBBLE_DIR_URL -c $PEBBLE_CA_FILE -C $1 -l 127.0.0.1:$PEBBLE_HTTP_PORT --jitter 0"
}

# na_pl STATE ARGS...: one run to completion; output in $T/out, status in $rc.
na_pl() {
	local s=$1
	shift
	# shellcheck disable=SC2046
	ASAN_OPTIONS=exitcode=99 timeout -k 5 60 "$NANOACME" $(args "$s") "$@" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
}

# acct_sum STATE: hash of every account file (key, url, directory).
acct_sum() {
	(cd "$1/account" && find . -type f -exec sha256sum {} + | sort -k 2 | sha256sum)
}

# state_ok STATE: STATE/certs/NAME is one complete, matching, valid pair.
# Sets $reason when not.
state_ok() {
	local d=$1/certs/$NAME f a b
	reason=
	if [ ! -L "$d" ] || [ ! -d "$d" ]; then
		reason="certs/$NAME is not a link to a directory"
		return 1
	fi
	for f in privkey.pem cert.pem chain.pem fullchain.pem settings; do
		[ -s "$d/$f" ] || { reason="$f missing or empty"; return 1; }
	done
	[ "$(stat -L -c %a "$d/privkey.pem")" = 600 ] ||
		{ reason="privkey.pem is not 0600"; return 1; }
	a=$(openssl x509 -noout -pubkey -in "$d/cert.pem" 2>/dev/null)
	b=$(openssl pkey -pubout -in "$d/privkey.pem" 2>/dev/null)
	case $a in
	*"BEGIN PUBLIC KEY"*) ;;
	*) reason="cert.pem does not parse"; return 1 ;;
	esac
	[ "$a" = "$b" ] || { reason="privkey.pem does not match cert.pem"; return 1; }
	cat "$d/cert.pem" "$d/chain.pem" | cmp -s - "$d/fullchain.pem" ||
		{ reason="fullchain.pem is not cert.pem + chain.pem"; return 1; }
	openssl verify -CAfile "$TMP/root.pem" -untrusted "$d/chain.pem" \
		"$d/cert.pem" >/dev/null 2>&1 ||
		{ reason="cert.pem does not verify against Pebble's root"; return 1; }
	return 0
}

# after_kill WHAT: the checks after one killed run, then the next run
# must succeed. Counts the kill in $kills if the process died of it.
kills=0
random_kills=0
after_kill() {
	local what=$1 krc=$2 before
	if [ "$krc" = 137 ]; then
		kills=$((kills + 1))
	elif [ "$krc" = 6 ] && grep -q 'responder was killed by signal 9' "$T/out"; then
		# strace -f also stops the responder child (its chroot
		# directory's mkdir and rmdir): a run whose responder dies must
		# fail cleanly, the pair as it was, which is checked below
		kills=$((kills + 1))
	elif [ "$krc" != 0 ]; then
		kfail="$what: exit $krc (neither killed nor done)"
		return 1
	fi
	if ! state_ok "$S"; then
		kfail="$what: after the kill: $reason"
		return 1
	fi
	if [ "$(acct_sum "$S")" != "$ACCT" ]; then
		kfail="$what: account files changed"
		return 1
	fi
	before=$(sha256sum <"$S/certs/$NAME/cert.pem")
	na_pl "$S" issue --force "$NAME"
	if [ "$rc" != 0 ] || ! state_ok "$S"; then
		kfail="$what: the next run: exit $rc ${reason:+($reason)}"
		return 1
	fi
	if [ "$(sha256sum <"$S/certs/$NAME/cert.pem")" = "$before" ] ||
		[ "$(acct_sum "$S")" != "$ACCT" ]; then
		kfail="$what: the next run kept the old certificate or changed the account"
		return 1
	fi
	return 0
}

# --- tests ---------------------------------------------------------------------

t_kill_random() {
	local i cmd ms pid krc
	kfail=
	for i in $(seq "$RANDOM_KILLS"); do
		if [ $((i % 2)) = 0 ]; then cmd="renew --force"; else cmd="issue --force $NAME"; fi
		ms=$((RANDOM % (RUN_MS * 12 / 10 + 1)))
		# shellcheck disable=SC2046,SC2086
		ASAN_OPTIONS=exitcode=99 "$NANOACME" $(args "$S") $cmd >"$T/out" 2>&1 </dev/null &
		pid=$!
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
		krc=$?
		after_kill "${cmd%% *} killed after ${ms} ms" "$krc" || break
	done
	random_kills=$kills
	[ -z "$kfail" ] || { reason=$kfail; return 1; }
}

# kill_at CMD SYSCALL N: runs CMD under strace, killed at the entry of
# its Nth SYSCALL; then after_kill.
kill_at() {
	local cmd=$1 sc=$2 n=$3 krc
	# LeakSanitizer cannot run under ptrace; the braces keep bash's
	# "Killed" notice out of the test's output
	# shellcheck disable=SC2046,SC2086
	{ ASAN_OPTIONS=exitcode=99:detect_leaks=0 strace -f -qq -o /dev/null \
		-e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
		"$NANOACME" $(args "$S") $cmd >"$T/out" 2>&1 </dev/null; } 2>/dev/null
	krc=$?
	after_kill "${cmd%% *} killed at $sc #$n" "$krc"
}

# count CMD SYSCALL: how many SYSCALL a complete CMD run makes.
count() {
	# shellcheck disable=SC2046,SC2086
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/count.log" -e trace="$2" \
		"$NANOACME" $(args "$S") $1 >/dev/null 2>&1 </dev/null
	grep -c "$2(" "$T/count.log"
}

t_kill_syscall() {
	local cmd sc n k from
	kfail=
	for cmd in "issue --force $NAME" "renew --force"; do
		for sc in mkdir unlink unlinkat openat fchmod write fsync rename symlink rmdir; do
			# renew: the steps that make the new pair current
			case "$cmd:$sc" in
			renew*:mkdir | renew*:unlink | renew*:unlinkat | renew*:openat | renew*:fchmod | renew*:write | renew*:rmdir) continue ;;
			esac
			n=$(count "$cmd" "$sc")
			from=1
			# openat and write are many before the store phase: the last 10
			case $sc in openat | write) from=$((n > 10 ? n - 9 : 1)) ;; esac
			for k in $(seq "$from" "$n"); do
				kill_at "$cmd" "$sc" "$k" || break 3
			done
		done
	done
	[ -z "$kfail" ] || { reason=$kfail; return 1; }
}

t_kills_counted() {
	[ "$kills" -ge 50 ] || { reason="only $kills runs were killed, want at least 50"; return 1; }
	echo "  ($kills runs killed: $random_kills at random times, the rest at syscalls;" \
		"each followed by a checked pair and a good run)"
}

t_leftovers() {
	local extra
	local f cur
	na_pl "$S" renew --force
	if [ "$rc" != 0 ] || ! state_ok "$S"; then
		reason="renew: exit $rc $reason"
		return 1
	fi
	cur=$(readlink "$S/certs/$NAME")
	extra=
	for f in "$S"/certs/* "$S"/certs/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case ${f##*/} in "$NAME" | "$cur") ;; *) extra="$extra ${f##*/}" ;; esac
	done
	[ -z "$extra" ] || { reason="left in certs/:$extra"; return 1; }
	extra=$(find "$S" -name '*.tmp*' -o -name '*.lnk')
	[ -z "$extra" ] || { reason="temporaries left: $extra"; return 1; }
}

# on_tmpfs SIZE DIR: a tmpfs of SIZE at DIR (made here).
on_tmpfs() {
	if ! mkdir -p "$2" || ! mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$2"; then
		reason="cannot mount a tmpfs (this test needs root)"
		return 1
	fi
	MOUNTS="$2 $MOUNTS"
}

# store_refused STATE ERROR: issue --force cannot store: exit 6 with a
# message naming ERROR (strerror), STATE as it was, the old pair intact.
store_refused() {
	local s=$1
	snapshot "$s" >"$T/before"
	na_pl "$s" issue --force "$NAME"
	snapshot "$s" >"$T/after"
	[ "$rc" = 6 ] || { reason="exit $rc, want 6"; return 1; }
	grep -q "$2" "$T/out" ||
		{ reason="the message does not say '$2'"; return 1; }
	cmp -s "$T/before" "$T/after" ||
		{ reason="state changed: $(diff "$T/before" "$T/after" | tr '\n' ' ')"; return 1; }
	state_ok "$s"
}

t_full_disk() {
	local m=$T/fs s
	on_tmpfs 512k "$m" || return 1
	s=$m/state
	cp -a "$S" "$s"
	# fill what is left, then free nothing: every new byte fails
	dd if=/dev/zero of="$m/filler" bs=4k >/dev/null 2>&1
	dd if=/dev/zero of="$m/filler2" bs=1 >/dev/null 2>&1
	store_refused "$s" 'No space left on device' || return 1
	rm -f "$m/filler" "$m/filler2"
	na_pl "$s" issue --force "$NAME"
	if [ "$rc" != 0 ] || ! state_ok "$s"; then
		reason="with space again: exit $rc $reason"
		return 1
	fi
}

# readonly_refused STATE MOUNT: remount MOUNT (which holds STATE or its
# certs/) read-only, then store_refused.
readonly_refused() {
	mount -o remount,ro "$2" || { reason="cannot remount read-only"; return 1; }
	store_refused "$1" 'Read-only file system'
}

t_readonly_state() {
	local m=$T/fs
	on_tmpfs 4m "$m" || return 1
	cp -a "$S" "$m/state"
	readonly_refused "$m/state" "$m"
}

t_readonly_certs() {
	local s=$T/state
	cp -a "$S" "$s"
	mv "$s/certs" "$s/certs.rw"
	on_tmpfs 4m "$s/certs" || return 1
	cp -a "$s/certs.rw/." "$s/certs/"
	rm -rf "$s/certs.rw"
	readonly_refused "$s" "$s/certs"
}

# key_needles KEYFILE: strings that would give the key away: its PEM body
# lines, and its private scalar in hex (plain and openssl's colon form)
# and base64url, one a line.
key_needles() {
	local hex
	grep -v -e '-----' "$1"
	hex=$(openssl pkey -in "$1" -noout -text 2>/dev/null |
		sed -n '/^priv:/,/^pub:/p' | grep -v -e priv: -e pub: | tr -d ' \n')
	[ -n "$hex" ] || return 1
	echo "$hex"
	echo "$hex" | tr -d :
	echo "$hex" | tr -d : | tr 'a-f' 'A-F'
	"$PY" -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).rstrip(b"=").decode())' \
		"$(echo "$hex" | tr -d :)"
}

t_secret_output() {
	local s=$T/state k leak
	cp -a "$S" "$s"
	: >"$T/all"
	for c in "issue --force $NAME" "renew --force" "list" "account"; do
		# shellcheck disable=SC2086
		na_pl "$s" -vv $c
		[ "$rc" = 0 ] || { reason="-vv $c: exit $rc"; return 1; }
		cat "$T/out" >>"$T/all"
	done
	# a new account and key too, with -vv
	na_pl "$T/fresh" -vv -y issue "$NAME"
	[ "$rc" = 0 ] || { reason="-vv -y issue on a new state: exit $rc"; return 1; }
	cat "$T/out" >>"$T/all"
	grep -q 'POST' "$T/all" || { reason="-vv shows no request (output format changed?)"; return 1; }
	for k in "$s/certs/$NAME/privkey.pem" "$s"/account/*/key.pem \
		"$T/fresh/certs/$NAME/privkey.pem" "$T/fresh"/account/*/key.pem; do
		key_needles "$k" >"$T/needles" || { reason="cannot read $k"; return 1; }
		leak=$(grep -F -f <(grep -E '.{16}' "$T/needles") "$T/all" | head -n 1)
		[ -z "$leak" ] || { reason="output shows key material of $k: $leak"; return 1; }
	done
	if grep -q 'PRIVATE KEY' "$T/all"; then
		reason="output holds a PEM private key"
		return 1
	fi
}

# check_key_syscalls LOG: every open that creates a file holding a key,
# and every chmod of one, in an strace log; fails unless all are 0600
# (and directories under account/ and certs/ 0700).
check_key_syscalls() {
	local log=$1 n
	n=$(grep -E 'open(at)?\(.*(key\.pem|key-new\.pem|privkey\.pem)[^"]*".*O_CREAT' "$log" |
		grep -cv ', 0600)')
	[ "$n" = 0 ] || { reason="$n key files created with a mode other than 0600: $(grep -E 'O_CREAT' "$log" | grep -E 'key' | grep -v ', 0600)' | head -n 2)"; return 1; }
	n=$(grep -E 'open(at)?\(.*(key\.pem|key-new\.pem|privkey\.pem)[^"]*".*O_CREAT' "$log" | grep -c .)
	[ "$n" -ge 1 ] || { reason="no key file creation seen (strace output changed?)"; return 1; }
	if grep -E 'chmod' "$log" | grep -E 'key' | grep -qv '0600'; then
		reason="a key file was chmod'ed to another mode"
		return 1
	fi
	if grep -E 'mkdir(at)?\(' "$log" | grep -E 'account|certs' | grep -qv '0700'; then
		reason="a key directory was made with a mode other than 0700: $(grep -E 'mkdir' "$log" | grep -v 0700 | head -n 1)"
		return 1
	fi
	echo "  ($n key files created, all 0600 at open)"
}

# traced LOG ARGS...: nanoacme ARGS on $T/fresh under strace (file
# syscalls into LOG) with umask 000, so only the modes it asks for count.
traced() {
	local log=$1
	shift
	# shellcheck disable=SC2046
	(umask 000 && ASAN_OPTIONS=exitcode=99:detect_leaks=0 strace -f -qq -o "$log" \
		-e trace=open,openat,creat,mkdir,mkdirat,chmod,fchmod,fchmodat,rename,renameat,renameat2 \
		"$NANOACME" $(args "$T/fresh") "$@" >"$T/out" 2>&1 </dev/null)
}

t_secret_modes() {
	local f
	# a new account key and certificate key, then a rollover's new key
	traced "$T/strace.log" -y issue "$NAME" ||
		{ reason="issue under strace failed"; return 1; }
	traced "$T/strace2.log" account rollover ||
		{ reason="account rollover under strace failed"; return 1; }
	cat "$T/strace2.log" >>"$T/strace.log"
	grep -q 'key-new\.pem' "$T/strace.log" ||
		{ reason="rollover wrote no key-new.pem (layout changed?)"; return 1; }
	check_key_syscalls "$T/strace.log" || return 1
	for f in "$T/fresh"/account/*/key.pem "$T/fresh/certs/$NAME/privkey.pem"; do
		[ "$(stat -L -c %a "$f")" = 600 ] || { reason="$f is $(stat -L -c %a "$f")"; return 1; }
	done
}

# kill-rollover: `account rollover` killed between the CA's acceptance of
# keyChange and the rename of key-new.pem over key.pem; the next run must
# still work with the account. Own account (a rollover changes the key
# the CA holds for every copy of a state directory).
t_kill_rollover() {
	local s=$T/state n
	na_pl "$s" -y issue "$NAME"
	[ "$rc" = 0 ] || { reason="issue with a new account: exit $rc"; return 1; }
	# shellcheck disable=SC2046
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/count.log" -e trace=rename \
		"$NANOACME" $(args "$s") account rollover >"$T/out" 2>&1 </dev/null ||
		{ reason="account rollover: failed"; return 1; }
	n=$(grep -c 'rename(' "$T/count.log")
	# shellcheck disable=SC2046
	{ ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o /dev/null -e trace=rename \
		-e inject="rename:signal=KILL:when=$n" \
		"$NANOACME" $(args "$s") account rollover >"$T/out" 2>&1 </dev/null; } 2>/dev/null
	[ "$?" = 137 ] || { reason="rollover was not killed at rename #$n"; return 1; }
	na_pl "$s" issue --force "$NAME"
	[ "$rc" = 0 ] || { reason="after the kill, issue: exit $rc: the account is lost"; return 1; }
}

# Known bugs of files this test may not fix, reported to their owners:
# skipped (and listed) unless named in POWERLOSS_TESTS. Remove a name
# once its bug is fixed.
#   kill-rollover: acme.c's account_rollover() renames key-new.pem over
#     key.pem only after the CA accepted the new key, and nothing picks
#     key-new.pem up later: a kill (or power cut) in between leaves
#     key.pem holding the key the CA no longer accepts, and every later
#     run fails with exit 4 (JWS verification error). A failed rename
#     even unlinks key-new.pem, the only copy of the key the CA holds.
PENDING=""

# --- main ------------------------------------------------------------------------

need_tools openssl strace timeout sha256sum mount
[ -n "$PY" ] && [ -x "$NANOACME" ] ||
	setup_fail "python3 or $NANOACME missing (tests/deps.sh check; make)"
pebble_setup PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100
pebble_root "$TMP/root.pem" || setup_fail "cannot fetch Pebble's root"
S=$TMP/state
na_pl "$S" -y issue "$NAME"
[ "$rc" = 0 ] && state_ok "$S" || setup_fail "first issue: exit $rc $reason" "$T/out"
ACCT=$(acct_sum "$S")
# how long a run takes, in ms (the slowest of three)
RUN_MS=0
for _ in 1 2 3; do
	t0=$(date +%s%N)
	na_pl "$S" issue --force "$NAME"
	t1=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" = 0 ] || setup_fail "issue --force: exit $rc" "$T/out"
	[ "$t1" -gt "$RUN_MS" ] && RUN_MS=$t1
done
echo "  (a run takes up to $RUN_MS ms)"

all_tests="kill_random kill_syscall kills_counted leftovers full_disk"
all_tests="$all_tests readonly_state readonly_certs secret_output secret_modes"
all_tests="$all_tests kill_rollover"
# POWERLOSS_TESTS names tests as printed ("kill_random"; "kill-random" too);
# without it, every test but PENDING's.
sel=${POWERLOSS_TESTS:-}
sel=${sel//-/_}
not_run=
if [ -z "$sel" ]; then
	for t in $all_tests; do
		case " ${PENDING//-/_} " in
		*" $t "*) not_run="$not_run $t" ;;
		*) sel="$sel $t" ;;
		esac
	done
fi
[ -z "$not_run" ] || echo "  (pending known bugs, not run:$not_run; see PENDING)"
run_tests "$all_tests" "$sel"
