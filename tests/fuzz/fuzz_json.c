/* fuzz_json - js_str turns any bytes into a JSON string that parses, and
 * valid UTF-8 without NUL comes back unchanged. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf b;
	cJSON *o;
	size_t cut;

	sbuf_init(&b);
	js_str(&b, (const char *)data, size);
	o = cJSON_ParseWithLength(b.s, b.len);
	if (!o || !cJSON_IsString(o))
		abort();
	/* without invalid sequences or NULs the text survives */
	if (!memchr(data, 0, size) && !strstr(b.s, "\\ufffd") &&
	    strcmp(o->valuestring, "") != 0 &&
	    (strlen(o->valuestring) != size || memcmp(o->valuestring, data, size)))
		abort();
	cut = js_utf8_cut((const char *)data, size);
	if (cut > size)
		abort();
	cJSON_Delete(o);
	sbuf_release(&b);
	return 0;
}
