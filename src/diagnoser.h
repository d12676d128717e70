/* diagnoser.h - one incident in, one diagnosis record out: the cache, the
 * LLM agent (llm.h with agenttools.h, within budget.h's limits), and the
 * rules backend for everything else, with redaction throughout. diagnose's
 * main loop (incidents, spool, output) sits on top of this.
 *
 * Ownership: a struct diagnoser owns the redactor, the budget, the cache,
 * the tools and the LLM client; dz_close releases them. */
#ifndef SH_DIAGNOSER_H
#define SH_DIAGNOSER_H

#include <stdint.h>

#include "agenttools.h"
#include "budget.h"
#include "dcache.h"
#include "incident.h"
#include "llm.h"
#include "util.h"

struct redactor;

struct dz_config {
	const char *statedir;     /* created 0700; holds the key, budget, cache */
	const char *backend;      /* "rules", "openai", "anthropic" */
	const char *url, *model, *key;
	const char *repo, *remediate, *redact_file;
	int64_t cache_ttl_ms, deadline_ms;
	long budget_tokens, budget_daily, max_tokens;
	int max_steps;
};

struct diagnoser {
	struct redactor *rx;
	struct budget bud;
	struct dcache cache;
	struct agent_tools tools;
	struct llm llm;
	int have_llm, max_steps;
	long max_tokens;
	int64_t deadline_ms;
	unsigned long n_diag, n_llm, n_cached, n_rules, n_fallback;
};

/* dz_pick fills in what the options left out from the environment: the
 * backend (openai with --llm-url or an OpenAI key, anthropic with an
 * Anthropic key, else rules), its key (SELFHEAL_LLM_KEY first, then
 * OPENAI_API_KEY or ANTHROPIC_API_KEY) and the model (SELFHEAL_LLM_MODEL,
 * else the backend's default). Returns -1 for an unknown backend. */
int dz_pick(struct dz_config *c);

/* dz_open sets everything up. Returns 0, or -1 with a message in err and
 * the exit code to use in *code (66 a missing file, 73 the state
 * directory, 78 bad redaction patterns, 64 a bad URL). */
int dz_open(struct diagnoser *z, const struct dz_config *c, struct sbuf *err,
    int *code);
void dz_close(struct diagnoser *z);

/* dz_diagnose appends inc's diagnosis record (one JSON object, no newline)
 * to rec. With stopping set the LLM is not asked. When the LLM failed or a
 * budget was spent, a one-line message for stderr is appended to warn. */
void dz_diagnose(struct diagnoser *z, struct incident *inc, int stopping,
    struct sbuf *rec, struct sbuf *warn);

/* The token summary for stderr at exit (empty without an LLM). */
void dz_summary(const struct diagnoser *z, struct sbuf *out);

#endif
