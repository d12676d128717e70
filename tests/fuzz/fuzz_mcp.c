/* fuzz_mcp - `remediate mcp` (mcp_serve) with any bytes on its stdin, in
 * dry-run (no --apply), with the engine remediate builds for it: the
 * built-in policy and a Machines API client whose URL is
 * http://127.0.0.1:1, where nothing listens, so a read tool fails at once
 * with an isError result (one try, short timeouts). Pacing allows ten
 * requests at once per bucket and then sleeps, so an input is its first
 * ten lines (ten messages; the buckets are refilled for each input).
 * stdout is a memfd the target reads back after each input.
 *
 * Invariants: every line written is one JSON-RPC 2.0 response object
 * (id null, a string or a number; exactly one of result and error; an
 * error with an integer code and a message), at most one per input line;
 * tools/list offers only read-only tools. No crash, no leak, no hang. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "json.h"
#include "machines.h"
#include "mcp.h"
#include "policy.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_mcp: %s:%d: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

static struct mx mx;
static struct policy *pol;
static int ready;

static void
setup(void)
{
	int out = memfd_create("fuzz-mcp-out", 0);

	CHECK(out >= 0);
	CHECK(dup2(out, 1) == 1);
	close(out);
	CHECK(mx_init(&mx, "http://127.0.0.1:1", NULL) == 0);
	mx.tries = 1;
	mx.fa.http.connect_timeout_ms = 200;
	mx.fa.http.timeout_ms = 500;
	CHECK((pol = pol_default()) != NULL);
	ready = 1;
}

static void
check_response(const char *s, size_t n)
{
	cJSON *o = cJSON_ParseWithLength(s, n);
	const cJSON *id, *res, *err;

	if (!o)
		fprintf(stderr, "fuzz_mcp: not JSON: %.*s\n", (int)n, s);
	CHECK(cJSON_IsObject(o));
	CHECK(!strcmp(js_get_str(o, "jsonrpc") ? js_get_str(o, "jsonrpc") : "",
	    "2.0"));
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	CHECK(cJSON_IsNull(id) || cJSON_IsString(id) || cJSON_IsNumber(id));
	res = cJSON_GetObjectItemCaseSensitive(o, "result");
	err = cJSON_GetObjectItemCaseSensitive(o, "error");
	CHECK(!res != !err);
	if (err) {
		const cJSON *code = js_get(err, "code");
		CHECK(cJSON_IsNumber(code) && code->valuedouble ==
		    (int)code->valuedouble);
		CHECK(js_get_str(err, "message"));
	} else {
		CHECK(cJSON_IsObject(res));
		const cJSON *tools = js_get(res, "tools");
		for (const cJSON *t = tools ? tools->child : NULL; t; t = t->next)
			CHECK(cJSON_IsTrue(js_get(t, "annotations.readOnlyHint")));
		const cJSON *content = js_get(res, "content");
		if (content) {
			/* a tools/call result: text content and isError */
			CHECK(cJSON_IsBool(js_get(res, "isError")));
			CHECK(cJSON_IsArray(content) && js_get_str(content->child,
			    "text"));
		}
	}
	cJSON_Delete(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine en;
	struct reader *rd;
	int in, rc;
	size_t lines = 1, answers = 0;

	if (!ready)
		setup();
	for (size_t i = 0, k = 0; i < size; i++)
		if (data[i] == '\n' && ++k == 10) {
			size = i + 1;
			break;
		}
	memset(mx.bucket, 0, sizeof mx.bucket);
	CHECK(fflush(stdout) == 0);
	CHECK(ftruncate(1, 0) == 0 && lseek(1, 0, SEEK_SET) == 0);

	in = memfd_create("fuzz-mcp-in", 0);
	CHECK(in >= 0);
	CHECK(write(in, data, size) == (ssize_t)size);
	CHECK(lseek(in, 0, SEEK_SET) == 0);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	memset(&en, 0, sizeof en);
	en.mx = &mx;
	en.pol = pol;
	en.apply = 0;
	en.source = "mcp";
	en_init(&en);
	rd = rd_open(in, "<stdin>", 4096);
	rc = mcp_serve(&en, rd, 0);
	rd_free(rd);
	close(in);
	CHECK(rc == 0 && !en.fatal);
	en_release(&en);

	/* read back what was written */
	CHECK(fflush(stdout) == 0);
	off_t len = lseek(1, 0, SEEK_CUR);
	CHECK(len >= 0);
	char *buf = malloc((size_t)len + 1);
	CHECK(buf);
	CHECK(pread(1, buf, (size_t)len, 0) == len);
	buf[len] = '\0';
	CHECK(len == 0 || buf[len - 1] == '\n');
	for (char *p = buf, *e; p < buf + len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + len - p));
		CHECK(e);
		check_response(p, (size_t)(e - p));
		answers++;
	}
	CHECK(answers <= lines);
	free(buf);
	return 0;
}
