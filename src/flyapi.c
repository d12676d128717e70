/* flyapi.c - see flyapi.h. URLs are built the way fly-go does (query keys
 * in sorted order, as Go's url.Values.Encode writes them), so a request
 * log from our fake server reads like flyctl's. */
#include "flyapi.h"
#include "json.h"
#include "logrec.h"
#include "statefile.h"
#include "timefmt.h"
#include "token.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MIN_WAIT 64
#define LOG_MAX_WAIT 4096

static char *
trim_base(const char *u)
{
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

int
fa_init(struct flyapi *fa, const char *logs_url, const char *machines_url,
    const struct token *tok)
{
	memset(fa, 0, sizeof *fa);
	if (http_client_init(&fa->http, tok ? tok->header : NULL,
	    "fly-tail/" SELFHEAL_VERSION " (selfheal)") < 0)
		return -1;
	fa->logs_url = trim_base(logs_url ? logs_url : "https://api.fly.io");
	fa->machines_url = trim_base(machines_url ? machines_url :
	    "https://api.machines.dev");
	return 0;
}

void
fa_release(struct flyapi *fa)
{
	http_client_release(&fa->http);
	free(fa->logs_url);
	free(fa->machines_url);
	memset(fa, 0, sizeof *fa);
}

void
fa_err_fill(struct fa_err *e, const char *method, int rc,
    const struct http_resp *r, const char *url)
{
	char detail[400];
	const char *path = strstr(url, "://");

	path = path ? strchr(path + 3, '/') : url;
	if (!path)
		path = "/";
	e->verdict = http_verdict(rc, r);
	e->status = r->status;
	e->retry_after_ms = r->retry_after_ms;
	http_error_text(r, detail, sizeof detail);
	snprintf(e->text, sizeof e->text, "%s %.*s: %s", method,
	    (int)strcspn(path, "?"), path, detail);
}

static int
get_json(struct flyapi *fa, const char *url, int tries, cJSON **out,
    struct fa_err *e)
{
	struct http_req q = { .url = url };
	struct http_resp r;
	struct backoff b;
	int rc;

	*out = NULL;
	http_resp_init(&r);
	backoff_init(&b, 500, 4000, 20);
	fa->requests++;
	for (int i = 0;; i++) {
		rc = http_do(&fa->http, &q, &r);
		if (fa->trace)
			fa->trace(fa->trace_arg, url, &r);
		if (http_verdict(rc, &r) != HTTP_RETRY || i + 1 >= tries ||
		    http_sleep_ms(http_retry_delay(&r, &b, 5000)) < 0)
			break;
		fa->requests++;
	}
	if (http_verdict(rc, &r) != HTTP_OK) {
		fa_err_fill(e, "GET", rc, &r, url);
		http_resp_release(&r);
		return -1;
	}
	*out = js_parse(r.body.s ? r.body.s : "", r.body.len);
	if (!*out) {
		fa_err_fill(e, "GET", rc, &r, url);
		snprintf(e->text + strlen(e->text), sizeof e->text - strlen(e->text),
		    ": response is not JSON");
		e->verdict = HTTP_RETRY;
		http_resp_release(&r);
		return -1;
	}
	http_resp_release(&r);
	return 0;
}

static void
logs_url(struct flyapi *fa, struct sbuf *u, const char *app,
    const char *region, const char *instance, const char *next)
{
	sbuf_adds(u, fa->logs_url);
	sbuf_adds(u, "/api/v1/apps/");
	http_add_escaped(u, app);
	sbuf_adds(u, "/logs?");
	if (instance && *instance) {
		sbuf_adds(u, "instance=");
		http_add_escaped(u, instance);
		sbuf_addc(u, '&');
	}
	sbuf_adds(u, "next_token=");
	http_add_escaped(u, next ? next : "");
	if (region && *region) {
		sbuf_adds(u, "&region=");
		http_add_escaped(u, region);
	}
}

int
fa_logs_page(struct flyapi *fa, const char *app, const char *region,
    const char *instance, char *next, size_t nextcap, struct logrec *r,
    fa_entry_fn fn, void *arg, int *n, int *fresh, int64_t *last_ts,
    struct fa_err *e)
{
	struct sbuf u;
	cJSON *doc;
	const cJSON *data, *item, *tok;

	*n = *fresh = 0;
	*last_ts = 0;
	sbuf_init(&u);
	logs_url(fa, &u, app, region, instance, next);
	if (get_json(fa, u.s, 1, &doc, e) < 0) {
		sbuf_release(&u);
		return -1;
	}
	data = js_get(doc, "data");
	if (!cJSON_IsArray(data))
		data = NULL;
	cJSON_ArrayForEach(item, data) {
		const cJSON *at = js_get(item, "attributes");
		if (!cJSON_IsObject(at))
			at = item;
		lr_clear(r);
		if (lr_from_json(r, at) < 0 || r->kind == LR_RECORD)
			continue;
		if (!r->app[0])
			sh_copy(r->app, sizeof r->app, app, strlen(app));
		sh_copy(r->source, sizeof r->source, "api", 3);
		(*n)++;
		if (r->ts)
			*last_ts = r->ts;
		*fresh += fn(arg, r);
	}
	tok = js_get(doc, "meta.next_token");
	if (cJSON_IsString(tok) && tok->valuestring[0])
		snprintf(next, nextcap, "%s", tok->valuestring);
	else if (cJSON_IsNumber(tok) && tok->valuedouble > 0)
		snprintf(next, nextcap, "%.0f", tok->valuedouble);
	cJSON_Delete(doc);
	sbuf_release(&u);
	return 0;
}

void
fa_tail_init(struct fa_tail *t, const char *app, const char *region,
    const char *instance, int64_t start_ns)
{
	memset(t, 0, sizeof *t);
	sh_copy(t->app, sizeof t->app, app, strlen(app));
	if (region)
		sh_copy(t->region, sizeof t->region, region, strlen(region));
	if (instance)
		sh_copy(t->instance, sizeof t->instance, instance,
		    strlen(instance));
	if (start_ns > 0)
		snprintf(t->cursor, sizeof t->cursor, "%" PRId64, start_ns);
	backoff_init(&t->idle, LOG_MIN_WAIT, LOG_MAX_WAIT, 0);
	backoff_init(&t->fail, 1000, 60000, 20);
}

struct tailctx {
	struct fa_tail *t;
	fa_entry_fn fn;
	void *arg;
};

/* After a restart, entries up to the last one written before are skipped
 * (the de-dup window did not survive; the API may repeat the entry at the
 * cursor). */
static int
tail_entry(void *arg, struct logrec *r)
{
	struct tailctx *c = arg;

	if (r->ts && r->ts <= c->t->floor_ts)
		return 0;
	if (!c->fn(c->arg, r))
		return 0;
	if (r->ts > c->t->last_ts)
		c->t->last_ts = r->ts;
	return 1;
}

int
fa_tail_step(struct flyapi *fa, struct fa_tail *t, int64_t now,
    struct logrec *r, fa_entry_fn fn, void *arg, struct fa_err *e)
{
	struct tailctx c = { t, fn, arg };
	int n, fresh;
	int64_t last;

	if (now < t->due)
		return 0;
	if (fa_logs_page(fa, t->app, t->region, t->instance, t->cursor,
	    sizeof t->cursor, r, tail_entry, &c, &n, &fresh, &last, e) < 0) {
		t->errors++;
		t->due = sh_now_mono_ms() + (e->retry_after_ms >= 0 ?
		    (e->retry_after_ms > 60000 ? 60000 : e->retry_after_ms) :
		    backoff_next(&t->fail));
		return -1;
	}
	backoff_reset(&t->fail);
	t->pages++;
	t->entries += (unsigned long)fresh;
	if (fresh) {
		backoff_reset(&t->idle);
		t->due = sh_now_mono_ms() + LOG_MIN_WAIT;
	} else {
		t->due = sh_now_mono_ms() + backoff_next(&t->idle);
	}
	return 0;
}

static void
tail_name(const struct fa_tail *t, struct sbuf *n)
{
	sbuf_adds(n, "api-");
	sf_safe_name(t->app, n);
}

int
fa_tail_load(struct fa_tail *t, const char *dir)
{
	struct sbuf n, v;
	int rc;

	sbuf_init(&n);
	sbuf_init(&v);
	tail_name(t, &n);
	rc = sf_read(dir, n.s, &v, 4096);
	if (rc > 0 && v.len && v.s[0] >= '0' && v.s[0] <= '9') {
		size_t k = strspn(v.s, "0123456789");
		snprintf(t->cursor, sizeof t->cursor, "%.*s", (int)k, v.s);
		snprintf(t->saved, sizeof t->saved, "%s", t->cursor);
		t->floor_ts = t->last_ts = strtoll(v.s + k, NULL, 10);
	}
	sbuf_release(&n);
	sbuf_release(&v);
	return rc < 0 ? -1 : rc > 0;
}

void
fa_tail_rewind(struct fa_tail *t, int64_t ns)
{
	char *end;
	long long c;

	errno = 0;
	c = strtoll(t->cursor, &end, 10);
	if (!t->cursor[0] || *end || errno || ns <= 0 || c <= ns)
		return;
	snprintf(t->cursor, sizeof t->cursor, "%lld", c - ns);
	/* the saved cursor stays as it was until the tail moves past it */
	t->floor_ts = c - ns - 1;
}

int
fa_tail_save(struct fa_tail *t, const char *dir)
{
	struct sbuf n, v;
	int rc = 0;

	if (!t->cursor[0] || !strcmp(t->cursor, t->saved))
		return 0;
	sbuf_init(&n);
	sbuf_init(&v);
	tail_name(t, &n);
	sbuf_addf(&v, "%s %" PRId64 "\n", t->cursor, t->last_ts);
	rc = sf_write(dir, n.s, v.s, v.len);
	if (rc == 0)
		snprintf(t->saved, sizeof t->saved, "%s", t->cursor);
	sbuf_release(&n);
	sbuf_release(&v);
	return rc;
}

struct window {
	int64_t from, to;
	fa_entry_fn fn;
	void *arg;
	int past;       /* saw an entry after `to` */
};

static int
in_window(void *arg, struct logrec *r)
{
	struct window *w = arg;

	if (r->ts && r->ts > w->to) {
		w->past = 1;
		return 0;
	}
	if (r->ts && r->ts < w->from)
		return 0;
	return w->fn(w->arg, r);
}

long
fa_backfill(struct flyapi *fa, const char *app, const char *region,
    const char *instance, int64_t from_ns, int64_t to_ns, int max_pages,
    struct logrec *r, fa_entry_fn fn, void *arg, int *complete,
    struct fa_err *e)
{
	struct window w = { from_ns, to_ns, fn, arg, 0 };
	char cursor[40], prev[40];
	long total = 0;
	struct backoff b;

	*complete = 0;
	backoff_init(&b, 250, 2000, 20);
	snprintf(cursor, sizeof cursor, "%" PRId64, from_ns > 0 ? from_ns : 1);
	for (int page = 0; page < max_pages && !sh_stop; page++) {
		int n = 0, fresh = 0, tries = 0, rc;
		int64_t last = 0;
		snprintf(prev, sizeof prev, "%s", cursor);
		while ((rc = fa_logs_page(fa, app, region, instance, cursor,
		    sizeof cursor, r, in_window, &w, &n, &fresh, &last, e)) < 0 &&
		    e->verdict == HTTP_RETRY && ++tries < 3) {
			int64_t d = backoff_next(&b);
			if (e->retry_after_ms >= 0)
				d = e->retry_after_ms > 5000 ? 5000 : e->retry_after_ms;
			if (http_sleep_ms(d) < 0)
				break;
		}
		if (rc < 0)
			return -1;
		total += fresh;
		if (n == 0 || w.past || !strcmp(cursor, prev) ||
		    (last && last >= to_ns)) {
			*complete = 1;
			break;
		}
	}
	return total;
}

static int
machines_path(struct flyapi *fa, struct sbuf *u, const char *app)
{
	sbuf_adds(u, fa->machines_url);
	sbuf_adds(u, "/v1/apps/");
	http_add_escaped(u, app);
	sbuf_adds(u, "/machines");
	return 0;
}

int
fa_machines_get(struct flyapi *fa, const char *path, cJSON **out,
    struct fa_err *e)
{
	struct sbuf u;
	int rc;

	sbuf_init(&u);
	sbuf_adds(&u, fa->machines_url);
	sbuf_adds(&u, path);
	rc = get_json(fa, u.s, 3, out, e);
	sbuf_release(&u);
	return rc;
}

int
fa_list_machines(struct flyapi *fa, const char *app, const char *region,
    cJSON **out, struct fa_err *e)
{
	struct sbuf u;
	int rc;

	sbuf_init(&u);
	machines_path(fa, &u, app);
	if (region && *region) {
		sbuf_adds(&u, "?region=");
		http_add_escaped(&u, region);
	}
	rc = get_json(fa, u.s, 3, out, e);
	sbuf_release(&u);
	if (rc == 0 && !cJSON_IsArray(*out)) {
		snprintf(e->text, sizeof e->text,
		    "GET /v1/apps/%s/machines: response is not a list", app);
		e->verdict = HTTP_RETRY;
		e->status = 200;
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

int
fa_get_machine(struct flyapi *fa, const char *app, const char *id,
    cJSON **out, struct fa_err *e)
{
	struct sbuf u;
	int rc;

	sbuf_init(&u);
	machines_path(fa, &u, app);
	sbuf_addc(&u, '/');
	http_add_escaped(&u, id);
	rc = get_json(fa, u.s, 3, out, e);
	sbuf_release(&u);
	return rc;
}

int
fa_machine_events(struct flyapi *fa, const char *app, const char *id,
    int limit, cJSON **out, struct fa_err *e)
{
	struct sbuf u;
	int rc;

	sbuf_init(&u);
	machines_path(fa, &u, app);
	sbuf_addc(&u, '/');
	http_add_escaped(&u, id);
	sbuf_adds(&u, "/events");
	if (limit > 0)
		sbuf_addf(&u, "?limit=%d", limit);
	rc = get_json(fa, u.s, 3, out, e);
	sbuf_release(&u);
	if (rc == 0 && !cJSON_IsArray(*out)) {
		snprintf(e->text, sizeof e->text,
		    "GET /v1/apps/%s/machines/%s/events: response is not a list",
		    app, id);
		e->verdict = HTTP_RETRY;
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}
