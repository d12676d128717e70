#!/bin/bash
# A flood of distinct crashes (every one its own incident) is diagnosed as
# it comes: every incident gets its diagnosis and memory stays bounded
# instead of growing with the input.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
N=3000
python3 - "$N" >flood.ndjson <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"type": "crash", "id": "c_%016x" % i,
        "ts": "2026-11-28T03:45:13Z", "app": "app%d" % (i % 50),
        "instance": "%014x" % (i * 7919), "rule": "go.panic",
        "category": "panic", "severity": "critical",
        "fingerprint": "f_%016x" % i, "title": "panic: flood %d" % i,
        "lines": ["panic: flood %d" % i, "goroutine 1 [running]:"] + ["\tframe %d" % k for k in range(40)],
        "context": ["line before %d" % k for k in range(20)],
        "hint": {"cause": "c", "actions": ["machine.restart"]}}))
PY
set -- $(run_rss out err flood.ndjson "$BIN/diagnose" --state st)
is "$1" 0 "exit 0"
rss=$2
is "$(jget 'r["type"]' <out | sort | uniq -c | tr -s ' ')" " $N diagnosis" "one diagnosis per incident"
is "$(jget 'r["occurrences"]' <out | sort -u)" 1 "each with its one crash"
if is_san "$BIN/diagnose"; then
	# the sanitizer's shadow memory makes RSS meaningless here
	ok 0 "memory: not measured under AddressSanitizer"
else
	ok $((rss > 40000)) "memory stays bounded: peak RSS $rss KB under 40 MB"
fi
done_testing
