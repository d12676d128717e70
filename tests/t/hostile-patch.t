#!/bin/bash
# Hostile patches (tests/hostile/patch/, plus a generated one over the size
# cap) proposed in diagnoses, through `remediate --apply` with github.pr
# against the fake GitHub and a bare git remote: each is refused with a
# reason naming the problem (the first line of each file, "expect: RE"),
# nothing is pushed, no pull request opened, no file written outside the
# checkout, no hook installed; the normal diagnosis after each is still
# carried out, and a good patch at the end still becomes a pull request.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
C=$TOP/tests/hostile/patch
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@localhost GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@localhost
TOKEN=ghp_FAKEtoken0123456789abcdefghijklmnopqrstuv

# the remote: main.go, go.sum, and docs -> a directory outside the tree
mkdir outside
git init -q --bare -b main remote.git
git init -q -b main seed
printf 'package main\n\nfunc price(xs []int, i int) int {\n\treturn xs[i]\n}\n' >seed/main.go
echo 'example.com/x v1.0.0 h1:AAAA=' >seed/go.sum
ln -s "$T_TMP/outside" seed/docs
git -C seed add . && git -C seed commit -q -m init && git -C seed push -q ../remote.git main
git clone -q remote.git work
main0=$(git -C remote.git rev-parse main)

start_github "$TOKEN" "$T_TMP/remote.git"
cat >policy <<'POL'
defaults
    allow github.pr github.issue
app shop
POL

# the items: the corpus, and one patch over the 256 KiB cap
for f in "$C"/*.diff "$C"/*.esc; do
	"$PY" "$TOP/tests/hostile/gen.py" unesc "$f" >"$(basename "${f%.*}").patch"
done
{ echo 'expect: cap|bytes'; "$PY" "$TOP/tests/hostile/gen.py" hugepatch 400; } >99-huge.patch

# one stream: for item k, its diagnosis (github.pr with the patch, its own
# fingerprint), then a normal one (github.issue); a good patch at the end
"$PY" - *.patch <<'EOF' >in.ndjson
import json, sys
def diag(inc, fp, actions, patch=None):
    d = {"type": "diagnosis", "incident": inc, "app": "shop", "fingerprint": fp,
         "category": "panic", "occurrences": 1, "instances": ["148ed193b95e89"],
         "first_ts": "2026-11-28T03:45:13Z", "last_ts": "2026-11-28T03:45:13Z",
         "summary": "index out of range in price", "root_cause": "no bounds check",
         "confidence": 0.8, "evidence": [], "actions": actions,
         "backend": "openai:test"}
    if patch is not None:
        d["patch"] = {"title": "Fix price", "body": "A fix.", "diff": patch}
    print(json.dumps(d))
for k, p in enumerate(sys.argv[1:]):
    text = open(p, "rb").read().decode("utf-8", "surrogateescape")
    diag("i_h%02d" % k, "f_%016x" % (0xbad00 + k),
         [{"action": "github.pr", "reason": "fix"}], text)
    diag("i_n%02d" % k, "f_%016x" % (0x900d00 + k),
         [{"action": "github.issue", "reason": "track it"}])
diag("i_good", "f_00000000000900d1", [{"action": "github.pr", "reason": "fix"}],
     "diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n"
     "@@ -1,5 +1,8 @@\n package main\n \n func price(xs []int, i int) int {\n"
     "+\tif i < 0 || i >= len(xs) {\n+\t\treturn 0\n+\t}\n \treturn xs[i]\n }\n")
EOF
GITHUB_TOKEN=$TOKEN "$BIN/remediate" --policy policy --state st --repo work \
	--github-url "$GH" --github-repo acme/shop --apply <in.ndjson >out 2>err
is $? 0 "remediate exits 0"

# every assertion per item in one python
"$PY" - *.patch <<'EOF' >results
import json, re, sys
recs = [json.loads(l) for l in open("out")]
reqs = [json.loads(l) for l in open("gh.log")]
posts = [r["method"] + " " + r["path"] for r in reqs if r["method"] != "GET"]
def say(ok, desc, got=""):
    print("%d\037%s\037%s" % (0 if ok else 1, desc, str(got)[:300]))
for k, p in enumerate(sys.argv[1:]):
    name = p[:-6]
    want = open(p, "rb").readline().decode().split(":", 1)[1].strip()
    pr = [r for r in recs if r.get("incident") == "i_h%02d" % k and r["action"] == "github.pr"]
    # refused, an issue instead (github.pr falls back to one: "applied")
    say(len(pr) == 1 and "patch refused: " in pr[0]["reason"] and
        "pull" not in pr[0].get("result", {}),
        "%s: github.pr refused the patch, opened no pull request" % name,
        [(r["status"], r["reason"]) for r in pr])
    say(pr and re.search(want, pr[0]["reason"].split("patch refused: ", 1)[-1]),
        "%s: the reason names the problem (/%s/)" % (name, want), pr and pr[0]["reason"])
    say(pr and "\n" not in pr[0]["reason"] and not re.search(r"[\x00-\x1f\x7f]", pr[0]["reason"]),
        "%s: the reason is one clean line" % name, pr and repr(pr[0]["reason"]))
    say(pr and not pr[0].get("result", {}).get("pushed") and "commit" not in pr[0].get("result", {}),
        "%s: nothing committed or pushed" % name, pr and pr[0].get("result"))
    nrm = [r for r in recs if r.get("incident") == "i_n%02d" % k and r["action"] == "github.issue"]
    say([r["status"] for r in nrm] == ["applied"], "%s: the normal diagnosis after it is carried out" % name,
        [(r["status"], r["reason"]) for r in nrm])
pulls = [p for p in posts if p.endswith("/pulls")]
say(len(pulls) == 1, "one pull request in all", pulls)
good = [r for r in recs if r.get("incident") == "i_good"]
say([(r["action"], r["status"]) for r in good] == [("github.pr", "applied")],
    "the good patch at the end becomes a pull request", [(r["action"], r["status"], r["reason"]) for r in good])
EOF
while IFS=$'\037' read -r rc desc got; do
	[ "$rc" -ne 0 ] && echo "# got: $got"
	ok "$rc" "$desc"
done <results
is "$(git -C remote.git for-each-ref --format='%(refname:short)' refs/heads | tr '\n' ' ')" \
	"main selfheal/f_00000000000900d1 " "the remote has main and the good branch only"
is "$(git -C remote.git rev-parse main)" "$main0" "main is untouched"
is "$(ls -A outside | wc -l | tr -d ' ')" 0 "nothing was written through the docs symlink"
is "$(ls work/.git/hooks | grep -cv '\.sample$')" 0 "no hook was installed in the checkout"
[ ! -e /etc/cron.d/selfheal ] && ! grep -q '^evil:' /etc/passwd && [ ! -e /tmp/main.go ]
ok $? "nothing was written outside the checkout"
is "$(git -C work worktree list | wc -l | tr -d ' ')" 1 "no worktree is left behind"
is "$(git -C work status --porcelain | wc -l | tr -d ' ')" 0 "the checkout is clean"
done_testing
