/* fleet.c - see fleet.h. */
#include "fleet.h"
#include "json.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FLYD_WINDOW_MS (5 * 60 * 1000)

static const char *
gs(const cJSON *o, const char *path)
{
	return js_get_str(o, path);
}

static double
gn(const cJSON *o, const char *path, double dflt)
{
	const cJSON *v = js_get(o, path);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* An integer member, clamped to an int (an API answer's 1e300 must not
 * reach a cast: tests/fuzz/fuzz_fleet). */
static int
gi(const cJSON *o, const char *path, int dflt)
{
	return (int)js_int(js_get(o, path), INT_MIN, INT_MAX, dflt);
}

static int
gb(const cJSON *o, const char *path)
{
	return cJSON_IsTrue(js_get(o, path));
}

int64_t
fl_time_ms(const cJSON *v)
{
	int64_t ns;

	/* within ±2^43 ms (year ±280,000): ms * 1e6 still fits in ns */
	if (cJSON_IsNumber(v))
		return js_int(v, -(INT64_C(1) << 43), INT64_C(1) << 43, 0);
	if (cJSON_IsString(v) && sh_time_parse(v->valuestring,
	    strlen(v->valuestring), &ns, NULL) > 0)
		return ns / 1000000;
	return 0;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static void
add_time(cJSON *o, const char *k, int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return;
	sh_time_format(ms * 1000000, 3, buf);
	cJSON_AddStringToObject(o, k, buf);
}

static const cJSON *
exit_event(const cJSON *ev)
{
	const cJSON *x = js_get(ev, "request.MonitorEvent.exit_event");
	return x ? x : js_get(ev, "request.exit_event");
}

static const cJSON *
restart_policy(const cJSON *m, const char **policy, int *max)
{
	const cJSON *r = js_get(m, "config.restart");
	const char *p = gs(r, "policy");

	/* an empty policy behaves like on-failure with 10 retries */
	*policy = p && *p ? p : "on-failure";
	if (!strcmp(*policy, "always"))
		*max = -1;
	else if (!strcmp(*policy, "no"))
		*max = 0;
	else
		*max = gi(r, "max_retries", 0) > 0 ? gi(r, "max_retries", 0) : 10;
	return r;
}

void
fl_last_exit(const cJSON *m, struct fl_exit *x)
{
	const cJSON *ev, *best = NULL;
	int64_t bt = 0;

	memset(x, 0, sizeof *x);
	restart_policy(m, &x->policy, &x->max_retries);
	cJSON_ArrayForEach(ev, js_get(m, "events")) {
		const char *t = gs(ev, "type");
		int64_t ts = fl_time_ms(js_get(ev, "timestamp"));
		if (!t || strcmp(t, "exit") || !exit_event(ev))
			continue;
		if (!best || ts > bt) {
			best = ev;
			bt = ts;
		}
	}
	if (!best)
		return;
	const cJSON *xe = exit_event(best);
	x->have = 1;
	x->ts = bt;
	x->exit_code = gi(xe, "exit_code", 0);
	x->oom = gb(xe, "oom_killed");
	x->requested_stop = gb(xe, "requested_stop");
	x->restarting = gb(xe, "restarting");
	x->restart_count = gi(best, "request.restart_count",
	    gi(best, "request.MonitorEvent.restart_count", 0));
}

int
fl_flyd_restarting(const struct fl_exit *x, int64_t now_ms)
{
	if (!x->have || !x->restarting)
		return 0;
	if (now_ms - x->ts > FLYD_WINDOW_MS)
		return 0;
	return x->max_retries < 0 || x->restart_count < x->max_retries;
}

int
fl_checks(const cJSON *m, int *total, int *passing, int *failing)
{
	const cJSON *c;

	*total = *passing = *failing = 0;
	cJSON_ArrayForEach(c, js_get(m, "checks")) {
		const char *s = gs(c, "status");
		(*total)++;
		if (s && !strcmp(s, "passing"))
			(*passing)++;
		else if (s && !strcmp(s, "critical"))
			(*failing)++;
	}
	return *total > 0 && *passing == *total;
}

static cJSON *
guest(const cJSON *m)
{
	const cJSON *g = js_get(m, "config.guest");
	cJSON *o = cJSON_CreateObject();

	add_str(o, "cpu_kind", gs(g, "cpu_kind"));
	if (js_get(g, "cpus"))
		cJSON_AddNumberToObject(o, "cpus", gn(g, "cpus", 0));
	if (js_get(g, "memory_mb"))
		cJSON_AddNumberToObject(o, "memory_mb", gn(g, "memory_mb", 0));
	return o;
}

static cJSON *
restart_obj(const cJSON *m)
{
	const char *p;
	int max;
	cJSON *o = cJSON_CreateObject();

	restart_policy(m, &p, &max);
	cJSON_AddStringToObject(o, "policy", p);
	if (max >= 0)
		cJSON_AddNumberToObject(o, "max_retries", max);
	return o;
}

static cJSON *
exit_obj(const struct fl_exit *x, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();

	add_time(o, "ts", x->ts);
	cJSON_AddNumberToObject(o, "exit_code", x->exit_code);
	cJSON_AddBoolToObject(o, "oom_killed", x->oom);
	cJSON_AddBoolToObject(o, "requested_stop", x->requested_stop);
	cJSON_AddBoolToObject(o, "restarting", x->restarting);
	cJSON_AddNumberToObject(o, "restart_count", x->restart_count);
	if (now_ms)
		cJSON_AddBoolToObject(o, "flyd_restarting",
		    fl_flyd_restarting(x, now_ms));
	return o;
}

static cJSON *
checks(const cJSON *m, int with_output)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *c;

	cJSON_ArrayForEach(c, js_get(m, "checks")) {
		cJSON *o = cJSON_CreateObject();
		add_str(o, "name", gs(c, "name"));
		add_str(o, "status", gs(c, "status"));
		if (with_output) {
			const char *out = gs(c, "output");
			if (out) {
				size_t n = strlen(out) > 2000 ? js_utf8_cut(out, 2000) :
				    strlen(out);
				char *t = xstrndup(out, n);
				cJSON_AddStringToObject(o, "output", t);
				free(t);
			}
			add_str(o, "updated_at", gs(c, "updated_at"));
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *
fl_machine_summary(const cJSON *m)
{
	cJSON *o = cJSON_CreateObject();
	struct fl_exit x;

	add_str(o, "id", gs(m, "id"));
	add_str(o, "name", gs(m, "name"));
	add_str(o, "state", gs(m, "state"));
	add_str(o, "region", gs(m, "region"));
	add_str(o, "image", gs(m, "config.image"));
	add_str(o, "release_version", gs(m,
	    "config.metadata.fly_release_version"));
	add_str(o, "process_group", gs(m, "config.metadata.fly_process_group"));
	cJSON_AddItemToObject(o, "guest", guest(m));
	cJSON_AddItemToObject(o, "restart", restart_obj(m));
	cJSON_AddItemToObject(o, "checks", checks(m, 0));
	fl_last_exit(m, &x);
	if (x.have)
		cJSON_AddItemToObject(o, "last_exit", exit_obj(&x, 0));
	add_str(o, "updated_at", gs(m, "updated_at"));
	return o;
}

cJSON *
fl_status(const cJSON *m, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject(), *cfg, *svc, *env, *exits;
	const cJSON *s, *e;
	struct fl_exit x;
	int n = 0;

	add_str(o, "id", gs(m, "id"));
	add_str(o, "name", gs(m, "name"));
	add_str(o, "state", gs(m, "state"));
	add_str(o, "region", gs(m, "region"));
	add_str(o, "instance_id", gs(m, "instance_id"));
	add_str(o, "host_status", gs(m, "host_status"));
	add_str(o, "created_at", gs(m, "created_at"));
	add_str(o, "updated_at", gs(m, "updated_at"));
	cJSON_AddItemToObject(o, "checks", checks(m, 1));

	cfg = cJSON_AddObjectToObject(o, "config");
	add_str(cfg, "image", gs(m, "config.image"));
	add_str(cfg, "release_version", gs(m,
	    "config.metadata.fly_release_version"));
	add_str(cfg, "process_group", gs(m,
	    "config.metadata.fly_process_group"));
	cJSON_AddItemToObject(cfg, "guest", guest(m));
	cJSON_AddItemToObject(cfg, "restart", restart_obj(m));
	svc = cJSON_AddArrayToObject(cfg, "services");
	cJSON_ArrayForEach(s, js_get(m, "config.services")) {
		cJSON *so = cJSON_CreateObject(), *ports = cJSON_CreateArray();
		add_str(so, "protocol", gs(s, "protocol"));
		if (js_get(s, "internal_port"))
			cJSON_AddNumberToObject(so, "internal_port",
			    gn(s, "internal_port", 0));
		cJSON_ArrayForEach(e, js_get(s, "ports"))
			if (js_get(e, "port"))
				cJSON_AddItemToArray(ports, cJSON_CreateNumber(gn(e,
				    "port", 0)));
		cJSON_AddItemToObject(so, "ports", ports);
		cJSON_AddItemToArray(svc, so);
	}
	/* names only: values are secrets often enough */
	env = cJSON_AddArrayToObject(cfg, "env_names");
	cJSON_ArrayForEach(e, js_get(m, "config.env"))
		if (e->string)
			cJSON_AddItemToArray(env, cJSON_CreateString(e->string));

	fl_last_exit(m, &x);
	cJSON *fd = cJSON_AddObjectToObject(o, "flyd");
	cJSON_AddBoolToObject(fd, "restarting", fl_flyd_restarting(&x, now_ms));
	cJSON_AddBoolToObject(fd, "gave_up", x.have && !x.restarting &&
	    !x.requested_stop && x.exit_code != 0 && gs(m, "state") &&
	    !strcmp(gs(m, "state"), "stopped"));
	if (x.have)
		cJSON_AddItemToObject(fd, "last_exit", exit_obj(&x, now_ms));

	exits = cJSON_AddArrayToObject(o, "recent_exits");
	cJSON_ArrayForEach(e, js_get(m, "events")) {
		const char *t = gs(e, "type");
		if (t && !strcmp(t, "exit") && n++ < 5)
			cJSON_AddItemToArray(exits, fl_event(e));
	}
	return o;
}

cJSON *
fl_event(const cJSON *ev)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *xe = exit_event(ev);

	add_str(o, "id", gs(ev, "id"));
	add_str(o, "type", gs(ev, "type"));
	add_str(o, "status", gs(ev, "status"));
	add_str(o, "source", gs(ev, "source"));
	add_time(o, "ts", fl_time_ms(js_get(ev, "timestamp")));
	if (xe) {
		cJSON_AddNumberToObject(o, "exit_code", gn(xe, "exit_code", 0));
		if (js_get(xe, "signal"))
			cJSON_AddNumberToObject(o, "signal", gn(xe, "signal", -1));
		cJSON_AddBoolToObject(o, "oom_killed", gb(xe, "oom_killed"));
		cJSON_AddBoolToObject(o, "requested_stop", gb(xe,
		    "requested_stop"));
		cJSON_AddBoolToObject(o, "restarting", gb(xe, "restarting"));
		cJSON_AddNumberToObject(o, "restart_count", gn(ev,
		    "request.restart_count", gn(ev,
		    "request.MonitorEvent.restart_count", 0)));
	}
	return o;
}

/* Versions newest first: by "version" (26-character ULIDs sort by time),
 * a missing one last. */
static int
cmp_version(const void *a, const void *b)
{
	const char *x = gs(*(const cJSON *const *)a, "version");
	const char *y = gs(*(const cJSON *const *)b, "version");
	if (!x || !y)
		return !x - !y;
	return -strcmp(x, y);
}

static int
sorted(const cJSON *versions, const cJSON ***out)
{
	int n = cJSON_GetArraySize(versions), i = 0;
	const cJSON *v;

	*out = xcalloc((size_t)n + 1, sizeof **out);
	cJSON_ArrayForEach(v, versions)
		(*out)[i++] = v;
	qsort(*out, (size_t)n, sizeof **out, cmp_version);
	return n;
}

static const char *
vimage(const cJSON *v)
{
	const char *i = gs(v, "user_config.image");
	return i ? i : gs(v, "config.image");
}

const char *
fl_previous_image(const cJSON *versions, const char *current)
{
	const cJSON **v;
	const char *img = NULL;
	int n = sorted(versions, &v);

	for (int i = 0; i < n && !img; i++) {
		const char *x = vimage(v[i]);
		if (x && *x && (!current || strcmp(x, current)))
			img = x;
	}
	free(v);
	return img;
}

int
fl_ran_image(const cJSON *versions, const char *image)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, versions)
		if (vimage(v) && !strcmp(vimage(v), image))
			return 1;
	return 0;
}

struct rel {
	const char *image, *version, *release;
	cJSON *machines;
	int current;
};

static const char *
rel_rank(const struct rel *r)
{
	return r->version ? r->version : r->current ? "\177" : "";
}

static int
cmp_rel(const void *a, const void *b)
{
	return -strcmp(rel_rank(a), rel_rank(b));
}

cJSON *
fl_releases(const cJSON *machines, cJSON *const *versions, int n)
{
	struct rel *r = NULL;
	int nr = 0, i = 0;
	const cJSON *m;
	cJSON *out = cJSON_CreateArray();

	/* every image seen, with the newest version id that used it */
	cJSON_ArrayForEach(m, machines) {
		const cJSON **v = NULL;
		int nv = i < n && versions[i] ? sorted(versions[i], &v) : 0;
		const char *cur = gs(m, "config.image");
		for (int k = -1; k < nv; k++) {
			const char *img = k < 0 ? cur : vimage(v[k]);
			const char *ver = k < 0 ? NULL : gs(v[k], "version");
			const char *rv = k < 0 ? gs(m,
			    "config.metadata.fly_release_version") : gs(v[k],
			    "user_config.metadata.fly_release_version");
			int j;
			if (!img || !*img)
				continue;
			for (j = 0; j < nr && strcmp(r[j].image, img); j++)
				;
			if (j == nr) {
				r = xrealloc(r, (size_t)(nr + 1) * sizeof *r);
				memset(&r[nr], 0, sizeof *r);
				r[nr].image = img;
				r[nr].machines = cJSON_CreateArray();
				nr++;
			}
			if (ver && (!r[j].version || strcmp(ver, r[j].version) > 0))
				r[j].version = ver;
			if (rv && !r[j].release)
				r[j].release = rv;
			if (k < 0 && gs(m, "id")) {
				r[j].current = 1;
				cJSON_AddItemToArray(r[j].machines,
				    cJSON_CreateString(gs(m, "id")));
			}
		}
		free(v);
		i++;
	}
	/* newest first: by version id; an image seen only as a machine's
	 * current one (no version) counts as newest */
	if (nr > 1)     /* r is NULL when no image was seen (fuzz_fleet) */
		qsort(r, (size_t)nr, sizeof *r, cmp_rel);
	for (int a = 0; a < nr; a++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "image", r[a].image);
		add_str(o, "release_version", r[a].release);
		add_str(o, "config_version", r[a].version);
		cJSON_AddBoolToObject(o, "current", r[a].current);
		cJSON_AddItemToObject(o, "machines", r[a].machines);
		cJSON_AddItemToArray(out, o);
	}
	free(r);
	return out;
}

int
fl_memory_max(const char *cpu_kind, int cpus)
{
	if (cpus < 1)
		cpus = 1;
	if (cpus > 256)
		cpus = 256;     /* no overflow below (Fly's largest has 16) */
	if (cpu_kind && !strcmp(cpu_kind, "performance"))
		return 8192 * cpus;
	return 2048 * cpus;
}
