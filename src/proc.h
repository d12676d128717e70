/* proc.h - run a program with an argv (never a shell), feed it stdin,
 * collect capped stdout and stderr, and kill its process group when it
 * runs out of time or the program is told to stop. Shared by diagnose's
 * agent tools (remediate's verbs, git apply --check) and the git driver of
 * the fix-PR flow.
 *
 * Ownership: the caller owns every buffer; nothing is kept. */
#ifndef SH_PROC_H
#define SH_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct proc_spec {
	const char *prog;       /* a path for execve; NULL: execvp(argv[0]) */
	char *const *argv;
	char *const *envp;      /* with prog only; NULL: our environment */
	const char *cwd;        /* NULL: ours; the child exits 126 if it
	                           cannot enter it */
	const char *in;         /* stdin, in[0..inlen); NULL: none */
	size_t inlen;
	int64_t timeout_ms;
	size_t out_cap, err_cap;  /* bytes kept of stdout and stderr */
	int ignore_stop;        /* keep going when sh_stop is set (cleanup) */
};

/* proc_run runs the program to its end. Returns 0 with the wait status in
 * *status, or -1 with errno: a pipe or fork error, ETIMEDOUT (it ran out
 * of time and was killed) or EINTR (sh_stop was set and it was killed). A
 * program that cannot be executed exits 127. */
int proc_run(const struct proc_spec *sp, struct sbuf *out, struct sbuf *err,
    int *status);

#endif
