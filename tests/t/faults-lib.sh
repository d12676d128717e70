# faults-lib.sh - the whole pipeline for the fault tests (sourced after
# lib.sh, lib-fly.sh and remediate-lib.sh):
#
#   nats-server and the fake Fly API (log API + Machines API);
#   scenarios published as Fly publishes log lines (NATS and the log API);
#   fly-tail | crashgrep | diagnose | tee | remediate --apply, started
#   stage by stage through fifos so that each stage's pid is known and
#   each can be killed on its own. tee keeps diagnose's output.
#
# A scenario K is one crash, "FAULT <word> failed", on its own machine
# (fa + K in 12 hex digits), followed by an ordinary line: one incident
# with its own fingerprint, and one machine.restart for remediate.
WORDS="alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango"
FRULES=$T_TMP/rules
mkdir -p "$FRULES"
cat >"$FRULES/faults.rules" <<'EOF'
# faults.rules: one single-line crash per scenario. Columns: key value.
rule t.fault
    category  health
    severity  critical
    match     ^FAULT (?<title>[a-z]+ failed)$
    cause     A scenario of the fault tests failed.
    actions   machine.restart
    example   FAULT alpha failed
    nomatch   FAULT alpha passed

rule t.multi
    category  panic
    severity  critical
    match     ^MULTI (?<title>[a-z]+ failed)$
    continue  ^\s+at 
    cause     A scenario of the fault tests failed, with a trace.
    actions   machine.restart
    example   MULTI alpha failed
    nomatch   MULTI alpha passed
EOF
FPOLICY=$(policy faults 'defaults
    allow machine.restart
    rate * 100/1h app
app shop')
# history starts here for fly-tail (a saved cursor wins over it)
FSTART=$(date -u -d '-2 seconds' +%Y-%m-%dT%H:%M:%SZ)

word() { _wk=$1; set -- $WORDS; shift $((_wk - 1)); echo "$1"; } # word K
mid() { printf 'fa%012x' "$1"; }                                      # machine K

# fault_fleet N: machines 1..N of app shop, started, health check failing
# (so remediate restarts them: Fly does not for failing checks)
fault_fleet() {
	_m=
	for _k in $(seq 1 "$1"); do
		_m="$_m${_m:+,}$(machine "$(mid "$_k")" started '[]' '[{"name":"http","status":"critical","output":"connection refused"}]')"
	done
	ctl "/_ctl/machines?app=shop" "[$_m]"
}

# publish K [natspub args]: scenario K on NATS (when it is up) and in the
# log API
publish() {
	_w=$(word "$1")
	_k=$1
	shift
	$PUB --url "$NATS_URL" --api "$API_URL" --app shop --region iad \
		--instance-id "$(mid "$_k")" --msg "FAULT $_w failed" \
		--msg "ok after $_w" --nats-optional "$@"
}

# pl_start [diagnose args]: the pipeline, its stages' pids in PL_FT,
# PL_CG, PL_DG, PL_TE, PL_RM; outputs appended to $T_TMP/pl.*; returns
# once fly-tail is subscribed
PL_ROUND=0
pl_start() {
	PL_ROUND=$((PL_ROUND + 1))
	_f=$T_TMP/fifo.$PL_ROUND
	mkfifo "$_f.1" "$_f.2" "$_f.3" "$_f.4"
	echo "# round $PL_ROUND" >>"$T_TMP/pl.ft.err"
	"$BIN/fly-tail" --nats "$NATS_URL" --api --api-url "$API_URL" -a shop \
		--state "$T_TMP/ft" --since "$FSTART" --replay 5s --stall 0 -v \
		>"$_f.1" 2>>"$T_TMP/pl.ft.err" &
	PL_FT=$!
	"$BIN/crashgrep" --no-builtin -r "$FRULES" --idle 10s <"$_f.1" >"$_f.2" \
		2>>"$T_TMP/pl.cg.err" &
	PL_CG=$!
	"$BIN/diagnose" --state "$T_TMP/dg" --window 300ms "$@" <"$_f.2" \
		>"$_f.3" 2>>"$T_TMP/pl.dg.err" &
	PL_DG=$!
	tee -a "$T_TMP/pl.diag" <"$_f.3" >"$_f.4" 2>/dev/null &
	PL_TE=$!
	"$BIN/remediate" --machines-url "$API_URL" --state "$STATE" \
		--audit "$AUDIT" --policy "$FPOLICY" --apply --wait 5 <"$_f.4" \
		>>"$T_TMP/pl.rm.out" 2>>"$T_TMP/pl.rm.err" &
	PL_RM=$!
	# "subscribed" once per round: count them
	_i=0
	while [ "$(grep -c 'subscribed' "$T_TMP/pl.ft.err")" -lt "$PL_ROUND" ]; do
		_i=$((_i + 1)); [ $_i -gt 400 ] && { echo "# fly-tail did not subscribe"; return 1; }
		sleep 0.025
	done
}

# pl_wait PID SECONDS: wait for a stage to end; its status in PL_RC (255
# when it had to be killed)
pl_wait() {
	_n=0
	while kill -0 "$1" 2>/dev/null; do
		_n=$((_n + 1))
		if [ $_n -gt $(($2 * 40)) ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			PL_RC=255
			return 1
		fi
		sleep 0.025
	done
	wait "$1" 2>/dev/null
	PL_RC=$?
}

# incidents FILE: "word incident" per diagnosis in FILE
incidents() {
	jget 'r["title"].split()[0] + " " + r["incident"] if r.get("type") == "diagnosis" else None' <"$1"
}

# diagnosed WORD...: have all these words a diagnosis in pl.diag?
diagnosed() {
	for _w in "$@"; do
		grep -q "\"title\":\"$_w failed\"" "$T_TMP/pl.diag" 2>/dev/null || return 1
	done
}

# decided K...: has remediate recorded a final decision for each machine?
decided() {
	for _k in "$@"; do
		grep -q "\"machine\":\"$(mid "$_k")\"" "$AUDIT" 2>/dev/null || return 1
	done
}

# wait_until COND-COMMAND SECONDS: poll (20 ms) until the command succeeds
wait_until() {
	_end=$(($(date +%s%N) + $2 * 1000000000))
	while ! eval "$1" 2>/dev/null; do
		[ "$(date +%s%N)" -gt "$_end" ] && return 1
		sleep 0.02
	done
}
