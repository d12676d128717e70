/* ghhook.h - the GitHub actions as remediate's engine calls them: an
 * adapter from the engine's hook (engine.h `github`) to fixpr.h.
 *
 * Ownership: gh_hook_open returns a hook the caller frees with
 * gh_hook_close; it borrows nothing from the caller once open. */
#ifndef SH_GHHOOK_H
#define SH_GHHOOK_H

#include "util.h"

struct cJSON;
struct policy;

struct gh_hook_opts {
	const char *repo;           /* a local checkout (--repo) */
	const char *remote;         /* --remote, default origin */
	const char *github_url;     /* --github-url */
	const char *github_repo;    /* --github-repo OWNER/REPO */
	int ready;                  /* --ready: not a draft */
	long max_time_ms;           /* --max-time: one request; 0: 30 s */
	const struct policy *pol;   /* allow-paths / deny-paths per app */
};

struct gh_hook;

/* gh_hook_open sets the GitHub actions up (token from GITHUB_TOKEN);
 * returns NULL with a message in err when the configuration is unusable
 * (the caller exits 78). */
struct gh_hook *gh_hook_open(const struct gh_hook_opts *o, struct sbuf *err);
void gh_hook_close(struct gh_hook *h);

/* The engine's hook (see engine.h): github.pr (ACT_PR) or github.issue
 * (ACT_ISSUE) for diag. A pull request that could not use the patch (none,
 * refused, already merged) opens or updates an issue instead, and says so
 * in the reason. */
void gh_hook_run(void *arg, int action, const struct cJSON *diag,
    const struct cJSON *records, int apply, struct sbuf *status,
    struct sbuf *reason, struct cJSON **result);

#endif
