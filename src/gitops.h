/* gitops.h - the git side of a fix pull request, driven by running `git`
 * with an argv (fork + execve, never a shell): read the remote's default
 * branch, fetch it, make a temporary detached `git worktree` from it,
 * `git apply --index` a patch there, commit it with selfheal's identity,
 * push it to a new branch `selfheal/<fingerprint>`, and remove the
 * worktree whatever happened.
 *
 * Every command runs with:
 *   - an environment without GIT_* variables (GIT_DIR, GIT_INDEX_FILE,
 *     GIT_AUTHOR_*, GIT_CONFIG_* ... would redirect or rewrite what we
 *     do), except GIT_SSH, GIT_SSH_COMMAND, GIT_SSH_VARIANT and
 *     GIT_ASKPASS (how the user reaches the remote); plus LC_ALL=C and
 *     GIT_TERMINAL_PROMPT=0 (never wait for a password);
 *   - `-c` options: the identity (user.name, user.email), no hooks
 *     (core.hooksPath=/dev/null, --no-verify), no signing prompts, no
 *     fsmonitor, no automatic gc or maintenance, protocol.ext.allow=never;
 *   - a timeout (the process group is killed), stdout and stderr capped,
 *     stdin from the caller or /dev/null, descriptors above 2 closed.
 *
 * Pushes are never forced (no `+`, no --force), go only to a branch that
 * does not exist on the remote yet, and never to the default branch.
 *
 * Error texts are one line from git's stderr with credentials in URLs
 * (https://user:token@host) replaced by "***".
 *
 * Ownership: struct git_cfg is borrowed (strings must outlive the calls);
 * a struct git_worktree owns its path (git_worktree_remove frees it).
 * Nothing here prints. */
#ifndef SH_GITOPS_H
#define SH_GITOPS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define GIT_SHA_MAX 65          /* 64 hex digits (sha256) + NUL */
#define GIT_DEFAULT_TIMEOUT_MS 120000
#define GIT_DEFAULT_NAME "selfheal"
#define GIT_DEFAULT_EMAIL "selfheal@localhost"

struct git_cfg {
	const char *repo;           /* the local checkout (--repo DIR) */
	const char *remote;         /* NULL: "origin" */
	const char *git;            /* the program; NULL: "git" from PATH */
	const char *name, *email;   /* NULL: selfheal <selfheal@localhost> */
	const char *tmpdir;         /* worktrees go here; NULL: $TMPDIR, /tmp */
	int64_t timeout_ms;         /* per command; 0: GIT_DEFAULT_TIMEOUT_MS */
	size_t out_cap;             /* stdout kept per command; 0: 256 KiB */
};

/* git_run runs `git -c ... args...` in cwd (NULL: cfg->repo) with in[0..n)
 * on stdin; out (may be NULL) gets stdout up to the cap. Returns git's
 * exit status (0 success), or -1 when it could not be run, was killed or
 * timed out (errno ETIMEDOUT); for -1 and non-zero, why gets one line. */
int git_run(const struct git_cfg *g, const char *cwd, const char *const *args,
    const char *in, size_t n, struct sbuf *out, struct sbuf *why);

/* git_check_cfg validates the remote name and identity (no control
 * characters, no '<' '>' in them, nothing that git would take for an
 * option) and that repo is a git repository (a checkout or a bare one).
 * Returns 0 or -1. */
int git_check_cfg(const struct git_cfg *g, struct sbuf *why);

/* A branch name we are willing to hand to git: [A-Za-z0-9._/-], no "..",
 * "//", "@{", leading '-' or '/', trailing '/' or ".lock"; at most 200. */
int git_branch_ok(const char *name);

/* The remote's URL (`git remote get-url`); it may hold credentials: never
 * print it. Returns 0 or -1. */
int git_remote_url(const struct git_cfg *g, struct sbuf *url,
    struct sbuf *why);

/* The remote's default branch (`git ls-remote --symref REMOTE HEAD`).
 * Returns 0 or -1. */
int git_remote_head(const struct git_cfg *g, struct sbuf *branch,
    struct sbuf *why);

/* Whether refs/heads/BRANCH exists on the remote: 1 (sha filled, may be
 * NULL), 0, or -1 on error. */
int git_remote_has(const struct git_cfg *g, const char *branch,
    char sha[GIT_SHA_MAX], struct sbuf *why);

/* Fetch BRANCH from the remote into refs/remotes/REMOTE/BRANCH and give
 * its commit. Returns 0 or -1. */
int git_fetch(const struct git_cfg *g, const char *branch,
    char sha[GIT_SHA_MAX], struct sbuf *why);

struct git_worktree {
	char *path;                 /* NULL when none */
};

/* A detached worktree of commit sha in a new directory
 * TMPDIR/selfheal-wt-PID-XXXXXX. On failure nothing is left behind and
 * wt->path is NULL. Returns 0 or -1. */
int git_worktree_add(const struct git_cfg *g, const char *sha,
    struct git_worktree *wt, struct sbuf *why);

/* Remove the worktree (git worktree remove --force, then the directory
 * itself if git left it, then git worktree prune), even while the
 * program is being stopped. Safe on an empty wt. Returns 0, or -1 when
 * something could not be removed (why says what). */
int git_worktree_remove(const struct git_cfg *g, struct git_worktree *wt,
    struct sbuf *why);

/* Remove worktrees left by selfheal processes that no longer run (killed
 * before their cleanup). Returns how many were removed. */
int git_worktree_sweep(const struct git_cfg *g);

/* `git apply [--check] --index -p1` of diff in the worktree. Returns 0, or
 * -1 with git's reason. */
int git_apply(const struct git_cfg *g, const struct git_worktree *wt,
    const char *diff, size_t n, int check_only, struct sbuf *why);

/* Commit the index with message msg (taken verbatim but for control
 * characters; no hooks) and give the new commit. Returns 0 or -1. */
int git_commit(const struct git_cfg *g, const struct git_worktree *wt,
    const char *msg, char sha[GIT_SHA_MAX], struct sbuf *why);

/* Push commit sha to refs/heads/BRANCH on the remote. Refuses (-1) a
 * branch outside "selfheal/", equal to protect (the default branch; may
 * be NULL), or already present on the remote. Never forces. Returns 0 or
 * -1. */
int git_push_new(const struct git_cfg *g, const char *sha,
    const char *branch, const char *protect, struct sbuf *why);

/* Replace credentials in URLs inside s (scheme://user:secret@host) by
 * "***", in place. */
void git_scrub_urls(struct sbuf *s);

#endif
