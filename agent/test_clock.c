/*
 * test_clock.c - the store clock the test suite can move (test_clock.h).
 */
#include <stdlib.h>
#include <time.h>

#include "test_clock.h"

#ifdef SA_TEST_CLOCK
static long clock_offset;

static time_t
moved_clock(void *arg)
{
	(void)arg;
	return time(NULL) + clock_offset;
}

long
sa_test_clock_apply(struct sa_store_opts *opts)
{
	const char *s = getenv("SECAGENT_TEST_CLOCK_OFFSET");
	char *end;
	long off;

	if (s == NULL || *s == '\0')
		return 0;
	off = strtol(s, &end, 10);
	if (*end != '\0' || off == 0)
		return 0;
	clock_offset = off;
	opts->clock = moved_clock;
	opts->clock_arg = NULL;
	return off;
}
#else
long
sa_test_clock_apply(struct sa_store_opts *opts)
{
	(void)opts;
	return 0;
}
#endif
