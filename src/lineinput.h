/* lineinput.h - decode a stream of lines in any form fly-tail and
 * crashgrep accept (logrec.h: `fly logs` text, NATS JSON, NDJSON, plain
 * text) plus `fly logs --json` objects pretty-printed over many lines
 * (jsonstream.h), and write them to a log sink. Records of other stages
 * pass through untouched.
 *
 * Ownership: li_init keeps the sink pointer; li_release frees the rest. */
#ifndef SH_LINEINPUT_H
#define SH_LINEINPUT_H

#include <stddef.h>

#include "jsonstream.h"
#include "logrec.h"

struct logsink;

struct reader;

struct lineinput {
	struct jstream js;
	struct logrec lr;
	struct logsink *sink;
	unsigned long cut;
	size_t cap;
	/* the files to read in turn ("-" is stdin), see li_files */
	char **files;
	int nfiles, fidx, fd, missing;
	struct reader *rd;
};

void li_init(struct lineinput *li, struct logsink *sink, size_t cap);
void li_release(struct lineinput *li);

/* One line (no newline); truncated: it was cut at the line cap (it is
 * then decoded on its own and marked "truncated"). */
void li_line(struct lineinput *li, const char *s, size_t n, int truncated);

/* li_files sets the files to read one after the other, like cat(1); a
 * file that cannot be opened is warned about, counted in `missing` and
 * skipped. li_fd is the descriptor to poll (-1 when all are read);
 * li_read decodes what can be read without blocking, moving on to the
 * next file at the end of one. */
void li_files(struct lineinput *li, char **files, int n);
int li_fd(const struct lineinput *li);
void li_read(struct lineinput *li);

/* End of input or idle: an unfinished object's lines are decoded alone. */
void li_flush(struct lineinput *li);
int li_pending(const struct lineinput *li);

#endif
