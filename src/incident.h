/* incident.h - group crash records into incidents: all crashes of one app
 * with one fingerprint whose times are no more than a window apart.
 *
 * An incident closes when (a) a crash of the same app and fingerprint
 * comes more than the window after its last one (event time), (b) the
 * latest crash time seen on the stream (the watermark) passes its last
 * crash by more than the window, (c) no crash of it arrived for the window
 * in wall-clock time (a live stream gone quiet), (d) it has been open for
 * INC_MAX_AGE_WINDOWS windows (a crash loop that never stops is diagnosed
 * periodically), (e) too many incidents are open (the oldest closes), or
 * (f) the caller closes all at end of input. Closed incidents wait in a
 * FIFO for the caller to diagnose them.
 *
 * The incident id is "i_" + 16 hex digits of a hash of the app, the
 * fingerprint and the first crash's id, so the same input always gives the
 * same id, also after a restart from the spool.
 *
 * Memory is bounded: per incident the first and the latest crash record
 * (each cut to INC_MAX_RAW bytes) and at most INC_MAX_INST machines.
 *
 * Ownership: the table owns open and ready incidents; inc_pop_ready hands
 * one to the caller, who frees it with inc_free. */
#ifndef SH_INCIDENT_H
#define SH_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cJSON;

#define INC_MAX_INST 64
#define INC_MAX_RAW (256u << 10)
#define INC_MAX_AGE_WINDOWS 6

struct inc_inst {
	char id[64];
	long count;
	int64_t first_ns, last_ns;
	char first_ts[40], last_ts[40];
};

struct incident {
	char id[20];
	char app[128], fp[40], category[24], rule[80], severity[16];
	char *title;
	long occurrences;
	struct inc_inst inst[INC_MAX_INST];
	int ninst;
	long inst_overflow;          /* crashes on machines beyond the cap */
	int64_t first_ns, last_ns;
	char first_ts[40], last_ts[40];
	char *first, *last;          /* crash records as JSON text */
	struct cJSON *first_js;      /* parsed first crash (lazily) */
	int64_t open_mono, seen_mono;
	int dirty;                   /* changed since the spool copy */
	int64_t spool_mono;          /* when last spooled (or tried); 0: never */
	int ondisk;                  /* a spool file of it exists */
	int resumed;                 /* came from the spool */
	struct incident *next;
};

struct inc_table {
	struct incident *open;       /* oldest first */
	struct incident *ready, **ready_tail;
	int nopen, max_open;
	unsigned long evicted;       /* closed early by rule (e) */
	int64_t window_ms;
	int64_t watermark_ns;
};

void inc_table_init(struct inc_table *t, int64_t window_ms, int max_open);
/* inc_table_release frees all incidents, open and ready. */
void inc_table_release(struct inc_table *t);

/* inc_add adds one crash record (parsed crash, raw text raw[0..n)); app
 * is used when the record has none. Returns the incident it joined, or
 * NULL with *why set when the record lacks a fingerprint. Closing other
 * incidents may move them to the ready FIFO. */
struct incident *inc_add(struct inc_table *t, const struct cJSON *crash,
    const char *raw, size_t n, const char *app, int64_t now_mono,
    const char **why);

/* Close one open incident now (it moves to the ready FIFO). */
void inc_close(struct inc_table *t, struct incident *inc);
/* Close incidents by wall-clock rules (c) and (d). */
void inc_expire(struct inc_table *t, int64_t now_mono);
void inc_close_all(struct inc_table *t);
/* Milliseconds until the next wall-clock close, or -1 when none is open. */
int inc_next_timeout(const struct inc_table *t, int64_t now_mono);
struct incident *inc_pop_ready(struct inc_table *t);
/* Put an incident back at the head of the ready FIFO (resumed spool). */
void inc_push_ready(struct inc_table *t, struct incident *inc);

void inc_free(struct incident *inc);

/* The first crash, parsed (owned by the incident; NULL if unparsable). */
const struct cJSON *inc_first(struct incident *inc);

/* Serialize for the spool, and back (NULL on a malformed file). */
void inc_to_json(const struct incident *inc, struct sbuf *out);
struct incident *inc_from_json(const char *s, size_t n);

#endif
