/*
 * ds_build.c - the secagent-security data of the core as a libyang tree:
 * only what the selection asks for, in the trim view (ds.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ds.h"

/* The child of n named name, or NULL (without libyang's path logging). */
static struct lyd_node *
child_named(struct lyd_node *n, const char *name)
{
	struct lyd_node *c;

	for (c = n != NULL ? lyd_child(n) : NULL; c != NULL; c = c->next)
		if (c->schema != NULL && strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

struct lyd_node *
ds_password_node(struct lyd_node *tree)
{
	for (; tree != NULL; tree = tree->next)
		if (tree->schema != NULL && strcmp(tree->schema->name, "security") == 0 &&
		    strcmp(tree->schema->module->name, SA_YANG_MODULE) == 0)
			return child_named(child_named(tree, "http-authentication"),
			    "password");
	return NULL;
}

void
ds_time(time_t t, char *buf, size_t len)
{
	sa_time_iso(t, buf, len);
}

static int
term(struct lyd_node *parent, const struct lys_module *mod, const char *name,
    const char *value)
{
	return lyd_new_term(parent, mod, name, value, 0, NULL) == LY_SUCCESS ?
	    0 : SA_ERR_INVALID;
}

static int
term_time(struct lyd_node *parent, const struct lys_module *mod,
    const char *name, time_t t)
{
	char buf[32];

	ds_time(t, buf, sizeof(buf));
	return term(parent, mod, name, buf);
}

static int
term_num(struct lyd_node *parent, const struct lys_module *mod,
    const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return term(parent, mod, name, buf);
}

static int
add_details(struct lyd_node *entry, const struct lys_module *mod,
    const struct sa_entry *e, time_t now)
{
	struct lyd_node *d;
	int r = 0;

	if (lyd_new_inner(entry, mod, "details", 0, &d) != LY_SUCCESS)
		return SA_ERR_NOMEM;
	r |= term(d, mod, "subject", e->subject);
	r |= term(d, mod, "issuer", e->issuer);
	if (e->serial != NULL)
		r |= term(d, mod, "serial-number", e->serial);
	r |= term_time(d, mod, "not-before", e->not_before);
	r |= term_time(d, mod, "not-after", e->not_after);
	r |= term_num(d, mod, "days-to-expiry", sa_days_until(e->not_after, now));
	if (e->signature_algorithm != NULL)
		r |= term(d, mod, "signature-algorithm", e->signature_algorithm);
	if (e->public_key_algorithm != NULL)
		r |= term(d, mod, "public-key-algorithm", e->public_key_algorithm);
	r |= term_num(d, mod, "public-key-bits", e->public_key_bits);
	r |= term(d, mod, "is-ca", e->is_ca ? "true" : "false");
	if (e->key_usage != NULL)
		r |= term(d, mod, "key-usage", e->key_usage);
	if (e->subject_alt_names != NULL)
		r |= term(d, mod, "subject-alt-names", e->subject_alt_names);
	if (e->sha1[0] != '\0')
		r |= term(d, mod, "sha1-fingerprint", e->sha1);
	return r;
}

static const char *const list_nodes[SA_LIST_COUNT] = {
	"ca-certificate", "server-certificate", "invalid-certificate",
};

static int
add_entry(struct lyd_node *certs, const struct lys_module *mod,
    const struct sa_entry *e, time_t now, enum ds_what what)
{
	char hex[SA_FP_HEX_LEN + 1], *b64;
	struct lyd_node *n;
	int r = 0;

	sa_fp_to_hex(e->fp, hex);
	if (lyd_new_list(certs, mod, list_nodes[e->list], 0, &n, hex) != LY_SUCCESS)
		return SA_ERR_INVALID;
	if (what == DS_EDIT) {
		if ((b64 = sa_base64_encode(e->der, e->der_len)) == NULL)
			return SA_ERR_NOMEM;
		r |= term(n, mod, "cert-data", b64);
		free(b64);
	} else {
		/*
		 * A reply's view: the DER as it is, not base64 that libyang
		 * would decode and keep besides in its dictionary; libyang
		 * makes the text when something reads it, the reply's printer
		 * (rpc_data.c) encodes it straight into the reply.  Edit views
		 * keep the text: they are duplicated and shared (the candidate).
		 */
		r |= lyd_new_term_bin(n, mod, "cert-data", e->der, e->der_len, 0,
		    NULL) == LY_SUCCESS ? 0 : SA_ERR_INVALID;
	}
	if (e->list == SA_LIST_SERVER && e->rejected)	/* trim: false is absent */
		r |= term(n, mod, "rejected", "true");
	if (what != DS_ALL)
		return r;
	if (e->list == SA_LIST_INVALID) {
		r |= term(n, mod, "reason", sa_reason_name(e->reason));
		if (e->peer != NULL)
			r |= term(n, mod, "peer", e->peer);
		r |= term_time(n, mod, "first-seen", e->first_seen);
		r |= term_time(n, mod, "last-seen", e->last_seen);
		r |= term_num(n, mod, "seen-count", (long long)e->seen_count);
	}
	r |= term(n, mod, "origin", sa_origin_name(e->origin));
	r |= term(n, mod, "status", sa_status_name(sa_entry_status(e, now)));
	r |= add_details(n, mod, e, now);
	return r;
}

static int
build_list(struct sa_store *st, struct lyd_node *certs,
    const struct lys_module *mod, enum sa_list l, const struct ds_sel *sel,
    enum ds_what what, time_t now)
{
	unsigned char fp[SA_FP_LEN];
	const struct sa_entry *e;
	size_t i;
	int r = 0, all = sel->everything || sel->security || sel->certificates ||
	    sel->list[l].all;

	if (l == SA_LIST_INVALID && what != DS_ALL)
		return 0;	/* config false */
	if (all) {
		for (e = sa_store_first(st, l); e != NULL && r == 0;
		    e = sa_store_next(st, e))
			r = add_entry(certs, mod, e, now, what);
		return r;
	}
	for (i = 0; i < sel->list[l].nkeys && r == 0; i++) {
		if (sa_fp_from_hex(sel->list[l].keys[i], fp) != 0)
			continue;
		if ((e = sa_store_find(st, fp)) != NULL && e->list == l)
			r = add_entry(certs, mod, e, now, what);
	}
	return r;
}

/* A string setting as a leaf, absent when empty (no YANG default). */
static int
setting_leaf(struct sa_store *st, struct lyd_node *parent,
    const struct lys_module *mod, const char *name, enum sa_setting s,
    enum ds_what what)
{
	char *v = NULL;
	int r = 0;

	if (sa_setting_is_secret(s)) {
		if (what == DS_EDIT && sa_store_get_secret(st, s, &v) == 0 &&
		    v[0] != '\0')
			r = term(parent, mod, name, DS_PASSWORD_STANDIN);
	} else if (sa_store_get(st, s, &v) == 0 && v[0] != '\0') {
		r = term(parent, mod, name, v);
	}
	if (v != NULL) {
		OPENSSL_cleanse(v, strlen(v));
		free(v);
	}
	return r;
}

static int
build_certificates(struct sa_store *st, struct lyd_node *sec,
    const struct lys_module *mod, const struct ds_sel *sel, enum ds_what what,
    time_t now)
{
	struct lyd_node *certs;
	int all = sel->everything || sel->security || sel->certificates, l, r = 0;
	char buf[32];

	if (lyd_new_inner(sec, mod, "certificates", 0, &certs) != LY_SUCCESS)
		return SA_ERR_NOMEM;
	if ((all || sel->accept_all) && sa_store_accept_all(st))
		r = term(certs, mod, "accept-all-certificates", "true");
	if (all && what == DS_ALL && r == 0) {
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)sa_store_invalid_evictions(st));
		r = term(certs, mod, "invalid-evictions", buf);
	}
	sa_store_rdlock(st);
	for (l = 0; l < SA_LIST_COUNT && r == 0; l++)
		r = build_list(st, certs, mod, (enum sa_list)l, sel, what, now);
	sa_store_unlock(st);
	return r;
}

static int
build_prov(struct sa_store *st, struct lyd_node *sec,
    const struct lys_module *mod, enum ds_what what)
{
	struct lyd_node *p;
	char *v = NULL;
	int r;

	if (lyd_new_inner(sec, mod, "provisioning", 0, &p) != LY_SUCCESS)
		return SA_ERR_NOMEM;
	r = setting_leaf(st, p, mod, "server-url", SA_SET_PROV_URL, what);
	if (r == 0 && sa_store_get(st, SA_SET_PROV_INTERVAL, &v) == 0 &&
	    strcmp(v, "0") != 0)
		r = term(p, mod, "interval", v);
	free(v);
	return r;
}

int
ds_build_security(struct sa_store *st, struct ly_ctx *ctx,
    const struct ds_sel *sel, enum ds_what what, struct lyd_node **tree,
    char *err, size_t errlen)
{
	const struct lys_module *mod;
	struct lyd_node *sec, *h;
	int all = sel->everything || sel->security, r = 0;
	time_t now = sa_store_now(st);

	if (!all && !sel->certificates && !sel->accept_all && !sel->http &&
	    !sel->prov && !sel->list[0].all && !sel->list[1].all &&
	    !sel->list[2].all && sel->list[0].nkeys + sel->list[1].nkeys +
	    sel->list[2].nkeys == 0)
		return 0;
	if ((mod = ly_ctx_get_module_implemented(ctx, SA_YANG_MODULE)) == NULL)
		return sa_fail(err, errlen, SA_ERR_INVALID, "%s not loaded",
		    SA_YANG_MODULE);
	if (lyd_new_inner(NULL, mod, "security", 0, &sec) != LY_SUCCESS)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	if (all || sel->certificates || sel->accept_all ||
	    sel->list[0].all || sel->list[1].all || sel->list[2].all ||
	    sel->list[0].nkeys || sel->list[1].nkeys || sel->list[2].nkeys)
		r = build_certificates(st, sec, mod, sel, what, now);
	if (r == 0 && (all || sel->http)) {
		if (lyd_new_inner(sec, mod, "http-authentication", 0, &h) != LY_SUCCESS)
			r = SA_ERR_NOMEM;
		else if ((r = setting_leaf(st, h, mod, "username",
		    SA_SET_HTTP_USERNAME, what)) == 0)
			r = setting_leaf(st, h, mod, "password",
			    SA_SET_HTTP_PASSWORD, what);
	}
	if (r == 0 && (all || sel->prov))
		r = build_prov(st, sec, mod, what);
	if (r != 0) {
		lyd_free_tree(sec);
		return sa_fail(err, errlen, r, "cannot build the %s data",
		    SA_YANG_MODULE);
	}
	if (*tree == NULL)
		*tree = sec;
	else
		lyd_insert_sibling(*tree, sec, tree);
	return 0;
}
