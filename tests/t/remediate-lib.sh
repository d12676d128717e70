# remediate-lib.sh - helpers for the remediate tests (sourced after lib.sh
# and lib-fly.sh): the fake Machines API (tests/server/flyapi.py) with a
# small fleet, the fake webhook, diagnosis records, request assertions.
# Debian's python3 starts in 10 ms, a version manager's shim in 100;
# servers run without a shell function in between, so that $! is theirs
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
python3() { "$PY" "$@"; }
unset SELFHEAL_NOTIFY_URL SELFHEAL_MACHINES_URL FLY_FLAPS_BASE_URL
FLYAPI_PY=$TOP/tests/server/flyapi.py
STATE=$T_TMP/state
AUDIT=$T_TMP/audit.ndjson
NOW=$(python3 -c 'import time; print(int(time.time() * 1000))')
NOWTS=$(python3 -c 'import datetime; print(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))')
# machine ids: the shop sample's three, another app's one
M1=148ed193b95e89
M2=e784e677f26d58
M3=91857e2fc03d68
MX=3d8d9e3a2b7f10

# rm_start_api: the fake Machines API; sets API_URL, API_LOG
rm_start_api() {
	API_LOG=$T_TMP/api-requests.jsonl
	rm -f "$T_TMP/api.port"
	"$PY" "$FLYAPI_PY" --port-file "$T_TMP/api.port" --log "$API_LOG" \
		"$@" >/dev/null 2>"$T_TMP/api.err" &
	API_PID=$!
	T_PIDS="$T_PIDS $API_PID"
	wait_port "$T_TMP/api.port" flyapi.py || return 1
	API_URL="http://127.0.0.1:$(cat "$T_TMP/api.port")"
}

# rm_start_hook: the fake webhook; sets HOOK_URL, HOOK_LOG, HOOK_BASE
rm_start_hook() {
	HOOK_LOG=$T_TMP/hook.jsonl
	rm -f "$T_TMP/hook.port"
	"$PY" "$TOP/tests/server/webhook.py" --port-file "$T_TMP/hook.port" \
		--log "$HOOK_LOG" >/dev/null 2>"$T_TMP/hook.err" &
	T_PIDS="$T_PIDS $!"
	wait_port "$T_TMP/hook.port" webhook.py || return 1
	HOOK_BASE="http://127.0.0.1:$(cat "$T_TMP/hook.port")"
	HOOK_URL="$HOOK_BASE/services/T000/B000/XXXXsecretXXXX"
}

# exit_ev AGO_MS CODE OOM RESTARTING COUNT [REQUESTED]: one exit event
exit_ev() {
	printf '{"id":"ev%s","type":"exit","status":"stopped","source":"flyd","timestamp":%s,"request":{"exit_event":{"exit_code":%s,"exited_at":1653047897299,"guest_exit_code":0,"guest_signal":-1,"oom_killed":%s,"requested_stop":%s,"restarting":%s,"signal":-1},"restart_count":%s}}' \
		"$1" "$((NOW - $1))" "$2" "$3" "${6:-false}" "$4" "$5"
}

# machine ID STATE [EVENTS-JSON] [CHECKS-JSON] [MEMORY] [IMAGE] [EXTRA]
machine() {
	printf '{"id":"%s","name":"shop-%s","state":"%s","region":"iad","instance_id":"01INST%s","version":"01VER%s","private_ip":"fdaa::3","created_at":"2026-11-01T00:00:00Z","updated_at":"%s","config":{"image":"%s","guest":{"cpu_kind":"shared","cpus":1,"memory_mb":%s},"env":{"DATABASE_URL":"postgres://shop:ZQXHunter2Secret99@db:5432/shop","PORT":"8080"},"restart":{"policy":"on-failure","max_retries":10},"services":[{"protocol":"tcp","internal_port":8080,"ports":[{"port":443},{"port":80}]}],"metadata":{"fly_release_version":"42","fly_process_group":"app"}},"events":%s,"checks":%s%s}' \
		"$1" "${1%"${1#????}"}" "$2" "$1" "$1" "${8:-2026-11-28T03:00:00Z}" \
		"${6:-registry.fly.io/shop:deployment-42}" "${5:-256}" "${3:-[]}" \
		"${4:-[]}" "${7:-}"
}

# fleet: three healthy started machines of shop, one of "other"
fleet() {
	ctl "/_ctl/machines?app=shop" "[$(machine $M1 started),$(machine $M2 started),$(machine $M3 started)]"
	ctl "/_ctl/machines?app=other" "[$(machine $MX started)]"
}

# diag INCIDENT APP FP INSTANCES ACTIONS-JSON [EXTRA-JSON-MEMBERS]
diag() {
	printf '{"type":"diagnosis","incident":"%s","app":"%s","fingerprint":"%s","category":"exit","occurrences":1,"instances":[%s],"first_ts":"%s","last_ts":"%s","summary":"%s","root_cause":"a test","confidence":0.8,"evidence":["boom"],"actions":%s,"backend":"rules","rule":"test.rule"%s}\n' \
		"$1" "$2" "$3" "$4" "${FIRST_TS:-$NOWTS}" "${FIRST_TS:-$NOWTS}" "${SUMMARY:-test incident $1}" "$5" "${6:-}"
}

# mutations [FROM-LINE]: the mutating requests as "METHOD path?query"
mutations() {
	tail -n +"${1:-1}" "$API_LOG" | jget 'r["method"] + " " + r["path"] + ("?" + r["query"] if r["query"] else "") if r["method"] != "GET" else None'
}
# reqs [FROM-LINE]: every request as "METHOD path?query"
reqs() {
	tail -n +"${1:-1}" "$API_LOG" | jget 'r["method"] + " " + r["path"] + ("?" + r["query"] if r["query"] else "")'
}
api_lines() { wc -l <"$API_LOG" | tr -d ' '; }

# RM: remediate with the fake API, state and audit log
rm_run() {
	"$BIN/remediate" --machines-url "$API_URL" --state "$STATE" \
		--audit "$AUDIT" "$@"
}

# policy NAME TEXT: write a policy file; prints its path
policy() {
	printf '%s\n' "$2" >"$T_TMP/$1.policy"
	echo "$T_TMP/$1.policy"
}
