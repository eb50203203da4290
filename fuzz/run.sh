#!/usr/bin/env bash
# fuzz/run.sh: runs the libFuzzer targets built by the Makefile.
#
# Usage: fuzz/run.sh DIR SECONDS check|grow TARGET...
#   DIR      where the Makefile put the targets (build/fuzz)
#   SECONDS  fuzzing time of each target
#   check    `make check-fuzz`: each target first replays its committed
#            corpus fuzz/corpus/NAME (seeds and regress-* inputs), then
#            mutates it for SECONDS into a scratch directory that is
#            thrown away: the result does not depend on earlier runs
#   grow     `make fuzz`: the same, but new inputs go to DIR/corpus-NAME,
#            kept across runs (not committed; fuzz/mkseeds.sh and
#            regress-* files are what is committed)
# A crash, a sanitizer report, a leak or a timeout (10 s per input) fails
# the target; its input is saved as DIR/NAME-crash-* and the log's last
# lines are shown. Prints "ok NAME" or "FAIL NAME: ...", then
# "N passed, N failed"; exits non-zero on any failure.
set -u

if [ $# -lt 4 ]; then
	echo "usage: $0 DIR SECONDS check|grow TARGET..." >&2
	exit 2
fi
dir=$1 secs=$2 mode=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nanoacme-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT

for t in "$@"; do
	name=${t#fuzz_}
	seeds=$here/corpus/$name
	if [ ! -x "$dir/$t" ] || [ ! -d "$seeds" ]; then
		echo "FAIL $t: no $dir/$t or no $seeds"
		failed=$((failed + 1))
		continue
	fi
	if [ "$mode" = grow ]; then
		work=$dir/corpus-$name
	else
		work=$scratch/$name
	fi
	mkdir -p "$work"
	log=$dir/$t.log
	# -use_value_profile finds comparisons (magic strings, lengths);
	# -rss_limit_mb bounds memory per input; leaks are checked by
	# LeakSanitizer at the end of each input that allocated.
	"$dir/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-use_value_profile=1 -print_final_stats=1 \
		-artifact_prefix="$dir/$name-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ] && ! grep -Eq 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' "$log"; then
		echo "ok $t (${runs:-?} inputs in ${secs}s)"
		passed=$((passed + 1))
	else
		echo "FAIL $t: exit $rc; inputs saved as $dir/$name-*; log $log:"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^    #[0-9]+ ' "$log" |
			grep -Ev 'fuzzer::|libc\.so|__sanitizer|compiler-rt|_start' |
			head -n 20 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
