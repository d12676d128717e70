#!/bin/bash
# diagnose's read-only repository tools against the calls of
# tests/hostile/repo/requests.ndjson (and a few generated long paths):
# traversal, absolute paths, symlinks to /etc/passwd, to /etc and back up
# the tree, .git, NUL, look-alike dots, FIFOs and devices, wrong types.
# The fake LLM makes every call; each answer must be the refusal (or the
# in-repo content) the corpus expects, no answer may hold anything from
# outside the checkout, nothing may hang, and the crash is still diagnosed.
# Then a search whose pattern spends its match limit on every line must
# stop at diagnose's deadline, not seconds later.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
. "$TOP/tests/t/diagnose-lib.sh"
C=$TOP/tests/hostile/repo

# outside/ beside the checkout holds the canaries nothing may return
mkdir -p outside repo/internal repo/sub repo/.git
echo 'ZQXoutsideCanary' >outside/canary.txt
printf 'package main\n\nfunc main() {}\n' >repo/main.go
printf 'package internal\n' >repo/internal/app.go
printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxzz\n%.0s' 1 2 3 >repo/internal/data.txt
echo '[core] ZQXgitCanary' >repo/.git/config
ln -s /etc/passwd repo/passwd-link
ln -s /etc repo/etc-link
ln -s ../outside/canary.txt repo/outside-link
ln -s ../.. repo/sub/up
mkfifo repo/fifo
ln outside/canary.txt repo/hard-link
mknod repo/zero c 1 5 || { echo "Bail out! mknod (run as root)"; exit 1; }
grep -q '^root:' /etc/passwd || { echo "Bail out! no root in /etc/passwd"; exit 1; }

# generated: long names (the corpus stays short)
long_comp=$(printf 'a%.0s' $(seq 300))
long_path=$(printf 'a/%.0s' $(seq 700))x
deep_dots=$(printf '../%.0s' $(seq 400))etc/passwd
{
	cat "$C/requests.ndjson"
	printf '{"why":"a component over 255 bytes","name":"read_file","arguments":{"path":"%s"},"expect":"component too long"}\n' "$long_comp"
	printf '{"why":"a path over 1024 bytes","name":"read_file","arguments":{"path":"%s"},"expect":"path too long"}\n' "$long_path"
	printf '{"why":"a hard link to a file outside","name":"read_file","arguments":{"path":"hard-link"},"expect":"a hard link"}\n'
	printf '{"why":"400 parents","name":"read_file","arguments":{"path":"%s"},"expect":"path too long|components are not allowed"}\n' "$deep_dots"
} >requests.ndjson

# the script: the calls, eight a turn (diagnose's cap), then a plain
# answer; arguments given as a string go to diagnose as they are
"$PY" - requests.ndjson >script.json <<'EOF'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
calls = [{"id": "call_%03d" % i, "name": r["name"], "arguments": r["arguments"]}
         for i, r in enumerate(reqs)]
steps = [{"tool_calls": calls[i:i + 8]} for i in range(0, len(calls), 8)]
steps.append({"json": {"summary": "s", "root_cause": "r", "confidence": 0.5,
              "category": "panic", "evidence": [], "actions": []}})
print(json.dumps({"steps": steps}))
EOF
start_llm script.json
SELFHEAL_LLM_KEY=$LLM_KEY timeout -k 5 60 "$BIN/diagnose" --state st --llm-url "$LLM_URL" \
	--model fake-model --repo repo --max-steps 20 <"$PANIC" >out 2>err
is $? 0 "diagnose exits 0 (nothing hung)"
is "$(jget 'r["backend"]' <out)" "openai:fake-model" "the incident is diagnosed by the model, after all the calls"
stop_llm

# every answer against what the corpus expects
"$PY" - requests.ndjson "$LLM_LOG" <<'EOF' >results
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
last = [json.loads(l) for l in open(sys.argv[2])][-1]
got = {m["tool_call_id"]: m["content"] for m in last["body"]["messages"]
       if m["role"] == "tool"}
for i, r in enumerate(reqs):
    c = got.get("call_%03d" % i, "(no answer)")
    ok = re.search(r["expect"], c, re.M) is not None
    print("%d\037%s\037%s" % (0 if ok else 1, r["name"] + ": " + r["why"],
                               c[:200].replace("\n", " | ")))
EOF
while IFS=$'\037' read -r rc why got; do
	[ "$rc" -ne 0 ] && echo "# got: $got"
	ok "$rc" "$why"
done <results
is "$(wc -l <results | tr -d ' ')" "$(wc -l <requests.ndjson | tr -d ' ')" "every call was answered"
grep -q 'ZQXoutsideCanary\|ZQXgitCanary\|root:x:0:0\|root:[^:]*:0:0' "$LLM_LOG"
is $? 1 "no answer holds anything from outside the checkout or from .git"

# a search that spends its match limit on every line of a 1 MB file: the
# deadline (2 s) holds inside the file
mkdir big && "$PY" -c "
import sys
sys.stdout.write(('x' * 18 + 'zz\n') * 47000)" >big/lines.txt
cp big/lines.txt big/lines2.txt
cat >slow.json <<'EOF'
{"steps": [{"tool_calls": [{"name": "search_code", "arguments": {"pattern": "^(x+x+)+z$"}}]}],
 "default": {"json": {"summary": "s", "root_cause": "r", "confidence": 0.5, "category": "panic", "evidence": [], "actions": []}}}
EOF
start_llm slow.json
t0=$(date +%s%N)
SELFHEAL_LLM_KEY=$LLM_KEY timeout -k 5 60 "$BIN/diagnose" --state st2 --llm-url "$LLM_URL" \
	--model fake-model --repo big --deadline 2s <"$PANIC" >out 2>err
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
stop_llm
is "$rc" 0 "catastrophic search pattern: exit 0"
ok $((ms > 4500)) "catastrophic search pattern: done in ${ms} ms, near the 2 s deadline (was ~9 s a file)"
is "$(jget 'r["backend"]' <out)" rules "catastrophic search pattern: the rules answer when the deadline passes; the crash is not lost"
like "$(cat err)" 'deadline passed' "catastrophic search pattern: stderr says the deadline passed"
done_testing
