/* dedup.h - a bounded window of recently emitted log lines, so that a line
 * that reaches fly-tail twice (NATS and a back-fill from the HTTP log API
 * overlapping, or a log API page boundary repeating an entry) is written
 * once.
 *
 * A line is identified by a 64-bit hash of app, instance and message plus
 * its timestamp. The two sources may print a timestamp with different
 * precision (nanoseconds on NATS, maybe milliseconds elsewhere), so two
 * times match when they agree at the coarser of the two precisions, give
 * or take one unit. The window holds the last `cap` lines (a ring with a
 * chained hash index); older lines are forgotten, so memory is fixed at
 * creation: about 40 bytes a line.
 *
 * Ownership: dd_new returns a window the caller frees with dd_free. */
#ifndef SH_DEDUP_H
#define SH_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct logrec;
struct dedup;

struct dedup *dd_new(size_t cap);
void dd_free(struct dedup *d);

/* The identity hash of a log line (app, instance, message). */
uint64_t dd_key(const struct logrec *r);

/* dd_check returns 1 when a line with this key and a matching time is in
 * the window; otherwise it adds it and returns 0. prec is the number of
 * fraction digits the time was given with (0..9). For lines that may have
 * come before by another road (the log API). */
int dd_check(struct dedup *d, uint64_t key, int64_t ts, int prec);

/* dd_note is dd_check for a source that never repeats itself (NATS): its
 * line can only be a duplicate of one that came through dd_check, so
 * unless it is about as old as the newest of those, it is only appended
 * to the window (no hashing into the index, which is brought up to date
 * at the next dd_check). Same return value. */
int dd_note(struct dedup *d, uint64_t key, int64_t ts, int prec);

/* The number of lines the window holds now. */
size_t dd_count(const struct dedup *d);

#endif
