/* diag.c - see diag.h. */
#include "diag.h"
#include "json.h"
#include "jsonout.h"
#include "redact.h"
#include "rules.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_MAX 300
#define ROOT_MAX 4000
#define REASON_MAX 500
#define EVIDENCE_MAX 1000

int
dg_machine_scoped(const char *a)
{
	return a && (!strcmp(a, "machine.restart") || !strcmp(a,
	    "machine.start") || !strcmp(a, "machine.memory"));
}

static int
in_list(const char *const *tab, const char *s)
{
	for (int i = 0; s && tab[i]; i++)
		if (!strcmp(tab[i], s))
			return 1;
	return 0;
}

int
dg_valid_action(const char *a)
{
	return in_list(rs_actions, a);
}

int
dg_valid_category(const char *c)
{
	return in_list(rs_categories, c);
}

/* Redact s, make it one line when oneline, and cut it at max bytes on a
 * character boundary. */
static char *
clean_text(struct redactor *rx, const char *s, size_t max, int oneline)
{
	char *r = rx_dup(rx, s, NULL);
	size_t n;

	if (oneline)
		for (char *p = r; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
	n = strlen(r);
	if (n > max) {
		n = js_utf8_cut(r, max);
		r[n] = '\0';
	}
	return r;
}

static void
add_text(cJSON *o, const char *k, struct redactor *rx, const char *s,
    size_t max, int oneline)
{
	char *t = clean_text(rx, s, max, oneline);
	cJSON_AddStringToObject(o, k, t);
	free(t);
}

static int
has_action(const cJSON *acts, const char *a, const char *m)
{
	for (const cJSON *x = acts ? acts->child : NULL; x; x = x->next) {
		const char *xa = js_get_str(x, "action"), *xm = js_get_str(x,
		    "machine");
		if (xa && !strcmp(xa, a) && ((!m && !xm) || (m && xm &&
		    !strcmp(m, xm))))
			return 1;
	}
	return 0;
}

/* Append action a (for machine m, or for every machine of the incident
 * when a is machine-scoped and m is NULL). */
static void
push_action(cJSON *acts, struct incident *inc, const char *a,
    const char *m, const char *reason, double memory_mb)
{
	if (dg_machine_scoped(a) && !m) {
		for (int i = 0; i < inc->ninst; i++)
			push_action(acts, inc, a, inc->inst[i].id, reason, memory_mb);
		if (inc->ninst == 0 && !has_action(acts, "escalate", NULL))
			push_action(acts, inc, "escalate", NULL,
			    "a machine action was suggested but the crash names "
			    "no machine", 0);
		return;
	}
	if (cJSON_GetArraySize(acts) >= DG_MAX_ACTIONS || has_action(acts, a, m))
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "action", a);
	if (m)
		cJSON_AddStringToObject(o, "machine", m);
	cJSON_AddStringToObject(o, "reason", reason ? reason : "");
	if (memory_mb > 0 && !strcmp(a, "machine.memory"))
		cJSON_AddNumberToObject(o, "memory_mb", memory_mb);
	cJSON_AddItemToArray(acts, o);
}

cJSON *
dg_rules_fields(struct incident *inc, struct redactor *rx)
{
	const cJSON *c = inc_first(inc);
	const char *cause = js_get_str(c, "hint.cause");
	const cJSON *hacts = js_get(c, "hint.actions");
	const cJSON *lines = js_get(c, "lines");
	cJSON *f = cJSON_CreateObject(), *ev, *acts;
	struct sbuf s;
	int st = 0, n = 0;

	sbuf_init(&s);
	sbuf_addf(&s, "%s in %s: %s (%ld time%s on %d machine%s)",
	    inc->category, inc->app[0] ? inc->app : "an app",
	    inc->title && *inc->title ? inc->title : inc->rule, inc->occurrences,
	    inc->occurrences == 1 ? "" : "s", inc->ninst, inc->ninst == 1 ? "" :
	    "s");
	add_text(f, "summary", rx, s.s, SUMMARY_MAX, 1);
	sbuf_reset(&s);
	if (cause && *cause)
		sbuf_addf(&s, "%s", cause);
	else
		sbuf_addf(&s, "Crash rule %s matched; it gives no cause.",
		    inc->rule[0] ? inc->rule : "(unknown)");
	sbuf_addf(&s, " (offline diagnosis from crash rule %s; no LLM was "
	    "consulted.)", inc->rule[0] ? inc->rule : "(unknown)");
	add_text(f, "root_cause", rx, s.s, ROOT_MAX, 0);
	cJSON_AddNumberToObject(f, "confidence", cause && *cause ? 0.5 : 0.2);
	cJSON_AddStringToObject(f, "category", dg_valid_category(inc->category)
	    ? inc->category : "exit");
	ev = cJSON_AddArrayToObject(f, "evidence");
	for (const cJSON *l = lines ? lines->child : NULL; l && n < 8;
	    l = l->next) {
		if (!cJSON_IsString(l) || !*l->valuestring)
			continue;
		struct sbuf o;
		sbuf_init(&o);
		rx_text(rx, l->valuestring, strlen(l->valuestring), &o, &st);
		if (o.len > EVIDENCE_MAX)
			o.s[js_utf8_cut(o.s, EVIDENCE_MAX)] = '\0';
		cJSON_AddItemToArray(ev, cJSON_CreateString(o.s));
		sbuf_release(&o);
		n++;
	}
	if (n == 0 && inc->title && *inc->title) {
		char *t = clean_text(rx, inc->title, EVIDENCE_MAX, 1);
		cJSON_AddItemToArray(ev, cJSON_CreateString(t));
		free(t);
	}
	acts = cJSON_AddArrayToObject(f, "actions");
	sbuf_reset(&s);
	sbuf_addf(&s, "suggested by crash rule %s", inc->rule[0] ? inc->rule :
	    "(unknown)");
	for (const cJSON *a = hacts ? hacts->child : NULL; a; a = a->next) {
		const char *name = cJSON_IsString(a) ? a->valuestring : NULL;
		if (!dg_valid_action(name))
			continue;
		/* a pull request needs a patch; the rules have none */
		if (!strcmp(name, "github.pr"))
			name = "github.issue";
		push_action(acts, inc, name, NULL, s.s, 0);
	}
	if (cJSON_GetArraySize(acts) == 0)
		push_action(acts, inc, "escalate", NULL,
		    "no repair is known for this crash", 0);
	sbuf_release(&s);
	return f;
}

static int
known_machine(struct incident *inc, char *const *known, int nknown,
    const char *m)
{
	for (int i = 0; i < inc->ninst; i++)
		if (!strcmp(inc->inst[i].id, m))
			return 1;
	for (int i = 0; i < nknown; i++)
		if (!strcmp(known[i], m))
			return 1;
	return 0;
}

static void
problem(struct sbuf *errs, int *n, const char *fmt, const char *arg)
{
	char a[80];
	size_t l = strlen(arg);

	if (l >= sizeof a)
		l = js_utf8_cut(arg, sizeof a - 1);
	memcpy(a, arg, l);
	a[l] = '\0';
	for (char *p = a; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	sbuf_addf(errs, fmt, a);
	sbuf_addc(errs, '\n');
	(*n)++;
}

static void
check_actions(const cJSON *acts, struct incident *inc, char *const *known,
    int nknown, struct redactor *rx, cJSON *clean, struct sbuf *errs,
    int *np)
{
	cJSON *out = cJSON_CreateArray();
	int i = 0, bad = 0;

	for (const cJSON *a = acts->child; a; a = a->next, i++) {
		char where[32];
		snprintf(where, sizeof where, "actions[%d]", i);
		const char *name = js_get_str(a, "action");
		const char *m = js_get_str(a, "machine");
		const char *app = js_get_str(a, "app");
		const cJSON *mem = js_get(a, "memory_mb");
		const char *reason = js_get_str(a, "reason");
		if (!cJSON_IsObject(a) || !name) {
			problem(errs, np, "%s: not an object with an \"action\"", where);
			bad++;
			continue;
		}
		if (!dg_valid_action(name)) {
			problem(errs, np, "unknown action \"%s\" (not in the vocabulary)",
			    name);
			bad++;
			continue;
		}
		if (app && strcmp(app, inc->app)) {
			problem(errs, np, "action on app \"%s\": only this incident's "
			    "app may be named", app);
			bad++;
			continue;
		}
		if (js_get(a, "machine") && !m) {
			problem(errs, np, "%s: machine is not a string", where);
			bad++;
			continue;
		}
		if (m && !known_machine(inc, known, nknown, m)) {
			problem(errs, np, "machine \"%s\" is not a machine of this "
			    "incident's app", m);
			bad++;
			continue;
		}
		if (!strcmp(name, "github.pr") && !js_get(clean, "patch")) {
			problem(errs, np, "%s: github.pr needs a patch", where);
			bad++;
			continue;
		}
		char *r = clean_text(rx, reason ? reason : "", REASON_MAX, 1);
		double mb = cJSON_IsNumber(mem) ? mem->valuedouble : 0;
		push_action(out, inc, name, m, r, mb > 0 && mb <= 1 << 20 ? floor(mb) :
		    0);
		free(r);
	}
	/* a list with invalid entries is kept without them; an empty result
	 * leaves the field to the rules */
	if (cJSON_GetArraySize(out) > 0 || (!bad && i == 0))
		cJSON_AddItemToObject(clean, "actions", out);
	else
		cJSON_Delete(out);
}

int
dg_validate(const cJSON *ans, struct incident *inc, char *const *known,
    int nknown, struct redactor *rx, cJSON **clean, struct sbuf *errs)
{
	cJSON *c = cJSON_CreateObject();
	const cJSON *it;
	int n = 0;

	*clean = c;
	if (!cJSON_IsObject(ans)) {
		problem(errs, &n, "the answer is not %s", "one JSON object");
		return n;
	}
	it = js_get(ans, "summary");
	if (cJSON_IsString(it) && *it->valuestring)
		add_text(c, "summary", rx, it->valuestring, SUMMARY_MAX, 1);
	else
		problem(errs, &n, "%s: want a non-empty string", "summary");
	it = js_get(ans, "root_cause");
	if (cJSON_IsString(it) && *it->valuestring)
		add_text(c, "root_cause", rx, it->valuestring, ROOT_MAX, 0);
	else
		problem(errs, &n, "%s: want a non-empty string", "root_cause");
	it = js_get(ans, "confidence");
	if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble <= 1)
		cJSON_AddNumberToObject(c, "confidence",
		    round(it->valuedouble * 1000) / 1000);
	else
		problem(errs, &n, "%s: want a number from 0 to 1", "confidence");
	it = js_get(ans, "category");
	if (cJSON_IsString(it) && dg_valid_category(it->valuestring))
		cJSON_AddStringToObject(c, "category", it->valuestring);
	else
		problem(errs, &n, "category: want one of oom panic signal exit "
		    "restart-loop health resource dependency config deploy%s", "");
	it = js_get(ans, "evidence");
	if (cJSON_IsArray(it)) {
		cJSON *ev = cJSON_AddArrayToObject(c, "evidence");
		for (const cJSON *e = it->child; e; e = e->next) {
			if (!cJSON_IsString(e))
				continue;
			if (cJSON_GetArraySize(ev) >= DG_MAX_EVIDENCE)
				break;
			char *t = clean_text(rx, e->valuestring, EVIDENCE_MAX, 0);
			cJSON_AddItemToArray(ev, cJSON_CreateString(t));
			free(t);
		}
	} else {
		problem(errs, &n, "%s: want an array of strings", "evidence");
	}
	/* the patch first: github.pr is valid only with one */
	it = js_get(ans, "patch");
	if (it && !cJSON_IsNull(it)) {
		const char *d = js_get_str(it, "diff");
		if (cJSON_IsObject(it) && d && *d) {
			cJSON *p = cJSON_AddObjectToObject(c, "patch");
			const char *t = js_get_str(it, "title"), *b = js_get_str(it,
			    "body");
			add_text(p, "title", rx, t ? t : "", SUMMARY_MAX, 1);
			add_text(p, "body", rx, b ? b : "", ROOT_MAX, 0);
			/* the diff must apply as written: not redacted, checked by
			 * the caller with git apply --check */
			cJSON_AddStringToObject(p, "diff", d);
		} else {
			problem(errs, &n, "%s: want an object with a \"diff\"", "patch");
		}
	}
	it = js_get(ans, "actions");
	if (cJSON_IsArray(it))
		check_actions(it, inc, known, nknown, rx, c, errs, &n);
	else
		problem(errs, &n, "%s: want an array of objects", "actions");
	return n;
}

int
dg_fill(cJSON *f, const cJSON *rules, cJSON *notes)
{
	static const char *const keys[] = { "summary", "root_cause",
		"confidence", "category", "evidence", "actions", NULL };
	struct sbuf s;
	int n = 0;

	sbuf_init(&s);
	for (int i = 0; keys[i]; i++) {
		if (js_get(f, keys[i]))
			continue;
		const cJSON *r = js_get(rules, keys[i]);
		if (!r)
			continue;
		cJSON_AddItemToObject(f, keys[i], cJSON_Duplicate(r, 1));
		sbuf_addf(&s, "%s%s", n ? ", " : "", keys[i]);
		n++;
	}
	if (n) {
		struct sbuf t;
		sbuf_init(&t);
		sbuf_addf(&t, "filled from the rules backend: %s", s.s);
		cJSON_AddItemToArray(notes, cJSON_CreateString(t.s));
		sbuf_release(&t);
	}
	sbuf_release(&s);
	return n;
}

void
dg_drop_patch(cJSON *f, cJSON *notes, const char *why)
{
	cJSON *acts = cJSON_GetObjectItemCaseSensitive(f, "actions");
	struct sbuf t;

	if (!js_get(f, "patch"))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(f, "patch");
	for (cJSON *a = acts ? acts->child : NULL; a; a = a->next) {
		cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "action");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, "github.pr"))
			cJSON_SetValuestring(n, "github.issue");
	}
	sbuf_init(&t);
	sbuf_addf(&t, "patch dropped: %s", why);
	cJSON_AddItemToArray(notes, cJSON_CreateString(t.s));
	sbuf_release(&t);
}

void
dg_retarget(cJSON *f, struct incident *inc)
{
	cJSON *acts = cJSON_GetObjectItemCaseSensitive(f, "actions");
	cJSON *out;

	if (!cJSON_IsArray(acts))
		return;
	out = cJSON_CreateArray();
	for (const cJSON *a = acts->child; a; a = a->next) {
		const char *name = js_get_str(a, "action");
		const cJSON *mem = js_get(a, "memory_mb");
		if (!dg_valid_action(name))
			continue;
		push_action(out, inc, name, dg_machine_scoped(name) ? NULL :
		    js_get_str(a, "machine"), js_get_str(a, "reason"),
		    cJSON_IsNumber(mem) ? mem->valuedouble : 0);
	}
	cJSON_ReplaceItemInObjectCaseSensitive(f, "actions", out);
}

static int
by_first(const void *a, const void *b)
{
	const struct inc_inst *x = *(const struct inc_inst *const *)a;
	const struct inc_inst *y = *(const struct inc_inst *const *)b;
	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

static void
member(struct sbuf *b, const cJSON *f, const char *k)
{
	const cJSON *it = js_get(f, k);
	if (!it)
		return;
	js_key(b, k);
	jo_tree(b, it);
}

void
dg_record(struct incident *inc, const cJSON *f, const char *backend,
    long ptok, long ctok, const cJSON *notes, int cached,
    struct redactor *rx, struct sbuf *b)
{
	const struct inc_inst *order[INC_MAX_INST];

	sbuf_adds(b, "{\"type\":\"diagnosis\"");
	js_member_str(b, "incident", inc->id, 0);
	js_member_str(b, "app", inc->app, 0);
	js_member_str(b, "fingerprint", inc->fp, 0);
	member(b, f, "category");
	js_member_int(b, "occurrences", inc->occurrences);
	js_key(b, "instances");
	sbuf_addc(b, '[');
	for (int i = 0; i < inc->ninst; i++) {
		if (i)
			sbuf_addc(b, ',');
		js_strz(b, inc->inst[i].id);
		order[i] = &inc->inst[i];
	}
	sbuf_addc(b, ']');
	js_member_str(b, "first_ts", inc->first_ts, 0);
	js_member_str(b, "last_ts", inc->last_ts, 0);
	member(b, f, "summary");
	member(b, f, "root_cause");
	member(b, f, "confidence");
	member(b, f, "evidence");
	member(b, f, "actions");
	member(b, f, "patch");
	js_member_str(b, "backend", backend, 0);
	if (cached) {
		js_key(b, "cached");
		sbuf_adds(b, "true");
	}
	js_key(b, "usage");
	sbuf_addf(b, "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld}", ptok,
	    ctok);
	js_member_str(b, "rule", inc->rule, 1);
	js_member_str(b, "severity", inc->severity, 1);
	if (inc->title && *inc->title) {
		/* titles come from logs */
		char *t = clean_text(rx, inc->title, SUMMARY_MAX, 1);
		js_member_str(b, "title", t, 0);
		free(t);
	}
	qsort(order, (size_t)inc->ninst, sizeof order[0], by_first);
	js_key(b, "timeline");
	sbuf_addc(b, '[');
	for (int i = 0; i < inc->ninst; i++) {
		sbuf_adds(b, i ? ",{" : "{");
		js_member_str(b, "instance", order[i]->id, 0);
		js_member_int(b, "count", order[i]->count);
		js_member_str(b, "first_ts", order[i]->first_ts, 0);
		js_member_str(b, "last_ts", order[i]->last_ts, 0);
		sbuf_addc(b, '}');
	}
	sbuf_addc(b, ']');
	if (inc->inst_overflow)
		js_member_int(b, "instances_omitted", inc->inst_overflow);
	if (notes && cJSON_GetArraySize(notes) > 0) {
		js_key(b, "notes");
		jo_tree(b, notes);
	}
	sbuf_addc(b, '}');
}
