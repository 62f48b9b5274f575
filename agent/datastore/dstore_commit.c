/*
 * dstore_commit.c - locks, commit, the confirmed commit and its rollback
 * (RFC 6241 7.5, 7.6, 8.3, 8.4), and the cleanup of an ended session.
 *
 * A confirmed commit keeps the configuration of running from before it;
 * a timer thread puts it back when the confirmation does not come in time,
 * and so does the end of the session that issued it (unless it was made
 * persistent).  A fleet push that cuts off management thus undoes itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "../../src/sa_file.h"
#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "dstore_int.h"

/*
 * The rollback point is also kept in STATE_DIR/confirmed-commit.xml, so
 * that a daemon killed before the confirmation still rolls back when it
 * starts again.  It holds the real password (mode 0600): a rollback must
 * restore it too.  Its first line names who made the confirmed commit
 * ("rollback-of HEX-USER RECOVERY"), whose write the rollback is; a file
 * without it (from before) rolls back as the server itself.
 */
#define ROLLBACK_TAG "rollback-of "
#define ROLLBACK_FILE "confirmed-commit.xml"

/* For messages: the store's directory, which a reload does not change. */
static void
rollback_path(struct dstore *ds, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" ROLLBACK_FILE, sa_store_dir(ds->d->st));
}

static void
rollback_forget(struct dstore *ds)
{
	unlinkat(sa_store_dir_fd(ds->d->st), ROLLBACK_FILE, 0);
}

/* Puts the real password in place of the stand-in of a DS_EDIT view. */
static void
real_password(struct dstore *ds, struct lyd_node *tree)
{
	struct lyd_node *n = ds_password_node(tree);
	char *pw = NULL;

	if (n == NULL)
		return;
	if (sa_store_get_secret(ds->d->st, SA_SET_HTTP_PASSWORD, &pw) == 0)
		lyd_change_term(n, pw);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
}

/*
 * The inverse, for the rollback: a password the rollback point holds
 * that is the current one becomes the stand-in again, so that putting it
 * back is no change (and no write of a default-deny-all leaf).
 */
static void
standin_password(struct dstore *ds, struct lyd_node *tree)
{
	struct lyd_node *n = ds_password_node(tree);
	char *pw = NULL;

	if (n == NULL)
		return;
	if (sa_store_get_secret(ds->d->st, SA_SET_HTTP_PASSWORD, &pw) == 0 &&
	    pw != NULL && strcmp(pw, lyd_get_value(n)) == 0)
		lyd_change_term(n, DS_PASSWORD_STANDIN);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
}

static int
rollback_save(struct dstore *ds, const struct lyd_node *tree,
    const struct nacm_user *u)
{
	char *xml = NULL, *buf = NULL;
	size_t i, n, len;
	int r = -1;

	if (lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
		return -1;
	len = sizeof(ROLLBACK_TAG) + 2 * strlen(u->name) + 4 +
	    (xml != NULL ? strlen(xml) : 0);
	if ((buf = malloc(len)) == NULL)
		goto out;
	n = (size_t)snprintf(buf, len, "%s", ROLLBACK_TAG);
	for (i = 0; u->name[i] != '\0'; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x",
		    (unsigned char)u->name[i]);
	n += (size_t)snprintf(buf + n, len - n, " %d\n%s", u->recovery ? 1 : 0,
	    xml != NULL ? xml : "");
	r = sa_file_replace(sa_store_dir_fd(ds->d->st), ROLLBACK_FILE, buf, n,
	    0600);
	OPENSSL_cleanse(buf, n);
 out:
	if (xml != NULL)
		OPENSSL_cleanse(xml, strlen(xml));
	free(xml);
	free(buf);
	return r;
}

/*
 * Reads the first line of a rollback point into ds (the maker), and
 * returns where its XML starts.
 */
static const char *
rollback_maker(struct dstore *ds, const char *text)
{
	const char *p = text + sizeof(ROLLBACK_TAG) - 1, *nl;
	size_t n = 0;
	unsigned c;

	ds->rollback_user[0] = '\0';
	ds->rollback_recovery = 1;
	/* the only front end with a confirmed commit */
	snprintf(ds->rollback_front, sizeof(ds->rollback_front), "netconf");
	if (strncmp(text, ROLLBACK_TAG, sizeof(ROLLBACK_TAG) - 1) != 0 ||
	    (nl = strchr(text, '\n')) == NULL)
		return text;
	for (; p + 1 < nl && *p != ' ' && n + 1 < sizeof(ds->rollback_user); p += 2) {
		if (sscanf(p, "%2x", &c) != 1 || c == 0)
			break;
		ds->rollback_user[n++] = (char)c;
	}
	ds->rollback_user[n] = '\0';
	ds->rollback_recovery = *p == ' ' && p[1] == '1';
	return nl + 1;
}

uint32_t
dstore_lock_holder(struct dstore *ds, enum dstore_ds which)
{
	uint32_t h;

	pthread_mutex_lock(&ds->mutex);
	h = which == DSTORE_RUNNING ? ds->lock_running :
	    which == DSTORE_CANDIDATE ? ds->lock_candidate : 0;
	pthread_mutex_unlock(&ds->mutex);
	return h;
}

int
dstore_lock(struct dstore *ds, uint32_t sid, enum dstore_ds which,
    uint32_t *holder, struct edit_err *e)
{
	char err[256];
	int r = 0;

	*holder = 0;
	if (which == DSTORE_STARTUP)
		return edit_fail(e, "operation-not-supported", NULL,
		    "there is no startup datastore");
	if (sid == 0 || sid == DSTORE_SID_NONE)
		return edit_fail(e, "operation-not-supported", NULL,
		    "only a session can hold a lock");
	pthread_mutex_lock(&ds->mutex);
	if (which == DSTORE_RUNNING) {
		if (ds->lock_running != 0) {
			*holder = ds->lock_running;
			r = edit_fail(e, "lock-denied", NULL, "running is locked "
			    "by session %u", ds->lock_running);
		} else if (sa_store_hold(ds->d->st, sid, err, sizeof(err)) != 0) {
			r = edit_fail(e, "lock-denied", NULL, "%s", err);
		} else {
			ds->lock_running = sid;
		}
	} else if (ds->lock_candidate != 0) {
		*holder = ds->lock_candidate;
		r = edit_fail(e, "lock-denied", NULL, "candidate is locked by "
		    "session %u", ds->lock_candidate);
	} else if (ds->candidate != NULL && ds->candidate_modifier != sid) {
		/* RFC 6241 7.5: not while others' changes are uncommitted */
		*holder = ds->candidate_modifier;
		r = edit_fail(e, "lock-denied", NULL, "the candidate holds "
		    "uncommitted changes of session %u", ds->candidate_modifier);
	} else {
		ds->lock_candidate = sid;
	}
	pthread_mutex_unlock(&ds->mutex);
	return r;
}

/* Called with ds->mutex held. */
static void
release(struct dstore *ds, uint32_t sid, enum dstore_ds which)
{
	if (which == DSTORE_RUNNING && ds->lock_running == sid) {
		ds->lock_running = 0;
		sa_store_release(ds->d->st, sid);
	} else if (which == DSTORE_CANDIDATE && ds->lock_candidate == sid) {
		/* its uncommitted changes go with the lock */
		ds->lock_candidate = 0;
		lyd_free_siblings(ds->candidate);
		ds->candidate = NULL;
	}
}

int
dstore_unlock(struct dstore *ds, uint32_t sid, enum dstore_ds which,
    struct edit_err *e)
{
	uint32_t holder;
	int r = 0;

	pthread_mutex_lock(&ds->mutex);
	holder = which == DSTORE_RUNNING ? ds->lock_running :
	    which == DSTORE_CANDIDATE ? ds->lock_candidate : 0;
	if (holder != sid)
		r = edit_fail(e, "operation-failed", NULL, holder == 0 ?
		    "the datastore is not locked" :
		    "the lock is held by another session");
	else
		release(ds, sid, which);
	pthread_mutex_unlock(&ds->mutex);
	return r;
}

int
dstore_discard(struct dstore *ds, uint32_t sid, struct edit_err *e)
{
	int r = 0;

	pthread_mutex_lock(&ds->cand_mutex);
	pthread_mutex_lock(&ds->mutex);
	if (ds->lock_candidate != 0 && ds->lock_candidate != sid) {
		r = edit_fail(e, "in-use", NULL, "the candidate is locked by "
		    "session %u", ds->lock_candidate);
	} else {
		lyd_free_siblings(ds->candidate);
		ds->candidate = NULL;
	}
	pthread_mutex_unlock(&ds->mutex);
	pthread_mutex_unlock(&ds->cand_mutex);
	return r;
}

/*
 * Puts back the configuration from before the confirmed commit.  When it
 * cannot (a full disk), the commit stays pending and the timer tries
 * again in ROLLBACK_RETRY_SECS: running must not keep an unconfirmed
 * change while a later restart would undo it anyway.
 */
#define ROLLBACK_RETRY_SECS 5

static void
roll_back(struct dstore *ds, const char *why)
{
	struct lyd_node *conf;
	struct dstore_client c;
	struct edit_err e;
	int r;

	/* as dstore_commit: no confirmed commit starts while this one ends */
	pthread_mutex_lock(&ds->cand_mutex);
	pthread_mutex_lock(&ds->mutex);
	conf = ds->rollback;
	ds->rollback = NULL;
	pthread_mutex_unlock(&ds->mutex);
	if (conf == NULL)
		goto out;
	/*
	 * The rollback is the maker's write: what it may not change now, it
	 * may not undo either (say, an administrator's change of NACM made
	 * meanwhile).  Then running keeps the commit, which nobody can roll
	 * back any more; no retry would change that.
	 */
	dstore_client_set(ds, &c, ds->rollback_front, 0, ds->rollback_user,
	    ds->rollback_recovery);
	standin_password(ds, conf);
	memset(&e, 0, sizeof(e));
	r = dstore_apply_config(ds, &c, conf, 0, &e);
	if (r != 0 && strcmp(e.tag, "access-denied") != 0) {
		sa_error("rollback of the confirmed commit failed (again in "
		    "%d s): %s", ROLLBACK_RETRY_SECS, e.msg);
		pthread_mutex_lock(&ds->mutex);
		ds->rollback = conf;
		ds->confirm_deadline = time(NULL) + ROLLBACK_RETRY_SECS;
		pthread_cond_signal(&ds->cond);	/* the timer: a new deadline */
		pthread_mutex_unlock(&ds->mutex);
		goto out;
	}
	if (r != 0)
		sa_error("the confirmed commit of %s is not rolled back (%s): %s "
		    "may not undo all it changed, nor what changed since: %s",
		    c.u.name, why, c.u.name, e.msg);
	else
		sa_warn("confirmed commit rolled back: %s", why);
	pthread_mutex_lock(&ds->mutex);
	free(ds->persist_id);
	ds->persist_id = NULL;
	ds->confirm_sid = 0;
	pthread_mutex_unlock(&ds->mutex);
	rollback_forget(ds);
	lyd_free_siblings(conf);
 out:
	pthread_mutex_unlock(&ds->cand_mutex);
}

static void *
timer_main(void *arg)
{
	struct dstore *ds = arg;
	struct timespec ts;
	int expired;

	pthread_mutex_lock(&ds->mutex);
	while (!ds->stopping) {
		if (ds->rollback == NULL) {
			pthread_cond_wait(&ds->cond, &ds->mutex);
			continue;
		}
		ts.tv_sec = ds->confirm_deadline;
		ts.tv_nsec = 0;
		pthread_cond_timedwait(&ds->cond, &ds->mutex, &ts);
		expired = ds->rollback != NULL && time(NULL) >= ds->confirm_deadline;
		if (expired && !ds->stopping) {
			pthread_mutex_unlock(&ds->mutex);
			roll_back(ds, "no confirming commit in time");
			pthread_mutex_lock(&ds->mutex);
		}
	}
	pthread_mutex_unlock(&ds->mutex);
	return NULL;
}

/* May sid touch the pending confirmed commit? */
static int
owns_pending(struct dstore *ds, uint32_t sid, const char *persist_id)
{
	if (ds->persist_id != NULL)
		return persist_id != NULL && strcmp(persist_id, ds->persist_id) == 0;
	return ds->confirm_sid == sid && persist_id == NULL;
}

int
dstore_commit(struct dstore *ds, const struct dstore_client *c,
    const struct dstore_commit_args *a, struct edit_err *e)
{
	struct lyd_node *cand = NULL, *before = NULL;
	int pending, r = 0;

	pthread_mutex_lock(&ds->cand_mutex);
	pthread_mutex_lock(&ds->mutex);
	pending = ds->rollback != NULL;
	if (pending && !owns_pending(ds, c->sid, a->persist_id))
		r = edit_fail(e, "invalid-value", NULL, ds->persist_id != NULL ?
		    "a persistent confirmed commit is pending: give its persist-id" :
		    "a confirmed commit of another session is pending");
	else if (!pending && a->persist_id != NULL)
		r = edit_fail(e, "invalid-value", NULL,
		    "no confirmed commit with that persist-id is pending");
	else if (ds->lock_running != 0 && ds->lock_running != c->sid)
		r = edit_fail(e, "in-use", NULL, "running is locked by session %u",
		    ds->lock_running);
	else if (ds->candidate != NULL &&
	    lyd_dup_siblings(ds->candidate, NULL, LYD_DUP_RECURSIVE, &cand) != LY_SUCCESS)
		r = edit_fail(e, "resource-denied", NULL, "out of memory");
	pthread_mutex_unlock(&ds->mutex);
	if (r != 0)
		goto out;
	if (a->confirmed && !pending) {
		if ((r = dstore_view(ds, DSTORE_RUNNING, NULL, DS_EDIT, &before, e)) != 0)
			goto out;
		real_password(ds, before);
		if (rollback_save(ds, before, &c->u) != 0) {
			r = edit_fail(e, "operation-failed", NULL, "cannot keep the "
			    "rollback point of the confirmed commit");
			goto out;
		}
	}
	/* the candidate's changes were checked against NACM when edited */
	if (cand != NULL && (r = dstore_apply_config(ds, c, cand, 0, e)) != 0)
		goto out;
	pthread_mutex_lock(&ds->mutex);
	lyd_free_siblings(ds->candidate);
	ds->candidate = NULL;
	if (a->confirmed) {
		if (!pending) {
			ds->rollback = before;
			before = NULL;
			snprintf(ds->rollback_user, sizeof(ds->rollback_user), "%s",
			    c->u.name);
			snprintf(ds->rollback_front, sizeof(ds->rollback_front),
			    "%s", c->front);
			ds->rollback_recovery = c->u.recovery;
		}
		ds->confirm_sid = c->sid;
		free(ds->persist_id);
		ds->persist_id = a->persist != NULL ? strdup(a->persist) : NULL;
		ds->confirm_deadline = time(NULL) + (a->timeout ? a->timeout : 600);
	} else if (pending) {
		lyd_free_siblings(ds->rollback);	/* confirmed: it stays */
		ds->rollback = NULL;
		rollback_forget(ds);
		free(ds->persist_id);
		ds->persist_id = NULL;
		ds->confirm_sid = 0;
	}
	pthread_cond_signal(&ds->cond);
	pthread_mutex_unlock(&ds->mutex);
 out:
	pthread_mutex_unlock(&ds->cand_mutex);
	lyd_free_siblings(cand);
	lyd_free_siblings(before);
	return r;
}

int
dstore_cancel_commit(struct dstore *ds, uint32_t sid, const char *persist_id,
    struct edit_err *e)
{
	int r = 0;

	pthread_mutex_lock(&ds->mutex);
	if (ds->rollback == NULL)
		r = edit_fail(e, "invalid-value", NULL,
		    "no confirmed commit is pending");
	else if (!owns_pending(ds, sid, persist_id))
		r = edit_fail(e, "invalid-value", NULL, ds->persist_id != NULL ?
		    "give the persist-id of the pending confirmed commit" :
		    "the pending confirmed commit belongs to another session");
	pthread_mutex_unlock(&ds->mutex);
	if (r == 0)
		roll_back(ds, "cancel-commit");
	return r;
}

void
dstore_session_end(struct dstore *ds, uint32_t sid)
{
	int owner;

	if (ds == NULL || sid == 0 || sid == DSTORE_SID_NONE)
		return;
	pthread_mutex_lock(&ds->cand_mutex);
	pthread_mutex_lock(&ds->mutex);
	release(ds, sid, DSTORE_RUNNING);
	release(ds, sid, DSTORE_CANDIDATE);
	owner = ds->rollback != NULL && ds->persist_id == NULL &&
	    ds->confirm_sid == sid;
	pthread_mutex_unlock(&ds->mutex);
	pthread_mutex_unlock(&ds->cand_mutex);
	if (owner)
		roll_back(ds, "the session of the confirmed commit ended");
}

/* A confirmed commit that the last run never saw confirmed: undo it now. */
static void
rollback_restart(struct dstore *ds)
{
	struct lyd_node *tree = NULL;
	char path[4200];
	unsigned char *text = NULL;
	size_t len;
	int r;

	rollback_path(ds, path, sizeof(path));
	if (sa_file_read(sa_store_dir_fd(ds->d->st), ROLLBACK_FILE, &text,
	    &len) != 0) {
		if (errno != ENOENT)
			sa_error("%s: %s; not rolled back", path,
			    sa_file_strerror(errno));
		return;
	}
	r = lyd_parse_data_mem(ds->ctx, rollback_maker(ds, (char *)text), LYD_XML,
	    LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &tree);
	OPENSSL_cleanse(text, len);
	free(text);
	if (r != LY_SUCCESS) {
		sa_error("%s: %s; not rolled back", path, ly_errmsg(ds->ctx));
		return;
	}
	pthread_mutex_lock(&ds->mutex);
	ds->rollback = tree;
	pthread_mutex_unlock(&ds->mutex);
	roll_back(ds, "it was not confirmed before the daemon stopped");
}

int
dstore_commit_init(struct dstore *ds, char *err, size_t errlen)
{
	if (pthread_create(&ds->timer, NULL, timer_main, ds) != 0) {
		snprintf(err, errlen, "cannot start the commit timer");
		return -1;
	}
	ds->timer_started = 1;
	rollback_restart(ds);
	return 0;
}

void
dstore_commit_free(struct dstore *ds)
{
	if (ds->timer_started) {
		pthread_mutex_lock(&ds->mutex);
		ds->stopping = 1;
		pthread_cond_signal(&ds->cond);
		pthread_mutex_unlock(&ds->mutex);
		pthread_join(ds->timer, NULL);
		ds->timer_started = 0;
	}
	/* a pending confirmed commit is not confirmed by a shutdown */
	ds->stopping = 0;
	roll_back(ds, "the daemon stops");
	lyd_free_siblings(ds->rollback);	/* it failed: the file is kept */
	ds->rollback = NULL;
	lyd_free_siblings(ds->candidate);
	ds->candidate = NULL;
	free(ds->persist_id);
	ds->persist_id = NULL;
}
