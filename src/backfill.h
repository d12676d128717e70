/* backfill.h - close the holes in a live log stream. Core NATS keeps no
 * history, so time spent disconnected, messages dropped by a slow
 * consumer and a subscription that silently stopped delivering all lose
 * lines. Each such hole is queued here as a time window; a little later
 * (the log API needs a moment to catch up) the window, widened by two
 * seconds on each side, is fetched from the HTTP log API for every
 * watched app and written through the sink with de-duplication, so what
 * NATS did deliver is not written twice. Then a `gap` record says what
 * happened: filled (nothing is missing) or not (no log API, no app name
 * to ask for, an error, or more than the page limit).
 *
 * Memory is bounded: at most BF_MAX windows wait; past that the newest
 * window is widened instead.
 *
 * Ownership: the struct keeps pointers to the API client, sink, record
 * and filters given to bf_init; the caller keeps them alive. */
#ifndef SH_BACKFILL_H
#define SH_BACKFILL_H

#include <stdint.h>

#define BF_MAX 64
#define BF_MAXSEEN 64

struct flyapi;
struct logrec;
struct logsink;

struct bf_gap {
	int64_t from, to, due;
	unsigned long dropped;
	char why[96];
};

struct backfill {
	struct flyapi *fa;              /* NULL: gaps are only reported */
	struct logsink *sink;
	struct logrec *lr;
	const char *const *apps;
	int napps;
	const char *region, *instance;
	int64_t delay_ms, slack_ns;
	int max_pages;
	char seen[BF_MAXSEEN][128];     /* apps met on a whole-org stream */
	int nseen;
	struct bf_gap q[BF_MAX];
	int n;
	unsigned long gaps, lines;
	int64_t last_probe;
};

void bf_init(struct backfill *b, struct flyapi *fa, struct logsink *sink,
    struct logrec *lr, const char *const *apps, int napps,
    const char *region, const char *instance);

/* Remember an app seen in the stream (used when no app was named). */
void bf_seen(struct backfill *b, const char *app);

/* Queue a hole [from, to] (wall-clock ns). */
void bf_add(struct backfill *b, int64_t from, int64_t to,
    unsigned long dropped, const char *why);

/* Monotonic ms when the next queued window is due (INT64_MAX: none). */
int64_t bf_due(const struct backfill *b);

/* Handle the windows due at `now`: fetch, write, report. */
void bf_run(struct backfill *b, int64_t now);

/* Fetch [from, to] now; returns the number of new lines written, or -1
 * when there is nothing to fetch from (no API or no app); *ok says
 * whether the window was covered completely. */
long bf_fill(struct backfill *b, int64_t from, int64_t to, int *ok);

/* bf_stall: a live stream has been quiet since last_rx (wall ns). Every
 * `every_ms` at most, ask the log API for lines written since then; any
 * found are written (so they are not lost) with a gap record, and 1 is
 * returned: the subscription has stalled and should be renewed. */
int bf_stall(struct backfill *b, int64_t last_rx, int64_t every_ms,
    int64_t now);

/* Report a hole without trying to fill it (shutting down). */
void bf_report(struct backfill *b, int64_t from, int64_t to,
    const char *why);

#endif
