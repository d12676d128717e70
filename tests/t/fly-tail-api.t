#!/bin/bash
# fly-tail --api against the fake Fly log API: paging without loss or
# repeats, flyctl's backoff on empty pages, the Authorization form per
# token kind, 429/500 retried, 401/404 fatal, the token never printed.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"

start_flyapi --page-size 3 --inclusive-token --app shop --app idle || exit 1
FT="$BIN/fly-tail --api --api-url $API_URL --machines-url $API_URL"

# run_for SECONDS ARGS...: fly-tail for a while, output in $T_TMP/run.*
run_for() {
	_s=$1
	shift
	# shellcheck disable=SC2086
	$FT "$@" >"$T_TMP/run.out" 2>"$T_TMP/run.err" &
	_p=$!
	sleep "$_s"
	stop "$_p"
}

# --- paging: every entry once, in order ---------------------------------
$PUB --api "$API_URL" --no-nats --app shop --instances 4 --count 10 --prefix page
run_for 1.5 -a shop --since 1h
is "$STOP_RC" 0 "SIGTERM: exit 0"
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | tr '\n' ' ')" \
	"page 0 page 1 page 2 page 3 page 4 page 5 page 6 page 7 page 8 page 9 " \
	"10 entries over pages of 3 (the server repeats the last one): each once, in order"
is "$(jget 'r["source"]+r["app"]+r["provider"]' <"$T_TMP/run.out" | sort -u)" apishopapp \
	"source api, app from the request, provider from meta.event.provider"
is "$(requests 'r["path"]' | sort -u)" "/api/v1/apps/shop/logs" "GET /api/v1/apps/<app>/logs"
first=$(requests 'r["query"]' | sed -n 1p)
like "$first" '^next_token=[0-9]{19}$' "the first request starts at --since, in nanoseconds"
since=${first#next_token=}
now=$(date +%s)
ok "$([ $((now - since / 1000000000)) -ge 3590 ] && [ $((now - since / 1000000000)) -le 3700 ]; echo $?)" \
	"--since 1h is an hour ago"
is "$(requests 'r["query"]' | sed -n 2p)" \
	"next_token=$(requests 'r["query"]' | sed -n 2p | cut -d= -f2)" "then the server's next_token"
ok "$(no_token "$T_TMP/run.out" "$T_TMP/run.err"; echo $?)" "no token in output or messages"

# --- query: instance and region, in Go's sorted order ---------------------
: >"$API_LOG"
run_for 0.5 -a shop -i 0123456789abcd
like "$(requests 'r["query"]' | sed -n 1p)" '^instance=0123456789abcd&next_token=[0-9]+$' \
	"instance=<machine>&next_token=..."
: >"$API_LOG"
run_for 0.5 -a shop -r ams
like "$(requests 'r["query"]' | sed -n 1p)" '^next_token=[0-9]+&region=ams$' "next_token=...&region=<region>"

# --- backoff on empty pages: 64 ms doubling to 4096 ms -------------------
: >"$API_LOG"
run_for 6.5 -a idle
n=$(requests 'r["t"]' | wc -l)
ok "$([ "$n" -ge 6 ] && [ "$n" -le 9 ]; echo $?)" "about 7 requests in 6.5 s of empty pages ($n)"
gaps=$(requests 'r["t"]' | python3 -c '
import sys
t = [float(x) for x in sys.stdin]
d = [round((b - a) * 1000) for a, b in zip(t, t[1:])]
print(" ".join(str(x) for x in d))')
ok "$(python3 -c '
import sys
d = [int(x) for x in sys.argv[1].split()]
# scheduling delays only lengthen waits: allow 150 ms of slack
ok = (len(d) >= 5 and d[0] < 300 and all(b >= a - 150 for a, b in zip(d, d[1:]))
      and d[-1] > 1900 and max(d) < 4800 and d[-1] >= 4 * d[1] - 600)
sys.exit(0 if ok else 1)' "$gaps"; echo $?)" "waits grow 64 ms, 128 ms, ... ($gaps ms)"

# --- Authorization per token kind ----------------------------------------
auth_of() { # auth_of TOKEN: the Authorization header fly-tail sends
	: >"$API_LOG"
	FLY_API_TOKEN="$1" $FT -a idle >/dev/null 2>&1 &
	_p=$!
	wait_lines "$API_LOG" 1 5
	stop "$_p"
	requests 'r["auth"]' | sed -n 1p
}
is "$(auth_of fm2_abc123)" "FlyV1 fm2_abc123" "fm2_ macaroon: FlyV1"
is "$(auth_of fm1r_abc123)" "FlyV1 fm1r_abc123" "fm1r_ macaroon: FlyV1"
is "$(auth_of fm1a_abc123)" "FlyV1 fm1a_abc123" "fm1a_ macaroon: FlyV1"
is "$(auth_of 'FlyV1 fm2_abc,fm2_def')" "FlyV1 fm2_abc,fm2_def" "FlyV1 as printed by fly tokens create: kept"
is "$(auth_of 'fm2_abc,fm2_def')" "FlyV1 fm2_abc,fm2_def" "several macaroons: FlyV1, comma-joined"
is "$(auth_of fo1_oauthtoken)" "Bearer fo1_oauthtoken" "OAuth token: Bearer"
is "$(auth_of 0123personalaccesstoken)" "Bearer 0123personalaccesstoken" "other tokens: Bearer"
printf 'fm2_fromfile\n' >"$T_TMP/tok"
: >"$API_LOG"
FLY_API_TOKEN= $FT -a idle --token-file "$T_TMP/tok" >/dev/null 2>&1 &
p=$!; wait_lines "$API_LOG" 1 5; stop "$p"
is "$(requests 'r["auth"]' | sed -n 1p)" "FlyV1 fm2_fromfile" "--token-file"
FLY_API_TOKEN= $FT -a idle --token-file "$T_TMP/nope" >/dev/null 2>"$T_TMP/tf.err"
is $? 78 "a missing --token-file: exit 78"

# --- 429 with Retry-After, 500: retried ---------------------------------
: >"$API_LOG"
ctl /_ctl/fail '{"path":"/api/v1/apps/shop/logs","status":429,"count":1,"retry_after":"1"}'
ctl /_ctl/fail '{"path":"/api/v1/apps/shop/logs","status":500,"count":1}'
run_for 3.5 -a shop --since 1h
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | wc -l)" 10 "after a 429 and a 500, all entries arrive"
is "$(requests 'str(r["status"])' | sed -n 1,3p | tr '\n' ' ')" "429 500 200 " "429, 500, then 200"
d=$(requests 'r["t"]' | sed -n 1,2p | python3 -c 'import sys; a,b=[float(x) for x in sys.stdin]; print(int((b-a)*1000))')
ok "$([ "$d" -ge 900 ]; echo $?)" "Retry-After: 1 was honoured (${d} ms)"
like "$(cat "$T_TMP/run.err")" "fly-tail: log API: GET /api/v1/apps/shop/logs: HTTP 429 Too Many Requests: injected failure; retrying" \
	"the 429 is reported as retried"
like "$(cat "$T_TMP/run.err")" "HTTP 500 Internal Server Error" "the 500 too"

# --- 401 and 404: fatal, exit 69, clear message ---------------------------
ctl /_ctl/auth '{"auth":"FlyV1 fm2_theotherone"}'
$FT -a shop -v >"$T_TMP/401.out" 2>"$T_TMP/401.err"
is $? 69 "401: exit 69"
like "$(grep 'log API' "$T_TMP/401.err")" \
	'^fly-tail: log API: GET /api/v1/apps/shop/logs: HTTP 401 Unauthorized: Authenticate: token validation error \(check FLY_API_TOKEN or --token-file\)$' \
	"401: a clear message"
ok "$(no_token "$T_TMP/401.out" "$T_TMP/401.err"; echo $?)" "no token in it, even with -v"
ctl /_ctl/auth '{"auth":null}'
$FT -a nosuchapp >/dev/null 2>"$T_TMP/404.err"
is $? 69 "404: exit 69"
like "$(cat "$T_TMP/404.err")" 'HTTP 404 Not Found: Could not find App \(is the app name right\?\)' "404: a clear message"

# --- a log line holding the token itself is redacted ----------------------
ctl "/_ctl/logs?app=shop" "[{\"timestamp\":-1000,\"message\":\"env FLY_API_TOKEN=$TOKEN oops\",\"instance\":\"0123456789abcd\",\"region\":\"iad\"}]"
run_for 1 -a shop --since 5s
like "$(cat "$T_TMP/run.out")" 'env FLY_API_TOKEN=\[REDACTED\] oops' "the token in a log line is redacted"
ok "$(no_token "$T_TMP/run.out"; echo $?)" "and appears nowhere"

# --- --state: a restart goes on where it stopped -------------------------
$PUB --api "$API_URL" --no-nats --app shop --count 4 --prefix st1
run_for 1.5 -a shop --since 1m --state "$T_TMP/state"
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | grep -c '^st1')" 4 "first run: 4 lines"
ok "$([ -s "$T_TMP/state/api-shop" ]; echo $?)" "the cursor is saved in the state directory"
$PUB --api "$API_URL" --no-nats --app shop --count 3 --start 4 --prefix st1
run_for 1.5 -a shop --since 1m --state "$T_TMP/state"
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | grep '^st1' | tr '\n' ' ')" "st1 4 st1 5 st1 6 " \
	"second run: only the new lines"
# --replay: the next stages of a pipeline lost what they held when it
# stopped; a restart writes the last moments again (the same lines, so
# the crashes keep their ids downstream)
run_for 1.5 -a shop --since 1m --state "$T_TMP/state" --replay 1m
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | grep '^st1' | tr '\n' ' ')" "st1 0 st1 1 st1 2 st1 3 st1 4 st1 5 st1 6 " \
	"--replay 1m: the lines of the last minute again, once each"
run_for 1.5 -a shop --since 1m --state "$T_TMP/state"
is "$(jget 'r["msg"]' <"$T_TMP/run.out" | grep -c '^st1')" 0 "and the cursor went on: none the next time"

# --- text format ---------------------------------------------------------
run_for 1 -a shop --since 1m --format text
like "$(grep 'st1 0$' "$T_TMP/run.out")" '^20[0-9-]+T[0-9:]+Z app\[[0-9a-f]{14}\] iad \[info\]st1 0$' \
	"--format text prints lines like fly logs"

# --- usage errors --------------------------------------------------------
$BIN/fly-tail --api >/dev/null 2>"$T_TMP/u.err"
is $? 64 "--api without --app: exit 64"
like "$(cat "$T_TMP/u.err")" "^fly-tail: --api and --events need --app" "with a reason"

done_testing
