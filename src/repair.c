/* repair.c - see repair.h. */
#include "repair.h"
#include "fleet.h"
#include "json.h"
#include "machines.h"
#include "policy.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELEASE_WINDOW_MS (24LL * 3600 * 1000)

static const char *
gs(const cJSON *o, const char *k)
{
	const char *v = js_get_str(o, k);
	return v ? v : "";
}

static int
reason(char *why, size_t n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int
reason(char *why, size_t n, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return code;
}

/* GET the machine; a 404 means it is not the app's. */
static int
get_machine(struct mx *mx, const char *app, const char *id, cJSON **m,
    char *why, size_t n)
{
	struct fa_err e;

	if (mx_get(mx, app, id, m, &e) < 0) {
		if (e.status == 404)
			return reason(why, n, RP_DENY, "machine %s not found in app %s "
			    "(Machines API: 404)", id, app);
		return reason(why, n, RP_FAIL, "%s", e.text);
	}
	if (strcmp(gs(*m, "id"), id)) {
		cJSON_Delete(*m);
		*m = NULL;
		return reason(why, n, RP_DENY, "the Machines API answered for "
		    "another machine than %s", id);
	}
	return RP_OK;
}

static int
transient(const char *st)
{
	static const char *const t[] = { "creating", "starting", "stopping",
		"restarting", "suspending", "destroying", "updating", "replacing",
		"launch_failed", NULL };
	for (int i = 0; t[i]; i++)
		if (!strcmp(st, t[i]))
			return 1;
	return 0;
}

static int
gone(const char *st)
{
	return !strcmp(st, "destroyed") || !strcmp(st, "replaced") ||
	    !strcmp(st, "migrated");
}

static int
plan_restart_start(struct mx *mx, const struct rp_params *p,
    struct rp_plan *pl, char *why, size_t n)
{
	cJSON *m = NULL;
	int rc = get_machine(mx, pl->app, pl->machine, &m, why, n);
	const char *st;
	struct fl_exit x;

	if (rc != RP_OK)
		return rc;
	st = gs(m, "state");
	fl_last_exit(m, &x);
	if (gone(st))
		rc = reason(why, n, RP_DENY, "machine %s is %s", pl->machine, st);
	else if (transient(st))
		rc = reason(why, n, RP_SKIP, "machine %s is %s right now: not "
		    "interfering", pl->machine, st);
	else if (fl_flyd_restarting(&x, pl->now))
		rc = reason(why, n, RP_SKIP, "flyd is still restarting machine %s "
		    "by itself (restart %d of %d after exit code %d): not "
		    "interfering", pl->machine, x.restart_count, x.max_retries,
		    x.exit_code);
	else if (pl->action == ACT_RESTART && strcmp(st, "started"))
		rc = reason(why, n, RP_SKIP, "machine %s is %s: a restart applies "
		    "to a started machine (machine.start starts it)", pl->machine,
		    *st ? st : "in an unknown state");
	else if (pl->action == ACT_START && !strcmp(st, "started"))
		rc = reason(why, n, RP_SKIP, "machine %s is started already",
		    pl->machine);
	else if (pl->action == ACT_START && pl->automatic && x.have &&
	    x.requested_stop)
		rc = reason(why, n, RP_SKIP, "machine %s was stopped on request "
		    "(autostop or a person), not by a crash: leaving it stopped",
		    pl->machine);
	if (rc == RP_OK && pl->action == ACT_RESTART && pl->automatic) {
		int total, passing, failing;
		if (fl_checks(m, &total, &passing, &failing))
			rc = reason(why, n, RP_SKIP, "machine %s is started and all "
			    "%d of its health checks pass: nothing to restart",
			    pl->machine, total);
	}
	if (rc == RP_OK) {
		snprintf(pl->targets[0].id, sizeof pl->targets[0].id, "%s",
		    pl->machine);
		pl->ntargets = 1;
		pl->preview = cJSON_CreateObject();
		cJSON_AddStringToObject(pl->preview, "state_before", st);
		if (pl->action == ACT_RESTART) {
			snprintf(pl->signal, sizeof pl->signal, "%s", p && p->signal ?
			    p->signal : "");
			pl->timeout_s = p ? p->timeout_s : 0;
			if (*pl->signal)
				cJSON_AddStringToObject(pl->preview, "signal", pl->signal);
			if (pl->timeout_s)
				cJSON_AddNumberToObject(pl->preview, "timeout",
				    pl->timeout_s);
			snprintf(pl->summary, sizeof pl->summary, "would restart "
			    "machine %s (%s)", pl->machine, st);
		} else {
			snprintf(pl->summary, sizeof pl->summary, "would start machine "
			    "%s (%s%s)", pl->machine, st, x.have && !x.restarting &&
			    x.exit_code ? ", flyd gave up restarting it" : "");
		}
	}
	cJSON_Delete(m);
	return rc;
}

static long
round256(long v)
{
	return (v + 255) / 256 * 256;
}

static int
plan_memory(struct mx *mx, const struct rp_params *p, struct rp_plan *pl,
    char *why, size_t n)
{
	cJSON *m = NULL;
	int rc = get_machine(mx, pl->app, pl->machine, &m, why, n);
	const cJSON *g;
	long cur, to, fly_max;
	const char *st;

	if (rc != RP_OK)
		return rc;
	st = gs(m, "state");
	g = js_get(m, "config.guest");
	/* clamped: numbers of an API answer must not reach a plain cast */
	cur = (long)js_int(js_get(g, "memory_mb"), 0, 1L << 30, 256);
	fly_max = fl_memory_max(js_get_str(g, "cpu_kind"),
	    (int)js_int(js_get(g, "cpus"), 0, 1024, 1));
	if (gone(st) || transient(st)) {
		rc = reason(why, n, gone(st) ? RP_DENY : RP_SKIP, "machine %s is %s",
		    pl->machine, st);
		goto out;
	}
	if (pl->undo) {
		const cJSON *u = js_get(pl->undo, "memory_mb");
		to = (long)js_int(u, 0, 1L << 30, 0);
		if (to < 256) {
			rc = reason(why, n, RP_FAIL, "nothing recorded to undo");
			goto out;
		}
	} else if (p && p->memory_mb > 0) {
		to = p->memory_mb;
		if (to > pl->memory_max) {
			rc = reason(why, n, RP_ESCALATE, "%ld MB asked for machine %s is "
			    "above the policy's memory ceiling of %d MB", to,
			    pl->machine, pl->memory_max);
			goto out;
		}
		if (to % 256) {
			rc = reason(why, n, RP_DENY, "memory %ld MB is not a multiple of "
			    "256", to);
			goto out;
		}
		if (pl->automatic && to <= cur) {
			rc = reason(why, n, RP_SKIP, "machine %s has %ld MB already "
			    "(asked %ld)", pl->machine, cur, to);
			goto out;
		}
	} else {
		if (cur >= pl->memory_max) {
			rc = reason(why, n, RP_ESCALATE, "machine %s has %ld MB, at or "
			    "above the policy's memory ceiling of %d MB: more memory "
			    "needs a human", pl->machine, cur, pl->memory_max);
			goto out;
		}
		to = pl->memory_add ? cur + pl->memory_add :
		    (long)((double)cur * pl->memory_mul);
		to = round256(to);
		if (to > pl->memory_max)
			to = pl->memory_max / 256 * 256;
		if (to > fly_max)
			to = fly_max;
	}
	if (to > fly_max) {
		rc = reason(why, n, RP_ESCALATE, "%ld MB is more than Fly allows for "
		    "the machine's CPUs (%ld MB): it needs a larger CPU size", to,
		    fly_max);
		goto out;
	}
	if (to == cur) {
		rc = reason(why, n, RP_SKIP, "machine %s has %ld MB already",
		    pl->machine, cur);
		goto out;
	}
	struct rp_target *t = &pl->targets[0];
	snprintf(t->id, sizeof t->id, "%s", pl->machine);
	t->mem_from = cur;
	t->mem_to = to;
	t->undo = cJSON_CreateObject();
	cJSON_AddNumberToObject(t->undo, "memory_mb", (double)cur);
	pl->ntargets = 1;
	pl->preview = cJSON_CreateObject();
	cJSON *mm = cJSON_AddObjectToObject(pl->preview, "memory_mb");
	cJSON_AddNumberToObject(mm, "from", (double)cur);
	cJSON_AddNumberToObject(mm, "to", (double)to);
	cJSON_AddNumberToObject(pl->preview, "ceiling", pl->memory_max);
	snprintf(pl->summary, sizeof pl->summary, "would %s memory of machine %s "
	    "from %ld to %ld MB (policy ceiling %d MB)", to > cur ? "raise" :
	    "lower", pl->machine, cur, to, pl->memory_max);
out:
	cJSON_Delete(m);
	return rc;
}

/* One machine of a rollback: its previous image (or the one asked for,
 * which it must have run before). */
static int
rollback_target(struct mx *mx, const struct rp_params *p, struct rp_plan *pl,
    const cJSON *m, char *why, size_t n)
{
	const char *id = gs(m, "id"), *cur = gs(m, "config.image"), *to;
	cJSON *v = NULL;
	struct fa_err e;
	int rc = RP_OK;

	if (gone(gs(m, "state")))
		return RP_SKIP;
	if (pl->undo) {
		to = gs(pl->undo, "image");
		if (!*to)
			return reason(why, n, RP_FAIL, "nothing recorded to undo");
	} else {
		if (mx_versions(mx, pl->app, id, &v, &e) < 0)
			return reason(why, n, e.status == 404 ? RP_DENY : RP_FAIL, "%s",
			    e.text);
		if (p && p->image) {
			to = p->image;
			if (!fl_ran_image(v, to))
				rc = reason(why, n, RP_DENY, "image %s never ran on machine "
				    "%s: a rollback only goes back to an image the app "
				    "ran", to, id);
		} else {
			to = fl_previous_image(v, cur);
			if (!to)
				rc = reason(why, n, RP_SKIP, "machine %s has no earlier "
				    "image in its config versions", id);
		}
	}
	if (rc == RP_OK && !strcmp(to, cur))
		rc = RP_SKIP;   /* on it already */
	if (rc == RP_OK) {
		if (pl->ntargets == RP_MAXTARGETS) {
			rc = reason(why, n, RP_DENY, "too many machines");
		} else {
			struct rp_target *t = &pl->targets[pl->ntargets++];
			snprintf(t->id, sizeof t->id, "%s", id);
			snprintf(t->img_from, sizeof t->img_from, "%s", cur);
			snprintf(t->img_to, sizeof t->img_to, "%s", to);
			t->undo = cJSON_CreateObject();
			cJSON_AddStringToObject(t->undo, "image", cur);
		}
	}
	cJSON_Delete(v);
	return rc;
}

static int
plan_rollback(struct mx *mx, const struct rp_params *p, struct rp_plan *pl,
    char *why, size_t n)
{
	cJSON *list = NULL, *one = NULL, *m;
	struct fa_err e;
	int rc = RP_OK, skipped = 0;
	int64_t newest = 0;

	if (pl->machine) {
		rc = get_machine(mx, pl->app, pl->machine, &one, why, n);
		if (rc != RP_OK)
			return rc;
		list = cJSON_CreateArray();
		cJSON_AddItemToArray(list, one);
	} else if (mx_list(mx, pl->app, &list, &e) < 0) {
		return reason(why, n, e.status == 404 ? RP_DENY : RP_FAIL, "%s",
		    e.text);
	}
	cJSON_ArrayForEach(m, list) {
		int64_t u = fl_time_ms(js_get(m, "updated_at"));
		if (!gone(gs(m, "state")) && u > newest)
			newest = u;
	}
	if (pl->automatic && pl->first_ts && newest > 0) {
		/* roll back only when the crash began with the current release */
		int64_t ns;
		int64_t first = sh_time_parse(pl->first_ts, strlen(pl->first_ts), &ns,
		    NULL) > 0 ? ns / 1000000 : 0;
		char a[40], b[40];
		sh_time_format(newest * 1000000, 0, a);
		sh_time_format(first * 1000000, 0, b);
		if (first && first + 60000 < newest)
			rc = reason(why, n, RP_SKIP, "the crash began at %s, before the "
			    "current release (machines updated at %s): a rollback would "
			    "not remove its cause", b, a);
		else if (first && first - newest > RELEASE_WINDOW_MS)
			rc = reason(why, n, RP_SKIP, "the current release (machines "
			    "updated at %s) ran for more than 24 h before the crash at "
			    "%s: not a bad deploy", a, b);
	}
	cJSON_ArrayForEach(m, list) {
		if (rc != RP_OK)
			break;
		int r = rollback_target(mx, p, pl, m, why, n);
		if (r == RP_SKIP && !*why)
			skipped++;
		else if (r == RP_SKIP)
			skipped++, why[0] = '\0';
		else if (r != RP_OK)
			rc = r;
	}
	if (rc == RP_OK && pl->ntargets == 0)
		rc = reason(why, n, RP_SKIP, "no machine of app %s has an earlier "
		    "image to go back to%s", pl->app, skipped ? " (or they run it "
		    "already)" : "");
	if (rc == RP_OK && pl->ntargets > pl->machines_max)
		rc = reason(why, n, RP_ESCALATE, "a rollback would touch %d machines;"
		    " the policy allows %d per incident (machines-max)", pl->ntargets,
		    pl->machines_max);
	if (rc == RP_OK) {
		cJSON *ms;
		pl->preview = cJSON_CreateObject();
		ms = cJSON_AddArrayToObject(pl->preview, "machines");
		for (int i = 0; i < pl->ntargets; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", pl->targets[i].id);
			cJSON_AddStringToObject(o, "from", pl->targets[i].img_from);
			cJSON_AddStringToObject(o, "to", pl->targets[i].img_to);
			cJSON_AddItemToArray(ms, o);
		}
		snprintf(pl->summary, sizeof pl->summary, "would roll back %d "
		    "machine(s) of app %s to %s", pl->ntargets, pl->app,
		    pl->targets[0].img_to);
	}
	cJSON_Delete(list);
	return rc;
}

int
rp_plan(struct mx *mx, const struct rp_params *p, struct rp_plan *pl,
    char *why, size_t n)
{
	why[0] = '\0';
	pl->ntargets = 0;
	pl->preview = NULL;
	pl->summary[0] = '\0';
	switch (pl->action) {
	case ACT_RESTART:
	case ACT_START:
		return plan_restart_start(mx, p, pl, why, n);
	case ACT_MEMORY:
		return plan_memory(mx, p, pl, why, n);
	case ACT_ROLLBACK:
		return plan_rollback(mx, p, pl, why, n);
	default:
		return reason(why, n, RP_DENY, "%s is not a Machines API repair",
		    act_names[pl->action]);
	}
}

void
rp_plan_release(struct rp_plan *pl)
{
	for (int i = 0; i < pl->ntargets; i++) {
		cJSON_Delete(pl->targets[i].undo);
		pl->targets[i].undo = NULL;
	}
	cJSON_Delete(pl->preview);
	pl->preview = NULL;
}

/* A failed change: a 409 means the machine is someone else's now (a
 * deploy): nothing was changed, back off; anything else may have done
 * something. */
static int
conflict(char *why, size_t n, const struct fa_err *e, const char *what)
{
	if (mx_conflict(e))
		return reason(why, n, RP_BACKOFF, "%s: the machine is held by "
		    "someone else (409, a deploy in progress?): backing off", what);
	return reason(why, n, RP_FAILED, "%s: %.400s", what, e->text);
}

/* The change for one target under its lease. Returns RP_APPLIED,
 * RP_FAILED, RP_NOCHANGE or RP_BACKOFF; why says what happened. */
static int
change(struct mx *mx, struct rp_plan *pl, struct rp_target *t,
    const char *nonce, int wait_s, cJSON *res, char *why, size_t n)
{
	struct fa_err e;
	cJSON *m = NULL, *cfg, *up = NULL;
	char inst[64] = "";
	int rc = RP_APPLIED;

	switch (pl->action) {
	case ACT_RESTART:
		if (mx_restart(mx, pl->app, t->id, nonce, *pl->signal ? pl->signal :
		    NULL, pl->timeout_s, &e) < 0)
			return conflict(why, n, &e, "restart");
		break;
	case ACT_START:
		if (mx_start(mx, pl->app, t->id, nonce, &up, &e) < 0)
			return conflict(why, n, &e, "start");
		if (js_get_str(up, "previous_state"))
			cJSON_AddStringToObject(res, "previous_state",
			    js_get_str(up, "previous_state"));
		cJSON_Delete(up);
		up = NULL;
		break;
	case ACT_MEMORY:
	case ACT_ROLLBACK:
		/* the full config as it is now, under our lease: no partial
		 * updates exist (fly-platform.md 4.4) */
		if (mx_get(mx, pl->app, t->id, &m, &e) < 0)
			return reason(why, n, RP_NOCHANGE, "%s", e.text);
		cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
		if (!cJSON_IsObject(cfg)) {
			cJSON_Delete(m);
			return reason(why, n, RP_NOCHANGE, "machine %s has no config "
			    "(host unreachable?)", t->id);
		}
		if (pl->action == ACT_MEMORY) {
			cJSON *g = cJSON_GetObjectItemCaseSensitive(cfg, "guest");
			if (!cJSON_IsObject(g)) {
				cJSON_DeleteItemFromObjectCaseSensitive(cfg, "guest");
				g = cJSON_AddObjectToObject(cfg, "guest");
			}
			cJSON_DeleteItemFromObjectCaseSensitive(g, "memory_mb");
			cJSON_AddNumberToObject(g, "memory_mb", (double)t->mem_to);
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(cfg, "image");
			cJSON_AddStringToObject(cfg, "image", t->img_to);
		}
		if (mx_update(mx, pl->app, t->id, nonce, cfg,
		    js_get_str(m, "instance_id"), &up, &e) < 0) {
			cJSON_Delete(m);
			return conflict(why, n, &e, "update");
		}
		snprintf(inst, sizeof inst, "%s", gs(up, "instance_id"));
		cJSON_Delete(up);
		cJSON_Delete(m);
		break;
	}
	if (mx_wait(mx, pl->app, t->id, *inst ? inst : NULL, "started", wait_s,
	    &e) < 0) {
		if (e.status == 408)
			return reason(why, n, RP_FAILED, "the change was made but machine "
			    "%s did not reach \"started\" within %d s", t->id, wait_s);
		return reason(why, n, RP_FAILED, "the change was made but waiting "
		    "for machine %s failed: %s", t->id, e.text);
	}
	cJSON_AddStringToObject(res, "state", "started");
	if (*inst)
		cJSON_AddStringToObject(res, "instance_id", inst);
	return rc;
}

int
rp_apply(struct mx *mx, struct rp_plan *pl, int wait_s, const char *incident,
    struct rp_outcome *o)
{
	char desc[160], nonce[64], why[500];
	struct fa_err e;
	cJSON *list = NULL;
	int rc = RP_APPLIED, done = 0;

	memset(o, 0, sizeof *o);
	o->result = pl->preview ? cJSON_Duplicate(pl->preview, 1) :
	    cJSON_CreateObject();
	if (pl->action == ACT_ROLLBACK)
		list = cJSON_GetObjectItem(o->result, "machines");
	snprintf(desc, sizeof desc, "selfheal remediate: %s for %s",
	    act_names[pl->action], incident);
	for (int i = 0; i < pl->ntargets; i++) {
		struct rp_target *t = &pl->targets[i];
		cJSON *res = list ? cJSON_GetArrayItem(list, i) : o->result;
		why[0] = '\0';
		if (mx_lease(mx, pl->app, t->id, desc, nonce, sizeof nonce, &e) < 0) {
			if (mx_conflict(&e)) {
				rc = done ? RP_FAILED : RP_BACKOFF;
				snprintf(why, sizeof why, "machine %s is leased by someone "
				    "else (a deploy in progress?): backing off", t->id);
				cJSON_AddBoolToObject(o->result, "retry", 1);
			} else {
				rc = done ? RP_FAILED : RP_NOCHANGE;
				snprintf(why, sizeof why, "lease: %.400s", e.text);
				if (e.verdict == HTTP_RETRY)
					cJSON_AddBoolToObject(o->result, "retry", 1);
			}
			break;
		}
		int r = change(mx, pl, t, nonce, wait_s, res, why, sizeof why);
		if (mx_unlease(mx, pl->app, t->id, nonce, &e) < 0 && r == RP_APPLIED)
			snprintf(why, sizeof why, "done, but releasing the lease failed "
			    "(it expires by itself): %.400s", e.text);
		if (r != RP_APPLIED) {
			rc = done ? RP_FAILED : r;
			if (r == RP_BACKOFF)
				cJSON_AddBoolToObject(o->result, "retry", 1);
			break;
		}
		done++;
	}
	switch (rc) {
	case RP_APPLIED:
		snprintf(o->status, sizeof o->status, "applied");
		if (*why)
			snprintf(o->reason, sizeof o->reason, "%s", why);
		else if (pl->action == ACT_MEMORY && pl->undo)
			snprintf(o->reason, sizeof o->reason, "undone: memory of machine "
			    "%s back from %ld to %ld MB; it is started",
			    pl->targets[0].id, pl->targets[0].mem_from,
			    pl->targets[0].mem_to);
		else if (pl->action == ACT_MEMORY)
			snprintf(o->reason, sizeof o->reason, "%s memory of machine %s "
			    "from %ld to %ld MB (policy ceiling %d MB); it is started",
			    pl->targets[0].mem_to > pl->targets[0].mem_from ? "raised" :
			    "lowered", pl->targets[0].id, pl->targets[0].mem_from,
			    pl->targets[0].mem_to, pl->memory_max);
		else if (pl->action == ACT_ROLLBACK)
			snprintf(o->reason, sizeof o->reason, "%s %d machine(s) to %s; "
			    "started", pl->undo ? "undone: put back" : "rolled back",
			    pl->ntargets, pl->targets[0].img_to);
		else
			snprintf(o->reason, sizeof o->reason, "%s machine %s; it is "
			    "started", pl->action == ACT_RESTART ? "restarted" :
			    "started", pl->targets[0].id);
		break;
	case RP_BACKOFF:
		snprintf(o->status, sizeof o->status, "skipped");
		snprintf(o->reason, sizeof o->reason, "%s", why);
		break;
	default:
		snprintf(o->status, sizeof o->status, "failed");
		snprintf(o->reason, sizeof o->reason, "%s%s", why, done ?
		    " (earlier machines of this action were changed)" : "");
	}
	return rc;
}
