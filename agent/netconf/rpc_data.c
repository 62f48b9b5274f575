/*
 * rpc_data.c - <get> and <get-config> with subtree or XPath filters and
 * with-defaults (RFC 6243; basic mode trim).
 */
#include <string.h>

#include "../daemon/log.h"
#include "ds.h"
#include "filter.h"
#include "rpc.h"

/* The mode asked for, or an error reply. */
static struct nc_server_reply *
with_defaults(const struct sa_nc_call *c, NC_WD_MODE *wd)
{
	const struct lyd_node *n = rpc_child(c->rpc, "with-defaults");
	const char *v = n != NULL ? lyd_get_value(n) : "trim";

	*wd = NC_WD_TRIM;
	if (strcmp(v, "report-all") == 0)
		*wd = NC_WD_ALL;
	else if (strcmp(v, "report-all-tagged") == 0)
		*wd = NC_WD_ALL_TAG;
	else if (strcmp(v, "trim") != 0)
		return rpc_err(c, "invalid-value", 0, NULL, "with-defaults",
		    "with-defaults %s is not supported (report-all, "
		    "report-all-tagged, trim)", v);
	return NULL;
}

/* No view is ever answered with the password, whatever else allows it. */
static void
drop_password(struct lyd_node *tree)
{
	struct lyd_node *n = NULL;

	for (; tree != NULL; tree = tree->next)
		if (lyd_find_path(tree, "http-authentication/password", 0, &n) ==
		    LY_SUCCESS && n != NULL)
			lyd_free_tree(n);
}

static void
add_defaults(struct lyd_node *tree, int config_only)
{
	struct lyd_node *n;

	for (n = tree; n != NULL; n = n->next)
		lyd_new_implicit_tree(n, config_only ? LYD_IMPLICIT_NO_STATE : 0, NULL);
}

/* The state of <get> besides secagent-security: monitoring, yang-library, NACM counters. */
static int
add_state(const struct sa_nc_call *c, const struct ds_sel *sel,
    struct lyd_node **tree)
{
	struct lyd_node *n = NULL;

	if (sel->everything || sel->nacm) {
		if ((n = nacm_state(c->d->nc_state->nacm)) != NULL &&
		    lyd_merge_siblings(tree, n, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
			lyd_free_siblings(n);
	}
	if (!sel->everything && !sel->state_others)
		return 0;
	if (monitoring_data(c->d, c->ctx, tree) != 0)
		return -1;
	n = NULL;
	if (ly_ctx_get_yanglib_data(c->ctx, &n, "%u",
	    ly_ctx_get_change_count(c->ctx)) == LY_SUCCESS && n != NULL)
		lyd_insert_sibling(*tree, n, tree);
	return 0;
}

static struct nc_server_reply *
get_common(struct sa_nc_call *c, enum nc_datastore ds, int with_state)
{
	const struct lyd_node *filter = rpc_child(c->rpc, "filter");
	const char *type = rpc_meta(filter, "ietf-netconf", "type");
	const char *select = rpc_meta(filter, "ietf-netconf", "select");
	struct lyd_node *tree = NULL, *res = NULL, *ftree = NULL;
	struct nc_server_reply *reply;
	struct nacm_user u;
	struct edit_err e;
	struct ds_sel sel;
	char err[512];
	NC_WD_MODE wd;
	int xpath = type != NULL && strcmp(type, "xpath") == 0;

	if ((reply = with_defaults(c, &wd)) != NULL)
		return reply;
	if (xpath && select == NULL)
		return rpc_err(c, "invalid-value", 0, NULL, "filter",
		    "an XPath filter needs a select attribute");
	ftree = filter != NULL && !xpath ? rpc_anydata_tree(filter) : NULL;
	if (filter != NULL && !xpath) {
		if (ftree == NULL)	/* an empty filter selects nothing */
			return rpc_data_reply(c, NULL, wd);
		if (ds_sel_from_tree(&sel, ftree, 0, NULL) != 0)
			return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	} else {
		ds_sel_all(&sel);
	}
	if (nc_view(c->d->nc_state, ds, &sel, with_state ? DS_ALL : DS_CONFIG,
	    &tree, &e) != 0) {
		ds_sel_clear(&sel);
		return rpc_edit_err(c, &e);
	}
	drop_password(tree);
	if (with_state && add_state(c, &sel, &tree) != 0)
		sa_warn("monitoring data incomplete");
	ds_sel_clear(&sel);
	if (ftree != NULL) {
		if (filter_subtree(ftree, tree, &res) != 0)
			res = NULL;
	} else if (xpath) {
		if (filter_xpath(tree, select, &res, err, sizeof(err)) != 0) {
			lyd_free_siblings(tree);
			return rpc_err(c, "invalid-value", 0, NULL, "filter", "%s", err);
		}
	} else {
		res = tree;
		tree = NULL;
	}
	lyd_free_siblings(tree);
	rpc_user(c, &u);
	nacm_prune_read(c->d->nc_state->nacm, &u, &res);
	if (wd == NC_WD_ALL || wd == NC_WD_ALL_TAG)
		add_defaults(res, !with_state);
	return rpc_data_reply(c, res, wd);
}

struct nc_server_reply *
rpc_get_config(struct sa_nc_call *c)
{
	enum nc_datastore ds;

	if (rpc_datastore(rpc_child(c->rpc, "source"), &ds) != 0)
		return rpc_err(c, "missing-element", 0, NULL, "source",
		    "get-config needs a source datastore");
	return get_common(c, ds, 0);
}

struct nc_server_reply *
rpc_get(struct sa_nc_call *c)
{
	return get_common(c, NC_DS_RUNNING, 1);
}
