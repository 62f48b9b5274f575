/*
 * fuzz_record.c - libFuzzer harness: the state files as read back from
 * disk (a damaged or foreign file must be refused, never trusted).  The
 * first byte chooses between whole frames (with their checksums) and a
 * bare payload of operations, which a fuzzer could not reach through the
 * CRC otherwise.
 */
#include <stddef.h>
#include <stdint.h>

#include "sa_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_ops(const unsigned char *p, size_t n)
{
	struct sa_rec rec;
	const char *why;
	size_t off = 0;

	while (sa_rec_read(p, n, &off, &rec, &why) == 0)
		sa_rec_clear(&rec);
	sa_rec_clear(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *payload;
	const char *why;
	size_t off = 0, plen;
	int r;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		read_ops(data + 1, size - 1);
		return 0;
	}
	while ((r = sa_frame_read(data + 1, size - 1, &off, &payload, &plen,
	    &why)) != 1) {
		if (r == -1)
			break;
		if (r == 0)
			read_ops(payload, plen);
	}
	return 0;
}
