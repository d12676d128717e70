/* test_github.c - owner/repo from remote URLs, and the GitHub client
 * against tests/server/github.py: headers, pagination, error reasons,
 * retries and rate limits, GitHub Enterprise paths. */
#include "unit.h"
#include "ghfake.h"
#include "github.h"

static int
parses(const char *url, const char *host, const char *owner, const char *name)
{
	struct gh_repo r;
	if (gh_parse_remote(url, &r) < 0)
		return host == NULL;
	return host && !strcmp(r.host, host) && !strcmp(r.owner, owner) &&
	    !strcmp(r.name, name);
}

static const char *
hdr(const cJSON *req, const char *name)
{
	const cJSON *h = js_get(req, "headers");
	const char *v = js_get_str(h, name);
	return v ? v : "";
}

int
main(void)
{
	struct gh_client g;
	struct sbuf why, s;
	struct gh_item it;
	struct fake f;
	cJSON *reqs;
	char dir[] = "/tmp/selfheal-gh-XXXXXX";
	char *seq;
	int rc;

	/* remotes */
	T_OK(parses("https://github.com/acme/shop.git", "github.com", "acme",
	    "shop"), "https");
	T_OK(parses("https://x-access-token:ghs_abc@github.com/acme/shop/",
	    "github.com", "acme", "shop"), "https with a token and a slash");
	T_OK(parses("git@github.com:acme/shop.git", "github.com", "acme", "shop"),
	    "scp-like");
	T_OK(parses("ssh://git@ssh.github.com:443/acme/shop.git",
	    "ssh.github.com", "acme", "shop"), "ssh:// with a port");
	T_OK(parses("git://GitHub.com/acme/my.repo", "github.com", "acme",
	    "my.repo"), "git://, host lowercased, dots in names");
	T_OK(parses("https://ghe.example.com/team/app", "ghe.example.com", "team",
	    "app"), "an Enterprise host");
	T_OK(parses("/srv/git/shop.git", NULL, NULL, NULL), "a local path: no");
	T_OK(parses("./shop", NULL, NULL, NULL), "a relative path: no");
	T_OK(parses("https://github.com/acme/shop/extra", NULL, NULL, NULL),
	    "three segments: no");
	T_OK(parses("https://github.com/acme/..", NULL, NULL, NULL), "..: no");
	T_OK(parses("ftp://github.com/acme/shop", NULL, NULL, NULL), "ftp: no");
	T_OK(parses("https://github.com/ac%2fme/shop", NULL, NULL, NULL),
	    "escapes in names: no");
	struct gh_repo gr;
	T_OK(gh_parse_slug("acme/shop", &gr) == 0 && !strcmp(gr.owner, "acme") &&
	    gh_parse_slug("acme", &gr) < 0, "OWNER/REPO");
	sbuf_init(&s);
	gh_api_base("github.com", &s);
	sbuf_adds(&s, " ");
	gh_api_base("ghe.example.com", &s);
	T_STR(s.s, "https://api.github.com https://ghe.example.com/api/v3",
	    "API base per host");
	sbuf_release(&s);

	/* the fake */
	T_OK(mkdtemp(dir) != NULL, "temporary directory");
	T_OK(fk_start(&f, dir, "--page-size", "2", (char *)NULL) == 0,
	    "fake GitHub on %s", f.url);
	sbuf_init(&why);
	sbuf_init(&s);

	T_OK(gh_init(&g, f.url, "ghp_testtoken", "acme", "shop", &why) == 0,
	    "client");
	g.backoff_min_ms = 20;
	g.backoff_max_ms = 100;
	T_OK(gh_get_repo(&g, &s, NULL, NULL, &why) == 0 && !strcmp(s.s, "main"),
	    "default branch: %s %s", s.s ? s.s : "", why.s ? why.s : "");
	reqs = fk_take(&f);
	const cJSON *r0 = cJSON_GetArrayItem(reqs, 0);
	T_STR(js_get_str(r0, "path"), "/repos/acme/shop", "GET /repos/{o}/{r}");
	T_STR(hdr(r0, "authorization"), "Bearer ghp_testtoken",
	    "Authorization: Bearer");
	T_STR(hdr(r0, "accept"), "application/vnd.github+json",
	    "Accept (only GitHub's)");
	T_STR(hdr(r0, "x-github-api-version"), "2022-11-28", "API version");
	T_OK(!strncmp(hdr(r0, "user-agent"), "selfheal/", 9), "User-Agent %s",
	    hdr(r0, "user-agent"));
	cJSON_Delete(reqs);

	/* pagination: 5 issues, 2 per page */
	for (int i = 1; i <= 5; i++) {
		char j[200];
		snprintf(j, sizeof j, "{\"kind\":\"issue\",\"title\":\"t%d\","
		    "\"body\":\"<!-- selfheal:fingerprint=f_%d -->\","
		    "\"labels\":[\"selfheal\"]}", i, i);
		fk_ctl(&f, "/_ctl/seed", j);
	}
	sbuf_reset(&why);
	rc = gh_find_issue(&g, "selfheal", "fingerprint=f_5 ", NULL, NULL, &it,
	    &why);
	T_OK(rc == 1 && it.number == 5, "found on the third page (%d #%ld) %s",
	    rc, it.number, why.s ? why.s : "");
	reqs = fk_take(&f);
	seq = fk_seq(reqs);
	T_STR(seq, "GET /repos/acme/shop/issues 200\nGET /repos/acme/shop/issues "
	    "200\nGET /repos/acme/shop/issues 200\n", "three pages via Link");
	T_STR(js_get_str(cJSON_GetArrayItem(reqs, 2), "query.page"), "3",
	    "page=3 from the Link header");
	T_STR(js_get_str(cJSON_GetArrayItem(reqs, 0), "query.labels"), "selfheal",
	    "listed by label");
	free(seq);
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	fk_mode(&f, "foreign-link", 1, "GET", "/issues$");
	rc = gh_find_issue(&g, "selfheal", "fingerprint=f_9 ", NULL, NULL, &it,
	    &why);
	T_OK(rc == -1 && strstr(why.s, "leads away"), "a Link to another host is "
	    "not followed: %s", why.s);
	reqs = fk_take(&f);
	T_OK(cJSON_GetArraySize(reqs) == 1, "one request only");
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	rc = gh_find_issue(&g, "selfheal", "fingerprint=f_9 ", "[f_9]", "f_9",
	    &it, &why);
	reqs = fk_take(&f);
	seq = fk_seq(reqs);
	T_OK(rc == 0 && strstr(seq, "GET /search/issues 200"), "not listed: "
	    "searched, none (%d) %s", rc, why.s ? why.s : "");
	const cJSON *sr = fk_find(reqs, "GET", "/search/issues", 0);
	T_STR(js_get_str(sr, "query.q"), "repo:acme/shop is:issue is:open \"f_9\"",
	    "search query");
	free(seq);
	cJSON_Delete(reqs);

	/* errors */
	struct { const char *mode, *want; enum gh_kind kind; } errs[] = {
		{ "401", "HTTP 401 Unauthorized: Bad credentials: the token "
		  "(GITHUB_TOKEN) was refused", GH_E_AUTH },
		{ "403", "HTTP 403 Forbidden: Resource not accessible by personal "
		  "access token: the token lacks a permission", GH_E_FORBIDDEN },
		{ "403-ratelimit", "rate limit exhausted (x-ratelimit-remaining 0), "
		  "resets at ", GH_E_RATELIMIT },
		{ "404", "HTTP 404 Not Found: acme/shop or the item does "
		  "not exist, or the token cannot see it", GH_E_NOTFOUND },
		{ "422", "HTTP 422 Unprocessable Entity: Validation Failed; forced "
		  "validation failure", GH_E_INVALID },
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		sbuf_reset(&why);
		sbuf_reset(&s);
		fk_mode(&f, errs[i].mode, 1, NULL, NULL);
		rc = gh_get_repo(&g, &s, NULL, NULL, &why);
		T_OK(rc == -1 && g.kind == errs[i].kind && strstr(why.s,
		    errs[i].want), "%s -> %s", errs[i].mode, why.s);
		cJSON_Delete(fk_take(&f));
	}

	struct gh_client bad;
	sbuf_reset(&why);
	gh_init(&bad, f.url, "ghp_wrong", "acme", "shop", &why);
	sbuf_reset(&s);
	T_OK(gh_get_repo(&bad, &s, NULL, NULL, &why) == -1 && bad.kind ==
	    GH_E_AUTH && strstr(why.s, "Bad credentials"), "a wrong token: %s",
	    why.s);
	gh_release(&bad);
	sbuf_reset(&why);
	gh_init(&bad, f.url, NULL, "acme", "shop", &why);
	T_OK(gh_get_repo(&bad, &s, NULL, NULL, &why) == -1 && strstr(why.s,
	    "Requires authentication: no token"), "no token: %s", why.s);
	gh_release(&bad);
	sbuf_reset(&why);
	gh_init(&bad, f.url, "ghp_testtoken", "acme", "nope", &why);
	T_OK(gh_get_repo(&bad, &s, NULL, NULL, &why) == -1 && bad.kind ==
	    GH_E_NOTFOUND && strstr(why.s, "acme/nope"), "a missing repository: "
	    "%s", why.s);
	gh_release(&bad);
	cJSON_Delete(fk_take(&f));

	/* retries */
	sbuf_reset(&why);
	sbuf_reset(&s);
	fk_mode(&f, "403-secondary", 1, NULL, NULL);
	int64_t t0 = sh_now_mono_ms();
	rc = gh_get_repo(&g, &s, NULL, NULL, &why);
	int64_t dt = sh_now_mono_ms() - t0;
	reqs = fk_take(&f);
	T_OK(rc == 0 && cJSON_GetArraySize(reqs) == 2 && dt >= 900,
	    "secondary rate limit: waited Retry-After (%lld ms), then ok",
	    (long long)dt);
	cJSON_Delete(reqs);

	sbuf_reset(&s);
	fk_mode(&f, "500", 2, "GET", NULL);
	rc = gh_get_repo(&g, &s, NULL, NULL, &why);
	reqs = fk_take(&f);
	T_OK(rc == 0 && cJSON_GetArraySize(reqs) == 3, "5xx on a GET: retried "
	    "with backoff");
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	fk_mode(&f, "502", 1, "POST", NULL);
	rc = gh_create_issue(&g, "t", "b", NULL, &it, &why);
	reqs = fk_take(&f);
	T_OK(rc == -1 && g.kind == GH_E_TRANSIENT && cJSON_GetArraySize(reqs) ==
	    1, "5xx on creating an issue: not repeated (%s)", why.s);
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	fk_mode(&f, "429", 1, "POST", NULL);
	rc = gh_comment(&g, 1, "again", &it, &why);
	reqs = fk_take(&f);
	T_OK(rc == 0 && cJSON_GetArraySize(reqs) == 2 && it.html_url[0],
	    "429 on a comment: retried after Retry-After %s", why.s ? why.s : "");
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	g.deadline_ms = 300;
	fk_mode(&f, "503", 1000, "GET", NULL);
	rc = gh_get_repo(&g, &s, NULL, NULL, &why);
	T_OK(rc == -1 && g.kind == GH_E_TRANSIENT && strstr(why.s, "tries"),
	    "5xx until the deadline: %s", why.s);
	fk_ctl(&f, "/_ctl/reset", "{}");
	g.deadline_ms = 5000;
	sbuf_reset(&why);
	fk_mode(&f, "403-ratelimit", 1, NULL, NULL);
	t0 = sh_now_mono_ms();
	rc = gh_get_repo(&g, &s, NULL, NULL, &why);
	T_OK(rc == -1 && g.rl_reset > 0 && sh_now_mono_ms() - t0 < 1000,
	    "a primary limit resetting after the deadline: no wait");
	cJSON_Delete(fk_take(&f));

	/* pull requests and labels */
	sbuf_reset(&why);
	fk_ctl(&f, "/_ctl/seed", "{\"kind\":\"pull\",\"title\":\"x\","
	    "\"head\":\"selfheal/f_dup\"}");
	rc = gh_create_pull(&g, "t", "selfheal/f_dup", "main", "b", 1, &it, NULL,
	    &why);
	T_OK(rc == -1 && g.kind == GH_E_EXISTS && strstr(why.s, "A pull request "
	    "already exists for acme:selfheal/f_dup"), "422 already exists: %s",
	    why.s);
	rc = gh_find_pull(&g, "selfheal/f_dup", "open", &it, &why);
	T_OK(rc == 1 && it.number > 0 && !strcmp(it.state, "open"),
	    "found by head (#%ld)", it.number);
	rc = gh_find_pull(&g, "selfheal/f_none", "all", &it, &why);
	T_OK(rc == 0, "no pull request for another head");
	cJSON_Delete(fk_take(&f));

	sbuf_reset(&why);
	int drafted = -1;
	fk_mode(&f, "no-drafts", 1, "POST", "/pulls$");
	rc = gh_create_pull(&g, "t", "selfheal/f_nd", "main", "b", 1, &it,
	    &drafted, &why);
	reqs = fk_take(&f);
	T_OK(rc == 0 && drafted == 0 && cJSON_GetArraySize(reqs) == 2 &&
	    cJSON_IsTrue(js_get(cJSON_GetArrayItem(reqs, 0), "body.draft")) &&
	    cJSON_IsFalse(js_get(cJSON_GetArrayItem(reqs, 1), "body.draft")),
	    "drafts not supported: opened ready %s", why.s ? why.s : "");
	cJSON_Delete(reqs);

	sbuf_reset(&why);
	T_OK(gh_ensure_label(&g, "selfheal", "d93f0b", "x", &why) == 0 &&
	    gh_ensure_label(&g, "selfheal", "d93f0b", "x", &why) == 0,
	    "label made once %s", why.s ? why.s : "");
	reqs = fk_take(&f);
	seq = fk_seq(reqs);
	T_STR(seq, "GET /repos/acme/shop/labels/selfheal 404\n"
	    "POST /repos/acme/shop/labels 201\n"
	    "GET /repos/acme/shop/labels/selfheal 200\n", "404 -> POST /labels");
	free(seq);
	cJSON_Delete(reqs);
	gh_release(&g);

	/* Enterprise: the same paths under /api/v3 */
	char ghe[200];
	snprintf(ghe, sizeof ghe, "%s/api/v3/", f.url);
	sbuf_reset(&why);
	sbuf_reset(&s);
	T_OK(gh_init(&g, ghe, "ghp_testtoken", "acme", "shop", &why) == 0 &&
	    gh_get_repo(&g, &s, NULL, NULL, &why) == 0 && !strcmp(s.s, "main"),
	    "GitHub Enterprise base URL %s", why.s ? why.s : "");
	gh_release(&g);
	cJSON_Delete(fk_take(&f));

	sbuf_reset(&why);
	T_OK(gh_init(&g, "ftp://x", "t", "acme", "shop", &why) == -1,
	    "only http(s) bases");
	sbuf_reset(&why);
	T_OK(gh_init(&g, f.url, "bad token\n", "acme", "shop", &why) == -1,
	    "a token with a newline is refused");

	fk_stop(&f);
	fk_rmrf(dir);
	sbuf_release(&why);
	sbuf_release(&s);
	return t_done();
}
