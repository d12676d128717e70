/* fuzz_scan - crashgrep's engine on arbitrary streams with the built-in
 * rules: no crash, no leak, bounded work. Records go to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rules.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruleset *rs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_opts so = { .linecap = 4096, .asm_opts = { .context = 5,
		.idle_ms = 1000, .hold_ms = 5000 } };
	struct scanner *g;
	int fd;

	if (!rs) {
		struct sbuf err;
		int code;
		sbuf_init(&err);
		rs = rs_new();
		if (rs_load_all(rs, NULL, 0, 0, &err, &code) ||
		    rs_finish(rs, 0, &err)) {
			fprintf(stderr, "fuzz_scan: %s\n", err.s);
			abort();
		}
		sbuf_release(&err);
		if (!freopen("/dev/null", "w", stdout))
			abort();
	}
	fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0) {
		g = scan_new(rs, &so);
		scan_fd(g, fd, "<fuzz>");
		scan_free(g);
	}
	close(fd);
	return 0;
}
