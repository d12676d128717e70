/* diag.h - the diagnosis record (docs/records.md): the rules backend (the
 * crash rule's hint), validation of an LLM's answer against the diagnosis
 * schema, filling what is invalid from the rules, and the final record.
 *
 * "Fields" below are a cJSON object holding the answer part of a record:
 * summary, root_cause, confidence, category, evidence, actions and an
 * optional patch. Everything text in the output passes the redactor.
 *
 * Ownership: functions returning cJSON * hand a new tree to the caller
 * (cJSON_Delete); inputs are not taken. */
#ifndef SH_DIAG_H
#define SH_DIAG_H

#include "incident.h"
#include "util.h"

struct cJSON;
struct redactor;

#define DG_MAX_EVIDENCE 20
#define DG_MAX_ACTIONS 32

/* Actions that name a machine: machine.restart, machine.start,
 * machine.memory. */
int dg_machine_scoped(const char *action);
int dg_valid_action(const char *action);
int dg_valid_category(const char *category);

/* The rules backend: fields from the first crash's hint and the crash. */
struct cJSON *dg_rules_fields(struct incident *inc, struct redactor *rx);

/* dg_validate checks a model's answer. It returns a new object with the
 * fields that passed (machine-scoped actions without a machine expanded
 * to the incident's machines), appends one line per problem to errs and
 * returns the number of problems. known[0..nknown) are more machine ids of
 * the incident's app (seen in tool results). */
int dg_validate(const struct cJSON *ans, struct incident *inc,
    char *const *known, int nknown, struct redactor *rx,
    struct cJSON **clean, struct sbuf *errs);

/* dg_fill copies into fields every field it lacks from rules and appends
 * a note naming them to notes (an array). Returns how many were filled. */
int dg_fill(struct cJSON *fields, const struct cJSON *rules,
    struct cJSON *notes);

/* dg_drop_patch removes the patch (github.pr actions become
 * github.issue) and notes why. */
void dg_drop_patch(struct cJSON *fields, struct cJSON *notes,
    const char *why);

/* dg_retarget points a cached answer's machine-scoped actions at inc's
 * machines. */
void dg_retarget(struct cJSON *fields, struct incident *inc);

/* dg_record appends the diagnosis record (one JSON object, no newline). */
void dg_record(struct incident *inc, const struct cJSON *fields,
    const char *backend, long prompt_tokens, long completion_tokens,
    const struct cJSON *notes, int cached, struct redactor *rx,
    struct sbuf *out);

#endif
