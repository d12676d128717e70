/* budget.c - see budget.h. */
#include "budget.h"
#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
today(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

/* A new UTC day starts a new count. */
static void
roll(struct budget *b)
{
	char d[16];
	today(d, sizeof d);
	if (strcmp(d, b->day)) {
		memcpy(b->day, d, sizeof d);
		b->used_today = 0;
	}
}

int
budget_open(struct budget *b, const char *dir, long per_incident,
    long daily, struct sbuf *err)
{
	size_t n;
	char *s;

	memset(b, 0, sizeof *b);
	b->per_incident = per_incident;
	b->daily = daily;
	today(b->day, sizeof b->day);
	if (!dir)
		return 0;
	if (fs_mkdirs(dir) < 0) {
		sbuf_addf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct sbuf p;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/budget", dir);
	b->path = p.s;
	if ((s = fs_read_file(b->path, 4096, &n))) {
		char day[16];
		long used;
		if (sscanf(s, "%15s %ld", day, &used) == 2 && used >= 0 &&
		    !strcmp(day, b->day))
			b->used_today = used;
		free(s);
	} else if (errno != ENOENT) {
		sbuf_addf(err, "%s: %s", b->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
budget_release(struct budget *b)
{
	free(b->path);
	memset(b, 0, sizeof *b);
}

int
budget_check(struct budget *b, long used, long est)
{
	roll(b);
	if (b->per_incident && used + est > b->per_incident)
		return BUDGET_INCIDENT;
	if (b->daily && b->used_today + est > b->daily)
		return BUDGET_DAILY;
	return BUDGET_OK;
}

int
budget_charge(struct budget *b, long tokens)
{
	char line[64];
	int n;

	roll(b);
	if (tokens > 0)
		b->used_today += tokens;
	if (!b->path)
		return 0;
	n = snprintf(line, sizeof line, "%s %ld\n", b->day, b->used_today);
	char *dir = xstrdup(b->path);
	*strrchr(dir, '/') = '\0';
	int rc = fs_write_atomic(dir, "budget", line, (size_t)n, 0600);
	int e = errno;
	free(dir);
	errno = e;
	return rc;
}
