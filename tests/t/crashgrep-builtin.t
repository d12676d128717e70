#!/bin/bash
# The built-in rule library (rules/): every sample in contrib/samples/
# gives the crashes contrib/samples/README.md lists (category, machine,
# time, lines) and nothing on its benign lines; tests/data/benign.log gives
# nothing at all; `crashgrep --test` passes.
. "${TOP:?}/tests/lib.sh" || exit 1
cd "${T_TMP:?}" || exit 1
S="$TOP/contrib/samples"

"$BIN/crashgrep" --test >test.out 2>test.err
rc=$?
is "$rc" 0 "crashgrep --test passes with the built-in rules"
[ "$rc" = 0 ] || sed 's/^/# /' test.err | head -20
like "$(cat test.out)" '^[0-9]+ rules, [0-9]+ examples: 0 failed$' \
	"crashgrep --test: the summary line"
n=$(sed -n 's/^\([0-9]*\) rules.*/\1/p' test.out)
ok $((${n:-0} < 60)) "the built-in library is broad (${n:-0} rules)"
"$BIN/crashgrep" --list >list.out 2>list.err
is "$?" 0 "crashgrep --list: exit 0"
is "$(wc -l <list.out | tr -d ' ')" "${n:-x}" "crashgrep --list: one line per rule"
is "$(awk '{print $2}' list.out | sort -u | grep -cvxE 'oom|panic|signal|exit|restart-loop|health|resource|dependency|config|deploy')" 0 \
	"every built-in rule uses a category of the closed set"

"$BIN/crashgrep" "$TOP/tests/data/benign.log" "$TOP/tests/data/benign-fly.log" >benign.out 2>benign.err
is "$?" 0 "benign.log, benign-fly.log: exit 0"
is "$(wc -l <benign.out | tr -d ' ')" 0 "benign.log, benign-fly.log: no crash"
[ -s benign.out ] && jget 'r["rule"] + ": " + r["lines"][0][:100]' <benign.out | sed 's/^/# /'
"$BIN/crashgrep" -e "$TOP/tests/data/benign.log" >/dev/null 2>&1
is "$?" 1 "benign.log with -e: exit 1"

cat >check.py <<'EOF'
# check.py SAMPLE OUT: the crashes of SAMPLE against README.md's tables
import json, re, sys
sample, outf = sys.argv[1], sys.argv[2]
name = sample.rsplit('/', 1)[-1]
recs = [json.loads(l) for l in open(outf)]
crashes = [r for r in recs if r.get('type') == 'crash']
lines = [None]  # 1-based: (ts, instance, message)
cur = re.compile(r'^(\S+) \w*\[?(\w+)\]? \w+ \[\w+\](.*)$')
for raw in open(sample, encoding='utf-8'):
    raw = raw.rstrip('\n')
    if name.endswith('.ndjson'):
        o = json.loads(raw)
        lines.append((o['timestamp'], o['fly']['app']['instance'], o['message']))
    else:
        m = cur.match(raw)
        msg = m.group(3)
        if name == 'worker.log':      # legacy flyctl: one space after [level]
            msg = msg[1:] if msg.startswith(' ') else msg
        lines.append((m.group(1), m.group(2), msg))
fails = []
def test(cond, what):
    print(('ok' if cond else 'FAIL') + ' ' + what)
    if not cond:
        fails.append(what)
def msgs(a, b, inst, skip=()):
    return [lines[i][2] for i in range(a, b + 1) if lines[i][1] == inst and i not in skip]
def find(cat, inst, ts_prefix):
    for r in crashes:
        if r['category'] == cat and r.get('instance') == inst and r['ts'].startswith(ts_prefix):
            return r
    return None
def crash(cat, inst, ts, a, b, what, follow=None, title=None):
    """the crash must hold the machine's lines a..b in order, first; it may
    go on into the follow-up lines README names (exit, clean up, reboot,
    runner restart), and no further"""
    r = find(cat, inst, ts)
    test(r is not None, '%s: a %s crash on %s at %s' % (what, cat, inst, ts))
    if not r:
        return
    # leading blanks are compared loosely here: whether `fly logs` text
    # keeps them is tested in crashgrep-forms.t and test_logrec
    want = [l.lstrip(' ') for l in msgs(a, b, inst)]
    got = [l.lstrip(' ') for l in r['lines']]
    if want and want[0] == '' and got[:1] != ['']:
        want = want[1:]   # an empty line cannot start a crash
    test(got[:len(want)] == want, '%s: its lines start with lines %d-%d of the machine '
         '(%d lines)' % (what, a, b, len(want)))
    extra = got[len(want):]
    more = [l.lstrip(' ') for l in msgs(follow[0], follow[1], inst)] if follow else []
    test(all(l in more for l in extra),
         '%s: any further lines are its follow-up %s (%s)' % (what, follow,
         '; '.join(l[:50] for l in extra if l not in more)[:200]))
    if title:
        test(title in r['title'], '%s: title has %r (got %r)' % (what, title, r['title']))
    return r
def benign(nums, what):
    for n in nums:
        ts, inst, msg = lines[n]
        if sum(1 for l in lines[1:] if l[1] == inst and l[2] == msg) > 1:
            continue  # not unique: cannot tell which one a crash holds
        hit = [r for r in crashes if r.get('instance') == inst and msg in r['lines']]
        test(not hit, '%s (line %d) is in no crash' % (what, n))
def allowed_starts(ranges, what):
    ok = set()
    for a, b in ranges:
        for i in range(a, b + 1):
            ok.add((lines[i][1], lines[i][2]))
    extra = [r for r in crashes if (r.get('instance'), r['lines'][0]) not in ok
             and (r.get('instance'), ' ' + r['lines'][0]) not in ok]
    test(not extra, '%s: no crash outside the listed ones (%s)' % (
        what, '; '.join('%s %s' % (r['rule'], r['lines'][0][:60]) for r in extra[:3])))
pci = [i for i in range(1, len(lines)) if 'PCI: Fatal: No config space' in lines[i][2]]

if name == 'shop.log':
    A, E, C = '148ed193b95e89', 'e784e677f26d58', '91857e2fc03d68'
    r = crash('panic', A, '2026-11-28T03:45:13', 74, 104, 'Go panic', (105, 109),
              title='index out of range [5] with length 3')
    if r:
        test(r['lines'][0] == 'panic: runtime error: index out of range [5] with length 3',
             'Go panic: the first line')
    for ts, a, b in (('03:48:02', 158, 165), ('03:48:47', 186, 192), ('03:49:31', 209, 215)):
        crash('oom', E, '2026-11-28T' + ts, a, b, 'OOM kill at ' + ts, (a, b))
    r = find('oom', E, '2026-11-28T03:49:31')
    test(r is not None and ' INFO Process appears to have been OOM killed!' in
         [' ' + l if not l.startswith(' ') else l for l in r['lines']],
         'OOM kill at 03:49:31: the init lines 2 s later are part of it')
    fps = {find('oom', E, '2026-11-28T' + t)['fingerprint'] for t in
           ('03:48:02', '03:48:47', '03:49:31') if find('oom', E, '2026-11-28T' + t)}
    test(len(fps) == 1, 'the three OOM kills share one fingerprint')
    exits = [n for n in (259, 271, 283, 296, 308, 319, 331, 343, 354, 366, 378)]
    inside = sum(1 for n in exits if any(r.get('instance') == C and
                 lines[n][2].strip() in [l.strip() for l in r['lines']] and
                 r['ts'] <= lines[n][0] for r in crashes))
    test(inside == 11, 'crash loop: the 11 exits with code 1 are reported (%d)' % inside)
    first = [r for r in crashes if r.get('instance') == C and r['ts'].startswith('2026-11-28T03:51:58')]
    test(bool(first), 'crash loop: a crash at 03:51:58 on %s' % C)
    r = find('restart-loop', C, '2026-11-28T03:52:4')
    test(r is not None and 'machine has reached its max restart count (10)' in r['lines'],
         'crash loop: a restart-loop crash with the max-restart line at 03:52:41')
    benign(range(23, 33), 'the autostop sequence')
    benign((34, 128, 227, 389), 'a "0 errors" line')
    benign(pci, 'a PCI boot line')
    benign((54, 65, 66, 257), 'a benign warning')
    allowed_starts(((74, 110), (158, 165), (186, 192), (209, 215), (258, 382)), name)
elif name == 'api.ndjson':
    D, H = '6e82d4f0a91c35', 'd8911e2a5b7c40'
    fps = set()
    for ts, a, b, c in (('03:50:33', 51, 62, 69), ('03:50:38', 82, 93, 99),
                        ('03:50:42', 109, 120, 128), ('03:50:47', 141, 152, 160),
                        ('03:50:52', 172, 183, 192)):
        r = crash('panic', D, '2026-11-28T' + ts, a, b, 'traceback at ' + ts, (b + 1, c),
                  title="KeyError: 'DATABASE_URL'")
        if r:
            test(r['title'] == "KeyError: 'DATABASE_URL'", 'traceback at %s: the title is the '
                 'final exception line' % ts)
            fps.add(r['fingerprint'])
    test(len(fps) == 1, 'the five tracebacks share one fingerprint')
    refused = (50, 70, 81, 101, 129, 135, 159, 163, 171, 193, 195)
    got = sum(1 for n in refused if any(r['category'] == 'health' and r.get('instance') == D and
              lines[n][2] in r['lines'] and r['ts'] <= lines[n][0] for r in crashes))
    test(got == 11, 'the 11 "instance refused connection" lines are health crashes (%d)' % got)
    benign(range(30, 42), 'the deploy')
    benign((10, 156, 157), 'a benign line')
    benign([i for i in range(1, len(lines)) if lines[i][2].startswith('metrics\t')], 'a metrics line')
    benign(pci, 'a PCI boot line')
    allowed_starts(((51, 69), (82, 99), (109, 128), (141, 160), (172, 192), (43, 43), (108, 108)) +
                   tuple((n, n) for n in refused), name)
elif name == 'worker.log':
    J, N = '683d92dce34dd8', '4d891de5a23e87'
    r = crash('panic', J, '2023-11-15T03:55:24.114', 97, 118, 'Java exception', (119, 123),
              title='Exception')
    if r:
        test(r['lines'][0].startswith('Exception in thread "main" java.lang.IllegalStateException'),
             'Java exception: the first line')
        test(any(l.startswith('Caused by: com.fasterxml.jackson') for l in r['lines']),
             'Java exception: the whole Caused by: chain')
    r = crash('oom', N, '2023-11-15T03:57:41.514', 176, 198, 'Node.js heap OOM', (199, 203))
    if r:
        test('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'
             in r['lines'], 'Node.js heap OOM: the FATAL ERROR line')
    benign((36, 45, 64, 81), 'a benign line')
    benign(pci, 'a PCI boot line')
    allowed_starts(((97, 123), (176, 203)), name)
test(all(r.get('app', 'x') for r in crashes), 'crash records are well formed')
sys.exit(1 if fails else 0)
EOF
for f in shop.log api.ndjson worker.log; do
	"$BIN/crashgrep" "$S/$f" >"$f.out" 2>"$f.err"
	is "$?" 0 "$f: exit 0"
	python3 check.py "$S/$f" "$f.out" >"$f.check"
	while IFS= read -r line; do
		case "$line" in
		ok\ *) ok 0 "$f: ${line#ok }" ;;
		FAIL\ *) ok 1 "$f: ${line#FAIL }" ;;
		*) echo "# $line" ;;
		esac
	done <"$f.check"
done
done_testing
