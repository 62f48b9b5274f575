/*
 * dstore.c - the running and candidate datastores: views, edits and
 * applying a configuration to the core (datastore.h).
 *
 * Every change of running is one core transaction made by diffing a view
 * of the core before and after the edit (ds_stage_diff), acting for the
 * session's own lock (sa_txn_set_holder), so SNMP, provisioning, the CLI
 * and other sessions are held off while a NETCONF session holds running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "dstore_int.h"

static int
fail_core(struct edit_err *e, int r, const char *msg)
{
	return edit_fail(e, edit_core_tag(r), NULL, "%s", msg);
}

void
dstore_client_set(struct dstore *ds, struct dstore_client *c,
    const char *front, uint32_t sid, const char *user, int recovery)
{
	memset(c, 0, sizeof(*c));
	c->front = front;
	c->sid = sid;
	nacm_user_set(ds->d, &c->u, user != NULL ? user : "", recovery);
}

void
dstore_source(const struct dstore_client *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s:%u", c->front, c->u.name,
	    c->sid == DSTORE_SID_NONE ? 0 : c->sid);
}

int
dstore_view(struct dstore *ds, enum dstore_ds which, const struct ds_sel *sel,
    enum ds_what what, struct lyd_node **tree, struct edit_err *e)
{
	struct ds_sel all;
	struct lyd_node *n;
	char err[256];
	int r;

	*tree = NULL;
	if (which == DSTORE_STARTUP)
		return edit_fail(e, "operation-not-supported", NULL,
		    "there is no startup datastore: running is persistent");
	if (sel == NULL) {
		ds_sel_all(&all);
		sel = &all;
	}
	pthread_mutex_lock(&ds->mutex);
	if (which == DSTORE_CANDIDATE && ds->candidate != NULL) {
		r = lyd_dup_siblings(ds->candidate, NULL, LYD_DUP_RECURSIVE, tree);
		pthread_mutex_unlock(&ds->mutex);
		return r == LY_SUCCESS ? 0 :
		    edit_fail(e, "operation-failed", NULL, "out of memory");
	}
	pthread_mutex_unlock(&ds->mutex);
	if ((r = ds_build_security(ds->d->st, ds->ctx, sel, what, tree, err,
	    sizeof(err))) != 0)
		return fail_core(e, r, err);
	if ((sel->everything || sel->nacm) && (n = nacm_dup(ds->nacm)) != NULL)
		lyd_insert_sibling(*tree, n, tree);
	return 0;
}

int
dstore_config(struct dstore *ds, enum dstore_ds source, struct lyd_node **tree,
    struct edit_err *e)
{
	return dstore_view(ds, source, NULL, DS_EDIT, tree, e);
}

/* libyang's validation of a view, as an rpc-error. */
static int
validate(struct dstore *ds, struct lyd_node **tree, struct edit_err *e)
{
	const struct ly_err_item *le;

	if (lyd_validate_all(tree, ds->ctx, LYD_VALIDATE_NO_STATE, NULL) ==
	    LY_SUCCESS)
		return 0;
	le = ly_err_last(ds->ctx);
	edit_fail(e, "invalid-value", NULL, "%s", le != NULL && le->msg != NULL ?
	    le->msg : "the configuration is not valid");
	if (le != NULL && le->path != NULL)
		snprintf(e->path, sizeof(e->path), "%s", le->path);
	if (le != NULL && le->vecode == LYVE_DATA && le->msg != NULL &&
	    strstr(le->msg, "Mandatory") != NULL)
		e->tag = "missing-element";
	ly_err_clean(ds->ctx, NULL);
	return -1;
}

/*
 * The one NACM write check of every change of a datastore: edit-config,
 * copy-config, commit, validate, and the rollback of a confirmed commit.
 * after is validated (it has its implicit defaults); before gets them
 * too, and the diff compares default nodes like any other, so a node
 * flagged default (the with-defaults attribute of an edit) is judged as
 * what it is: a change.
 */
static int
check_write(struct dstore *ds, const struct nacm_user *u,
    const struct lyd_node *before, const struct lyd_node *after,
    struct edit_err *e)
{
	struct lyd_node *base = NULL, *diff = NULL;
	char path[512];
	int ok;

	if (u->recovery)
		return 0;
	if (before != NULL && lyd_dup_siblings(before, NULL, LYD_DUP_RECURSIVE,
	    &base) != LY_SUCCESS)
		return edit_fail(e, "resource-denied", NULL, "out of memory");
	/* as validate() did to after */
	if (lyd_validate_all(&base, ds->ctx, LYD_VALIDATE_NO_STATE, NULL) !=
	    LY_SUCCESS)
		ly_err_clean(ds->ctx, NULL);
	if (lyd_diff_siblings(base, after, LYD_DIFF_DEFAULTS, &diff) != LY_SUCCESS) {
		lyd_free_siblings(base);
		return edit_fail(e, "operation-failed", NULL, "cannot compare");
	}
	ok = diff == NULL || nacm_allow_write(ds->nacm, u, diff, path, sizeof(path));
	lyd_free_siblings(diff);
	lyd_free_siblings(base);
	if (!ok) {
		edit_fail(e, "access-denied", NULL, "access to %s is denied", path);
		snprintf(e->path, sizeof(e->path), "%s", path);
		return -1;
	}
	return 0;
}

/* Commits what turns before into after: the core, then NACM. */
static int
commit_views(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *before, const struct lyd_node *after,
    int test_only, struct edit_err *e)
{
	char source[128], err[512];
	struct sa_txn *t;
	size_t changes;
	int r, nacm_changed;

	dstore_source(c, source, sizeof(source));
	if ((t = sa_txn_new(ds->d->st, source)) == NULL)
		return edit_fail(e, "resource-denied", NULL, "out of memory");
	/* sid 0, the server's own rollback: no lock holds it off */
	sa_txn_set_holder(t, c->sid != 0 ? c->sid : SA_HOLDER_ANY);
	if (ds_stage_diff(t, before, after, &changes, e) != 0) {
		sa_txn_free(t);
		return -1;
	}
	nacm_changed = nacm_differs(before, after);
	if (test_only)
		r = changes > 0 ? sa_txn_check(t, err, sizeof(err)) : 0;
	else if (nacm_changed && nacm_replace(ds->nacm, after, err, sizeof(err)) != 0)
		r = SA_ERR_IO;
	else
		r = changes > 0 ? sa_txn_commit(t, err, sizeof(err)) : 0;
	if (r != 0 && nacm_changed && !test_only)	/* all or nothing */
		nacm_replace(ds->nacm, before, NULL, 0);
	sa_txn_free(t);
	return r == 0 ? 0 : fail_core(e, r, err);
}

static int
locked_by_other(struct dstore *ds, enum dstore_ds which, uint32_t sid,
    struct edit_err *e)
{
	uint32_t holder = which == DSTORE_RUNNING ? ds->lock_running :
	    ds->lock_candidate;

	if (holder != 0 && holder != sid)
		return edit_fail(e, "in-use", NULL, "the %s datastore is locked "
		    "by session %u", which == DSTORE_RUNNING ? "running" : "candidate",
		    holder);
	return 0;
}

static int
edit_running(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *edit, const char *default_op, int test_only,
    struct edit_err *e)
{
	struct lyd_node *before = NULL, *after = NULL;
	struct ds_sel sel;
	int r = -1;

	if (ds_sel_from_tree(&sel, edit, 1, default_op) != 0)
		return edit_fail(e, "resource-denied", NULL, "out of memory");
	if (dstore_view(ds, DSTORE_RUNNING, &sel, DS_EDIT, &before, e) != 0)
		goto out;
	if (lyd_dup_siblings(before, NULL, LYD_DUP_RECURSIVE, &after) != LY_SUCCESS) {
		edit_fail(e, "resource-denied", NULL, "out of memory");
		goto out;
	}
	if (edit_apply(&after, edit, default_op, e) != 0 ||
	    validate(ds, &after, e) != 0 || check_write(ds, &c->u, before, after, e) != 0)
		goto out;
	r = commit_views(ds, c, before, after, test_only, e);
 out:
	ds_sel_clear(&sel);
	lyd_free_siblings(before);
	lyd_free_siblings(after);
	return r;
}

static int
edit_candidate(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *edit, const char *default_op, int test_only,
    struct edit_err *e)
{
	struct lyd_node *base = NULL, *after = NULL;
	int r = -1;

	pthread_mutex_lock(&ds->cand_mutex);
	if (dstore_view(ds, DSTORE_CANDIDATE, NULL, DS_EDIT, &base, e) != 0) {
		pthread_mutex_unlock(&ds->cand_mutex);
		return -1;
	}
	if (lyd_dup_siblings(base, NULL, LYD_DUP_RECURSIVE, &after) != LY_SUCCESS) {
		edit_fail(e, "resource-denied", NULL, "out of memory");
		goto out;
	}
	if (edit_apply(&after, edit, default_op, e) != 0 ||
	    validate(ds, &after, e) != 0 || check_write(ds, &c->u, base, after, e) != 0)
		goto out;
	r = 0;
	if (test_only)
		goto out;
	pthread_mutex_lock(&ds->mutex);
	lyd_free_siblings(ds->candidate);
	ds->candidate = after;
	ds->candidate_modifier = c->sid;
	pthread_mutex_unlock(&ds->mutex);
	after = NULL;
 out:
	pthread_mutex_unlock(&ds->cand_mutex);
	lyd_free_siblings(base);
	lyd_free_siblings(after);
	return r;
}

int
dstore_edit(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds which, const struct lyd_node *edit, const char *default_op,
    int test_only, struct edit_err *e)
{
	int r;

	if (which == DSTORE_STARTUP)
		return edit_fail(e, "operation-not-supported", NULL,
		    "there is no startup datastore");
	pthread_mutex_lock(&ds->mutex);
	r = locked_by_other(ds, which, c->sid, e);
	pthread_mutex_unlock(&ds->mutex);
	if (r != 0)
		return r;
	return which == DSTORE_RUNNING ?
	    edit_running(ds, c, edit, default_op, test_only, e) :
	    edit_candidate(ds, c, edit, default_op, test_only, e);
}

int
dstore_apply_config(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *conf, int test_only, struct edit_err *e)
{
	struct lyd_node *before = NULL, *after = NULL;
	int r = -1;

	if (dstore_view(ds, DSTORE_RUNNING, NULL, DS_EDIT, &before, e) != 0)
		return -1;
	if (conf != NULL && lyd_dup_siblings(conf, NULL, LYD_DUP_RECURSIVE,
	    &after) != LY_SUCCESS) {
		edit_fail(e, "resource-denied", NULL, "out of memory");
		goto out;
	}
	if (validate(ds, &after, e) == 0 && check_write(ds, &c->u, before, after, e) == 0)
		r = commit_views(ds, c, before, after, test_only, e);
 out:
	lyd_free_siblings(before);
	lyd_free_siblings(after);
	return r;
}

int
dstore_copy(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds target, const struct lyd_node *conf, struct edit_err *e)
{
	struct lyd_node *copy = NULL, *base = NULL;
	int r;

	pthread_mutex_lock(&ds->mutex);
	r = locked_by_other(ds, target, c->sid, e);
	pthread_mutex_unlock(&ds->mutex);
	if (r != 0)
		return r;
	if (edit_check_defaults(conf, e) != 0)
		return -1;
	if (target == DSTORE_RUNNING)
		return dstore_apply_config(ds, c, conf, 0, e);
	if (target != DSTORE_CANDIDATE)
		return edit_fail(e, "operation-not-supported", NULL,
		    "copy-config targets running or candidate");
	if (conf != NULL && lyd_dup_siblings(conf, NULL, LYD_DUP_RECURSIVE,
	    &copy) != LY_SUCCESS)
		return edit_fail(e, "resource-denied", NULL, "out of memory");
	if (validate(ds, &copy, e) != 0) {
		lyd_free_siblings(copy);
		return -1;
	}
	pthread_mutex_lock(&ds->cand_mutex);
	/* what the copy changes in the candidate is a write like an edit's */
	if ((r = dstore_view(ds, DSTORE_CANDIDATE, NULL, DS_EDIT, &base, e)) == 0 &&
	    (r = check_write(ds, &c->u, base, copy, e)) == 0) {
		pthread_mutex_lock(&ds->mutex);
		lyd_free_siblings(ds->candidate);
		ds->candidate = copy;
		ds->candidate_modifier = c->sid;
		pthread_mutex_unlock(&ds->mutex);
		copy = NULL;
	}
	pthread_mutex_unlock(&ds->cand_mutex);
	lyd_free_siblings(base);
	lyd_free_siblings(copy);
	return r;
}
