#!/bin/bash
# crashgrep with 10,000 interleaved machines: crashes of many machines at
# once are assembled per machine, and memory stays under 50 MB.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

if is_san "$BIN/crashgrep"; then RSS_MAX=160000; else RSS_MAX=50000; fi


# gen.py MODE: 10,000 machines log 3 rounds of traffic, then Go panics of
# 5 lines each, line k of every crashing machine before line k+1 of any
# (the worst interleaving), then 2 more rounds of traffic. MODE some: every
# tenth machine crashes; all: every machine does.
cat >gen.py <<'EOF'
import random, sys
mode = sys.argv[1]
random.seed(1)
ids = ['%014x' % random.getrandbits(56) for _ in range(10000)]
out = []
def line(sec, inst, msg):
    out.append('2026-11-28T03:45:%02dZ app[%s] iad [info]%s\n' % (sec, inst, msg))
crashers = range(0, 10000, 10) if mode == 'some' else range(10000)
for r in range(3):
    for k, i in enumerate(ids):
        line(10 + r, i, '2026/11/28 03:45:%02d worker %d: handled job %d in 3.2ms'
             % (10 + r, k, r))
tmpl = ['panic: worker {k} died', '', 'goroutine 1 [running]:',
        'main.work({k})', '\t/app/main.go:42 +0x1d']
for t in tmpl:
    for k in crashers:
        line(20, ids[k], t.format(k=k))
for r in range(2):
    for k, i in enumerate(ids):
        line(22 + r, i, '2026/11/28 03:45:%02d worker %d: back' % (22 + r, k))
sys.stdout.write(''.join(out))
with open('ids', 'w') as f:
    f.write('\n'.join(ids) + '\n')
EOF
# check.py N: N crash records, each whole and on the machine its title names
cat >check.py <<'EOF'
import json, sys
want = int(sys.argv[1])
ids = open('ids').read().split()
recs = [json.loads(l) for l in open('out')]
bad = [r for r in recs if len(r['lines']) != 5 or
       r['instance'] != ids[int(r['title'].split()[1])] or
       r['lines'][3] != 'main.work(%s)' % r['title'].split()[1]]
print('records=%d bad=%d' % (len(recs), len(bad)))
sys.exit(0 if len(recs) == want and not bad else 1)
EOF

python3 gen.py some >some.log
set -- $(run_rss out err some.log "$BIN/crashgrep" --no-builtin -r "$R" some.log)
is "$1" 0 "10,000 machines, 1,000 crashing at once: exit 0"
ok $(($2 > RSS_MAX)) "10,000 machines, 1,000 crashing at once: peak RSS $2 KB under $RSS_MAX KB"
res=$(python3 check.py 1000)
ok $? "10,000 machines, 1,000 crashing at once: 1,000 whole crashes, each on its machine ($res)"
is "$(wc -c <err | tr -d ' ')" 0 "10,000 machines: nothing on stderr"

python3 gen.py all >all.log
set -- $(run_rss out err all.log "$BIN/crashgrep" -B 0 --no-builtin -r "$R" all.log)
is "$1" 0 "10,000 machines all crashing at once: exit 0"
ok $(($2 > RSS_MAX)) "10,000 machines all crashing at once: peak RSS $2 KB under $RSS_MAX KB"
res=$(python3 check.py 10000)
ok $? "10,000 machines all crashing at once: 10,000 whole crashes ($res)"

# the same through a pipe, NDJSON (Fly NATS JSON) this time
python3 - <<'EOF' >some.ndjson
import json, re
rx = re.compile(r'^(\S+) app\[(\w+)\] (\w+) \[info\](.*)$')
for l in open('some.log'):
    ts, inst, region, msg = rx.match(l.rstrip('\n')).groups()
    print(json.dumps({"event": {"provider": "app"}, "fly": {"app": {
        "instance": inst, "name": "fleet"}, "region": region}, "host": "0ad1",
        "log": {"level": "info"}, "message": msg, "timestamp": ts},
        separators=(',', ':')))
EOF
set -- $(run_rss out err some.ndjson sh -c "cat | '$BIN/crashgrep' --no-builtin -r '$R'")
is "$1" 0 "10,000 machines, NDJSON through a pipe: exit 0"
ok $(($2 > RSS_MAX)) "10,000 machines, NDJSON through a pipe: peak RSS $2 KB under $RSS_MAX KB"
res=$(python3 check.py 1000)
ok $? "10,000 machines, NDJSON through a pipe: 1,000 whole crashes ($res)"
done_testing
