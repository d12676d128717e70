/* incident.c - see incident.h. */
#include "incident.h"
#include "json.h"
#include "jsonout.h"
#include "logrec.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

void
inc_table_init(struct inc_table *t, int64_t window_ms, int max_open)
{
	memset(t, 0, sizeof *t);
	t->ready_tail = &t->ready;
	t->window_ms = window_ms;
	t->max_open = max_open > 0 ? max_open : 256;
}

void
inc_free(struct incident *inc)
{
	if (!inc)
		return;
	free(inc->title);
	free(inc->first);
	free(inc->last);
	cJSON_Delete(inc->first_js);
	free(inc);
}

void
inc_table_release(struct inc_table *t)
{
	struct incident *i, *n;

	for (i = t->open; i; i = n) {
		n = i->next;
		inc_free(i);
	}
	for (i = t->ready; i; i = n) {
		n = i->next;
		inc_free(i);
	}
	inc_table_init(t, t->window_ms, t->max_open);
}

static void
to_ready(struct inc_table *t, struct incident *inc)
{
	inc->next = NULL;
	*t->ready_tail = inc;
	t->ready_tail = &inc->next;
}

void
inc_push_ready(struct inc_table *t, struct incident *inc)
{
	inc->next = t->ready;
	t->ready = inc;
	if (t->ready_tail == &t->ready)
		t->ready_tail = &inc->next;
}

struct incident *
inc_pop_ready(struct inc_table *t)
{
	struct incident *inc = t->ready;

	if (!inc)
		return NULL;
	t->ready = inc->next;
	if (!t->ready)
		t->ready_tail = &t->ready;
	inc->next = NULL;
	return inc;
}

/* Close the open incidents for which pred() holds, oldest first. */
static void
close_where(struct inc_table *t, int (*pred)(const struct inc_table *,
    const struct incident *, int64_t), int64_t arg)
{
	struct incident **pp = &t->open;

	while (*pp) {
		struct incident *inc = *pp;
		if (pred(t, inc, arg)) {
			*pp = inc->next;
			t->nopen--;
			to_ready(t, inc);
		} else {
			pp = &inc->next;
		}
	}
}

static int
p_all(const struct inc_table *t, const struct incident *i, int64_t a)
{
	return 1;
}

static int
p_behind(const struct inc_table *t, const struct incident *i, int64_t wm)
{
	return sh_time_apart(wm, i->last_ns, t->window_ms);
}

static int
p_idle(const struct inc_table *t, const struct incident *i, int64_t now)
{
	return now - i->seen_mono >= t->window_ms ||
	    now - i->open_mono >= t->window_ms * INC_MAX_AGE_WINDOWS;
}

static int
p_is(const struct inc_table *t, const struct incident *i, int64_t p)
{
	return (intptr_t)i == (intptr_t)p;
}

void
inc_close_all(struct inc_table *t)
{
	close_where(t, p_all, 0);
}

void
inc_close(struct inc_table *t, struct incident *inc)
{
	close_where(t, p_is, (intptr_t)inc);
}

void
inc_expire(struct inc_table *t, int64_t now_mono)
{
	close_where(t, p_idle, now_mono);
}

int
inc_next_timeout(const struct inc_table *t, int64_t now)
{
	int64_t best = -1;

	for (const struct incident *i = t->open; i; i = i->next) {
		int64_t a = i->seen_mono + t->window_ms - now;
		int64_t b = i->open_mono + t->window_ms * INC_MAX_AGE_WINDOWS - now;
		int64_t d = a < b ? a : b;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best > 86400000 ? 86400000 : (int)best;
}

static const char *
str_or(const cJSON *o, const char *k, const char *dflt)
{
	const char *s = js_get_str(o, k);
	return s ? s : dflt;
}

/* Keep a crash record within INC_MAX_RAW: cut its lines to head and tail
 * and its context to the newest lines. */
static char *
keep_raw(const cJSON *crash, const char *raw, size_t n)
{
	cJSON *c;
	struct sbuf b;

	if (n <= INC_MAX_RAW)
		return xstrndup(raw, n);
	c = cJSON_Duplicate(crash, 1);
	for (int lim = 200; lim >= 4; lim /= 2) {
		cJSON *lines = cJSON_GetObjectItemCaseSensitive(c, "lines");
		cJSON *ctx = cJSON_GetObjectItemCaseSensitive(c, "context");
		while (cJSON_GetArraySize(lines) > lim)
			cJSON_DeleteItemFromArray(lines, lim * 2 / 3);
		while (cJSON_GetArraySize(ctx) > lim / 4)
			cJSON_DeleteItemFromArray(ctx, 0);
		for (cJSON *l = lines ? lines->child : NULL; l; l = l->next)
			if (cJSON_IsString(l) && strlen(l->valuestring) > 2048)
				l->valuestring[js_utf8_cut(l->valuestring, 2048)] = '\0';
		if (!cJSON_GetObjectItemCaseSensitive(c, "truncated"))
			cJSON_AddTrueToObject(c, "truncated");
		sbuf_init(&b);
		jo_tree(&b, c);
		if (b.len <= INC_MAX_RAW || lim <= 4) {
			cJSON_Delete(c);
			return b.s;
		}
		sbuf_release(&b);
	}
	cJSON_Delete(c);
	return xstrdup("{}");
}

static void
new_id(struct incident *inc, const cJSON *crash)
{
	uint64_t h = SH_FNV_INIT;
	const char *cid = js_get_str(crash, "id");

	h = sh_fnv1a(h, inc->app, strlen(inc->app) + 1);
	h = sh_fnv1a(h, inc->fp, strlen(inc->fp) + 1);
	if (cid) {
		h = sh_fnv1a(h, cid, strlen(cid));
	} else {
		h = sh_fnv1a(h, inc->first_ts, strlen(inc->first_ts) + 1);
		h = sh_fnv1a(h, inc->title, strlen(inc->title));
	}
	snprintf(inc->id, sizeof inc->id, "i_%016llx", (unsigned long long)h);
}

static void
add_instance(struct incident *inc, const char *id, int64_t ns,
    const char *ts)
{
	struct inc_inst *in = NULL;

	for (int i = 0; i < inc->ninst; i++)
		if (!strcmp(inc->inst[i].id, id)) {
			in = &inc->inst[i];
			break;
		}
	if (!in) {
		if (inc->ninst == INC_MAX_INST) {
			inc->inst_overflow++;
			return;
		}
		in = &inc->inst[inc->ninst++];
		sh_copy(in->id, sizeof in->id, id, strlen(id));
		in->first_ns = ns;
		sh_copy(in->first_ts, sizeof in->first_ts, ts, strlen(ts));
	}
	in->count++;
	if (ns < in->first_ns) {
		in->first_ns = ns;
		sh_copy(in->first_ts, sizeof in->first_ts, ts, strlen(ts));
	}
	if (ns >= in->last_ns) {
		in->last_ns = ns;
		sh_copy(in->last_ts, sizeof in->last_ts, ts, strlen(ts));
	}
}

struct incident *
inc_add(struct inc_table *t, const cJSON *crash, const char *raw, size_t n,
    const char *dflt_app, int64_t now, const char **why)
{
	const char *app = str_or(crash, "app", dflt_app ? dflt_app : "");
	const char *fp = js_get_str(crash, "fingerprint");
	const char *ts = js_get_str(crash, "ts"), *lts = js_get_str(crash,
	    "last_ts");
	const char *inst = str_or(crash, "instance", "");
	char nowts[40];
	int64_t ns = 0, lns = 0;
	struct incident *inc;

	if (!fp || !*fp || strlen(fp) >= sizeof inc->fp) {
		*why = "crash record without a fingerprint";
		return NULL;
	}
	if (!ts || sh_time_parse(ts, strlen(ts), &ns, NULL) < 0) {
		ns = sh_time_now();
		sh_time_format(ns, 3, nowts);
		ts = nowts;
	}
	if (!lts || sh_time_parse(lts, strlen(lts), &lns, NULL) < 0 || lns < ns) {
		lns = ns;
		lts = ts;
	}
	for (inc = t->open; inc; inc = inc->next)
		if (!strcmp(inc->fp, fp) && !strcmp(inc->app, app))
			break;
	if (inc && sh_time_apart(ns, inc->last_ns, t->window_ms)) {
		close_where(t, p_is, (intptr_t)inc);
		inc = NULL;
	}
	if (!inc) {
		if (t->nopen >= t->max_open) {
			close_where(t, p_is, (intptr_t)t->open);
			t->evicted++;
		}
		inc = xcalloc(1, sizeof *inc);
		sh_copy(inc->app, sizeof inc->app, app, strlen(app));
		sh_copy(inc->fp, sizeof inc->fp, fp, strlen(fp));
		const char *cat = str_or(crash, "category", "exit");
		sh_copy(inc->category, sizeof inc->category, cat, strlen(cat));
		const char *rule = str_or(crash, "rule", "");
		sh_copy(inc->rule, sizeof inc->rule, rule, strlen(rule));
		const char *sev = str_or(crash, "severity", "error");
		sh_copy(inc->severity, sizeof inc->severity, sev, strlen(sev));
		inc->title = xstrdup(str_or(crash, "title", ""));
		inc->first_ns = ns;
		inc->last_ns = lns;
		sh_copy(inc->first_ts, sizeof inc->first_ts, ts, strlen(ts));
		sh_copy(inc->last_ts, sizeof inc->last_ts, lts, strlen(lts));
		inc->first = keep_raw(crash, raw, n);
		inc->open_mono = now;
		new_id(inc, crash);
		struct incident **pp = &t->open;
		while (*pp)
			pp = &(*pp)->next;
		*pp = inc;
		t->nopen++;
	} else {
		free(inc->last);
		inc->last = keep_raw(crash, raw, n);
	}
	inc->occurrences++;
	if (ns < inc->first_ns) {
		inc->first_ns = ns;
		sh_copy(inc->first_ts, sizeof inc->first_ts, ts, strlen(ts));
	}
	if (lns > inc->last_ns) {
		inc->last_ns = lns;
		sh_copy(inc->last_ts, sizeof inc->last_ts, lts, strlen(lts));
	}
	if (*inst)
		add_instance(inc, inst, ns, ts);
	inc->seen_mono = now;
	inc->dirty = 1;
	if (ns > t->watermark_ns) {
		t->watermark_ns = ns;
		/* other incidents the stream's time has left behind */
		struct incident *keep = inc;
		for (struct incident **pp = &t->open; *pp;) {
			struct incident *o = *pp;
			if (o != keep && p_behind(t, o, t->watermark_ns)) {
				*pp = o->next;
				t->nopen--;
				to_ready(t, o);
			} else {
				pp = &o->next;
			}
		}
	}
	return inc;
}

const cJSON *
inc_first(struct incident *inc)
{
	if (!inc->first_js && inc->first)
		inc->first_js = js_parse(inc->first, strlen(inc->first));
	return inc->first_js;
}

void
inc_to_json(const struct incident *inc, struct sbuf *b)
{
	sbuf_adds(b, "{\"v\":1");
	js_member_str(b, "incident", inc->id, 0);
	js_member_str(b, "app", inc->app, 0);
	js_member_str(b, "fingerprint", inc->fp, 0);
	js_member_str(b, "category", inc->category, 0);
	js_member_str(b, "rule", inc->rule, 0);
	js_member_str(b, "severity", inc->severity, 0);
	js_member_str(b, "title", inc->title, 0);
	js_member_int(b, "occurrences", inc->occurrences);
	js_member_int(b, "inst_overflow", inc->inst_overflow);
	js_member_str(b, "first_ts", inc->first_ts, 0);
	js_member_str(b, "last_ts", inc->last_ts, 0);
	js_key(b, "instances");
	sbuf_addc(b, '[');
	for (int i = 0; i < inc->ninst; i++) {
		const struct inc_inst *in = &inc->inst[i];
		sbuf_adds(b, i ? ",{" : "{");
		js_member_str(b, "id", in->id, 0);
		js_member_int(b, "count", in->count);
		js_member_str(b, "first_ts", in->first_ts, 0);
		js_member_str(b, "last_ts", in->last_ts, 0);
		sbuf_addc(b, '}');
	}
	sbuf_addc(b, ']');
	/* the crash records were valid JSON objects when they arrived */
	js_key(b, "first");
	sbuf_adds(b, inc->first ? inc->first : "null");
	js_key(b, "last");
	sbuf_adds(b, inc->last ? inc->last : "null");
	sbuf_addc(b, '}');
}

static int
copy_str(const cJSON *o, const char *k, char *dst, size_t cap)
{
	const char *s = js_get_str(o, k);
	if (!s)
		return -1;
	sh_copy(dst, cap, s, strlen(s));
	return 0;
}

static char *
dup_item(const cJSON *o, const char *k)
{
	const cJSON *it = js_get(o, k);
	struct sbuf b;

	if (!cJSON_IsObject(it))
		return NULL;
	sbuf_init(&b);
	jo_tree(&b, it);
	return b.s;
}

struct incident *
inc_from_json(const char *s, size_t n)
{
	cJSON *o = js_parse(s, n);
	struct incident *inc;
	const cJSON *arr, *it;

	if (!o)
		return NULL;
	inc = xcalloc(1, sizeof *inc);
	if (copy_str(o, "incident", inc->id, sizeof inc->id) ||
	    copy_str(o, "app", inc->app, sizeof inc->app) ||
	    copy_str(o, "fingerprint", inc->fp, sizeof inc->fp) ||
	    copy_str(o, "category", inc->category, sizeof inc->category) ||
	    copy_str(o, "first_ts", inc->first_ts, sizeof inc->first_ts) ||
	    copy_str(o, "last_ts", inc->last_ts, sizeof inc->last_ts) ||
	    strncmp(inc->id, "i_", 2) ||
	    !cJSON_IsNumber(js_get(o, "occurrences")) ||
	    !(inc->first = dup_item(o, "first"))) {
		cJSON_Delete(o);
		inc_free(inc);
		return NULL;
	}
	copy_str(o, "rule", inc->rule, sizeof inc->rule);
	copy_str(o, "severity", inc->severity, sizeof inc->severity);
	inc->title = xstrdup(str_or(o, "title", ""));
	inc->last = dup_item(o, "last");
	inc->occurrences = (long)js_get(o, "occurrences")->valuedouble;
	it = js_get(o, "inst_overflow");
	inc->inst_overflow = cJSON_IsNumber(it) ? (long)it->valuedouble : 0;
	sh_time_parse(inc->first_ts, strlen(inc->first_ts), &inc->first_ns, NULL);
	sh_time_parse(inc->last_ts, strlen(inc->last_ts), &inc->last_ns, NULL);
	arr = js_get(o, "instances");
	for (it = arr ? arr->child : NULL; it && inc->ninst < INC_MAX_INST;
	    it = it->next) {
		struct inc_inst *in = &inc->inst[inc->ninst];
		const cJSON *c = js_get(it, "count");
		if (copy_str(it, "id", in->id, sizeof in->id) || !cJSON_IsNumber(c))
			continue;
		in->count = (long)c->valuedouble;
		copy_str(it, "first_ts", in->first_ts, sizeof in->first_ts);
		copy_str(it, "last_ts", in->last_ts, sizeof in->last_ts);
		sh_time_parse(in->first_ts, strlen(in->first_ts), &in->first_ns,
		    NULL);
		sh_time_parse(in->last_ts, strlen(in->last_ts), &in->last_ns, NULL);
		inc->ninst++;
	}
	inc->resumed = 1;
	inc->ondisk = 1;
	cJSON_Delete(o);
	return inc;
}
