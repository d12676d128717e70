#!/bin/sh
# run.sh - run the whole suite once per program directory given
# (bin, then the sanitizer build) and end with "N passed, N failed".
#   unit tests:  <objdir>/tests/*  (C, TAP output)
#   cases:       tests/cases/<prog>/<case>/{args,in,out[,err,rc]}
#   scripts:     tests/t/*.t       (TAP, run by prove)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 70
pass=0
fail=0
failed=
note() { printf '%s\n' "$*"; }

for bindir in "$@"; do
	BIN=$(cd "$bindir" && pwd)
	case "$bindir" in
	build/san/*) objdir=build/san; label=asan+ubsan ;;
	*) objdir=build; label=plain ;;
	esac
	export BIN TOP
	export SELFHEAL_RULES="$TOP/rules"
	# no host /etc/selfheal/selfheal.conf in the tests (docs/config.md)
	export SELFHEAL_CONFIG=/dev/null
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
	note "# suite: $label ($bindir)"

	for u in "$objdir"/tests/*; do
		[ -x "$u" ] || continue
		if out=$("$u" 2>&1); then
			pass=$((pass + 1))
			note "ok   unit/$(basename "$u")"
		else
			fail=$((fail + 1))
			failed="$failed unit/$(basename "$u")[$label]"
			note "FAIL unit/$(basename "$u")"
			printf '%s\n' "$out" | sed 's/^/    /' | tail -20
		fi
	done

	for c in tests/cases/*/*/; do
		[ -f "$c/args" ] || continue
		if out=$(tests/case.sh "$c" 2>&1); then
			pass=$((pass + 1))
			note "ok   $c"
		else
			fail=$((fail + 1))
			failed="$failed $c[$label]"
			note "FAIL $c"
			printf '%s\n' "$out" | sed 's/^/    /' | tail -30
		fi
	done

	for t in tests/t/*.t; do
		[ -f "$t" ] || continue
		if out=$(timeout 300 prove -e bash "$t" 2>&1); then
			pass=$((pass + 1))
			note "ok   $t"
		else
			fail=$((fail + 1))
			failed="$failed $t[$label]"
			note "FAIL $t"
			printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/    /' | tail -40
		fi
	done
done
# fuzz smoke: each libFuzzer target briefly (make fuzz runs them longer)
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	t=$(basename "$f")
	if out=$(tests/fuzz/run.sh "${FUZZ_SMOKE:-8}" "$t" 2>&1); then
		pass=$((pass + 1))
		note "ok   $out"
	else
		fail=$((fail + 1))
		failed="$failed fuzz/$t"
		note "FAIL fuzz/$t"
		printf '%s\n' "$out" | sed 's/^/    /' | tail -30
	fi
done
[ -n "$failed" ] && note "# failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
