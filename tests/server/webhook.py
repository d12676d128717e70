#!/usr/bin/env python3
"""webhook.py - a fake Slack-compatible incoming webhook for remediate's
tests (shared/reference/protocols.md section 5). Listens on 127.0.0.1 only,
on a free port written to --port-file.

  POST /services/T000/B000/XXXX   JSON body; answers 200 "ok" and appends
                                  {"path","body","content_type","t"} to --log

Modes (POST /_ctl/mode {"mode": M, "count": N}, the next N posts):
  ok (default), 429 (with Retry-After: 0.2), 500 ("rollup_error"),
  400 ("invalid_payload"), 404 ("no_service"), drop (the post is read
  and logged, then the connection closes with no answer: delivered or
  not, the client cannot tell).
A body that is not JSON gets 400 "invalid_payload" as Slack does.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve import serve_loopback  # noqa: E402

LOCK = threading.Lock()
MODES = []
ARGS = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to every answer
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, text, headers=None):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        return status

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path == "/_ctl/mode":
            d = json.loads(raw)
            with LOCK:
                MODES.extend([d["mode"]] * int(d.get("count", 1)))
            self.reply(200, "ok")
            return
        with LOCK:
            mode = MODES.pop(0) if MODES else "ok"
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body,
                                    "mode": mode,
                                    "content_type": self.headers.get("Content-Type"),
                                    "t": time.time()}) + "\n")
        if body is None:
            self.reply(400, "invalid_payload")
        elif mode == "429":
            self.reply(429, "rate_limited", {"Retry-After": "0.2"})
        elif mode == "500":
            self.reply(500, "rollup_error")
        elif mode == "400":
            self.reply(400, "invalid_payload")
        elif mode == "404":
            self.reply(404, "no_service")
        elif mode == "drop":
            self.close_connection = True
        else:
            self.reply(200, "ok")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ARGS = ap.parse_args()
    open(ARGS.log, "a").close()
    serve_loopback(Handler, ARGS.port_file)


if __name__ == "__main__":
    sys.exit(main())
