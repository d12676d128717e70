/* verbs.c - see verbs.h. Adding a verb is adding a row here (and its code
 * in engine.c); the command line, `remediate tools`, the MCP tool list
 * and the docs follow. */
#include "verbs.h"
#include "json.h"
#include "jsonout.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define P_APP { "app", VB_STRING, 1, 0, 0, NULL, VB_APP, "name", \
	"Fly app name" }
#define P_MACHINE { "machine", VB_STRING, 1, 0, 0, NULL, VB_MACHINE, "id", \
	"Machine ID (14 hex digits) of a machine of the app" }

const struct verb vb_table[] = {
	{ "machines", NULL, VB_READONLY | VB_IDEMPOTENT, "List machines",
	  "List the machines of an app: id, name, state, region, image, "
	  "release version, guest size, restart policy, health checks and "
	  "the last exit. Read-only.",
	  { P_APP } },
	{ "status", NULL, VB_READONLY | VB_IDEMPOTENT, "Machine status",
	  "Show one machine: state, health checks with their output, a "
	  "summary of its config (image, guest, restart policy, services, "
	  "names of env variables), whether flyd is still restarting it, "
	  "and its recent exit events. Read-only.",
	  { P_APP, P_MACHINE } },
	{ "events", NULL, VB_READONLY | VB_IDEMPOTENT, "Machine events",
	  "Recent events of one machine, newest first: starts, stops, "
	  "exits with code, signal and OOM kill, restarts by flyd with the "
	  "restart count, updates. Read-only.",
	  { P_APP, P_MACHINE,
	    { "limit", VB_INTEGER, 0, 1, 50, NULL, VB_ANY, "n",
	      "How many events (1-50, default 20)" } } },
	{ "releases", NULL, VB_READONLY | VB_IDEMPOTENT, "Releases",
	  "The images the app's machines ran, newest first, from each "
	  "machine's config versions and release metadata: image, release "
	  "version, which machines run it now. Read-only.",
	  { P_APP } },
	{ "restart", "machine.restart", VB_DESTRUCTIVE, "Restart a machine",
	  "Restart a started machine (lease, restart, wait until started, "
	  "release). Under the policy: allowed actions, rate limits, "
	  "cooldowns. Not while flyd is still restarting it by itself.",
	  { P_APP, P_MACHINE,
	    { "signal", VB_STRING, 0, 0, 0, "SIGHUP SIGINT SIGQUIT SIGKILL "
	      "SIGUSR1 SIGUSR2 SIGTERM", VB_ANY, "sig",
	      "Signal to stop the process with (default: the machine's)" },
	    { "timeout", VB_INTEGER, 0, 1, 300, NULL, VB_ANY, "secs",
	      "Seconds to wait for the process to stop before killing it" } } },
	{ "start", "machine.start", VB_IDEMPOTENT, "Start a machine",
	  "Start a stopped machine, such as one flyd left stopped after its "
	  "max restart count (lease, start, wait until started, release). "
	  "Under the policy.",
	  { P_APP, P_MACHINE } },
	{ "memory", "machine.memory", VB_DESTRUCTIVE | VB_IDEMPOTENT,
	  "Set a machine's memory",
	  "Set a machine's guest memory in MB: GET the machine, change "
	  "guest.memory_mb, POST the full config back (the machine reboots), "
	  "wait until started. Capped by the policy's memory ceiling and "
	  "Fly's per-CPU limits.",
	  { P_APP, P_MACHINE,
	    { "mb", VB_INTEGER, 1, 256, 131072, NULL, VB_ANY, "n",
	      "New memory size in MB (a multiple of 256)" } } },
	{ "rollback", "app.rollback", VB_DESTRUCTIVE, "Roll back",
	  "Put machines back on the previous image (the newest earlier "
	  "image in each machine's config versions, or the given image): "
	  "lease, update with the full config, wait until started, release. "
	  "All machines of the app up to the policy's cap, or one.",
	  { P_APP,
	    { "machine", VB_STRING, 0, 0, 0, NULL, VB_MACHINE, "id",
	      "Only this machine (default: the app's machines)" },
	    { "image", VB_STRING, 0, 0, 0, NULL, VB_IMAGE, "ref",
	      "Image to go back to (default: each machine's previous one)" } } },
	{ "notify", "notify", 0, "Notify people",
	  "Post a message to the configured Slack-compatible incoming "
	  "webhook (--notify-url or SELFHEAL_NOTIFY_URL).",
	  { { "text", VB_STRING, 1, 1, 3000, NULL, VB_ANY, "text",
	      "The message (plain text, at most 3000 bytes)" },
	    { "app", VB_STRING, 0, 0, 0, NULL, VB_APP, "name",
	      "The app it is about (its policy applies)" } } },
};
const int vb_count = (int)(sizeof vb_table / sizeof vb_table[0]);

const struct verb *
vb_find(const char *name)
{
	for (int i = 0; name && i < vb_count; i++)
		if (!strcmp(vb_table[i].name, name))
			return &vb_table[i];
	return NULL;
}

const struct verb *
vb_for_action(const char *action)
{
	for (int i = 0; action && i < vb_count; i++)
		if (vb_table[i].action && !strcmp(vb_table[i].action, action))
			return &vb_table[i];
	return NULL;
}

const struct vb_param *
vb_param(const struct verb *v, const char *name)
{
	for (const struct vb_param *p = v->params; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

const char *
vb_shape_pattern(enum vb_shape s)
{
	switch (s) {
	case VB_APP: return "^[a-z0-9][a-z0-9-]{0,62}$";
	case VB_MACHINE: return "^[0-9a-z]{4,32}$";
	case VB_IMAGE: return "^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$";
	default: return NULL;
	}
}

static int
in(int c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

int
vb_shape_ok(enum vb_shape s, const char *v)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(v);

	switch (s) {
	case VB_APP:
		if (n < 1 || n > 63 || v[0] == '-')
			return 0;
		for (const char *p = v; *p; p++)
			if (!in(*p, lower) && *p != '-')
				return 0;
		return 1;
	case VB_MACHINE:
		if (n < 4 || n > 32)
			return 0;
		for (const char *p = v; *p; p++)
			if (!in(*p, lower))
				return 0;
		return 1;
	case VB_IMAGE:
		if (n < 1 || n > 255 || !in(v[0], alnum))
			return 0;
		for (const char *p = v; *p; p++)
			if (!in(*p, alnum) && !in(*p, "._/:@+-"))
				return 0;
		return 1;
	default:
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				return 0;
		return 1;
	}
}

int
vb_choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && !strncmp(p, v, n))
			return 1;
		p += w;
		while (*p == ' ')
			p++;
	}
	return 0;
}

int
vb_check(const struct verb *v, const cJSON *args, struct sbuf *err)
{
	if (args && !cJSON_IsObject(args)) {
		sbuf_adds(err, "arguments must be an object");
		return -1;
	}
	for (const cJSON *a = args ? args->child : NULL; a; a = a->next) {
		const struct vb_param *p = vb_param(v, a->string);
		if (!p) {
			sbuf_addf(err, "%s takes no argument \"%.64s\"", v->name,
			    a->string);
			return -1;
		}
		if (p->type == VB_INTEGER) {
			double d = cJSON_IsNumber(a) ? a->valuedouble : -1e300;
			/* the range first: (long)1e300 is undefined behaviour
			 * (found with tests/fuzz/fuzz_mcp) */
			if (!(d >= p->lo && d <= p->hi) || d != (double)(long)d) {
				sbuf_addf(err, "\"%s\" must be an integer from %ld to %ld",
				    p->name, p->lo, p->hi);
				return -1;
			}
			continue;
		}
		if (!cJSON_IsString(a)) {
			sbuf_addf(err, "\"%s\" must be a string", p->name);
			return -1;
		}
		if (p->choices && !vb_choice_ok(p->choices, a->valuestring)) {
			sbuf_addf(err, "\"%s\" must be one of: %s", p->name, p->choices);
			return -1;
		}
		if (!vb_shape_ok(p->shape, a->valuestring) || (p->hi &&
		    strlen(a->valuestring) > (size_t)p->hi) ||
		    strlen(a->valuestring) < (size_t)p->lo) {
			if (vb_shape_pattern(p->shape))
				sbuf_addf(err, "\"%s\" must match %s", p->name,
				    vb_shape_pattern(p->shape));
			else
				sbuf_addf(err, "\"%s\" must be %ld to %ld bytes of text",
				    p->name, p->lo, p->hi);
			return -1;
		}
	}
	for (const struct vb_param *p = v->params; p->name; p++)
		if (p->required && !cJSON_GetObjectItemCaseSensitive(args, p->name)) {
			sbuf_addf(err, "%s needs \"%s\"", v->name, p->name);
			return -1;
		}
	return 0;
}

cJSON *
vb_schema(const struct verb *v)
{
	cJSON *s = cJSON_CreateObject(), *props = cJSON_CreateObject();
	cJSON *req = cJSON_CreateArray();

	cJSON_AddStringToObject(s, "type", "object");
	for (const struct vb_param *p = v->params; p->name; p++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", p->type == VB_INTEGER ?
		    "integer" : "string");
		cJSON_AddStringToObject(o, "description", p->help);
		if (p->type == VB_INTEGER) {
			cJSON_AddNumberToObject(o, "minimum", (double)p->lo);
			cJSON_AddNumberToObject(o, "maximum", (double)p->hi);
		} else if (p->choices) {
			cJSON *e = cJSON_AddArrayToObject(o, "enum");
			char *c = xstrdup(p->choices), *save = NULL;
			for (char *w = strtok_r(c, " ", &save); w;
			    w = strtok_r(NULL, " ", &save))
				cJSON_AddItemToArray(e, cJSON_CreateString(w));
			free(c);
		} else {
			if (vb_shape_pattern(p->shape))
				cJSON_AddStringToObject(o, "pattern",
				    vb_shape_pattern(p->shape));
			if (p->hi)
				cJSON_AddNumberToObject(o, "maxLength", (double)p->hi);
		}
		cJSON_AddItemToObject(props, p->name, o);
		if (p->required)
			cJSON_AddItemToArray(req, cJSON_CreateString(p->name));
	}
	cJSON_AddItemToObject(s, "properties", props);
	if (cJSON_GetArraySize(req))
		cJSON_AddItemToObject(s, "required", req);
	else
		cJSON_Delete(req);
	cJSON_AddBoolToObject(s, "additionalProperties", 0);
	return s;
}

cJSON *
vb_tools(enum vb_format f, int readonly_only)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < vb_count; i++) {
		const struct verb *v = &vb_table[i];
		cJSON *t = cJSON_CreateObject(), *ann;
		int ro = !!(v->flags & VB_READONLY);

		if (readonly_only && !ro) {
			cJSON_Delete(t);
			continue;
		}
		switch (f) {
		case VB_FMT_OPENAI: {
			cJSON *fn = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "type", "function");
			cJSON_AddStringToObject(fn, "name", v->name);
			cJSON_AddStringToObject(fn, "description", v->help);
			cJSON_AddItemToObject(fn, "parameters", vb_schema(v));
			cJSON_AddItemToObject(t, "function", fn);
			break;
		}
		case VB_FMT_ANTHROPIC:
			cJSON_AddStringToObject(t, "name", v->name);
			cJSON_AddStringToObject(t, "description", v->help);
			cJSON_AddItemToObject(t, "input_schema", vb_schema(v));
			break;
		case VB_FMT_MCP:
			cJSON_AddStringToObject(t, "name", v->name);
			cJSON_AddStringToObject(t, "title", v->title);
			cJSON_AddStringToObject(t, "description", v->help);
			cJSON_AddItemToObject(t, "inputSchema", vb_schema(v));
			ann = cJSON_AddObjectToObject(t, "annotations");
			cJSON_AddStringToObject(ann, "title", v->title);
			cJSON_AddBoolToObject(ann, "readOnlyHint", ro);
			/* destructiveHint and idempotentHint mean something only
			 * for tools that change things; said anyway, truthfully */
			cJSON_AddBoolToObject(ann, "destructiveHint",
			    !!(v->flags & VB_DESTRUCTIVE));
			cJSON_AddBoolToObject(ann, "idempotentHint",
			    !!(v->flags & VB_IDEMPOTENT));
			cJSON_AddBoolToObject(ann, "openWorldHint", 1);
			break;
		}
		cJSON_AddItemToArray(a, t);
	}
	return a;
}

static void
param_usage(struct sbuf *out, const struct vb_param *p)
{
	if (!p->required)
		sbuf_addc(out, '[');
	sbuf_addf(out, "--%s %s", p->name, p->metavar);
	if (!p->required)
		sbuf_addc(out, ']');
}

void
vb_usage(struct sbuf *out, const char *indent)
{
	for (int i = 0; i < vb_count; i++) {
		sbuf_addf(out, "%sremediate %s", indent, vb_table[i].name);
		for (const struct vb_param *p = vb_table[i].params; p->name; p++) {
			sbuf_addc(out, ' ');
			param_usage(out, p);
		}
		sbuf_addc(out, '\n');
	}
}

void
vb_markdown(struct sbuf *out)
{
	sbuf_adds(out, "| verb | action | kind | arguments |\n"
	    "|---|---|---|---|\n");
	for (int i = 0; i < vb_count; i++) {
		const struct verb *v = &vb_table[i];
		sbuf_addf(out, "| `%s` | %s%s%s | %s | ", v->name,
		    v->action ? "`" : "", v->action ? v->action : "-",
		    v->action ? "`" : "", v->flags & VB_READONLY ? "read-only" :
		    v->flags & VB_DESTRUCTIVE ? "mutating, destructive" :
		    "mutating");
		for (const struct vb_param *p = v->params; p->name; p++) {
			if (p != v->params)
				sbuf_adds(out, " ");
			sbuf_addc(out, '`');
			param_usage(out, p);
			sbuf_addc(out, '`');
		}
		sbuf_adds(out, " |\n");
	}
	sbuf_addc(out, '\n');
	for (int i = 0; i < vb_count; i++) {
		const struct verb *v = &vb_table[i];
		sbuf_addf(out, "- `%s`: %s\n", v->name, v->help);
		for (const struct vb_param *p = v->params; p->name; p++) {
			sbuf_addf(out, "  - `--%s %s`%s: %s", p->name, p->metavar,
			    p->required ? " (required)" : "", p->help);
			if (p->choices)
				sbuf_addf(out, "; one of `%s`", p->choices);
			sbuf_adds(out, "\n");
		}
	}
}

int
vb_tools_text(const char *format, int readonly_only, struct sbuf *out)
{
	const char *f = format ? format : "all";
	cJSON *t;

	if (!strcmp(f, "markdown")) {
		vb_markdown(out);
		return 0;
	}
	if (!strcmp(f, "openai"))
		t = vb_tools(VB_FMT_OPENAI, readonly_only);
	else if (!strcmp(f, "anthropic"))
		t = vb_tools(VB_FMT_ANTHROPIC, readonly_only);
	else if (!strcmp(f, "mcp"))
		t = vb_tools(VB_FMT_MCP, readonly_only);
	else if (!strcmp(f, "all")) {
		t = cJSON_CreateObject();
		cJSON_AddItemToObject(t, "openai", vb_tools(VB_FMT_OPENAI,
		    readonly_only));
		cJSON_AddItemToObject(t, "anthropic", vb_tools(VB_FMT_ANTHROPIC,
		    readonly_only));
	} else
		return -1;
	jo_tree(out, t);
	sbuf_addc(out, '\n');
	cJSON_Delete(t);
	return 0;
}

struct option *
vb_options(const struct option *common, int first, const char ***pnames)
{
	int nc = 0, n, np = 0;

	while (common[nc].name)
		nc++;
	struct option *o = xcalloc((size_t)nc + VB_MAXPARAMS * (size_t)vb_count
	    + 1, sizeof *o);
	const char **names = xcalloc(VB_MAXPARAMS * (size_t)vb_count + 1,
	    sizeof *names);
	memcpy(o, common, (size_t)nc * sizeof *o);
	n = nc;
	for (int i = 0; i < vb_count; i++)
		for (const struct vb_param *p = vb_table[i].params; p->name; p++) {
			int k;
			for (k = 0; k < np && strcmp(names[k], p->name); k++)
				;
			if (k < np)
				continue;
			names[np] = p->name;
			o[n++] = (struct option){ p->name, required_argument, NULL,
				first + np };
			np++;
		}
	*pnames = names;
	return o;
}

int
vb_set_arg(cJSON *args, const char *name, const char *val)
{
	for (int i = 0; i < vb_count; i++)
		for (const struct vb_param *p = vb_table[i].params; p->name; p++) {
			if (strcmp(p->name, name) || p->type != VB_INTEGER)
				continue;
			long v;
			if (sh_parse_long(val, -1000000000L, 1000000000L, &v))
				return -1;
			cJSON_DeleteItemFromObject(args, name);
			cJSON_AddNumberToObject(args, name, (double)v);
			return 0;
		}
	cJSON_DeleteItemFromObject(args, name);
	cJSON_AddStringToObject(args, name, val);
	return 0;
}
