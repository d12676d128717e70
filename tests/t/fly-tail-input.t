#!/bin/bash
# fly-tail reading stdin and files: pretty --json objects split across
# reads, -F across rotation and truncation, exit codes and error paths.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
FT="$BIN/fly-tail"

# --- pretty objects arriving in pieces --------------------------------------
python3 - "$T_TMP/chunks.py" <<'EOF'
import sys
open(sys.argv[1], "w").write(r'''
import json, sys, time
obj = {"level": "info", "instance": "683d92dce34dd8",
       "message": "piece {%d} \"quoted\"", "region": "lhr",
       "timestamp": "2023-11-15T03:55:24.063Z",
       "meta": {"Instance": "683d92dce34dd8", "Region": "lhr",
                "Event": {"Provider": "app"}}}
text = ""
for i in range(5):
    o = dict(obj); o["message"] = obj["message"] % i
    text += json.dumps(o, indent=4) + "\n"
text += "2024-10-07T11:37:18Z app[2865134a394268] cdg [info]then a text line\n"
b = text.encode()
# odd-sized pieces, so objects, lines and escapes are cut everywhere
i, k = 0, 1
while i < len(b):
    n = 1 + (k * 7) % 23
    sys.stdout.buffer.write(b[i:i + n]); sys.stdout.buffer.flush()
    i += n; k += 1
    time.sleep(0.002)
''')
EOF
python3 "$T_TMP/chunks.py" | $FT -a shop - >"$T_TMP/pretty.out" 2>"$T_TMP/pretty.err"
is $? 0 "exit 0 at the end of stdin"
is "$(jget 'r["msg"]' <"$T_TMP/pretty.out" | tr '\n' '|')" \
	'piece {0} "quoted"|piece {1} "quoted"|piece {2} "quoted"|piece {3} "quoted"|piece {4} "quoted"|then a text line|' \
	"5 pretty objects cut into odd pieces, then a text line"
is "$(jget 'r["provider"]+r["instance"]+r["region"]' <"$T_TMP/pretty.out" | sed -n 1p)" \
	"app683d92dce34dd8lhr" "fields of fly logs --json"
is "$(wc -c <"$T_TMP/pretty.err")" 0 "nothing on stderr"

# --- -F: follow across rotation, truncation, removal ----------------------
L="$T_TMP/app.log"
line() { printf '2024-10-07T11:37:%02dZ app[2865134a394268] cdg [info]%s\n' "$1" "$2"; }
line 1 "before start" >"$L"
$FT -F "$L" -v >"$T_TMP/f.out" 2>"$T_TMP/f.err" &
PF=$!
wait_lines "$T_TMP/f.out" 1 5
line 2 "appended" >>"$L"
printf '2024-10-07T11:37:03Z app[2865134a394268] cdg [info]written in ' >>"$L"
sleep 0.3
printf 'two parts\n' >>"$L"
wait_lines "$T_TMP/f.out" 3 5
mv "$L" "$L.1"
line 4 "late line in the rotated file" >>"$L.1"
line 5 "first in the new file" >"$L"
wait_lines "$T_TMP/f.out" 5 5
: >"$L"
sleep 0.5
line 6 "after truncation" >>"$L"
wait_lines "$T_TMP/f.out" 6 5
rm "$L"
sleep 0.5
line 7 "file came back" >"$L"
wait_lines "$T_TMP/f.out" 7 5
stop "$PF"
is "$STOP_RC" 0 "-F: exit 0 on SIGTERM"
is "$(jget 'r["msg"]' <"$T_TMP/f.out" | tr '\n' '|')" \
	"before start|appended|written in two parts|late line in the rotated file|first in the new file|after truncation|file came back|" \
	"-F: every line once, across rotation, truncation and removal"
like "$(cat "$T_TMP/f.err")" "app.log: rotated; following the new file" "rotation is reported"
like "$(cat "$T_TMP/f.err")" "app.log: truncated; reading from the start" "truncation is reported"
like "$(cat "$T_TMP/f.err")" "app.log: removed; waiting for it" "removal is reported"

# --- -F with --state: a restart resumes where it stopped --------------------
line 8 "one" >"$T_TMP/s.log"
$FT -F "$T_TMP/s.log" --state "$T_TMP/st" >"$T_TMP/s1.out" 2>/dev/null &
p=$!
wait_lines "$T_TMP/s1.out" 1 5
stop "$p"
line 9 "two" >>"$T_TMP/s.log"
$FT -F "$T_TMP/s.log" --state "$T_TMP/st" >"$T_TMP/s2.out" 2>/dev/null &
p=$!
wait_lines "$T_TMP/s2.out" 1 5
sleep 0.3
stop "$p"
is "$(jget 'r["msg"]' <"$T_TMP/s2.out" | tr '\n' '|')" "two|" "-F --state: no line again after a restart"

# --- a file that does not exist, files in turn --------------------------------
line 10 "from a file" >"$T_TMP/a.log"
$FT "$T_TMP/a.log" "$T_TMP/nope.log" "$T_TMP/a.log" >"$T_TMP/m.out" 2>"$T_TMP/m.err"
is $? 66 "a missing input file: exit 66"
is "$(wc -l <"$T_TMP/m.out")" 2 "the other files are read"
like "$(cat "$T_TMP/m.err")" "^fly-tail: .*nope.log: No such file or directory$" "and the missing one named"

# --- output errors -------------------------------------------------------------
$FT - <"$TOP/tests/cases/fly-tail/001-flytext-current/in" >/dev/full 2>"$T_TMP/full.err"
is $? 74 "stdout full: exit 74"
like "$(cat "$T_TMP/full.err")" "^fly-tail: write error on stdout" "with a message"
python3 -c '
for i in range(200000):
    print("2024-10-07T11:37:16Z app[2865134a394268] cdg [info]line %d" % i)' 2>/dev/null |
	$FT - 2>"$T_TMP/pipe.err" | head -n1 >/dev/null
rc=${PIPESTATUS[1]}
ok "$([ "$rc" = 141 ] || [ "$rc" = 0 ]; echo $?)" "reader gone: SIGPIPE (141) or 0, got $rc"
is "$(wc -c <"$T_TMP/pipe.err")" 0 "and nothing on stderr"

# --- options -------------------------------------------------------------------
out=$($FT --help 2>&1)
is $? 0 "--help: exit 0"
like "$out" "^usage: fly-tail " "--help prints usage on stdout"
like "$($FT --version)" "^fly-tail [0-9]+\.[0-9]+" "--version"
$FT --bogus >/dev/null 2>&1
is $? 64 "unknown option: exit 64"
$FT --since yesterday - </dev/null >/dev/null 2>&1
is $? 64 "bad --since: exit 64"
$FT -a 'bad.app' - </dev/null >/dev/null 2>&1
is $? 64 "an app name that would break a NATS subject: exit 64"
$FT --queue g - </dev/null >/dev/null 2>&1
is $? 64 "--queue without NATS: exit 64"
$FT --events - </dev/null >/dev/null 2>&1
is $? 64 "--events without --app: exit 64"
$FT --since 2024-10-07T11:37:16Z - </dev/null >/dev/null 2>&1
is $? 0 "--since takes an RFC 3339 time"
printf 'x' >"$T_TMP/notadir"
$FT --state "$T_TMP/notadir" - </dev/null >/dev/null 2>&1
is $? 78 "a --state that is not a directory: exit 78"
$FT --state "$T_TMP/fresh/.local/state/selfheal" - </dev/null >/dev/null 2>&1
is $? 0 "--state whose parents do not exist yet: exit 0"
is "$(stat -c %a "$T_TMP/fresh/.local/state/selfheal" 2>&1)" 700 "and it is made, mode 0700"
FLY_API_TOKEN='  ' $FT - </dev/null >/dev/null 2>"$T_TMP/tok.err"
is $? 78 "an unusable token: exit 78"

# --- SIGTERM while waiting on stdin ----------------------------------------
mkfifo "$T_TMP/in.fifo"
$FT - <"$T_TMP/in.fifo" >"$T_TMP/t.out" 2>&1 &
p=$!
exec 7>"$T_TMP/in.fifo"
line 11 "waiting" >&7
wait_lines "$T_TMP/t.out" 1 5
stop "$p"
exec 7>&-
is "$STOP_RC" 0 "SIGTERM while reading stdin: exit 0"

# --- the man page -------------------------------------------------------------
mandoc -Tlint -Wwarning "$TOP/man/fly-tail.1" >"$T_TMP/lint" 2>&1
is "$?:$(cat "$T_TMP/lint")" "0:" "man/fly-tail.1 passes mandoc -Tlint -Wwarning"
done_testing
