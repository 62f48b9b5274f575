/*
 * fuzz_prov.c - libFuzzer harness: the provisioning file as a server hands
 * it over, read into a transaction that is never committed.  The store is
 * made once, empty, in a temporary directory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/provision/prov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sa_store *st;
static char dir[4096];

static void
cleanup(void)
{
	char cmd[4200];

	sa_store_free(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_prov: cannot remove %s\n", dir);
}

/* The store once per process; its directory goes at exit. */
static struct sa_store *
store(void)
{
	struct sa_store_opts opts;
	char empty[4200], err[256];
	FILE *f;

	if (st != NULL)
		return st;
	snprintf(dir, sizeof(dir), "%s/fuzz-prov.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
	if ((f = fopen(empty, "w")) == NULL)
		abort();
	fclose(f);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = empty;
	snprintf(empty, sizeof(empty), "%s/state", dir);
	if (sa_store_open(empty, &opts, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_prov: %s\n", err);
		abort();
	}
	atexit(cleanup);
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_prov_summary sum;
	struct sa_txn *t;
	char err[512];

	if ((t = sa_txn_new(store(), "fuzz")) == NULL)
		return 0;
	sa_prov_parse((const char *)data, size, st, t, &sum, err, sizeof(err));
	sa_txn_free(t);
	return 0;
}
