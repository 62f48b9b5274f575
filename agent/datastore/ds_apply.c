/*
 * ds_apply.c - from two views of secagent-security to one core
 * transaction: lyd_diff_siblings() says what was created, deleted or
 * replaced, and each change becomes the core call behind its node.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/sa_store.h"
#include "ds.h"
#include "edit.h"

static const char *
diff_op(const struct lyd_node *n)
{
	struct lyd_meta *m;

	for (m = n->meta; m != NULL; m = m->next)
		if (strcmp(m->name, "operation") == 0 &&
		    strcmp(m->annotation->module->name, "yang") == 0)
			return lyd_get_meta_value(m);
	return NULL;
}

static const struct lyd_node *
child(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	for (c = lyd_child(n); c != NULL; c = c->next)
		if (strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

static int
stage_setting(struct sa_txn *t, const struct lyd_node *leaf, enum sa_setting s,
    const char *deleted_value, size_t *changes, struct edit_err *e)
{
	const char *op = diff_op(leaf), *v;
	char err[256];

	if (op == NULL || strcmp(op, "none") == 0 || (leaf->flags & LYD_DEFAULT))
		return 0;
	v = strcmp(op, "delete") == 0 ? deleted_value : lyd_get_value(leaf);
	if (sa_setting_is_secret(s) && strcmp(v, DS_PASSWORD_STANDIN) == 0)
		return 0;	/* unchanged */
	if (sa_txn_set(t, s, v, err, sizeof(err)) != 0)
		return edit_fail(e, "invalid-value", leaf, "%s", err);
	(*changes)++;
	return 0;
}

static int
stage_entry(struct sa_txn *t, const struct lyd_node *entry, enum sa_list l,
    const char *op, size_t *changes, struct edit_err *e)
{
	unsigned char fp[SA_FP_LEN], *der;
	const struct lyd_node *key = child(entry, "fingerprint"), *c;
	const char *cop;
	char err[256];
	size_t len;
	int r, rejected;

	if (key == NULL || sa_fp_from_hex(lyd_get_value(key), fp) != 0)
		return edit_fail(e, "invalid-value", entry, "bad fingerprint");
	if (strcmp(op, "delete") == 0) {
		(*changes)++;
		return sa_txn_remove(t, fp) == 0 ? 0 :
		    edit_fail(e, "operation-failed", entry, "out of memory");
	}
	if (strcmp(op, "create") == 0) {
		c = child(entry, "cert-data");
		if (c == NULL)
			return edit_fail(e, "data-missing", entry,
			    "cert-data is mandatory for a new certificate");
		if ((der = sa_base64_decode(lyd_get_value(c), &len)) == NULL)
			return edit_fail(e, "invalid-value", c, "cert-data is not base64");
		c = child(entry, "rejected");
		rejected = c != NULL && strcmp(lyd_get_value(c), "true") == 0;
		r = sa_txn_add(t, l, der, len, fp, rejected, SA_ORIGIN_CONFIGURED,
		    err, sizeof(err));
		free(der);
		if (r != 0)
			return edit_fail(e, "invalid-value", entry, "%s", err);
		(*changes)++;
		return 0;
	}
	/* the entry stays: changes of its leaves */
	for (c = lyd_child(entry); c != NULL; c = c->next) {
		if ((cop = diff_op(c)) == NULL || strcmp(cop, "none") == 0)
			continue;
		if (strcmp(c->schema->name, "cert-data") == 0)
			return edit_fail(e, "invalid-value", c,
			    "the cert-data of a certificate cannot change: "
			    "the fingerprint is the hash of it");
		if (strcmp(c->schema->name, "rejected") == 0) {
			rejected = strcmp(cop, "delete") != 0 &&
			    strcmp(lyd_get_value(c), "true") == 0;
			if (sa_txn_set_rejected(t, fp, rejected) != 0)
				return edit_fail(e, "operation-failed", c, "out of memory");
			(*changes)++;
		}
	}
	return 0;
}

static int
stage_certificates(struct sa_txn *t, const struct lyd_node *certs,
    const char *inherited, size_t *changes, struct edit_err *e)
{
	const struct lyd_node *c;
	const char *op;
	int r = 0;

	for (c = lyd_child(certs); c != NULL && r == 0; c = c->next) {
		if (c->flags & LYD_DEFAULT)
			continue;	/* implicit defaults under a created node */
		op = diff_op(c) != NULL ? diff_op(c) : inherited;
		if (strcmp(c->schema->name, "accept-all-certificates") == 0)
			r = stage_setting(t, c, SA_SET_ACCEPT_ALL, "false", changes, e);
		else if (strcmp(c->schema->name, "ca-certificate") == 0)
			r = stage_entry(t, c, SA_LIST_CA, op, changes, e);
		else if (strcmp(c->schema->name, "server-certificate") == 0)
			r = stage_entry(t, c, SA_LIST_SERVER, op, changes, e);
	}
	return r;
}

/* Leaves below a created or deleted container carry no operation of their own. */
static void
inherit(struct lyd_node *n, const char *op)
{
	struct lyd_node *c;

	if (diff_op(n) == NULL)
		lyd_new_meta(LYD_CTX(n), n, NULL, "yang:operation", op, 0, NULL);
	if (n->schema->nodetype & (LYS_CONTAINER))
		for (c = lyd_child(n); c != NULL; c = c->next)
			inherit(c, diff_op(n));
}

static int
stage_security(struct sa_txn *t, struct lyd_node *sec, size_t *changes,
    struct edit_err *e)
{
	struct lyd_node *c, *l;
	int r = 0;

	inherit(sec, "none");
	for (c = lyd_child(sec); c != NULL && r == 0; c = c->next) {
		if (strcmp(c->schema->name, "certificates") == 0) {
			r = stage_certificates(t, c, diff_op(c), changes, e);
		} else if (strcmp(c->schema->name, "http-authentication") == 0) {
			for (l = lyd_child(c); l != NULL && r == 0; l = l->next)
				r = stage_setting(t, l, strcmp(l->schema->name,
				    "username") == 0 ? SA_SET_HTTP_USERNAME :
				    SA_SET_HTTP_PASSWORD, "", changes, e);
		} else if (strcmp(c->schema->name, "provisioning") == 0) {
			for (l = lyd_child(c); l != NULL && r == 0; l = l->next) {
				if (strcmp(l->schema->name, "server-url") == 0)
					r = stage_setting(t, l, SA_SET_PROV_URL, "",
					    changes, e);
				else if (strcmp(l->schema->name, "interval") == 0)
					r = stage_setting(t, l, SA_SET_PROV_INTERVAL,
					    "0", changes, e);
			}
		}
	}
	return r;
}

static const struct lyd_node *
find_security(const struct lyd_node *tree)
{
	for (; tree != NULL; tree = tree->next)
		if (tree->schema != NULL && strcmp(tree->schema->name, "security") == 0 &&
		    strcmp(tree->schema->module->name, SA_YANG_MODULE) == 0)
			return tree;
	return NULL;
}

int
ds_stage_diff(struct sa_txn *t, const struct lyd_node *before,
    const struct lyd_node *after, size_t *changes, struct edit_err *e)
{
	const struct lyd_node *b = find_security(before), *a = find_security(after);
	struct lyd_node *diff = NULL, *bd = NULL, *ad = NULL;
	int r = 0;

	*changes = 0;
	/* diff only our module: dup the two subtrees alone */
	if ((b != NULL && lyd_dup_single(b, NULL, LYD_DUP_RECURSIVE, &bd) != LY_SUCCESS) ||
	    (a != NULL && lyd_dup_single(a, NULL, LYD_DUP_RECURSIVE, &ad) != LY_SUCCESS) ||
	    lyd_diff_siblings(bd, ad, 0, &diff) != LY_SUCCESS) {
		r = edit_fail(e, "operation-failed", NULL,
		    "cannot compare the configurations");
		goto out;
	}
	if (diff != NULL)
		r = stage_security(t, diff, changes, e);
 out:
	lyd_free_siblings(diff);
	lyd_free_siblings(bd);
	lyd_free_siblings(ad);
	return r;
}
