/* fuzz_fleet - what remediate and fly-tail make of Machines API answers
 * (fleet.c, and mevents.c's exit messages): flyd's last exit and whether
 * it is still restarting a machine (a decision: remediate keeps off),
 * health checks, the machines/status/events/releases views, the image a
 * rollback goes back to.
 *
 * Input: JSON, a list of machine objects (or one), each as GET
 * /v1/apps/APP/machines gives it; a member "versions" stands for the
 * machine's /versions answer.
 *
 * Invariants: every view is a JSON object or array that prints and reads
 * back; `status` shows env names but no env value; checks counts add up;
 * the previous image differs from the current one and is one the machine
 * ran; releases come newest first, each image once, each machine under
 * its current image; exit messages fit their buffer.
 * No crash, no leak, no undefined behaviour (numbers of any size). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "json.h"
#include "jsonout.h"
#include "mevents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_fleet: %s:%d: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

#define NOW_MS 1795751400000LL     /* 2026-11-28T03:50:00Z */

/* Print a view and read it back. */
static void
roundtrip(const cJSON *v)
{
	struct sbuf b;
	cJSON *back;

	CHECK(cJSON_IsObject(v) || cJSON_IsArray(v));
	sbuf_init(&b);
	jo_tree(&b, v);
	back = cJSON_ParseWithLength(b.s, b.len);
	CHECK(back);
	cJSON_Delete(back);
	sbuf_release(&b);
}

/* Is s a string value anywhere in t (skipping the subtree skip), or a
 * member name? */
static int
appears(const cJSON *t, const char *s, const cJSON *skip)
{
	for (const cJSON *c = t ? t->child : NULL; c; c = c->next) {
		if (c == skip)
			continue;
		if (c->string && !strcmp(c->string, s))
			return 1;
		if (cJSON_IsString(c) && !strcmp(c->valuestring, s))
			return 1;
		if (appears(c, s, skip))
			return 1;
	}
	return 0;
}

/* status names env variables but shows no value that came only from the
 * env (a time the view formats could look like one: those are skipped). */
static void
no_env_values(const cJSON *m, const cJSON *st)
{
	const cJSON *env = js_get(m, "config.env");

	for (const cJSON *e = env ? env->child : NULL; e; e = e->next) {
		const char *v = cJSON_IsString(e) ? e->valuestring : NULL;
		if (!v || !*v || strlen(v) > 1900 || !strcmp(v, "on-failure") ||
		    (strlen(v) == 24 && v[4] == '-' && v[23] == 'Z'))
			continue;
		if (appears(m, v, env))
			continue;
		int named = 0;      /* env names are shown */
		for (const cJSON *k = env->child; k; k = k->next)
			named |= k->string && !strcmp(k->string, v);
		if (named)
			continue;
		if (appears(st, v, NULL))
			fprintf(stderr, "fuzz_fleet: env value \"%s\" shown\n", v);
		CHECK(!appears(st, v, NULL));
	}
}

static void
machine(const cJSON *m)
{
	struct fl_exit x;
	int total, passing, failing, ok;
	cJSON *v;
	const cJSON *vers = js_get(m, "versions");
	const char *cur = js_get_str(m, "config.image"), *prev;

	fl_last_exit(m, &x);
	CHECK(x.policy && (x.max_retries >= -1));
	(void)fl_flyd_restarting(&x, NOW_MS);
	ok = fl_checks(m, &total, &passing, &failing);
	CHECK(passing + failing <= total);
	CHECK(ok == (total > 0 && passing == total));

	roundtrip(v = fl_machine_summary(m));
	cJSON_Delete(v);
	roundtrip(v = fl_status(m, NOW_MS));
	CHECK(cJSON_GetArraySize(js_get(v, "config.env_names")) ==
	    cJSON_GetArraySize(js_get(m, "config.env")) ||
	    !cJSON_IsObject(js_get(m, "config.env")));
	no_env_values(m, v);
	cJSON_Delete(v);

	for (const cJSON *ev = js_get(m, "events") ? js_get(m, "events")->child :
	    NULL; ev; ev = ev->next) {
		char msg[160];
		int failure = -1;
		roundtrip(v = fl_event(ev));
		cJSON_Delete(v);
		memset(msg, 'x', sizeof msg);
		mev_exit_message(js_get_str(m, "id") ? js_get_str(m, "id") : "m",
		    ev, msg, sizeof msg, &failure);
		CHECK(memchr(msg, 0, sizeof msg));
		CHECK(failure == 0 || failure == 1);
	}
	prev = fl_previous_image(vers, cur);
	if (prev) {
		CHECK(*prev && (!cur || strcmp(prev, cur)));
		CHECK(fl_ran_image(vers, prev));
	}
	(void)fl_memory_max(js_get_str(m, "config.guest.cpu_kind"), 1);
	(void)fl_time_ms(js_get(m, "updated_at"));
}

static const char *
rank(const cJSON *r)
{
	const char *v = js_get_str(r, "config_version");
	return v ? v : cJSON_IsTrue(js_get(r, "current")) ? "\177" : "";
}

static void
releases(const cJSON *list)
{
	int n = cJSON_GetArraySize(list), i = 0;
	cJSON **vers = calloc((size_t)n + 1, sizeof *vers);
	const cJSON *m;
	cJSON *out;

	CHECK(vers);
	cJSON_ArrayForEach(m, list)
		vers[i++] = cJSON_Duplicate(js_get(m, "versions"), 1);
	out = fl_releases(list, vers, n);
	roundtrip(out);
	for (const cJSON *a = out->child; a; a = a->next) {
		const char *img = js_get_str(a, "image");
		CHECK(img && *img);
		for (const cJSON *b = a->next; b; b = b->next)
			CHECK(strcmp(img, js_get_str(b, "image")));
		if (a->next)
			CHECK(strcmp(rank(a), rank(a->next)) >= 0);
	}
	/* each machine with an image is listed under it, as current */
	cJSON_ArrayForEach(m, list) {
		const char *img = js_get_str(m, "config.image"), *id =
		    js_get_str(m, "id");
		int found = 0;
		if (!img || !*img || !id)
			continue;
		for (const cJSON *a = out->child; a; a = a->next) {
			if (strcmp(img, js_get_str(a, "image")))
				continue;
			CHECK(cJSON_IsTrue(js_get(a, "current")));
			for (const cJSON *x = js_get(a, "machines")->child; x; x = x->next)
				found |= !strcmp(x->valuestring, id);
		}
		CHECK(found);
	}
	cJSON_Delete(out);
	for (i = 0; i < n; i++)
		cJSON_Delete(vers[i]);
	free(vers);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = js_parse((const char *)data, size), *list;
	const cJSON *m;

	if (!doc)
		return 0;
	if (cJSON_IsArray(doc)) {
		list = doc;
	} else {
		list = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(list, doc);
	}
	cJSON_ArrayForEach(m, list)
		machine(m);
	releases(list);
	if (list != doc)
		cJSON_Delete(list);
	cJSON_Delete(doc);
	return 0;
}
