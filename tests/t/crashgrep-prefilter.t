#!/bin/bash
# The literal prefilter changes speed, never results: the default engine
# (Hyperscan where built), --portable, and no prefilter at all (a rule
# without a literal makes crashgrep try every line) give the same output,
# on contrib/samples with the built-in rules and on a generated corpus that
# mixes every input form, cases, escapes and hit-dense lines.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

# a rule whose pattern has no literal and never matches
cat >noliteral.rules <<'EOF'
# noliteral.rules: forces every line through PCRE2.

rule t.zz-no-literal
    category  panic
    severity  error
    match     ^[\x01][\x02]\d+$
    cause     Never matches real input.
    actions   notify
    example   \x01\x0242
    nomatch   12
EOF

python3 - <<'EOF' >mixed.log
import json, random
random.seed(20261128)
insts = ['%014x' % random.getrandbits(56) for _ in range(40)]
base = 1795837500
out = []
def ts(t, digits):
    import datetime
    d = datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)
    frac = ('%.9f' % (t - int(t)))[1:digits + 2] if digits else ''
    return d.strftime('%Y-%m-%dT%H:%M:%S') + frac + 'Z'
def emit(t, inst, msg, form=None):
    form = form or random.choice(['text', 'legacy', 'nats', 'record', 'flyjson'])
    if form == 'text':
        out.append('%s app[%s] iad [info]%s' % (ts(t, 0), inst, msg))
    elif form == 'legacy':
        out.append('%s app[%s] iad [info] %s' % (ts(t, 3)[:-1], inst, msg))
    elif form == 'nats':
        out.append(json.dumps({"event": {"provider": "app"}, "fly": {"app": {
            "instance": inst, "name": "shop"}, "region": "iad"}, "host": "0ad1",
            "log": {"level": "info"}, "message": msg, "timestamp": ts(t, 9)},
            separators=(',', ':'), ensure_ascii=random.random() < 0.3))
    elif form == 'record':
        out.append(json.dumps({"type": "log", "ts": ts(t, 6), "app": "shop",
            "instance": inst, "region": "iad", "msg": msg}))
    else:
        s = json.dumps({"level": "info", "instance": inst, "message": msg,
            "region": "iad", "timestamp": ts(t, 9), "meta": {"Event": {
            "Provider": "app"}}}, separators=(',', ':'))
        out.append(s.replace('<', '\\u003c').replace('>', '\\u003e'))
crashes = [
    ['panic: runtime error: invalid memory address or nil pointer dereference',
     '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]', '',
     'goroutine 1 [running]:', 'main.handler(0xc000010000)', '\t/app/main.go:42 +0x1d'],
    ['fatal error: concurrent map writes', '', 'goroutine 7 [running]:',
     'main.(*Cache).Put(...)', '\t/app/cache.go:17'],
    ['Traceback (most recent call last):', '  File "/app/x.py", line 3, in <module>',
     '    import settings', "KeyError: 'DATABASE_URL'"],
    ['Exception in thread "main" java.lang.IllegalStateException: job "7" failed',
     '\tat com.acme.Job.run(Job.kt:18)', 'Caused by: java.io.IOException: "disk"',
     '\t... 3 more'],
    ['[  321.200563] Out of memory: Killed process 476 (shop) total-vm:1842312kB'],
    [' INFO Main child exited normally with code: 3'],
    ['instance refused connection. is your app listening on 0.0.0.0:8080?'],
    ['INSTANCE Refused CONNECTION (shouting)'],
    ['<--- Last few GCs --->', '', '<--- JS stacktrace --->',
     'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
    ['erreur fatale : \u00e9chec du d\u00e9marrage de la base'],
]
near = ['http: panic serving 10.0.0.1:1234: boom', 'Traceback logged for request 12',
        'pricesync: 189 products updated, 0 errors', 'Out of memory errors: 0',
        ' INFO Main child exited normally with code: 0', 'x panic: not at the start',
        'instance accepted connection', 'Exception in thread pool monitor: none',
        'caf\u00e9 "quoted"\tand tabbed \\ backslashed']
t = base
open_at = {}
for n in range(12000):
    t += random.random() * 0.05
    inst = random.choice(insts)
    r = random.random()
    if r < 0.012:
        c = random.choice(crashes)
        for k, l in enumerate(c):
            # other machines may interleave, never the same one
            emit(t + k * 0.001, inst, l)
            if random.random() < 0.3:
                emit(t + k * 0.001, random.choice([i for i in insts if i != inst]),
                     random.choice(near))
        t += 3
    elif r < 0.1:
        emit(t, inst, random.choice(near))
    elif r < 0.105:
        # hit-dense lines: thousands of literal hits, no crash
        emit(t, inst, 'x' + ' panic: fatal error: ' * random.randrange(100, 3000))
    elif r < 0.107:
        out.append(json.dumps({"type": "diagnosis", "incident": "i_%d" % n,
            "summary": "panic: not a log line"}, separators=(',', ':')))
    elif r < 0.109:
        out.append(ts(t, 9) + ' stderr F fatal error: from a CRI line %d' % n)
    else:
        emit(t, inst, '2026/11/28 03:45:00 GET /products/%d 200 in %.1fms'
             % (n, random.random() * 9))
print('\n'.join(out))
EOF

cg() { "$BIN/crashgrep" --app shop "$@" 2>>err; }
: >err
cg --no-builtin -r "$R" mixed.log >default.out
cg --no-builtin -r "$R" --portable mixed.log >portable.out
cg --no-builtin -r "$R" -r noliteral.rules mixed.log >every.out 2>/dev/null
n=$(wc -l <default.out | tr -d ' ')
ok $((n < 100)) "mixed corpus: many crashes found ($n)"
cmp -s default.out portable.out
ok $? "mixed corpus, test rules: --portable gives the same output"
sort default.out >a; sort every.out >b
cmp -s a b
ok $? "mixed corpus, test rules: no prefilter gives the same records (any order)"
[ -s a ] && ! cmp -s a b && diff a b | head -5 | sed 's/^/# /' | cut -c1-200
# records of other stages pass through from the pipeline (stdin) only; in
# a file named on the command line they are log lines (docs/records.md)
grep -v '^{"type":"diagnosis"' mixed.log >logs-only.log
cg --no-builtin -r "$R" logs-only.log >file.out
cat logs-only.log | cg --no-builtin -r "$R" >pipe.out
cmp -s file.out pipe.out
ok $? "mixed corpus without records: a pipe gives the same output as the file"
cat mixed.log | cg --no-builtin -r "$R" >pipe.out
is "$(grep -c '^{"type":"diagnosis"' pipe.out)" "$(grep -c '^{"type":"diagnosis"' mixed.log)" \
	"mixed corpus on stdin: the diagnosis records pass through"
is "$(grep -c '^{"type":"diagnosis"' default.out)" 0 \
	"mixed corpus as a file: no record passes through (an app's log cannot forge one)"

# the built-in rules, with and without the test rules
cg mixed.log >b-default.out
cg --portable mixed.log >b-portable.out
cmp -s b-default.out b-portable.out
ok $? "mixed corpus, built-in rules: --portable gives the same output"
cg -r noliteral.rules mixed.log >b-every.out 2>/dev/null
sort b-default.out >a; sort b-every.out >b
cmp -s a b
ok $? "mixed corpus, built-in rules: no prefilter gives the same records"
for f in "$TOP"/contrib/samples/*.log "$TOP"/contrib/samples/*.ndjson; do
	name=$(basename "$f")
	"$BIN/crashgrep" "$f" >s-default.out 2>/dev/null
	"$BIN/crashgrep" --portable "$f" >s-portable.out 2>/dev/null
	"$BIN/crashgrep" -r noliteral.rules "$f" >s-every.out 2>/dev/null
	ok $([ -s s-default.out ]; echo $?) "$name: crashes found"
	cmp -s s-default.out s-portable.out
	ok $? "$name: --portable gives the same output"
	sort s-default.out >a; sort s-every.out >b
	cmp -s a b
	ok $? "$name: no prefilter gives the same records"
done
is "$(grep -cv 'without a literal' err)" 0 "no other messages on stderr"
done_testing
