/* rstate.h - remediate's memory across restarts, in one JSON file in the
 * state directory (--state DIR, file remediate.json, written whole to a
 * temporary file, fsync'ed and renamed, so a crash leaves the old or the
 * new state):
 *
 *   events   the repairs applied (and escalations sent), with time, app,
 *            machine, action, fingerprint, incident and what to undo:
 *            rate windows, cooldowns, the circuit breaker and the
 *            machines-per-incident cap are counted from them;
 *   done     keys "incident|action|machine" of actions carried out, so a
 *            replayed diagnosis never acts twice;
 *   claims   actions being carried out right now, with the action record
 *            to write if the process dies before it could (recovered by
 *            the next run: never repeated, always accounted for).
 *
 * Several processes may share a directory (the pipeline, `remediate
 * restart` by hand, `remediate mcp`): every read-modify-write happens
 * under flock(2) on DIR/remediate.lock, between rst_lock (which reloads)
 * and rst_unlock. Events older than 8 days and the oldest done keys beyond
 * 20000 are dropped, so the file stays small.
 *
 * Without a directory the state lives in memory only. A state file that
 * cannot be parsed is an error (fail closed: forgetting the windows would
 * allow more than the policy does).
 *
 * Ownership: rst_open returns a state freed by rst_close; trees returned
 * by rst_take_stale are the caller's. Nothing here prints. */
#ifndef SH_RSTATE_H
#define SH_RSTATE_H

#include <stdint.h>

#include "util.h"

struct cJSON;
struct rstate;

struct rstate *rst_open(const char *dir, struct sbuf *err);
void rst_close(struct rstate *s);

/* rst_lock takes the lock and reloads the file; rst_unlock saves when
 * anything changed and releases. Both return 0 or -1 with err filled. */
int rst_lock(struct rstate *s, struct sbuf *err);
int rst_unlock(struct rstate *s, struct sbuf *err);

/* Applied repairs of action (-1: any repair) on app (and machine, unless
 * NULL) at or after since (wall-clock ms). */
int rst_count(const struct rstate *s, int action, const char *app,
    const char *machine, int64_t since);
/* The newest such event's time, or 0. */
int64_t rst_last(const struct rstate *s, int action, const char *app,
    const char *machine);
/* Applied repairs (escalations when escalations is set) for fingerprint
 * fp of app since `since`. */
int rst_count_fp(const struct rstate *s, const char *app, const char *fp,
    int escalations, int64_t since);
/* The distinct machines repaired for incident (into out[max][48]). */
int rst_incident_machines(const struct rstate *s, const char *incident,
    char (*out)[48], int max);
/* The newest repair event for fingerprint fp of app since `since` not yet
 * verified, as an object {t, app, machine, action, fp, incident, id,
 * undo?}, or NULL. */
const struct cJSON *rst_last_fp(const struct rstate *s, const char *app,
    const char *fp, int64_t since);

/* Record an applied repair or escalation: id is the action record's id;
 * undo may be NULL (an object saying how to reverse it; copied). */
void rst_add_event(struct rstate *s, int64_t t, const char *app,
    const char *machine, int action, const char *fp, const char *incident,
    const char *id, const struct cJSON *undo);
/* Mark the events of action record id verified ("healed", "recurred",
 * "unhealthy"); rst_last_fp skips verified events. */
void rst_set_verified(struct rstate *s, const char *id, const char *outcome);

/* Keys of actions carried out. */
const struct cJSON *rst_done(const struct rstate *s, const char *key);
void rst_mark_done(struct rstate *s, const char *key, const char *status,
    int64_t t);

/* Claims: rst_claim stores a copy of the record to write if we die. */
void rst_claim(struct rstate *s, const char *key, const struct cJSON *record);
void rst_unclaim(struct rstate *s, const char *key);
/* rst_take_stale removes the claims of processes that no longer run and
 * returns their records as an array (caller frees), or NULL if none. */
struct cJSON *rst_take_stale(struct rstate *s);

/* Wall-clock milliseconds. */
int64_t rst_now(void);

#endif
