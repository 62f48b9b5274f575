/*
 * map_check_agree.c - the checks of map_check that compare what the YANG
 * module and the MIB say about each mapped node: types and enumerations,
 * notification contents, RPC objects, the core's vocabularies and the
 * provisioning parameter names.
 */
#include <stdio.h>
#include <string.h>

#include "map_check.h"

/* "not-yet-valid" -> "notYetValid": SMI labels cannot hold hyphens. */
static void
camel(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int up = 0;

	for (; *in != '\0' && o + 1 < len; in++) {
		if (*in == '-') {
			up = 1;
			continue;
		}
		out[o++] = up ? (char)(*in - 'a' + 'A') : *in;
		up = 0;
	}
	out[o] = '\0';
}

static const struct enum_list *
mib_enum(const struct tree *t, const char *label)
{
	const struct enum_list *e;

	for (e = t->enums; e != NULL; e = e->next)
		if (strcmp(e->label, label) == 0)
			return e;
	return NULL;
}

static void
check_enums(struct check *c, const char *name,
    const struct lysc_type_enum *ty, const struct tree *t)
{
	LY_ARRAY_COUNT_TYPE u;
	const struct enum_list *e;
	char label[64];
	int yang_values = 0;

	LY_ARRAY_FOR(ty->enums, u) {
		camel(ty->enums[u].name, label, sizeof(label));
		if ((e = mib_enum(t, label)) == NULL ||
		    e->value != ty->enums[u].value)
			problem(c, "%s: YANG enum %s(%d) is not %s(%d) in the "
			    "MIB", name, ty->enums[u].name, ty->enums[u].value,
			    label, ty->enums[u].value);
		yang_values++;
	}
	/* The MIB may add none(1) where the YANG leaf is simply absent. */
	for (e = t->enums; e != NULL; e = e->next)
		if (strcmp(e->label, "none") != 0 && --yang_values < 0)
			problem(c, "%s: the MIB has more enumerations than "
			    "the YANG type", name);
}

static void
check_range(struct check *c, const char *name, const struct lysc_range *r,
    const struct tree *t, int is_signed)
{
	const struct range_list *m = t->ranges;
	LY_ARRAY_COUNT_TYPE u;
	long long lo, hi;

	if (r == NULL)
		return;
	LY_ARRAY_FOR(r->parts, u) {
		lo = is_signed ? r->parts[u].min_64 :
		    (long long)r->parts[u].min_u64;
		hi = is_signed ? r->parts[u].max_64 :
		    (long long)r->parts[u].max_u64;
		if (m == NULL || m->low != lo || m->high != hi) {
			problem(c, "%s: YANG range or length %lld..%lld is not "
			    "the MIB's", name, lo, hi);
			return;
		}
		m = m->next;
	}
	if (m != NULL)
		problem(c, "%s: the MIB has more ranges than YANG", name);
}

static void
check_type(struct check *c, const struct sa_map_node *n,
    const struct lysc_node_leaf *leaf, const struct tree *t)
{
	const struct lysc_type *ty = leaf->type;
	const char *name = n->mib;

	switch (ty->basetype) {
	case LY_TYPE_BOOL:
		if (t->type != TYPE_INTEGER || mib_enum(t, "true") == NULL ||
		    mib_enum(t, "true")->value != 1 || mib_enum(t, "false") ==
		    NULL || mib_enum(t, "false")->value != 2)
			problem(c, "%s: boolean, but not a TruthValue", name);
		break;
	case LY_TYPE_ENUM:
		if (t->type != TYPE_INTEGER || t->enums == NULL)
			problem(c, "%s: enumeration, but no INTEGER enum",
			    name);
		else
			check_enums(c, name, (const struct lysc_type_enum *)ty,
			    t);
		break;
	case LY_TYPE_STRING:
	case LY_TYPE_BINARY:
		if (t->type != TYPE_OCTETSTR)
			problem(c, "%s: string, but not an OCTET STRING", name);
		else
			check_range(c, name, ty->basetype == LY_TYPE_STRING ?
			    ((const struct lysc_type_str *)ty)->length :
			    ((const struct lysc_type_bin *)ty)->length, t, 0);
		break;
	case LY_TYPE_INT32:
		if ((t->type != TYPE_INTEGER32 && t->type != TYPE_INTEGER) ||
		    t->enums != NULL)
			problem(c, "%s: int32, but not an Integer32", name);
		else
			check_range(c, name,
			    ((const struct lysc_type_num *)ty)->range, t, 1);
		break;
	case LY_TYPE_UINT32:
		if (t->type != TYPE_UNSIGNED32 && t->type != TYPE_GAUGE)
			problem(c, "%s: uint32, but not an Unsigned32", name);
		else
			check_range(c, name,
			    ((const struct lysc_type_num *)ty)->range, t, 0);
		break;
	case LY_TYPE_UINT64:
		if (t->type != TYPE_COUNTER64)
			problem(c, "%s: 64 bits, but not a Counter64", name);
		break;
	default:
		problem(c, "%s: YANG base type %d has no SMI counterpart "
		    "here", name, (int)ty->basetype);
	}
}

void
check_types(struct check *c)
{
	const struct lysc_node *y;
	struct tree *t;
	size_t i;

	for (i = 0; i < sa_map_len; i++) {
		if (sa_map[i].mib == NULL || (t = mib_find(sa_map[i].mib)) ==
		    NULL || (y = yang_find(sa_map[i].yang)) == NULL ||
		    y->nodetype != LYS_LEAF)
			continue;
		check_type(c, &sa_map[i], (const struct lysc_node_leaf *)y, t);
	}
}

/* Is name a varbind of notification t, or the index of one's row? */
static int
carried_by(const struct tree *t, const char *name)
{
	const struct varbind_list *v;
	const struct tree *o;

	for (v = t->varbinds; v != NULL; v = v->next) {
		if (strcmp(v->vblabel, name) == 0)
			return 1;
		o = mib_find(v->vblabel);
		if (o != NULL && o->parent != NULL &&
		    o->parent->indexes != NULL &&
		    strcmp(o->parent->indexes->ilabel, name) == 0)
			return 1;
	}
	return 0;
}

void
check_notifications(struct check *c)
{
	const struct sa_map_node *n, *leaf;
	const struct varbind_list *v;
	struct tree *t;
	size_t i, j;
	int named;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if (n->kind != SA_MAP_NOTIFICATION ||
		    (t = mib_find(n->mib)) == NULL)
			continue;
		for (j = 0; j < sa_map_len; j++) {
			leaf = &sa_map[j];
			if (leaf->kind == SA_MAP_NOTIF_LEAF &&
			    leaf->notif == n->notif &&
			    !carried_by(t, leaf->mib))
				problem(c, "%s: %s is not carried by %s",
				    leaf->yang, leaf->mib, n->mib);
		}
		for (v = t->varbinds; v != NULL; v = v->next) {
			for (named = 0, j = 0; j < sa_map_len; j++)
				named |= sa_map[j].kind == SA_MAP_NOTIF_LEAF &&
				    sa_map[j].notif == n->notif &&
				    strcmp(sa_map[j].mib, v->vblabel) == 0;
			if (!named)
				problem(c, "%s: object %s has no YANG leaf in "
				    "%s", n->mib, v->vblabel, n->yang);
		}
	}
}

void
check_rpcs(struct check *c)
{
	const struct sa_map_node *n;
	struct tree *t;
	const struct enum_list *e;
	size_t i;
	int found;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if (n->kind != SA_MAP_RPC || (t = mib_find(n->mib)) == NULL)
			continue;
		if (n->op == SA_OP_NONE)
			problem(c, "%s: no operation", n->yang);
		if (n->mib_value == 0) {
			if (t->type != TYPE_OCTETSTR)
				problem(c, "%s: %s cannot carry the input",
				    n->yang, n->mib);
			continue;
		}
		for (found = 0, e = t->enums; e != NULL; e = e->next)
			found |= e->value == n->mib_value;
		if (!found)
			problem(c, "%s: %s has no value %d", n->yang, n->mib,
			    n->mib_value);
	}
}

/* The YANG enum of the core's vocabulary v, with its SNMP number. */
static void
check_vocabulary(struct check *c, const char *path, const char *core,
    int number, size_t count)
{
	const struct lysc_node *y = yang_find(path);
	const struct lysc_type_enum *ty;
	LY_ARRAY_COUNT_TYPE u;

	if (y == NULL || y->nodetype != LYS_LEAF ||
	    ((const struct lysc_node_leaf *)y)->type->basetype != LY_TYPE_ENUM)
		return;
	ty = (const struct lysc_type_enum *)((const struct lysc_node_leaf *)
	    y)->type;
	if (LY_ARRAY_COUNT(ty->enums) != count)
		problem(c, "%s: %lu enums, the core has %zu", path,
		    (unsigned long)LY_ARRAY_COUNT(ty->enums), count);
	LY_ARRAY_FOR(ty->enums, u)
		if (strcmp(ty->enums[u].name, core) == 0) {
			if (ty->enums[u].value != number)
				problem(c, "%s: %s is %d, not %d", path, core,
				    ty->enums[u].value, number);
			return;
		}
	problem(c, "%s: the core's %s is missing", path, core);
}

void
check_vocabularies(struct check *c)
{
	const struct sa_map_node *n;
	size_t i;
	int v;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		for (v = 0; n->field == SA_FIELD_STATUS && v < 3; v++)
			check_vocabulary(c, n->yang, sa_status_name(v),
			    SA_MAP_SNMP_STATUS(v), 3);
		for (v = 0; n->field == SA_FIELD_ORIGIN && v < SA_ORIGIN_COUNT;
		    v++)
			check_vocabulary(c, n->yang, sa_origin_name(v),
			    SA_MAP_SNMP_ORIGIN(v), SA_ORIGIN_COUNT);
		for (v = 1; n->field == SA_FIELD_REASON && v < SA_REASON_COUNT;
		    v++)
			check_vocabulary(c, n->yang, sa_reason_name(v),
			    SA_MAP_SNMP_REASON(v), SA_REASON_COUNT - 1);
		for (v = 0; (n->field == SA_FIELD_LIST || n->field ==
		    SA_FIELD_PREVIOUS_LIST) && v < SA_LIST_COUNT; v++)
			check_vocabulary(c, n->yang, sa_list_name(v),
			    SA_MAP_SNMP_LIST(v), SA_LIST_COUNT);
	}
}

void
check_params(struct check *c)
{
	const struct lysc_node *y;
	struct tree *t;
	size_t i;

	for (i = 0; i < sa_map_len; i++) {
		if (sa_map[i].param == NULL)
			continue;
		y = yang_find(sa_map[i].yang);
		t = sa_map[i].mib != NULL ? mib_find(sa_map[i].mib) : NULL;
		if (y == NULL || y->dsc == NULL ||
		    strstr(y->dsc, sa_map[i].param) == NULL)
			problem(c, "%s: the YANG description does not name %s",
			    sa_map[i].yang, sa_map[i].param);
		if (t == NULL || t->description == NULL ||
		    strstr(t->description, sa_map[i].param) == NULL)
			problem(c, "%s: the MIB description does not name %s",
			    sa_map[i].mib, sa_map[i].param);
	}
}
