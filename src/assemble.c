/* assemble.c - see assemble.h. */
#include "assemble.h"
#include "fingerprint.h"
#include "json.h"
#include "timefmt.h"

#include <stdlib.h>
#include <string.h>

/* The lines of one crash keep at most this many bytes in all: with JSON
 * escapes (6 bytes a control character at worst) and the context, the
 * record stays under diagnose's 4 MiB line cap. A rule may allow 10,000
 * lines of 8 KiB, and a crash record over that cap was skipped downstream:
 * lost (tests/t/hostile-scale.t). */
#define CRASH_BYTES_MAX (512u << 10)

struct crash {
	struct rule *rule;
	char app[128], instance[64], region[16], provider[32], source[16];
	int64_t ts_first, ts_last;
	int ts_prec;
	uint64_t position;
	char **lines;
	size_t *lens;
	int nlines, cap;
	size_t bytes;         /* of lines, in all */
	char **ctx;
	size_t *ctxlens;
	int nctx;
	struct sbuf caps;     /* JSON members from named captures */
	char *title;
	size_t tlen;
	int truncated;
	int64_t wall_open, wall_last;
	uint64_t pos_last;
	uint64_t hash;
};

#define TOMB ((struct crash *)&tomb_marker)
static char tomb_marker;

struct assembler {
	struct ruleset *rs;
	struct asm_opts o;
	asm_emit_fn emit;
	asm_context_fn context;
	void *arg;
	struct crash **open;
	int nopen;
	/* open crashes by stream: open addressing, power-of-two size */
	struct crash **tab;
	size_t tabcap, tabused;
	unsigned long lines, emitted, swept_at;
	unsigned long evicted;  /* closed early: more than max_open at once */
	struct sbuf rec, tmp;
};

struct assembler *
asm_new(struct ruleset *rs, const struct asm_opts *o, asm_emit_fn emit,
    asm_context_fn context, void *arg)
{
	struct assembler *a = xcalloc(1, sizeof *a);
	a->rs = rs;
	a->o = *o;
	if (a->o.max_open <= 0)
		a->o.max_open = 16384;
	if (!a->o.line_bytes)
		a->o.line_bytes = 8192;
	if (!a->o.context_bytes)
		a->o.context_bytes = 1024;
	if (!a->o.idle_bytes)
		a->o.idle_bytes = 4u << 20;
	a->emit = emit;
	a->context = context;
	a->arg = arg;
	a->open = xcalloc((size_t)a->o.max_open, sizeof *a->open);
	a->tabcap = 16;
	while (a->tabcap < (size_t)a->o.max_open * 2)
		a->tabcap *= 2;
	a->tab = xcalloc(a->tabcap, sizeof *a->tab);
	sbuf_init(&a->rec);
	sbuf_init(&a->tmp);
	return a;
}

static void
crash_free(struct crash *c)
{
	for (int i = 0; i < c->nlines; i++)
		free(c->lines[i]);
	for (int i = 0; i < c->nctx; i++)
		free(c->ctx[i]);
	free(c->lines);
	free(c->lens);
	free(c->ctx);
	free(c->ctxlens);
	free(c->title);
	sbuf_release(&c->caps);
	free(c);
}

static uint64_t
stream_hash(const char *app, const char *inst)
{
	uint64_t h = sh_fnv1a(SH_FNV_INIT, app, strlen(app) + 1);
	return sh_fnv1a(h, inst, strlen(inst) + 1);
}

static struct crash *
tab_find(const struct assembler *a, const char *app, const char *inst)
{
	uint64_t h = stream_hash(app, inst);
	for (size_t i = h & (a->tabcap - 1);; i = (i + 1) & (a->tabcap - 1)) {
		struct crash *c = a->tab[i];
		if (!c)
			return NULL;
		if (c != TOMB && c->hash == h && !strcmp(c->instance, inst) &&
		    !strcmp(c->app, app))
			return c;
	}
}

static void
tab_rebuild(struct assembler *a)
{
	memset(a->tab, 0, a->tabcap * sizeof *a->tab);
	a->tabused = 0;
	for (int k = 0; k < a->nopen; k++) {
		size_t i = a->open[k]->hash & (a->tabcap - 1);
		while (a->tab[i])
			i = (i + 1) & (a->tabcap - 1);
		a->tab[i] = a->open[k];
		a->tabused++;
	}
}

static void
tab_insert(struct assembler *a, struct crash *c)
{
	c->hash = stream_hash(c->app, c->instance);
	if (a->tabused + 1 > a->tabcap / 2) {
		tab_rebuild(a); /* drops tombstones; nopen <= tabcap / 2 */
	}
	size_t i = c->hash & (a->tabcap - 1);
	while (a->tab[i] && a->tab[i] != TOMB)
		i = (i + 1) & (a->tabcap - 1);
	if (!a->tab[i])
		a->tabused++;
	a->tab[i] = c;
}

static void
tab_remove(struct assembler *a, struct crash *c)
{
	for (size_t i = c->hash & (a->tabcap - 1); a->tab[i];
	    i = (i + 1) & (a->tabcap - 1))
		if (a->tab[i] == c) {
			a->tab[i] = TOMB;
			return;
		}
}

void
asm_free(struct assembler *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->nopen; i++)
		crash_free(a->open[i]);
	free(a->open);
	free(a->tab);
	sbuf_release(&a->rec);
	sbuf_release(&a->tmp);
	free(a);
}

int
asm_open_count(const struct assembler *a)
{
	return a->nopen;
}

unsigned long
asm_emitted(const struct assembler *a)
{
	return a->emitted;
}

unsigned long
asm_evicted(const struct assembler *a)
{
	return a->evicted;
}

static void
add_line(struct assembler *a, struct crash *c, const struct logrec *r,
    uint64_t position)
{
	size_t n = r->msg.len;
	if (n > a->o.line_bytes) {
		n = js_utf8_cut(r->msg.s, a->o.line_bytes);
		c->truncated = 1;
	}
	if (n > CRASH_BYTES_MAX - c->bytes) {
		n = js_utf8_cut(r->msg.s, CRASH_BYTES_MAX - c->bytes);
		c->truncated = 1;
	}
	c->bytes += n;
	if (r->truncated)
		c->truncated = 1;
	if (c->nlines == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->lines = xrealloc(c->lines, (size_t)c->cap * sizeof *c->lines);
		c->lens = xrealloc(c->lens, (size_t)c->cap * sizeof *c->lens);
	}
	c->lines[c->nlines] = xstrndup(r->msg.s, n);
	c->lens[c->nlines] = n;
	c->nlines++;
	if (r->ts)
		c->ts_last = r->ts;
	c->wall_last = sh_now_mono_ms();
	c->pos_last = position;
}

/* The title: the last line matching a `title` pattern (its capture named
 * title, else the whole match line), else the match's own title capture,
 * else the first line. */
static void
find_title(struct assembler *a, struct crash *c, const char **t, size_t *tn)
{
	struct rule *r = c->rule;
	int n = r->npats[PK_TITLE] ? c->nlines + c->nctx : 0;

	/* crash lines from the last, then context lines from the newest */
	for (int k = 0; k < n; k++) {
		struct pattern *p;
		char *line = k < c->nlines ? c->lines[c->nlines - 1 - k] :
		    c->ctx[c->nctx - 1 - (k - c->nlines)];
		size_t len = k < c->nlines ? c->lens[c->nlines - 1 - k] :
		    c->ctxlens[c->nctx - 1 - (k - c->nlines)];
		if (!rs_rule_matches(a->rs, r, PK_TITLE, line, len, &p))
			continue;
		PCRE2_SIZE tl;
		int rc = pcre2_substring_length_byname(p->md, (PCRE2_SPTR)"title",
		    &tl);
		if (rc == 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
			int num = pcre2_substring_number_from_name(p->code,
			    (PCRE2_SPTR)"title");
			if (num > 0 && ov[2 * num] != PCRE2_UNSET) {
				*t = line + ov[2 * num];
				*tn = ov[2 * num + 1] - ov[2 * num];
				return;
			}
		}
		*t = line;
		*tn = len;
		return;
	}
	if (c->title) {
		*t = c->title;
		*tn = c->tlen;
		return;
	}
	*t = c->lines[0];
	*tn = c->lens[0];
}

static void
js_str_array(struct sbuf *b, const char *key, char **v, size_t *lens, int n)
{
	js_key(b, key);
	sbuf_addc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			sbuf_addc(b, ',');
		js_str(b, v[i], lens[i]);
	}
	sbuf_addc(b, ']');
}

static void
emit_crash(struct assembler *a, struct crash *c)
{
	struct sbuf *b = &a->rec;
	struct rule *r = c->rule;
	const char *title, *frames[3];
	size_t tlen, flens[3];
	int nf = 0;
	char fp[20], ts[40];
	uint64_t h;

	for (int i = 1; i < c->nlines && nf < 3 && r->npats[PK_FRAME]; i++) {
		/* frames are trimmed so indentation does not matter */
		if (!rs_rule_matches(a->rs, r, PK_FRAME, c->lines[i], c->lens[i],
		    NULL))
			continue;
		const char *s = c->lines[i];
		size_t n = c->lens[i];
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		frames[nf] = s;
		flens[nf++] = n;
	}
	find_title(a, c, &title, &tlen);
	if (tlen > 1024)
		tlen = js_utf8_cut(title, 1024);
	while (tlen && (*title == ' ' || *title == '\t')) {
		title++;
		tlen--;
	}
	while (tlen && (title[tlen - 1] == ' ' || title[tlen - 1] == '\t'))
		tlen--;
	fp_compute(r->name, title, tlen, frames, flens, nf, fp);

	h = sh_fnv1a(SH_FNV_INIT, c->app, strlen(c->app) + 1);
	h = sh_fnv1a(h, c->instance, strlen(c->instance) + 1);
	h = sh_fnv1a(h, &c->ts_first, sizeof c->ts_first);
	if (!c->ts_first)
		h = sh_fnv1a(h, &c->position, sizeof c->position);
	h = sh_fnv1a(h, c->lines[0], c->lens[0]);

	sbuf_reset(b);
	sbuf_addf(b, "{\"type\":\"crash\",\"id\":\"c_%016llx\"",
	    (unsigned long long)h);
	sh_time_format(c->ts_first ? c->ts_first : sh_time_now(),
	    c->ts_first ? c->ts_prec : 3, ts);
	js_member_str(b, "ts", ts, 0);
	js_member_str(b, "app", c->app, 1);
	js_member_str(b, "region", c->region, 1);
	js_member_str(b, "instance", c->instance, 1);
	js_member_str(b, "provider", c->provider, 1);
	js_member_str(b, "rule", r->name, 0);
	js_member_str(b, "category", r->category, 0);
	js_member_str(b, "severity", r->severity, 0);
	js_member_str(b, "fingerprint", fp, 0);
	js_key(b, "title");
	js_str(b, title, tlen);
	if (c->caps.len)
		sbuf_add(b, c->caps.s, c->caps.len);
	if (c->ts_last && c->ts_last != c->ts_first) {
		sh_time_format(c->ts_last, c->ts_prec, ts);
		js_member_str(b, "last_ts", ts, 0);
	}
	js_str_array(b, "lines", c->lines, c->lens, c->nlines);
	js_str_array(b, "context", c->ctx, c->ctxlens, c->nctx);
	js_key(b, "hint");
	sbuf_addc(b, '{');
	js_member_str(b, "cause", r->cause, 0);
	js_key(b, "actions");
	sbuf_addc(b, '[');
	for (int i = 0; i < r->nactions; i++) {
		if (i)
			sbuf_addc(b, ',');
		js_strz(b, r->actions[i]);
	}
	sbuf_adds(b, "]}");
	js_member_str(b, "source", c->source, 1);
	if (c->truncated)
		sbuf_adds(b, ",\"truncated\":true");
	sbuf_adds(b, "}\n");
	a->emit(a->arg, b->s, b->len);
	a->emitted++;
}

static void
close_at(struct assembler *a, int i)
{
	struct crash *c = a->open[i];
	tab_remove(a, c);
	emit_crash(a, c);
	crash_free(c);
	memmove(a->open + i, a->open + i + 1,
	    (size_t)(a->nopen - i - 1) * sizeof *a->open);
	a->nopen--;
}

static int
is_integer(const char *s, size_t n)
{
	size_t i = s[0] == '-' ? 1 : 0;
	if (n <= i || n - i > 15 || (s[i] == '0' && n - i > 1))
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
take_captures(struct crash *c, const struct rmatch *m)
{
	uint32_t count, size;
	PCRE2_SPTR tab;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->pat->md);

	sbuf_init(&c->caps);
	pcre2_pattern_info(m->pat->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(m->pat->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(m->pat->code, PCRE2_INFO_NAMETABLE, &tab);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = tab + i * size;
		int num = e[0] << 8 | e[1];
		const char *name = (const char *)e + 2;
		if (ov[2 * num] == PCRE2_UNSET)
			continue;
		const char *v = m->subject + ov[2 * num];
		size_t vn = ov[2 * num + 1] - ov[2 * num];
		if (vn > 1024)
			vn = js_utf8_cut(v, 1024);
		if (!strcmp(name, "title")) {
			if (!c->title) {
				c->title = xstrndup(v, vn);
				c->tlen = vn;
			}
			continue;
		}
		/* duplicate names (?J): the first that is set wins */
		int dup = 0;
		for (uint32_t j = 0; j < i && !dup; j++) {
			const unsigned char *f = tab + j * size;
			int fnum = f[0] << 8 | f[1];
			dup = !strcmp((const char *)f + 2, name) &&
			    ov[2 * fnum] != PCRE2_UNSET;
		}
		if (dup)
			continue;
		sbuf_addc(&c->caps, ',');
		js_strz(&c->caps, name);
		sbuf_addc(&c->caps, ':');
		if (is_integer(v, vn))
			sbuf_add(&c->caps, v, vn);
		else
			js_str(&c->caps, v, vn);
	}
}

static void
open_crash(struct assembler *a, const struct logrec *r, const struct rmatch *m,
    uint64_t position)
{
	struct crash *c;

	if (a->nopen == a->o.max_open) {
		/* more crashes at once than max_open: the oldest closes early
		 * and may lack its last lines. That was silent; say so once
		 * (the count is in --stats; tests/t/hostile-scale.t). */
		if (!a->evicted++)
			sh_warn("more than %d crashes open at once; the "
			    "oldest are closed early and may lack their last "
			    "lines", a->o.max_open);
		close_at(a, 0);
	}
	c = xcalloc(1, sizeof *c);
	c->rule = m->rule;
	sh_copy(c->app, sizeof c->app, r->app, strlen(r->app));
	sh_copy(c->instance, sizeof c->instance, r->instance, strlen(r->instance));
	sh_copy(c->region, sizeof c->region, r->region, strlen(r->region));
	sh_copy(c->provider, sizeof c->provider, r->provider, strlen(r->provider));
	sh_copy(c->source, sizeof c->source, r->source, strlen(r->source));
	c->ts_first = c->ts_last = r->ts;
	c->ts_prec = r->ts_prec;
	c->position = position;
	c->wall_open = sh_now_mono_ms();
	take_captures(c, m);
	if (a->context && a->o.context > 0) {
		c->ctx = xcalloc((size_t)a->o.context, sizeof *c->ctx);
		c->ctxlens = xcalloc((size_t)a->o.context, sizeof *c->ctxlens);
		c->nctx = a->context(a->arg, r, c->ctx, c->ctxlens, a->o.context);
		for (int i = 0; i < c->nctx; i++)
			if (c->ctxlens[i] > a->o.context_bytes) {
				c->ctxlens[i] = js_utf8_cut(c->ctx[i], a->o.context_bytes);
				c->ctx[i][c->ctxlens[i]] = '\0';
			}
	}
	add_line(a, c, r, position);
	a->open[a->nopen++] = c;
	tab_insert(a, c);
}

static int
same_stream(const struct crash *c, const struct logrec *r)
{
	return !strcmp(c->instance, r->instance) && !strcmp(c->app, r->app);
}

int
asm_line(struct assembler *a, const struct logrec *r, const uint32_t *cand,
    int ncand, uint64_t position)
{
	struct rmatch m;
	int64_t now = 0;

	a->lines++;
	/* crashes of other streams that log time or other traffic has passed
	 * (looked at every 64 lines: a storm of open crashes stays linear) */
	if (a->lines - a->swept_at >= 64 || a->nopen <= 8) {
		a->swept_at = a->lines;
		for (int i = 0; i < a->nopen; i++) {
			struct crash *c = a->open[i];
			int stale = position > c->pos_last &&
			    position - c->pos_last > a->o.idle_bytes;
			if (!stale && r->ts && c->ts_last &&
			    sh_time_apart(r->ts, c->ts_last, c->rule->gap_ms + 5000))
				stale = 1;
			if (!stale && a->o.hold_ms > 0) {
				if (!now)
					now = sh_now_mono_ms();
				stale = now - c->wall_open > a->o.hold_ms;
			}
			if (stale && !same_stream(c, r))
				close_at(a, i--);
		}
	}
	struct crash *c = a->nopen ? tab_find(a, r->app, r->instance) : NULL;
	if (c) {
		int i = 0;
		while (a->open[i] != c)
			i++;
		struct rule *ru = c->rule;
		/* whole-second timestamps hide up to a second of the gap */
		int64_t slack = r->ts_prec == 0 || c->ts_prec == 0 ? 1000 : 0;
		if (r->ts && c->ts_last &&
		    sh_time_apart(r->ts, c->ts_last, ru->gap_ms + slack)) {
			close_at(a, i);
		} else if (rs_rule_matches(a->rs, ru, PK_END, r->msg.s, r->msg.len,
		    NULL)) {
			add_line(a, c, r, position);
			close_at(a, i);
			return 1;
		} else if (rs_rule_matches(a->rs, ru, PK_CONTINUE, r->msg.s,
		    r->msg.len, NULL)) {
			add_line(a, c, r, position);
			if (c->nlines >= ru->max_lines ||
			    c->bytes >= CRASH_BYTES_MAX)
				close_at(a, i);
			return 1;
		} else {
			close_at(a, i);
		}
	}
	if (!rs_start(a->rs, r->msg.s, r->msg.len, cand, ncand, &m))
		return 0;
	open_crash(a, r, &m, position);
	struct rule *ru = m.rule;
	if ((!ru->npats[PK_CONTINUE] && !ru->npats[PK_END]) || ru->max_lines <= 1)
		close_at(a, a->nopen - 1);
	return 1;
}

const char *
asm_open_instance(const struct assembler *a, int i)
{
	return a->open[i]->instance;
}

int
asm_wants(struct assembler *a, const char *raw, size_t n)
{
	for (int i = 0; i < a->nopen; i++) {
		const char *inst = a->open[i]->instance;
		if (!*inst || memmem(raw, n, inst, strlen(inst)))
			return 1;
	}
	return 0;
}

void
asm_flush_idle(struct assembler *a, int64_t now)
{
	for (int i = 0; i < a->nopen; i++)
		if (now - a->open[i]->wall_last >= a->o.idle_ms)
			close_at(a, i--);
}

int
asm_next_timeout(const struct assembler *a, int64_t now)
{
	int64_t best = -1;
	for (int i = 0; i < a->nopen; i++) {
		int64_t d = a->open[i]->wall_last + a->o.idle_ms - now;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best > 100000 ? 100000 : (int)best;
}

void
asm_flush_all(struct assembler *a)
{
	while (a->nopen)
		close_at(a, 0);
}
