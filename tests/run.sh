#!/bin/sh
# run.sh - run the whole suite once per program directory given (bin, then
# the sanitizer build), then the fuzz smoke runs, and end with
# "N passed, N failed".
#   unit tests:  <objdir>/tests/*  (C, TAP output)
#   cases:       tests/cases/<prog>/<case>/{args,in,out[,err,rc]}
#   scripts:     tests/t/*.t       (TAP, run by prove)
# Tests run JOBS at a time (default 4: most of them wait on servers and
# pipes, not the CPU); each one's result is reported in a fixed order.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 70
JOBS=${JOBS:-4}
R=$(mktemp -d "${TMPDIR:-/tmp}/selfheal-run.XXXXXX") || exit 70
trap 'rm -rf "$R"' EXIT
note() { printf '%s\n' "$*"; }

# the job list: "label kind name bindir objdir", one per line
: >"$R/jobs"
for bindir in "$@"; do
	case "$bindir" in
	build/san/*) objdir=build/san; label=asan+ubsan ;;
	*) objdir=build; label=plain ;;
	esac
	for u in "$objdir"/tests/*; do
		[ -x "$u" ] && [ -f "$u" ] && echo "$label unit $u $bindir" >>"$R/jobs"
	done
	for c in tests/cases/*/*/; do
		[ -f "$c/args" ] && echo "$label case $c $bindir" >>"$R/jobs"
	done
	for t in tests/t/*.t; do
		[ -f "$t" ] && echo "$label tap $t $bindir" >>"$R/jobs"
	done
done
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] && echo "fuzz fuzz $(basename "$f") -" >>"$R/jobs"
done

# one job: run it, leave "<n>.rc" and "<n>.out" behind
cat >"$R/one" <<'ONE'
#!/bin/sh
n=$1 label=$2 kind=$3 name=$4 bindir=$5
BIN=$(cd "$bindir" 2>/dev/null && pwd)
export BIN
export SELFHEAL_RULES="$TOP/rules"
# no host /etc/selfheal/selfheal.conf in the tests (docs/config.md)
export SELFHEAL_CONFIG=/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
case $kind in
unit) "$name" >"$RD/$n.out" 2>&1 ;;
case) tests/case.sh "$name" >"$RD/$n.out" 2>&1 ;;
tap) timeout 300 prove -e bash "$name" >"$RD/$n.out" 2>&1 ;;
fuzz) FUZZ_SEED=${FUZZ_SEED:-1} tests/fuzz/run.sh "${FUZZ_SMOKE:-8}" "$name" >"$RD/$n.out" 2>&1 ;;
esac
echo $? >"$RD/$n.rc"
ONE
chmod +x "$R/one"
export TOP RD="$R"
awk '{ print NR, $0 }' "$R/jobs" | xargs -P "$JOBS" -L 1 "$R/one"

pass=0
fail=0
failed=
cur=
n=0
while read -r label kind name bindir; do
	n=$((n + 1))
	[ "$label" != "$cur" ] && { note "# suite: $label"; cur=$label; }
	rc=$(cat "$R/$n.rc" 2>/dev/null || echo 1)
	shown=$name
	[ "$kind" = unit ] && shown=unit/$(basename "$name")
	[ "$kind" = fuzz ] && shown=$(head -1 "$R/$n.out")
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		note "ok   $shown"
	else
		fail=$((fail + 1))
		failed="$failed $shown[$label]"
		note "FAIL $shown"
		grep -v '^ok ' "$R/$n.out" | sed 's/^/    /' | tail -40
	fi
done <"$R/jobs"
[ -n "$failed" ] && note "# failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
