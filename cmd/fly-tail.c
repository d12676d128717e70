/* fly-tail - write every log line of the watched Fly apps as `log` records:
 * from Fly's NATS log stream (the default), the HTTP log API (--api),
 * machine events (--events), `fly logs` output or files (-, FILE, -F FILE),
 * several at once. What a NATS disconnect, a stall or a slow consumer may
 * have lost is back-filled from the log API (de-duplicated), or reported
 * as a `gap` record when that is impossible. The engine is src/tail.c;
 * this file turns options into its configuration. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "natsrc.h"
#include "reader.h"
#include "statefile.h"
#include "tail.h"
#include "textfmt.h"
#include "timefmt.h"
#include "token.h"
#include "util.h"

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: fly-tail [-hv] [-a app]... [-F file]... [-i machine] "
	    "[-l bytes] [-o org] [-r region]\n"
	    "                [--api] [--api-url url] [--config file] [--dedup n] "
	    "[--events]\n"
	    "                [--events-interval dur] [--format json|text]\n"
	    "                [--machines-url url] [--nats url] [--no-nats] "
	    "[--pending n]\n"
	    "                [--queue group] [--replay dur] [--since dur|time] "
	    "[--stall dur]\n"
	    "                [--state dir] [--token-file file] [--version] "
	    "[- | file ...]\n");
	exit(code);
}

static void
number(const char *s, long lo, long hi, long *out)
{
	if (sh_parse_long(s, lo, hi, out))
		usage(SH_EX_USAGE);
}

static void
duration(const char *s, int64_t min, int64_t *ms)
{
	if (sh_parse_duration_ms(s, ms) || *ms < min)
		usage(SH_EX_USAGE);
}

int
main(int argc, char *argv[])
{
	enum { O_API = 256, O_APIURL, O_DEDUP, O_EVENTS, O_EVINT, O_FORMAT,
		O_MURL, O_NATS, O_NONATS, O_PENDING, O_QUEUE, O_REPLAY, O_SINCE,
		O_STALL,
		O_STATE, O_TOKFILE, O_VERSION };
	static const struct option opts[] = {
		{ "api", no_argument, NULL, O_API },
		{ "api-url", required_argument, NULL, O_APIURL },
		{ "app", required_argument, NULL, 'a' },
		{ "dedup", required_argument, NULL, O_DEDUP },
		{ "events", no_argument, NULL, O_EVENTS },
		{ "events-interval", required_argument, NULL, O_EVINT },
		{ "follow", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "instance", required_argument, NULL, 'i' },
		{ "machine", required_argument, NULL, 'i' },
		{ "machines-url", required_argument, NULL, O_MURL },
		{ "max-line", required_argument, NULL, 'l' },
		{ "nats", required_argument, NULL, O_NATS },
		{ "no-nats", no_argument, NULL, O_NONATS },
		{ "org", required_argument, NULL, 'o' },
		{ "pending", required_argument, NULL, O_PENDING },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "region", required_argument, NULL, 'r' },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "since", required_argument, NULL, O_SINCE },
		{ "stall", required_argument, NULL, O_STALL },
		{ "state", required_argument, NULL, O_STATE },
		{ "token-file", required_argument, NULL, O_TOKFILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	static const char *apps[TAIL_MAXAPPS], *follow[TAIL_MAXFOLLOW];
	struct tail_opts o = { .apps = apps, .follow = follow,
		.nats_url = "nats://[fdaa::3]:4223", .nats = -1, .stall_ms = 60000,
		.events_ms = 15000, .pending = 65536, .window = 65536,
		.linecap = RD_DEFAULT_LINECAP };
	static struct token tok;
	const char *tokfile = NULL;
	char err[512], subj[512];
	struct tail *t;
	int ch, code;
	long v;
	int64_t d;

	sh_init(argv[0]);
	sh_set_msg_filter(tok_msg_filter);
	o.since_ns = sh_time_now();
	/* [global] and [fly-tail] of the configuration file come first, so
	 * the command line overrides them */
	cfg_argv(&argc, &argv, "fly-tail", "a:F:hi:l:o:r:v", opts);
	while ((ch = getopt_long(argc, argv, "a:F:hi:l:o:r:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (o.napps == TAIL_MAXAPPS || ns_subject(subj, sizeof subj,
			    optarg, NULL, NULL) < 0)
				usage(SH_EX_USAGE);
			apps[o.napps++] = optarg;
			break;
		case 'F':
			if (o.nfollow == TAIL_MAXFOLLOW)
				usage(SH_EX_USAGE);
			follow[o.nfollow++] = optarg;
			break;
		case 'h': usage(0); break;
		case 'i': o.instance = optarg; break;
		case 'l':
			number(optarg, 256, RD_MAX_LINECAP, &v);
			o.linecap = (size_t)v;
			break;
		case 'o': o.org = optarg; break;
		case 'r': o.region = optarg; break;
		case 'v': o.verbose = 1; break;
		case O_API: o.api = 1; break;
		case O_APIURL: o.api_url = optarg; break;
		case O_DEDUP: number(optarg, 16, 1L << 26, &o.window); break;
		case O_EVENTS: o.events = 1; break;
		case O_EVINT: duration(optarg, 1000, &o.events_ms); break;
		case O_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				usage(SH_EX_USAGE);
			o.text = !strcmp(optarg, "text");
			break;
		case O_MURL: o.machines_url = optarg; break;
		case O_NATS: o.nats_url = optarg; o.nats = 1; break;
		case O_NONATS: o.nats = 0; break;
		case O_PENDING: number(optarg, 1, 1L << 24, &o.pending); break;
		case O_QUEUE: o.queue = optarg; break;
		case O_REPLAY:
			duration(optarg, 0, &d);
			o.replay_ns = d * 1000000;
			break;
		case O_SINCE:
			if (sh_parse_duration_ms(optarg, &d) == 0)
				o.since_ns -= d * 1000000;
			else if (sh_time_parse(optarg, strlen(optarg), &o.since_ns,
			    NULL) != (int)strlen(optarg))
				usage(SH_EX_USAGE);
			break;
		case O_STALL: duration(optarg, 0, &o.stall_ms); break;
		case O_STATE: o.state = optarg; break;
		case O_TOKFILE: tokfile = optarg; break;
		case O_VERSION:
			printf("fly-tail %s\n", SELFHEAL_VERSION);
			return 0;
		default: usage(SH_EX_USAGE);
		}
	}
	o.files = argv + optind;
	o.nfiles = argc - optind;
	if (o.nats < 0)
		o.nats = !o.api && !o.nfiles && !o.nfollow;
	if ((o.api || o.events) && !o.napps)
		sh_die(SH_EX_USAGE, "--api and --events need --app");
	if (o.nats && !ns_url_ok(o.nats_url))
		sh_die(SH_EX_USAGE, "--nats: not a nats:// URL: \"%s\"", o.nats_url);
	if (o.queue && !o.nats)
		sh_die(SH_EX_USAGE, "--queue is for the NATS source");
	if (o.state && sf_dir(o.state) < 0)
		sh_die(SH_EX_CONFIG, "%s: %s", o.state, strerror(errno));
	switch (tok_load(&tok, tokfile, err, sizeof err)) {
	case -1: sh_die(SH_EX_CONFIG, "token: %s", err);
	case 1: tok_global = o.tok = &tok; break;
	}
	o.color = o.text && tf_want_color();
	/* records leave in 64 KiB writes (glibc ignores the size without a
	 * buffer), into a pipe of 1 MiB when it is one: fewer stalls between
	 * fly-tail and the next stage under load */
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	fcntl(1, F_SETPIPE_SZ, 1 << 20);
	/* messages are allocated on libnats' reader thread and freed on its
	 * collector thread: keep their arena from shrinking and growing again
	 * (an mprotect each time) */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 4 << 20);

	if (!(t = tail_open(&o, &code, err, sizeof err)))
		sh_die(code, "%s", err);
	/* a live source never ends by itself: end when the reader has gone
	 * (`fly-tail | head`), not at the next line, which may not come */
	sh_out_watch();
	tail_run(t);
	code = tail_close(t);
	tok_release(&tok);
	cfg_argv_release();
	sh_out_close();
	return code;
}
