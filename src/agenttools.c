/* agenttools.c - see agenttools.h. */
#include "agenttools.h"
#include "patchcheck.h"
#include "proc.h"
#include "json.h"
#include "redact.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIST_MAX 400
#define LIST_DEPTH 8
#define READ_FILE_MAX (1u << 20)
#define READ_LINES_MAX 400
#define SEARCH_HITS 50
#define SEARCH_FILES 3000
#define SEARCH_LINE 240
#define PATH_MAX_LEN 1024

int
at_init(struct agent_tools *t, const char *repo, const char *remediate,
    struct redactor *rx, struct sbuf *err)
{
	memset(t, 0, sizeof *t);
	t->repo_fd = -1;
	t->rx = rx;
	if (repo) {
		t->repo_fd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t->repo_fd < 0) {
			sbuf_addf(err, "%s: %s", repo, strerror(errno));
			return -1;
		}
		t->repo = xstrdup(repo);
	}
	if (remediate)
		t->remediate = xstrdup(remediate);
	return 0;
}

static void
forget_machines(struct agent_tools *t)
{
	for (int i = 0; i < t->nmachines; i++)
		free(t->machines[i]);
	free(t->machines);
	t->machines = NULL;
	t->nmachines = 0;
}

void
at_release(struct agent_tools *t)
{
	if (t->repo_fd >= 0)
		close(t->repo_fd);
	free(t->repo);
	free(t->remediate);
	forget_machines(t);
	memset(t, 0, sizeof *t);
	t->repo_fd = -1;
}

void
at_begin(struct agent_tools *t, const char *app, int64_t deadline)
{
	snprintf(t->app, sizeof t->app, "%s", app ? app : "");
	t->deadline = deadline;
	forget_machines(t);
}

static cJSON *
schema(const char *const *props, const char *const *types,
    const char *const *descs, const char *const *required)
{
	cJSON *s = cJSON_CreateObject(), *p, *r;

	cJSON_AddStringToObject(s, "type", "object");
	p = cJSON_AddObjectToObject(s, "properties");
	for (int i = 0; props && props[i]; i++) {
		cJSON *o = cJSON_AddObjectToObject(p, props[i]);
		cJSON_AddStringToObject(o, "type", types[i]);
		cJSON_AddStringToObject(o, "description", descs[i]);
	}
	r = cJSON_AddArrayToObject(s, "required");
	for (int i = 0; required && required[i]; i++)
		cJSON_AddItemToArray(r, cJSON_CreateString(required[i]));
	cJSON_AddFalseToObject(s, "additionalProperties");
	return s;
}

static void
tool(cJSON *arr, const char *name, const char *desc, cJSON *params)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "description", desc);
	cJSON_AddItemToObject(o, "parameters", params);
	cJSON_AddItemToArray(arr, o);
}

cJSON *
at_schemas(const struct agent_tools *t)
{
	static const char *const mp[] = { "machine", NULL };
	static const char *const mt[] = { "string" };
	static const char *const md[] = { "Machine ID (14 hex digits) of the "
		"incident's app" };
	static const char *const lp[] = { "path", NULL };
	static const char *const lt[] = { "string" };
	static const char *const ld[] = { "Directory relative to the repository "
		"root (default: the root)" };
	static const char *const rp[] = { "path", "start_line", "end_line",
		NULL };
	static const char *const rt[] = { "string", "integer", "integer" };
	static const char *const rd[] = { ("File path relative to the "
		"repository root"), "First line to return (1-based, default 1)",
		"Last line to return (default start_line + 299)" };
	static const char *const rr[] = { "path", NULL };
	static const char *const sp[] = { "pattern", "path", NULL };
	static const char *const st[] = { "string", "string" };
	static const char *const sd[] = { ("PCRE2 regular expression, matched "
		"per line"), ("Directory or file to search, relative to the "
		"repository root (default: all)") };
	static const char *const sr[] = { "pattern", NULL };
	cJSON *a = cJSON_CreateArray();

	if (t->remediate && t->app[0]) {
		tool(a, "machines", "List the machines of the incident's app "
		    "(id, state, region, image, memory). Read-only.",
		    schema(NULL, NULL, NULL, NULL));
		tool(a, "status", "Show one machine of the incident's app: state, "
		    "config, health checks, last exit. Read-only.",
		    schema(mp, mt, md, mp));
		tool(a, "events", "Recent events of one machine of the incident's "
		    "app (starts, exits with codes, OOM kills, restarts). "
		    "Read-only.", schema(mp, mt, md, mp));
		tool(a, "releases", "Recent releases of the incident's app "
		    "(version, image, status, time). Read-only.",
		    schema(NULL, NULL, NULL, NULL));
	}
	if (t->repo_fd >= 0) {
		tool(a, "list_files", "List files of the app's source repository "
		    "(recursive, at most 400 entries).", schema(lp, lt, ld, NULL));
		tool(a, "read_file", "Read lines of a file of the app's source "
		    "repository (at most 400 lines per call), numbered.",
		    schema(rp, rt, rd, rr));
		tool(a, "search_code", "Search the app's source repository with a "
		    "regular expression; returns path:line: text for up to 50 "
		    "matches.", schema(sp, st, sd, sr));
	}
	return a;
}

/* ---- running programs ---- */

int
at_run(char *const argv[], const char *cwd, const char *in, size_t inlen,
    int64_t timeout_ms, size_t cap, struct sbuf *out, struct sbuf *err,
    int *status)
{
	struct proc_spec sp = { .argv = argv, .cwd = cwd, .in = in,
		.inlen = inlen, .timeout_ms = timeout_ms, .out_cap = cap,
		.err_cap = 4096 };
	int rc = proc_run(&sp, out, err, status);

	if (rc < 0 && errno == EINTR)
		errno = ETIMEDOUT; /* killed either way: the caller's contract */
	return rc;
}

static int64_t
time_left(const struct agent_tools *t)
{
	int64_t left = t->deadline ? t->deadline - sh_now_mono_ms() :
	    AT_TOOL_TIMEOUT_MS;
	return left > AT_TOOL_TIMEOUT_MS ? AT_TOOL_TIMEOUT_MS : left;
}

static int
machine_shape(const char *m)
{
	size_t n = m ? strlen(m) : 0;
	return n >= 4 && n <= 32 && strspn(m, "0123456789abcdefghijklmnopqrstuv"
	    "wxyz") == n;
}

/* Remember machine ids from a `machines` result: any "id" strings of
 * machine shape. */
static void
learn(struct agent_tools *t, const cJSON *j, int depth)
{
	if (!j || depth > 4)
		return;
	for (const cJSON *c = j->child; c; c = c->next) {
		if (c->string && !strcmp(c->string, "id") && cJSON_IsString(c) &&
		    machine_shape(c->valuestring) && t->nmachines < 256) {
			t->machines = xrealloc(t->machines, (size_t)(t->nmachines + 1) *
			    sizeof *t->machines);
			t->machines[t->nmachines++] = xstrdup(c->valuestring);
		}
		learn(t, c, depth + 1);
	}
}

static int
verb(struct agent_tools *t, const char *name, const cJSON *args,
    struct sbuf *out)
{
	const char *m = js_get_str(args, "machine");
	const char *app = js_get_str(args, "app");
	char *argv[8];
	struct sbuf o, e;
	int status, n = 0, rc;
	int need_m = !strcmp(name, "status") || !strcmp(name, "events");

	if (app && strcmp(app, t->app)) {
		sbuf_addf(out, "error: this tool only works on app \"%s\", the "
		    "incident's app", t->app);
		return -1;
	}
	if (need_m && !machine_shape(m)) {
		sbuf_adds(out, "error: \"machine\" must be a machine ID (lowercase "
		    "letters and digits)");
		return -1;
	}
	argv[n++] = t->remediate;
	argv[n++] = (char *)name;
	argv[n++] = "--app";
	argv[n++] = t->app;
	if (need_m) {
		argv[n++] = "--machine";
		argv[n++] = (char *)m;
	}
	argv[n] = NULL;
	sbuf_init(&o);
	sbuf_init(&e);
	rc = at_run(argv, NULL, NULL, 0, time_left(t), AT_RESULT_MAX, &o, &e,
	    &status);
	if (rc < 0) {
		sbuf_addf(out, "error: remediate %s: %s", name, errno == ETIMEDOUT ?
		    "timed out" : strerror(errno));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sbuf_addf(out, "error: remediate %s exited with status %d",
		    name, WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
		if (e.len)
			sbuf_addf(out, ": %.*s", (int)(e.len > 1000 ? 1000 : e.len),
			    e.s);
		rc = -1;
	} else {
		if (!strcmp(name, "machines")) {
			cJSON *j = js_parse(o.s ? o.s : "", o.len);
			learn(t, j, 0);
			cJSON_Delete(j);
		}
		sbuf_add(out, o.s ? o.s : "", o.len);
	}
	sbuf_release(&o);
	sbuf_release(&e);
	return rc;
}

/* ---- the repository ---- */

/* Open path (relative to the repo root) component by component without
 * following symlinks. Returns a descriptor and fills *st, or -1 with the
 * reason appended to why. */
static int
open_in_repo(struct agent_tools *t, const char *path, struct stat *st,
    struct sbuf *why)
{
	char comp[256];
	const char *p = path && *path ? path : ".";
	int fd;

	if (*p == '/') {
		sbuf_adds(why, "error: absolute paths are not allowed; give a path "
		    "relative to the repository root");
		return -1;
	}
	if (strlen(p) > PATH_MAX_LEN) {
		sbuf_adds(why, "error: path too long");
		return -1;
	}
	fd = openat(t->repo_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && *p) {
		size_t n = strcspn(p, "/");
		if (n >= sizeof comp) {
			close(fd);
			sbuf_adds(why, "error: path component too long");
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n + (p[n] == '/');
		if (n == 0 || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..") || !strcmp(comp, ".git")) {
			close(fd);
			sbuf_addf(why, "error: \"%s\" components are not allowed", comp);
			return -1;
		}
		int nfd = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = nfd;
		if (fd < 0) {
			if (e == ELOOP || e == EMLINK)
				sbuf_addf(why, "error: \"%s\" is a symbolic link; links are "
				    "not followed", comp);
			else
				sbuf_addf(why, "error: %s: %s", comp, strerror(e));
			return -1;
		}
		if (*p) {
			struct stat s;
			if (fstat(fd, &s) < 0 || !S_ISDIR(s.st_mode)) {
				close(fd);
				sbuf_addf(why, "error: %s: not a directory", comp);
				return -1;
			}
		}
	}
	if (fd < 0) {
		sbuf_addf(why, "error: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || (!S_ISDIR(st->st_mode) &&
	    !S_ISREG(st->st_mode))) {
		close(fd);
		sbuf_adds(why, "error: not a regular file or directory");
		return -1;
	}
	/* a second name for a file may be one outside the checkout (a hard
	 * link is no symlink: O_NOFOLLOW does not see it); a git checkout
	 * has none (tests/t/hostile-repo.t) */
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		close(fd);
		sbuf_adds(why, "error: a hard link (the file has other names, "
		    "maybe outside the repository); not read");
		return -1;
	}
	return fd;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of a directory (without . and ..); *n gets the count. */
static char **
names(int dfd, int *n)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rewinddir(d);
	while ((e = readdir(d)) && *n < 10000) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".git"))
			continue;
		v = xrealloc(v, (size_t)(*n + 1) * sizeof *v);
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, (size_t)*n, sizeof *v, cmpstr);
	return v;
}

static void
free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct walk {
	struct agent_tools *t;
	struct sbuf *out;
	int count, cut;
	/* search */
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int hits, files, limit;
};

static void search_file(struct walk *w, int fd, const char *path);

static void
walk_dir(struct walk *w, int dfd, const char *prefix, int depth)
{
	int n;
	char **v = names(dfd, &n);

	for (int i = 0; i < n && !w->cut; i++) {
		struct stat st;
		struct sbuf p;
		sbuf_init(&p);
		sbuf_addf(&p, "%s%s", prefix, v[i]);
		if (fstatat(dfd, v[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			sbuf_release(&p);
			continue;
		}
		if (!w->re) {
			if (w->count >= LIST_MAX) {
				w->cut = 1;
				sbuf_addf(w->out, "[listing cut at %d entries]\n", LIST_MAX);
				sbuf_release(&p);
				break;
			}
			w->count++;
			if (S_ISDIR(st.st_mode))
				sbuf_addf(w->out, "%s/\n", p.s);
			else if (S_ISLNK(st.st_mode))
				sbuf_addf(w->out, "%s (symbolic link, not followed)\n", p.s);
			else if (S_ISREG(st.st_mode))
				sbuf_addf(w->out, "%s (%lld bytes)\n", p.s,
				    (long long)st.st_size);
		}
		if (S_ISDIR(st.st_mode) && depth < LIST_DEPTH) {
			int cfd = openat(dfd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
			if (cfd >= 0) {
				sbuf_addc(&p, '/');
				walk_dir(w, cfd, p.s, depth + 1);
				close(cfd);
			}
		} else if (w->re && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    st.st_size <= (off_t)READ_FILE_MAX) {
			/* hard links are skipped as read_file refuses them */
			int ffd = openat(dfd, v[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC);
			if (ffd >= 0) {
				search_file(w, ffd, p.s);
				close(ffd);
			}
		}
		if (w->re && !w->cut && (w->hits >= SEARCH_HITS || w->files >=
		    SEARCH_FILES ||
		    (w->t->deadline && sh_now_mono_ms() > w->t->deadline))) {
			w->cut = 1;
			sbuf_adds(w->out, "[search stopped: limit reached]\n");
		}
		sbuf_release(&p);
	}
	free_names(v, n);
}

/* Read a whole regular file (at most READ_FILE_MAX); NULL for binary. */
static char *
slurp(int fd, size_t *n)
{
	struct sbuf b;
	char buf[8192];
	ssize_t k;

	sbuf_init(&b);
	sbuf_add(&b, "", 0);
	while ((k = read(fd, buf, sizeof buf)) > 0) {
		if (b.len + (size_t)k > READ_FILE_MAX)
			break;
		sbuf_add(&b, buf, (size_t)k);
	}
	if (memchr(b.s, '\0', b.len < 8192 ? b.len : 8192)) {
		sbuf_release(&b);
		return NULL;
	}
	*n = b.len;
	return b.s;
}

static void
search_file(struct walk *w, int fd, const char *path)
{
	size_t n;
	char *s = slurp(fd, &n);
	int line = 1;

	w->files++;
	if (!s)
		return;
	for (char *p = s; p < s + n && w->hits < SEARCH_HITS; line++) {
		/* a pattern that spends its match limit on every line costs
		 * seconds per file: the deadline holds inside a file too (it
		 * was checked between files only; tests/t/hostile-repo.t) */
		if (line % 256 == 0 && w->t->deadline && sh_now_mono_ms() >
		    w->t->deadline) {
			if (!w->cut)
				sbuf_adds(w->out, "[search stopped: "
				    "deadline]\n");
			w->cut = 1;
			break;
		}
		char *e = memchr(p, '\n', (size_t)(s + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(s + n - p);
		int rc = pcre2_match(w->re, (PCRE2_SPTR)p, len, 0, 0, w->md,
		    w->mctx);
		if (rc >= 0) {
			size_t show = len > SEARCH_LINE ? js_utf8_cut(p, SEARCH_LINE) :
			    len;
			sbuf_addf(w->out, "%s:%d: %.*s%s\n", path, line, (int)show, p,
			    show < len ? "…" : "");
			w->hits++;
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			w->limit++;
		}
		p += len + 1;
	}
	free(s);
}

static int
list_files(struct agent_tools *t, const cJSON *args, struct sbuf *out)
{
	const char *path = js_get_str(args, "path");
	struct stat st;
	struct walk w = { .t = t, .out = out };
	int fd = open_in_repo(t, path, &st, out);

	if (fd < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		sbuf_addf(out, "%s (%lld bytes)\n", path, (long long)st.st_size);
	} else {
		struct sbuf pre;
		sbuf_init(&pre);
		if (path && *path && strcmp(path, ".")) {
			sbuf_adds(&pre, path);
			if (path[strlen(path) - 1] != '/')
				sbuf_addc(&pre, '/');
		}
		walk_dir(&w, fd, pre.s ? pre.s : "", 0);
		sbuf_release(&pre);
		if (!w.count)
			sbuf_adds(out, "(empty directory)\n");
	}
	close(fd);
	return 0;
}

static long
int_arg(const cJSON *args, const char *k, long dflt)
{
	const cJSON *it = js_get(args, k);
	if (cJSON_IsNumber(it) && it->valuedouble >= 1 && it->valuedouble < 1e9)
		return (long)it->valuedouble;
	return dflt;
}

static int
read_file(struct agent_tools *t, const cJSON *args, struct sbuf *out)
{
	const char *path = js_get_str(args, "path");
	struct stat st;
	long start = int_arg(args, "start_line", 1), end;
	long line = 1, total = 0;
	size_t n;
	char *s;
	int fd;

	if (!path) {
		sbuf_adds(out, "error: \"path\" is required");
		return -1;
	}
	if ((fd = open_in_repo(t, path, &st, out)) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		sbuf_addf(out, "error: %s is a directory; use list_files", path);
		return -1;
	}
	s = slurp(fd, &n);
	close(fd);
	if (!s) {
		sbuf_addf(out, "error: %s is a binary file", path);
		return -1;
	}
	end = int_arg(args, "end_line", start + 299);
	if (end < start)
		end = start;
	if (end - start >= READ_LINES_MAX)
		end = start + READ_LINES_MAX - 1;
	for (char *p = s; p < s + n; line++) {
		char *e = memchr(p, '\n', (size_t)(s + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(s + n - p);
		if (line >= start && line <= end && out->len < AT_RESULT_MAX)
			sbuf_addf(out, "%ld: %.*s\n", line, (int)len, p);
		p += len + 1;
		total++;
	}
	if (out->len >= AT_RESULT_MAX || end < total || st.st_size >
	    (off_t)READ_FILE_MAX)
		sbuf_addf(out, "[%s: lines %ld-%ld of %ld shown%s]\n", path, start,
		    end < total ? end : total, total, st.st_size > (off_t)READ_FILE_MAX
		    ? "; file cut at 1 MiB" : "");
	if (start > total)
		sbuf_addf(out, "[%s has only %ld lines]\n", path, total);
	free(s);
	return 0;
}

static int
search_code(struct agent_tools *t, const cJSON *args, struct sbuf *out)
{
	const char *pat = js_get_str(args, "pattern");
	const char *path = js_get_str(args, "path");
	struct walk w = { .t = t, .out = out };
	struct stat st;
	int ec, fd;
	PCRE2_SIZE off;

	if (!pat || !*pat || strlen(pat) > 512) {
		sbuf_adds(out, "error: \"pattern\" must be a regular expression of at "
		    "most 512 bytes");
		return -1;
	}
	w.re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
	if (!w.re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		sbuf_addf(out, "error: bad pattern: %s at offset %zu", (char *)msg,
		    (size_t)off);
		return -1;
	}
	(void)pcre2_jit_compile(w.re, PCRE2_JIT_COMPLETE);
	w.md = pcre2_match_data_create_from_pattern(w.re, NULL);
	w.mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(w.mctx, 100000);
	pcre2_set_depth_limit(w.mctx, 1000);
	if ((fd = open_in_repo(t, path, &st, out)) >= 0) {
		struct sbuf pre;
		sbuf_init(&pre);
		if (path && *path && strcmp(path, ".")) {
			sbuf_adds(&pre, path);
			if (S_ISDIR(st.st_mode) && path[strlen(path) - 1] != '/')
				sbuf_addc(&pre, '/');
		}
		if (S_ISDIR(st.st_mode))
			walk_dir(&w, fd, pre.s ? pre.s : "", 0);
		else
			search_file(&w, fd, pre.s ? pre.s : path);
		sbuf_release(&pre);
		close(fd);
		if (!w.hits)
			sbuf_addf(out, "no matches in %d file%s\n", w.files, w.files == 1 ?
			    "" : "s");
		if (w.limit)
			sbuf_addf(out, "[%d line%s skipped: match limit]\n", w.limit,
			    w.limit == 1 ? "" : "s");
	}
	pcre2_match_context_free(w.mctx);
	pcre2_match_data_free(w.md);
	pcre2_code_free(w.re);
	return fd < 0 ? -1 : 0;
}

int
at_call(struct agent_tools *t, const char *name, const cJSON *args,
    struct sbuf *out)
{
	struct sbuf raw;
	int rc = -1;

	t->calls++;
	sbuf_init(&raw);
	sbuf_add(&raw, "", 0);
	if (args && !cJSON_IsObject(args)) {
		sbuf_adds(&raw, "error: arguments must be a JSON object");
	} else if (t->remediate && t->app[0] && (!strcmp(name, "machines") ||
	    !strcmp(name, "status") || !strcmp(name, "events") ||
	    !strcmp(name, "releases"))) {
		rc = verb(t, name, args, &raw);
	} else if (t->repo_fd >= 0 && !strcmp(name, "list_files")) {
		rc = list_files(t, args, &raw);
	} else if (t->repo_fd >= 0 && !strcmp(name, "read_file")) {
		rc = read_file(t, args, &raw);
	} else if (t->repo_fd >= 0 && !strcmp(name, "search_code")) {
		rc = search_code(t, args, &raw);
	} else {
		sbuf_adds(&raw, "error: unknown tool; only the tools offered can be "
		    "called");
	}
	if (rc < 0)
		t->failures++;
	if (raw.len > AT_RESULT_MAX) {
		raw.len = js_utf8_cut(raw.s, AT_RESULT_MAX);
		raw.s[raw.len] = '\0';
		sbuf_adds(&raw, "\n[result cut]");
	}
	rx_text(t->rx, raw.s, raw.len, out, NULL);
	sbuf_release(&raw);
	return rc;
}

int
at_patch_check(struct agent_tools *t, const char *diff, struct sbuf *why)
{
	char *argv[] = { "git", "apply", "--check", "-", NULL };
	struct sbuf o, e;
	int status, rc;

	if (!t->repo) {
		sbuf_adds(why, "no --repo to check it against");
		return -1;
	}
	/* remediate's gate first (CI files, lock files, .git, links, size):
	 * a patch it would refuse is not offered at all */
	struct pc_patch p;
	pc_patch_init(&p);
	rc = pc_validate(diff, strlen(diff), NULL, &p, why);
	if (rc == PC_OK)
		rc = pc_check_tree(&p, t->repo, why);
	pc_patch_release(&p);
	if (rc != PC_OK)
		return -1;
	sbuf_init(&o);
	sbuf_init(&e);
	rc = at_run(argv, t->repo, diff, strlen(diff), AT_TOOL_TIMEOUT_MS, 4096,
	    &o, &e, &status);
	if (rc < 0) {
		sbuf_addf(why, "git apply --check: %s", errno == ETIMEDOUT ?
		    "timed out" : strerror(errno));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		size_t n = e.len;
		while (n && (e.s[n - 1] == '\n'))
			n--;
		char *nl = e.s ? memchr(e.s, '\n', n) : NULL;
		if (nl)
			n = (size_t)(nl - e.s);
		sbuf_addf(why, "git apply --check does not accept it%s%.*s",
		    n ? ": " : "", (int)(n > 200 ? 200 : n), e.s ? e.s : "");
		for (size_t i = 0; i < why->len; i++)
			if ((unsigned char)why->s[i] < 0x20)
				why->s[i] = ' ';
		rc = -1;
	}
	sbuf_release(&o);
	sbuf_release(&e);
	return rc;
}
