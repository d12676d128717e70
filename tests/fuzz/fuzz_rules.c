/* fuzz_rules - any rule file either loads or is refused with a message;
 * a loaded set builds its prefilter and runs its examples. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-rules-XXXXXX";
	int fd = mkstemp(path);
	struct ruleset *rs;
	struct sbuf err;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	sbuf_init(&err);
	rs = rs_new();
	if (rs_load_file(rs, path, &err) == 0) {
		if (rs_finish(rs, 0, &err) == 0) {
			FILE *saved = stderr;
			stderr = fopen("/dev/null", "w");
			rs_test(rs);
			fclose(stderr);
			stderr = saved;
		}
	} else if (err.len == 0) {
		abort(); /* refused without saying why */
	}
	rs_free(rs);
	sbuf_release(&err);
	unlink(path);
	return 0;
}
