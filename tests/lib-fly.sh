# lib-fly.sh - helpers for the fly-tail tests (sourced after lib.sh):
# the fake Fly API server, a NATS publisher, waiting for output.
# A distinctive token: no output or message may ever contain it.
TOKEN='fm2_SeKr1tT0kenQQ9xMustNeverBePrinted'
export FLY_API_TOKEN="$TOKEN"
PUB="python3 $TOP/tests/natspub.py"

# start_flyapi [server args]: sets API_URL and API_LOG (JSON lines)
start_flyapi() {
	API_LOG=$T_TMP/api-requests.jsonl
	rm -f "$T_TMP/api.port"
	python3 "$TOP/tests/server/flyapi.py" --port-file "$T_TMP/api.port" \
		--log "$API_LOG" "$@" 2>"$T_TMP/api.err" &
	API_PID=$!
	T_PIDS="$T_PIDS $API_PID"
	wait_port "$T_TMP/api.port" flyapi.py || return 1
	API_URL="http://127.0.0.1:$(cat "$T_TMP/api.port")"
}

# ctl PATH JSON: POST to the fake server's control interface
ctl() {
	python3 -c '
import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
urllib.request.urlopen(r).read()' "$API_URL$1" "$2"
}

# requests EXPR: a python expression per logged request r (see jget)
requests() {
	jget "$1" <"$API_LOG"
}

# wait_lines FILE N [SECONDS]: until FILE has N lines (default 10 s)
wait_lines() {
	_n=0
	_max=$(( ${3:-10} * 20 ))
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ]; do
		_n=$((_n + 1)); [ $_n -gt $_max ] && return 1
		sleep 0.05
	done
	return 0
}

# wait_grep FILE ERE [SECONDS]
wait_grep() {
	_n=0
	_max=$(( ${3:-10} * 20 ))
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		_n=$((_n + 1)); [ $_n -gt $_max ] && return 1
		sleep 0.05
	done
	return 0
}

# stop PID: SIGTERM, wait; its exit status in STOP_RC
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	STOP_RC=$?
}

# no_token FILE...: 0 when none of the files contains the token
no_token() {
	! grep -q "SeKr1tT0ken" "$@"
}
