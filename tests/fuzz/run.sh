#!/bin/sh
# run.sh SECONDS [TARGET...] - run the libFuzzer targets in build/fuzz for
# SECONDS each, seeded from tests/fuzz/seeds/<target>, contrib/samples and
# rules/, after replaying every saved finding in tests/fuzz/regress/<target>.
# Prints one line per target with executions and findings; exits 1 when a
# target found anything (the input is left in build/fuzz/findings/).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 70
secs=${1:-60}
shift
targets=${*:-$(cd build/fuzz && ls fuzz_* 2>/dev/null | grep -v '\.' )}
export SELFHEAL_RULES="$TOP/rules"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in $targets; do
	bin=build/fuzz/$t
	[ -x "$bin" ] || { echo "fuzz: $t: not built"; status=1; continue; }
	corpus=build/fuzz/corpus/$t
	findings=build/fuzz/findings/$t
	mkdir -p "$corpus" "$findings"
	seeds=
	[ -d "tests/fuzz/seeds/$t" ] && seeds="tests/fuzz/seeds/$t"
	case $t in
	fuzz_scan|fuzz_logrec) seeds="$seeds contrib/samples" ;;
	fuzz_rules) seeds="$seeds rules" ;;
	esac
	if [ -d "tests/fuzz/regress/$t" ] && ls "tests/fuzz/regress/$t"/* >/dev/null 2>&1; then
		if ! "$bin" tests/fuzz/regress/"$t"/* >"$findings/regress.log" 2>&1; then
			echo "fuzz: $t: a saved regression input fails again (see $findings/regress.log)"
			status=1
			continue
		fi
	fi
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 \
	    "$corpus" $seeds >"$findings/run.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$findings/run.log")
	found=$(ls "$findings" | grep -c -E '^(crash|leak|timeout|oom)-' || true)
	echo "fuzz: $t: ${execs:-0} executions in ${secs}s, $found findings"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		tail -30 "$findings/run.log" | sed 's/^/    /'
		status=1
	fi
done
exit $status
