/* assemble.h - turn decoded log lines into crash records.
 *
 * The assembler keeps the crashes that are still open, one per stream (app
 * and instance), feeds each following line of that stream through the
 * rule's continue/end patterns, and emits a finished `crash` record (one
 * JSON line) through a callback when the crash closes: on a line that does
 * not continue it, on an `end` line, at max-lines, on a log-time gap, after
 * too much input of other streams, after a quiet spell on a live stream,
 * or at the end of input.
 *
 * Ownership: the assembler copies what it keeps from each logrec; the
 * record passed to emit is valid during the call only. */
#ifndef SH_ASSEMBLE_H
#define SH_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "logrec.h"
#include "rules.h"

struct asm_opts {
	int context;          /* lines of context before the crash (-B) */
	int max_open;         /* open crashes at once; the oldest closes */
	int64_t idle_ms;      /* wall-clock quiet time that closes a crash */
	int64_t hold_ms;      /* longest wall-clock time a crash stays open */
	uint64_t idle_bytes;  /* input of other streams that closes it */
	size_t line_bytes;    /* bytes kept of each crash line */
	size_t context_bytes; /* bytes kept of each context line */
};

/* Context lines before `r` in the same stream, oldest first: the callback
 * stores up to max strings (malloc'd; the assembler frees them). */
typedef int (*asm_context_fn)(void *arg, const struct logrec *r,
    char **lines, size_t *lens, int max);
typedef void (*asm_emit_fn)(void *arg, const char *rec, size_t n);

struct assembler;

struct assembler *asm_new(struct ruleset *rs, const struct asm_opts *o,
    asm_emit_fn emit, asm_context_fn context, void *arg);
void asm_free(struct assembler *a);

/* Feed one line. cand/ncand as for rs_start; position is the line's byte
 * offset in the input (for stable ids of lines without a timestamp, and to
 * close crashes that idle_bytes of other input have passed). Returns 1
 * when the line joined or opened a crash, 0 otherwise. */
int asm_line(struct assembler *a, const struct logrec *r,
    const uint32_t *cand, int ncand, uint64_t position);

/* Could the raw line belong to an open crash? (cheap; 0 when none open) */
int asm_wants(struct assembler *a, const char *raw, size_t n);
int asm_open_count(const struct assembler *a);
/* The instance of open crash i ("" for crashes of lines without one). */
const char *asm_open_instance(const struct assembler *a, int i);
/* Close crashes idle since before now (monotonic ms). */
void asm_flush_idle(struct assembler *a, int64_t now);
/* Milliseconds until the next idle deadline, or -1 when nothing is open. */
int asm_next_timeout(const struct assembler *a, int64_t now);
void asm_flush_all(struct assembler *a);
unsigned long asm_emitted(const struct assembler *a);
/* Crashes closed early because max_open were open at once. */
unsigned long asm_evicted(const struct assembler *a);

#endif
