/*
 * dstore_int.h - the inside of struct dstore, shared by the files of the
 * datastore layer only (datastore.h lists them).
 */
#ifndef SA_DSTORE_INT_H
#define SA_DSTORE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>

#include "../daemon/daemon.h"
#include "datastore.h"
#include "ds.h"

struct notifier;

struct dstore {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
	struct sa_nacm *nacm;
	struct notifier *notifier;	/* dstore_notif.c */
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
	char rollback_front[16];
	int rollback_recovery;
	uint32_t confirm_sid;
	char *persist_id;	/* NULL: ends with its session */
	time_t confirm_deadline;
	pthread_t timer;
	int timer_started;
	pthread_cond_t cond;
	int stopping;
};

/*
 * A copy of a datastore's configuration (candidate: running when it was
 * not edited), restricted to sel (NULL: all).  DS_EDIT views carry the
 * password stand-in: never reply with them.
 */
int dstore_view(struct dstore *ds, enum dstore_ds source,
    const struct ds_sel *sel, enum ds_what what, struct lyd_node **tree,
    struct edit_err *e);

/* The source of c's transactions: "FRONT:USER:SID" into buf. */
void dstore_source(const struct dstore_client *c, char *buf, size_t len);

/* dstore_commit.c: the commit timer and the rollback point of the last run. */
int dstore_commit_init(struct dstore *ds, char *err, size_t errlen);
void dstore_commit_free(struct dstore *ds);

/* dstore_notif.c: the subscription to the core's events. */
int dstore_notif_init(struct dstore *ds, char *err, size_t errlen);
void dstore_notif_free(struct dstore *ds);

#endif
