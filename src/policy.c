/* policy.c - see policy.h. The parser is strict: an unknown key, action,
 * unit or a duplicate app section is an error with its line, because a
 * typo in a safety file must not silently widen or narrow what happens. */
#include "policy.h"
#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const act_names[ACT_COUNT] = {
	"machine.restart", "machine.start", "machine.memory", "app.rollback",
	"notify", "github.pr", "github.issue", "escalate",
};

int
act_parse(const char *s)
{
	for (int i = 0; s && i < ACT_COUNT; i++)
		if (!strcmp(s, act_names[i]))
			return i;
	return -1;
}

int
act_is_repair(int a)
{
	return a == ACT_RESTART || a == ACT_START || a == ACT_MEMORY ||
	    a == ACT_ROLLBACK;
}

enum {
	S_ALLOW = 1 << 0, S_ESCALATE = 1 << 1, S_MEMMAX = 1 << 2,
	S_MEMSTEP = 1 << 3, S_MACHINES = 1 << 4, S_BREAKER = 1 << 5,
	S_UNDO = 1 << 6, S_TARGETS = 1 << 7, S_CONF = 1 << 8,
	S_ALLOWP = 1 << 9, S_DENYP = 1 << 10,
};

#define BIT(a) (1u << (a))

static void
base(struct pol_app *a)
{
	/* what a section means before any key: allow nothing, escalate every
	 * repair and github action, conservative caps */
	memset(a, 0, sizeof *a);
	a->escalate = BIT(ACT_RESTART) | BIT(ACT_START) | BIT(ACT_MEMORY) |
	    BIT(ACT_ROLLBACK) | BIT(ACT_PR) | BIT(ACT_ISSUE);
	a->memory_max = 2048;
	a->memory_mul = 2;
	a->machines_max = 1;
	a->breaker_n = 3;
	a->breaker_ms = 3600 * 1000;
}

struct parser {
	const char *name;
	int line;
	struct sbuf *err;
};

static int
fail(struct parser *ps, const char *fmt, const char *arg)
{
	sbuf_addf(ps->err, "%s:%d: ", ps->name, ps->line);
	sbuf_addf(ps->err, fmt, arg);
	return -1;
}

static int
actions(struct parser *ps, char **w, int n, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "none"))
			continue;
		int a = act_parse(w[i]);
		if (a < 0)
			return fail(ps, "unknown action \"%.64s\"", w[i]);
		*out |= BIT(a);
	}
	return 0;
}

static int
action_or_any(struct parser *ps, const char *w, int *out)
{
	if (!strcmp(w, "*")) {
		*out = -1;
		return 0;
	}
	*out = act_parse(w);
	if (*out < 0)
		return fail(ps, "unknown action \"%.64s\" (or * for any repair)", w);
	return 0;
}

static int
duration(struct parser *ps, const char *w, int64_t *ms)
{
	if (sh_parse_duration_ms(w, ms) || *ms <= 0 || *ms > 366LL * 86400000)
		return fail(ps, "bad duration \"%.32s\" (500ms, 30s, 10m, 1h)", w);
	return 0;
}

static int
integer(struct parser *ps, const char *w, long lo, long hi, int *out)
{
	long v;
	if (sh_parse_long(w, lo, hi, &v)) {
		sbuf_addf(ps->err, "%s:%d: \"%.32s\" must be an integer from %ld "
		    "to %ld", ps->name, ps->line, w, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* "3/1h" */
static int
count_window(struct parser *ps, char *w, int *n, int64_t *ms)
{
	char *slash = strchr(w, '/');
	if (!slash)
		return fail(ps, "want COUNT/WINDOW (3/1h), not \"%.32s\"", w);
	*slash = '\0';
	if (integer(ps, w, 1, 100000, n) || duration(ps, slash + 1, ms))
		return -1;
	return 0;
}

static int
key(struct parser *ps, struct pol_app *a, char **w, int n)
{
	const char *k = w[0];

	if (!strcmp(k, "allow") || !strcmp(k, "escalate")) {
		unsigned set;
		if (actions(ps, w + 1, n - 1, &set))
			return -1;
		if (set & BIT(ACT_ESCALATE))
			return fail(ps, "%s: escalate is always allowed; do not list "
			    "it", k);
		if (k[0] == 'a') {
			a->allow = set;
			a->escalate &= ~set;
			a->set |= S_ALLOW;
		} else {
			a->escalate = set;
			a->allow &= ~set;
			a->set |= S_ESCALATE;
		}
		return 0;
	}
	if (!strcmp(k, "rate")) {
		struct pol_rate r;
		if (n != 4)
			return fail(ps, "%s", "rate: want ACTION|* COUNT/WINDOW "
			    "machine|app");
		if (a->nrate == POL_MAXRULES)
			return fail(ps, "%s", "too many rate lines");
		if (action_or_any(ps, w[1], &r.action) ||
		    count_window(ps, w[2], &r.count, &r.window_ms))
			return -1;
		if (strcmp(w[3], "machine") && strcmp(w[3], "app"))
			return fail(ps, "rate: per \"machine\" or \"app\", not "
			    "\"%.32s\"", w[3]);
		r.per_app = !strcmp(w[3], "app");
		a->rate[a->nrate++] = r;
		return 0;
	}
	if (!strcmp(k, "cooldown")) {
		struct pol_cooldown c;
		if (n != 3)
			return fail(ps, "%s", "cooldown: want ACTION|* DURATION");
		if (a->ncooldown == POL_MAXRULES)
			return fail(ps, "%s", "too many cooldown lines");
		if (action_or_any(ps, w[1], &c.action) || duration(ps, w[2], &c.ms))
			return -1;
		a->cooldown[a->ncooldown++] = c;
		return 0;
	}
	if (!strcmp(k, "allow-paths") || !strcmp(k, "deny-paths")) {
		int allow = k[0] == 'a';
		char (*v)[POL_PATHLEN] = allow ? a->allow_paths : a->deny_paths;
		int *nv = allow ? &a->nallow_paths : &a->ndeny_paths;
		if (n < 2)
			return fail(ps, "%s: want one or more path globs", k);
		for (int i = 1; i < n; i++) {
			if (*nv == POL_MAXPATHS)
				return fail(ps, "%s: at most 16 globs", k);
			if (strlen(w[i]) >= POL_PATHLEN)
				return fail(ps, "%s: a glob longer than 127 bytes", k);
			strcpy(v[(*nv)++], w[i]);
		}
		a->set |= allow ? S_ALLOWP : S_DENYP;
		return 0;
	}
	if (n != 2)
		return fail(ps, "%s: want one value", k);
	if (!strcmp(k, "memory-max")) {
		a->set |= S_MEMMAX;
		return integer(ps, w[1], 256, 131072, &a->memory_max);
	}
	if (!strcmp(k, "memory-step")) {
		size_t l = strlen(w[1]);
		a->set |= S_MEMSTEP;
		if (w[1][0] == '+') {
			a->memory_mul = 0;
			return integer(ps, w[1] + 1, 256, 65536, &a->memory_add);
		}
		if (l >= 2 && w[1][l - 1] == 'x') {
			char *end;
			double m = strtod(w[1], &end);
			if (end == w[1] + l - 1 && m >= 1.1 && m <= 4) {
				a->memory_mul = m;
				a->memory_add = 0;
				return 0;
			}
		}
		return fail(ps, "memory-step: want +MB (+512) or a factor from "
		    "1.1x to 4x, not \"%.32s\"", w[1]);
	}
	if (!strcmp(k, "machines-max")) {
		a->set |= S_MACHINES;
		return integer(ps, w[1], 1, 1000, &a->machines_max);
	}
	if (!strcmp(k, "breaker")) {
		a->set |= S_BREAKER;
		return count_window(ps, w[1], &a->breaker_n, &a->breaker_ms);
	}
	if (!strcmp(k, "undo") || !strcmp(k, "targets")) {
		const char *yes = k[0] == 'u' ? "yes" : "app";
		const char *no = k[0] == 'u' ? "no" : "incident";
		if (strcmp(w[1], yes) && strcmp(w[1], no)) {
			sbuf_addf(ps->err, "%s:%d: %s: want %s or %s", ps->name,
			    ps->line, k, yes, no);
			return -1;
		}
		if (k[0] == 'u') {
			a->undo = !strcmp(w[1], yes);
			a->set |= S_UNDO;
		} else {
			a->targets_app = !strcmp(w[1], yes);
			a->set |= S_TARGETS;
		}
		return 0;
	}
	if (!strcmp(k, "min-confidence")) {
		char *end;
		double c = strtod(w[1], &end);
		if (*end || end == w[1] || c < 0 || c > 1)
			return fail(ps, "min-confidence: want 0 to 1, not \"%.32s\"",
			    w[1]);
		a->min_confidence = c;
		a->set |= S_CONF;
		return 0;
	}
	return fail(ps, "unknown key \"%.64s\"", k);
}

/* An app section starts from the defaults' values; rate and cooldown
 * lines add to the defaults' ones. Applied after the whole file is read,
 * so `defaults` may come anywhere. */
static void
inherit(struct pol_app *a, const struct pol_app *d)
{
	struct pol_app own = *a;

	*a = *d;
	memcpy(a->name, own.name, sizeof a->name);
	if (own.set & S_ALLOW) {
		a->allow = own.allow;
		a->escalate &= ~own.allow;
	}
	if (own.set & S_ESCALATE) {
		a->escalate = own.escalate;
		a->allow &= ~own.escalate;
	}
	if (own.set & S_MEMMAX)
		a->memory_max = own.memory_max;
	if (own.set & S_MEMSTEP) {
		a->memory_add = own.memory_add;
		a->memory_mul = own.memory_mul;
	}
	if (own.set & S_MACHINES)
		a->machines_max = own.machines_max;
	if (own.set & S_BREAKER) {
		a->breaker_n = own.breaker_n;
		a->breaker_ms = own.breaker_ms;
	}
	if (own.set & S_UNDO)
		a->undo = own.undo;
	if (own.set & S_TARGETS)
		a->targets_app = own.targets_app;
	if (own.set & S_CONF)
		a->min_confidence = own.min_confidence;
	if (own.set & S_ALLOWP) {
		memcpy(a->allow_paths, own.allow_paths, sizeof a->allow_paths);
		a->nallow_paths = own.nallow_paths;
	}
	if (own.set & S_DENYP) {
		memcpy(a->deny_paths, own.deny_paths, sizeof a->deny_paths);
		a->ndeny_paths = own.ndeny_paths;
	}
	for (int i = 0; i < own.nrate && a->nrate < POL_MAXRULES; i++)
		a->rate[a->nrate++] = own.rate[i];
	for (int i = 0; i < own.ncooldown && a->ncooldown < POL_MAXRULES; i++)
		a->cooldown[a->ncooldown++] = own.cooldown[i];
	a->set = own.set;
}

#define MAXWORDS 16

struct policy *
pol_parse(const char *text, const char *name, struct sbuf *err)
{
	struct policy *p = xcalloc(1, sizeof *p);
	struct parser ps = { name, 0, err };
	struct pol_app *cur = NULL;
	int have_defaults = 0;
	const char *s = text;

	base(&p->defaults);
	snprintf(p->source, sizeof p->source, "%s", name);
	while (*s) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n), *w[MAXWORDS], *save = NULL;
		int nw = 0, rc = 0;

		s += n + (s[n] == '\n');
		ps.line++;
		for (char *t = strtok_r(line, " \t\r", &save); t && nw < MAXWORDS;
		    t = strtok_r(NULL, " \t\r", &save)) {
			if (nw == 0 && t[0] == '#')
				break;
			if (t[0] == '#')   /* a trailing comment */
				break;
			w[nw++] = t;
		}
		if (nw == MAXWORDS)
			rc = fail(&ps, "%s", "too many words on the line");
		else if (nw == 0)
			;
		else if (!strcmp(w[0], "defaults")) {
			if (nw != 1 || have_defaults)
				rc = fail(&ps, "%s", nw != 1 ? "defaults takes no value" :
				    "a second defaults section");
			have_defaults = 1;
			cur = &p->defaults;
		} else if (!strcmp(w[0], "app")) {
			if (nw != 2 || (strcmp(w[1], "*") && strlen(w[1]) >= 64))
				rc = fail(&ps, "%s", "app: want one app name (or *)");
			for (int i = 0; !rc && i < p->napps; i++)
				if (!strcmp(p->apps[i].name, w[1]))
					rc = fail(&ps, "a second section for app \"%s\"", w[1]);
			if (!rc) {
				p->apps = xrealloc(p->apps, (size_t)(p->napps + 1) *
				    sizeof *p->apps);
				cur = &p->apps[p->napps++];
				memset(cur, 0, sizeof *cur);
				snprintf(cur->name, sizeof cur->name, "%s", w[1]);
			}
		} else if (!cur) {
			rc = fail(&ps, "\"%.64s\" outside a defaults or app section",
			    w[0]);
		} else {
			rc = key(&ps, cur, w, nw);
		}
		free(line);
		if (rc) {
			pol_free(p);
			return NULL;
		}
	}
	for (int i = 0; i < p->napps; i++)
		inherit(&p->apps[i], &p->defaults);
	return p;
}

struct policy *
pol_load(const char *path, struct sbuf *err)
{
	size_t n;
	char *text = fs_read_file(path, 1 << 20, &n);
	struct policy *p;

	if (!text) {
		sbuf_addf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (strlen(text) != n) {
		sbuf_addf(err, "%s: holds a NUL byte", path);
		free(text);
		return NULL;
	}
	p = pol_parse(text, path, err);
	free(text);
	return p;
}

/* The built-in policy, written in the file format so that it reads the
 * same as a user's and docs/remediate.md can quote it. */
static const char default_text[] =
    "defaults\n"
    "    allow        machine.restart machine.start notify\n"
    "    escalate     machine.memory app.rollback github.pr github.issue\n"
    "    machines-max 1\n"
    "    rate         machine.restart 3/1h machine\n"
    "    rate         machine.start 3/1h machine\n"
    "    rate         * 6/1h app\n"
    "    cooldown     * 5m\n"
    "    breaker      3/1h\n"
    "    undo         no\n"
    "    targets      incident\n"
    "app *\n";

struct policy *
pol_default(void)
{
	struct sbuf err;
	struct policy *p;

	sbuf_init(&err);
	p = pol_parse(default_text, "built-in default", &err);
	sbuf_release(&err);
	return p;
}

void
pol_free(struct policy *p)
{
	if (!p)
		return;
	free(p->apps);
	free(p);
}

const struct pol_app *
pol_app(const struct policy *p, const char *app)
{
	const struct pol_app *any = NULL;

	for (int i = 0; app && i < p->napps; i++) {
		if (!strcmp(p->apps[i].name, app))
			return &p->apps[i];
		if (!strcmp(p->apps[i].name, "*"))
			any = &p->apps[i];
	}
	return any;
}

static void
dur(struct sbuf *out, int64_t ms)
{
	if (ms % 3600000 == 0)
		sbuf_addf(out, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		sbuf_addf(out, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		sbuf_addf(out, "%llds", (long long)(ms / 1000));
	else
		sbuf_addf(out, "%lldms", (long long)ms);
}

static void
set_line(struct sbuf *out, const char *k, unsigned set)
{
	sbuf_addf(out, "    %-14s", k);
	if (!set)
		sbuf_adds(out, " none");
	for (int i = 0; i < ACT_COUNT; i++)
		if (set & BIT(i))
			sbuf_addf(out, " %s", act_names[i]);
	sbuf_addc(out, '\n');
}

void
pol_describe(const struct pol_app *a, struct sbuf *out)
{
	sbuf_addf(out, "app %s\n", a->name);
	set_line(out, "allow", a->allow);
	set_line(out, "escalate", a->escalate);
	sbuf_addf(out, "    %-14s %d\n", "memory-max", a->memory_max);
	if (a->memory_add)
		sbuf_addf(out, "    %-14s +%d\n", "memory-step", a->memory_add);
	else
		sbuf_addf(out, "    %-14s %gx\n", "memory-step", a->memory_mul);
	sbuf_addf(out, "    %-14s %d\n", "machines-max", a->machines_max);
	for (int i = 0; i < a->nrate; i++) {
		sbuf_addf(out, "    %-14s %s %d/", "rate", a->rate[i].action < 0 ?
		    "*" : act_names[a->rate[i].action], a->rate[i].count);
		dur(out, a->rate[i].window_ms);
		sbuf_addf(out, " %s\n", a->rate[i].per_app ? "app" : "machine");
	}
	for (int i = 0; i < a->ncooldown; i++) {
		sbuf_addf(out, "    %-14s %s ", "cooldown", a->cooldown[i].action < 0 ?
		    "*" : act_names[a->cooldown[i].action]);
		dur(out, a->cooldown[i].ms);
		sbuf_addc(out, '\n');
	}
	sbuf_addf(out, "    %-14s %d/", "breaker", a->breaker_n);
	dur(out, a->breaker_ms);
	sbuf_addc(out, '\n');
	sbuf_addf(out, "    %-14s %s\n", "undo", a->undo ? "yes" : "no");
	sbuf_addf(out, "    %-14s %s\n", "targets", a->targets_app ? "app" :
	    "incident");
	sbuf_addf(out, "    %-14s %g\n", "min-confidence", a->min_confidence);
	for (int k = 0; k < 2; k++) {
		int nv = k ? a->ndeny_paths : a->nallow_paths;
		if (!nv)
			continue;
		sbuf_addf(out, "    %-14s", k ? "deny-paths" : "allow-paths");
		for (int i = 0; i < nv; i++)
			sbuf_addf(out, " %s", k ? a->deny_paths[i] : a->allow_paths[i]);
		sbuf_addc(out, '\n');
	}
}
