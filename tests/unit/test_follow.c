/* test_follow.c - following a file across appends, partial lines,
 * rotation, truncation and removal. */
#include "unit.h"
#include "follow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char got[4096];

static void
fn(void *arg, const char *s, size_t n, int cut)
{
	(void)arg;
	strcat(got, cut ? "C[" : "[");
	strncat(got, s, n);
	strcat(got, "]");
}

static void
put(const char *path, const char *mode, const char *s)
{
	FILE *f = fopen(path, mode);
	fputs(s, f);
	fclose(f);
}

int
main(void)
{
	char dir[] = "/tmp/test_follow.XXXXXX", path[256], old[256];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/app.log", dir);
	snprintf(old, sizeof old, "%s/app.log.1", dir);
	struct follow *f = fw_open(path, 32, 0);
	T_OK(fw_poll(f, 0, fn, NULL) == 0, "a missing file is waited for");
	put(path, "w", "one\ntw");
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[one]", "whole lines only");
	T_OK(fw_note(f) == FW_OPENED && fw_note(f) == FW_NONE, "opened note");
	put(path, "a", "o\n");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[two]", "a line completed later");
	rename(path, old);
	put(old, "a", "last words\n");
	put(path, "w", "new file\n");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[last words][new file]", "rotation: the old file to its end, then the new");
	T_OK(fw_note(f) == FW_ROTATED, "rotated note");
	put(path, "w", "");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_OK(fw_note(f) == FW_TRUNCATED, "truncated note");
	put(path, "a", "after truncation\n");
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[after truncation]", "truncation: from the start");
	put(path, "a", "0123456789012345678901234567890123456789\nok\n");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "C[01234567890123456789012345678901][ok]", "cut at the line cap");
	uint64_t dev, ino, off;
	fw_position(f, &dev, &ino, &off);
	T_OK(off == 17 + 41 + 3, "position (%llu)", (unsigned long long)off);
	unlink(path);
	fw_poll(f, 0, fn, NULL);
	T_OK(fw_note(f) == FW_GONE, "removed note");
	put(path, "w", "back\n");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[back]", "the file came back");
	put(path, "a", "no newline");
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	fw_finish(f, fn, NULL);
	T_STR(got, "[no newline]", "a last line without newline at the end");
	fw_free(f);

	/* resume at a saved position */
	put(path, "w", "a\nb\n");
	f = fw_open(path, 32, 0);
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_OK(fw_save(f, dir) == 0, "position saved");
	fw_free(f);
	put(path, "a", "c\n");
	f = fw_open(path, 32, 0);
	fw_load(f, dir);
	got[0] = '\0';
	fw_poll(f, 0, fn, NULL);
	T_STR(got, "[c]", "resumed after a restart");
	fw_free(f);
	DIR *dp = opendir(dir);
	for (struct dirent *de; dp && (de = readdir(dp));) {
		char p[600];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (dp)
		closedir(dp);
	T_OK(rmdir(dir) == 0, "clean up");
	return t_done();
}
