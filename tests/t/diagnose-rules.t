# diagnose with the rules backend: incidents, pass-through, bad input,
# windows, text and Markdown output, exit codes, live streams, SIGTERM.
. "$TOP/tests/lib.sh"
. "$TOP/tests/t/diagnose-lib.sh"
D="$BIN/diagnose"
S="$T_TMP/state"

out=$("$D" --help) ; rc=$?
is "$rc" 0 "--help exits 0"
like "$out" '^usage: diagnose' "--help prints usage on stdout"
like "$("$D" --version)" '^diagnose [0-9]' "--version"
"$D" --bogus </dev/null >/dev/null 2>"$T_TMP/err"
is $? 64 "bad option: 64"
"$D" --window abc </dev/null >/dev/null 2>&1
is $? 64 "bad --window: 64"
"$D" --backend nope </dev/null >/dev/null 2>&1
is $? 64 "bad --backend: 64"
"$D" --state "$S" --redact-file "$T_TMP/none" </dev/null >/dev/null 2>&1
is $? 66 "missing --redact-file: 66"
printf 'bad-kind (unclosed\n' >"$T_TMP/bad.redact"
"$D" --state "$S" --redact-file "$T_TMP/bad.redact" </dev/null >/dev/null 2>"$T_TMP/err"
is $? 78 "bad --redact-file: 78"
like "$(cat "$T_TMP/err")" "bad.redact:1: bad pattern" "bad pattern named with file:line"

# a crash loop: 500 crashes on 3 machines in 50 s
crashes 500 148ed193b95e89,e784e677f26d58,91857e2fc03d68 >"$T_TMP/loop.ndjson"
"$D" --state "$S" <"$T_TMP/loop.ndjson" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 0 "crash loop: exit 0"
is "$(wc -l <"$T_TMP/out" | tr -d ' ')" 1 "crash loop: one diagnosis"
is "$(jget 'r["occurrences"]' <"$T_TMP/out")" 500 "occurrences 500"
is "$(jget '",".join(sorted(r["instances"]))' <"$T_TMP/out")" \
	"148ed193b95e89,91857e2fc03d68,e784e677f26d58" "three instances"
is "$(jget 'r["first_ts"] + " " + r["last_ts"]' <"$T_TMP/out")" \
	"2026-11-28T03:45:13.000Z 2026-11-28T03:46:02.900Z" "first and last time"
is "$(jget 'r["backend"]' <"$T_TMP/out")" rules "backend rules"
is "$(jget '" ".join(a["action"] + ":" + a.get("machine", "-") for a in r["actions"])' <"$T_TMP/out")" \
	"machine.restart:148ed193b95e89 machine.restart:e784e677f26d58 machine.restart:91857e2fc03d68 github.issue:-" \
	"machine actions per instance; github.pr without patch becomes github.issue"
is "$(jget '[t["count"] for t in r["timeline"]]' <"$T_TMP/out")" "[167, 167, 166]" "timeline counts"
like "$(jget 'r["incident"]' <"$T_TMP/out")" '^i_[0-9a-f]{16}$' "incident id shape"
id1=$(jget 'r["incident"]' <"$T_TMP/out")
"$D" --state "$T_TMP/other" <"$T_TMP/loop.ndjson" >"$T_TMP/out2" 2>&1
is "$(jget 'r["incident"]' <"$T_TMP/out2")" "$id1" "same input, same incident id (any state dir)"
is "$(cat "$T_TMP/err")" "" "no stderr without an LLM"
is "$(ls "$S/spool" | wc -l | tr -d ' ')" 0 "spool empty afterwards"
python3 - "$T_TMP/out" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read())
need = {"type": str, "incident": str, "app": str, "fingerprint": str,
        "category": str, "occurrences": int, "instances": list,
        "first_ts": str, "last_ts": str, "summary": str, "root_cause": str,
        "confidence": float, "evidence": list, "actions": list, "backend": str,
        "usage": dict}
bad = [k for k, t in need.items() if not isinstance(r.get(k), t)]
assert not bad, bad
assert 0 <= r["confidence"] <= 1 and "\n" not in r["summary"]
EOF
ok $? "diagnosis record has every field of docs/records.md with its type"

# other records pass through byte for byte, in place; bad lines warned
{
	printf '{"type":"log","msg":"hello \\u00e9","x_extra":[1,2]}\n'
	printf 'this is not json\n'
	printf '{"no":"type"}\n'
	head -3 "$T_TMP/loop.ndjson"
	printf '{"type":"gap","from":"a","to":"b","reason":"r"}\n'
	printf '{"type":"crash","app":"shop"}\n'
	printf '\n'
	printf '{"type":"future-thing","z":1}'
} >"$T_TMP/mixed"
"$D" --state "$S" <"$T_TMP/mixed" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 0 "mixed input: exit 0"
is "$(sed -n 1p "$T_TMP/out")" '{"type":"log","msg":"hello \u00e9","x_extra":[1,2]}' "log record passes byte for byte"
is "$(sed -n 2p "$T_TMP/out")" '{"type":"gap","from":"a","to":"b","reason":"r"}' "gap record passes in order"
is "$(sed -n 3p "$T_TMP/out")" '{"type":"crash","app":"shop"}' "crash without fingerprint passes through"
is "$(sed -n 4p "$T_TMP/out")" '{"type":"future-thing","z":1}' "unknown type, last line without newline"
is "$(jget 'r["type"]' <"$T_TMP/out" | tail -1)" diagnosis "diagnosis at the end"
is "$(wc -l <"$T_TMP/err" | tr -d ' ')" 3 "one stderr line per bad line"
is "$(sed -n 1p "$T_TMP/err")" 'diagnose: <stdin>:2: not a record (not valid JSON); skipped' "message names the line and why"
is "$(sed -n 2p "$T_TMP/err")" 'diagnose: <stdin>:3: not a record (no "type"); skipped' "a JSON object without a type"
deep=$(python3 -c 'print("{\"type\":\"crash\",\"x\":" + "[" * 100 + "]" * 100 + "}")')
printf '%s\n[1]\n{"type":"log"} tail\n' "$deep" | "$D" --state "$S" >/dev/null 2>"$T_TMP/err"
is "$(cat "$T_TMP/err")" 'diagnose: <stdin>:1: not a record (nested deeper than 64 levels); skipped
diagnose: <stdin>:2: not a record (not a JSON object); skipped
diagnose: <stdin>:3: not a record (text after the JSON value); skipped' "too deep, not an object, text after it: each said"

# windows: a crash 30 s after the last is a new incident
{ crashes 2 148ed193b95e89 shop f_aaaa 1795837513 1000; crashes 1 148ed193b95e89 shop f_aaaa 1795837600; } >"$T_TMP/two"
"$D" --state "$S" <"$T_TMP/two" >"$T_TMP/out" 2>&1
is "$(jget 'r["occurrences"]' <"$T_TMP/out" | tr '\n' ' ')" "2 1 " "window splits incidents"
"$D" --state "$S" --window 200 <"$T_TMP/two" >"$T_TMP/out" 2>&1
is "$(jget 'r["occurrences"]' <"$T_TMP/out")" 3 "--window 200 joins them"
{ crashes 2 148ed193b95e89 shop f_aaaa; crashes 2 148ed193b95e89 billing f_aaaa; crashes 1 148ed193b95e89 shop f_bbbb; } >"$T_TMP/keys"
"$D" --state "$S" <"$T_TMP/keys" >"$T_TMP/out" 2>&1
is "$(jget 'r["app"] + "/" + r["fingerprint"] + "=" + str(r["occurrences"])' <"$T_TMP/out" | sort | tr '\n' ' ')" \
	"billing/f_aaaa=2 shop/f_aaaa=2 shop/f_bbbb=1 " "grouped by app and fingerprint"

# the sample panic (crashgrep's own record), text and Markdown output
"$D" --state "$S" --format text --report "$T_TMP/rep" <"$PANIC" >"$T_TMP/out" 2>&1
like "$(head -1 "$T_TMP/out")" '^2026-11-28T03:45:13Z shop i_[0-9a-f]{16} panic x1 on 1 machine: panic in shop: panic: runtime error: index out of range \[5\] with length 3 .*\[rules\]$' "--format text header line"
like "$(sed -n 2p "$T_TMP/out")" '^  -> machine.restart 148ed193b95e89: ' "--format text action line"
md=$(ls "$T_TMP/rep"/*.md)
like "$md" '/i_[0-9a-f]{16}\.md$' "--report writes <incident>.md"
for h in "# panic in shop: " "## Summary" "## Root cause" "## Evidence" "## Timeline" "## Actions"; do
	grep -q "^$h" "$md"; ok $? "report has '$h'"
done
grep -q '^| `148ed193b95e89` | 1 | 2026-11-28T03:45:13Z | 2026-11-28T03:45:13Z |$' "$md"
ok $? "report timeline row"

# secrets in crash lines never reach the record
crashes 1 148ed193b95e89 shop f_cccc 1795837513 100 \
	'{"lines":["panic: connect postgres://shop:ZQXpassw0rd1@db:5432/x failed","token ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7"],"title":"panic: connect postgres://shop:ZQXpassw0rd1@db:5432/x failed"}' >"$T_TMP/sec"
"$D" --state "$S" <"$T_TMP/sec" >"$T_TMP/out" 2>&1
grep -q ZQX "$T_TMP/out"; is $? 1 "no secret in the diagnosis"
like "$(cat "$T_TMP/out")" 'postgres://shop:\[REDACTED:url-password:[0-9a-f]{6}\]@db' "evidence redacted with a pseudonym"
like "$(jget 'r["title"]' <"$T_TMP/out")" 'REDACTED:url-password' "title redacted"

# output errors
"$D" --state "$S" <"$T_TMP/loop.ndjson" >/dev/full 2>"$T_TMP/err"
is $? 74 ">/dev/full: 74"
like "$(cat "$T_TMP/err")" '^diagnose: write error on stdout' ">/dev/full message"
{ cat "$T_TMP/mixed"; cat "$T_TMP/mixed"; } | "$D" --state "$S" 2>"$T_TMP/err" | head -n1 >/dev/null
rc=${PIPESTATUS[1]}
ok $([ "$rc" = 0 ] || [ "$rc" = 141 ]; echo $?) "| head -n1: 0 or 141 (got $rc)"

# the killed run above left its incidents in the spool: the next run
# finishes them first
"$D" --state "$S" </dev/null >"$T_TMP/out" 2>&1
is "$(jget 'r["occurrences"]' <"$T_TMP/out")" 6 "a run killed by SIGPIPE: spooled incident finished by the next run"

# live stream: the incident is diagnosed when its window closes, before EOF
S="$T_TMP/live-state"
mkfifo "$T_TMP/fifo"
"$D" --state "$S" --window 300ms <"$T_TMP/fifo" >"$T_TMP/live" 2>"$T_TMP/lerr" &
dpid=$!
exec 7>"$T_TMP/fifo"
head -2 "$T_TMP/loop.ndjson" >&7
wait_for '[ -s "$T_TMP/live" ]'
ok $? "live: diagnosis written after the window, input still open"
is "$(jget 'r["occurrences"]' <"$T_TMP/live")" 2 "live: both crashes counted"
# SIGTERM: an open incident is flushed, exit 0
sed -n 3p "$T_TMP/loop.ndjson" >&7
wait_for '[ "$(ls "$S/spool" | wc -l)" -gt 0 ]'
ok $? "live: open incident spooled"
kill -TERM "$dpid"
wait "$dpid"
is $? 0 "SIGTERM: exit 0"
exec 7>&-
is "$(wc -l <"$T_TMP/live" | tr -d ' ')" 2 "SIGTERM: open incident flushed"
is "$(ls "$S/spool" | wc -l | tr -d ' ')" 0 "SIGTERM: spool empty"

mandoc -Tlint -Wwarning "$TOP/man/diagnose.1" >"$T_TMP/lint" 2>&1
ok $? "man/diagnose.1: mandoc -Tlint -Wwarning clean"

done_testing
