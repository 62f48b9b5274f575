/*
 * rpc.h - what the RPC handlers share: reading their input, making
 * replies, mapping errors.
 */
#ifndef SA_RPC_H
#define SA_RPC_H

#include "../datastore/datastore.h"
#include "netconf.h"

/* The child of an RPC input (or any node) by name, or NULL. */
struct lyd_node *rpc_child(const struct lyd_node *n, const char *name);
/* The datastore named in a source/target container: 0, or -1. */
int rpc_datastore(const struct lyd_node *container, enum dstore_ds *ds);
/* The content of an anyxml/anydata node (config, filter), or NULL. */
struct lyd_node *rpc_anydata_tree(const struct lyd_node *any);
/* The value of metadata name (e.g. "ietf-netconf:type") on n, or NULL. */
const char *rpc_meta(const struct lyd_node *n, const char *module,
    const char *name);

/* The session as a client of the datastore layer: user, NACM group, id. */
void rpc_client(const struct sa_nc_call *c, struct dstore_client *dc);

/* Replies. */
struct nc_server_reply *rpc_ok(void);
struct nc_server_reply *rpc_err(const struct sa_nc_call *c, const char *tag,
    uint32_t sid, const char *path, const char *elem, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
struct nc_server_reply *rpc_edit_err(const struct sa_nc_call *c,
    const struct edit_err *e);
/* A reply of the RPC's output with its "data" anydata holding value of
 * type (owned: freed on failure too). */
struct nc_server_reply *rpc_any_reply(const struct sa_nc_call *c, void *value,
    LYD_ANYDATA_VALUETYPE type, NC_WD_MODE wd);
/* A reply whose output node "data" holds tree (taken over). */
struct nc_server_reply *rpc_data_reply(const struct sa_nc_call *c,
    struct lyd_node *tree, NC_WD_MODE wd);

/* Handlers (rpc_*.c), listed in rpc_table.c. */
sa_rpc_fn rpc_get, rpc_get_config, rpc_edit_config, rpc_copy_config,
    rpc_delete_config, rpc_validate, rpc_lock, rpc_unlock, rpc_commit,
    rpc_discard_changes, rpc_cancel_commit,
    rpc_module_op, rpc_create_subscription;

/* ietf-netconf-monitoring's /netconf-state, appended to *tree. */
int monitoring_data(struct sa_daemon *d, struct ly_ctx *ctx,
    struct lyd_node **tree);

#endif
