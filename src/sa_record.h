/*
 * sa_record.h - the on-disk encoding of the store (internal).
 *
 * Both files of a state directory are sequences of frames:
 *   u32 magic "SAF1" | u32 payload length | u32 CRC-32C of payload | payload
 * A payload is a sequence of operations:
 *   u8 type | u32 length | body
 * PUT carries a whole entry as tagged fields (unknown tags are skipped, so
 * newer fields do not break older readers), DEL a fingerprint, SET a
 * setting's name and value.  All integers are little-endian.
 */
#ifndef SA_RECORD_H
#define SA_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "sa_store_int.h"

#define SA_FRAME_MAGIC 0x31464153u	/* "SAF1" */
#define SA_FRAME_HDR 12
#define SA_FRAME_MAX (64u << 20)	/* no frame is larger than this */

enum sa_rec_type {
	SA_REC_PUT = 1,
	SA_REC_DEL = 2,
	SA_REC_SET = 3,
	SA_REC_SEQ = 4,		/* u64: snapshot header or transaction number */
	SA_REC_END = 5,		/* u64 entry count: the snapshot is complete */
};

struct sa_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
	int failed;		/* an allocation failed; contents unusable */
};

void sa_buf_free(struct sa_buf *b);
/* Starts a frame; sa_frame_end fills in its length and CRC. */
size_t sa_frame_begin(struct sa_buf *b);
void sa_frame_end(struct sa_buf *b, size_t start);
void sa_rec_put(struct sa_buf *b, const struct sa_entry *e);
void sa_rec_del(struct sa_buf *b, const unsigned char fp[SA_FP_LEN]);
void sa_rec_set(struct sa_buf *b, const char *name, const char *value);
void sa_rec_seq(struct sa_buf *b, enum sa_rec_type op, uint64_t v);

/* A decoded operation; pointers point into the frame being read. */
struct sa_rec {
	enum sa_rec_type op;
	struct sa_node *node;		/* PUT: new node, owned by the reader */
	unsigned char fp[SA_FP_LEN];	/* DEL */
	char name[64];			/* SET */
	char *value;			/* SET: owned by the reader */
	uint64_t u64;			/* SEQ, END */
};

/*
 * Reads the frame at buf[*off]: on success *payload and *plen point into
 * buf and *off moves past it.  Returns 0, 1 at a clean end of data, -1
 * for a torn frame (what why says), or -2 for a frame whose checksum is
 * wrong but whose framing holds (*off has moved past it).
 */
int sa_frame_read(const unsigned char *buf, size_t len, size_t *off,
    const unsigned char **payload, size_t *plen, const char **why);

/*
 * Decodes the operation at p[*off] of a payload.  Returns 0, 1 at the end
 * of the payload, or -1 for a malformed operation.  Unknown operation types
 * are reported as -1 too: the caller skips the frame.
 */
int sa_rec_read(const unsigned char *p, size_t len, size_t *off,
    struct sa_rec *rec, const char **why);
void sa_rec_clear(struct sa_rec *rec);

#endif
