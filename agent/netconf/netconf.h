/*
 * netconf.h - the NETCONF front end of secagentd: what its files share.
 *
 *   ncs.c ...      transport and sessions (ncs.h)
 *   netconf.c      start/stop, the libyang context, the dispatcher
 *   rpc_table.c    one row per RPC: module, name, handler
 *   rpc_*.c        the handlers
 *
 * A handler gets the call and returns the reply; it never sees the
 * transport.  What an operation does to the data is the datastore layer's
 * (agent/datastore/datastore.h); a handler reads the RPC's input, calls it
 * and makes the reply, mapping its errors through rpc_edit_err() (rpc.h).
 */
#ifndef SA_NETCONF_H
#define SA_NETCONF_H

#include <stdint.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "../daemon/daemon.h"

struct dstore_sub;

/*
 * The with-defaults basic mode the hello announces (netconf.c): a reply
 * to a request without <with-defaults> prints its data this way.
 */
#define SA_WD_BASIC_MODE NC_WD_TRIM

/* Per-session state of the RPC layer (the dispatcher creates it). */
struct sa_nc_session {
	uint32_t id;
	char *user;
	int recovery;		/* NACM recovery session: bypasses NACM */
	int subscribed;		/* create-subscription accepted */
	int subscription_pending;	/* activate after the <ok/> is sent */
	struct dstore_sub *subscription;	/* rpc_notif.c */
};

/* One call of an RPC. */
struct sa_nc_call {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
	struct lyd_node *rpc;	/* the operation node with its input */
	struct nc_session *s;
	struct sa_nc_session *sess;
};

typedef struct nc_server_reply *sa_rpc_fn(struct sa_nc_call *call);

struct sa_rpc_row {
	const char *module;	/* e.g. "ietf-netconf" */
	const char *name;	/* e.g. "get-config" */
	sa_rpc_fn *fn;
};

/* rpc_table.c: every RPC the server answers; others: operation-not-supported. */
extern const struct sa_rpc_row sa_rpc_table[];
extern const size_t sa_rpc_table_len;

/* The handlers, one per line: rpc_FILE.c */
sa_rpc_fn rpc_get_schema;	/* rpc_schema.c */
sa_rpc_fn rpc_kill_session;	/* rpc_session.c */

#endif
