/*
 * sa_names.c - the vocabularies of DESIGN.md (lists, status, origin, reason,
 * settings) and the validation of setting values.  Every interface uses
 * these names, so they live in one place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_store.h"

static const char *const list_names[SA_LIST_COUNT] = {
	"ca", "server", "invalid",
};
static const char *const status_names[] = {
	"valid", "expired", "not-yet-valid",
};
static const char *const origin_names[SA_ORIGIN_COUNT] = {
	"factory", "imported", "accepted", "configured", "provisioned",
	"received",
};
static const char *const reason_names[SA_REASON_COUNT] = {
	"none", "expired", "not-yet-valid", "unknown-issuer", "bad-signature",
	"hostname-mismatch", "other", "rejected",
};
static const char *const setting_names[SA_SET_COUNT] = {
	"accept-all-certificates", "http-username", "http-password",
	"provisioning-url", "provisioning-interval", "policy-version",
};

#define NAME_OF(tab, i) \
	((size_t)(i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "unknown")

const char *sa_list_name(enum sa_list l) { return NAME_OF(list_names, l); }
const char *sa_status_name(enum sa_status s) { return NAME_OF(status_names, s); }
const char *sa_origin_name(enum sa_origin o) { return NAME_OF(origin_names, o); }
const char *sa_reason_name(enum sa_reason r) { return NAME_OF(reason_names, r); }
const char *sa_setting_name(enum sa_setting s) { return NAME_OF(setting_names, s); }

static int
index_of(const char *const *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(tab[i], name) == 0)
			return (int)i;
	return -1;
}

int
sa_list_from_name(const char *name, enum sa_list *out)
{
	int i = index_of(list_names, SA_LIST_COUNT, name);

	if (i < 0)
		return SA_ERR_INVALID;
	*out = (enum sa_list)i;
	return 0;
}

int
sa_reason_from_name(const char *name, enum sa_reason *out)
{
	int i = index_of(reason_names, SA_REASON_COUNT, name);

	if (i < 0)
		return SA_ERR_INVALID;
	*out = (enum sa_reason)i;
	return 0;
}

int
sa_setting_from_name(const char *name, enum sa_setting *out)
{
	int i = index_of(setting_names, SA_SET_COUNT, name);

	if (i < 0)
		return SA_ERR_INVALID;
	*out = (enum sa_setting)i;
	return 0;
}

int
sa_setting_is_secret(enum sa_setting s)
{
	return s == SA_SET_HTTP_PASSWORD;
}

int
sa_setting_is_provisioned_only(enum sa_setting s)
{
	return s == SA_SET_POLICY_VERSION;
}

/*
 * Counts the characters of a UTF-8 string, refusing malformed sequences,
 * overlongs, surrogates and control characters (C0, DEL, C1).
 * Returns the count, or -1.
 */
static long
utf8_text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	long n = 0;
	int more;

	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p++;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p++ & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p++ & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p++ & 0x07;
			more = 3;
		} else {
			return -1;
		}
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return -1;
		n++;
	}
	return n;
}

static int
check_bool(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "1") == 0 || strcmp(v, "0") == 0;
}

static int
check_url(const char *v, char *err, size_t errlen)
{
	const char *p;

	if (*v == '\0')
		return 0;
	if (strlen(v) > 1024)
		return sa_fail(err, errlen, SA_ERR_TOO_LONG,
		    "provisioning-url: longer than 1024 characters");
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "provisioning-url: must start with http:// or https://");
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "provisioning-url: spaces, control characters and "
			    "non-ASCII must be percent-encoded");
	p = strstr(v, "://") + 3;
	if (*p == '\0' || *p == '/')
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "provisioning-url: no host");
	return 0;
}

/* A label an NMS can compare and print in a column: no space, no quoting. */
static int
check_version(const char *v, char *err, size_t errlen)
{
	const char *p;

	if (strlen(v) > SA_POLICY_VERSION_MAX)
		return sa_fail(err, errlen, SA_ERR_TOO_LONG, "policy-version: "
		    "%zu characters, at most %d allowed", strlen(v),
		    SA_POLICY_VERSION_MAX);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "policy-version: printable ASCII characters only, "
			    "no spaces");
	return 0;
}

static int
check_uint(const char *v, unsigned long max)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return 0;
	n = strtoul(v, &end, 10);
	return *end == '\0' && n <= max && strlen(v) <= 10;
}

int
sa_setting_check(enum sa_setting s, const char *value, char *err,
    size_t errlen)
{
	long n;

	if (value == NULL)
		return sa_fail(err, errlen, SA_ERR_INVALID, "%s: no value",
		    sa_setting_name(s));
	switch (s) {
	case SA_SET_ACCEPT_ALL:
		if (!check_bool(value))
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "accept-all-certificates: \"%.40s\" is not true, "
			    "false, 1 or 0", value);
		return 0;
	case SA_SET_HTTP_USERNAME:
	case SA_SET_HTTP_PASSWORD:
		if ((n = utf8_text_chars(value)) < 0)
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "%s: not valid UTF-8 text (control characters "
			    "are not allowed)", sa_setting_name(s));
		if (n > SA_CRED_MAX)
			return sa_fail(err, errlen, SA_ERR_TOO_LONG,
			    "%s: %ld characters, at most %d allowed",
			    sa_setting_name(s), n, SA_CRED_MAX);
		return 0;
	case SA_SET_PROV_URL:
		return check_url(value, err, errlen);
	case SA_SET_PROV_INTERVAL:
		if (!check_uint(value, 31536000))
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "provisioning-interval: \"%.40s\" is not a number "
			    "of seconds from 0 to 31536000", value);
		return 0;
	case SA_SET_POLICY_VERSION:
		return check_version(value, err, errlen);
	}
	return sa_fail(err, errlen, SA_ERR_INVALID, "unknown setting");
}
