# Never lose a crash: kill -9 while the LLM is being asked, restart, and
# the incident is diagnosed once, with the same id; leftovers of a kill
# after the write are not repeated; broken spool files are set aside.
. "$TOP/tests/lib.sh"
. "$TOP/tests/t/diagnose-lib.sh"
D="$BIN/diagnose"
S="$T_TMP/state"
M=148ed193b95e89

final='{"summary":"s","root_cause":"r","confidence":0.6,"category":"panic","evidence":[],"actions":[{"action":"machine.restart","reason":"x"}]}'
start_llm "$(script_file hang '{"steps":[{"hang":30}],"default":{"json":'"$final"'}}')"
crashes 50 "$M,e784e677f26d58" >"$T_TMP/loop"

mkfifo "$T_TMP/fifo"
SELFHEAL_LLM_KEY=$LLM_KEY "$D" --state "$S" --llm-url "$LLM_URL" --model fake-model \
	--window 200ms --deadline 60 <"$T_TMP/fifo" >"$T_TMP/out1" 2>"$T_TMP/err1" &
dpid=$!
exec 7>"$T_TMP/fifo"
cat "$T_TMP/loop" >&7
wait_for '[ -s "$LLM_LOG" ]' 500
ok $? "the LLM was asked (and hangs)"
spooled=$(ls "$S/spool")
like "$spooled" '^i_[0-9a-f]{16}\.json$' "the incident is in the spool before the LLM answers"
is "$(pj 'r["occurrences"]' <"$S/spool/$spooled")" 50 "spooled with all 50 crashes"
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
exec 7>&-
is "$(wc -c <"$T_TMP/out1" | tr -d ' ')" 0 "killed before any output"

# restart; the upstream stage replays the same crashes
SELFHEAL_LLM_KEY=$LLM_KEY "$D" --state "$S" --llm-url "$LLM_URL" --model fake-model \
	--window 200ms <"$T_TMP/loop" >"$T_TMP/out2" 2>"$T_TMP/err2"
is $? 0 "restart: exit 0"
is "$(wc -l <"$T_TMP/out2" | tr -d ' ')" 1 "restart: one diagnosis, not two"
is "$(jget 'r["incident"]' <"$T_TMP/out2").json" "$spooled" "restart: the same incident id"
is "$(jget 'str(r["occurrences"]) + " " + r["backend"]' <"$T_TMP/out2")" "50 openai:fake-model" "restart: the spooled incident, diagnosed by the LLM"
like "$(cat "$T_TMP/err2")" 'diagnosed already \(input replayed\?\); skipped' "restart: the replay is recognised"
is "$(ls "$S/spool" | wc -l | tr -d ' ')" 0 "restart: spool empty"
stop_llm

# SIGTERM while the LLM hangs: the request is abandoned, the rules answer,
# exit 0 at once
start_llm "$(script_file hang2 '{"default":{"hang":30}}')"
SELFHEAL_LLM_KEY=$LLM_KEY "$D" --state "$T_TMP/st" --llm-url "$LLM_URL" --model fake-model \
	--deadline 60 <"$T_TMP/loop" >"$T_TMP/out" 2>"$T_TMP/err" &
dpid=$!
wait_for '[ -s "$LLM_LOG" ]' 500
t0=$(date +%s%N)
kill -TERM "$dpid"
wait "$dpid"
is $? 0 "SIGTERM during an LLM call: exit 0"
is "$(( ($(date +%s%N) - t0) / 1000000 < 2000 ))" 1 "SIGTERM: promptly"
is "$(pj 'r["backend"] + " " + str(r["occurrences"]) + " " + r["notes"][0]' <"$T_TMP/out")" \
	"rules 50 LLM failed: diagnose is stopping; the rules backend answered" "SIGTERM: flushed by the rules backend"
is "$(ls "$T_TMP/st/spool" | wc -l | tr -d ' ')" 0 "SIGTERM: spool empty"
stop_llm

# killed after the write but before the spool file was removed: not repeated
crashes 3 $M >"$T_TMP/three"
"$D" --state "$T_TMP/s2" <"$T_TMP/three" >"$T_TMP/out" 2>&1
id=$(jget 'r["incident"]' <"$T_TMP/out")
python3 - "$T_TMP/three" "$id" >"$T_TMP/s2/spool/$id.done" <<'PY'
import json, sys
print(json.dumps({"v": 1, "incident": sys.argv[2]}))
PY
"$D" --state "$T_TMP/s2" </dev/null >"$T_TMP/out" 2>"$T_TMP/err"
is "$(wc -c <"$T_TMP/out" | tr -d ' ')" 0 "a .done leftover is not emitted again"
is "$(ls "$T_TMP/s2/spool" | wc -l | tr -d ' ')" 0 "and is removed"

# a broken spool file is set aside, the rest goes on
echo '{"v":1,"incident":"i_0000000000000000"' >"$T_TMP/s2/spool/i_0000000000000000.json"
"$D" --state "$T_TMP/s2" <"$T_TMP/three" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(wc -l <"$T_TMP/out" | tr -d ' ')" 1 "broken spool file: diagnosing goes on"
like "$(cat "$T_TMP/err")" '1 unreadable spool file renamed to \*\.bad' "broken spool file: warned"
ok "$([ -f "$T_TMP/s2/spool/i_0000000000000000.json.bad" ]; echo $?)" "broken spool file: kept as .bad"

# --spool elsewhere; an unwritable state directory is an error
"$D" --state "$T_TMP/s3" --spool "$T_TMP/myspool" <"$T_TMP/three" >/dev/null 2>&1
ok "$([ -d "$T_TMP/myspool" ] && [ ! -d "$T_TMP/s3/spool" ]; echo $?)" "--spool DIR used"
"$D" --state /proc/nope <"$T_TMP/three" >/dev/null 2>"$T_TMP/err"
is $? 73 "state directory cannot be created: 73"

done_testing
