/*
 * rpc_data.c - <get> and <get-config> with subtree or XPath filters and
 * with-defaults (RFC 6243; basic mode trim).
 */
#include <string.h>

#include <stdio.h>

#include "../daemon/log.h"
#include "../provision/prov.h"
#include "../sa_map.h"
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
add_prov_state(const struct sa_nc_call *c, struct lyd_node *tree)
{
	const struct lys_module *mod;
	struct sa_prov_state ps;
	struct lyd_node *p = NULL;
	char buf[32];

	for (; tree != NULL; tree = tree->next)
		if (tree->schema != NULL && strcmp(tree->schema->name, "security") == 0 &&
		    strcmp(tree->schema->module->name, SA_YANG_MODULE) == 0)
			break;
	if (tree == NULL || c->d->prov == NULL)
		return;
	for (p = lyd_child(tree); p != NULL; p = p->next)
		if (strcmp(p->schema->name, "provisioning") == 0)
			break;
	if (p == NULL)
		return;
	mod = p->schema->module;
	sa_prov_get_state(c->d, &ps);
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
	if (with_state)
		add_prov_state(c, tree);
	if (with_state && add_state(c, &sel, &tree) != 0)
		sa_warn("monitoring data incomplete");
	/* report-all: the defaults are data the filter may select */
	if (wd == NC_WD_ALL || wd == NC_WD_ALL_TAG)
		add_defaults(c->ctx, &tree, !with_state);
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
