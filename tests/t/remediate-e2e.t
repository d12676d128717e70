#!/bin/bash
# The failures Fly does not heal by itself, end to end from real-format Fly
# logs through `fly-tail - | crashgrep | diagnose | remediate --apply`
# (diagnose's offline rules backend) against the fake Machines API:
#   a machine left stopped after its max restart count -> machine.start
#   health checks failing while the process lives     -> machine.restart
#   repeated OOM kills                                -> machine.memory
#   nothing listening after a deploy                  -> app.rollback
# and what Fly does heal is left to it (flyd still restarting: no restart).
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL
export XDG_STATE_HOME=$T_TMP/xdg
rm_start_api || exit 1
P=$(policy e2e 'defaults
    allow machine.restart machine.start machine.memory app.rollback notify
    memory-max 1024
    machines-max 2
    cooldown machine.restart 10m
    cooldown machine.start 10m
    cooldown machine.memory 30m
    rate * 10/1h app
app shop
app web
app api')

# pipeline APP FILE: the whole pipeline on one log, remediate's records
# in $T_TMP/APP.out
pipeline() {
	"$BIN/fly-tail" --app "$1" - <"$2" 2>"$T_TMP/$1.ft.err" |
		"$BIN/crashgrep" 2>"$T_TMP/$1.cg.err" |
		"$BIN/diagnose" --state "$T_TMP/diag-$1" 2>"$T_TMP/$1.dg.err" |
		rm_run --policy "$P" --apply >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}
decisions() { # decisions APP: "status action machine" per repair, sorted
	jget 'r["status"] + " " + r["action"] + " " + r.get("machine", "-") if r["type"] == "action" and r["action"] not in ("notify", "escalate") else None' <"$T_TMP/$1.out" | LC_ALL=C sort
}

# --- shop (contrib/samples/shop.log): Go panic on M1 (Fly restarted it,
# its checks pass), three OOM kills on M2, a crash loop on M3 that ends
# in "machine has reached its max restart count (10)".
V42='[{"version":"01J0000000000000000000042","user_config":{"image":"registry.fly.io/shop:deployment-42"}}]'
ctl "/_ctl/machines?app=shop" "[$(machine $M1 started '[]' '[{"name":"http","status":"passing"}]'),
$(machine $M2 started "[$(exit_ev 30000 137 true true 1)]" '[]'),
$(machine $M3 stopped "[$(exit_ev 60000 1 false false 10)]" '[]')]"
N=$(api_lines)
pipeline shop "$TOP/contrib/samples/shop.log"
ok $? "shop: the pipeline ran"
is "$(decisions shop)" "applied machine.memory $M2
applied machine.start $M3
denied machine.memory $M2
denied machine.memory $M2
skipped machine.restart $M1
skipped machine.restart $M3" \
	"shop: start the machine Fly gave up on, raise memory once, leave the rest"
like "$(jget 'r["reason"] if r.get("action") == "machine.start" else None' <"$T_TMP/shop.out")" \
	"^started machine $M3; it is started" "max restart count: started"
like "$(jget 'r["reason"] if r.get("action") == "machine.memory" and r.get("status") == "applied" else None' <"$T_TMP/shop.out")" \
	"^raised memory of machine $M2 from 256 to 512 MB \(policy ceiling 1024 MB\)" "OOM: memory raised within the cap, and it says so"
like "$(jget 'r["reason"] if r.get("action") == "machine.memory" and r.get("status") == "denied" else None' <"$T_TMP/shop.out" | sed -n 1p)" \
	"^cooldown: machine.memory on machine $M2" "the next OOMs: not raised again at once"
like "$(jget 'r["reason"] if r.get("action") == "machine.restart" and r.get("machine") == "'"$M1"'" else None' <"$T_TMP/shop.out")" \
	"all 1 of its health checks pass" "the panic: Fly restarted it and it is healthy"
like "$(jget 'r["reason"] if r.get("action") == "machine.restart" and r.get("machine") == "'"$M3"'" else None' <"$T_TMP/shop.out")" \
	"is stopped: a restart applies to a started machine" "the crash loop's exits: no restart of a stopped machine"
is "$(jget 'r["outcome"] if r["type"] == "verify" else None' <"$T_TMP/shop.out" | sort -u)" recurred "the OOM came back after the raise: recurred"
is "$(jget 'r.get("rule") if r.get("action") == "machine.memory" and r["type"] == "action" else None' <"$T_TMP/shop.out" | sort -u)" linux.oom-killed \
	"the audit trail names the crash rule"
is "$(mutations $((N + 1)) | LC_ALL=C sort)" "DELETE /v1/apps/shop/machines/$M3/lease
DELETE /v1/apps/shop/machines/$M2/lease
POST /v1/apps/shop/machines/$M3/lease
POST /v1/apps/shop/machines/$M3/start
POST /v1/apps/shop/machines/$M2
POST /v1/apps/shop/machines/$M2/lease" "shop: exactly these changes"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["body"]["config"]["guest"]["memory_mb"] if r["method"] == "POST" and r["path"].endswith("'"$M2"'") else None')" \
	512 "the update carries 512 MB"

# --- web (tests/data/remediate/health.log): health checks fail while the
# process keeps logging; Fly never restarts for that
W=5683210cd5e908
ctl "/_ctl/machines?app=web" "[$(machine $W started '[]' '[{"name":"servicecheck-00-http-8080","status":"critical","output":"context deadline exceeded"}]')]"
N=$(api_lines)
pipeline web "$TOP/tests/data/remediate/health.log"
is "$(decisions web)" "applied machine.restart $W" "web: failing checks -> restarted"
is "$(mutations $((N + 1)))" "POST /v1/apps/web/machines/$W/lease
POST /v1/apps/web/machines/$W/restart
DELETE /v1/apps/web/machines/$W/lease" "web: lease, restart, release"

# --- api (contrib/samples/api.ndjson, Fly's NATS JSON): 6e82d4f0a91c35 was
# deployed at 03:50:26 and nothing listens on 8080 since; the new image
# also crash-loops at boot while flyd restarts it (restart 5 of 10)
A1=d8911e2a5b7c40
A2=6e82d4f0a91c35
OLD=registry.fly.io/api:deployment-01JDW000000000000000000000
NEW=registry.fly.io/api:deployment-01JDXQ4M8TZ3K5R7V9W2B4C6D8
VN="[{\"version\":\"01JDXQ4M8TZ3K5R7V9W2B4C6D8\",\"user_config\":{\"image\":\"$NEW\"}},{\"version\":\"01JDW000000000000000000000\",\"user_config\":{\"image\":\"$OLD\"}}]"
VO="[{\"version\":\"01JDW000000000000000000000\",\"user_config\":{\"image\":\"$OLD\"}}]"
ctl "/_ctl/machines?app=api" "[$(machine $A1 started '[]' '[]' 256 "$OLD" ",\"versions\":$VO" 2026-11-27T10:00:00Z),
$(machine $A2 started "[$(exit_ev 5000 1 false true 5)]" '[]' 256 "$NEW" ",\"versions\":$VN" 2026-11-28T03:50:26Z)]"
N=$(api_lines)
pipeline api "$TOP/contrib/samples/api.ndjson"
is "$(decisions api)" "applied app.rollback -
skipped machine.restart $A2" "api: rolled back; the crash loop left to flyd"
is "$(jget 'r["result"]["machines"] if r.get("action") == "app.rollback" else None' <"$T_TMP/api.out")" \
	"[{\"id\": \"$A2\", \"from\": \"$NEW\", \"to\": \"$OLD\", \"state\": \"started\", \"instance_id\": \"$(rm_run status --app api --machine $A2 | jget 'r["instance_id"]')\"}]" \
	"only the redeployed machine, back to the previous image"
like "$(jget 'r["reason"] if r.get("action") == "machine.restart" else None' <"$T_TMP/api.out")" \
	"flyd is still restarting machine $A2 by itself \(restart 5 of 10" "restarting:true: not restarted again"
is "$(mutations $((N + 1)))" "POST /v1/apps/api/machines/$A2/lease
POST /v1/apps/api/machines/$A2
DELETE /v1/apps/api/machines/$A2/lease" "api: one update, under a lease"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["body"]["config"]["image"] if r["method"] == "POST" and r["path"].endswith("'"$A2"'") else None')" \
	"$OLD" "the update sets the previous image"

# the rule hints behind these repairs (rules/*.rules)
for r in fly.max-restarts:machine.start fly.health-check-failed:machine.restart \
	fly.oom-killed:machine.memory linux.oom-killed:machine.memory \
	fly.refused-connection:app.rollback; do
	name=${r%%:*}
	want=${r#*:}
	got=$(awk -v n="$name" '$1 == "rule" { cur = $2 } cur == n && $1 == "actions" { print $2; exit }' "$TOP"/rules/*.rules)
	[ "$got" = "$want" ] || echo "$name proposes $got, not $want"
done >"$T_TMP/hints"
is "$(cat "$T_TMP/hints")" "" "the built-in rules propose exactly these repairs first"
"$BIN/crashgrep" --test >/dev/null 2>&1
ok $? "crashgrep --test is green"
done_testing
