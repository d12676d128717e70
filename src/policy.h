/* policy.h - what remediate may do, per app: a small line-oriented file
 * (`--policy FILE`, documented in docs/remediate.md and remediate(1);
 * contrib/policy.example allows everything with caps):
 *
 *     # comment
 *     defaults
 *         allow      machine.restart machine.start notify
 *         escalate   machine.memory app.rollback github.pr github.issue
 *         rate       machine.restart 3/1h machine
 *     app shop
 *         allow      machine.restart machine.start machine.memory notify
 *         memory-max 2048
 *
 * `defaults` holds values every app section inherits; an `app NAME`
 * section (NAME may be `*`: any app not named elsewhere) overrides them.
 * An app named in no section is not in the policy: nothing is done for
 * it. Without a file the built-in safe policy applies (pol_default):
 * any app; restart, start and notify allowed; everything else escalates.
 *
 * Ownership: a struct policy owns its app sections; pol_free frees it.
 * Nothing here prints. */
#ifndef SH_POLICY_H
#define SH_POLICY_H

#include <stdint.h>

#include "util.h"

/* The action vocabulary (docs/records.md), as bits for allow sets. */
enum act {
	ACT_RESTART,
	ACT_START,
	ACT_MEMORY,
	ACT_ROLLBACK,
	ACT_NOTIFY,
	ACT_PR,
	ACT_ISSUE,
	ACT_ESCALATE,
	ACT_COUNT,
};
extern const char *const act_names[ACT_COUNT];
/* The action named s, or -1 when s is not in the vocabulary. */
int act_parse(const char *s);
/* Repairs change a machine or an app (restart, start, memory, rollback):
 * they count for the circuit breaker and machines-per-incident. */
int act_is_repair(int a);

#define POL_MAXRULES 16
#define POL_MAXPATHS 16
#define POL_PATHLEN 128

struct pol_rate {
	int action;             /* -1: any repair */
	int count;
	int64_t window_ms;
	int per_app;            /* 0: per machine */
};

struct pol_cooldown {
	int action;             /* -1: any repair */
	int64_t ms;
};

struct pol_app {
	char name[64];          /* "*" for any app */
	unsigned allow;         /* bits (1 << enum act) */
	unsigned escalate;      /* needs a human: becomes `escalate` */
	int memory_max;         /* MB ceiling for machine.memory */
	int memory_add;         /* a raise adds this many MB ... */
	double memory_mul;      /* ... or multiplies by this (when add is 0) */
	int machines_max;       /* machines touched per incident */
	struct pol_rate rate[POL_MAXRULES];
	int nrate;
	struct pol_cooldown cooldown[POL_MAXRULES];
	int ncooldown;
	int breaker_n;          /* N applied repairs of one fingerprint ... */
	int64_t breaker_ms;     /* ... within this window open the breaker */
	int undo;               /* undo memory raise / rollback that failed */
	int targets_app;        /* 1: any machine of the app; 0: only the
	                           incident's machines */
	double min_confidence;  /* below: repairs escalate */
	/* github.pr: path globs a patch may touch (none: any) and may not
	 * touch, besides the built-in refusals (docs/github.md) */
	char allow_paths[POL_MAXPATHS][POL_PATHLEN];
	char deny_paths[POL_MAXPATHS][POL_PATHLEN];
	int nallow_paths, ndeny_paths;
	unsigned set;           /* internal: keys given in this section */
};

struct policy {
	struct pol_app defaults;
	struct pol_app *apps;
	int napps;
	char source[256];       /* file name, or "built-in default" */
};

/* pol_load reads path. Returns a policy, or NULL with "path:line: problem"
 * in err. */
struct policy *pol_load(const char *path, struct sbuf *err);
/* pol_parse parses text (name is used in messages). */
struct policy *pol_parse(const char *text, const char *name, struct sbuf *err);
/* The built-in safe policy. */
struct policy *pol_default(void);
void pol_free(struct policy *p);

/* The section that governs app: its own, else "*", else NULL (the app is
 * not in the policy). */
const struct pol_app *pol_app(const struct policy *p, const char *app);

/* pol_describe appends the effective policy of one section as the file
 * format (remediate policy --app A shows it). */
void pol_describe(const struct pol_app *a, struct sbuf *out);

#endif
