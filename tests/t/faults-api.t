#!/bin/bash
# The LLM and the Fly Machines API misbehaving under the whole pipeline:
# fly-tail (nats-server) | crashgrep | diagnose (OpenAI backend against
# tests/server/llm.py) | remediate --apply (tests/server/flyapi.py).
# Each scenario meets one fault:
#   the LLM: hangs, 429 with Retry-After, 500, a body that is not JSON,
#     JSON cut short, JSON of the wrong shape, the connection closed
#     mid-body; then one healthy answer;
#   the Machines API: 429 with Retry-After and 500 on the restart, a read
#     that hangs, garbage and wrongly shaped answers to a read, a restart
#     carried out whose answer is cut mid-body or never comes, a restart
#     that keeps failing.
# (A machine of the wrong shape is denied, not failed: the record says so.)
# Each stage says one line on stderr naming the problem; diagnose falls
# back to the rules within --deadline; remediate retries what it safely
# can, records the rest as failed and never sends a change twice; both go
# on with the next record.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
. "$TOP/tests/t/faults-lib.sh"
. "$TOP/tests/t/diagnose-lib.sh"
cd "${T_TMP:?}" || exit 1

start_nats || exit 1
rm_start_api --app shop || exit 1
fault_fleet 8

# the LLM: one fault per scenario, picked by the crash line in the prompt
final='{"summary":"s","root_cause":"the LLM says so","confidence":0.7,"category":"health","evidence":["x"],"actions":[{"action":"machine.restart","reason":"from the LLM"}]}'
cut_json='{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\\"summ'
llm_fault() { printf '{"contains":"FAULT %s failed","step":%s}' "$(word "$1")" "$2"; }
start_llm "$(script_file faults "{\"when\":[
$(llm_fault 1 '{"hang":30}'),
$(llm_fault 2 '{"status":429,"message":"Rate limit reached","headers":{"Retry-After":"0.3"}}'),
$(llm_fault 3 '{"status":500}'),
$(llm_fault 4 '{"raw":"<html><body>502 Bad Gateway</body></html>"}'),
$(llm_fault 5 "{\"raw\":$(printf '%s' "$cut_json" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'),\"ctype\":\"application/json\"}"),
$(llm_fault 6 '{"raw":"{\"object\":\"list\",\"data\":[]}","ctype":"application/json"}'),
$(llm_fault 7 "{\"json\":$final,\"truncate\":60}")],
\"default\":{\"json\":$final}}")" || exit 1

# the Machines API: one fault per machine
M() { echo "/v1/apps/shop/machines/$(mid "$1")"; }
ctl /_ctl/fail "{\"path\":\"$(M 1)/restart\",\"status\":429,\"retry_after\":\"0.2\",\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 2)/restart\",\"status\":500,\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 3)\",\"method\":\"GET\",\"hang\":1,\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 4)\",\"method\":\"GET\",\"raw\":\"<html>oops</html>\",\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 5)\",\"method\":\"GET\",\"raw\":\"{\\\"machines\\\":\\\"none\\\"}\",\"count\":10}"
ctl /_ctl/fail "{\"path\":\"$(M 6)/restart\",\"apply\":true,\"truncate\":5,\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 7)/restart\",\"apply\":true,\"hang\":1,\"count\":1}"
ctl /_ctl/fail "{\"path\":\"$(M 8)/restart\",\"status\":503,\"retry_after\":\"0\",\"count\":10}"

SELFHEAL_LLM_KEY=$LLM_KEY pl_start --llm-url "$LLM_URL" --model fake-model --deadline 1s || exit 1
t0=$(date +%s%N)
for k in 1 2 3 4 5 6 7 8; do publish "$k" >/dev/null; done
wait_until "diagnosed $(for k in 1 2 3 4 5 6 7 8; do word "$k"; done | tr '\n' ' ')" 30
ok $? "all eight incidents diagnosed"
echo "# eight incidents, seven LLM faults: diagnosed in $((($(date +%s%N) - t0) / 1000000)) ms"
wait_until "decided 1 2 3 4 5 6 7 8" 30
ok $? "and decided by remediate"
kill -TERM "$PL_FT"
for p in "$PL_FT" "$PL_CG" "$PL_DG" "$PL_TE" "$PL_RM"; do pl_wait "$p" 20; echo "$PL_RC"; done >"$T_TMP/rc"
is "$(tr '\n' ' ' <"$T_TMP/rc")" "0 0 0 0 0 " "every stage ends with 0"

# --- diagnose -----------------------------------------------------------------
backend() { jget 'r["backend"] if r["title"] == "'"$(word "$1")"' failed" else None' <"$T_TMP/pl.diag"; }
note() { jget 'r.get("notes", [""])[0] if r["title"] == "'"$(word "$1")"' failed" else None' <"$T_TMP/pl.diag"; }
is "$(for k in 1 2 3 4 5 6 7 8; do backend "$k"; done | tr '\n' ' ')" \
	"rules rules rules rules rules rules rules openai:fake-model " \
	"each LLM fault: the rules answer; the healthy one: the LLM"
like "$(note 1)" '^LLM failed: .*(timed out|deadline)' "hang: noted"
like "$(note 2)" '^LLM failed: .*429' "429: noted"
like "$(note 3)" '^LLM failed: .*500' "500: noted"
for k in 4 5 6; do
	like "$(note $k)" '^LLM failed: HTTP 200 with a body that is not a chat completion response' \
		"$(echo "HTML page;cut JSON;JSON of another shape" | cut -d';' -f$((k - 3))): noted"
done
like "$(note 7)" '^LLM failed: .*(closed|transfer|partial|remaining)' "cut mid-body: noted"
for k in 1 2 3 4 5 6 7; do
	n=$(grep -c "openai:fake-model: .*the rules backend answers" <(grep "$(jget 'r["incident"] if r["title"] == "'"$(word "$k")"' failed" else None' <"$T_TMP/pl.diag")" "$T_TMP/pl.dg.err"))
	[ "$n" = 1 ] || echo "$(word "$k"): $n lines"
done >"$T_TMP/dglines"
is "$(cat "$T_TMP/dglines")" "" "one stderr line per failed incident, naming it"
grep -v 'incidents:' "$T_TMP/pl.dg.err" >"$T_TMP/dgrest"
is "$(grep -vc 'the rules backend answers' "$T_TMP/dgrest")" 0 "nothing else on diagnose's stderr but its summary"
# within the deadline: the requests about one incident span at most 1 s
python3 - "$LLM_LOG" >"$T_TMP/spans" <<'EOF'
import json, sys
span = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    s = r.get("step")
    if isinstance(s, str):
        span.setdefault(s, []).append(r["t"])
for s, ts in sorted(span.items()):
    if max(ts) - min(ts) > 1.05:
        print("%s: requests over %.2f s" % (s, max(ts) - min(ts)))
    print("# %s: %d request(s) in %.2f s" % (s, len(ts), max(ts) - min(ts)), file=sys.stderr)
EOF
is "$(cat "$T_TMP/spans")" "" "every LLM fault was given up within --deadline 1s"
n=$(requests 'r["step"]' | grep -c 'FAULT bravo')
ok "$([ "$n" -ge 2 ]; echo $?)" "429 with Retry-After 0.3: asked again until the deadline ($n requests)"

# --- remediate ------------------------------------------------------------------
status() { jget 'r["status"] if r.get("machine") == "'"$(mid "$1")"'" and r["action"] == "machine.restart" else None' <"$AUDIT" | tr '\n' ' '; }
sent() { mutations | grep -c "$(mid "$1")/restart"; }
is "$(status 1):$(sent 1)" "applied :2" "429 with Retry-After on the restart: sent again, applied"
is "$(status 2):$(sent 2)" "applied :2" "500 on the restart (nothing done): sent again, applied"
is "$(status 3):$(sent 3)" "applied :1" "a read that hangs: read again, applied"
is "$(status 4):$(sent 4)" "applied :1" "garbage for a read: read again, applied"
is "$(status 5):$(sent 5)" "denied :0" "a wrongly shaped machine: no change, denied"
is "$(status 6):$(sent 6)" "failed :1" "restart done, answer cut mid-body: failed, not sent again"
is "$(status 7):$(sent 7)" "failed :1" "restart done, no answer: failed, not sent again"
is "$(status 8):$(sent 8)" "failed :4" "503 every time: tried 4 times, failed"
reason() { jget 'r["reason"] if r.get("machine") == "'"$(mid "$1")"'" and r["status"] in ("failed", "denied") else None' <"$AUDIT"; }
like "$(reason 5)" "answered for another machine than $(mid 5)" "and says why"
like "$(reason 6)" "restart: POST $(M 6)/restart: .*\(the change may have been made; not sent again\)" "the cut answer: says the change may have been made"
like "$(reason 7)" "restart: POST $(M 7)/restart: .*\(the change may have been made; not sent again\)" "no answer: the same"
like "$(reason 8)" "503" "503: names it"
for k in 6 7 8; do
	n=$(grep -c "machine\.restart on machine $(mid "$k"): failed: " "$T_TMP/pl.rm.err")
	[ "$n" = 1 ] || echo "$(mid "$k"): $n lines"
done >"$T_TMP/rmlines"
is "$(cat "$T_TMP/rmlines")" "" "one stderr line per failed repair"
is "$(grep -v ' diagnoses: \| failed: ' "$T_TMP/pl.rm.err")" "" "nothing else on remediate's stderr but its summary"
done_testing
