#!/bin/bash
# Records with the wrong type in each field: every value of
# tests/hostile/records/wrong.txt (null, booleans, 1e999, 2^31, 2^53+1,
# empty, NUL, escapes, a lone surrogate, traversal, option injection,
# another app's machine, arrays, objects, 10 KB) in every field of the
# base log, crash and diagnosis records (and in the fields of their
# objects and first array elements), and every field missing. Each
# variant is followed by a normal record. crashgrep gets the logs,
# diagnose the crashes, remediate --apply the diagnoses against the fake
# Machines API. Asserted: exit 0 (a sanitizer report fails it), every
# normal record comes out, valid JSON output, no control byte on stderr,
# and remediate sent nothing the policy does not allow for app shop.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL
C=$TOP/tests/hostile/records
export C M1 M2

# variants.py TYPE: the base record of TYPE with each wrong value in each
# field, each followed by a normal record (machine M2, its own ids)
cat >variants.py <<'EOF'
import json, os, sys
typ = sys.argv[1]
top, M2 = os.environ["C"], os.environ["M2"]
base = [json.loads(l) for l in open(top + "/base.ndjson") if json.loads(l)["type"] == typ][0]
wrong = [l.strip().replace("@BIG@", "b" * 10000) for l in open(top + "/wrong.txt") if l.strip()]
# the places: every field, the fields of objects, the first element of
# arrays, every field of an array of objects (ONLY=k1,k2: fields so named)
paths = []
for k, v in base.items():
    if k == "type":
        continue
    paths.append((k,))
    if isinstance(v, dict):
        paths += [(k, kk) for kk in v]
    elif isinstance(v, list) and v:
        paths.append((k, 0))
        for i, e in enumerate(v):
            if isinstance(e, dict):
                paths += [(k, i, kk) for kk in e]
if os.environ.get("ONLY"):
    paths = [p for p in paths if p[-1] in os.environ["ONLY"].split(",")]
HOLE = "@@WRONG@@"
def put(rec, path, val):
    r = json.loads(json.dumps(rec))
    o = r
    for p in path[:-1]:
        o = o[p]
    if val is None:
        if isinstance(o, list):
            o.pop(path[-1])
        else:
            del o[path[-1]]
    else:
        o[path[-1]] = val
    return r
out, n = [], 0
def normal():
    global n
    out.append(json.dumps({"type": typ, "ts": "2026-11-28T03:46:00Z", "app": "shop",
        "instance": M2, "instances": [M2], "msg": "panic: normal %d" % n,
        "id": "c_%016x" % (0xabc000 + n), "incident": "i_%016x" % (0xabc000 + n),
        "fingerprint": "f_%016x" % (0xabc000 + n), "rule": "go.panic",
        "category": "panic", "severity": "critical", "title": "panic: normal %d" % n,
        "lines": ["panic: normal %d" % n], "summary": "normal %d" % n,
        "actions": [{"action": "notify", "reason": "normal %d" % n}]}))
    n += 1
# remediate paces its mutating API calls per machine (Fly's limits: 1/s,
# a burst of 3): each variant of a diagnosis gets two machines of its own
# (f1ee7000000000 + 2n and + 2n+1) in place of the base record's two
POOL = os.environ.get("POOL")
for path in paths:
    for w in wrong + [None]:
        r = put(base, path, HOLE if w is not None else None)
        if POOL:
            r = json.loads(json.dumps(r).replace("148ed193b95e89", "%014x" % (
                0xf1ee7000000000 + 2 * n)).replace("91857e2fc03d68", "%014x" % (
                0xf1ee7000000000 + 2 * n + 1)))
        # its own incident and fingerprint, unless those are the field
        if path != ("incident",):
            r["incident"] = "i_%016x" % (0xbad000 + n) if typ == "diagnosis" else r.get("incident")
        if path != ("fingerprint",) and typ != "log":
            r["fingerprint"] = "f_%016x" % (0xbad000 + n)
        if r.get("incident") is None:
            r.pop("incident", None)
        out.append(json.dumps(r).replace('"%s"' % HOLE, w if w is not None else "null"))
        normal()
sys.stdout.write("\n".join(out) + "\n")
print(n, file=sys.stderr)
EOF
# check.py STAGE N: the output and stderr of one stage
cat >check.py <<'EOF'
import json, re, sys
stage, n = sys.argv[1], int(sys.argv[2])
def say(ok, desc, detail=""):
    print("%d\037%s: %s\037%s" % (0 if ok else 1, stage, desc, str(detail)[:300]))
try:
    recs = [json.loads(l) for l in open("out", "rb").read().decode("utf-8").splitlines()]
    say(all(isinstance(r, dict) and "type" in r for r in recs), "the output is JSON records in valid UTF-8")
except ValueError as e:
    recs = []
    say(False, "the output is JSON records in valid UTF-8", e)
seen = set()
for r in recs:
    for m in re.findall(r"normal (\d+)|[if]_0000000000abc([0-9a-f]{3})", json.dumps(r)):
        seen.add(int(m[0]) if m[0] else int(m[1], 16))
say(seen == set(range(n)), "the normal record after each of the %d variants comes out" % n,
    sorted(set(range(n)) - seen)[:20])
err = open("err", "rb").read()
say(not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", err), "no control byte on stderr", err[:300])
lines = err.decode("utf-8", "replace").splitlines()
say(len(lines) <= 30, "stderr stays short (rate-limited): %d lines" % len(lines), lines[:5])
EOF

run_stage() { # run_stage NAME TYPE CMD...
	name=$1 typ=$2
	shift 2
	"$PY" variants.py "$typ" >in 2>count
	t0=$(date +%s%N)
	cat in | timeout -k 5 300 "$@" >out 2>err
	is "${PIPESTATUS[1]}" 0 "$name: exit 0"
	echo "# $name: $((($(date +%s%N) - t0) / 1000000)) ms"
	while IFS=$'\037' read -r rc desc detail; do
		[ "$rc" -ne 0 ] && echo "# got: $detail"
		ok "$rc" "$desc"
	done < <("$PY" check.py "$name" "$(cat count)")
}
run_stage crashgrep log "$BIN/crashgrep"
run_stage diagnose crash "$BIN/diagnose" --state dstate

rm_start_api || exit 1
rm_start_hook || exit 1
export POOL=yes
N=$("$PY" variants.py diagnosis 2>&1 >/dev/null)
# shop's fleet: a machine per variant, as remediate-lib's machine() makes them
"$PY" - "$N" <<'EOF' >fleet.json
import json, sys
print(json.dumps([{"id": "%014x" % (0xf1ee7000000000 + i), "name": "shop-%d" % i,
    "state": "started", "region": "iad", "instance_id": "01INST%d" % i,
    "version": "01VER%d" % i, "private_ip": "fdaa::3",
    "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-28T03:00:00Z",
    "config": {"image": "registry.fly.io/shop:deployment-42",
               "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
               "restart": {"policy": "on-failure", "max_retries": 10},
               "metadata": {"fly_release_version": "42"}},
    "events": [], "checks": []} for i in range(2 * int(sys.argv[1]))]))
EOF
"$PY" -c '
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=open("fleet.json", "rb").read(), method="POST")).read()' \
	"$API_URL/_ctl/machines?app=shop"
ctl "/_ctl/machines?app=billing" "[$(machine 3d8d9e3a2b7f10 started)]"
P=$(policy records 'defaults
    allow machine.restart machine.start machine.memory notify
    memory-max 1024
    machines-max 2
    rate machine.restart 10000/1h machine
    breaker 10000/1h
app shop')
# every variant dry-run (remediate reads the targets), then the variants
# of the actions' parameters applied (each costs ten API calls)
run_stage remediate diagnosis "$BIN/remediate" --machines-url "$API_URL" --state "$STATE" \
	--audit "$AUDIT" --policy "$P" --notify-url "$HOOK_URL"
ONLY=signal,timeout,memory_mb run_stage "remediate --apply" diagnosis \
	"$BIN/remediate" --machines-url "$API_URL" \
	--state "$STATE.2" --audit "$AUDIT" --policy "$P" --notify-url "$HOOK_URL" --apply
is "$(jget 'r["method"] + " " + r["path"]' <"$API_LOG" | grep -Ev "^(GET /v1/apps/shop/machines(/[0-9a-f]{14}(/(events|versions|wait))?)?|(POST|DELETE) /v1/apps/shop/machines/f1ee7[0-9a-f]{9}/lease|POST /v1/apps/shop/machines/f1ee7[0-9a-f]{9}(/(restart|start))?)$" | sort -u)" \
	"" "remediate: the Machines API saw only what the policy allows on app shop"
is "$(jget 'r["body"]["config"]["guest"]["memory_mb"] if r["method"] == "POST" and r["path"].count("/") == 5 else None' <"$API_LOG" | awk '$1 > 1024' | wc -l | tr -d ' ')" \
	0 "remediate: no memory above the policy's 1024 MB"
is "$(jget 'r["query"]' <"$API_LOG" | grep -v '^$' | grep -Ev '^(signal=SIG[A-Z0-9]+)?(&?timeout=([1-9][0-9]?|[12][0-9][0-9]|300)s)?$|^limit=[0-9]+$|^(instance_id=[^&]+&)?state=[a-z]+&timeout=[0-9]+$' | sort -u)" \
	"" "remediate: restart signals and timeouts sent stay in range (1-300 s)"
done_testing
