/* incident.c - unit tests for diagnose's pieces in src/: incident grouping
 * (window, watermark, eviction, stable ids), the spool (round trip,
 * .done and .bad files), validation of model answers, prompt sizing and
 * the report's fences. */
#include "agenttools.h"
#include "http.h"
#include "diag.h"
#include "fsutil.h"
#include "incident.h"
#include "prompt.h"
#include "redact.h"
#include "report.h"
#include "spool.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
crash(const char *app, const char *fp, const char *inst, const char *ts,
    const char *id)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "{\"type\":\"crash\",\"id\":\"%s\",\"ts\":\"%s\",\"app\":\"%s\","
	    "\"instance\":\"%s\",\"rule\":\"go.panic\",\"category\":\"panic\","
	    "\"severity\":\"critical\",\"fingerprint\":\"%s\",\"title\":\"panic: x\","
	    "\"lines\":[\"panic: x\",\"goroutine 1 [running]:\"],\"context\":[],"
	    "\"hint\":{\"cause\":\"c\",\"actions\":[\"machine.restart\"]}}",
	    id, ts, app, inst, fp);
	return b.s;
}

static struct incident *
add(struct inc_table *t, const char *app, const char *fp, const char *inst,
    const char *ts, const char *id, int64_t now)
{
	char *s = crash(app, fp, inst, ts, id);
	cJSON *o = cJSON_Parse(s);
	const char *why = NULL;
	struct incident *inc = inc_add(t, o, s, strlen(s), NULL, now, &why);
	cJSON_Delete(o);
	free(s);
	return inc;
}

static int
nready(struct inc_table *t)
{
	int n = 0;
	for (struct incident *i = t->ready; i; i = i->next)
		n++;
	return n;
}

int
main(void)
{
	struct inc_table t;
	struct incident *a, *b, *inc;
	unsigned char key[RX_KEYLEN] = "0123456789abcdef";
	struct redactor *rx = rx_new(key);
	struct sbuf s, err;

	sbuf_init(&s);
	sbuf_init(&err);

	/* grouping and the event-time window */
	inc_table_init(&t, 10000, 3);
	a = add(&t, "shop", "f_1", "m1", "2026-11-28T03:45:13Z", "c_1", 0);
	b = add(&t, "shop", "f_1", "m2", "2026-11-28T03:45:20Z", "c_2", 10);
	T_OK(a && a == b && a->occurrences == 2 && a->ninst == 2,
	    "same app and fingerprint within the window: one incident");
	b = add(&t, "billing", "f_1", "m1", "2026-11-28T03:45:21Z", "c_3", 20);
	T_OK(b != a && t.nopen == 2, "another app: another incident");
	b = add(&t, "shop", "f_1", "m1", "2026-11-28T03:45:40Z", "c_4", 30);
	T_OK(b != a && nready(&t) >= 1, "a gap over the window closes it");
	T_STR(t.ready->id, a->id, "the closed one is ready");
	T_STR(a->first_ts, "2026-11-28T03:45:13Z", "first_ts");
	T_STR(a->last_ts, "2026-11-28T03:45:20Z", "last_ts");
	/* the watermark passed billing's last crash by more than the window */
	T_OK(nready(&t) == 2, "the stream's time closes incidents left behind");
	/* ids: the same first crash gives the same id */
	struct inc_table t2;
	inc_table_init(&t2, 10000, 3);
	b = add(&t2, "shop", "f_1", "m9", "2026-11-28T03:45:13Z", "c_1", 0);
	T_STR(b->id, a->id, "incident id depends on app, fingerprint, first crash");
	inc_table_release(&t2);
	/* wall clock: idle for the window */
	inc_expire(&t, 30 + 10000);
	T_OK(t.nopen == 0 && nready(&t) == 3, "idle incidents close");
	T_OK(inc_next_timeout(&t, 0) == -1, "no timeout with nothing open");
	/* eviction of the oldest when too many are open */
	char fp[16];
	for (int i = 0; i < 4; i++) {
		snprintf(fp, sizeof fp, "f_e%d", i);
		add(&t, "shop", fp, "m1", "2026-11-28T04:00:00Z", fp, 100);
	}
	T_OK(t.nopen == 3 && nready(&t) == 4, "at most max_open stay open");
	T_OK(inc_next_timeout(&t, 100) == 10000, "next timeout: the window");
	/* without a fingerprint: refused */
	const char *why = NULL;
	cJSON *o = cJSON_Parse("{\"type\":\"crash\",\"app\":\"x\"}");
	T_OK(!inc_add(&t, o, "{}", 2, NULL, 0, &why) && why, "no fingerprint: %s",
	    why);
	cJSON_Delete(o);

	/* the spool: round trip, done, bad files */
	char dir[] = "/tmp/spool-unit-XXXXXX";
	struct spool sp;
	T_OK(mkdtemp(dir) != NULL, "temp dir");
	T_OK(spool_open(&sp, dir, &err) == 0, "spool open");
	inc = inc_pop_ready(&t);
	T_OK(spool_put(&sp, inc, &err) == 0 && !inc->dirty, "spool put");
	struct incident **v;
	int bad, n = spool_load(&sp, &v, &bad);
	T_OK(n == 1 && bad == 0, "spool load");
	if (n == 1) {
		T_STR(v[0]->id, inc->id, "round trip: id");
		T_OK(v[0]->occurrences == inc->occurrences && v[0]->ninst ==
		    inc->ninst && v[0]->resumed, "round trip: counts");
		T_STR(v[0]->inst[1].id, inc->inst[1].id, "round trip: machines");
		T_STR(v[0]->first, inc->first, "round trip: first crash");
		inc_free(v[0]);
	}
	free(v);
	T_OK(spool_done(&sp, inc->id, &err) == 0 && spool_emitted(&sp, inc->id),
	    "spool done");
	n = spool_load(&sp, &v, &bad);
	T_OK(n == 0, "spool empty after done");
	free(v);
	fs_write_atomic(dir, "i_00000000000000aa.json", "{", 1, 0600);
	n = spool_load(&sp, &v, &bad);
	T_OK(n == 0 && bad == 1, "a broken file counts as bad");
	free(v);
	char p[128];
	snprintf(p, sizeof p, "%s/i_00000000000000aa.json.bad", dir);
	T_OK(access(p, F_OK) == 0, "and is renamed .bad");
	unlink(p);
	spool_close(&sp);
	rmdir(dir);

	/* validation of model answers */
	const char *ans = "{\"summary\":\"s\",\"root_cause\":\"r\",\"confidence\":2,"
	    "\"category\":\"nope\",\"evidence\":[\"e\",3],\"actions\":["
	    "{\"action\":\"machine.restart\"},{\"action\":\"rm -rf\"},"
	    "{\"action\":\"machine.start\",\"machine\":\"zzz\"},"
	    "{\"action\":\"notify\",\"app\":\"other\"}]}";
	cJSON *j = cJSON_Parse(ans), *clean;
	sbuf_reset(&err);
	n = dg_validate(j, inc, NULL, 0, rx, &clean, &err);
	T_OK(n == 5, "five problems found (%d)", n);
	T_OK(!cJSON_GetObjectItem(clean, "confidence") &&
	    !cJSON_GetObjectItem(clean, "category"), "invalid fields dropped");
	T_OK(cJSON_GetArraySize(cJSON_GetObjectItem(clean, "actions")) ==
	    inc->ninst, "machine action expanded to the incident's machines");
	T_OK(cJSON_GetArraySize(cJSON_GetObjectItem(clean, "evidence")) == 1,
	    "non-string evidence skipped");
	cJSON *rules = dg_rules_fields(inc, rx), *notes = cJSON_CreateArray();
	T_OK(dg_fill(clean, rules, notes) == 2, "rules fill the two missing");
	sbuf_reset(&s);
	dg_record(inc, clean, "openai:m", 10, 2, notes, 0, rx, &s);
	cJSON *rec = cJSON_Parse(s.s);
	T_OK(rec && !strcmp(cJSON_GetObjectItem(rec, "category")->valuestring,
	    "panic"), "record: category from the crash");
	cJSON_Delete(rec);
	cJSON_Delete(j);
	cJSON_Delete(clean);
	cJSON_Delete(rules);
	cJSON_Delete(notes);

	/* prompt sizing: a big crash fits the budget */
	struct sbuf big;
	sbuf_init(&big);
	sbuf_adds(&big, "{\"type\":\"crash\",\"fingerprint\":\"f_big\",\"app\":\"shop\","
	    "\"ts\":\"2026-11-28T05:00:00Z\",\"title\":\"boom\",\"lines\":[\"HEAD\"");
	for (int i = 0; i < 5000; i++)
		sbuf_addf(&big, ",\"frame %c%c%c ok\"", 'a' + i % 26, 'a' + i / 26 % 26,
		    'a' + i / 676 % 26);
	sbuf_adds(&big, ",\"TAIL\"],\"context\":[\"same\",\"same\",\"same\"]}");
	o = cJSON_Parse(big.s);
	struct inc_table t3;
	inc_table_init(&t3, 10000, 3);
	struct incident *bi = inc_add(&t3, o, big.s, big.len, NULL, 0, &why);
	for (size_t max = 1000; max <= 64000; max *= 4) {
		sbuf_reset(&s);
		pr_incident(bi, rx, max, 0, &s);
		T_OK(s.len <= max && strstr(s.s, "HEAD") && (max < 4000 ||
		    strstr(s.s, "TAIL")), "prompt of %zu bytes within %zu", s.len,
		    max);
	}
	T_OK(strstr(s.s, "[2 more similar lines]") != NULL,
	    "repeated lines collapsed");
	cJSON_Delete(o);
	sbuf_release(&big);
	inc_table_release(&t3);
	inc_free(inc);
	inc_table_release(&t);

	/* report: log text cannot break out of its fence or inject HTML */
	cJSON *d = cJSON_Parse("{\"type\":\"diagnosis\",\"app\":\"shop\","
	    "\"summary\":\"<img src=x> | `x`\",\"evidence\":[\"```\\n# not a "
	    "heading\"],\"actions\":[],\"notes\":[\"n\"]}");
	sbuf_reset(&s);
	rp_markdown(d, &s);
	T_OK(strstr(s.s, "````text\n```\n# not a heading\n````") != NULL,
	    "evidence fence longer than any backtick run");
	T_OK(strstr(s.s, "&lt;img src=x&gt; \\| \\`x\\`") != NULL,
	    "inline text escaped");
	cJSON_Delete(d);

	/* running programs: argv as given, stdin, caps, timeouts */
	struct sbuf out, eo;
	int status;
	sbuf_init(&out);
	sbuf_init(&eo);
	char *echo[] = { "printf", "%s|", "a b", "$(id)", ";rm -rf /", NULL };
	T_OK(at_run(echo, NULL, NULL, 0, 5000, 1000, &out, &eo, &status) == 0 &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, "at_run runs argv");
	T_STR(out.s, "a b|$(id)|;rm -rf /|", "no shell: arguments arrive as given");
	sbuf_reset(&out);
	char *cat[] = { "cat", NULL };
	T_OK(at_run(cat, NULL, "hello", 5, 5000, 3, &out, &eo, &status) == 0,
	    "at_run with stdin");
	T_STR(out.s, "hel", "output capped");
	char *slow[] = { "sleep", "5", NULL };
	int64_t t0 = sh_now_mono_ms();
	T_OK(at_run(slow, NULL, NULL, 0, 200, 100, &out, &eo, &status) < 0 &&
	    errno == ETIMEDOUT && sh_now_mono_ms() - t0 < 2000,
	    "a slow program is killed at its timeout");
	char *none[] = { "/nonexistent/remediate", NULL };
	T_OK(at_run(none, NULL, NULL, 0, 2000, 100, &out, &eo, &status) == 0 &&
	    WEXITSTATUS(status) == 127, "a missing program exits 127");
	sbuf_release(&out);
	sbuf_release(&eo);

	/* http.c's additions for the LLM APIs */
	T_OK(http_parse_retry_after("1.5") == 1500, "Retry-After with a fraction");
	T_OK(http_parse_retry_after("2") == 2000, "Retry-After in seconds");
	T_OK(http_parse_retry_after("soon") == -1, "Retry-After garbage");
	struct http_resp hr;
	http_resp_init(&hr);
	hr.status = 400;
	hr.should_retry = 1;
	T_OK(http_verdict(0, &hr) == HTTP_RETRY, "x-should-retry: true wins");
	hr.status = 503;
	hr.should_retry = 0;
	T_OK(http_verdict(0, &hr) == HTTP_FATAL, "x-should-retry: false wins");
	hr.should_retry = -1;
	T_OK(http_verdict(0, &hr) == HTTP_RETRY, "503 without it: retry");
	http_resp_release(&hr);

	rx_free(rx);
	sbuf_release(&s);
	sbuf_release(&err);
	return t_done();
}
