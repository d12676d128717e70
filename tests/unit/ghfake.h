/* ghfake.h - helpers for the GitHub tests: run a command with an argv,
 * start and stop tests/server/github.py, read its request log, set its
 * modes. Everything is local: a temporary directory and 127.0.0.1. */
#ifndef GHFAKE_H
#define GHFAKE_H

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "json.h"
#include "util.h"

#define FK_UNUSED __attribute__((unused))

struct fake {
	pid_t pid;
	char dir[512];
	char log[600];
	char url[128];
};

/* Run argv in cwd (NULL: here) with stdin from in (may be NULL); stdout
 * into out (may be NULL), stderr to /dev/null unless FK_VERBOSE. Returns
 * the exit status, or -1. */
FK_UNUSED static int
fk_run(const char *cwd, char *const argv[], const char *in, struct sbuf *out)
{
	int po[2], pi[2];
	pid_t pid;
	int st = 0;

	if (pipe(po) < 0 || pipe(pi) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		if (!getenv("FK_VERBOSE")) {
			int dn = open("/dev/null", O_WRONLY);
			dup2(dn, 2);
		}
		close(pi[1]);
		close(po[0]);
		signal(SIGPIPE, SIG_DFL);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	if (in) {
		size_t n = strlen(in), off = 0;
		while (off < n) {
			ssize_t k = write(pi[1], in + off, n - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	close(pi[1]);
	char buf[4096];
	ssize_t k;
	while ((k = read(po[0], buf, sizeof buf)) > 0)
		if (out)
			sbuf_add(out, buf, (size_t)k);
	close(po[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* fk_cmd(cwd, out, "git", "init", ..., NULL) */
FK_UNUSED static int
fk_cmd(const char *cwd, struct sbuf *out, ...)
{
	char *argv[64];
	int n = 0;
	va_list ap;

	va_start(ap, out);
	while (n < 63 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return fk_run(cwd, argv, NULL, out);
}

FK_UNUSED static void
fk_write(const char *dir, const char *name, const char *text)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	for (char *s = p + strlen(dir) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

FK_UNUSED static char *
fk_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct sbuf b;
	char buf[4096];
	size_t k;

	sbuf_init(&b);
	if (!f)
		return xstrdup("");
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		sbuf_add(&b, buf, k);
	fclose(f);
	return b.s ? b.s : xstrdup("");
}

/* Start the fake in dir with extra args (NULL-ended list). Returns 0. */
FK_UNUSED static int
fk_start(struct fake *f, const char *dir, ...)
{
	char script[1024], portfile[600];
	const char *top = getenv("TOP");
	char *argv[32];
	int n = 0;
	va_list ap;

	memset(f, 0, sizeof f[0]);
	snprintf(f->dir, sizeof f->dir, "%s", dir);
	snprintf(f->log, sizeof f->log, "%s/requests.log", dir);
	snprintf(portfile, sizeof portfile, "%s/port", dir);
	snprintf(script, sizeof script, "%s/tests/server/github.py", top ? top :
	    ".");
	unlink(portfile);
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--log";
	argv[n++] = f->log;
	va_start(ap, dir);
	char *a;
	while (n < 30 && (a = va_arg(ap, char *)))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	f->pid = fork();
	if (f->pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		char *p = fk_slurp(portfile);
		int port = atoi(p);
		free(p);
		if (port > 0) {
			snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", port);
			return 0;
		}
		struct timespec ts = { 0, 25000000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

FK_UNUSED static void
fk_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
}

/* POST a control request. */
FK_UNUSED static int
fk_ctl(struct fake *f, const char *path, const char *json)
{
	struct http_client c;
	struct http_resp r;
	char url[256];
	int rc;

	snprintf(url, sizeof url, "%s%s", f->url, path);
	if (http_client_init(&c, NULL, NULL) < 0)
		return -1;
	http_resp_init(&r);
	struct http_req q = { .method = json ? "POST" : "GET", .url = url,
		.body = json, .body_len = json ? strlen(json) : 0 };
	rc = http_do(&c, &q, &r);
	rc = rc == 0 && r.status == 200 ? 0 : -1;
	http_resp_release(&r);
	http_client_release(&c);
	return rc;
}

FK_UNUSED static void
fk_mode(struct fake *f, const char *mode, int count, const char *method,
    const char *path)
{
	char j[400];
	snprintf(j, sizeof j, "{\"mode\":\"%s\",\"count\":%d%s%s%s%s%s%s}", mode,
	    count, method ? ",\"method\":\"" : "", method ? method : "",
	    method ? "\"" : "", path ? ",\"path\":\"" : "", path ? path : "",
	    path ? "\"" : "");
	fk_ctl(f, "/_ctl/mode", j);
}

/* The requests logged so far, as an array (caller frees), and the log
 * emptied. */
FK_UNUSED static cJSON *
fk_take(struct fake *f)
{
	char *s = fk_slurp(f->log);
	cJSON *a = cJSON_CreateArray();

	for (char *line = s, *e; *line; line = e) {
		e = strchr(line, '\n');
		if (e)
			*e++ = '\0';
		else
			e = line + strlen(line);
		if (!*line)
			continue;
		cJSON *j = cJSON_Parse(line);
		if (j)
			cJSON_AddItemToArray(a, j);
	}
	free(s);
	FILE *fp = fopen(f->log, "w");
	if (fp)
		fclose(fp);
	return a;
}

/* "GET /repos/x y\n" per request, for comparing sequences. */
FK_UNUSED static char *
fk_seq(const cJSON *reqs)
{
	struct sbuf b;
	const cJSON *r;

	sbuf_init(&b);
	cJSON_ArrayForEach(r, reqs) {
		sbuf_addf(&b, "%s %s %d\n", js_get_str(r, "method"),
		    js_get_str(r, "path"), (int)cJSON_GetNumberValue(js_get(r,
		    "status")));
	}
	return b.s ? b.s : xstrdup("");
}

/* Count the requests that are writes (not GET). */
FK_UNUSED static int
fk_writes(const cJSON *reqs)
{
	const cJSON *r;
	int n = 0;

	cJSON_ArrayForEach(r, reqs)
		n += strcmp(js_get_str(r, "method"), "GET") != 0;
	return n;
}

/* The n-th (0-based) request with method and path, or NULL. */
FK_UNUSED static const cJSON *
fk_find(const cJSON *reqs, const char *method, const char *path, int n)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, reqs)
		if (!strcmp(js_get_str(r, "method"), method) &&
		    !strcmp(js_get_str(r, "path"), path) && n-- == 0)
			return r;
	return NULL;
}

FK_UNUSED static int
fk_rmrf(const char *dir)
{
	return fk_cmd(NULL, NULL, "rm", "-rf", "--", dir, (char *)NULL);
}

#endif
