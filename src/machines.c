/* machines.c - see machines.h. Query keys are written in sorted order, as
 * fly-go (Go's url.Values.Encode) does, so request logs read alike. */
#include "machines.h"
#include "json.h"
#include "token.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
mx_init(struct mx *m, const char *url, const struct token *tok)
{
	memset(m, 0, sizeof *m);
	if (fa_init(&m->fa, NULL, url, tok) < 0)
		return -1;
	snprintf(m->fa.http.user_agent, sizeof m->fa.http.user_agent,
	    "remediate/%s (selfheal)", SELFHEAL_VERSION);
	m->fa.http.stop_on_signal = 0;
	m->tries = 4;
	m->backoff_min_ms = 500;
	m->backoff_max_ms = 8000;
	m->lease_ttl = 120;
	return 0;
}

void
mx_release(struct mx *m)
{
	fa_release(&m->fa);
	memset(m, 0, sizeof *m);
}

int
mx_conflict(const struct fa_err *e)
{
	return e->status == 409;
}

/* Token buckets keyed by (kind, app, machine): wait until one token is
 * there. The table is small; the oldest bucket is reused. */
static void
pace(struct mx *m, const char *kind, const char *app, const char *id)
{
	int get = !strcmp(kind, "get");
	double rate = get ? 5 : 1, burst = get ? 10 : 3;
	uint64_t k = sh_fnv1a(SH_FNV_INIT, kind, strlen(kind));
	struct mx_bucket *b = NULL, *old = &m->bucket[0];
	int64_t now = sh_now_mono_ms();

	k = sh_fnv1a(k, app, strlen(app) + 1);
	if (id)
		k = sh_fnv1a(k, id, strlen(id));
	for (int i = 0; i < MX_BUCKETS && !b; i++) {
		if (m->bucket[i].key == k)
			b = &m->bucket[i];
		else if (m->bucket[i].at < old->at)
			old = &m->bucket[i];
	}
	if (!b) {
		b = old;
		b->key = k;
		b->tokens = burst;
		b->at = now;
	}
	b->tokens += (double)(now - b->at) * rate / 1000;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	if (b->tokens < 1) {
		int64_t wait = (int64_t)((1 - b->tokens) * 1000 / rate) + 1;
		http_sleep_ms(wait);
		b->tokens = 1;
		b->at = sh_now_mono_ms();
	}
	b->tokens -= 1;
}

static void
base_path(struct mx *m, struct sbuf *u, const char *app, const char *id,
    const char *sub)
{
	sbuf_adds(u, m->fa.machines_url);
	sbuf_adds(u, "/v1/apps/");
	http_add_escaped(u, app);
	sbuf_adds(u, "/machines");
	if (id) {
		sbuf_addc(u, '/');
		http_add_escaped(u, id);
	}
	if (sub) {
		sbuf_addc(u, '/');
		sbuf_adds(u, sub);
	}
}

/* One request with pacing and retries. kind names the bucket ("get",
 * "restart", ...). out (may be NULL) gets the parsed body of a 2xx. */
static int
call(struct mx *m, const char *method, const char *kind, const char *app,
    const char *id, const char *url, const char *nonce, const char *body,
    long timeout_ms, int retry_408, cJSON **out, struct fa_err *e)
{
	char hdr[128];
	const char *headers[2] = { NULL, NULL };
	struct http_req q = { .method = method, .url = url, .headers = headers,
		.body = body, .body_len = body ? strlen(body) : 0,
		.timeout_ms = timeout_ms, .once = strcmp(method, "GET") != 0 };
	struct http_resp r;
	struct backoff b;
	int rc = -1;

	if (out)
		*out = NULL;
	memset(e, 0, sizeof *e);
	if (nonce) {
		snprintf(hdr, sizeof hdr, "fly-machine-lease-nonce: %s", nonce);
		headers[0] = hdr;
	}
	http_resp_init(&r);
	backoff_init(&b, m->backoff_min_ms, m->backoff_max_ms, 20);
	int get = !strcmp(method, "GET"), garbage = 0, unknown = 0;
	cJSON *doc = NULL;
	for (int i = 0; i < m->tries; i++) {
		pace(m, kind, app, id);
		m->requests++;
		m->fa.requests++;
		if (!get)
			m->mutations++;
		rc = http_do(&m->fa.http, &q, &r);
		if (m->fa.trace)
			m->fa.trace(m->fa.trace_arg, url, &r);
		enum http_verdict v = http_verdict(rc, &r);
		garbage = 0;
		if (v == HTTP_OK && out && r.body.len &&
		    !(doc = js_parse(r.body.s, r.body.len))) {
			garbage = 1;
			v = HTTP_RETRY;
		}
		if (v != HTTP_RETRY || (r.status == 408 && !retry_408) ||
		    i + 1 == m->tries)
			break;
		/* A change that went out but got no whole answer (cut off, timed
		 * out, garbage) may have been made: sending it again could do
		 * it twice. Only a complete error answer (429, 5xx: the server
		 * says it did not) or a connection that failed is retried. */
		if (!get && (garbage || http_unanswered(&r))) {
			unknown = 1;
			break;
		}
		if (http_sleep_ms(http_retry_delay(&r, &b, 30000)) < 0)
			break;
	}
	if (garbage || http_verdict(rc, &r) != HTTP_OK) {
		fa_err_fill(e, method, rc, &r, url);
		if (garbage) {
			snprintf(e->text + strlen(e->text), sizeof e->text -
			    strlen(e->text), ": response is not JSON");
			e->verdict = HTTP_RETRY;
		}
		if (unknown || (!get && http_unanswered(&r)) || (!get &&
		    garbage))
			snprintf(e->text + strlen(e->text), sizeof e->text -
			    strlen(e->text), " (the change may have been made; "
			    "not sent again)");
		http_resp_release(&r);
		return -1;
	}
	if (out)
		*out = doc ? doc : cJSON_CreateObject();
	http_resp_release(&r);
	return 0;
}

static int
simple(struct mx *m, const char *method, const char *kind, const char *app,
    const char *id, const char *sub, const char *query, const char *nonce,
    const char *body, long timeout_ms, int retry_408, cJSON **out,
    struct fa_err *e)
{
	struct sbuf u;
	int rc;

	sbuf_init(&u);
	base_path(m, &u, app, id, sub);
	if (query && *query) {
		sbuf_addc(&u, '?');
		sbuf_adds(&u, query);
	}
	rc = call(m, method, kind, app, id, u.s, nonce, body, timeout_ms,
	    retry_408, out, e);
	sbuf_release(&u);
	return rc;
}

int
mx_list(struct mx *m, const char *app, cJSON **out, struct fa_err *e)
{
	int rc = simple(m, "GET", "list", app, NULL, NULL, NULL, NULL, NULL, 0, 1,
	    out, e);
	if (rc == 0 && !cJSON_IsArray(*out)) {
		snprintf(e->text, sizeof e->text,
		    "GET /v1/apps/%s/machines: response is not a list", app);
		e->verdict = HTTP_RETRY;
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

int
mx_get(struct mx *m, const char *app, const char *id, cJSON **out,
    struct fa_err *e)
{
	int rc = simple(m, "GET", "get", app, id, NULL, NULL, NULL, NULL, 0, 1,
	    out, e);
	if (rc == 0 && !cJSON_IsObject(*out)) {
		snprintf(e->text, sizeof e->text,
		    "GET /v1/apps/%s/machines/%s: response is not an object", app,
		    id);
		e->verdict = HTTP_RETRY;
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

static int
get_list(struct mx *m, const char *app, const char *id, const char *sub,
    const char *query, cJSON **out, struct fa_err *e)
{
	int rc = simple(m, "GET", "get", app, id, sub, query, NULL, NULL, 0, 1,
	    out, e);
	if (rc == 0 && !cJSON_IsArray(*out)) {
		snprintf(e->text, sizeof e->text,
		    "GET /v1/apps/%s/machines/%s/%s: response is not a list", app,
		    id, sub);
		e->verdict = HTTP_RETRY;
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

int
mx_events(struct mx *m, const char *app, const char *id, int limit,
    cJSON **out, struct fa_err *e)
{
	char q[32] = "";

	if (limit > 0)
		snprintf(q, sizeof q, "limit=%d", limit);
	return get_list(m, app, id, "events", q, out, e);
}

int
mx_versions(struct mx *m, const char *app, const char *id, cJSON **out,
    struct fa_err *e)
{
	return get_list(m, app, id, "versions", NULL, out, e);
}

int
mx_lease(struct mx *m, const char *app, const char *id,
    const char *description, char *nonce, size_t noncecap, struct fa_err *e)
{
	cJSON *body = cJSON_CreateObject(), *out = NULL;
	char *text;
	const char *n;
	int rc;

	cJSON_AddNumberToObject(body, "ttl", m->lease_ttl);
	cJSON_AddStringToObject(body, "description", description ? description :
	    "remediate");
	text = cJSON_PrintUnformatted(body);
	rc = simple(m, "POST", "lease", app, id, "lease", NULL, NULL, text, 0, 1,
	    &out, e);
	cJSON_free(text);
	cJSON_Delete(body);
	if (rc < 0)
		return -1;
	n = js_get_str(out, "data.nonce");
	if (!n)
		n = js_get_str(out, "nonce");
	if (!n || !*n || strlen(n) >= noncecap || strcspn(n, "\r\n") != strlen(n)) {
		snprintf(e->text, sizeof e->text, "POST /v1/apps/%s/machines/%s/lease:"
		    " no lease nonce in the answer", app, id);
		e->verdict = HTTP_FATAL;
		cJSON_Delete(out);
		return -1;
	}
	snprintf(nonce, noncecap, "%s", n);
	cJSON_Delete(out);
	return 0;
}

int
mx_unlease(struct mx *m, const char *app, const char *id, const char *nonce,
    struct fa_err *e)
{
	return simple(m, "DELETE", "lease", app, id, "lease", NULL, nonce, NULL,
	    0, 1, NULL, e);
}

int
mx_restart(struct mx *m, const char *app, const char *id, const char *nonce,
    const char *signal, int timeout_s, struct fa_err *e)
{
	struct sbuf q;
	int rc;

	sbuf_init(&q);
	sbuf_add(&q, "", 0);
	if (signal && *signal) {
		sbuf_adds(&q, "signal=");
		http_add_escaped(&q, signal);
	}
	if (timeout_s > 0)
		sbuf_addf(&q, "%stimeout=%ds", q.len ? "&" : "", timeout_s);
	rc = simple(m, "POST", "restart", app, id, "restart", q.s, nonce, NULL,
	    timeout_s > 0 ? ((long)timeout_s + 30) * 1000 : 0, 1, NULL, e);
	sbuf_release(&q);
	return rc;
}

int
mx_start(struct mx *m, const char *app, const char *id, const char *nonce,
    cJSON **out, struct fa_err *e)
{
	return simple(m, "POST", "start", app, id, "start", NULL, nonce, NULL, 0,
	    1, out, e);
}

int
mx_stop(struct mx *m, const char *app, const char *id, const char *nonce,
    struct fa_err *e)
{
	return simple(m, "POST", "stop", app, id, "stop", NULL, nonce, NULL, 0, 1,
	    NULL, e);
}

int
mx_update(struct mx *m, const char *app, const char *id, const char *nonce,
    const cJSON *config, const char *version, cJSON **out, struct fa_err *e)
{
	cJSON *body = cJSON_CreateObject();
	char *text;
	int rc;

	cJSON_AddItemReferenceToObject(body, "config", (cJSON *)config);
	if (version && *version)
		cJSON_AddStringToObject(body, "current_version", version);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	rc = simple(m, "POST", "update", app, id, NULL, NULL, nonce, text,
	    90000, 1, out, e);
	cJSON_free(text);
	return rc;
}

int
mx_wait(struct mx *m, const char *app, const char *id, const char *instance_id,
    const char *state, int timeout_s, struct fa_err *e)
{
	struct sbuf q;
	int rc;

	if (timeout_s < 1)
		timeout_s = 1;
	if (timeout_s > 60)
		timeout_s = 60;
	sbuf_init(&q);
	if (instance_id && *instance_id) {
		sbuf_adds(&q, "instance_id=");
		http_add_escaped(&q, instance_id);
		sbuf_addc(&q, '&');
	}
	sbuf_adds(&q, "state=");
	http_add_escaped(&q, state);
	sbuf_addf(&q, "&timeout=%d", timeout_s);
	rc = simple(m, "GET", "wait", app, id, "wait", q.s, NULL, NULL,
	    (long)(timeout_s + 15) * 1000, 0, NULL, e);
	sbuf_release(&q);
	return rc;
}
