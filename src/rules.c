/* rules.c - parse rule files (docs/rules.md), compile patterns with PCRE2
 * JIT under match limits, build the literal prefilter, and run the rules
 * and their examples. */
#include "rules.h"
#include "prefilter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *const rs_categories[] = { "oom", "panic", "signal", "exit",
	"restart-loop", "health", "resource", "dependency", "config", "deploy",
	NULL };
const char *const rs_actions[] = { "machine.restart", "machine.start",
	"machine.memory", "app.rollback", "notify", "github.pr",
	"github.issue", "escalate", NULL };
static const char *const severities[] = { "critical", "error", "warning",
	NULL };
static const char *const reserved[] = { "type", "id", "ts", "app", "region",
	"instance", "provider", "rule", "category", "severity", "fingerprint",
	"lines", "context", "hint", "truncated", "source", "level", "msg",
	NULL };

#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000

static const char *
lookup(const char *const *tab, const char *s)
{
	for (int i = 0; tab[i]; i++)
		if (!strcmp(tab[i], s))
			return tab[i];
	return NULL;
}

struct ruleset *
rs_new(void)
{
	struct ruleset *rs = xcalloc(1, sizeof *rs);
	rs->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(rs->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, DEPTH_LIMIT);
	rs->jstack = pcre2_jit_stack_create(32 << 10, 1 << 20, NULL);
	if (rs->jstack)
		pcre2_jit_stack_assign(rs->mctx, NULL, rs->jstack);
	rs->limit_warn.limit = 5;
	return rs;
}

static void
rule_free(struct rule *r)
{
	if (!r)
		return;
	for (int k = 0; k < PK_N; k++) {
		for (int i = 0; i < r->npats[k]; i++) {
			struct pattern *p = &r->pats[k][i];
			pcre2_code_free(p->code);
			pcre2_match_data_free(p->md);
			free(p->src);
			lit_free(&p->lits);
		}
		free(r->pats[k]);
	}
	for (int i = 0; i < r->nactions; i++)
		free(r->actions[i]);
	free(r->actions);
	for (int i = 0; i < r->nex; i++)
		free(r->ex[i].text);
	free(r->ex);
	free(r->name);
	free(r->file);
	free(r->cause);
	free(r);
}

void
rs_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++)
		rule_free(rs->r[i]);
	free(rs->r);
	free(rs->mp);
	free(rs->unfiltered);
	pf_free(rs->pf);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jstack);
	free(rs);
}

static int
valid_rule_name(const char *s)
{
	int seg = 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (!seg)
				return 0;
			seg = 0;
		} else if (islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		    *s == '_' || *s == '-') {
			seg++;
		} else {
			return 0;
		}
	}
	return seg > 0;
}

/* Check the capture names of a match pattern. */
static int
check_names(pcre2_code *code, struct sbuf *err, const char *file, int line)
{
	uint32_t count, size;
	PCRE2_SPTR tab;

	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &tab);
	for (uint32_t i = 0; i < count; i++) {
		const char *name = (const char *)tab + i * size + 2;
		int ok = islower((unsigned char)name[0]);
		for (const char *c = name; *c; c++)
			if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) &&
			    *c != '_')
				ok = 0;
		if (!ok || (strcmp(name, "title") && lookup(reserved, name))) {
			sbuf_addf(err, "%s:%d: capture name '%s' is reserved or not "
			    "[a-z][a-z0-9_]*", file, line, name);
			return -1;
		}
	}
	return 0;
}

static int
add_pattern(struct rule *r, enum pat_kind k, const char *src, int line,
    const char *file, struct sbuf *err)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *code;

	code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &ec,
	    &off, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		sbuf_addf(err, "%s:%d: bad pattern: %s at offset %zu", file, line,
		    (char *)msg, (size_t)off);
		return -1;
	}
	if (k == PK_MATCH && check_names(code, err, file, line)) {
		pcre2_code_free(code);
		return -1;
	}
	/* JIT is an optimisation; without it (unsupported arch) we still match */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	r->pats[k] = xrealloc(r->pats[k], (size_t)(r->npats[k] + 1) *
	    sizeof(struct pattern));
	struct pattern *p = &r->pats[k][r->npats[k]++];
	memset(p, 0, sizeof *p);
	p->code = code;
	p->md = pcre2_match_data_create_from_pattern(code, NULL);
	p->src = xstrdup(src);
	p->line = line;
	if (k == PK_MATCH) {
		uint32_t opts = 0;
		pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts);
		int lr = lit_extract(src, (opts & PCRE2_CASELESS) != 0, &p->lits);
		if (lr == -2) {
			sbuf_addf(err, "%s:%d: bad pattern: every match needs a "
			    "newline, which a log line never holds", file, line);
			r->npats[k]--;
			pcre2_code_free(p->code);
			pcre2_match_data_free(p->md);
			free(p->src);
			return -1;
		}
		if (lr)
			p->lits.n = 0;
	}
	return 0;
}

static int
rule_check(struct rule *r, struct sbuf *err)
{
	const char *miss = !r->category ? "category" : !r->severity ? "severity" :
	    !r->npats[PK_MATCH] ? "match" : !r->cause ? "cause" :
	    !r->nactions ? "actions" : NULL;
	int ex = 0, nom = 0;

	for (int i = 0; i < r->nex; i++)
		r->ex[i].must ? ex++ : nom++;
	if (!miss && !ex)
		miss = "example";
	if (!miss && !nom)
		miss = "nomatch";
	if (miss) {
		sbuf_addf(err, "%s:%d: rule %s: missing '%s'", r->file, r->line,
		    r->name, miss);
		return -1;
	}
	return 0;
}

/* Insert or replace by name. */
static void
rs_add_rule(struct ruleset *rs, struct rule *r)
{
	for (int i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i]->name, r->name)) {
			r->order = rs->r[i]->order;
			rule_free(rs->r[i]);
			rs->r[i] = r;
			return;
		}
	rs->r = xrealloc(rs->r, (size_t)(rs->n + 1) * sizeof *rs->r);
	r->order = rs->n;
	rs->r[rs->n++] = r;
}

static int
parse_kv(struct rule *r, const char *key, const char *val, int line,
    const char *file, struct sbuf *err)
{
	static const char *const kinds[PK_N] = { "match", "exclude", "continue",
		"end", "title", "frame" };
	long v;

	for (int k = 0; k < PK_N; k++)
		if (!strcmp(key, kinds[k]))
			return add_pattern(r, (enum pat_kind)k, val, line, file, err);
	if (!strcmp(key, "category")) {
		if (!(r->category = lookup(rs_categories, val)))
			goto bad;
	} else if (!strcmp(key, "severity")) {
		if (!(r->severity = lookup(severities, val)))
			goto bad;
	} else if (!strcmp(key, "priority")) {
		if (sh_parse_long(val, 0, 99, &v))
			goto bad;
		r->priority = (int)v;
	} else if (!strcmp(key, "max-lines")) {
		if (sh_parse_long(val, 1, 10000, &v))
			goto bad;
		r->max_lines = (int)v;
	} else if (!strcmp(key, "gap")) {
		if (sh_parse_duration_ms(val, &r->gap_ms))
			goto bad;
	} else if (!strcmp(key, "cause")) {
		free(r->cause);
		r->cause = xstrdup(val);
	} else if (!strcmp(key, "actions")) {
		char *copy = xstrdup(val), *save = NULL;
		for (char *t = strtok_r(copy, " \t", &save); t;
		    t = strtok_r(NULL, " \t", &save)) {
			if (!lookup(rs_actions, t)) {
				sbuf_addf(err, "%s:%d: unknown action '%s'", file, line, t);
				free(copy);
				return -1;
			}
			r->actions = xrealloc(r->actions, (size_t)(r->nactions + 1) *
			    sizeof *r->actions);
			r->actions[r->nactions++] = xstrdup(t);
		}
		free(copy);
	} else if (!strcmp(key, "example") || !strcmp(key, "nomatch")) {
		r->ex = xrealloc(r->ex, (size_t)(r->nex + 1) * sizeof *r->ex);
		r->ex[r->nex++] = (struct example){ xstrdup(val), line,
			!strcmp(key, "example") };
	} else {
		sbuf_addf(err, "%s:%d: unknown key '%s'", file, line, key);
		return -1;
	}
	return 0;
bad:
	sbuf_addf(err, "%s:%d: bad value for '%s': '%s'", file, line, key, val);
	return -1;
}

int
rs_load_file(struct ruleset *rs, const char *path, struct sbuf *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;
	struct rule *cur = NULL;

	if (!f) {
		sbuf_addf(err, "%s: cannot open: %m", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		char *key = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!strcmp(key, "rule")) {
			if (cur) {
				if (rule_check(cur, err)) {
					rc = -1;
					break;
				}
				rs_add_rule(rs, cur);
			}
			if (!valid_rule_name(s)) {
				sbuf_addf(err, "%s:%d: bad rule name '%s'", path, lineno, s);
				cur = NULL;
				rc = -1;
				break;
			}
			cur = xcalloc(1, sizeof *cur);
			cur->name = xstrdup(s);
			cur->file = xstrdup(path);
			cur->line = lineno;
			cur->priority = 50;
			cur->max_lines = 200;
			cur->gap_ms = 1000;
			continue;
		}
		if (!cur) {
			sbuf_addf(err, "%s:%d: '%s' outside a rule", path, lineno, key);
			rc = -1;
			break;
		}
		if (!*s) {
			sbuf_addf(err, "%s:%d: '%s' needs a value", path, lineno, key);
			rc = -1;
			break;
		}
		if (parse_kv(cur, key, s, lineno, path, err)) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		sbuf_addf(err, "%s: read error", path);
		rc = -1;
	}
	if (rc == 0 && cur) {
		if (rule_check(cur, err)) {
			rc = -1;
		} else {
			rs_add_rule(rs, cur);
			cur = NULL;
		}
	}
	rule_free(cur);
	free(line);
	fclose(f);
	return rc;
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a;
	const struct rule *y = *(struct rule *const *)b;
	if (x->priority != y->priority)
		return x->priority - y->priority;
	return x->order - y->order;
}

/* How a literal looks inside a JSON string, as different encoders write
 * it: JSON_STD escapes quotes, backslashes and control characters (serde,
 * Vector, cJSON); JSON_GO also escapes < > & (Go's encoding/json, so
 * flyctl); JSON_SLASH also escapes '/' (PHP); JSON_ASCII also escapes
 * non-ASCII as \uXXXX (Python's json.dumps). */
enum { JSON_STD = 1, JSON_GO = 2, JSON_SLASH = 4, JSON_ASCII = 8 };

static void
json_variant(const char *s, size_t n, int how, struct sbuf *out)
{
	static const char hex[] = "0123456789abcdef";

	sbuf_reset(out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, c);
		} else if (c == '\t') {
			sbuf_adds(out, "\\t");
		} else if (c == '\r') {
			sbuf_adds(out, "\\r");
		} else if (c < 0x20 || ((how & JSON_GO) && (c == '<' || c == '>' ||
		    c == '&'))) {
			sbuf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if ((how & JSON_SLASH) && c == '/') {
			sbuf_adds(out, "\\/");
		} else if ((how & JSON_ASCII) && c >= 0xc0) {
			unsigned cp = 0;
			size_t len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (i + len > n)
				break;
			cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
			for (size_t k = 1; k < len; k++)
				cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				sbuf_addf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
				    0xdc00 + (cp & 0x3ff));
			} else {
				sbuf_addf(out, "\\u%04x", cp);
			}
			i += len - 1;
		} else {
			sbuf_addc(out, c);
		}
	}
}

/* Add a literal and the distinct forms it takes inside JSON strings. */
static void
add_literal(struct pf *pf, const struct lit *l, uint32_t id)
{
	static const int hows[] = { JSON_STD, JSON_STD | JSON_GO,
		JSON_STD | JSON_SLASH, JSON_STD | JSON_ASCII };
	struct sbuf v[4];

	pf_add(pf, l->s, l->n, l->caseless, id);
	for (int k = 0; k < 4; k++) {
		sbuf_init(&v[k]);
		json_variant(l->s, l->n, hows[k], &v[k]);
		if (v[k].len == l->n && !memcmp(v[k].s, l->s, l->n))
			continue;
		int dup = 0;
		for (int j = 0; j < k; j++)
			if (v[j].len == v[k].len && !memcmp(v[j].s, v[k].s, v[k].len))
				dup = 1;
		if (!dup && !memchr(v[k].s, '\n', v[k].len))
			pf_add(pf, v[k].s, v[k].len, l->caseless, id);
	}
	for (int k = 0; k < 4; k++)
		sbuf_release(&v[k]);
}

int
rs_finish(struct ruleset *rs, int portable, struct sbuf *err)
{
	char msg[256];

	if (rs->n)
		qsort(rs->r, (size_t)rs->n, sizeof *rs->r, rule_cmp);
	free(rs->mp);
	free(rs->unfiltered);
	pf_free(rs->pf);
	rs->mp = NULL;
	rs->unfiltered = NULL;
	rs->nmp = rs->nunfiltered = 0;
	rs->pf = pf_new();
	for (int i = 0; i < rs->n; i++)
		for (int j = 0; j < rs->r[i]->npats[PK_MATCH]; j++) {
			struct pattern *p = &rs->r[i]->pats[PK_MATCH][j];
			uint32_t id = (uint32_t)rs->nmp;
			rs->mp = xrealloc(rs->mp, (size_t)(rs->nmp + 1) * sizeof *rs->mp);
			rs->mp[rs->nmp].rule = i;
			rs->mp[rs->nmp].pat = j;
			rs->nmp++;
			if (p->lits.n == 0) {
				rs->unfiltered = xrealloc(rs->unfiltered,
				    (size_t)(rs->nunfiltered + 1) * sizeof(int));
				rs->unfiltered[rs->nunfiltered++] = (int)id;
				continue;
			}
			for (int k = 0; k < p->lits.n; k++)
				add_literal(rs->pf, &p->lits.v[k], id);
		}
	pf_add(rs->pf, "\"type\"", 6, 0, RS_ID_TYPE);
	if (pf_compile(rs->pf, portable, msg, sizeof msg)) {
		sbuf_addf(err, "prefilter: %s", msg);
		return -1;
	}
	return 0;
}

int
rs_pat_match(struct ruleset *rs, struct pattern *p, const char *s, size_t n)
{
	int rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, 0, 0, p->md, rs->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	rs->limit_hits++;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
		sh_warn_limited(&rs->limit_warn, "pattern '%.60s' hit the match "
		    "limit on a %zu-byte line; treated as no match", p->src, n);
	else
		sh_warn_limited(&rs->limit_warn, "pattern '%.60s': match error %d",
		    p->src, rc);
	return 0;
}

int
rs_rule_matches(struct ruleset *rs, struct rule *r, enum pat_kind k,
    const char *msg, size_t n, struct pattern **which)
{
	for (int i = 0; i < r->npats[k]; i++)
		if (rs_pat_match(rs, &r->pats[k][i], msg, n)) {
			if (which)
				*which = &r->pats[k][i];
			return 1;
		}
	return 0;
}

static int
try_pattern(struct ruleset *rs, int id, const char *msg, size_t n,
    struct rmatch *m)
{
	struct rule *r = rs->r[rs->mp[id].rule];
	struct pattern *p = &r->pats[PK_MATCH][rs->mp[id].pat];

	if (!rs_pat_match(rs, p, msg, n))
		return 0;
	if (rs_rule_matches(rs, r, PK_EXCLUDE, msg, n, NULL))
		return 0;
	m->rule = r;
	m->pat = p;
	m->subject = msg;
	m->len = n;
	return 1;
}

static int
id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int
rs_start(struct ruleset *rs, const char *msg, size_t n, const uint32_t *cand,
    int ncand, struct rmatch *m)
{
	/* start patterns see the message without leading blanks */
	while (n && (*msg == ' ' || *msg == '\t')) {
		msg++;
		n--;
	}
	if (!cand) {
		for (int id = 0; id < rs->nmp; id++)
			if (try_pattern(rs, id, msg, n, m))
				return 1;
		return 0;
	}
	/* ids ascend with rule order, so the first hit in id order wins; merge
	 * the candidates with the always-tried unfiltered patterns */
	uint32_t buf[256];
	uint32_t *ids = buf;
	int total = ncand + rs->nunfiltered;
	if (total > (int)(sizeof buf / sizeof *buf))
		ids = xmalloc((size_t)total * sizeof *ids);
	memcpy(ids, cand, (size_t)ncand * sizeof *ids);
	for (int i = 0; i < rs->nunfiltered; i++)
		ids[ncand + i] = (uint32_t)rs->unfiltered[i];
	qsort(ids, (size_t)total, sizeof *ids, id_cmp);
	int found = 0;
	for (int i = 0; i < total && !found; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		found = try_pattern(rs, (int)ids[i], msg, n, m);
	}
	if (ids != buf)
		free(ids);
	return found;
}

/* Does the text contain one of the pattern's literals (as the prefilter
 * would see it)? */
static int
lits_present(const struct pattern *p, const char *s)
{
	for (int i = 0; i < p->lits.n; i++) {
		const struct lit *l = &p->lits.v[i];
		if (l->caseless ? strcasestr(s, l->s) != NULL :
		    memmem(s, strlen(s), l->s, l->n) != NULL)
			return 1;
	}
	return 0;
}

int
rs_test(struct ruleset *rs)
{
	int fails = 0;

	for (int i = 0; i < rs->n; i++) {
		struct rule *r = rs->r[i];
		for (int j = 0; j < r->npats[PK_MATCH]; j++)
			if (r->pats[PK_MATCH][j].lits.n == 0) {
				fprintf(stderr, "%s:%d: rule %s: pattern has no literal "
				    "of %d+ bytes for the prefilter\n", r->file,
				    r->pats[PK_MATCH][j].line, r->name, LIT_MIN_LEN);
				fails++;
			}
		for (int e = 0; e < r->nex; e++) {
			struct example *ex = &r->ex[e];
			struct rmatch m;
			const char *text = ex->text;
			while (*text == ' ' || *text == '\t')
				text++;
			size_t n = strlen(text);
			int own = 0;
			struct pattern *which = NULL;
			for (int j = 0; j < r->npats[PK_MATCH] && !own; j++)
				if (rs_pat_match(rs, &r->pats[PK_MATCH][j], text, n)) {
					which = &r->pats[PK_MATCH][j];
					own = !rs_rule_matches(rs, r, PK_EXCLUDE, text, n,
					    NULL);
				}
			if (ex->must) {
				if (!own) {
					fprintf(stderr, "%s:%d: rule %s: example does not "
					    "match\n", r->file, ex->line, r->name);
					fails++;
				} else if (which && which->lits.n &&
				    !lits_present(which, text)) {
					fprintf(stderr, "%s:%d: rule %s: example matches but "
					    "the prefilter would miss it\n", r->file,
					    ex->line, r->name);
					fails++;
				} else if (rs_start(rs, text, n, NULL, 0, &m) &&
				    m.rule != r) {
					fprintf(stderr, "%s:%d: rule %s: example is taken by "
					    "rule %s first\n", r->file, ex->line, r->name,
					    m.rule->name);
					fails++;
				}
			} else if (own) {
				fprintf(stderr, "%s:%d: rule %s: nomatch example "
				    "matches\n", r->file, ex->line, r->name);
				fails++;
			}
		}
	}
	return fails;
}

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static int
is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
rs_builtin_dir(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *env = getenv("SELFHEAL_RULES");
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof cand, "%s/../rules", exe);
			if (is_dir(cand))
				return xstrdup(cand);
			snprintf(cand, sizeof cand, "%s/../share/selfheal/rules", exe);
			if (is_dir(cand))
				return xstrdup(cand);
		}
	}
	if (is_dir(SELFHEAL_RULESDIR))
		return xstrdup(SELFHEAL_RULESDIR);
	return NULL;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rules files of a directory, sorted; or the path itself. */
static char **
list_rules(const char *path, int *n, struct sbuf *err)
{
	char **v = NULL;
	DIR *d;
	struct dirent *de;

	*n = 0;
	if (!is_dir(path)) {
		if (access(path, R_OK) != 0) {
			sbuf_addf(err, "%s: %s", path, strerror(errno));
			return NULL;
		}
		v = xmalloc(sizeof *v);
		v[0] = xstrdup(path);
		*n = 1;
		return v;
	}
	if (!(d = opendir(path))) {
		sbuf_addf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 7 || strcmp(de->d_name + l - 6, ".rules") ||
		    de->d_name[0] == '.')
			continue;
		v = xrealloc(v, (size_t)(*n + 1) * sizeof *v);
		struct sbuf p;
		sbuf_init(&p);
		sbuf_addf(&p, "%s/%s", path, de->d_name);
		v[(*n)++] = p.s;
	}
	closedir(d);
	if (*n)
		qsort(v, (size_t)*n, sizeof *v, str_cmp);
	return v;
}

static void
free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int
rs_load_all(struct ruleset *rs, char **user, int nuser, int no_builtin,
    struct sbuf *err, int *code)
{
	char ***ulists = xcalloc((size_t)nuser + 1, sizeof *ulists);
	int *ucounts = xcalloc((size_t)nuser + 1, sizeof *ucounts);
	int rc = 0;

	*code = 0;
	for (int i = 0; i < nuser; i++) {
		ulists[i] = list_rules(user[i], &ucounts[i], err);
		if (!ulists[i] && err->len) {
			*code = SH_EX_NOINPUT;
			rc = -1;
			goto out;
		}
	}
	if (!no_builtin) {
		char *dir = rs_builtin_dir();
		int n = 0;
		char **files;
		if (!dir) {
			sbuf_addf(err, "no built-in rules directory found (set "
			    "SELFHEAL_RULES or use -r)");
			*code = SH_EX_NOINPUT;
			rc = -1;
			goto out;
		}
		files = list_rules(dir, &n, err);
		free(dir);
		if (!files && err->len) {
			*code = SH_EX_NOINPUT;
			rc = -1;
			goto out;
		}
		for (int i = 0; i < n && rc == 0; i++) {
			int replaced = 0;
			for (int u = 0; u < nuser && !replaced; u++)
				for (int k = 0; k < ucounts[u]; k++)
					if (!strcmp(base(ulists[u][k]), base(files[i])))
						replaced = 1;
			if (!replaced && rs_load_file(rs, files[i], err)) {
				*code = SH_EX_CONFIG;
				rc = -1;
			}
		}
		free_list(files, n);
	}
	for (int u = 0; u < nuser && rc == 0; u++)
		for (int k = 0; k < ucounts[u] && rc == 0; k++)
			if (rs_load_file(rs, ulists[u][k], err)) {
				*code = SH_EX_CONFIG;
				rc = -1;
			}
out:
	for (int i = 0; i < nuser; i++)
		free_list(ulists[i], ucounts[i]);
	free(ulists);
	free(ucounts);
	return rc;
}
