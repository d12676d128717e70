/* test_jsonstream.c - multi-line objects, objects on one line, braces in
 * strings, give-up paths. */
#include "unit.h"
#include "jsonstream.h"

#include <string.h>

static char got[4096];

static int
obj(void *arg, const char *t, size_t n)
{
	(void)arg;
	strcat(got, "O[");
	strncat(got, t, n);
	strcat(got, "]");
	return strstr(got, "reject") ? -1 : 0;
}

static void
line(void *arg, const char *t, size_t n)
{
	(void)arg;
	strcat(got, "L[");
	strncat(got, t, n);
	strcat(got, "]");
}

static const char *
run(const char *text, size_t cap)
{
	struct jstream s;
	const char *p = text;

	got[0] = '\0';
	jss_init(&s, cap, obj, line, NULL);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		jss_feed(&s, p, n);
		p += n + (nl ? 1 : 0);
	}
	jss_flush(&s);
	jss_release(&s);
	return got;
}

int
main(void)
{
	T_STR(run("plain\n{\"a\":1}\n", 0), "L[plain]L[{\"a\":1}]",
	    "text and one-line JSON go to the line function unchanged");
	T_STR(run("{\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}\nafter\n", 0),
	    "O[{\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}]L[after]",
	    "a pretty-printed object is collected");
	T_STR(run("{\n \"m\": \"} { \\\" }\"\n}\n", 0),
	    "O[{\n \"m\": \"} { \\\" }\"\n}]", "braces and escaped quotes in strings");
	T_STR(run("{\"a\":1}{\"b\":2}\n", 0), "O[{\"a\":1}]L[{\"b\":2}]",
	    "two objects on one line are split");
	T_STR(run("{\n\"a\":1\n}{\n\"b\":2\n}\n", 0),
	    "O[{\n\"a\":1\n}]O[{\n\"b\":2\n}]", "}{ between pretty objects");
	T_STR(run("{\"a\":1} trailing\n", 0), "L[{\"a\":1} trailing]",
	    "an object followed by text is a text line");
	T_STR(run("{ not json\nnext\n", 0), "L[{ not json]L[next]",
	    "a brace followed by text does not open an object");
	T_STR(run("{\n\"never\": \"closed\nx\n", 0),
	    "L[{]L[\"never\": \"closed]L[x]",
	    "an unfinished object at the end: its lines, one by one");
	T_STR(run("{\n\"a\": \"0123456789\",\n\"b\": 1\n}\n", 16),
	    "L[{]L[\"a\": \"0123456789\",]L[\"b\": 1]L[}]",
	    "an object beyond the cap: its lines, one by one");
	T_STR(run("{\"a\":\"0123456789\"}{\"b\":2}\n", 16),
	    "L[{\"a\":\"0123456789\"}{\"b\":2}]",
	    "a line longer than the cap is not split: no object beyond the cap");
	T_STR(run("{\"a\":\"0123456789\",\n\"b\":1\n}\n", 16),
	    "L[{\"a\":\"0123456789\",]L[\"b\":1]L[}]",
	    "nor buffered when it opens an object");
	T_STR(run("{\n\"reject\": 1\n}\n", 0), "O[{\n\"reject\": 1\n}]L[{]L[\"reject\": 1]L[}]",
	    "an object the caller rejects: its lines, one by one");
	return t_done();
}
