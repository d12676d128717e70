/* agenttools.h - the read-only tools diagnose offers an LLM.
 *
 * Repo tools (with --repo DIR, run in-process): list_files {path?},
 * read_file {path, start_line?, end_line?} and search_code {pattern,
 * path?}. Paths are relative to DIR; absolute paths, ".." and ".git"
 * components are refused, and every component is opened with openat and
 * O_NOFOLLOW from a descriptor of DIR, so no symlink leads outside it.
 * Reads and results are size-capped; search_code is PCRE2 under match
 * limits.
 *
 * Remediate verbs (machines, status {machine}, events {machine}, releases)
 * run `remediate VERB --app APP [--machine ID]` by fork/exec with an argv,
 * never a shell, with a timeout (its process group is killed) and an
 * output cap. The app is always the incident's: the model cannot name
 * another. Every result is redacted before it goes back to the model.
 *
 * Ownership: struct agent_tools owns its paths, the repo descriptor and
 * the machine ids it learned; at_release frees them. Results are
 * appended to the caller's sbuf. */
#ifndef SH_AGENTTOOLS_H
#define SH_AGENTTOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cJSON;
struct redactor;

#define AT_RESULT_MAX (32u << 10)
#define AT_TOOL_TIMEOUT_MS 15000

struct agent_tools {
	int repo_fd;             /* -1: no repo tools */
	char *repo;
	char *remediate;         /* NULL: no remediate tools */
	struct redactor *rx;
	char app[128];
	int64_t deadline;        /* monotonic ms: tools end by then */
	char **machines;         /* ids seen in `machines` results */
	int nmachines;
	unsigned long calls, failures;
};

/* at_init opens repo (may be NULL) and records the remediate path (may be
 * NULL). Returns 0, or -1 with a message in err. */
int at_init(struct agent_tools *t, const char *repo, const char *remediate,
    struct redactor *rx, struct sbuf *err);
void at_release(struct agent_tools *t);

/* Start an incident: the app the remediate verbs act on, the deadline;
 * forgets learned machine ids. */
void at_begin(struct agent_tools *t, const char *app, int64_t deadline);

/* The tools as [{name, description, parameters (JSON Schema)}]. */
struct cJSON *at_schemas(const struct agent_tools *t);

/* Run tool `name` with args (an object, or NULL). The redacted result, or
 * an error text for the model, is appended to out. Returns 0, or -1 when
 * the call failed (out then holds the reason). */
int at_call(struct agent_tools *t, const char *name, const struct cJSON *args,
    struct sbuf *out);

/* at_patch_check runs `git apply --check -` in the repo with diff on
 * stdin. Returns 0 when it applies, else -1 with the reason in why. */
int at_patch_check(struct agent_tools *t, const char *diff, struct sbuf *why);

/* at_run runs argv (argv[0] a path, or a name looked up in PATH) in cwd
 * (NULL: ours) with in[0..inlen) on stdin, for at most timeout_ms; stdout
 * (at most cap bytes kept) goes to out, stderr (at most 4 KiB) to err.
 * *status gets the wait status. Returns 0, or -1 with errno set (fork or
 * pipe failed) or ETIMEDOUT (killed). */
int at_run(char *const argv[], const char *cwd, const char *in, size_t inlen,
    int64_t timeout_ms, size_t cap, struct sbuf *out, struct sbuf *err,
    int *status);

#endif
