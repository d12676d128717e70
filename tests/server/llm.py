#!/usr/bin/env python3
"""llm.py - a fake LLM endpoint for diagnose's tests, speaking both
OpenAI Chat Completions and Anthropic Messages
(shared/reference/protocols.md sections 1 and 2), replaying a script.

Listens on 127.0.0.1 only, on a free port written to --port-file.

  POST /v1/chat/completions   OpenAI: Authorization: Bearer KEY (with --key)
  POST /v1/messages           Anthropic: x-api-key: KEY (with --key) and
                              anthropic-version (required)

Checks made as the real services do, with their error envelopes: key
(401), JSON body, model (404 when --model names another), messages
present (400), OpenAI: every assistant tool_call id answered by a "tool"
message right after it and no "tool" message without a matching
tool_call_id (400); Anthropic: max_tokens present, no "system" role in
messages, first message from the user, tool_result ids matching the
previous assistant's tool_use ids (400).

The script (--script FILE, JSON) is a list of steps consumed in order,
one per request, across all conversations; when it runs out the
"default" step repeats:

  {"steps": [STEP, ...], "default": STEP,
   "reject": ["response_format", "tools"],   # 400 when a request has them
   "when": [{"contains": "TEXT", "step": STEP}, ...]}
                                  # a request whose body holds TEXT gets
                                  # that STEP (first match), outside the
                                  # sequence: a fault per incident

  STEP keys (all optional):
    "content": "text"               final answer text
    "json": {...}                   final answer = this object as JSON
    "tool_calls": [{"name": N, "arguments": OBJ-or-STRING, "id": ID}]
    "status": 429|500|529|...       an error with the provider's envelope
    "error_type", "message", "code" for the envelope
    "headers": {"Retry-After": "1"} extra response headers
    "hang": SECONDS                 accept, answer nothing for SECONDS,
                                    then drop the connection
    "raw": "text"                   200 with this body as text/html (or
                                    as "ctype"): garbage, truncated or
                                    wrongly shaped JSON
    "truncate": N                   send only the first N bytes of the body
                                    (Content-Length says the whole), then
                                    close: a connection cut mid-body
    "usage": {"in": N, "out": N}    token counts (default: estimates)
    "refusal": "text"               OpenAI message.refusal

Every request is appended to --log as one JSON line: {"path", "headers"
(lower-case names), "body" (parsed, or the raw text), "status", "step",
"usage" ([in, out] as answered), "t"}.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"n": 0, "ids": 0}
ARGS = None
SCRIPT = {}
STOP = threading.Event()


def next_step(raw=""):
    for w in SCRIPT.get("when", []):
        if w["contains"] in raw:
            return "when:" + w["contains"], w["step"]
    with LOCK:
        i = STATE["n"]
        STATE["n"] += 1
    steps = SCRIPT.get("steps", [])
    if i < len(steps):
        return i, steps[i]
    return i, SCRIPT.get("default", {"content": "{}"})


def new_id(prefix):
    with LOCK:
        STATE["ids"] += 1
        return "%s%06d" % (prefix, STATE["ids"])


def log(rec):
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(rec) + "\n")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, obj, headers=None, ctype="application/json"):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", "req_" + str(STATE["n"]))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        cut = getattr(self, "cut", None)
        if cut is not None and cut < len(body):
            # promised the whole body, send part of it, hang up
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.rec["truncated"] = cut
        else:
            self.wfile.write(body)
        self.rec["status"] = status
        log(self.rec)

    # ---- errors in each provider's envelope
    def oai_err(self, status, msg, typ="invalid_request_error", param=None,
                code=None, headers=None):
        self.send(status, {"error": {"message": msg, "type": typ,
                                     "param": param, "code": code}}, headers)

    def ant_err(self, status, msg, typ="invalid_request_error", headers=None):
        self.send(status, {"type": "error", "error": {"type": typ,
                                                      "message": msg},
                           "request_id": "req_x"}, headers)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        self.raw = raw
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        self.rec = {"path": self.path, "t": time.time(),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body, "step": None}
        if self.path == "/v1/chat/completions":
            self.openai(body)
        elif self.path == "/v1/messages":
            self.anthropic(body)
        else:
            self.send(404, {"error": {"message": "no route", "type":
                                      "invalid_request_error", "param": None,
                                      "code": None}})

    # ---- OpenAI
    def openai(self, body):
        auth = self.headers.get("Authorization")
        if ARGS.key and auth != "Bearer " + ARGS.key:
            return self.oai_err(401, "Incorrect API key provided",
                                code="invalid_api_key")
        if not isinstance(body, dict):
            return self.oai_err(400, "We could not parse the JSON body")
        if ARGS.model and body.get("model") != ARGS.model:
            return self.oai_err(404, "The model `%s` does not exist" %
                                body.get("model"), code="model_not_found")
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            return self.oai_err(400, "'messages' is a required property",
                                param="messages")
        pending = []
        for i, m in enumerate(msgs):
            role = m.get("role")
            if role == "tool":
                tid = m.get("tool_call_id")
                if not tid or tid not in pending:
                    return self.oai_err(400, "messages[%d]: tool message "
                                        "without a matching tool_call_id" % i,
                                        param="messages")
                pending.remove(tid)
                continue
            if pending:
                return self.oai_err(400, "An assistant message with "
                                    "'tool_calls' must be followed by tool "
                                    "messages responding to each "
                                    "'tool_call_id'", param="messages")
            if role == "assistant":
                for tc in m.get("tool_calls") or []:
                    if not isinstance(tc.get("function", {}).get("arguments"),
                                      str):
                        return self.oai_err(400, "arguments must be a string",
                                            param="messages")
                    pending.append(tc.get("id"))
            elif role not in ("system", "developer", "user"):
                return self.oai_err(400, "bad role %r" % role,
                                    param="messages")
        for feat in SCRIPT.get("reject", []):
            if feat in body:
                return self.oai_err(400, "Unsupported parameter: '%s' is not "
                                    "supported with this model." % feat,
                                    param=feat, code="unsupported_parameter")
        i, st = next_step(self.raw)
        self.rec["step"] = i
        if self.common(st, self.oai_err):
            return
        msg = {"role": "assistant", "content": None, "refusal":
               st.get("refusal")}
        finish = "stop"
        if st.get("tool_calls"):
            calls = []
            for c in st["tool_calls"]:
                a = c.get("arguments", {})
                calls.append({"id": c.get("id") or new_id("call_"),
                              "type": "function",
                              "function": {"name": c["name"], "arguments":
                                           a if isinstance(a, str) else
                                           json.dumps(a)}})
            msg["tool_calls"] = calls
            finish = "tool_calls"
        else:
            msg["content"] = self.text(st)
        u = self.usage(st, body, msg["content"] or "")
        self.rec["usage"] = u
        self.send(200, {"id": new_id("chatcmpl-"), "object": "chat.completion",
                        "created": int(time.time()), "model": body["model"],
                        "choices": [{"index": 0, "message": msg,
                                     "finish_reason": finish,
                                     "logprobs": None}],
                        "usage": {"prompt_tokens": u[0],
                                  "completion_tokens": u[1],
                                  "total_tokens": u[0] + u[1]}},
                  st.get("headers"))

    # ---- Anthropic
    def anthropic(self, body):
        if ARGS.key and self.headers.get("x-api-key") != ARGS.key:
            return self.ant_err(401, "invalid x-api-key",
                                "authentication_error")
        if not self.headers.get("anthropic-version"):
            return self.ant_err(400, "anthropic-version: header is required")
        if not isinstance(body, dict):
            return self.ant_err(400, "invalid JSON body")
        for k in ("model", "max_tokens", "messages"):
            if k not in body:
                return self.ant_err(400, "%s: Field required" % k)
        if ARGS.model and body["model"] != ARGS.model:
            return self.ant_err(404, "model: %s" % body["model"],
                                "not_found_error")
        msgs = body["messages"]
        if not msgs or msgs[0].get("role") != "user":
            return self.ant_err(400, "messages: first message must use the "
                                "\"user\" role")
        uses = []
        for i, m in enumerate(msgs):
            role, content = m.get("role"), m.get("content")
            if role not in ("user", "assistant"):
                return self.ant_err(400, "messages.%d.role: Input should be "
                                    "'user' or 'assistant'" % i)
            blocks = content if isinstance(content, list) else []
            if role == "user":
                got = [b.get("tool_use_id") for b in blocks
                       if b.get("type") == "tool_result"]
                if sorted(got) != sorted(uses):
                    return self.ant_err(400, "messages.%d: tool_use ids were "
                                        "found without tool_result blocks "
                                        "immediately after" % i)
                uses = []
            else:
                uses = [b.get("id") for b in blocks
                        if b.get("type") == "tool_use"]
        if uses:
            return self.ant_err(400, "last message has unanswered tool_use")
        if any(m.get("content") in ("", []) for m in msgs):
            return self.ant_err(400, "messages: text content blocks must be "
                                "non-empty")
        i, st = next_step(self.raw)
        self.rec["step"] = i
        if self.common(st, self.ant_err):
            return
        content = []
        stop = "end_turn"
        if st.get("tool_calls"):
            for c in st["tool_calls"]:
                a = c.get("arguments", {})
                if isinstance(a, str):
                    try:
                        a = json.loads(a)
                    except ValueError:
                        a = {"_unparsed": a}
                content.append({"type": "tool_use", "id": c.get("id") or
                                new_id("toolu_"), "name": c["name"],
                                "input": a})
            stop = "tool_use"
        else:
            content.append({"type": "text", "text": self.text(st)})
        u = self.usage(st, body, json.dumps(content))
        self.rec["usage"] = u
        self.send(200, {"id": new_id("msg_"), "type": "message",
                        "role": "assistant", "model": body["model"],
                        "content": content, "stop_reason": stop,
                        "stop_sequence": None,
                        "usage": {"input_tokens": u[0],
                                  "output_tokens": u[1]}},
                  st.get("headers"))

    # ---- shared
    def common(self, st, err):
        self.cut = st.get("truncate")
        if "hang" in st:
            # logged when the hang starts, so a test can wait for it
            self.rec["status"] = "hang"
            log(self.rec)
            STOP.wait(float(st["hang"]))
            self.close_connection = True
            return True
        if "raw" in st:
            self.send(int(st.get("status", 200)), st["raw"].encode(),
                      st.get("headers"), st.get("ctype", "text/html"))
            return True
        if st.get("status"):
            s = int(st["status"])
            typ = st.get("error_type") or {400: "invalid_request_error",
                                           429: "rate_limit_error",
                                           500: "api_error",
                                           529: "overloaded_error"}.get(
                                               s, "api_error")
            if err == self.oai_err:
                typ = st.get("error_type") or {
                    429: "requests", 500: "server_error"}.get(s, typ)
                err(s, st.get("message", "scripted error %d" % s), typ,
                    None, st.get("code"), st.get("headers"))
            else:
                err(s, st.get("message", "scripted error %d" % s), typ,
                    st.get("headers"))
            return True
        return False

    @staticmethod
    def text(st):
        if "json" in st:
            return json.dumps(st["json"])
        return st.get("content", "")

    @staticmethod
    def usage(st, body, out):
        u = st.get("usage") or {}
        return (int(u.get("in", len(json.dumps(body)) // 4)),
                int(u.get("out", len(out) // 4 + 1)))


def main():
    global ARGS, SCRIPT
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--key")
    p.add_argument("--model")
    ARGS = p.parse_args()
    with open(ARGS.script) as f:
        SCRIPT = json.load(f)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    open(ARGS.log, "a").close()
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    try:
        srv.serve_forever(poll_interval=0.05)
    finally:
        STOP.set()


if __name__ == "__main__":
    sys.exit(main())
