#!/bin/bash
# Closing the loop: after an applied repair remediate polls the machine
# (--verify) and writes a verify record: healed, or unhealthy (escalate,
# and undo a memory raise when the policy says so); the same fingerprint
# coming back is "recurred".
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
fleet
P=$(policy p 'app shop
    allow machine.restart machine.memory notify
    memory-max 1024
    undo yes')
# M1 fails its checks until restarted; M2 is OOM-killed, and after its
# memory raise fails its checks (it got worse)
ctl "/_ctl/patch?app=shop&machine=$M1" '{"checks":[{"name":"http","status":"critical"}],"x_after":{"checks":[{"name":"http","status":"passing"}]}}'
ctl "/_ctl/patch?app=shop&machine=$M2" '{"x_after":{"checks":[{"name":"http","status":"critical","output":"500"}]}}'
{
	diag i_v1 shop f_00000000000000a1 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]"
	diag i_v2 shop f_00000000000000a2 "\"$M2\"" "[{\"action\":\"machine.memory\",\"machine\":\"$M2\"}]"
} >"$T_TMP/in"
N=$(api_lines)
START=$(date +%s%N)
rm_run --policy "$P" --apply --verify 1 <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
ok $? "exit 0 after the verifications ended"
END=$(date +%s%N)
is "$(jget 'r["type"] + " " + r["action"] + " " + r.get("status", r.get("outcome", "")) + " " + r.get("machine", "-")' <"$T_TMP/out" | sort | tr '\n' ',')" \
	"action escalate skipped -,action machine.memory applied $M2,action machine.memory applied $M2,action machine.restart applied $M1,verify machine.memory unhealthy $M2,verify machine.restart healed $M1," \
	"restart healed; memory raise unhealthy: undone and escalated"
like "$(jget 'r["reason"] if r["type"] == "verify" and r["outcome"] == "healed" else None' <"$T_TMP/out")" \
	"^after 1 s the machine is started, 1 of 1 checks passing" "healed: what the last poll saw"
like "$(jget 'r["reason"] if r["type"] == "verify" and r["outcome"] == "unhealthy" else None' <"$T_TMP/out")" \
	"^after 1 s the machine is started, 0 of 1 checks passing" "unhealthy: what the last poll saw"
RAISE=$(jget 'r["id"] if r["type"] == "action" and r["action"] == "machine.memory" and "undo_of" not in r else None' <"$T_TMP/out")
is "$(jget 'r["action_id"] if r["type"] == "verify" and r["machine"] == "'"$M2"'" else None' <"$T_TMP/out")" "$RAISE" "the verify record names the action it verifies"
is "$(jget '(r["undo_of"], r["result"]["memory_mb"]) if "undo_of" in r else None' <"$T_TMP/out")" \
	"[\"$RAISE\", {\"from\": 512, \"to\": 256}]" "the undo: memory back from 512 to 256 MB"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["body"]["config"]["guest"]["memory_mb"] if r["method"] == "POST" and r["path"].endswith("'"$M2"'") else None' | tr '\n' ' ')" \
	"512 256 " "two updates: the raise and its undo"
like "$(jget 'r["reason"] if r["action"] == "escalate" else None' <"$T_TMP/out")" \
	"^a human must look: machine.memory: after 1 s the machine is started, 0 of 1 checks passing" "the escalation says why"
ELAPSED=$(( (END - START) / 1000000 ))
[ "$ELAPSED" -ge 900 ] && [ "$ELAPSED" -lt 5000 ]
ok $? "waited for the verify window, not much longer (${ELAPSED} ms)"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["path"] if r["method"] == "GET" and r["path"].endswith("'"$M1"'") else None' | wc -l | tr -d ' ')" \
	3 "polled $M1 (target check and two polls in 1 s)"
is "$(jget 'r["type"]' <"$AUDIT" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" "action=4 verify=2 " "verify records are in the audit log"

# the same crash again, in the stream: recurred
ctl "/_ctl/patch?app=shop&machine=$M3" '{"checks":[{"name":"http","status":"critical"}]}'
P2=$(policy p2 'app shop
    allow machine.restart')
{
	diag i_r1 shop f_00000000000000b1 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]"
	diag i_r2 shop f_00000000000000b1 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]"
} | rm_run --policy "$P2" --apply --verify 1 --state "$T_TMP/st2" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["type"] + " " + r["incident"] + " " + r["action"] + " " + r.get("status", r.get("outcome", ""))' <"$T_TMP/out" | tr '\n' ',')" \
	"action i_r1 machine.restart applied,verify i_r1 machine.restart recurred,action i_r2 machine.restart applied,action i_r2 escalate skipped,verify i_r2 machine.restart unhealthy,action i_r2 escalate skipped," \
	"the second diagnosis of the same fingerprint: the first restart recurred, escalated"
done_testing
