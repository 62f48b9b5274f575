/*
 * dstore_read.c - get and get-config (datastore.h): the view of what the
 * filter touches, the state, the defaults with-defaults asks for, then
 * what the client may read (NACM), then the filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "../provision/prov.h"
#include "../sa_map.h"
#include "dstore_int.h"
#include "filter.h"

/* No view is ever answered with the password, whatever else allows it. */
static void
drop_password(struct lyd_node *tree)
{
	struct lyd_node *n;

	if ((n = ds_password_node(tree)) != NULL)
		lyd_free_tree(n);
}

/*
 * report-all: the default nodes, made by validating the modules present
 * (lyd_new_implicit_tree() skips the containers lyd_new_inner() made,
 * which libyang flags as new defaults).
 */
static void
add_defaults(struct ly_ctx *ctx, struct lyd_node **tree, int config_only)
{
	uint32_t opts = LYD_VALIDATE_PRESENT | (config_only ? LYD_VALIDATE_NO_STATE : 0);

	if (*tree != NULL && lyd_validate_all(tree, ctx, opts, NULL) != LY_SUCCESS) {
		sa_debug("report-all: %s", ly_errmsg(ctx));
		ly_err_clean(ctx, NULL);
	}
}

/* The provisioning client's state under /security/provisioning. */
static void
add_prov_state(struct dstore *ds, struct lyd_node *tree)
{
	const struct lys_module *mod;
	struct sa_prov_state ps;
	struct lyd_node *p = NULL;
	char buf[32], *version = NULL;

	for (; tree != NULL; tree = tree->next)
		if (tree->schema != NULL && strcmp(tree->schema->name, "security") == 0 &&
		    strcmp(tree->schema->module->name, SA_YANG_MODULE) == 0)
			break;
	if (tree == NULL || ds->d->prov == NULL)
		return;
	for (p = lyd_child(tree); p != NULL; p = p->next)
		if (strcmp(p->schema->name, "provisioning") == 0)
			break;
	if (p == NULL)
		return;
	mod = p->schema->module;
	sa_prov_get_state(ds->d, &ps);
	if (ps.last_attempt != 0) {
		ds_time(ps.last_attempt, buf, sizeof(buf));
		lyd_new_term(p, mod, "last-attempt", buf, 0, NULL);
		lyd_new_term(p, mod, "last-result", ps.last_result ==
		    SA_MAP_RESULT_SUCCESS ? "success" : "failed", 0, NULL);
		if (ps.last_error[0] != '\0')
			lyd_new_term(p, mod, "last-error", ps.last_error, 0, NULL);
		snprintf(buf, sizeof(buf), "%u", ps.unknown_params);
		lyd_new_term(p, mod, "unknown-parameters", buf, 0, NULL);
	}
	if (ps.last_success != 0) {
		ds_time(ps.last_success, buf, sizeof(buf));
		lyd_new_term(p, mod, "last-success", buf, 0, NULL);
	}
	if (sa_store_get(ds->d->st, SA_SET_POLICY_VERSION, &version) == 0 &&
	    *version != '\0')
		lyd_new_term(p, mod, "policy-version", version, 0, NULL);
	free(version);
}

/*
 * The state of <get> besides secagent-security: the NACM counters,
 * yang-library, and what the front end adds.
 */
static int
add_state(struct dstore *ds, const struct ds_sel *sel, dstore_state_fn *fn,
    void *arg, struct lyd_node **tree)
{
	struct lyd_node *n = NULL;

	if (sel->everything || sel->nacm) {
		if ((n = nacm_state(ds->nacm)) != NULL &&
		    lyd_merge_siblings(tree, n, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
			lyd_free_siblings(n);
	}
	if (!sel->everything && !sel->state_others)
		return 0;
	if (fn != NULL && fn(ds->ctx, tree, arg) != 0)
		return -1;
	n = NULL;
	if (ly_ctx_get_yanglib_data(ds->ctx, &n, "%u",
	    ly_ctx_get_change_count(ds->ctx)) == LY_SUCCESS && n != NULL)
		lyd_insert_sibling(*tree, n, tree);
	return 0;
}

int
dstore_read(struct dstore *ds, const struct dstore_client *c,
    enum dstore_ds source, int with_state, const struct dstore_filter *f,
    enum dstore_wd wd, dstore_state_fn *state_fn, void *state_arg,
    struct lyd_node **out, struct edit_err *e)
{
	struct lyd_node *tree = NULL;
	struct ds_sel sel;
	char err[512];
	int r = 0;

	*out = NULL;
	if (f != NULL && f->subtree_empty)
		return 0;	/* an empty filter selects nothing */
	if (f != NULL && f->subtree != NULL) {
		if (ds_sel_from_tree(&sel, f->subtree, 0, NULL) != 0)
			return edit_fail(e, "resource-denied", NULL, "out of memory");
	} else {
		ds_sel_all(&sel);
	}
	if (dstore_view(ds, source, &sel, with_state ? DS_ALL : DS_CONFIG, &tree,
	    e) != 0) {
		ds_sel_clear(&sel);
		return -1;
	}
	drop_password(tree);
	if (with_state)
		add_prov_state(ds, tree);
	if (with_state && add_state(ds, &sel, state_fn, state_arg, &tree) != 0)
		sa_warn("monitoring data incomplete");
	/* report-all: the defaults are data the filter may select */
	if (wd == DSTORE_WD_ALL || wd == DSTORE_WD_ALL_TAG)
		add_defaults(ds->ctx, &tree, !with_state);
	ds_sel_clear(&sel);
	/* NACM first: a filter must not test what the user may not read */
	nacm_prune_read(ds->nacm, &c->u, &tree);
	if (f != NULL && f->subtree != NULL) {
		if (filter_subtree(f->subtree, tree, out) != 0)
			r = edit_fail(e, "resource-denied", NULL, "out of memory");
	} else if (f != NULL && f->xpath != NULL) {
		if (filter_xpath(tree, f->xpath, out, err, sizeof(err)) != 0) {
			r = edit_fail(e, "invalid-value", NULL, "%s", err);
			snprintf(e->elem, sizeof(e->elem), "filter");
		}
	} else {
		*out = tree;
		tree = NULL;
	}
	lyd_free_siblings(tree);
	return r;
}
