/* backfill.c - see backfill.h. */
#include "backfill.h"
#include "flyapi.h"
#include "logrec.h"
#include "logsink.h"
#include "timefmt.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void
bf_init(struct backfill *b, struct flyapi *fa, struct logsink *sink,
    struct logrec *lr, const char *const *apps, int napps,
    const char *region, const char *instance)
{
	memset(b, 0, sizeof *b);
	b->fa = fa;
	b->sink = sink;
	b->lr = lr;
	b->apps = apps;
	b->napps = napps;
	b->region = region;
	b->instance = instance;
	b->delay_ms = 2000;
	b->slack_ns = 2000000000LL;
	b->max_pages = 500;
}

void
bf_seen(struct backfill *b, const char *app)
{
	if (b->napps || !*app)
		return;
	for (int k = b->nseen - 1; k >= 0; k--)
		if (!strcmp(b->seen[k], app))
			return;
	if (b->nseen < BF_MAXSEEN)
		sh_copy(b->seen[b->nseen++], sizeof b->seen[0], app, strlen(app));
}

void
bf_add(struct backfill *b, int64_t from, int64_t to, unsigned long dropped,
    const char *why)
{
	struct bf_gap *g;

	/* a burst of drops is one hole, not a thousand; with the queue full
	 * the last hole grows to take any new one */
	if (b->n == BF_MAX || (b->n && from <= b->q[b->n - 1].to +
	    b->slack_ns && !strcmp(b->q[b->n - 1].why, why ? why : "gap"))) {
		g = &b->q[b->n - 1];
		if (from < g->from)
			g->from = from;
		if (to > g->to)
			g->to = to;
		g->dropped += dropped;
		return;
	}
	g = &b->q[b->n++];
	g->from = from;
	g->to = to;
	g->dropped = dropped;
	g->due = sh_now_mono_ms() + (b->fa ? b->delay_ms : 1000);
	snprintf(g->why, sizeof g->why, "%s", why ? why : "gap");
}

int64_t
bf_due(const struct backfill *b)
{
	return b->n ? b->q[0].due : INT64_MAX;
}

static int
take(void *arg, struct logrec *r)
{
	struct backfill *b = arg;
	return ls_log(b->sink, r, NULL, LS_CHECK);
}

long
bf_fill(struct backfill *b, int64_t from, int64_t to, int *ok)
{
	struct fa_err e;
	int n = b->napps ? b->napps : b->nseen, complete;
	long total = 0;

	*ok = b->fa && n > 0 && b->napps;
	if (!b->fa || n == 0)
		return -1;
	for (int i = 0; i < n && !sh_stop; i++) {
		const char *app = b->napps ? b->apps[i] : b->seen[i];
		long k = fa_backfill(b->fa, app, b->region, b->instance,
		    from - b->slack_ns, to + b->slack_ns, b->max_pages, b->lr,
		    take, b, &complete, &e);
		if (k < 0) {
			sh_warn("back-fill of %s: %s", app, e.text);
			*ok = 0;
			continue;
		}
		*ok &= complete;
		total += k;
	}
	b->lines += (unsigned long)total;
	return total;
}

static void
report(struct backfill *b, const struct bf_gap *g, long lines, int ok,
    const char *extra)
{
	char note[200];
	struct ls_gap lg = { g->from, g->to, note, b->napps == 1 ? b->apps[0] :
		NULL, g->dropped, ok, lines };

	snprintf(note, sizeof note, "%s%s", g->why, extra);
	ls_gap(b->sink, &lg);
	b->gaps++;
}

void
bf_run(struct backfill *b, int64_t now)
{
	while (b->n && now >= b->q[0].due && !sh_stop) {
		struct bf_gap g = b->q[0];
		int ok;
		memmove(b->q, b->q + 1, (size_t)--b->n * sizeof g);
		long lines = bf_fill(b, g.from, g.to, &ok);
		report(b, &g, lines, ok, lines < 0 ? (b->fa ?
		    "; no app seen to back-fill" :
		    "; no log API to back-fill from (needs a token)") :
		    !b->napps ? "; whole-org stream: back-filled the apps seen" :
		    ok ? "" : "; back-fill incomplete");
	}
}

void
bf_report(struct backfill *b, int64_t from, int64_t to, const char *why)
{
	struct bf_gap g = { from, to, 0, 0, "" };

	snprintf(g.why, sizeof g.why, "%s", why);
	report(b, &g, -1, 0, "");
}

int
bf_stall(struct backfill *b, int64_t last_rx, int64_t every_ms, int64_t now)
{
	int64_t wall = sh_time_now();
	int ok;

	if (!every_ms || !b->fa || wall - last_rx < every_ms * 1000000 ||
	    now - b->last_probe < every_ms)
		return 0;
	b->last_probe = now;
	long lines = bf_fill(b, last_rx, wall, &ok);
	if (lines <= 0)
		return 0;
	sh_warn("nats: no message for %llds but the log API has %ld new lines",
	    (long long)((wall - last_rx) / 1000000000), lines);
	struct bf_gap g = { last_rx, wall, 0, 0, "nats subscription stalled" };
	report(b, &g, lines, ok, "");
	return 1;
}
