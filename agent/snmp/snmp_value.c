/*
 * snmp_value.c - the core's certificate fields as SNMP values, one line
 * per field: the column getters of every certificate table.
 */
#include <string.h>
#include <time.h>

#include "snmp.h"

void
snmp_val_int(struct snmp_val *v, long n)
{
	v->type = ASN_INTEGER;
	v->u.l = n;
	v->p = &v->u.l;
	v->len = sizeof(v->u.l);
}

void
snmp_val_uint(struct snmp_val *v, u_char type, u_long n)
{
	v->type = type;
	v->u.ul = n;
	v->p = &v->u.ul;
	v->len = sizeof(v->u.ul);
}

void
snmp_val_counter64(struct snmp_val *v, uint64_t n)
{
	v->type = ASN_COUNTER64;
	v->u.c64.high = (u_long)(n >> 32);
	v->u.c64.low = (u_long)(n & 0xffffffffUL);
	v->p = &v->u.c64;
	v->len = sizeof(v->u.c64);
}

void
snmp_val_str(struct snmp_val *v, const void *p, size_t len)
{
	v->type = ASN_OCTET_STR;
	v->p = len > 0 ? p : "";
	v->len = len;
}

void
snmp_val_cstr(struct snmp_val *v, const char *s)
{
	snmp_val_str(v, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void
snmp_val_truth(struct snmp_val *v, int on)
{
	snmp_val_int(v, on ? 1 : 2);	/* TruthValue */
}

void
snmp_val_date(struct snmp_val *v, time_t t)
{
	struct tm tm;
	u_char *b = v->u.b;

	v->type = ASN_OCTET_STR;
	v->p = b;
	memset(b, 0, 11);
	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		v->len = 8;	/* '0000000000000000'H: never */
		return;
	}
	b[0] = (u_char)((tm.tm_year + 1900) >> 8);
	b[1] = (u_char)((tm.tm_year + 1900) & 0xff);
	b[2] = (u_char)(tm.tm_mon + 1);
	b[3] = (u_char)tm.tm_mday;
	b[4] = (u_char)tm.tm_hour;
	b[5] = (u_char)tm.tm_min;
	b[6] = (u_char)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	b[8] = '+';	/* UTC, said explicitly */
	v->len = 11;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* ---- the getters ---- */

static void
get_fingerprint(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_str(v, e->fp, SA_FP_LEN);
}

static void
get_cert_data(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_str(v, e->der, e->der_len);
}

static void
get_origin(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_int(v, SA_MAP_SNMP_ORIGIN(e->origin));
}

static void
get_status(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	snmp_val_int(v, SA_MAP_SNMP_STATUS(sa_entry_status(e, now)));
}

static void
get_rejected(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_truth(v, e->rejected);
}

static void
get_reason(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	/* an Invalid entry always has a reason; "other" if it had none */
	snmp_val_int(v, SA_MAP_SNMP_REASON(e->reason != SA_REASON_NONE ?
	    e->reason : SA_REASON_OTHER));
}

static void
get_peer(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->peer);
}

static void
get_first_seen(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_date(v, e->first_seen);
}

static void
get_last_seen(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_date(v, e->last_seen);
}

static void
get_seen_count(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_counter64(v, e->seen_count);
}

static void
get_subject(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->subject);
}

static void
get_issuer(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->issuer);
}

static void
get_serial(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->serial);
}

static void
get_not_before(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_date(v, e->not_before);
}

static void
get_not_after(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_date(v, e->not_after);
}

static void
get_days_to_expiry(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	snmp_val_int(v, sa_days_until(e->not_after, now));
}

static void
get_signature_algorithm(const struct sa_entry *e, time_t now,
    struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->signature_algorithm);
}

static void
get_public_key_algorithm(const struct sa_entry *e, time_t now,
    struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->public_key_algorithm);
}

static void
get_public_key_bits(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_uint(v, ASN_UNSIGNED, (u_long)(e->public_key_bits > 0 ?
	    e->public_key_bits : 0));
}

static void
get_is_ca(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_truth(v, e->is_ca);
}

static void
get_key_usage(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->key_usage);
}

static void
get_subject_alt_names(const struct sa_entry *e, time_t now,
    struct snmp_val *v)
{
	(void)now;
	snmp_val_cstr(v, e->subject_alt_names);
}

static void
get_sha1(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	size_t i;
	int hi, lo;

	(void)now;
	for (i = 0; i < 20; i++) {
		hi = hex_digit(e->sha1[2 * i]);
		lo = hi < 0 ? -1 : hex_digit(e->sha1[2 * i + 1]);
		if (lo < 0)
			break;
		v->u.b[i] = (u_char)(hi << 4 | lo);
	}
	snmp_val_str(v, v->u.b, i == 20 ? 20 : 0);
}

static void
get_row_status(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)e;
	(void)now;
	snmp_val_int(v, RS_ACTIVE);	/* every row that exists is active */
}

static void
get_action(const struct sa_entry *e, time_t now, struct snmp_val *v)
{
	(void)e;
	(void)now;
	snmp_val_int(v, SA_MAP_ACTION_NONE);
}

/* One line per field a column can show. */
static const struct {
	enum sa_field field;
	snmp_get_fn *get;
} fields[] = {
	{ SA_FIELD_FINGERPRINT, get_fingerprint },
	{ SA_FIELD_CERT_DATA, get_cert_data },
	{ SA_FIELD_ORIGIN, get_origin },
	{ SA_FIELD_STATUS, get_status },
	{ SA_FIELD_REJECTED, get_rejected },
	{ SA_FIELD_REASON, get_reason },
	{ SA_FIELD_PEER, get_peer },
	{ SA_FIELD_FIRST_SEEN, get_first_seen },
	{ SA_FIELD_LAST_SEEN, get_last_seen },
	{ SA_FIELD_SEEN_COUNT, get_seen_count },
	{ SA_FIELD_SUBJECT, get_subject },
	{ SA_FIELD_ISSUER, get_issuer },
	{ SA_FIELD_SERIAL, get_serial },
	{ SA_FIELD_NOT_BEFORE, get_not_before },
	{ SA_FIELD_NOT_AFTER, get_not_after },
	{ SA_FIELD_DAYS_TO_EXPIRY, get_days_to_expiry },
	{ SA_FIELD_SIGNATURE_ALGORITHM, get_signature_algorithm },
	{ SA_FIELD_PUBLIC_KEY_ALGORITHM, get_public_key_algorithm },
	{ SA_FIELD_PUBLIC_KEY_BITS, get_public_key_bits },
	{ SA_FIELD_IS_CA, get_is_ca },
	{ SA_FIELD_KEY_USAGE, get_key_usage },
	{ SA_FIELD_SUBJECT_ALT_NAMES, get_subject_alt_names },
	{ SA_FIELD_SHA1, get_sha1 },
	{ SA_FIELD_ROW_STATUS, get_row_status },
	{ SA_FIELD_ACTION, get_action },
};

snmp_get_fn *
snmp_val_getter(enum sa_field f)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].field == f)
			return fields[i].get;
	return NULL;
}

int
snmp_val_put(netsnmp_variable_list *vb, const struct snmp_val *v)
{
	return snmp_set_var_typed_value(vb, v->type, v->p, v->len) == 0 ?
	    0 : -1;
}
