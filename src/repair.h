/* repair.h - one repair through the Machines API, in two steps: rp_plan
 * reads what it needs (the machine, its versions, the app's machines) and
 * decides whether and how (the target exists in the app, Fly's state
 * allows it, the memory and machine caps hold), without changing
 * anything, so a dry run sends no mutating request; rp_apply then, per
 * target machine: takes the lease, re-reads the machine under it, sends
 * the change (with the lease nonce), waits for the machine to be started,
 * releases the lease.
 *
 * Ownership: rp_plan fills a caller's struct rp_plan (released with
 * rp_plan_release); rp_apply fills a struct rp_outcome whose result and
 * undo trees the caller takes. Nothing here prints. */
#ifndef SH_REPAIR_H
#define SH_REPAIR_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct mx;

struct rp_params {
	long memory_mb;             /* 0: let the policy's step decide */
	const char *signal;         /* restart: NULL for the machine's own */
	int timeout_s;              /* restart: 0 for Fly's default */
	const char *image;          /* rollback: NULL for the previous one */
};

#define RP_MAXTARGETS 64

struct rp_target {
	char id[48];
	long mem_from, mem_to;
	char img_from[256], img_to[256];
	struct cJSON *undo;         /* {"memory_mb":N} or {"image":REF} */
};

struct rp_plan {
	/* in */
	int action;                 /* enum act */
	const char *app, *machine;  /* machine NULL: rollback all */
	int memory_max, memory_add;
	double memory_mul;
	int machines_max;
	const char *first_ts;       /* incident start, for rollback */
	int automatic;              /* from a diagnosis: Fly-aware skips */
	int64_t now;                /* wall-clock ms */
	const struct cJSON *undo;   /* an undo: the values to restore */
	/* out */
	char signal[16];
	int timeout_s;
	struct rp_target targets[RP_MAXTARGETS];
	int ntargets;
	struct cJSON *preview;      /* what would change (the record's result) */
	char summary[300];          /* "would restart machine X" */
};

enum {
	RP_OK,          /* planned */
	RP_DENY,        /* refused: the reason says why */
	RP_ESCALATE,    /* refused, and a human should hear of it */
	RP_SKIP,        /* nothing to do now (Fly is on it, already so) */
	RP_FAIL,        /* could not read what was needed */
};

/* rp_plan fills plan->targets etc.; p may be NULL for an undo. Returns an
 * RP_* code, with the reason in why unless RP_OK. */
int rp_plan(struct mx *mx, const struct rp_params *p, struct rp_plan *plan,
    char *why, size_t n);
void rp_plan_release(struct rp_plan *plan);

struct rp_outcome {
	char status[12];            /* applied, failed, skipped */
	char reason[600];
	struct cJSON *result;
	struct cJSON *undo;         /* unused; NULL */
};

enum {
	RP_APPLIED = 1,     /* done and confirmed */
	RP_FAILED,          /* a change was sent; it did not end well */
	RP_NOCHANGE,        /* failed before anything was changed */
	RP_BACKOFF,         /* 409: someone else holds the lease */
};

/* rp_apply carries out plan (wait_s: how long to wait for "started").
 * Returns RP_APPLIED, RP_FAILED, RP_NOCHANGE or RP_BACKOFF. */
int rp_apply(struct mx *mx, struct rp_plan *plan, int wait_s,
    const char *incident, struct rp_outcome *out);

#endif
