#!/bin/sh
# run.sh SECONDS [TARGET...] - run the libFuzzer targets in build/fuzz for
# SECONDS each, seeded from tests/fuzz/seeds/<target>, contrib/samples and
# rules/, after replaying every saved finding in tests/fuzz/regress/<target>.
# Prints one line per target with executions and findings; exits 1 when a
# target found anything (the input is left in build/fuzz/findings/).
#
# FUZZ_SEED=N makes a run repeatable, as `make check` does (seed 1): the
# mutations start from seed N on the saved seeds alone, in a fresh corpus,
# so a failure there comes back with the same command on any machine at
# least as fast. Without it (`make fuzz`) each run has a new seed and adds
# what it finds to build/fuzz/corpus/<target>.
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
	findings=build/fuzz/findings/$t
	seedopt=
	if [ -n "${FUZZ_SEED:-}" ]; then
		corpus=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-corpus.XXXXXX") || exit 70
		seedopt=-seed=$FUZZ_SEED
	else
		corpus=build/fuzz/corpus/$t
	fi
	mkdir -p "$corpus" "$findings"
	: >"$findings/start"    # findings of this run only are counted
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
	    $seedopt "$corpus" $seeds >"$findings/run.log" 2>&1
	rc=$?
	[ -n "$seedopt" ] && rm -rf "$corpus"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$findings/run.log")
	seed=$(sed -n 's/^INFO: Seed: *//p' "$findings/run.log")
	found=$(find "$findings" -newer "$findings/start" -type f \
	    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	    -o -name 'oom-*' \) | wc -l)
	echo "fuzz: $t: ${execs:-0} executions in ${secs}s (seed ${seed:-?}), $found findings"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		tail -30 "$findings/run.log" | sed 's/^/    /'
		echo "    replay: FUZZ_SEED=${seed:-?} tests/fuzz/run.sh $secs $t"
		status=1
	fi
done
exit $status
