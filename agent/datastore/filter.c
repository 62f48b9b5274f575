/*
 * filter.c - subtree and XPath filtering of reply data.
 *
 * Subtree filtering (RFC 6241 6.2): a filter node with a value is a
 * content match node, one without children or value a selection node,
 * one with children a containment node.  A data instance is kept when all
 * content match nodes among the filter's children match its children;
 * then it is kept whole when they are the only ones, else with what its
 * selection and containment nodes select (nothing selected: dropped).
 */
#include <stdio.h>
#include <string.h>

#include "filter.h"

static const char *
name_of(const struct lyd_node *n)
{
	return n->schema != NULL ? n->schema->name :
	    ((const struct lyd_node_opaq *)n)->name.name;
}

static const char *
ns_of(const struct lyd_node *n)
{
	if (n->schema != NULL)
		return n->schema->module->ns;
	return ((const struct lyd_node_opaq *)n)->name.module_ns;
}

/* Does filter node f name data node d?  No namespace matches any. */
static int
same_node(const struct lyd_node *f, const struct lyd_node *d)
{
	const char *ns;

	if (d->schema == NULL)
		return 0;
	if (f->schema != NULL)
		return f->schema == d->schema;
	if (strcmp(name_of(f), d->schema->name) != 0)
		return 0;
	ns = ns_of(f);
	return ns == NULL || *ns == '\0' || strcmp(ns, d->schema->module->ns) == 0;
}

static int
is_blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* A leaf-like filter node with a value. */
static int
is_content_match(const struct lyd_node *f)
{
	return lyd_child(f) == NULL && !is_blank(lyd_get_value(f)) &&
	    (f->schema == NULL || (f->schema->nodetype & LYD_NODE_TERM));
}

static int
value_matches(const struct lyd_node *f, const struct lyd_node *d)
{
	const char *fv = lyd_get_value(f), *dv = lyd_get_value(d);

	return dv != NULL && fv != NULL && strcmp(fv, dv) == 0;
}

static int filter_instance(const struct lyd_node *f, const struct lyd_node *d,
    struct lyd_node **out);

/*
 * Adds res under parent; when parent already has that instance (two filter
 * nodes selected parts of it), what res holds is merged into it.  Takes
 * res over.
 */
static int
merge_child(struct lyd_node *parent, struct lyd_node *res)
{
	struct lyd_node *match = NULL, *c, *next;
	int r = 0;

	if (lyd_find_sibling_first(lyd_child(parent), res, &match) != LY_SUCCESS ||
	    match == NULL) {
		if (lyd_insert_child(parent, res) == LY_SUCCESS)
			return 0;
		lyd_free_tree(res);
		return -1;
	}
	LY_LIST_FOR_SAFE(lyd_child(res), next, c) {
		if (c->schema != NULL && (c->schema->flags & LYS_KEY))
			continue;
		lyd_unlink_tree(c);
		if (r == 0)
			r = merge_child(match, c);
		else
			lyd_free_tree(c);
	}
	lyd_free_tree(res);
	return r;
}

/* Adds what filter children select of d's children into copy; the count. */
static int
select_children(const struct lyd_node *f, const struct lyd_node *d,
    struct lyd_node *copy, int *added)
{
	const struct lyd_node *fc, *dc;
	struct lyd_node *res;

	for (fc = lyd_child(f); fc != NULL; fc = fc->next) {
		if (is_content_match(fc))
			continue;
		for (dc = lyd_child(d); dc != NULL; dc = dc->next) {
			if (!same_node(fc, dc))
				continue;
			if (filter_instance(fc, dc, &res) != 0)
				return -1;
			if (res == NULL)
				continue;
			if (dc->schema != NULL && (dc->schema->flags & LYS_KEY)) {
				lyd_free_tree(res);	/* keys came with the copy */
				(*added)++;
				continue;
			}
			if (merge_child(copy, res) != 0)
				return -1;
			(*added)++;
		}
	}
	return 0;
}

static int
filter_instance(const struct lyd_node *f, const struct lyd_node *d,
    struct lyd_node **out)
{
	const struct lyd_node *fc, *dc;
	struct lyd_node *copy = NULL, *m;
	int only_content = 1, added = 0;

	*out = NULL;
	if (lyd_child(f) == NULL) {
		if (is_content_match(f) && !value_matches(f, d))
			return 0;
		return lyd_dup_single(d, NULL, LYD_DUP_RECURSIVE, out) ? -1 : 0;
	}
	for (fc = lyd_child(f); fc != NULL; fc = fc->next) {
		if (!is_content_match(fc)) {
			only_content = 0;
			continue;
		}
		for (dc = lyd_child(d); dc != NULL; dc = dc->next)
			if (same_node(fc, dc) && value_matches(fc, dc))
				break;
		if (dc == NULL)
			return 0;	/* a content match fails: not this one */
	}
	if (only_content)
		return lyd_dup_single(d, NULL, LYD_DUP_RECURSIVE, out) ? -1 : 0;
	if (lyd_dup_single(d, NULL, 0, &copy) != LY_SUCCESS)
		return -1;
	/* the content match nodes that matched are part of the answer */
	for (fc = lyd_child(f); fc != NULL; fc = fc->next) {
		if (!is_content_match(fc))
			continue;
		for (dc = lyd_child(d); dc != NULL; dc = dc->next) {
			if (!same_node(fc, dc) || (dc->schema->flags & LYS_KEY))
				continue;
			if (lyd_dup_single(dc, (struct lyd_node_inner *)copy,
			    LYD_DUP_RECURSIVE, &m) != LY_SUCCESS)
				goto fail;
		}
	}
	if (select_children(f, d, copy, &added) != 0)
		goto fail;
	if (added == 0) {
		lyd_free_tree(copy);
		return 0;
	}
	*out = copy;
	return 0;
 fail:
	lyd_free_tree(copy);
	return -1;
}

int
filter_subtree(const struct lyd_node *filter, const struct lyd_node *data,
    struct lyd_node **out)
{
	const struct lyd_node *f, *d;
	struct lyd_node *res;

	*out = NULL;
	for (f = filter; f != NULL; f = f->next) {
		for (d = data; d != NULL; d = d->next) {
			if (!same_node(f, d))
				continue;
			if (filter_instance(f, d, &res) != 0)
				goto fail;
			if (res != NULL && lyd_merge_siblings(out, res,
			    LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
				lyd_free_siblings(res);
				goto fail;
			}
		}
	}
	return 0;
 fail:
	lyd_free_siblings(*out);
	*out = NULL;
	return -1;
}

int
filter_xpath(const struct lyd_node *data, const char *xpath,
    struct lyd_node **out, char *err, size_t errlen)
{
	struct ly_set *set = NULL;
	struct lyd_node *dup, *top;
	uint32_t i;
	int r = 0;

	*out = NULL;
	if (data == NULL)
		return 0;
	if (lyd_find_xpath(data, xpath, &set) != LY_SUCCESS) {
		snprintf(err, errlen, "XPath filter \"%.200s\": %s", xpath,
		    ly_errmsg(LYD_CTX(data)));
		return -1;
	}
	for (i = 0; i < set->count && r == 0; i++) {
		if (lyd_dup_single(set->dnodes[i], NULL, LYD_DUP_RECURSIVE |
		    LYD_DUP_WITH_PARENTS, &dup) != LY_SUCCESS) {
			r = -1;
			break;
		}
		for (top = dup; top->parent != NULL; top = lyd_parent(top))
			;
		if (lyd_merge_siblings(out, top, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
			lyd_free_siblings(top);
			r = -1;
		}
	}
	ly_set_free(set, NULL);
	if (r != 0) {
		snprintf(err, errlen, "out of memory");
		lyd_free_siblings(*out);
		*out = NULL;
	}
	return r;
}
