/*
 * nc_commit.c - locks, commit, the confirmed commit and its rollback
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
#include "../daemon/log.h"
#include "nacm.h"
#include "nc_state.h"

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
rollback_path(struct sa_nc_state *ns, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" ROLLBACK_FILE, sa_store_dir(ns->d->st));
}

static void
rollback_forget(struct sa_nc_state *ns)
{
	unlinkat(sa_store_dir_fd(ns->d->st), ROLLBACK_FILE, 0);
}

/* Puts the real password in place of the stand-in of a DS_EDIT view. */
static void
real_password(struct sa_nc_state *ns, struct lyd_node *tree)
{
	struct lyd_node *n = ds_password_node(tree);
	char *pw = NULL;

	if (n == NULL)
		return;
	if (sa_store_get_secret(ns->d->st, SA_SET_HTTP_PASSWORD, &pw) == 0)
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
standin_password(struct sa_nc_state *ns, struct lyd_node *tree)
{
	struct lyd_node *n = ds_password_node(tree);
	char *pw = NULL;

	if (n == NULL)
		return;
	if (sa_store_get_secret(ns->d->st, SA_SET_HTTP_PASSWORD, &pw) == 0 &&
	    pw != NULL && strcmp(pw, lyd_get_value(n)) == 0)
		lyd_change_term(n, DS_PASSWORD_STANDIN);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
}

static int
rollback_save(struct sa_nc_state *ns, const struct lyd_node *tree,
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
	r = sa_file_replace(sa_store_dir_fd(ns->d->st), ROLLBACK_FILE, buf, n,
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
 * Reads the first line of a rollback point into ns (the maker), and
 * returns where its XML starts.
 */
static const char *
rollback_maker(struct sa_nc_state *ns, const char *text)
{
	const char *p = text + sizeof(ROLLBACK_TAG) - 1, *nl;
	size_t n = 0;
	unsigned c;

	ns->rollback_user[0] = '\0';
	ns->rollback_recovery = 1;
	if (strncmp(text, ROLLBACK_TAG, sizeof(ROLLBACK_TAG) - 1) != 0 ||
	    (nl = strchr(text, '\n')) == NULL)
		return text;
	for (; p + 1 < nl && *p != ' ' && n + 1 < sizeof(ns->rollback_user); p += 2) {
		if (sscanf(p, "%2x", &c) != 1 || c == 0)
			break;
		ns->rollback_user[n++] = (char)c;
	}
	ns->rollback_user[n] = '\0';
	ns->rollback_recovery = *p == ' ' && p[1] == '1';
	return nl + 1;
}

uint32_t
nc_lock_holder(struct sa_nc_state *ns, enum nc_datastore ds)
{
	uint32_t h;

	pthread_mutex_lock(&ns->mutex);
	h = ds == NC_DS_RUNNING ? ns->lock_running :
	    ds == NC_DS_CANDIDATE ? ns->lock_candidate : 0;
	pthread_mutex_unlock(&ns->mutex);
	return h;
}

int
nc_lock(struct sa_nc_state *ns, uint32_t sid, enum nc_datastore ds,
    uint32_t *holder, struct edit_err *e)
{
	char err[256];
	int r = 0;

	*holder = 0;
	if (ds == NC_DS_STARTUP)
		return edit_fail(e, "operation-not-supported", NULL,
		    "there is no startup datastore");
	pthread_mutex_lock(&ns->mutex);
	if (ds == NC_DS_RUNNING) {
		if (ns->lock_running != 0) {
			*holder = ns->lock_running;
			r = edit_fail(e, "lock-denied", NULL, "running is locked "
			    "by session %u", ns->lock_running);
		} else if (sa_store_hold(ns->d->st, sid, err, sizeof(err)) != 0) {
			r = edit_fail(e, "lock-denied", NULL, "%s", err);
		} else {
			ns->lock_running = sid;
		}
	} else if (ns->lock_candidate != 0) {
		*holder = ns->lock_candidate;
		r = edit_fail(e, "lock-denied", NULL, "candidate is locked by "
		    "session %u", ns->lock_candidate);
	} else if (ns->candidate != NULL && ns->candidate_modifier != sid) {
		/* RFC 6241 7.5: not while others' changes are uncommitted */
		*holder = ns->candidate_modifier;
		r = edit_fail(e, "lock-denied", NULL, "the candidate holds "
		    "uncommitted changes of session %u", ns->candidate_modifier);
	} else {
		ns->lock_candidate = sid;
	}
	pthread_mutex_unlock(&ns->mutex);
	return r;
}

/* Called with ns->mutex held. */
static void
release(struct sa_nc_state *ns, uint32_t sid, enum nc_datastore ds)
{
	if (ds == NC_DS_RUNNING && ns->lock_running == sid) {
		ns->lock_running = 0;
		sa_store_release(ns->d->st, sid);
	} else if (ds == NC_DS_CANDIDATE && ns->lock_candidate == sid) {
		/* its uncommitted changes go with the lock */
		ns->lock_candidate = 0;
		lyd_free_siblings(ns->candidate);
		ns->candidate = NULL;
	}
}

int
nc_unlock(struct sa_nc_state *ns, uint32_t sid, enum nc_datastore ds,
    struct edit_err *e)
{
	uint32_t holder;
	int r = 0;

	pthread_mutex_lock(&ns->mutex);
	holder = ds == NC_DS_RUNNING ? ns->lock_running :
	    ds == NC_DS_CANDIDATE ? ns->lock_candidate : 0;
	if (holder != sid)
		r = edit_fail(e, "operation-failed", NULL, holder == 0 ?
		    "the datastore is not locked" :
		    "the lock is held by another session");
	else
		release(ns, sid, ds);
	pthread_mutex_unlock(&ns->mutex);
	return r;
}

int
nc_discard(struct sa_nc_state *ns, uint32_t sid, struct edit_err *e)
{
	int r = 0;

	pthread_mutex_lock(&ns->cand_mutex);
	pthread_mutex_lock(&ns->mutex);
	if (ns->lock_candidate != 0 && ns->lock_candidate != sid) {
		r = edit_fail(e, "in-use", NULL, "the candidate is locked by "
		    "session %u", ns->lock_candidate);
	} else {
		lyd_free_siblings(ns->candidate);
		ns->candidate = NULL;
	}
	pthread_mutex_unlock(&ns->mutex);
	pthread_mutex_unlock(&ns->cand_mutex);
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
roll_back(struct sa_nc_state *ns, const char *why)
{
	struct lyd_node *conf;
	struct nacm_user u;
	struct edit_err e;
	int r;

	/* as nc_commit: no confirmed commit starts while this one ends */
	pthread_mutex_lock(&ns->cand_mutex);
	pthread_mutex_lock(&ns->mutex);
	conf = ns->rollback;
	ns->rollback = NULL;
	pthread_mutex_unlock(&ns->mutex);
	if (conf == NULL)
		goto out;
	/*
	 * The rollback is the maker's write: what it may not change now, it
	 * may not undo either (say, an administrator's change of NACM made
	 * meanwhile).  Then running keeps the commit, which nobody can roll
	 * back any more; no retry would change that.
	 */
	nacm_user_set(ns->d, &u, ns->rollback_user, ns->rollback_recovery);
	standin_password(ns, conf);
	memset(&e, 0, sizeof(e));
	r = nc_apply_config(ns, 0, &u, conf, 0, &e);
	if (r != 0 && strcmp(e.tag, "access-denied") != 0) {
		sa_error("rollback of the confirmed commit failed (again in "
		    "%d s): %s", ROLLBACK_RETRY_SECS, e.msg);
		pthread_mutex_lock(&ns->mutex);
		ns->rollback = conf;
		ns->confirm_deadline = time(NULL) + ROLLBACK_RETRY_SECS;
		pthread_cond_signal(&ns->cond);	/* the timer: a new deadline */
		pthread_mutex_unlock(&ns->mutex);
		goto out;
	}
	if (r != 0)
		sa_error("the confirmed commit of %s is not rolled back (%s): %s "
		    "may not undo all it changed, nor what changed since: %s",
		    u.name, why, u.name, e.msg);
	else
		sa_warn("confirmed commit rolled back: %s", why);
	pthread_mutex_lock(&ns->mutex);
	free(ns->persist_id);
	ns->persist_id = NULL;
	ns->confirm_sid = 0;
	pthread_mutex_unlock(&ns->mutex);
	rollback_forget(ns);
	lyd_free_siblings(conf);
 out:
	pthread_mutex_unlock(&ns->cand_mutex);
}

static void *
timer_main(void *arg)
{
	struct sa_nc_state *ns = arg;
	struct timespec ts;
	int expired;

	pthread_mutex_lock(&ns->mutex);
	while (!ns->stopping) {
		if (ns->rollback == NULL) {
			pthread_cond_wait(&ns->cond, &ns->mutex);
			continue;
		}
		ts.tv_sec = ns->confirm_deadline;
		ts.tv_nsec = 0;
		pthread_cond_timedwait(&ns->cond, &ns->mutex, &ts);
		expired = ns->rollback != NULL && time(NULL) >= ns->confirm_deadline;
		if (expired && !ns->stopping) {
			pthread_mutex_unlock(&ns->mutex);
			roll_back(ns, "no confirming commit in time");
			pthread_mutex_lock(&ns->mutex);
		}
	}
	pthread_mutex_unlock(&ns->mutex);
	return NULL;
}

/* May sid touch the pending confirmed commit? */
static int
owns_pending(struct sa_nc_state *ns, uint32_t sid, const char *persist_id)
{
	if (ns->persist_id != NULL)
		return persist_id != NULL && strcmp(persist_id, ns->persist_id) == 0;
	return ns->confirm_sid == sid && persist_id == NULL;
}

int
nc_commit(struct sa_nc_state *ns, uint32_t sid, const struct nacm_user *u,
    const struct nc_commit_args *a, struct edit_err *e)
{
	struct lyd_node *cand = NULL, *before = NULL;
	int pending, r = 0;

	pthread_mutex_lock(&ns->cand_mutex);
	pthread_mutex_lock(&ns->mutex);
	pending = ns->rollback != NULL;
	if (pending && !owns_pending(ns, sid, a->persist_id))
		r = edit_fail(e, "invalid-value", NULL, ns->persist_id != NULL ?
		    "a persistent confirmed commit is pending: give its persist-id" :
		    "a confirmed commit of another session is pending");
	else if (!pending && a->persist_id != NULL)
		r = edit_fail(e, "invalid-value", NULL,
		    "no confirmed commit with that persist-id is pending");
	else if (ns->lock_running != 0 && ns->lock_running != sid)
		r = edit_fail(e, "in-use", NULL, "running is locked by session %u",
		    ns->lock_running);
	else if (ns->candidate != NULL &&
	    lyd_dup_siblings(ns->candidate, NULL, LYD_DUP_RECURSIVE, &cand) != LY_SUCCESS)
		r = edit_fail(e, "resource-denied", NULL, "out of memory");
	pthread_mutex_unlock(&ns->mutex);
	if (r != 0)
		goto out;
	if (a->confirmed && !pending) {
		if ((r = nc_view(ns, NC_DS_RUNNING, NULL, DS_EDIT, &before, e)) != 0)
			goto out;
		real_password(ns, before);
		if (rollback_save(ns, before, u) != 0) {
			r = edit_fail(e, "operation-failed", NULL, "cannot keep the "
			    "rollback point of the confirmed commit");
			goto out;
		}
	}
	/* the candidate's changes were checked against NACM when edited */
	if (cand != NULL && (r = nc_apply_config(ns, sid, u, cand, 0, e)) != 0)
		goto out;
	pthread_mutex_lock(&ns->mutex);
	lyd_free_siblings(ns->candidate);
	ns->candidate = NULL;
	if (a->confirmed) {
		if (!pending) {
			ns->rollback = before;
			before = NULL;
			snprintf(ns->rollback_user, sizeof(ns->rollback_user), "%s",
			    u->name);
			ns->rollback_recovery = u->recovery;
		}
		ns->confirm_sid = sid;
		free(ns->persist_id);
		ns->persist_id = a->persist != NULL ? strdup(a->persist) : NULL;
		ns->confirm_deadline = time(NULL) + (a->timeout ? a->timeout : 600);
	} else if (pending) {
		lyd_free_siblings(ns->rollback);	/* confirmed: it stays */
		ns->rollback = NULL;
		rollback_forget(ns);
		free(ns->persist_id);
		ns->persist_id = NULL;
		ns->confirm_sid = 0;
	}
	pthread_cond_signal(&ns->cond);
	pthread_mutex_unlock(&ns->mutex);
 out:
	pthread_mutex_unlock(&ns->cand_mutex);
	lyd_free_siblings(cand);
	lyd_free_siblings(before);
	return r;
}

int
nc_cancel_commit(struct sa_nc_state *ns, uint32_t sid, const char *persist_id,
    struct edit_err *e)
{
	int r = 0;

	pthread_mutex_lock(&ns->mutex);
	if (ns->rollback == NULL)
		r = edit_fail(e, "invalid-value", NULL,
		    "no confirmed commit is pending");
	else if (!owns_pending(ns, sid, persist_id))
		r = edit_fail(e, "invalid-value", NULL, ns->persist_id != NULL ?
		    "give the persist-id of the pending confirmed commit" :
		    "the pending confirmed commit belongs to another session");
	pthread_mutex_unlock(&ns->mutex);
	if (r == 0)
		roll_back(ns, "cancel-commit");
	return r;
}

void
nc_state_session_end(struct sa_daemon *d, uint32_t sid)
{
	struct sa_nc_state *ns = d->nc_state;
	int owner;

	if (ns == NULL)
		return;
	pthread_mutex_lock(&ns->cand_mutex);
	pthread_mutex_lock(&ns->mutex);
	release(ns, sid, NC_DS_RUNNING);
	release(ns, sid, NC_DS_CANDIDATE);
	owner = ns->rollback != NULL && ns->persist_id == NULL &&
	    ns->confirm_sid == sid;
	pthread_mutex_unlock(&ns->mutex);
	pthread_mutex_unlock(&ns->cand_mutex);
	if (owner)
		roll_back(ns, "the session of the confirmed commit ended");
}

/* A confirmed commit that the last run never saw confirmed: undo it now. */
static void
rollback_restart(struct sa_nc_state *ns)
{
	struct lyd_node *tree = NULL;
	char path[4200];
	unsigned char *text = NULL;
	size_t len;
	int r;

	rollback_path(ns, path, sizeof(path));
	if (sa_file_read(sa_store_dir_fd(ns->d->st), ROLLBACK_FILE, &text,
	    &len) != 0) {
		if (errno != ENOENT)
			sa_error("%s: %s; not rolled back", path,
			    sa_file_strerror(errno));
		return;
	}
	r = lyd_parse_data_mem(ns->ctx, rollback_maker(ns, (char *)text), LYD_XML,
	    LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &tree);
	OPENSSL_cleanse(text, len);
	free(text);
	if (r != LY_SUCCESS) {
		sa_error("%s: %s; not rolled back", path, ly_errmsg(ns->ctx));
		return;
	}
	pthread_mutex_lock(&ns->mutex);
	ns->rollback = tree;
	pthread_mutex_unlock(&ns->mutex);
	roll_back(ns, "it was not confirmed before the daemon stopped");
}

int
nc_state_init(struct sa_daemon *d, struct ly_ctx *ctx, char *err, size_t errlen)
{
	struct sa_nc_state *ns;

	if ((ns = calloc(1, sizeof(*ns))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ns->d = d;
	ns->ctx = ctx;
	pthread_mutex_init(&ns->cand_mutex, NULL);
	pthread_mutex_init(&ns->mutex, NULL);
	pthread_cond_init(&ns->cond, NULL);
	if (nacm_init(d, ctx, &ns->nacm, err, errlen) != 0 ||
	    pthread_create(&ns->timer, NULL, timer_main, ns) != 0) {
		nacm_free(ns->nacm);
		free(ns);
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot start the commit timer");
		return -1;
	}
	d->nc_state = ns;
	rollback_restart(ns);
	return 0;
}

void
nc_state_free(struct sa_daemon *d)
{
	struct sa_nc_state *ns = d->nc_state;

	if (ns == NULL)
		return;
	pthread_mutex_lock(&ns->mutex);
	ns->stopping = 1;
	pthread_cond_signal(&ns->cond);
	pthread_mutex_unlock(&ns->mutex);
	pthread_join(ns->timer, NULL);
	/* a pending confirmed commit is not confirmed by a shutdown */
	ns->stopping = 0;
	roll_back(ns, "the daemon stops");
	lyd_free_siblings(ns->rollback);	/* it failed: the file is kept */
	lyd_free_siblings(ns->candidate);
	nacm_free(ns->nacm);
	free(ns->persist_id);
	pthread_mutex_destroy(&ns->cand_mutex);
	pthread_mutex_destroy(&ns->mutex);
	pthread_cond_destroy(&ns->cond);
	free(ns);
	d->nc_state = NULL;
}
