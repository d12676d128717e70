#!/bin/bash
# Hostile JSON (tests/hostile/json/: duplicate keys, 1e999, lone
# surrogates, NUL, invalid UTF-8, escaped keys, CRLF, arrays and strings
# for records, cut and doubled values, NaN, a BOM; generated: 1e6 nested
# '[', 1e5 nested objects, 1e5 keys, multi-megabyte strings) as the input
# of every stage: fly-tail -, crashgrep, diagnose, remediate. Each item
# gets the stage's record type (@TYPE@) and is followed by a normal record.
# Asserted per stage: exit 0; every normal record after an item comes out;
# the output is JSON objects in valid UTF-8; a keep-* item is processed
# like a normal record; a drop-* item costs at most one line on stderr,
# which names its line; no control byte on stderr.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
unset OPENAI_API_KEY ANTHROPIC_API_KEY SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL
C=$TOP/tests/hostile/json
M2=e784e677f26d58

# build.py TYPE NORMAL-KIND: the stream for one stage, and items.idx (for
# each item: its line number, kind keep/drop and name)
cat >build.py <<'EOF'
import codecs, glob, json, os, sys
typ, normal = sys.argv[1:3]
top = os.environ["C"]
items = []
for p in sorted(glob.glob(top + "/*.json") + glob.glob(top + "/*.esc")):
    b = open(p, "rb").read()
    if p.endswith(".esc"):
        b = codecs.escape_decode(b)[0]
    items.append((os.path.basename(p), b.rstrip(b"\n").replace(b"@TYPE@", typ.encode())))
base = ('"app":"shop","instance":"148ed193b95e89","instances":["148ed193b95e89"],'
        '"ts":"2026-11-28T03:45:13Z","rule":"go.panic","category":"panic",'
        '"actions":[{"action":"escalate","reason":"look"}]')
def rec(k, extra):
    return ('{"type":"%s","incident":"i_00000000000e%04x","fingerprint":"f_00000000000e%04x",'
            '%s,%s}' % (typ, k, k, base, extra)).encode()
items.append(("drop-gen-deep-arrays", b"[" * 1000000))
items.append(("drop-gen-deep-objects", b'{"a":' * 100000))
items.append(("keep-gen-many-keys", rec(1, ",".join('"k%d":%d' % (i, i) for i in range(30000)) +
    ',"title":"panic: many keys","msg":"panic: many keys","lines":["panic: many keys"]')))
if typ == "crash":
    # diagnose reads lines up to 4 MiB
    big = "y" * (3 << 20)
    items.append(("keep-gen-3mb-string", rec(2, '"title":"panic: %s","msg":"x","lines":["panic: %s"]' % (big[:100], big))))
    items.append(("drop-gen-5mb-string", rec(3, '"title":"panic: big","lines":["%s"]' % ("z" * (5 << 20)))))
out = sys.stdout.buffer
idx = open("items.idx", "w")
n = 0
for k, (name, b) in enumerate(items):
    n += 1
    idx.write("%d %s %s\n" % (n, name.split("-")[0], name))
    out.write(b + b"\n")
    n += 1
    if normal == "text":
        out.write(("2026-11-28T03:46:%02dZ app[%s] iad [info]panic: normal after item %d\n"
                   % (k % 60, os.environ["M2"], k)).encode())
    else:
        out.write(json.dumps({"type": typ, "incident": "i_%016x" % (0xabc000 + k),
            "fingerprint": "f_%016x" % (0xabc000 + k), "app": "shop",
            "instance": os.environ["M2"], "instances": [os.environ["M2"]],
            "ts": "2026-11-28T03:46:%02dZ" % (k % 60), "rule": "go.panic",
            "category": "panic", "severity": "critical",
            "title": "panic: normal after item %d" % k,
            "msg": "panic: normal after item %d" % k,
            "lines": ["panic: normal after item %d" % k],
            "summary": "normal after item %d" % k, "root_cause": "r", "confidence": 0.5,
            "evidence": [], "actions": [{"action": "escalate", "reason": "normal %d" % k}],
            "backend": "rules"}).encode() + b"\n")
EOF
# check.py STAGE: assertions as "rc<US>description<US>detail" lines
cat >check.py <<'EOF'
import json, re, sys
stage = sys.argv[1]
idx = [l.split() for l in open("items.idx")]
data = open("out", "rb").read()
def say(ok, desc, detail=""):
    print("%d\037%s: %s\037%s" % (0 if ok else 1, stage, desc, str(detail)[:300]))
try:
    text = data.decode("utf-8")
    recs = [json.loads(l) for l in text.splitlines()]
    bad = [r for r in recs if not isinstance(r, dict) or "type" not in r]
    say(not bad, "the output is JSON records in valid UTF-8", bad[:1])
except ValueError as e:
    recs = []
    say(False, "the output is JSON records in valid UTF-8", e)
items = len(idx)
NORMAL = re.compile(r"normal after item (\d+)|[if]_0000000000abc([0-9a-f]{3})")
def normal(r):
    m = NORMAL.search(json.dumps(r))
    return m and (int(m.group(1)) if m.group(1) else int(m.group(2), 16))
normals = sorted(set(normal(r) for r in recs if normal(r) is not None))
say(normals == list(range(items)), "the normal record after each of the %d items comes out" % items,
    sorted(set(range(items)) - set(normals)))
# the primary output of each stage, for the items (machine 148ed193b95e89)
prim = {"fly-tail": "log", "crashgrep": "crash", "diagnose": "diagnosis",
        "remediate": "action"}[stage]
def of_item(r):
    return r.get("type") == prim and normal(r) is None
got = [r for r in recs if of_item(r)]
keep = [x[2] for x in idx if x[1] == "keep"]
if stage in ("diagnose", "remediate", "crashgrep"):
    say(len(got) == len(keep), "each of the %d keep-* items is processed" % len(keep),
        "%d outputs: %s" % (len(got), [r.get("title", r.get("incident")) for r in got]))
err = open("err", "rb").read()
say(not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", err), "no control byte on stderr", err[:200])
lines = err.decode("utf-8", "replace").splitlines()
drops = [x for x in idx if x[1] == "drop"]
if stage in ("diagnose", "remediate"):
    # named by line, until the rate limit suppresses further messages
    named = set(int(m) for l in lines for m in re.findall(r"<stdin>:(\d+)", l))
    unnamed = [x for x in drops if int(x[0]) not in named]
    quiet = [l for l in lines if "suppressed" in l]
    say(not unnamed or (quiet and all(int(x[0]) > max(named) for x in unnamed)),
        "each drop-* item is named by its line on stderr (until the rate limit)",
        [x[2] for x in unnamed])
    per = {}
    for l in lines:
        for m in re.findall(r"<stdin>:(\d+)", l):
            per[m] = per.get(m, 0) + 1
    say(all(v == 1 for v in per.values()), "at most one message per item", per)
EOF
export C M2

run_stage() { # run_stage NAME TYPE NORMAL CMD...
	name=$1 typ=$2 normal=$3
	shift 3
	"$PY" build.py "$typ" "$normal" >in
	# through a pipe, as in a pipeline (a file is read in bigger blocks)
	cat in | "$@" >out 2>err
	is "${PIPESTATUS[1]}" 0 "$name: exit 0"
	while IFS=$'\037' read -r rc desc detail; do
		[ "$rc" -ne 0 ] && echo "# got: $detail"
		ok "$rc" "$desc"
	done < <("$PY" check.py "$name")
}
run_stage fly-tail log text "$BIN/fly-tail" --app shop -
run_stage crashgrep log json "$BIN/crashgrep"
run_stage diagnose crash json "$BIN/diagnose" --state dstate
run_stage remediate diagnosis json "$BIN/remediate" --machines-url http://127.0.0.1:9 \
	--state rstate --audit audit.ndjson

# An app's own JSON log line nested deeper than the cap (64) still gives
# its message: the deep part reads as empty, the crash is found, from a
# file and from a `fly logs --json` stream (pretty-printed objects)
"$PY" - <<'PY'
import json
deep = json.loads("[" * 70 + "]" * 70)
line = {"level": "error", "msg": "panic: runtime error: deep", "ctx": deep}
with open("deep.log", "w") as f:
    f.write(json.dumps(line) + "\n")
    f.write("goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\n")
def fly(msg, i):
    return {"timestamp": "2026-11-28T03:50:%02dZ" % i, "message": msg,
            "level": "info", "instance": "148ed193b95e89", "region": "iad",
            "ctx": deep}
with open("deep.flyjson", "w") as f:
    for i, m in enumerate(["panic: runtime error: deep in fly json",
                           "goroutine 1 [running]:", "main.main()"]):
        f.write(json.dumps(fly(m, i), indent=4) + "\n")
PY
"$BIN/crashgrep" --app shop deep.log >deep.out 2>deep.err
is "$(jget 'r["title"]' <deep.out)" "panic: runtime error: deep" "a JSON log line nested 70 deep: its crash is found"
"$BIN/fly-tail" --app shop - <deep.flyjson 2>fdeep.err | "$BIN/crashgrep" >fdeep.out 2>>fdeep.err
is "$(jget 'r["title"]' <fdeep.out)" "panic: runtime error: deep in fly json" "fly logs --json objects nested 70 deep: the crash is found"
is "$(cat deep.err fdeep.err)" "" "and nothing said on stderr"
done_testing
