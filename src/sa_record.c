/*
 * sa_record.c - encoding and decoding of frames and operations
 * (format in sa_record.h).  Decoding treats the bytes as hostile: every
 * length is checked against what is left.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sa_record.h"
#include "sa_text.h"

/* Field tags of a PUT. */
enum {
	T_FP = 1, T_LIST, T_ORIGIN, T_REJECTED, T_DER, T_SUBJECT, T_ISSUER,
	T_NOT_BEFORE, T_NOT_AFTER, T_IS_CA, T_SUBJECT_HASH, T_ISSUER_HASH,
	T_ADDED, T_REASON, T_PEER, T_FIRST_SEEN, T_LAST_SEEN, T_SEEN_COUNT,
	T_WARNED, T_SERIAL, T_SIG_ALG, T_PK_ALG, T_PK_BITS, T_KEY_USAGE,
	T_SAN, T_SHA1, T_TEXT_RULE,
	T_LAST_KNOWN = T_TEXT_RULE
};

/*
 * The version of the escaping rule (sa_text.h) the strings of a PUT were
 * made with.  An entry without it was written before the rule: its
 * strings are made again from the DER when it is read.
 */
#define TEXT_RULE_VERSION 1

/* ---- encoding ---- */

void
sa_buf_free(struct sa_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static unsigned char *
buf_grow(struct sa_buf *b, size_t n)
{
	unsigned char *p;
	size_t cap;

	if (b->failed)
		return NULL;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
buf_bytes(struct sa_buf *b, const void *data, size_t n)
{
	unsigned char *p = buf_grow(b, n);

	if (p != NULL && n > 0)
		memcpy(p, data, n);
}

static void
buf_uint(struct sa_buf *b, uint64_t v, int n)
{
	unsigned char *p = buf_grow(b, (size_t)n);

	if (p != NULL)
		put_le(p, v, n);
}

size_t
sa_frame_begin(struct sa_buf *b)
{
	size_t start = b->len;

	buf_grow(b, SA_FRAME_HDR);
	return start;
}

void
sa_frame_end(struct sa_buf *b, size_t start)
{
	size_t plen;

	if (b->failed)
		return;
	plen = b->len - start - SA_FRAME_HDR;
	put_le(b->p + start, SA_FRAME_MAGIC, 4);
	put_le(b->p + start + 4, plen, 4);
	put_le(b->p + start + 8, sa_crc32c(b->p + start + SA_FRAME_HDR, plen), 4);
}

/* An operation header whose length is patched by op_end. */
static size_t
op_begin(struct sa_buf *b, enum sa_rec_type op)
{
	size_t start = b->len;

	buf_uint(b, (uint64_t)op, 1);
	buf_uint(b, 0, 4);
	return start;
}

static void
op_end(struct sa_buf *b, size_t start)
{
	if (!b->failed)
		put_le(b->p + start + 1, b->len - start - 5, 4);
}

static void
field(struct sa_buf *b, int tag, const void *data, size_t n)
{
	buf_uint(b, (uint64_t)tag, 1);
	buf_uint(b, n, 4);
	buf_bytes(b, data, n);
}

static void
field_u64(struct sa_buf *b, int tag, uint64_t v)
{
	unsigned char le[8];

	put_le(le, v, 8);
	field(b, tag, le, 8);
}

static void
field_str(struct sa_buf *b, int tag, const char *s)
{
	if (s != NULL)
		field(b, tag, s, strlen(s));
}

void
sa_rec_put(struct sa_buf *b, const struct sa_entry *e)
{
	size_t start = op_begin(b, SA_REC_PUT);

	field(b, T_FP, e->fp, SA_FP_LEN);
	field_u64(b, T_LIST, (uint64_t)e->list);
	field_u64(b, T_ORIGIN, (uint64_t)e->origin);
	field_u64(b, T_REJECTED, (uint64_t)e->rejected);
	field(b, T_DER, e->der, e->der_len);
	field_str(b, T_SUBJECT, e->subject);
	field_str(b, T_ISSUER, e->issuer);
	field_u64(b, T_NOT_BEFORE, (uint64_t)e->not_before);
	field_u64(b, T_NOT_AFTER, (uint64_t)e->not_after);
	field_u64(b, T_IS_CA, (uint64_t)e->is_ca);
	field_u64(b, T_SUBJECT_HASH, e->subject_hash);
	field_u64(b, T_ISSUER_HASH, e->issuer_hash);
	field_u64(b, T_ADDED, (uint64_t)e->added);
	field_u64(b, T_REASON, (uint64_t)e->reason);
	field_str(b, T_PEER, e->peer);
	field_u64(b, T_FIRST_SEEN, (uint64_t)e->first_seen);
	field_u64(b, T_LAST_SEEN, (uint64_t)e->last_seen);
	field_u64(b, T_SEEN_COUNT, e->seen_count);
	field_u64(b, T_WARNED, (uint64_t)e->warned_days);
	field_str(b, T_SERIAL, e->serial);
	field_str(b, T_SIG_ALG, e->signature_algorithm);
	field_str(b, T_PK_ALG, e->public_key_algorithm);
	field_u64(b, T_PK_BITS, (uint64_t)e->public_key_bits);
	field_str(b, T_KEY_USAGE, e->key_usage);
	field_str(b, T_SAN, e->subject_alt_names);
	if (e->sha1[0] != '\0')
		field(b, T_SHA1, e->sha1, 40);
	field_u64(b, T_TEXT_RULE, TEXT_RULE_VERSION);
	op_end(b, start);
}

void
sa_rec_del(struct sa_buf *b, const unsigned char fp[SA_FP_LEN])
{
	size_t start = op_begin(b, SA_REC_DEL);

	buf_bytes(b, fp, SA_FP_LEN);
	op_end(b, start);
}

void
sa_rec_set(struct sa_buf *b, const char *name, const char *value)
{
	size_t start = op_begin(b, SA_REC_SET);
	size_t n = strlen(name);

	buf_uint(b, n, 1);
	buf_bytes(b, name, n);
	buf_bytes(b, value, strlen(value));
	op_end(b, start);
}

void
sa_rec_seq(struct sa_buf *b, enum sa_rec_type op, uint64_t v)
{
	size_t start = op_begin(b, op);

	buf_uint(b, v, 8);
	op_end(b, start);
}

/* ---- decoding ---- */

int
sa_frame_read(const unsigned char *buf, size_t len, size_t *off,
    const unsigned char **payload, size_t *plen, const char **why)
{
	size_t left = len - *off;
	uint64_t n;

	if (left == 0)
		return 1;
	if (left < SA_FRAME_HDR) {
		*why = "truncated frame header";
		return -1;
	}
	if (get_le(buf + *off, 4) != SA_FRAME_MAGIC) {
		*why = "bad frame magic";
		return -1;
	}
	n = get_le(buf + *off + 4, 4);
	if (n > SA_FRAME_MAX || n > left - SA_FRAME_HDR) {
		*why = "truncated frame";
		return -1;
	}
	if (sa_crc32c(buf + *off + SA_FRAME_HDR, n) != get_le(buf + *off + 8, 4)) {
		*why = "checksum mismatch";
		*off += SA_FRAME_HDR + n;	/* the framing holds: skippable */
		return -2;
	}
	*payload = buf + *off + SA_FRAME_HDR;
	*plen = n;
	*off += SA_FRAME_HDR + n;
	return 0;
}

static char *
str_field(const unsigned char *v, size_t n)
{
	char *s;

	if (memchr(v, '\0', n) != NULL || (s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, v, n);
	s[n] = '\0';
	return s;
}

/* Stores one field of a PUT into e; 0, or -1 when it is malformed. */
static int
put_field(struct sa_entry *e, int tag, const unsigned char *v, size_t n,
    uint64_t *text_rule)
{
	uint64_t u = n == 8 ? get_le(v, 8) : 0;
	char **sp = NULL;

	switch (tag) {
	case T_FP:
		if (n != SA_FP_LEN)
			return -1;
		memcpy(e->fp, v, SA_FP_LEN);
		return 0;
	case T_DER:
		if (n == 0 || e->der != NULL || (e->der = malloc(n)) == NULL)
			return -1;
		memcpy(e->der, v, n);
		e->der_len = n;
		return 0;
	case T_SUBJECT: sp = &e->subject; break;
	case T_ISSUER: sp = &e->issuer; break;
	case T_PEER: sp = &e->peer; break;
	case T_SERIAL: sp = &e->serial; break;
	case T_SIG_ALG: sp = &e->signature_algorithm; break;
	case T_PK_ALG: sp = &e->public_key_algorithm; break;
	case T_KEY_USAGE: sp = &e->key_usage; break;
	case T_SAN: sp = &e->subject_alt_names; break;
	case T_SHA1:
		if (n != 40)
			return -1;
		memcpy(e->sha1, v, 40);
		e->sha1[40] = '\0';
		return 0;
	default: break;
	}
	if (sp != NULL) {
		if (*sp != NULL || (*sp = str_field(v, n)) == NULL)
			return -1;
		return 0;
	}
	if (n != 8)
		return tag > T_LAST_KNOWN ? 0 : -1;	/* newer fields: skip */
	switch (tag) {
	case T_LIST: if (u >= SA_LIST_COUNT) return -1; e->list = (enum sa_list)u; break;
	case T_ORIGIN: if (u >= SA_ORIGIN_COUNT) return -1; e->origin = (enum sa_origin)u; break;
	case T_REASON: if (u >= SA_REASON_COUNT) return -1; e->reason = (enum sa_reason)u; break;
	case T_REJECTED: e->rejected = u != 0; break;
	case T_IS_CA: e->is_ca = u != 0; break;
	case T_NOT_BEFORE: e->not_before = (time_t)u; break;
	case T_NOT_AFTER: e->not_after = (time_t)u; break;
	case T_SUBJECT_HASH: e->subject_hash = (unsigned long)u; break;
	case T_ISSUER_HASH: e->issuer_hash = (unsigned long)u; break;
	case T_ADDED: e->added = (time_t)u; break;
	case T_FIRST_SEEN: e->first_seen = (time_t)u; break;
	case T_LAST_SEEN: e->last_seen = (time_t)u; break;
	case T_SEEN_COUNT: e->seen_count = u; break;
	case T_WARNED: e->warned_days = (int)(u & 0xffff); break;
	case T_PK_BITS: e->public_key_bits = (int)(u & 0xffff); break;
	case T_TEXT_RULE: *text_rule = u; break;
	default: break;
	}
	return 0;
}

/*
 * An entry written before the details were stored, or before the escaping
 * rule: its strings are made again from the DER, and its peer escaped.
 */
static int
fill_details(struct sa_node *node)
{
	X509 *x = sa_entry_x509(&node->e);
	char *peer;
	int r;

	if (x == NULL)
		return -1;
	r = sa_node_fill_details(node, x);
	X509_free(x);
	if (r == 0 && node->e.peer != NULL && !sa_text_is_clean(node->e.peer)) {
		if ((peer = sa_text_escape_str(node->e.peer)) == NULL)
			return -1;
		free(node->e.peer);
		node->e.peer = peer;
	}
	return r;
}

static int
decode_put(const unsigned char *p, size_t n, struct sa_rec *rec,
    const char **why)
{
	unsigned char fp[SA_FP_LEN];
	struct sa_node *node;
	uint64_t text_rule = 0;
	size_t off = 0, flen;
	int tag;

	if ((node = sa_node_new()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	while (off < n) {
		if (n - off < 5)
			goto bad;
		tag = p[off];
		flen = (size_t)get_le(p + off + 1, 4);
		off += 5;
		if (flen > n - off ||
		    put_field(&node->e, tag, p + off, flen, &text_rule) != 0)
			goto bad;
		off += flen;
	}
	if (node->e.der == NULL || node->e.subject == NULL ||
	    node->e.issuer == NULL)
		goto bad;
	/* the key must be the certificate's own fingerprint */
	sa_cert_fingerprint(node->e.der, node->e.der_len, fp);
	if (memcmp(fp, node->e.fp, SA_FP_LEN) != 0) {
		*why = "fingerprint does not match the certificate";
		sa_node_free(node);
		return -1;
	}
	if ((node->e.serial == NULL || text_rule < TEXT_RULE_VERSION) &&
	    fill_details(node) != 0)
		goto bad;
	rec->node = node;
	return 0;
 bad:
	*why = "malformed entry";
	sa_node_free(node);
	return -1;
}

int
sa_rec_read(const unsigned char *p, size_t len, size_t *off,
    struct sa_rec *rec, const char **why)
{
	const unsigned char *body;
	size_t n, k;

	memset(rec, 0, sizeof(*rec));
	if (*off == len)
		return 1;
	if (len - *off < 5 || (n = (size_t)get_le(p + *off + 1, 4)) > len - *off - 5) {
		*why = "truncated operation";
		return -1;
	}
	rec->op = (enum sa_rec_type)p[*off];
	body = p + *off + 5;
	*off += 5 + n;
	switch (rec->op) {
	case SA_REC_PUT:
		return decode_put(body, n, rec, why);
	case SA_REC_DEL:
		if (n != SA_FP_LEN)
			break;
		memcpy(rec->fp, body, SA_FP_LEN);
		return 0;
	case SA_REC_SET:
		if (n < 1 || (k = body[0]) >= sizeof(rec->name) || k + 1 > n)
			break;
		memcpy(rec->name, body + 1, k);
		rec->name[k] = '\0';
		if ((rec->value = str_field(body + 1 + k, n - 1 - k)) == NULL)
			break;
		return 0;
	case SA_REC_SEQ:
	case SA_REC_END:
		if (n != 8)
			break;
		rec->u64 = get_le(body, 8);
		return 0;
	}
	*why = "unknown or malformed operation";
	return -1;
}

void
sa_rec_clear(struct sa_rec *rec)
{
	sa_node_free(rec->node);
	if (rec->value != NULL) {
		OPENSSL_cleanse(rec->value, strlen(rec->value));
		free(rec->value);
	}
	memset(rec, 0, sizeof(*rec));
}
