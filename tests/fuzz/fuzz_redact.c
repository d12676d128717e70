/* fuzz_redact - the redactor on arbitrary text: no crash, bounded work,
 * and what it writes never still holds a secret it reported replacing
 * (redacting the output again replaces nothing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct redactor *rx;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[RX_KEYLEN] = { 1, 2, 3, 4 };
	struct sbuf once, twice;
	int st = 0, st2 = 0;

	if (!rx && !(rx = rx_new(key)))
		abort();
	sbuf_init(&once);
	sbuf_init(&twice);
	rx_text(rx, (const char *)data, size, &once, &st);
	if (rx_text(rx, once.s ? once.s : "", once.len, &twice, &st2) != 0 &&
	    st == 0)
		abort();
	sbuf_release(&once);
	sbuf_release(&twice);
	return 0;
}
