/* rpipe.h - remediate without a verb: the pipeline stage. Diagnosis
 * records go to the engine, whose action (and verify) records come back
 * through rpipe_emit; other stages' records pass on byte for byte (or as
 * text with --format text); a line that is no record is named on stderr
 * (rate-limited) and dropped. The engine's timers (verification, retries
 * due) run between lines and while stdin is quiet.
 *
 * Ownership: nothing is taken; the reader stays the caller's. */
#ifndef SH_RPIPE_H
#define SH_RPIPE_H

#include <stddef.h>

struct cJSON;
struct engine;
struct reader;

struct rpipe_out {
	int text, color;        /* --format text; with colour */
};

/* The engine's emit function (engine.h); arg is a struct rpipe_out. A
 * failed repair in the pipeline is also said on stderr, in one line. */
void rpipe_emit(void *arg, const struct cJSON *rec, const char *line,
    size_t n);

/* Read rd to its end (or a stop signal, or a fatal engine error). Returns
 * 0, or 74 (EX_IOERR) after a read error or a fatal engine error. */
int rpipe_run(struct engine *en, struct reader *rd, const struct rpipe_out *o);

#endif
