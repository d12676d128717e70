/* gitops.c - see gitops.h. One runner (run()) does the fork, the pipes,
 * the timeout and the caps; the operations are argv tables on top of it.
 * The program path is resolved in the parent, so the child between fork
 * and execve only calls async-signal-safe functions. */
#include "gitops.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ERR_CAP 8192
#define DEFAULT_OUT_CAP (256u << 10)
#define MAX_ARGS 64

/* GIT_* variables the user may need to reach the remote. */
static const char *const keep_env[] = {
	"GIT_SSH=", "GIT_SSH_COMMAND=", "GIT_SSH_VARIANT=", "GIT_ASKPASS=", NULL,
};

static int
keep_var(const char *e)
{
	if (!strncmp(e, "LC_ALL=", 7) || !strncmp(e, "GIT_TERMINAL_PROMPT=", 20))
		return 0;       /* set below */
	if (strncmp(e, "GIT_", 4))
		return 1;
	for (const char *const *k = keep_env; *k; k++)
		if (!strncmp(e, *k, strlen(*k)))
			return 1;
	return 0;
}

static char **
child_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	env = xcalloc(n + 4, sizeof *env);
	for (char **e = environ; e && *e; e++)
		if (keep_var(*e))
			env[k++] = *e;
	env[k++] = "LC_ALL=C";
	env[k++] = "GIT_TERMINAL_PROMPT=0";
	env[k++] = "GCM_INTERACTIVE=never";
	env[k] = NULL;
	return env;
}

/* The program's path, searched in PATH when it has no '/'. */
static char *
find_program(const char *prog)
{
	const char *path = getenv("PATH");
	struct sbuf b;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	sbuf_init(&b);
	while (*path) {
		const char *e = strchr(path, ':');
		size_t k = e ? (size_t)(e - path) : strlen(path);
		sbuf_reset(&b);
		sbuf_add(&b, k ? path : ".", k ? k : 1);
		sbuf_addc(&b, '/');
		sbuf_adds(&b, prog);
		struct stat st;
		if (stat(b.s, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(b.s, X_OK) == 0)
			return b.s;     /* the sbuf's buffer becomes the result */
		path += k + (e ? 1 : 0);
	}
	sbuf_release(&b);
	return NULL;
}

void
git_scrub_urls(struct sbuf *s)
{
	struct sbuf o;
	size_t i = 0;

	if (!s->len)
		return;
	sbuf_init(&o);
	while (i < s->len) {
		char *p = strstr(s->s + i, "://");
		if (!p) {
			sbuf_add(&o, s->s + i, s->len - i);
			break;
		}
		size_t at = (size_t)(p - s->s) + 3;
		sbuf_add(&o, s->s + i, at - i);
		/* userinfo ends at '@' before any '/', space or quote */
		size_t j = at;
		while (j < s->len && !strchr("/@ \t\n'\"<>", s->s[j]))
			j++;
		if (j < s->len && s->s[j] == '@') {
			sbuf_adds(&o, "***");
			i = j;
		} else {
			i = at;
		}
	}
	sbuf_reset(s);
	sbuf_add(s, o.s, o.len);
	sbuf_release(&o);
}

/* One line of git's complaint: the first "fatal:"/"error:" line, else the
 * first non-empty one; credentials scrubbed, control characters
 * replaced, at most 300 bytes. */
static void
complaint(struct sbuf *why, const char *what, const struct sbuf *err,
    const struct sbuf *out)
{
	const struct sbuf *src[2] = { err, out };
	const char *best = NULL;
	size_t bn = 0;

	/* git push --porcelain: "!\tSRC:DST\t[rejected] (why)" on stdout */
	for (const char *s = out && out->s ? out->s : ""; *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n > 2 && s[0] == '!' && s[1] == '\t') {
			best = s;
			bn = n;
			break;
		}
		s = e ? e + 1 : s + n;
	}
	for (int k = 0; k < 2 && !best; k++) {
		const char *s = src[k] && src[k]->s ? src[k]->s : "";
		const char *first = NULL;
		size_t fn = 0;
		while (*s) {
			const char *e = strchr(s, '\n');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
				n--;
			if (n && !first) {
				first = s;
				fn = n;
			}
			if (n && (!strncmp(s, "fatal: ", 7) || !strncmp(s, "error: ",
			    7))) {
				best = s;
				bn = n;
				break;
			}
			s = e ? e + 1 : s + n;
		}
		if (!best && first) {
			best = first;
			bn = fn;
		}
	}
	struct sbuf t;
	sbuf_init(&t);
	sbuf_adds(&t, what);
	if (best) {
		sbuf_adds(&t, ": ");
		sbuf_add(&t, best, bn > 300 ? 300 : bn);
	}
	git_scrub_urls(&t);
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.s[i] < 0x20 || t.s[i] == 0x7f)
			t.s[i] = ' ';
	sbuf_add(why, t.s, t.len);
	sbuf_release(&t);
}

/* Run git with the fixed options, then args. cleanup: run even when
 * sh_stop is set (the worktree must go). */
static int
run(const struct git_cfg *g, const char *cwd, const char *const *args,
    const char *in, size_t inlen, struct sbuf *out, struct sbuf *why,
    int cleanup)
{
	char idn[300], ide[300];
	const char *argv[MAX_ARGS + 32];
	int argc = 0, status = 0;
	int64_t timeout = g->timeout_ms > 0 ? g->timeout_ms :
	    GIT_DEFAULT_TIMEOUT_MS;
	size_t cap = g->out_cap ? g->out_cap : DEFAULT_OUT_CAP;
	struct sbuf err;
	char *prog, **envp;
	const char *sub = "git";

	prog = find_program(g->git ? g->git : "git");
	if (!prog) {
		sbuf_addf(why, "cannot find the program \"%s\"", g->git ? g->git :
		    "git");
		errno = ENOENT;
		return -1;
	}
	snprintf(idn, sizeof idn, "user.name=%s", g->name ? g->name :
	    GIT_DEFAULT_NAME);
	snprintf(ide, sizeof ide, "user.email=%s", g->email ? g->email :
	    GIT_DEFAULT_EMAIL);
	argv[argc++] = "git";
	static const char *const fixed[] = {
		"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false",
		"-c", "tag.gpgSign=false", "-c", "push.gpgSign=false",
		"-c", "core.fsmonitor=false", "-c", "gc.auto=0",
		"-c", "maintenance.auto=false", "-c", "protocol.ext.allow=never",
		"-c", "advice.detachedHead=false", "-c", "core.pager=cat",
		"-c", "credential.interactive=never", NULL,
	};
	for (int i = 0; fixed[i]; i++)
		argv[argc++] = fixed[i];
	argv[argc++] = "-c";
	argv[argc++] = idn;
	argv[argc++] = "-c";
	argv[argc++] = ide;
	for (int i = 0; args[i]; i++) {
		if (i >= MAX_ARGS) {
			free(prog);
			sbuf_adds(why, "too many git arguments");
			errno = E2BIG;
			return -1;
		}
		if (i == 0)
			sub = args[0];
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;

	envp = child_env();
	struct proc_spec sp = { .prog = prog, .argv = (char *const *)argv,
		.envp = envp, .cwd = cwd ? cwd : g->repo, .in = in, .inlen = inlen,
		.timeout_ms = timeout, .out_cap = cap, .err_cap = ERR_CAP,
		.ignore_stop = cleanup };
	sbuf_init(&err);
	int prc = proc_run(&sp, out, &err, &status);
	int e = errno;
	free(envp);
	free(prog);
	if (prc < 0) {
		if (e == ETIMEDOUT || e == EINTR)
			sbuf_addf(why, "git %s: %s", sub, e == ETIMEDOUT ?
			    "timed out" : "stopped");
		else
			sbuf_addf(why, "git %s: cannot run it: %s", sub, strerror(e));
		sbuf_release(&err);
		errno = e;
		return -1;
	}
	if (WIFSIGNALED(status)) {
		sbuf_addf(why, "git %s: killed by signal %d", sub, WTERMSIG(status));
		sbuf_release(&err);
		errno = EINTR;
		return -1;
	}
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (rc == 127 && !err.len) {
		sbuf_addf(why, "git %s: could not run git", sub);
	} else if (rc == 126 && !err.len) {
		sbuf_addf(why, "git %s: cannot enter the directory", sub);
	} else if (rc != 0) {
		char what[64];
		snprintf(what, sizeof what, "git %s failed", sub);
		complaint(why, what, &err, out);
	}
	sbuf_release(&err);
	return rc;
}

int
git_run(const struct git_cfg *g, const char *cwd, const char *const *args,
    const char *in, size_t n, struct sbuf *out, struct sbuf *why)
{
	return run(g, cwd, args, in, n, out, why, 0);
}

static const char *
remote(const struct git_cfg *g)
{
	return g->remote && *g->remote ? g->remote : "origin";
}

static int
plain_text(const char *s, int angle)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (angle && (*s == '<' ||
		    *s == '>')))
			return 0;
	return 1;
}

int
git_branch_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 200 || s[0] == '-' || s[0] == '/' || s[0] == '.' ||
	    s[n - 1] == '/' || s[n - 1] == '.' || strstr(s, "..") ||
	    strstr(s, "//") || strstr(s, "@{") || strstr(s, "/.") ||
	    (n >= 5 && !strcmp(s + n - 5, ".lock")))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._/-", *p)))
			return 0;
	return 1;
}

int
git_check_cfg(const struct git_cfg *g, struct sbuf *why)
{
	const char *r = remote(g);
	struct sbuf out;
	int rc;

	if (!g->repo || !*g->repo) {
		sbuf_adds(why, "no repository (--repo DIR)");
		return -1;
	}
	if (r[0] == '-' || !git_branch_ok(r) || strchr(r, '/')) {
		sbuf_adds(why, "bad remote name (letters, digits, '.', '_', '-')");
		return -1;
	}
	if ((g->name && (!*g->name || strlen(g->name) > 200 ||
	    !plain_text(g->name, 1))) || (g->email && (!*g->email ||
	    strlen(g->email) > 200 || !plain_text(g->email, 1)))) {
		sbuf_adds(why, "bad commit identity: no control characters, '<' or "
		    "'>', at most 200 bytes");
		return -1;
	}
	/* a checkout or a bare repository: worktrees come from either */
	sbuf_init(&out);
	const char *args[] = { "rev-parse", "--git-dir", NULL };
	rc = run(g, NULL, args, NULL, 0, &out, why, 0);
	if (rc > 0) {
		sbuf_reset(why);
		sbuf_addf(why, "%s is not a git repository", g->repo);
	}
	sbuf_release(&out);
	return rc == 0 ? 0 : -1;
}

int
git_remote_url(const struct git_cfg *g, struct sbuf *url, struct sbuf *why)
{
	const char *args[] = { "remote", "get-url", "--", remote(g), NULL };
	struct sbuf out;
	int rc;

	sbuf_init(&out);
	rc = run(g, NULL, args, NULL, 0, &out, why, 0);
	if (rc == 0) {
		size_t n = out.len;
		while (n && (out.s[n - 1] == '\n' || out.s[n - 1] == '\r'))
			n--;
		if (!n || memchr(out.s, '\n', n)) {
			sbuf_adds(why, "git remote get-url: no single URL");
			rc = -1;
		} else {
			sbuf_add(url, out.s, n);
		}
	}
	explicit_bzero(out.s ? out.s : (char *)"", out.len);
	sbuf_release(&out);
	return rc == 0 ? 0 : -1;
}

int
git_remote_head(const struct git_cfg *g, struct sbuf *branch,
    struct sbuf *why)
{
	const char *args[] = { "ls-remote", "--symref", "--", remote(g), "HEAD",
		NULL };
	struct sbuf out;
	int rc;

	sbuf_init(&out);
	rc = run(g, NULL, args, NULL, 0, &out, why, 0);
	if (rc == 0) {
		/* "ref: refs/heads/main\tHEAD" */
		const char *s = out.s ? out.s : "";
		const char *p = strstr(s, "ref: refs/heads/");
		rc = -1;
		if (p && (p == s || p[-1] == '\n')) {
			p += 16;
			const char *e = strchr(p, '\t');
			if (e) {
				sbuf_add(branch, p, (size_t)(e - p));
				rc = git_branch_ok(branch->s) ? 0 : -1;
			}
		}
		if (rc < 0)
			sbuf_adds(why, "the remote names no default branch (HEAD)");
	}
	sbuf_release(&out);
	return rc == 0 ? 0 : -1;
}

static int
sha_ok(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
git_remote_has(const struct git_cfg *g, const char *branch,
    char sha[GIT_SHA_MAX], struct sbuf *why)
{
	char ref[256];
	struct sbuf out;
	int rc, found = 0;

	if (!git_branch_ok(branch)) {
		sbuf_adds(why, "bad branch name");
		return -1;
	}
	snprintf(ref, sizeof ref, "refs/heads/%s", branch);
	const char *args[] = { "ls-remote", "--heads", "--", remote(g), ref,
		NULL };
	sbuf_init(&out);
	rc = run(g, NULL, args, NULL, 0, &out, why, 0);
	if (rc != 0) {
		sbuf_release(&out);
		return -1;
	}
	for (const char *s = out.s ? out.s : ""; *s;) {
		const char *e = strchr(s, '\n'), *tab = strchr(s, '\t');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (tab && tab < s + n && (size_t)(s + n - tab - 1) == strlen(ref) &&
		    !memcmp(tab + 1, ref, strlen(ref)) && sha_ok(s, (size_t)(tab -
		    s))) {
			found = 1;
			if (sha) {
				memcpy(sha, s, (size_t)(tab - s));
				sha[tab - s] = '\0';
			}
		}
		s = e ? e + 1 : s + n;
	}
	sbuf_release(&out);
	return found;
}

static int
rev_parse(const struct git_cfg *g, const char *cwd, const char *rev,
    char sha[GIT_SHA_MAX], struct sbuf *why)
{
	const char *args[] = { "rev-parse", "--verify", "--quiet", rev, NULL };
	struct sbuf out;
	int rc;

	sbuf_init(&out);
	rc = run(g, cwd, args, NULL, 0, &out, why, 0);
	if (rc == 0) {
		size_t n = out.len;
		while (n && out.s[n - 1] == '\n')
			n--;
		if (sha_ok(out.s, n)) {
			memcpy(sha, out.s, n);
			sha[n] = '\0';
		} else {
			sbuf_addf(why, "git rev-parse: no commit for %s", rev);
			rc = -1;
		}
	} else if (rc > 0 && !why->len) {
		sbuf_addf(why, "git rev-parse: no commit for %s", rev);
	}
	sbuf_release(&out);
	return rc == 0 ? 0 : -1;
}

int
git_fetch(const struct git_cfg *g, const char *branch, char sha[GIT_SHA_MAX],
    struct sbuf *why)
{
	char spec[600], track[400];
	int rc;

	if (!git_branch_ok(branch)) {
		sbuf_adds(why, "bad branch name");
		return -1;
	}
	snprintf(track, sizeof track, "refs/remotes/%s/%s", remote(g), branch);
	/* '+': the local remote-tracking ref follows the remote, as with any
	 * `git fetch`; nothing is pushed here */
	snprintf(spec, sizeof spec, "+refs/heads/%s:%s", branch, track);
	const char *args[] = { "fetch", "--quiet", "--no-tags",
		"--no-recurse-submodules", "--", remote(g), spec, NULL };
	rc = run(g, NULL, args, NULL, 0, NULL, why, 0);
	if (rc != 0)
		return -1;
	snprintf(spec, sizeof spec, "%s^{commit}", track);
	return rev_parse(g, NULL, spec, sha, why);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int
rm_tree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static const char *
tmp_base(const struct git_cfg *g)
{
	const char *t = g->tmpdir && *g->tmpdir ? g->tmpdir : getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

int
git_worktree_add(const struct git_cfg *g, const char *sha,
    struct git_worktree *wt, struct sbuf *why)
{
	char dir[PATH_MAX], *base;
	int rc, n;

	wt->path = NULL;
	if (!sha_ok(sha, strlen(sha))) {
		sbuf_adds(why, "git worktree add: not a commit id");
		return -1;
	}
	/* absolute: git runs in the repository, we run elsewhere */
	if (!(base = realpath(tmp_base(g), NULL))) {
		sbuf_addf(why, "temporary directory %s: %s", tmp_base(g),
		    strerror(errno));
		return -1;
	}
	n = snprintf(dir, sizeof dir, "%s/selfheal-wt-%ld-XXXXXX", base,
	    (long)getpid());
	free(base);
	if (n >= (int)sizeof dir) {
		sbuf_adds(why, "temporary directory name too long");
		return -1;
	}
	if (!mkdtemp(dir)) {
		sbuf_addf(why, "cannot create a temporary directory in %s: %s",
		    tmp_base(g), strerror(errno));
		return -1;
	}
	/* git takes an existing empty directory */
	const char *args[] = { "worktree", "add", "--detach", "--quiet", "--",
		dir, sha, NULL };
	rc = run(g, NULL, args, NULL, 0, NULL, why, 0);
	if (rc != 0) {
		const char *prune[] = { "worktree", "prune", NULL };
		struct sbuf ignore;
		sbuf_init(&ignore);
		rm_tree(dir);
		run(g, NULL, prune, NULL, 0, NULL, &ignore, 1);
		sbuf_release(&ignore);
		return -1;
	}
	wt->path = xstrdup(dir);
	return 0;
}

int
git_worktree_remove(const struct git_cfg *g, struct git_worktree *wt,
    struct sbuf *why)
{
	struct sbuf ignore;
	int rc = 0;

	if (!wt->path)
		return 0;
	sbuf_init(&ignore);
	const char *args[] = { "worktree", "remove", "--force", "--", wt->path,
		NULL };
	run(g, NULL, args, NULL, 0, NULL, &ignore, 1);
	if (rm_tree(wt->path) < 0) {
		sbuf_addf(why, "cannot remove the worktree %s: %s", wt->path,
		    strerror(errno));
		rc = -1;
	}
	const char *prune[] = { "worktree", "prune", NULL };
	run(g, NULL, prune, NULL, 0, NULL, &ignore, 1);
	sbuf_release(&ignore);
	free(wt->path);
	wt->path = NULL;
	return rc;
}

int
git_worktree_sweep(const struct git_cfg *g)
{
	const char *args[] = { "worktree", "list", "--porcelain", NULL };
	struct sbuf out, why;
	int n = 0;

	sbuf_init(&out);
	sbuf_init(&why);
	if (run(g, NULL, args, NULL, 0, &out, &why, 0) != 0)
		goto done;
	for (const char *s = out.s ? out.s : ""; *s;) {
		const char *e = strchr(s, '\n');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		if (k > 9 && !strncmp(s, "worktree ", 9)) {
			char path[PATH_MAX];
			size_t pl = k - 9;
			if (pl < sizeof path) {
				memcpy(path, s + 9, pl);
				path[pl] = '\0';
				const char *b = strrchr(path, '/');
				long pid;
				char *end;
				b = b ? b + 1 : path;
				if (!strncmp(b, "selfheal-wt-", 12)) {
					pid = strtol(b + 12, &end, 10);
					if (end != b + 12 && *end == '-' && pid > 0 &&
					    pid != (long)getpid() && kill((pid_t)pid, 0) < 0 &&
					    errno == ESRCH) {
						struct git_worktree wt = { xstrdup(path) };
						sbuf_reset(&why);
						git_worktree_remove(g, &wt, &why);
						n++;
					}
				}
			}
		}
		s = e ? e + 1 : s + k;
	}
done:
	sbuf_release(&out);
	sbuf_release(&why);
	return n;
}

int
git_apply(const struct git_cfg *g, const struct git_worktree *wt,
    const char *diff, size_t n, int check_only, struct sbuf *why)
{
	const char *apply[] = { "apply", "--index", "-p1", "--whitespace=nowarn",
		"-", NULL };
	const char *check[] = { "apply", "--check", "--index", "-p1",
		"--whitespace=nowarn", "-", NULL };
	int rc;

	if (!wt->path) {
		sbuf_adds(why, "git apply: no worktree");
		return -1;
	}
	if (n == 0) {
		sbuf_adds(why, "git apply: empty patch");
		return -1;
	}
	rc = run(g, wt->path, check_only ? check : apply, diff, n, NULL, why, 0);
	return rc == 0 ? 0 : -1;
}

int
git_commit(const struct git_cfg *g, const struct git_worktree *wt,
    const char *msg, char sha[GIT_SHA_MAX], struct sbuf *why)
{
	const char *args[] = { "commit", "--quiet", "--no-verify",
		"--cleanup=whitespace", "--file=-", NULL };
	struct sbuf m;
	int rc;

	if (!wt->path) {
		sbuf_adds(why, "git commit: no worktree");
		return -1;
	}
	sbuf_init(&m);
	for (const char *s = msg; *s; s++)
		sbuf_addc(&m, (unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ?
		    '?' : *s);
	if (!m.len)
		sbuf_adds(&m, "selfheal fix");
	rc = run(g, wt->path, args, m.s, m.len, NULL, why, 0);
	sbuf_release(&m);
	if (rc != 0)
		return -1;
	return rev_parse(g, wt->path, "HEAD^{commit}", sha, why);
}

int
git_push_new(const struct git_cfg *g, const char *sha, const char *branch,
    const char *protect, struct sbuf *why)
{
	char spec[400];
	struct sbuf out;
	int rc;

	if (!sha_ok(sha, strlen(sha)) || !git_branch_ok(branch)) {
		sbuf_adds(why, "git push: bad commit or branch name");
		return -1;
	}
	if (strncmp(branch, "selfheal/", 9) || (protect && !strcmp(branch,
	    protect))) {
		sbuf_addf(why, "refusing to push to \"%s\": only new selfheal/ "
		    "branches are pushed", branch);
		return -1;
	}
	rc = git_remote_has(g, branch, NULL, why);
	if (rc != 0) {
		if (rc > 0)
			sbuf_addf(why, "branch %s already exists on the remote: not "
			    "pushing over it", branch);
		return -1;
	}
	/* no '+' and no --force: the remote refuses anything but a creation
	 * or a fast-forward, and the branch did not exist a moment ago */
	snprintf(spec, sizeof spec, "%s:refs/heads/%s", sha, branch);
	const char *args[] = { "push", "--porcelain", "--no-verify", "--",
		remote(g), spec, NULL };
	sbuf_init(&out);
	rc = run(g, NULL, args, NULL, 0, &out, why, 0);
	sbuf_release(&out);
	return rc == 0 ? 0 : -1;
}
