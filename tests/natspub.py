#!/usr/bin/env python3
"""natspub.py - publish Fly-format log lines for tests, the way Fly's log
pipeline does: each line goes to NATS on logs.<app>.<region>.<instance>
as Fly's JSON (shared/reference/fly-platform.md section 1.5) and, with
--api, also to the fake log API (tests/server/flyapi.py), which keeps
history as Fly's does.

A raw NATS text-protocol client (CONNECT, PUB, PING/PONG): no library.
Only loopback URLs are accepted.

  natspub.py --url nats://127.0.0.1:P [--api http://127.0.0.1:Q]
      [--app shop]... [--region iad]... [--instances N] [--count N]
      [--prefix TEXT] [--raw SUBJECT PAYLOAD]... [--no-nats] [--size N]
      [--msg TEXT]... [--instance-id ID] [--nats-optional]

Messages are "<prefix> <seq>" with seq 0..count-1, spread round-robin over
apps x regions x instances (instance ids are 14 hex digits derived from
the app, region and index), each with a fresh nanosecond timestamp.
Prints nothing; exits 0 once the server answered a final PING.

--msg TEXT (repeatable) publishes exactly these messages, in order, on the
first app, region and instance (--instance-id names it) instead of the
numbered ones. --nats-optional: when NATS cannot be reached (the server
is down), the lines go to the log API only, as Fly's do.
"""
import argparse
import json
import socket
import sys
import time
import urllib.parse
import urllib.request


def instance_id(app, region, i):
    h = 0xcbf29ce484222325
    for c in ("%s/%s/%d" % (app, region, i)).encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%014x" % (h & 0xFFFFFFFFFFFFFF)


def ts_now():
    ns = time.time_ns()
    secs, frac = divmod(ns, 1000000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09dZ" % frac


def loopback(host):
    return host in ("127.0.0.1", "localhost", "::1")


class Nats:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        if not loopback(u.hostname):
            raise SystemExit("natspub: loopback only")
        self.s = socket.create_connection((u.hostname, u.port or 4222))
        self.f = self.s.makefile("rb")
        info = self.f.readline()
        if not info.startswith(b"INFO"):
            raise SystemExit("natspub: no INFO from server")
        conn = {"verbose": False, "pedantic": False, "name": "natspub"}
        if u.username:
            conn["user"] = urllib.parse.unquote(u.username)
            conn["pass"] = urllib.parse.unquote(u.password or "")
        self.buf = [b"CONNECT " + json.dumps(conn).encode() + b"\r\n"]
        self.n = 0

    def pub(self, subject, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.buf.append(b"PUB %s %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
        self.n += 1
        if self.n % 256 == 0:
            self.flush()

    def flush(self):
        if self.buf:
            self.s.sendall(b"".join(self.buf))
            self.buf = []

    def close(self):
        self.buf.append(b"PING\r\n")
        self.flush()
        while True:
            line = self.f.readline()
            if not line or line.startswith(b"PONG"):
                break
            if line.startswith(b"-ERR"):
                sys.stderr.write("natspub: %s\n" % line.decode().strip())
        self.s.close()


def post(api, app, entries):
    u = urllib.parse.urlsplit(api)
    if not loopback(u.hostname):
        raise SystemExit("natspub: loopback only")
    req = urllib.request.Request(api.rstrip("/") + "/_ctl/logs?app=" + app,
                                 data=json.dumps(entries).encode(), method="POST")
    urllib.request.urlopen(req).read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--api")
    ap.add_argument("--app", action="append")
    ap.add_argument("--region", action="append")
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--prefix", default="line")
    ap.add_argument("--size", type=int, default=0, help="pad messages to N bytes")
    ap.add_argument("--raw", nargs=2, action="append", default=[],
                    metavar=("SUBJECT", "PAYLOAD"))
    ap.add_argument("--no-nats", action="store_true",
                    help="only record in the log API (as if NATS lost them)")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--msg", action="append", default=[])
    ap.add_argument("--instance-id")
    ap.add_argument("--nats-optional", action="store_true")
    a = ap.parse_args()
    apps = a.app or ["shop"]
    regions = a.region or ["iad"]
    nc = None
    if not a.no_nats:
        try:
            nc = Nats(a.url)
        except OSError:
            if not a.nats_optional:
                raise
    streams = [(app, reg, a.instance_id or instance_id(app, reg, i))
               for app in apps for reg in regions for i in range(a.instances)]
    hist = {}
    seqs = range(len(a.msg)) if a.msg else range(a.start, a.start + a.count)
    for seq in seqs:
        app, reg, inst = streams[0] if a.msg else streams[seq % len(streams)]
        msg = a.msg[seq] if a.msg else "%s %d" % (a.prefix, seq)
        if a.size and len(msg) < a.size:
            msg += " " + "x" * (a.size - len(msg) - 1)
        ts = ts_now()
        body = {"event": {"provider": "app"},
                "fly": {"app": {"instance": inst, "name": app}, "region": reg},
                "host": "0ad1", "log": {"level": "info"},
                "message": msg, "timestamp": ts}
        if nc:
            nc.pub("logs.%s.%s.%s" % (app, reg, inst), json.dumps(body, separators=(",", ":")))
        hist.setdefault(app, []).append({"timestamp": ts, "message": msg,
                                         "instance": inst, "region": reg,
                                         "provider": "app", "level": "info"})
        if a.delay:
            if nc:
                nc.flush()
            time.sleep(a.delay)
    for subject, payload in a.raw:
        nc.pub(subject, payload)
    if nc:
        nc.close()
    if a.api:
        for app, entries in hist.items():
            for i in range(0, len(entries), 2000):
                post(a.api, app, entries[i:i + 2000])


if __name__ == "__main__":
    main()
