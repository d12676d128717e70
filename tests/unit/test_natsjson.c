/* test_natsjson.c - the fast NATS JSON decoder agrees with lr_decode
 * (cJSON) on every input it accepts, and declines what it should. */
#include "unit.h"
#include "logrec.h"
#include "natsjson.h"

#include <stdlib.h>
#include <string.h>

static struct logrec a, b;
static struct sbuf ja, jb;

/* 1: decoded the same; 0: declined; -1: decoded differently */
static int
same(const char *s, size_t n)
{
	if (nj_decode(&a, s, n) < 0)
		return 0;
	lr_decode(&b, s, n);
	sbuf_reset(&ja);
	sbuf_reset(&jb);
	lr_to_json(&a, &ja);
	lr_to_json(&b, &jb);
	if (strcmp(ja.s, jb.s)) {
		printf("# fast: %s\n# cJSON: %s\n", ja.s, jb.s);
		return -1;
	}
	return 1;
}

#define FLY(msg) "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":" \
	"\"148ed193b95e89\",\"name\":\"shop\"},\"region\":\"iad\"},\"host\":\"0ad1\"," \
	"\"log\":{\"level\":\"info\"},\"message\":" msg ",\"timestamp\":" \
	"\"2026-11-28T03:45:13.123456789Z\"}"

int
main(int argc, char **argv)
{
	static const char *const yes[] = {
		FLY("\"panic: runtime error: index out of range [5] with length 3\""),
		FLY("\"escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t end\""),
		FLY("\"unicode \\u00e9 \\u4e2d \\ud83d\\ude00 raw é\""),
		FLY("\"trailing newline\\n\""),
		FLY("\"\\u001b[31mred\\u001b[0m text\""),
		FLY("\"\""),
		/* invalid UTF-8 becomes U+FFFD on both paths (fuzz_natsjson) */
		FLY("\"bad \xff\xfe utf8 \xe2\x82 cut \xc3\""),
		"{ \"message\" : \"spaced\" , \"fly\" : { \"region\" : \"lhr\" } }",
		"{\"fly\":{\"app\":{\"name\":\"x\",\"extra\":[1,2.5e3,{\"a\":null}]}},"
		    "\"message\":\"m\",\"n\":-1.5,\"t\":true,\"f\":false}",
		"{\"message\":\"first\",\"message\":\"second\",\"fly\":{}}",
		"{\"message\":\"bad ts\",\"timestamp\":\"yesterday\",\"fly\":{}}",
		"{\"message\":\"long app\",\"fly\":{\"app\":{\"name\":\""
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "\"}}}",
		/* duplicates: the first member counts, also an empty one, and
		 * only the first "fly" object is read (fuzz_natsjson) */
		"{\"fly\":{\"region\":\"\",\"region\":\"x\"},\"message\":\"m\","
		    "\"fly\":{\"app\":{\"name\":\"y\"}},\"timestamp\":\"\","
		    "\"timestamp\":\"2026-11-28T03:45:13Z\"}",
		"{\"fly\":1,\"fly\":{\"region\":\"x\"},\"message\":\"m\"}",
		"{\"message\":\"n\",\"fly\":{},\"v\":[-0.5e+3,0,1E9,true,null]}",
	};
	static const char *const no[] = {
		"{\"type\":\"log\",\"msg\":\"a record\"}",
		"{\"message\":\"no fly member\"}",
		"{\"message\":42,\"fly\":{}}",
		"{\"message\":\"cut",
		"{\"message\":\"x\",\"fly\":{}} trailing",
		"not json",
		"{\"message\":\"lone \\ud800 surrogate\",\"fly\":{}}",
		"{\"message\":\"raw\ttab\",\"fly\":{}}",
		"{\"message\":\"x\",\"fly\":{},\"v\":nope}",
		/* what cJSON reads differently or refuses (fuzz_natsjson) */
		"{\"message\":\"x\",\"fly\":{},\"n\":-fly}",
		"{\"message\":\"x\",\"fly\":{},\"n\":1true}",
		"\n{\"message\":\"x\",\"fly\":{}}",
		"{\"message\":\"a\\u0000b\",\"fly\":{}}",
		"{\"mess\\u0061ge\":\"a\",\"message\":\"b\",\"fly\":{}}",
	};

	lr_init(&a);
	lr_init(&b);
	sbuf_init(&ja);
	sbuf_init(&jb);
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		T_OK(same(yes[i], strlen(yes[i])) == 1, "decoded like lr_decode: %.50s",
		    yes[i] + (strlen(yes[i]) > 200 ? 150 : 0));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		T_OK(same(no[i], strlen(no[i])) == 0, "declined: %.40s", no[i]);

	/* a corpus (bench/gen-corpus.c --format nats), if given */
	if (argc > 1) {
		FILE *f = fopen(argv[1], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		long ok = 0, declined = 0, bad = 0;
		while (f && (n = getline(&line, &cap, f)) > 0) {
			if (line[n - 1] == '\n')
				n--;
			int rc = same(line, (size_t)n);
			rc == 1 ? ok++ : rc == 0 ? declined++ : bad++;
		}
		if (f)
			fclose(f);
		free(line);
		T_OK(bad == 0 && ok > 0, "corpus: %ld the same, %ld declined, %ld differ",
		    ok, declined, bad);
	}
	lr_release(&a);
	lr_release(&b);
	sbuf_release(&ja);
	sbuf_release(&jb);
	return t_done();
}
