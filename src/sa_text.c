/*
 * sa_text.c - the escaping rule of sa_text.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sa_text.h"

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes) and its
 * code point, or 0 when p does not start one.  Strict (RFC 3629): no
 * overlong form, no surrogate, nothing above U+10FFFF.
 */
static size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	*cp = c;
	return len;
}

/* A character the rule writes as \xHH bytes. */
static int
forbidden(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    c == 0xfffe || c == 0xffff ||
	    c == 0x2028 || c == 0x2029 ||
	    c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static char *
grow(struct sa_text *t, size_t n)
{
	size_t cap;
	char *p;

	if (t->failed)
		return NULL;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 64;
		while (cap < t->len + n + 1)
			cap *= 2;
		if ((p = realloc(t->s, cap)) == NULL) {
			t->failed = 1;
			return NULL;
		}
		t->s = p;
		t->cap = cap;
	}
	p = t->s + t->len;
	t->len += n;
	return p;
}

static void
put_bytes(struct sa_text *t, const void *src, size_t n)
{
	char *p = grow(t, n);

	if (p != NULL)
		memcpy(p, src, n);
}

static void
put_hex(struct sa_text *t, unsigned char b)
{
	static const char digits[] = "0123456789ABCDEF";
	char e[4] = { '\\', 'x', digits[b >> 4], digits[b & 15] };

	put_bytes(t, e, sizeof(e));
}

/* Whether the ASCII character c at index i of n is structural in flags. */
static int
structural(unsigned char c, size_t i, size_t n, unsigned int flags)
{
	if (flags & SA_TEXT_DN) {
		if (strchr(",+\"<>;", c) != NULL)
			return 1;
		if (i == 0 && (c == '#' || c == ' '))
			return 1;
		if (i + 1 == n && c == ' ')
			return 1;
	}
	return (flags & SA_TEXT_LIST) && c == ',';
}

/*
 * Escapes src into t, whole characters and escapes at a time, while t
 * stays within max bytes.  Returns the number of bytes of src consumed.
 */
static size_t
escape_upto(struct sa_text *t, const unsigned char *p, size_t len,
    unsigned int flags, size_t max)
{
	size_t i = 0, k, n, need;
	uint32_t c;
	int esc, bs;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &c);
		esc = n == 0 || forbidden(c);
		if (n == 0)
			n = 1;
		bs = !esc && (c == '\\' || (c < 0x80 &&
		    structural((unsigned char)c, i, len, flags)));
		need = esc ? 4 * n : n + (size_t)bs;
		if (t->len + need > max)
			break;
		if (esc) {
			for (k = 0; k < n; k++)
				put_hex(t, p[i + k]);
		} else {
			if (bs)
				put_bytes(t, "\\", 1);
			put_bytes(t, p + i, n);
		}
		i += n;
	}
	if (t->s == NULL)
		grow(t, 0);	/* an empty string is still a string */
	return i;
}

void
sa_text_put_escaped(struct sa_text *t, const void *src, size_t len,
    unsigned int flags)
{
	escape_upto(t, src, len, flags, SIZE_MAX);
}

size_t
sa_text_escape_buf(char *dst, size_t dstlen, const char *src)
{
	struct sa_text t;
	size_t n;

	if (dstlen == 0)
		return 0;
	memset(&t, 0, sizeof(t));
	n = escape_upto(&t, (const unsigned char *)src, strlen(src), 0,
	    dstlen - 1);
	if (t.failed)
		t.len = 0;
	if (t.len > 0)
		memcpy(dst, t.s, t.len);
	dst[t.len] = '\0';
	free(t.s);
	return n;
}

void
sa_text_put(struct sa_text *t, const char *s)
{
	put_bytes(t, s, strlen(s));
}

char *
sa_text_finish(struct sa_text *t)
{
	char *s = NULL;

	if (!t->failed && grow(t, 0) != NULL) {
		t->s[t->len] = '\0';
		s = t->s;
	} else {
		free(t->s);
	}
	memset(t, 0, sizeof(*t));
	return s;
}

char *
sa_text_escape(const void *src, size_t len, unsigned int flags)
{
	struct sa_text t;

	memset(&t, 0, sizeof(t));
	sa_text_put_escaped(&t, src, len, flags);
	return sa_text_finish(&t);
}

char *
sa_text_escape_str(const char *s)
{
	return s != NULL ? sa_text_escape(s, strlen(s), 0) : NULL;
}

int
sa_text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	uint32_t c;

	while (i < n) {
		if ((k = utf8_decode(p + i, n - i, &c)) == 0 || forbidden(c))
			return 0;
		i += k;
	}
	return 1;
}
