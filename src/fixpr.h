/* fixpr.h - remediate's `github.pr` and `github.issue` actions: a
 * diagnosis with a patch becomes a branch and a pull request for a human
 * to review, test and merge; a diagnosis without one (or with a refused
 * one) becomes an issue. One call per action; each returns an outcome the
 * engine writes as the action record: status, reason, result.
 *
 * github.pr (fx_pr), in order, stopping at the first refusal or failure:
 *   1. the patch: patch.diff of the diagnosis through patchcheck (paths,
 *      CI and lock files, binary, size, the policy's globs) and, with a
 *      redactor, no secret in it -> `denied` (never trimmed);
 *   2. GitHub: GET the repository (base = its default branch); an open
 *      pull request from branch selfheal/<fingerprint> gets a comment
 *      with the new occurrences instead of a second one (`applied`); a
 *      closed or merged one means a human decided: `skipped`;
 *   3. git: fetch the base, a temporary worktree, the symlink check
 *      against it (`denied`), `git apply --index` (`failed` when it does
 *      not apply), commit (identity from the config, message naming the
 *      incident and the fingerprint), push to selfheal/<fingerprint>
 *      unless that branch already exists (then it is not pushed over and
 *      the pull request is opened from it); the worktree is removed on
 *      every path;
 *   4. POST the pull request (draft unless `ready`), body = the incident
 *      report (report.h) with the repair actions already decided and how
 *      to test the fix; 422 "already exists" -> comment on that one;
 *      then the label (created when missing). Never merged.
 * Dry-run (apply 0): step 1, the git side up to `git apply --check` in a
 * worktree, no push and no API call at all.
 *
 * github.issue (fx_issue): an open issue for the fingerprint (label plus
 * a marker in the body; search as a fallback) gets a comment, else a new
 * issue is filed with the report (and, when given, why the patch was
 * refused, with the refused diff quoted).
 *
 * Every API or git failure is `failed` with a one-line reason (401 bad
 * token, 403 permissions or rate limit with its reset, 404, 422 ...);
 * the caller goes on with its next action.
 *
 * Ownership: a struct fixpr borrows its config (and every string and
 * array it points to) for its whole life, and owns its GitHub client.
 * An outcome owns its reason and result; fx_outcome_release frees what
 * the caller did not take (set o->result to NULL to take it). */
#ifndef SH_FIXPR_H
#define SH_FIXPR_H

#include <stdint.h>

#include "patchcheck.h"
#include "util.h"

struct cJSON;
struct redactor;

enum fx_status {
	FX_APPLIED,
	FX_DRYRUN,
	FX_DENIED,
	FX_FAILED,
	FX_SKIPPED,
};

/* "applied", "dry-run", "denied", "failed", "skipped". */
const char *fx_status_name(enum fx_status s);

struct fx_config {
	/* git (github.pr) */
	const char *repo;           /* --repo DIR, a local checkout; NULL:
	                               github.pr is skipped */
	const char *remote;         /* --remote; NULL: "origin" */
	const char *git;            /* the git program; NULL: "git" */
	const char *author_name;    /* NULL: "selfheal" */
	const char *author_email;   /* NULL: "selfheal@localhost" */
	const char *tmpdir;         /* worktrees; NULL: $TMPDIR or /tmp */
	int64_t git_timeout_ms;     /* per git command; 0: 120 s */
	/* GitHub */
	const char *github_url;     /* --github-url; NULL: for the remote's
	                               host (github.com: api.github.com,
	                               other: https://HOST/api/v3), else
	                               https://api.github.com */
	const char *github_repo;    /* --github-repo OWNER/REPO; NULL: from
	                               the remote's URL */
	const char *token;          /* GITHUB_TOKEN; NULL: no API writes */
	const char *label;          /* NULL: "selfheal" */
	int ready;                  /* open pull requests ready for review
	                               (default: draft) */
	int64_t api_deadline_ms;    /* per API call, retries included; 0: 60 s */
	int64_t api_backoff_ms;     /* first retry delay; 0: 1 s */
	long request_timeout_ms;    /* one API request; 0: 30 s */
	/* patch rules: caps and the policy's allow/deny globs */
	struct pc_rules rules;
	/* optional: bodies, titles and commit messages are redacted again,
	 * and a patch with a secret in it is refused */
	struct redactor *rx;
};

struct fixpr;

/* fx_new checks the configuration (the repository is a git work tree,
 * the remote and identity are sane, OWNER/REPO is known from
 * --github-repo or the remote URL, the API URL is http(s)) without any
 * network access. Returns a handle, or NULL with a reason in err (a
 * configuration error: exit 78). */
struct fixpr *fx_new(const struct fx_config *cfg, struct sbuf *err);
void fx_free(struct fixpr *fx);

/* fx_set_paths sets the policy's path globs for the next fx_pr calls
 * (NULL-ended arrays, borrowed until changed again; NULL: none), replacing
 * cfg->rules.allow and .deny. */
void fx_set_paths(struct fixpr *fx, const char *const *allow,
    const char *const *deny);

/* "OWNER/REPO" the handle works on. */
const char *fx_repo_slug(const struct fixpr *fx);

struct fx_outcome {
	enum fx_status status;
	struct sbuf reason;         /* one line; .s is never NULL */
	struct cJSON *result;       /* object or NULL: repo, branch, base,
	                               commit, pushed, pull/issue, url, draft,
	                               comment_url, labeled */
	int want_issue;             /* github.pr did not use the patch (none,
	                               refused, or already merged): the caller
	                               may run github.issue with the reason as
	                               the refusal */
};

void fx_outcome_init(struct fx_outcome *o);
void fx_outcome_release(struct fx_outcome *o);

/* fx_pr carries out github.pr for diag; records (an array of action
 * records already decided for the incident, may be NULL) go into the
 * body. apply 0 is a dry run. Fills o and returns o->status. */
int fx_pr(struct fixpr *fx, const struct cJSON *diag,
    const struct cJSON *records, int apply, struct fx_outcome *o);

/* fx_issue carries out github.issue for diag; refusal (may be NULL) says
 * why a patch was not used. Fills o and returns o->status. */
int fx_issue(struct fixpr *fx, const struct cJSON *diag,
    const struct cJSON *records, const char *refusal, int apply,
    struct fx_outcome *o);

/* The branch for a fingerprint: "selfheal/" + fp, when fp is a usable
 * name ([A-Za-z0-9_.-], 1..64 bytes). Returns 0 or -1. */
int fx_branch_name(const char *fp, char *out, size_t n);

#endif
