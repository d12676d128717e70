/* github.c - see github.h. One request function (gh_do) holds the
 * headers, the retry and rate-limit policy and the error texts; the calls
 * above it build a path and a JSON body and read a few fields. */
#include "github.h"
#include "json.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define GH_BODY_CAP (8u << 20)

/* ---- names ---- */

static int
name_ok(const char *s, size_t n, int repo)
{
	if (n == 0 || n > 100)
		return 0;
	if (repo && ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
	    s[1] == '.')))
		return 0;
	if (!repo && s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* "OWNER/REPO" with an optional ".git" and one trailing '/'. */
static int
owner_repo(const char *p, size_t n, struct gh_repo *out)
{
	const char *slash;

	while (n && *p == '/') {
		p++;
		n--;
	}
	if (n && p[n - 1] == '/')
		n--;
	if (n > 4 && !memcmp(p + n - 4, ".git", 4))
		n -= 4;
	slash = memchr(p, '/', n);
	if (!slash || memchr(slash + 1, '/', n - (size_t)(slash + 1 - p)))
		return -1;
	size_t on = (size_t)(slash - p), rn = n - on - 1;
	if (!name_ok(p, on, 0) || !name_ok(slash + 1, rn, 1))
		return -1;
	memcpy(out->owner, p, on);
	out->owner[on] = '\0';
	memcpy(out->name, slash + 1, rn);
	out->name[rn] = '\0';
	return 0;
}

static int
set_host(struct gh_repo *out, const char *h, size_t n)
{
	if (n == 0 || n >= sizeof out->host)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)h[i]);
		if (!isalnum((unsigned char)c) && c != '.' && c != '-' && c != '_')
			return -1;
		out->host[i] = c;
	}
	out->host[n] = '\0';
	return 0;
}

int
gh_parse_remote(const char *url, struct gh_repo *out)
{
	const char *s = url, *sep;
	size_t n;

	memset(out, 0, sizeof *out);
	if (!url)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if ((sep = strstr(s, "://")) && sep < s + n) {
		size_t sl = (size_t)(sep - s);
		static const char *const schemes[] = { "https", "http", "ssh", "git",
			"git+ssh", "ssh+git", NULL };
		int ok = 0;
		for (int i = 0; schemes[i]; i++)
			ok |= strlen(schemes[i]) == sl && !strncasecmp(s, schemes[i], sl);
		if (!ok)
			return -1;
		const char *auth = sep + 3, *end = s + n;
		const char *path = memchr(auth, '/', (size_t)(end - auth));
		if (!path)
			return -1;
		/* drop userinfo (it may hold a token) and the port */
		const char *host = auth;
		for (const char *q = auth; q < path; q++)
			if (*q == '@')
				host = q + 1;
		const char *colon = memchr(host, ':', (size_t)(path - host));
		if (set_host(out, host, (size_t)((colon ? colon : path) - host)) < 0)
			return -1;
		if (colon)
			for (const char *q = colon + 1; q < path; q++)
				if (!isdigit((unsigned char)*q))
					return -1;
		return owner_repo(path, (size_t)(end - path), out);
	}
	/* scp-like: [user@]host:path, the ':' before any '/' */
	const char *colon = memchr(s, ':', n), *slash = memchr(s, '/', n);
	if (!colon || (slash && slash < colon))
		return -1;
	const char *host = s;
	for (const char *q = s; q < colon; q++)
		if (*q == '@')
			host = q + 1;
	if (set_host(out, host, (size_t)(colon - host)) < 0)
		return -1;
	return owner_repo(colon + 1, n - (size_t)(colon + 1 - s), out);
}

int
gh_parse_slug(const char *s, struct gh_repo *out)
{
	memset(out, 0, sizeof *out);
	if (!s || strstr(s, ".git/"))
		return -1;
	return owner_repo(s, strlen(s), out);
}

void
gh_api_base(const char *host, struct sbuf *out)
{
	if (!strcasecmp(host, "github.com") || !strcasecmp(host,
	    "ssh.github.com") || !strcasecmp(host, "www.github.com"))
		sbuf_adds(out, GH_DEFAULT_URL);
	else
		sbuf_addf(out, "https://%s/api/v3", host);
}

/* ---- the client ---- */

int
gh_init(struct gh_client *g, const char *base, const char *token,
    const char *owner, const char *name, struct sbuf *err)
{
	struct sbuf auth;
	size_t n;
	int rc;

	memset(g, 0, sizeof *g);
	if (!base || !*base)
		base = GH_DEFAULT_URL;
	if (strncmp(base, "https://", 8) && strncmp(base, "http://", 7)) {
		sbuf_adds(err, "GitHub API URL must start with https:// or http://");
		return -1;
	}
	for (const char *p = base; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#') {
			sbuf_adds(err, "GitHub API URL has spaces, a query or a fragment");
			return -1;
		}
	if (!name_ok(owner ? owner : "", owner ? strlen(owner) : 0, 0) ||
	    !name_ok(name ? name : "", name ? strlen(name) : 0, 1)) {
		sbuf_adds(err, "bad GitHub repository (OWNER/REPO)");
		return -1;
	}
	if (token) {
		for (const char *p = token; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
				sbuf_adds(err, "GITHUB_TOKEN holds spaces or control "
				    "characters");
				return -1;
			}
		if (!*token)
			token = NULL;
	}
	sbuf_init(&auth);
	if (token)
		sbuf_addf(&auth, "Authorization: Bearer %s", token);
	rc = http_client_init(&g->http, token ? auth.s : NULL,
	    "selfheal/" SELFHEAL_VERSION " (+remediate github)");
	if (auth.s)
		explicit_bzero(auth.s, auth.len);
	sbuf_release(&auth);
	if (rc < 0) {
		sbuf_adds(err, "cannot initialize libcurl");
		return -1;
	}
	g->http.body_cap = GH_BODY_CAP;
	g->http.stop_on_signal = 1;
	g->base = xstrdup(base);
	n = strlen(g->base);
	while (n > 8 && g->base[n - 1] == '/')
		g->base[--n] = '\0';
	snprintf(g->repo.owner, sizeof g->repo.owner, "%s", owner);
	snprintf(g->repo.name, sizeof g->repo.name, "%s", name);
	g->have_token = token != NULL;
	g->deadline_ms = 60000;
	g->backoff_min_ms = 1000;
	g->backoff_max_ms = 16000;
	g->max_pages = 10;
	g->rl_reset = -1;
	return 0;
}

void
gh_release(struct gh_client *g)
{
	http_client_release(&g->http);
	free(g->base);
	memset(g, 0, sizeof *g);
}

/* GitHub's message and its validation errors, one line, at most ~300. */
static void
gh_message(const struct http_resp *r, struct sbuf *out)
{
	cJSON *j = r->body.len && r->body.s[0] == '{' ? js_parse(r->body.s,
	    r->body.len) : NULL;
	const char *m = j ? js_get_str(j, "message") : NULL;
	const cJSON *errs = j ? js_get(j, "errors") : NULL, *e;
	size_t start = out->len;

	if (m)
		sbuf_adds(out, m);
	cJSON_ArrayForEach(e, errs) {
		const char *em = cJSON_IsString(e) ? e->valuestring :
		    js_get_str(e, "message");
		const char *code = js_get_str(e, "code"), *field = js_get_str(e,
		    "field");
		sbuf_adds(out, out->len > start ? "; " : "");
		if (em)
			sbuf_adds(out, em);
		else
			sbuf_addf(out, "%s%s%s", field ? field : "", field ? " " : "",
			    code ? code : "invalid");
		if (out->len - start > 300)
			break;
	}
	if (!j && r->body.len) {
		size_t n = r->body.len < 120 ? r->body.len : 120;
		sbuf_add(out, r->body.s, js_utf8_cut(r->body.s, n));
	}
	if (out->len - start > 300)
		out->len = start + js_utf8_cut(out->s + start, 300);
	out->s[out->len] = '\0';
	for (size_t i = start; i < out->len; i++)
		if ((unsigned char)out->s[i] < 0x20 || out->s[i] == 0x7f)
			out->s[i] = ' ';
	cJSON_Delete(j);
}

static int
contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(hay + i, needle, k))
			return 1;
	return 0;
}

static void
reset_text(int64_t reset, struct sbuf *out)
{
	char ts[40];
	time_t now = time(NULL);

	if (reset <= 0) {
		sbuf_adds(out, "reset time unknown");
		return;
	}
	sh_time_format(reset * 1000000000LL, 0, ts);
	if (reset > now)
		sbuf_addf(out, "resets at %s (in %lld s)", ts, (long long)(reset -
		    now));
	else
		sbuf_addf(out, "reset at %s", ts);
}

/* The path part of a URL or path, for messages (no query: it can be
 * long). */
static void
path_of(const char *p, struct sbuf *out)
{
	const char *q = strchr(p, '?');
	size_t n = q ? (size_t)(q - p) : strlen(p);
	if (n > 160)
		n = 160;
	sbuf_add(out, p, n);
}

/* One API call: method, path (from the base; or a pagination URL that
 * must start with the base), JSON body or NULL. On a 2xx with a body,
 * *json (may be NULL) gets the parsed answer. Returns 0, or -1 with
 * g->kind and a reason. */
static int
gh_do(struct gh_client *g, const char *method, const char *path,
    const struct sbuf *body, int idempotent, struct http_resp *r,
    cJSON **json, struct sbuf *why)
{
	static const char *const hdrs[] = {
		"Accept: application/vnd.github+json",
		"X-GitHub-Api-Version: " GH_API_VERSION,
		NULL,
	};
	struct sbuf url, msg, what;
	struct backoff bo;
	int64_t end = sh_now_mono_ms() + (g->deadline_ms > 0 ? g->deadline_ms :
	    60000);
	int tries = 0, rc;

	if (json)
		*json = NULL;
	g->status = 0;
	g->kind = GH_OK;
	g->rl_reset = -1;
	sbuf_init(&url);
	sbuf_init(&msg);
	sbuf_init(&what);
	sbuf_addf(&what, "GitHub %s ", method);
	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8)) {
		size_t bl = strlen(g->base);
		if (strncmp(path, g->base, bl) || path[bl] != '/') {
			sbuf_addf(why, "GitHub: a pagination link leads away from %s: "
			    "not followed", g->base);
			g->kind = GH_E_RESPONSE;
			sbuf_release(&url);
			sbuf_release(&msg);
			sbuf_release(&what);
			return -1;
		}
		sbuf_adds(&url, path);
		path_of(path + bl, &what);
	} else {
		sbuf_adds(&url, g->base);
		sbuf_adds(&url, path);
		path_of(path, &what);
	}
	backoff_init(&bo, g->backoff_min_ms > 0 ? g->backoff_min_ms : 1000,
	    g->backoff_max_ms > 0 ? g->backoff_max_ms : 16000, 20);
	struct http_req q = {
		.method = method, .url = url.s, .headers = hdrs,
		.body = body ? body->s : NULL, .body_len = body ? body->len : 0,
		/* a write that is not idempotent (creating an issue or a pull
		 * request) goes on a fresh connection: libcurl re-sends a
		 * request by itself on a kept-alive one that dies unanswered */
		.once = !idempotent,
	};
	for (;;) {
		int64_t now = sh_now_mono_ms(), left = end - now, delay = -1;
		if (left < 1000)
			left = 1000;
		/* never wait for a request longer than the deadline allows */
		q.timeout_ms = left > g->http.timeout_ms ? g->http.timeout_ms :
		    left;
		rc = http_do(&g->http, &q, r);
		tries++;
		g->requests++;
		g->status = r->status;
		if (rc == 0 && r->status >= 200 && r->status < 300)
			break;
		long st = r->status;
		int limited = (st == 403 || st == 429) && (r->retry_after_ms >= 0 ||
		    r->rl_remaining == 0 || st == 429 || contains_ci(r->body.s ?
		    r->body.s : "", r->body.len, "rate limit"));
		int secondary = limited && (r->retry_after_ms >= 0 ||
		    contains_ci(r->body.s ? r->body.s : "", r->body.len,
		    "secondary rate limit") || (st == 429 && r->rl_remaining != 0));
		if (secondary) {
			if (r->retry_after_ms >= 0)
				delay = r->retry_after_ms;
			else if (r->rl_remaining == 0 && r->rl_reset > 0)
				delay = (r->rl_reset - (int64_t)time(NULL) + 1) * 1000;
			else {
				/* GitHub: at least a minute, then longer */
				int64_t b = backoff_next(&bo);
				delay = b < 60000 ? 60000 : b;
			}
		} else if (limited) {
			/* the primary limit: wait for the reset only when it comes
			 * before the deadline */
			delay = r->rl_reset > 0 ? (r->rl_reset - (int64_t)time(NULL) +
			    1) * 1000 : 60000;
		} else if (idempotent && (rc < 0 || st >= 500 || st == 0)) {
			delay = http_retry_delay(r, &bo, bo.max_ms);
		}
		if (delay < 0)
			break;
		if (sh_now_mono_ms() + delay > end) {
			if (limited)
				g->rl_reset = r->rl_reset;
			break;
		}
		if (http_sleep_ms(delay) < 0)
			break;
	}
	if (rc == 0 && r->status >= 200 && r->status < 300) {
		if (json && r->body.len) {
			*json = js_parse(r->body.s, r->body.len);
			if (!*json) {
				sbuf_addf(why, "%s: HTTP %ld with a body that is not JSON",
				    what.s, r->status);
				g->kind = GH_E_RESPONSE;
				rc = -1;
			}
		}
		sbuf_release(&url);
		sbuf_release(&msg);
		sbuf_release(&what);
		return rc;
	}
	/* the reason */
	long st = r->status;
	if (st == 0) {
		g->kind = GH_E_TRANSIENT;
		sbuf_addf(why, "%s: %s", what.s, r->err[0] ? r->err : "no response");
		for (size_t i = 0; i < why->len; i++)
			if ((unsigned char)why->s[i] < 0x20)
				why->s[i] = ' ';
	} else {
		gh_message(r, &msg);
		if (msg.len && !strcmp(msg.s, http_reason(st)))
			sbuf_reset(&msg);   /* "404 Not Found: Not Found" */
		sbuf_addf(why, "%s: HTTP %ld%s%s%s%s", what.s, st,
		    *http_reason(st) ? " " : "", http_reason(st), msg.len ? ": " : "",
		    msg.len ? msg.s : "");
		int limited = (st == 403 || st == 429) && (r->retry_after_ms >= 0 ||
		    r->rl_remaining == 0 || st == 429 || contains_ci(r->body.s ?
		    r->body.s : "", r->body.len, "rate limit"));
		if (limited) {
			g->kind = GH_E_RATELIMIT;
			g->rl_reset = r->rl_reset;
			if (r->rl_remaining == 0) {
				sbuf_adds(why, ": rate limit exhausted (x-ratelimit-remaining "
				    "0), ");
				reset_text(r->rl_reset, why);
			} else {
				sbuf_addf(why, ": rate limited, still at the deadline after "
				    "%d tries", tries);
			}
		} else if (st == 401) {
			g->kind = GH_E_AUTH;
			sbuf_adds(why, g->have_token ? ": the token (GITHUB_TOKEN) was "
			    "refused" : ": no token (set GITHUB_TOKEN)");
		} else if (st == 403) {
			g->kind = GH_E_FORBIDDEN;
			sbuf_adds(why, ": the token lacks a permission (contents, pull "
			    "requests and issues: write)");
		} else if (st == 404) {
			g->kind = GH_E_NOTFOUND;
			sbuf_addf(why, ": %s/%s or the item does not exist, or the token "
			    "cannot see it", g->repo.owner, g->repo.name);
		} else if (st == 410) {
			g->kind = GH_E_GONE;
		} else if (st == 422) {
			g->kind = contains_ci(msg.s ? msg.s : "", msg.len,
			    "already exists") ? GH_E_EXISTS : GH_E_INVALID;
		} else if (st >= 500) {
			g->kind = GH_E_TRANSIENT;
			if (tries > 1)
				sbuf_addf(why, " (after %d tries)", tries);
		} else {
			g->kind = GH_E_OTHER;
		}
	}
	sbuf_release(&url);
	sbuf_release(&msg);
	sbuf_release(&what);
	return -1;
}

/* ---- items ---- */

static void
copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
}

static int
item_of(const cJSON *j, struct gh_item *it)
{
	const cJSON *num = js_get(j, "number"), *id = js_get(j, "id");

	memset(it, 0, sizeof *it);
	/* clamped: an API answer's 1e300 must not reach a cast */
	it->number = (long)js_int(num, 0, INT64_MAX, 0);
	it->id = (long long)js_int(id, 0, INT64_MAX, 0);
	copy_str(it->html_url, sizeof it->html_url, js_get_str(j, "html_url"));
	copy_str(it->state, sizeof it->state, js_get_str(j, "state"));
	it->draft = cJSON_IsTrue(js_get(j, "draft"));
	it->merged = js_get_str(j, "merged_at") != NULL ||
	    cJSON_IsTrue(js_get(j, "merged"));
	copy_str(it->head_ref, sizeof it->head_ref, js_get_str(j, "head.ref"));
	copy_str(it->head_sha, sizeof it->head_sha, js_get_str(j, "head.sha"));
	return it->number > 0 || it->id > 0 ? 0 : -1;
}

static void
repo_path(struct gh_client *g, struct sbuf *p, const char *rest)
{
	sbuf_adds(p, "/repos/");
	http_add_escaped(p, g->repo.owner);
	sbuf_addc(p, '/');
	http_add_escaped(p, g->repo.name);
	sbuf_adds(p, rest);
}

int
gh_get_repo(struct gh_client *g, struct sbuf *default_branch, int *can_push,
    int *archived, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p;
	cJSON *j = NULL;
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	repo_path(g, &p, "");
	rc = gh_do(g, "GET", p.s, NULL, 1, &r, &j, why);
	if (rc == 0) {
		const char *db = js_get_str(j, "default_branch");
		const cJSON *push = js_get(j, "permissions.push");
		if (!db || !*db) {
			sbuf_adds(why, "GitHub GET /repos: no default_branch in the "
			    "answer");
			g->kind = GH_E_RESPONSE;
			rc = -1;
		} else {
			sbuf_adds(default_branch, db);
		}
		if (can_push)
			*can_push = cJSON_IsBool(push) ? cJSON_IsTrue(push) : -1;
		if (archived)
			*archived = cJSON_IsBool(js_get(j, "archived")) ?
			    cJSON_IsTrue(js_get(j, "archived")) : -1;
	}
	cJSON_Delete(j);
	sbuf_release(&p);
	http_resp_release(&r);
	return rc;
}

int
gh_find_pull(struct gh_client *g, const char *branch, const char *state,
    struct gh_item *out, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, head;
	int found = 0, pages = 0;
	struct gh_item it, closed;

	memset(&closed, 0, sizeof closed);
	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&head);
	sbuf_addf(&head, "%s:%s", g->repo.owner, branch);
	repo_path(g, &p, "/pulls?state=");
	http_add_escaped(&p, state ? state : "open");
	sbuf_adds(&p, "&head=");
	http_add_escaped(&p, head.s);
	sbuf_adds(&p, "&per_page=100");
	char *next = xstrdup(p.s);
	while (next && pages++ < (g->max_pages > 0 ? g->max_pages : 10)) {
		cJSON *j = NULL, *e;
		if (gh_do(g, "GET", next, NULL, 1, &r, &j, why) < 0) {
			found = -1;
			break;
		}
		free(next);
		next = r.link_next[0] ? xstrdup(r.link_next) : NULL;
		cJSON_ArrayForEach(e, (cJSON_IsArray(j) ? j : NULL)) {
			/* the head filter is the server's; check it anyway */
			if (item_of(e, &it) < 0 || strcmp(it.head_ref, branch))
				continue;
			if (!strcmp(it.state, "open")) {
				*out = it;
				found = 1;
				break;
			}
			if (!closed.number)
				closed = it;
		}
		cJSON_Delete(j);
		if (found)
			break;
	}
	free(next);
	if (!found && closed.number) {
		*out = closed;
		found = 1;
	}
	sbuf_release(&p);
	sbuf_release(&head);
	http_resp_release(&r);
	return found;
}

int
gh_create_pull(struct gh_client *g, const char *title, const char *branch,
    const char *base, const char *body, int draft, struct gh_item *out,
    int *drafted, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, b, w;
	cJSON *j = NULL;
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&b);
	sbuf_init(&w);
	repo_path(g, &p, "/pulls");
	for (int attempt = 0; attempt < 2; attempt++) {
		sbuf_reset(&b);
		sbuf_reset(&w);
		sbuf_addc(&b, '{');
		js_member_str(&b, "title", title, 0);
		js_member_str(&b, "head", branch, 0);
		js_member_str(&b, "base", base, 0);
		js_member_str(&b, "body", body, 0);
		js_key(&b, "draft");
		sbuf_adds(&b, draft ? "true" : "false");
		js_key(&b, "maintainer_can_modify");
		sbuf_adds(&b, "false");
		sbuf_addc(&b, '}');
		rc = gh_do(g, "POST", p.s, &b, 1, &r, &j, &w);
		if (rc < 0 && draft && g->kind == GH_E_INVALID &&
		    contains_ci(w.s ? w.s : "", w.len, "draft")) {
			/* drafts are not available for this repository's plan */
			draft = 0;
			continue;
		}
		break;
	}
	if (rc == 0 && item_of(j, out) < 0) {
		sbuf_adds(&w, "GitHub POST /pulls: no number in the answer");
		g->kind = GH_E_RESPONSE;
		rc = -1;
	}
	if (rc < 0)
		sbuf_add(why, w.s, w.len);
	if (drafted)
		*drafted = draft;
	cJSON_Delete(j);
	sbuf_release(&p);
	sbuf_release(&b);
	sbuf_release(&w);
	http_resp_release(&r);
	return rc;
}

int
gh_comment(struct gh_client *g, long number, const char *body,
    struct gh_item *out, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, b;
	cJSON *j = NULL;
	char rest[64];
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&b);
	snprintf(rest, sizeof rest, "/issues/%ld/comments", number);
	repo_path(g, &p, rest);
	sbuf_addc(&b, '{');
	js_member_str(&b, "body", body, 0);
	sbuf_addc(&b, '}');
	/* a repeated comment is noise, not harm: but only when the first
	 * surely did not arrive (rate limits) */
	rc = gh_do(g, "POST", p.s, &b, 0, &r, &j, why);
	if (rc == 0) {
		memset(out, 0, sizeof *out);
		if (j)
			item_of(j, out);
		out->number = number;
	}
	cJSON_Delete(j);
	sbuf_release(&p);
	sbuf_release(&b);
	http_resp_release(&r);
	return rc;
}

int
gh_ensure_label(struct gh_client *g, const char *name, const char *color,
    const char *description, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, b, w;
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&b);
	sbuf_init(&w);
	repo_path(g, &p, "/labels/");
	http_add_escaped(&p, name);
	rc = gh_do(g, "GET", p.s, NULL, 1, &r, NULL, &w);
	if (rc < 0 && g->kind == GH_E_NOTFOUND) {
		sbuf_reset(&p);
		sbuf_reset(&w);
		repo_path(g, &p, "/labels");
		sbuf_addc(&b, '{');
		js_member_str(&b, "name", name, 0);
		js_member_str(&b, "color", color ? color : "ededed", 0);
		js_member_str(&b, "description", description, 1);
		sbuf_addc(&b, '}');
		rc = gh_do(g, "POST", p.s, &b, 1, &r, NULL, &w);
		if (rc < 0 && g->kind == GH_E_EXISTS)
			rc = 0;     /* made by someone else meanwhile */
		if (rc < 0 && g->kind == GH_E_INVALID && contains_ci(r.body.s ?
		    r.body.s : "", r.body.len, "already_exists"))
			rc = 0;
	}
	if (rc < 0)
		sbuf_add(why, w.s, w.len);
	sbuf_release(&p);
	sbuf_release(&b);
	sbuf_release(&w);
	http_resp_release(&r);
	return rc;
}

int
gh_add_label(struct gh_client *g, long number, const char *name,
    struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, b;
	char rest[64];
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&b);
	snprintf(rest, sizeof rest, "/issues/%ld/labels", number);
	repo_path(g, &p, rest);
	sbuf_adds(&b, "{\"labels\":[");
	js_strz(&b, name);
	sbuf_adds(&b, "]}");
	rc = gh_do(g, "POST", p.s, &b, 1, &r, NULL, why);
	sbuf_release(&p);
	sbuf_release(&b);
	http_resp_release(&r);
	return rc;
}

static int
issue_matches(const cJSON *e, const char *marker, const char *title_mark)
{
	const char *body = js_get_str(e, "body"), *title = js_get_str(e, "title");

	if (js_get(e, "pull_request"))
		return 0;
	if (js_get_str(e, "state") && strcmp(js_get_str(e, "state"), "open"))
		return 0;
	return (marker && body && strstr(body, marker)) || (title_mark && title &&
	    strstr(title, title_mark));
}

int
gh_find_issue(struct gh_client *g, const char *label, const char *marker,
    const char *title_mark, const char *search_text, struct gh_item *out,
    struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p;
	int found = 0, pages = 0;
	char *next;

	http_resp_init(&r);
	sbuf_init(&p);
	repo_path(g, &p, "/issues?state=open&per_page=100");
	if (label) {
		sbuf_adds(&p, "&labels=");
		http_add_escaped(&p, label);
	}
	next = xstrdup(p.s);
	while (next && pages++ < (g->max_pages > 0 ? g->max_pages : 10)) {
		cJSON *j = NULL, *e;
		if (gh_do(g, "GET", next, NULL, 1, &r, &j, why) < 0) {
			found = -1;
			break;
		}
		free(next);
		next = r.link_next[0] ? xstrdup(r.link_next) : NULL;
		cJSON_ArrayForEach(e, (cJSON_IsArray(j) ? j : NULL))
			if (issue_matches(e, marker, title_mark) && item_of(e, out) ==
			    0) {
				found = 1;
				break;
			}
		cJSON_Delete(j);
		if (found)
			break;
	}
	free(next);
	if (found == 0 && search_text && *search_text) {
		/* the label may be missing (no push access when it was filed):
		 * search; it is eventually consistent, so it comes second */
		struct sbuf q;
		cJSON *j = NULL, *e;
		sbuf_init(&q);
		sbuf_addf(&q, "repo:%s/%s is:issue is:open \"%s\"", g->repo.owner,
		    g->repo.name, search_text);
		sbuf_reset(&p);
		sbuf_adds(&p, "/search/issues?q=");
		http_add_escaped(&p, q.s);
		sbuf_adds(&p, "&per_page=50");
		if (gh_do(g, "GET", p.s, NULL, 1, &r, &j, why) < 0) {
			found = -1;
		} else {
			cJSON_ArrayForEach(e, js_get(j, "items"))
				if (issue_matches(e, marker, title_mark) && item_of(e, out) ==
				    0) {
					found = 1;
					break;
				}
		}
		cJSON_Delete(j);
		sbuf_release(&q);
	}
	sbuf_release(&p);
	http_resp_release(&r);
	return found;
}

int
gh_create_issue(struct gh_client *g, const char *title, const char *body,
    const char *label, struct gh_item *out, struct sbuf *why)
{
	struct http_resp r;
	struct sbuf p, b;
	cJSON *j = NULL;
	int rc;

	http_resp_init(&r);
	sbuf_init(&p);
	sbuf_init(&b);
	repo_path(g, &p, "/issues");
	sbuf_addc(&b, '{');
	js_member_str(&b, "title", title, 0);
	js_member_str(&b, "body", body, 0);
	if (label) {
		js_key(&b, "labels");
		sbuf_addc(&b, '[');
		js_strz(&b, label);
		sbuf_addc(&b, ']');
	}
	sbuf_addc(&b, '}');
	/* not repeated after a 5xx: that could file the issue twice */
	rc = gh_do(g, "POST", p.s, &b, 0, &r, &j, why);
	if (rc == 0 && item_of(j, out) < 0) {
		sbuf_adds(why, "GitHub POST /issues: no number in the answer");
		g->kind = GH_E_RESPONSE;
		rc = -1;
	}
	cJSON_Delete(j);
	sbuf_release(&p);
	sbuf_release(&b);
	http_resp_release(&r);
	return rc;
}
