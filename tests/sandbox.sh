#!/usr/bin/env bash
# tests/sandbox.sh: the challenge responders' sandbox (responder.h)
# against real Pebble, run as root.
#
# Usage: tests/sandbox.sh [path-to-nanoacme]   (default build/asan/nanoacme)
# The binary must be a test build (-DNANOACME_TEST_HOOKS, as `make
# check-sandbox` builds it) for forbidden_syscall. Pebble validates
# after a random 0-15 s delay (PEBBLE_VA_NOSLEEP=0), so the responder
# lives long enough to be looked at. Tests:
#   http01_sandboxed  the process holding the http-01 port: uid not 0,
#                     NoNewPrivs 1, Seccomp 2, root not /, and the account
#                     key's private scalar is not in its memory, while the
#                     same search finds it in the parent (the control);
#   alpn_sandboxed    the same for --alpn, with --user daemon (uid 1),
#                     remembered in the settings for renew;
#   forbidden_syscall a system call outside the filter (test hook): only
#                     the responder dies (SIGSYS), exit 6, clear message,
#                     state directory unchanged;
#   killed            the responder killed (SIGKILL) mid-run: the same;
#   bad_user          --user of no account: exit 6 before the CA is asked;
#   env_wiped         the environment (a hook's credentials): a secret in
#                     it is in the parent's memory and not the responder's.
#                     With NANOACME_PLAIN (default ./nanoacme), a build
#                     without sanitizers: ASan keeps its own copy of the
#                     environment, read at start, out of our reach;
#   fork_fails        the zygote cannot fork a responder (test hook):
#                     exit 6 at once, clear message, state unchanged.
# Prints "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
set -u

NANOACME_TIMEOUT=${NANOACME_TIMEOUT:-90}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
suite_init --pebble sandbox "${1:-build/asan/nanoacme}"

[ "$(id -u)" = 0 ] && command -v ss >/dev/null &&
	command -v python3 >/dev/null && [ -x "$NANOACME" ] ||
	setup_fail "needs root, ss, python3 and $NANOACME"
pebble_setup PEBBLE_VA_NOSLEEP=0
S=$TMP/state

# start ARGS...: nanoacme in the background against Pebble, state $S;
# output in $T/out, pid in $napid.
start() {
	printf '$ %s %s\n' "$NANOACME" "$*" >>"$T/log"
	timeout -k 5 "$NANOACME_TIMEOUT" "$NANOACME" -D "$PEBBLE_DIR_URL" \
		-c "$PEBBLE_CA_FILE" -C "$S" -y -v "$@" >"$T/out" 2>&1 \
		</dev/null &
	napid=$!
}

# finish_run: waits for it; exit status in $rc.
finish_run() {
	wait "$napid"
	rc=$?
	cat "$T/out" >>"$T/log"
}

# holder PORT: the pid of the process listening on 127.0.0.1:PORT, waiting
# up to 20 s for it; "" if none.
holder() {
	local i=0 pid
	while [ $i -lt 200 ]; do
		pid=$(ss -ltnpH "sport = :$1" 2>/dev/null |
			sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
		if [ -n "$pid" ]; then
			echo "$pid"
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# scalar: the account key's private scalar, hex.
scalar() {
	local k
	k=$(find "$S/account" -name key.pem | head -n 1)
	[ -n "$k" ] && openssl ec -in "$k" -noout -text 2>/dev/null |
		awk '/^pub:/ { p = 0 } p { print } /^priv:/ { p = 1 }' |
		tr -d ' :\n' | sed 's/^00\(.\{64\}\)$/\1/'
}

# in_memory PID HEX: true if the bytes HEX are in a readable mapping of PID;
# exit 2 if the memory cannot be read at all (not_in_memory fails on it:
# never taken for "not found").
in_memory() {
	python3 - "$1" "$2" 2>/dev/null <<'PY'
import re, sys
pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
found = False
try:
    maps = open("/proc/%s/maps" % pid)
    mem = open("/proc/%s/mem" % pid, "rb", 0)
except OSError:
    sys.exit(2)
with maps, mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar" in line or "[vsyscall" in line:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        # sanitizer shadow reservations are terabytes of nothing
        if b - a > 1 << 30:
            continue
        prev = b""
        while a < b and not found:
            n = min(b - a, 1 << 20)
            try:
                mem.seek(a)
                chunk = mem.read(n)
            except (OSError, OverflowError, ValueError):
                break
            found = needle in prev + chunk
            prev = chunk[-len(needle):]
            a += n
        if found:
            break
sys.exit(0 if found else 1)
PY
}

# expect_sandboxed PID: the checks on the process holding the port.
expect_sandboxed() {
	local pid=$1 st uid root
	st=$(cat "/proc/$pid/status" 2>/dev/null) || {
		fail "responder $pid gone before it was looked at"
		return 1
	}
	uid=$(echo "$st" | awk '/^Uid:/ { print $3 }')
	root=$(readlink "/proc/$pid/root")
	[ -n "$uid" ] && [ "$uid" != 0 ] || { fail "responder euid $uid"; return 1; }
	echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1$' ||
		{ fail "responder: no NoNewPrivs"; return 1; }
	echo "$st" | grep -q '^Seccomp:[[:space:]]*2$' ||
		{ fail "responder: Seccomp is not 2 (filter)"; return 1; }
	[ -n "$root" ] && [ "$root" != / ] ||
		{ fail "responder root is '$root'"; return 1; }
	resp_uid=$uid
}

# A hook's credentials come through the environment: the responder must
# not hold them (the zygote zeroes its copy of the environment).
export NANOACME_TEST_SECRET=hook-credential-$$-$RANDOM

# not_in_memory PID HEX WHAT: HEX is not in PID's memory, which could be read.
not_in_memory() {
	in_memory "$1" "$2"
	case $? in
	1) return 0 ;;
	0) fail "$3 is in the responder's memory" ;;
	*) fail "cannot read the memory of $1" ;;
	esac
	return 1
}

# expect_keyless PID PARENT: the account scalar (and with env_check=1
# the environment's secret) are in PARENT's memory (the search works) and
# not in PID's.
env_check=0
expect_keyless() {
	local hex env
	hex=$(scalar)
	env=$(printf %s "$NANOACME_TEST_SECRET" | od -An -tx1 | tr -d ' \n')
	[ ${#hex} = 64 ] || { fail "cannot read the account scalar"; return 1; }
	not_in_memory "$1" "$hex" "the account key's scalar" || return 1
	if [ "$env_check" = 1 ]; then
		not_in_memory "$1" "$env" "the environment's secret" || return 1
		in_memory "$2" "$env" ||
			{ fail "control: the secret not found in the parent $2"; return 1; }
	fi
	in_memory "$2" "$hex" ||
		fail "control: scalar not found in the parent $2"
}

# state_sum: a digest of every file and name in the state directory.
state_sum() {
	(cd "$S" && find . -print | sort && find . -type f -print0 | sort -z |
		xargs -0 md5sum) | md5sum
}

# watch PORT: looks at the responder during a run: sets $rpid, checks
# it. The parent is stopped meanwhile (SIGSTOP), so neither can go away;
# the responder just waits for it. Returns 2 if the run ended before it
# could be looked at (Pebble's random delay can be 0 s).
watch() {
	local ppid w=0
	rpid=$(holder "$1")
	[ -n "$rpid" ] || { fail "no process listens on port $1"; return 1; }
	# the responder is up before the account key is read: look once a
	# signed request has gone (the key is in the parent from then on)
	for w in $(seq 1 100); do
		grep -q '^> POST' "$T/out" && break
		sleep 0.1
	done
	w=0
	# napid is timeout(1); nanoacme is its child
	ppid=$(pgrep -P "$napid" | head -n 1)
	[ -n "$ppid" ] && kill -STOP "$ppid" 2>/dev/null || return 2
	[ -d "/proc/$rpid" ] || w=2
	[ $w = 0 ] && { expect_sandboxed "$rpid" &&
		expect_keyless "$rpid" "$ppid" || w=1; }
	kill -CONT "$ppid"
	return $w
}

# observe PORT NAME ARGS...: issue NAME with ARGS, watching the responder
# on PORT; up to three names if a run is over too soon to be looked at.
observe() {
	local port=$1 name=$2 w k
	shift 2
	for k in 1 2 3; do
		start "$@" issue "$k.$name"
		watch "$port"
		w=$?
		finish_run
		[ $w = 2 ] && continue
		[ $w = 0 ] || return 1
		expect_rc 0 || return
		done_name=$k.$name
		return 0
	done
	fail "three runs were over before the responder was looked at"
}

t_http01_sandboxed() {
	observe "$PEBBLE_HTTP_PORT" h.nanoacme.test \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT" || return
	grep -q 'http-01 responder on .* sandboxed fully' "$T/out" ||
		fail "-v does not say the responder is fully sandboxed"
}

t_alpn_sandboxed() {
	observe "$PEBBLE_TLS_PORT" a.nanoacme.test --user daemon \
		--alpn "127.0.0.1:$PEBBLE_TLS_PORT" || return
	[ "$resp_uid" = "$(id -u daemon)" ] ||
		fail "responder uid $resp_uid, not daemon's"
	grep -Fxq "user daemon" "$S/certs/$done_name/settings" ||
		fail "--user not remembered in $S/certs/$done_name/settings"
}

# expect_clean_failure WHAT: exit 6, WHAT in the message, state unchanged.
expect_clean_failure() {
	expect_rc 6 || return
	grep -q "$1" "$T/out" || { fail "no '$1' in the output"; return 1; }
	[ "$(state_sum)" = "$before" ] || fail "the state directory changed"
}

t_forbidden_syscall() {
	before=$(state_sum)
	NANOACME_TEST_FORBIDDEN=1 start -l "127.0.0.1:$PEBBLE_HTTP_PORT" \
		issue f1.nanoacme.test
	finish_run
	expect_clean_failure 'killed by signal 31 (SIGSYS'
}

t_killed() {
	local pid
	before=$(state_sum)
	start -l "127.0.0.1:$PEBBLE_HTTP_PORT" issue k1.nanoacme.test
	pid=$(holder "$PEBBLE_HTTP_PORT")
	[ -n "$pid" ] && kill -9 "$pid"
	finish_run
	[ -n "$pid" ] || { fail "no process listens"; return 1; }
	expect_clean_failure 'killed by signal 9'
}

t_bad_user() {
	before=$(state_sum)
	start --user no-such-user-xyz -l "127.0.0.1:$PEBBLE_HTTP_PORT" \
		issue u1.nanoacme.test
	finish_run
	expect_clean_failure 'no such user'
}

# The zygote cannot fork a responder (test hook: EAGAIN): exit 6 at once
# with the reason, not after the 30 s a missing exit report would take.
t_fork_fails() {
	local t0
	t0=$(date +%s)
	NANOACME_TEST_NOFORK=1 start -l "127.0.0.1:$PEBBLE_HTTP_PORT" \
		issue n1.nanoacme.test
	finish_run
	[ $(($(date +%s) - t0)) -lt 15 ] || { fail "took $(($(date +%s) - t0)) s"; return 1; }
	expect_rc 6 || return
	grep -q 'cannot start the challenge responder: Resource temporarily' "$T/out" ||
		{ fail "no reason in the output"; return 1; }
	[ ! -e "$S/certs/n1.nanoacme.test" ] || fail "a certificate was stored"
}

t_env_wiped() {
	local NANOACME=${NANOACME_PLAIN:-./nanoacme} env_check=1
	case $NANOACME in /*) ;; *) NANOACME=$PWD/$NANOACME ;; esac
	[ -x "$NANOACME" ] || { fail "no plain build at $NANOACME"; return 1; }
	# the key must exist before the responder is looked at (run alone)
	if [ -z "$(scalar)" ]; then
		start -l "127.0.0.1:$PEBBLE_HTTP_PORT" issue e0.nanoacme.test
		finish_run
	fi
	observe "$PEBBLE_HTTP_PORT" e.nanoacme.test \
		-l "127.0.0.1:$PEBBLE_HTTP_PORT"
}

run_tests "http01_sandboxed alpn_sandboxed forbidden_syscall killed bad_user env_wiped fork_fails" \
	"${SANDBOX_TESTS:-}"
