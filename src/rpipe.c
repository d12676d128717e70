/* rpipe.c - see rpipe.h. */
#include "rpipe.h"
#include "engine.h"
#include "json.h"
#include "reader.h"
#include "textfmt.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *
str(const cJSON *o, const char *k)
{
	const char *v = js_get_str(o, k);
	return v ? v : "";
}

void
rpipe_emit(void *arg, const cJSON *rec, const char *line, size_t n)
{
	const struct rpipe_out *o = arg;
	const char *st = js_get_str(rec, "status"), *src = js_get_str(rec,
	    "source");
	struct sbuf t;

	/* in a pipeline nobody reads our records but the next stage: a
	 * repair that failed is also said on stderr, in one line */
	if (st && !strcmp(st, "failed") && src && !strcmp(src, "pipeline")) {
		const char *m = js_get_str(rec, "machine");
		sh_warn("%s: %s%s%s: failed: %s", str(rec, "incident"),
		    str(rec, "action"), m ? " on machine " : "", m ? m : "",
		    str(rec, "reason"));
	}
	if (!o->text) {
		sh_out_line(line, n);
		return;
	}
	sbuf_init(&t);
	en_text_line(rec, &t, o->color);
	sbuf_addc(&t, '\n');
	sh_out_line(t.s, t.len);
	sbuf_release(&t);
}

int
rpipe_run(struct engine *en, struct reader *rd, const struct rpipe_out *o)
{
	struct sh_ratelimit rl = { 0, 5 };
	const char *line;
	size_t n;
	int trunc, rc;
	unsigned long lineno = 0;

	for (;;) {
		int64_t due = en_due(en), now = sh_now_mono_ms();
		rc = rd_line(rd, &line, &n, &trunc, due < 0 ? -1 :
		    due > now ? (int)(due - now) : 0);
		if (rc == RD_TIMEOUT) {
			if (en_poll(en, 0) < 0)
				break;
			continue;
		}
		if (rc != RD_OK)
			break;
		lineno++;
		if (!trunc && sh_blank(line, n))
			continue;       /* a blank line, as jq and diagnose */
		const char *why = "longer than the line cap";
		cJSON *j = trunc ? NULL : js_parse_why(line, n, &why);
		const char *type = js_get_str(j, "type");
		if (type && !strcmp(type, "diagnosis")) {
			if (en_diagnosis(en, j) < 0) {
				cJSON_Delete(j);
				break;
			}
		} else if (j && type) {
			/* another stage's record: forwarded byte for byte */
			if (o->text) {
				tf_print(j, o->color);
			} else {
				sh_out_line(line, n);
				sh_out_line("\n", 1);
			}
		} else {
			/* the line, not rd_offset(): that is the end of the
			 * chunk read, the same for every line in it
			 * (tests/t/hostile-json.t) */
			sh_warn_limited(&rl, "%s:%lu: not a JSON record (%s): "
			    "ignored", rd_name(rd), lineno, !j ? why :
			    !cJSON_IsObject(j) ? "not a JSON object" :
			    "no \"type\"");
		}
		cJSON_Delete(j);
		if (sh_stop)
			break;
		if (en_due(en) >= 0 && en_poll(en, 0) < 0)
			break;
	}
	if (rc == RD_ERR)
		sh_warn("<stdin>: read error");
	if (!en->fatal)
		en_poll(en, 1);
	return en->fatal ? SH_EX_IOERR : rc == RD_ERR ? SH_EX_IOERR : 0;
}
