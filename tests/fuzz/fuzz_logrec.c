/* fuzz_logrec - any line decodes, and the log record it gives is JSON that
 * cJSON reads back with the same message. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "logrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logrec r;
	struct sbuf out;
	cJSON *o;

	lr_init(&r);
	sbuf_init(&out);
	lr_decode(&r, (const char *)data, size);
	lr_to_json(&r, &out);
	o = cJSON_ParseWithLength(out.s, out.len);
	if (!o)
		abort();
	if (!cJSON_IsString(cJSON_GetObjectItem(o, "msg")))
		abort();
	cJSON_Delete(o);
	sbuf_release(&out);
	lr_release(&r);
	return 0;
}
