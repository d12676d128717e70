/* audit.h - the append-only audit log of remediate (--audit FILE): the
 * same `action` (and `verify`) record lines that go to stdout, each
 * appended with one write(2) and fsync'ed before remediate does anything
 * else. remediate opens it before reading any input and stops (doing
 * nothing more) when a record cannot be written, so nothing is ever done
 * that the log does not show.
 *
 * A last line cut short by a crash (no final newline) is closed with a
 * newline when the log is opened, so the next record starts a line of its
 * own. Concurrent writers (the pipeline and `remediate restart` by hand)
 * append whole lines under flock(2).
 *
 * Ownership: au_open returns a log freed by au_close. Nothing prints. */
#ifndef SH_AUDIT_H
#define SH_AUDIT_H

#include <stddef.h>

#include "util.h"

struct audit;

/* au_open opens (creating, mode 0600) path for appending; path NULL gives
 * a log that accepts and drops records. Returns NULL with err filled. */
struct audit *au_open(const char *path, struct sbuf *err);
void au_close(struct audit *a);

/* au_write appends line[0..n) (which ends in '\n') and fsyncs. Returns 0,
 * or -1 with err filled; after a failure every later write fails too. */
int au_write(struct audit *a, const char *line, size_t n, struct sbuf *err);

/* au_reserve makes sure the next n bytes can be appended: it allocates
 * them beyond the end of the file (fallocate, FALLOC_FL_KEEP_SIZE; where
 * the file system cannot, it checks the free space instead) and checks
 * the file size limit (RLIMIT_FSIZE). Called before anything is done
 * whose record must follow, so that a full disk refuses the action
 * instead of leaving it unrecorded. Returns 0, or -1 with err filled
 * (the log is then failed, as after a failed write). */
int au_reserve(struct audit *a, size_t n, struct sbuf *err);

/* au_has_id: does a record with "id":"<id>" appear in the last 4 MiB of
 * the log? (recovering an action whose outcome may have been written
 * just before a crash) */
int au_has_id(const struct audit *a, const char *id);

/* au_ok: no write has failed. */
int au_ok(const struct audit *a);

#endif
