/*
 * edit.c - edit-config operations on a tree (edit.h).
 *
 * Each edit node is matched with the target's instance (same schema node,
 * same keys); its operation is its own or its parent's.  A created node
 * is made as a shell and its children applied into it, so nested
 * operations keep their meaning (a nested delete of what cannot exist yet
 * is data-missing, a nested remove is nothing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../src/sa_err.h"
#include "edit.h"

const char *
edit_core_tag(int core_err)
{
	static const char *const by_core[SA_ERR_COUNT] = {
		[SA_ERR_INVALID] = "invalid-value",
		[SA_ERR_TOO_LONG] = "invalid-value",
		[SA_ERR_NOT_FOUND] = "data-missing",
		[SA_ERR_EXISTS] = "data-exists",
		[SA_ERR_AMBIGUOUS] = "invalid-value",
		[SA_ERR_WRONG_LIST] = "invalid-value",
		[SA_ERR_INCONSISTENT] = "invalid-value",
		[SA_ERR_DENIED] = "access-denied",
		[SA_ERR_LOCKED] = "in-use",
		[SA_ERR_IO] = "operation-failed",
		[SA_ERR_NOMEM] = "resource-denied",
		[SA_ERR_REFUSED] = "operation-failed",
	};

	return core_err > 0 && core_err < SA_ERR_COUNT &&
	    by_core[core_err] != NULL ? by_core[core_err] : "operation-failed";
}

int
edit_fail(struct edit_err *e, const char *tag, const struct lyd_node *node,
    const char *fmt, ...)
{
	va_list ap;

	e->tag = tag;
	e->path[0] = e->elem[0] = e->ns[0] = '\0';
	if (node != NULL) {
		lyd_path(node, LYD_PATH_STD, e->path, sizeof(e->path));
		snprintf(e->elem, sizeof(e->elem), "%s", node->schema != NULL ?
		    node->schema->name : ((const struct lyd_node_opaq *)node)->name.name);
	}
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
edit_opaque_error(const struct lyd_node *opaq, const struct lyd_node *parent,
    struct edit_err *e)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)opaq;
	const struct lysc_node *s = NULL;
	const struct lys_module *mod = NULL;
	const char *value = o->value != NULL ? o->value : "";
	struct ly_ctx *ctx = (struct ly_ctx *)LYD_CTX(opaq);
	char path[512] = "";

	if (o->name.module_ns != NULL)
		mod = ly_ctx_get_module_implemented_ns(ctx, o->name.module_ns);
	if (mod == NULL && parent == NULL) {
		edit_fail(e, "unknown-namespace", NULL, "unknown namespace \"%s\" of "
		    "<%s>", o->name.module_ns ? o->name.module_ns : "",
		    o->name.name);
		snprintf(e->elem, sizeof(e->elem), "%s", o->name.name);
		snprintf(e->ns, sizeof(e->ns), "%s", o->name.module_ns ?
		    o->name.module_ns : "");
		return -1;
	}
	s = lys_find_child(parent != NULL ? parent->schema : NULL,
	    mod != NULL ? mod : parent->schema->module, o->name.name, 0, 0, 0);
	if (parent != NULL)
		lyd_path(parent, LYD_PATH_STD, path, sizeof(path));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s%s%s",
	    parent == NULL && mod != NULL ? mod->name : "",
	    parent == NULL && mod != NULL ? ":" : "", o->name.name);
	if (s == NULL || !(s->nodetype & LYD_NODE_TERM)) {
		edit_fail(e, "unknown-element", NULL, "unknown element <%s>",
		    o->name.name);
		snprintf(e->elem, sizeof(e->elem), "%s", o->name.name);
		snprintf(e->path, sizeof(e->path), "%s", path);
		return -1;
	}
	if (lyd_value_validate(ctx, s, value, strlen(value), NULL, NULL, NULL) ==
	    LY_SUCCESS)
		edit_fail(e, "invalid-value", NULL, "bad value for %s", o->name.name);
	else
		edit_fail(e, "invalid-value", NULL, "%s", ly_errmsg(ctx));
	ly_err_clean(ctx, NULL);
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->elem, sizeof(e->elem), "%s", o->name.name);
	return -1;
}

const char *
edit_own_op(const struct lyd_node *n)
{
	struct lyd_meta *m;

	for (m = n->meta; m != NULL; m = m->next)
		if (strcmp(m->name, "operation") == 0 &&
		    strcmp(m->annotation->module->name, "ietf-netconf") == 0)
			return lyd_get_meta_value(m);
	return NULL;
}

static int apply_node(struct lyd_node *parent, struct lyd_node **top,
    const struct lyd_node *en, const char *op, struct edit_err *e);

static const char *
yang_meta(const struct lyd_node *n, const char *name)
{
	struct lyd_meta *m;

	for (m = n->meta; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0 &&
		    strcmp(m->annotation->module->name, "yang") == 0)
			return lyd_get_meta_value(m);
	return NULL;
}

/* An ordered-by user list or leaf-list (the flag's bit means something
 * else on other nodes). */
static int
user_ordered(const struct lysc_node *n)
{
	return (n->nodetype & (LYS_LIST | LYS_LEAFLIST)) &&
	    (n->flags & LYS_ORDBY_USER);
}

/*
 * yang:insert (RFC 7950 7.8.6) for an ordered-by user list or leaf-list:
 * puts t first, last, or before/after the instance yang:key or
 * yang:value names.
 */
static int
place(struct lyd_node *parent, struct lyd_node *t, const struct lyd_node *en,
    struct edit_err *e)
{
	const char *where = yang_meta(en, "insert"), *key;
	struct lyd_node *first, *anchor = NULL;
	char path[512];

	if (where == NULL || parent == NULL || !user_ordered(t->schema))
		return 0;
	first = lyd_child(parent);
	while (first != NULL && first->schema != t->schema)
		first = first->next;
	if (strcmp(where, "first") == 0)
		return first == t || lyd_insert_before(first, t) == LY_SUCCESS ? 0 :
		    edit_fail(e, "operation-failed", en, "cannot move");
	if (strcmp(where, "last") == 0)
		return 0;
	key = yang_meta(en, t->schema->nodetype == LYS_LIST ? "key" : "value");
	if (key == NULL) {
		edit_fail(e, "missing-attribute", en, "insert %s needs "
		    "yang:key or yang:value", where);
		snprintf(e->ns, sizeof(e->ns), "%s", "key");
		return -1;
	}
	if (t->schema->nodetype == LYS_LIST)
		snprintf(path, sizeof(path), "%s%s", t->schema->name, key);
	else
		snprintf(path, sizeof(path), "%s[.='%s']", t->schema->name, key);
	if (lyd_find_path(parent, path, 0, &anchor) != LY_SUCCESS || anchor == NULL) {
		edit_fail(e, "bad-attribute", en, "insert %s: no instance %s",
		    where, key);
		snprintf(e->ns, sizeof(e->ns), "%s", "key");
		return -1;
	}
	if (anchor == t)
		return 0;
	if ((strcmp(where, "before") == 0 ? lyd_insert_before(anchor, t) :
	    lyd_insert_after(anchor, t)) != LY_SUCCESS)
		return edit_fail(e, "operation-failed", en, "cannot move");
	return 0;
}

/*
 * Non-zero when an earlier sibling of en is the same leaf, container or
 * anydata: <username>a</username><username>b</username> says two things.
 * (A list entry twice is found by its keys where it is applied.)
 */
static int
duplicate(const struct lyd_node *en)
{
	const struct lyd_node *s;

	if (!(en->schema->nodetype & (LYS_LEAF | LYS_CONTAINER | LYD_NODE_ANY)))
		return 0;
	for (s = lyd_first_sibling(en); s != NULL && s != en; s = s->next)
		if (s->schema == en->schema)
			return 1;
	return 0;
}

/* The target's instance of edit node en: a leaf or container by its schema
 * node (a new value is an update), a list entry by its keys. */
static struct lyd_node *
find_instance(struct lyd_node *first, const struct lyd_node *en)
{
	struct lyd_node *t = NULL;

	if (first == NULL)
		return NULL;
	if (en->schema->nodetype & (LYS_LEAF | LYS_CONTAINER | LYD_NODE_ANY)) {
		if (lyd_find_sibling_val(first, en->schema, NULL, 0, &t) != LY_SUCCESS)
			t = NULL;
	} else if (lyd_find_sibling_first(first, en, &t) != LY_SUCCESS) {
		t = NULL;
	}
	return t;
}

static int
apply_children(struct lyd_node *t, const struct lyd_node *en, const char *op,
    struct edit_err *e)
{
	const struct lyd_node *c;

	for (c = lyd_child(en); c != NULL; c = c->next) {
		if (c->schema != NULL && (c->schema->flags & LYS_KEY))
			continue;	/* the instance's identity, not an edit */
		if (apply_node(t, NULL, c, op, e) != 0)
			return -1;
	}
	return 0;
}

/* Makes the instance of en under parent (or at top) and applies its children. */
static int
create_node(struct lyd_node *parent, struct lyd_node **top,
    const struct lyd_node *en, const char *op, struct edit_err *e)
{
	struct lyd_node *n;
	struct lyd_meta *m;

	if (lyd_dup_single(en, (struct lyd_node_inner *)parent, 0, &n) != LY_SUCCESS)
		return edit_fail(e, "operation-failed", en, "out of memory");
	while ((m = n->meta) != NULL)
		lyd_free_meta_single(m);
	if (parent == NULL && lyd_insert_sibling(*top, n, top) != LY_SUCCESS) {
		lyd_free_tree(n);
		return edit_fail(e, "operation-failed", en, "cannot insert");
	}
	if (place(parent, n, en, e) != 0)
		return -1;
	if (en->schema->nodetype & LYD_NODE_TERM)
		return 0;
	/* the children of a new node are new: create and replace both create */
	return apply_children(n, en, strcmp(op, "replace") == 0 ? "merge" : op, e);
}

static int
set_value(struct lyd_node *t, const struct lyd_node *en, struct edit_err *e)
{
	LY_ERR r;

	if (t->schema->nodetype == LYS_LEAFLIST)
		return 0;	/* the value is its identity */
	r = lyd_change_term(t, lyd_get_value(en));
	if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT)
		return edit_fail(e, "invalid-value", en, "%s", ly_errmsg(LYD_CTX(t)));
	return 0;
}

static int
apply_node(struct lyd_node *parent, struct lyd_node **top,
    const struct lyd_node *en, const char *op, struct edit_err *e)
{
	struct lyd_node *t = NULL, *first;
	const char *own = edit_own_op(en);

	if (own != NULL)
		op = own;
	if (en->schema == NULL)
		return edit_opaque_error(en, lyd_parent(en), e);
	if (en->schema->flags & LYS_CONFIG_R)
		return edit_fail(e, "invalid-value", en,
		    "%s is state data (config false): it cannot be edited",
		    en->schema->name);
	if (duplicate(en))
		return edit_fail(e, "invalid-value", en, "duplicate instance "
		    "of %s: it can appear once", en->schema->name);
	if (yang_meta(en, "insert") != NULL && !user_ordered(en->schema)) {
		edit_fail(e, "bad-attribute", en, "yang:insert applies to "
		    "ordered-by user lists only; %s is not one",
		    en->schema->name);
		snprintf(e->ns, sizeof(e->ns), "%s", "insert");
		return -1;
	}
	first = parent != NULL ? lyd_child(parent) : *top;
	t = find_instance(first, en);
	if (strcmp(op, "create") == 0) {
		if (t != NULL)
			return edit_fail(e, "data-exists", en,
			    "%s already exists", en->schema->name);
		return create_node(parent, top, en, op, e);
	}
	if (strcmp(op, "delete") == 0 || strcmp(op, "remove") == 0) {
		if (t == NULL && op[0] == 'd')
			return edit_fail(e, "data-missing", en,
			    "%s does not exist", en->schema->name);
		if (t != NULL) {
			if (top != NULL && *top == t)
				*top = t->next;
			lyd_free_tree(t);
		}
		return 0;
	}
	if (strcmp(op, "merge") == 0 || strcmp(op, "replace") == 0) {
		if (t == NULL)
			return create_node(parent, top, en, op, e);
		if (place(parent, t, en, e) != 0)
			return -1;
		if (en->schema->nodetype & LYD_NODE_TERM)
			return set_value(t, en, e);
		if (strcmp(op, "merge") == 0)
			return apply_children(t, en, op, e);
		/* replace: the new content only */
		if (top != NULL && *top == t)
			*top = t->next;
		lyd_free_tree(t);
		return create_node(parent, top, en, op, e);
	}
	if (strcmp(op, "none") == 0) {
		if (t == NULL) {
			if (en->schema->nodetype != LYS_CONTAINER)
				return edit_fail(e, "data-missing", en,
				    "%s does not exist", en->schema->name);
			if (create_node(parent, top, en, op, e) != 0)
				return -1;
			return 0;
		}
		if (en->schema->nodetype & LYD_NODE_TERM)
			return 0;
		return apply_children(t, en, op, e);
	}
	edit_fail(e, "bad-attribute", en, "unknown operation \"%s\"", op);
	snprintf(e->ns, sizeof(e->ns), "%s", "operation");
	return -1;
}

/*
 * May n be flagged default: a leaf that holds its schema's default value,
 * or a non-presence container (libyang flags one whose children are all
 * default; they are judged on their own)?
 */
static int
holds_default(const struct lyd_node *n)
{
	const struct lysc_node_leaf *leaf = (const struct lysc_node_leaf *)n->schema;
	const char *dflt;

	if (n->schema != NULL && n->schema->nodetype == LYS_CONTAINER &&
	    !(n->schema->flags & LYS_PRESENCE))
		return 1;
	if (n->schema == NULL || n->schema->nodetype != LYS_LEAF || leaf->dflt == NULL)
		return 0;
	dflt = lyd_value_get_canonical(LYD_CTX(n), leaf->dflt);
	return dflt != NULL && strcmp(dflt, lyd_get_value(n)) == 0;
}

int
edit_check_defaults(const struct lyd_node *tree, struct edit_err *e)
{
	const struct lyd_node *top, *n;

	LY_LIST_FOR(tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if ((n->flags & LYD_DEFAULT) && !holds_default(n))
				return edit_fail(e, "invalid-value", n, "the with-defaults "
				    "attribute default=\"true\" fits only a leaf that "
				    "holds its default value; %s does not",
				    n->schema != NULL ? n->schema->name : "this node");
			LYD_TREE_DFS_END(top, n);
		}
	}
	return 0;
}

int
edit_apply(struct lyd_node **target, const struct lyd_node *edit,
    const char *default_op, struct edit_err *e)
{
	const struct lyd_node *en;

	if (edit_check_defaults(edit, e) != 0)
		return -1;
	for (en = edit; en != NULL; en = en->next)
		if (apply_node(NULL, target, en, default_op, e) != 0)
			return -1;
	return 0;
}
