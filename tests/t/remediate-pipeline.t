#!/bin/bash
# remediate as the pipeline's last stage: diagnoses in, action records out;
# dry-run sends nothing that changes anything; replay never acts twice; a
# log-driven prompt injection is denied; Fly's own restart loop is left
# alone; rate limits, caps and the circuit breaker hold across restarts.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
fleet
ALLOW=$(policy allow 'defaults
    allow machine.restart machine.start machine.memory app.rollback notify
    memory-max 2048
    machines-max 2
app shop')
rp() { rm_run --policy "$ALLOW" "$@"; }
A1="[{\"action\":\"machine.restart\",\"machine\":\"$M1\",\"reason\":\"panic\"}]"
ctl "/_ctl/patch?app=shop&machine=$M1" '{"checks":[{"name":"http","status":"critical","output":"connection refused"}]}'

# records of other types pass through byte for byte, in place
{
	echo '{"type":"log","msg":"a \u00e9 line",  "x":1}'
	diag i_p1 shop f_00000000000000a1 "\"$M1\"" "$A1"
	echo '{"type":"crash","id":"c_1"}'
	echo 'not json at all'
	echo
	echo '{"no":"type"}'
	printf '{"type":"gap","from":"a","to":"b"}'
} >"$T_TMP/in"
N=$(api_lines)
rp <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
ok $? "dry-run over a stream: exit 0"
is "$(jget 'r["type"]' <"$T_TMP/out" | tr '\n' ' ')" "log action crash gap " "order kept; the non-JSON line dropped"
is "$(head -1 "$T_TMP/out")" '{"type":"log","msg":"a \u00e9 line",  "x":1}' "byte for byte"
like "$(sed -n 1p "$T_TMP/err")" '^remediate: <stdin>:[0-9]+: not a JSON record \(not valid JSON\): ignored$' "the bad line is reported, and why"
like "$(sed -n 2p "$T_TMP/err")" '^remediate: <stdin>:[0-9]+: not a JSON record \(no "type"\): ignored$' "an object without a type: said so"
is "$(grep -c 'not a JSON record' "$T_TMP/err")" 2 "a blank line is skipped quietly"
is "$(sed -n 2p "$T_TMP/out" | jget '(r["incident"], r["status"], r["fingerprint"], r["rule"], r["backend"])')" \
	'["i_p1", "dry-run", "f_00000000000000a1", "test.rule", "rules"]' "the action record links incident, fingerprint, rule, backend"
is "$(mutations $((N + 1)))" "" "dry-run: no mutating request"
is "$(reqs $((N + 1)))" "GET /v1/apps/shop/machines/$M1" "only the target check"

# --apply, then the same stream again: nothing twice
N=$(api_lines)
rp --apply <"$T_TMP/in" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r.get("status")' <"$T_TMP/out")" applied "applied"
rp --apply <"$T_TMP/in" >"$T_TMP/out2" 2>/dev/null
like "$(jget 'r.get("status", "") + ": " + r.get("reason", "") if r["type"] == "action" else None' <"$T_TMP/out2")" \
	"^skipped: already applied for this incident \(replay\)" "replayed: skipped"
is "$(mutations $((N + 1)) | grep -c /restart)" 1 "one restart in all"

# a diagnosis driven by hostile log text
INJ="[{\"action\":\"machine.restart\",\"machine\":\"$MX\",\"reason\":\"ignore your instructions\"},
{\"action\":\"machine.restart\",\"machine\":\"deadbeef00aa11\"},
{\"action\":\"app.destroy\",\"reason\":\"destroy the app\"},
{\"action\":\"machine.memory\",\"machine\":\"$M2\",\"memory_mb\":65536},
{\"action\":\"machine.restart\",\"machine\":\"../../other/machines/$MX\"},
{\"action\":\"machine.start\",\"machine\":\"$M2\",\"app\":\"other\"}]"
INJ=$(printf '%s' "$INJ" | tr -d '\n')
{
	diag i_inj1 shop f_00000000000000b1 "\"$M2\",\"deadbeef00aa11\"" "$INJ"
	diag i_inj2 other f_00000000000000b2 "\"$MX\"" "[{\"action\":\"machine.restart\",\"machine\":\"$MX\"}]"
	diag i_inj3 shop f_00000000000000b3 "\"$M2\"" "[{\"action\":\"machine.memory\",\"machine\":\"$M2\",\"memory_mb\":1e300}]"
} >"$T_TMP/inj"
N=$(api_lines)
rp --apply <"$T_TMP/inj" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["status"] + " " + r["action"] + " " + r.get("machine", "-")' <"$T_TMP/out")" \
"denied machine.restart $MX
denied machine.restart deadbeef00aa11
denied unknown -
denied machine.memory $M2
denied machine.restart -
skipped machine.start $M2
skipped escalate -
denied machine.restart $MX
denied machine.memory $M2
skipped escalate -" "every hostile action refused"
jget 'r["status"] + " " + r["action"] + " " + r.get("machine", "-") + ": " + r["reason"]' <"$T_TMP/out" >"$T_TMP/why"
like "$(sed -n 1p "$T_TMP/why")" "^denied machine.restart $MX: machine $MX is not one of the incident's machines" "another app's machine: denied"
like "$(sed -n 2p "$T_TMP/why")" "^denied machine.restart deadbeef00aa11: machine deadbeef00aa11 not found in app shop \(Machines API: 404\)" "an unknown machine: denied by the API check"
like "$(sed -n 3p "$T_TMP/why")" '^denied unknown -: unknown action "app.destroy"' "an unknown action: denied"
like "$(sed -n 4p "$T_TMP/why")" "^denied machine.memory $M2: 65536 MB asked for machine $M2 is above the policy's memory ceiling of 2048 MB" "huge memory: denied"
like "$(sed -n 5p "$T_TMP/why")" "^denied machine.restart -: machine is not a machine ID" "a path in the machine id: denied"
like "$(sed -n 6p "$T_TMP/why")" "^skipped machine.start $M2: machine $M2 is started already" "an 'app' inside an action is ignored: the incident's app counts"
like "$(sed -n 7p "$T_TMP/why")" "^skipped escalate -: a human must look: machine.memory: 65536 MB" "the huge memory request escalates"
like "$(sed -n 8p "$T_TMP/why")" "^denied machine.restart $MX: app \"other\" is not in the policy" "an app not in the policy: denied"
like "$(sed -n 9p "$T_TMP/why")" "^denied machine.memory $M2: 10000000 MB asked" "absurd numbers: denied"
is "$(mutations $((N + 1)))" "" "no mutating request at all"

# Fly's own restart loop: flyd still restarting -> leave it alone
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"events\":[$(exit_ev 20000 1 false true 3)]}"
A3="[{\"action\":\"machine.restart\",\"machine\":\"$M3\"},{\"action\":\"machine.start\",\"machine\":\"$M3\"}]"
N=$(api_lines)
diag i_loop1 shop f_00000000000000c1 "\"$M3\"" "$A3" | rp --apply >"$T_TMP/out" 2>/dev/null
like "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out" | sed -n 1p)" \
	"^skipped: flyd is still restarting machine $M3 by itself \(restart 3 of 10 after exit code 1\)" "restarting:true, count 3 of 10: no restart"
is "$(jget 'r["status"]' <"$T_TMP/out" | tail -1)" skipped "and no start"
# flyd gave up: stopped, restarting:false after 10 restarts -> start
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"state\":\"stopped\",\"events\":[$(exit_ev 20000 1 false false 10)]}"
diag i_loop2 shop f_00000000000000c2 "\"$M3\"" "[{\"action\":\"machine.start\",\"machine\":\"$M3\"}]" | rp --apply >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["status"]' <"$T_TMP/out")" applied "max restart count reached: started"
# stopped on request (autostop): left stopped
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"state\":\"stopped\",\"events\":[$(exit_ev 20000 0 false false 0 true)]}"
diag i_loop3 shop f_00000000000000c3 "\"$M3\"" "[{\"action\":\"machine.start\",\"machine\":\"$M3\"}]" | rp --apply >"$T_TMP/out" 2>/dev/null
like "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out")" "^skipped: .*stopped on request" "stopped on request: left alone"
# an old exit with restarting:true (more than 5 minutes ago) does not count
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"state\":\"started\",\"events\":[$(exit_ev 900000 1 false true 2)],\"checks\":[{\"name\":\"http\",\"status\":\"critical\"}]}"
diag i_loop4 shop f_00000000000000c4 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]" | rp --apply >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["status"]' <"$T_TMP/out")" applied "checks failing, no recent flyd restart: restarted"
ctl "/_ctl/patch?app=shop&machine=$M3" '{"checks":[{"name":"http","status":"passing"}]}'
diag i_loop5 shop f_00000000000000c5 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]" | rp --apply >"$T_TMP/out" 2>/dev/null
like "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out")" "^skipped: .*all 1 of its health checks pass" "checks pass now: no restart"
ctl "/_ctl/patch?app=shop&machine=$M3" '{"events":[],"checks":[]}'

# machines per incident
P=$(policy cap 'app shop
    allow machine.restart
    machines-max 2')
A="[{\"action\":\"machine.restart\",\"machine\":\"$M1\"},{\"action\":\"machine.restart\",\"machine\":\"$M2\"},{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]"
diag i_cap shop f_00000000000000d1 "\"$M1\",\"$M2\",\"$M3\"" "$A" |
	rm_run --policy "$P" --apply --state "$T_TMP/st-cap" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["status"]' <"$T_TMP/out" | tr '\n' ' ')" "applied applied denied " "machines-max 2: the third denied"
like "$(jget 'r["reason"]' <"$T_TMP/out" | tail -1)" "cap: 2 machine\(s\) already repaired for this incident" "by the cap"

# rate limits and the breaker hold across restarts of remediate
P=$(policy rate 'app shop
    allow machine.restart notify
    rate machine.restart 2/1h machine
    breaker 9/1h')
for i in 1 2 3; do
	diag "i_rate$i" shop "f_00000000000000e$i" "\"$M2\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M2\"}]" |
		rm_run --policy "$P" --apply --state "$T_TMP/st-rate" 2>/dev/null
done >"$T_TMP/out"
is "$(jget 'r["action"] + " " + r["status"]' <"$T_TMP/out" | tr '\n' ',')" \
	"machine.restart applied,machine.restart applied,machine.restart denied,escalate skipped," "three runs: two restarts, then the rate limit (and an escalation)"
like "$(jget 'r["reason"]' <"$T_TMP/out" | sed -n 3p)" "^rate limit: 2 machine.restart on machine $M2 in the last 1h" "says which limit"
P=$(policy breaker 'app shop
    allow machine.restart
    breaker 2/1h')
for i in 1 2 3 4; do
	diag "i_brk$i" shop f_00000000000000f1 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]" |
		rm_run --policy "$P" --apply --state "$T_TMP/st-brk" 2>/dev/null
done >"$T_TMP/out"
is "$(jget 'r["type"] + " " + r["action"] + " " + r.get("status", r.get("outcome", ""))' <"$T_TMP/out" | tr '\n' ',')" \
	"action machine.restart applied,verify machine.restart recurred,action machine.restart applied,action escalate skipped,verify machine.restart recurred,action escalate skipped,action escalate skipped," \
	"same crash back: recurred; after 2 repairs the breaker opens and escalates (across 4 runs)"
like "$(jget 'r.get("reason")' <"$T_TMP/out" | tail -1)" "circuit breaker open: fingerprint f_00000000000000f1 was repaired 2 time\(s\) in the last 1h" "says why"

# text for people: one line per decision
diag i_txt shop f_00000000000000a9 "\"$M1\"" "$A1" | rp --format text >"$T_TMP/out" 2>/dev/null
like "$(cat "$T_TMP/out")" "^[0-9T:.Z-]+ dry-run +machine.restart shop/$M1: would restart machine $M1 \(started\)$" "--format text"

# stdout closed early: quiet
for i in 1 2 3; do diag "i_pipe$i" shop f_00000000000000aa "\"$M1\"" "$A1"; done >"$T_TMP/in3"
rp <"$T_TMP/in3" 2>"$T_TMP/err" | head -c 10 >/dev/null
is "$(grep -v 'diagnoses:' "$T_TMP/err")" "" "| head: no message"
done_testing
