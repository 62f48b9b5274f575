/*
 * sa_text.h - the one escaping rule for text that comes from outside the
 * device: every printable field of a certificate (names, subject
 * alternative names, serial, algorithms), the peer of an Invalid entry,
 * and what a provisioning server makes the device say.  The core applies
 * it once, where such text enters the store, so that every interface
 * (NETCONF and RESTCONF XML and JSON, SNMP DisplayString and
 * SnmpAdminString, the CLI's table and JSON, the logs) gets text that is
 * well formed as it is.
 *
 * The rule.  The output is UTF-8 without any of these characters:
 *   - C0 controls U+0000-U+001F (tab and newline too), DEL U+007F and
 *     C1 controls U+0080-U+009F;
 *   - U+FFFE and U+FFFF (not XML characters), surrogates;
 *   - the line and paragraph separators U+2028, U+2029 and the explicit
 *     bidirectional formatting characters U+061C, U+200E, U+200F,
 *     U+202A-U+202E, U+2066-U+2069 (they change how a line reads).
 * Each byte of such a character, and each byte that is not part of valid
 * UTF-8 (a truncated or overlong sequence, a code point above U+10FFFF),
 * is written \xHH (two uppercase hex digits).  A backslash is written \\.
 * Where a field gives a character a meaning of its own, that character
 * is written after a backslash: RFC 4514's special characters in a
 * distinguished name's values, the separator ',' in the items of a list.
 *
 * Reading it back is unambiguous: \xHH is the byte HH, a backslash
 * followed by any other character is that character, everything else
 * stands for itself.
 */
#ifndef SA_TEXT_H
#define SA_TEXT_H

#include <stddef.h>

/* The characters that a field structures with, besides the rule's own. */
#define SA_TEXT_DN 0x1		/* an RFC 4514 attribute value: ",+\"<>;",
				 * '#' or ' ' first, ' ' last */
#define SA_TEXT_LIST 0x2	/* an item of a ", "-joined list: ',' */

/* A string being built; zero it before use. */
struct sa_text {
	char *s;
	size_t len;
	size_t cap;
	int failed;		/* an allocation failed: sa_text_finish is NULL */
};

/* Appends the escaped form of the len bytes at src. */
void sa_text_put_escaped(struct sa_text *t, const void *src, size_t len,
    unsigned int flags);
/* Appends text of our own, which must already follow the rule. */
void sa_text_put(struct sa_text *t, const char *s);
/*
 * The string built, NUL-terminated, owned by the caller (free); NULL when
 * an allocation failed.  t is empty afterwards.
 */
char *sa_text_finish(struct sa_text *t);

/* The escaped form of src[0..len) as a new string; NULL when out of memory. */
char *sa_text_escape(const void *src, size_t len, unsigned int flags);
/* The same for a NUL-terminated string; NULL in, NULL out. */
char *sa_text_escape_str(const char *s);

/*
 * The escaped form of the string src into dst (dstlen bytes with the NUL),
 * cut before the first character or escape that does not fit: never
 * inside one.  Returns the number of bytes of src it holds.
 */
size_t sa_text_escape_buf(char *dst, size_t dstlen, const char *src);

/*
 * Non-zero when s holds none of the characters and bytes the rule escapes:
 * text the rule produced, or text that needs no escaping.
 */
int sa_text_is_clean(const char *s);

#endif
