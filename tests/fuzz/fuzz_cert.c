/*
 * fuzz_cert.c - libFuzzer harness: certificate files (PEM, DER, bundles)
 * as a user or a peer hands them over, and the details of what parses.
 */
#include <stddef.h>
#include <stdint.h>

#include "sa_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_parsed_set set;
	struct sa_details d;
	char err[256];
	size_t i;

	if (sa_cert_parse(data, size, &set, err, sizeof(err)) != 0)
		return 0;
	for (i = 0; i < set.n; i++) {
		if (sa_cert_details(set.certs[i].x509, &d) == 0)
			sa_details_clear(&d);
	}
	sa_parsed_set_clear(&set);
	return 0;
}
