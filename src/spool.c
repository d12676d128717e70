/* spool.c - see spool.h. */
#include "spool.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPOOL_MAX_FILE (4u << 20)

int
spool_open(struct spool *sp, const char *dir, struct sbuf *err)
{
	DIR *d;
	struct dirent *e;

	memset(sp, 0, sizeof *sp);
	if (fs_mkdirs(dir) < 0 || access(dir, W_OK) < 0) {
		sbuf_addf(err, "spool %s: %s", dir, strerror(errno));
		return -1;
	}
	sp->dir = xstrdup(dir);
	sp->emitted = xcalloc(SPOOL_EMITTED, sizeof *sp->emitted);
	sp->rl.limit = 10;
	/* temporary files of a writer that died before its rename */
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, ".tmp.", 5)) {
				struct sbuf p;
				sbuf_init(&p);
				sbuf_addf(&p, "%s/%s", dir, e->d_name);
				unlink(p.s);
				sbuf_release(&p);
			}
		closedir(d);
	}
	return 0;
}

void
spool_close(struct spool *sp)
{
	free(sp->dir);
	free(sp->emitted);
	memset(sp, 0, sizeof *sp);
}

int
spool_put(struct spool *sp, struct incident *inc, struct sbuf *err)
{
	struct sbuf b, name;
	int rc;

	sbuf_init(&b);
	sbuf_init(&name);
	inc_to_json(inc, &b);
	sbuf_addc(&b, '\n');
	sbuf_addf(&name, "%s.json", inc->id);
	rc = fs_write_atomic(sp->dir, name.s, b.s, b.len, 0600);
	if (rc < 0)
		sbuf_addf(err, "spool %s/%s: %s", sp->dir, name.s, strerror(errno));
	else
		inc->dirty = 0;
	sbuf_release(&b);
	sbuf_release(&name);
	return rc;
}

int
spool_emitted(const struct spool *sp, const char *id)
{
	for (int i = 0; i < sp->nemitted; i++)
		if (!strcmp(sp->emitted[i], id))
			return 1;
	return 0;
}

int
spool_done(struct spool *sp, const char *id, struct sbuf *err)
{
	struct sbuf from, to, name;
	int rc = 0;

	if (!spool_emitted(sp, id)) {
		snprintf(sp->emitted[sp->head], sizeof sp->emitted[0], "%s", id);
		sp->head = (sp->head + 1) % SPOOL_EMITTED;
		if (sp->nemitted < SPOOL_EMITTED)
			sp->nemitted++;
	}
	sbuf_init(&from);
	sbuf_init(&to);
	sbuf_init(&name);
	sbuf_addf(&from, "%s/%s.json", sp->dir, id);
	sbuf_addf(&to, "%s/%s.done", sp->dir, id);
	sbuf_addf(&name, "%s.done", id);
	if (rename(from.s, to.s) < 0) {
		if (errno != ENOENT)
			rc = -1;
	} else if (fs_fsync_dir(sp->dir) < 0 ||
	    fs_remove_durable(sp->dir, name.s) < 0) {
		rc = -1;
	}
	if (rc < 0)
		sbuf_addf(err, "spool %s: %s", from.s, strerror(errno));
	sbuf_release(&from);
	sbuf_release(&to);
	sbuf_release(&name);
	return rc;
}

static int
by_first(const void *a, const void *b)
{
	const struct incident *x = *(struct incident *const *)a;
	const struct incident *y = *(struct incident *const *)b;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
spool_load(struct spool *sp, struct incident ***out, int *bad)
{
	DIR *d = opendir(sp->dir);
	struct dirent *e;
	struct incident **v = NULL;
	int n = 0;

	*bad = 0;
	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l == 23 && !strncmp(e->d_name, "i_", 2) &&
		    !strcmp(e->d_name + 18, ".done")) {
			/* emitted; killed before the removal */
			fs_remove_durable(sp->dir, e->d_name);
			continue;
		}
		if (l != 23 || strncmp(e->d_name, "i_", 2) ||
		    strcmp(e->d_name + 18, ".json"))
			continue;
		struct sbuf p;
		size_t len;
		sbuf_init(&p);
		sbuf_addf(&p, "%s/%s", sp->dir, e->d_name);
		char *s = fs_read_file(p.s, SPOOL_MAX_FILE, &len);
		struct incident *inc = s ? inc_from_json(s, len) : NULL;
		if (!inc || strncmp(inc->id, e->d_name, 18)) {
			struct sbuf q;
			sbuf_init(&q);
			sbuf_addf(&q, "%s.bad", p.s);
			rename(p.s, q.s);
			sbuf_release(&q);
			inc_free(inc);
			(*bad)++;
		} else {
			v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
			v[n++] = inc;
		}
		free(s);
		sbuf_release(&p);
	}
	closedir(d);
	if (n > 1)
		qsort(v, (size_t)n, sizeof *v, by_first);
	*out = v;
	return n;
}

void
spool_keep(struct spool *sp, struct incident *inc)
{
	struct sbuf err;

	sbuf_init(&err);
	if (spool_put(sp, inc, &err) == 0) {
		inc->ondisk = 1;
		if (sp->failing) {
			sp->failing = 0;
			sh_warn_limited(&sp->rl, "spool %s: writable again", sp->dir);
		}
	} else if (!sp->failing) {
		sp->failing = 1;
		sh_warn_limited(&sp->rl, "%s: holding incidents in memory only "
		    "(at most %d; past that the oldest is diagnosed early) until "
		    "the spool can be written; a kill would lose them", err.s,
		    SPOOL_HOLD);
	}
	sbuf_release(&err);
}

void
spool_sync(struct spool *sp, struct inc_table *t, int64_t now)
{
	int held = 0;

	for (struct incident *i = t->open; i; i = i->next) {
		if (i->dirty && (!i->spool_mono || now - i->spool_mono >=
		    SPOOL_EVERY_MS)) {
			spool_keep(sp, i);
			i->spool_mono = now;
		}
		held += !i->ondisk;
	}
	if (!sp->failing)
		return;
	for (struct incident *i = t->open, *next; i && held > SPOOL_HOLD;
	    i = next) {
		next = i->next;
		if (!i->ondisk) {
			inc_close(t, i);
			held--;
		}
	}
}
