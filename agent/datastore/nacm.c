/*
 * nacm.c - the NACM configuration: loading, seeding and keeping it
 * (nacm.h).  The checks are in nacm_check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/sa_file.h"
#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "nacm.h"
#include "nacm_int.h"

#define NACM_FILE "nacm.xml"

/*
 * The NACM of a new state directory: the administrators may do
 * everything, the viewers read.  No group lists users: the configuration
 * names each user's group (nacm.h).
 */
static const char seed_xml[] =
    "<nacm xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-acm\">"
    "<enable-nacm>true</enable-nacm><read-default>permit</read-default>"
    "<write-default>deny</write-default><exec-default>permit</exec-default>"
    "<enable-external-groups>true</enable-external-groups>"
    "<rule-list><name>admin</name><group>admin</group>"
    "<rule><name>permit-all</name><module-name>*</module-name>"
    "<access-operations>*</access-operations><action>permit</action>"
    "<comment>administrators: everything</comment></rule></rule-list>"
    "<rule-list><name>viewer</name><group>viewer</group>"
    "<rule><name>get</name><module-name>ietf-netconf</module-name>"
    "<rpc-name>get</rpc-name><access-operations>exec</access-operations>"
    "<action>permit</action></rule>"
    "<rule><name>get-config</name><module-name>ietf-netconf</module-name>"
    "<rpc-name>get-config</rpc-name><access-operations>exec</access-operations>"
    "<action>permit</action></rule>"
    "<rule><name>get-schema</name>"
    "<module-name>ietf-netconf-monitoring</module-name>"
    "<rpc-name>get-schema</rpc-name><access-operations>exec</access-operations>"
    "<action>permit</action></rule>"
    "<rule><name>subscribe</name><module-name>notifications</module-name>"
    "<rpc-name>create-subscription</rpc-name>"
    "<access-operations>exec</access-operations>"
    "<action>permit</action></rule>"
    "<rule><name>no-other-operation</name><module-name>*</module-name>"
    "<rpc-name>*</rpc-name><access-operations>exec</access-operations>"
    "<action>deny</action><comment>viewers only read</comment></rule>"
    "<rule><name>no-writes</name><module-name>*</module-name>"
    "<access-operations>create update delete</access-operations>"
    "<action>deny</action></rule></rule-list>"
    "</nacm>";

void
nacm_user_set(struct sa_daemon *d, struct nacm_user *u, const char *name,
    int recovery)
{
	const struct sa_config *c;
	size_t i;

	u->name = name != NULL ? name : "";
	u->recovery = recovery;
	u->group[0] = '\0';
	pthread_rwlock_rdlock(&d->cfg_lock);
	c = d->cfg;
	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, u->name) == 0 && c->users[i].group)
			snprintf(u->group, sizeof(u->group), "%s", c->users[i].group);
	pthread_rwlock_unlock(&d->cfg_lock);
}

static int
parse_nacm(struct ly_ctx *ctx, const char *xml, struct lyd_node **tree)
{
	*tree = NULL;
	return lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_STRICT |
	    LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, tree) == LY_SUCCESS ? 0 : -1;
}

/* Writes the tree to STATE_DIR/nacm.xml durably (sa_file_replace). */
static int
save(struct sa_nacm *n, const struct lyd_node *tree, char *err, size_t errlen)
{
	char *xml = NULL;
	int r;

	if (lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS) != LY_SUCCESS)
		return snprintf(err, errlen, "cannot print NACM"), -1;
	r = sa_file_replace(n->dir_fd, NACM_FILE, xml != NULL ? xml : "",
	    xml != NULL ? strlen(xml) : 0, 0600);
	free(xml);
	if (r != 0)
		return snprintf(err, errlen, "%s: %s", n->path,
		    sa_file_strerror(errno)), -1;
	return 0;
}

int
nacm_init(struct sa_daemon *d, struct ly_ctx *ctx, struct sa_nacm **out,
    char *err, size_t errlen)
{
	struct sa_nacm *n;
	struct lyd_node *tree = NULL;
	int r = -1, fd;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	n->ctx = ctx;
	pthread_rwlock_init(&n->lock, NULL);
	n->dir_fd = sa_store_dir_fd(d->st);
	snprintf(n->path, sizeof(n->path), "%s/" NACM_FILE, sa_store_dir(d->st));
	if ((fd = sa_file_open(n->dir_fd, NACM_FILE, O_RDONLY, 0)) >= 0) {
		r = lyd_parse_data_fd(ctx, fd, LYD_XML, LYD_PARSE_STRICT |
		    LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &tree);
		close(fd);
		if (r != LY_SUCCESS) {
			r = -1;
			snprintf(err, errlen, "%s: %s", n->path, ly_errmsg(ctx));
			goto out;
		}
		r = -1;
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", n->path, sa_file_strerror(errno));
		goto out;
	} else {
		if (parse_nacm(ctx, seed_xml, &tree) != 0 ||
		    save(n, tree, err, errlen) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "cannot seed NACM: %s", ly_errmsg(ctx));
			goto out;
		}
		sa_info("NACM seeded in %s", n->path);
	}
	n->tree = tree;
	tree = NULL;
	*out = n;
	n = NULL;
	r = 0;
 out:
	lyd_free_siblings(tree);
	nacm_free(n);
	return r;
}

void
nacm_free(struct sa_nacm *n)
{
	if (n == NULL)
		return;
	lyd_free_siblings(n->tree);
	pthread_rwlock_destroy(&n->lock);
	free(n);
}

/*
 * The nacm container of a tree, or NULL.  One that validation made up
 * (only defaults) is no configuration: views that did not ask for NACM
 * get one from lyd_validate_all().
 */
static const struct lyd_node *
nacm_top(const struct lyd_node *tree)
{
	for (; tree != NULL; tree = tree->next)
		if (tree->schema != NULL && strcmp(tree->schema->name, "nacm") == 0 &&
		    strcmp(tree->schema->module->name, "ietf-netconf-acm") == 0)
			return (tree->flags & LYD_DEFAULT) ? NULL : tree;
	return NULL;
}

struct lyd_node *
nacm_dup(struct sa_nacm *n)
{
	const struct lyd_node *top;
	struct lyd_node *dup = NULL;

	pthread_rwlock_rdlock(&n->lock);
	if ((top = nacm_top(n->tree)) != NULL &&
	    lyd_dup_single(top, NULL, LYD_DUP_RECURSIVE, &dup) != LY_SUCCESS)
		dup = NULL;
	pthread_rwlock_unlock(&n->lock);
	return dup;
}

int
nacm_differs(const struct lyd_node *a, const struct lyd_node *b)
{
	a = nacm_top(a);
	b = nacm_top(b);
	if (a == NULL || b == NULL)
		return a != b;
	return lyd_compare_single(a, b, LYD_COMPARE_FULL_RECURSION) != LY_SUCCESS;
}

int
nacm_replace(struct sa_nacm *n, const struct lyd_node *conf, char *err,
    size_t errlen)
{
	const struct lyd_node *top = nacm_top(conf);
	struct lyd_node *dup = NULL;
	char e[256];

	if (err == NULL) {
		err = e;
		errlen = sizeof(e);
	}
	if (top != NULL && lyd_dup_single(top, NULL, LYD_DUP_RECURSIVE, &dup) !=
	    LY_SUCCESS)
		return snprintf(err, errlen, "out of memory"), -1;
	pthread_rwlock_wrlock(&n->lock);
	if (save(n, dup, err, errlen) != 0) {
		pthread_rwlock_unlock(&n->lock);
		lyd_free_siblings(dup);
		return -1;
	}
	lyd_free_siblings(n->tree);
	n->tree = dup;
	pthread_rwlock_unlock(&n->lock);
	return 0;
}

struct lyd_node *
nacm_state(struct sa_nacm *n)
{
	const struct lys_module *mod;
	struct lyd_node *top = NULL;
	char buf[32];

	mod = ly_ctx_get_module_implemented(n->ctx, "ietf-netconf-acm");
	if (mod == NULL || lyd_new_inner(NULL, mod, "nacm", 0, &top) != LY_SUCCESS)
		return NULL;
	snprintf(buf, sizeof(buf), "%u", n->denied_operations);
	lyd_new_term(top, mod, "denied-operations", buf, 0, NULL);
	snprintf(buf, sizeof(buf), "%u", n->denied_data_writes);
	lyd_new_term(top, mod, "denied-data-writes", buf, 0, NULL);
	snprintf(buf, sizeof(buf), "%u", n->denied_notifications);
	lyd_new_term(top, mod, "denied-notifications", buf, 0, NULL);
	return top;
}
