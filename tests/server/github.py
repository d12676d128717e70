#!/usr/bin/env python3
"""github.py - a fake GitHub REST API for remediate's github.pr and
github.issue tests (shared/reference/protocols.md section 4). Listens on
127.0.0.1 only, on a free port written to --port-file; keeps repositories,
pull requests, issues, comments and labels in memory; appends every API
request to --log as one JSON line:

  {"method","path","query":{k:v},"headers":{authorization,user-agent,
   accept,x-github-api-version,content-type},"body":JSON|null,"status"}

API (also under /api/v3, as GitHub Enterprise Server serves it):
  GET  /repos/O/R                       default_branch, permissions, archived
  GET  /repos/O/R/pulls?state&head&per_page&page     Link pagination
  POST /repos/O/R/pulls                 422 "A pull request already exists
                                        for O:BRANCH." when one is open; 422
                                        head invalid when --git-dir lacks the
                                        branch
  GET  /repos/O/R/issues?state&labels&per_page&page  (PRs included, as
                                        GitHub does, with "pull_request")
  POST /repos/O/R/issues
  GET|POST /repos/O/R/issues/N/comments
  POST /repos/O/R/issues/N/labels
  GET  /repos/O/R/labels/NAME           404 when missing
  POST /repos/O/R/labels                422 already_exists
  GET  /search/issues?q=repo:O/R is:issue|is:pr is:open label:L "text"

Checks on every API request: Authorization "Bearer TOKEN" or "token TOKEN"
(401 "Requires authentication" / "Bad credentials"), a User-Agent (403),
X-GitHub-Api-Version when present must be 2022-11-28 (400).
Errors are GitHub's bodies: {"message", "documentation_url"[, "errors",
"status"]}. Every answer carries x-ratelimit-* headers.

Control (not logged):
  POST /_ctl/mode  {"mode": M, "count": N, "method": "POST", "path": "re"}
       the next N matching API requests answer with mode M: 401, 403
       (permissions), 403-ratelimit (remaining 0, reset in an hour),
       403-secondary (Retry-After: 1), 429, 404, 422, 500, 502, 503,
       empty (a GET answers []), foreign-link (a Link next to another
       host), no-drafts (422 on a draft PR)
  POST /_ctl/seed  {"kind":"pull"|"issue", ...fields}  add an item
  POST /_ctl/repo  {"archived":bool, "default_branch":s}
  GET  /_ctl/state everything, as JSON
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve import serve_loopback  # noqa: E402

LOCK = threading.RLock()
LOG_LOCK = threading.Lock()
ARGS = None
MODES = []          # [{"mode","count","method","path"}]
STATE = {
    "repos": {},    # "o/r" -> repo
    "next_id": 1000,
}
DOC = "https://docs.github.com/rest"


def new_repo(full):
    return {"full_name": full, "default_branch": "main", "archived": False,
            "items": [], "labels": {}, "next": 1}


def repo(o, r):
    full = "%s/%s" % (o, r)
    if full.lower() != ARGS.repo.lower():
        return None
    if full not in STATE["repos"]:
        STATE["repos"][full] = new_repo(full)
    return STATE["repos"][full]


def next_id():
    STATE["next_id"] += 1
    return STATE["next_id"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to every answer
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    # ---- plumbing ----
    def base_url(self):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1],
                                          self.prefix)

    def send(self, status, obj, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.status = status
        if self.is_api:
            # logged before the answer leaves: a client that got its
            # answer finds the request in the log
            self.record(self.req_body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-ratelimit-limit", "5000")
        rem = (headers or {}).get("x-ratelimit-remaining", "4999")
        self.send_header("x-ratelimit-remaining", rem)
        self.send_header("x-ratelimit-reset",
                         (headers or {}).get("x-ratelimit-reset",
                                             str(int(time.time()) + 3600)))
        self.send_header("x-ratelimit-resource", "core")
        self.send_header("x-github-request-id", "FAKE:%d" % next_id())
        for k, v in (headers or {}).items():
            if not k.startswith("x-ratelimit-"):
                self.send_header(k, v)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.status = status
        return status

    def error(self, status, message, doc=DOC, errors=None, headers=None):
        obj = {"message": message, "documentation_url": doc}
        if errors is not None:
            obj["errors"] = errors
            obj["status"] = str(status)
        return self.send(status, obj, headers)

    def record(self, body):
        with LOG_LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps({
                    "method": self.command, "path": self.api_path,
                    "query": {k: v[0] for k, v in self.query.items()},
                    "headers": {k: self.headers.get(k) for k in (
                        "authorization", "user-agent", "accept",
                        "x-github-api-version", "content-type")},
                    "body": body, "status": self.status}) + "\n")

    def paginate(self, items, extra_query):
        try:
            per = int(self.query.get("per_page", ["30"])[0])
        except ValueError:
            per = 30
        per = max(1, min(per, 100, ARGS.page_size))
        try:
            page = max(1, int(self.query.get("page", ["1"])[0]))
        except ValueError:
            page = 1
        chunk = items[(page - 1) * per: page * per]
        headers = {}
        if page * per < len(items):
            q = dict(extra_query)
            q["per_page"] = str(per)
            q["page"] = str(page + 1)
            from urllib.parse import urlencode
            host = self.base_url()
            if self.mode == "foreign-link":
                host = "http://127.0.0.2:9" + self.prefix
            nxt = "%s%s?%s" % (host, self.api_path, urlencode(q))
            last = dict(q)
            last["page"] = str((len(items) + per - 1) // per)
            headers["Link"] = '<%s>; rel="next", <%s%s?%s>; rel="last"' % (
                nxt, self.base_url(), self.api_path, urlencode(last))
        return chunk, headers

    # ---- shapes ----
    def issue_json(self, rp, it):
        o = {"id": it["id"], "number": it["number"], "title": it["title"],
             "body": it["body"], "state": it["state"],
             "labels": [{"name": n} for n in it["labels"]],
             "user": {"login": "selfheal-bot"},
             "html_url": "https://github.example/%s/%s/%d" % (
                 rp["full_name"], "pull" if it["pr"] else "issues",
                 it["number"]),
             "url": "%s/repos/%s/issues/%d" % (self.base_url(),
                                               rp["full_name"], it["number"]),
             "comments": len(it["comments"])}
        if it["pr"]:
            o["pull_request"] = {"url": "%s/repos/%s/pulls/%d" % (
                self.base_url(), rp["full_name"], it["number"])}
        return o

    def pull_json(self, rp, it):
        o = self.issue_json(rp, it)
        o.pop("pull_request", None)
        owner = rp["full_name"].split("/")[0]
        o.update({"draft": it["draft"], "merged_at": it.get("merged_at"),
                  "head": {"ref": it["head"], "sha": it.get("sha", "0" * 40),
                           "label": "%s:%s" % (owner, it["head"])},
                  "base": {"ref": it["base"]},
                  "url": "%s/repos/%s/pulls/%d" % (
                      self.base_url(), rp["full_name"], it["number"])})
        return o

    def add_item(self, rp, pr, title, body, labels=(), head=None, base=None,
                 draft=False, state="open", merged_at=None, sha=None):
        it = {"id": next_id(), "number": rp["next"], "title": title,
              "body": body or "", "state": state, "labels": list(labels),
              "pr": pr, "head": head, "base": base, "draft": draft,
              "merged_at": merged_at, "comments": [], "sha": sha}
        rp["next"] += 1
        rp["items"].append(it)
        return it

    # ---- dispatch ----
    def do_GET(self):
        self.handle_any(None)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        self.handle_any(raw)

    def do_PATCH(self):
        self.do_POST()

    def handle_any(self, raw):
        u = urlsplit(self.path)
        self.query = parse_qs(u.query, keep_blank_values=True)
        path = u.path
        self.prefix = ""
        if path.startswith("/api/v3/"):
            self.prefix = "/api/v3"
            path = path[len(self.prefix):]
        self.api_path = path
        self.status = 0
        self.mode = None
        self.is_api = False
        self.req_body = None
        if path.startswith("/_ctl/"):
            return self.control(path, raw)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = "<not json>"
        self.is_api = True
        self.req_body = body
        with LOCK:
            for m in MODES:
                if m["count"] <= 0:
                    continue
                if m.get("method") and m["method"] != self.command:
                    continue
                if m.get("path") and not re.search(m["path"], path):
                    continue
                m["count"] -= 1
                self.mode = m["mode"]
                break
        self.api(path, body)

    def control(self, path, raw):
        d = json.loads(raw) if raw else {}
        with LOCK:
            if path == "/_ctl/mode":
                MODES.append({"mode": str(d["mode"]),
                              "count": int(d.get("count", 1)),
                              "method": d.get("method"),
                              "path": d.get("path")})
                return self.send(200, {"ok": True})
            if path == "/_ctl/reset":
                MODES.clear()
                return self.send(200, {"ok": True})
            o, r = ARGS.repo.split("/")
            rp = repo(o, r)
            if path == "/_ctl/seed":
                kind = d.pop("kind", "issue")
                it = self.add_item(rp, kind == "pull", d.get("title", "seed"),
                                   d.get("body", ""), d.get("labels", []),
                                   d.get("head"), d.get("base", "main"),
                                   d.get("draft", False),
                                   d.get("state", "open"),
                                   d.get("merged_at"))
                return self.send(200, {"number": it["number"]})
            if path == "/_ctl/repo":
                rp.update({k: v for k, v in d.items()
                           if k in ("archived", "default_branch")})
                return self.send(200, {"ok": True})
            if path == "/_ctl/state":
                return self.send(200, STATE["repos"])
        return self.send(404, {"message": "Not Found"})

    def check_auth(self):
        ua = self.headers.get("User-Agent")
        if not ua:
            self.error(403, "Request forbidden by administrative rules. "
                       "Please make sure your request has a User-Agent "
                       "header (https://docs.github.com/en/rest/overview/"
                       "resources-in-the-rest-api#user-agent-required).")
            return False
        v = self.headers.get("X-GitHub-Api-Version")
        if v is not None and v != "2022-11-28":
            self.error(400, "Unsupported 'X-GitHub-Api-Version': %s" % v)
            return False
        a = self.headers.get("Authorization")
        if not a:
            self.error(401, "Requires authentication",
                       DOC + "/overview/authenticating")
            return False
        if a not in ("Bearer " + ARGS.token, "token " + ARGS.token) or \
                self.mode == "401":
            self.error(401, "Bad credentials", DOC)
            return False
        return True

    def forced(self):
        m = self.mode
        if m == "403":
            return self.error(403, "Resource not accessible by personal "
                              "access token", DOC)
        if m == "403-ratelimit":
            return self.error(403, "API rate limit exceeded for user ID 1. "
                              "If you reach out to GitHub Support for help, "
                              "please include the request ID FAKE.",
                              DOC + "/overview/rate-limits-for-the-rest-api",
                              headers={"x-ratelimit-remaining": "0",
                                       "x-ratelimit-reset":
                                       str(int(time.time()) + 3600)})
        if m == "403-secondary":
            return self.error(403, "You have exceeded a secondary rate "
                              "limit. Please wait a few minutes before you "
                              "try again.", DOC + "/overview/rate-limits-"
                              "for-the-rest-api#about-secondary-rate-limits",
                              headers={"Retry-After": "1"})
        if m == "429":
            return self.error(429, "Too Many Requests", DOC,
                              headers={"Retry-After": "1"})
        if m == "404":
            return self.error(404, "Not Found", DOC)
        if m == "empty" and self.command == "GET":
            return self.send(200, [])
        if m == "422":
            return self.error(422, "Validation Failed", DOC, errors=[
                {"resource": "Issue", "code": "custom",
                 "message": "forced validation failure"}])
        if m in ("500", "502", "503"):
            return self.error(int(m), "Server Error" if m == "500" else
                              "Bad Gateway" if m == "502" else
                              "Service Unavailable")
        return None

    def api(self, path, body):
        if not self.check_auth():
            return
        if self.forced() is not None:
            return
        with LOCK:
            return self.route(path, body)

    def route(self, path, body):
        m = re.match(r"^/search/issues$", path)
        if m and self.command == "GET":
            return self.search()
        m = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
        if not m:
            return self.error(404, "Not Found", DOC)
        rp = repo(unquote(m.group(1)), unquote(m.group(2)))
        if rp is None:
            return self.error(404, "Not Found", DOC + "/repos/repos#get-a-"
                              "repository")
        rest = m.group(3) or ""
        c = self.command
        if rest == "" and c == "GET":
            o = rp["full_name"].split("/")
            return self.send(200, {
                "id": 1, "name": o[1], "full_name": rp["full_name"],
                "owner": {"login": o[0]}, "private": False,
                "default_branch": rp["default_branch"],
                "archived": rp["archived"],
                "permissions": {"admin": False, "push": True, "pull": True},
                "html_url": "https://github.example/" + rp["full_name"]})
        if rest == "/pulls" and c == "GET":
            return self.list_pulls(rp)
        if rest == "/pulls" and c == "POST":
            return self.create_pull(rp, body)
        if rest == "/issues" and c == "GET":
            return self.list_issues(rp)
        if rest == "/issues" and c == "POST":
            return self.create_issue(rp, body)
        m = re.match(r"^/issues/(\d+)/(comments|labels)$", rest)
        if m:
            it = next((i for i in rp["items"]
                       if i["number"] == int(m.group(1))), None)
            if it is None:
                return self.error(404, "Not Found", DOC)
            if m.group(2) == "comments" and c == "POST":
                if not isinstance(body, dict) or not body.get("body"):
                    return self.error(422, "Validation Failed", DOC, errors=[
                        {"resource": "IssueComment", "field": "body",
                         "code": "missing_field"}])
                cm = {"id": next_id(), "body": body["body"],
                      "html_url": "https://github.example/%s/issues/%d#"
                      "issuecomment-%d" % (rp["full_name"], it["number"],
                                           STATE["next_id"])}
                it["comments"].append(cm)
                return self.send(201, cm)
            if m.group(2) == "comments" and c == "GET":
                return self.send(200, it["comments"])
            if m.group(2) == "labels" and c == "POST":
                names = (body or {}).get("labels") or []
                for n in names:
                    if n not in rp["labels"]:
                        # GitHub creates it; the client should have already
                        rp["labels"][n] = {"name": n, "color": "ededed"}
                    if n not in it["labels"]:
                        it["labels"].append(n)
                return self.send(200, [rp["labels"][n] for n in it["labels"]])
        m = re.match(r"^/labels/(.+)$", rest)
        if m and c == "GET":
            name = unquote(m.group(1))
            if name not in rp["labels"]:
                return self.error(404, "Not Found", DOC + "/issues/labels#"
                                  "get-a-label")
            return self.send(200, rp["labels"][name])
        if rest == "/labels" and c == "POST":
            name = (body or {}).get("name")
            if not name:
                return self.error(422, "Validation Failed", DOC, errors=[
                    {"resource": "Label", "field": "name",
                     "code": "missing_field"}])
            if name in rp["labels"]:
                return self.error(422, "Validation Failed", DOC, errors=[
                    {"resource": "Label", "code": "already_exists",
                     "field": "name"}])
            rp["labels"][name] = {"name": name,
                                  "color": body.get("color", "ededed"),
                                  "description": body.get("description")}
            return self.send(201, rp["labels"][name])
        return self.error(404, "Not Found", DOC)

    def list_pulls(self, rp):
        state = self.query.get("state", ["open"])[0]
        head = self.query.get("head", [None])[0]
        owner = rp["full_name"].split("/")[0]
        out = []
        for it in rp["items"]:
            if not it["pr"]:
                continue
            if state != "all" and it["state"] != state:
                continue
            if head:
                ho, _, hb = head.partition(":")
                if not hb or ho.lower() != owner.lower() or hb != it["head"]:
                    continue
            out.append(self.pull_json(rp, it))
        q = {k: v[0] for k, v in self.query.items()
             if k not in ("page", "per_page")}
        chunk, headers = self.paginate(out, q)
        return self.send(200, chunk, headers)

    def head_exists(self, branch):
        if not ARGS.git_dir:
            return True, None
        p = subprocess.run(["git", "--git-dir", ARGS.git_dir, "rev-parse",
                            "--verify", "--quiet", "refs/heads/" + branch],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return p.returncode == 0, p.stdout.decode().strip()

    def create_pull(self, rp, body):
        if not isinstance(body, dict):
            return self.error(400, "Problems parsing JSON", DOC)
        missing = [f for f in ("title", "head", "base") if not body.get(f)]
        if missing:
            return self.error(422, "Validation Failed", DOC, errors=[
                {"resource": "PullRequest", "field": f,
                 "code": "missing_field"} for f in missing])
        owner = rp["full_name"].split("/")[0]
        head = body["head"]
        if ":" in head:
            ho, _, head = head.partition(":")
        if body.get("draft") and self.mode == "no-drafts":
            return self.error(422, "Validation Failed", DOC, errors=[
                {"resource": "PullRequest", "code": "custom",
                 "message": "Draft pull requests are not supported in this "
                 "repository."}])
        for it in rp["items"]:
            if it["pr"] and it["state"] == "open" and it["head"] == head:
                return self.error(422, "Validation Failed",
                                  DOC + "/pulls/pulls#create-a-pull-request",
                                  errors=[{"resource": "PullRequest",
                                           "code": "custom",
                                           "message": "A pull request already "
                                           "exists for %s:%s." % (owner,
                                                                  head)}])
        ok, sha = self.head_exists(head)
        if not ok:
            return self.error(422, "Validation Failed",
                              DOC + "/pulls/pulls#create-a-pull-request",
                              errors=[{"resource": "PullRequest",
                                       "field": "head", "code": "invalid"}])
        if body["base"] != rp["default_branch"]:
            ok2, _ = self.head_exists(body["base"])
            if not ok2:
                return self.error(422, "Validation Failed", DOC, errors=[
                    {"resource": "PullRequest", "field": "base",
                     "code": "invalid"}])
        it = self.add_item(rp, True, body["title"], body.get("body"),
                           head=head, base=body["base"],
                           draft=bool(body.get("draft")), sha=sha)
        return self.send(201, self.pull_json(rp, it))

    def list_issues(self, rp):
        state = self.query.get("state", ["open"])[0]
        labels = [x for x in self.query.get("labels", [""])[0].split(",")
                  if x]
        out = []
        for it in rp["items"]:
            if state != "all" and it["state"] != state:
                continue
            if any(lb not in it["labels"] for lb in labels):
                continue
            out.append(self.issue_json(rp, it))
        q = {k: v[0] for k, v in self.query.items()
             if k not in ("page", "per_page")}
        chunk, headers = self.paginate(out, q)
        return self.send(200, chunk, headers)

    def create_issue(self, rp, body):
        if not isinstance(body, dict):
            return self.error(400, "Problems parsing JSON", DOC)
        if not body.get("title"):
            return self.error(422, "Validation Failed", DOC, errors=[
                {"resource": "Issue", "field": "title",
                 "code": "missing_field"}])
        labels = body.get("labels") or []
        for n in labels:
            rp["labels"].setdefault(n, {"name": n, "color": "ededed"})
        it = self.add_item(rp, False, body["title"], body.get("body"),
                           labels=labels)
        return self.send(201, self.issue_json(rp, it))

    def search(self):
        q = self.query.get("q", [""])[0]
        toks = re.findall(r'"[^"]*"|\S+', q)
        want_repo = want_kind = want_state = None
        labels, texts = [], []
        for t in toks:
            if t.startswith('"'):
                texts.append(t.strip('"'))
            elif t.startswith("repo:"):
                want_repo = t[5:]
            elif t in ("is:issue", "is:pr"):
                want_kind = t[3:]
            elif t in ("is:open", "is:closed"):
                want_state = t[3:]
            elif t.startswith("label:"):
                labels.append(t[6:])
            elif t.startswith("in:"):
                pass
            else:
                texts.append(t)
        if want_kind is None:
            return self.error(422, "Validation Failed", DOC, errors=[
                {"message": "Query must include 'is:issue' or 'is:pr'",
                 "resource": "Search", "field": "q", "code": "invalid"}])
        items = []
        for full, rp in STATE["repos"].items():
            if want_repo and want_repo.lower() != full.lower():
                continue
            for it in rp["items"]:
                if (want_kind == "pr") != it["pr"]:
                    continue
                if want_state and it["state"] != want_state:
                    continue
                if any(lb not in it["labels"] for lb in labels):
                    continue
                hay = it["title"] + "\n" + it["body"]
                if any(t not in hay for t in texts):
                    continue
                items.append(self.issue_json(rp, it))
        return self.send(200, {"total_count": len(items),
                               "incomplete_results": False, "items": items})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", default="ghp_testtoken")
    ap.add_argument("--repo", default="acme/shop")
    ap.add_argument("--git-dir", help="bare repository: PR heads must exist")
    ap.add_argument("--page-size", type=int, default=100,
                    help="cap per_page (to exercise pagination)")
    ARGS = ap.parse_args()
    open(ARGS.log, "a").close()
    serve_loopback(Handler, ARGS.port_file)


if __name__ == "__main__":
    sys.exit(main())
