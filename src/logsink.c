/* logsink.c - see logsink.h. */
#include "logsink.h"
#include "dedup.h"
#include "flytext.h"
#include "json.h"
#include "logrec.h"
#include "timefmt.h"
#include "token.h"

#include <cjson/cJSON.h>
#include <string.h>

void
ls_init(struct logsink *s)
{
	memset(s, 0, sizeof *s);
	sbuf_init(&s->out);
	s->linecap = 1u << 20;
	s->gap_source = "nats";
}

void
ls_release(struct logsink *s)
{
	sbuf_release(&s->out);
}

int
ls_want(const struct logsink *s, const struct logrec *r)
{
	int ok = !s->napps || !r->app[0];

	for (int i = 0; i < s->napps && !ok; i++)
		ok = !strcmp(s->apps[i], r->app);
	return ok && (!s->region || !r->region[0] ||
	    !strcmp(s->region, r->region)) && (!s->instance ||
	    !r->instance[0] || !strcmp(s->instance, r->instance));
}

int
ls_log(struct logsink *s, struct logrec *r, const cJSON *event, int dedup)
{
	if (!r->app[0] && s->napps)
		sh_copy(r->app, sizeof r->app, s->apps[0], strlen(s->apps[0]));
	if (!ls_want(s, r)) {
		s->filtered++;
		return 0;
	}
	if (!r->msg.s)
		sbuf_add(&r->msg, "", 0);
	if (r->msg.len > s->linecap) {
		r->msg.len = js_utf8_cut(r->msg.s, s->linecap);
		r->truncated = 1;
	}
	if (s->tok)
		r->msg.len = tok_redact_own(s->tok, r->msg.s, r->msg.len);
	r->msg.s[r->msg.len] = '\0';
	if (dedup && s->dd && (dedup == LS_LIVE ? dd_note : dd_check)(s->dd,
	    dd_key(r), r->ts, r->ts_prec)) {
		s->dups++;
		return 0;
	}
	for (;;) {
		sbuf_reset(&s->out);
		if (s->text) {
			flytext_log(r, &s->out, s->color);
			break;
		}
		lr_to_json(r, &s->out);
		if (event) {
			char *ev = cJSON_PrintUnformatted(event);
			s->out.len--;       /* reopen the object */
			sbuf_adds(&s->out, ",\"event\":");
			sbuf_adds(&s->out, ev ? ev : "null");
			sbuf_addc(&s->out, '}');
			cJSON_free(ev);
		}
		/* The whole record line, not only the message, must fit the
		 * line cap: the next stage (crashgrep -l, same default) cuts a
		 * longer line, and a cut JSON line is no record, so a crash
		 * that starts with a message at the cap was lost
		 * (tests/t/hostile-scale.t). Cut the message by the excess
		 * (escapes make it longer in JSON) until it fits. */
		if (s->out.len <= s->linecap || !r->msg.len)
			break;
		size_t over = s->out.len - s->linecap;
		r->msg.len = js_utf8_cut(r->msg.s, r->msg.len > over ?
		    r->msg.len - over : 0);
		r->msg.s[r->msg.len] = '\0';
		r->truncated = 1;
	}
	sbuf_addc(&s->out, '\n');
	sh_out_line(s->out.s, s->out.len);
	s->written++;
	return 1;
}

void
ls_raw(struct logsink *s, const char *p, size_t n)
{
	sbuf_reset(&s->out);
	sbuf_add(&s->out, p, n);
	sbuf_addc(&s->out, '\n');
	sh_out_line(s->out.s, s->out.len);
}

void
ls_gap(struct logsink *s, const struct ls_gap *g)
{
	char a[40], b[40], now[40];

	sbuf_reset(&s->out);
	if (s->text) {
		flytext_gap(g->from_ns, g->to_ns, g->app, g->reason, g->filled,
		    &s->out, s->color);
	} else {
		sh_time_format(g->from_ns, 3, a);
		sh_time_format(g->to_ns, 3, b);
		sh_time_format(sh_time_now(), 3, now);
		sbuf_adds(&s->out, "{\"type\":\"gap\"");
		js_member_str(&s->out, "ts", now, 0);
		js_member_str(&s->out, "from", a, 0);
		js_member_str(&s->out, "to", b, 0);
		js_member_str(&s->out, "reason", g->reason, 0);
		js_member_str(&s->out, "app", g->app, 1);
		js_member_str(&s->out, "source", s->gap_source, 1);
		if (g->dropped)
			js_member_int(&s->out, "dropped", (long long)g->dropped);
		sbuf_addf(&s->out, ",\"filled\":%s", g->filled ? "true" : "false");
		if (g->backfilled >= 0)
			js_member_int(&s->out, "backfilled", g->backfilled);
		sbuf_addc(&s->out, '}');
	}
	sbuf_addc(&s->out, '\n');
	sh_out_line(s->out.s, s->out.len);
}
