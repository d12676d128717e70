/* test_logrec - lr_decode on every input form crashgrep meets (see
 * logrec.h and shared/reference/fly-platform.md sections 1.5, 2.2-2.4, 3),
 * and lr_to_json on hostile bytes. Expected timestamps are absolute
 * (computed independently), not re-derived with sh_time_parse. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#include "flytext.h"
#include "logrec.h"
#include "unit.h"

#define S 1000000000LL

static struct logrec r;

static void
dec(const char *line)
{
	lr_decode(&r, line, strlen(line));
}

static const char *
kind(enum lr_kind k)
{
	static const char *const n[] = { "text", "flytext", "nats", "flyjson",
		"json", "log", "record" };
	return (unsigned)k < 7 ? n[k] : "?";
}

#define KIND(want, what) do { \
	T_OK(r.kind == (want), "%s: kind %s", what, kind(want)); \
	if (r.kind != (want)) printf("#   got kind %s\n", kind(r.kind)); \
} while (0)
#define TS(want, what) do { \
	T_OK(r.ts == (int64_t)(want), "%s: ts", what); \
	if (r.ts != (int64_t)(want)) printf("#   got %lld want %lld\n", \
	    (long long)r.ts, (long long)(want)); \
} while (0)

/* lr_to_json of r parses with cJSON; returns the tree */
static cJSON *
as_json(void)
{
	struct sbuf b;
	sbuf_init(&b);
	lr_to_json(&r, &b);
	cJSON *o = cJSON_ParseWithLength(b.s, b.len);
	if (!o)
		printf("#   not JSON: %s\n", b.s);
	sbuf_release(&b);
	return o;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void
flytext(void)
{
	const char *w;

	/* current flyctl: seconds, Z, no space added after [level] */
	dec("2026-11-28T03:45:13Z app[148ed193b95e89] iad [info]panic: "
	    "runtime error: index out of range [5] with length 3");
	KIND(LR_FLYTEXT, "current format");
	TS(1795837513 * S, "current format");
	T_OK(r.ts_prec == 0, "current format: whole seconds");
	T_STR(r.provider, "app", "current format: provider");
	T_STR(r.instance, "148ed193b95e89", "current format: instance");
	T_STR(r.region, "iad", "current format: region");
	T_STR(r.level, "info", "current format: level");
	T_STR(r.msg.s, "panic: runtime error: index out of range [5] with "
	    "length 3", "current format: message");
	T_STR(r.source, "text", "current format: source");
	T_STR(r.app, "", "current format: no app in the line");

	/* current format: a message starting with a space keeps it
	 * (reference 2.2; contrib/samples/README.md: byte for byte) */
	dec("2024-10-07T11:37:18Z app[2865134a394268] cdg [info] INFO Main "
	    "child exited with signal (with signal 'SIGKILL', core dumped? false)");
	KIND(LR_FLYTEXT, "current format, init line");
	T_STR(r.msg.s, " INFO Main child exited with signal (with signal "
	    "'SIGKILL', core dumped? false)",
	    "current format, init line: the leading space is part of the message");
	dec("2026-11-28T03:48:03Z app[e784e677f26d58] cdg [info]  File "
	    "\"/app/x.py\", line 3");
	T_STR(r.msg.s, "  File \"/app/x.py\", line 3",
	    "current format: two leading spaces are kept");
	dec("2024-10-07T11:37:16Z app[2865134a394268] cdg [info][  258.930660] "
	    "Out of memory: Killed process 476 (beam.smp)");
	T_STR(r.msg.s, "[  258.930660] Out of memory: Killed process 476 "
	    "(beam.smp)", "current format: a kernel line starts with '['");
	dec("2026-11-28T03:45:13Z app[148ed193b95e89] iad [info]");
	KIND(LR_FLYTEXT, "current format, empty message");
	T_OK(r.msg.len == 0, "current format: an empty Go panic line is empty");
	dec("2026-11-28T03:45:13Z app[148ed193b95e89] iad [info]\t/app/main.go:61 +0x2b0");
	T_STR(r.msg.s, "\t/app/main.go:61 +0x2b0",
	    "current format: a TAB-indented frame keeps its TAB");

	/* legacy flyctl: milliseconds, no zone, one space after [level] */
	dec("2022-07-24T23:50:49.829 app[fa31a9e5] ord [info] Making backup");
	KIND(LR_FLYTEXT, "legacy format");
	TS(1658706649 * S + 829000000, "legacy format");
	T_OK(r.ts_prec == 3, "legacy format: milliseconds");
	T_STR(r.instance, "fa31a9e5", "legacy format: 8-hex Nomad instance");
	T_STR(r.region, "ord", "legacy format: region");
	T_STR(r.msg.s, "Making backup", "legacy format: the space after [level] "
	    "is not part of the message");
	dec("2023-11-15T03:55:24.063 app[683d92dce34dd8] lhr [info]  INFO Main "
	    "child exited normally with code: 1");
	T_STR(r.msg.s, " INFO Main child exited normally with code: 1",
	    "legacy format, init line: one leading space remains");
	dec("2023-11-15T03:58:54.789 proxy[2874365a46e318] lhr [error] instance "
	    "refused connection. is your app listening on 0.0.0.0:8080?");
	T_STR(r.provider, "proxy", "legacy proxy line: provider");
	T_STR(r.level, "error", "legacy proxy line: level");
	T_STR(r.msg.s, "instance refused connection. is your app listening on "
	    "0.0.0.0:8080?", "legacy proxy line: message");

	/* ANSI colours as flyctl's aurora writes them, even into pipes */
	dec("\x1b[2m2024-10-07T11:37:18Z\x1b[0m app[2865134a394268] "
	    "\x1b[32mcdg\x1b[0m [\x1b[34minfo\x1b[0m]panic: boom \x1b[1mbold\x1b[0m");
	KIND(LR_FLYTEXT, "ANSI colours");
	TS(1728301038 * S, "ANSI colours");
	T_STR(r.region, "cdg", "ANSI colours: region");
	T_STR(r.level, "info", "ANSI colours: level");
	T_STR(r.msg.s, "panic: boom bold", "ANSI colours: stripped from the "
	    "message too");

	/* error.message="..." before the timestamp replaces the message */
	dec("error.message=\"instance refused connection. is your app listening "
	    "on 0.0.0.0:3000? make sure it is not only listening on 127.0.0.1\" "
	    "2023-12-02T22:27:00Z proxy[328744dbee4e85] sjc [error]"
	    "request.method=\"GET\" request.id=\"01HGPA7F3Q77TZXQE7NZSY5DDX-sjc\"");
	KIND(LR_FLYTEXT, "error.message prefix");
	TS(1701556020 * S, "error.message prefix");
	T_STR(r.msg.s, "instance refused connection. is your app listening on "
	    "0.0.0.0:3000? make sure it is not only listening on 127.0.0.1",
	    "error.message prefix: becomes the message");
	T_STR(r.provider, "proxy", "error.message prefix: provider");
	T_STR(r.instance, "328744dbee4e85", "error.message prefix: instance");
	T_STR(r.level, "error", "error.message prefix: level");
	{
		cJSON *o = as_json();
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "meta");
		T_OK(m && jstr(m, "request.method") &&
		    !strcmp(jstr(m, "request.method"), "GET") &&
		    jstr(m, "request.id") &&
		    !strcmp(jstr(m, "request.id"), "01HGPA7F3Q77TZXQE7NZSY5DDX-sjc"),
		    "error.message prefix: request fields kept as meta");
		cJSON_Delete(o);
	}

	/* fields before the message */
	dec("2024-01-01T00:00:00Z proxy[328744dbee4e85] sjc [error]error.code=1234 "
	    "request.method=\"POST\" request.url=\"/api/x\" response.status=502 "
	    "could not proxy");
	T_STR(r.msg.s, "could not proxy", "fields: removed from the message");
	T_OK(r.nmeta == 4, "fields: four kept (%d)", r.nmeta);
	{
		struct sbuf t;
		sbuf_init(&t);
		flytext_log(&r, &t, 0);
		T_STR(t.s, "2024-01-01T00:00:00Z proxy[328744dbee4e85] sjc [error]"
		    "error.code=1234 request.method=\"POST\" request.url=\"/api/x\" "
		    "response.status=502 could not proxy",
		    "fields: printed again as flyctl prints them");
		sbuf_release(&t);
	}
	/* only as flyctl prints them: numbers bare, strings quoted, then a
	 * blank; anything else is the message */
	dec("2024-01-01T00:00:00Z proxy sjc [error]request.method=\"GET\" "
	    "request.id=0? no");
	T_OK(r.nmeta == 1, "a bare number for request.id is no field (%d)",
	    r.nmeta);
	T_STR(r.msg.s, "request.id=0? no", "... it is the message");
	dec("2024-01-01T00:00:00Z proxy sjc [error]error.code=\"5\" x");
	T_OK(r.nmeta == 0 && !strcmp(r.msg.s, "error.code=\"5\" x"),
	    "a quoted error.code is no field");
	dec("2024-01-01T00:00:00Z proxy sjc [error]request.url=\"/a\"b\" x");
	T_OK(r.nmeta == 0 && !strcmp(r.msg.s, "request.url=\"/a\"b\" x"),
	    "a field not followed by a blank is no field");

	/* bare provider, bare instance */
	dec("2023-12-02T22:27:00Z proxy lhr [warn]could not find an instance to "
	    "route to");
	KIND(LR_FLYTEXT, "bare provider");
	T_STR(r.provider, "proxy", "bare provider: provider");
	T_STR(r.instance, "", "bare provider: no instance");
	T_STR(r.region, "lhr", "bare provider: region");
	dec("2023-12-02T22:27:00Z 328744dbee4e85 lhr [info]hello");
	KIND(LR_FLYTEXT, "bare instance");
	T_STR(r.instance, "328744dbee4e85", "bare instance: instance");
	T_STR(r.provider, "", "bare instance: no provider");
	T_STR(r.msg.s, "hello", "bare instance: message");

	/* looks like it but is not */
	dec("2026-11-28T03:45:13Z something else entirely");
	KIND(LR_TEXT, "timestamp then prose");
	T_STR(r.msg.s, "something else entirely", "timestamp then prose: message "
	    "without the timestamp");
	w = "2026-11-28T03:45:13Z app[148ed193b95e89] iad info no brackets";
	dec(w);
	KIND(LR_TEXT, "no [level]");
}

static void
json_forms(void)
{
	/* Fly NATS JSON (reference 1.5) */
	dec("{\"event\":{\"provider\":\"runner\"},\"fly\":{\"app\":{\"instance\":"
	    "\"0e286551c30586\",\"name\":\"dc-team\"},\"region\":\"sjc\"},\"host\":"
	    "\"0ad1\",\"log\":{\"level\":\"info\"},\"message\":\"machine exited with "
	    "exit code 0, not restarting\",\"timestamp\":\"2026-11-28T03:50:01.690402037Z\"}");
	KIND(LR_NATS, "NATS JSON");
	TS(1795837801 * S + 690402037, "NATS JSON");
	T_OK(r.ts_prec == 9, "NATS JSON: nanoseconds");
	T_STR(r.app, "dc-team", "NATS JSON: app");
	T_STR(r.instance, "0e286551c30586", "NATS JSON: instance");
	T_STR(r.region, "sjc", "NATS JSON: region");
	T_STR(r.provider, "runner", "NATS JSON: provider");
	T_STR(r.level, "info", "NATS JSON: level");
	T_STR(r.msg.s, "machine exited with exit code 0, not restarting",
	    "NATS JSON: message");
	T_STR(r.source, "nats", "NATS JSON: source");
	dec("{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":"
	    "\"6e82d4f0a91c35\",\"name\":\"api\"},\"region\":\"ord\"},\"host\":\"f442\","
	    "\"log\":{\"level\":\"info\"},\"message\":\"  File \\\"/app/api/settings.py"
	    "\\\", line 12, in <module>\\tx\",\"timestamp\":\"2026-11-28T03:50:33.63Z\"}");
	T_STR(r.msg.s, "  File \"/app/api/settings.py\", line 12, in <module>\tx",
	    "NATS JSON: escapes decoded, leading blanks kept");

	/* fly logs --json, compacted with jq -c (reference 2.4) */
	dec("{\"level\":\"info\",\"instance\":\"683d92dce34dd8\",\"message\":\" INFO "
	    "Main child exited normally with code: 1\",\"region\":\"lhr\",\"timestamp\":"
	    "\"2023-11-15T03:55:24.063Z\",\"meta\":{\"Instance\":\"683d92dce34dd8\","
	    "\"Region\":\"lhr\",\"Event\":{\"Provider\":\"app\"},\"HTTP\":{\"Request\":"
	    "{\"ID\":\"\",\"Method\":\"\",\"Version\":\"\"},\"Response\":{\"status_code\":0}},"
	    "\"Error\":{\"Code\":0,\"Message\":\"\"},\"URL\":{\"Full\":\"\"}}}");
	KIND(LR_FLYJSON, "fly logs --json");
	TS(1700020524 * S + 63000000, "fly logs --json");
	T_STR(r.instance, "683d92dce34dd8", "fly logs --json: instance");
	T_STR(r.region, "lhr", "fly logs --json: region");
	T_STR(r.provider, "app", "fly logs --json: provider from meta.Event");
	T_STR(r.msg.s, " INFO Main child exited normally with code: 1",
	    "fly logs --json: message as is");
	dec("{\"level\":\"error\",\"instance\":\"328744dbee4e85\",\"message\":\"\","
	    "\"region\":\"sjc\",\"timestamp\":\"2023-12-02T22:27:00Z\",\"meta\":"
	    "{\"Event\":{\"Provider\":\"proxy\"},\"Error\":{\"Code\":0,\"Message\":"
	    "\"instance refused connection\"}}}");
	T_STR(r.msg.s, "instance refused connection",
	    "fly logs --json: an empty message takes meta.Error.Message");

	/* HTTP log API entry (reference 3): the attributes object */
	dec("{\"timestamp\":\"2023-12-02T22:27:00Z\",\"message\":\"could not find "
	    "a good candidate within 90 attempts at load balancing\",\"level\":"
	    "\"error\",\"instance\":\"328744dbee4e85\",\"region\":\"sjc\",\"meta\":"
	    "{\"instance\":\"328744dbee4e85\",\"region\":\"sjc\",\"event\":{\"provider\":"
	    "\"proxy\"},\"http\":{\"request\":{\"id\":\"\",\"method\":\"\",\"version\":"
	    "\"\"},\"response\":{\"status_code\":0}},\"error\":{\"code\":0,\"message\":"
	    "\"\"},\"url\":{\"full\":\"\"}}}");
	KIND(LR_FLYJSON, "HTTP API entry");
	TS(1701556020 * S, "HTTP API entry");
	T_STR(r.provider, "proxy", "HTTP API entry: provider from meta.event");
	T_STR(r.level, "error", "HTTP API entry: level");
	T_STR(r.msg.s, "could not find a good candidate within 90 attempts at "
	    "load balancing", "HTTP API entry: message");

	/* selfheal log records */
	dec("{\"type\":\"log\",\"ts\":\"2026-11-28T03:45:13.123Z\",\"app\":\"shop\","
	    "\"region\":\"iad\",\"instance\":\"148ed193b95e89\",\"provider\":\"app\","
	    "\"level\":\"info\",\"msg\":\"panic: boom\",\"source\":\"nats\","
	    "\"truncated\":true,\"extra\":{\"x\":1}}");
	KIND(LR_LOG, "log record");
	TS(1795837513 * S + 123000000, "log record");
	T_OK(r.ts_prec == 3, "log record: milliseconds");
	T_STR(r.app, "shop", "log record: app");
	T_STR(r.instance, "148ed193b95e89", "log record: instance");
	T_STR(r.msg.s, "panic: boom", "log record: msg");
	T_STR(r.source, "nats", "log record: source");
	T_OK(r.truncated == 1, "log record: truncated flag");

	/* other record types pass through */
	static const char *const types[] = { "crash", "diagnosis", "action", "gap",
		"something-new" };
	for (int i = 0; i < 5; i++) {
		char line[200];
		snprintf(line, sizeof line, "{\"type\":\"%s\",\"msg\":\"panic: x\","
		    "\"id\":\"c_1\"}", types[i]);
		dec(line);
		T_OK(r.kind == LR_RECORD && !strcmp(r.rtype, types[i]),
		    "a '%s' record is LR_RECORD with its type", types[i]);
	}

	/* Docker json-file */
	dec("{\"log\":\"panic: boom\\n\",\"stream\":\"stderr\",\"time\":"
	    "\"2026-11-28T03:45:13.123456789Z\"}");
	KIND(LR_JSON, "Docker json-file");
	TS(1795837513 * S + 123456789, "Docker json-file");
	T_STR(r.msg.s, "panic: boom", "Docker json-file: the newline is dropped");
	/* other JSON loggers */
	dec("{\"level\":50,\"time\":1700000000000,\"msg\":\"fatal: \\u001b[31mred\\u001b[0m\"}");
	KIND(LR_JSON, "pino JSON");
	T_STR(r.msg.s, "fatal: red", "pino JSON: msg, ANSI colours stripped");
	T_OK(r.ts == 0, "pino JSON: a numeric time is not taken as a timestamp");
	dec("   {\"message\":\"hello\",\"@timestamp\":\"2026-11-28T03:45:13Z\"}");
	KIND(LR_JSON, "indented JSON with @timestamp");
	TS(1795837513 * S, "@timestamp");
	/* JSON without any message field, and broken JSON: text */
	dec("{\"foo\":\"bar\"}");
	KIND(LR_TEXT, "JSON without a message");
	T_STR(r.msg.s, "{\"foo\":\"bar\"}", "JSON without a message: the line is "
	    "the message");
	dec("{\"message\":\"panic: boom\"");
	KIND(LR_TEXT, "malformed JSON");
	T_STR(r.msg.s, "{\"message\":\"panic: boom\"", "malformed JSON: kept "
	    "verbatim as text");
	dec("[1,2,3]");
	KIND(LR_TEXT, "a JSON array");
	{
		/* absurd nesting does not blow the stack */
		char deep[20010];
		memset(deep, '[', 10000);
		deep[0] = '{';
		memcpy(deep + 10000, "x", 2);
		dec(deep);
		KIND(LR_TEXT, "10000 levels of nesting");
	}
	{
		/* over-long fields are cut, not overflowed */
		char line[2000];
		char app[600];
		memset(app, 'a', sizeof app - 1);
		app[sizeof app - 1] = '\0';
		snprintf(line, sizeof line, "{\"type\":\"log\",\"app\":\"%s\","
		    "\"instance\":\"%s\",\"msg\":\"x\"}", app, app);
		dec(line);
		T_OK(r.kind == LR_LOG && strlen(r.app) < sizeof r.app &&
		    strlen(r.instance) < sizeof r.instance && r.app[0] == 'a',
		    "over-long app and instance are cut to their buffers");
	}
}

static void
text_forms(void)
{
	dec("2026-11-28T03:45:13.123456789Z stderr F panic: boom");
	KIND(LR_TEXT, "CRI");
	TS(1795837513 * S + 123456789, "CRI");
	T_STR(r.msg.s, "panic: boom", "CRI: the stream and tag are removed");
	dec("2026-11-28T03:45:13.123456789Z stdout P partial line");
	T_STR(r.msg.s, "partial line", "CRI partial: removed too");
	dec("2026-11-28 03:50:06,196 INFO api.webhooks: delivered");
	KIND(LR_TEXT, "python logging");
	TS(1795837806 * S + 196000000, "python logging");
	T_STR(r.msg.s, "INFO api.webhooks: delivered", "python logging: message "
	    "without the timestamp");
	dec("panic: boom");
	KIND(LR_TEXT, "plain text");
	T_OK(r.ts == 0, "plain text: no timestamp");
	T_STR(r.msg.s, "panic: boom", "plain text: message");
	T_STR(r.source, "text", "plain text: source");
	dec("2026/11/28 03:45:13 go log line");
	T_OK(r.kind == LR_TEXT && r.ts == 0 && !strcmp(r.msg.s,
	    "2026/11/28 03:45:13 go log line"),
	    "Go's log date format is not taken as a timestamp");
	dec("panic: boom\r");
	T_STR(r.msg.s, "panic: boom", "a CR before the newline is dropped");
	lr_decode(&r, "", 0);
	T_OK(r.kind == LR_TEXT && r.msg.len == 0, "an empty line");

	/* invalid UTF-8 becomes U+FFFD (so PCRE2's `.` can cross it), valid
	 * characters stay, and the log record is JSON */
	{
		static const char bad[] = "panic: \xff\xfe caf\xc3 \xc3\xa9 \xed\xa0\x80";
		static const char fixed[] = "panic: \xef\xbf\xbd\xef\xbf\xbd caf"
		    "\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
		lr_decode(&r, bad, sizeof bad - 1);
		T_OK(r.msg.len == sizeof fixed - 1 &&
		    !memcmp(r.msg.s, fixed, r.msg.len),
		    "invalid UTF-8: each bad byte is U+FFFD in the message");
		cJSON *o = as_json();
		const char *m = jstr(o, "msg");
		T_OK(m && !strncmp(m, "panic: \xef\xbf\xbd\xef\xbf\xbd caf\xef\xbf\xbd "
		    "\xc3\xa9 ", 24), "invalid UTF-8: U+FFFD in the record, "
		    "valid characters kept");
		cJSON_Delete(o);
	}
	{
		static const char nul[] = "2026-11-28T03:45:13Z app[148ed193b95e89] "
		    "iad [info]panic: a\0b\0";
		lr_decode(&r, nul, sizeof nul - 1);
		KIND(LR_FLYTEXT, "NUL bytes in fly text");
		T_OK(r.msg.len == 11 && !memcmp(r.msg.s, "panic: a\0b\0", 11),
		    "NUL bytes: kept in the message (%zu bytes)", r.msg.len);
		struct sbuf b;
		sbuf_init(&b);
		lr_to_json(&r, &b);
		T_OK(strlen(b.s) == b.len && strstr(b.s, "a\\u0000b\\u0000"),
		    "NUL bytes: escaped as \\u0000 in the record");
		cJSON *o = cJSON_ParseWithLength(b.s, b.len);
		T_OK(o != NULL, "NUL bytes: the record parses");
		cJSON_Delete(o);
		sbuf_release(&b);
	}
	{
		static const char nul[] = "{\"message\":\"panic\0x\"}";
		lr_decode(&r, nul, sizeof nul - 1);
		cJSON *o = as_json();
		T_OK(o != NULL, "a NUL inside a JSON line: still a valid record");
		cJSON_Delete(o);
	}
}

static void
roundtrip(void)
{
	/* decode fly text, print a log record, decode that: same fields */
	dec("2023-11-15T03:55:24.063 app[683d92dce34dd8] lhr [info] job \"x\"\tdone");
	struct logrec a;
	lr_init(&a);
	struct sbuf b;
	sbuf_init(&b);
	lr_to_json(&r, &b);
	lr_decode(&a, b.s, b.len);
	T_OK(a.kind == LR_LOG && a.ts == r.ts && a.ts_prec == r.ts_prec &&
	    !strcmp(a.instance, r.instance) && !strcmp(a.region, r.region) &&
	    !strcmp(a.level, r.level) && !strcmp(a.provider, r.provider) &&
	    a.msg.len == r.msg.len && !memcmp(a.msg.s, r.msg.s, a.msg.len),
	    "fly text -> log record -> decode keeps every field");
	T_OK(strstr(b.s, "\"ts\":\"2023-11-15T03:55:24.063Z\"") != NULL,
	    "the log record's ts keeps the source precision");
	cJSON *o = cJSON_Parse(b.s);
	T_STR(jstr(o, "type"), "log", "the log record has type log");
	cJSON_Delete(o);
	sbuf_release(&b);
	lr_release(&a);

	/* no timestamp: no ts member */
	dec("just text");
	sbuf_init(&b);
	lr_to_json(&r, &b);
	T_OK(!strstr(b.s, "\"ts\""), "a line without time has no ts member");
	sbuf_release(&b);
}

static void
ansi(void)
{
	char s[128];
	size_t n;

	strcpy(s, "\x1b[1;31mred\x1b[0m \x1b]0;title\x07x \x1b]8;;http://a\x1b\\link"
	    "\x1b]8;;\x1b\\ \x1b[38;5;200mz");
	n = sh_strip_ansi(s, strlen(s));
	T_OK(n == 12 && !memcmp(s, "red x link z", 12),
	    "sh_strip_ansi removes CSI and OSC (BEL and ST ended)");
	strcpy(s, "plain");
	T_OK(sh_strip_ansi(s, 5) == 5 && !memcmp(s, "plain", 5),
	    "sh_strip_ansi leaves plain text alone");
	strcpy(s, "end\x1b[");
	n = sh_strip_ansi(s, strlen(s));
	T_OK(n == 3 && !memcmp(s, "end", 3), "a cut escape at the end is dropped");
	strcpy(s, "\x1b");
	n = sh_strip_ansi(s, 1);
	T_OK(n == 0, "a lone ESC is dropped");
}

int
main(void)
{
	lr_init(&r);
	flytext();
	json_forms();
	text_forms();
	roundtrip();
	ansi();
	lr_release(&r);
	return t_done();
}
