#!/usr/bin/env python3
"""soakpub.py - a steady stream of Fly-format log lines on NATS for
bench/soak.sh: RATE lines a second for SECONDS, ordinary traffic from
INSTANCES machines of APP, and every CRASH_EVERY seconds a crash on the
next machine in turn: a Go panic (10 lines and init's exit line), a Python
traceback (5 lines) or a Go "fatal error: out of memory" (4 lines), with
the crashing function taken in turn from WORDS names (so fingerprints keep
changing, and each comes back every len(WORDS) crashes), and every fifth
crash repeated on another machine a second later (two occurrences of one
incident). The crash lines count towards the rate.

Each crash carries a serial number ("order N") that fingerprints ignore
(numbers are normalized) and that bench/soak.sh looks for in crashgrep's
output: one line per crash "N INSTANCE KIND WORD" goes to --manifest.
At the end one line goes to stdout:

    published LINES lines (CRASHES crashes) in SECS s: RATE lines/s

Loopback only (the NATS client of tests/natspub.py).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
from natspub import Nats, instance_id, ts_now  # noqa: E402

WORDS = ["applyPrices", "chargeCard", "reserveStock", "mergeCart",
         "renderInvoice", "syncCatalog", "sendReceipt", "refundOrder",
         "loadSession", "indexSearch", "resizeImage", "exportLedger"]
TRAFFIC = [
    '"GET http://shop.fly.dev/products HTTP/1.1" from 172.16.8.151:47840 - 200 36494B in 5.454ms',
    '"POST http://shop.fly.dev/cart/items HTTP/1.1" from 172.16.6.156:49195 - 201 241B in 2.445ms',
    "cart: merged guest cart into user 50546 (5 items)",
    "db: slow query (310ms): SELECT id, sku, price_cents FROM products WHERE category_id = $1",
    "cache: products page hit ratio 0.89 over last 60s (1944 keys)",
    "stock: reserved 2 units of SKU-74511 for cart 210510",
    "session: issued token for user 47020, expires in 720h",
    "pricesync: 189 products updated, 0 errors",
]


def crash_lines(kind, word, serial):
    if kind == "panic":
        return ["panic: runtime error: index out of range [5] with length 3 (order %d)" % serial,
                "",
                "goroutine %d [running]:" % (80 + serial % 50),
                "github.com/acme/shop/internal/%s.(*Job).%s(0xc000010000, 0x3)" % (word.lower(), word),
                "\t/app/internal/%s/job.go:142 +0x1d" % word.lower(),
                "github.com/acme/shop/internal/worker.Run(0xc0000a4000)",
                "\t/app/internal/worker/run.go:57 +0x9c",
                "created by main.main in goroutine 1",
                "\t/app/main.go:31 +0x2a5",
                "exit status 2",
                " INFO Main child exited normally with code: 2"]
    if kind == "python":
        return ["Traceback (most recent call last):",
                '  File "/app/api/%s.py", line 12, in <module>' % word.lower(),
                "    value = settings[%r]" % word,
                "KeyError: '%s' (order %d)" % (word, serial),
                " INFO Main child exited normally with code: 1"]
    return ["fatal error: runtime: out of memory (order %d)" % serial,
            "",
            "goroutine %d [running]:" % (80 + serial % 50),
            "github.com/acme/shop/internal/%s.grow(0x40000000)" % word.lower()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--app", default="shop")
    ap.add_argument("--region", default="iad")
    ap.add_argument("--instances", type=int, default=6)
    ap.add_argument("--rate", type=float, default=2000)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--crash-every", type=float, default=3.0)
    ap.add_argument("--manifest", required=True)
    a = ap.parse_args()

    nc = Nats(a.url)
    insts = [instance_id(a.app, a.region, i) for i in range(a.instances)]
    man = open(a.manifest, "w")
    kinds = ["panic", "python", "oom"]
    pending = []          # (due time, instance, lines) crashes to publish
    lines = crashes = 0
    serial = 0
    tick = 0.01           # publish in 10 ms slices
    t0 = time.monotonic()
    next_crash = t0 + a.crash_every
    k = 0

    def pub(inst, msg):
        body = {"event": {"provider": "app"},
                "fly": {"app": {"instance": inst, "name": a.app}, "region": a.region},
                "host": "0ad1", "log": {"level": "info"},
                "message": msg, "timestamp": ts_now()}
        nc.pub("logs.%s.%s.%s" % (a.app, a.region, inst),
               json.dumps(body, separators=(",", ":")))

    while True:
        now = time.monotonic()
        el = now - t0
        if el >= a.seconds:
            break
        if now >= next_crash:
            kind = kinds[crashes % len(kinds)]
            word = WORDS[crashes % len(WORDS)]
            inst = insts[crashes % len(insts)]
            serial += 1
            pending.append((now, inst, crash_lines(kind, word, serial)))
            man.write("%d %s %s %s\n" % (serial, inst, kind, word))
            if crashes % 5 == 4:      # the same crash again elsewhere
                other = insts[(crashes + 1) % len(insts)]
                serial += 1
                pending.append((now + 1.0, other, crash_lines(kind, word, serial)))
                man.write("%d %s %s %s\n" % (serial, other, kind, word))
            crashes += 1
            next_crash += a.crash_every
        # the lines due by now at RATE
        due = int(el * a.rate) - lines
        for p in [p for p in pending if p[0] <= now]:
            pending.remove(p)
            for m in p[2]:
                pub(p[1], m)
            lines += len(p[2])
            due -= len(p[2])
        for _ in range(max(due, 0)):
            pub(insts[k % len(insts)], TRAFFIC[k % len(TRAFFIC)])
            k += 1
            lines += 1
        nc.flush()
        time.sleep(max(0.0, tick - (time.monotonic() - now)))
    for p in pending:          # crashes scheduled past the end
        for m in p[2]:
            pub(p[1], m)
        lines += len(p[2])
    nc.close()
    man.close()
    secs = time.monotonic() - t0
    print("published %d lines (%d crashes) in %.1f s: %.0f lines/s" %
          (lines, serial, secs, lines / secs))


if __name__ == "__main__":
    main()
