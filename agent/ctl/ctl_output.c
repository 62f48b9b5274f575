/*
 * ctl_output.c - what secagentctl prints: aligned text for people,
 * JSON (--json) for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void
ctl_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void
json_key(FILE *f, int *first, const char *key)
{
	fprintf(f, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = 0;
}

static void
json_str(FILE *f, int *first, const char *key, const char *v)
{
	json_key(f, first, key);
	ctl_json_string(f, v);
}

static void
json_time(FILE *f, int *first, const char *key, time_t t)
{
	char buf[32];

	sa_time_iso(t, buf, sizeof(buf));
	json_str(f, first, key, buf);
}

static void
json_cert(FILE *f, const struct ctl_cert *c)
{
	const struct sa_details *d = &c->details;
	int first = 1;

	fputc('{', f);
	json_str(f, &first, "list", c->list);
	json_str(f, &first, "fingerprint", c->fingerprint);
	json_str(f, &first, "subject", c->subject);
	json_str(f, &first, "issuer", c->issuer);
	json_time(f, &first, "not-before", c->not_before);
	json_time(f, &first, "not-after", c->not_after);
	json_key(f, &first, "days-to-expiry");
	fprintf(f, "%ld", c->days_to_expiry);
	json_str(f, &first, "status", c->status);
	json_str(f, &first, "origin", c->origin);
	json_key(f, &first, "rejected");
	fputs(c->rejected ? "true" : "false", f);
	json_str(f, &first, "reason", c->reason);
	if (c->reason != NULL) {
		json_str(f, &first, "peer", c->peer);
		json_time(f, &first, "first-seen", c->first_seen);
		json_time(f, &first, "last-seen", c->last_seen);
		json_key(f, &first, "seen-count");
		fprintf(f, "%llu", c->seen_count);
	}
	if (c->has_details) {
		json_str(f, &first, "serial-number", d->serial);
		json_str(f, &first, "signature-algorithm", d->signature_algorithm);
		json_str(f, &first, "public-key-algorithm", d->public_key_algorithm);
		json_key(f, &first, "public-key-bits");
		fprintf(f, "%d", d->public_key_bits);
		json_key(f, &first, "is-ca");
		fputs(d->is_ca ? "true" : "false", f);
		json_str(f, &first, "key-usage", d->key_usage);
		json_str(f, &first, "subject-alt-names", d->subject_alt_names);
		json_str(f, &first, "sha1-fingerprint", d->sha1);
		json_str(f, &first, "pem", c->pem);
	}
	fputc('}', f);
}

static const char *
flags_of(const struct ctl_cert *c)
{
	if (c->rejected)
		return "rejected";
	if (c->reason != NULL)
		return c->reason;
	return "-";
}

void
ctl_print_list(FILE *f, const struct ctl_cert *certs, size_t n, int json)
{
	char date[32];
	size_t i;

	if (json) {
		fputc('[', f);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n " : "", f);
			json_cert(f, &certs[i]);
		}
		fputs("]\n", f);
		return;
	}
	fprintf(f, "%-8s %-64s %-13s %-10s %-17s %s\n", "LIST", "FINGERPRINT",
	    "STATUS", "NOT-AFTER", "FLAGS", "SUBJECT");
	for (i = 0; i < n; i++) {
		sa_time_iso(certs[i].not_after, date, sizeof(date));
		date[10] = '\0';
		fprintf(f, "%-8s %-64s %-13s %-10s %-17s %s\n", certs[i].list,
		    certs[i].fingerprint, certs[i].status, date,
		    flags_of(&certs[i]), certs[i].subject);
	}
}

static void
line(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%-22s %s\n", key, value != NULL ? value : "");
}

static void
line_time(FILE *f, const char *key, time_t t)
{
	char buf[32];

	sa_time_iso(t, buf, sizeof(buf));
	line(f, key, buf);
}

void
ctl_print_show(FILE *f, const struct ctl_cert *c, int json)
{
	const struct sa_details *d = &c->details;
	char num[32];

	if (json) {
		json_cert(f, c);
		fputc('\n', f);
		return;
	}
	line(f, "fingerprint:", c->fingerprint);
	line(f, "list:", c->list);
	line(f, "origin:", c->origin);
	line(f, "status:", c->status);
	if (c->rejected)
		line(f, "rejected:", "true");
	if (c->reason != NULL) {
		line(f, "reason:", c->reason);
		line(f, "peer:", c->peer != NULL ? c->peer : "-");
		line_time(f, "first-seen:", c->first_seen);
		line_time(f, "last-seen:", c->last_seen);
		snprintf(num, sizeof(num), "%llu", c->seen_count);
		line(f, "seen-count:", num);
	}
	line(f, "subject:", c->subject);
	line(f, "issuer:", c->issuer);
	if (c->has_details)
		line(f, "serial-number:", d->serial);
	line_time(f, "not-before:", c->not_before);
	line_time(f, "not-after:", c->not_after);
	snprintf(num, sizeof(num), "%ld", c->days_to_expiry);
	line(f, "days-to-expiry:", num);
	if (!c->has_details)
		return;
	line(f, "signature-algorithm:", d->signature_algorithm);
	snprintf(num, sizeof(num), "%s (%d bits)", d->public_key_algorithm,
	    d->public_key_bits);
	line(f, "public-key:", num);
	line(f, "is-ca:", d->is_ca ? "true" : "false");
	line(f, "key-usage:", d->key_usage);
	line(f, "subject-alt-names:", d->subject_alt_names);
	line(f, "sha1-fingerprint:", d->sha1);
	if (c->pem != NULL)
		fputs(c->pem, f);
}

void
ctl_print_results(FILE *f, const struct sa_txn_result *r, size_t n, int json)
{
	char hex[SA_FP_HEX_LEN + 1];
	size_t i;

	if (json)
		fputc('[', f);
	for (i = 0; i < n; i++) {
		sa_fp_to_hex(r[i].fp, hex);
		if (json) {
			fprintf(f, "%s{\"fingerprint\": \"%s\", \"list\": \"%s\", "
			    "\"existed\": %s", i ? ",\n " : "", hex,
			    sa_list_name(r[i].list), r[i].existed ? "true" : "false");
			if (r[i].list == SA_LIST_INVALID)
				fprintf(f, ", \"reason\": \"%s\"",
				    sa_reason_name(r[i].reason));
			fputc('}', f);
			continue;
		}
		fprintf(f, "%s %-7s%s%s%s\n", hex, sa_list_name(r[i].list),
		    r[i].list == SA_LIST_INVALID ? " " : "",
		    r[i].list == SA_LIST_INVALID ? sa_reason_name(r[i].reason) : "",
		    r[i].existed ? " (already there)" : "");
	}
	if (json)
		fputs("]\n", f);
}
