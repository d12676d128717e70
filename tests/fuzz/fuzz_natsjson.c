/* fuzz_natsjson - fly-tail's fast decoder for Fly NATS log messages
 * (nj_decode) against its promise in natsjson.h: whatever it accepts,
 * lr_decode (cJSON) decodes to the same log record, byte for byte. Then
 * the message as fly-tail takes it from NATS (ns_decode: the fast path,
 * the fallback, the subject's app, region and instance for what the
 * message lacks): the record is JSON that reads back.
 *
 * Input: optionally a subject and a NUL byte (when a NUL comes within
 * the first 80 bytes), then the message data. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "logrec.h"
#include "natsjson.h"
#include "natsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct logrec a, b;
static struct sbuf ja, jb;
static int ready;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nul;
	char subject[96] = "logs.shop.iad.148ed193b95e89";
	struct ns_item it = { .kind = NS_MSG };
	cJSON *o;

	if (!ready) {
		lr_init(&a);
		lr_init(&b);
		sbuf_init(&ja);
		sbuf_init(&jb);
		ready = 1;
	}
	nul = memchr(s, 0, size < 80 ? size : 80);
	if (nul) {
		memcpy(subject, s, (size_t)(nul - s));
		subject[nul - s] = '\0';
		size -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	if (size > INT32_MAX)
		return 0;

	/* the fast path agrees with the general decoder */
	if (nj_decode(&a, s, size) == 0) {
		lr_decode(&b, s, size);
		sbuf_reset(&ja);
		sbuf_reset(&jb);
		lr_to_json(&a, &ja);
		lr_to_json(&b, &jb);
		if (ja.len != jb.len || memcmp(ja.s, jb.s, ja.len)) {
			fprintf(stderr, "fuzz_natsjson: nj_decode: %s\n"
			    "fuzz_natsjson: lr_decode: %s\n", ja.s, jb.s);
			abort();
		}
		if (a.kind != LR_NATS)
			abort();
	}

	/* as fly-tail takes a message from NATS */
	it.subject = subject;
	it.data = s;
	it.len = (int)size;
	ns_decode(&it, &a);
	if (a.kind != LR_RECORD) {
		sbuf_reset(&ja);
		lr_to_json(&a, &ja);
		o = cJSON_ParseWithLength(ja.s, ja.len);
		if (!cJSON_IsObject(o) || !js_get_str(o, "msg"))
			abort();
		cJSON_Delete(o);
		/* the subject names the app when the message does not */
		if (!strncmp(subject, "logs.", 5) && subject[5] &&
		    subject[5] != '.' && !a.app[0])
			abort();
	}
	return 0;
}
