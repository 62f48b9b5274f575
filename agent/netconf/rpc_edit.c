/*
 * rpc_edit.c - the operations that change datastores: edit-config,
 * copy-config, delete-config, validate, lock, unlock, commit,
 * discard-changes, cancel-commit.
 *
 * An edit is always all or nothing (rollback-on-error).  stop-on-error is
 * answered the same way: it stops at the first error and, stricter than
 * it needs to be, leaves nothing of the edit behind.  continue-on-error,
 * which would apply the rest after an error, is not offered.
 */
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

static struct nc_server_reply *
need_datastore(struct sa_nc_call *c, const char *container,
    enum dstore_ds *ds)
{
	if (rpc_datastore(rpc_child(c->rpc, container), ds) != 0)
		return rpc_err(c, "missing-element", 0, NULL, container,
		    "%s: running or candidate expected", container);
	if (*ds == DSTORE_STARTUP)
		return rpc_err(c, "operation-not-supported", 0, NULL, container,
		    "there is no startup datastore: running is persistent");
	return NULL;
}

struct nc_server_reply *
rpc_edit_config(struct sa_nc_call *c)
{
	const struct lyd_node *n;
	const char *defop = "merge", *test = "test-then-set";
	struct nc_server_reply *reply;
	struct dstore_client dc;
	enum dstore_ds ds;
	struct edit_err e;

	if ((reply = need_datastore(c, "target", &ds)) != NULL)
		return reply;
	if ((n = rpc_child(c->rpc, "default-operation")) != NULL)
		defop = lyd_get_value(n);
	if ((n = rpc_child(c->rpc, "test-option")) != NULL)
		test = lyd_get_value(n);
	if ((n = rpc_child(c->rpc, "error-option")) != NULL &&
	    strcmp(lyd_get_value(n), "continue-on-error") == 0)
		return rpc_err(c, "operation-not-supported", 0, NULL, "error-option",
		    "continue-on-error is not supported: an edit is all or nothing");
	if (rpc_child(c->rpc, "url") != NULL)
		return rpc_err(c, "operation-not-supported", 0, NULL, "url",
		    "the :url capability is not supported");
	if ((n = rpc_child(c->rpc, "config")) == NULL)
		return rpc_err(c, "missing-element", 0, NULL, "config",
		    "edit-config needs config");
	rpc_client(c, &dc);
	if (dstore_edit(c->d->dstore, &dc, ds, rpc_anydata_tree(n),
	    defop, strcmp(test, "test-only") == 0, &e) != 0)
		return rpc_edit_err(c, &e);
	return rpc_ok();
}

/* A whole configuration from a source container: a copy, or an error. */
static struct nc_server_reply *
source_config(struct sa_nc_call *c, struct lyd_node **conf)
{
	const struct lyd_node *src = rpc_child(c->rpc, "source"), *n;
	enum dstore_ds ds;
	struct edit_err e;

	*conf = NULL;
	if (src == NULL)
		return rpc_err(c, "missing-element", 0, NULL, "source",
		    "a source is needed");
	if ((n = rpc_child(src, "config")) != NULL) {
		if (rpc_anydata_tree(n) != NULL && lyd_dup_siblings(
		    rpc_anydata_tree(n), NULL, LYD_DUP_RECURSIVE, conf) != LY_SUCCESS)
			return rpc_err(c, "resource-denied", 0, NULL, NULL,
			    "out of memory");
		return NULL;
	}
	if (rpc_child(src, "url") != NULL)
		return rpc_err(c, "operation-not-supported", 0, NULL, "url",
		    "the :url capability is not supported");
	if (rpc_datastore(src, &ds) != 0)
		return rpc_err(c, "missing-element", 0, NULL, "source",
		    "running, candidate or config expected");
	if (dstore_config(c->d->dstore, ds, conf, &e) != 0)
		return rpc_edit_err(c, &e);
	return NULL;
}

struct nc_server_reply *
rpc_copy_config(struct sa_nc_call *c)
{
	struct nc_server_reply *reply;
	struct lyd_node *conf;
	struct dstore_client dc;
	enum dstore_ds ds;
	struct edit_err e;
	int r;

	if ((reply = need_datastore(c, "target", &ds)) != NULL)
		return reply;
	if ((reply = source_config(c, &conf)) != NULL)
		return reply;
	rpc_client(c, &dc);
	r = dstore_copy(c->d->dstore, &dc, ds, conf, &e);
	lyd_free_siblings(conf);
	return r == 0 ? rpc_ok() : rpc_edit_err(c, &e);
}

struct nc_server_reply *
rpc_delete_config(struct sa_nc_call *c)
{
	return rpc_err(c, "operation-not-supported", 0, NULL, "target",
	    "delete-config applies to startup and URLs, which this server "
	    "does not have; running cannot be deleted");
}

struct nc_server_reply *
rpc_validate(struct sa_nc_call *c)
{
	struct nc_server_reply *reply;
	struct lyd_node *conf;
	struct dstore_client dc;
	struct edit_err e;
	int r;

	if ((reply = source_config(c, &conf)) != NULL)
		return reply;
	rpc_client(c, &dc);
	r = dstore_apply_config(c->d->dstore, &dc, conf, 1, &e);
	lyd_free_siblings(conf);
	return r == 0 ? rpc_ok() : rpc_edit_err(c, &e);
}

struct nc_server_reply *
rpc_lock(struct sa_nc_call *c)
{
	struct nc_server_reply *reply;
	enum dstore_ds ds;
	struct edit_err e;
	uint32_t holder;

	if ((reply = need_datastore(c, "target", &ds)) != NULL)
		return reply;
	if (dstore_lock(c->d->dstore, c->sess->id, ds, &holder, &e) == 0)
		return rpc_ok();
	if (strcmp(e.tag, "lock-denied") == 0)
		return rpc_err(c, "lock-denied", holder, NULL, NULL, "%s", e.msg);
	return rpc_edit_err(c, &e);
}

struct nc_server_reply *
rpc_unlock(struct sa_nc_call *c)
{
	struct nc_server_reply *reply;
	enum dstore_ds ds;
	struct edit_err e;

	if ((reply = need_datastore(c, "target", &ds)) != NULL)
		return reply;
	if (dstore_unlock(c->d->dstore, c->sess->id, ds, &e) != 0)
		return rpc_edit_err(c, &e);
	return rpc_ok();
}

struct nc_server_reply *
rpc_commit(struct sa_nc_call *c)
{
	struct dstore_commit_args a;
	const struct lyd_node *n;
	struct dstore_client dc;
	struct edit_err e;

	memset(&a, 0, sizeof(a));
	a.confirmed = rpc_child(c->rpc, "confirmed") != NULL;
	if ((n = rpc_child(c->rpc, "confirm-timeout")) != NULL)
		a.timeout = (unsigned)strtoul(lyd_get_value(n), NULL, 10);
	if ((n = rpc_child(c->rpc, "persist")) != NULL)
		a.persist = lyd_get_value(n);
	if ((n = rpc_child(c->rpc, "persist-id")) != NULL)
		a.persist_id = lyd_get_value(n);
	if (!a.confirmed && (a.timeout != 0 || a.persist != NULL))
		return rpc_err(c, "invalid-value", 0, NULL, "confirm-timeout",
		    "confirm-timeout and persist go with confirmed");
	rpc_client(c, &dc);
	if (dstore_commit(c->d->dstore, &dc, &a, &e) != 0)
		return rpc_edit_err(c, &e);
	return rpc_ok();
}

struct nc_server_reply *
rpc_discard_changes(struct sa_nc_call *c)
{
	struct edit_err e;

	if (dstore_discard(c->d->dstore, c->sess->id, &e) != 0)
		return rpc_edit_err(c, &e);
	return rpc_ok();
}

struct nc_server_reply *
rpc_cancel_commit(struct sa_nc_call *c)
{
	const struct lyd_node *n = rpc_child(c->rpc, "persist-id");
	struct edit_err e;

	if (dstore_cancel_commit(c->d->dstore, c->sess->id,
	    n != NULL ? lyd_get_value(n) : NULL, &e) != 0)
		return rpc_edit_err(c, &e);
	return rpc_ok();
}
