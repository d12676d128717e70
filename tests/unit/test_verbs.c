/* test_verbs - the verb table: argument checking (types, ranges, choices,
 * shapes that keep paths out of URLs), schemas and the three tool formats
 * made from it. */
#include <cjson/cJSON.h>
#include <string.h>

#include "json.h"
#include "policy.h"
#include "unit.h"
#include "verbs.h"

static int
check(const char *verb, const char *args, const char *want)
{
	struct sbuf err;
	cJSON *a = cJSON_Parse(args);
	int rc, ok;

	sbuf_init(&err);
	rc = vb_check(vb_find(verb), a, &err);
	ok = want ? rc < 0 && err.s && strstr(err.s, want) : rc == 0;
	if (!ok)
		printf("# %s %s: %s\n", verb, args, err.s ? err.s : "(accepted)");
	cJSON_Delete(a);
	sbuf_release(&err);
	return ok;
}

int
main(void)
{
	cJSON *t;

	T_OK(vb_find("restart") && !vb_find("destroy"), "vb_find");
	T_OK(vb_for_action("machine.memory") == vb_find("memory") &&
	    !vb_for_action("escalate"), "vb_for_action");
	for (int i = 0; i < vb_count; i++)
		T_OK(!vb_table[i].action || act_parse(vb_table[i].action) >= 0,
		    "%s: its action is in the vocabulary", vb_table[i].name);

	T_OK(check("status", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\"}",
	    NULL), "good arguments");
	T_OK(check("status", "{\"app\":\"shop\"}", "status needs \"machine\""),
	    "missing");
	T_OK(check("status", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"force\":true}", "status takes no argument \"force\""), "unknown key");
	T_OK(check("status", "{\"app\":\"shop\",\"machine\":\"../../x\"}",
	    "\"machine\" must match ^[0-9a-z]{4,32}$"), "a path as machine");
	T_OK(check("status", "{\"app\":\"shop\",\"machine\":\"148ED193B95E89\"}",
	    "must match"), "upper case machine");
	T_OK(check("machines", "{\"app\":\"Shop\"}", "\"app\" must match"),
	    "upper case app");
	T_OK(check("machines", "{\"app\":\"-shop\"}", "\"app\" must match"),
	    "app starting with a dash");
	T_OK(check("machines", "{\"app\":\"shop/../x\"}", "\"app\" must match"),
	    "a path as app");
	T_OK(check("machines", "{\"app\":5}", "\"app\" must be a string"),
	    "wrong type");
	T_OK(check("events", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"limit\":51}", "from 1 to 50"), "range");
	T_OK(check("events", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"limit\":2.5}", "must be an integer"), "not an integer");
	T_OK(check("events", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"limit\":\"5\"}", "must be an integer"), "a string for an integer");
	T_OK(check("restart", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"signal\":\"SIGTERM\"}", NULL), "a choice");
	T_OK(check("restart", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"signal\":\"SIGTERMX\"}", "must be one of"), "not a choice");
	T_OK(check("restart", "{\"app\":\"shop\",\"machine\":\"148ed193b95e89\","
	    "\"signal\":\"SIG\"}", "must be one of"), "a prefix of a choice");
	T_OK(check("rollback", "{\"app\":\"shop\",\"image\":"
	    "\"registry.fly.io/shop:deployment-41\"}", NULL), "an image");
	T_OK(check("rollback", "{\"app\":\"shop\",\"image\":\"x y\"}",
	    "\"image\" must match"), "an image with a blank");
	T_OK(check("notify", "{\"text\":\"hi\\nthere\"}", NULL), "text with a "
	    "newline");
	T_OK(check("notify", "{\"text\":\"\"}", "1 to 3000 bytes"), "empty text");
	T_OK(check("notify", "{\"text\":\"a\\u0007b\"}", "1 to 3000 bytes"),
	    "a control character");
	T_OK(check("memory", "[1]", "arguments must be an object"), "not an object");

	/* tool formats */
	t = vb_tools(VB_FMT_OPENAI, 0);
	T_OK(cJSON_GetArraySize(t) == vb_count, "openai: every verb");
	T_STR(js_get_str(cJSON_GetArrayItem(t, 0), "function.parameters.type"),
	    "object", "openai: parameters are an object schema");
	cJSON_Delete(t);
	t = vb_tools(VB_FMT_ANTHROPIC, 1);
	T_OK(cJSON_GetArraySize(t) == 4, "anthropic, read-only: four verbs");
	T_OK(cJSON_IsFalse(js_get(cJSON_GetArrayItem(t, 1),
	    "input_schema.additionalProperties")), "no extra properties");
	cJSON_Delete(t);
	t = vb_tools(VB_FMT_MCP, 0);
	for (cJSON *x = t->child; x; x = x->next) {
		const struct verb *v = vb_find(js_get_str(x, "name"));
		int ro = cJSON_IsTrue(js_get(x, "annotations.readOnlyHint"));
		T_OK(v && ro == !v->action, "%s: readOnlyHint %d matches the table",
		    v ? v->name : "?", ro);
	}
	T_OK(cJSON_IsTrue(js_get(cJSON_GetArrayItem(t, 4),
	    "annotations.destructiveHint")), "restart: destructive");
	cJSON_Delete(t);
	{
		struct sbuf md;
		sbuf_init(&md);
		vb_markdown(&md);
		T_OK(md.s && strstr(md.s, "| `memory` | `machine.memory` | mutating, "
		    "destructive | `--app name` `--machine id` `--mb n` |"),
		    "markdown row");
		sbuf_release(&md);
	}
	return t_done();
}
