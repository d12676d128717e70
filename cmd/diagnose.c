/* diagnose - group crash records into incidents (one app, one fingerprint,
 * within a window) and write one diagnosis record per incident: from an
 * LLM agent with read-only tools when one is configured, from the crash
 * rules' hints otherwise and whenever the LLM fails or a budget is spent.
 * Records of other types pass through unchanged.
 *
 * Every incident is spooled (fsync) before the LLM is asked and removed
 * only after its diagnosis is written; a restart finishes the spool first.
 * The pieces live in src/: incident, spool and diagnoser (which drives
 * redact, prompt, llm, agenttools, diag, dcache, budget); report. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "diagnoser.h"
#include "fsutil.h"
#include "incident.h"
#include "json.h"
#include "reader.h"
#include "report.h"
#include "spool.h"
#include "textfmt.h"
#include "util.h"

#include <cjson/cJSON.h>

struct dg {
	struct inc_table t;
	struct spool sp;
	struct diagnoser z;
	int text, color;
	const char *app, *report;
	unsigned long lineno;
	struct sh_ratelimit badrl;
	int evict_warned;
	struct sbuf line;        /* the output line being written */
};

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: diagnose [-h] [--app name] [--backend rules|openai|anthropic]\n"
	    "                [--budget-daily tokens] [--budget-tokens tokens] "
	    "[--config file]\n"
	    "                [--cache-ttl duration] [--deadline duration] "
	    "[--format json|text]\n"
	    "                [-l bytes] [--llm-url url] [--max-steps n] "
	    "[--max-tokens n]\n"
	    "                [--model name] [--redact-file file] [--remediate "
	    "path] [--repo dir]\n"
	    "                [--report dir] [--spool dir] [--state dir] "
	    "[--window duration]\n"
	    "       diagnose --version\n");
	exit(code);
}

static void
out_record(struct dg *g, const char *rec, size_t n, int diag)
{
	cJSON *o;

	/* one record, one line, one write */
	sbuf_reset(&g->line);
	if (!g->text) {
		sbuf_add(&g->line, rec, n);
	} else {
		if (!(o = js_parse(rec, n)))
			return;
		if (diag)
			rp_text(o, &g->line);
		else
			tf_line(o, &g->line, g->color);
		cJSON_Delete(o);
	}
	sbuf_addc(&g->line, '\n');
	sh_out_line(g->line.s, g->line.len);
}

static void
diagnose_one(struct dg *g, struct incident *inc)
{
	struct sbuf err, rec, warn;

	sbuf_init(&err);
	sbuf_init(&rec);
	sbuf_init(&warn);
	if (spool_emitted(&g->sp, inc->id)) {
		sh_warn("%s: diagnosed already (input replayed?); skipped", inc->id);
		if (spool_done(&g->sp, inc->id, &err))
			sh_warn("%s", err.s);
		goto out;
	}
	/* on disk before the LLM is asked */
	if (inc->dirty)
		spool_keep(&g->sp, inc);
	dz_diagnose(&g->z, inc, sh_stop, &rec, &warn);
	if (warn.len)
		sh_warn("%s", warn.s);
	out_record(g, rec.s, rec.len, 1);
	sh_out_flush();
	if (g->report && rp_write(g->report, inc->id, rec.s, rec.len) < 0)
		sh_warn("%s/%s.md: %s", g->report, inc->id, strerror(errno));
	/* only now may the incident leave the spool */
	if (spool_done(&g->sp, inc->id, &err))
		sh_warn("%s", err.s);
out:
	sbuf_release(&err);
	sbuf_release(&rec);
	sbuf_release(&warn);
}

static void
drain(struct dg *g)
{
	struct incident *inc;

	while ((inc = inc_pop_ready(&g->t))) {
		diagnose_one(g, inc);
		inc_free(inc);
	}
}

static void
sync_spool(struct dg *g)
{
	spool_sync(&g->sp, &g->t, sh_now_mono_ms());
}

static void
process(struct dg *g, const char *s, size_t n)
{
	cJSON *o;
	const char *type, *why;

	g->lineno++;
	if (sh_blank(s, n))
		return;
	o = js_parse_why(s, n, &why);
	type = js_get_str(o, "type");
	if (!cJSON_IsObject(o) || !type) {
		sh_warn_limited(&g->badrl, "<stdin>:%lu: not a record (%s); "
		    "skipped", g->lineno, !o ? why : !cJSON_IsObject(o) ?
		    "not a JSON object" : "no \"type\"");
	} else if (strcmp(type, "crash")) {
		out_record(g, s, n, !strcmp(type, "diagnosis"));
	} else if (!inc_add(&g->t, o, s, n, g->app, sh_now_mono_ms(), &why)) {
		sh_warn_limited(&g->badrl, "<stdin>:%lu: %s; passed through",
		    g->lineno, why);
		out_record(g, s, n, 0);
	}
	if (g->t.evicted && !g->evict_warned) {
		/* not silent: an incident diagnosed early may come back as a
		 * second one (tests/t/hostile-scale.t) */
		sh_warn("<stdin>:%lu: more than %d incidents open at once; the "
		    "oldest are diagnosed early", g->lineno, g->t.max_open);
		g->evict_warned = 1;
	}
	cJSON_Delete(o);
}

static void
run(struct dg *g, size_t linecap)
{
	struct stat st;
	int live = fstat(0, &st) == 0 && !S_ISREG(st.st_mode);
	struct reader *rd = rd_open_stream(0, "<stdin>", linecap);
	struct rd_chunk c;
	int rc;

	for (;;) {
		int timeout = live ? inc_next_timeout(&g->t, sh_now_mono_ms()) : -1;
		/* while the spool fails, try again every second, input or not */
		if (g->sp.failing && g->t.open && (timeout < 0 || timeout >
		    SPOOL_EVERY_MS))
			timeout = SPOOL_EVERY_MS;
		rc = rd_chunk(rd, &c, timeout);
		if (rc == RD_TIMEOUT) {
			sync_spool(g);
			inc_expire(&g->t, sh_now_mono_ms());
			drain(g);
			continue;
		}
		if (rc != RD_OK)
			break;
		if (c.truncated) {
			sh_warn_limited(&g->badrl, "<stdin>:%lu: line longer than %zu "
			    "bytes; skipped", g->lineno + 1, linecap);
			g->lineno++;
		} else {
			for (const char *p = c.p, *end = c.p + c.n; p < end;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const char *e = nl ? nl : end;
				process(g, p, (size_t)(e - p));
				p = e + 1;
				/* a closed incident is diagnosed before more input
				 * is taken, so a flood of distinct crashes does not
				 * pile up in memory (a chunk holds thousands) */
				if (g->t.ready) {
					sync_spool(g);
					drain(g);
				}
			}
		}
		sync_spool(g);
		if (live)
			inc_expire(&g->t, sh_now_mono_ms());
		drain(g);
		if (sh_stop)
			break;
	}
	if (rc == RD_ERR)
		sh_warn("<stdin>: read error: %s", strerror(errno));
	rd_free(rd);
}

static int64_t
dur(const char *s, int64_t lo, int64_t hi)
{
	int64_t v;
	if (sh_parse_duration_ms(s, &v) || v < lo || v > hi)
		usage(SH_EX_USAGE);
	return v;
}

static long
num(const char *s, long lo, long hi)
{
	long v;
	if (sh_parse_long(s, lo, hi, &v))
		usage(SH_EX_USAGE);
	return v;
}

int
main(int argc, char *argv[])
{
	enum { O_APP = 256, O_BACKEND, O_BDAILY, O_BTOKENS, O_TTL, O_DEADLINE,
		O_FORMAT, O_URL, O_STEPS, O_MAXTOK, O_MODEL, O_REDACT, O_REMEDIATE,
		O_REPO, O_REPORT, O_SPOOL, O_STATE, O_VERSION, O_WINDOW };
	static const struct option opts[] = {
		{ "app", required_argument, NULL, O_APP },
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "budget-daily", required_argument, NULL, O_BDAILY },
		{ "budget-tokens", required_argument, NULL, O_BTOKENS },
		{ "cache-ttl", required_argument, NULL, O_TTL },
		{ "deadline", required_argument, NULL, O_DEADLINE },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "llm-url", required_argument, NULL, O_URL },
		{ "max-line", required_argument, NULL, 'l' },
		{ "max-steps", required_argument, NULL, O_STEPS },
		{ "max-tokens", required_argument, NULL, O_MAXTOK },
		{ "model", required_argument, NULL, O_MODEL },
		{ "redact-file", required_argument, NULL, O_REDACT },
		{ "remediate", required_argument, NULL, O_REMEDIATE },
		{ "repo", required_argument, NULL, O_REPO },
		{ "report", required_argument, NULL, O_REPORT },
		{ "spool", required_argument, NULL, O_SPOOL },
		{ "state", required_argument, NULL, O_STATE },
		{ "version", no_argument, NULL, O_VERSION },
		{ "window", required_argument, NULL, O_WINDOW },
		{ NULL, 0, NULL, 0 },
	};
	struct dg g = { .badrl = { 0, 10 } };
	struct dz_config c = { .backend = NULL, .max_steps = 8, .max_tokens = 6000,
		.deadline_ms = 120000, .cache_ttl_ms = 3600000 };
	const char *spool = NULL, *state = NULL;
	char *remediate = NULL, *statedir, *spooldir;
	int64_t window = 10000;
	size_t linecap = 4u << 20;
	struct sbuf err;
	int ch, code;

	sh_init(argv[0]);
	g.color = tf_want_color();
	/* [global] and [diagnose] of the configuration file come first, so
	 * the command line overrides them */
	cfg_argv(&argc, &argv, "diagnose", "hl:", opts);
	while ((ch = getopt_long(argc, argv, "hl:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h': usage(0); break;
		case 'l': linecap = (size_t)num(optarg, 4096, RD_MAX_LINECAP); break;
		case O_APP: g.app = optarg; break;
		case O_BACKEND: c.backend = optarg; break;
		case O_BDAILY: c.budget_daily = num(optarg, 0, LONG_MAX); break;
		case O_BTOKENS: c.budget_tokens = num(optarg, 0, LONG_MAX); break;
		case O_TTL: c.cache_ttl_ms = dur(optarg, 0, 86400000LL * 365); break;
		case O_DEADLINE: c.deadline_ms = dur(optarg, 100, 86400000); break;
		case O_FORMAT:
			if (!strcmp(optarg, "text") || !strcmp(optarg, "json"))
				g.text = !strcmp(optarg, "text");
			else
				usage(SH_EX_USAGE);
			break;
		case O_URL: c.url = optarg; break;
		case O_STEPS: c.max_steps = (int)num(optarg, 0, 50); break;
		case O_MAXTOK: c.max_tokens = num(optarg, 200, 1000000); break;
		case O_MODEL: c.model = optarg; break;
		case O_REDACT: c.redact_file = optarg; break;
		case O_REMEDIATE: remediate = xstrdup(optarg); break;
		case O_REPO: c.repo = optarg; break;
		case O_REPORT: g.report = optarg; break;
		case O_SPOOL: spool = optarg; break;
		case O_STATE: state = optarg; break;
		case O_VERSION:
			printf("diagnose %s\n", SELFHEAL_VERSION);
			return sh_out_close();
		case O_WINDOW: window = dur(optarg, 1, 86400000); break;
		default: usage(SH_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(SH_EX_USAGE);

	/* the backend: explicit, else from what is configured */
	if (dz_pick(&c) < 0)
		usage(SH_EX_USAGE);
	if (remediate && access(remediate, X_OK) < 0)
		sh_die(SH_EX_NOINPUT, "%s: %s", remediate, strerror(errno));
	if (!remediate && strcmp(c.backend, "rules"))
		remediate = fs_sibling_exe("remediate");
	c.remediate = remediate;

	sbuf_init(&err);
	statedir = state ? xstrdup(state) : fs_state_dir();
	c.statedir = statedir;
	if (dz_open(&g.z, &c, &err, &code))
		sh_die(code, "%s", err.s);
	if (spool)
		spooldir = xstrdup(spool);
	else {
		struct sbuf p;
		sbuf_init(&p);
		sbuf_addf(&p, "%s/spool", statedir);
		spooldir = p.s;
	}
	if (spool_open(&g.sp, spooldir, &err))
		sh_die(EX_CANTCREAT, "%s", err.s);
	if (g.report && fs_mkdirs(g.report) < 0)
		sh_die(EX_CANTCREAT, "%s: %s", g.report, strerror(errno));
	inc_table_init(&g.t, window, 256);

	/* what a killed predecessor left: finish it first */
	struct incident **left;
	int bad, n = spool_load(&g.sp, &left, &bad);
	if (bad)
		sh_warn("%s: %d unreadable spool file%s renamed to *.bad", spooldir,
		    bad, bad == 1 ? "" : "s");
	for (int i = 0; i < n; i++) {
		diagnose_one(&g, left[i]);
		inc_free(left[i]);
	}
	free(left);

	if (!sh_stop)
		run(&g, linecap);
	inc_close_all(&g.t);
	drain(&g);
	sbuf_reset(&err);
	dz_summary(&g.z, &err);
	if (err.len)
		sh_warn("%s", err.s);

	inc_table_release(&g.t);
	sbuf_release(&g.line);
	dz_close(&g.z);
	spool_close(&g.sp);
	free(remediate);
	free(statedir);
	free(spooldir);
	sbuf_release(&err);
	cfg_argv_release();
	return sh_out_close();
}
