/*
 * natscount - the baseline for bench/fly-tail-nats.sh: a plain libnats
 * subscriber that only counts messages, or a counter of lines on stdin
 * (what fly-tail writes). Either way it stops after N and prints
 *
 *   <N> msgs in <seconds> s: <rate> msgs/s
 *
 * measured from the first message to the Nth.
 *
 *   cc -O2 -o natscount bench/natscount.c $(pkg-config --cflags --libs libnats)
 *   natscount URL SUBJECT N     (subscriber)
 *   natscount - N               (lines on stdin)
 *   natscount ... -t SECONDS    (give up after SECONDS without progress)
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
report(long n, double t0, double t1)
{
	double d = t1 - t0;
	printf("%ld msgs in %.3f s: %.0f msgs/s\n", n, d, d > 0 ? n / d : 0.0);
}

static int
count_stdin(long want, double idle)
{
	static char buf[1 << 20];
	long n = 0;
	double t0 = 0, t1 = 0, last = now();
	ssize_t k;

	while (n < want && (k = read(0, buf, sizeof buf)) > 0) {
		for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + k - p)));
		    p++) {
			if (n++ == 0)
				t0 = now();
		}
		t1 = last = now();
		(void)idle;
	}
	report(n, t0, t1);
	return n >= want ? 0 : 1;
}

int
main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	natsMsg *m = NULL;
	double idle = 10, t0 = 0, t1 = 0;
	long want, n = 0;

	if (argc > 2 && !strcmp(argv[argc - 2], "-t")) {
		idle = atof(argv[argc - 1]);
		argc -= 2;
	}
	if (argc == 3 && !strcmp(argv[1], "-"))
		return count_stdin(atol(argv[2]), idle);
	if (argc != 4) {
		fprintf(stderr, "usage: natscount URL SUBJECT N | natscount - N\n");
		return 64;
	}
	want = atol(argv[3]);
	if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK ||
	    natsConnection_SubscribeSync(&sub, nc, argv[2]) != NATS_OK ||
	    natsSubscription_SetPendingLimits(sub, -1, -1) != NATS_OK ||
	    natsConnection_Flush(nc) != NATS_OK) {
		fprintf(stderr, "natscount: cannot subscribe\n");
		return 69;
	}
	printf("ready\n");
	fflush(stdout);
	while (n < want) {
		natsStatus s = natsSubscription_NextMsg(&m, sub,
		    (int64_t)(idle * 1000));
		if (s != NATS_OK)
			break;
		if (n++ == 0)
			t0 = now();
		t1 = now();
		natsMsg_Destroy(m);
	}
	report(n, t0, t1);
	natsSubscription_Destroy(sub);
	natsConnection_Destroy(nc);
	return n >= want ? 0 : 1;
}
