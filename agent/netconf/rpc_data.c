/*
 * rpc_data.c - <get> and <get-config> with subtree or XPath filters and
 * with-defaults (RFC 6243; basic mode trim).
 */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <libyang/plugins_types.h>
#include <openssl/evp.h>

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
	char buf[32], *version = NULL;

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
	if (sa_store_get(c->d->st, SA_SET_POLICY_VERSION, &version) == 0 &&
	    *version != '\0')
		lyd_new_term(p, mod, "policy-version", version, 0, NULL);
	free(version);
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

/*
 * The certificate entries of a reply, printed here.  libyang 2.1 prints
 * every character of a value with a write call of its own
 * (lyxml_dump_text -> ly_write_ -> libnetconf2's nc_write_clb): for the
 * 6.5 MB of 10,000 certificates that was most of a get-config.  So the
 * entries of the three lists are printed as libyang prints them with
 * LYD_PRINT_SHRINK | LYD_PRINT_WD_TRIM (xml_print_node), the rest of the
 * reply by libyang with a placeholder where the entries go, and <data>
 * carries the whole as XML text.  The tree is the reply's own, after the
 * filter and NACM: only the printing changes.  A node this printer does
 * not know (metadata, opaque, another module, anydata) leaves the reply
 * to libyang.
 */
#define ENTRIES_MARK "sa-entries-here"
#define MARK_TAG "<" ENTRIES_MARK "/>"

struct xbuf {
	char *p;
	size_t len, cap;
	int fail;
};

/* Room for n more bytes and the NUL; a pointer to them, or NULL. */
static char *
xb_room(struct xbuf *b, size_t n)
{
	size_t cap = b->cap != 0 ? b->cap : 65536;
	char *p;

	if (b->fail)
		return NULL;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap != b->cap) {
		if ((p = realloc(b->p, cap)) == NULL) {
			b->fail = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

static void
xb_put(struct xbuf *b, const char *s, size_t n)
{
	char *p = xb_room(b, n);

	if (p != NULL) {
		memcpy(p, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	}
}

static void
xb_str(struct xbuf *b, const char *s)
{
	xb_put(b, s, strlen(s));
}

/* Element content escaped as lyxml_dump_text() does: & < > only. */
static void
xb_text(struct xbuf *b, const char *s)
{
	size_t n;

	for (;;) {
		n = strcspn(s, "&<>");
		xb_put(b, s, n);
		s += n;
		if (*s == '\0')
			return;
		xb_str(b, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : "&gt;");
		s++;
	}
}

/* libyang's lyd_node_should_print() for LYD_PRINT_WD_TRIM. */
static int
printed(const struct lyd_node *n)
{
	return !(n->flags & LYD_DEFAULT) &&
	    !((n->schema->nodetype & LYD_NODE_TERM) && lyd_is_default(n));
}

/* A value as xml_print_term() prints it; -1: leave it to libyang. */
static int
print_value(struct xbuf *b, const struct lyd_node_term *t)
{
	const struct lysc_type *type = ((const struct lysc_node_leaf *)t->schema)->type;
	struct lyd_value_binary *bin;
	struct ly_set ns = { 0 };
	const char *v;
	ly_bool dynamic = 0;
	char *p;
	int empty;

	if (type->basetype == LY_TYPE_BINARY && t->value._canonical == NULL) {
		/* base64 without a line break, as libyang's binary plugin */
		LYD_VALUE_GET(&t->value, bin);
		if (bin->size == 0) {
			xb_str(b, "/>");
			return 0;
		}
		xb_str(b, ">");
		if ((p = xb_room(b, 4 * ((bin->size + 2) / 3))) != NULL)
			b->len += (size_t)EVP_EncodeBlock((unsigned char *)p,
			    bin->data, (int)bin->size);
		goto close;
	}
	v = type->plugin->print(LYD_CTX(&t->node), &t->value, LY_VALUE_XML, &ns,
	    &dynamic, NULL);
	if (v == NULL || ns.count != 0) {	/* prefixes: libyang's job */
		ly_set_erase(&ns, NULL);
		if (dynamic)
			free((void *)v);
		return -1;
	}
	empty = v[0] == '\0';
	if (empty) {
		xb_str(b, "/>");
	} else {
		xb_str(b, ">");
		xb_text(b, v);
	}
	if (dynamic)
		free((void *)v);
	if (empty)
		return 0;
 close:
	xb_str(b, "</");
	xb_str(b, t->schema->name);
	xb_str(b, ">");
	return 0;
}

/* A node of module mod (the parent's namespace) as xml_print_node(). */
static int
print_node(struct xbuf *b, const struct lyd_node *n,
    const struct lys_module *mod)
{
	const struct lyd_node *c;

	if (n->schema == NULL || n->schema->module != mod || n->meta != NULL)
		return -1;
	if (!printed(n))
		return 0;
	xb_str(b, "<");
	xb_str(b, n->schema->name);
	if (n->schema->nodetype & LYD_NODE_TERM)
		return print_value(b, (const struct lyd_node_term *)n);
	if (!(n->schema->nodetype & (LYS_CONTAINER | LYS_LIST)))
		return -1;
	for (c = lyd_child(n); c != NULL; c = c->next)
		if (c->schema == NULL || printed(c))
			break;
	if (c == NULL) {
		xb_str(b, "/>");
		return 0;
	}
	xb_str(b, ">");
	for (c = lyd_child(n); c != NULL; c = c->next)
		if (print_node(b, c, mod) != 0)
			return -1;
	xb_str(b, "</");
	xb_str(b, n->schema->name);
	xb_str(b, ">");
	return 0;
}

/* The certificates container of a reply's data, or NULL. */
static struct lyd_node *
certificates_of(struct lyd_node *tree)
{
	struct lyd_node *n, *c;

	for (n = tree; n != NULL; n = n->next)
		if (n->schema != NULL && strcmp(n->schema->name, "security") == 0 &&
		    strcmp(n->schema->module->name, SA_YANG_MODULE) == 0)
			for (c = lyd_child(n); c != NULL; c = c->next)
				if (c->schema != NULL &&
				    strcmp(c->schema->name, "certificates") == 0)
					return c;
	return NULL;
}

/*
 * The reply data as XML text into *text, the entries printed here
 * (above): 1, and *tree is freed.  0 with *tree untouched when libyang
 * prints it all (no entries, another with-defaults mode, a node the
 * printer does not know); -1 when out of memory (*tree freed).
 */
static int
print_data(struct lyd_node **tree, NC_WD_MODE wd, char **text)
{
	struct lyd_node *certs, *first, *n, *next;
	struct xbuf b = { 0 };
	char *rest = NULL, *mark;
	size_t head;

	*text = NULL;
	if (wd != NC_WD_TRIM || (certs = certificates_of(*tree)) == NULL)
		return 0;
	/* the lists come last among the children (schema order) */
	for (first = lyd_child(certs); first != NULL; first = first->next)
		if (first->schema != NULL && first->schema->nodetype == LYS_LIST)
			break;
	if (first == NULL)
		return 0;
	for (n = first; n != NULL && !b.fail; n = n->next)
		if (n->schema == NULL || n->schema->nodetype != LYS_LIST ||
		    print_node(&b, n, certs->schema->module) != 0)
			break;
	if (n != NULL || b.fail) {
		free(b.p);
		return 0;
	}
	/* the placeholder first, so that certificates stays non-default */
	if (lyd_new_opaq2(certs, NULL, ENTRIES_MARK, NULL, NULL,
	    certs->schema->module->ns, NULL) != LY_SUCCESS) {
		free(b.p);
		return 0;
	}
	for (n = first; n != NULL && n->schema != NULL; n = next) {
		next = n->next;
		lyd_free_tree(n);
	}
	if (lyd_print_mem(&rest, *tree, LYD_XML, LYD_PRINT_WITHSIBLINGS |
	    LYD_PRINT_SHRINK | LYD_PRINT_WD_TRIM) != LY_SUCCESS)
		rest = NULL;
	lyd_free_siblings(*tree);
	*tree = NULL;
	/* rest with the entries in place of the placeholder, inside b */
	if (rest != NULL && (mark = strstr(rest, MARK_TAG)) != NULL &&
	    xb_room(&b, strlen(rest)) != NULL) {
		head = (size_t)(mark - rest);
		memmove(b.p + head, b.p, b.len);
		memcpy(b.p, rest, head);
		strcpy(b.p + head + b.len, mark + strlen(MARK_TAG));
		*text = b.p;
	} else {
		if (rest != NULL)
			sa_warn("reply: no %s in the printed data", MARK_TAG);
		free(b.p);
	}
	free(rest);
	return *text != NULL ? 1 : -1;
}

/* rpc_data_reply(), with the entries printed by print_data(). */
static struct nc_server_reply *
data_reply(struct sa_nc_call *c, struct lyd_node *tree, NC_WD_MODE wd)
{
	char *text = NULL;
	int r;

	if (tree == NULL || (r = print_data(&tree, wd, &text)) == 0)
		return rpc_data_reply(c, tree, wd);
	if (r < 0) {
		free(text);
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	}
	return rpc_any_reply(c, text, LYD_ANYDATA_XML, wd);
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
	return data_reply(c, res, wd);
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
