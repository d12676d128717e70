/* scan.h - crashgrep's engine: crash records from a stream of log lines.
 *
 * Ownership: a scanner borrows the ruleset (which must outlive it) and
 * writes records to stdout with sh_out_line; scan_free releases it. */
#ifndef SH_SCAN_H
#define SH_SCAN_H

#include <stdio.h>

#include "assemble.h"
#include "rules.h"

struct scan_opts {
	const char *app;      /* app for lines that carry none */
	int all;              /* also write every line as a log record */
	int text, color;      /* --format text, with colours */
	int stats;            /* count hits per pattern */
	int progress;         /* a progress line on stderr (a terminal) */
	size_t linecap;       /* 0: the reader's default */
	struct asm_opts asm_opts;
};

struct scanner;

struct scanner *scan_new(struct ruleset *rs, const struct scan_opts *o);
void scan_free(struct scanner *g);
/* Read fd to its end (or until sh_stop), writing records; open crashes
 * are written at the end. Returns 0, or -1 after a read error (warned). */
int scan_fd(struct scanner *g, int fd, const char *name);
unsigned long scan_crashes(const struct scanner *g);
/* --stats: counts and the patterns that sent most lines to PCRE2. */
void scan_stats(struct scanner *g, FILE *f);

#endif
