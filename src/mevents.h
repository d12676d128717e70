/* mevents.h - turn Fly Machines API events into log lines. Fly sends no
 * crash webhook, so fly-tail polls: the machines of an app (one list
 * request; or one get when a single machine is watched), the events each
 * machine carries, and the machine's own events endpoint when the embedded
 * list may have holes (every embedded event is newer than the last one
 * seen). See shared/reference/fly-platform.md section 4.6.
 *
 * Exit events become `log` lines from provider "runner" with a clear
 * message ("machine 148ed193b95e89 exited with code 137 (oom killed),
 * restart 3"); a machine left stopped after a failed exit (its restart
 * budget spent, or a policy that does not restart) is reported once per
 * such exit. Each machine's last reported event (time, plus the ids at
 * that time) is kept, and saved in the state directory when one is given,
 * so no event is reported twice, also across restarts. A machine first
 * seen without saved state reports only events at or after `since_ms`.
 *
 * Ownership: mev_new returns a poller the caller frees with mev_free. The
 * record and the raw event passed to the callback are valid only during
 * the call. Nothing here prints. */
#ifndef SH_MEVENTS_H
#define SH_MEVENTS_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct flyapi;
struct fa_err;
struct logrec;

struct mev_opts {
	const char *app;
	const char *region;         /* list filter, or NULL */
	const char *instance;       /* watch this machine only, or NULL */
	const char *state_dir;      /* NULL: keep state in memory only */
	int64_t since_ms;           /* wall-clock ms (Unix) */
};

struct mev;

/* Returns NULL with a message in err when the saved state cannot be read
 * (a corrupt file is not an error: it is set aside as FILE.bad). */
struct mev *mev_new(const struct mev_opts *o, char *err, size_t errlen);
void mev_free(struct mev *m);

/* event: the raw Machines API event object (for the record's "event"). */
typedef void (*mev_emit_fn)(void *arg, struct logrec *r,
    const struct cJSON *event);

/* mev_poll does one round. Returns the number of records handed out, or
 * -1 with e filled (e->verdict: retry or fatal). A failure to save the
 * state is reported in e too, with verdict HTTP_OK and status 0 (records
 * were handed out; a warning is enough). */
int mev_poll(struct mev *m, struct flyapi *fa, struct logrec *r,
    mev_emit_fn fn, void *arg, struct fa_err *e);

/* The message of an exit event (for tests): writes into out. */
void mev_exit_message(const char *machine, const struct cJSON *event,
    char *out, size_t n, int *failure);

#endif
