/* fleet.h - what remediate reads about machines, shaped for people, for
 * diagnose's agent and for its own decisions: summaries for `machines`,
 * `status`, `events` and `releases`, flyd's restart loop as seen in the
 * exit events, and the image a rollback goes back to.
 *
 * Machine JSON is Fly's (fly-platform.md 4.3, 4.6): events are read in
 * either order, timestamps as Unix ms, exit_event under request or
 * request.MonitorEvent. Output leaves out env values (only names) and
 * anything else secret-looking in the config.
 *
 * Ownership: functions returning cJSON * return new trees the caller
 * frees; inputs are not taken. Nothing here prints. */
#ifndef SH_FLEET_H
#define SH_FLEET_H

#include <stdint.h>

struct cJSON;
struct mx;
struct fa_err;

/* flyd's view of a machine's last exit. */
struct fl_exit {
	int have;               /* an exit event was found */
	int64_t ts;             /* its time, Unix ms */
	int exit_code, oom, requested_stop;
	int restarting;         /* flyd will restart it */
	int restart_count;
	int max_retries;        /* -1: unlimited (policy "always") */
	const char *policy;     /* "on-failure", "always", "no" */
};

/* fl_exit reads the newest exit event of machine m. */
void fl_last_exit(const struct cJSON *m, struct fl_exit *x);

/* Is flyd still restarting m by itself (an exit with restarting:true in
 * the last five minutes, restart count below its max)? */
int fl_flyd_restarting(const struct fl_exit *x, int64_t now_ms);

/* Are m's health checks known and all passing? failing: any critical. */
int fl_checks(const struct cJSON *m, int *total, int *passing, int *failing);

/* Summaries. */
struct cJSON *fl_machine_summary(const struct cJSON *m);
struct cJSON *fl_status(const struct cJSON *m, int64_t now_ms);
struct cJSON *fl_event(const struct cJSON *ev);

/* fl_releases builds the releases view of an app from its machines and
 * their versions (versions[i] belongs to machines[i]; entries may be
 * NULL). */
struct cJSON *fl_releases(const struct cJSON *machines,
    struct cJSON *const *versions, int n);

/* fl_previous_image: the newest image in versions (a /versions answer)
 * other than current, or NULL. The pointer is into versions. */
const char *fl_previous_image(const struct cJSON *versions,
    const char *current);
/* Did any version of versions run image? */
int fl_ran_image(const struct cJSON *versions, const char *image);

/* Fly's memory limits per CPU kind (fly-go MIN/MAX_MEMORY_MB_PER_*). */
int fl_memory_max(const char *cpu_kind, int cpus);

/* A Fly time (RFC 3339 string or Unix ms number) as Unix ms, or 0. */
int64_t fl_time_ms(const struct cJSON *v);

#endif
