/* jsonstream.h - find JSON objects in a line stream where some of them are
 * pretty-printed over many lines (`fly logs --json` writes Go's 4-space
 * indented objects back to back, not NDJSON) and others are one line each
 * (NDJSON, `fly logs` text, plain text).
 *
 * The caller feeds whole lines. A line that is not part of a multi-line
 * object goes back to the caller's line function unchanged, so the usual
 * line decoder handles it; a line that opens an object left unclosed at
 * its end starts buffering, and the buffered text goes to the object
 * function once the braces balance (strings and escapes are tracked, so a
 * brace inside a message does not count). Several objects on one line
 * ("}{" or "} {") are split.
 *
 * Tolerated on purpose: a line that merely starts with "{" and never
 * closes. The buffer is capped (bytes and lines), and so is every object
 * handed out: a line longer than the cap goes to the line function
 * whole, never split or buffered. On overflow, on an
 * object the object function rejects, and at jss_flush (end of input or
 * idle) the buffered lines are handed to the line function one by one, so
 * nothing is lost and the stream goes on.
 *
 * Ownership: the struct owns its buffer; the text passed to the callbacks
 * is valid only during the call. */
#ifndef SH_JSONSTREAM_H
#define SH_JSONSTREAM_H

#include <stddef.h>

#include "util.h"

/* An object's text; return 0 when it was used, -1 to have its lines
 * passed to the line function instead. */
typedef int (*jss_obj_fn)(void *arg, const char *text, size_t n);
/* One line (no newline) to decode on its own. */
typedef void (*jss_line_fn)(void *arg, const char *line, size_t n);

struct jstream {
	struct sbuf buf;
	size_t cap, maxlines, lines;
	int depth, instr, esc;
	int active;
	unsigned long objects, fallbacks;   /* counters for the caller */
	jss_obj_fn obj;
	jss_line_fn line;
	void *arg;
};

void jss_init(struct jstream *s, size_t cap, jss_obj_fn obj,
    jss_line_fn line, void *arg);
void jss_release(struct jstream *s);

/* Offer one line (without its newline). */
void jss_feed(struct jstream *s, const char *line, size_t n);

/* Give up on an unfinished object: its lines go to the line function. */
void jss_flush(struct jstream *s);

/* Is an object being collected? */
int jss_pending(const struct jstream *s);

#endif
