#!/usr/bin/env python3
"""gen.py - make the large hostile inputs at test time (never committed),
and decode the corpus' .esc files. Output goes to stdout.

  gen.py unesc FILE [KEY=VALUE ...]  FILE with Python bytes escapes decoded
                                     (.esc files only) and each @KEY@
                                     replaced by VALUE
  gen.py bigline MB                  a Fly text log: a line, a panic whose
                                     first line is MB megabytes long, a
                                     normal panic after it
  gen.py instances N EVERY           N log lines of N distinct machines;
                                     every EVERY-th machine panics (its two
                                     stack lines come later, interleaved)
  gen.py bigrecord TYPE MB           a record of TYPE whose title is MB
                                     megabytes, then a normal one
  gen.py widecrash LINES KB          a Go crash of LINES stack lines of KB
                                     kilobytes each (a rule allows 1100)
  gen.py storm N                     N machines open a 3-line panic at once
                                     (line 1 of all, then line 2, line 3)
  gen.py incidents N                 N crash records of N distinct
                                     fingerprints at the same time
  gen.py deep N OPEN                 OPEN (e.g. '[' or '{"a":') N times
  gen.py hugepatch KB                a valid diff of one file, KB kilobytes
"""
import codecs
import json
import sys

W = sys.stdout.buffer.write
FLY = '2026-11-28T%02d:%02d:%02dZ app[%s] %s [info]'


def fly(sec, inst, msg, region='iad'):
    return (FLY % (3 + sec // 3600, sec // 60 % 60, sec % 60, inst, region) +
            msg + '\n').encode()


def unesc(path, subst):
    data = open(path, 'rb').read()
    if path.endswith('.esc'):
        data = codecs.escape_decode(data)[0]
    for kv in subst:
        k, v = kv.split('=', 1)
        data = data.replace(('@%s@' % k).encode(), v.encode())
    W(data)


def bigline(mb):
    m = '148ed193b95e89'
    W(fly(10, m, 'GET /checkout 200 in 12ms'))
    # written in pieces: no 100 MB string in this process either
    W(fly(11, m, 'panic: ')[:-1])
    chunk = b'x' * (1 << 20)
    for _ in range(mb):
        W(chunk)
    W(b'\n')
    W(fly(11, m, 'goroutine 1 [running]:'))
    W(fly(11, m, 'main.huge(0x1)'))
    for line in ('panic: after the long line', '', 'goroutine 1 [running]:',
                 'main.after(0x2)', '\t/app/after.go:7 +0x1d'):
        W(fly(13, 'e784e677f26d58', line))


def instances(n, every):
    regions = ('iad', 'cdg', 'nrt', 'syd')
    pending = []

    def line(i):
        sec = i * 3000 // n
        head = '2026-11-28T03:%02d:%02dZ app[%014x] %s [info]' % (
            sec // 60, sec % 60, 0x100000000000 + i * 7919, regions[i % 4])
        if i % every:
            return head + 'GET /api/items/%d 200 in 3.1ms\n' % i
        pending.append((head, i))
        out = head + 'panic: worker %d lost its queue\n' % i
        # the stack of the panic 50 machines earlier comes now: its lines
        # are interleaved with other machines' (the worst case)
        if len(pending) > 1 and i - pending[0][1] >= 50:
            h, j = pending.pop(0)
            out += h + 'goroutine 1 [running]:\n' + h + 'main.worker(%d)\n' % j
        return out
    for start in range(0, n, 100000):
        W(''.join([line(i) for i in range(start, min(n, start + 100000))])
          .encode())
    W(''.join(h + 'goroutine 1 [running]:\n' + h + 'main.worker(%d)\n' % j
              for h, j in pending).encode())


def bigrecord(typ, mb):
    base = ('{"type":"%s","incident":"i_%%016x","fingerprint":"f_%%016x",'
            '"app":"shop","instance":"148ed193b95e89","instances":'
            '["148ed193b95e89"],"ts":"2026-11-28T03:45:13Z","rule":"go.panic",'
            '"category":"panic","severity":"critical","actions":[{"action":'
            '"escalate","reason":"look"}],"title":"panic: %%s","lines":'
            '["panic: %%s"]}\n' % typ)
    head, tail = (base % (1, 1, '\x00', 'x')).split('\x00', 1)
    W(head.encode())
    chunk = b'x' * (1 << 20)
    for _ in range(mb):
        W(chunk)
    W(tail.encode())
    W((base % (2, 2, 'after the big record', 'after the big record')).encode())


def widecrash(lines, kb):
    m = '148ed193b95e89'
    W(fly(20, m, 'fatal error: concurrent map writes'))
    W(fly(20, m, ''))
    W(fly(20, m, 'goroutine 1 [running]:'))
    for i in range(lines // 2):
        W(fly(20, m, 'main.f%d(%s)' % (i, 'y' * (kb * 1024))))
        W(fly(20, m, '\t/app/%s.go:%d +0x1d' % ('z' * (kb * 1024), i)))
    W(fly(30, 'e784e677f26d58', 'panic: after the wide crash'))


def storm(n):
    out = []
    for k, t in enumerate(('panic: storm on worker %d', 'goroutine 1 [running]:',
                           'main.storm(%d)')):
        for i in range(n):
            out.append(fly(600 + k, '%014x' % (0x200000000000 + i),
                           t % i if '%d' in t else t))
    out.append(fly(700, 'e784e677f26d58', 'fatal error: after the storm'))
    W(b''.join(out))


def incidents(n):
    out = []
    for i in range(n):
        # fingerprints from letters: numbers would be normalized away
        w = ''.join(chr(97 + i // 26 ** k % 26) for k in range(3))
        out.append(json.dumps({
            "type": "crash", "id": "c_%016x" % i,
            "ts": "2026-11-28T03:45:13Z",
            "app": "shop", "instance": "%014x" % (0x300000000000 + i),
            "rule": "go.panic", "category": "panic", "severity": "critical",
            "fingerprint": "f_%016x" % (0xa00000000000 + i),
            "title": "panic: queue %s broke" % w,
            "lines": ["panic: queue %s broke" % w, "goroutine 1 [running]:"],
            "context": [], "hint": {"cause": "c", "actions": ["notify"]}})
            .encode() + b'\n')
    W(b''.join(out))


def deep(n, opening):
    W(opening.encode() * n + b'\n')


def hugepatch(kb):
    n = kb * 1024 // 80 + 1
    W(b'diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n')
    W(('@@ -1,1 +1,%d @@\n package main\n' % (n + 1)).encode())
    W(b''.join(b'+// a line of padding to make the patch huge: %08d ......'
               b'..........\n' % i for i in range(n)))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == 'unesc':
        unesc(a[1], a[2:])
    elif cmd == 'bigline':
        bigline(int(a[1]))
    elif cmd == 'instances':
        instances(int(a[1]), int(a[2]))
    elif cmd == 'bigrecord':
        bigrecord(a[1], int(a[2]))
    elif cmd == 'widecrash':
        widecrash(int(a[1]), int(a[2]))
    elif cmd == 'storm':
        storm(int(a[1]))
    elif cmd == 'incidents':
        incidents(int(a[1]))
    elif cmd == 'deep':
        deep(int(a[1]), a[2])
    elif cmd == 'hugepatch':
        hugepatch(int(a[1]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
