#!/bin/bash
# crashgrep and its stdout: a reader that goes away (| head -n1) is quiet
# (141 or 0, nothing on stderr); a full disk (>/dev/full) and a closed
# stdout are exit 74 with a message; usage and exit codes of the options.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

# 40000 single-line crashes: about 25 MB of records, far more than a pipe
python3 - <<'EOF' >big.log
import sys
out = []
for i in range(40000):
    out.append('2026-11-28T03:%02d:%02dZ app[e784e677f26d58] cdg [info][  %d.200563] '
               'Out of memory: Killed process %d (shop) total-vm:1842312kB\n'
               % (i // 60 % 60, i % 60, 100 + i, 400 + i))
sys.stdout.write(''.join(out))
EOF

# --- the reader goes away
"$BIN/crashgrep" --no-builtin -r "$R" big.log 2>err | head -n1 >first
rc=${PIPESTATUS[0]}
ok $([ "$rc" = 141 ] || [ "$rc" = 0 ]; echo $?) \
	"| head -n1 (file): exit 141 or 0 (got $rc)"
is "$(wc -c <err | tr -d ' ')" 0 "| head -n1 (file): nothing on stderr"
is "$(jget 'r["rule"]' <first)" t.oom "| head -n1 (file): the first record is whole"
cat big.log | "$BIN/crashgrep" --no-builtin -r "$R" 2>err | head -n1 >first
rc=${PIPESTATUS[1]}
ok $([ "$rc" = 141 ] || [ "$rc" = 0 ]; echo $?) \
	"| head -n1 (pipe): exit 141 or 0 (got $rc)"
is "$(wc -c <err | tr -d ' ')" 0 "| head -n1 (pipe): nothing on stderr"
"$BIN/crashgrep" -a --no-builtin -r "$R" big.log 2>err | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
ok $([ "$rc" = 141 ] || [ "$rc" = 0 ]; echo $?) \
	"-a | head -c 10: exit 141 or 0 (got $rc)"
is "$(wc -c <err | tr -d ' ')" 0 "-a | head -c 10: nothing on stderr"

# --- a full disk
"$BIN/crashgrep" --no-builtin -r "$R" big.log >/dev/full 2>err
is "$?" 74 ">/dev/full: exit 74"
like "$(cat err)" '^crashgrep: .*(write|stdout).*No space left on device' \
	">/dev/full: a message naming the error"
is "$(wc -l <err | tr -d ' ')" 1 ">/dev/full: one message"
# small output too: the error shows at the final flush
head -1 big.log | "$BIN/crashgrep" --no-builtin -r "$R" >/dev/full 2>err
is "$?" 74 ">/dev/full, one record: exit 74 (the final flush is checked)"
"$BIN/crashgrep" --no-builtin -r "$R" --list >/dev/full 2>err
is "$?" 74 "--list >/dev/full: exit 74"
"$BIN/crashgrep" --no-builtin -r "$R" --test >/dev/full 2>err
is "$?" 74 "--test >/dev/full: exit 74"
head -1 big.log | "$BIN/crashgrep" --no-builtin -r "$R" >&- 2>err
is "$?" 74 "closed stdout: exit 74"
ok $([ -s err ]; echo $?) "closed stdout: a message"

# --- options and usage
"$BIN/crashgrep" -h >out 2>err
is "$?" 0 "-h: exit 0"
like "$(cat out)" '^usage: crashgrep' "-h: usage on stdout"
is "$(wc -c <err | tr -d ' ')" 0 "-h: nothing on stderr"
"$BIN/crashgrep" --version >out 2>err
is "$?" 0 "--version: exit 0"
like "$(cat out)" '^crashgrep [0-9]+\.[0-9]+' "--version: name and version"
for bad in "--no-such-option" "-B x" "-B -1" "-B 100000" "-l 10" "-l abc" \
	"--idle soon" "--format yaml"; do
	# shellcheck disable=SC2086
	"$BIN/crashgrep" $bad </dev/null >out 2>err
	rc=$?
	is "$rc" 64 "bad argument '$bad': exit 64"
	like "$(cat err)" 'usage: crashgrep' "bad argument '$bad': usage on stderr"
done
"$BIN/crashgrep" --no-builtin </dev/null >out 2>err
is "$?" 66 "--no-builtin and no -r: exit 66 (no rules)"
SELFHEAL_RULES="$T_TMP/nowhere" "$BIN/crashgrep" </dev/null >out 2>err
is "$?" 66 "SELFHEAL_RULES pointing nowhere: exit 66"
like "$(cat err)" '^crashgrep: .*nowhere' "SELFHEAL_RULES pointing nowhere: names the place"
done_testing
