/* verbs.h - the one table of remediate's verbs. The same rows drive the
 * command line (`remediate VERB --app A ...`: which options a verb takes,
 * their types and ranges), the tool definitions for LLMs (`remediate
 * tools`: OpenAI function format, Anthropic tool format), the MCP tool
 * list with its annotations, the usage text and the verb reference in
 * docs/remediate.md (`remediate tools --format markdown`, which a test
 * compares with the page), so none of them can drift from the others.
 *
 * Arguments travel as a cJSON object in every front end: the command line
 * builds one from its options, MCP and LLM tool calls bring one, and
 * vb_check validates it against the verb's parameters.
 *
 * Ownership: the table is static; vb_schema and vb_tools return trees the
 * caller frees with cJSON_Delete; text goes to the caller's sbuf. */
#ifndef SH_VERBS_H
#define SH_VERBS_H

#include "util.h"

struct cJSON;

enum vb_type {
	VB_STRING,
	VB_INTEGER,
};

/* Shapes of string arguments, each with a pattern for schemas and docs
 * and a checker (no regex engine needed). */
enum vb_shape {
	VB_ANY,         /* any text without control characters (notify) */
	VB_APP,         /* ^[a-z0-9][a-z0-9-]{0,62}$ (Fly app names) */
	VB_MACHINE,     /* ^[0-9a-z]{4,32}$ (machine ids: 14 hex digits) */
	VB_IMAGE,       /* ^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$ */
};
const char *vb_shape_pattern(enum vb_shape s);
int vb_shape_ok(enum vb_shape s, const char *v);

struct vb_param {
	const char *name;       /* option --name, and the argument's key */
	enum vb_type type;
	int required;
	long lo, hi;            /* integer range */
	const char *choices;    /* space-separated allowed values, or NULL */
	enum vb_shape shape;    /* what a string must look like */
	const char *metavar;    /* usage: "--app name" */
	const char *help;
};

enum vb_flags {
	VB_READONLY = 1 << 0,     /* changes nothing */
	VB_DESTRUCTIVE = 1 << 1,  /* interrupts or replaces something running */
	VB_IDEMPOTENT = 1 << 2,   /* repeating it with the same arguments adds
	                             nothing */
};

#define VB_MAXPARAMS 6

struct verb {
	const char *name;         /* subcommand and tool name */
	const char *action;       /* action vocabulary name; NULL: read-only */
	unsigned flags;
	const char *title;
	const char *help;         /* one paragraph: what it does, for tools */
	struct vb_param params[VB_MAXPARAMS];   /* ended by a NULL name */
};

extern const struct verb vb_table[];
extern const int vb_count;

/* The verb named name (or NULL); the verb carrying out an action name. */
const struct verb *vb_find(const char *name);
const struct verb *vb_for_action(const char *action);
const struct vb_param *vb_param(const struct verb *v, const char *name);
/* Is v one of the space-separated choices? */
int vb_choice_ok(const char *choices, const char *v);

/* vb_check validates args (an object, or NULL for none) against v:
 * unknown keys, wrong types, out-of-range integers, choices and patterns,
 * missing required parameters. Returns 0, or -1 with one line in err. */
int vb_check(const struct verb *v, const struct cJSON *args, struct sbuf *err);

/* The JSON Schema of v's arguments (an object schema, never null). */
struct cJSON *vb_schema(const struct verb *v);

enum vb_format {
	VB_FMT_OPENAI,        /* [{"type":"function","function":{...}}] */
	VB_FMT_ANTHROPIC,     /* [{"name","description","input_schema"}] */
	VB_FMT_MCP,           /* [{"name","title","description","inputSchema",
	                           "annotations"}] */
};

/* The verbs as tool definitions; readonly_only keeps the read-only ones. */
struct cJSON *vb_tools(enum vb_format f, int readonly_only);

/* The verb reference for docs/remediate.md (Markdown, ends in '\n'). */
void vb_markdown(struct sbuf *out);

/* One usage line per verb: "remediate restart --app name ...". */
void vb_usage(struct sbuf *out, const char *indent);

/* `remediate tools --format F`: the tool definitions as JSON (F openai,
 * anthropic, mcp; NULL or "all": openai and anthropic in one object) or
 * the Markdown reference, appended to out with a final newline. Returns
 * -1 for an unknown format. */
int vb_tools_text(const char *format, int readonly_only, struct sbuf *out);

/* The command line's getopt_long table: the common options (ended by a
 * NULL name), then each verb parameter once, as an option taking an
 * argument whose value is first + k, names[k] being the parameter's name.
 * Both arrays are the caller's to free. Which verb takes which option is
 * for vb_check to say later. */
struct option;
struct option *vb_options(const struct option *common, int first,
    const char ***names);

/* vb_set_arg sets args[name] from an option's text: a number where some
 * verb wants an integer (its range is vb_check's), else the string.
 * Returns -1, setting nothing, when an integer was wanted and val is not
 * one. */
int vb_set_arg(struct cJSON *args, const char *name, const char *val);

#endif
