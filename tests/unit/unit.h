/* unit.h - a tiny TAP test harness for src/ unit tests (after redis'
 * testhelp.h). Each test file is one program; main() calls T_OK/T_IS and
 * returns t_done(). */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int t_n, t_fail;

#define T_OK(cond, ...) do { \
	t_n++; \
	if (cond) { printf("ok %d - ", t_n); } \
	else { t_fail++; printf("not ok %d - %s:%d: ", t_n, __FILE__, __LINE__); } \
	printf(__VA_ARGS__); putchar('\n'); \
} while (0)

#define T_STR(got, want, ...) do { \
	const char *t_g = (got), *t_w = (want); \
	int t_c = t_g && t_w && !strcmp(t_g, t_w); \
	T_OK(t_c, __VA_ARGS__); \
	if (!t_c) printf("#   got:  '%s'\n#   want: '%s'\n", t_g ? t_g : "(null)", t_w ? t_w : "(null)"); \
} while (0)

/* xorshift64: a seeded, repeatable stream for the property tests; t_rnd32
 * takes its high bits */
static inline uint64_t
t_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint32_t
t_rnd32(uint64_t *s)
{
	return (uint32_t)(t_xorshift(s) >> 11);
}

static int
t_done(void)
{
	printf("1..%d\n", t_n);
	return t_fail ? 1 : 0;
}

#endif
