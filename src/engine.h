/* engine.h - remediate's decisions: a diagnosis (or a verb called by a
 * person, a script or an MCP client) becomes `action` records, each the
 * outcome of the same checks in the same order:
 *
 *   1. the action is in the vocabulary, the app is a Fly app name and in
 *      the policy, the action is allowed for it (needs-human actions,
 *      low confidence and an open circuit breaker become one `escalate`
 *      per incident);
 *   2. the target: a machine ID of the incident (unless the policy says
 *      `targets app`), that the Machines API says belongs to the app;
 *   3. not done before for this incident (replays never act twice);
 *      cooldowns, sliding-window rate limits per machine and per app,
 *      machines touched per incident, the memory ceiling and Fly's
 *      per-CPU limits;
 *   4. Fly's own state: not while flyd is still restarting the machine,
 *      restart only a started machine, start only one flyd gave up on,
 *      roll back only when the crash began with the current release;
 *   5. dry-run unless --apply; otherwise claim (state), lease, act, wait
 *      for the expected state, release, record; 409 = a deploy holds the
 *      lease: back off.
 *
 * Every record goes to the audit log first (fsync), then to the emit
 * callback (stdout). When the audit log or the state cannot be written,
 * en->fatal is set and nothing more is done.
 *
 * After an applied repair, with verify_ms, the machine is polled until the
 * window ends and a `verify` record says healed or unhealthy; a later
 * diagnosis with the same fingerprint makes it "recurred". Unhealthy or
 * recurred escalates; an unhealthy memory raise or rollback is undone
 * when the policy says `undo yes`.
 *
 * Ownership: the engine borrows the components it is given (the caller
 * creates and frees them) and owns its pending verifications. */
#ifndef SH_ENGINE_H
#define SH_ENGINE_H

#include <stdint.h>

#include "machines.h"
#include "notify.h"
#include "util.h"

struct cJSON;
struct policy;
struct rstate;
struct audit;
struct verb;

struct en_pending;

struct engine {
	struct mx *mx;
	struct policy *pol;
	struct rstate *st;
	struct audit *au;
	struct notifier *nt;
	int apply;
	int wait_s;                 /* wait for a state: default 60 s */
	int64_t verify_ms;          /* 0: no polling after a repair */
	const char *source;         /* "pipeline", "cli", "mcp" */
	/* each record, after the audit log took it (stdout, or nothing) */
	void (*emit)(void *arg, const struct cJSON *rec, const char *line,
	    size_t n);
	void *emit_arg;
	/* github.pr and github.issue (fixpr.h plugs in here): carry out
	 * action (ACT_PR or ACT_ISSUE) for diag, given the records decided so
	 * far for the incident; fill status ("applied", "dry-run", "denied",
	 * "failed", "skipped"), reason and *result (may stay NULL). NULL:
	 * these actions are skipped as unavailable. */
	void (*github)(void *arg, int action, const struct cJSON *diag,
	    const struct cJSON *records, int apply, struct sbuf *status,
	    struct sbuf *reason, struct cJSON **result);
	void *github_arg;
	struct en_pending *pend;
	int npend;
	int fatal;
	struct sbuf err;            /* why fatal */
	unsigned long diagnoses, skipped_input;
	unsigned long n_applied, n_dryrun, n_denied, n_failed, n_skipped;
};

/* en_init zeroes counters and pending work; the caller fills the rest. */
void en_init(struct engine *en);
void en_release(struct engine *en);

/* en_recover finishes actions that a killed run claimed but did not
 * record: a `failed` record "interrupted" each (never repeated), unless
 * the audit log already holds its outcome. Returns 0 or -1 (fatal). */
int en_recover(struct engine *en);

/* en_diagnosis decides every action of one diagnosis record. Returns 0,
 * or -1 when en->fatal was set. */
int en_diagnosis(struct engine *en, const struct cJSON *diag);

/* en_verb carries out a mutating verb for a person or an MCP client
 * (args validated by vb_check). *rec (may be NULL) gets a copy of the
 * action record. Returns an exit code: 0 applied or dry-run, 69 denied
 * or failed for good, 75 backed off or failed for now, 74 when the audit
 * log could not be written. */
int en_verb(struct engine *en, const struct verb *v, const struct cJSON *args,
    struct cJSON **rec);

/* en_read runs a read-only verb: *out gets its JSON answer. Returns 0, or
 * 69/75 with a message in err. */
int en_read(struct engine *en, const struct verb *v, const struct cJSON *args,
    struct cJSON **out, struct sbuf *err);

/* Pending verifications: the monotonic ms when the next poll is due (-1:
 * none), and one round of polling (with finish set: until all ended). */
int64_t en_due(const struct engine *en);
int en_poll(struct engine *en, int finish);

/* One line for --format text (no newline). */
void en_text_line(const struct cJSON *rec, struct sbuf *out, int color);

#endif
