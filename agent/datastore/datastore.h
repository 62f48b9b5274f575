/*
 * datastore.h - the datastore layer of secagentd, shared by its YANG front
 * ends (NETCONF in agent/netconf/, RESTCONF): the one libyang context, the
 * running and candidate datastores over the core, their locks, the
 * confirmed commit (RFC 6241 7.5, 7.6, 8.3, 8.4), NACM (RFC 8341, nacm.h),
 * reads with filters and with-defaults, the module's operations, and the
 * notifications made from the core's change events.
 *
 * This header is the whole interface: a front end includes it (it brings
 * edit.h and nacm.h) and nothing else of agent/datastore/.  It knows no
 * transport and no protocol's reply: a front end turns the trees and the
 * struct edit_err it gets into its own messages.
 *
 * Files:
 *   dstore_start.c   the context, start and stop
 *   dstore.c         views, edits, copy, validate (the write path)
 *   dstore_commit.c  locks, commit, confirmed commit and its rollback
 *   dstore_read.c    get and get-config: view, NACM, filter, defaults
 *   dstore_ops.c     the module's operations (import-certificate ...)
 *   dstore_notif.c   notifications and their subscribers
 *   ds_*.c (ds.h)    the data of the core as libyang trees and back
 *   edit.c, filter.c, nacm.c, nacm_check.c
 *
 * Threads: every function may be called from any thread.  Locks, in
 * order: cand_mutex (a whole candidate edit, commit or discard), mutex
 * (locks, candidate, confirmed commit), the notifier's mutex, the core's.
 */
#ifndef SA_DATASTORE_H
#define SA_DATASTORE_H

#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>

#include "edit.h"
#include "nacm.h"

struct sa_daemon;
struct dstore;

enum dstore_ds { DSTORE_RUNNING, DSTORE_CANDIDATE, DSTORE_STARTUP };

/*
 * The session id of a client that has no session (a RESTCONF request): it
 * owns no lock and every lock holds it off.  Id 0 is the server itself
 * (a rollback), which no lock holds off.
 */
#define DSTORE_SID_NONE UINT32_MAX

/* Who acts on the datastores. */
struct dstore_client {
	const char *front;	/* "netconf", "restconf": the source of its changes */
	uint32_t sid;		/* its session, owner of its locks */
	struct nacm_user u;	/* for NACM */
};

/*
 * Fills c; front and user are borrowed and must outlive c.  Its NACM
 * group is read from the daemon's configuration now.
 */
void dstore_client_set(struct dstore *ds, struct dstore_client *c,
    const char *front, uint32_t sid, const char *user, int recovery);

/*
 * sa_datastore_start (daemon.h) builds the libyang context
 * (agent/yangctx.c), opens NACM, rolls back a confirmed commit the last
 * run left unconfirmed, subscribes to the core's events and sets
 * d->dstore; sa_datastore_stop undoes it after every front end stopped.
 */

/* The context of every tree of this layer (borrowed, unchanging). */
struct ly_ctx *dstore_ctx(struct dstore *ds);
/* The NACM of the datastores, for the front ends' RPC checks (borrowed). */
struct sa_nacm *dstore_nacm(struct dstore *ds);

/* A session ended: its locks go, its candidate changes and its
 * unconfirmed commit are undone. */
void dstore_session_end(struct dstore *ds, uint32_t sid);

/* ---- reads ---- */

/* with-defaults (RFC 6243); the basic mode is trim. */
enum dstore_wd { DSTORE_WD_TRIM, DSTORE_WD_ALL, DSTORE_WD_ALL_TAG,
	DSTORE_WD_EXPLICIT };

/* A filter of a read, or of a subscription. */
struct dstore_filter {
	const struct lyd_node *subtree;	/* subtree filter content, or NULL */
	int subtree_empty;	/* a subtree filter without content: nothing */
	const char *xpath;	/* or an XPath expression, or NULL */
};

/*
 * State of another module that a front end adds to a <get> (NETCONF:
 * ietf-netconf-monitoring): appended to *tree before NACM and the filter
 * run.  0 or -1.
 */
typedef int dstore_state_fn(struct ly_ctx *ctx, struct lyd_node **tree,
    void *arg);

/*
 * get (with_state: configuration and state of running, plus the state of
 * yang-library, NACM and what state_fn adds) or get-config of source,
 * for c: what c may read (NACM first), then the filter (NULL: all), with
 * the default nodes wd asks for.  *tree: the data (NULL: nothing), owned
 * by the caller.  0, or -1 with e.
 */
int dstore_read(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds source, int with_state, const struct dstore_filter *f,
    enum dstore_wd wd, dstore_state_fn *state_fn, void *state_arg,
    struct lyd_node **tree, struct edit_err *e);

/*
 * The whole configuration of a datastore (candidate: running when it was
 * not edited), as an edit view: a set password is a stand-in value, so
 * never reply with it; copy-config and validate take it back as it is.
 */
int dstore_config(struct dstore *ds, enum dstore_ds source,
    struct lyd_node **tree, struct edit_err *e);

/* ---- writes ---- */

/*
 * edit-config on running or candidate: applied all or nothing, validated;
 * with test_only nothing changes.  edit: top-level siblings carrying
 * ietf-netconf:operation metadata; default_op "merge", "replace", "none".
 */
int dstore_edit(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds target, const struct lyd_node *edit,
    const char *default_op, int test_only, struct edit_err *e);

/* Makes the configuration tree conf (a whole configuration) the running
 * one; with test_only only checks that it could (validate). */
int dstore_apply_config(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *conf, int test_only, struct edit_err *e);

/* copy-config of a whole configuration into running or candidate. */
int dstore_copy(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds target, const struct lyd_node *conf, struct edit_err *e);

/* lock / unlock for session sid; on lock-denied *holder names the holder. */
int dstore_lock(struct dstore *ds, uint32_t sid, enum dstore_ds target,
    uint32_t *holder, struct edit_err *e);
int dstore_unlock(struct dstore *ds, uint32_t sid, enum dstore_ds target,
    struct edit_err *e);
/* The holder of a datastore's lock, or 0. */
uint32_t dstore_lock_holder(struct dstore *ds, enum dstore_ds target);

/* commit (confirmed or not), cancel-commit, discard-changes. */
struct dstore_commit_args {
	int confirmed;
	unsigned timeout;	/* seconds, default 600 */
	const char *persist;	/* make the confirmed commit outlive its session */
	const char *persist_id;	/* confirm or extend a persistent one */
};
int dstore_commit(struct dstore *ds, const struct dstore_client *c,
    const struct dstore_commit_args *a, struct edit_err *e);
int dstore_cancel_commit(struct dstore *ds, uint32_t sid,
    const char *persist_id, struct edit_err *e);
int dstore_discard(struct dstore *ds, uint32_t sid, struct edit_err *e);

/* ---- the module's operations ---- */

/*
 * Runs an operation of secagent-security (rpc: the operation node with
 * its input) for c, as one core transaction acting for c's lock.  *output:
 * the operation node with its output, or NULL when it has none (the
 * reply is then an <ok/>); owned by the caller.  The front end checks
 * NACM's exec permission first (nacm_allow_rpc).  0, or -1 with e.
 */
int dstore_rpc(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *rpc, struct lyd_node **output, struct edit_err *e);

/* ---- notifications ---- */

struct dstore_sub;

/*
 * Receives a notification (its top node, taken over) at time when.
 * Called from the thread that committed the change, with the notifier
 * locked: queue it and return, never call back into this layer.
 */
typedef void dstore_notif_fn(struct lyd_node *notif, const struct timespec *when,
    void *arg);

/*
 * A subscription of user (copied) to the module's notifications and
 * netconf-config-change, each cut to what NACM lets the user read, then
 * to the subtree filter (copied; NULL: all).  It delivers nothing until
 * dstore_sub_activate.  NULL when out of memory.
 */
struct dstore_sub *dstore_subscribe(struct dstore *ds, const char *user,
    int recovery, const struct lyd_node *filter, dstore_notif_fn *fn,
    void *arg);
void dstore_sub_activate(struct dstore *ds, struct dstore_sub *s);
/* Ends it; NULL is nothing.  No call of fn is under way on return. */
void dstore_unsubscribe(struct dstore *ds, struct dstore_sub *s);

#endif
