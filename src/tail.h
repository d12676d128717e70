/* tail.h - fly-tail's engine: the sources of log lines of Fly apps (NATS,
 * the HTTP log API, machine events, files and stdin, followed files), one
 * loop that serves them all from one thread, gaps back-filled or
 * reported, state saved for restarts. cmd/fly-tail.c turns options into
 * a struct tail_opts; see man/fly-tail.1 for what each one means.
 *
 * Ownership: tail_open keeps pointers to the strings and arrays of the
 * options (the caller keeps them alive until tail_close) and to the
 * token; tail_close frees everything else. Records go to stdout; nothing
 * here exits. */
#ifndef SH_TAIL_H
#define SH_TAIL_H

#include <stddef.h>
#include <stdint.h>

#define TAIL_MAXAPPS 64
#define TAIL_MAXFOLLOW 64

struct token;

struct tail_opts {
	const char *const *apps;        /* --app, at most TAIL_MAXAPPS */
	int napps;
	const char *region, *instance;  /* a machine drops the region filter */
	const char *org;                /* NATS user; NULL: "personal" */
	const char *nats_url, *queue;
	const char *api_url, *machines_url;     /* NULL: Fly's */
	const char *state;              /* state directory, or NULL */
	char **files;                   /* read in turn; "-" is stdin */
	int nfiles;
	const char *const *follow;      /* -F files */
	int nfollow;
	int nats, api, events;          /* sources on */
	int verbose, text, color;
	int64_t since_ns;               /* history start (wall clock) */
	int64_t replay_ns;              /* --replay: rewind a saved cursor */
	int64_t stall_ms, events_ms;
	long pending, window;           /* NATS queue; de-dup window */
	size_t linecap;
	const struct token *tok;        /* or NULL */
};

struct tail;

/* tail_open starts the sources. On failure it returns NULL, an exit code
 * (sysexits) in *code and a message in err. */
struct tail *tail_open(const struct tail_opts *o, int *code, char *err,
    size_t errlen);

/* tail_run serves the sources until sh_stop is set (a signal, or a fatal
 * error: 401/404, NATS authorization) or until all inputs are read and no
 * live source is on. */
void tail_run(struct tail *t);

/* tail_close reports a gap still open, saves the state, frees t and
 * returns the exit status (0, 66 for a missing input file, 69 ...). */
int tail_close(struct tail *t);

#endif
