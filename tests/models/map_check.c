/*
 * map_check.c - proves that the mapping table (agent/sa_map.c), the YANG
 * module yang/secagent-security.yang and mibs/SECAGENT-SECURITY-MIB.txt
 * describe the same nodes: every YANG node and every MIB object has a row,
 * every row names a node and an object that exist, with the table's OID,
 * and access, types, enumerations, notifications and RPC objects agree.
 *
 * The YANG module is read with libyang, the MIB with Net-SNMP's parser (the
 * one the agent itself uses), so both models are read as their consumers
 * read them.
 *
 * Usage: map_check [TOP]   TOP is the repository (default ".").
 * Build: cc -I src -I agent tests/models/map_check.c
 *   tests/models/map_check_agree.c agent/sa_map.c src/sa_names.c src/sa_err.c
 *   $(pkg-config --cflags --libs libyang netsnmp)
 * Environment: SECAGENT_YANG_PATH (YANG search dir, default the yuma
 * modules of libyuma-base), SECAGENT_IETF_MIBS (the IETF MIB modules).
 * Prints one line per check group (ok / not ok / skip), details of a
 * failure on stderr; exits 1 when a group failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_check.h"

#define MAX_NODES 512

struct ynode {
	char *path;			/* LYSC_PATH_DATA, malloc'd */
	const struct lysc_node *node;
};

static struct ynode ynodes[MAX_NODES];
static size_t ynode_count;
static struct tree *mib_root;
static char yang_log[1024];
static int failed;

void
problem(struct check *c, const char *fmt, ...)
{
	char msg[400];
	size_t len = strlen(c->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "#   %s: %s\n", c->name, msg);
	if (c->problems++ < 3 && len + 3 < sizeof(c->why))
		snprintf(c->why + len, sizeof(c->why) - len, "%s%s",
		    len > 0 ? "; " : "", msg);
}

static void
report(struct check *c)
{
	if (c->problems == 0) {
		printf("ok - %s\n", c->name);
		return;
	}
	printf("not ok - %s: %d problem%s: %s%s\n", c->name, c->problems,
	    c->problems > 1 ? "s" : "", c->why, c->problems > 3 ? "; ..." : "");
	failed = 1;
}

/* ---- YANG ---- */

static void
yang_log_cb(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	size_t len = strlen(yang_log);

	if (level > LY_LLWRN)
		return;
	snprintf(yang_log + len, sizeof(yang_log) - len, "%s%s%s%s",
	    len > 0 ? "; " : "", msg, path != NULL ? " at " : "",
	    path != NULL ? path : "");
}

static LY_ERR
collect_node(struct lysc_node *node, void *data, ly_bool *dfs_continue)
{
	(void)data;
	if (node->nodetype & (LYS_CHOICE | LYS_CASE | LYS_INPUT | LYS_OUTPUT))
		return LY_SUCCESS;
	/* An RPC's input and output travel in the value of its one object. */
	if (node->nodetype == LYS_RPC)
		*dfs_continue = 1;
	if (ynode_count == MAX_NODES)
		return LY_EMEM;
	ynodes[ynode_count].path = lysc_path(node, LYSC_PATH_DATA, NULL, 0);
	ynodes[ynode_count].node = node;
	if (ynodes[ynode_count].path == NULL)
		return LY_EMEM;
	ynode_count++;
	return LY_SUCCESS;
}

const struct lysc_node *
yang_find(const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < ynode_count; i++)
		if (strcmp(ynodes[i].path, path) == 0)
			return ynodes[i].node;
	return NULL;
}

static int
yang_in(const struct lysc_node *node, uint16_t nodetype)
{
	for (node = node->parent; node != NULL; node = node->parent)
		if (node->nodetype & nodetype)
			return 1;
	return 0;
}

/* The row kind a YANG node calls for, or -1. */
static int
yang_kind(const struct lysc_node *node)
{
	switch (node->nodetype) {
	case LYS_CONTAINER:
		return SA_MAP_CONTAINER;
	case LYS_LIST:
		return SA_MAP_TABLE;
	case LYS_RPC:
		return SA_MAP_RPC;
	case LYS_NOTIF:
		return SA_MAP_NOTIFICATION;
	case LYS_LEAF:
		if (yang_in(node, LYS_NOTIF))
			return SA_MAP_NOTIF_LEAF;
		return yang_in(node, LYS_LIST) ? SA_MAP_COLUMN : SA_MAP_SCALAR;
	default:
		return -1;
	}
}

static int
load_yang(const char *top, struct ly_ctx **ctx, struct check *c)
{
	const char *dir = getenv("SECAGENT_YANG_PATH");
	struct lys_module *mod = NULL;
	char path[4096];

	if (dir == NULL)
		dir = "/usr/share/yuma/modules/ietf";
	snprintf(path, sizeof(path), "%s/yang/%s.yang", top,
	    SA_MAP_YANG_MODULE);
	ly_log_level(LY_LLWRN);
	ly_set_log_clb(yang_log_cb, 1);
	if (ly_ctx_new(dir, 0, ctx) != LY_SUCCESS) {
		problem(c, "no libyang context (%s)", yang_log);
		return -1;
	}
	if (lys_parse_path(*ctx, path, LYS_IN_YANG, &mod) != LY_SUCCESS) {
		problem(c, "%s: %s", path, yang_log);
		return -1;
	}
	/* A warning fails this group; the other groups still run. */
	if (yang_log[0] != '\0')
		problem(c, "%s", yang_log);
	if (lysc_module_dfs_full(mod, collect_node, NULL) != LY_SUCCESS) {
		problem(c, "cannot walk the schema");
		return -1;
	}
	return 0;
}

/* ---- MIB ---- */

static int
has_module(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, R_OK) == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	return access(path, R_OK) == 0;
}

/* The first directory with the IETF modules the MIB imports, or NULL. */
static const char *
ietf_mib_dir(const char *top, char *buf, size_t len)
{
	const char *dirs[] = { getenv("SECAGENT_IETF_MIBS"), NULL,
		"/usr/share/snmp/mibs/ietf", "/usr/share/snmp/mibs",
		"/usr/share/mibs/ietf", "/var/lib/mibs/ietf" };
	size_t i;

	snprintf(buf, len, "%s/../shared/mibs/ietf", top);
	dirs[1] = buf;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i] != NULL && has_module(dirs[i], "SNMPv2-SMI") &&
		    has_module(dirs[i], "SNMP-FRAMEWORK-MIB"))
			return dirs[i];
	return NULL;
}

static int
load_mib(const char *top, const char *ietf, struct check *c)
{
	char dirs[8192];
	oid root[MAX_OID_LEN];
	size_t len = MAX_OID_LEN, i;

	snprintf(dirs, sizeof(dirs), "%s:%s/mibs", ietf, top);
	setenv("MIBDIRS", dirs, 1);
	setenv("MIBS", SA_MAP_MIB_MODULE, 1);
	snmp_set_save_descriptions(1);
	netsnmp_init_mib();
	if (read_module(SA_MAP_MIB_MODULE) == NULL ||
	    !get_node(SA_MAP_MIB_MODULE "::secagentSecurityMIB", root, &len) ||
	    (mib_root = get_tree(root, len, get_tree_head())) == NULL) {
		problem(c, "%s not found in %s", SA_MAP_MIB_MODULE, dirs);
		return -1;
	}
	if (len != sa_map_root_len)
		problem(c, "root OID has %zu arcs, sa_map_root %zu", len,
		    sa_map_root_len);
	for (i = 0; i < len && i < sa_map_root_len; i++)
		if (root[i] != sa_map_root[i])
			problem(c, "root OID arc %zu is %lu, sa_map_root "
			    "says %u", i, (unsigned long)root[i],
			    sa_map_root[i]);
	return c->problems > 0 ? -1 : 0;
}

/* The OID of t below the module root; 0 when t is not below it. */
static size_t
mib_rel_oid(const struct tree *t, unsigned int *arcs, size_t max)
{
	const struct tree *p;
	size_t n = 0, i;

	for (p = t; p != NULL && p != mib_root; p = p->parent)
		n++;
	if (p == NULL || n == 0 || n > max)
		return 0;
	for (p = t, i = n; i > 0; p = p->parent)
		arcs[--i] = (unsigned int)p->subid;
	return n;
}

struct tree *
mib_find(const char *name)
{
	char full[256];
	oid o[MAX_OID_LEN];
	size_t len = MAX_OID_LEN;

	snprintf(full, sizeof(full), "%s::%s", SA_MAP_MIB_MODULE, name);
	if (!get_node(full, o, &len))
		return NULL;
	return get_tree(o, len, get_tree_head());
}

static int
mib_has_object_below(const struct tree *t)
{
	for (t = t->child_list; t != NULL; t = t->next_peer)
		if (t->access != 0 || mib_has_object_below(t))
			return 1;
	return 0;
}

/* The row kind a MIB node calls for, or -1 (conformance, registration). */
static int
mib_kind(const struct tree *t)
{
	if (t->type == TYPE_NOTIFTYPE)
		return SA_MAP_NOTIFICATION;
	if (t->type == TYPE_OTHER && t->access == 0)
		return mib_has_object_below(t) ? SA_MAP_CONTAINER : -1;
	if (t->access == 0)
		return -1;
	if (t->indexes != NULL)
		return SA_MAP_ENTRY;
	if (t->child_list != NULL && t->child_list->indexes != NULL)
		return SA_MAP_TABLE;
	if (t->parent != NULL && t->parent->indexes != NULL)
		return SA_MAP_COLUMN;
	return SA_MAP_SCALAR;
}

static int
mib_access(const struct tree *t)
{
	switch (t->access) {
	case 0:
	case MIB_ACCESS_NOACCESS:
		return SA_MAP_NOT_ACCESSIBLE;
	case MIB_ACCESS_NOTIFY:
		return SA_MAP_ACCESSIBLE_FOR_NOTIFY;
	case MIB_ACCESS_READONLY:
		return SA_MAP_READ_ONLY;
	case MIB_ACCESS_READWRITE:
		return SA_MAP_READ_WRITE;
	case MIB_ACCESS_CREATE:
		return SA_MAP_READ_CREATE;
	default:
		return -1;
	}
}

/* ---- the checks ---- */

static void
check_yang_to_map(struct check *c)
{
	const struct sa_map_node *row;
	size_t i;

	for (i = 0; i < ynode_count; i++) {
		if ((row = sa_map_by_yang(ynodes[i].path)) == NULL)
			problem(c, "%s has no row", ynodes[i].path);
		else if ((int)row->kind != yang_kind(ynodes[i].node))
			problem(c, "%s is a %s row, not a %s", ynodes[i].path,
			    sa_map_kind_name(row->kind), yang_kind(
			    ynodes[i].node) < 0 ? "mappable node" :
			    sa_map_kind_name(yang_kind(ynodes[i].node)));
	}
}

static void
check_map_to_yang(struct check *c)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++)
		if (sa_map[i].yang != NULL && yang_find(sa_map[i].yang) == NULL)
			problem(c, "row %zu: %s is not a node of the module", i,
			    sa_map[i].yang);
}

static void
walk_mib(struct tree *t, struct check *c)
{
	for (; t != NULL; t = t->next_peer) {
		if (mib_kind(t) >= 0 && sa_map_by_mib(t->label) == NULL)
			problem(c, "%s has no row", t->label);
		walk_mib(t->child_list, c);
	}
}

static void
check_map_to_mib(struct check *c)
{
	const struct sa_map_node *n;
	unsigned int arcs[SA_MAP_OID_MAX];
	struct tree *t;
	size_t i, len;
	int kind;

	for (i = 0; i < sa_map_len; i++) {
		if ((n = &sa_map[i])->mib == NULL)
			continue;
		if ((t = mib_find(n->mib)) == NULL) {
			problem(c, "row %zu: %s is not in the MIB", i, n->mib);
			continue;
		}
		len = mib_rel_oid(t, arcs, SA_MAP_OID_MAX);
		if (len != n->oid_len ||
		    memcmp(arcs, n->oid, len * sizeof(arcs[0])) != 0)
			problem(c, "row %zu: %s has another OID in the MIB", i,
			    n->mib);
		kind = mib_kind(t);
		if (n->kind == SA_MAP_RPC || n->kind == SA_MAP_NOTIF_LEAF) {
			if (kind != SA_MAP_SCALAR && kind != SA_MAP_COLUMN)
				problem(c, "row %zu: %s is not an object", i,
				    n->mib);
		} else if (kind != (int)n->kind)
			problem(c, "row %zu: %s is a %s in the MIB, a %s in "
			    "the row", i, n->mib, kind < 0 ? "non-object" :
			    sa_map_kind_name(kind), sa_map_kind_name(n->kind));
	}
}

/* The access a row must have, from its kind and its YANG node. */
static int
expected_access(const struct sa_map_node *n, const struct lysc_node *y,
    const struct tree *t)
{
	switch (n->kind) {
	case SA_MAP_CONTAINER:
	case SA_MAP_TABLE:
	case SA_MAP_ENTRY:
	case SA_MAP_NOTIFICATION:
		return SA_MAP_NOT_ACCESSIBLE;
	case SA_MAP_RPC:
		return SA_MAP_READ_WRITE;
	case SA_MAP_NOTIF_LEAF:
		if (t->access == MIB_ACCESS_NOTIFY ||
		    t->access == MIB_ACCESS_READONLY)
			return mib_access(t);
		return SA_MAP_NOT_ACCESSIBLE;	/* an index: the instance */
	case SA_MAP_SCALAR:
	case SA_MAP_COLUMN:
		if (y == NULL)	/* SNMP-only controls: RowStatus, action */
			return mib_access(t) == SA_MAP_READ_ONLY ? -1 :
			    mib_access(t);
		if (lysc_is_key(y))
			return SA_MAP_NOT_ACCESSIBLE;
		if (!(y->flags & LYS_CONFIG_W))
			return SA_MAP_READ_ONLY;
		return n->kind == SA_MAP_COLUMN ? SA_MAP_READ_CREATE :
		    SA_MAP_READ_WRITE;
	}
	return -1;
}

static void
check_access(struct check *c)
{
	const struct sa_map_node *n;
	const struct lysc_node *y;
	struct tree *t;
	size_t i;
	int want;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if (n->mib == NULL || (t = mib_find(n->mib)) == NULL)
			continue;
		y = yang_find(n->yang);
		if (mib_access(t) != (int)n->access)
			problem(c, "%s: row says %s, MIB says %s", n->mib,
			    sa_map_access_name(n->access), mib_access(t) < 0 ?
			    "an access the SMIv2 does not know" :
			    sa_map_access_name(mib_access(t)));
		want = expected_access(n, y, t);
		if (want != (int)n->access)
			problem(c, "%s: %s, but %s calls for %s", n->mib,
			    sa_map_access_name(n->access), n->yang != NULL ?
			    n->yang : "its kind", want < 0 ? "a write" :
			    sa_map_access_name(want));
	}
}

static void
skip(const struct check *c, const char *why)
{
	printf("skip - %s: %s\n", c->name, why);
}

static void
run(struct check *c, void (*fn)(struct check *))
{
	fn(c);
	report(c);
}

int
main(int argc, char **argv)
{
	const char *top = argc > 1 ? argv[1] : ".";
	struct check validate = { "map: table is consistent", 0, "" };
	struct check yang = { "yang: module loads without warnings", 0, "" };
	struct check mib = { "mib: module loads, root OID is sa_map_root",
		0, "" };
	struct check y2m = { "yang: every node has a row", 0, "" };
	struct check m2y = { "map: every YANG path is a node", 0, "" };
	struct check o2m = { "mib: every object has a row", 0, "" };
	struct check m2o = { "map: every MIB object exists with the row's "
		"OID and kind", 0, "" };
	struct check acc = { "access: rows, YANG config and MAX-ACCESS agree",
		0, "" };
	struct check typ = { "types: YANG types and SMI syntaxes agree", 0,
		"" };
	struct check ntf = { "notifications: leaves and varbinds agree", 0,
		"" };
	struct check rpc = { "rpcs: objects take the input or a named value",
		0, "" };
	struct check voc = { "vocabularies: enumerations are the core's", 0,
		"" };
	struct check par = { "params: provisioning names in both "
		"descriptions", 0, "" };
	struct ly_ctx *ctx = NULL;
	char buf[4096], err[256];
	const char *ietf;
	int have_yang, have_mib = 0;
	size_t i;

	if (sa_map_validate(err, sizeof(err)) != 0)
		problem(&validate, "%s", err);
	report(&validate);

	have_yang = load_yang(top, &ctx, &yang) == 0;
	report(&yang);
	if ((ietf = ietf_mib_dir(top, buf, sizeof(buf))) == NULL)
		printf("skip - %s: no IETF MIB modules (set "
		    "SECAGENT_IETF_MIBS)\n", mib.name);
	else {
		have_mib = load_mib(top, ietf, &mib) == 0;
		report(&mib);
	}
	if (have_yang) {
		run(&y2m, check_yang_to_map);
		run(&m2y, check_map_to_yang);
		run(&voc, check_vocabularies);
	} else {
		skip(&y2m, "the YANG module is not loaded");
		skip(&m2y, "the YANG module is not loaded");
		skip(&voc, "the YANG module is not loaded");
	}
	if (have_mib) {
		walk_mib(mib_root->child_list, &o2m);
		report(&o2m);
		run(&m2o, check_map_to_mib);
		run(&ntf, check_notifications);
		run(&rpc, check_rpcs);
	} else {
		skip(&o2m, "the MIB is not loaded");
		skip(&m2o, "the MIB is not loaded");
		skip(&ntf, "the MIB is not loaded");
		skip(&rpc, "the MIB is not loaded");
	}
	if (have_yang && have_mib) {
		run(&acc, check_access);
		run(&typ, check_types);
		run(&par, check_params);
	} else {
		skip(&acc, "needs both models");
		skip(&typ, "needs both models");
		skip(&par, "needs both models");
	}
	fprintf(stderr, "# %zu YANG nodes, %zu mapping rows\n", ynode_count,
	    sa_map_len);
	for (i = 0; i < ynode_count; i++)
		free(ynodes[i].path);
	if (ctx != NULL)
		ly_ctx_destroy(ctx);
	if (have_mib)
		shutdown_mib();
	return failed;
}
