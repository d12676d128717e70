# diagnose-lib.sh - helpers for the diagnose tests (sourced after lib.sh).
# No network: the LLM is tests/server/llm.py on 127.0.0.1, remediate is
# tests/server/fake-remediate.
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL
# Debian's python3 (a test dependency) starts in 10 ms; a version manager's
# shim first in PATH can take 100 ms, and these tests start python often
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
python3() { "$PY" "$@"; }
# the key the fake LLM wants; given to diagnose per call, never exported,
# so a test without an LLM cannot reach one
LLM_KEY=sk-test-ZQXkey0123456789abcdefghijklmnopqrstuv
FAKE_REMEDIATE="$TOP/tests/server/fake-remediate"
export FAKE_REMEDIATE_LOG="$T_TMP/remediate.log"
PANIC="$TOP/tests/data/diagnose/panic.ndjson"

# start_llm SCRIPT [args...]: start the fake LLM; sets LLM_URL (OpenAI
# base), LLM_BASE (Anthropic base), LLM_LOG, LLM_PID
start_llm() {
	script=$1
	shift
	LLM_LOG="$T_TMP/llm.$$.$T_N.log"
	rm -f "$T_TMP/llm.port"
	# not through the function: $! must be the server itself
	"$PY" "$TOP/tests/server/llm.py" --port-file "$T_TMP/llm.port" \
		--log "$LLM_LOG" --script "$script" --key "$LLM_KEY" \
		--model fake-model "$@" 2>"$T_TMP/llm.err" &
	LLM_PID=$!
	T_PIDS="$T_PIDS $LLM_PID"
	wait_port "$T_TMP/llm.port" llm.py || return 1
	LLM_BASE="http://127.0.0.1:$(cat "$T_TMP/llm.port")"
	LLM_URL="$LLM_BASE/v1"
}
stop_llm() {
	kill "$LLM_PID" 2>/dev/null
	wait "$LLM_PID" 2>/dev/null
}

# script_file NAME JSON: write a script
script_file() {
	printf '%s\n' "$2" >"$T_TMP/$1.json"
	echo "$T_TMP/$1.json"
}

# crashes: generate crash records. Arguments: count machines(,-separated)
# [app] [fingerprint] [start-epoch-s] [step-ms] [extra python dict literal]
crashes() {
	python3 - "$@" <<'EOF'
import json, sys, datetime, hashlib
n = int(sys.argv[1]); machines = sys.argv[2].split(",")
app = sys.argv[3] if len(sys.argv) > 3 else "shop"
fp = sys.argv[4] if len(sys.argv) > 4 else "f_1111222233334444"
start = float(sys.argv[5]) if len(sys.argv) > 5 else 1795837513.0
step = float(sys.argv[6]) if len(sys.argv) > 6 else 100.0
extra = eval(sys.argv[7]) if len(sys.argv) > 7 else {}
for i in range(n):
    t = start + i * step / 1000
    ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    m = machines[i % len(machines)]
    cid = "c_" + hashlib.sha1(("%s/%s/%d/%s" % (app, fp, i, t)).encode()).hexdigest()[:16]
    r = {"type": "crash", "id": cid,
         "ts": ts, "app": app, "region": "iad", "instance": m,
         "provider": "app", "rule": "go.panic", "category": "panic",
         "severity": "critical", "fingerprint": fp,
         "title": "panic: runtime error: index out of range [5] with length 3",
         "lines": ["panic: runtime error: index out of range [5] with length 3",
                   "", "goroutine %d [running]:" % (80 + i),
                   "main.handler(0xc000010000, 0x3)",
                   "\t/app/main.go:12 +0x1d", "exit status 2"],
         "context": ["GET /health 200"],
         "hint": {"cause": "The Go program panicked.",
                  "actions": ["machine.restart", "github.pr"]}}
    r.update(extra)
    print(json.dumps(r))
EOF
}

# pj EXPR < ndjson: like jget, with json in scope; strings print as they
# are (newlines as spaces), anything else as JSON
pj() {
	python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line: continue
    r = json.loads(line)
    v = eval(sys.argv[1], {"r": r, "json": json})
    if v is None: continue
    print(v.replace("\n", " ") if isinstance(v, str) else json.dumps(v))
' "$1"
}
# requests EXPR: evaluate EXPR per logged request r of the fake LLM
requests() {
	pj "$1" <"$LLM_LOG"
}

# wait_for COND-COMMAND [tries]: poll (20 ms) until the command succeeds
wait_for() {
	i=0
	while ! eval "$1" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -gt "${2:-250}" ] && return 1
		sleep 0.02
	done
}
