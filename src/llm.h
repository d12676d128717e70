/* llm.h - the LLM clients (OpenAI Chat Completions and compatible servers;
 * Anthropic Messages) and the agent loop that diagnoses one incident:
 * the incident message, tool rounds (agenttools.h), the final JSON answer
 * validated against the diagnosis schema (diag.h), one repair turn.
 *
 * Faults are retried as the official SDKs do (shared/reference/protocols.md
 * section 0): 408, 409, 429, 5xx, resets and timeouts, honouring
 * retry-after-ms / Retry-After (at most 60 s) or else a jittered backoff
 * (0.5 s doubling to 8 s), all within the incident's deadline; every
 * request's timeout is the time left. A 400 naming a feature the server
 * does not support (response_format, tools, max_completion_tokens) drops
 * that feature for the rest of the run and retries at once. Anything
 * else ends the run, and the caller falls back to the rules backend.
 *
 * Ownership: struct llm owns its HTTP client (and the key, wiped on
 * release); a job's fields are a tree the caller frees. */
#ifndef SH_LLM_H
#define SH_LLM_H

#include <stdint.h>

#include "http.h"
#include "util.h"

struct cJSON;
struct agent_tools;
struct budget;
struct incident;
struct redactor;

enum llm_kind { LLM_OPENAI = 1, LLM_ANTHROPIC };

#define LLM_MAX_OUTPUT 2048
#define LLM_MAX_ATTEMPTS 5
#define LLM_RETRY_AFTER_MAX_MS 60000

struct llm {
	enum llm_kind kind;
	char *url;                /* the endpoint */
	char *model;
	char backend[160];        /* "openai:MODEL" */
	struct http_client http;
	int max_output;
	/* learned from the server's 400s */
	int no_response_format, no_tools, use_max_tokens;
	/* totals for the summary at exit */
	unsigned long requests, retries, errors;
	long prompt_tokens, completion_tokens;
};

/* llm_init prepares a client for base (NULL: the provider's default). key
 * may be NULL (local servers). Returns 0, or -1 with a message in err. */
int llm_init(struct llm *l, enum llm_kind kind, const char *base,
    const char *model, const char *key, struct sbuf *err);
void llm_release(struct llm *l);

struct llm_job {
	/* in */
	const char *system, *prompt;
	struct agent_tools *tools;
	struct budget *budget;
	struct incident *inc;
	struct redactor *rx;
	int64_t deadline;         /* monotonic ms */
	int max_steps;
	/* out */
	struct cJSON *fields;     /* validated answer fields (may lack some) */
	int problems;             /* problems left after the repair turn */
	long prompt_tokens, completion_tokens;
	int requests, tool_calls, repaired;
	int budget_hit;           /* BUDGET_INCIDENT or BUDGET_DAILY */
	char why[320];            /* when llm_run fails */
};

/* One reply of the model, as parsed from a 200 response body. */
#define LLM_MAX_CALLS 16          /* tool calls taken from one reply */

struct llm_call {
	char *id, *name;          /* never NULL (a missing id is made up) */
	struct cJSON *args;       /* an object; NULL when argerr is set */
	const char *argerr;       /* what to tell the model about its args */
};

struct llm_reply {
	char *text;               /* the answer text ("" when none) */
	struct llm_call calls[LLM_MAX_CALLS];
	int ncalls;
	struct cJSON *assistant;  /* the message to echo in the conversation */
	long in, out;             /* usage; -1 when the body gave none */
};

/* llm_parse_reply parses a Chat Completions (LLM_OPENAI) or Messages
 * (LLM_ANTHROPIC) response body s[0..n) into r, which it initializes.
 * Returns 0, or -1 when the body is not such a response. Either way the
 * caller releases r with llm_reply_release. llm_run uses it for every
 * reply (and tests/fuzz/fuzz_llm.c feeds it arbitrary bytes). */
int llm_parse_reply(enum llm_kind kind, const char *s, size_t n,
    struct llm_reply *r);
void llm_reply_release(struct llm_reply *r);

/* llm_error_text writes a one-line description of a failed response: the
 * status and the error message of a JSON error body in any of the shapes
 * servers use, else http_error_text's. */
void llm_error_text(const struct http_resp *r, char *out, size_t n);

/* llm_run runs the agent for one incident. Returns 0 with job->fields
 * set, or -1 with job->why saying what went wrong (the caller then uses
 * the rules backend). */
int llm_run(struct llm *l, struct llm_job *job);

#endif
