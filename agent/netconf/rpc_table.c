/*
 * rpc_table.c - every RPC the server answers, one row each: module, name,
 * handler.  An RPC of the context missing here gets
 * operation-not-supported.  close-session is libnetconf2's own.
 */
#include "netconf.h"

const struct sa_rpc_row sa_rpc_table[] = {
	{ "ietf-netconf", "kill-session", rpc_kill_session },
	{ "ietf-netconf-monitoring", "get-schema", rpc_get_schema },
};

const size_t sa_rpc_table_len = sizeof(sa_rpc_table) / sizeof(sa_rpc_table[0]);
