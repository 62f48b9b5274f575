/*
 * netconf.c - the NETCONF front end of secagentd: the capabilities, and
 * the dispatcher that sends every RPC through sa_rpc_table[]
 * (rpc_table.c).  Transport and sessions: ncs.h; the libyang context and
 * the datastores: agent/datastore/datastore.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "ncs.h"
#include "netconf.h"
#include "notif.h"
#include "rpc.h"


struct sa_netconf {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
};

/*
 * with-defaults is announced here, not by libnetconf2: its also-supported
 * argument is a bit mask of values that are not bits (ALL=1, ALL_TAG=2,
 * TRIM=3), so report-all always drags "trim" along.  Exactly RFC 6243.
 */
static const char *const capabilities[] = {
	/* basic-mode: SA_WD_BASIC_MODE */
	"urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=trim"
	    "&also-supported=report-all,report-all-tagged",
	"urn:ietf:params:netconf:capability:notification:1.0",
	"urn:ietf:params:netconf:capability:interleave:1.0",
	NULL,
};

/* The datastore layer's context, made ready for libnetconf2. */
static struct ly_ctx *
prepare_context(struct sa_daemon *d, char *err, size_t errlen)
{
	struct ly_ctx *ctx = dstore_ctx(d->dstore);
	struct lysc_node *gs;

	/* libnetconf2's get-schema is broken with libyang 2.1: through the
	 * dispatcher to rpc_get_schema instead */
	gs = (struct lysc_node *)lys_find_path(ctx, NULL,
	    "/ietf-netconf-monitoring:get-schema", 0);
	if (gs == NULL) {
		snprintf(err, errlen, "ietf-netconf-monitoring has no get-schema");
		return NULL;
	}
	nc_set_rpc_callback(gs, ncs_rpc_entry);
	return ctx;
}

static const struct sa_rpc_row *
find_row(const char *module, const char *name)
{
	size_t i;

	for (i = 0; i < sa_rpc_table_len; i++)
		if (strcmp(sa_rpc_table[i].module, module) == 0 &&
		    strcmp(sa_rpc_table[i].name, name) == 0)
			return &sa_rpc_table[i];
	return NULL;
}

static struct nc_server_reply *
dispatch(struct lyd_node *rpc, struct nc_session *s, void *arg)
{
	struct sa_netconf *nc = arg;
	const struct sa_rpc_row *row;
	struct sa_nc_call call;
	struct dstore_client dc;
	struct lyd_node *e;
	char msg[256];

	row = find_row(rpc->schema->module->name, rpc->schema->name);
	if (row == NULL) {
		snprintf(msg, sizeof(msg), "%s:%s is not supported",
		    rpc->schema->module->name, rpc->schema->name);
		e = nc_err(nc->ctx, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT);
		nc_err_set_msg(e, msg, "en");
		return nc_server_reply_err(e);
	}
	memset(&call, 0, sizeof(call));
	call.d = nc->d;
	call.ctx = nc->ctx;
	call.rpc = rpc;
	call.s = s;
	call.sess = ncs_session_get_user_data(s);
	if (call.sess == NULL)
		return nc_server_reply_err(nc_err(nc->ctx, NC_ERR_RES_DENIED,
		    NC_ERR_TYPE_APP));
	rpc_client(&call, &dc);
	if (!nacm_allow_rpc(dstore_nacm(nc->d->dstore), &dc.u, rpc->schema))
		return rpc_err(&call, "access-denied", 0, NULL, NULL,
		    "%s:%s is not permitted to %s", rpc->schema->module->name,
		    rpc->schema->name, dc.u.name);
	return row->fn(&call);
}

static void
session_start(struct nc_session *s, void *arg)
{
	struct sa_nc_session *ss = calloc(1, sizeof(*ss));

	(void)arg;
	if (ss == NULL || (ss->user = strdup(ncs_session_username(s))) ==
	    NULL) {
		free(ss);
		sa_error("out of memory: session %u has no state",
		    nc_session_get_id(s));
		return;
	}
	ss->id = nc_session_get_id(s);
	/* root on the UNIX socket: the NACM recovery session (RFC 8341) */
	ss->recovery = ncs_session_uid(s) == 0;
	ncs_session_set_user_data(s, ss);
}

static void
session_end(struct nc_session *s, void *arg)
{
	struct sa_netconf *nc = arg;
	struct sa_nc_session *ss = ncs_session_get_user_data(s);

	ncs_session_set_user_data(s, NULL);
	if (ss == NULL)
		return;
	/* its locks, candidate changes, unconfirmed commit, subscription */
	dstore_session_end(nc->d->dstore, ss->id);
	notif_session_end(nc->d, ss);
	free(ss->user);
	free(ss);
}

static void
after_reply(struct nc_session *s, void *arg)
{
	struct sa_netconf *nc = arg;
	struct sa_nc_session *ss = ncs_session_get_user_data(s);

	if (ss != NULL)
		notif_after_reply(nc->d, s, ss);
}

int
sa_netconf_start(struct sa_daemon *d, char *err, size_t errlen)
{
	struct ncs_callbacks cb;
	struct sa_netconf *nc;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nc->d = d;
	if ((nc->ctx = prepare_context(d, err, errlen)) == NULL) {
		free(nc);
		return -1;
	}
	memset(&cb, 0, sizeof(cb));
	cb.rpc = dispatch;
	cb.session_start = session_start;
	cb.session_end = session_end;
	cb.after_reply = after_reply;
	cb.arg = nc;
	ncs_set_capabilities(capabilities);
	if (ncs_start(d, nc->ctx, &cb, err, errlen) != 0) {
		free(nc);
		return -1;
	}
	d->netconf = nc;
	return 0;
}

void
sa_netconf_reload(struct sa_daemon *d)
{
	if (d->netconf != NULL)
		ncs_reload(d);
}

void
sa_netconf_stop(struct sa_daemon *d)
{
	struct sa_netconf *nc = d->netconf;

	if (nc == NULL)
		return;
	ncs_stop();	/* every session ends: session_end cleans up */
	free(nc);
	d->netconf = NULL;
}
