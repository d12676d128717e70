#!/bin/bash
# The mutating verbs against the fake Machines API: the exact requests
# (lease with its body, the change with the lease nonce, wait, release),
# dry-run and refusals send nothing that changes anything, 409 = a deploy
# holds the lease: back off; 429 and 5xx retried; the audit log.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
fleet
# no rate limits or cooldowns here: those have tests of their own below
ALLOW=$(policy allow 'defaults
    allow machine.restart machine.start machine.memory app.rollback notify
    memory-max 1024
    machines-max 3
app shop')
rma() { rm_run "$@" --policy "$ALLOW"; }

# dry-run: reads only
N=$(api_lines)
rm_run restart --app shop --machine "$M1" >"$T_TMP/out" 2>"$T_TMP/err"
ok $? "restart without --apply: exit 0"
is "$(jget '(r["type"], r["status"], r["action"], r["app"], r["machine"], r["source"], r["dry_run"])' <"$T_TMP/out")" \
	"[\"action\", \"dry-run\", \"machine.restart\", \"shop\", \"$M1\", \"cli\", true]" "a dry-run action record"
is "$(reqs $((N + 1)))" "GET /v1/apps/shop/machines/$M1" "dry-run: one GET, nothing else"
is "$(tail -n 1 "$AUDIT")" "$(cat "$T_TMP/out")" "the same line is in the audit log"

# restart, applied: lease, restart with the nonce, wait, release
N=$(api_lines)
rma restart --app shop --machine "$M1" --signal SIGTERM --timeout 20 --apply >"$T_TMP/out"
ok $? "restart --apply: exit 0"
is "$(jget '(r["status"], r["result"]["state"])' <"$T_TMP/out")" '["applied", "started"]' "applied, started"
is "$(reqs $((N + 1)))" "GET /v1/apps/shop/machines/$M1
POST /v1/apps/shop/machines/$M1/lease
POST /v1/apps/shop/machines/$M1/restart?signal=SIGTERM&timeout=20s
GET /v1/apps/shop/machines/$M1/wait?state=started&timeout=60
DELETE /v1/apps/shop/machines/$M1/lease" "restart: the exact requests"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget '(r["method"], r.get("nonce") is not None)' | tr -d '\n')" \
	'["GET", false]["POST", false]["POST", true]["GET", false]["DELETE", true]' "the nonce on restart and release, not on the lease request"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r.get("nonce")' | sort -u | wc -l | tr -d ' ')" 1 "one nonce"
like "$(tail -n +$((N + 2)) "$API_LOG" | head -1 | jget '(r["body"]["ttl"], r["body"]["description"])')" \
	'^\[120, "selfheal remediate: machine.restart for m_[0-9a-f]{16}"\]$' "lease body: ttl and description"

# start: a stopped machine
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"state\":\"stopped\",\"events\":[$(exit_ev 600000 1 false false 10)]}"
N=$(api_lines)
rma start --app shop --machine "$M3" --apply >"$T_TMP/out"
is "$(jget '(r["status"], r["result"]["previous_state"])' <"$T_TMP/out")" '["applied", "stopped"]' "start: applied"
is "$(mutations $((N + 1)))" "POST /v1/apps/shop/machines/$M3/lease
POST /v1/apps/shop/machines/$M3/start
DELETE /v1/apps/shop/machines/$M3/lease" "start: lease, start, release"
rma start --app shop --machine "$M3" --apply >"$T_TMP/out"
is $? 75 "start of a started machine: skipped (75)"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "started already" "says so"

# memory: the full config back, only memory changed, current_version
N=$(api_lines)
rma memory --app shop --machine "$M2" --mb 512 --apply >"$T_TMP/out"
ok $? "memory --apply"
is "$(jget '(r["status"], r["result"]["memory_mb"])' <"$T_TMP/out")" '["applied", {"from": 256, "to": 512}]' "256 -> 512 MB"
is "$(reqs $((N + 1)) | sed 's/instance_id=[^&]*/instance_id=X/')" "GET /v1/apps/shop/machines/$M2
POST /v1/apps/shop/machines/$M2/lease
GET /v1/apps/shop/machines/$M2
POST /v1/apps/shop/machines/$M2
GET /v1/apps/shop/machines/$M2/wait?instance_id=X&state=started&timeout=60
DELETE /v1/apps/shop/machines/$M2/lease" "memory: the exact requests"
UPD=$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["body"] if r["method"] == "POST" and r["path"].endswith("'"$M2"'") else None')
is "$(printf '%s' "$UPD" | jget '(r["config"]["guest"], r["current_version"])')" \
	"[{\"cpu_kind\": \"shared\", \"cpus\": 1, \"memory_mb\": 512}, \"01INST$M2\"]" "update body: guest.memory_mb 512, current_version"
is "$(printf '%s' "$UPD" | jget 'sorted(r["config"])')" '["env", "guest", "image", "metadata", "restart", "services"]' "update body: the full config"
is "$(printf '%s' "$UPD" | jget 'r["config"]["env"]["PORT"] + " " + r["config"]["image"]')" "8080 registry.fly.io/shop:deployment-42" "the rest of the config unchanged"
WAITI=$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["query"] if r["path"].endswith("/wait") else None')
NEWI=$(rm_run status --app shop --machine "$M2" | jget 'r["instance_id"]')
like "$WAITI" "instance_id=$NEWI&" "wait for the new instance_id"
rma memory --app shop --machine "$M2" --mb 4096 --apply >"$T_TMP/out"
is $? 69 "memory above the policy ceiling: denied (69)"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "above the policy's memory ceiling of 1024 MB" "says so"
N=$(api_lines)
rm_run memory --app shop --machine "$M2" --mb 1024 --apply >"$T_TMP/out"
is $? 69 "memory with the built-in policy: needs a human, denied on the CLI"
is "$(mutations $((N + 1)))" "" "no mutating request"

# rollback: the previous image from /versions
V='[{"version":"01J0000000000000000000042","user_config":{"image":"registry.fly.io/shop:deployment-42"}},{"version":"01J0000000000000000000041","user_config":{"image":"registry.fly.io/shop:deployment-41"}}]'
ctl "/_ctl/patch?app=shop&machine=$M1" "{\"versions\":$V}"
N=$(api_lines)
rma rollback --app shop --machine "$M1" --apply >"$T_TMP/out"
is "$(jget '(r["status"], r["result"]["machines"][0]["to"])' <"$T_TMP/out")" '["applied", "registry.fly.io/shop:deployment-41"]' "rollback to deployment-41"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["body"]["config"]["image"] if r["method"] == "POST" and r["path"].endswith("'"$M1"'") else None')" \
	"registry.fly.io/shop:deployment-41" "update with config.image = the previous image"
rma rollback --app shop --machine "$M2" --image registry.fly.io/evil:latest --apply >"$T_TMP/out"
is $? 69 "rollback to an image the app never ran: denied"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "never ran on machine" "says so"

# 409: a deploy holds the lease
ctl "/_ctl/lease?app=shop&machine=$M1" '{"nonce":"deploy-nonce-1"}'
N=$(api_lines)
rma restart --app shop --machine "$M1" --apply >"$T_TMP/out" 2>"$T_TMP/err"
is $? 75 "lease held (409): 75, try later"
is "$(jget '(r["status"], r["result"]["retry"])' <"$T_TMP/out")" '["skipped", true]' "skipped, retry"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "leased by someone else \(a deploy in progress\?\): backing off" "backs off"
is "$(mutations $((N + 1)))" "POST /v1/apps/shop/machines/$M1/lease" "only the lease request: no restart"
is "$(tail -n 1 "$API_LOG" | jget 'r["status"]')" 409 "answered 409"
ctl "/_ctl/lease?app=shop&machine=$M1" '{"nonce":null}'

# a 409 on the restart itself (the lease was taken over): back off too
ctl /_ctl/fail "{\"path\":\"/v1/apps/shop/machines/$M1/restart\",\"status\":409,\"count\":1,\"body\":{\"error\":\"lease currently held\"}}"
rma restart --app shop --machine "$M1" --apply >"$T_TMP/out"
is $? 75 "409 on the restart: 75"
is "$(jget '(r["status"], r["result"]["retry"])' <"$T_TMP/out")" '["skipped", true]' "skipped, retry"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "^restart: the machine is held by someone else \(409" "says so"

# 429 and 500 on the restart are retried (Retry-After honoured)
ctl /_ctl/fail "{\"path\":\"/v1/apps/shop/machines/$M1/restart\",\"status\":429,\"count\":1,\"retry_after\":\"0\"}"
ctl /_ctl/fail "{\"path\":\"/v1/apps/shop/machines/$M1/restart\",\"status\":500,\"count\":1,\"retry_after\":\"0\"}"
N=$(api_lines)
rma restart --app shop --machine "$M1" --apply >"$T_TMP/out"
is "$(jget 'r["status"]' <"$T_TMP/out")" applied "429 then 500, then applied"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["status"] if r["path"].endswith("/restart") else None' | tr '\n' ' ')" "429 500 200 " "the restart was sent three times"
# a machine that never gets started: the wait times out
ctl "/_ctl/patch?app=shop&machine=$M2" '{"x_stuck":true}'
rma restart --app shop --machine "$M2" --apply --wait 1 >"$T_TMP/out"
is $? 69 "did not reach started: failed (69)"
like "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out")" '^failed: .*did not reach "started" within 1 s' "says so"
is "$(tail -n 1 "$API_LOG" | jget 'r["method"]')" DELETE "the lease is released anyway"
ctl "/_ctl/patch?app=shop&machine=$M2" '{"x_stuck":false}'

# unknown machine, other app, app not in the policy
N=$(api_lines)
rma restart --app shop --machine "$MX" --apply >"$T_TMP/out"
is $? 69 "a machine of another app: denied"
like "$(jget 'r["reason"]' <"$T_TMP/out")" "not found in app shop" "the API said 404"
rma restart --app other --machine "$MX" --apply >"$T_TMP/out"
is $? 69 "an app not in the policy: denied"
like "$(jget 'r["reason"]' <"$T_TMP/out")" 'app "other" is not in the policy' "says so"
is "$(mutations $((N + 1)))" "" "no mutating request for refusals"

# rate limit and cooldown hold across runs (state)
P=$(policy rate 'app shop
    allow machine.restart
    rate machine.restart 2/1h machine')
for i in 1 2 3; do rm_run restart --app shop --machine "$M3" --apply --policy "$P" --state "$T_TMP/st2"; echo "rc=$?"; done >"$T_TMP/out"
is "$(grep -c '"status":"applied"' "$T_TMP/out")" 2 "two restarts applied"
like "$(grep rc= "$T_TMP/out" | tr '\n' ' ')" "rc=0 rc=0 rc=69" "the third denied"
like "$(grep -v rc= "$T_TMP/out" | tail -1)" 'rate limit: 2 machine.restart on machine '"$M3" "by the rate limit"
P=$(policy cool 'app shop
    allow machine.restart
    cooldown machine.restart 10m')
rm_run restart --app shop --machine "$M2" --apply --policy "$P" --state "$T_TMP/st3" >/dev/null
rm_run restart --app shop --machine "$M2" --apply --policy "$P" --state "$T_TMP/st3" >"$T_TMP/out"
like "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out")" "^denied: cooldown: machine.restart on machine $M2 was [0-9]+s ago" "cooldown"

# the audit log: every decision, complete lines
is "$(python3 -c '
import json, sys
def nodup(pairs):
    keys = [k for k, v in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l, object_pairs_hook=nodup)
    assert r["type"] == "action" and r["id"].startswith("a_"); n += 1
print(n)' "$AUDIT")" "$(grep -c . "$AUDIT")" "the audit log: JSON action records only, no key twice"
is "$(jget 'r["status"]' <"$AUDIT" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
	"applied=8 denied=7 dry-run=1 failed=1 skipped=3 " "every decision is in it"

# no audit log, no action
N=$(api_lines)
rma restart --app shop --machine "$M1" --apply --audit /nonexistent/dir/audit >"$T_TMP/out" 2>"$T_TMP/err"
is $? 74 "audit log cannot be opened: 74"
like "$(cat "$T_TMP/err")" "audit log: .*nothing is done" "says nothing is done"
is "$(reqs $((N + 1)))" "" "no request at all"
mkdir "$T_TMP/ro"
rma restart --app shop --machine "$M1" --apply --audit /dev/full >/dev/null 2>&1
is $? 74 "an audit log that is not a regular file: 74"
done_testing
