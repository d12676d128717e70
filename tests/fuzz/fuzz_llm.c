/* fuzz_llm - the LLM reply path of diagnose on any bytes: the parser of
 * Chat Completions and Messages bodies (llm_parse_reply, the function
 * llm_run uses for every reply), the error-body reader, then what
 * llm_run does with the answer text: jo_extract and dg_validate against
 * an incident, and what diagnose does after (dg_fill from the rules,
 * dg_drop_patch, dg_retarget, dg_record). The tool calls of a reply go
 * to the repo tools (at_call: list_files, read_file, search_code) over a
 * small repository whose symlinks lead outside it and which has a .git
 * directory (the remediate tools fork a program: not here).
 *
 * Input: a selector byte, then the response body. Selector bit 0: 0
 * OpenAI, 1 Anthropic; bit 1: the incident names no machine; bits 2-7
 * pick the HTTP status given to the error-body reader.
 *
 * Invariants: a parsed reply has text, an assistant message, at most
 * LLM_MAX_CALLS calls each with an id, a name and either object
 * arguments or an error for the model; the validated fields hold only
 * vocabulary actions and categories, machines of the incident's app
 * (its own or the known list), reasons and summaries on one line within
 * their caps, a github.pr only with a patch; one problem line per
 * counted problem; after dg_fill every field is there; after dg_retarget
 * every machine action names one of the incident's own machines; the
 * record is one JSON object. No tool result shows what lies outside the
 * repository or inside .git (unless the model's own text named it). No
 * crash, no leak. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agenttools.h"
#include "diag.h"
#include "http.h"
#include "incident.h"
#include "json.h"
#include "jsonout.h"
#include "llm.h"
#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_llm: %s:%d: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

static struct redactor *rx;
static char *known[] = { "9080e6f3a12345" };

/* The repository the tools see, and what must stay unseen. */
static struct agent_tools tools;
static char top[] = "/tmp/fuzz-llm-XXXXXX";
static const char *const hidden[] = { "OUTSIDE_MARKER_7f3a",
	"OUTSIDE_NAME_7f3a", "GIT_MARKER_7f3a", "GITNAME_7f3a", NULL };

static void
put(const char *rel, const char *text)
{
	char p[256];
	int fd;

	snprintf(p, sizeof p, "%s/%s", top, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void
dir(const char *rel)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static int
rm1(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void
cleanup(void)
{
	at_release(&tools);
	nftw(top, rm1, 16, FTW_DEPTH | FTW_PHYS);
}

static void
make_repo(void)
{
	char p[256], q[256];
	struct sbuf err;

	CHECK(mkdtemp(top));
	dir("out");
	put("out/secret.txt", "OUTSIDE_MARKER_7f3a\n");
	put("out/OUTSIDE_NAME_7f3a.txt", "x\n");
	dir("repo");
	dir("repo/src");
	dir("repo/.git");
	put("repo/main.go", "package main\n\nfunc main() {\n\tpanic(\"x\")\n}\n");
	put("repo/src/app.py", "def handler(event):\n    return event['id']\n");
	put("repo/.git/config", "[core]\n\tGIT_MARKER_7f3a = true\n");
	put("repo/.git/GITNAME_7f3a", "x\n");
	snprintf(p, sizeof p, "%s/repo/link", top);
	CHECK(symlink("../out/secret.txt", p) == 0);
	snprintf(p, sizeof p, "%s/repo/src/dirlink", top);
	CHECK(symlink("../../out", p) == 0);
	snprintf(p, sizeof p, "%s/repo/abs", top);
	snprintf(q, sizeof q, "%s/out/secret.txt", top);
	CHECK(symlink(q, p) == 0);
	snprintf(p, sizeof p, "%s/repo", top);
	sbuf_init(&err);
	CHECK(at_init(&tools, p, NULL, rx, &err) == 0);
	sbuf_release(&err);
	atexit(cleanup);
}

/* Run the reply's tool calls, as answer_calls does; nothing hidden comes
 * back unless the input itself holds it. */
static void
run_tools(const struct llm_reply *r, const uint8_t *data, size_t size)
{
	struct sbuf out;

	at_begin(&tools, "shop", sh_now_mono_ms() + 10000);
	sbuf_init(&out);
	for (int i = 0; i < r->ncalls && i < 8; i++) {
		if (r->calls[i].argerr)
			continue;
		sbuf_reset(&out);
		at_call(&tools, r->calls[i].name, r->calls[i].args, &out);
		CHECK(out.len <= 2 * AT_RESULT_MAX);
		for (int k = 0; hidden[k]; k++)
			if (out.s && strstr(out.s, hidden[k]) && !memmem(data, size,
			    hidden[k], strlen(hidden[k]))) {
				fprintf(stderr, "fuzz_llm: tool %s shows %s:\n%s\n",
				    r->calls[i].name, hidden[k], out.s);
				abort();
			}
	}
	sbuf_release(&out);
}

static const char *const crashes[] = {
	"{\"type\":\"crash\",\"id\":\"c_0000000000000001\","
	"\"ts\":\"2026-11-28T03:45:13Z\",\"app\":\"shop\","
	"\"instance\":\"148ed193b95e89\",\"rule\":\"go.panic\","
	"\"category\":\"panic\",\"severity\":\"critical\","
	"\"fingerprint\":\"f_00000000000000aa\",\"title\":\"panic: x\","
	"\"lines\":[\"panic: x\",\"goroutine 1 [running]:\"],\"context\":[],"
	"\"hint\":{\"cause\":\"c\",\"actions\":[\"machine.restart\","
	"\"github.pr\"]}}",
	"{\"type\":\"crash\",\"id\":\"c_0000000000000002\","
	"\"ts\":\"2026-11-28T03:45:14Z\",\"app\":\"shop\","
	"\"instance\":\"3d8d9e7a1b2c34\",\"rule\":\"go.panic\","
	"\"category\":\"panic\",\"severity\":\"critical\","
	"\"fingerprint\":\"f_00000000000000aa\",\"title\":\"panic: x\","
	"\"lines\":[\"panic: x\"],\"context\":[],"
	"\"hint\":{\"cause\":\"c\",\"actions\":[\"machine.restart\"]}}",
	"{\"type\":\"crash\",\"id\":\"c_0000000000000003\","
	"\"ts\":\"2026-11-28T03:45:15Z\",\"app\":\"shop\",\"instance\":\"\","
	"\"rule\":\"oom.kill\",\"category\":\"oom\",\"severity\":\"critical\","
	"\"fingerprint\":\"f_00000000000000bb\",\"title\":\"Out of memory\","
	"\"lines\":[\"Out of memory: Killed process 1\"],\"context\":[],"
	"\"hint\":{\"cause\":\"\",\"actions\":[\"machine.memory\"]}}",
};

/* The incident: two machines of app "shop", or (nomachine) none. */
static struct incident *
incident(struct inc_table *t, int nomachine)
{
	struct incident *inc = NULL;

	inc_table_init(t, 60000, 8);
	for (int i = nomachine ? 2 : 0; i < (nomachine ? 3 : 2); i++) {
		const char *why = NULL;
		cJSON *o = cJSON_Parse(crashes[i]);
		CHECK(o);
		inc = inc_add(t, o, crashes[i], strlen(crashes[i]), NULL, 0, &why);
		cJSON_Delete(o);
		CHECK(inc);
	}
	CHECK(inc->ninst == (nomachine ? 0 : 2));
	return inc;
}

static int
machine_of(const struct incident *inc, const char *m, int with_known)
{
	for (int i = 0; i < inc->ninst; i++)
		if (!strcmp(inc->inst[i].id, m))
			return 1;
	return with_known && !strcmp(m, known[0]);
}

static void
check_line(const cJSON *it, size_t max, int oneline)
{
	CHECK(cJSON_IsString(it));
	CHECK(strlen(it->valuestring) <= max);
	if (oneline)
		CHECK(!strpbrk(it->valuestring, "\n\r\t"));
}

/* The promises of validated (or filled) fields. Machines named must be
 * the incident's (mode 0), the incident's or known ones (1), or, after
 * dg_retarget, the incident's for machine actions and either for others
 * (2: a cached answer's other actions keep what they named). */
static void
check_fields(const cJSON *c, const struct incident *inc, int mode)
{
	const cJSON *it, *acts;
	int pr = 0;

	CHECK(cJSON_IsObject(c));
	if ((it = js_get(c, "summary")))
		check_line(it, 300, 1);
	if ((it = js_get(c, "root_cause")))
		check_line(it, 4000, 0);
	if ((it = js_get(c, "confidence")))
		CHECK(cJSON_IsNumber(it) && it->valuedouble >= 0 &&
		    it->valuedouble <= 1);
	if ((it = js_get(c, "category")))
		CHECK(cJSON_IsString(it) && dg_valid_category(it->valuestring));
	if ((it = js_get(c, "evidence"))) {
		CHECK(cJSON_IsArray(it));
		CHECK(cJSON_GetArraySize(it) <= DG_MAX_EVIDENCE);
		for (const cJSON *e = it->child; e; e = e->next)
			check_line(e, 1000, 0);
	}
	if ((it = js_get(c, "patch"))) {
		CHECK(cJSON_IsObject(it));
		CHECK(js_get_str(it, "diff") && *js_get_str(it, "diff"));
		check_line(js_get(it, "title"), 300, 1);
		check_line(js_get(it, "body"), 4000, 0);
	}
	if (!(acts = js_get(c, "actions")))
		return;
	CHECK(cJSON_IsArray(acts));
	CHECK(cJSON_GetArraySize(acts) <= DG_MAX_ACTIONS);
	for (const cJSON *a = acts->child; a; a = a->next) {
		const char *name = js_get_str(a, "action");
		const cJSON *m = js_get(a, "machine"), *mb = js_get(a, "memory_mb");
		CHECK(cJSON_IsObject(a));
		CHECK(dg_valid_action(name));
		/* an action never names another app */
		CHECK(!js_get(a, "app"));
		if (m)
			CHECK(cJSON_IsString(m) && machine_of(inc, m->valuestring,
			    mode == 1 || (mode == 2 && !dg_machine_scoped(name))));
		/* a machine action always has its machine */
		CHECK(!dg_machine_scoped(name) || m);
		if (mb)
			CHECK(!strcmp(name, "machine.memory") && cJSON_IsNumber(mb) &&
			    mb->valuedouble > 0 && mb->valuedouble <= 1 << 20);
		if ((it = js_get(a, "reason")))
			check_line(it, 500, 1);
		pr |= !strcmp(name, "github.pr");
	}
	if (pr)
		CHECK(js_get(c, "patch"));
}

static void
check_reply(enum llm_kind kind, const struct llm_reply *r)
{
	struct sbuf b;
	cJSON *back;

	CHECK(r->text);
	CHECK(r->ncalls >= 0 && r->ncalls <= LLM_MAX_CALLS);
	for (int i = 0; i < r->ncalls; i++) {
		const struct llm_call *c = &r->calls[i];
		CHECK(c->id && c->name);
		if (kind == LLM_OPENAI)
			CHECK(*c->id);
		CHECK(!c->args != !c->argerr);
		CHECK(!c->args || cJSON_IsObject(c->args));
	}
	CHECK(cJSON_IsObject(r->assistant));
	CHECK(!strcmp(js_get_str(r->assistant, "role"), "assistant"));
	/* the echoed message is sent back as JSON */
	sbuf_init(&b);
	jo_tree(&b, r->assistant);
	back = cJSON_ParseWithLength(b.s, b.len);
	CHECK(back);
	if (kind == LLM_OPENAI && r->ncalls)
		CHECK(cJSON_GetArraySize(js_get(back, "tool_calls")) == r->ncalls);
	cJSON_Delete(back);
	sbuf_release(&b);
}

static int
lines_in(const struct sbuf *b)
{
	int n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->s[i] == '\n';
	return n;
}

static void
answer(const char *text, int nomachine)
{
	struct inc_table t;
	struct incident *inc = incident(&t, nomachine);
	cJSON *ans = jo_extract(text, strlen(text)), *clean = NULL, *rules, *notes;
	struct sbuf errs, rec;
	int n;

	sbuf_init(&errs);
	sbuf_init(&rec);
	n = dg_validate(ans, inc, known, 1, rx, &clean, &errs);
	CHECK(n >= 0 && n == lines_in(&errs));
	CHECK(cJSON_IsObject(ans) || n > 0);
	check_fields(clean, inc, 1);
	if (n == 0)
		for (const char *k = "summary\0root_cause\0confidence\0category\0"
		    "evidence\0actions\0"; *k; k += strlen(k) + 1)
			CHECK(js_get(clean, k));

	/* as diagnose goes on: rules fill the gaps, a patch may be dropped,
	 * a cached answer is pointed at the incident's machines */
	rules = dg_rules_fields(inc, rx);
	check_fields(rules, inc, 0);
	notes = cJSON_CreateArray();
	dg_fill(clean, rules, notes);
	for (const char *k = "summary\0root_cause\0confidence\0category\0"
	    "evidence\0actions\0"; *k; k += strlen(k) + 1)
		CHECK(js_get(clean, k));
	check_fields(clean, inc, 1);
	if (text[0] & 1)
		dg_drop_patch(clean, notes, "fuzz");
	dg_retarget(clean, inc);
	check_fields(clean, inc, 2);
	dg_record(inc, clean, "openai:fuzz", 1, 2, notes, 0, rx, &rec);
	cJSON *o = cJSON_ParseWithLength(rec.s, rec.len);
	CHECK(cJSON_IsObject(o));
	CHECK(!strcmp(js_get_str(o, "type"), "diagnosis"));
	CHECK(!strcmp(js_get_str(o, "app"), "shop"));
	cJSON_Delete(o);

	cJSON_Delete(notes);
	cJSON_Delete(rules);
	cJSON_Delete(clean);
	cJSON_Delete(ans);
	sbuf_release(&errs);
	sbuf_release(&rec);
	inc_table_release(&t);    /* frees the incident, still open */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[RX_KEYLEN] = { 7, 1, 2, 3 };
	struct llm_reply r;
	struct http_resp hr;
	enum llm_kind kind;
	char err[240];
	int sel;

	if (size < 1)
		return 0;
	if (!rx) {
		if (!(rx = rx_new(key)))
			abort();
		make_repo();
	}
	sel = data[0];
	kind = sel & 1 ? LLM_ANTHROPIC : LLM_OPENAI;
	data++;
	size--;

	/* an error body, as the retry loop reads it (the body is
	 * NUL-terminated there, as http_do leaves it) */
	http_resp_init(&hr);
	sbuf_add(&hr.body, (const char *)data, size);
	hr.status = (sel >> 2) ? 398 + (sel >> 2) : 0;
	llm_error_text(&hr, err, sizeof err);
	CHECK(strlen(err) < sizeof err);
	for (const char *p = err; *p; p++)
		CHECK((unsigned char)*p >= 0x20);
	http_resp_release(&hr);

	if (llm_parse_reply(kind, (const char *)data, size, &r) == 0) {
		check_reply(kind, &r);
		if (r.ncalls == 0)
			answer(r.text, sel & 2);
		else
			run_tools(&r, data, size);
	}
	llm_reply_release(&r);
	return 0;
}
