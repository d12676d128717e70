/* prompt.h - what diagnose tells the LLM (docs/diagnose.md, "Prompt"):
 * a fixed system prompt (role, rules for untrusted log text, the action
 * and category vocabularies, the answer's JSON shape) and one incident
 * message, redacted and sized to a byte budget by collapsing repeated
 * lines, keeping the head and tail of long traces, the context lines
 * nearest the crash and the first occurrence before later ones.
 *
 * Tokens are estimated as PR_BYTES_PER_TOKEN bytes each, which
 * overestimates for English and log text, so the budget holds.
 *
 * Ownership: output is appended to the caller's sbuf. */
#ifndef SH_PROMPT_H
#define SH_PROMPT_H

#include <stddef.h>

#include "incident.h"
#include "util.h"

struct redactor;
struct cJSON;

#define PR_BYTES_PER_TOKEN 3

long pr_tokens(size_t bytes);

/* The system prompt for an incident of app. */
void pr_system(struct sbuf *out, const char *app, int ntools);

/* The incident message, at most max_bytes long. */
void pr_incident(struct incident *inc, struct redactor *rx, size_t max_bytes,
    int ntools, struct sbuf *out);

/* The repair turn: the problems found in the previous answer. */
void pr_repair(struct sbuf *out, const char *problems);

/* The JSON Schema of the answer (for response_format). */
struct cJSON *pr_answer_schema(void);

#endif
