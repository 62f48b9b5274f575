/*
 * rpc_session.c - kill-session (RFC 6241 7.9): the target's own worker
 * ends it (ncs_kill); its locks go in its session_end like any other end.
 */
#include <stdlib.h>

#include "ncs.h"
#include "netconf.h"

static struct nc_server_reply *
invalid_value(struct sa_nc_call *call, const char *msg)
{
	struct lyd_node *e = nc_err(call->ctx, NC_ERR_INVALID_VALUE,
	    NC_ERR_TYPE_PROT);

	nc_err_set_msg(e, msg, "en");
	nc_err_set_path(e, "/ietf-netconf:kill-session/session-id");
	return nc_server_reply_err(e);
}

/* /ietf-netconf:kill-session */
struct nc_server_reply *
rpc_kill_session(struct sa_nc_call *call)
{
	struct lyd_node *n = NULL;
	uint32_t own = nc_session_get_id(call->s);
	unsigned long sid;

	if (lyd_find_path(call->rpc, "session-id", 0, &n) != LY_SUCCESS)
		return invalid_value(call, "session-id is missing");
	sid = strtoul(lyd_get_value(n), NULL, 10);
	if (sid == own)
		return invalid_value(call, "a session cannot kill itself "
		    "(close-session ends it)");
	if (sid > UINT32_MAX || ncs_kill((uint32_t)sid, own) != 0)
		return invalid_value(call, "no such session");
	return nc_server_reply_ok();
}
