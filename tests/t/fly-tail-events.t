#!/bin/bash
# fly-tail --events against the fake Machines API: exit events become
# runner log records, a machine left stopped is reported, nothing is
# reported twice (also across restarts with --state).
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"

start_flyapi || exit 1
FT="$BIN/fly-tail --no-nats --events --events-interval 1s --machines-url $API_URL --api-url $API_URL"

run_for() { # run_for SECONDS ARGS...
	_s=$1
	shift
	# shellcheck disable=SC2086
	$FT "$@" >"$T_TMP/run.out" 2>"$T_TMP/run.err" &
	_p=$!
	sleep "$_s"
	stop "$_p"
}

# event times are fixed once, so posting the machines again keeps them
NOW=$(python3 -c 'import time; print(int(time.time() * 1000))')
exit_ev() { # exit_ev ID AGO_MS CODE OOM RESTARTING RESTART_COUNT [REQUESTED]
	printf '{"id":"%s","type":"exit","status":"stopped","source":"flyd","timestamp":%s,"request":{"exit_event":{"exit_code":%s,"exited_at":1653047897299,"guest_exit_code":0,"guest_signal":-1,"oom_killed":%s,"requested_stop":%s,"restarting":%s,"signal":-1},"restart_count":%s}}' \
		"$1" "$((NOW - $2))" "$3" "$4" "${7:-false}" "$5" "$6"
}

# m1 crashed (OOM) and restarts; m2 exited cleanly on request; m3 used up
# its restarts and stays stopped.
ctl "/_ctl/machines?app=shop" "[
 {\"id\":\"148ed193b95e89\",\"region\":\"iad\",\"state\":\"started\",\"events\":[
   {\"id\":\"a2\",\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\",\"timestamp\":$((NOW - 110000))},
   $(exit_ev a1 120000 137 true true 3)]},
 {\"id\":\"2874365a46e318\",\"region\":\"lhr\",\"state\":\"stopped\",\"events\":[
   $(exit_ev b1 130000 0 false false 0 true)]},
 {\"id\":\"683d92dce34dd8\",\"region\":\"iad\",\"state\":\"stopped\",\"events\":[
   $(exit_ev c1 140000 1 false false 10)]}
]"

A1=$(exit_ev a1 120000 137 true true 3)
B1=$(exit_ev b1 130000 0 false false 0 true)
C1=$(exit_ev c1 140000 1 false false 10)
B1() { printf '%s' "$B1"; }
C1() { printf '%s' "$C1"; }
run_for 1.5 -a shop --since 5m --state "$T_TMP/st"
is "$STOP_RC" 0 "exit 0 on SIGTERM"
out=$(cat "$T_TMP/run.out")
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | sort | tr '\n' '|')" \
"machine 148ed193b95e89 exited with code 137 (oom killed), restart 3|machine 2874365a46e318 exited with code 0 (stop requested)|machine 683d92dce34dd8 exited with code 1, restart 10, not restarting|machine 683d92dce34dd8 stopped after 10 restarts: max restart count reached, exited with code 1, not restarting|" \
	"one record per exit event, plus the machine left stopped"
is "$(jget 'r["provider"]+" "+r["source"]+" "+r["app"]' <"$T_TMP/run.out" | sort -u)" "runner events shop" \
	"provider runner, source events, app"
is "$(jget 'r["level"]' <"$T_TMP/run.out" | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" \
	"error3 info1 " "failures are errors, a requested stop is info"
is "$(jget 'r["event"]["id"]+"="+r["instance"]+"@"+r["region"]' <"$T_TMP/run.out" | sort -u | tr '\n' ' ')" \
	"a1=148ed193b95e89@iad b1=2874365a46e318@lhr c1=683d92dce34dd8@iad " \
	"the raw event under \"event\", instance and region from the machine"
like "$(grep a1 "$T_TMP/run.out")" '"ts":"20[0-9-]+T[0-9:]+\.[0-9]{3}Z"' "ts from the event's millisecond timestamp"
is "$(requests 'r["path"]+"?"+r["query"]' | sort -u | tr '\n' ' ')" \
	"/v1/apps/shop/machines/148ed193b95e89/events?limit=50 /v1/apps/shop/machines/2874365a46e318/events?limit=50 /v1/apps/shop/machines/683d92dce34dd8/events?limit=50 /v1/apps/shop/machines? " \
	"list machines, then each new machine's events (limit 50)"
is "$(requests 'r["auth"]' | sort -u)" "FlyV1 $TOKEN" "Authorization: FlyV1 <macaroon>"
n1=$(grep -c '"path": "/v1/apps/shop/machines"' "$API_LOG")
ok "$([ "$n1" -ge 1 ] && [ "$n1" -le 3 ]; echo $?)" "polled every --events-interval ($n1 lists in 1.5 s)"

# --- nothing twice: polling again, restarting with --state ----------------
run_for 2.5 -a shop --since 5m --state "$T_TMP/st"
is "$(wc -l <"$T_TMP/run.out")" 0 "a restart with --state reports nothing again"
ok "$(grep -q '"a1"' "$T_TMP/st/events-shop.json"; echo $?)" "the state file keeps the last event per machine"
# a new exit of m1 (the embedded list holds only the newest)
NOW=$(python3 -c 'import time; print(int(time.time() * 1000))')
ctl "/_ctl/machines?app=shop" "[
 {\"id\":\"148ed193b95e89\",\"region\":\"iad\",\"state\":\"started\",\"events\":[
   $(exit_ev a3 1000 139 false true 4)],
  \"all_events\":[$(exit_ev a3 1000 139 false true 4), $A1]},
 {\"id\":\"2874365a46e318\",\"region\":\"lhr\",\"state\":\"stopped\",\"events\":[
   $(B1)]},
 {\"id\":\"683d92dce34dd8\",\"region\":\"iad\",\"state\":\"stopped\",\"events\":[
   $(C1)]}
]"
run_for 2.5 -a shop --since 5m --state "$T_TMP/st"
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | tr '\n' '|')" \
	"machine 148ed193b95e89 exited with code 139, restart 4|" "then only the new event"

# --- without state: --since bounds the history --------------------------
run_for 1.5 -a shop --since 60s
is "$(jget 'r["event"]["id"]' <"$T_TMP/run.out" | sort | tr '\n' ' ')" "a3 c1 " \
	"--since 60s: only the newer exit, and the machine still stopped"

# --- one machine: GET machine instead of the list -------------------------
: >"$API_LOG"
run_for 1.2 -a shop -i 683d92dce34dd8 --since 5m
is "$(requests 'r["path"]' | sort -u | tr '\n' ' ')" \
	"/v1/apps/shop/machines/683d92dce34dd8 /v1/apps/shop/machines/683d92dce34dd8/events " \
	"--instance: GET /v1/apps/<app>/machines/<id>"
is "$(jget 'r["instance"]' <"$T_TMP/run.out" | sort -u)" 683d92dce34dd8 "only that machine"

# --- errors: 429 retried, 404 fatal --------------------------------------
: >"$API_LOG"
ctl /_ctl/fail '{"path":"/v1/apps/shop/machines","status":429,"count":1,"retry_after":"0"}'
run_for 1.5 -a shop --since 5m
is "$(requests 'str(r["status"])' | sed -n 1,2p | tr '\n' ' ')" "429 200 " "a 429 on the list is retried"
is "$(wc -l <"$T_TMP/run.out")" 5 "and the events still arrive"
$FT -a nosuch >/dev/null 2>"$T_TMP/404.err"
is $? 69 "an unknown app: exit 69"
like "$(cat "$T_TMP/404.err")" '^fly-tail: machines API: GET /v1/apps/nosuch/machines: HTTP 404 Not Found: app not found' \
	"with a clear message"

# --- with text format, and together with stdin ---------------------------
printf '2024-10-07T11:37:18Z app[2865134a394268] cdg [info] INFO Process appears to have been OOM killed!\n' |
	$FT -a shop --since 5m --format text - >"$T_TMP/mix.out" 2>&1 &
p=$!
sleep 1.5
stop "$p"
like "$(cat "$T_TMP/mix.out")" 'app\[2865134a394268\] cdg \[info\] INFO Process appears' "stdin lines"
like "$(cat "$T_TMP/mix.out")" 'runner\[148ed193b95e89\] iad \[error\]machine 148ed193b95e89 exited with code 139' \
	"and machine events, from one process"

# --- more machines than it watches: said once, not silently -------------
mkdir -p "$T_TMP/big"
python3 -c '
import json
print(json.dumps({"machines": {"%014x" % i: {"ts": 1, "ids": ["e"]} for i in range(4100)}}))
' >"$T_TMP/big/events-shop.json"
$FT -a shop --since 5m --state "$T_TMP/big" >/dev/null 2>"$T_TMP/big.err" &
p=$!
sleep 1.5
stop "$p"
is "$(grep -c 'more than 4096 machines' "$T_TMP/big.err")" 1 \
	"over 4,096 machines of one app: said once on stderr"

ok "$(no_token "$T_TMP"/*.out "$T_TMP"/*.err; echo $?)" "the token is printed nowhere"
done_testing
