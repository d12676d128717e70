/* remediate - the only part of selfheal that changes anything. With no
 * verb it reads `diagnosis` records and writes one `action` record per
 * decision (dry-run unless --apply), under a policy, into an audit log;
 * other records pass through. As a wrapped CLI each verb (machines,
 * status, events, releases; restart, start, memory, rollback, notify)
 * prints JSON; `tools` prints the verbs as LLM tool definitions and `mcp`
 * serves them over MCP on stdio. The verbs come from one table (verbs.h);
 * the decisions from engine.h. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "engine.h"
#include "fsutil.h"
#include "json.h"
#include "jsonout.h"
#include "machines.h"
#include "mcp.h"
#include "notify.h"
#include "policy.h"
#include "reader.h"
#include "rpipe.h"
#include "rstate.h"
#include "config.h"
#include "ghhook.h"
#include "textfmt.h"
#include "token.h"
#include "verbs.h"

#include <cjson/cJSON.h>

enum { O_APPLY = 256, O_AUDIT, O_FORMAT, O_MURL, O_NURL, O_POLICY, O_STATE,
	O_VERIFY, O_VERSION, O_WAIT, O_READONLY, O_REPO, O_REMOTE, O_GHURL,
	O_GHREPO, O_READY, O_MAXTIME, O_PARAM = 512 };

struct opts {
	int apply, readonly, ready;
	struct rpipe_out out;   /* --format text, colour */
	const char *repo, *remote, *ghurl, *ghrepo;   /* github.pr, .issue */
	const char *audit, *format, *murl, *nurl, *policy, *state;
	int64_t verify_ms, max_time_ms;     /* --max-time: 0, the clients' */
	int wait_s;
	size_t linecap;
	cJSON *args;            /* verb arguments from options */
};

static void
usage(int code)
{
	struct sbuf u;

	sbuf_init(&u);
	vb_usage(&u, "       ");
	fprintf(code ? stderr : stdout,
	    "usage: remediate [-h] [--apply] [--audit file] [--format json|text] "
	    "[-l bytes]\n"
	    "                 [--machines-url url] [--notify-url url] "
	    "[--policy file]\n"
	    "                 [--max-time duration] [--state dir] [--verify secs] "
	    "[--wait secs]\n"
	    "                 [--config file] [--repo dir] [--remote name] "
	    "[--github-url url]\n"
	    "                 [--github-repo owner/repo] [--ready]\n"
	    "%s"
	    "       remediate tools [--format openai|anthropic|mcp|markdown] "
	    "[--read-only]\n"
	    "       remediate mcp [--apply] [--policy file] [--state dir] "
	    "[--audit file]\n"
	    "       remediate policy [--policy file] [--app name]\n"
	    "       remediate --version\n", u.s);
	sbuf_release(&u);
	exit(code);
}

/* The common options (NULL-terminated); options() adds the verbs'. */
static const struct option common[] = {
	{ "apply", no_argument, NULL, O_APPLY },
	{ "audit", required_argument, NULL, O_AUDIT },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "github-repo", required_argument, NULL, O_GHREPO },
	{ "github-url", required_argument, NULL, O_GHURL },
	{ "help", no_argument, NULL, 'h' },
	{ "machines-url", required_argument, NULL, O_MURL },
	{ "max-line", required_argument, NULL, 'l' },
	{ "max-time", required_argument, NULL, O_MAXTIME },
	{ "notify-url", required_argument, NULL, O_NURL },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "read-only", no_argument, NULL, O_READONLY },
	{ "ready", no_argument, NULL, O_READY },
	{ "remote", required_argument, NULL, O_REMOTE },
	{ "repo", required_argument, NULL, O_REPO },
	{ "state", required_argument, NULL, O_STATE },
	{ "verify", required_argument, NULL, O_VERIFY },
	{ "version", no_argument, NULL, O_VERSION },
	{ "wait", required_argument, NULL, O_WAIT },
	{ NULL, 0, NULL, 0 },
};

static void
print_json(const cJSON *j)
{
	struct sbuf b;

	sbuf_init(&b);
	jo_tree(&b, j);
	sbuf_addc(&b, '\n');
	sh_out_line(b.s, b.len);
	sbuf_release(&b);
}

static const char *
env_or(const char *v, const char *name)
{
	const char *e = getenv(name);
	return v ? v : e && *e ? e : NULL;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .wait_s = 60, .linecap = RD_DEFAULT_LINECAP };
	const char **pnames;
	struct option *lopts = vb_options(common, O_PARAM, &pnames);
	const char *cmd;
	const struct verb *v = NULL;
	struct token tok = { 0 };
	struct mx mx;
	struct notifier nt;
	struct engine en = { 0 };
	struct gh_hook *gh = NULL;
	struct sbuf err;
	char *statedir = NULL, *auditpath = NULL;
	int ch, rc = 0;
	long lv;

	sh_init(argv[0]);
	o.args = cJSON_CreateObject();
	o.out.color = tf_want_color();
	/* [global] and [remediate] of the configuration file come first, so
	 * the command line overrides them; verb parameters stay on the
	 * command line (an `app` there would turn the pipeline into a verb) */
	cfg_argv(&argc, &argv, "remediate", "hl:", common);
	while ((ch = getopt_long(argc, argv, "hl:", lopts, NULL)) != -1) {
		switch (ch) {
		case 'h': usage(0); break;
		case 'l':
			if (sh_parse_long(optarg, 256, RD_MAX_LINECAP, &lv))
				usage(SH_EX_USAGE);
			o.linecap = (size_t)lv;
			break;
		case O_APPLY: o.apply = 1; break;
		case O_AUDIT: o.audit = optarg; break;
		case O_FORMAT: o.format = optarg; break;
		case O_MAXTIME:
			if (sh_parse_duration_ms(optarg, &o.max_time_ms) ||
			    o.max_time_ms < 1000 || o.max_time_ms > 600000) {
				sh_warn("--max-time: not a duration from 1s to 10m: "
				    "\"%s\"", optarg);
				usage(SH_EX_USAGE);
			}
			break;
		case O_MURL: o.murl = optarg; break;
		case O_NURL: o.nurl = optarg; break;
		case O_POLICY: o.policy = optarg; break;
		case O_READONLY: o.readonly = 1; break;
		case O_READY: o.ready = 1; break;
		case O_REMOTE: o.remote = optarg; break;
		case O_REPO: o.repo = optarg; break;
		case O_GHREPO: o.ghrepo = optarg; break;
		case O_GHURL: o.ghurl = optarg; break;
		case O_STATE: o.state = optarg; break;
		case O_VERIFY:
			if (sh_parse_duration_ms(optarg, &o.verify_ms) ||
			    o.verify_ms > 3600000)
				usage(SH_EX_USAGE);
			break;
		case O_VERSION:
			/* returning from main: free what LeakSanitizer would
			 * otherwise report (a sanitizer build exited non-zero) */
			free(lopts);
			free(pnames);
			cJSON_Delete(o.args);
			printf("remediate %s\n", SELFHEAL_VERSION);
			return sh_out_close();
		case O_WAIT:
			if (sh_parse_long(optarg, 1, 60, &lv))
				usage(SH_EX_USAGE);
			o.wait_s = (int)lv;
			break;
		default:
			if (ch < O_PARAM)
				usage(SH_EX_USAGE);
			if (vb_set_arg(o.args, pnames[ch - O_PARAM], optarg) < 0) {
				sh_warn("--%s: not an integer: \"%s\"",
				    pnames[ch - O_PARAM], optarg);
				usage(SH_EX_USAGE);
			}
		}
	}
	if (argc - optind > 1)
		usage(SH_EX_USAGE);
	cmd = optind < argc ? argv[optind] : NULL;
	if (cmd && strcmp(cmd, "tools") && strcmp(cmd, "mcp") &&
	    strcmp(cmd, "policy") && !(v = vb_find(cmd))) {
		sh_warn("unknown verb \"%s\"", cmd);
		usage(SH_EX_USAGE);
	}
	sbuf_init(&err);
	if (v && vb_check(v, o.args, &err) < 0) {
		sh_warn("%s", err.s);
		usage(SH_EX_USAGE);
	}
	if (!v && cJSON_GetArraySize(o.args) && !(cmd && !strcmp(cmd, "policy") &&
	    cJSON_GetArraySize(o.args) == 1 && js_get_str(o.args, "app")))
		usage(SH_EX_USAGE);
	if (o.format && (!cmd || strcmp(cmd, "tools"))) {
		if (!strcasecmp(o.format, "text"))
			o.out.text = 1;
		else if (strcasecmp(o.format, "json"))
			usage(SH_EX_USAGE);
	}
	free(lopts);
	free(pnames);
	if (cmd && !strcmp(cmd, "tools")) {
		if (vb_tools_text(o.format, o.readonly, &err) < 0)
			usage(SH_EX_USAGE);
		sh_out_line(err.s, err.len);
		cJSON_Delete(o.args);
		sbuf_release(&err);
		return sh_out_close();
	}

	/* the policy, the API, the notifier, the state and the audit log */
	en.pol = o.policy ? pol_load(o.policy, &err) : pol_default();
	if (!en.pol)
		sh_die(SH_EX_CONFIG, "%s", err.s);
	if (cmd && !strcmp(cmd, "policy")) {
		const char *app = js_get_str(o.args, "app");
		const struct pol_app *pa = app ? pol_app(en.pol, app) : NULL;
		if (app && !pa)
			sh_die(SH_EX_UNAVAILABLE, "app \"%s\" is not in the policy", app);
		for (int i = 0; i < en.pol->napps; i++)
			if (!pa || pa == &en.pol->apps[i]) {
				sbuf_reset(&err);
				pol_describe(&en.pol->apps[i], &err);
				sh_out_line(err.s, err.len);
			}
		pol_free(en.pol);
		cJSON_Delete(o.args);
		sbuf_release(&err);
		return sh_out_close();
	}
	char terr[256];
	if (tok_load(&tok, NULL, terr, sizeof terr) < 0)
		sh_die(SH_EX_CONFIG, "%s", terr);
	tok_global = &tok;
	sh_set_msg_filter(tok_msg_filter);
	o.murl = env_or(o.murl, "SELFHEAL_MACHINES_URL");
	o.murl = env_or(o.murl, "FLY_FLAPS_BASE_URL");
	if (o.murl && strncmp(o.murl, "http://", 7) && strncmp(o.murl,
	    "https://", 8))
		sh_die(SH_EX_USAGE, "--machines-url: not an http(s) URL");
	if (mx_init(&mx, o.murl, tok.kind == TOK_NONE ? NULL : &tok) < 0)
		sh_die(SH_EX_OSERR, "cannot initialize libcurl");
	if (nt_init(&nt, env_or(o.nurl, "SELFHEAL_NOTIFY_URL"), &err) < 0)
		sh_die(SH_EX_USAGE, "%s", err.s);
	if (o.max_time_ms)
		mx.fa.http.timeout_ms = nt.http.timeout_ms = (long)o.max_time_ms;
	en.mx = &mx;
	en.nt = &nt;
	en.apply = o.apply;
	en.wait_s = o.wait_s;
	en.verify_ms = o.verify_ms;
	en.source = !cmd ? "pipeline" : !strcmp(cmd, "mcp") ? "mcp" : "cli";
	en.emit = cmd && !strcmp(cmd, "mcp") ? NULL : rpipe_emit;
	en.emit_arg = &o.out;
	en_init(&en);
	if (o.repo || o.ghrepo) {
		struct gh_hook_opts go = { o.repo, o.remote, o.ghurl, o.ghrepo,
			o.ready, (long)o.max_time_ms, en.pol };
		if (!(gh = gh_hook_open(&go, &err)))
			sh_die(SH_EX_CONFIG, "%s", err.s);
		en.github = gh_hook_run;
		en.github_arg = gh;
	}

	if (v && !v->action) {
		cJSON *out = NULL;
		sbuf_reset(&err);
		rc = en_read(&en, v, o.args, &out, &err);
		if (rc)
			sh_warn("%s", err.s);
		else
			print_json(out);
		cJSON_Delete(out);
	} else {
		statedir = o.state ? xstrdup(o.state) : NULL;
		if (!statedir) {
			char *base = fs_state_dir();
			statedir = xmalloc(strlen(base) + 16);
			sprintf(statedir, "%s/remediate", base);
			free(base);
		}
		if (!(en.st = rst_open(statedir, &err)))
			sh_die(SH_EX_IOERR, "%s", err.s);
		if (o.audit) {
			auditpath = xstrdup(o.audit);
		} else {
			auditpath = xmalloc(strlen(statedir) + 16);
			sprintf(auditpath, "%s/audit.ndjson", statedir);
		}
		if (!(en.au = au_open(auditpath, &err)))
			sh_die(SH_EX_IOERR, "audit log: %s: nothing is done", err.s);
		if (en_recover(&en) < 0)
			sh_die(SH_EX_IOERR, "%s: nothing is done", en.err.s);
		if (!cmd || !strcmp(cmd, "mcp")) {
			struct reader *rd = rd_open_stream(0, "<stdin>", o.linecap);
			rc = cmd ? mcp_serve(&en, rd, o.apply) :
			    rpipe_run(&en, rd, &o.out);
			rd_free(rd);
		} else {
			rc = en_verb(&en, v, o.args, NULL);
		}
		if (en.fatal)
			sh_warn("%s: stopped; nothing more is done", en.err.s);
		if (!cmd && (en.diagnoses || en.skipped_input))
			sh_warn("%lu diagnoses: %lu applied, %lu dry-run, %lu denied, "
			    "%lu failed, %lu skipped", en.diagnoses, en.n_applied,
			    en.n_dryrun, en.n_denied, en.n_failed, en.n_skipped);
	}
	en_release(&en);
	gh_hook_close(gh);
	rst_close(en.st);
	au_close(en.au);
	nt_release(&nt);
	mx_release(&mx);
	pol_free(en.pol);
	tok_global = NULL;
	tok_release(&tok);
	cJSON_Delete(o.args);
	free(statedir);
	free(auditpath);
	sbuf_release(&err);
	cfg_argv_release();
	if (sh_out_close() && !rc)
		rc = SH_EX_IOERR;
	return rc;
}
