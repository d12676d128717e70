#!/bin/sh
# case.sh DIR - run one data-driven case: $BIN/<prog> with the words of
# DIR/args (the first word is the program; no shell evaluation), DIR/in on
# stdin; compare stdout with DIR/out, stderr with DIR/err when present, and
# the exit code with DIR/rc (default 0). The program runs in DIR, so args
# can name files there.
set -u
dir=${1%/}
[ -f "$dir/args" ] || { echo "no $dir/args"; exit 2; }
tmp=$(mktemp -d) || exit 70
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
set -- $(cat "$dir/args")
prog=$1
shift
want_rc=0
[ -f "$dir/rc" ] && want_rc=$(cat "$dir/rc")
in=/dev/null
[ -f "$dir/in" ] && in="$dir/in"
(cd "$dir" && exec "$BIN/$prog" "$@") <"$in" >"$tmp/out" 2>"$tmp/err"
rc=$?
ok=0
if [ "$rc" != "$want_rc" ]; then
	echo "exit code $rc, want $want_rc"
	ok=1
fi
if [ -f "$dir/out" ] && ! diff -u "$dir/out" "$tmp/out"; then
	ok=1
fi
if [ -f "$dir/err" ] && ! diff -u "$dir/err" "$tmp/err"; then
	ok=1
fi
if [ $ok -ne 0 ] || { [ ! -f "$dir/err" ] && [ -s "$tmp/err" ]; }; then
	[ -s "$tmp/err" ] && { echo "stderr:"; head -20 "$tmp/err"; }
	[ ! -f "$dir/err" ] && [ -s "$tmp/err" ] && ok=1
fi
exit $ok
