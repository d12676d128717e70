#!/bin/bash
# remediate carries out github.pr and github.issue end to end: a bare git
# repository as the remote, tests/server/github.py as GitHub. Asserts the
# pushed branch, the API requests, the records, dry-run, a repeat that only
# comments, and a hostile patch that is refused with nothing pushed.
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@localhost GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@localhost
TOKEN=ghp_FAKEtoken0123456789abcdefghijklmnopqrstuv
git init -q --bare -b main remote.git
git init -q -b main seed
printf 'package main\n\nfunc price(xs []int, i int) int {\n\treturn xs[i]\n}\n' >seed/main.go
git -C seed add main.go && git -C seed commit -q -m init && git -C seed push -q ../remote.git main
git clone -q remote.git work

start_github "$TOKEN" "$T_TMP/remote.git"

cat >policy <<'POL'
defaults
    allow github.pr github.issue notify
app shop
POL
diag() { # diag INCIDENT FINGERPRINT DIFF-FILE
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
inc, fp, diff = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
print(json.dumps({"type": "diagnosis", "incident": inc, "app": "shop",
    "fingerprint": fp, "category": "panic", "occurrences": 3,
    "instances": ["148ed193b95e89"], "first_ts": "2026-11-28T03:45:13Z",
    "last_ts": "2026-11-28T03:45:20Z", "summary": "index out of range in price",
    "root_cause": "price() indexes without a bounds check", "confidence": 0.8,
    "evidence": ["panic: runtime error: index out of range [5] with length 3"],
    "actions": [{"action": "github.pr", "reason": "bounds check"}],
    "patch": {"title": "Check the index in price", "body": "Guard the index.",
              "diff": diff}, "backend": "openai:test"}))
PY
}
cat >good.diff <<'D'
diff --git a/main.go b/main.go
--- a/main.go
+++ b/main.go
@@ -1,5 +1,8 @@
 package main
 
 func price(xs []int, i int) int {
+	if i < 0 || i >= len(xs) {
+		return 0
+	}
 	return xs[i]
 }
D
cat >evil.diff <<'D'
diff --git a/.github/workflows/x.yml b/.github/workflows/x.yml
new file mode 100644
--- /dev/null
+++ b/.github/workflows/x.yml
@@ -0,0 +1,2 @@
+on: push
+jobs: {}
D
R() { GITHUB_TOKEN=$TOKEN "$BIN/remediate" --policy policy --state st \
	--repo work --github-url "$GH" --github-repo acme/shop "$@"; }
posts() { python3 -c '
import json, sys
for l in open("gh.log"):
    r = json.loads(l)
    if r["method"] != "GET": print(r["method"], r["path"])' 2>/dev/null; }

# dry-run: the patch is checked, nothing is pushed or written
diag i_1 f_00000000000000a1 good.diff | R >out 2>err
is "$?" 0 "dry-run: exit 0"
is "$(jget 'r["status"]' <out)" "dry-run" "dry-run: the record says dry-run"
is "$(posts | wc -l | tr -d ' ')" 0 "dry-run: no API write"
is "$(git -C remote.git branch --list 'selfheal/*' | wc -l | tr -d ' ')" 0 "dry-run: nothing pushed"

# --apply: branch pushed, draft PR opened with the selfheal label
diag i_2 f_00000000000000a1 good.diff | R --apply >out 2>err
is "$?" 0 "apply: exit 0"
is "$(jget 'r["action"]+" "+r["status"]' <out)" "github.pr applied" "apply: github.pr applied"
like "$(jget 'r["result"]["url"]' <out)" '/pull/1$' "apply: the record carries the PR URL"
like "$(git -C remote.git show selfheal/f_00000000000000a1:main.go)" 'if i < 0 \|\| i >= len\(xs\)' \
	"apply: the pushed branch holds the fix"
is "$(git -C remote.git rev-parse main)" "$(git -C seed rev-parse main)" "apply: main is untouched"
like "$(git -C remote.git log -1 --format=%B selfheal/f_00000000000000a1)" 'f_00000000000000a1' \
	"apply: the commit message names the fingerprint"
like "$(posts | tr '\n' ' ')" 'POST /repos/acme/shop/pulls .*POST /repos/acme/shop/issues/1/labels' \
	"apply: POST pulls, then the label"
is "$(python3 -c '
import json
for l in open("gh.log"):
    r = json.loads(l)
    if r["method"] == "POST" and r["path"].endswith("/pulls"):
        b = r["body"]; print(b["draft"], b["head"], b["base"])')" \
	"True selfheal/f_00000000000000a1 main" "apply: a draft PR from selfheal/<fingerprint> to main"
like "$(grep -o '"authorization": *"[^"]*"' gh.log | head -1)" 'Bearer' "apply: the token is sent as Bearer"
ok "$(grep -c "$TOKEN" out err | awk -F: '{s += $2} END {print s}')" "apply: the token is in no output"

# the same crash again (a new incident): a comment, no second PR
diag i_3 f_00000000000000a1 good.diff | R --apply >out 2>err
is "$(jget 'r["status"]' <out)" "applied" "repeat: applied"
is "$(posts | grep -c 'POST /repos/acme/shop/pulls$')" 1 "repeat: still one PR"
like "$(posts | tail -1)" 'POST /repos/acme/shop/issues/1/comments' "repeat: a comment on PR #1"

# replaying the same incident does nothing
diag i_3 f_00000000000000a1 good.diff | R --apply >out 2>err
is "$(jget 'r["status"]' <out)" "skipped" "replay: skipped"

# a patch to CI files is refused; an issue says why; nothing pushed
n0=$(posts | wc -l)
diag i_4 f_00000000000000b2 evil.diff | R --apply >out 2>err
like "$(jget 'r["reason"]' <out)" '\.github' "hostile patch: the reason names .github"
is "$(git -C remote.git branch --list 'selfheal/f_00000000000000b2' | wc -l | tr -d ' ')" 0 \
	"hostile patch: no branch pushed"
is "$(posts | tail -n +$((n0 + 1)) | grep -c '/pulls$')" 0 "hostile patch: no PR"
is "$(posts | tail -n +$((n0 + 1)) | grep -c 'POST /repos/acme/shop/issues$')" 1 "hostile patch: an issue instead"
# the policy narrows the paths: main.go is not in allow-paths for app web
cat >policy2 <<'POL'
defaults
    allow github.pr github.issue
app shop
    allow-paths  docs/** *.md
POL
"$BIN/remediate" policy --policy policy2 --app shop >pol.out
like "$(cat pol.out)" 'allow-paths +docs/\*\* \*\.md' "policy: allow-paths is shown"
n0=$(posts | wc -l)
diag i_5 f_00000000000000c3 good.diff |
	GITHUB_TOKEN=$TOKEN "$BIN/remediate" --policy policy2 --state st \
	--repo work --github-url "$GH" --github-repo acme/shop --apply >out 2>err
like "$(jget 'r["reason"]' <out)" 'main\.go' "allow-paths: a patch outside them is refused, naming the path"
is "$(git -C remote.git branch --list 'selfheal/f_00000000000000c3' | wc -l | tr -d ' ')" 0 \
	"allow-paths: nothing pushed"
is "$(posts | tail -n +$((n0 + 1)) | grep -c '/pulls$')" 0 "allow-paths: no PR"
is "$(git -C work worktree list | wc -l | tr -d ' ')" 1 "no worktree is left behind"
done_testing
