/* rules.h - crash rules: load rule files, compile their PCRE2 patterns and
 * decide which rule a log message starts. The file format is in
 * docs/rules.md.
 *
 * Ownership: a ruleset owns its rules, patterns and prefilter; rs_free
 * releases everything. Strings returned point into the ruleset. */
#ifndef SH_RULES_H
#define SH_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "literal.h"
#include "util.h"

enum pat_kind { PK_MATCH, PK_EXCLUDE, PK_CONTINUE, PK_END, PK_TITLE,
	PK_FRAME, PK_N };

struct pattern {
	pcre2_code *code;
	pcre2_match_data *md;
	char *src;
	int line;
	struct litset lits;   /* PK_MATCH only; n == 0 when none usable */
};

struct example {
	char *text;
	int line;
	int must;             /* 1 example, 0 nomatch */
};

struct rule {
	char *name, *file;
	int line, order, priority;
	const char *category, *severity;
	struct pattern *pats[PK_N];
	int npats[PK_N];
	int max_lines;
	int64_t gap_ms;
	char *cause;
	char **actions;
	int nactions;
	struct example *ex;
	int nex;
};

struct pf;

struct ruleset {
	struct rule **r;
	int n;
	/* match patterns by global id, for the prefilter */
	struct { int rule, pat; } *mp;
	int nmp;
	int *unfiltered;      /* ids of match patterns without literals */
	int nunfiltered;
	struct pf *pf;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	struct sh_ratelimit limit_warn;
	unsigned long limit_hits;
};

/* A match of a rule's `match` pattern: the rule and the pattern (whose
 * match data holds the captures until the next match with it). */
struct rmatch {
	struct rule *rule;
	struct pattern *pat;
	const char *subject;
	size_t len;
};

extern const char *const rs_categories[];
extern const char *const rs_actions[];

struct ruleset *rs_new(void);
void rs_free(struct ruleset *rs);

/* Load one rules file; on error return -1 with "file:line: message" in
 * err. Later rules with an existing name replace it in place. */
int rs_load_file(struct ruleset *rs, const char *path, struct sbuf *err);
/* Sort by priority and build the prefilter; -1 with a message in err. */
int rs_finish(struct ruleset *rs, int portable_prefilter, struct sbuf *err);

/* rs_start tries the rules on a message and fills *m with the first that
 * starts a crash. cand lists candidate match-pattern ids from the
 * prefilter (sorted or not); with cand == NULL every pattern is tried.
 * Patterns without literals are always tried. Returns 1 or 0. */
int rs_start(struct ruleset *rs, const char *msg, size_t n,
    const uint32_t *cand, int ncand, struct rmatch *m);

/* Does any pattern of kind k of rule r match? (1/0) */
int rs_rule_matches(struct ruleset *rs, struct rule *r, enum pat_kind k,
    const char *msg, size_t n, struct pattern **which);

/* Match one pattern; 1 match, 0 none (match-limit errors count as none and
 * are warned about, rate-limited). */
int rs_pat_match(struct ruleset *rs, struct pattern *p, const char *s,
    size_t n);

/* rs_test checks every rule's examples (docs/rules.md); prints one line
 * per failure to stderr and returns the number of failures. */
int rs_test(struct ruleset *rs);

#endif

/* Prefilter id of the literal `"type"` that rs_finish always adds, so
 * callers can find selfheal records of other types in raw input. */
#define RS_ID_TYPE 0xfffffff0u

/* rs_builtin_dir finds the built-in rules directory (docs/rules.md):
 * $SELFHEAL_RULES, <program dir>/../rules, <program dir>/../share/selfheal/
 * rules, then the compiled-in one. Returns a malloc'd path or NULL. */
char *rs_builtin_dir(void);

/* rs_load_all loads the built-in files (unless no_builtin), skipping any
 * whose base name one of the user paths has, then each user path (file or
 * directory of *.rules). Returns 0, or -1 with a message in err and *code
 * set to the exit code (66 missing, 78 bad rule). */
int rs_load_all(struct ruleset *rs, char **user, int nuser, int no_builtin,
    struct sbuf *err, int *code);
