#!/bin/bash
# fly-tail from a real nats-server on loopback: Fly subjects and messages,
# filters, queue groups, a server restart with back-fill, malformed
# messages, a slow consumer.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"

start_nats || exit 1
start_flyapi --app shop --app cart || exit 1
FT="$BIN/fly-tail --nats $NATS_URL --api-url $API_URL -v"

# start_ft NAME ARGS...: fly-tail in the background, output in $T_TMP/NAME.*
start_ft() {
	_name=$1
	shift
	# shellcheck disable=SC2086
	$FT "$@" >"$T_TMP/$_name.out" 2>"$T_TMP/$_name.err" &
	eval "PID_$_name=\$!"
	wait_grep "$T_TMP/$_name.err" "subscribed|retrying" 10
}

# --- many instances interleaved, one app -------------------------------
start_ft a -a shop
$PUB --url "$NATS_URL" --app shop --region iad --region lhr --instances 10 \
	--count 2000 --prefix many
wait_lines "$T_TMP/a.out" 2000 20
stop "$PID_a"
is "$STOP_RC" 0 "SIGTERM ends fly-tail with 0"
is "$(wc -l <"$T_TMP/a.out")" 2000 "2000 lines from 20 instances"
is "$(jget 'r.get("msg")' <"$T_TMP/a.out" | sort -u | wc -l)" 2000 "each line once"
is "$(jget 'r["instance"]' <"$T_TMP/a.out" | sort -u | wc -l)" 20 \
	"20 instances (14-hex machine ids)"
is "$(jget 'r["source"]+r["provider"]+r["level"]+r["app"]' <"$T_TMP/a.out" | sort -u)" \
	"natsappinfoshop" "fields from Fly's NATS JSON"
# per instance, lines keep their order
ordered=$(jget 'r["instance"]+" "+r["msg"].split()[1]' <"$T_TMP/a.out" | python3 -c '
import sys
last = {}
bad = 0
for l in sys.stdin:
    i, n = l.split(); n = int(n)
    bad += last.get(i, -1) > n
    last[i] = n
print(bad)')
is "$ordered" 0 "per-instance order kept"
like "$(jget 'r["ts"]' <"$T_TMP/a.out" | sed -n 1p)" \
	'^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]{8}\.[0-9]{9}Z$' "nanosecond timestamps kept"
like "$(cat "$T_TMP/a.err")" "subject logs\.shop\.\*\.\*" "subject logs.<app>.*.*"

# --- app and region filters --------------------------------------------
start_ft b -a shop -a cart -r iad
$PUB --url "$NATS_URL" --app shop --app cart --app other --region iad \
	--region lhr --instances 2 --count 600 --prefix filt
wait_lines "$T_TMP/b.out" 200 10
sleep 0.3
stop "$PID_b"
is "$(wc -l <"$T_TMP/b.out")" 200 "two apps of three, one region of two: 200 of 600"
is "$(jget 'r["app"]+"/"+r["region"]' <"$T_TMP/b.out" | sort -u | tr '\n' ' ')" \
	"cart/iad shop/iad " "only the apps and region asked for"
like "$(cat "$T_TMP/b.err")" "subject logs\.shop\.iad\.\* \.\.\." "subject logs.<app>.<region>.*"

start_ft c -i 0123456789abcd -r iad
$PUB --url "$NATS_URL" --raw logs.shop.iad.0123456789abcd '{"message":"one","timestamp":"2026-01-01T00:00:00Z","fly":{"app":{"name":"shop","instance":"0123456789abcd"},"region":"iad"},"log":{"level":"info"},"event":{"provider":"app"}}' \
	--raw logs.shop.ams.0123456789abcd '{"message":"two","timestamp":"2026-01-01T00:00:01Z","fly":{"app":{"name":"shop","instance":"0123456789abcd"},"region":"ams"},"log":{"level":"info"},"event":{"provider":"app"}}' \
	--raw logs.shop.iad.ffffffffffffff '{"message":"three","timestamp":"2026-01-01T00:00:02Z","fly":{"app":{"name":"shop","instance":"ffffffffffffff"},"region":"iad"},"log":{"level":"info"},"event":{"provider":"app"}}' --count 0
wait_lines "$T_TMP/c.out" 2 5
sleep 0.3
stop "$PID_c"
is "$(jget 'r.get("msg")' <"$T_TMP/c.out" | tr '\n' ' ')" "one two " \
	"a machine filter drops the region filter, as flyctl does"
like "$(cat "$T_TMP/c.err")" 'subject logs\.\*\.\*\.0123456789abcd' "subject logs.*.*.<machine>"

# --- queue group: two workers split the stream -------------------------
start_ft q1 -a shop --queue workers
start_ft q2 -a shop --queue workers
$PUB --url "$NATS_URL" --app shop --instances 7 --count 3000 --prefix qg
i=0
while [ $(($(wc -l <"$T_TMP/q1.out") + $(wc -l <"$T_TMP/q2.out"))) -lt 3000 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
sleep 0.3
stop "$PID_q1"
stop "$PID_q2"
n1=$(wc -l <"$T_TMP/q1.out")
n2=$(wc -l <"$T_TMP/q2.out")
is "$((n1 + n2))" 3000 "queue group: 3000 lines in all"
is "$(cat "$T_TMP/q1.out" "$T_TMP/q2.out" | jget 'r.get("msg")' | sort -u | wc -l)" 3000 \
	"queue group: nothing lost, nothing doubled"
ok "$([ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; echo $?)" "both workers got a share ($n1 + $n2)"

# --- malformed messages --------------------------------------------------
start_ft m -a shop
$PUB --url "$NATS_URL" --app shop --count 2 --prefix before \
	--raw logs.shop.iad.0123456789abcd 'not json at all' \
	--raw logs.shop.iad.0123456789abcd '{"message": "cut off' \
	--raw logs.shop.iad.0123456789abcd '{"level":"info"}'
$PUB --url "$NATS_URL" --app shop --count 2 --start 2 --prefix after
wait_lines "$T_TMP/m.out" 7 5
sleep 0.2
stop "$PID_m"
is "$(grep -c 'malformed message' "$T_TMP/m.err")" 3 "one stderr line per malformed message"
like "$(grep 'malformed' "$T_TMP/m.err" | head -1)" \
	'^fly-tail: nats: logs\.shop\.iad\.0123456789abcd: malformed message \(not JSON\)' \
	"the message names the subject and the problem"
is "$(jget 'r.get("msg")' <"$T_TMP/m.out" | tr '\n' '|')" \
	'before 0|before 1|not json at all|{"message": "cut off|{"level":"info"}|after 2|after 3|' \
	"the stream goes on; malformed bodies are passed on as text"
is "$(jget 'r["instance"]' <"$T_TMP/m.out" | sed -n 3p)" 0123456789abcd \
	"app, region and instance of a malformed message come from its subject"

# --- server restart: reconnect, gap, back-fill ---------------------------
start_ft r -a shop
$PUB --url "$NATS_URL" --api "$API_URL" --app shop --instances 3 --count 100 --prefix rs
wait_lines "$T_TMP/r.out" 100 10
kill "$NATS_PID"
wait "$NATS_PID" 2>/dev/null
wait_grep "$T_TMP/r.err" "disconnected" 5
# lines written while NATS is down reach only the log API
$PUB --api "$API_URL" --no-nats --app shop --instances 3 --count 50 --start 100 --prefix rs
sleep 0.5
nats-server -a 127.0.0.1 -p "$NATS_PORT" >>"$T_TMP/nats.log" 2>&1 &
NATS_PID=$!
T_PIDS="$T_PIDS $NATS_PID"
wait_grep "$T_TMP/r.err" "reconnected" 15
ok $? "fly-tail reconnects after the server restarts"
$PUB --url "$NATS_URL" --api "$API_URL" --app shop --instances 3 --count 50 --start 150 --prefix rs
wait_grep "$T_TMP/r.out" '"type":"gap"' 15
sleep 0.3
stop "$PID_r"
is "$(jget 'r.get("msg")' <"$T_TMP/r.out" | grep -c '^rs ')" 200 "200 lines after the restart"
is "$(jget 'r.get("msg")' <"$T_TMP/r.out" | grep '^rs ' | sort -u | wc -l)" 200 \
	"every line exactly once (the overlap was de-duplicated)"
is "$(jget 'r["source"] if "rs 1" == r.get("msg","")[:4] and int(r["msg"].split()[1]) in range(100,150) else None' <"$T_TMP/r.out" | sort -u)" \
	api "the 50 lines written during the outage came from the log API"
gap=$(grep '"type":"gap"' "$T_TMP/r.out")
is "$(printf '%s' "$gap" | jget 'r["reason"]+" "+str(r["filled"])+" "+str(r["backfilled"])')" \
	"nats disconnected True 50" "a gap record: filled, 50 lines back-filled"
like "$gap" '"from":"[0-9-]+T[0-9:.]+Z","to":"[0-9-]+T[0-9:.]+Z"' "the gap has from and to"
ok "$(requests 'r["path"]' | grep -c '^/api/v1/apps/shop/logs$' | grep -qv '^0$'; echo $?)" \
	"the back-fill asked the log API"
is "$(requests 'r["auth"]' | sort -u)" "FlyV1 $TOKEN" "with Authorization: FlyV1 <macaroon>"

# --- no log API: the gap is reported, not filled -------------------------
start_ft g -a shop --stall 0
FT_NOAPI_PID=$PID_g
kill "$NATS_PID"; wait "$NATS_PID" 2>/dev/null
wait_grep "$T_TMP/g.err" "disconnected" 5
nats-server -a 127.0.0.1 -p "$NATS_PORT" >>"$T_TMP/nats.log" 2>&1 &
NATS_PID=$!; T_PIDS="$T_PIDS $NATS_PID"
wait_grep "$T_TMP/g.out" '"type":"gap"' 15
stop "$FT_NOAPI_PID"
# this one had an API: the window was empty there, so it is filled with 0
like "$(grep gap "$T_TMP/g.out")" '"filled":true,"backfilled":0' "an outage without lost lines: filled, 0 lines"

FLY_API_TOKEN= $BIN/fly-tail --nats "$NATS_URL" -a shop -v >"$T_TMP/n.out" 2>"$T_TMP/n.err" &
PID_n=$!
wait_grep "$T_TMP/n.err" "subscribed" 10
kill "$NATS_PID"; wait "$NATS_PID" 2>/dev/null
wait_grep "$T_TMP/n.err" "disconnected" 5
nats-server -a 127.0.0.1 -p "$NATS_PORT" >>"$T_TMP/nats.log" 2>&1 &
NATS_PID=$!; T_PIDS="$T_PIDS $NATS_PID"
wait_grep "$T_TMP/n.out" '"type":"gap"' 15
stop "$PID_n"
like "$(grep gap "$T_TMP/n.out")" '"reason":"nats disconnected; no log API to back-fill from.*"filled":false' \
	"without a token: a gap record, not filled"

# --- stall: connected, quiet, but the log API has lines -------------------
start_ft s -a shop --stall 1s
$PUB --api "$API_URL" --no-nats --app shop --count 5 --start 0 --prefix stalled
wait_grep "$T_TMP/s.out" '"type":"gap"' 10
stop "$PID_s"
is "$(jget 'r.get("msg")' <"$T_TMP/s.out" | grep -c '^stalled')" 5 "a stalled subscription: the lines come from the log API"
like "$(grep gap "$T_TMP/s.out")" '"reason":"nats subscription stalled".*"filled":true' \
	"and a gap record says the subscription stalled"

# --- slow consumer: bounded queue, drops reported and back-filled --------
mkfifo "$T_TMP/slow.fifo"
$FT -a cart --pending 50 --stall 0 >"$T_TMP/slow.fifo" 2>"$T_TMP/slow.err" &
PID_slow=$!
(sleep 3; cat "$T_TMP/slow.fifo" >"$T_TMP/slow.out") &
PID_cat=$!
wait_grep "$T_TMP/slow.err" "subscribed" 10
$PUB --url "$NATS_URL" --api "$API_URL" --app cart --count 4000 --size 300 --prefix slow
wait_grep "$T_TMP/slow.out" '"type":"gap"' 20
sleep 0.5
stop "$PID_slow"
wait "$PID_cat"
gap=$(grep '"type":"gap"' "$T_TMP/slow.out" | head -1)
like "$gap" '"reason":"slow consumer: messages dropped.*"dropped":[1-9]' \
	"dropped messages are counted and reported as a gap"
is "$(jget 'r.get("msg")' <"$T_TMP/slow.out" | grep '^slow ' | sort -u | wc -l)" 4000 \
	"and back-filled: all 4000 lines"
is "$(jget 'r.get("msg")' <"$T_TMP/slow.out" | grep -c '^slow ')" 4000 "each once"

# --- the token never shows ----------------------------------------------
ok "$(no_token "$T_TMP"/*.out "$T_TMP"/*.err; echo $?)" "the token is in no output and no message"

# --- bad URL, refused authorization -------------------------------------
"$BIN/fly-tail" --nats 'bogus://x' -a shop >/dev/null 2>"$T_TMP/bad.err"
is $? 64 "a bad NATS URL: exit 64"
AP=$(free_port)
nats-server -a 127.0.0.1 -p "$AP" --user personal --pass right >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
sleep 0.5
timeout 20 "$BIN/fly-tail" --nats "nats://127.0.0.1:$AP" -a shop >/dev/null 2>"$T_TMP/auth.err"
is $? 69 "authorization refused: exit 69"
like "$(cat "$T_TMP/auth.err")" "^fly-tail: nats: .*Authorization Violation" "with a clear message"
ok "$(no_token "$T_TMP/auth.err" "$T_TMP/bad.err"; echo $?)" "no token in those messages"

# --- started before the server: says so at once, then connects ----------
LP=$(free_port)
"$BIN/fly-tail" --nats "nats://127.0.0.1:$LP" -a shop >"$T_TMP/late.out" \
	2>"$T_TMP/late.err" &
PID_late=$!
wait_grep "$T_TMP/late.err" "retrying" 10
like "$(cat "$T_TMP/late.err")" \
	"^fly-tail: nats: nats://127.0.0.1:$LP: no server answered; retrying in the background\$" \
	"no server yet: one line at start, without -v"
nats-server -a 127.0.0.1 -p "$LP" >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
wait_grep "$T_TMP/late.err" "nats: connected$" 20
$PUB --url "nats://127.0.0.1:$LP" --app shop --count 3 --prefix late
wait_lines "$T_TMP/late.out" 3 20
stop "$PID_late"
is "$(jget 'r.get("msg")' <"$T_TMP/late.out" | grep -c '^late ')" 3 \
	"then connects when the server comes up and gets the lines"

done_testing
