/* machines.h - the Machines API calls that change things, for remediate:
 * restart (signal, timeout), start, stop, update with the full config,
 * wait for a state, leases (create, release, with the
 * fly-machine-lease-nonce header), config versions; and the reads it needs
 * (list, get, events) through flyapi.h, whose struct flyapi (HTTP client,
 * base URL, Authorization in the form the token's kind needs) it reuses.
 * See shared/reference/fly-platform.md section 4.
 *
 * Every request is paced within Fly's documented limits (per action and
 * machine 1 request/s with bursts of 3; Get Machine 5/s with bursts of
 * 10) by small token buckets, and retried on 429, 5xx, 408 (not for
 * /wait, where 408 is the answer "not yet") and transport errors with
 * exponential backoff or the server's Retry-After. A change (anything
 * but GET) is sent again only after a whole 429/5xx answer or a failed
 * connection: when it went out and the answer was cut, never came or is
 * not JSON, it may have been made, so the error says so and it is not
 * repeated; changes go out on fresh connections (libcurl re-sends on a
 * reused one that dies). A 409 is never retried: it means someone else
 * holds the machine's lease (flyctl deploys take leases), and the caller
 * backs off (mx_conflict).
 *
 * Ownership: struct mx owns its struct flyapi; JSON trees returned through
 * cJSON ** are the caller's. Nothing here prints or exits. */
#ifndef SH_MACHINES_H
#define SH_MACHINES_H

#include <stdint.h>

#include "flyapi.h"

struct cJSON;
struct token;

#define MX_BUCKETS 32

struct mx_bucket {
	uint64_t key;
	double tokens;
	int64_t at;             /* monotonic ms of the last refill */
};

struct mx {
	struct flyapi fa;
	struct mx_bucket bucket[MX_BUCKETS];
	int tries;              /* attempts per request (default 4) */
	int64_t backoff_min_ms; /* default 500 */
	int64_t backoff_max_ms; /* default 8000; Retry-After capped at 30 s */
	int lease_ttl;          /* seconds (default 120) */
	unsigned long requests, mutations;
};

/* mx_init: url NULL means https://api.machines.dev; tok may be NULL. */
int mx_init(struct mx *m, const char *url, const struct token *tok);
void mx_release(struct mx *m);

/* A 409 answer: the machine is leased by someone else (a deploy). */
int mx_conflict(const struct fa_err *e);

/* Reads. */
int mx_list(struct mx *m, const char *app, struct cJSON **out,
    struct fa_err *e);
int mx_get(struct mx *m, const char *app, const char *id, struct cJSON **out,
    struct fa_err *e);
int mx_events(struct mx *m, const char *app, const char *id, int limit,
    struct cJSON **out, struct fa_err *e);
int mx_versions(struct mx *m, const char *app, const char *id,
    struct cJSON **out, struct fa_err *e);

/* Leases: mx_lease stores the nonce (at most 63 bytes) in nonce. */
int mx_lease(struct mx *m, const char *app, const char *id,
    const char *description, char *nonce, size_t noncecap, struct fa_err *e);
int mx_unlease(struct mx *m, const char *app, const char *id,
    const char *nonce, struct fa_err *e);

/* Changes; nonce is the held lease's (NULL: none). out may be NULL. */
int mx_restart(struct mx *m, const char *app, const char *id,
    const char *nonce, const char *signal, int timeout_s, struct fa_err *e);
int mx_start(struct mx *m, const char *app, const char *id, const char *nonce,
    struct cJSON **out, struct fa_err *e);
int mx_stop(struct mx *m, const char *app, const char *id, const char *nonce,
    struct fa_err *e);
/* mx_update POSTs {"config": config, "current_version": version} (version
 * may be NULL); config is not taken. *out gets the updated machine. */
int mx_update(struct mx *m, const char *app, const char *id,
    const char *nonce, const struct cJSON *config, const char *version,
    struct cJSON **out, struct fa_err *e);
/* mx_wait waits (at most timeout_s, 1..60) for state; instance_id may be
 * NULL. Returns 0 when reached, -1 otherwise (e->status 408: not in
 * time). */
int mx_wait(struct mx *m, const char *app, const char *id,
    const char *instance_id, const char *state, int timeout_s,
    struct fa_err *e);

#endif
