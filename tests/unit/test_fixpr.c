/* test_fixpr.c - github.pr and github.issue end to end: a bare repository
 * on disk as the remote (seeded with a small app), a clone as --repo, and
 * tests/server/github.py as GitHub. Checks the pushed branch (content,
 * parent, commit author and message), every API request (paths, bodies,
 * headers), idempotence (a second run comments), refusals with nothing
 * pushed and no API write, failures with clear reasons, and that no
 * worktree is left behind in any case. */
#include "unit.h"
#include "fixpr.h"
#include "ghfake.h"
#include "gitops.h"
#include "redact.h"

#include <dirent.h>

static const char MAIN_GO[] =
    "package main\n\nimport \"fmt\"\n\n"
    "func handler(items []int, i int) int {\n\treturn items[i]\n}\n\n"
    "func main() {\n\tfmt.Println(handler([]int{1, 2, 3}, 5))\n}\n";
static const char MAIN_FIXED[] =
    "package main\n\nimport \"fmt\"\n\n"
    "func handler(items []int, i int) int {\n"
    "\tif i < 0 || i >= len(items) {\n\t\treturn 0\n\t}\n"
    "\treturn items[i]\n}\n\n"
    "func main() {\n\tfmt.Println(handler([]int{1, 2, 3}, 5))\n}\n";

static char dir[64], bare[128], seed[128], work[128], wtdir[128];
static char good_diff[4096];
static struct fake F;

static const char DIAG[] =
    "{\"type\":\"diagnosis\",\"incident\":\"i_1\",\"app\":\"shop\","
    "\"fingerprint\":\"f_088e99f50586311e\",\"category\":\"panic\","
    "\"occurrences\":12,\"instances\":[\"148ed193b95e89\",\"3d8d9e1a2b4c77\"],"
    "\"first_ts\":\"2026-11-28T03:45:13Z\",\"last_ts\":\"2026-11-28T03:52:01Z\","
    "\"summary\":\"index out of range in handler\","
    "\"root_cause\":\"handler indexes items with an unchecked i\","
    "\"confidence\":0.82,"
    "\"evidence\":[\"panic: runtime error: index out of range [5] with length 3\","
    "\"db: postgres://app:s3cretpw@db.internal:5432/shop\"],"
    "\"actions\":[{\"action\":\"machine.restart\",\"machine\":\"148ed193b95e89\","
    "\"reason\":\"bring it back\"},{\"action\":\"github.pr\",\"reason\":\"fix\"}],"
    "\"patch\":{\"title\":\"Check the index in handler\","
    "\"body\":\"handler trusted i; now it checks the bounds.\",\"diff\":\"\"},"
    "\"backend\":\"openai:gpt-test\","
    "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":340}}";

static const char RECORDS[] =
    "[{\"type\":\"action\",\"ts\":\"2026-11-28T03:53:00Z\",\"incident\":\"i_1\","
    "\"action\":\"machine.restart\",\"machine\":\"148ed193b95e89\","
    "\"status\":\"applied\",\"reason\":\"restarted; started again\"},"
    "{\"type\":\"action\",\"ts\":\"2026-11-28T03:53:01Z\",\"incident\":\"i_1\","
    "\"action\":\"machine.memory\",\"machine\":\"148ed193b95e89\","
    "\"status\":\"denied\",\"reason\":\"policy: machine.memory is not allowed\"}]";

/* A diagnosis with fp, incident and diff ("" : no patch at all). */
static cJSON *
diag(const char *fp, const char *incident, const char *diff)
{
	cJSON *d = cJSON_Parse(DIAG);
	cJSON_ReplaceItemInObject(d, "fingerprint", cJSON_CreateString(fp));
	cJSON_ReplaceItemInObject(d, "incident", cJSON_CreateString(incident));
	if (diff && *diff)
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(d, "patch"), "diff",
		    cJSON_CreateString(diff));
	else
		cJSON_DeleteItemFromObject(d, "patch");
	return d;
}

static char *
one_file(const char *path)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n"
	    "@@ -1 +1 @@\n-a\n+b\n", path, path, path, path);
	return buf;
}

static char *
git_out(const char *gitdir, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;
	struct sbuf o;

	argv[n++] = "git";
	argv[n++] = "--git-dir";
	argv[n++] = (char *)gitdir;
	va_start(ap, gitdir);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	sbuf_init(&o);
	fk_run(NULL, argv, NULL, &o);
	while (o.len && o.s[o.len - 1] == '\n')
		o.s[--o.len] = '\0';
	return o.s ? o.s : xstrdup("");
}

/* The remote's branches, one per line. */
static char *
branches(void)
{
	return git_out(bare, "for-each-ref", "--format=%(refname:short)",
	    "refs/heads/", (char *)NULL);
}

/* No worktree but the main one, and nothing in the worktree directory. */
static int
clean(void)
{
	struct sbuf o;
	int n = 0, files = 0;
	DIR *dp;
	struct dirent *e;

	sbuf_init(&o);
	fk_cmd(work, &o, "git", "worktree", "list", "--porcelain", (char *)NULL);
	for (const char *s = o.s ? o.s : ""; (s = strstr(s, "worktree ")); s++)
		n++;
	sbuf_release(&o);
	if ((dp = opendir(wtdir))) {
		while ((e = readdir(dp)))
			files += e->d_name[0] != '.';
		closedir(dp);
	}
	return n == 1 && files == 0;
}

static void
setup(void)
{
	struct sbuf o;
	char p[256];

	snprintf(bare, sizeof bare, "%s/remote.git", dir);
	snprintf(seed, sizeof seed, "%s/seed", dir);
	snprintf(work, sizeof work, "%s/work", dir);
	snprintf(wtdir, sizeof wtdir, "%s/wt", dir);
	mkdir(wtdir, 0700);
	fk_cmd(NULL, NULL, "git", "init", "-q", "--bare", "-b", "main", bare,
	    (char *)NULL);
	fk_cmd(NULL, NULL, "git", "init", "-q", "-b", "main", seed, (char *)NULL);
	fk_write(seed, "main.go", MAIN_GO);
	fk_write(seed, "README.md", "# shop\n");
	fk_write(seed, ".github/workflows/ci.yml", "on: push\n");
	fk_write(seed, "package-lock.json", "{}\n");
	fk_write(seed, "docs/guide.md", "a\n");
	snprintf(p, sizeof p, "%s/evil", seed);
	symlink("/etc", p);
	fk_cmd(seed, NULL, "git", "add", "-A", (char *)NULL);
	fk_cmd(seed, NULL, "git", "-c", "user.name=seed", "-c",
	    "user.email=seed@example.com", "commit", "-q", "-m", "shop", (char *)NULL);
	fk_cmd(seed, NULL, "git", "push", "-q", bare, "main", (char *)NULL);
	fk_cmd(NULL, NULL, "git", "clone", "-q", bare, work, (char *)NULL);
	/* hooks that would refuse every commit and push: never run */
	fk_write(work, ".git/hooks/pre-commit", "#!/bin/sh\nexit 1\n");
	fk_write(work, ".git/hooks/pre-push", "#!/bin/sh\nexit 1\n");
	snprintf(p, sizeof p, "%s/.git/hooks/pre-commit", work);
	chmod(p, 0755);
	snprintf(p, sizeof p, "%s/.git/hooks/pre-push", work);
	chmod(p, 0755);
	/* the fix, as git diff prints it */
	fk_write(seed, "main.go", MAIN_FIXED);
	sbuf_init(&o);
	fk_cmd(seed, &o, "git", "diff", (char *)NULL);
	snprintf(good_diff, sizeof good_diff, "%s", o.s ? o.s : "");
	sbuf_release(&o);
	fk_cmd(seed, NULL, "git", "checkout", "-q", "--", "main.go", (char *)NULL);
}

static const char *
hdr(const cJSON *req, const char *name)
{
	const char *v = js_get_str(js_get(req, "headers"), name);
	return v ? v : "";
}

int
main(void)
{
	struct fx_config cfg;
	struct fixpr *fx;
	struct fx_outcome o;
	struct sbuf err;
	cJSON *d, *reqs, *recs = cJSON_Parse(RECORDS);
	char *s, *seq, *main_sha;
	const char *FP = "f_088e99f50586311e";
	unsigned char key[RX_KEYLEN] = "0123456789abcdef";
	struct redactor *rx = rx_new(key);
	int rc;

	snprintf(dir, sizeof dir, "/tmp/selfheal-fx-XXXXXX");
	T_OK(mkdtemp(dir) != NULL, "temporary directory");
	setup();
	T_OK(strstr(good_diff, "+\tif i < 0") != NULL, "a fix diff from git");
	main_sha = git_out(bare, "rev-parse", "main", (char *)NULL);
	T_OK(strlen(main_sha) == 40, "the remote's main: %s", main_sha);
	T_OK(fk_start(&F, dir, "--git-dir", bare, "--repo", "acme/shop",
	    "--token", "ghp_testtoken", (char *)NULL) == 0, "fake GitHub on %s",
	    F.url);

	memset(&cfg, 0, sizeof cfg);
	cfg.repo = work;
	cfg.github_url = F.url;
	cfg.github_repo = "acme/shop";
	cfg.token = "ghp_testtoken";
	cfg.tmpdir = wtdir;
	cfg.api_deadline_ms = 5000;
	cfg.api_backoff_ms = 20;
	cfg.rx = rx;
	sbuf_init(&err);
	fx = fx_new(&cfg, &err);
	T_OK(fx != NULL, "fx_new %s", err.s ? err.s : "");
	T_STR(fx_repo_slug(fx), "acme/shop", "OWNER/REPO");

	/* a configuration without OWNER/REPO: the remote is a local path */
	struct fx_config c2 = cfg;
	c2.github_repo = NULL;
	sbuf_reset(&err);
	T_OK(fx_new(&c2, &err) == NULL && strstr(err.s, "--github-repo"),
	    "a local remote needs --github-repo: %s", err.s);
	c2 = cfg;
	c2.remote = "--upload-pack=x";
	sbuf_reset(&err);
	T_OK(fx_new(&c2, &err) == NULL && strstr(err.s, "remote"),
	    "a remote name like an option: %s", err.s);

	/* 1. dry run: git apply --check, no push, no request */
	d = diag(FP, "i_1", good_diff);
	rc = fx_pr(fx, d, recs, 0, &o);
	reqs = fk_take(&F);
	T_OK(rc == FX_DRYRUN && strstr(o.reason.s, "git apply --check passed"),
	    "dry-run: %s", o.reason.s);
	T_OK(cJSON_GetArraySize(reqs) == 0, "dry-run: no API request");
	s = branches();
	T_STR(s, "main", "dry-run: nothing pushed");
	free(s);
	T_OK(clean(), "dry-run: worktree removed");
	cJSON_Delete(reqs);
	fx_outcome_release(&o);

	/* 2. the pull request */
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	seq = fk_seq(reqs);
	T_OK(rc == FX_APPLIED && strstr(o.reason.s, "opened draft pull request #1"),
	    "applied: %s", o.reason.s);
	T_STR(seq, "GET /repos/acme/shop 200\n"
	    "GET /repos/acme/shop/pulls 200\n"
	    "POST /repos/acme/shop/pulls 201\n"
	    "GET /repos/acme/shop/labels/selfheal 404\n"
	    "POST /repos/acme/shop/labels 201\n"
	    "POST /repos/acme/shop/issues/1/labels 200\n", "the API sequence");
	free(seq);
	int hdrs_ok = 1;
	const cJSON *q;
	cJSON_ArrayForEach(q, reqs)
		hdrs_ok &= !strcmp(hdr(q, "authorization"), "Bearer ghp_testtoken") &&
		    !strcmp(hdr(q, "accept"), "application/vnd.github+json") &&
		    !strcmp(hdr(q, "x-github-api-version"), "2022-11-28") &&
		    !strncmp(hdr(q, "user-agent"), "selfheal/", 9);
	T_OK(hdrs_ok, "every request: Bearer token, Accept, API version, "
	    "User-Agent");
	q = fk_find(reqs, "GET", "/repos/acme/shop/pulls", 0);
	T_STR(js_get_str(q, "query.head"), "acme:selfheal/f_088e99f50586311e",
	    "pulls?head=OWNER:BRANCH");
	T_STR(js_get_str(q, "query.state"), "all", "closed ones count too");
	q = fk_find(reqs, "POST", "/repos/acme/shop/pulls", 0);
	T_STR(js_get_str(q, "body.head"), "selfheal/f_088e99f50586311e", "head");
	T_STR(js_get_str(q, "body.base"), "main", "base: the default branch");
	T_STR(js_get_str(q, "body.title"), "selfheal: Check the index in handler",
	    "title from the patch");
	T_OK(cJSON_IsTrue(js_get(q, "body.draft")), "draft");
	const char *body = js_get_str(q, "body.body");
	body = body ? body : "";
	static const char mk[] = "<!-- selfheal:fingerprint=f_088e99f50586311e "
	    "incident=i_1 -->\n# shop: index out of range in handler\n";
	T_OK(!strncmp(body, mk, sizeof mk - 1), "body starts with the marker "
	    "and the title");
	T_OK(strstr(body, "## Summary") && strstr(body, "## Root cause") &&
	    strstr(body, "handler indexes items") && strstr(body, "0.82") &&
	    strstr(body, "## Evidence") && strstr(body, "index out of range [5]") &&
	    strstr(body, "| 12 | 2 |"), "summary, root cause, confidence, evidence,"
	    " occurrences and machines");
	T_OK(strstr(body, "Diagnosed by `openai:gpt-test`, 1200 prompt + 340 "
	    "completion tokens spent.") != NULL, "backend and tokens");
	T_OK(strstr(body, "## Repair actions taken or refused") && strstr(body,
	    "- **applied** `machine.restart` on machine `148ed193b95e89`") &&
	    strstr(body, "- **denied** `machine.memory`"), "actions taken or "
	    "refused");
	T_OK(strstr(body, "## How to test the fix") && strstr(body, "git fetch "
	    "origin selfheal/f_088e99f50586311e"), "how to test");
	T_OK(!strstr(body, "s3cretpw") && strstr(body, "[REDACTED:"),
	    "evidence redacted again");
	T_OK(!strstr(body, "```diff"), "no diff in the body (the PR has it)");
	q = fk_find(reqs, "POST", "/repos/acme/shop/labels", 0);
	T_STR(js_get_str(q, "body.name"), "selfheal", "label created");
	q = fk_find(reqs, "POST", "/repos/acme/shop/issues/1/labels", 0);
	T_STR(cJSON_GetArrayItem(js_get(q, "body.labels"), 0)->valuestring,
	    "selfheal", "label added");
	T_OK(cJSON_GetNumberValue(js_get(o.result, "pull")) == 1 &&
	    !strcmp(js_get_str(o.result, "branch"), "selfheal/f_088e99f50586311e")
	    && js_get_str(o.result, "url") && strlen(js_get_str(o.result,
	    "commit")) == 40 && cJSON_IsTrue(js_get(o.result, "pushed")),
	    "result: pull, url, branch, commit, pushed");
	char *commit = xstrdup(js_get_str(o.result, "commit"));
	cJSON_Delete(reqs);
	fx_outcome_release(&o);

	s = branches();
	T_STR(s, "main\nselfheal/f_088e99f50586311e", "the branch was pushed");
	free(s);
	s = git_out(bare, "rev-parse", "selfheal/f_088e99f50586311e",
	    (char *)NULL);
	T_STR(s, commit, "the pushed commit is the result's");
	free(s);
	s = git_out(bare, "show", "selfheal/f_088e99f50586311e:main.go",
	    (char *)NULL);
	T_OK(!strcmp(s, "package main\n\nimport \"fmt\"\n\nfunc handler(items "
	    "[]int, i int) int {\n\tif i < 0 || i >= len(items) {\n\t\treturn 0\n"
	    "\t}\n\treturn items[i]\n}\n\nfunc main() {\n\tfmt.Println(handler("
	    "[]int{1, 2, 3}, 5))\n}"), "the branch has the fix");
	free(s);
	s = git_out(bare, "rev-parse", "selfheal/f_088e99f50586311e^",
	    (char *)NULL);
	T_STR(s, main_sha, "based on the default branch");
	free(s);
	s = git_out(bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>",
	    "selfheal/f_088e99f50586311e", (char *)NULL);
	T_STR(s, "selfheal <selfheal@localhost>|selfheal <selfheal@localhost>",
	    "author and committer");
	free(s);
	s = git_out(bare, "log", "-1", "--format=%B",
	    "selfheal/f_088e99f50586311e", (char *)NULL);
	T_OK(!strncmp(s, "Check the index in handler\n\nhandler trusted i", 44) &&
	    strstr(s, "incident i_1 of app shop") && strstr(s,
	    "Selfheal-Incident: i_1\nSelfheal-Fingerprint: f_088e99f50586311e"),
	    "commit message names the incident and the fingerprint");
	free(s);
	s = git_out(bare, "rev-parse", "main", (char *)NULL);
	T_STR(s, main_sha, "main untouched");
	free(s);
	T_OK(clean(), "worktree removed after success");
	cJSON_Delete(d);

	/* 3. the same fingerprint again: a comment, no second PR */
	d = diag(FP, "i_2", good_diff);
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	seq = fk_seq(reqs);
	T_OK(rc == FX_APPLIED && strstr(o.reason.s, "commented the new "
	    "occurrences on the open pull request #1"), "second run: %s",
	    o.reason.s);
	T_STR(seq, "GET /repos/acme/shop 200\nGET /repos/acme/shop/pulls 200\n"
	    "POST /repos/acme/shop/issues/1/comments 201\n", "one comment only");
	q = fk_find(reqs, "POST", "/repos/acme/shop/issues/1/comments", 0);
	T_OK(strstr(js_get_str(q, "body.body"), "Incident `i_2`") &&
	    strstr(js_get_str(q, "body.body"), "12 occurrence(s) on 2 machine(s)"),
	    "the comment names the new incident and counts");
	s = git_out(bare, "rev-parse", "selfheal/f_088e99f50586311e",
	    (char *)NULL);
	T_STR(s, commit, "branch untouched");
	free(s);
	free(seq);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* 4. 422 "already exists" (the lookup missed it): comment on it */
	d = diag(FP, "i_3", good_diff);
	fk_mode(&F, "empty", 1, "GET", "/pulls$");
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	seq = fk_seq(reqs);
	T_OK(rc == FX_APPLIED && strstr(o.reason.s, "#1"), "422 exists -> "
	    "comment: %s", o.reason.s);
	T_STR(seq, "GET /repos/acme/shop 200\nGET /repos/acme/shop/pulls 200\n"
	    "POST /repos/acme/shop/pulls 422\nGET /repos/acme/shop/pulls 200\n"
	    "POST /repos/acme/shop/issues/1/comments 201\n", "422, lookup, comment");
	s = git_out(bare, "rev-parse", "selfheal/f_088e99f50586311e",
	    (char *)NULL);
	T_STR(s, commit, "the existing branch was not pushed over");
	free(s);
	T_OK(clean(), "no worktree");
	free(seq);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* 5. a branch already on the remote (no PR): not pushed over, PR
	 * opened from it */
	fk_cmd(seed, NULL, "git", "push", "-q", bare, "main:refs/heads/"
	    "selfheal/f_pre", (char *)NULL);
	char *pre = git_out(bare, "rev-parse", "selfheal/f_pre", (char *)NULL);
	d = diag("f_pre", "i_4", good_diff);
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	s = git_out(bare, "rev-parse", "selfheal/f_pre", (char *)NULL);
	T_OK(rc == FX_APPLIED && strstr(o.reason.s, "already existed on the "
	    "remote: not pushed over") && !strcmp(s, pre) &&
	    cJSON_IsFalse(js_get(o.result, "pushed")), "existing branch kept "
	    "(%s): %s", s, o.reason.s);
	free(s);
	free(pre);
	T_OK(fk_find(reqs, "POST", "/repos/acme/shop/pulls", 0) != NULL,
	    "PR opened from the existing branch");
	T_OK(clean(), "no worktree");
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* 6. hostile patches: denied, nothing pushed, no API write */
	static const char huge_head[] = "--- a/main.go\n+++ b/main.go\n"
	    "@@ -1,1 +1,20000 @@\n-package main\n";
	struct sbuf huge;
	sbuf_init(&huge);
	sbuf_adds(&huge, huge_head);
	for (int i = 0; i < 20000; i++)
		sbuf_adds(&huge, "+// padding padding padding padding\n");
	struct {
		const char *name, *diff, *want;
	} bad[] = {
		{ "path traversal", NULL, "\"..\" component" },
		{ "absolute path", "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n"
		  "-root\n+toor\n", "absolute path" },
		{ "workflow", NULL, ".github" },
		{ "lock file", NULL, "lock files" },
		{ "symlink escape", NULL, "through the symbolic link \"evil\"" },
		{ "binary", "diff --git a/logo.png b/logo.png\nnew file mode 100644\n"
		  "index 0000000..1111111\nGIT binary patch\nliteral 4\n"
		  "LcmZ?wbhEHb\n\n", "binary" },
		{ "huge", huge.s, "more than the cap" },
		{ "symlink creation", "diff --git a/l b/l\nnew file mode 120000\n"
		  "--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc/passwd\n",
		  "symbolic link" },
		{ "secret", "--- a/main.go\n+++ b/main.go\n@@ -1 +1,2 @@\n"
		  " package main\n+// ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
		  "secret" },
	};
	static char d0[512], d2[512], d3[512], d4[512];
	snprintf(d0, sizeof d0, "%s", one_file("../../etc/passwd"));
	snprintf(d2, sizeof d2, "%s", one_file(".github/workflows/x.yml"));
	snprintf(d3, sizeof d3, "%s", one_file("package-lock.json"));
	snprintf(d4, sizeof d4, "%s", one_file("evil/passwd"));
	bad[0].diff = d0;
	bad[2].diff = d2;
	bad[3].diff = d3;
	bad[4].diff = d4;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char fp[32];
		snprintf(fp, sizeof fp, "f_bad%zu", i);
		d = diag(fp, "i_5", bad[i].diff);
		rc = fx_pr(fx, d, recs, 1, &o);
		reqs = fk_take(&F);
		s = branches();
		T_OK(rc == FX_DENIED && strstr(o.reason.s, bad[i].want) &&
		    o.want_issue, "%s: denied: %s", bad[i].name, o.reason.s);
		T_OK(fk_writes(reqs) == 0 && !strstr(s, fp) && clean(),
		    "%s: no API write, nothing pushed, no worktree", bad[i].name);
		free(s);
		cJSON_Delete(reqs);
		fx_outcome_release(&o);
		cJSON_Delete(d);
	}
	sbuf_release(&huge);

	/* policy globs */
	const char *deny[] = { "*.go", NULL };
	struct fx_config c3 = cfg;
	c3.rules.deny = deny;
	struct fixpr *fx3 = fx_new(&c3, &err);
	d = diag("f_glob", "i_6", good_diff);
	rc = fx_pr(fx3, d, recs, 1, &o);
	reqs = fk_take(&F);
	T_OK(rc == FX_DENIED && strstr(o.reason.s, "deny-paths") &&
	    cJSON_GetArraySize(reqs) == 0, "deny-paths: %s", o.reason.s);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);
	fx_free(fx3);

	/* 7. a patch that does not apply: failed; the next action runs */
	char stale[4096];
	snprintf(stale, sizeof stale, "%s", good_diff);
	char *ctx = strstr(stale, "\treturn items[i]");
	if (ctx)
		ctx[14] = 'j';
	d = diag("f_stale", "i_7", stale);
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	s = branches();
	T_OK(rc == FX_FAILED && strstr(o.reason.s, "does not apply to main") &&
	    strstr(o.reason.s, "patch failed: main.go"), "does not apply: %s",
	    o.reason.s);
	T_OK(fk_writes(reqs) == 0 && !strstr(s, "f_stale") && clean(),
	    "nothing pushed or written, no worktree");
	free(s);
	cJSON_Delete(reqs);
	struct fx_outcome oi;
	rc = fx_issue(fx, d, recs, o.reason.s, 1, &oi);
	reqs = fk_take(&F);
	seq = fk_seq(reqs);
	T_OK(rc == FX_APPLIED && strstr(oi.reason.s, "opened issue #"),
	    "then github.issue: %s", oi.reason.s);
	T_STR(seq, "GET /repos/acme/shop/issues 200\nGET /search/issues 200\n"
	    "GET /repos/acme/shop/labels/selfheal 200\n"
	    "POST /repos/acme/shop/issues 201\n", "issue: list, search, label, "
	    "create");
	q = fk_find(reqs, "POST", "/repos/acme/shop/issues", 0);
	body = js_get_str(q, "body.body");
	body = body ? body : "";
	T_OK(strstr(body, "The proposed patch was not applied") &&
	    strstr(body, "does not apply") && strstr(body, "```diff"),
	    "the issue says why and quotes the diff");
	T_OK(strstr(js_get_str(q, "body.title"), "[f_stale]") != NULL,
	    "the fingerprint is in the title: %s", js_get_str(q, "body.title"));
	T_STR(cJSON_GetArrayItem(js_get(q, "body.labels"), 0)->valuestring,
	    "selfheal", "labelled");
	long issue_no = (long)cJSON_GetNumberValue(js_get(oi.result, "issue"));
	free(seq);
	cJSON_Delete(reqs);
	fx_outcome_release(&oi);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* a push the remote rejects (a stale lock on the ref): failed */
	char lockf[300];
	snprintf(lockf, sizeof lockf, "%s/refs/heads/selfheal/f_reject.lock",
	    bare);
	fk_write(bare, "refs/heads/selfheal/f_reject.lock", "");
	d = diag("f_reject", "i_7b", good_diff);
	rc = fx_pr(fx, d, recs, 1, &o);
	reqs = fk_take(&F);
	s = branches();
	T_OK(rc == FX_FAILED && strstr(o.reason.s, "push of selfheal/f_reject "
	    "refused: git push failed") && fk_writes(reqs) == 0 &&
	    !strstr(s, "f_reject") && clean(), "a rejected push: failed, no PR, "
	    "no worktree: %s", o.reason.s);
	unlink(lockf);
	free(s);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* 8. no patch: github.pr skips, github.issue comments on the open
	 * issue for the same fingerprint */
	d = diag("f_stale", "i_8", "");
	rc = fx_pr(fx, d, recs, 1, &o);
	T_OK(rc == FX_SKIPPED && o.want_issue, "no patch: skipped: %s",
	    o.reason.s);
	fx_outcome_release(&o);
	rc = fx_issue(fx, d, recs, NULL, 1, &o);
	reqs = fk_take(&F);
	seq = fk_seq(reqs);
	char want[200];
	snprintf(want, sizeof want, "GET /repos/acme/shop/issues 200\n"
	    "POST /repos/acme/shop/issues/%ld/comments 201\n", issue_no);
	T_OK(rc == FX_APPLIED && strstr(o.reason.s, "open issue"), "issue "
	    "again: %s", o.reason.s);
	T_STR(seq, want, "found by label and marker, commented");
	free(seq);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	rc = fx_issue(fx, d, recs, NULL, 0, &o);
	reqs = fk_take(&F);
	T_OK(rc == FX_DRYRUN && cJSON_GetArraySize(reqs) == 0, "issue dry-run: "
	    "no request: %s", o.reason.s);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	cJSON_Delete(d);

	/* 9. API errors: failed with a clear reason, nothing pushed */
	struct {
		const char *mode, *method, *path, *want;
	} errs[] = {
		{ "401", NULL, NULL, "HTTP 401 Unauthorized: Bad credentials" },
		{ "403-ratelimit", NULL, NULL, "rate limit exhausted" },
		{ "404", NULL, NULL, "HTTP 404 Not Found" },
		{ "422", "POST", "/pulls$", "HTTP 422 Unprocessable Entity: "
		  "Validation Failed; forced validation failure" },
		{ "403", "POST", "/pulls$", "lacks a permission" },
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		char fp[32], br[64];
		snprintf(fp, sizeof fp, "f_err%zu", i);
		snprintf(br, sizeof br, "selfheal/%s", fp);
		d = diag(fp, "i_9", good_diff);
		fk_mode(&F, errs[i].mode, 1, errs[i].method, errs[i].path);
		rc = fx_pr(fx, d, recs, 1, &o);
		reqs = fk_take(&F);
		s = branches();
		int pushed = strstr(s, br) != NULL;
		T_OK(rc == FX_FAILED && strstr(o.reason.s, errs[i].want), "%s: %s",
		    errs[i].mode, o.reason.s);
		T_OK(clean() && (errs[i].method ? pushed && strstr(o.reason.s,
		    "was pushed; the next run opens the pull request") : !pushed),
		    "%s: %s", errs[i].mode, errs[i].method ? "pushed before the "
		    "PR failed, and says so" : "nothing pushed");
		free(s);
		cJSON_Delete(reqs);
		fx_outcome_release(&o);
		/* the next run completes what the failed one began */
		if (errs[i].method) {
			char *tip = git_out(bare, "rev-parse", br, (char *)NULL);
			rc = fx_pr(fx, d, recs, 1, &o);
			reqs = fk_take(&F);
			s = git_out(bare, "rev-parse", br, (char *)NULL);
			T_OK(rc == FX_APPLIED && !strcmp(s, tip) && strstr(o.reason.s,
			    "opened draft pull request"), "%s then ok, branch kept: %s",
			    errs[i].mode, o.reason.s);
			free(s);
			free(tip);
			cJSON_Delete(reqs);
			fx_outcome_release(&o);
		}
		cJSON_Delete(d);
	}

	/* 10. no token; a custom identity */
	struct fx_config c4 = cfg;
	c4.token = NULL;
	struct fixpr *fx4 = fx_new(&c4, &err);
	d = diag("f_notoken", "i_10", good_diff);
	rc = fx_pr(fx4, d, recs, 1, &o);
	reqs = fk_take(&F);
	T_OK(rc == FX_FAILED && strstr(o.reason.s, "GITHUB_TOKEN") &&
	    cJSON_GetArraySize(reqs) == 0, "no token: %s", o.reason.s);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	fx_free(fx4);
	cJSON_Delete(d);

	c4 = cfg;
	c4.author_name = "Fix Bot";
	c4.author_email = "fixbot@example.com";
	c4.ready = 1;
	fx4 = fx_new(&c4, &err);
	d = diag("f_ident", "i_11", good_diff);
	/* GIT_* variables that would redirect or rewrite the commit */
	setenv("GIT_DIR", "/nonexistent", 1);
	setenv("GIT_INDEX_FILE", "/nonexistent/index", 1);
	setenv("GIT_AUTHOR_NAME", "Mallory", 1);
	setenv("GIT_COMMITTER_EMAIL", "mallory@example.com", 1);
	setenv("GIT_CONFIG_PARAMETERS", "'core.hooksPath'='/tmp'", 1);
	rc = fx_pr(fx4, d, recs, 1, &o);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
	unsetenv("GIT_CONFIG_PARAMETERS");
	reqs = fk_take(&F);
	s = git_out(bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>",
	    "selfheal/f_ident", (char *)NULL);
	q = fk_find(reqs, "POST", "/repos/acme/shop/pulls", 0);
	T_OK(rc == FX_APPLIED && !strcmp(s, "Fix Bot <fixbot@example.com>|"
	    "Fix Bot <fixbot@example.com>") &&
	    cJSON_IsFalse(js_get(q, "body.draft")) && strstr(o.reason.s,
	    "ready pull request"), "custom identity (GIT_* variables ignored) and --ready: %s (%s)", s,
	    o.reason.s);
	free(s);
	cJSON_Delete(reqs);
	fx_outcome_release(&o);
	fx_free(fx4);
	cJSON_Delete(d);

	/* a stale worktree of a dead selfheal process is swept */
	struct git_cfg gc = { .repo = work, .tmpdir = wtdir };
	struct git_worktree wt;
	struct sbuf why;
	sbuf_init(&why);
	T_OK(git_worktree_add(&gc, main_sha, &wt, &why) == 0, "a worktree %s",
	    why.s ? why.s : "");
	char dead[300];
	snprintf(dead, sizeof dead, "%s/selfheal-wt-999999-abcdef", wtdir);
	fk_cmd(work, NULL, "git", "worktree", "move", wt.path, dead, (char *)NULL);
	free(wt.path);
	T_OK(!clean() && git_worktree_sweep(&gc) == 1 && clean(),
	    "a dead process's worktree is removed");
	T_OK(git_push_new(&gc, main_sha, "main", "main", &why) == -1 &&
	    strstr(why.s, "refusing"), "never pushes to the default branch: %s",
	    why.s);
	sbuf_reset(&why);
	T_OK(git_push_new(&gc, main_sha, "selfheal/f_088e99f50586311e", "main",
	    &why) == -1 && strstr(why.s, "already exists"), "never over an "
	    "existing branch: %s", why.s);
	sbuf_release(&why);

	free(commit);
	free(main_sha);
	fx_free(fx);
	rx_free(rx);
	cJSON_Delete(recs);
	sbuf_release(&err);
	fk_stop(&F);
	if (!getenv("FK_KEEP"))
		fk_rmrf(dir);
	else
		printf("# kept %s\n", dir);
	return t_done();
}
