/*
 * nc_state.h - the NETCONF datastores over the core: running (the core,
 * plus NACM), candidate (a tree, made from running when first edited),
 * their locks, and the confirmed commit (RFC 6241 8.3, 8.4).
 */
#ifndef SA_NC_STATE_H
#define SA_NC_STATE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>

#include "ds.h"
#include "edit.h"

struct sa_nacm;
struct nacm_user;

enum nc_datastore { NC_DS_RUNNING, NC_DS_CANDIDATE, NC_DS_STARTUP };

struct notifier;

struct sa_nc_state {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
	struct sa_nacm *nacm;
	struct notifier *notifier;	/* rpc_notif.c */
	/* held through a whole candidate edit, commit or discard, so that two
	 * sessions' edits of the shared candidate never lose one another;
	 * before mutex, which is before the store's commit mutex (the
	 * daemon's lock order: agent/daemon/daemon.h) */
	pthread_mutex_t cand_mutex;
	pthread_mutex_t mutex;	/* everything below */
	uint32_t lock_running;	/* session ids, 0 = free */
	uint32_t lock_candidate;
	struct lyd_node *candidate;	/* NULL: the candidate equals running */
	uint32_t candidate_modifier;	/* last session that edited it */
	/* confirmed commit */
	struct lyd_node *rollback;	/* running before it; NULL: none pending */
	/* who made it: the rollback is that user's write, checked by NACM */
	char rollback_user[64];
	int rollback_recovery;
	uint32_t confirm_sid;
	char *persist_id;	/* NULL: ends with its session */
	time_t confirm_deadline;
	pthread_t timer;
	pthread_cond_t cond;
	int stopping;
};

int nc_state_init(struct sa_daemon *d, struct ly_ctx *ctx, char *err,
    size_t errlen);
void nc_state_free(struct sa_daemon *d);
/* A session ended: its locks go, its candidate changes and its unconfirmed
 * commit are undone. */
void nc_state_session_end(struct sa_daemon *d, uint32_t sid);

/*
 * A copy of a datastore's configuration (candidate: running when it was
 * not edited), restricted to sel (NULL: all).  DS_EDIT views carry the
 * password stand-in: never reply with them.
 */
int nc_view(struct sa_nc_state *ns, enum nc_datastore ds,
    const struct ds_sel *sel, enum ds_what what, struct lyd_node **tree,
    struct edit_err *e);

/*
 * edit-config on running or candidate: applied all or nothing, validated;
 * with test_only nothing changes.  sid acts for its own lock.
 */
int nc_edit(struct sa_nc_state *ns, uint32_t sid, const struct nacm_user *u,
    enum nc_datastore ds, const struct lyd_node *edit, const char *default_op,
    int test_only, struct edit_err *e);

/* Makes the configuration tree conf (a full DS_EDIT view) the running one;
 * sid 0 is the server itself (a rollback), which no <lock> holds off. */
int nc_apply_config(struct sa_nc_state *ns, uint32_t sid, const struct nacm_user *u,
    const struct lyd_node *conf, int test_only, struct edit_err *e);

/* copy-config of a whole configuration into running or candidate. */
int nc_copy(struct sa_nc_state *ns, uint32_t sid, const struct nacm_user *u,
    enum nc_datastore target, const struct lyd_node *conf,
    struct edit_err *e);

/* lock / unlock; on lock-denied *holder names the holder. */
int nc_lock(struct sa_nc_state *ns, uint32_t sid, enum nc_datastore ds,
    uint32_t *holder, struct edit_err *e);
int nc_unlock(struct sa_nc_state *ns, uint32_t sid, enum nc_datastore ds,
    struct edit_err *e);

/* commit (confirmed or not), cancel-commit, discard-changes. */
struct nc_commit_args {
	int confirmed;
	unsigned timeout;	/* seconds, default 600 */
	const char *persist;	/* make the confirmed commit outlive its session */
	const char *persist_id;	/* confirm or extend a persistent one */
};
int nc_commit(struct sa_nc_state *ns, uint32_t sid, const struct nacm_user *u,
    const struct nc_commit_args *a, struct edit_err *e);
int nc_cancel_commit(struct sa_nc_state *ns, uint32_t sid,
    const char *persist_id, struct edit_err *e);
int nc_discard(struct sa_nc_state *ns, uint32_t sid, struct edit_err *e);

/* For ietf-netconf-monitoring: the holder of a datastore's lock, or 0. */
uint32_t nc_lock_holder(struct sa_nc_state *ns, enum nc_datastore ds);

#endif
