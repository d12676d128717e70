/* logsink.h - where an input program's log lines go: filters (apps,
 * region, machine), the default app for lines that name none, the line
 * cap, redaction of our own API token, de-duplication of lines that can
 * arrive by two roads (NATS and the log API), and the output format (`log`
 * records, or `fly logs` text for people). Also `gap` records, and other
 * records passed through untouched.
 *
 * One ls_* call writes one whole line with one fwrite (sh_out_line).
 *
 * Ownership: the sink keeps pointers to the filter strings, token and
 * de-dup window given to ls_init (the caller keeps them alive); it owns
 * its output buffer (ls_release). ls_log may modify the record (app
 * filled in, message cut or redacted). */
#ifndef SH_LOGSINK_H
#define SH_LOGSINK_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cJSON;
struct dedup;
struct logrec;
struct token;

struct logsink {
	const char *const *apps;        /* filter; apps[0] is the default */
	int napps;
	const char *region, *instance;  /* filters, or NULL */
	size_t linecap;
	int text, color;                /* --format text, with colours */
	const struct token *tok;        /* redact it from messages, or NULL */
	struct dedup *dd;               /* or NULL */
	const char *gap_source;         /* "source" of gap records */
	unsigned long written, dups, filtered;
	struct sbuf out;
};

void ls_init(struct logsink *s);
void ls_release(struct logsink *s);

/* Does the record pass the filters (a field it lacks passes)? */
int ls_want(const struct logsink *s, const struct logrec *r);

/* How ls_log de-duplicates (when a window is configured). */
enum ls_dedup {
	LS_ONCE = 0,    /* a source that cannot repeat lines: no check */
	LS_CHECK = 1,   /* a line that may have come before (the log API) */
	LS_LIVE = 2,    /* NATS: never repeats itself; see dd_note */
};

/* ls_log writes r; event (may be NULL) goes under "event". A line already
 * written is skipped (see enum ls_dedup). Returns 1 when written, 0 when
 * filtered out or a duplicate. */
int ls_log(struct logsink *s, struct logrec *r, const struct cJSON *event,
    int dedup);

/* A record of another stage, as it came (n bytes, no newline). */
void ls_raw(struct logsink *s, const char *p, size_t n);

struct ls_gap {
	int64_t from_ns, to_ns;
	const char *reason;
	const char *app;                /* NULL: several or unknown */
	unsigned long dropped;          /* messages known lost, or 0 */
	int filled;                     /* back-filled completely */
	long backfilled;                /* lines recovered; -1: not tried */
};
void ls_gap(struct logsink *s, const struct ls_gap *g);

#endif
