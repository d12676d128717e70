/* budget.h - token budgets for the LLM: per incident, and per UTC day
 * persisted in the state directory (DIR/budget: "YYYY-MM-DD TOKENS"), so a
 * restart does not reset the day's spend. When a budget is spent, callers
 * degrade to the rules backend; nothing here stops diagnosing.
 *
 * Ownership: a struct budget owns its path. */
#ifndef SH_BUDGET_H
#define SH_BUDGET_H

#include "util.h"

struct budget {
	char *path;            /* NULL: daily spend is not persisted */
	long per_incident;     /* 0: unlimited */
	long daily;            /* 0: unlimited */
	char day[16];
	long used_today;
};

enum { BUDGET_OK, BUDGET_INCIDENT, BUDGET_DAILY };

/* Load today's spend from dir (may be NULL). Returns 0, or -1 with a
 * message in err (an unreadable file; a malformed one counts as 0). */
int budget_open(struct budget *b, const char *dir, long per_incident,
    long daily, struct sbuf *err);
void budget_release(struct budget *b);

/* May a request of about `est` tokens be sent after `used` tokens in this
 * incident? BUDGET_OK, or which budget would be exceeded. */
int budget_check(struct budget *b, long used, long est);
/* Count tokens spent; persists the day's total. Returns 0 or -1 (errno). */
int budget_charge(struct budget *b, long tokens);

#endif
