/* report.h - a diagnosis record rendered for people: the Markdown incident
 * report (summary, root cause, evidence, timeline, actions, patch, notes)
 * that diagnose --report writes and that remediate reuses as the body of
 * a fix pull request, an issue or a Slack message, and the short text form
 * of --format text.
 *
 * Text from logs and from an LLM is untrusted: evidence and the diff go in
 * code fences longer than any backtick run inside them, and HTML-looking
 * characters elsewhere are escaped, so a log line cannot inject markup.
 *
 * Ownership: output is appended to the caller's sbuf; nothing is taken. */
#ifndef SH_REPORT_H
#define SH_REPORT_H

#include "util.h"

struct cJSON;

/* rp_markdown appends the whole report for a diagnosis record. */
void rp_markdown(const struct cJSON *diag, struct sbuf *out);

/* rp_write writes the report of the diagnosis record rec[0..n) to
 * DIR/ID.md, atomically (diagnose --report). Returns 0, or -1 with errno
 * set. */
int rp_write(const char *dir, const char *id, const char *rec, size_t n);

/* What a pull request or issue body adds to the report (every member may
 * be NULL or 0). */
struct rp_extra {
	const char *marker;     /* a line put first, verbatim (an HTML comment
	                           that finds the PR or issue again) */
	const char *preface;    /* Markdown after the title: why this body */
	const struct cJSON *records;    /* action records already decided for
	                           the incident: "Repair actions taken or
	                           refused" */
	const char *testing;    /* Markdown for "How to test the fix" */
	int omit_diff;          /* the Patch section without its diff (a pull
	                           request shows the diff itself) */
};

/* rp_markdown_ex appends the report with the extra sections: after the
 * table a line naming the backend and the tokens spent (also when 0);
 * after the proposed actions the records; then the testing notes. With x
 * NULL it is rp_markdown. */
void rp_markdown_ex(const struct cJSON *diag, const struct rp_extra *x,
    struct sbuf *out);

/* rp_records appends one Markdown list item per action record: status,
 * action, target, reason ("None yet." when there is none). */
void rp_records(const struct cJSON *records, struct sbuf *out);

/* rp_title appends a one-line title ("shop: panic: index out of range"),
 * at most max bytes, for a PR title, issue title or Slack header. */
void rp_title(const struct cJSON *diag, size_t max, struct sbuf *out);

/* rp_text appends the --format text form: one header line, then one line
 * per action; control characters replaced; no final newline. */
void rp_text(const struct cJSON *diag, struct sbuf *out);

/* rp_fence appends s inside a code fence (info string lang). */
void rp_fence(struct sbuf *out, const char *lang, const char *s);

#endif
