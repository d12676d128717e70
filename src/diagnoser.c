/* diagnoser.c - see diagnoser.h. The order for each incident: a fresh
 * cached diagnosis of the same app and fingerprint; else the LLM agent
 * (its answer validated, what is invalid filled from the rules, a patch
 * checked with git apply); else, and on any failure, the rules backend. */
#include "diagnoser.h"
#include "diag.h"
#include "fsutil.h"
#include "json.h"
#include "prompt.h"
#include "redact.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char *
env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int
dz_pick(struct dz_config *c)
{
	const char *skey = env("SELFHEAL_LLM_KEY");
	const char *oai = skey ? skey : env("OPENAI_API_KEY");
	const char *ant = env("ANTHROPIC_API_KEY");

	if (!c->backend)
		c->backend = c->url || oai ? "openai" : ant ? "anthropic" :
		    "rules";
	if (!strcmp(c->backend, "openai"))
		c->key = oai;
	else if (!strcmp(c->backend, "anthropic"))
		c->key = skey ? skey : ant;
	else if (strcmp(c->backend, "rules"))
		return -1;
	if (!c->model)
		c->model = env("SELFHEAL_LLM_MODEL");
	if (!c->model || !*c->model)
		c->model = !strcmp(c->backend, "anthropic") ?
		    "claude-sonnet-4-5" : "gpt-4.1-mini";
	return 0;
}

int
dz_open(struct diagnoser *z, const struct dz_config *c, struct sbuf *err,
    int *code)
{
	unsigned char key[RX_KEYLEN];
	enum llm_kind kind = !strcmp(c->backend, "openai") ? LLM_OPENAI :
	    !strcmp(c->backend, "anthropic") ? LLM_ANTHROPIC : 0;

	memset(z, 0, sizeof *z);
	z->tools.repo_fd = -1;
	z->max_steps = c->max_steps;
	z->max_tokens = c->max_tokens;
	z->deadline_ms = c->deadline_ms;
	*code = EX_CANTCREAT;
	if (fs_mkdirs(c->statedir) < 0) {
		sbuf_addf(err, "state directory %s: %s", c->statedir,
		    strerror(errno));
		return -1;
	}
	if (rx_load_key(c->statedir, key, err))
		return -1;
	z->rx = rx_new(key);
	explicit_bzero(key, sizeof key);
	if (!z->rx) {
		*code = EX_SOFTWARE;
		sbuf_addf(err, "built-in redaction patterns do not compile");
		return -1;
	}
	if (c->redact_file && rx_add_file(z->rx, c->redact_file, err)) {
		*code = errno == ENOENT ? EX_NOINPUT : EX_CONFIG;
		return -1;
	}
	if (budget_open(&z->bud, c->statedir, c->budget_tokens, c->budget_daily,
	    err))
		return -1;
	*code = EX_NOINPUT;
	if (at_init(&z->tools, c->repo, c->remediate, z->rx, err))
		return -1;
	if (kind) {
		*code = EX_USAGE;
		if (llm_init(&z->llm, kind, c->url, c->model, c->key, err))
			return -1;
		z->have_llm = 1;
	}
	dc_open(&z->cache, c->statedir, z->have_llm ? c->cache_ttl_ms : 0);
	*code = 0;
	return 0;
}

void
dz_close(struct diagnoser *z)
{
	dc_close(&z->cache);
	if (z->have_llm)
		llm_release(&z->llm);
	at_release(&z->tools);
	budget_release(&z->bud);
	rx_free(z->rx);
	memset(z, 0, sizeof *z);
}

static void
note(cJSON *notes, const char *fmt, const char *a, const char *b)
{
	struct sbuf s;
	sbuf_init(&s);
	sbuf_addf(&s, fmt, a, b);
	cJSON_AddItemToArray(notes, cJSON_CreateString(s.s));
	sbuf_release(&s);
}

/* Run the agent; returns the answer's fields, or NULL with the reason
 * noted (and in warn). */
static cJSON *
ask_llm(struct diagnoser *z, struct incident *inc, const cJSON *rules,
    cJSON *notes, long *ptok, long *ctok, struct sbuf *warn)
{
	struct llm_job j = { 0 };
	struct sbuf sys, msg, why;
	cJSON *f = NULL, *tl;
	size_t max = (size_t)z->max_tokens * PR_BYTES_PER_TOKEN;
	int ntools;

	at_begin(&z->tools, inc->app, sh_now_mono_ms() + z->deadline_ms);
	tl = at_schemas(&z->tools);
	ntools = cJSON_GetArraySize(tl);
	cJSON_Delete(tl);
	sbuf_init(&sys);
	sbuf_init(&msg);
	sbuf_init(&why);
	pr_system(&sys, inc->app, ntools);
	/* --max-tokens covers the system prompt and the incident message */
	pr_incident(inc, z->rx, max > sys.len + 256 ? max - sys.len : 256,
	    ntools, &msg);
	j.system = sys.s;
	j.prompt = msg.s;
	j.tools = &z->tools;
	j.budget = &z->bud;
	j.inc = inc;
	j.rx = z->rx;
	j.deadline = z->tools.deadline;
	j.max_steps = z->max_steps;
	if (llm_run(&z->llm, &j) == 0) {
		f = j.fields;
		if (j.problems) {
			dg_fill(f, rules, notes);
			note(notes, "%s%s", "the LLM's answer still had problems after a "
			    "repair turn; invalid parts were dropped", "");
		}
		const char *diff = js_get_str(f, "patch.diff");
		if (diff && at_patch_check(&z->tools, diff, &why) < 0)
			dg_drop_patch(f, notes, why.s);
		if (!j.problems)
			dc_put(&z->cache, inc->app, inc->fp, f);
		z->n_llm++;
	} else {
		const char *kind = j.budget_hit == BUDGET_DAILY ? "daily token budget "
		    "spent" : j.budget_hit ? "per-incident token budget spent" :
		    "LLM failed";
		sbuf_addf(warn, "%s: %s: %s; the rules backend answers", inc->id,
		    z->llm.backend, j.why);
		note(notes, "%s: %s; the rules backend answered", kind, j.why);
		z->n_fallback++;
	}
	*ptok = j.prompt_tokens;
	*ctok = j.completion_tokens;
	sbuf_release(&sys);
	sbuf_release(&msg);
	sbuf_release(&why);
	return f;
}

void
dz_diagnose(struct diagnoser *z, struct incident *inc, int stopping,
    struct sbuf *rec, struct sbuf *warn)
{
	cJSON *notes = cJSON_CreateArray(), *rules, *f = NULL;
	const char *backend = "rules";
	long ptok = 0, ctok = 0;
	int cached = 0;

	rules = dg_rules_fields(inc, z->rx);
	if (z->have_llm && (f = dc_get(&z->cache, inc->app, inc->fp))) {
		dg_retarget(f, inc);
		backend = z->llm.backend;
		cached = 1;
		z->n_cached++;
		note(notes, "%s%s", "reused the cached diagnosis of this fingerprint",
		    "");
	} else if (z->have_llm && stopping) {
		note(notes, "%s%s", "diagnose was stopping; the LLM was not asked", "");
	} else if (z->have_llm) {
		if ((f = ask_llm(z, inc, rules, notes, &ptok, &ctok, warn)))
			backend = z->llm.backend;
	}
	if (!f) {
		f = rules;
		rules = NULL;
		z->n_rules++;
	}
	if (inc->inst_overflow)
		note(notes, "%s%s", "more machines crashed than are listed", "");
	dg_record(inc, f, backend, ptok, ctok, notes, cached, z->rx, rec);
	z->n_diag++;
	cJSON_Delete(rules);
	cJSON_Delete(f);
	cJSON_Delete(notes);
}

void
dz_summary(const struct diagnoser *z, struct sbuf *b)
{
	if (!z->have_llm)
		return;
	sbuf_addf(b, "%lu incident%s: %lu by %s, %lu cached, %lu by rules (%lu "
	    "after an LLM failure); %lu LLM request%s (%lu retried), %ld prompt + "
	    "%ld completion tokens", z->n_diag, z->n_diag == 1 ? "" : "s",
	    z->n_llm, z->llm.backend, z->n_cached, z->n_rules, z->n_fallback,
	    z->llm.requests, z->llm.requests == 1 ? "" : "s", z->llm.retries,
	    z->llm.prompt_tokens, z->llm.completion_tokens);
}
