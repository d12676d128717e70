#!/bin/bash
# remediate as a wrapped CLI: usage, version, the tool definitions made
# from the verb table (and the docs made from it), the policy checker, the
# read-only verbs against the fake Machines API with the exact requests,
# errors and retries, and the argv interface diagnose uses.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
RM=$BIN/remediate

"$RM" --help >"$T_TMP/help" 2>&1
ok $? "--help exits 0"
like "$(cat "$T_TMP/help")" "remediate restart --app name --machine id \[--signal sig\]" "usage lists the verbs from the table"
"$RM" --version >"$T_TMP/v"
is $? 0 "--version exits 0"
like "$(cat "$T_TMP/v")" "^remediate [0-9]+\.[0-9]+" "--version"
"$RM" --bogus >/dev/null 2>&1
is $? 64 "unknown option: 64"
"$RM" frobnicate --app shop >/dev/null 2>"$T_TMP/e"
is $? 64 "unknown verb: 64"
"$RM" status --app shop >/dev/null 2>"$T_TMP/e"
is $? 64 "missing --machine: 64"
like "$(cat "$T_TMP/e")" 'status needs "machine"' "says what is missing"
"$RM" restart --app shop --machine "$M1" --mb 512 >/dev/null 2>"$T_TMP/e"
is $? 64 "an option of another verb: 64"
"$RM" memory --app shop --machine "$M1" --mb 100 >/dev/null 2>"$T_TMP/e"
is $? 64 "--mb out of range: 64"
"$RM" status --app shop --machine '../../etc' >/dev/null 2>"$T_TMP/e"
is $? 64 "a machine id that is not one: 64"
"$RM" events --app 'Shop!' --machine "$M1" >/dev/null 2>&1
is $? 64 "an app name that is not one: 64"

# tools: both formats, from the same table
"$RM" tools >"$T_TMP/tools.json"
ok $? "tools exits 0"
is "$(jget 'sorted(t["function"]["name"] for t in r["openai"])' <"$T_TMP/tools.json")" \
	'["events", "machines", "memory", "notify", "releases", "restart", "rollback", "start", "status"]' \
	"OpenAI format: every verb"
is "$(jget '[t["name"] for t in r["anthropic"]] == [t["function"]["name"] for t in r["openai"]]' <"$T_TMP/tools.json")" \
	"true" "Anthropic format: the same verbs in the same order"
is "$(jget 'all(t["type"] == "function" and t["function"]["parameters"]["type"] == "object" for t in r["openai"])' <"$T_TMP/tools.json")" \
	"true" "OpenAI: type function, object parameters"
is "$(jget 'all(set(t) == {"name", "description", "input_schema"} for t in r["anthropic"])' <"$T_TMP/tools.json")" \
	"true" "Anthropic: name, description, input_schema"
is "$(jget '[t for t in r["anthropic"] if t["name"] == "memory"][0]["input_schema"]["required"]' <"$T_TMP/tools.json")" \
	'["app", "machine", "mb"]' "required parameters"
is "$(jget '[t for t in r["anthropic"] if t["name"] == "restart"][0]["input_schema"]["properties"]["signal"]["enum"][:2]' <"$T_TMP/tools.json")" \
	'["SIGHUP", "SIGINT"]' "choices become an enum"
"$RM" tools --format openai --read-only >"$T_TMP/ro.json"
is "$(jget '[t["function"]["name"] for t in r]' <"$T_TMP/ro.json")" \
	'["machines", "status", "events", "releases"]' "--read-only: the read-only verbs"
"$RM" tools --format mcp >"$T_TMP/mcp.json"
is "$(jget '{t["name"]: (t["annotations"]["readOnlyHint"], t["annotations"]["destructiveHint"]) for t in r}' <"$T_TMP/mcp.json")" \
	'{"machines": [true, false], "status": [true, false], "events": [true, false], "releases": [true, false], "restart": [false, true], "start": [false, false], "memory": [false, true], "rollback": [false, true], "notify": [false, false]}' \
	"MCP annotations: readOnlyHint and destructiveHint truthful"
"$RM" tools --format markdown >"$T_TMP/verbs.md"
sed -n '/<!-- verbs:begin -->/,/<!-- verbs:end -->/p' "$TOP/docs/remediate.md" |
	sed '1d;$d' >"$T_TMP/doc-verbs.md"
diff "$T_TMP/verbs.md" "$T_TMP/doc-verbs.md" >"$T_TMP/diff" 2>&1
ok $? "docs/remediate.md's verb reference is the table's (remediate tools --format markdown)"
for v in machines status events releases restart start memory rollback notify; do
	grep -q "^\.It Cm $v" "$TOP/man/remediate.1" || echo "missing $v"
done >"$T_TMP/manmiss"
is "$(cat "$T_TMP/manmiss")" "" "the man page describes every verb"

# policy: the checker and its errors
"$RM" policy --policy "$TOP/contrib/policy.example" >"$T_TMP/pol.out"
ok $? "contrib/policy.example parses"
like "$(cat "$T_TMP/pol.out")" "allow +machine.restart machine.start machine.memory app.rollback notify github.pr" \
	"the example allows every action"
P=$(policy bad 'defaults
    allow machine.restart
app shop
    allow machine.reboot')
"$RM" policy --policy "$P" >/dev/null 2>"$T_TMP/e"
is $? 78 "a bad policy: 78"
like "$(cat "$T_TMP/e")" "bad.policy:4: unknown action \"machine.reboot\"" "file:line: problem"
P=$(policy bad2 'app shop
    rate machine.restart 3/1fortnight machine')
"$RM" restart --app shop --machine "$M1" --policy "$P" >/dev/null 2>"$T_TMP/e"
is $? 78 "a bad policy stops a verb too: 78"
P=$(policy two 'defaults
    allow notify
app shop
    allow machine.restart
    rate machine.restart 2/10m machine')
"$RM" policy --policy "$P" --app shop >"$T_TMP/pol.out"
like "$(cat "$T_TMP/pol.out")" "allow +machine.restart$" "an app's allow replaces the defaults'"
"$RM" policy --policy "$P" --app other >/dev/null 2>&1
is $? 69 "an app in no section is not in the policy"

# read-only verbs against the fake API
rm_start_api || exit 1
fleet
ctl "/_ctl/patch?app=shop&machine=$M3" "{\"state\":\"stopped\",\"events\":[$(exit_ev 60000 1 false false 10)]}"
rm_run machines --app shop >"$T_TMP/out" 2>"$T_TMP/err"
ok $? "machines"
is "$(jget '[(m["id"], m["state"], m["guest"]["memory_mb"]) for m in r]' <"$T_TMP/out")" \
	"[[\"$M1\", \"started\", 256], [\"$M2\", \"started\", 256], [\"$M3\", \"stopped\", 256]]" "machines: id, state, memory"
is "$(wc -l <"$T_TMP/out" | tr -d ' ')" 1 "one line of JSON"
rm_run status --app shop --machine "$M3" >"$T_TMP/out"
is "$(jget '(r["state"], r["flyd"]["gave_up"], r["flyd"]["restarting"], r["recent_exits"][0]["exit_code"])' <"$T_TMP/out")" \
	'["stopped", true, false, 1]' "status: flyd gave up after exit code 1"
is "$(jget 'r["config"]["env_names"]' <"$T_TMP/out")" '["DATABASE_URL", "PORT"]' "status: env names only"
if grep -q ZQXHunter2 "$T_TMP/out"; then ok 1 "no env values"; else ok 0 "no env values"; fi
rm_run events --app shop --machine "$M3" --limit 5 >"$T_TMP/out"
is "$(jget '[(e["type"], e["exit_code"], e["restart_count"]) for e in r]' <"$T_TMP/out")" \
	'[["exit", 1, 10]]' "events: exit code and restart count"
N=$(api_lines)
rm_run status --app shop --machine "$MX" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 69 "a machine of another app: 69"
like "$(cat "$T_TMP/err")" "remediate: machine $MX not found in app shop" "says so"
is "$(cat "$T_TMP/out")" "" "nothing on stdout"
rm_run machines --app nosuch >/dev/null 2>"$T_TMP/err"
is $? 69 "an unknown app: 69"
is "$(reqs $((N + 1)))" "GET /v1/apps/shop/machines/$MX
GET /v1/apps/nosuch/machines" "exact requests, no retries on 404"

# versions and releases
ctl "/_ctl/patch?app=shop&machine=$M1" '{"versions":[{"version":"01J0000000000000000000042","user_config":{"image":"registry.fly.io/shop:deployment-42","metadata":{"fly_release_version":"42"}}},{"version":"01J0000000000000000000041","user_config":{"image":"registry.fly.io/shop:deployment-41","metadata":{"fly_release_version":"41"}}}]}'
rm_run releases --app shop >"$T_TMP/out"
is "$(jget '[(x["image"].split(":")[1], x.get("release_version"), x["current"], len(x["machines"])) for x in r]' <"$T_TMP/out")" \
	'[["deployment-42", "42", true, 3], ["deployment-41", "41", false, 0]]' "releases: images newest first, which machines run them"

# retries: 429 and 500 are retried, with Retry-After; then it works
N=$(api_lines)
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","status":429,"count":1,"retry_after":"0"}'
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","status":500,"count":1,"retry_after":"0"}'
rm_run machines --app shop >"$T_TMP/out" 2>"$T_TMP/err"
ok $? "429 then 500: retried"
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["status"]' | tr '\n' ' ')" "429 500 200 " "three attempts"
N=$(api_lines)
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","status":503,"count":4,"retry_after":"0"}'
rm_run machines --app shop >/dev/null 2>"$T_TMP/err"
is $? 75 "5xx that goes on: 75 (try again)"
is "$(tail -n +$((N + 1)) "$API_LOG" | wc -l | tr -d ' ')" 4 "gave up after 4 attempts"

# the token goes in the form its kind needs, and never into output
N=$(api_lines)
rm_run machines --app shop >/dev/null
is "$(tail -n +$((N + 1)) "$API_LOG" | jget 'r["auth"]')" "FlyV1 $TOKEN" "macaroon: Authorization: FlyV1"
FLY_API_TOKEN=fo1_oauthTokenForTestsQQ9 rm_run machines --app shop >/dev/null
is "$(tail -n 1 "$API_LOG" | jget 'r["auth"]')" "Bearer fo1_oauthTokenForTestsQQ9" "OAuth token: Bearer"
ctl /_ctl/auth '{"auth":"FlyV1 other"}'
rm_run machines --app shop >/dev/null 2>"$T_TMP/err"
is $? 69 "401: 69"
no_token "$T_TMP/err"
ok $? "the token is not in the message"
ctl /_ctl/auth '{"auth":null}'

# diagnose's interface: argv only, URL from the environment, JSON out
for a in "machines --app shop" "status --app shop --machine $M1" "events --app shop --machine $M1" "releases --app shop"; do
	# shellcheck disable=SC2086
	SELFHEAL_MACHINES_URL=$API_URL "$RM" $a >"$T_TMP/out" 2>/dev/null || echo "failed: $a"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/out" || echo "not JSON: $a"
done >"$T_TMP/fails"
is "$(cat "$T_TMP/fails")" "" "diagnose's verbs work with SELFHEAL_MACHINES_URL"
"$RM" machines --app shop --machines-url "file:///etc/passwd" >/dev/null 2>&1
is $? 64 "only http(s) URLs"

# --max-time: a Machines API that accepts and never answers costs at most
# that per try (four tries), not 30 s each; also as a configuration key
N=$(api_lines)
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","method":"GET","hang":30,"count":4}'
t0=$(date +%s%N)
rm_run machines --app shop --max-time 1s >/dev/null 2>"$T_TMP/err"
is $? 75 "--max-time 1s, no answer: 75 (try again)"
t1=$(date +%s%N)
is "$(( (t1 - t0) / 1000000000 < 15 ))" 1 "--max-time 1s: four tries within 15 s ($(( (t1 - t0) / 1000000 )) ms)"
is "$(tail -n +$((N + 1)) "$API_LOG" | wc -l | tr -d ' ')" 4 "--max-time: four tries"
like "$(cat "$T_TMP/err")" 'GET /v1/apps/shop/machines: .*timed out' "--max-time: says the request timed out"
printf '[remediate]\nmax-time = 1s\n' >"$T_TMP/conf"
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","method":"GET","hang":30,"count":4}'
t0=$(date +%s%N)
rm_run --config "$T_TMP/conf" machines --app shop >/dev/null 2>&1
is $? 75 "max-time in the configuration file"
t1=$(date +%s%N)
is "$(( (t1 - t0) / 1000000000 < 15 ))" 1 "max-time from the file is used"
for bad in 0 500ms 11m soon; do
	rm_run machines --app shop --max-time "$bad" >/dev/null 2>"$T_TMP/err"
	echo "$bad $? $(grep -c '^remediate: --max-time: not a duration' "$T_TMP/err")"
done >"$T_TMP/bad"
is "$(cat "$T_TMP/bad" | tr '\n' ' ')" "0 64 1 500ms 64 1 11m 64 1 soon 64 1 " "--max-time out of 1s..10m: 64, named"

# output errors
rm_run machines --app shop >/dev/full 2>/dev/null
is $? 74 "stdout full: 74"
done_testing
