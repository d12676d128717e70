#!/bin/bash
# The same log lines as `fly logs` text (current flyctl), Fly NATS JSON,
# compacted `fly logs --json` and selfheal log records give the same
# crashes: same rule, machine, title, lines, context and fingerprint.
# Messages carry what formats treat differently: leading blanks (init, Python
# frames), TABs and quotes (Java), kernel '[' prefixes, empty lines.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

cat >gen.py <<'EOF'
import json
A, B, C, D = '148ed193b95e89', 'e784e677f26d58', '683d92dce34dd8', '6e82d4f0a91c35'
base = 1795837500  # 2026-11-28T03:45:00Z
ev = []  # (seconds, nanos, provider, instance, region, level, message)
def add(s, ns, inst, msg, provider='app', region='iad', level='info'):
    ev.append((s, ns, provider, inst, region, level, msg))
add(0, 100000000, A, '2026/11/28 03:45:00 pricing: sync started')
add(0, 200000000, B, '2026/11/28 03:45:00 "GET http://shop.fly.dev/ HTTP/1.1" from 172.16.3.2:5011 - 200 18201B in 3.7ms')
add(1, 100000000, A, 'panic: runtime error: index out of range [5] with length 3')
add(1, 100000100, A, '')
add(1, 100000200, A, 'goroutine 87 [running]:')
add(1, 100000300, B, '2026/11/28 03:45:01 cart: "quoted" and\ttabbed')
add(1, 100000400, A, 'github.com/acme/shop/internal/pricing.(*Sync).apply(0xc0001a2000, {0xc000312000, 0x3, 0x4})')
add(1, 100000500, A, '\t/app/internal/pricing/sync.go:142 +0x1d4')
add(1, 100000600, A, 'main.main()')
add(1, 100000700, A, '\t/app/cmd/shop/main.go:61 +0x2b0')
add(5, 300000000, A, ' INFO Main child exited normally with code: 2')
add(5, 300000100, A, ' INFO Starting clean up.')
add(9, 500000000, C, '03:55:24.114 [main] INFO  c.a.worker.JobRunner - starting job 88213')
add(9, 600000000, C, 'Exception in thread "main" java.lang.IllegalStateException: job 88213 failed')
add(9, 600000100, C, '\tat com.acme.worker.JobRunner.execute(JobRunner.kt:118)')
add(9, 600000200, B, '2026/11/28 03:45:09 search: "q" took 3ms')
add(9, 600000300, C, '\tat com.acme.worker.Main.main(Main.kt:12)')
add(9, 600000400, C, 'Caused by: com.acme.worker.jobs.PayloadException: invalid payload "x"')
add(9, 600000500, C, '\t... 2 more')
add(13, 700000000, D, 'INFO:     Started server process [322]')
add(13, 800000000, D, 'Traceback (most recent call last):')
add(13, 800000100, D, '  File "/app/api/settings.py", line 12, in <module>')
add(13, 800000200, D, '    DATABASE_URL = os.environ["DATABASE_URL"]')
add(13, 800000300, D, "KeyError: 'DATABASE_URL'")
add(13, 900000000, D, ' INFO Main child exited normally with code: 1')
add(15, 100000000, B, 'erreur fatale : \u00e9chec du d\u00e9marrage de la base (caf\u00e9)')
E = '4d891de5a23e87'
add(16, 100000000, E, 'POST /render/invoice/88986 200 251.526 ms - 46567 & more')
add(16, 200000000, E, '')
add(16, 200000100, E, '<--- Last few GCs --->')
add(16, 200000200, E, '')
add(16, 200000300, E, '[476:0x5a1b2c0]    61234 ms: Mark-Compact 2040.1 (2083.4) -> 2039.8 (2083.6) MB')
add(16, 200000400, E, '')
add(16, 200000500, E, '<--- JS stacktrace --->')
add(16, 200000600, E, '')
add(16, 200000700, E, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory')
add(17, 100000000, B, 'shop: allocating 300 MB')
add(17, 200000000, B, '[  321.200563] Out of memory: Killed process 476 (shop) total-vm:1842312kB')
add(21, 100000000, D, 'instance refused connection. is your app listening on 0.0.0.0:8080?',
    provider='proxy', region='ord', level='error')
def ts(s, ns, digits):
    import datetime
    t = datetime.datetime.fromtimestamp(base + s, datetime.timezone.utc)
    frac = ('.%09d' % ns)[:digits + 1] if digits else ''
    return t.strftime('%Y-%m-%dT%H:%M:%S') + frac + 'Z'
region = lambda e: e[4]
with open('text.log', 'w') as f:
    for s, ns, p, i, r, l, m in ev:
        f.write('%s %s[%s] %s [%s]%s\n' % (ts(s, ns, 0), p, i, r, l, m))
c = dict(separators=(',', ':'), ensure_ascii=False)
with open('nats.ndjson', 'w') as f:
    for s, ns, p, i, r, l, m in ev:
        f.write(json.dumps({"event": {"provider": p}, "fly": {"app": {"instance": i, "name": "shop"},
            "region": r}, "host": "0ad1", "log": {"level": l}, "message": m,
            "timestamp": ts(s, ns, 9)}, **c) + '\n')
with open('flyjson.ndjson', 'w') as f:
    for s, ns, p, i, r, l, m in ev:
        f.write(json.dumps({"level": l, "instance": i, "message": m, "region": r,
            "timestamp": ts(s, ns, 9), "meta": {"Instance": i, "Region": r,
            "Event": {"Provider": p}, "HTTP": {"Request": {"ID": "", "Method": "",
            "Version": ""}, "Response": {"status_code": 0}}, "Error": {"Code": 0,
            "Message": ""}, "URL": {"Full": ""}}}, **c).replace('<', '\\u003c')
            .replace('>', '\\u003e').replace('&', '\\u0026') + '\n')
with open('records.ndjson', 'w') as f:
    for s, ns, p, i, r, l, m in ev:
        f.write(json.dumps({"type": "log", "ts": ts(s, ns, 9), "app": "shop",
            "region": r, "instance": i, "provider": p, "level": l, "msg": m,
            "source": "nats"}, **c) + '\n')
# Python's json.dumps defaults: spaces after separators, \uXXXX escapes
with open('records-py.ndjson', 'w') as f:
    for s, ns, p, i, r, l, m in ev:
        f.write(json.dumps({"type": "log", "ts": ts(s, ns, 9), "app": "shop",
            "region": r, "instance": i, "provider": p, "level": l,
            "msg": m}) + '\n')
EOF
python3 gen.py

# crashes FILE: the comparable part of each crash, one per line
crashes() {
	"$BIN/crashgrep" --app shop --no-builtin -r "$R" "$@" 2>>err | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    for k in ("id", "ts", "last_ts", "source"):
        r.pop(k, None)
    print(json.dumps(r, sort_keys=True))
'
}
crashes text.log >text.out
crashes nats.ndjson >nats.out
crashes flyjson.ndjson >flyjson.out
crashes records.ndjson >records.out
crashes --portable nats.ndjson >nats-portable.out

# summary FILE: "rule:lines" of each crash, sorted
summary() { jget 'r["rule"] + ":" + str(len(r["lines"]))' <"$1" | sort | tr '\n' ' '; }
WANT="t.exit:1 t.exit:1 t.fr-fatal:1 t.go-panic:7 t.java-uncaught:5 t.node-heap:7 t.oom:1 t.py-traceback:4 t.refused:1 "
is "$(summary nats.out)" "$WANT" "NATS JSON: the nine crashes, each whole"
is "$(jget 'r["lines"][0]' <nats.out | grep -c '^ INFO Main child exited')" 2 \
	"NATS JSON: init lines keep their leading space"
is "$(jget 'r.get("thread")' <nats.out)" main \
	"NATS JSON: a capture between escaped quotes"
is "$(jget 'r["title"] == "de la base (caf\u00e9)"' <nats.out | grep -c true)" 1 \
	"NATS JSON: a non-ASCII literal is found"
diff -u nats.out text.out >&2
ok $? "fly logs text (current flyctl) gives the same crashes as NATS JSON"
diff -u nats.out flyjson.out >&2
ok $? "fly logs --json (compacted, Go escapes \\u003c) gives the same crashes as NATS JSON"
diff -u nats.out records.out >&2
ok $? "log records give the same crashes as NATS JSON"
diff -u nats.out nats-portable.out >&2
ok $? "NATS JSON: the portable prefilter gives the same crashes"
crashes records-py.ndjson >py.out
diff -u nats.out py.out >&2
ok $? "log records from Python's json.dumps (spaces, \\u escapes) give the same crashes"
is "$(wc -c <err | tr -d ' ')" 0 "nothing on stderr"
done_testing
