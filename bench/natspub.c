/*
 * natspub - publish N Fly-format log messages (shared/reference/
 * fly-platform.md section 1.5) to logs.<app>.<region>.<instance> as fast
 * as the server takes them, over a set of instances, for
 * bench/fly-tail-nats.sh. Messages are about 260 bytes, like Fly's.
 *
 *   cc -O2 -o natspub bench/natspub.c $(pkg-config --cflags --libs libnats)
 *   natspub URL N [instances] [rate]    (rate: msgs/s, 0 = unlimited)
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsOptions *o = NULL;
	static const char *const msgs[] = {
		"GET /api/products?page=2 200 in 12ms",
		"POST /checkout 201 in 87ms user=4411",
		" INFO Starting init (commit: 15238e9)...",
		"2026-11-28T03:45:13.123Z INFO worker: job done id=9123 took=41ms",
		"[  258.930660] Out of memory: Killed process 476 (beam.smp)",
		"could not make HTTP request to instance: connection error: timed out",
	};
	static const char *const regions[] = { "iad", "lhr", "cdg", "sjc" };
	char subj[128], body[512];
	long n, ninst;
	double rate, t0;

	if (argc < 3) {
		fprintf(stderr, "usage: natspub URL N [instances] [rate]\n");
		return 64;
	}
	n = atol(argv[2]);
	ninst = argc > 3 ? atol(argv[3]) : 50;
	rate = argc > 4 ? atof(argv[4]) : 0;
	natsOptions_Create(&o);
	natsOptions_SetURL(o, argv[1]);
	natsOptions_SetSendAsap(o, false);
	natsOptions_SetIOBufSize(o, 1 << 20);
	if (natsConnection_Connect(&nc, o) != NATS_OK) {
		fprintf(stderr, "natspub: cannot connect\n");
		return 69;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		long k = i % ninst;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		char inst[24];
		snprintf(inst, sizeof inst, "%014lx", 0x148ed193b95e00L + k);
		snprintf(subj, sizeof subj, "logs.shop.%s.%s", regions[k % 4], inst);
		int len = snprintf(body, sizeof body,
		    "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":"
		    "\"%s\",\"name\":\"shop\"},\"region\":\"%s\"},\"host\":\"0ad1\","
		    "\"log\":{\"level\":\"info\"},\"message\":\"%s seq=%ld\","
		    "\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}",
		    inst, regions[k % 4], msgs[i % 6], i, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    ts.tv_nsec);
		natsConnection_Publish(nc, subj, body, len);
		if (rate > 0 && (i & 255) == 0) {
			double ahead = (double)i / rate - (now() - t0);
			if (ahead > 0) {
				struct timespec d = { (time_t)ahead,
					(long)((ahead - (time_t)ahead) * 1e9) };
				nanosleep(&d, NULL);
			}
		}
	}
	natsConnection_FlushTimeout(nc, 60000);
	fprintf(stderr, "natspub: %ld msgs in %.3f s\n", n, now() - t0);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	return 0;
}
