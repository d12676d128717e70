/* rstate.c - see rstate.h. The state is small (a few thousand entries at
 * most), so it is kept as a cJSON tree and searched linearly. */
#include "rstate.h"
#include "fsutil.h"
#include "json.h"
#include "jsonout.h"
#include "policy.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATE_FILE "remediate.json"
#define LOCK_FILE "remediate.lock"
#define KEEP_MS (8LL * 86400 * 1000)
#define MAX_EVENTS 20000
#define MAX_DONE 20000

struct rstate {
	char *dir;
	int lockfd;
	int dirty;
	cJSON *root;      /* {"version":1,"events":[],"done":{},"claims":{}} */
};

int64_t
rst_now(void)
{
	return sh_time_now() / 1000000;
}

static cJSON *
empty(void)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "version", 1);
	cJSON_AddArrayToObject(r, "events");
	cJSON_AddObjectToObject(r, "done");
	cJSON_AddObjectToObject(r, "claims");
	return r;
}

static cJSON *
part(const struct rstate *s, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(s->root, k);
}

static int
load(struct rstate *s, struct sbuf *err)
{
	char *path;
	size_t n;
	char *text;
	cJSON *r;

	if (!s->dir)
		return 0;
	path = xmalloc(strlen(s->dir) + sizeof STATE_FILE + 2);
	sprintf(path, "%s/%s", s->dir, STATE_FILE);
	text = fs_read_file(path, 64u << 20, &n);
	if (!text) {
		int e = errno;
		if (e == ENOENT) {
			free(path);
			cJSON_Delete(s->root);
			s->root = empty();
			return 0;
		}
		sbuf_addf(err, "%s: %s", path, strerror(e));
		free(path);
		return -1;
	}
	r = js_parse(text, n);
	free(text);
	if (!r || !cJSON_IsArray(cJSON_GetObjectItem(r, "events")) ||
	    !cJSON_IsObject(cJSON_GetObjectItem(r, "done")) ||
	    !cJSON_IsObject(cJSON_GetObjectItem(r, "claims"))) {
		sbuf_addf(err, "%s: not a remediate state file (corrupt?); move it "
		    "away to start afresh, which forgets rate windows and applied "
		    "incidents", path);
		cJSON_Delete(r);
		free(path);
		return -1;
	}
	free(path);
	cJSON_Delete(s->root);
	s->root = r;
	return 0;
}

static void
prune(struct rstate *s, int64_t now)
{
	cJSON *ev = part(s, "events"), *done = part(s, "done");

	while (cJSON_GetArraySize(ev) > 0) {
		const cJSON *t = cJSON_GetObjectItem(ev->child, "t");
		if (cJSON_GetArraySize(ev) <= MAX_EVENTS && cJSON_IsNumber(t) &&
		    t->valuedouble >= (double)(now - KEEP_MS))
			break;
		cJSON_DeleteItemFromArray(ev, 0);
	}
	/* done keys are added in time order: drop from the front */
	while (cJSON_GetArraySize(done) > MAX_DONE)
		cJSON_DeleteItemFromObject(done, done->child->string);
}

static int
save(struct rstate *s, struct sbuf *err)
{
	struct sbuf b;
	int rc = 0;

	if (!s->dir || !s->dirty)
		return 0;
	prune(s, rst_now());
	sbuf_init(&b);
	jo_tree(&b, s->root);
	sbuf_addc(&b, '\n');
	if (fs_write_atomic(s->dir, STATE_FILE, b.s, b.len, 0600) < 0) {
		sbuf_addf(err, "%s/%s: %s", s->dir, STATE_FILE, strerror(errno));
		rc = -1;
	} else {
		s->dirty = 0;
	}
	sbuf_release(&b);
	return rc;
}

struct rstate *
rst_open(const char *dir, struct sbuf *err)
{
	struct rstate *s = xcalloc(1, sizeof *s);

	s->lockfd = -1;
	s->root = empty();
	if (!dir)
		return s;
	if (fs_mkdirs(dir) < 0) {
		sbuf_addf(err, "%s: %s", dir, strerror(errno));
		rst_close(s);
		return NULL;
	}
	s->dir = xstrdup(dir);
	char *lp = xmalloc(strlen(dir) + sizeof LOCK_FILE + 2);
	sprintf(lp, "%s/%s", dir, LOCK_FILE);
	s->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		sbuf_addf(err, "%s: %s", lp, strerror(errno));
		free(lp);
		rst_close(s);
		return NULL;
	}
	free(lp);
	if (rst_lock(s, err) < 0) {
		rst_close(s);
		return NULL;
	}
	rst_unlock(s, err);
	return s;
}

void
rst_close(struct rstate *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd);
	cJSON_Delete(s->root);
	free(s->dir);
	free(s);
}

int
rst_lock(struct rstate *s, struct sbuf *err)
{
	if (!s->dir)
		return 0;
	while (flock(s->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			sbuf_addf(err, "%s/%s: lock: %s", s->dir, LOCK_FILE,
			    strerror(errno));
			return -1;
		}
	}
	if (load(s, err) < 0) {
		flock(s->lockfd, LOCK_UN);
		return -1;
	}
	s->dirty = 0;
	return 0;
}

int
rst_unlock(struct rstate *s, struct sbuf *err)
{
	int rc;

	if (!s->dir)
		return 0;
	rc = save(s, err);
	flock(s->lockfd, LOCK_UN);
	return rc;
}

static const char *
gs(const cJSON *o, const char *k)
{
	const char *v = js_get_str(o, k);
	return v ? v : "";
}

static double
gn(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int
is_repair_name(const char *a)
{
	return act_is_repair(act_parse(a));
}

static int
ev_match(const cJSON *e, int action, const char *app, const char *machine,
    int64_t since)
{
	const char *a = gs(e, "action");

	if (gn(e, "t") < (double)since || strcmp(gs(e, "app"), app))
		return 0;
	if (machine && strcmp(gs(e, "machine"), machine))
		return 0;
	if (action < 0)
		return is_repair_name(a);
	return !strcmp(a, act_names[action]);
}

int
rst_count(const struct rstate *s, int action, const char *app,
    const char *machine, int64_t since)
{
	int n = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, part(s, "events"))
		n += ev_match(e, action, app, machine, since);
	return n;
}

int64_t
rst_last(const struct rstate *s, int action, const char *app,
    const char *machine)
{
	int64_t last = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, part(s, "events"))
		if (ev_match(e, action, app, machine, 0) && gn(e, "t") > last)
			last = (int64_t)gn(e, "t");
	return last;
}

int
rst_count_fp(const struct rstate *s, const char *app, const char *fp,
    int escalations, int64_t since)
{
	int n = 0;
	const cJSON *e;

	if (!fp || !*fp)
		return 0;
	cJSON_ArrayForEach(e, part(s, "events")) {
		const char *a = gs(e, "action");
		if (gn(e, "t") < (double)since || strcmp(gs(e, "app"), app) ||
		    strcmp(gs(e, "fp"), fp))
			continue;
		n += escalations ? !strcmp(a, "escalate") : is_repair_name(a);
	}
	return n;
}

const cJSON *
rst_last_fp(const struct rstate *s, const char *app, const char *fp,
    int64_t since)
{
	const cJSON *e, *best = NULL;

	if (!fp || !*fp)
		return NULL;
	cJSON_ArrayForEach(e, part(s, "events"))
		if (gn(e, "t") >= (double)since && !strcmp(gs(e, "app"), app) &&
		    !strcmp(gs(e, "fp"), fp) && is_repair_name(gs(e, "action")) &&
		    !*gs(e, "verified") &&
		    (!best || gn(e, "t") >= gn(best, "t")))
			best = e;
	return best;
}

int
rst_incident_machines(const struct rstate *s, const char *incident,
    char (*out)[48], int max)
{
	int n = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, part(s, "events")) {
		const char *m = gs(e, "machine");
		int seen = 0;
		if (strcmp(gs(e, "incident"), incident) || !*m ||
		    !is_repair_name(gs(e, "action")))
			continue;
		for (int i = 0; i < n; i++)
			seen |= !strcmp(out[i], m);
		if (!seen && n < max)
			snprintf(out[n++], 48, "%s", m);
	}
	return n;
}

void
rst_add_event(struct rstate *s, int64_t t, const char *app,
    const char *machine, int action, const char *fp, const char *incident,
    const char *id, const cJSON *undo)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "t", (double)t);
	cJSON_AddStringToObject(e, "app", app ? app : "");
	cJSON_AddStringToObject(e, "machine", machine ? machine : "");
	cJSON_AddStringToObject(e, "action", act_names[action]);
	cJSON_AddStringToObject(e, "fp", fp ? fp : "");
	cJSON_AddStringToObject(e, "incident", incident ? incident : "");
	cJSON_AddStringToObject(e, "id", id ? id : "");
	if (undo)
		cJSON_AddItemToObject(e, "undo", cJSON_Duplicate(undo, 1));
	cJSON_AddItemToArray(part(s, "events"), e);
	s->dirty = 1;
}

void
rst_set_verified(struct rstate *s, const char *id, const char *outcome)
{
	cJSON *e;

	cJSON_ArrayForEach(e, part(s, "events"))
		if (*id && !strcmp(gs(e, "id"), id)) {
			cJSON_DeleteItemFromObjectCaseSensitive(e, "verified");
			cJSON_AddStringToObject(e, "verified", outcome);
			s->dirty = 1;
		}
}

const cJSON *
rst_done(const struct rstate *s, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(part(s, "done"), key);
}

void
rst_mark_done(struct rstate *s, const char *key, const char *status,
    int64_t t)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddNumberToObject(d, "t", (double)t);
	cJSON_AddStringToObject(d, "status", status);
	cJSON_DeleteItemFromObjectCaseSensitive(part(s, "done"), key);
	cJSON_AddItemToObject(part(s, "done"), key, d);
	s->dirty = 1;
}

void
rst_claim(struct rstate *s, const char *key, const cJSON *record)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "t", (double)rst_now());
	cJSON_AddNumberToObject(c, "pid", (double)getpid());
	cJSON_AddItemToObject(c, "record", cJSON_Duplicate(record, 1));
	cJSON_DeleteItemFromObjectCaseSensitive(part(s, "claims"), key);
	cJSON_AddItemToObject(part(s, "claims"), key, c);
	s->dirty = 1;
}

void
rst_unclaim(struct rstate *s, const char *key)
{
	cJSON_DeleteItemFromObjectCaseSensitive(part(s, "claims"), key);
	s->dirty = 1;
}

cJSON *
rst_take_stale(struct rstate *s)
{
	cJSON *out = NULL, *c = part(s, "claims")->child;

	while (c) {
		cJSON *next = c->next;
		pid_t pid = (pid_t)gn(c, "pid");
		/* a claim of a live process other than us is its business */
		if (pid > 0 && pid != getpid() && (kill(pid, 0) == 0 ||
		    errno == EPERM)) {
			c = next;
			continue;
		}
		if (!out)
			out = cJSON_CreateArray();
		cJSON *rec = cJSON_DetachItemFromObjectCaseSensitive(c, "record");
		if (rec) {
			cJSON_AddStringToObject(rec, "x_key", c->string);
			cJSON_AddItemToArray(out, rec);
		}
		cJSON_Delete(cJSON_DetachItemViaPointer(part(s, "claims"), c));
		s->dirty = 1;
		c = next;
	}
	return out;
}
