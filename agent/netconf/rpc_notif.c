/*
 * rpc_notif.c - create-subscription (RFC 5277) and the sending of the
 * notifications that the datastore layer makes (notif.h).
 *
 * Each session has at most one subscription of the datastore layer; its
 * notifications are queued with ncs_notify(), which sends them from the
 * session's own worker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncs.h"
#include "notif.h"
#include "rpc.h"

/* From the thread that committed: queue it for the session (arg: its id). */
static void
to_session(struct lyd_node *notif, const struct timespec *when, void *arg)
{
	ncs_notify((uint32_t)(uintptr_t)arg, notif, when);
}

struct nc_server_reply *
rpc_create_subscription(struct sa_nc_call *c)
{
	const struct lyd_node *n = rpc_child(c->rpc, "stream");
	const struct lyd_node *filter = NULL;

	if (n != NULL && strcmp(lyd_get_value(n), "NETCONF") != 0)
		return rpc_err(c, "invalid-value", 0, NULL, "stream",
		    "the only stream is NETCONF");
	if (rpc_child(c->rpc, "startTime") != NULL)
		return rpc_err(c, "operation-not-supported", 0, NULL, "startTime",
		    "replay is not supported (no :replay capability)");
	if (rpc_child(c->rpc, "stopTime") != NULL)
		return rpc_err(c, "missing-element", 0, NULL, "startTime",
		    "stopTime needs startTime");
	if (c->sess->subscription != NULL)
		return rpc_err(c, "in-use", 0, NULL, NULL,
		    "this session already has a subscription");
	if ((n = rpc_child(c->rpc, "filter")) != NULL)
		filter = rpc_anydata_tree(n);
	c->sess->subscription = dstore_subscribe(c->d->dstore, c->sess->user,
	    c->sess->recovery, filter, to_session,
	    (void *)(uintptr_t)c->sess->id);
	if (c->sess->subscription == NULL)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	c->sess->subscription_pending = 1;
	return rpc_ok();
}

void
notif_after_reply(struct sa_daemon *d, struct nc_session *ns,
    struct sa_nc_session *sess)
{
	if (!sess->subscription_pending)
		return;
	sess->subscription_pending = 0;
	sess->subscribed = 1;
	ncs_session_subscribe(ns);	/* the <ok/> is out: notifications may follow */
	dstore_sub_activate(d->dstore, sess->subscription);
}

void
notif_session_end(struct sa_daemon *d, struct sa_nc_session *sess)
{
	dstore_unsubscribe(d->dstore, sess->subscription);
	sess->subscription = NULL;
}
