/* patchcheck.h - the gate in front of `git apply` for patches proposed by
 * an LLM: parse a unified diff (git's extended headers `diff --git`,
 * `--- a/`/`+++ b/`, rename/copy/mode lines, hunks counted exactly as git
 * counts them) into the list of paths it touches, then refuse the whole
 * patch - never trim it - when one path or property is not acceptable:
 *
 *   - outside the repository: absolute names, `..`, `.` or empty
 *     components, control characters, a `.git` component, `.gitmodules`;
 *     a parent directory (or the file itself) that is a symbolic link in
 *     the checkout the patch will be applied to (pc_check_tree);
 *   - CI configuration: `.github/`, `.gitlab-ci.yml`, `.circleci/`,
 *     `Jenkinsfile`, `azure-pipelines.yml`, `.travis.yml`, `.buildkite/`,
 *     `bitbucket-pipelines.yml`, `.drone.yml` and other CI systems' files
 *     (a pushed branch runs them, with the repository's secrets);
 *   - dependency lock files (`package-lock.json`, `yarn.lock`,
 *     `Cargo.lock`, `go.sum`, ...);
 *   - binary patches, NUL bytes, symbolic links and submodules (modes
 *     120000 and 160000);
 *   - more than a size cap (bytes, files, changed lines);
 *   - the policy: a path matching a deny glob, or (when allow globs are
 *     given) a path matching none of them.
 *
 * Globs (pc_glob_match): `*` and `?` stay inside one path component, `**`
 * crosses them, `[a-z]` classes, `\` escapes. A glob without `/` matches
 * any component of the path (`*.lock`, `node_modules`); `NAME/` matches a
 * directory at any depth; a glob with another `/` is anchored at the
 * repository root and matches the whole path, or a directory prefix of it
 * (so `src/app` also matches everything beneath src/app).
 *
 * The built-in refusals cannot be lifted by the allow globs.
 *
 * Ownership: a struct pc_patch owns its file list (pc_patch_release);
 * reasons are appended to the caller's sbuf (one line, control characters
 * replaced, paths quoted and cut at 200 bytes). Nothing here prints. */
#ifndef SH_PATCHCHECK_H
#define SH_PATCHCHECK_H

#include <stddef.h>

#include "util.h"

#define PC_DEFAULT_MAX_BYTES (256u << 10)
#define PC_DEFAULT_MAX_FILES 50
#define PC_DEFAULT_MAX_LINES 5000L

enum pc_verdict {
	PC_OK = 0,
	PC_DENIED = 1,          /* a rule refuses the patch */
	PC_MALFORMED = 2,       /* not a unified diff git would apply */
};

struct pc_file {
	char *old_path;         /* without the a/ prefix; NULL: /dev/null */
	char *new_path;         /* without the b/ prefix; NULL: /dev/null */
	unsigned old_mode, new_mode;    /* octal modes from git headers; 0 */
	int binary;
	int rename, copy;
	int hunks;
	long added, removed;
};

struct pc_patch {
	struct pc_file *files;
	int nfiles;
	/* every name any header gives (both sides, rename and copy lines,
	 * each reading of an ambiguous `diff --git` line): all are checked */
	char **paths;
	int npaths;
	size_t bytes;
	long added, removed;
	int hunks;
};

struct pc_rules {
	size_t max_bytes;       /* 0: PC_DEFAULT_MAX_BYTES */
	int max_files;          /* 0: PC_DEFAULT_MAX_FILES */
	long max_lines;         /* added + removed; 0: PC_DEFAULT_MAX_LINES */
	const char *const *allow;   /* NULL-ended globs; NULL or empty: any */
	const char *const *deny;    /* NULL-ended globs, besides the built-ins */
};

void pc_patch_init(struct pc_patch *p);
void pc_patch_release(struct pc_patch *p);

/* pc_parse parses diff[0..n) into p (initialized by the caller). Returns
 * PC_OK, PC_MALFORMED (a hunk shorter than its header, a hunk without a
 * file header, a name without a prefix, no file at all) or PC_DENIED
 * (NUL bytes, more than max_bytes: checked before parsing, so a huge
 * input costs nothing) with the reason in why. */
int pc_parse(const char *diff, size_t n, const struct pc_rules *r,
    struct pc_patch *p, struct sbuf *why);

/* pc_check applies the path rules, modes, binary and size caps to a
 * parsed patch. Returns PC_OK or PC_DENIED with the reason in why. */
int pc_check(const struct pc_patch *p, const struct pc_rules *r,
    struct sbuf *why);

/* pc_check_tree refuses a patch whose paths go through a symbolic link
 * (or name one) in the directory root, checked with lstat component by
 * component from root. Returns PC_OK or PC_DENIED with the reason. */
int pc_check_tree(const struct pc_patch *p, const char *root,
    struct sbuf *why);

/* pc_validate = pc_parse + pc_check. */
int pc_validate(const char *diff, size_t n, const struct pc_rules *r,
    struct pc_patch *p, struct sbuf *why);

/* pc_path_reason checks one repository-relative path against the
 * built-in rules and r's globs (r may be NULL). Returns NULL when the path
 * is acceptable, else a static string naming the rule. */
const char *pc_path_reason(const char *path, const struct pc_rules *r);

/* pc_glob_match: 1 when path matches pattern (syntax above), 0 when not,
 * -1 when the match gave up (too much backtracking: callers fail
 * closed). */
int pc_glob_match(const char *pattern, const char *path);

#endif
