/* test_fingerprint - the same crash on another instance, at another time,
 * with other addresses and line numbers gets the same fingerprint;
 * different crashes get different ones (docs/fingerprint.md). */
#include <ctype.h>
#include <stdlib.h>

#include "fingerprint.h"
#include "unit.h"

static char norm_buf[1024];

static const char *
norm(const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	fp_normalize(s, strlen(s), &b);
	snprintf(norm_buf, sizeof norm_buf, "%s", b.s ? b.s : "");
	sbuf_release(&b);
	return norm_buf;
}

struct crash {
	const char *rule, *title;
	const char *frames[3];
};

static void
fp(const struct crash *c, char *out)
{
	size_t fl[3];
	int nf = 0;
	for (; nf < 3 && c->frames[nf]; nf++)
		fl[nf] = strlen(c->frames[nf]);
	fp_compute(c->rule, c->title, strlen(c->title), c->frames, fl, nf, out);
}

static void
same(const struct crash *a, const struct crash *b, const char *what)
{
	char x[20], y[20];
	fp(a, x);
	fp(b, y);
	T_OK(!strcmp(x, y), "same fingerprint: %s", what);
}

static void
differ(const struct crash *a, const struct crash *b, const char *what)
{
	char x[20], y[20];
	fp(a, x);
	fp(b, y);
	T_OK(strcmp(x, y) != 0, "different fingerprints: %s", what);
}

int
main(void)
{
	/* normalization, as documented */
	T_STR(norm("id 4f1c2a9e-0b7d-4c1e-9a55-2f0e6c3b8d11 gone"), "id <uuid> gone",
	    "a UUID");
	T_STR(norm("arg 0xc000010000, pc=0x4a1b2c +0x1d"), "arg 0x?, pc=0x? +0x?",
	    "hex numbers");
	T_STR(norm("machine 148ed193b95e89 and fa31a9e5"), "machine <hex> and <hex>",
	    "machine ids, 14 and 8 hex digits");
	T_STR(norm("commit 9fceb02d0ae598e95dc970b74767f19372d61af8"),
	    "commit <hex>", "a commit id");
	T_STR(norm("index out of range [5] with length 3"),
	    "index out of range [N] with length N", "numbers");
	T_STR(norm("/app/internal/pricing/sync.go:142"),
	    "/app/internal/pricing/sync.go:N", "a line number");
	T_STR(norm("took 3.25s at 2026-11-28T03:45:13.123Z"), "took Ns at N-N-NTN:N:NZ",
	    "decimals and a timestamp");
	T_STR(norm("open /tmp/go-build123/b001/exe/app: denied"),
	    "open /tmp/<tmp>: denied", "a /tmp path");
	T_STR(norm("dial unix /var/tmp/x.sock: refused"),
	    "dial unix /var/tmp/<tmp>: refused", "a /var/tmp path");
	T_STR(norm("KeyError: 'DATABASE_URL'"), "KeyError: 'DATABASE_URL'",
	    "words stay");
	T_STR(norm("decade deadbeef"), "decade deadbeef",
	    "hex-looking words without digits stay");
	T_STR(norm(""), "", "empty");
	{
		/* hostile bytes: no crash, output bounded by input size * 6 */
		char s[256];
		for (int i = 0; i < 255; i++)
			s[i] = (char)(i + 1);
		s[255] = '\0';
		struct sbuf b;
		sbuf_init(&b);
		fp_normalize(s, 255, &b);
		T_OK(b.len > 0 && b.len <= 255 * 6, "all byte values normalize");
		sbuf_release(&b);
	}

	/* a Go panic on two machines, days apart */
	struct crash go1 = { "go.panic",
		"runtime error: index out of range [5] with length 3",
		{ "github.com/acme/shop/internal/pricing.(*Sync).apply(0xc0001a2000, "
		  "{0xc000312000, 0x3, 0x4})",
		  "github.com/acme/shop/internal/pricing.Run(0xc000010000)",
		  "main.main()" } };
	struct crash go2 = { "go.panic",
		"runtime error: index out of range [7] with length 2",
		{ "github.com/acme/shop/internal/pricing.(*Sync).apply(0xc00099e000, "
		  "{0xc000aa1000, 0x2, 0x2})",
		  "github.com/acme/shop/internal/pricing.Run(0xc000a20000)",
		  "main.main()" } };
	same(&go1, &go2, "Go panic, other index, other addresses");
	struct crash go3 = go1;
	go3.frames[0] = "github.com/acme/shop/internal/cart.(*Cart).add(0xc0001a2000)";
	differ(&go1, &go3, "Go panic with another top frame");
	struct crash go4 = go1;
	go4.title = "runtime error: invalid memory address or nil pointer dereference";
	differ(&go1, &go4, "Go panic with another message");
	struct crash go5 = go1;
	go5.rule = "go.fatal";
	differ(&go1, &go5, "same text, another rule");
	struct crash go6 = go1;
	go6.frames[2] = NULL;
	differ(&go1, &go6, "one frame fewer");

	/* frames with file:line (other build, lines moved) */
	struct crash py1 = { "python.traceback", "KeyError: 'DATABASE_URL'",
		{ "File \"/app/api/settings.py\", line 12, in <module>",
		  "File \"/usr/local/lib/python3.12/os.py\", line 714, in __getitem__" } };
	struct crash py2 = { "python.traceback", "KeyError: 'DATABASE_URL'",
		{ "File \"/app/api/settings.py\", line 14, in <module>",
		  "File \"/usr/local/lib/python3.12/os.py\", line 716, in __getitem__" } };
	same(&py1, &py2, "Python traceback, line numbers moved");
	struct crash py3 = py1;
	py3.title = "KeyError: 'REDIS_URL'";
	differ(&py1, &py3, "KeyError of another key");
	struct crash py4 = py1;
	py4.frames[0] = "File \"/app/api/db.py\", line 12, in <module>";
	differ(&py1, &py4, "the same error raised from another file");
	struct crash py5 = { "python.traceback",
		"FileNotFoundError: [Errno 2] No such file or directory: "
		"'/tmp/tmpa8f3k2xz/upload.csv'", { NULL } };
	struct crash py6 = { "python.traceback",
		"FileNotFoundError: [Errno 2] No such file or directory: "
		"'/tmp/tmpq09z1wbb/upload.csv'", { NULL } };
	same(&py5, &py6, "temporary paths");

	/* instance ids, pids, times and addresses in the title */
	struct crash oom1 = { "linux.oom-killed",
		"Out of memory: Killed process 476 (shop) total-vm:1842312kB, "
		"anon-rss:221496kB", { NULL } };
	struct crash oom2 = { "linux.oom-killed",
		"Out of memory: Killed process 1204 (shop) total-vm:1790112kB, "
		"anon-rss:230012kB", { NULL } };
	same(&oom1, &oom2, "OOM kill, other pid and sizes");
	struct crash oom3 = oom1;
	oom3.title = "Out of memory: Killed process 476 (worker) total-vm:1842312kB, "
	    "anon-rss:221496kB";
	differ(&oom1, &oom3, "OOM kill of another process");
	/* a rule without a title capture: the kernel pads its clock to a
	 * fixed width, so the number of blanks changes with uptime */
	struct crash k1 = { "linux.oom-killed",
		"[  321.200563] Out of memory: Killed process 476 (shop)", { NULL } };
	struct crash k2 = { "linux.oom-killed",
		"[   41.700120] Out of memory: Killed process 476 (shop)", { NULL } };
	same(&k1, &k2, "kernel timestamps of another width (uptime)");
	struct crash ex1 = { "fly.exit-code",
		"machine 148ed193b95e89 exited at 2026-11-28T03:45:13Z", { NULL } };
	struct crash ex2 = { "fly.exit-code",
		"machine e784e677f26d58 exited at 2026-12-01T18:02:59.815Z", { NULL } };
	same(&ex1, &ex2, "instance id and time in the title");
	struct crash j1 = { "jvm.uncaught",
		"java.lang.IllegalStateException: job 88213 (invoice.render) failed",
		{ "at com.acme.worker.JobRunner.execute(JobRunner.kt:118)",
		  "at com.acme.worker.JobRunner$$Lambda$123/0x0000000800c4b440.run("
		  "Unknown Source)" } };
	struct crash j2 = { "jvm.uncaught",
		"java.lang.IllegalStateException: job 90017 (invoice.render) failed",
		{ "at com.acme.worker.JobRunner.execute(JobRunner.kt:121)",
		  "at com.acme.worker.JobRunner$$Lambda$131/0x0000000800d1a020.run("
		  "Unknown Source)" } };
	same(&j1, &j2, "JVM trace, other job, lambda ids and lines");
	struct crash u1 = { "app.fatal",
		"session 4f1c2a9e-0b7d-4c1e-9a55-2f0e6c3b8d11 lost", { NULL } };
	struct crash u2 = { "app.fatal",
		"session 0e2d7a11-9c4b-4f0e-8d2a-7b1c6e5f4a30 lost", { NULL } };
	same(&u1, &u2, "UUIDs");
	/* each machine has its own 6PN address; a crash quoting its own
	 * address is still the same crash */
	struct crash v1 = { "go.fatal",
		"listen tcp [fdaa:0:3e2a:a7b:5b:8e01:4c77:2]:8080: bind: address "
		"already in use", { NULL } };
	struct crash v2 = { "go.fatal",
		"listen tcp [fdaa:0:3e2a:a7b:5c:1f02:9a1b:2]:8080: bind: address "
		"already in use", { NULL } };
	same(&v1, &v2, "the machine's own IPv6 (6PN) address");
	struct crash ip1 = { "dep.refused", "dial tcp 10.0.3.17:5432: connect: "
		"connection refused", { NULL } };
	struct crash ip2 = { "dep.refused", "dial tcp 10.0.9.201:5432: connect: "
		"connection refused", { NULL } };
	same(&ip1, &ip2, "IPv4 addresses");

	/* the format */
	{
		char out[20];
		fp(&go1, out);
		int ok = strlen(out) == 18 && !strncmp(out, "f_", 2);
		for (int i = 2; i < 18 && ok; i++)
			ok = isxdigit((unsigned char)out[i]) && !isupper((unsigned char)out[i]);
		T_OK(ok, "fingerprint is f_ and 16 lowercase hex digits (%s)", out);
		char again[20];
		fp(&go1, again);
		T_OK(!strcmp(out, again), "fingerprint is deterministic");
	}
	/* many distinct titles: no collisions */
	{
		enum { N = 2000 };
		static char fps[N][20];
		static const char *const words[] = { "alpha", "bravo", "charlie",
			"delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
			"kilo", "lima", "mike", "november", "oscar", "papa", "quebec",
			"romeo", "sierra", "tango" };
		int dup = 0;
		for (int i = 0; i < N; i++) {
			char title[100];
			snprintf(title, sizeof title, "%sError: %s %s", words[i % 20],
			    words[(i / 20) % 20], words[(i / 400) % 20]);
			fp_compute("t.rule", title, strlen(title), NULL, NULL, 0, fps[i]);
		}
		for (int i = 0; i < N; i++)
			for (int j = i + 1; j < N; j++)
				if (!strcmp(fps[i], fps[j]))
					dup++;
		T_OK(dup == 0, "2000 different titles give 2000 fingerprints");
	}
	return t_done();
}
