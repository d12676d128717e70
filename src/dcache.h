/* dcache.h - diagnoses cached by app and fingerprint for a while, so a
 * crash that keeps coming back reuses its diagnosis instead of paying for
 * another LLM call. Entries live in memory and in DIR/cache/<hash>.json
 * (atomic writes), so a restart keeps them.
 *
 * Ownership: dc_get returns a tree the caller frees with cJSON_Delete;
 * dc_put copies what it is given. */
#ifndef SH_DCACHE_H
#define SH_DCACHE_H

#include <stdint.h>

struct cJSON;

struct dcache {
	char *dir;            /* NULL: memory only */
	int64_t ttl_ms;       /* 0: caching off */
	struct dc_ent *ents;
};

void dc_open(struct dcache *c, const char *statedir, int64_t ttl_ms);
void dc_close(struct dcache *c);
/* The cached diagnosis for app+fingerprint, or NULL when none is fresh. */
struct cJSON *dc_get(struct dcache *c, const char *app, const char *fp);
void dc_put(struct dcache *c, const char *app, const char *fp,
    const struct cJSON *diag);

#endif
