#!/bin/bash
# crashgrep's progress line: shown on a terminal when reading files, cleared
# at the end, absent with -q, when stderr is not a terminal, or on stdin.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
S=$TOP/contrib/samples/shop.log
# script(1) gives the program a terminal; its transcript is what a person saw
script -q -e -c "'$BIN/crashgrep' --app shop '$S' >out 2>/dev/tty" tty.log >/dev/null 2>&1
ok $? "on a terminal: exit 0"
like "$(cat -v tty.log)" 'crashgrep: .*shop\.log: [0-9.]+ MB, [0-9.]+M lines \([0-9]+k lines/s, [0-9]+ MB/s\), [0-9]+ crashes' \
	"on a terminal: a progress line with bytes, lines, rates and crashes"
like "$(cat -v tty.log)" '\^M\^\[\[K' "on a terminal: the line is cleared at the end"
is "$(wc -l <out | tr -d ' ')" 16 "on a terminal: records still go to stdout"
script -q -e -c "'$BIN/crashgrep' -q --app shop '$S' >out 2>/dev/tty" tty.log >/dev/null 2>&1
is "$(cat -v tty.log | grep -c 'MB,')" 0 "-q: no progress line"
script -q -e -c "'$BIN/crashgrep' --app shop <'$S' >out 2>/dev/tty" tty.log >/dev/null 2>&1
is "$(cat -v tty.log | grep -c 'MB,')" 0 "stdin: no progress line"
"$BIN/crashgrep" --app shop "$S" >out 2>err
is "$(wc -c <err | tr -d ' ')" 0 "stderr not a terminal: nothing on it"
done_testing
