/*
 * rpc_table.c - every RPC the server answers, one row each: module, name,
 * handler.  An RPC of the context missing here gets
 * operation-not-supported.  close-session is libnetconf2's own.  The
 * module's operations are the datastore layer's (dstore_rpc).
 */
#include "netconf.h"
#include "rpc.h"

const struct sa_rpc_row sa_rpc_table[] = {
	{ "ietf-netconf", "kill-session", rpc_kill_session },
	{ "ietf-netconf-monitoring", "get-schema", rpc_get_schema },
	{ "ietf-netconf", "get", rpc_get },
	{ "ietf-netconf", "get-config", rpc_get_config },
	{ "ietf-netconf", "edit-config", rpc_edit_config },
	{ "ietf-netconf", "copy-config", rpc_copy_config },
	{ "ietf-netconf", "delete-config", rpc_delete_config },
	{ "ietf-netconf", "lock", rpc_lock },
	{ "ietf-netconf", "unlock", rpc_unlock },
	{ "ietf-netconf", "validate", rpc_validate },
	{ "ietf-netconf", "commit", rpc_commit },
	{ "ietf-netconf", "discard-changes", rpc_discard_changes },
	{ "ietf-netconf", "cancel-commit", rpc_cancel_commit },
	{ "notifications", "create-subscription", rpc_create_subscription },
	{ "secagent-security", "import-certificate", rpc_module_op },
	{ "secagent-security", "accept-certificate", rpc_module_op },
	{ "secagent-security", "reject-certificate", rpc_module_op },
	{ "secagent-security", "remove-certificate", rpc_module_op },
	{ "secagent-security", "restore-defaults", rpc_module_op },
	{ "secagent-security", "run-expiry-sweep", rpc_module_op },
	{ "secagent-security", "check-server", rpc_module_op },
	{ "secagent-security", "provision-now", rpc_module_op },
};

const size_t sa_rpc_table_len = sizeof(sa_rpc_table) / sizeof(sa_rpc_table[0]);
