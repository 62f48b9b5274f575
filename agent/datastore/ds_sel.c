/*
 * ds_sel.c - what part of the data a subtree filter or an edit touches, so
 * that only that part is built from the core.  It may select more than
 * needed (the exact filter runs afterwards), never less.
 */
#include <stdlib.h>
#include <string.h>

#include "../sa_map.h"
#include "ds.h"

void
ds_sel_clear(struct ds_sel *sel)
{
	size_t i;
	int l;

	for (l = 0; l < SA_LIST_COUNT; l++) {
		for (i = 0; i < sel->list[l].nkeys; i++)
			free(sel->list[l].keys[i]);
		free(sel->list[l].keys);
	}
	memset(sel, 0, sizeof(*sel));
}

void
ds_sel_all(struct ds_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->everything = 1;
}

static const char *
node_name(const struct lyd_node *n)
{
	return n->schema != NULL ? n->schema->name : ((const struct lyd_node_opaq *)n)->name.name;
}

/* The module a node belongs to: its schema's, or an opaque node's namespace. */
static int
is_ours(const struct lyd_node *n)
{
	const struct lyd_node_opaq *o;

	if (n->schema != NULL)
		return strcmp(n->schema->module->name, SA_YANG_MODULE) == 0;
	o = (const struct lyd_node_opaq *)n;
	/* a filter without namespace matches any module */
	return o->name.module_ns == NULL ||
	    strcmp(o->name.module_ns, SA_MAP_YANG_NAMESPACE) == 0;
}

/* The effective edit operation of n: its own, or the inherited one. */
static const char *
edit_op(const struct lyd_node *n, const char *inherited)
{
	struct lyd_meta *m;

	for (m = n->meta; m != NULL; m = m->next)
		if (strcmp(m->name, "operation") == 0 &&
		    strcmp(m->annotation->module->name, "ietf-netconf") == 0)
			return lyd_get_meta_value(m);
	return inherited;
}

/* A list entry's key from a filter or edit node, or NULL. */
static const char *
key_of(const struct lyd_node *entry)
{
	const struct lyd_node *c;

	for (c = lyd_child(entry); c != NULL; c = c->next)
		if (strcmp(node_name(c), "fingerprint") == 0) {
			const char *v = lyd_get_value(c);
			return v != NULL && strlen(v) == SA_FP_HEX_LEN ? v : NULL;
		}
	return NULL;
}

static int
add_key(struct ds_sel *sel, enum sa_list l, const char *key)
{
	char **k;

	if ((k = realloc(sel->list[l].keys, (sel->list[l].nkeys + 1) *
	    sizeof(*k))) == NULL)
		return SA_ERR_NOMEM;
	sel->list[l].keys = k;
	if ((k[sel->list[l].nkeys] = strdup(key)) == NULL)
		return SA_ERR_NOMEM;
	sel->list[l].nkeys++;
	return 0;
}

static int
list_of(const char *name, enum sa_list *l)
{
	static const char *const names[SA_LIST_COUNT] = {
		"ca-certificate", "server-certificate", "invalid-certificate",
	};
	int i;

	for (i = 0; i < SA_LIST_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*l = (enum sa_list)i;
			return 0;
		}
	return -1;
}

static int
sel_certificates(struct ds_sel *sel, const struct lyd_node *certs, int edit,
    const char *op)
{
	const struct lyd_node *c;
	const char *key;
	enum sa_list l;
	int r;

	op = edit ? edit_op(certs, op) : op;
	if (lyd_child(certs) == NULL || (edit && strcmp(op, "replace") == 0)) {
		sel->certificates = 1;
		return 0;
	}
	for (c = lyd_child(certs); c != NULL; c = c->next) {
		if (strcmp(node_name(c), "accept-all-certificates") == 0) {
			sel->accept_all = 1;
		} else if (list_of(node_name(c), &l) == 0) {
			/* an entry named by its key; anything else: the list */
			if ((key = key_of(c)) != NULL) {
				if ((r = add_key(sel, l, key)) != 0)
					return r;
			} else {
				sel->list[l].all = 1;
			}
		} else {
			sel->certificates = 1;	/* unknown child: be generous */
		}
	}
	return 0;
}

static int
sel_security(struct ds_sel *sel, const struct lyd_node *sec, int edit,
    const char *op)
{
	const struct lyd_node *c;
	const char *name;
	int r;

	op = edit ? edit_op(sec, op) : op;
	if (lyd_child(sec) == NULL || (edit && strcmp(op, "replace") == 0)) {
		sel->security = 1;
		return 0;
	}
	for (c = lyd_child(sec); c != NULL; c = c->next) {
		name = node_name(c);
		if (strcmp(name, "certificates") == 0) {
			if ((r = sel_certificates(sel, c, edit, op)) != 0)
				return r;
		} else if (strcmp(name, "http-authentication") == 0) {
			sel->http = 1;
		} else if (strcmp(name, "provisioning") == 0) {
			sel->prov = 1;
		} else {
			sel->security = 1;
		}
	}
	return 0;
}

int
ds_sel_from_tree(struct ds_sel *sel, const struct lyd_node *tree, int edit,
    const char *default_op)
{
	const struct lyd_node *n;
	const char *op = default_op != NULL ? default_op : "merge";
	int r;

	memset(sel, 0, sizeof(*sel));
	for (n = tree; n != NULL; n = n->next) {
		if (is_ours(n) && strcmp(node_name(n), "security") == 0) {
			if ((r = sel_security(sel, n, edit, op)) != 0)
				return r;
		} else if (n->schema != NULL &&
		    strcmp(n->schema->module->name, "ietf-netconf-acm") == 0) {
			sel->nacm = 1;
		} else {
			sel->nacm = 1;
			sel->state_others = 1;
			if (n->schema == NULL)	/* a namespace-less filter */
				sel->security = 1;
		}
	}
	return 0;
}
