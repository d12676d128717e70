/* logrec.h - one log line, normalized from whatever form it came in.
 *
 * The decoder recognises, line by line: selfheal `log` records (and other
 * selfheal record types, which callers pass through untouched), Fly's NATS
 * JSON, `fly logs --json` entries and Fly HTTP log API entries (compacted
 * to one line), other JSON logs with a message field (Docker json-file,
 * Vector), `fly logs` text lines in the current and the legacy format (ANSI
 * colours stripped, the error.message="..." prefix), and plain text, with an
 * optional leading timestamp and a CRI "stdout F " prefix.
 *
 * Ownership: a struct logrec owns its strings; lr_decode overwrites them;
 * lr_release frees them. Strings are NUL-terminated and never NULL. */
#ifndef SH_LOGREC_H
#define SH_LOGREC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cJSON;

enum lr_kind {
	LR_TEXT,        /* plain text line */
	LR_FLYTEXT,     /* `fly logs` text */
	LR_NATS,        /* Fly NATS JSON */
	LR_FLYJSON,     /* `fly logs --json` / HTTP log API entry */
	LR_JSON,        /* other JSON with a message */
	LR_LOG,         /* a selfheal log record */
	LR_RECORD,      /* a selfheal record of another type: pass through */
};

#define LR_META_MAX 6

struct logrec {
	enum lr_kind kind;
	int64_t ts;             /* ns since the epoch; 0 if the line had none */
	int ts_prec;            /* fraction digits of the source timestamp */
	char app[128], region[16], instance[64], provider[32], level[16];
	char source[16];
	char rtype[32];         /* for LR_RECORD: its "type" */
	struct sbuf msg;
	int truncated;
	int nmeta;              /* `fly logs` fields before the message */
	char meta_key[LR_META_MAX][24];
	char meta_val[LR_META_MAX][256];
	/* set by the reader, kept by lr_clear: the input is an application's
	 * log (a file named by the user), not a pipeline, so a line that
	 * looks like a crash, diagnosis or action record is a log line like
	 * any other: an app must not be able to write a record that later
	 * stages act on. log and gap records still decode as such. */
	int raw;
};

void lr_init(struct logrec *r);
void lr_release(struct logrec *r);
/* lr_clear empties r for reuse (keeps the message buffer). */
void lr_clear(struct logrec *r);

/* lr_decode decodes one line (without its newline). It never fails: what
 * is not recognised is plain text. */
void lr_decode(struct logrec *r, const char *line, size_t n);

/* lr_from_json fills r from a parsed JSON object of one of the JSON kinds
 * above; returns 0, or -1 when the object has no message (r is then left
 * as LR_TEXT with an empty message). Used by fly-tail for streams of
 * concatenated objects. */
int lr_from_json(struct logrec *r, const struct cJSON *obj);

/* lr_parse_flytext parses a `fly logs` text line; returns 1 and fills r if
 * the line is one, 0 otherwise (r is then unspecified). */
int lr_parse_flytext(struct logrec *r, const char *line, size_t n);

/* Is name one of the `fly logs` fields flyctl prints as a bare number
 * (error.code, response.status)? The others it quotes. */
int lr_fly_field_number(const char *name);

/* lr_to_json appends r as a `log` record (one JSON object, no newline). */
void lr_to_json(const struct logrec *r, struct sbuf *out);

/* Strip ANSI escape sequences (CSI and OSC) in place; returns the new length. */
size_t sh_strip_ansi(char *s, size_t n);

/* Copy s[0..n) into dst (size cap), truncating; always NUL-terminates. */
void sh_copy(char *dst, size_t cap, const char *s, size_t n);

#endif
