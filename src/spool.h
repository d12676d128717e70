/* spool.h - the durable queue that makes diagnose lose no incident.
 *
 * Each open or closed incident lives in DIR/<incident-id>.json, replaced
 * atomically (temporary file, fsync, rename, fsync of DIR) whenever it
 * changes and removed (unlink, fsync of DIR) only after its diagnosis was
 * written to stdout. A restarted diagnose loads what is left and finishes
 * it first. Once the diagnosis is out, the file is first renamed to
 * <id>.done (one durable step) and then removed, so a restart after that
 * step does not emit the incident again; a kill between the write to
 * stdout and the rename can repeat it, with the same incident id, which
 * remediate deduplicates. Ids emitted by this process are remembered (the
 * latest SPOOL_EMITTED), so input replayed by a restarted upstream stage
 * does not produce a second diagnosis either.
 *
 * Ownership: a struct spool owns its directory name and the emitted list;
 * spool_load hands the caller incidents to free with inc_free. Functions
 * return 0 or -1 with a message in err. */
#ifndef SH_SPOOL_H
#define SH_SPOOL_H

#include "incident.h"
#include "util.h"

#define SPOOL_EMITTED 4096
/* While the spool cannot be written (a full disk), incidents live only in
 * memory: at most SPOOL_HOLD of them; past that the oldest is closed and
 * diagnosed at once rather than kept waiting for its window. */
#define SPOOL_HOLD 64
/* New counts of a spooled incident are written at most this often (a
 * crash loop must not cost an fsync per crash); while the spool fails,
 * the caller tries again this often, input or not. */
#define SPOOL_EVERY_MS 1000

struct spool {
	char *dir;
	char (*emitted)[20];
	int nemitted, head;
	int failing;                /* the last write failed */
	struct sh_ratelimit rl;     /* for the failing / writable messages */
};

int spool_open(struct spool *sp, const char *dir, struct sbuf *err);
void spool_close(struct spool *sp);

/* Write (or rewrite) the incident; clears inc->dirty. */
int spool_put(struct spool *sp, struct incident *inc, struct sbuf *err);
/* spool_keep writes one incident like spool_put, and says (on stderr,
 * in one line) when writes start failing (incidents are held in memory
 * from then on) and when they work again. */
void spool_keep(struct spool *sp, struct incident *inc);
/* spool_sync spools what changed in t's open incidents before the caller
 * may block on input or an LLM: a new incident at once, new counts at
 * most every SPOOL_EVERY_MS. While writes fail, it keeps at most
 * SPOOL_HOLD incidents that are only in memory, closing the oldest. */
void spool_sync(struct spool *sp, struct inc_table *t, int64_t now);
/* The diagnosis of incident id is out: remember the id, retire the file. */
int spool_done(struct spool *sp, const char *id, struct sbuf *err);
/* Was an incident with this id emitted by this process already? */
int spool_emitted(const struct spool *sp, const char *id);

/* spool_load loads every spooled incident, oldest first; unreadable files
 * are renamed to *.bad and counted in *bad. Returns the number loaded and
 * sets *out (a malloc'd array). */
int spool_load(struct spool *sp, struct incident ***out, int *bad);

#endif
