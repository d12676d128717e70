/* engine.c - see engine.h. The checks of one action are a straight line
 * in decide(); carrying it out lives in repair.c (lease, call, wait,
 * release), verification below. */
#include "engine.h"
#include "audit.h"
#include "fleet.h"
#include "json.h"
#include "jsonout.h"
#include "policy.h"
#include "repair.h"
#include "rstate.h"
#include "timefmt.h"
#include "verbs.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ACTIONS 16
#define MAX_ESC 16
#define MAX_PENDING 1024    /* verifications at once (bounded memory) */

struct en_pending {
	char id[40], app[64], machine[48], incident[72], fp[40];
	int action;
	cJSON *undo;
	int64_t deadline, next;     /* monotonic ms */
	int healthy, polls;
	char last[160];             /* what the last poll saw */
};

/* One diagnosis (or verb call) being decided. */
struct dctx {
	const cJSON *diag;          /* NULL for a verb call */
	const char *incident, *app, *fp;
	const struct pol_app *pa;
	int manual;
	cJSON *records;             /* decided so far (for the notification) */
	struct { char what[400]; } esc[MAX_ESC];
	int nesc;
	int breaker;
	char breaker_why[200];
	const char *esc_tag;        /* escalation key suffix (verifications) */
	int64_t now;
};

void
en_init(struct engine *en)
{
	en->pend = NULL;
	en->npend = 0;
	en->fatal = 0;
	sbuf_init(&en->err);
	en->diagnoses = en->skipped_input = 0;
	en->n_applied = en->n_dryrun = en->n_denied = en->n_failed =
	    en->n_skipped = 0;
	if (!en->wait_s)
		en->wait_s = 60;
	if (!en->source)
		en->source = "pipeline";
}

void
en_release(struct engine *en)
{
	for (int i = 0; i < en->npend; i++)
		cJSON_Delete(en->pend[i].undo);
	free(en->pend);
	en->pend = NULL;
	en->npend = 0;
	sbuf_release(&en->err);
}

static const char *
gs(const cJSON *o, const char *k)
{
	const char *v = js_get_str(o, k);
	return v ? v : "";
}

/* Set a member in place (records keep their field order). */
static void
set_item(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void
set_str(cJSON *o, const char *k, const char *v)
{
	set_item(o, k, cJSON_CreateString(v));
}

/* Incident ids go into state keys joined by '|': keep them plain. */
static int
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.:-", *s))
			return 0;
	return 1;
}

/* Write a record: audit log (fsync) first, then the emit callback. */
static int
emit(struct engine *en, cJSON *rec)
{
	struct sbuf line;
	const char *st = gs(rec, "status");

	if (en->fatal)
		return -1;
	sbuf_init(&line);
	jo_tree(&line, rec);
	sbuf_addc(&line, '\n');
	if (au_write(en->au, line.s, line.len, &en->err) < 0) {
		en->fatal = 1;
		sbuf_release(&line);
		return -1;
	}
	if (!strcmp(gs(rec, "type"), "action")) {
		if (!strcmp(st, "applied"))
			en->n_applied++;
		else if (!strcmp(st, "dry-run"))
			en->n_dryrun++;
		else if (!strcmp(st, "denied"))
			en->n_denied++;
		else if (!strcmp(st, "failed"))
			en->n_failed++;
		else
			en->n_skipped++;
	}
	if (en->emit)
		en->emit(en->emit_arg, rec, line.s, line.len);
	sbuf_release(&line);
	return 0;
}

/* Before doing anything whose record must follow (a change through the
 * Machines API, a webhook post, a pull request): make sure the audit log
 * can take that record, which is r with its outcome filled in: extra
 * bytes for the reason (at most 600, some escaped) and what the result
 * gains per machine. A full disk then refuses the action, and remediate
 * stops, instead of acting unrecorded. */
#define RESERVE_EXTRA 2048
#define RESERVE_PER_TARGET 128
static int
reserve(struct engine *en, const cJSON *r, size_t extra)
{
	struct sbuf line, why;

	if (en->fatal)
		return -1;
	sbuf_init(&line);
	sbuf_init(&why);
	jo_tree(&line, r);
	if (au_reserve(en->au, line.len + extra, &why) < 0) {
		en->fatal = 1;
		sbuf_addf(&en->err, "%s: no room for the record of %s%s%s, so it "
		    "was not done", why.s, gs(r, "action"), *gs(r, "machine") ?
		    " on machine " : "", gs(r, "machine"));
	}
	sbuf_release(&line);
	sbuf_release(&why);
	return en->fatal ? -1 : 0;
}

static void
ts_now(char *buf)
{
	sh_time_format(sh_time_now(), 3, buf);
}

static cJSON *
new_record(struct engine *en, const struct dctx *d, const char *action,
    const char *machine)
{
	cJSON *r = cJSON_CreateObject();
	char ts[40];

	ts_now(ts);
	cJSON_AddStringToObject(r, "type", "action");
	cJSON_AddStringToObject(r, "ts", ts);
	cJSON_AddStringToObject(r, "incident", d->incident);
	cJSON_AddStringToObject(r, "action", action);
	if (d->app && *d->app)
		cJSON_AddStringToObject(r, "app", d->app);
	if (machine && *machine)
		cJSON_AddStringToObject(r, "machine", machine);
	cJSON_AddStringToObject(r, "status", "");
	cJSON_AddStringToObject(r, "reason", "");
	return r;
}

/* The audit trail: what led here (fingerprint, rule, backend, prompt
 * hash), who asked (source) and a stable id for this decision. */
static void
finish_record(struct engine *en, const struct dctx *d, cJSON *r,
    const char *status, const char *reason)
{
	uint64_t h = sh_fnv1a(SH_FNV_INIT, d->incident, strlen(d->incident) + 1);
	const char *a = gs(r, "action"), *m = gs(r, "machine");
	char id[24];

	set_str(r, "status", status);
	set_str(r, "reason", reason);
	h = sh_fnv1a(h, a, strlen(a) + 1);
	h = sh_fnv1a(h, m, strlen(m) + 1);
	h = sh_fnv1a(h, gs(r, "ts"), strlen(gs(r, "ts")));
	h = sh_fnv1a(h, status, strlen(status));
	snprintf(id, sizeof id, "a_%016llx", (unsigned long long)h);
	/* idempotent: a record may be finished twice (claimed, then decided) */
	if (!cJSON_GetObjectItem(r, "id"))
		cJSON_AddStringToObject(r, "id", id);
	if (d->fp && *d->fp)
		set_str(r, "fingerprint", d->fp);
	if (d->diag) {
		static const char *const keep[] = { "rule", "backend",
			"prompt_hash", NULL };
		for (int i = 0; keep[i]; i++)
			if (js_get_str(d->diag, keep[i]))
				set_str(r, keep[i], js_get_str(d->diag, keep[i]));
	}
	set_str(r, "source", en->source);
	set_item(r, "dry_run", cJSON_CreateBool(!en->apply));
}

/* Decide r (already filled with target fields), write it, remember it
 * for the incident's notification. */
static int
decided(struct engine *en, struct dctx *d, cJSON *r, const char *status,
    const char *reason)
{
	finish_record(en, d, r, status, reason);
	if (emit(en, r) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	cJSON_AddItemToArray(d->records, r);
	return 0;
}

static void
escalate(struct dctx *d, const char *fmt, const char *a, const char *b)
{
	if (d->nesc == MAX_ESC)
		return;
	struct sbuf t;

	sbuf_init(&t);
	sbuf_addf(&t, fmt, a, b);
	if (t.len >= sizeof d->esc[0].what)
		t.len = js_utf8_cut(t.s, sizeof d->esc[0].what - 1);
	memcpy(d->esc[d->nesc].what, t.s, t.len);
	d->esc[d->nesc].what[t.len] = '\0';
	sbuf_release(&t);
	d->nesc++;
}

static void
key_of(char *key, size_t n, const char *incident, const char *action,
    const char *machine)
{
	snprintf(key, n, "%s|%s|%s", incident, action, machine ? machine : "");
}

static int
lock(struct engine *en)
{
	if (rst_lock(en->st, &en->err) < 0) {
		en->fatal = 1;
		return -1;
	}
	return 0;
}

static int
unlock(struct engine *en)
{
	if (rst_unlock(en->st, &en->err) < 0) {
		en->fatal = 1;
		return -1;
	}
	return 0;
}

static void
dur(char *buf, size_t n, int64_t ms)
{
	if (ms % 3600000 == 0)
		snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, n, "%llds", (long long)((ms + 999) / 1000));
}

/* Cooldowns and rate limits, under the state lock. Returns NULL when
 * none applies, else the reason (in buf); *esc says whether a human
 * should hear of it (a rate limit: the problem keeps coming back). */
static const char *
limits(struct engine *en, const struct dctx *d, int act, const char *machine,
    char *buf, size_t n, int *esc)
{
	const struct pol_app *pa = d->pa;
	char w[32];

	*esc = 0;
	for (int i = 0; i < pa->ncooldown; i++) {
		const struct pol_cooldown *c = &pa->cooldown[i];
		if ((c->action >= 0 && c->action != act) ||
		    (c->action < 0 && !act_is_repair(act)))
			continue;
		int64_t last = rst_last(en->st, c->action, d->app,
		    act == ACT_ROLLBACK ? NULL : machine);
		if (last && d->now - last < c->ms) {
			dur(w, sizeof w, c->ms);
			snprintf(buf, n, "cooldown: %s on %s %s was %llds ago "
			    "(policy: cooldown %s %s)", c->action < 0 ? "a repair" :
			    act_names[c->action], act == ACT_ROLLBACK ? "app" :
			    "machine", act == ACT_ROLLBACK ? d->app : machine,
			    (long long)((d->now - last) / 1000), c->action < 0 ? "*" :
			    act_names[c->action], w);
			return buf;
		}
	}
	for (int i = 0; i < pa->nrate; i++) {
		const struct pol_rate *r = &pa->rate[i];
		if ((r->action >= 0 && r->action != act) ||
		    (r->action < 0 && !act_is_repair(act)))
			continue;
		if (!r->per_app && act == ACT_ROLLBACK)
			continue;
		int c = rst_count(en->st, r->action, d->app, r->per_app ? NULL :
		    machine, d->now - r->window_ms);
		if (c >= r->count) {
			dur(w, sizeof w, r->window_ms);
			snprintf(buf, n, "rate limit: %d %s on %s %s in the last %s "
			    "(policy: rate %s %d/%s %s)", c, r->action < 0 ?
			    "repairs" : act_names[r->action], r->per_app ? "app" :
			    "machine", r->per_app ? d->app : machine, w,
			    r->action < 0 ? "*" : act_names[r->action], r->count, w,
			    r->per_app ? "app" : "machine");
			*esc = 1;
			return buf;
		}
	}
	return NULL;
}

static int
in_instances(const cJSON *diag, const char *m)
{
	const cJSON *i;

	cJSON_ArrayForEach(i, js_get(diag, "instances"))
		if (cJSON_IsString(i) && !strcmp(i->valuestring, m))
			return 1;
	return 0;
}

/* The parameters of an action for repair.c, from a diagnosis action or
 * verb arguments. */
static void
params(const cJSON *a, struct rp_params *p)
{
	const cJSON *mem = js_get(a, "memory_mb");
	const cJSON *mb = js_get(a, "mb");
	const cJSON *to = js_get(a, "timeout");

	memset(p, 0, sizeof *p);
	/* clamped: a diagnosis record's 1e300 must not reach a cast, and a
	 * timeout of 2147483647 overflowed in mx_restart (the sanitizer build
	 * died mid-action, the machine left leased; hostile-records.t) */
	if (cJSON_IsNumber(mem))
		p->memory_mb = (long)js_int(mem, 0, 10000000, 0);
	else if (cJSON_IsNumber(mb))
		p->memory_mb = (long)js_int(mb, 0, 10000000, 0);
	/* the restart verb's choices: a diagnosis's "signal" went to the
	 * API as it was, "--app=billing" included
	 * (tests/t/hostile-records.t) */
	const struct vb_param *sp = vb_param(vb_find("restart"), "signal");
	p->signal = js_get_str(a, "signal");
	if (p->signal && (!sp || !sp->choices || !vb_choice_ok(sp->choices,
	    p->signal)))
		p->signal = NULL;
	/* the verb's own range (remediate restart --timeout 1..300) */
	p->timeout_s = (int)js_int(to, 0, 300, 0);
	p->image = js_get_str(a, "image");
}

/* Carry out (or dry-run) one checked repair, claiming it first. */
static int
carry_out(struct engine *en, struct dctx *d, int act, cJSON *r,
    const char *machine, struct rp_plan *plan, const char *reason_dry)
{
	char key[256];
	struct rp_outcome out;
	int rc;

	if (!en->apply)
		return decided(en, d, r, "dry-run", reason_dry);
	key_of(key, sizeof key, d->incident, act_names[act], d->manual ? "" :
	    machine);
	/* the claim holds the record to write should we die in the middle;
	 * its id is the one the final record will carry */
	finish_record(en, d, r, "failed", "interrupted: remediate stopped while "
	    "carrying out this action; its outcome is unknown and it is not "
	    "repeated: check the machine");
	if (reserve(en, r, RESERVE_EXTRA + RESERVE_PER_TARGET *
	    (size_t)plan->ntargets) < 0 || lock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	if (!d->manual && rst_done(en->st, key)) {
		unlock(en);
		return decided(en, d, r, "skipped", "already carried out for this "
		    "incident (replay)");
	}
	rst_claim(en->st, key, r);
	if (unlock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}

	rc = rp_apply(en->mx, plan, en->wait_s, d->incident, &out);

	set_str(r, "status", out.status);
	set_str(r, "reason", out.reason);
	if (out.result)
		set_item(r, "result", out.result);
	out.result = NULL;
	if (emit(en, r) < 0) {
		/* the claim stays: the next run writes the record */
		cJSON_Delete(r);
		cJSON_Delete(out.undo);
		return -1;
	}
	cJSON_AddItemToArray(d->records, r);
	if (lock(en) < 0) {
		cJSON_Delete(out.undo);
		return -1;
	}
	rst_unclaim(en->st, key);
	if (rc == RP_APPLIED || rc == RP_FAILED) {
		/* a failed attempt may have done something: never repeat it */
		rst_mark_done(en->st, key, out.status, d->now);
	}
	if (rc == RP_APPLIED)
		for (int i = 0; i < plan->ntargets; i++)
			rst_add_event(en->st, d->now, d->app, plan->targets[i].id, act,
			    d->fp, d->incident, gs(r, "id"), plan->targets[i].undo);
	if (unlock(en) < 0) {
		cJSON_Delete(out.undo);
		return -1;
	}
	/* an undo is not verified again (it would undo the undo) */
	if (rc == RP_APPLIED && en->verify_ms > 0 && plan->ntargets > 0 &&
	    !plan->undo && en->npend + plan->ntargets <= MAX_PENDING) {
		for (int i = 0; i < plan->ntargets; i++) {
			struct en_pending p;
			memset(&p, 0, sizeof p);
			snprintf(p.id, sizeof p.id, "%s", gs(r, "id"));
			snprintf(p.app, sizeof p.app, "%s", d->app);
			snprintf(p.machine, sizeof p.machine, "%s", plan->targets[i].id);
			snprintf(p.incident, sizeof p.incident, "%s", d->incident);
			snprintf(p.fp, sizeof p.fp, "%s", d->fp ? d->fp : "");
			p.action = act;
			p.undo = plan->targets[i].undo ?
			    cJSON_Duplicate(plan->targets[i].undo, 1) : NULL;
			p.next = sh_now_mono_ms() + (en->verify_ms > 4000 ? 2000 :
			    en->verify_ms / 2);
			p.deadline = sh_now_mono_ms() + en->verify_ms;
			en->pend = xrealloc(en->pend, (size_t)(en->npend + 1) *
			    sizeof *en->pend);
			en->pend[en->npend++] = p;
		}
	}
	cJSON_Delete(out.undo);
	return 0;
}

/* github.pr / github.issue through the hook: once per incident, within
 * the rate limits, deferred to the hook for everything else. */
static int
github(struct engine *en, struct dctx *d, int act, cJSON *r)
{
	char key[256], buf[600];
	struct sbuf st, why;
	cJSON *result = NULL;
	const char *lim;
	int esc, done, rc;

	if (!en->github || !d->diag)
		return decided(en, d, r, "skipped", "GitHub actions are not "
		    "configured in this remediate");
	if (lock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	key_of(key, sizeof key, d->incident, act_names[act], "");
	done = rst_done(en->st, key) != NULL;
	lim = done ? NULL : limits(en, d, act, "", buf, sizeof buf, &esc);
	if (unlock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	if (done)
		return decided(en, d, r, "skipped", "already carried out for this "
		    "incident (replay)");
	if (lim)
		return decided(en, d, r, "denied", lim);
	if (en->apply && reserve(en, r, 2 * RESERVE_EXTRA) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	sbuf_init(&st);
	sbuf_init(&why);
	en->github(en->github_arg, act, d->diag, d->records, en->apply, &st,
	    &why, &result);
	if (result)
		set_item(r, "result", result);
	rc = decided(en, d, r, st.len ? st.s : "failed", why.len ? why.s :
	    "no reason given");
	if (rc == 0 && st.len && !strcmp(st.s, "applied") && lock(en) == 0) {
		rst_mark_done(en->st, key, "applied", d->now);
		rst_add_event(en->st, d->now, d->app, "", act, d->fp, d->incident,
		    gs(r, "id"), NULL);
		unlock(en);
	}
	sbuf_release(&st);
	sbuf_release(&why);
	return rc < 0 || en->fatal ? -1 : 0;
}

/* The checks of one proposed action (section 1-5 of engine.h). */
static int
decide(struct engine *en, struct dctx *d, const cJSON *a)
{
	const char *name = gs(a, "action"), *machine = js_get_str(a, "machine");
	int act = act_parse(name);
	char buf[600], key[256];
	struct rp_params p;
	struct rp_plan plan;
	const char *why;
	int esc, rc;
	cJSON *r;

	if (act < 0) {
		/* log text can put anything here: quote little of it */
		snprintf(buf, sizeof buf, "unknown action \"%.40s\": not in the "
		    "action vocabulary", name);
		r = new_record(en, d, "unknown", NULL);
		cJSON_AddStringToObject(r, "proposed", *name ? name : "(none)");
		return decided(en, d, r, "denied", buf);
	}
	if (act == ACT_NOTIFY || act == ACT_ESCALATE)
		return 0;   /* handled once per incident, after the repairs */
	if (machine && !vb_shape_ok(VB_MACHINE, machine)) {
		r = new_record(en, d, name, NULL);
		return decided(en, d, r, "denied", "machine is not a machine ID "
		    "(lowercase letters and digits)");
	}
	if (!machine && (act == ACT_RESTART || act == ACT_START ||
	    act == ACT_MEMORY) && d->diag) {
		/* one machine in the incident: that is the one meant */
		const cJSON *inst = js_get(d->diag, "instances");
		if (cJSON_GetArraySize(inst) == 1 && cJSON_IsString(inst->child) &&
		    vb_shape_ok(VB_MACHINE, inst->child->valuestring))
			machine = inst->child->valuestring;
	}
	r = new_record(en, d, name, machine);
	if (!d->pa) {
		snprintf(buf, sizeof buf, "app \"%s\" is not in the policy (%s)",
		    d->app, en->pol->source);
		return decided(en, d, r, "denied", buf);
	}
	if (d->pa->escalate & (1u << act)) {
		if (d->manual)
			return decided(en, d, r, "denied", "policy: this action "
			    "needs a human (escalate) for this app");
		escalate(d, "%s %s: the policy says a human decides", name,
		    machine ? machine : d->app);
		cJSON_Delete(r);
		return 0;
	}
	if (!(d->pa->allow & (1u << act))) {
		snprintf(buf, sizeof buf, "policy: %s is not allowed for app %s",
		    name, d->app);
		return decided(en, d, r, "denied", buf);
	}
	if (act == ACT_PR || act == ACT_ISSUE)
		return github(en, d, act, r);
	if (!d->manual && d->diag) {
		const cJSON *conf = js_get(d->diag, "confidence");
		if (cJSON_IsNumber(conf) && conf->valuedouble <
		    d->pa->min_confidence) {
			snprintf(buf, sizeof buf, "%s: confidence %.2f is below the "
			    "policy's min-confidence", name, conf->valuedouble);
			escalate(d, "%s%s", buf, "");
			cJSON_Delete(r);
			return 0;
		}
		if (d->breaker) {
			escalate(d, "%s: %s", name, d->breaker_why);
			cJSON_Delete(r);
			return 0;
		}
	}
	if (act != ACT_ROLLBACK && !machine)
		return decided(en, d, r, "denied", "no machine named, and the "
		    "incident has more than one");
	if (machine && !d->manual && !d->pa->targets_app &&
	    !in_instances(d->diag, machine)) {
		snprintf(buf, sizeof buf, "machine %s is not one of the incident's "
		    "machines (policy: targets incident)", machine);
		return decided(en, d, r, "denied", buf);
	}

	/* state checks: replay, cooldown, rate, machines per incident */
	if (lock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	key_of(key, sizeof key, d->incident, name, d->manual ? "" : machine);
	if (!d->manual && rst_done(en->st, key)) {
		const cJSON *dn = rst_done(en->st, key);
		unlock(en);
		snprintf(buf, sizeof buf, "already %s for this incident (replay): "
		    "not acting twice", gs(dn, "status"));
		return decided(en, d, r, "skipped", buf);
	}
	why = limits(en, d, act, machine, buf, sizeof buf, &esc);
	if (!why && !d->manual && machine) {
		char seen[64][48];
		int n = rst_incident_machines(en->st, d->incident, seen, 64), in = 0;
		for (int i = 0; i < n; i++)
			in |= !strcmp(seen[i], machine);
		if (!in && n >= d->pa->machines_max) {
			snprintf(buf, sizeof buf, "cap: %d machine(s) already repaired "
			    "for this incident (policy: machines-max %d)", n,
			    d->pa->machines_max);
			why = buf;
		}
	}
	if (unlock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	if (why) {
		if (esc && !d->manual)
			escalate(d, "%s: %s", name, why);
		return decided(en, d, r, "denied", why);
	}

	/* the target against the API, and Fly's own state */
	params(a, &p);
	memset(&plan, 0, sizeof plan);
	plan.action = act;
	plan.app = d->app;
	plan.machine = machine;
	plan.memory_max = d->pa->memory_max;
	plan.memory_add = d->pa->memory_add;
	plan.memory_mul = d->pa->memory_mul;
	plan.machines_max = d->manual ? 1000 : d->pa->machines_max;
	plan.first_ts = d->diag ? js_get_str(d->diag, "first_ts") : NULL;
	plan.automatic = !d->manual;
	plan.now = d->now;
	rc = rp_plan(en->mx, &p, &plan, buf, sizeof buf);
	if (rc != RP_OK) {
		if (rc == RP_ESCALATE && !d->manual)
			escalate(d, "%s: %s", name, buf);
		rp_plan_release(&plan);
		return decided(en, d, r, rc == RP_SKIP ? "skipped" : rc == RP_FAIL ?
		    "failed" : "denied", buf);
	}
	if (plan.preview)
		set_item(r, "result", cJSON_Duplicate(plan.preview, 1));
	rc = carry_out(en, d, act, r, machine, &plan, plan.summary);
	rp_plan_release(&plan);
	return rc;
}

/* The `notify` action: the incident's summary and what was decided. */
static int
do_notify(struct engine *en, struct dctx *d, const cJSON *a)
{
	cJSON *r = new_record(en, d, "notify", NULL);
	char key[256], buf[400];
	struct sbuf pl, err;
	int esc;
	const char *why;

	if (!d->pa) {
		snprintf(buf, sizeof buf, "app \"%s\" is not in the policy (%s)",
		    d->app, en->pol->source);
		return decided(en, d, r, "denied", buf);
	}
	if (!(d->pa->allow & (1u << ACT_NOTIFY))) {
		if (d->pa->escalate & (1u << ACT_NOTIFY)) {
			escalate(d, "%s %s: the policy says a human decides", "notify",
			    d->app);
			cJSON_Delete(r);
			return 0;
		}
		snprintf(buf, sizeof buf, "policy: notify is not allowed for app %s",
		    d->app);
		return decided(en, d, r, "denied", buf);
	}
	if (lock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	key_of(key, sizeof key, d->incident, "notify", "");
	int done = !d->manual && rst_done(en->st, key) != NULL;
	why = done ? NULL : limits(en, d, ACT_NOTIFY, "", buf, sizeof buf, &esc);
	if (unlock(en) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	if (done)
		return decided(en, d, r, "skipped", "already notified for this "
		    "incident (replay)");
	if (why)
		return decided(en, d, r, "denied", why);
	if (!nt_configured(en->nt))
		return decided(en, d, r, "skipped", "no webhook configured "
		    "(--notify-url or SELFHEAL_NOTIFY_URL)");
	if (!en->apply)
		return decided(en, d, r, "dry-run", "would post the incident to the "
		    "webhook");
	if (reserve(en, r, RESERVE_EXTRA) < 0) {
		cJSON_Delete(r);
		return -1;
	}
	sbuf_init(&pl);
	sbuf_init(&err);
	if (d->diag)
		nt_incident_payload("Incident", d->diag, d->records, NULL, &pl);
	else
		nt_text_payload(gs(a, "text"), &pl);
	if (nt_post(en->nt, pl.s, &err) < 0) {
		decided(en, d, r, "failed", err.s);
	} else {
		decided(en, d, r, "applied", "posted to the webhook");
		if (lock(en) == 0) {
			if (!d->manual)
				rst_mark_done(en->st, key, "applied", d->now);
			rst_add_event(en->st, d->now, d->app, "", ACT_NOTIFY, d->fp,
			    d->incident, gs(r, "id"), NULL);
			unlock(en);
		}
	}
	sbuf_release(&pl);
	sbuf_release(&err);
	return en->fatal ? -1 : 0;
}

/* One `escalate` record for the incident, and one message. */
static int
do_escalate(struct engine *en, struct dctx *d, const char *proposed_reason)
{
	cJSON *r = new_record(en, d, "escalate", NULL), *what;
	char key[256];
	struct sbuf reason, pl, err;
	int done;

	sbuf_init(&reason);
	what = cJSON_AddArrayToObject(r, "needs_human");
	for (int i = 0; i < d->nesc; i++)
		cJSON_AddItemToArray(what, cJSON_CreateString(d->esc[i].what));
	if (proposed_reason)
		cJSON_AddItemToArray(what, cJSON_CreateString(proposed_reason));
	sbuf_adds(&reason, "a human must look: ");
	for (int i = 0; i < d->nesc; i++)
		sbuf_addf(&reason, "%s%s", i ? "; " : "", d->esc[i].what);
	if (proposed_reason)
		sbuf_addf(&reason, "%s%s", d->nesc ? "; " : "", proposed_reason);

	if (lock(en) < 0) {
		cJSON_Delete(r);
		sbuf_release(&reason);
		return -1;
	}
	key_of(key, sizeof key, d->incident, "escalate", d->esc_tag);
	done = rst_done(en->st, key) != NULL;
	if (unlock(en) < 0) {
		cJSON_Delete(r);
		sbuf_release(&reason);
		return -1;
	}
	if (done) {
		sbuf_release(&reason);
		return decided(en, d, r, "skipped", "already escalated for this "
		    "incident (replay)");
	}
	if (!nt_configured(en->nt)) {
		int rc = decided(en, d, r, "skipped", reason.s);
		sbuf_release(&reason);
		return rc;
	}
	if (!en->apply) {
		int rc = decided(en, d, r, "dry-run", reason.s);
		sbuf_release(&reason);
		return rc;
	}
	if (reserve(en, r, reason.len + RESERVE_EXTRA) < 0) {
		cJSON_Delete(r);
		sbuf_release(&reason);
		return -1;
	}
	sbuf_init(&pl);
	sbuf_init(&err);
	nt_incident_payload("Needs a human", d->diag, d->records, reason.s, &pl);
	if (nt_post(en->nt, pl.s, &err) < 0) {
		sbuf_addf(&reason, " (notification failed: %s)", err.s);
		decided(en, d, r, "failed", reason.s);
	} else {
		decided(en, d, r, "applied", reason.s);
		if (lock(en) == 0) {
			rst_mark_done(en->st, key, "applied", d->now);
			rst_add_event(en->st, d->now, d->app, "", ACT_ESCALATE, d->fp,
			    d->incident, gs(r, "id"), NULL);
			unlock(en);
		}
	}
	sbuf_release(&pl);
	sbuf_release(&err);
	sbuf_release(&reason);
	return en->fatal ? -1 : 0;
}

/* A verification outcome: a `verify` record, the event marked, and for an
 * unhealthy memory raise or rollback the undo (when the policy allows). */
static int
verified(struct engine *en, struct en_pending *p, const char *outcome,
    const char *reason, struct dctx *d)
{
	cJSON *v = cJSON_CreateObject();
	char ts[40];
	int rc;

	ts_now(ts);
	cJSON_AddStringToObject(v, "type", "verify");
	cJSON_AddStringToObject(v, "ts", ts);
	cJSON_AddStringToObject(v, "incident", p->incident);
	cJSON_AddStringToObject(v, "action", act_names[p->action]);
	cJSON_AddStringToObject(v, "app", p->app);
	if (*p->machine)
		cJSON_AddStringToObject(v, "machine", p->machine);
	cJSON_AddStringToObject(v, "action_id", p->id);
	cJSON_AddStringToObject(v, "outcome", outcome);
	cJSON_AddStringToObject(v, "reason", reason);
	if (*p->fp)
		cJSON_AddStringToObject(v, "fingerprint", p->fp);
	cJSON_AddStringToObject(v, "source", en->source);
	rc = emit(en, v);
	cJSON_Delete(v);
	if (rc < 0)
		return -1;
	if (lock(en) < 0)
		return -1;
	rst_set_verified(en->st, p->id, outcome);
	if (unlock(en) < 0)
		return -1;
	if (!strcmp(outcome, "healed"))
		return 0;
	const struct pol_app *pa = pol_app(en->pol, p->app);
	struct dctx u = { .incident = p->incident, .app = p->app, .fp = p->fp,
		.pa = pa, .manual = 1, .records = cJSON_CreateArray(),
		.now = rst_now(), .esc_tag = p->id };
	rc = 0;
	if (!strcmp(outcome, "unhealthy") && p->undo && pa && pa->undo &&
	    (p->action == ACT_MEMORY || p->action == ACT_ROLLBACK)) {
		/* undo: the same path as any repair, marked as such */
		cJSON *r = new_record(en, &u, act_names[p->action], p->machine);
		struct rp_plan plan;
		char buf[400];
		cJSON_AddStringToObject(r, "undo_of", p->id);
		memset(&plan, 0, sizeof plan);
		plan.action = p->action;
		plan.app = p->app;
		plan.machine = p->machine;
		plan.undo = p->undo;
		plan.memory_max = 1 << 20;
		plan.machines_max = 1;
		plan.now = u.now;
		rc = rp_plan(en->mx, NULL, &plan, buf, sizeof buf);
		if (rc != RP_OK) {
			rc = decided(en, &u, r, rc == RP_FAIL ? "failed" : "skipped", buf);
		} else {
			set_item(r, "result", cJSON_Duplicate(plan.preview, 1));
			rc = carry_out(en, &u, p->action, r, p->machine, &plan,
			    plan.summary);
		}
		rp_plan_release(&plan);
	}
	if (d) {
		/* a recurrence: the new incident's escalation says so */
		escalate(d, "%s: %s", act_names[p->action], reason);
	} else if (rc == 0) {
		/* a poll found it unhealthy: an escalation of its own, with
		 * what was undone */
		cJSON *syn = cJSON_CreateObject();
		char sum[300];
		snprintf(sum, sizeof sum, "%s on machine %s did not heal it: %s",
		    act_names[p->action], p->machine, reason);
		cJSON_AddStringToObject(syn, "app", p->app);
		cJSON_AddStringToObject(syn, "incident", p->incident);
		cJSON_AddStringToObject(syn, "fingerprint", p->fp);
		cJSON_AddStringToObject(syn, "summary", sum);
		u.diag = syn;
		u.manual = 0;
		escalate(&u, "%s: %s", act_names[p->action], reason);
		rc = do_escalate(en, &u, NULL);
		cJSON_Delete(syn);
	}
	cJSON_Delete(u.records);
	return rc < 0 || en->fatal ? -1 : 0;
}

/* A diagnosis whose fingerprint had a repair that is not verified yet:
 * the crash came back. */
static int
recurrence(struct engine *en, struct dctx *d)
{
	const cJSON *ev;
	int rc = 0;

	if (!d->fp || !*d->fp)
		return 0;
	for (int i = 0; i < en->npend; i++) {
		struct en_pending *p = &en->pend[i];
		if (strcmp(p->app, d->app) || strcmp(p->fp, d->fp) ||
		    !strcmp(p->incident, d->incident))
			continue;
		struct en_pending cp = *p;
		en->pend[i] = en->pend[--en->npend];
		i--;
		rc = verified(en, &cp, "recurred", "the same fingerprint came back "
		    "after the repair", d);
		cJSON_Delete(cp.undo);
		if (rc < 0)
			return -1;
	}
	/* repairs of earlier runs, or not polled: from the state */
	if (lock(en) < 0)
		return -1;
	ev = rst_last_fp(en->st, d->app, d->fp, d->now - d->pa->breaker_ms);
	struct en_pending p;
	int found = 0;
	if (ev && strcmp(gs(ev, "incident"), d->incident)) {
		memset(&p, 0, sizeof p);
		snprintf(p.id, sizeof p.id, "%s", gs(ev, "id"));
		snprintf(p.app, sizeof p.app, "%s", d->app);
		snprintf(p.machine, sizeof p.machine, "%s", gs(ev, "machine"));
		snprintf(p.incident, sizeof p.incident, "%s", gs(ev, "incident"));
		snprintf(p.fp, sizeof p.fp, "%s", d->fp);
		p.action = act_parse(gs(ev, "action"));
		found = p.action >= 0;
	}
	if (unlock(en) < 0)
		return -1;
	if (found)
		rc = verified(en, &p, "recurred", "the same fingerprint came back "
		    "after the repair", d);
	return rc;
}

int
en_diagnosis(struct engine *en, const cJSON *diag)
{
	struct dctx d;
	const cJSON *a, *acts = js_get(diag, "actions");
	const cJSON *notify = NULL;
	const char *proposed = NULL;
	char pbuf[300];
	int n = 0, rc = 0;

	if (en->fatal)
		return -1;
	memset(&d, 0, sizeof d);
	d.diag = diag;
	d.incident = gs(diag, "incident");
	d.app = gs(diag, "app");
	d.fp = gs(diag, "fingerprint");
	d.now = rst_now();
	if (!id_ok(d.incident)) {
		en->skipped_input++;
		sh_warn("diagnosis without a usable incident id: ignored");
		return 0;
	}
	if (*d.fp && !id_ok(d.fp))
		d.fp = "";
	en->diagnoses++;
	d.records = cJSON_CreateArray();
	if (!vb_shape_ok(VB_APP, d.app)) {
		cJSON *r = new_record(en, &d, "unknown", NULL);
		d.app = "";
		rc = decided(en, &d, r, "denied", "the diagnosis names no valid Fly "
		    "app");
		goto out;
	}
	d.pa = pol_app(en->pol, d.app);
	if (d.pa && (rc = recurrence(en, &d)) < 0)
		goto out;
	if (d.pa && *d.fp && d.pa->breaker_n > 0) {
		int c;
		char w[32];
		if (lock(en) < 0) {
			rc = -1;
			goto out;
		}
		c = rst_count_fp(en->st, d.app, d.fp, 0, d.now - d.pa->breaker_ms);
		if (unlock(en) < 0) {
			rc = -1;
			goto out;
		}
		if (c >= d.pa->breaker_n) {
			dur(w, sizeof w, d.pa->breaker_ms);
			d.breaker = 1;
			snprintf(d.breaker_why, sizeof d.breaker_why, "circuit breaker "
			    "open: fingerprint %s was repaired %d time(s) in the last %s "
			    "and came back (policy: breaker %d/%s)", d.fp, c, w,
			    d.pa->breaker_n, w);
		}
	}
	cJSON_ArrayForEach(a, acts) {
		const char *name = gs(a, "action");
		if (!cJSON_IsObject(a))
			continue;
		if (++n > MAX_ACTIONS) {
			cJSON *r = new_record(en, &d, "unknown", NULL);
			rc = decided(en, &d, r, "denied", "more than 16 actions in one "
			    "diagnosis: the rest are ignored");
			break;
		}
		if (!strcmp(name, "notify") && !notify)
			notify = a;
		if (!strcmp(name, "escalate") && !proposed) {
			snprintf(pbuf, sizeof pbuf, "proposed by the diagnosis: %.200s",
			    *gs(a, "reason") ? gs(a, "reason") : "escalate");
			proposed = pbuf;
		}
		if ((rc = decide(en, &d, a)) < 0)
			goto out;
	}
	if (notify && (rc = do_notify(en, &d, notify)) < 0)
		goto out;
	if (d.nesc || proposed)
		rc = do_escalate(en, &d, proposed);
out:
	cJSON_Delete(d.records);
	return rc < 0 || en->fatal ? -1 : 0;
}

int
en_recover(struct engine *en)
{
	cJSON *stale, *r;
	int rc = 0;

	if (lock(en) < 0)
		return -1;
	stale = rst_take_stale(en->st);
	cJSON_ArrayForEach(r, stale) {
		const char *key = gs(r, "x_key");
		char *k = xstrdup(key);
		cJSON_DeleteItemFromObject(r, "x_key");
		/* the record may have reached the log just before the crash */
		if (!au_has_id(en->au, gs(r, "id"))) {
			char ts[40];
			ts_now(ts);
			set_str(r, "ts", ts);
			struct sbuf line;
			sbuf_init(&line);
			jo_tree(&line, r);
			sbuf_addc(&line, '\n');
			if (au_write(en->au, line.s, line.len, &en->err) < 0) {
				en->fatal = 1;
				rc = -1;
			} else if (en->emit) {
				en->emit(en->emit_arg, r, line.s, line.len);
				en->n_failed++;
			}
			sbuf_release(&line);
		}
		if (rc == 0)
			rst_mark_done(en->st, k, "failed", rst_now());
		free(k);
		if (rc < 0)
			break;
	}
	cJSON_Delete(stale);
	if (unlock(en) < 0)
		rc = -1;
	return rc;
}

int
en_verb(struct engine *en, const struct verb *v, const cJSON *args,
    cJSON **rec)
{
	struct dctx d;
	char incident[40];
	uint64_t h = sh_fnv1a(SH_FNV_INIT, &(int64_t){ sh_time_now() }, 8);
	cJSON *a = cJSON_Duplicate(args, 1), *last;
	int rc;

	h = sh_fnv1a(h, &(pid_t){ getpid() }, sizeof(pid_t));
	snprintf(incident, sizeof incident, "m_%016llx", (unsigned long long)h);
	memset(&d, 0, sizeof d);
	d.incident = incident;
	d.app = gs(args, "app");
	d.fp = "";
	d.manual = 1;
	d.now = rst_now();
	d.records = cJSON_CreateArray();
	d.pa = *d.app ? pol_app(en->pol, d.app) : &en->pol->defaults;
	cJSON_AddStringToObject(a, "action", v->action);
	if (!strcmp(v->action, "notify"))
		rc = do_notify(en, &d, a);
	else
		rc = decide(en, &d, a);
	last = cJSON_GetArrayItem(d.records, cJSON_GetArraySize(d.records) - 1);
	if (rec)
		*rec = last ? cJSON_Duplicate(last, 1) : NULL;
	if (rc < 0 || en->fatal)
		rc = SH_EX_IOERR;
	else if (!last)
		rc = SH_EX_SOFTWARE;
	else {
		const char *st = gs(last, "status");
		const cJSON *res = js_get(last, "result");
		rc = !strcmp(st, "applied") || !strcmp(st, "dry-run") ? 0 :
		    !strcmp(st, "denied") ? SH_EX_UNAVAILABLE :
		    cJSON_IsTrue(js_get(res, "retry")) || !strcmp(st, "skipped") ?
		    SH_EX_TEMPFAIL : SH_EX_UNAVAILABLE;
	}
	cJSON_Delete(a);
	cJSON_Delete(d.records);
	return rc;
}

static int
api_fail(const struct fa_err *e, struct sbuf *err, const char *app,
    const char *machine)
{
	if (e->status == 404 && machine)
		sbuf_addf(err, "machine %s not found in app %s", machine, app);
	else if (e->status == 404)
		sbuf_addf(err, "app %s not found", app);
	else
		sbuf_adds(err, e->text);
	return e->verdict == HTTP_RETRY ? SH_EX_TEMPFAIL : SH_EX_UNAVAILABLE;
}

int
en_read(struct engine *en, const struct verb *v, const cJSON *args,
    cJSON **out, struct sbuf *err)
{
	const char *app = gs(args, "app"), *m = js_get_str(args, "machine");
	const cJSON *lim = js_get(args, "limit");
	struct fa_err e;
	cJSON *j = NULL, *o, *it;

	*out = NULL;
	if (!strcmp(v->name, "machines") || !strcmp(v->name, "releases")) {
		if (mx_list(en->mx, app, &j, &e) < 0)
			return api_fail(&e, err, app, NULL);
		if (!strcmp(v->name, "machines")) {
			o = cJSON_CreateArray();
			cJSON_ArrayForEach(it, j)
				cJSON_AddItemToArray(o, fl_machine_summary(it));
		} else {
			int n = cJSON_GetArraySize(j) > 20 ? 20 : cJSON_GetArraySize(j);
			cJSON **vers = xcalloc((size_t)n + 1, sizeof *vers);
			int i = 0;
			cJSON_ArrayForEach(it, j) {
				if (i == n)
					break;
				if (js_get_str(it, "id") && mx_versions(en->mx, app,
				    js_get_str(it, "id"), &vers[i], &e) < 0)
					vers[i] = NULL;
				i++;
			}
			o = fl_releases(j, vers, n);
			for (i = 0; i < n; i++)
				cJSON_Delete(vers[i]);
			free(vers);
		}
	} else if (!strcmp(v->name, "status")) {
		if (mx_get(en->mx, app, m, &j, &e) < 0)
			return api_fail(&e, err, app, m);
		o = fl_status(j, rst_now());
	} else if (!strcmp(v->name, "events")) {
		if (mx_events(en->mx, app, m, cJSON_IsNumber(lim) ?
		    (int)lim->valuedouble : 20, &j, &e) < 0)
			return api_fail(&e, err, app, m);
		o = cJSON_CreateArray();
		cJSON_ArrayForEach(it, j)
			cJSON_AddItemToArray(o, fl_event(it));
	} else {
		sbuf_addf(err, "%s is not a read-only verb", v->name);
		return SH_EX_SOFTWARE;
	}
	cJSON_Delete(j);
	*out = o;
	return 0;
}

int64_t
en_due(const struct engine *en)
{
	int64_t due = -1;

	for (int i = 0; i < en->npend; i++)
		if (due < 0 || en->pend[i].next < due)
			due = en->pend[i].next;
	return due;
}

/* Poll one pending verification; returns 1 when it ended. */
static int
poll_one(struct engine *en, struct en_pending *p, int64_t now)
{
	struct fa_err e;
	cJSON *m = NULL;
	int total, passing, failing;

	p->polls++;
	if (mx_get(en->mx, p->app, p->machine, &m, &e) < 0) {
		snprintf(p->last, sizeof p->last, "could not read the machine: %.100s",
		    e.text);
		p->healthy = 0;
	} else {
		const char *st = gs(m, "state");
		fl_checks(m, &total, &passing, &failing);
		p->healthy = !strcmp(st, "started") && failing == 0;
		if (!strcmp(st, "started") && total)
			snprintf(p->last, sizeof p->last, "started, %d of %d checks "
			    "passing", passing, total);
		else
			snprintf(p->last, sizeof p->last, "%.20s", *st ? st : "unknown");
		cJSON_Delete(m);
	}
	if (now < p->deadline) {
		int64_t step = en->verify_ms > 10000 ? 5000 : 1000;
		p->next = now + step < p->deadline ? now + step : p->deadline;
		return 0;
	}
	char why[300];
	snprintf(why, sizeof why, "after %lld s the machine is %s", (long long)
	    (en->verify_ms / 1000), p->last);
	if (verified(en, p, p->healthy ? "healed" : "unhealthy", why, NULL) < 0)
		return -1;
	return 1;
}

int
en_poll(struct engine *en, int finish)
{
	for (;;) {
		int64_t now = sh_now_mono_ms();
		for (int i = 0; i < en->npend && !en->fatal; i++) {
			if (en->pend[i].next > now && !(finish && sh_stop))
				continue;
			struct en_pending p = en->pend[i];
			int rc = poll_one(en, &p, now);
			if (rc < 0)
				return -1;
			if (rc == 1) {
				cJSON_Delete(p.undo);
				en->pend[i] = en->pend[--en->npend];
				i--;
			} else {
				en->pend[i] = p;
			}
		}
		if (!finish || !en->npend || en->fatal || sh_stop)
			break;
		int64_t due = en_due(en) - sh_now_mono_ms();
		if (due > 0 && http_sleep_ms(due) < 0)
			break;
	}
	return en->fatal ? -1 : 0;
}

void
en_text_line(const cJSON *r, struct sbuf *b, int color)
{
	const char *type = gs(r, "type"), *st = gs(r, "status");
	const char *app = gs(r, "app"), *m = gs(r, "machine");
	const char *col = !strcmp(st, "applied") ? "\033[32m" :
	    !strcmp(st, "denied") || !strcmp(st, "failed") ? "\033[31m" :
	    "\033[33m";
	size_t start = b->len;

	sbuf_addf(b, "%s ", gs(r, "ts"));
	if (!strcmp(type, "verify")) {
		st = gs(r, "outcome");
		col = !strcmp(st, "healed") ? "\033[32m" : "\033[31m";
		sbuf_adds(b, "verify ");
	}
	if (color)
		sbuf_adds(b, col);
	sbuf_addf(b, "%-8s", st);
	if (color)
		sbuf_adds(b, "\033[0m");
	sbuf_addf(b, " %s %s%s%s: %s", gs(r, "action"), *app ? app : "-",
	    *m ? "/" : "", m, gs(r, "reason"));
	for (size_t i = start; i < b->len; i++)
		if ((unsigned char)b->s[i] < 0x20 && b->s[i] != '\033')
			b->s[i] = ' ';
}
