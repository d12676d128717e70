/* textfmt.h - records as one line of text for people (--format text).
 *
 * tf_line renders any selfheal record (log, crash, gap, others by type and
 * a summary) as a single line without its newline, control characters
 * replaced. With color, ANSI colours are used (callers decide: a terminal
 * and no NO_COLOR). */
#ifndef SH_TEXTFMT_H
#define SH_TEXTFMT_H

#include "util.h"

struct cJSON;

void tf_line(const struct cJSON *rec, struct sbuf *out, int color);
/* tf_print writes tf_line's line and a newline to stdout (sh_out_line). */
void tf_print(const struct cJSON *rec, int color);
/* Should stdout get colours? (a terminal, NO_COLOR unset or empty) */
int tf_want_color(void);

#endif
