/* follow.h - follow a file by name like `tail -F`: read what is appended,
 * and keep going when the file is rotated (the name now leads to another
 * file: the old one is read to its end first, then the new one from its
 * start), truncated (its size drops below what was read: start again at
 * 0), removed or not there yet (wait for it to appear).
 *
 * It polls: the caller calls fw_poll every so often (fly-tail: every
 * 200 ms when idle). Lines are cut at a cap like the shared reader does,
 * and a last line without newline is held until its newline arrives, the
 * file is rotated, or fw_finish is called.
 *
 * Ownership: fw_open returns a follower the caller frees with fw_free,
 * which closes the file. The line passed to the callback is valid only
 * during the call. Nothing here prints: what happened to the file is
 * reported through fw_note. */
#ifndef SH_FOLLOW_H
#define SH_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

struct follow;

/* One line, without its newline; truncated: cut at the line cap. */
typedef void (*fw_line_fn)(void *arg, const char *line, size_t n,
    int truncated);

enum fw_note {
	FW_NONE,
	FW_OPENED,      /* the file was opened (first time or reappeared) */
	FW_ROTATED,     /* the name now leads to a new file */
	FW_TRUNCATED,   /* the file shrank; reading again from its start */
	FW_GONE,        /* the file was removed; waiting for it */
};

/* fw_open never fails for a missing file (it is waited for). from_end:
 * start at the current end of an existing file instead of its start.
 * offset > 0: resume there when the file is the same (dev, ino) as saved. */
struct follow *fw_open(const char *path, size_t linecap, int from_end);
void fw_free(struct follow *f);

/* fw_poll reads everything appended since the last call (at most `budget`
 * bytes, 0 = no limit) and hands out whole lines; then checks the name
 * for rotation and truncation. Returns the number of lines, or -1 on a
 * read error (errno set; the follower keeps trying on the next call). */
int fw_poll(struct follow *f, size_t budget, fw_line_fn fn, void *arg);

/* At the end: hand out a last line without newline. */
void fw_finish(struct follow *f, fw_line_fn fn, void *arg);

/* The next note (FW_NONE when there is none); notes are queued. */
enum fw_note fw_note(struct follow *f);
const char *fw_path(const struct follow *f);

/* Position for saving: device, inode and offset of the bytes handed out. */
void fw_position(const struct follow *f, uint64_t *dev, uint64_t *ino,
    uint64_t *off);
/* Resume at a saved position when the file is still the same one. */
void fw_resume(struct follow *f, uint64_t dev, uint64_t ino, uint64_t off);

/* The position kept in a state directory (statefile.h) as
 * "follow-<path>": fw_load resumes from it when there is one; fw_save
 * writes it. Both return 0 or -1 (errno). */
int fw_load(struct follow *f, const char *dir);
int fw_save(const struct follow *f, const char *dir);

/* A few words on a note, for messages. */
const char *fw_note_text(enum fw_note n);

#endif
