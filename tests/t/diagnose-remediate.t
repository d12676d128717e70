# diagnose's tools through the real remediate (issue 5) against the fake
# Machines API (tests/server/flyapi.py): the read-only verbs answer from
# "Fly", only GETs of the incident's app are made, results are redacted.
. "$TOP/tests/lib.sh"
. "$TOP/tests/t/diagnose-lib.sh"
D="$BIN/diagnose"
M=148ed193b95e89
MX=3d8d9e3a2b7f10
if [ ! -x "$BIN/remediate" ] || [ ! -f "$TOP/tests/server/flyapi.py" ]; then
	echo "Bail out! remediate or the fake Machines API is missing"
	exit 1
fi

rm -f "$T_TMP/api.port"
"$PY" "$TOP/tests/server/flyapi.py" --port-file "$T_TMP/api.port" \
	--log "$T_TMP/api.log" >/dev/null 2>"$T_TMP/api.err" &
T_PIDS="$T_PIDS $!"
wait_for '[ -s "$T_TMP/api.port" ]' 250
API_URL="http://127.0.0.1:$(cat "$T_TMP/api.port")"
python3 - "$API_URL" "$M" "$MX" <<'EOF'
import json, sys, urllib.request
url, m, mx = sys.argv[1:]
def machine(i, app):
    return {"id": i, "name": app + "-" + i[:4], "state": "started", "region": "iad",
            "instance_id": "01INST" + i, "created_at": "2026-11-01T00:00:00Z",
            "updated_at": "2026-11-28T03:00:00Z",
            "config": {"image": "registry.fly.io/%s:deployment-42" % app,
                       "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
                       "env": {"DATABASE_URL": "postgres://shop:ZQXHunter2Secret99@db:5432/shop"},
                       "metadata": {"fly_release_version": "42"}},
            "events": [{"id": "ev1", "type": "exit", "status": "stopped", "source": "flyd",
                        "timestamp": 1764301513000,
                        "request": {"exit_event": {"exit_code": 2, "oom_killed": False}}}],
            "checks": []}
for app, ms in (("shop", [m]), ("other", [mx])):
    r = urllib.request.Request(url + "/_ctl/machines?app=" + app,
                               data=json.dumps([machine(i, app) for i in ms]).encode(), method="POST")
    urllib.request.urlopen(r).read()
EOF

final='{"summary":"s","root_cause":"r","confidence":0.6,"category":"panic","evidence":[],"actions":[{"action":"machine.restart","machine":"'$M'","reason":"x"}]}'
start_llm "$(script_file rem '{"steps":[{"tool_calls":[{"name":"machines","arguments":{}},{"name":"status","arguments":{"machine":"'$M'"}},{"name":"events","arguments":{"machine":"'$M'"}},{"name":"releases","arguments":{}},{"name":"events","arguments":{"machine":"'$MX'"}}]},{"json":'"$final"'}]}')"
SELFHEAL_MACHINES_URL=$API_URL FLY_API_TOKEN=fake-fly-token SELFHEAL_LLM_KEY=$LLM_KEY \
	"$D" --state "$T_TMP/s" --llm-url "$LLM_URL" --model fake-model \
	--remediate "$BIN/remediate" <"$PANIC" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 0 "exit 0"
is "$(jget 'r["backend"]' <"$T_TMP/out")" "openai:fake-model" "diagnosed by the model"
res=$(requests 'json.dumps([m["content"] for m in r["body"]["messages"] if m["role"] == "tool"])' | sed -n 2p)
like "$res" "id.{1,6}$M.{1,6}name.{1,6}shop-148e" "machines: from the Machines API"
like "$res" 'deployment-42' "releases: from the Machines API"
like "$res" 'exited with status 69: remediate: machine 3d8d9e3a2b7f10 not found in app shop' \
	"another app's machine: remediate refuses"
requests 'json.dumps(r["body"])' | grep -q ZQX
is $? 1 "the machine's secret env is redacted before the model sees it"
is "$(jget 'r["method"]' <"$T_TMP/api.log" | sort -u)" GET "only GET requests reached the API"
is "$(jget 'r["path"].startswith("/v1/apps/shop/")' <"$T_TMP/api.log" | sort -u)" true \
	"only the incident's app was asked about"
stop_llm

done_testing
