/* dcache.c - see dcache.h. The in-memory list is small (one entry per
 * recurring crash); entries past their time are dropped on lookup. */
#include "dcache.h"
#include "fsutil.h"
#include "json.h"
#include "jsonout.h"
#include "timefmt.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DC_MAX 1024

struct dc_ent {
	char key[20];
	int64_t expires_ms;    /* wall clock */
	char *diag;            /* JSON text */
	struct dc_ent *next;
};

static int64_t
now_ms(void)
{
	return sh_time_now() / 1000000;
}

static void
key_of(const char *app, const char *fp, char *out)
{
	uint64_t h = sh_fnv1a(SH_FNV_INIT, app, strlen(app) + 1);
	h = sh_fnv1a(h, fp, strlen(fp));
	snprintf(out, 20, "d_%016llx", (unsigned long long)h);
}

void
dc_open(struct dcache *c, const char *statedir, int64_t ttl_ms)
{
	memset(c, 0, sizeof *c);
	c->ttl_ms = ttl_ms;
	if (statedir && ttl_ms > 0) {
		struct sbuf p;
		sbuf_init(&p);
		sbuf_addf(&p, "%s/cache", statedir);
		if (fs_mkdirs(p.s) == 0)
			c->dir = p.s;
		else
			sbuf_release(&p);
	}
}

static void
ent_free(struct dc_ent *e)
{
	free(e->diag);
	free(e);
}

void
dc_close(struct dcache *c)
{
	struct dc_ent *e, *n;
	for (e = c->ents; e; e = n) {
		n = e->next;
		ent_free(e);
	}
	free(c->dir);
	memset(c, 0, sizeof *c);
}

static struct dc_ent *
load(struct dcache *c, const char *key)
{
	struct sbuf p;
	size_t n;
	char *s;
	cJSON *o;
	struct dc_ent *e = NULL;

	if (!c->dir)
		return NULL;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/%s.json", c->dir, key);
	s = fs_read_file(p.s, 1 << 20, &n);
	sbuf_release(&p);
	if (!s)
		return NULL;
	o = js_parse(s, n);
	const cJSON *ex = js_get(o, "expires_ms"), *d = js_get(o, "diagnosis");
	if (cJSON_IsNumber(ex) && cJSON_IsObject(d)) {
		struct sbuf b;
		sbuf_init(&b);
		jo_tree(&b, d);
		e = xcalloc(1, sizeof *e);
		memcpy(e->key, key, sizeof e->key);
		e->expires_ms = (int64_t)ex->valuedouble;
		e->diag = b.s;
	}
	cJSON_Delete(o);
	free(s);
	return e;
}

cJSON *
dc_get(struct dcache *c, const char *app, const char *fp)
{
	char key[20];
	struct dc_ent **pp, *e;
	int64_t now = now_ms();

	if (c->ttl_ms <= 0)
		return NULL;
	key_of(app, fp, key);
	for (pp = &c->ents; (e = *pp); pp = &e->next)
		if (!strcmp(e->key, key))
			break;
	if (!e && (e = load(c, key))) {
		e->next = c->ents;
		c->ents = e;
		pp = &c->ents;
	}
	if (!e)
		return NULL;
	if (e->expires_ms <= now) {
		*pp = e->next;
		ent_free(e);
		return NULL;
	}
	return js_parse(e->diag, strlen(e->diag));
}

void
dc_put(struct dcache *c, const char *app, const char *fp, const cJSON *diag)
{
	char key[20];
	struct dc_ent *e, **pp;
	struct sbuf b, f;
	int n = 0;

	if (c->ttl_ms <= 0)
		return;
	key_of(app, fp, key);
	for (pp = &c->ents; (e = *pp); pp = &e->next, n++)
		if (!strcmp(e->key, key))
			break;
	if (!e) {
		if (n >= DC_MAX) {
			/* drop the last (least recently added) */
			for (pp = &c->ents; (*pp)->next; pp = &(*pp)->next)
				;
			ent_free(*pp);
			*pp = NULL;
		}
		e = xcalloc(1, sizeof *e);
		memcpy(e->key, key, sizeof key);
		e->next = c->ents;
		c->ents = e;
	}
	free(e->diag);
	sbuf_init(&b);
	jo_tree(&b, diag);
	e->diag = b.s;
	e->expires_ms = now_ms() + c->ttl_ms;
	if (!c->dir)
		return;
	sbuf_init(&f);
	sbuf_addf(&f, "{\"expires_ms\":%lld,\"diagnosis\":%s}\n",
	    (long long)e->expires_ms, e->diag);
	char name[32];
	snprintf(name, sizeof name, "%s.json", key);
	(void)fs_write_atomic(c->dir, name, f.s, f.len, 0600);
	sbuf_release(&f);
}
