/* fixpr.c - see fixpr.h. fx_pr is a straight line of steps; each failure
 * fills the outcome and jumps to the one exit, which removes the
 * worktree when there is one. */
#include "fixpr.h"
#include "github.h"
#include "gitops.h"
#include "json.h"
#include "redact.h"
#include "report.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_CAP 60000          /* GitHub refuses bodies over 65536 chars */
#define TITLE_CAP 200
#define LABEL_COLOR "d93f0b"
/* an sbuf's text, "" when it never got any */
#define SB(b) ((b).s ? (b).s : "")
#define LABEL_DESC "Opened by selfheal for a crash it saw: review first"

struct fixpr {
	struct fx_config cfg;
	struct git_cfg git;
	struct gh_client gh;
	char slug[210];
	char *api_base;
};

const char *
fx_status_name(enum fx_status s)
{
	switch (s) {
	case FX_APPLIED: return "applied";
	case FX_DRYRUN: return "dry-run";
	case FX_DENIED: return "denied";
	case FX_FAILED: return "failed";
	case FX_SKIPPED: return "skipped";
	}
	return "failed";
}

void
fx_outcome_init(struct fx_outcome *o)
{
	memset(o, 0, sizeof *o);
	sbuf_init(&o->reason);
	sbuf_add(&o->reason, "", 0);
	o->status = FX_FAILED;
}

void
fx_outcome_release(struct fx_outcome *o)
{
	sbuf_release(&o->reason);
	cJSON_Delete(o->result);
	memset(o, 0, sizeof *o);
}

static int
set(struct fx_outcome *o, enum fx_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
set(struct fx_outcome *o, enum fx_status st, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sbuf_reset(&o->reason);
	for (const char *p = buf; *p; p++)
		sbuf_addc(&o->reason, (unsigned char)*p < 0x20 ? ' ' : *p);
	sbuf_add(&o->reason, "", 0);    /* never NULL */
	o->status = st;
	return st;
}

int
fx_branch_name(const char *fp, char *out, size_t n)
{
	size_t k = fp ? strlen(fp) : 0;

	if (k == 0 || k > 64 || fp[0] == '.' || fp[0] == '-')
		return -1;
	for (const char *p = fp; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return -1;
	if (strstr(fp, "..") || (k >= 5 && !strcmp(fp + k - 5, ".lock")) ||
	    fp[k - 1] == '.')
		return -1;
	if ((size_t)snprintf(out, n, "selfheal/%s", fp) >= n)
		return -1;
	return 0;
}

struct fixpr *
fx_new(const struct fx_config *cfg, struct sbuf *err)
{
	struct fixpr *fx = xcalloc(1, sizeof *fx);
	struct gh_repo gr;
	struct sbuf url, base;

	memset(&gr, 0, sizeof gr);
	fx->cfg = *cfg;
	fx->git.repo = cfg->repo;
	fx->git.remote = cfg->remote;
	fx->git.git = cfg->git;
	fx->git.name = cfg->author_name;
	fx->git.email = cfg->author_email;
	fx->git.tmpdir = cfg->tmpdir;
	fx->git.timeout_ms = cfg->git_timeout_ms;
	sbuf_init(&url);
	sbuf_init(&base);
	if (!cfg->repo && !cfg->github_repo) {
		sbuf_adds(err, "GitHub actions need --repo DIR (a checkout) or "
		    "--github-repo OWNER/REPO");
		goto fail;
	}
	if (cfg->repo && git_check_cfg(&fx->git, err) < 0)
		goto fail;
	if (cfg->github_repo) {
		if (gh_parse_slug(cfg->github_repo, &gr) < 0) {
			sbuf_addf(err, "--github-repo: not OWNER/REPO: \"%.100s\"",
			    cfg->github_repo);
			goto fail;
		}
	}
	if (cfg->repo && git_remote_url(&fx->git, &url, err) < 0) {
		if (!cfg->github_repo)
			goto fail;
		sbuf_reset(err);
	}
	if (url.len) {
		struct gh_repo fromurl;
		if (gh_parse_remote(url.s, &fromurl) == 0) {
			if (!cfg->github_repo)
				gr = fromurl;
			else
				snprintf(gr.host, sizeof gr.host, "%s", fromurl.host);
		} else if (!cfg->github_repo) {
			sbuf_addf(err, "cannot tell OWNER/REPO from the URL of remote "
			    "\"%s\": give --github-repo", cfg->remote ? cfg->remote :
			    "origin");
			goto fail;
		}
	}
	if (cfg->github_url && *cfg->github_url)
		sbuf_adds(&base, cfg->github_url);
	else if (gr.host[0])
		gh_api_base(gr.host, &base);
	else
		sbuf_adds(&base, GH_DEFAULT_URL);
	if (gh_init(&fx->gh, base.s, cfg->token, gr.owner, gr.name, err) < 0)
		goto fail;
	if (cfg->api_deadline_ms > 0)
		fx->gh.deadline_ms = cfg->api_deadline_ms;
	if (cfg->request_timeout_ms > 0) {
		fx->gh.http.timeout_ms = cfg->request_timeout_ms;
		/* a call's deadline leaves room for a retry of a slow request */
		if (cfg->api_deadline_ms <= 0 && fx->gh.deadline_ms <
		    2 * (int64_t)cfg->request_timeout_ms)
			fx->gh.deadline_ms = 2 * (int64_t)cfg->request_timeout_ms;
	}
	if (cfg->api_backoff_ms > 0) {
		fx->gh.backoff_min_ms = cfg->api_backoff_ms;
		fx->gh.backoff_max_ms = cfg->api_backoff_ms * 16;
	}
	snprintf(fx->slug, sizeof fx->slug, "%s/%s", gr.owner, gr.name);
	fx->api_base = xstrdup(base.s);
	if (url.s)
		explicit_bzero(url.s, url.len);
	sbuf_release(&url);
	sbuf_release(&base);
	return fx;
fail:
	if (url.s)
		explicit_bzero(url.s, url.len);
	sbuf_release(&url);
	sbuf_release(&base);
	free(fx);
	return NULL;
}

void
fx_free(struct fixpr *fx)
{
	if (!fx)
		return;
	gh_release(&fx->gh);
	free(fx->api_base);
	free(fx);
}

void
fx_set_paths(struct fixpr *fx, const char *const *allow,
    const char *const *deny)
{
	fx->cfg.rules.allow = allow;
	fx->cfg.rules.deny = deny;
}

const char *
fx_repo_slug(const struct fixpr *fx)
{
	return fx->slug;
}

static const char *
gs(const cJSON *o, const char *k)
{
	const char *v = js_get_str(o, k);
	return v ? v : "";
}

/* Redact (when configured) and cap a text going to GitHub. */
static void
finish_text(struct fixpr *fx, struct sbuf *t, size_t cap)
{
	if (fx->cfg.rx && t->len) {
		struct sbuf r;
		sbuf_init(&r);
		rx_text(fx->cfg.rx, t->s, t->len, &r, NULL);
		sbuf_reset(t);
		sbuf_add(t, r.s, r.len);
		sbuf_release(&r);
	}
	if (t->len > cap) {
		t->len = js_utf8_cut(t->s, cap);
		t->s[t->len] = '\0';
		sbuf_adds(t, "\n\n*(cut: the report is longer than GitHub allows)*\n");
	}
}

/* One line: control characters become spaces, at most cap bytes. */
static void
one_line(struct sbuf *out, const char *s, size_t cap)
{
	size_t start = out->len;

	for (; *s; s++)
		sbuf_addc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
	if (out->len - start > cap) {
		out->len = start + js_utf8_cut(out->s + start, cap);
		out->s[out->len] = '\0';
	}
}

static void
marker(struct sbuf *m, const cJSON *d)
{
	sbuf_addf(m, "<!-- selfheal:fingerprint=%s incident=%s -->",
	    gs(d, "fingerprint"), gs(d, "incident"));
}

static void
pr_title(struct fixpr *fx, const cJSON *d, struct sbuf *t)
{
	const char *pt = js_get_str(d, "patch.title");
	struct sbuf x;

	sbuf_init(&x);
	if (pt && *pt)
		one_line(&x, pt, TITLE_CAP - 12);
	else
		rp_title(d, TITLE_CAP - 12, &x);
	sbuf_adds(t, "selfheal: ");
	sbuf_add(t, x.s ? x.s : "", x.len);
	sbuf_release(&x);
	finish_text(fx, t, TITLE_CAP + 40);
}

static void
testing_text(const cJSON *d, const char *branch, const char *remote,
    struct sbuf *t)
{
	const char *app = gs(d, "app");

	sbuf_addf(t, "1. Check out the branch: `git fetch %s %s && git switch "
	    "--detach FETCH_HEAD`.\n", remote, branch);
	sbuf_adds(t, "2. Run the test suite, and add a test that reproduces the "
	    "crash from the evidence above: it must fail without this change and "
	    "pass with it.\n");
	if (*app)
		sbuf_addf(t, "3. Deploy the branch to a staging app (`fly deploy "
		    "--app %s-staging` or your usual way), send it the traffic that "
		    "crashed, and watch `fly logs --app %s-staging` for the "
		    "fingerprint `%s`.\n", app, app, gs(d, "fingerprint"));
	else
		sbuf_addf(t, "3. Deploy the branch to a staging environment and "
		    "watch its logs for the fingerprint `%s`.\n", gs(d,
		    "fingerprint"));
	sbuf_adds(t, "4. Review the diff as you would a colleague's: selfheal "
	    "wrote it from logs and never merges. When it is merged and "
	    "deployed, selfheal comments here if the crash comes back.\n");
}

static void
body_of(struct fixpr *fx, const cJSON *d, const cJSON *records,
    const char *preface, const char *testing, int omit_diff, struct sbuf *b)
{
	struct sbuf m;
	struct rp_extra x;

	sbuf_init(&m);
	marker(&m, d);
	memset(&x, 0, sizeof x);
	x.marker = m.s;
	x.preface = preface;
	x.records = records;
	x.testing = testing;
	x.omit_diff = omit_diff;
	rp_markdown_ex(d, &x, b);
	sbuf_release(&m);
	finish_text(fx, b, BODY_CAP);
}

/* A comment on an open PR or issue: the incident came back. */
static void
occurrence_comment(struct fixpr *fx, const cJSON *d, const cJSON *records,
    struct sbuf *b)
{
	const cJSON *occ = js_get(d, "occurrences"), *inst = js_get(d,
	    "instances");
	const cJSON *ev = js_get(d, "evidence");

	sbuf_addf(b, "<!-- selfheal:occurrence incident=%s -->\n", gs(d,
	    "incident"));
	sbuf_adds(b, "**The crash happened again.** Incident `");
	one_line(b, gs(d, "incident"), 80);
	sbuf_addf(b, "` of app `");
	one_line(b, gs(d, "app"), 80);
	sbuf_addf(b, "`: %.0f occurrence(s) on %d machine(s), ",
	    cJSON_IsNumber(occ) ? occ->valuedouble : 0, cJSON_GetArraySize(inst));
	one_line(b, gs(d, "first_ts"), 40);
	sbuf_adds(b, " to ");
	one_line(b, gs(d, "last_ts"), 40);
	sbuf_adds(b, " (fingerprint `");
	one_line(b, gs(d, "fingerprint"), 80);
	sbuf_adds(b, "`, diagnosed by `");
	one_line(b, gs(d, "backend"), 80);
	sbuf_adds(b, "`).\n\n");
	if (*gs(d, "summary")) {
		sbuf_adds(b, "Summary: ");
		struct sbuf s;
		sbuf_init(&s);
		one_line(&s, gs(d, "summary"), 400);
		for (size_t i = 0; i < s.len; i++)
			if (strchr("<>&`", s.s[i]))
				s.s[i] = '\'';
		sbuf_add(b, s.s ? s.s : "", s.len);
		sbuf_release(&s);
		sbuf_adds(b, "\n\n");
	}
	if (cJSON_GetArraySize(ev) > 0) {
		struct sbuf e;
		int k = 0;
		sbuf_init(&e);
		for (const cJSON *l = ev->child; l && k < 8; l = l->next, k++)
			if (cJSON_IsString(l))
				sbuf_addf(&e, "%s\n", l->valuestring);
		rp_fence(b, "text", e.s ? e.s : "");
		sbuf_release(&e);
		sbuf_addc(b, '\n');
	}
	sbuf_adds(b, "Repair actions taken or refused for this incident:\n\n");
	rp_records(records, b);
	finish_text(fx, b, BODY_CAP);
}

static void
commit_message(struct fixpr *fx, const cJSON *d, struct sbuf *m)
{
	const char *pt = js_get_str(d, "patch.title");
	const char *pb = js_get_str(d, "patch.body");

	if (pt && *pt)
		one_line(m, pt, 72);
	else {
		sbuf_adds(m, "Fix ");
		rp_title(d, 68, m);
	}
	sbuf_adds(m, "\n\n");
	if (pb && *pb) {
		size_t start = m->len;
		for (const char *s = pb; *s && m->len - start < 4000; s++)
			sbuf_addc(m, (unsigned char)*s < 0x20 && *s != '\n' ? ' ' : *s);
		sbuf_adds(m, "\n\n");
	}
	sbuf_adds(m, "Proposed by selfheal for incident ");
	one_line(m, gs(d, "incident"), 80);
	if (*gs(d, "app")) {
		sbuf_adds(m, " of app ");
		one_line(m, gs(d, "app"), 80);
	}
	sbuf_adds(m, ": ");
	one_line(m, gs(d, "summary"), 300);
	sbuf_adds(m, "\nReview and test before merging; selfheal never merges.\n\n");
	sbuf_adds(m, "Selfheal-Incident: ");
	one_line(m, gs(d, "incident"), 80);
	sbuf_adds(m, "\nSelfheal-Fingerprint: ");
	one_line(m, gs(d, "fingerprint"), 80);
	sbuf_addc(m, '\n');
	if (fx->cfg.rx) {
		struct sbuf r;
		sbuf_init(&r);
		rx_text(fx->cfg.rx, m->s, m->len, &r, NULL);
		sbuf_reset(m);
		sbuf_add(m, r.s, r.len);
		sbuf_release(&r);
	}
}

static void
res_str(struct fx_outcome *o, const char *k, const char *v)
{
	if (!o->result)
		o->result = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(o->result, k);
	cJSON_AddStringToObject(o->result, k, v);
}

static void
res_num(struct fx_outcome *o, const char *k, double v)
{
	if (!o->result)
		o->result = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(o->result, k);
	cJSON_AddNumberToObject(o->result, k, v);
}

static void
res_bool(struct fx_outcome *o, const char *k, int v)
{
	if (!o->result)
		o->result = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(o->result, k);
	cJSON_AddBoolToObject(o->result, k, v);
}

static const char *
label(const struct fixpr *fx)
{
	return fx->cfg.label && *fx->cfg.label ? fx->cfg.label : "selfheal";
}

/* Comment the new occurrences on PR or issue number n. */
static int
comment_on(struct fixpr *fx, const cJSON *d, const cJSON *records,
    const struct gh_item *it, const char *kind, struct fx_outcome *o)
{
	struct sbuf b, why;
	struct gh_item c;
	int rc;

	sbuf_init(&b);
	sbuf_init(&why);
	occurrence_comment(fx, d, records, &b);
	res_num(o, kind, (double)it->number);
	if (it->html_url[0])
		res_str(o, "url", it->html_url);
	rc = gh_comment(&fx->gh, it->number, b.s, &c, &why);
	if (rc < 0) {
		set(o, FX_FAILED, "%s #%ld is open for this fingerprint, but the "
		    "comment failed: %s", kind, it->number, SB(why));
	} else {
		if (c.html_url[0])
			res_str(o, "comment_url", c.html_url);
		res_bool(o, "commented", 1);
		set(o, FX_APPLIED, "commented the new occurrences on the open %s "
		    "#%ld instead of opening another", !strcmp(kind, "pull") ?
		    "pull request" : "issue", it->number);
	}
	sbuf_release(&b);
	sbuf_release(&why);
	return o->status;
}

/* The label on a new PR or issue: a failure is noted, not fatal. */
static void
add_label(struct fixpr *fx, long n, struct fx_outcome *o, struct sbuf *note)
{
	struct sbuf why;

	sbuf_init(&why);
	if (gh_ensure_label(&fx->gh, label(fx), LABEL_COLOR, LABEL_DESC, &why) <
	    0 || gh_add_label(&fx->gh, n, label(fx), &why) < 0) {
		res_bool(o, "labeled", 0);
		sbuf_addf(note, "; label \"%s\" not added: %s", label(fx), SB(why));
	} else {
		res_bool(o, "labeled", 1);
	}
	sbuf_release(&why);
}

int
fx_pr(struct fixpr *fx, const cJSON *d, const cJSON *records, int apply,
    struct fx_outcome *o)
{
	const char *fp = js_get_str(d, "fingerprint");
	const char *diff = js_get_str(d, "patch.diff");
	const char *remote = fx->cfg.remote ? fx->cfg.remote : "origin";
	char branch[128], base_sha[GIT_SHA_MAX], sha[GIT_SHA_MAX] = "";
	struct sbuf why, base, body, title, msg, testing, note;
	struct pc_patch patch;
	struct git_worktree wt = { NULL };
	struct gh_item it;
	int rc, exists = 0, drafted = 0;

	fx_outcome_init(o);
	sbuf_init(&why);
	sbuf_init(&base);
	sbuf_init(&body);
	sbuf_init(&title);
	sbuf_init(&msg);
	sbuf_init(&testing);
	sbuf_init(&note);
	pc_patch_init(&patch);

	if (!fp || fx_branch_name(fp, branch, sizeof branch) < 0) {
		set(o, FX_SKIPPED, "the diagnosis has no usable fingerprint: no "
		    "branch name for a pull request");
		goto out;
	}
	res_str(o, "repo", fx->slug);
	res_str(o, "branch", branch);
	if (!diff || !*diff) {
		o->want_issue = 1;
		set(o, FX_SKIPPED, "the diagnosis has no patch: nothing to propose "
		    "(github.issue files an issue instead)");
		goto out;
	}
	if (!fx->cfg.repo) {
		set(o, FX_SKIPPED, "no --repo checkout to make a branch from");
		goto out;
	}

	/* 1. the patch */
	rc = pc_validate(diff, strlen(diff), &fx->cfg.rules, &patch, &why);
	if (rc != PC_OK) {
		o->want_issue = 1;
		set(o, rc == PC_DENIED ? FX_DENIED : FX_FAILED, "patch refused: %s",
		    SB(why));
		goto out;
	}
	if (fx->cfg.rx) {
		struct sbuf r;
		unsigned long before = rx_count(fx->cfg.rx);
		sbuf_init(&r);
		rx_text(fx->cfg.rx, diff, strlen(diff), &r, NULL);
		sbuf_release(&r);
		if (rx_count(fx->cfg.rx) != before) {
			o->want_issue = 1;
			set(o, FX_DENIED, "patch refused: it contains what looks like a "
			    "secret");
			goto out;
		}
	}
	res_num(o, "files", patch.nfiles);
	res_num(o, "lines_added", (double)patch.added);
	res_num(o, "lines_removed", (double)patch.removed);
	if (apply && !fx->gh.have_token) {
		set(o, FX_FAILED, "no GitHub token (GITHUB_TOKEN): cannot open a "
		    "pull request");
		goto out;
	}

	/* 2. GitHub: the base, and an earlier pull request */
	if (apply) {
		int archived = -1;
		if (gh_get_repo(&fx->gh, &base, NULL, &archived, &why) < 0) {
			set(o, FX_FAILED, "%s", SB(why));
			goto out;
		}
		if (archived == 1) {
			set(o, FX_FAILED, "%s is archived: no pull request possible",
			    fx->slug);
			goto out;
		}
		if (!git_branch_ok(base.s)) {
			set(o, FX_FAILED, "GitHub names a default branch git would not "
			    "take");
			goto out;
		}
		rc = gh_find_pull(&fx->gh, branch, "all", &it, &why);
		if (rc < 0) {
			set(o, FX_FAILED, "%s", SB(why));
			goto out;
		}
		if (rc == 1 && !strcmp(it.state, "open")) {
			comment_on(fx, d, records, &it, "pull", o);
			goto out;
		}
		if (rc == 1) {
			res_num(o, "pull", (double)it.number);
			if (it.html_url[0])
				res_str(o, "url", it.html_url);
			o->want_issue = it.merged;
			set(o, FX_SKIPPED, "pull request #%ld for this fingerprint was %s:"
			    " not opening another (a human decided)", it.number,
			    it.merged ? "merged, and the crash came back" : "closed");
			goto out;
		}
	} else if (git_remote_head(&fx->git, &base, &why) < 0) {
		set(o, FX_FAILED, "%s", SB(why));
		goto out;
	}
	res_str(o, "base", base.s);
	if (!strcmp(base.s, branch)) {
		set(o, FX_DENIED, "the default branch is %s: never pushed to",
		    branch);
		goto out;
	}

	/* 3. git */
	git_worktree_sweep(&fx->git);
	rc = git_remote_has(&fx->git, branch, sha, &why);
	if (rc < 0) {
		set(o, FX_FAILED, "%s", SB(why));
		goto out;
	}
	exists = rc == 1;
	if (exists) {
		res_str(o, "commit", sha);
		res_bool(o, "pushed", 0);
		sbuf_addf(&note, "; branch %s already existed on the remote: not "
		    "pushed over", branch);
	} else {
		if (git_fetch(&fx->git, base.s, base_sha, &why) < 0) {
			set(o, FX_FAILED, "%s", SB(why));
			goto out;
		}
		res_str(o, "base_commit", base_sha);
		if (git_worktree_add(&fx->git, base_sha, &wt, &why) < 0) {
			set(o, FX_FAILED, "%s", SB(why));
			goto out;
		}
		if (pc_check_tree(&patch, wt.path, &why) != PC_OK) {
			o->want_issue = 1;
			set(o, FX_DENIED, "patch refused: %s", SB(why));
			goto out;
		}
		if (git_apply(&fx->git, &wt, diff, strlen(diff), !apply, &why) < 0) {
			o->want_issue = 1;
			set(o, FX_FAILED, "the patch does not apply to %s (%.12s): %s",
			    base.s, base_sha, SB(why));
			goto out;
		}
	}
	if (!apply) {
		if (exists)
			set(o, FX_DRYRUN, "branch %s already exists on the remote: "
			    "would not push over it; would open a %s pull request from it "
			    "into %s on %s (or comment on the open one)%s", branch,
			    fx->cfg.ready ? "ready" : "draft", base.s, fx->slug,
			    fx->gh.have_token ? "" : "; no GITHUB_TOKEN: --apply would "
			    "fail");
		else
			set(o, FX_DRYRUN, "git apply --check passed on %s (%.12s): would "
			    "commit, push branch %s and open a %s pull request on %s (or "
			    "comment on the open one)%s", base.s, base_sha, branch,
			    fx->cfg.ready ? "ready" : "draft", fx->slug,
			    fx->gh.have_token ? "" : "; no GITHUB_TOKEN: --apply would "
			    "fail");
		goto out;
	}
	if (!exists) {
		commit_message(fx, d, &msg);
		if (git_commit(&fx->git, &wt, msg.s, sha, &why) < 0) {
			set(o, FX_FAILED, "%s", SB(why));
			goto out;
		}
		res_str(o, "commit", sha);
		if (git_push_new(&fx->git, sha, branch, base.s, &why) < 0) {
			res_bool(o, "pushed", 0);
			set(o, FX_FAILED, "push of %s refused: %s", branch, SB(why));
			goto out;
		}
		res_bool(o, "pushed", 1);
	}
	/* the worktree is not needed any more */
	sbuf_reset(&why);
	if (git_worktree_remove(&fx->git, &wt, &why) < 0)
		sbuf_addf(&note, "; %s", SB(why));

	/* 4. the pull request */
	pr_title(fx, d, &title);
	testing_text(d, branch, remote, &testing);
	body_of(fx, d, records, NULL, testing.s, 1, &body);
	sbuf_reset(&why);
	if (gh_create_pull(&fx->gh, title.s, branch, base.s, body.s,
	    !fx->cfg.ready, &it, &drafted, &why) < 0) {
		if (fx->gh.kind == GH_E_EXISTS) {
			struct sbuf w2;
			sbuf_init(&w2);
			rc = gh_find_pull(&fx->gh, branch, "open", &it, &w2);
			if (rc == 1) {
				comment_on(fx, d, records, &it, "pull", o);
			} else {
				set(o, FX_FAILED, "%s; and the existing pull request was not "
				    "found: %s", SB(why), rc < 0 ? SB(w2) : "none open");
			}
			sbuf_release(&w2);
			goto out;
		}
		set(o, FX_FAILED, "%s (branch %s %s; the next run opens the pull "
		    "request)", SB(why), branch, exists ? "exists" : "was pushed");
		goto out;
	}
	res_num(o, "pull", (double)it.number);
	if (it.html_url[0])
		res_str(o, "url", it.html_url);
	res_bool(o, "draft", drafted);
	add_label(fx, it.number, o, &note);
	set(o, FX_APPLIED, "opened %s pull request #%ld from %s into %s%s",
	    drafted ? "draft" : "ready", it.number, branch, base.s,
	    SB(note));
out:
	if (wt.path) {
		struct sbuf w;
		sbuf_init(&w);
		if (git_worktree_remove(&fx->git, &wt, &w) < 0)
			sbuf_addf(&o->reason, "; %s", SB(w));
		sbuf_release(&w);
	}
	pc_patch_release(&patch);
	sbuf_release(&why);
	sbuf_release(&base);
	sbuf_release(&body);
	sbuf_release(&title);
	sbuf_release(&msg);
	sbuf_release(&testing);
	sbuf_release(&note);
	return o->status;
}

int
fx_issue(struct fixpr *fx, const cJSON *d, const cJSON *records,
    const char *refusal, int apply, struct fx_outcome *o)
{
	const char *fp = js_get_str(d, "fingerprint");
	struct sbuf why, mark, tmark, title, body, pre, t;
	struct gh_item it;
	char branch[128];
	int rc;

	fx_outcome_init(o);
	sbuf_init(&why);
	sbuf_init(&mark);
	sbuf_init(&tmark);
	sbuf_init(&title);
	sbuf_init(&body);
	sbuf_init(&pre);
	sbuf_init(&t);
	if (!fp || fx_branch_name(fp, branch, sizeof branch) < 0) {
		set(o, FX_SKIPPED, "the diagnosis has no usable fingerprint: an "
		    "issue could not be found again");
		goto out;
	}
	res_str(o, "repo", fx->slug);
	sbuf_addf(&mark, "selfheal:fingerprint=%s ", fp);
	sbuf_addf(&tmark, "[%s]", fp);
	if (!apply) {
		set(o, FX_DRYRUN, "would file an issue on %s for fingerprint %s (or "
		    "comment on the open one)%s", fx->slug, fp, fx->gh.have_token ?
		    "" : "; no GITHUB_TOKEN: --apply would fail");
		goto out;
	}
	if (!fx->gh.have_token) {
		set(o, FX_FAILED, "no GitHub token (GITHUB_TOKEN): cannot file an "
		    "issue");
		goto out;
	}
	rc = gh_find_issue(&fx->gh, label(fx), mark.s, tmark.s, fp, &it, &why);
	if (rc < 0) {
		set(o, FX_FAILED, "%s", SB(why));
		goto out;
	}
	if (rc == 1) {
		comment_on(fx, d, records, &it, "issue", o);
		goto out;
	}
	rp_title(d, TITLE_CAP - 40, &t);
	sbuf_adds(&title, "selfheal: ");
	sbuf_add(&title, t.s ? t.s : "", t.len);
	sbuf_addf(&title, " %s", tmark.s);
	finish_text(fx, &title, TITLE_CAP + 40);
	if (refusal && *refusal) {
		sbuf_adds(&pre, "> **The proposed patch was not applied**: ");
		struct sbuf r;
		sbuf_init(&r);
		one_line(&r, refusal, 600);
		for (size_t i = 0; i < r.len; i++)
			if (strchr("<>&`", r.s[i]))
				r.s[i] = '\'';
		sbuf_add(&pre, r.s ? r.s : "", r.len);
		sbuf_release(&r);
		sbuf_adds(&pre, ".\n> It is quoted under Patch for a human to judge; "
		    "do not apply it unread.");
	} else {
		sbuf_adds(&pre, "> selfheal has no code change to propose for this "
		    "crash: a human should look.");
	}
	body_of(fx, d, records, pre.s, NULL, 0, &body);
	sbuf_reset(&why);
	struct sbuf lw;
	sbuf_init(&lw);
	int labeled = gh_ensure_label(&fx->gh, label(fx), LABEL_COLOR, LABEL_DESC,
	    &lw) == 0;
	if (gh_create_issue(&fx->gh, title.s, body.s, labeled ? label(fx) : NULL,
	    &it, &why) < 0) {
		set(o, FX_FAILED, "%s", SB(why));
		sbuf_release(&lw);
		goto out;
	}
	res_num(o, "issue", (double)it.number);
	if (it.html_url[0])
		res_str(o, "url", it.html_url);
	res_bool(o, "labeled", labeled);
	set(o, FX_APPLIED, "opened issue #%ld on %s%s%s", it.number, fx->slug,
	    labeled ? "" : "; label not available: ", labeled ? "" : SB(lw));
	sbuf_release(&lw);
out:
	sbuf_release(&why);
	sbuf_release(&mark);
	sbuf_release(&tmark);
	sbuf_release(&title);
	sbuf_release(&body);
	sbuf_release(&pre);
	sbuf_release(&t);
	return o->status;
}
