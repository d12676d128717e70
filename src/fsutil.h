/* fsutil.h - small durable-file helpers for state that must survive a
 * crash of the process: the state directory, directories created 0700,
 * whole-file atomic replacement (temporary file, fsync, rename, fsync of
 * the directory) and bounded whole-file reads.
 *
 * Ownership: fs_read_file and fs_state_dir return malloc'd memory the
 * caller frees. Functions return 0 or -1 with errno set. */
#ifndef SH_FSUTIL_H
#define SH_FSUTIL_H

#include <stddef.h>

/* mkdir -p with mode 0700 for the directories it creates. */
int fs_mkdirs(const char *path);

/* Replace DIR/NAME with data[0..n) atomically and durably: after a return
 * of 0 the new content is on disk; after a crash at any moment the file
 * holds either the old or the new content. mode applies to a new file. */
int fs_write_atomic(const char *dir, const char *name, const void *data,
    size_t n, int mode);

/* Remove DIR/NAME and fsync DIR (a missing file is not an error). */
int fs_remove_durable(const char *dir, const char *name);

int fs_fsync_dir(const char *dir);

/* Read a whole regular file of at most max bytes (NUL-terminated; *n gets
 * the length). Larger files fail with EFBIG. */
char *fs_read_file(const char *path, size_t max, size_t *n);

/* The state directory: $XDG_STATE_HOME/selfheal, else
 * $HOME/.local/state/selfheal, else /tmp/selfheal-UID. */
char *fs_state_dir(void);

/* The program NAME next to the running one (/proc/self/exe), when it is
 * there and executable; else NULL. */
char *fs_sibling_exe(const char *name);

#endif
