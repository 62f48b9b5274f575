/*
 * fuzz_config.c - libFuzzer harness: secagentd.conf as a file of any bytes,
 * read into a fresh configuration and checked as a whole, as the daemon
 * does at start and on SIGHUP.  A file is hostile input too: an operator
 * may paste anything into it, and a refusal must be a message, never a
 * crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../agent/daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_config *c;
	char err[512];
	FILE *f;

	if (size == 0 || (c = sa_config_new()) == NULL)
		return 0;
	if ((f = fmemopen((void *)data, size, "r")) != NULL) {
		if (sa_config_read_stream(c, f, "fuzz.conf", err, sizeof(err)) == 0)
			sa_config_check(c, err, sizeof(err));
		fclose(f);
	}
	sa_config_free(c);
	return 0;
}
