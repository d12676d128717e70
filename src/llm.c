/* llm.c - see llm.h.
 *
 * The conversation is kept in the provider's own message format (a cJSON
 * array), so what was sent is what is echoed: OpenAI wants the assistant's
 * tool_calls repeated before one "tool" message per call id; Anthropic
 * wants the assistant's content blocks repeated and the tool_result blocks
 * in the next user message. */
#include "llm.h"
#include "agenttools.h"
#include "budget.h"
#include "diag.h"
#include "incident.h"
#include "json.h"
#include "jsonout.h"
#include "prompt.h"
#include "redact.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define RUN_CALLS 8         /* executed per turn */
#define LLM_MAX_TOKENS 1000000000L  /* usage counts above are clamped */

static const char *const default_url[] = {
	[LLM_OPENAI] = "https://api.openai.com/v1",
	[LLM_ANTHROPIC] = "https://api.anthropic.com",
};

int
llm_init(struct llm *l, enum llm_kind kind, const char *base,
    const char *model, const char *key, struct sbuf *err)
{
	struct sbuf u, auth;
	const char *q;
	size_t n;

	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->max_output = LLM_MAX_OUTPUT;
	if (!base)
		base = default_url[kind];
	if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) {
		sbuf_addf(err, "--llm-url: want an http or https URL");
		return -1;
	}
	/* the path goes before a query string (Azure's ?api-version=) */
	q = strchr(base, '?');
	n = q ? (size_t)(q - base) : strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	sbuf_init(&u);
	sbuf_add(&u, base, n);
	if (kind == LLM_OPENAI)
		sbuf_adds(&u, "/chat/completions");
	else if (n >= 3 && !memcmp(base + n - 3, "/v1", 3))
		sbuf_adds(&u, "/messages");
	else
		sbuf_adds(&u, "/v1/messages");
	if (q)
		sbuf_adds(&u, q);
	l->url = u.s;
	l->model = xstrdup(model);
	snprintf(l->backend, sizeof l->backend, "%s:%s", kind == LLM_OPENAI ?
	    "openai" : "anthropic", model);
	sbuf_init(&auth);
	if (key && *key)
		sbuf_addf(&auth, "%s%s", kind == LLM_OPENAI ?
		    "Authorization: Bearer " : "x-api-key: ", key);
	if (http_client_init(&l->http, auth.s, NULL) < 0) {
		if (auth.s)
			explicit_bzero(auth.s, auth.len);
		sbuf_release(&auth);
		sbuf_addf(err, "cannot initialize libcurl");
		return -1;
	}
	if (auth.s)
		explicit_bzero(auth.s, auth.len);
	sbuf_release(&auth);
	l->http.stop_on_signal = 1;
	l->http.body_cap = 4u << 20;
	return 0;
}

void
llm_release(struct llm *l)
{
	http_client_release(&l->http);
	free(l->url);
	free(l->model);
	memset(l, 0, sizeof *l);
}

/* ---- one exchange ---- */

void
llm_reply_release(struct llm_reply *r)
{
	free(r->text);
	for (int i = 0; i < r->ncalls; i++) {
		free(r->calls[i].id);
		free(r->calls[i].name);
		cJSON_Delete(r->calls[i].args);
	}
	cJSON_Delete(r->assistant);
	memset(r, 0, sizeof *r);
}

static cJSON *
tools_json(struct llm *l, const cJSON *tools)
{
	cJSON *a = cJSON_CreateArray();

	for (const cJSON *t = tools ? tools->child : NULL; t; t = t->next) {
		cJSON *o = cJSON_CreateObject();
		const cJSON *params = js_get(t, "parameters");
		if (l->kind == LLM_OPENAI) {
			cJSON *f;
			cJSON_AddStringToObject(o, "type", "function");
			f = cJSON_AddObjectToObject(o, "function");
			cJSON_AddStringToObject(f, "name", js_get_str(t, "name"));
			cJSON_AddStringToObject(f, "description", js_get_str(t,
			    "description"));
			cJSON_AddItemToObject(f, "parameters", cJSON_Duplicate(params, 1));
		} else {
			cJSON_AddStringToObject(o, "name", js_get_str(t, "name"));
			cJSON_AddStringToObject(o, "description", js_get_str(t,
			    "description"));
			cJSON_AddItemToObject(o, "input_schema", cJSON_Duplicate(params,
			    1));
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void
body(struct llm *l, const struct llm_job *j, const cJSON *msgs,
    const cJSON *tools, int allow_tools, int sent[2], struct sbuf *b)
{
	cJSON *o = cJSON_CreateObject();

	sent[0] = sent[1] = 0;
	cJSON_AddStringToObject(o, "model", l->model);
	if (l->kind == LLM_ANTHROPIC) {
		cJSON_AddNumberToObject(o, "max_tokens", l->max_output);
		cJSON_AddStringToObject(o, "system", j->system);
	} else {
		cJSON_AddNumberToObject(o, l->use_max_tokens ? "max_tokens" :
		    "max_completion_tokens", l->max_output);
	}
	cJSON_AddItemToObject(o, "messages", cJSON_Duplicate(msgs, 1));
	if (cJSON_GetArraySize(tools) > 0 && !l->no_tools) {
		cJSON_AddItemToObject(o, "tools", tools_json(l, tools));
		if (l->kind == LLM_OPENAI) {
			cJSON_AddStringToObject(o, "tool_choice", allow_tools ? "auto" :
			    "none");
		} else {
			cJSON *c = cJSON_AddObjectToObject(o, "tool_choice");
			cJSON_AddStringToObject(c, "type", allow_tools ? "auto" : "none");
		}
		sent[1] = 1;
	}
	if (l->kind == LLM_OPENAI && !l->no_response_format) {
		cJSON *rf = cJSON_AddObjectToObject(o, "response_format"), *js;
		cJSON_AddStringToObject(rf, "type", "json_schema");
		js = cJSON_AddObjectToObject(rf, "json_schema");
		cJSON_AddStringToObject(js, "name", "diagnosis");
		cJSON_AddItemToObject(js, "schema", pr_answer_schema());
		sent[0] = 1;
	}
	jo_tree(b, o);
	cJSON_Delete(o);
}

void
llm_error_text(const struct http_resp *r, char *out, size_t n)
{
	cJSON *j = r->body.len ? js_parse(r->body.s, r->body.len) : NULL;
	const char *m = js_get_str(j, "error.message");

	if (!m)
		m = js_get_str(j, "message");
	if (!m)
		m = js_get_str(j, "error");
	if (m && r->status) {
		snprintf(out, n, "HTTP %ld: %s", r->status, m);
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	} else {
		http_error_text(r, out, n);
	}
	cJSON_Delete(j);
}

static int
mentions(const struct http_resp *r, const char *word)
{
	return r->body.s && strcasestr(r->body.s, word) != NULL;
}

static char *
dupn(const char *s)
{
	return xstrdup(s ? s : "");
}

static void
set_args(struct llm_call *c, const cJSON *a)
{
	if (cJSON_IsString(a)) {
		const char *s = a->valuestring;
		size_t n = strlen(s);
		if (n == 0 || strspn(s, " \t\r\n") == n) {
			c->args = cJSON_CreateObject();
			return;
		}
		c->args = js_parse(s, n);
		if (!c->args)
			c->argerr = "error: the arguments are not valid JSON; send a "
			    "JSON object";
	} else if (cJSON_IsObject(a)) {
		c->args = cJSON_Duplicate(a, 1);
	} else if (!a || cJSON_IsNull(a)) {
		c->args = cJSON_CreateObject();
	} else {
		c->argerr = "error: the arguments must be a JSON object";
	}
	if (c->args && !cJSON_IsObject(c->args)) {
		cJSON_Delete(c->args);
		c->args = NULL;
		c->argerr = "error: the arguments must be a JSON object";
	}
}

static int
parse_openai(const char *s, size_t n, struct llm_reply *r)
{
	cJSON *o = js_parse(s, n);
	const cJSON *msg, *content, *calls, *u;
	cJSON *a;

	if (!o)
		return -1;
	msg = js_get(cJSON_GetArrayItem(js_get(o, "choices"), 0), "message");
	if (!cJSON_IsObject(msg)) {
		cJSON_Delete(o);
		return -1;
	}
	content = js_get(msg, "content");
	if (cJSON_IsString(content)) {
		r->text = dupn(content->valuestring);
	} else if (cJSON_IsArray(content)) {
		struct sbuf t;
		sbuf_init(&t);
		for (const cJSON *p = content->child; p; p = p->next)
			if (js_get_str(p, "text"))
				sbuf_adds(&t, js_get_str(p, "text"));
		r->text = t.s ? t.s : dupn("");
	} else {
		r->text = dupn("");
	}
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "role", "assistant");
	calls = js_get(msg, "tool_calls");
	if (cJSON_GetArraySize(calls) > 0) {
		cJSON *tc = cJSON_CreateArray();
		cJSON_AddNullToObject(a, "content");
		for (const cJSON *c = calls->child; c && r->ncalls < LLM_MAX_CALLS;
		    c = c->next) {
			struct llm_call *k = &r->calls[r->ncalls];
			const char *id = js_get_str(c, "id");
			char gen[32];
			snprintf(gen, sizeof gen, "call_%d", r->ncalls + 1);
			k->id = dupn(id && *id ? id : gen);
			k->name = dupn(js_get_str(c, "function.name"));
			set_args(k, js_get(c, "function.arguments"));
			r->ncalls++;
			/* echo the call as sent, with the id we will answer */
			cJSON *e = cJSON_CreateObject(), *f;
			cJSON_AddStringToObject(e, "id", k->id);
			cJSON_AddStringToObject(e, "type", "function");
			f = cJSON_AddObjectToObject(e, "function");
			cJSON_AddStringToObject(f, "name", k->name);
			const cJSON *args = js_get(c, "function.arguments");
			if (cJSON_IsString(args)) {
				cJSON_AddStringToObject(f, "arguments", args->valuestring);
			} else {
				char *p = cJSON_PrintUnformatted(args);
				cJSON_AddStringToObject(f, "arguments", p ? p : "{}");
				cJSON_free(p);
			}
			cJSON_AddItemToArray(tc, e);
		}
		cJSON_AddItemToObject(a, "tool_calls", tc);
	} else {
		cJSON_AddStringToObject(a, "content", r->text);
	}
	r->assistant = a;
	/* clamped: the counts are the server's (tests/fuzz/fuzz_llm) */
	u = js_get(o, "usage");
	r->in = (long)js_int(js_get(u, "prompt_tokens"), -1, LLM_MAX_TOKENS, -1);
	r->out = (long)js_int(js_get(u, "completion_tokens"), -1, LLM_MAX_TOKENS,
	    -1);
	cJSON_Delete(o);
	return 0;
}

static int
parse_anthropic(const char *s, size_t n, struct llm_reply *r)
{
	cJSON *o = js_parse(s, n);
	const cJSON *content, *u;
	struct sbuf t;

	if (!o)
		return -1;
	content = js_get(o, "content");
	if (!cJSON_IsArray(content)) {
		cJSON_Delete(o);
		return -1;
	}
	sbuf_init(&t);
	sbuf_add(&t, "", 0);
	for (const cJSON *b = content->child; b; b = b->next) {
		const char *type = js_get_str(b, "type");
		if (!type)
			continue;
		if (!strcmp(type, "text") && js_get_str(b, "text")) {
			sbuf_adds(&t, js_get_str(b, "text"));
		} else if (!strcmp(type, "tool_use") && r->ncalls < LLM_MAX_CALLS) {
			struct llm_call *k = &r->calls[r->ncalls++];
			k->id = dupn(js_get_str(b, "id"));
			k->name = dupn(js_get_str(b, "name"));
			set_args(k, js_get(b, "input"));
		}
	}
	r->text = t.s;
	r->assistant = cJSON_CreateObject();
	cJSON_AddStringToObject(r->assistant, "role", "assistant");
	cJSON_AddItemToObject(r->assistant, "content", cJSON_Duplicate(content,
	    1));
	u = js_get(o, "usage");
	r->in = (long)js_int(js_get(u, "input_tokens"), -1, LLM_MAX_TOKENS, -1);
	r->out = (long)js_int(js_get(u, "output_tokens"), -1, LLM_MAX_TOKENS, -1);
	cJSON_Delete(o);
	return 0;
}

int
llm_parse_reply(enum llm_kind kind, const char *s, size_t n,
    struct llm_reply *r)
{
	memset(r, 0, sizeof *r);
	return kind == LLM_OPENAI ? parse_openai(s, n, r) :
	    parse_anthropic(s, n, r);
}

/* Send the conversation and read one reply, retrying within the deadline.
 * Returns 0, or -1 with j->why set. */
static int
exchange(struct llm *l, struct llm_job *j, const cJSON *msgs,
    const cJSON *tools, int allow_tools, long used, struct llm_reply *rep)
{
	struct backoff bo;
	struct http_resp r;
	struct sbuf b;
	const char *hdrs[] = { "anthropic-version: 2023-06-01", NULL };
	char err[240];
	int sent[2], rc = -1;

	backoff_init(&bo, 500, 8000, 25);
	http_resp_init(&r);
	sbuf_init(&b);
	for (int attempt = 0; ; ) {
		int64_t left = j->deadline - sh_now_mono_ms();
		if (sh_stop) {
			snprintf(j->why, sizeof j->why, "diagnose is stopping");
			break;
		}
		if (left <= 0) {
			snprintf(j->why, sizeof j->why, "the deadline passed");
			break;
		}
		sbuf_reset(&b);
		body(l, j, msgs, tools, allow_tools, sent, &b);
		long est = pr_tokens(b.len);
		int bc = budget_check(j->budget, used, est + 0);
		if (bc != BUDGET_OK) {
			j->budget_hit = bc;
			snprintf(j->why, sizeof j->why, "the %s token budget is spent "
			    "(%ld tokens needed)", bc == BUDGET_INCIDENT ? "per-incident" :
			    "daily", est);
			break;
		}
		struct http_req q = { .method = "POST", .url = l->url, .body = b.s,
			.body_len = b.len, .timeout_ms = (long)left,
			.headers = l->kind == LLM_ANTHROPIC ? hdrs : NULL };
		int hrc = http_do(&l->http, &q, &r);
		enum http_verdict v = http_verdict(hrc, &r);
		l->requests++;
		j->requests++;
		attempt++;
		if (v == HTTP_OK) {
			int prc = llm_parse_reply(l->kind, r.body.s, r.body.len, rep);
			if (prc == 0) {
				if (rep->in < 0)
					rep->in = est;
				if (rep->out < 0)
					rep->out = pr_tokens(strlen(rep->text));
				rc = 0;
				break;
			}
			llm_reply_release(rep);
			snprintf(err, sizeof err, "HTTP %ld with a body that is not a "
			    "%s response", r.status, l->kind == LLM_OPENAI ?
			    "chat completion" : "Messages API");
			v = HTTP_RETRY;
		} else {
			llm_error_text(&r, err, sizeof err);
		}
		l->errors++;
		if (v == HTTP_FATAL && r.status == 400) {
			/* a feature this server does not support: go without it */
			if (l->kind == LLM_OPENAI && !l->use_max_tokens &&
			    mentions(&r, "max_completion_tokens")) {
				l->use_max_tokens = 1;
				continue;
			}
			if (sent[0] && (mentions(&r, "response_format") ||
			    mentions(&r, "json_schema"))) {
				l->no_response_format = 1;
				continue;
			}
			if (sent[1] && mentions(&r, "tool")) {
				l->no_tools = 1;
				continue;
			}
		}
		if (v == HTTP_FATAL || (r.status == 429 && mentions(&r,
		    "insufficient_quota"))) {
			snprintf(j->why, sizeof j->why, "%s", err);
			break;
		}
		if (attempt >= LLM_MAX_ATTEMPTS) {
			snprintf(j->why, sizeof j->why, "gave up after %d attempts: %s",
			    attempt, err);
			break;
		}
		int64_t delay = backoff_next(&bo);
		if (r.retry_after_ms >= 0) {
			if (r.retry_after_ms > LLM_RETRY_AFTER_MAX_MS) {
				snprintf(j->why, sizeof j->why, "%s; Retry-After %lld s is "
				    "too long", err, (long long)(r.retry_after_ms / 1000));
				break;
			}
			delay = r.retry_after_ms;
		}
		if (sh_now_mono_ms() + delay >= j->deadline) {
			snprintf(j->why, sizeof j->why, "%s; no time left for a retry "
			    "before the deadline", err);
			break;
		}
		if (http_sleep_ms(delay) < 0) {
			snprintf(j->why, sizeof j->why, "diagnose is stopping");
			break;
		}
		l->retries++;
	}
	http_resp_release(&r);
	sbuf_release(&b);
	return rc;
}

/* ---- the agent loop ---- */

static void
add_user(struct llm *l, cJSON *msgs, const char *text)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", text);
	cJSON_AddItemToArray(msgs, m);
}

/* Answer every call of the reply: run up to RUN_CALLS of them (or none,
 * when over is set) and append the results in the provider's form. */
static void
answer_calls(struct llm *l, struct llm_job *j, cJSON *msgs,
    struct llm_reply *r, int over)
{
	cJSON *user = NULL, *blocks = NULL;
	struct sbuf out;

	if (l->kind == LLM_ANTHROPIC) {
		user = cJSON_CreateObject();
		cJSON_AddStringToObject(user, "role", "user");
		blocks = cJSON_AddArrayToObject(user, "content");
	}
	sbuf_init(&out);
	for (int i = 0; i < r->ncalls; i++) {
		struct llm_call *c = &r->calls[i];
		int err = 1;
		sbuf_reset(&out);
		if (over)
			sbuf_adds(&out, "error: no more tool calls; answer now with the "
			    "JSON object");
		else if (i >= RUN_CALLS)
			sbuf_addf(&out, "error: at most %d tool calls per turn",
			    RUN_CALLS);
		else if (c->argerr)
			sbuf_adds(&out, c->argerr);
		else {
			err = at_call(j->tools, c->name, c->args, &out) < 0;
			j->tool_calls++;
		}
		if (l->kind == LLM_OPENAI) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "role", "tool");
			cJSON_AddStringToObject(m, "tool_call_id", c->id);
			cJSON_AddStringToObject(m, "content", out.s ? out.s : "");
			cJSON_AddItemToArray(msgs, m);
		} else {
			cJSON *b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "type", "tool_result");
			cJSON_AddStringToObject(b, "tool_use_id", c->id);
			cJSON_AddStringToObject(b, "content", out.s ? out.s : "");
			if (err)
				cJSON_AddTrueToObject(b, "is_error");
			cJSON_AddItemToArray(blocks, b);
		}
	}
	if (user)
		cJSON_AddItemToArray(msgs, user);
	sbuf_release(&out);
}

int
llm_run(struct llm *l, struct llm_job *j)
{
	cJSON *msgs = cJSON_CreateArray(), *tools = at_schemas(j->tools);
	struct llm_reply r;
	struct sbuf errs;
	int rounds = 0, over = 0, rc = -1;

	memset(&r, 0, sizeof r);
	sbuf_init(&errs);
	j->fields = NULL;
	if (l->kind == LLM_OPENAI) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", j->system);
		cJSON_AddItemToArray(msgs, m);
	}
	add_user(l, msgs, j->prompt);
	for (;;) {
		int allow = rounds < j->max_steps && !j->repaired;
		if (exchange(l, j, msgs, tools, allow, j->prompt_tokens +
		    j->completion_tokens, &r) < 0)
			break;
		j->prompt_tokens += r.in;
		j->completion_tokens += r.out;
		l->prompt_tokens += r.in;
		l->completion_tokens += r.out;
		(void)budget_charge(j->budget, r.in + r.out);
		cJSON_AddItemToArray(msgs, r.assistant);
		r.assistant = NULL;
		if (r.ncalls > 0) {
			if (!allow && ++over > 1) {
				snprintf(j->why, sizeof j->why, "the model kept calling tools "
				    "after the limit of %d rounds", j->max_steps);
				break;
			}
			answer_calls(l, j, msgs, &r, !allow);
			if (allow)
				rounds++;
			llm_reply_release(&r);
			continue;
		}
		cJSON *ans = jo_extract(r.text, strlen(r.text));
		cJSON *clean = NULL;
		sbuf_reset(&errs);
		int n = dg_validate(ans, j->inc, j->tools->machines,
		    j->tools->nmachines, j->rx, &clean, &errs);
		int usable = cJSON_IsObject(ans);
		cJSON_Delete(ans);
		if (n == 0 || (j->repaired && usable)) {
			j->fields = clean;
			j->problems = n;
			rc = 0;
			break;
		}
		cJSON_Delete(clean);
		if (j->repaired) {
			snprintf(j->why, sizeof j->why, "the answer was not a JSON object, "
			    "also after a repair turn");
			break;
		}
		/* one repair turn */
		j->repaired = 1;
		struct sbuf m;
		sbuf_init(&m);
		pr_repair(&m, errs.s ? errs.s : "");
		add_user(l, msgs, m.s);
		sbuf_release(&m);
		llm_reply_release(&r);
	}
	llm_reply_release(&r);
	sbuf_release(&errs);
	cJSON_Delete(msgs);
	cJSON_Delete(tools);
	return rc;
}
