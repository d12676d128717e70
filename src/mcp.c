/* mcp.c - see mcp.h. */
#include "mcp.h"
#include "engine.h"
#include "json.h"
#include "jsonout.h"
#include "reader.h"
#include "verbs.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATEST "2025-11-25"

static const char *const versions[] = { "2024-11-05", "2025-03-26",
	"2025-06-18", "2025-11-25", NULL };

struct server {
	struct engine *en;
	int apply, initialized;
	char version[16];
};

static void
put(cJSON *msg)
{
	struct sbuf b;

	sbuf_init(&b);
	jo_tree(&b, msg);
	sbuf_addc(&b, '\n');
	sh_out_line(b.s, b.len);
	sh_out_flush();
	sbuf_release(&b);
	cJSON_Delete(msg);
}

static cJSON *
envelope(const cJSON *id)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) :
	    cJSON_CreateNull());
	return m;
}

static void
rpc_error(const cJSON *id, int code, const char *message)
{
	cJSON *m = envelope(id), *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddItemToObject(m, "error", e);
	put(m);
}

static void
rpc_result(const cJSON *id, cJSON *res)
{
	cJSON *m = envelope(id);

	cJSON_AddItemToObject(m, "result", res);
	put(m);
}

/* A tools/call result: the JSON as text (one content block) and as
 * structuredContent (an object up to 2025-11-25). */
static cJSON *
tool_result(const char *key, cJSON *value, const char *text, int is_error)
{
	cJSON *r = cJSON_CreateObject(), *content = cJSON_CreateArray();
	cJSON *t = cJSON_CreateObject();
	struct sbuf b;

	sbuf_init(&b);
	if (value)
		jo_tree(&b, value);
	else
		sbuf_adds(&b, text);
	cJSON_AddStringToObject(t, "type", "text");
	cJSON_AddStringToObject(t, "text", b.s ? b.s : "");
	cJSON_AddItemToArray(content, t);
	cJSON_AddItemToObject(r, "content", content);
	if (value) {
		if (cJSON_IsObject(value) && !key) {
			cJSON_AddItemToObject(r, "structuredContent", value);
		} else {
			cJSON *sc = cJSON_CreateObject();
			cJSON_AddItemToObject(sc, key ? key : "result", value);
			cJSON_AddItemToObject(r, "structuredContent", sc);
		}
	}
	cJSON_AddBoolToObject(r, "isError", is_error);
	sbuf_release(&b);
	return r;
}

static void
initialize(struct server *s, const cJSON *id, const cJSON *params)
{
	const char *want = js_get_str(params, "protocolVersion");
	const char *v = LATEST;
	cJSON *r, *caps, *info;

	for (int i = 0; want && versions[i]; i++)
		if (!strcmp(want, versions[i]))
			v = versions[i];
	snprintf(s->version, sizeof s->version, "%s", v);
	s->initialized = 1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "protocolVersion", v);
	caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
	    "listChanged", 0);
	info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", "remediate");
	cJSON_AddStringToObject(info, "title", "selfheal remediate");
	cJSON_AddStringToObject(info, "version", SELFHEAL_VERSION);
	cJSON_AddStringToObject(r, "instructions", s->apply ?
	    "Tools to inspect and repair Fly.io machines. Mutating tools act "
	    "under remediate's policy (allowed actions, rate limits, caps) and "
	    "are written to its audit log; a refusal comes back as a result "
	    "with isError and the reason." :
	    "Read-only tools to inspect Fly.io machines (list, status, events, "
	    "releases). Mutating tools are offered only when the server runs "
	    "with --apply.");
	rpc_result(id, r);
}

static void
call(struct server *s, const cJSON *id, const cJSON *params)
{
	const char *name = js_get_str(params, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
	const struct verb *v;
	struct sbuf err;
	cJSON *out = NULL;
	char msg[200];
	int rc;

	if (!cJSON_IsObject(params) || !name) {
		rpc_error(id, -32602, "Invalid params: tools/call needs a \"name\"");
		return;
	}
	if (args && !cJSON_IsObject(args)) {
		rpc_error(id, -32602, "Invalid params: \"arguments\" must be an object");
		return;
	}
	if (!(v = vb_find(name))) {
		snprintf(msg, sizeof msg, "Unknown tool: %.100s", name);
		rpc_error(id, -32602, msg);
		return;
	}
	sbuf_init(&err);
	if (v->action && !s->apply) {
		snprintf(msg, sizeof msg, "%s changes machines; this server is "
		    "read-only (start it as `remediate mcp --apply` to allow "
		    "mutating tools under the policy)", v->name);
		rpc_result(id, tool_result(NULL, NULL, msg, 1));
	} else if (vb_check(v, args, &err) < 0) {
		rpc_result(id, tool_result(NULL, NULL, err.s, 1));
	} else if (!v->action) {
		rc = en_read(s->en, v, args, &out, &err);
		if (rc)
			rpc_result(id, tool_result(NULL, NULL, err.s, 1));
		else
			rpc_result(id, tool_result(cJSON_IsObject(out) ? NULL : v->name, out,
			    NULL, 0));
	} else {
		rc = en_verb(s->en, v, args, &out);
		if (s->en->fatal) {
			rpc_error(id, -32603, "Internal error: the audit log cannot be "
			    "written; nothing is done");
			cJSON_Delete(out);
		} else if (!out) {
			rpc_result(id, tool_result(NULL, NULL, "no decision was made", 1));
		} else {
			const char *st = js_get_str(out, "status");
			rpc_result(id, tool_result(NULL, out, NULL, rc != 0 || !st ||
			    (strcmp(st, "applied") && strcmp(st, "dry-run"))));
		}
	}
	sbuf_release(&err);
}

static int
valid_id(const cJSON *id)
{
	return cJSON_IsString(id) || (cJSON_IsNumber(id));
}

static void
message(struct server *s, const char *line, size_t n)
{
	cJSON *m = js_parse(line, n);
	const cJSON *id, *params;
	const char *method, *ver;

	if (!m) {
		rpc_error(NULL, -32700, "Parse error");
		return;
	}
	if (!cJSON_IsObject(m)) {
		rpc_error(NULL, -32600, cJSON_IsArray(m) ? "Invalid Request: batches "
		    "are not supported" : "Invalid Request");
		cJSON_Delete(m);
		return;
	}
	id = cJSON_GetObjectItemCaseSensitive(m, "id");
	method = js_get_str(m, "method");
	ver = js_get_str(m, "jsonrpc");
	params = cJSON_GetObjectItemCaseSensitive(m, "params");
	if (!method) {
		/* a response to nothing we asked (or garbage): a response
		 * without a method and with result/error is ignored */
		if (!cJSON_GetObjectItem(m, "result") &&
		    !cJSON_GetObjectItem(m, "error"))
			rpc_error(valid_id(id) ? id : NULL, -32600, "Invalid Request");
		cJSON_Delete(m);
		return;
	}
	if (!ver || strcmp(ver, "2.0") || (id && !valid_id(id))) {
		rpc_error(valid_id(id) ? id : NULL, -32600, "Invalid Request");
		cJSON_Delete(m);
		return;
	}
	if (!id) {
		/* notifications: initialized, cancelled, anything: no answer */
		cJSON_Delete(m);
		return;
	}
	if (!strcmp(method, "ping"))
		rpc_result(id, cJSON_CreateObject());
	else if (!strcmp(method, "initialize"))
		initialize(s, id, params);
	else if (!s->initialized)
		rpc_error(id, -32600, "Invalid Request: send initialize first");
	else if (!strcmp(method, "tools/list")) {
		if (params && cJSON_GetObjectItem(params, "cursor"))
			rpc_error(id, -32602, "Invalid params: unknown cursor");
		else {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddItemToObject(r, "tools", vb_tools(VB_FMT_MCP,
			    !s->apply));
			rpc_result(id, r);
		}
	} else if (!strcmp(method, "tools/call"))
		call(s, id, params);
	else
		rpc_error(id, -32601, "Method not found");
	cJSON_Delete(m);
}

int
mcp_serve(struct engine *en, struct reader *rd, int apply)
{
	struct server s = { .en = en, .apply = apply };
	const char *line;
	size_t n;
	int trunc, rc;

	while ((rc = rd_line(rd, &line, &n, &trunc, -1)) == RD_OK) {
		if (trunc) {
			rpc_error(NULL, -32700, "Parse error: message too long");
			continue;
		}
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (n == 0)
			continue;
		message(&s, line, n);
		if (en->fatal || sh_stop)
			break;
	}
	return en->fatal ? SH_EX_IOERR : 0;
}
