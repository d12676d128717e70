/* mevents.c - see mevents.h. Events are ordered by their millisecond
 * timestamp; several can share one, so besides the high-water time each
 * machine remembers the ids it reported at that time. The state file is
 * rewritten with write-to-temporary, fsync, rename, so a crash leaves the
 * old or the new state, never half of one (statefile.h). */
#include "mevents.h"
#include "flyapi.h"
#include "json.h"
#include "logrec.h"
#include "statefile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MACHINES 4096
#define NIDS 8
#define IDLEN 64
#define EVENTS_LIMIT 50
#define STATE_MAX (8u << 20)

struct mstate {
	char id[IDLEN];
	int64_t hw;                 /* newest reported event time (ms) */
	char ids[NIDS][IDLEN];      /* ids reported at time hw */
	int nids;
	char stopped[IDLEN];        /* exit event a "stopped" report was for */
	int listed;                 /* seen in the latest list */
};

struct mev {
	char app[128], region[16], instance[64];
	char *dir, *file;           /* state file, or NULL */
	int64_t since_ms;
	struct mstate *ms;
	int n;
	int dirty;
	int capped;                 /* said that MAX_MACHINES was reached */
};

/* Numbers of an API answer, clamped (1e300 must not reach a cast, and a
 * time in ms times 1e6 must fit in ns). */
static int64_t
num(const cJSON *j, int64_t def)
{
	return js_int(j, -(INT64_C(1) << 43), INT64_C(1) << 43, def);
}

static void
event_id(const cJSON *ev, char *out)
{
	const char *id = js_get_str(ev, "id");
	if (id && *id)
		snprintf(out, IDLEN, "%s", id);
	else
		snprintf(out, IDLEN, "%s@%" PRId64, js_get_str(ev, "type") ?
		    js_get_str(ev, "type") : "?", num(js_get(ev, "timestamp"), 0));
}

static struct mstate *
find(struct mev *m, const char *id, int create)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->ms[i].id, id))
			return &m->ms[i];
	if (!create)
		return NULL;
	if (m->n >= MAX_MACHINES) {
		if (!m->capped++)
			sh_warn("events: app %s has more than %d machines; the "
			    "others' events are not watched", m->app, MAX_MACHINES);
		return NULL;
	}
	m->ms = xrealloc(m->ms, (size_t)(m->n + 1) * sizeof *m->ms);
	struct mstate *s = &m->ms[m->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	s->hw = m->since_ms - 1;
	m->dirty = 1;
	return s;
}

static int
load(struct mev *m, char *err, size_t errlen)
{
	struct sbuf b;
	cJSON *doc;
	const cJSON *it;
	int rc;

	sbuf_init(&b);
	rc = sf_read(m->dir, m->file, &b, STATE_MAX);
	if (rc <= 0) {
		if (rc < 0)
			snprintf(err, errlen, "%s/%s: %s", m->dir, m->file,
			    strerror(errno));
		sbuf_release(&b);
		return rc;
	}
	doc = js_parse(b.s, b.len);
	sbuf_release(&b);
	if (!doc || !cJSON_IsObject(js_get(doc, "machines"))) {
		/* keep the evidence, start afresh */
		sf_set_aside(m->dir, m->file);
		cJSON_Delete(doc);
		return 0;
	}
	cJSON_ArrayForEach(it, js_get(doc, "machines")) {
		struct mstate *s = find(m, it->string, 1);
		const cJSON *ids = js_get(it, "ids"), *id;
		if (!s)
			break;
		s->hw = num(js_get(it, "ts"), s->hw);
		cJSON_ArrayForEach(id, ids) {
			if (cJSON_IsString(id) && s->nids < NIDS)
				snprintf(s->ids[s->nids++], IDLEN, "%s",
				    id->valuestring);
		}
		if (js_get_str(it, "stopped"))
			snprintf(s->stopped, IDLEN, "%s", js_get_str(it, "stopped"));
		s->listed = 1;
	}
	cJSON_Delete(doc);
	m->dirty = 0;
	return 0;
}

static int
save(struct mev *m, char *err, size_t errlen)
{
	struct sbuf b;
	int rc;

	if (!m->dir || !m->dirty)
		return 0;
	sbuf_init(&b);
	sbuf_adds(&b, "{\"version\":1");
	js_member_str(&b, "app", m->app, 0);
	js_key(&b, "machines");
	sbuf_addc(&b, '{');
	for (int i = 0; i < m->n; i++) {
		struct mstate *s = &m->ms[i];
		js_key(&b, s->id);
		sbuf_addf(&b, "{\"ts\":%" PRId64 ",\"ids\":[", s->hw);
		for (int k = 0; k < s->nids; k++) {
			if (k)
				sbuf_addc(&b, ',');
			js_strz(&b, s->ids[k]);
		}
		sbuf_addc(&b, ']');
		js_member_str(&b, "stopped", s->stopped, 1);
		sbuf_addc(&b, '}');
	}
	sbuf_adds(&b, "}}\n");
	rc = sf_write(m->dir, m->file, b.s, b.len);
	if (rc < 0)
		snprintf(err, errlen, "%s/%s: cannot save state: %s", m->dir,
		    m->file, strerror(errno));
	else
		m->dirty = 0;
	sbuf_release(&b);
	return rc;
}

struct mev *
mev_new(const struct mev_opts *o, char *err, size_t errlen)
{
	struct mev *m = xcalloc(1, sizeof *m);

	snprintf(m->app, sizeof m->app, "%s", o->app);
	if (o->region)
		snprintf(m->region, sizeof m->region, "%s", o->region);
	if (o->instance)
		snprintf(m->instance, sizeof m->instance, "%s", o->instance);
	m->since_ms = o->since_ms;
	if (o->state_dir) {
		struct sbuf p;
		if (sf_dir(o->state_dir) < 0) {
			snprintf(err, errlen, "%s: %s", o->state_dir, strerror(errno));
			free(m);
			return NULL;
		}
		m->dir = xstrdup(o->state_dir);
		sbuf_init(&p);
		sbuf_adds(&p, "events-");
		sf_safe_name(o->app, &p);
		sbuf_adds(&p, ".json");
		m->file = p.s;
		if (load(m, err, errlen) < 0) {
			mev_free(m);
			return NULL;
		}
	}
	return m;
}

void
mev_free(struct mev *m)
{
	if (!m)
		return;
	free(m->ms);
	free(m->dir);
	free(m->file);
	free(m);
}

static const cJSON *
exit_event(const cJSON *ev)
{
	const cJSON *x = js_get(ev, "request.MonitorEvent.exit_event");
	if (!cJSON_IsObject(x))
		x = js_get(ev, "request.exit_event");
	return cJSON_IsObject(x) ? x : NULL;
}

static int64_t
restart_count(const cJSON *ev)
{
	int64_t n = num(js_get(ev, "request.restart_count"), -1);
	if (n < 0)
		n = num(js_get(ev, "request.MonitorEvent.restart_count"), 0);
	return n;
}

static int
is_failure(const cJSON *x)
{
	return x && !cJSON_IsTrue(js_get(x, "requested_stop")) &&
	    (num(js_get(x, "exit_code"), 0) != 0 ||
	    cJSON_IsTrue(js_get(x, "oom_killed")));
}

static const char *
signame(int64_t s)
{
	static const char *const n[] = { NULL, "SIGHUP", "SIGINT", "SIGQUIT",
		"SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
		"SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM" };
	return s > 0 && s < 16 ? n[s] : NULL;
}

void
mev_exit_message(const char *machine, const cJSON *ev, char *out, size_t n,
    int *failure)
{
	const cJSON *x = exit_event(ev);
	struct sbuf b;
	int paren = 0;

	sbuf_init(&b);
	*failure = is_failure(x);
	if (!x) {
		const char *st = js_get_str(ev, "status");
		sbuf_addf(&b, "machine %s exited%s%s", machine,
		    st && *st ? ", status " : "", st && *st ? st : "");
		snprintf(out, n, "%s", b.s);
		sbuf_release(&b);
		return;
	}
	sbuf_addf(&b, "machine %s exited with code %" PRId64, machine,
	    num(js_get(x, "exit_code"), 0));
	int64_t sig = num(js_get(x, "signal"), -1);
	if (sig <= 0)
		sig = num(js_get(x, "guest_signal"), -1);
#define PART(...) do { sbuf_adds(&b, paren++ ? ", " : " ("); \
	sbuf_addf(&b, __VA_ARGS__); } while (0)
	if (cJSON_IsTrue(js_get(x, "oom_killed")))
		PART("oom killed");
	else if (sig > 0 && signame(sig))
		PART("signal %" PRId64 " %s", sig, signame(sig));
	else if (sig > 0)
		PART("signal %" PRId64, sig);
	if (cJSON_IsTrue(js_get(x, "requested_stop")))
		PART("stop requested");
#undef PART
	if (paren)
		sbuf_addc(&b, ')');
	int64_t rc = restart_count(ev);
	if (rc > 0)
		sbuf_addf(&b, ", restart %" PRId64, rc);
	if (*failure && !cJSON_IsTrue(js_get(x, "restarting")))
		sbuf_adds(&b, ", not restarting");
	snprintf(out, n, "%s", b.s);
	sbuf_release(&b);
}

static void
fill(struct mev *m, struct logrec *r, const cJSON *mach, const char *id,
    int64_t ts_ms, int failure, const char *msg)
{
	const char *region = js_get_str(mach, "region");

	lr_clear(r);
	r->kind = LR_LOG;
	r->ts = ts_ms * 1000000;
	r->ts_prec = 3;
	sh_copy(r->app, sizeof r->app, m->app, strlen(m->app));
	if (region)
		sh_copy(r->region, sizeof r->region, region, strlen(region));
	sh_copy(r->instance, sizeof r->instance, id, strlen(id));
	sh_copy(r->provider, sizeof r->provider, "runner", 6);
	sh_copy(r->level, sizeof r->level, failure ? "error" : "info",
	    failure ? 5 : 4);
	sh_copy(r->source, sizeof r->source, "events", 6);
	sbuf_adds(&r->msg, msg);
}

static int
cmp_ts(const void *a, const void *b)
{
	int64_t x = num(js_get(*(const cJSON *const *)a, "timestamp"), 0);
	int64_t y = num(js_get(*(const cJSON *const *)b, "timestamp"), 0);
	return x < y ? -1 : x > y;
}

static int
reported(const struct mstate *s, int64_t ts, const char *id)
{
	if (ts < s->hw)
		return 1;
	if (ts > s->hw)
		return 0;
	for (int k = 0; k < s->nids; k++)
		if (!strcmp(s->ids[k], id))
			return 1;
	return 0;
}

static void
mark(struct mev *m, struct mstate *s, int64_t ts, const char *id)
{
	if (ts > s->hw) {
		s->hw = ts;
		s->nids = 0;
	}
	if (s->nids < NIDS)
		snprintf(s->ids[s->nids++], IDLEN, "%s", id);
	m->dirty = 1;
}

/* One machine: its new exit events, oldest first, then the stopped check. */
static int
machine(struct mev *m, struct flyapi *fa, const cJSON *mach, struct logrec *r,
    mev_emit_fn fn, void *arg, struct fa_err *e)
{
	const char *id = js_get_str(mach, "id");
	const char *state = js_get_str(mach, "state");
	const cJSON *events = js_get(mach, "events"), *ev;
	cJSON *fetched = NULL;
	const cJSON **list = NULL;
	int nl = 0, out = 0;
	char evid[IDLEN], msg[512];
	struct mstate *s;

	if (!id || !*id || !(s = find(m, id, 1)))
		return 0;
	s->listed = 1;
	int64_t oldest = INT64_MAX;
	const cJSON *arr = cJSON_IsArray(events) ? events : NULL;
	cJSON_ArrayForEach(ev, arr) {
		int64_t t = num(js_get(ev, "timestamp"), 0);
		if (t < oldest)
			oldest = t;
	}
	/* the embedded list is short: when all of it is new, there may be
	 * more new events behind it */
	if (!cJSON_IsArray(events) || (cJSON_GetArraySize(events) > 0 &&
	    oldest > s->hw)) {
		if (fa_machine_events(fa, m->app, id, EVENTS_LIMIT, &fetched, e) < 0)
			return -1;
		events = fetched;
	}
	int total = cJSON_GetArraySize(events);
	list = xcalloc((size_t)total + 1, sizeof *list);
	const cJSON *latest_exit = NULL;
	int64_t latest_ts = INT64_MIN;
	cJSON_ArrayForEach(ev, events) {
		const char *type = js_get_str(ev, "type");
		int64_t t = num(js_get(ev, "timestamp"), 0);
		if (!type || strcmp(type, "exit"))
			continue;
		if (t > latest_ts) {
			latest_ts = t;
			latest_exit = ev;
		}
		event_id(ev, evid);
		if (!reported(s, t, evid))
			list[nl++] = ev;
	}
	qsort(list, (size_t)nl, sizeof *list, cmp_ts);
	for (int i = 0; i < nl; i++) {
		int failure;
		int64_t t = num(js_get(list[i], "timestamp"), 0);
		event_id(list[i], evid);
		mev_exit_message(id, list[i], msg, sizeof msg, &failure);
		fill(m, r, mach, id, t, failure, msg);
		fn(arg, r, list[i]);
		mark(m, s, t, evid);
		out++;
	}
	free(list);
	/* left stopped after a failed exit: Fly will not try again */
	const cJSON *x = latest_exit ? exit_event(latest_exit) : NULL;
	if (state && !strcmp(state, "stopped") && is_failure(x) &&
	    !cJSON_IsTrue(js_get(x, "restarting"))) {
		event_id(latest_exit, evid);
		if (strcmp(s->stopped, evid)) {
			int64_t rc = restart_count(latest_exit);
			if (rc > 0)
				snprintf(msg, sizeof msg, "machine %s stopped after %"
				    PRId64 " restarts: max restart count reached, "
				    "exited with code %" PRId64 ", not restarting", id,
				    rc, num(js_get(x, "exit_code"), 0));
			else
				snprintf(msg, sizeof msg, "machine %s stopped: exited "
				    "with code %" PRId64 " and will not be restarted",
				    id, num(js_get(x, "exit_code"), 0));
			fill(m, r, mach, id, latest_ts, 1, msg);
			fn(arg, r, latest_exit);
			snprintf(s->stopped, IDLEN, "%s", evid);
			m->dirty = 1;
			out++;
		}
	}
	cJSON_Delete(fetched);
	return out;
}

int
mev_poll(struct mev *m, struct flyapi *fa, struct logrec *r, mev_emit_fn fn,
    void *arg, struct fa_err *e)
{
	cJSON *doc = NULL, *one = NULL;
	const cJSON *mach;
	int out = 0, rc;

	if (m->instance[0]) {
		if (fa_get_machine(fa, m->app, m->instance, &doc, e) < 0)
			return -1;
		one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, doc);
	} else if (fa_list_machines(fa, m->app, m->region, &doc, e) < 0) {
		return -1;
	}
	for (int i = 0; i < m->n; i++)
		m->ms[i].listed = 0;
	const cJSON *all = one ? one : doc;
	cJSON_ArrayForEach(mach, all) {
		if ((rc = machine(m, fa, mach, r, fn, arg, e)) < 0) {
			cJSON_Delete(one);
			cJSON_Delete(doc);
			return -1;
		}
		out += rc;
	}
	/* forget machines that are gone (a list shows them all) */
	if (!m->instance[0] && !m->region[0]) {
		int k = 0;
		for (int i = 0; i < m->n; i++)
			if (m->ms[i].listed)
				m->ms[k++] = m->ms[i];
		if (k != m->n)
			m->dirty = 1;
		m->n = k;
	}
	cJSON_Delete(one);
	cJSON_Delete(doc);
	memset(e, 0, sizeof *e);
	if (save(m, e->text, sizeof e->text) < 0) {
		e->verdict = HTTP_OK;
		return out ? out : 0;
	}
	return out;
}
