#!/bin/sh
# soak.sh - the whole pipeline at a steady log rate for a long time, to see
# that memory and file descriptors stay flat and that nothing is lost:
#
#   fly-tail --app shop --nats URL | crashgrep | diagnose | remediate --apply
#
# on loopback only: nats-server, tests/server/flyapi.py as Fly's Machines
# and log APIs (a fleet of the publisher's machines), and with SOAK_LLM=1
# tests/server/llm.py as diagnose's LLM (else its rules backend).
# bench/soakpub.py publishes SOAK_RATE lines a second, a crash every
# SOAK_CRASH_EVERY seconds on the machines in turn, with changing
# fingerprints and some repeats (see soakpub.py). Every SOAK_SAMPLE seconds
# each stage's VmRSS and VmHWM (/proc/PID/status), open descriptors
# (/proc/PID/fd) and bytes read (rchar of /proc/PID/io: its standard input;
# not fly-tail's NATS socket) are printed; at the end, per stage, the first, last and
# maximum, the record counts, and a verdict:
#
#   flat  after a warm-up (the first 10 % of the samples, at least the first
#         minute when the run lasts 4 minutes or more), the largest RSS
#         of the last quarter is within 10 % or 2 MiB of the largest of the
#         first quarter, and the median descriptor count of the last
#         quarter is no higher than the largest of the first quarter (a
#         sample may catch a file or connection open for a moment)
#   lost  no crash published is missing from crashgrep's output, no gap
#         record (fly-tail dropped nothing), every incident diagnosed once
#         the stream drained, and every stage exited 0 after SIGTERM
#
# Exit status 0 when flat and nothing was lost, 1 otherwise.
#
#   make soak                                      (10 minutes)
#   SOAK_SECONDS=30 bench/soak.sh                  (a quick look)
#   SOAK_RATE=5000 SOAK_LLM=1 bench/soak.sh
#
# Environment: SOAK_SECONDS (600), SOAK_RATE (2000 lines/s),
# SOAK_CRASH_EVERY (3 s), SOAK_INSTANCES (6), SOAK_SAMPLE (10 s, or a
# tenth of SOAK_SECONDS when that is shorter), SOAK_LLM (0), SOAK_DIR (a
# temporary directory, removed at the end unless given), BIN (bin/).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/bin}
SECS=${SOAK_SECONDS:-600}
RATE=${SOAK_RATE:-2000}
EVERY=${SOAK_CRASH_EVERY:-3}
NINST=${SOAK_INSTANCES:-6}
LLM=${SOAK_LLM:-0}
SAMPLE=${SOAK_SAMPLE:-$(( SECS >= 100 ? 10 : (SECS >= 10 ? SECS / 10 : 1) ))}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
for p in fly-tail crashgrep diagnose remediate; do
	[ -x "$BIN/$p" ] || { echo "soak: $BIN/$p: not built (make)" >&2; exit 1; }
done
command -v nats-server >/dev/null || { echo "soak: nats-server missing (mk/deps.sh bench)" >&2; exit 1; }

if [ -n "${SOAK_DIR:-}" ]; then
	D=$SOAK_DIR
	mkdir -p "$D"
	KEEP=1
else
	D=$(mktemp -d "${TMPDIR:-/tmp}/selfheal-soak.XXXXXX")
	KEEP=0
fi
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "$KEEP" = 1 ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL \
	SELFHEAL_MACHINES_URL FLY_FLAPS_BASE_URL SELFHEAL_NOTIFY_URL GITHUB_TOKEN
export SELFHEAL_CONFIG=/dev/null SELFHEAL_RULES="${SELFHEAL_RULES:-$TOP/rules}"
export XDG_STATE_HOME="$D/xdg"
export FLY_API_TOKEN=fm2_soakFAKEtoken0123456789
rm -f "$D"/*.port "$D"/p1 "$D"/p2 "$D"/p3 "$D"/p4

port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() { # wait_file FILE: until it is not empty (10 s)
	i=0
	until [ -s "$1" ]; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "soak: no $1" >&2; exit 1; }
		sleep 0.05
	done
}

# --- the servers
NPORT=$(port)
printf 'listen: 127.0.0.1:%s\n' "$NPORT" >"$D/nats.conf"
nats-server -c "$D/nats.conf" >"$D/nats.log" 2>&1 &
PIDS="$PIDS $!"
NATS=nats://127.0.0.1:$NPORT
"$PY" "$TOP/tests/server/flyapi.py" --port-file "$D/api.port" --log /dev/null \
	>/dev/null 2>"$D/api.err" &
PIDS="$PIDS $!"
wait_file "$D/api.port"
API=http://127.0.0.1:$(cat "$D/api.port")
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1', $NPORT)).close()" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && { echo "soak: nats-server did not start" >&2; exit 1; }
	sleep 0.05
done
# the publisher's machines, started, in the fake Machines API
$PY - "$API" "$NINST" "$TOP/tests" <<'EOF'
import json, sys, urllib.request
sys.path.insert(0, sys.argv[3])
from natspub import instance_id
ms = []
for i in range(int(sys.argv[2])):
    mid = instance_id("shop", "iad", i)
    ms.append({"id": mid, "name": "shop-%d" % i, "state": "started", "region": "iad",
               "instance_id": "01INST%d" % i, "version": "01VER%d" % i,
               "private_ip": "fdaa::3", "created_at": "2026-11-01T00:00:00Z",
               "updated_at": "2026-11-28T03:00:00Z",
               "config": {"image": "registry.fly.io/shop:deployment-42",
                          "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
                          "restart": {"policy": "on-failure", "max_retries": 10},
                          "metadata": {"fly_release_version": "42",
                                       "fly_process_group": "app"}},
               "events": [], "checks": [{"name": "http", "status": "passing"}]})
r = urllib.request.Request(sys.argv[1] + "/_ctl/machines?app=shop",
                           data=json.dumps(ms).encode(), method="POST")
urllib.request.urlopen(r).read()
EOF
DIAG_LLM=
if [ "$LLM" = 1 ]; then
	KEY=sk-soak-0123456789abcdefghijklmnopqrstuvwxyz
	cat >"$D/llm.json" <<'EOF'
{"default": {"json": {"summary": "the job crashed", "root_cause": "a bug in the job",
  "confidence": 0.7, "category": "panic", "evidence": ["panic"],
  "actions": [{"action": "machine.restart", "reason": "serve again"},
              {"action": "github.issue", "reason": "track it"}]}}}
EOF
	"$PY" "$TOP/tests/server/llm.py" --port-file "$D/llm.port" --log /dev/null \
		--script "$D/llm.json" --key "$KEY" >/dev/null 2>"$D/llm.err" &
	PIDS="$PIDS $!"
	wait_file "$D/llm.port"
	DIAG_LLM="--llm-url http://127.0.0.1:$(cat "$D/llm.port")/v1"
	export SELFHEAL_LLM_KEY=$KEY
fi
cat >"$D/policy" <<'EOF'
defaults
    allow          machine.restart machine.start machine.memory
    memory-max     1024
    rate           machine.restart 3/1h machine
    rate           * 10/1h app
    cooldown       * 2m
    breaker        3/6h
app shop
EOF

# --- the pipeline, one process per stage joined by FIFOs (so each PID is
# known); tee keeps crashgrep's and diagnose's records for the counts
mkfifo "$D/p1" "$D/p2" "$D/p3" "$D/p4" "$D/p5"
"$BIN/fly-tail" --app shop --nats "$NATS" --api-url "$API" -v >"$D/p1" 2>"$D/fly-tail.err" &
FT=$!
"$BIN/crashgrep" <"$D/p1" >"$D/p2" 2>"$D/crashgrep.err" &
CG=$!
tee "$D/crashes.ndjson" <"$D/p2" >"$D/p3" &
T1=$!
# shellcheck disable=SC2086
"$BIN/diagnose" --state "$D/diagnose" $DIAG_LLM <"$D/p3" >"$D/p4" 2>"$D/diagnose.err" &
DG=$!
tee "$D/diagnoses.ndjson" <"$D/p4" >"$D/p5" &
T2=$!
"$BIN/remediate" --apply --policy "$D/policy" --state "$D/remediate" \
	--audit "$D/audit.ndjson" --machines-url "$API" <"$D/p5" \
	>"$D/actions.ndjson" 2>"$D/remediate.err" &
RM=$!
PIDS="$PIDS $FT $CG $T1 $DG $T2 $RM"
i=0
until grep -q subscribed "$D/fly-tail.err" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && { echo "soak: fly-tail did not subscribe" >&2; cat "$D/fly-tail.err" >&2; exit 1; }
	sleep 0.05
done

echo "soak: ${SECS}s at $RATE lines/s, a crash every ${EVERY}s on $NINST machines, backend $([ "$LLM" = 1 ] && echo openai-fake || echo rules), sample every ${SAMPLE}s, $(nproc) CPUs"
"$PY" "$TOP/bench/soakpub.py" --url "$NATS" --rate "$RATE" --seconds "$SECS" \
	--crash-every "$EVERY" --instances "$NINST" --manifest "$D/manifest" \
	>"$D/pub.out" 2>"$D/pub.err" &
PUB=$!
PIDS="$PIDS $PUB"

# --- sampling: "t stage rss hwm fds" per stage, a table row per sample
stat1() { # stat1 PID: "rss hwm fds read" in KiB, KiB, count, KiB
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%s %s", r, h }' "/proc/$1/status" 2>/dev/null || printf '0 0'
	printf ' %s' "$(ls "/proc/$1/fd" 2>/dev/null | wc -l)"
	awk '/^rchar:/ { printf " %d\n", $2 / 1024 }' "/proc/$1/io" 2>/dev/null || printf ' 0\n'
}
: >"$D/samples"
printf '%6s %9s' "t(s)" "crashes"
for s in fly-tail crashgrep diagnose remediate; do printf ' | %-29s' "$s RSS HWM KiB, fds, read MiB"; done
printf '\n'
t0=$(date +%s)
next=$SAMPLE
while :; do
	now=$(( $(date +%s) - t0 ))
	if [ "$now" -ge "$next" ]; then
		row=$(printf '%6d %9d' "$now" "$(wc -l <"$D/crashes.ndjson")")
		for s in "fly-tail:$FT" "crashgrep:$CG" "diagnose:$DG" "remediate:$RM"; do
			st=$(stat1 "${s#*:}")
			echo "$now ${s%%:*} $st" >>"$D/samples"
			set -- $st
			row="$row $(printf '| %7s %7s %4s %7.1f  ' "$1" "$2" "$3" "$(echo "$4" | awk '{ print $1 / 1024 }')")"
		done
		echo "$row"
		next=$((next + SAMPLE))
	fi
	kill -0 "$PUB" 2>/dev/null || break
	sleep 1
done
wait "$PUB" || { echo "soak: the publisher failed" >&2; cat "$D/pub.err" >&2; exit 1; }
cat "$D/pub.out"

# --- drain: crashgrep closes open crashes after its idle time, diagnose
# closes incidents after --window (10 s) of quiet; wait until the counts
# stop moving, then stop fly-tail and let the others end at EOF
prev=
i=0
while :; do
	cur="$(wc -l <"$D/crashes.ndjson") $(wc -l <"$D/diagnoses.ndjson") $(wc -l <"$D/actions.ndjson")"
	[ "$cur" = "$prev" ] && [ $i -ge 15 ] && break
	prev=$cur
	i=$((i + 1)); [ $i -gt 120 ] && break
	sleep 1
done
kill -TERM "$FT"
rc=0
for p in "fly-tail:$FT" "crashgrep:$CG" "diagnose:$DG" "remediate:$RM"; do
	if wait "${p#*:}"; then :; else
		echo "soak: ${p%%:*} exited with status $?" >&2
		rc=1
	fi
done
wait "$T1" "$T2" 2>/dev/null || true

# --- the report
"$PY" - "$D" "$rc" <<'EOF'
import json, re, sys
d, stage_rc = sys.argv[1], int(sys.argv[2])
stages = ["fly-tail", "crashgrep", "diagnose", "remediate"]
S = {s: [] for s in stages}
for line in open(d + "/samples"):
    t, s, rss, hwm, fds, rd = line.split()
    S[s].append((int(t), int(rss), int(hwm), int(fds), int(rd)))
ok = True
n = len(S["fly-tail"])
# the warm-up: the first 10 % of the samples, and at least the first
# minute when the run is long enough to leave most of it after that
# (crashgrep's input ring fills in about 40 s at 2,000 lines/s; remediate
# opens its connections with its first repair)
warm = max(1, n // 10)
t_end = S["fly-tail"][-1][0] if n else 0
if t_end >= 240:
    warm = max(warm, sum(1 for x in S["fly-tail"] if x[0] <= 60))
growth = []
print()
print("%-10s %24s %20s %12s %10s  %s" % ("stage", "RSS KiB first/last/max",
      "HWM KiB first/last", "fds f/l/max", "read MiB", "verdict"))
for s in stages:
    v = S[s]
    if not v:
        continue
    rest = v[warm:] if n - warm >= 4 else v
    q = max(1, len(rest) // 4)
    first_q, last_q = rest[:q], rest[-q:]
    r1 = max(x[1] for x in first_q)
    r2 = max(x[1] for x in last_q)
    f1 = max(x[3] for x in first_q)
    # descriptors: the median of the last quarter (a sample can catch a
    # spool file or a connection open for a moment; a leak moves the
    # median), against the largest count of the first
    f2 = sorted(x[3] for x in last_q)[len(last_q) // 2]
    flat_rss = r2 <= max(r1 * 1.10, r1 + 2048)
    flat_fd = f2 <= f1
    verdict = "flat" if flat_rss and flat_fd else "GROWING"
    if not flat_rss:
        verdict += " rss %d -> %d KiB" % (r1, r2)
    if not flat_fd:
        verdict += " fds %d -> %d" % (f1, f2)
    ok = ok and flat_rss and flat_fd
    print("%-10s %24s %20s %12s %10.1f  %s" % (
        s, "%d/%d/%d" % (v[0][1], v[-1][1], max(x[1] for x in v)),
        "%d/%d" % (v[0][2], v[-1][2]),
        "%d/%d/%d" % (v[0][3], v[-1][3], max(x[3] for x in v)),
        v[-1][4] / 1024, verdict))
    growth.append((s, v[-1][1] - rest[0][1], v[-1][4] - rest[0][4]))

# the readers' rings (src/reader.c: 4 blocks of 4 x the line cap, 16 MiB
# for crashgrep and remediate, 64 MiB for diagnose) are touched as input
# passes through, so a stage's RSS may grow by what it read until its
# ring is full; say so when that is all the growth there is
print()
for s, dr, dread in growth:
    if dr > 256:
        print("%-10s RSS +%d KiB after the warm-up, having read %d KiB meanwhile%s" % (
            s, dr, dread, " (no more than it read: its input ring filling)"
            if dr <= dread + 256 else ""))

# no loss: every published crash serial in crashgrep's output
want = {}
for line in open(d + "/manifest"):
    serial, inst, kind, word = line.split()
    want[int(serial)] = (inst, kind, word)
got = set()
crashes = 0
for line in open(d + "/crashes.ndjson"):
    r = json.loads(line)
    if r.get("type") != "crash":
        continue
    crashes += 1
    for l in r.get("lines", []):
        m = re.search(r"\(order (\d+)\)", l)
        if m:
            got.add(int(m.group(1)))
missing = sorted(set(want) - got)
diags = [json.loads(l) for l in open(d + "/diagnoses.ndjson")]
incidents = [r for r in diags if r.get("type") == "diagnosis"]
ids = [r["incident"] for r in incidents]
occ = sum(r.get("occurrences", 0) for r in incidents)
acts = [json.loads(l) for l in open(d + "/actions.ndjson")]
gaps = [r for r in acts if r.get("type") == "gap"]
status = {}
for r in acts:
    if r.get("type") == "action":
        k = r.get("status", "?")
        status[k] = status.get(k, 0) + 1
ft = open(d + "/fly-tail.err").read()
counts = [l for l in ft.splitlines() if re.search(r"\d+ (lines|records|messages)", l)]
print()
print("published:  %s" % open(d + "/pub.out").read().strip())
for l in counts[-2:]:
    print("fly-tail:   %s" % l.strip())
print("crashgrep:  %d crash records; %d of %d published crashes found, %d missing%s" % (
    crashes, len(want) - len(missing), len(want), len(missing),
    (" (" + " ".join(map(str, missing[:20])) + ")") if missing else ""))
print("diagnose:   %d incidents (%d distinct ids) covering %d crashes" % (
    len(incidents), len(set(ids)), occ))
print("remediate:  %d action records (%s); %d gap records" % (
    sum(status.values()), ", ".join("%s %d" % kv for kv in sorted(status.items())), len(gaps)))
lost = bool(missing) or bool(gaps) or len(ids) != len(set(ids)) or occ != crashes \
    or stage_rc != 0
if occ != crashes:
    print("LOSS: diagnose's incidents cover %d crashes, crashgrep wrote %d" % (occ, crashes))
print()
if t_end < 240:
    print("(a run of %d s is mostly warm-up: the flatness verdict needs 4 minutes or more)" % t_end)
print("verdict: %s, %s" % ("memory and descriptors flat" if ok else "NOT FLAT",
                           "nothing lost" if not lost else "RECORDS LOST OR A STAGE FAILED"))
sys.exit(0 if ok and not lost else 1)
EOF
