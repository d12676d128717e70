/* flyapi.h - the two Fly HTTP APIs selfheal reads: the log API that
 * `fly logs` polls (GET {logs}/api/v1/apps/APP/logs?next_token=T, a
 * JSON:API page of entries plus the next cursor, a nanosecond time) and
 * the Machines API (list machines, get one, its events). See
 * shared/reference/fly-platform.md sections 3 and 4.
 *
 * Three uses of the log API: a tail that polls forever the way flyctl does
 * (64 ms between pages, doubling to 4096 ms while pages are empty), a
 * bounded back-fill of a time window (fly-tail's NATS gaps), and the
 * Machines API reads for the events poller (and, later, remediate).
 *
 * Errors come back in a struct fa_err whose verdict says retry (429, 5xx,
 * transport; retry_after_ms from the server when given) or fatal (401,
 * 403, 404, other 4xx). Nothing here prints or exits.
 *
 * Ownership: struct flyapi owns its HTTP client and URLs; JSON trees
 * returned through cJSON ** are the caller's (cJSON_Delete). Log entries
 * are handed to the callback in a struct logrec the caller owns. */
#ifndef SH_FLYAPI_H
#define SH_FLYAPI_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct cJSON;
struct logrec;
struct token;

struct flyapi {
	struct http_client http;
	char *logs_url;         /* https://api.fly.io */
	char *machines_url;     /* https://api.machines.dev */
	unsigned long requests;
	/* called after each request when set (fly-tail -v): the URL holds
	 * no secret, the Authorization header is never passed */
	void (*trace)(void *arg, const char *url, const struct http_resp *r);
	void *trace_arg;
};

struct fa_err {
	enum http_verdict verdict;
	long status;
	int64_t retry_after_ms;     /* -1: none */
	char text[512];             /* "GET /path: HTTP 401 ...: detail" */
};

/* fa_err_fill fills e from a request's outcome: the verdict, status,
 * Retry-After and "METHOD /path: HTTP 401 Unauthorized: detail" (the path
 * without host or query). */
void fa_err_fill(struct fa_err *e, const char *method, int rc,
    const struct http_resp *r, const char *url);

/* fa_init: tok may be NULL (no Authorization header). Returns 0 or -1. */
int fa_init(struct flyapi *fa, const char *logs_url, const char *machines_url,
    const struct token *tok);
void fa_release(struct flyapi *fa);

/* The callback gets each entry decoded (app filled in, source "api") and
 * returns 1 when it was new, 0 when it was a duplicate. */
typedef int (*fa_entry_fn)(void *arg, struct logrec *r);

/* fa_logs_page fetches one page: entries with their time at or after the
 * cursor `next_token` (empty: the most recent ones). It stores the
 * response's next_token in next (unchanged when the response has none),
 * the number of entries in *n and of new ones in *fresh, and the time of
 * the last entry in *last_ts (0 if none). Returns 0 or -1 with e filled. */
int fa_logs_page(struct flyapi *fa, const char *app, const char *region,
    const char *instance, char *next, size_t nextcap, struct logrec *r,
    fa_entry_fn fn, void *arg, int *n, int *fresh, int64_t *last_ts,
    struct fa_err *e);

/* A tail that polls one app forever. */
struct fa_tail {
	char app[128], region[16], instance[64];
	char cursor[40], saved[40];
	int64_t last_ts;            /* time of the newest entry written */
	int64_t floor_ts;           /* after a restart: skip up to this */
	struct backoff idle, fail;
	int64_t due;                /* monotonic ms of the next request */
	unsigned long pages, entries, errors;
};

/* start_ns: the first cursor (a time in ns; 0: let the API choose, which
 * is the most recent 100 lines). */
void fa_tail_init(struct fa_tail *t, const char *app, const char *region,
    const char *instance, int64_t start_ns);

/* fa_tail_step asks for one page when t is due (now = sh_now_mono_ms())
 * and schedules the next: 64 ms after a page with new entries, doubling to
 * 4096 ms after pages without (a page of repeats counts as empty), and
 * after errors by Retry-After or a 1 s..60 s backoff. Returns 0, or -1
 * with e filled (e->verdict tells whether the tail may go on). */
int fa_tail_step(struct flyapi *fa, struct fa_tail *t, int64_t now,
    struct logrec *r, fa_entry_fn fn, void *arg, struct fa_err *e);

/* The tail's cursor (and the time of the last entry written) kept in a
 * state directory (statefile.h) as "api-<app>", so a restart goes on
 * where it stopped, without repeating the entry at the cursor: fa_tail_load sets it
 * when saved (returns 1), fa_tail_save writes it when it changed. Errors:
 * -1 (errno). */
int fa_tail_load(struct fa_tail *t, const char *dir);
int fa_tail_save(struct fa_tail *t, const char *dir);
/* fa_tail_rewind moves a loaded cursor (a time in ns, as Fly's is) ns
 * back, so that the entries of that last stretch are handed out again. */
void fa_tail_rewind(struct fa_tail *t, int64_t ns);

/* fa_backfill hands out the app's entries with from_ns <= ts <= to_ns,
 * paging forward from from_ns, at most max_pages pages (each request tried
 * up to 3 times). Returns the number of new entries, or -1 with e filled;
 * *complete is set when the window was covered (not cut by max_pages). */
long fa_backfill(struct flyapi *fa, const char *app, const char *region,
    const char *instance, int64_t from_ns, int64_t to_ns, int max_pages,
    struct logrec *r, fa_entry_fn fn, void *arg, int *complete,
    struct fa_err *e);

/* Machines API reads (each tried up to 3 times on retryable errors).
 * Return 0 with *out set, or -1 with e filled. */
int fa_list_machines(struct flyapi *fa, const char *app, const char *region,
    struct cJSON **out, struct fa_err *e);
int fa_get_machine(struct flyapi *fa, const char *app, const char *id,
    struct cJSON **out, struct fa_err *e);
int fa_machine_events(struct flyapi *fa, const char *app, const char *id,
    int limit, struct cJSON **out, struct fa_err *e);

/* A GET of a JSON document under the Machines API base (path starts with
 * "/v1/"); the general form of the three above for remediate. */
int fa_machines_get(struct flyapi *fa, const char *path, struct cJSON **out,
    struct fa_err *e);

#endif
