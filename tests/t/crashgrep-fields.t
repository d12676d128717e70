#!/bin/bash
# Crash record fields that exact-output cases cannot pin down: lines
# without a timestamp (ts is the current time, id is stable), malformed
# JSON found as text, fingerprints across machines and days, -a keeping the
# fields of log records, the shape of every record, size caps.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1
cg() { "$BIN/crashgrep" --no-builtin -r "$R" "$@"; }
recent() { # recent TS: within a minute of now
	python3 -c "
import datetime, sys
t = datetime.datetime.strptime(sys.argv[1][:19], '%Y-%m-%dT%H:%M:%S').replace(tzinfo=datetime.timezone.utc)
d = abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
sys.exit(0 if d < 60 and sys.argv[1].endswith('Z') else 1)" "$1"
}

# --- plain text without timestamps
printf '%s\n' 'starting worker' 'panic: no clock here' '' 'goroutine 1 [running]:' \
	'main.main()' >plain.log
cg plain.log >a.out 2>err
recent "$(jget 'r["ts"]' <a.out)"
ok $? "no timestamp: ts is the current time ($(jget 'r["ts"]' <a.out))"
is "$(jget 'len(r["lines"])' <a.out)" 4 "no timestamp: the crash is assembled"
is "$(jget 'r["context"]' <a.out)" '["starting worker"]' "no timestamp: context"
sleep 1.1
cg plain.log >b.out 2>err
is "$(jget 'r["id"]' <b.out)" "$(jget 'r["id"]' <a.out)" \
	"no timestamp: the id is stable when the same input is read again"
is "$(jget 'r["fingerprint"]' <b.out)" "$(jget 'r["fingerprint"]' <a.out)" \
	"no timestamp: so is the fingerprint"
{ echo 'one more line first'; cat plain.log; } | cg >c.out 2>err
ok $([ "$(jget 'r["id"]' <c.out)" != "$(jget 'r["id"]' <a.out)" ]; echo $?) \
	"no timestamp: the same crash elsewhere in the input is another occurrence"

# --- malformed JSON is text
printf '%s\n' '{"message":"x", "broken": ' '{"message":"instance refused connection, in broken json' \
	'{"message":"ok"}' >broken.log
cg broken.log >out 2>err
is "$?" 0 "malformed JSON: exit 0, no complaint"
is "$(wc -c <err | tr -d ' ')" 0 "malformed JSON: nothing on stderr"
is "$(jget 'r["lines"][0]' <out)" '{"message":"instance refused connection, in broken json' \
	"malformed JSON: the line is matched as text"
is "$(jget 'r["rule"]' <out)" t.refused "malformed JSON: with the rule it matches"
recent "$(jget 'r["ts"]' <out)"
ok $? "malformed JSON: ts is the current time"

# --- fingerprints: same crash, other machine, other day, other addresses
FLY() { printf '%s app[%s] %s [info]%s\n' "$1" "$2" "$3" "$4"; }
{
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad 'panic: runtime error: index out of range [5] with length 3'
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad ''
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad 'goroutine 87 [running]:'
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad 'github.com/acme/shop/internal/pricing.(*Sync).apply(0xc0001c4000, {0xc000412000, 0x3, 0x4})'
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad '	/app/internal/pricing/sync.go:142 +0x3c5'
	FLY 2026-12-02T17:01:59Z e784e677f26d58 cdg 'panic: runtime error: index out of range [7] with length 2'
	FLY 2026-12-02T17:01:59Z e784e677f26d58 cdg ''
	FLY 2026-12-02T17:01:59Z e784e677f26d58 cdg 'goroutine 112 [running]:'
	FLY 2026-12-02T17:01:59Z e784e677f26d58 cdg 'github.com/acme/shop/internal/pricing.(*Sync).apply(0xc000a18000, {0xc0009e2000, 0x2, 0x2})'
	FLY 2026-12-02T17:01:59Z e784e677f26d58 cdg '	/app/internal/pricing/sync.go:145 +0x3d1'
	FLY 2026-12-02T17:05:00Z e784e677f26d58 cdg 'panic: runtime error: index out of range [7] with length 2'
	FLY 2026-12-02T17:05:00Z e784e677f26d58 cdg ''
	FLY 2026-12-02T17:05:00Z e784e677f26d58 cdg 'goroutine 112 [running]:'
	FLY 2026-12-02T17:05:00Z e784e677f26d58 cdg 'github.com/acme/shop/internal/cart.(*Cart).Add(0xc000a18000)'
	FLY 2026-12-02T17:05:00Z e784e677f26d58 cdg '	/app/internal/cart/cart.go:31 +0x3d1'
} >fp.log
cg fp.log >out 2>err
set -- $(jget 'r["fingerprint"]' <out)
is "$#" 3 "fingerprints: three crashes"
is "$1" "$2" "fingerprints: the same panic on another machine and day shares one"
ok $([ "$2" != "$3" ]; echo $?) "fingerprints: the same message from another function does not"
is "$(jget 'r["id"]' <out | sort -u | wc -l | tr -d ' ')" 3 "ids: one per occurrence"

# --- -a keeps the fields of log records it does not know
printf '%s\n' '{"type":"log","ts":"2026-11-28T03:45:13.123Z","app":"shop","instance":"148ed193b95e89","msg":"hello","trace_id":"4bf92f3577b34da6","labels":{"team":"payments"}}' \
	| cg -a >out 2>err
is "$(jget 'r.get("trace_id")' <out)" 4bf92f3577b34da6 "-a: an unknown field of a log record is kept"
is "$(jget 'r.get("labels")' <out)" '{"team": "payments"}' "-a: an unknown nested field is kept"
is "$(jget 'r["msg"]' <out)" hello "-a: the record is otherwise the same"

# --- --app fills in a missing app only
{
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad 'fatal error: text has no app'
	echo '{"event":{"provider":"app"},"fly":{"app":{"instance":"d8911e2a5b7c40","name":"api"},"region":"ord"},"host":"0ad1","log":{"level":"info"},"message":"fatal error: NATS names it","timestamp":"2026-11-28T03:50:01.690402037Z"}'
} | cg --app shop >out 2>err
is "$(jget 'r["app"]' <out | tr '\n' ' ')" "shop api " "--app: fills in the app of text lines, keeps NATS's"

# --- files and stdin: "-" reads stdin between files
printf '%s\n' "$(FLY 2026-11-28T03:45:14Z 148ed193b95e89 iad 'fatal error: from stdin')" |
	cg plain.log - fp.log >out 2>err
is "$(jget 'r["title"]' <out | tr '\n' '|')" \
	"no clock here|from stdin|runtime error: index out of range [5] with length 3|runtime error: index out of range [7] with length 2|runtime error: index out of range [7] with length 2|" \
	"files and -: read in order"

# --- the same input twice gives the same output
cg fp.log >once.out 2>err
cg fp.log >again.out 2>err
cmp -s once.out again.out
ok $? "the same input gives byte-identical output"

# --- size caps: a context line over 1 KiB, a crash line over 8 KiB
{
	FLY 2026-11-28T03:45:12Z 148ed193b95e89 iad "context $(head -c 5000 /dev/zero | tr '\0' c)"
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad "panic: big $(head -c 20000 /dev/zero | tr '\0' p)"
	FLY 2026-11-28T03:45:13Z 148ed193b95e89 iad "goroutine 1 [running]:"
} >caps.log
cg caps.log >out 2>err
n=$(jget 'len(r["context"][0].encode())' <out)
ok $((n > 1024 || n < 100)) "a long context line is cut to at most 1 KiB ($n bytes)"
n=$(jget 'len(r["lines"][0].encode())' <out)
ok $((n > 8192 || n < 1000)) "a long crash line is cut to at most 8 KiB ($n bytes)"
is "$(jget 'r.get("truncated")' <out)" true "a crash with a cut line says truncated"
n=$(jget 'len(r["title"].encode())' <out)
ok $((n > 8192)) "the title is cut too ($n bytes)"

# --- the shape of every record, on the samples with the built-in rules
cat >shape.py <<'EOF'
import json, re, sys
cats = set('oom panic signal exit restart-loop health resource dependency config deploy'.split())
acts = set('machine.restart machine.start machine.memory app.rollback notify github.pr '
           'github.issue escalate'.split())
ts = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$')
bad = []
for n, l in enumerate(open(sys.argv[1]), 1):
    r = json.loads(l)
    why = []
    if r.get('type') != 'crash': why.append('type')
    if not re.match(r'^c_[0-9a-f]{16}$', r.get('id', '')): why.append('id')
    if not re.match(r'^f_[0-9a-f]{16}$', r.get('fingerprint', '')): why.append('fingerprint')
    if not ts.match(r.get('ts', '')): why.append('ts')
    if 'last_ts' in r and not (ts.match(r['last_ts']) and r['last_ts'] >= r['ts']): why.append('last_ts')
    if r.get('category') not in cats: why.append('category')
    if r.get('severity') not in ('critical', 'error', 'warning'): why.append('severity')
    if not re.match(r'^[a-z0-9_-]+(\.[a-z0-9_-]+)+$', r.get('rule', '')): why.append('rule')
    if not isinstance(r.get('title'), str) or not r['title'] or r['title'] != r['title'].strip(): why.append('title')
    if not isinstance(r.get('lines'), list) or not r['lines'] or not all(isinstance(x, str) for x in r['lines']): why.append('lines')
    if not isinstance(r.get('context'), list) or len(r['context']) > 20: why.append('context')
    h = r.get('hint', {})
    if not h.get('cause') or not h.get('actions') or not set(h['actions']) <= acts: why.append('hint')
    if not r.get('instance') or not r.get('region'): why.append('instance/region')
    if why:
        bad.append('%d: %s' % (n, ','.join(why)))
print('; '.join(bad[:5]))
sys.exit(1 if bad else 0)
EOF
for f in "$TOP"/contrib/samples/*.log "$TOP"/contrib/samples/*.ndjson; do
	"$BIN/crashgrep" "$f" >s.out 2>/dev/null
	res=$(python3 shape.py s.out)
	ok $? "$(basename "$f"): every crash record has the documented shape $res"
done
done_testing
