/*
 * ctl_cert.c - struct ctl_cert, what the commands print, made from a store
 * entry (direct mode) or from a list entry of a NETCONF reply (through the
 * daemon), so that both ways print the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "ctl.h"

int
ctl_cert_from_entry(struct ctl_cert *c, const struct sa_entry *e, time_t now,
    int details)
{
	memset(c, 0, sizeof(*c));
	sa_fp_to_hex(e->fp, c->fingerprint);
	c->list = strdup(sa_list_name(e->list));
	c->subject = strdup(e->subject);
	c->issuer = strdup(e->issuer);
	c->not_before = e->not_before;
	c->not_after = e->not_after;
	c->days_to_expiry = sa_days_until(e->not_after, now);
	c->status = strdup(sa_status_name(sa_entry_status(e, now)));
	c->origin = strdup(sa_origin_name(e->origin));
	c->rejected = e->rejected;
	if (e->list == SA_LIST_INVALID) {
		c->reason = strdup(sa_reason_name(e->reason));
		c->peer = e->peer != NULL ? strdup(e->peer) : NULL;
		c->first_seen = e->first_seen;
		c->last_seen = e->last_seen;
		c->seen_count = (unsigned long long)e->seen_count;
	}
	if (details) {
		if (sa_entry_details(e, &c->details) == 0)
			c->has_details = 1;
		c->pem = sa_der_to_pem(e->der, e->der_len);
	}
	return c->list && c->subject && c->issuer && c->status && c->origin ?
	    0 : SA_ERR_NOMEM;
}

void
ctl_cert_clear(struct ctl_cert *c)
{
	free(c->list);
	free(c->subject);
	free(c->issuer);
	free(c->status);
	free(c->origin);
	free(c->reason);
	free(c->peer);
	free(c->pem);
	sa_details_clear(&c->details);
	memset(c, 0, sizeof(*c));
}

const char *
ctl_leaf(const struct lyd_node *n, const char *path)
{
	struct lyd_node *l = NULL;

	/* an RPC's output is found with output set */
	if ((lyd_find_path(n, path, 0, &l) != LY_SUCCESS || l == NULL) &&
	    (lyd_find_path(n, path, 1, &l) != LY_SUCCESS || l == NULL))
		return NULL;
	return lyd_get_value(l);
}

static time_t
iso_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

static char *
dup0(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
ctl_cert_from_node(struct ctl_cert *c, const struct lyd_node *e, int details)
{
	const char *v;

	memset(c, 0, sizeof(*c));
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s",
	    (v = ctl_leaf(e, "fingerprint")) ? v : "");
	c->list = strdup(strcmp(e->schema->name, "ca-certificate") == 0 ? "ca" :
	    strcmp(e->schema->name, "server-certificate") == 0 ? "server" : "invalid");
	c->subject = strdup((v = ctl_leaf(e, "details/subject")) ? v : "");
	c->issuer = strdup((v = ctl_leaf(e, "details/issuer")) ? v : "");
	c->not_before = iso_time(ctl_leaf(e, "details/not-before"));
	c->not_after = iso_time(ctl_leaf(e, "details/not-after"));
	c->days_to_expiry = (v = ctl_leaf(e, "details/days-to-expiry")) ? atol(v) : 0;
	c->status = strdup((v = ctl_leaf(e, "status")) ? v : "");
	c->origin = strdup((v = ctl_leaf(e, "origin")) ? v : "");
	c->rejected = (v = ctl_leaf(e, "rejected")) != NULL && strcmp(v, "true") == 0;
	if (strcmp(c->list, "invalid") == 0) {
		c->reason = dup0(ctl_leaf(e, "reason"));
		c->peer = dup0(ctl_leaf(e, "peer"));
		c->first_seen = iso_time(ctl_leaf(e, "first-seen"));
		c->last_seen = iso_time(ctl_leaf(e, "last-seen"));
		c->seen_count = (v = ctl_leaf(e, "seen-count")) ? strtoull(v, NULL, 10) : 0;
	}
	if (details) {
		struct sa_details *d = &c->details;
		d->serial = strdup((v = ctl_leaf(e, "details/serial-number")) ? v : "");
		v = ctl_leaf(e, "details/signature-algorithm");
		d->signature_algorithm = strdup(v != NULL ? v : "");
		v = ctl_leaf(e, "details/public-key-algorithm");
		d->public_key_algorithm = strdup(v != NULL ? v : "");
		d->public_key_bits = (v = ctl_leaf(e, "details/public-key-bits")) ? atoi(v) : 0;
		d->is_ca = (v = ctl_leaf(e, "details/is-ca")) != NULL && strcmp(v, "true") == 0;
		d->key_usage = strdup((v = ctl_leaf(e, "details/key-usage")) ? v : "");
		v = ctl_leaf(e, "details/subject-alt-names");
		d->subject_alt_names = strdup(v != NULL ? v : "");
		v = ctl_leaf(e, "details/sha1-fingerprint");
		snprintf(d->sha1, sizeof(d->sha1), "%s", v != NULL ? v : "");
		snprintf(d->sha256, sizeof(d->sha256), "%s", c->fingerprint);
		c->has_details = 1;
		if ((v = ctl_leaf(e, "cert-data")) != NULL) {
			size_t len;
			unsigned char *der = sa_base64_decode(v, &len);

			if (der != NULL)
				c->pem = sa_der_to_pem(der, len);
			free(der);
		}
	}
	return c->list && c->subject && c->issuer && c->status && c->origin ? 0 : -1;
}
