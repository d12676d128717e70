/* statefile.h - small state files in a directory the user names (fly-tail
 * --state DIR): the last machine event seen, the log API cursor, a
 * followed file's position. A write goes to NAME.tmp, is fsync'ed and
 * renamed over NAME, so a crash leaves the old or the new state, never a
 * mix.
 *
 * Ownership: sf_read fills a caller's sbuf. Nothing here prints. */
#ifndef SH_STATEFILE_H
#define SH_STATEFILE_H

#include <stddef.h>

#include "util.h"

/* sf_dir creates dir and its missing parents (mode 0700). Returns 0 or -1
 * (errno; ENOTDIR when dir exists and is not a directory). */
int sf_dir(const char *dir);

/* sf_read reads dir/name into b (reset first), at most cap bytes.
 * Returns 1 when read, 0 when the file does not exist, -1 on error
 * (errno). */
int sf_read(const char *dir, const char *name, struct sbuf *b, size_t cap);

/* sf_write replaces dir/name with s[0..n). Returns 0 or -1 (errno). */
int sf_write(const char *dir, const char *name, const char *s, size_t n);

/* sf_set_aside renames dir/name to dir/name.bad (a corrupt file kept for
 * a person to look at). */
void sf_set_aside(const char *dir, const char *name);

/* A file-name-safe form of s: [A-Za-z0-9._-] kept, others as '_', plus a
 * hash suffix when anything was changed. */
void sf_safe_name(const char *s, struct sbuf *out);

#endif
