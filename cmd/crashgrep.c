/* crashgrep - find crashes in log streams with PCRE2 rules and write one
 * `crash` record per crash (multi-line crashes assembled per instance);
 * records of other types pass through, other lines are dropped unless -a.
 * The engine is src/scan.c; this file is options, rules and files. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "reader.h"
#include "rules.h"
#include "scan.h"
#include "textfmt.h"
#include "util.h"

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: crashgrep [-aeq] [-B lines] [-l bytes] [-r rules]... "
	    "[--app name]\n"
	    "                 [--config file] [--format json|text] "
	    "[--no-builtin] [--idle ms]\n"
	    "                 [--hold ms] [--stats] [file ...]\n"
	    "       crashgrep --list | --test [-r rules]... [--no-builtin]\n");
	exit(code);
}

static void
list_rules(const struct ruleset *rs)
{
	for (int i = 0; i < rs->n; i++) {
		const struct rule *r = rs->r[i];
		printf("%-28s %-12s %-8s %2d  %s:%d\n", r->name, r->category,
		    r->severity, r->priority, r->file, r->line);
	}
}

int
main(int argc, char *argv[])
{
	enum { O_APP = 256, O_LIST, O_TEST, O_NOBUILTIN, O_IDLE, O_PORTABLE,
		O_VERSION, O_HOLD, O_FORMAT, O_STATS };
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "app", required_argument, NULL, O_APP },
		{ "context", required_argument, NULL, 'B' },
		{ "exit-status", no_argument, NULL, 'e' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "idle", required_argument, NULL, O_IDLE },
		{ "list", no_argument, NULL, O_LIST },
		{ "max-line", required_argument, NULL, 'l' },
		{ "no-builtin", no_argument, NULL, O_NOBUILTIN },
		{ "portable", no_argument, NULL, O_PORTABLE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rules", required_argument, NULL, 'r' },
		{ "stats", no_argument, NULL, O_STATS },
		{ "test", no_argument, NULL, O_TEST },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct scan_opts so = { .asm_opts = { .context = 20, .idle_ms = 1000,
		.hold_ms = 5000 } };
	struct asm_opts *ao = &so.asm_opts;
	struct scanner *g;
	struct ruleset *rs;
	char **user = NULL;
	int nuser = 0, list = 0, test = 0, nobuiltin = 0, portable = 0;
	int exitstatus = 0, quiet = 0, status = 0, ch, code;
	long v;
	struct sbuf err;

	sh_init(argv[0]);
	so.color = tf_want_color();
	/* [global] and [crashgrep] of the configuration file come first, so
	 * the command line overrides them */
	cfg_argv(&argc, &argv, "crashgrep", "aB:ehl:qr:", opts);
	while ((ch = getopt_long(argc, argv, "aB:ehl:qr:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': so.all = 1; break;
		case 'B':
			if (sh_parse_long(optarg, 0, 1000, &v))
				usage(SH_EX_USAGE);
			ao->context = (int)v;
			break;
		case 'e': exitstatus = 1; break;
		case 'h': usage(0); break;
		case 'l':
			if (sh_parse_long(optarg, 256, RD_MAX_LINECAP, &v))
				usage(SH_EX_USAGE);
			so.linecap = (size_t)v;
			break;
		case 'q': quiet = 1; break;
		case 'r':
			user = xrealloc(user, (size_t)(nuser + 1) * sizeof *user);
			user[nuser++] = optarg;
			break;
		case O_APP: so.app = optarg; break;
		case O_FORMAT:
			if (!strcmp(optarg, "text") || !strcmp(optarg, "json"))
				so.text = !strcmp(optarg, "text");
			else
				usage(SH_EX_USAGE);
			break;
		case O_HOLD:
			if (sh_parse_duration_ms(optarg, &ao->hold_ms))
				usage(SH_EX_USAGE);
			break;
		case O_IDLE:
			if (sh_parse_duration_ms(optarg, &ao->idle_ms))
				usage(SH_EX_USAGE);
			break;
		case O_LIST: list = 1; break;
		case O_NOBUILTIN: nobuiltin = 1; break;
		case O_PORTABLE: portable = 1; break;
		case O_STATS: so.stats = 1; break;
		case O_TEST: test = 1; break;
		case O_VERSION:
			printf("crashgrep %s\n", SELFHEAL_VERSION);
			return 0;
		default: usage(SH_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	/* files, a person watching: show progress unless -q */
	so.progress = argc > 0 && !quiet && isatty(2) && !so.stats;

	sbuf_init(&err);
	rs = rs_new();
	code = 0;
	if (rs_load_all(rs, user, nuser, nobuiltin, &err, &code))
		;
	else if (rs->n == 0 && (code = SH_EX_NOINPUT))
		sbuf_adds(&err, "no rules loaded");
	else if (rs_finish(rs, portable, &err))
		code = SH_EX_SOFTWARE;
	if (code) {
		sh_warn("%s", err.s);
		rs_free(rs);
		sbuf_release(&err);
		free(user);
		cfg_argv_release();
		return code;
	}
	if (list || test) {
		int fails = 0, nex = 0;
		if (list) {
			list_rules(rs);
		} else {
			fails = rs_test(rs);
			for (int i = 0; i < rs->n; i++)
				nex += rs->r[i]->nex;
			printf("%d rules, %d examples: %d failed\n", rs->n, nex,
			    fails);
		}
		rs_free(rs);
		sbuf_release(&err);
		free(user);
		cfg_argv_release();
		sh_out_close();
		return fails ? 1 : 0;
	}
	if (rs->nunfiltered)
		sh_warn("%d pattern(s) without a literal: every line is matched "
		    "(slow); see crashgrep --test", rs->nunfiltered);

	/* most input lines are dropped: without a reader we could read a
	 * live stream for ever; end (141) as soon as it is gone */
	sh_out_watch();
	g = scan_new(rs, &so);
	if (argc == 0 && scan_fd(g, 0, "<stdin>"))
		status = SH_EX_IOERR;
	for (int i = 0; i < argc && !sh_stop; i++) {
		if (!strcmp(argv[i], "-")) {
			if (scan_fd(g, 0, "<stdin>"))
				status = SH_EX_IOERR;
			continue;
		}
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			sh_warn("%s: %s", argv[i], strerror(errno));
			status = SH_EX_NOINPUT;
			continue;
		}
		if (scan_fd(g, fd, argv[i]))
			status = SH_EX_IOERR;
		close(fd);
	}
	if (so.stats)
		scan_stats(g, stderr);
	if (!status && exitstatus && scan_crashes(g) == 0)
		status = SH_EX_NONE;
	scan_free(g);
	sbuf_release(&err);
	free(user);
	rs_free(rs);
	cfg_argv_release();
	sh_out_close();
	return status;
}
