/*
 * nacm_check.c - the access checks of RFC 8341 (section 3.4): the rule
 * lists of the user's groups in order, the first matching rule decides;
 * without one, default-deny-all / default-deny-write, then the defaults.
 * A user no rule-list applies to only reads (nacm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacm.h"
#include "nacm_int.h"

enum { ACC_CREATE = 1, ACC_READ = 2, ACC_UPDATE = 4, ACC_DELETE = 8,
	ACC_EXEC = 16, ACC_ALL = 31 };
enum rule_type { R_ANY, R_RPC, R_NOTIF, R_PATH };

struct rule {
	const char *module;	/* "*" or a module name */
	enum rule_type type;
	const char *name;	/* rpc or notification name, or the path */
	unsigned ops;
	int permit;
	struct ly_set *set;	/* R_PATH: the nodes it names in the tree */
};

/* The rules that apply to a user; strings borrowed from the NACM tree. */
struct rules {
	int enabled;
	int read_default, write_default, exec_default;
	int listed;		/* some rule-list applies to the user */
	struct rule *r;
	size_t n;
};

static const struct lyd_node *
child(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	for (c = lyd_child(n); c != NULL; c = c->next)
		if (c->schema != NULL && strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

static const char *
value_of(const struct lyd_node *n, const char *name, const char *dflt)
{
	const struct lyd_node *c = child(n, name);

	return c != NULL ? lyd_get_value(c) : dflt;
}

static unsigned
parse_ops(const char *s)
{
	static const struct { const char *w; unsigned bit; } words[] = {
		{ "create", ACC_CREATE }, { "read", ACC_READ },
		{ "update", ACC_UPDATE }, { "delete", ACC_DELETE },
		{ "exec", ACC_EXEC },
	};
	unsigned ops = 0;
	size_t i;

	if (strcmp(s, "*") == 0)
		return ACC_ALL;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(s, words[i].w) != NULL)
			ops |= words[i].bit;
	return ops;
}

/*
 * Is u in group g: g "*", its group in the configuration (an external
 * group, unless enable-external-groups is false), or a /nacm/groups
 * group that lists its name?
 */
static int
in_group(const struct lyd_node *nacm, const char *g, const struct nacm_user *u)
{
	const struct lyd_node *groups = child(nacm, "groups"), *grp, *c;

	if (strcmp(g, "*") == 0)
		return 1;
	if (u->group[0] != '\0' && strcmp(g, u->group) == 0 &&
	    strcmp(value_of(nacm, "enable-external-groups", "true"), "true") == 0)
		return 1;
	for (grp = groups ? lyd_child(groups) : NULL; grp != NULL; grp = grp->next) {
		if (strcmp(value_of(grp, "name", ""), g) != 0)
			continue;
		for (c = lyd_child(grp); c != NULL; c = c->next)
			if (strcmp(c->schema->name, "user-name") == 0 &&
			    strcmp(lyd_get_value(c), u->name) == 0)
				return 1;
	}
	return 0;
}

static int
list_applies(const struct lyd_node *nacm, const struct lyd_node *list,
    const struct nacm_user *u)
{
	const struct lyd_node *c;

	for (c = lyd_child(list); c != NULL; c = c->next)
		if (strcmp(c->schema->name, "group") == 0 &&
		    in_group(nacm, lyd_get_value(c), u))
			return 1;
	return 0;
}

static void
add_rule(struct rules *rs, const struct lyd_node *rule)
{
	struct rule *r, *nr;
	const char *v;

	if ((nr = realloc(rs->r, (rs->n + 1) * sizeof(*nr))) == NULL)
		return;
	rs->r = nr;
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->module = value_of(rule, "module-name", "*");
	r->ops = parse_ops(value_of(rule, "access-operations", "*"));
	r->permit = strcmp(value_of(rule, "action", "deny"), "permit") == 0;
	if ((v = value_of(rule, "rpc-name", NULL)) != NULL) {
		r->type = R_RPC;
		r->name = v;
	} else if ((v = value_of(rule, "notification-name", NULL)) != NULL) {
		r->type = R_NOTIF;
		r->name = v;
	} else if ((v = value_of(rule, "path", NULL)) != NULL) {
		r->type = R_PATH;
		r->name = v;
	}
}

/* Takes the read lock of n; rules_done releases it. */
static void
rules_for(struct sa_nacm *n, const struct nacm_user *u, struct rules *rs)
{
	const struct lyd_node *nacm = NULL, *c, *r;

	memset(rs, 0, sizeof(*rs));
	pthread_rwlock_rdlock(&n->lock);
	for (c = n->tree; c != NULL && nacm == NULL; c = c->next)
		if (c->schema != NULL && strcmp(c->schema->name, "nacm") == 0)
			nacm = c;
	rs->enabled = nacm == NULL || strcmp(value_of(nacm, "enable-nacm",
	    "true"), "true") == 0;
	rs->read_default = nacm == NULL ||
	    strcmp(value_of(nacm, "read-default", "permit"), "permit") == 0;
	rs->write_default = nacm != NULL &&
	    strcmp(value_of(nacm, "write-default", "deny"), "permit") == 0;
	rs->exec_default = nacm == NULL ||
	    strcmp(value_of(nacm, "exec-default", "permit"), "permit") == 0;
	for (c = nacm ? lyd_child(nacm) : NULL; c != NULL; c = c->next) {
		if (strcmp(c->schema->name, "rule-list") != 0 ||
		    !list_applies(nacm, c, u))
			continue;
		rs->listed = 1;
		for (r = lyd_child(c); r != NULL; r = r->next)
			if (strcmp(r->schema->name, "rule") == 0)
				add_rule(rs, r);
	}
}

static void
rules_done(struct sa_nacm *n, struct rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		ly_set_free(rs->r[i].set, NULL);
	free(rs->r);
	pthread_rwlock_unlock(&n->lock);
}

static int
has_ext(const struct lysc_node *s, const char *name)
{
	LY_ARRAY_COUNT_TYPE i;

	for (; s != NULL; s = s->parent) {
		LY_ARRAY_FOR(s->exts, i) {
			if (strcmp(s->exts[i].def->name, name) == 0 &&
			    strcmp(s->exts[i].def->module->name, "ietf-netconf-acm") == 0)
				return 1;
		}
	}
	return 0;
}

static int
module_matches(const struct rule *r, const struct lysc_node *s)
{
	return strcmp(r->module, "*") == 0 || strcmp(r->module, s->module->name) == 0;
}

static int
named(const struct rule *r, const char *name)
{
	return strcmp(r->name, "*") == 0 || strcmp(r->name, name) == 0;
}

/* The operations that only read: all a user no rule-list names may run. */
static int
reads_only(const struct lysc_node *rpc)
{
	static const struct { const char *module, *name; } reads[] = {
		{ "ietf-netconf", "get" },
		{ "ietf-netconf", "get-config" },
		{ "ietf-netconf-monitoring", "get-schema" },
		{ "notifications", "create-subscription" },
	};
	size_t i;

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (strcmp(rpc->module->name, reads[i].module) == 0 &&
		    strcmp(rpc->name, reads[i].name) == 0)
			return 1;
	return 0;
}

int
nacm_allow_rpc(struct sa_nacm *n, const struct nacm_user *u,
    const struct lysc_node *rpc)
{
	struct rules rs;
	size_t i;
	int allow = -1;

	if (u->recovery || (strcmp(rpc->name, "close-session") == 0 &&
	    strcmp(rpc->module->name, "ietf-netconf") == 0))
		return 1;
	rules_for(n, u, &rs);
	if (!rs.enabled)
		allow = 1;
	else if (!rs.listed)
		allow = reads_only(rpc);
	for (i = 0; i < rs.n && allow < 0; i++) {
		if ((rs.r[i].ops & ACC_EXEC) && module_matches(&rs.r[i], rpc) &&
		    (rs.r[i].type == R_ANY || (rs.r[i].type == R_RPC &&
		    named(&rs.r[i], rpc->name))))
			allow = rs.r[i].permit;
	}
	if (allow < 0)
		allow = !has_ext(rpc, "default-deny-all") && rs.exec_default;
	if (!allow)
		n->denied_operations++;
	rules_done(n, &rs);
	return allow;
}

/* Evaluates the path rules that can matter for access on tree. */
static void
eval_paths(struct rules *rs, const struct lyd_node *tree, unsigned access)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].type == R_PATH && (rs->r[i].ops & access) &&
		    lyd_find_xpath(tree, rs->r[i].name, &rs->r[i].set) != LY_SUCCESS)
			rs->r[i].set = NULL;
}

static int
in_set(const struct ly_set *set, const struct lyd_node *node)
{
	uint32_t i;

	if (set == NULL)
		return 0;
	for (; node != NULL; node = lyd_parent(node))
		for (i = 0; i < set->count; i++)
			if (set->dnodes[i] == node)
				return 1;
	return 0;
}

/* The verdict of the data rules for node and access: 1, 0, or -1 none. */
static int
data_rule(const struct rules *rs, const struct lyd_node *node, unsigned access)
{
	const struct rule *r;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		r = &rs->r[i];
		if (!(r->ops & access) || !module_matches(r, node->schema) ||
		    r->type == R_RPC || r->type == R_NOTIF)
			continue;
		if (r->type == R_PATH && !in_set(r->set, node))
			continue;
		return r->permit;
	}
	return -1;
}

static int
may_read(const struct rules *rs, const struct lyd_node *node)
{
	int v = data_rule(rs, node, ACC_READ);

	if (v >= 0)
		return v;
	return !has_ext(node->schema, "default-deny-all") && rs->read_default;
}

static void
prune(const struct rules *rs, struct lyd_node **first)
{
	struct lyd_node *c, *next;

	LY_LIST_FOR_SAFE(*first, next, c) {
		if (c->schema == NULL)
			continue;
		if (!may_read(rs, c)) {
			if (*first == c)
				*first = next;
			lyd_free_tree(c);
			continue;
		}
		if (lyd_child(c) != NULL && !(c->schema->nodetype & LYD_NODE_ANY)) {
			struct lyd_node *kids = lyd_child(c);
			prune(rs, &kids);
		}
	}
}

void
nacm_prune_read(struct sa_nacm *n, const struct nacm_user *u,
    struct lyd_node **tree)
{
	struct rules rs;

	if (u->recovery || *tree == NULL)
		return;
	rules_for(n, u, &rs);
	/* a first rule that permits reading everything (the administrators'):
	 * nothing to prune */
	if (rs.enabled && !(rs.n > 0 && rs.r[0].type == R_ANY && rs.r[0].permit &&
	    (rs.r[0].ops & ACC_READ) && strcmp(rs.r[0].module, "*") == 0)) {
		eval_paths(&rs, *tree, ACC_READ);
		prune(&rs, tree);
	}
	rules_done(n, &rs);
}

static const char *
diff_op(const struct lyd_node *node, const char *inherited)
{
	struct lyd_meta *m;

	for (m = node->meta; m != NULL; m = m->next)
		if (strcmp(m->name, "operation") == 0)
			return lyd_get_meta_value(m);
	return inherited;
}

/* The first node of the diff u may not change, or NULL. */
static const struct lyd_node *
first_denied(const struct rules *rs, const struct lyd_node *first,
    const char *inherited)
{
	const struct lyd_node *c, *bad;
	const char *op;
	unsigned access;
	int v;

	for (c = first; c != NULL; c = c->next) {
		op = diff_op(c, inherited);
		access = strcmp(op, "create") == 0 ? ACC_CREATE :
		    strcmp(op, "delete") == 0 ? ACC_DELETE :
		    strcmp(op, "none") == 0 ? 0 : ACC_UPDATE;
		/* a non-presence container is never created nor deleted by
		 * itself: its descendants are what the rules judge */
		if (c->schema != NULL && c->schema->nodetype == LYS_CONTAINER &&
		    !(c->schema->flags & LYS_PRESENCE))
			access = 0;
		if (access != 0 && c->schema != NULL) {
			v = data_rule(rs, c, access);
			if (v < 0)
				v = !has_ext(c->schema, "default-deny-all") &&
				    !has_ext(c->schema, "default-deny-write") &&
				    rs->write_default;
			if (!v)
				return c;
		}
		if ((bad = first_denied(rs, lyd_child(c), op)) != NULL)
			return bad;
	}
	return NULL;
}

int
nacm_allow_write(struct sa_nacm *n, const struct nacm_user *u,
    const struct lyd_node *diff, char *path, size_t len)
{
	const struct lyd_node *bad = NULL;
	struct rules rs;

	if (u->recovery)
		return 1;
	rules_for(n, u, &rs);
	if (rs.enabled) {
		eval_paths(&rs, diff, ACC_CREATE | ACC_UPDATE | ACC_DELETE);
		/* a user no rule-list names writes nothing */
		bad = rs.listed ? first_denied(&rs, diff, "none") : diff;
		if (bad != NULL) {
			lyd_path(bad, LYD_PATH_STD, path, len);
			n->denied_data_writes++;
		}
	}
	rules_done(n, &rs);
	return bad == NULL;
}

int
nacm_allow_notif(struct sa_nacm *n, const struct nacm_user *u,
    const struct lyd_node *notif)
{
	struct rules rs;
	size_t i;
	int allow = -1;

	if (u->recovery)
		return 1;
	rules_for(n, u, &rs);
	if (!rs.enabled)
		allow = 1;
	for (i = 0; i < rs.n && allow < 0; i++) {
		if ((rs.r[i].ops & ACC_READ) && module_matches(&rs.r[i], notif->schema) &&
		    (rs.r[i].type == R_ANY || (rs.r[i].type == R_NOTIF &&
		    named(&rs.r[i], notif->schema->name))))
			allow = rs.r[i].permit;
	}
	if (allow < 0)
		allow = !has_ext(notif->schema, "default-deny-all") && rs.read_default;
	if (!allow)
		n->denied_notifications++;
	rules_done(n, &rs);
	return allow;
}

int
nacm_allow_read_path(struct sa_nacm *n, const struct nacm_user *u,
    const char *xpath)
{
	struct lyd_node *tree = NULL, *node = NULL;
	const struct lysc_node *sn;
	const char *value = NULL;
	struct rules rs;
	int allow = 0;

	if (u->recovery)
		return 1;
	/*
	 * The node alone, with its ancestors and keys, for the path rules.
	 * A leaf needs a value, any valid one: its default, or "" (the
	 * module's leaves without a default are strings).
	 */
	if ((sn = lys_find_path(n->ctx, NULL, xpath, 0)) != NULL &&
	    (sn->nodetype & LYD_NODE_TERM))
		value = sn->nodetype == LYS_LEAF &&
		    ((const struct lysc_node_leaf *)sn)->dflt != NULL ?
		    lyd_value_get_canonical(n->ctx,
		    ((const struct lysc_node_leaf *)sn)->dflt) : "";
	ly_err_clean(n->ctx, NULL);
	if (lyd_new_path2(NULL, n->ctx, xpath, value, 0, 0, 0, &tree, &node) !=
	    LY_SUCCESS || node == NULL) {
		ly_err_clean(n->ctx, NULL);
		lyd_free_all(tree);
		return 0;
	}
	rules_for(n, u, &rs);
	if (!rs.enabled) {
		allow = 1;
	} else {
		eval_paths(&rs, tree, ACC_READ);
		allow = 1;
		for (; node != NULL && allow; node = lyd_parent(node))
			allow = may_read(&rs, node);
	}
	rules_done(n, &rs);
	lyd_free_all(tree);
	return allow;
}
