#!/usr/bin/env python3
"""flyapi.py - a fake of the Fly.io HTTP APIs selfheal reads, for tests.

Listens on 127.0.0.1 only, on a free port written to --port-file. Speaks:

  GET /api/v1/apps/APP/logs?next_token=T[&instance=I][&region=R]
      Fly's log API (shared/reference/fly-platform.md section 3): entries
      with timestamp (ns) >= T, oldest first, at most --page-size a page,
      {"data":[{"id","type":"logs","attributes":{...}}],
       "meta":{"next_token":"<last ts + 1>"}} ("<last ts>" with
      --inclusive-token, so a client must drop the repeated entry). An
      empty next_token gives the newest --page-size entries of the last
      24 h. An empty page keeps the cursor (next_token "").
  GET /v1/apps/APP/machines[?region=R]           list machines
  GET /v1/apps/APP/machines/ID                   one machine
  GET /v1/apps/APP/machines/ID/events[?limit=N]  its events, newest first
  GET /v1/apps/APP/machines/ID/versions        its config versions, newest
                                               first: [{"version","user_config"}]
  POST /v1/apps/APP/machines/ID/lease          body {"ttl","description"}:
      201 {"status":"success","data":{"nonce",...}}; 409 when someone else
      holds it; with the fly-machine-lease-nonce header of the holder: a
      refresh (200)
  DELETE /v1/apps/APP/machines/ID/lease        needs the holder's nonce header
  POST /v1/apps/APP/machines/ID/restart[?signal=S&timeout=T]
  POST /v1/apps/APP/machines/ID/start          {"message","status","previous_state"}
  POST /v1/apps/APP/machines/ID/stop
  POST /v1/apps/APP/machines/ID                update: body {"config": full
      config, "current_version"?}; a config without "image" or "guest" is
      refused (422: no partial updates); a stale current_version gets 412;
      the machine gets the config, a new instance_id and version
  GET /v1/apps/APP/machines/ID/wait?[instance_id=I&]state=S&timeout=N
      200 {"ok":true,"state"} when the machine is in S, else 408 at once
  While a machine is leased, every mutating request without the holder's
  nonce gets 409. A mutating request on a started/stopped machine moves it
  to the state it asks for and then merges the machine's "x_after" object
  (test control, e.g. {"checks":[...]}) into it; "x_stuck": true keeps a
  machine from reaching "started" (its wait answers 408).

Authorization: with --auth VALUE every API request must carry exactly
"Authorization: VALUE", else 401 {"error":"Authenticate: token validation
error"}. Unknown apps and machines: 404.

Test control (not Fly's), under /_ctl/:
  POST /_ctl/logs?app=APP    body: JSON list of entries {timestamp (RFC 3339
                             or ns int; negative int = ms before now),
                             message, level, instance, region, provider}
  POST /_ctl/machines?app=APP  body: JSON list of machine objects; each
                             event's "timestamp" may be negative (ms before
                             now); replaces the app's machines
  POST /_ctl/fail            body: {"path": prefix, "status": 429|500|...,
                             "count": N, "retry_after": "1", "body": {...}}
                             the next N matching requests fail so
  POST /_ctl/fail            also "method" (only that method) and "delay"
                             (seconds to sleep first; with no "status" the
                             request is then served normally), and faults
                             of the answer:
                               "hang": S      answer nothing for S seconds,
                                              then close the connection
                               "raw": TEXT    this body (status 200 unless
                                              "status"): garbage, cut or
                                              wrongly shaped JSON
                               "truncate": N  Content-Length of the whole
                                              body, only N bytes of it sent,
                                              then the connection closed
                               "apply": true  the request is carried out
                                              first (the machine restarts),
                                              then the answer is spoiled by
                                              hang/raw/truncate
  POST /_ctl/auth            body: {"auth": VALUE or null}
  POST /_ctl/lease?app=APP&machine=ID   body {"nonce": N or null}: someone
                             else (a deploy) holds the lease, or nobody
  POST /_ctl/patch?app=APP&machine=ID   body: fields merged into the machine
  GET  /_ctl/stats           request counts

Every request (control ones excepted) is appended to --log as one JSON
line: {"method","path","query","auth","status","t"}, plus "nonce" (the
fly-machine-lease-nonce header) and "body" (a request's JSON body) when
present. Nothing here ever
binds to anything but 127.0.0.1.
"""
import argparse
import datetime
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve import serve_loopback  # noqa: E402

LOCK = threading.RLock()  # send_json logs while a route holds it
LOGS = {}        # app -> sorted list of (ts_ns, seq, entry)
MACHINES = {}    # app -> list of machine dicts
FAILS = []       # [{"path","status","count","retry_after","body"}]
LEASES = {}      # (app, id) -> {"nonce","expires_at","owner","description"}
STATE = {"auth": None, "seq": 0, "requests": 0}
ARGS = None


def now_ns():
    return time.time_ns()


def parse_ts(v):
    """RFC 3339 string -> (ns, original string); int ns; negative = ms ago."""
    if isinstance(v, (int, float)):
        if v < 0:
            ns = now_ns() + int(v) * 1000000
        else:
            ns = int(v)
        return ns, fmt_ns(ns)
    s = str(v)
    frac = 0
    base = s
    if "." in s:
        base, rest = s.split(".", 1)
        digits = ""
        for c in rest:
            if c.isdigit():
                digits += c
            else:
                break
        frac = int((digits + "000000000")[:9])
        base = base + rest[len(digits):]
    base = base.replace("Z", "+00:00")
    dt = datetime.datetime.fromisoformat(base)
    ns = int(dt.timestamp()) * 1000000000 + frac
    return ns, s


def fmt_ns(ns):
    secs, frac = divmod(ns, 1000000000)
    dt = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def entry_json(seq, ts_s, e):
    prov = e.get("provider", "app")
    inst = e.get("instance", "")
    reg = e.get("region", "")
    return {
        "id": "log_%d" % seq,
        "type": "logs",
        "attributes": {
            "timestamp": ts_s,
            "message": e.get("message", ""),
            "level": e.get("level", "info"),
            "instance": inst,
            "region": reg,
            "meta": {
                "instance": inst,
                "region": reg,
                "event": {"provider": prov},
                "http": {"request": {"id": "", "method": "", "version": ""},
                         "response": {"status_code": 0}},
                "error": {"code": 0, "message": ""},
                "url": {"full": ""},
            },
        },
    }


def fix_machine(m):
    m = json.loads(json.dumps(m))
    for ev in m.get("events", []) or []:
        t = ev.get("timestamp")
        if isinstance(t, (int, float)) and t < 0:
            ev["timestamp"] = now_ns() // 1000000 + int(t)
    m.setdefault("events", [])
    m["events"].sort(key=lambda e: -e.get("timestamp", 0))
    return m


def versions_of(m):
    if "versions" in m:
        return m["versions"]
    return [{"version": m.get("version") or m.get("instance_id") or "01CURRENT",
             "user_config": m.get("config", {})}]


def after(m):
    """A machine just acted on: test-controlled fields follow."""
    for k, v in (m.get("x_after") or {}).items():
        m[k] = v


def clean(m):
    return {k: v for k, v in m.items() if not k.startswith("x_") and k != "versions"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to every answer
    disable_nagle_algorithm = True
    server_version = "fakefly/1"

    def log_message(self, fmt, *a):
        pass

    def send_json(self, status, obj, headers=None):
        self.last_status = status
        body = json.dumps(obj).encode()
        # logged before the answer leaves: a client's next request (on
        # another connection, another thread) cannot be logged first
        if getattr(self, "pending", None):
            u, b = self.pending
            self.pending = None
            self.record(u, status if not getattr(self, "spoil", None) or
                        "hang" not in self.spoil or self.spoil.get("apply")
                        else 0, b)
        f = getattr(self, "spoil", None)
        if f and "hang" in f:
            # done (with "apply"), but no answer comes: the handler sleeps
            # once the request is logged (outside the lock), then hangs up
            self.hang = float(f["hang"])
            self.close_connection = True
            return status if f.get("apply") else 0
        if f and "raw" in f:
            body = f["raw"].encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("fly-request-id", "01FAKE%06d-iad" % STATE["requests"])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if f and f.get("truncate") is not None and f["truncate"] < len(body):
            self.wfile.write(body[:int(f["truncate"])])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(body)
        return status

    def injected(self, f):
        """A failure instead of the answer (fail_for gave f)."""
        self.spoil = f
        hdr = {}
        if f.get("retry_after") is not None:
            hdr["Retry-After"] = str(f["retry_after"])
        return self.send_json(int(f.get("status", 200)), f.get("body") or
                              {"error": "injected failure"}, hdr)

    def record(self, u, status, body=None):
        rec = {"method": self.command, "path": u.path, "query": u.query,
               "auth": self.headers.get("Authorization"), "status": status,
               "t": time.time()}
        if self.headers.get("fly-machine-lease-nonce") is not None:
            rec["nonce"] = self.headers.get("fly-machine-lease-nonce")
        if body is not None:
            rec["body"] = body
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"null")

    def linger(self):
        if self.hang:
            time.sleep(self.hang)

    def do_POST(self):
        self.spoil, self.hang, self.pending = None, 0, None
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if not u.path.startswith("/_ctl/"):
            self.mutating(u, q)
            return
        data = self.body()
        with LOCK:
            if u.path == "/_ctl/logs":
                app = q["app"][0]
                lst = LOGS.setdefault(app, [])
                for e in data:
                    ns, s = parse_ts(e.get("timestamp", -0))
                    STATE["seq"] += 1
                    lst.append((ns, STATE["seq"], entry_json(STATE["seq"], s, e)))
                lst.sort(key=lambda x: (x[0], x[1]))
            elif u.path == "/_ctl/machines":
                MACHINES[q["app"][0]] = [fix_machine(m) for m in data]
            elif u.path == "/_ctl/fail":
                FAILS.append(dict(data))
            elif u.path == "/_ctl/auth":
                STATE["auth"] = data.get("auth")
            elif u.path == "/_ctl/lease":
                key = (q["app"][0], q["machine"][0])
                if data.get("nonce"):
                    LEASES[key] = {"nonce": data["nonce"], "owner": "deploy@example.com",
                                   "description": "flyctl deploy",
                                   "expires_at": int(time.time()) + 600}
                else:
                    LEASES.pop(key, None)
            elif u.path == "/_ctl/patch":
                for m in MACHINES.get(q["app"][0], []):
                    if m.get("id") == q["machine"][0]:
                        m.update(fix_machine(data) if "events" in data else data)
        self.send_json(200, {"ok": True})

    def fail_for(self, path):
        with LOCK:
            for f in FAILS:
                if (path.startswith(f.get("path", "")) and f.get("count", 1) > 0
                        and f.get("method", self.command) == self.command):
                    f["count"] = f.get("count", 1) - 1
                    f = dict(f)
                    break
            else:
                return None
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        spoils = ("status", "hang", "raw", "truncate")
        return f if any(k in f for k in spoils) else None

    def do_GET(self):
        self.spoil, self.hang, self.pending = None, 0, None
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        if u.path == "/_ctl/stats":
            self.send_json(200, {"requests": STATE["requests"]})
            return
        with LOCK:
            STATE["requests"] += 1
        self.pending = (u, None)
        st = self.route(u, q)
        if self.pending:
            self.pending = None
            self.record(u, st)
        self.linger()

    def route(self, u, q):
        self.spoil = None
        f = self.fail_for(u.path)
        if f and not f.get("apply"):
            return self.injected(f)
        self.spoil = f
        auth = STATE["auth"]
        if auth is not None and self.headers.get("Authorization") != auth:
            return self.send_json(401, {"error": "Authenticate: token validation error"})
        parts = [p for p in u.path.split("/") if p]
        # /api/v1/apps/APP/logs
        if len(parts) == 5 and parts[:3] == ["api", "v1", "apps"] and parts[4] == "logs":
            return self.logs(urllib.parse.unquote(parts[3]), q)
        # /v1/apps/APP/machines[/ID[/events]]
        if len(parts) >= 4 and parts[:2] == ["v1", "apps"] and parts[3] == "machines":
            app = urllib.parse.unquote(parts[2])
            if app not in MACHINES:
                return self.send_json(404, {"error": "app not found"})
            ms = MACHINES[app]
            if len(parts) == 4:
                reg = q.get("region", [""])[0]
                return self.send_json(200, [clean(m) for m in ms
                                            if not reg or m.get("region") == reg])
            mid = parts[4]
            m = next((m for m in ms if m.get("id") == mid), None)
            if m is None:
                return self.send_json(404, {"error": "machine not found"})
            if len(parts) == 5:
                return self.send_json(200, clean(m))
            if len(parts) == 6 and parts[5] == "events":
                lim = int(q.get("limit", ["20"])[0] or 20)
                evs = m.get("all_events", m.get("events", []))
                evs = sorted(evs, key=lambda e: -e.get("timestamp", 0))
                return self.send_json(200, evs[:lim])
            if len(parts) == 6 and parts[5] == "versions":
                return self.send_json(200, versions_of(m))
            if len(parts) == 6 and parts[5] == "wait":
                want = q.get("state", ["started"])[0].split(",")
                inst = q.get("instance_id", [""])[0]
                if (m.get("state") in want and not m.get("x_stuck") and
                        (not inst or inst == m.get("instance_id"))):
                    return self.send_json(200, {"ok": True, "state": m["state"]})
                return self.send_json(408, {"error": "deadline_exceeded: machine "
                                            "did not reach the state in time"})
        return self.send_json(404, {"error": "not found"})

    def do_DELETE(self):
        self.spoil, self.hang, self.pending = None, 0, None
        u = urllib.parse.urlsplit(self.path)
        self.mutating(u, urllib.parse.parse_qs(u.query))

    def mutating(self, u, q):
        with LOCK:
            STATE["requests"] += 1
        try:
            body = self.body()
        except ValueError:
            body = "(not JSON)"
        self.last_status = 0
        self.pending = (u, body)
        try:
            st = self.route_mut(u, q, body)
        except (BrokenPipeError, ConnectionResetError):
            # the client went away (killed): the request still happened
            st = self.last_status
            self.close_connection = True
        if self.pending:
            self.pending = None
            self.record(u, st, body)
        self.linger()

    def route_mut(self, u, q, body):
        self.spoil = None
        f = self.fail_for(u.path)
        if f and not f.get("apply"):
            return self.injected(f)
        self.spoil = f
        auth = STATE["auth"]
        if auth is not None and self.headers.get("Authorization") != auth:
            return self.send_json(401, {"error": "Authenticate: token validation error"})
        parts = [p for p in u.path.split("/") if p]
        if not (len(parts) in (5, 6) and parts[:2] == ["v1", "apps"] and
                parts[3] == "machines"):
            return self.send_json(404 if self.command == "POST" else 405,
                                  {"error": "not found"})
        app = urllib.parse.unquote(parts[2])
        with LOCK:
            m = next((m for m in MACHINES.get(app, []) if m.get("id") == parts[4]), None)
            if m is None:
                return self.send_json(404, {"error": "machine not found"})
            sub = parts[5] if len(parts) == 6 else ""
            key = (app, m["id"])
            nonce = self.headers.get("fly-machine-lease-nonce")
            lease = LEASES.get(key)
            if lease and lease["expires_at"] < time.time():
                LEASES.pop(key)
                lease = None
            if sub == "lease":
                return self.lease(key, lease, nonce, body)
            if lease and nonce != lease["nonce"]:
                return self.send_json(409, {"error": "lease currently held by "
                                            "%s" % lease["owner"]})
            if self.command != "POST":
                return self.send_json(405, {"error": "method not allowed"})
            if sub == "restart":
                m["state"] = "started"
                m.setdefault("x_restarts", 0)
                m["x_restarts"] += 1
                after(m)
                return self.send_json(200, {"ok": True})
            if sub == "start":
                prev = m.get("state")
                m["state"] = "started"
                after(m)
                return self.send_json(200, {"message": "", "status": "started",
                                            "previous_state": prev})
            if sub == "stop":
                m["state"] = "stopped"
                return self.send_json(200, {"ok": True})
            if sub == "":
                cfg = body.get("config") if isinstance(body, dict) else None
                if not isinstance(cfg, dict) or "image" not in cfg or "guest" not in cfg:
                    return self.send_json(422, {"error": "config must be complete: "
                                                "no partial updates"})
                cv = body.get("current_version")
                if cv and cv != m.get("instance_id"):
                    return self.send_json(412, {"error": "current_version is stale"})
                vs = versions_of(m)
                STATE["seq"] += 1
                ver = "01J%023d" % (int(time.time() * 1000) * 1000 + STATE["seq"])
                m["config"] = cfg
                m["instance_id"] = ver
                m["version"] = ver
                m["updated_at"] = fmt_ns(now_ns())
                m["state"] = "started"
                m["versions"] = [{"version": ver, "user_config": cfg}] + vs
                after(m)
                return self.send_json(200, clean(m))
        return self.send_json(404, {"error": "not found"})

    def lease(self, key, lease, nonce, body):
        if self.command == "DELETE":
            if not lease or nonce != lease["nonce"]:
                return self.send_json(409, {"error": "lease not held with this nonce"})
            LEASES.pop(key)
            return self.send_json(200, {"status": "success"})
        if lease and nonce != lease["nonce"]:
            return self.send_json(409, {"error": "lease currently held by %s, "
                                        "expires at %d" % (lease["owner"],
                                                           lease["expires_at"])})
        ttl = int((body or {}).get("ttl") or 30) if isinstance(body, dict) else 30
        STATE["seq"] += 1
        new = {"nonce": lease["nonce"] if lease else "n%011x" % (STATE["seq"] * 7919),
               "expires_at": int(time.time()) + ttl, "owner": "test@example.com",
               "description": (body or {}).get("description", "") if isinstance(body, dict) else ""}
        LEASES[key] = new
        return self.send_json(200 if lease else 201,
                              {"status": "success", "data": dict(new, version="01LEASE")})

    def logs(self, app, q):
        if app not in LOGS and app not in ARGS.apps:
            return self.send_json(404, {"error": "Could not find App"})
        tok = q.get("next_token", [None])[0]
        if tok is None:
            return self.send_json(400, {"error": "next_token missing"})
        inst = q.get("instance", [""])[0]
        reg = q.get("region", [""])[0]
        with LOCK:
            lst = [x for x in LOGS.get(app, [])
                   if (not inst or x[2]["attributes"]["instance"] == inst) and
                   (not reg or x[2]["attributes"]["region"] == reg)]
        if tok == "":
            since = now_ns() - 24 * 3600 * 1000000000
            page = [x for x in lst if x[0] >= since][-ARGS.page_size:]
        else:
            t = int(tok)
            page = [x for x in lst if x[0] >= t][:ARGS.page_size]
        nxt = ""
        if page:
            nxt = str(page[-1][0] + (0 if ARGS.inclusive_token else 1))
        return self.send_json(200, {"data": [x[2] for x in page],
                                    "meta": {"next_token": nxt}})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--inclusive-token", action="store_true")
    ap.add_argument("--auth", default=None)
    ap.add_argument("--app", dest="apps", action="append", default=[])
    ARGS = ap.parse_args()
    STATE["auth"] = ARGS.auth
    open(ARGS.log, "a").close()
    serve_loopback(Handler, ARGS.port_file)


if __name__ == "__main__":
    sys.exit(main())
