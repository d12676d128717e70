/* github.h - the GitHub REST calls of a fix pull request or issue
 * (protocols.md section 4), for github.com, GitHub Enterprise Server
 * (https://HOST/api/v3) and forges that speak the same API, over the
 * shared HTTP client (http.h):
 *
 *   GET  /repos/{o}/{r}                          default branch, access
 *   GET  /repos/{o}/{r}/pulls?head=o:BRANCH&state=...   (paginated)
 *   POST /repos/{o}/{r}/pulls                    draft by default
 *   GET  /repos/{o}/{r}/issues?labels=L&state=open      (paginated)
 *   GET  /search/issues?q=...                    fallback for issues
 *   POST /repos/{o}/{r}/issues
 *   POST /repos/{o}/{r}/issues/{n}/comments
 *   GET  /repos/{o}/{r}/labels/{name}, POST /repos/{o}/{r}/labels
 *   POST /repos/{o}/{r}/issues/{n}/labels
 *
 * Every request carries `Authorization: Bearer TOKEN` (when a token is
 * given), `Accept: application/vnd.github+json`, `X-GitHub-Api-Version:
 * 2022-11-28` and a User-Agent. Redirects are not followed and a
 * pagination link to another origin is not followed, so the token only
 * goes to the configured base URL. Nothing here prints or logs the token.
 *
 * Retries, within the client's deadline per call: transport errors, 5xx
 * and 429 for requests that are safe to repeat (GETs, creating a pull
 * request - a repeat answers 422 "already exists" - and labels); the
 * secondary rate limit (403/429 with Retry-After or "secondary rate
 * limit") for every request, after Retry-After or an exponential backoff;
 * the primary rate limit (x-ratelimit-remaining: 0) only when
 * x-ratelimit-reset comes before the deadline. Otherwise the call fails
 * with a reason that names the request, the status and GitHub's message:
 * 401 bad credentials, 403 permissions or rate limit with its reset time,
 * 404 repository missing or invisible to the token, 410, 422 with the
 * validation errors.
 *
 * Ownership: struct gh_client owns its HTTP client (the token is wiped on
 * release); items are plain structs filled by the calls. */
#ifndef SH_GITHUB_H
#define SH_GITHUB_H

#include <stdint.h>

#include "http.h"
#include "util.h"

#define GH_DEFAULT_URL "https://api.github.com"
#define GH_API_VERSION "2022-11-28"

/* A repository named by a git remote (or OWNER/REPO). */
struct gh_repo {
	char host[256];         /* lowercase; "" for OWNER/REPO */
	char owner[101];
	char name[101];
};

/* gh_parse_remote reads owner and repository from a remote URL:
 * https://[user[:token]@]host[:port]/OWNER/REPO(.git)(/), ssh://[user@]
 * host[:port]/OWNER/REPO(.git), git://host/OWNER/REPO, scp-like
 * [user@]host:OWNER/REPO(.git). Returns 0, or -1 (a local path, another
 * shape, or names GitHub does not allow). The URL may hold a token: it is
 * not copied anywhere but into out's host/owner/name. */
int gh_parse_remote(const char *url, struct gh_repo *out);

/* gh_parse_slug reads "OWNER/REPO". Returns 0 or -1. */
int gh_parse_slug(const char *s, struct gh_repo *out);

/* gh_api_base appends the API base URL for a git host: github.com (and
 * ssh.github.com, www.github.com) -> https://api.github.com; any other
 * host -> https://HOST/api/v3 (GitHub Enterprise Server). */
void gh_api_base(const char *host, struct sbuf *out);

/* What went wrong with the last call (gh_client.kind). */
enum gh_kind {
	GH_OK = 0,
	GH_E_AUTH,              /* 401 */
	GH_E_FORBIDDEN,         /* 403 without a rate limit */
	GH_E_RATELIMIT,         /* 403/429 rate limit beyond the deadline */
	GH_E_NOTFOUND,          /* 404 */
	GH_E_EXISTS,            /* 422 "A pull request already exists" */
	GH_E_INVALID,           /* other 422 */
	GH_E_GONE,              /* 410 (issues disabled, API version retired) */
	GH_E_TRANSIENT,         /* 5xx, transport, still failing at the deadline */
	GH_E_RESPONSE,          /* a 2xx answer we cannot read */
	GH_E_OTHER,
};

struct gh_client {
	struct http_client http;
	char *base;             /* API base URL, no trailing '/' */
	struct gh_repo repo;
	int have_token;
	int64_t deadline_ms;    /* per call, retries included; default 60 s */
	int64_t backoff_min_ms; /* default 1 s */
	int64_t backoff_max_ms; /* default 16 s */
	int max_pages;          /* pagination cap; default 10 */
	/* the last call */
	long status;
	enum gh_kind kind;
	int64_t rl_reset;       /* x-ratelimit-reset of a rate-limit failure */
	unsigned long requests; /* HTTP requests made, retries included */
};

/* gh_init prepares a client for repository owner/name at base (NULL:
 * GH_DEFAULT_URL; http or https only). token may be NULL (no
 * Authorization header: only public reads work). Returns 0, or -1 with a
 * reason in err. */
int gh_init(struct gh_client *g, const char *base, const char *token,
    const char *owner, const char *name, struct sbuf *err);
void gh_release(struct gh_client *g);

/* A pull request, issue or comment as the calls return it. */
struct gh_item {
	long number;            /* 0 for a comment */
	long long id;
	char html_url[512];
	char state[16];         /* "open", "closed" */
	int draft, merged;
	char head_ref[256];
	char head_sha[72];
};

/* Every call returns 0 (or, for finds, 1 found / 0 none) on success and
 * -1 on failure with a one-line reason appended to why and g->kind,
 * g->status set. */

/* GET /repos/{o}/{r}: the default branch; *can_push (may be NULL) from
 * permissions.push (-1 when not given); *archived likewise. */
int gh_get_repo(struct gh_client *g, struct sbuf *default_branch,
    int *can_push, int *archived, struct sbuf *why);

/* The pull request whose head is OWNER:branch, state "open", "closed" or
 * "all" (an open one is preferred). */
int gh_find_pull(struct gh_client *g, const char *branch, const char *state,
    struct gh_item *out, struct sbuf *why);

/* POST /repos/{o}/{r}/pulls. On 422 "A pull request already exists" the
 * call fails with g->kind GH_E_EXISTS. When the repository does not allow
 * drafts (422 mentioning draft) it is opened ready instead (*drafted
 * tells; may be NULL). */
int gh_create_pull(struct gh_client *g, const char *title, const char *branch,
    const char *base, const char *body, int draft, struct gh_item *out,
    int *drafted, struct sbuf *why);

/* POST /repos/{o}/{r}/issues/{n}/comments. */
int gh_comment(struct gh_client *g, long number, const char *body,
    struct gh_item *out, struct sbuf *why);

/* Make sure label name exists (GET, then POST when 404; 422 "already
 * exists" is fine). */
int gh_ensure_label(struct gh_client *g, const char *name, const char *color,
    const char *description, struct sbuf *why);

/* POST /repos/{o}/{r}/issues/{n}/labels {"labels":[name]}. */
int gh_add_label(struct gh_client *g, long number, const char *name,
    struct sbuf *why);

/* An open issue (not a pull request) carrying label whose body contains
 * marker or whose title contains title_mark (either may be NULL): listed
 * by label, then, when none, searched (GET /search/issues, repo-scoped,
 * is:issue is:open, the quoted search_text). */
int gh_find_issue(struct gh_client *g, const char *label, const char *marker,
    const char *title_mark, const char *search_text, struct gh_item *out,
    struct sbuf *why);

/* POST /repos/{o}/{r}/issues with the label (NULL: none). */
int gh_create_issue(struct gh_client *g, const char *title, const char *body,
    const char *label, struct gh_item *out, struct sbuf *why);

#endif
