/*
 * rpc_common.c - input, replies and errors shared by the RPC handlers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../daemon/log.h"
#include "rpc.h"

struct lyd_node *
rpc_child(const struct lyd_node *n, const char *name)
{
	struct lyd_node *c;

	for (c = lyd_child(n); c != NULL; c = c->next)
		if (c->schema != NULL && strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

int
rpc_datastore(const struct lyd_node *container, enum dstore_ds *ds)
{
	const struct lyd_node *c = lyd_child(container);

	if (c == NULL || c->schema == NULL)
		return -1;
	if (strcmp(c->schema->name, "running") == 0)
		*ds = DSTORE_RUNNING;
	else if (strcmp(c->schema->name, "candidate") == 0)
		*ds = DSTORE_CANDIDATE;
	else if (strcmp(c->schema->name, "startup") == 0)
		*ds = DSTORE_STARTUP;
	else
		return -1;
	return 0;
}

struct lyd_node *
rpc_anydata_tree(const struct lyd_node *any)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	if (any == NULL || !(any->schema->nodetype & LYD_NODE_ANY) ||
	    a->value_type != LYD_ANYDATA_DATATREE)
		return NULL;
	return a->value.tree;
}

const char *
rpc_meta(const struct lyd_node *n, const char *module, const char *name)
{
	struct lyd_meta *m;

	for (m = n != NULL ? n->meta : NULL; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0 &&
		    strcmp(m->annotation->module->name, module) == 0)
			return lyd_get_meta_value(m);
	return NULL;
}

void
rpc_client(const struct sa_nc_call *c, struct dstore_client *dc)
{
	dstore_client_set(c->d->dstore, dc, "netconf", c->sess->id,
	    c->sess->user, c->sess->recovery);
}

struct nc_server_reply *
rpc_ok(void)
{
	return nc_server_reply_ok();
}

static const struct {
	const char *tag;
	NC_ERR err;
	int kind;		/* 0: (type), 1: (type, elem), 2: (), 3: (sid) */
} tags[] = {
	{ "in-use", NC_ERR_IN_USE, 0 },
	{ "invalid-value", NC_ERR_INVALID_VALUE, 0 },
	{ "too-big", NC_ERR_TOO_BIG, 0 },
	{ "missing-element", NC_ERR_MISSING_ELEM, 1 },
	{ "bad-element", NC_ERR_BAD_ELEM, 1 },
	{ "unknown-element", NC_ERR_UNKNOWN_ELEM, 1 },
	{ "unknown-namespace", NC_ERR_UNKNOWN_NS, 4 },
	{ "missing-attribute", NC_ERR_MISSING_ATTR, 4 },
	{ "bad-attribute", NC_ERR_BAD_ATTR, 4 },
	{ "access-denied", NC_ERR_ACCESS_DENIED, 0 },
	{ "lock-denied", NC_ERR_LOCK_DENIED, 3 },
	{ "resource-denied", NC_ERR_RES_DENIED, 0 },
	{ "data-exists", NC_ERR_DATA_EXISTS, 2 },
	{ "data-missing", NC_ERR_DATA_MISSING, 2 },
	{ "operation-not-supported", NC_ERR_OP_NOT_SUPPORTED, 0 },
	{ "operation-failed", NC_ERR_OP_FAILED, 0 },
};

struct nc_server_reply *
rpc_err(const struct sa_nc_call *c, const char *tag, uint32_t sid,
    const char *path, const char *elem, const char *fmt, ...)
{
	struct lyd_node *e = NULL;
	NC_ERR_TYPE type = NC_ERR_TYPE_APP;
	char msg[1024];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strcmp(tags[i].tag, tag) == 0)
			break;
	if (i == sizeof(tags) / sizeof(tags[0]))
		i = sizeof(tags) / sizeof(tags[0]) - 1;	/* operation-failed */
	if (tags[i].err == NC_ERR_IN_USE || tags[i].err == NC_ERR_OP_NOT_SUPPORTED ||
	    tags[i].err == NC_ERR_ACCESS_DENIED)
		type = NC_ERR_TYPE_PROT;
	switch (tags[i].kind) {
	case 0: e = nc_err(c->ctx, tags[i].err, type); break;
	case 1: e = nc_err(c->ctx, tags[i].err, type, elem ? elem : ""); break;
	case 2: e = nc_err(c->ctx, tags[i].err); break;
	case 3: e = nc_err(c->ctx, tags[i].err, sid); break;
	case 4:	/* unknown-namespace (elem, ns); *-attribute (attr, elem) */
		if (tags[i].err == NC_ERR_UNKNOWN_NS)
			e = nc_err(c->ctx, tags[i].err, type, elem ? elem : "", path ? path : "");
		else
			e = nc_err(c->ctx, tags[i].err, type, path ? path : "", elem ? elem : "");
		break;
	}
	if (e == NULL)
		return NULL;
	nc_err_set_msg(e, msg, "en");
	if (path != NULL && *path != '\0' && tags[i].kind != 4)
		nc_err_set_path(e, path);
	sa_debug("session %u: %s: %s", c->sess->id, tag, msg);
	return nc_server_reply_err(e);
}

struct nc_server_reply *
rpc_edit_err(const struct sa_nc_call *c, const struct edit_err *e)
{
	if (strcmp(e->tag, "unknown-namespace") == 0 ||
	    strstr(e->tag, "-attribute") != NULL)	/* e->ns: ns or attribute */
		return rpc_err(c, e->tag, 0, e->ns, e->elem, "%s", e->msg);
	return rpc_err(c, e->tag, 0, e->path, e->elem, "%s", e->msg);
}

struct nc_server_reply *
rpc_any_reply(const struct sa_nc_call *c, void *value,
    LYD_ANYDATA_VALUETYPE type, NC_WD_MODE wd)
{
	struct lyd_node *out = NULL;

	if (lyd_new_inner(NULL, c->rpc->schema->module, c->rpc->schema->name, 0,
	    &out) != LY_SUCCESS || lyd_new_any(out, NULL, "data", value, 1,
	    type, 1, NULL) != LY_SUCCESS) {
		if (type == LYD_ANYDATA_DATATREE)
			lyd_free_siblings(value);
		else
			free(value);
		lyd_free_tree(out);
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	}
	return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}

struct nc_server_reply *
rpc_data_reply(const struct sa_nc_call *c, struct lyd_node *tree,
    NC_WD_MODE wd)
{
	return rpc_any_reply(c, tree, LYD_ANYDATA_DATATREE, wd);
}

/* The module's operations, run by the datastore layer (sa_map.h SA_OP_*). */
struct nc_server_reply *
rpc_module_op(struct sa_nc_call *c)
{
	struct dstore_client dc;
	struct lyd_node *out;
	struct edit_err e;

	rpc_client(c, &dc);
	if (dstore_rpc(c->d->dstore, &dc, c->rpc, &out, &e) != 0)
		return rpc_edit_err(c, &e);
	if (out == NULL)
		return rpc_ok();
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}
