/* ghhook.c - see ghhook.h. */
#include "ghhook.h"
#include "fixpr.h"
#include "json.h"
#include "policy.h"
#include "redact.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct gh_hook {
	const struct policy *pol;
	struct fx_config cfg;
	struct fixpr *fx;
	struct redactor *rx;
	char *repo, *remote, *url, *slug, *token;
};

static char *
dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

struct gh_hook *
gh_hook_open(const struct gh_hook_opts *o, struct sbuf *err)
{
	struct gh_hook *h = xcalloc(1, sizeof *h);

	h->repo = dup_or_null(o->repo);
	h->remote = dup_or_null(o->remote);
	h->url = dup_or_null(o->github_url);
	h->slug = dup_or_null(o->github_repo);
	h->token = dup_or_null(getenv("GITHUB_TOKEN"));
	h->cfg.repo = h->repo;
	h->cfg.remote = h->remote;
	h->cfg.github_url = h->url;
	h->cfg.github_repo = h->slug;
	h->cfg.token = h->token;
	h->cfg.ready = o->ready;
	h->cfg.request_timeout_ms = o->max_time_ms;
	h->pol = o->pol;
	/* fixpr refuses a patch with a secret in it and redacts bodies only
	 * with a redactor, and none was ever given: a patch adding a token
	 * was pushed (tests/t/hostile-patch.t). A key of this run is enough:
	 * nothing needs its replacement tags to be stable. */
	unsigned char key[RX_KEYLEN];
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
		sbuf_adds(err, "getrandom failed: no key to redact with");
		gh_hook_close(h);
		return NULL;
	}
	h->rx = h->cfg.rx = rx_new(key);
	memset(key, 0, sizeof key);
	if (!(h->fx = fx_new(&h->cfg, err))) {
		gh_hook_close(h);
		return NULL;
	}
	return h;
}

void
gh_hook_close(struct gh_hook *h)
{
	if (!h)
		return;
	fx_free(h->fx);
	rx_free(h->rx);
	if (h->token)
		memset(h->token, 0, strlen(h->token));
	free(h->repo);
	free(h->remote);
	free(h->url);
	free(h->slug);
	free(h->token);
	free(h);
}

static void
take(struct fx_outcome *o, struct sbuf *status, struct sbuf *reason,
    cJSON **result)
{
	sbuf_reset(status);
	sbuf_adds(status, fx_status_name(o->status));
	sbuf_reset(reason);
	sbuf_adds(reason, o->reason.s);
	if (*result)
		cJSON_Delete(*result);
	*result = o->result;
	o->result = NULL;
}

static void run(struct gh_hook *h, int action, const cJSON *diag,
    const cJSON *records, int apply, struct sbuf *status, struct sbuf *reason,
    cJSON **result);

void
gh_hook_run(void *arg, int action, const cJSON *diag, const cJSON *records,
    int apply, struct sbuf *status, struct sbuf *reason, cJSON **result)
{
	struct gh_hook *h = arg;
	const char *allow[POL_MAXPATHS + 1] = { NULL };
	const char *deny[POL_MAXPATHS + 1] = { NULL };
	const char *app = js_get_str(diag, "app");
	const struct pol_app *pa = h->pol && app ? pol_app(h->pol, app) : NULL;

	/* the app's policy narrows which paths a patch may touch */
	if (pa) {
		for (int i = 0; i < pa->nallow_paths; i++)
			allow[i] = pa->allow_paths[i];
		for (int i = 0; i < pa->ndeny_paths; i++)
			deny[i] = pa->deny_paths[i];
	}
	fx_set_paths(h->fx, allow[0] ? allow : NULL, deny[0] ? deny : NULL);
	run(h, action, diag, records, apply, status, reason, result);
	fx_set_paths(h->fx, NULL, NULL);
}

static void
run(struct gh_hook *h, int action, const cJSON *diag, const cJSON *records,
    int apply, struct sbuf *status, struct sbuf *reason, cJSON **result)
{
	struct fx_outcome o, oi;

	/* fx_pr and fx_issue initialise the outcome themselves */
	if (action == ACT_ISSUE) {
		fx_issue(h->fx, diag, records, NULL, apply, &o);
		take(&o, status, reason, result);
		fx_outcome_release(&o);
		return;
	}
	fx_pr(h->fx, diag, records, apply, &o);
	if (!o.want_issue) {
		take(&o, status, reason, result);
		fx_outcome_release(&o);
		return;
	}
	/* the patch could not be used: the humans hear of it through an
	 * issue that quotes why */
	fx_issue(h->fx, diag, records, o.reason.s, apply, &oi);
	take(&oi, status, reason, result);
	sbuf_reset(reason);
	sbuf_addf(reason, "pull request: %s; issue instead: %s", o.reason.s,
	    oi.reason.s);
	fx_outcome_release(&oi);
	fx_outcome_release(&o);
}
