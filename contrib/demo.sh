#!/bin/sh
# demo.sh - the whole pipeline on the bundled sample logs, offline:
#   fly-tail - | crashgrep | diagnose (rules backend) | remediate (dry-run)
# against a local stand-in for Fly's Machines API (tests/server/flyapi.py,
# on 127.0.0.1), and a readable line per crash, incident and decision.
# Everything it writes stays in $DEMO_DIR (default /tmp/selfheal-demo).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN="$TOP/bin"
S="$TOP/contrib/samples"
OUT=${DEMO_DIR:-/tmp/selfheal-demo}
rm -rf "$OUT"
mkdir -p "$OUT"
export SELFHEAL_RULES="$TOP/rules" SELFHEAL_CONFIG=/dev/null
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY FLY_API_TOKEN GITHUB_TOKEN
say() { printf '\n== %s\n' "$*"; }

say "crashgrep: $("$BIN/crashgrep" --list | wc -l) built-in rules; checking their examples"
"$BIN/crashgrep" --test

# the Machines API stand-in, with the samples' machines
python3 "$TOP/tests/server/flyapi.py" --port-file "$OUT/api.port" \
	--log "$OUT/api-requests.jsonl" >/dev/null 2>"$OUT/api.err" &
API_PID=$!
trap 'kill $API_PID 2>/dev/null' EXIT INT TERM
i=0
while [ ! -s "$OUT/api.port" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "demo: the Machines API stand-in did not start" >&2; exit 1; }
	sleep 0.05
done
API="http://127.0.0.1:$(cat "$OUT/api.port")"
python3 - "$API" <<'PY'
import json, sys, urllib.request
api = sys.argv[1]
def m(mid, state, app, mem=256, events=None):
    return {"id": mid, "name": app + "-" + mid[:4], "state": state,
            "region": "iad", "instance_id": "01INST" + mid, "version": "01VER" + mid,
            "config": {"image": "registry.fly.io/%s:deployment-42" % app,
                       "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": mem},
                       "restart": {"policy": "on-failure", "max_retries": 10}},
            "events": events or [], "checks": []}
gave_up = [{"id": "ev1", "type": "exit", "status": "stopped", "source": "flyd",
            "timestamp": 1795837961000, "request": {"exit_event": {
                "exit_code": 1, "oom_killed": False, "requested_stop": False,
                "restarting": False}, "restart_count": 10}}]
fleet = {
    "shop": [m("148ed193b95e89", "started", "shop"),
             m("e784e677f26d58", "started", "shop"),
             m("91857e2fc03d68", "stopped", "shop", events=gave_up)],
    "api": [m("6e82d4f0a91c35", "started", "api"), m("d8911e2a5b7c40", "started", "api")],
    "worker": [m("683d92dce34dd8", "started", "worker"),
               m("4d891de5a23e87", "started", "worker"),
               m("1781e56c4d3e08", "started", "worker")],
}
for app, ms in fleet.items():
    req = urllib.request.Request(api + "/_ctl/machines?app=" + app,
                                 data=json.dumps(ms).encode(), method="POST")
    urllib.request.urlopen(req).read()
PY

for f in shop.log:shop worker.log:worker api.ndjson:api; do
	file=${f%%:*}
	app=${f#*:}
	say "$app: fly-tail --app $app - < contrib/samples/$file | crashgrep | diagnose | remediate"
	"$BIN/fly-tail" --app "$app" - <"$S/$file" 2>"$OUT/$app.fly-tail.err" |
		"$BIN/crashgrep" 2>"$OUT/$app.crashgrep.err" |
		tee "$OUT/$app.crashes.ndjson" |
		"$BIN/diagnose" --state "$OUT/diagnose" --report "$OUT/reports" \
		    2>"$OUT/$app.diagnose.err" |
		tee "$OUT/$app.diagnoses.ndjson" |
		"$BIN/remediate" --policy "$TOP/contrib/policy.example" \
		    --state "$OUT/remediate" --machines-url "$API" \
		    >"$OUT/$app.actions.ndjson" 2>"$OUT/$app.remediate.err"
	printf -- '-- %s crashes\n' "$(wc -l <"$OUT/$app.crashes.ndjson" | tr -d ' ')"
	"$BIN/crashgrep" --format text <"$OUT/$app.crashes.ndjson"
	printf -- '-- %s incidents\n' "$(wc -l <"$OUT/$app.diagnoses.ndjson" | tr -d ' ')"
	"$BIN/diagnose" --state "$OUT/diagnose" --format text <"$OUT/$app.diagnoses.ndjson"
	printf -- '-- decisions (dry-run: nothing was changed)\n'
	"$BIN/crashgrep" --format text <"$OUT/$app.actions.ndjson"
done

say "where things are"
printf 'records:  %s/*.crashes.ndjson, *.diagnoses.ndjson, *.actions.ndjson\n' "$OUT"
printf 'reports:  %s/reports/ (one Markdown report per incident)\n' "$OUT"
printf 'audit:    %s/remediate/audit.ndjson\n' "$OUT"
printf 'requests: %s/api-requests.jsonl (what remediate asked the Machines API: reads only)\n' "$OUT"
