/*
 * edit.h - the operations of <edit-config> (RFC 6241 7.2) on a libyang
 * tree: merge, replace, create, delete, remove, and default-operation.
 */
#ifndef SA_EDIT_H
#define SA_EDIT_H

#include <libyang/libyang.h>

/* Why an edit (or the change of the core behind it) failed. */
struct edit_err {
	const char *tag;	/* RFC 6241 error-tag: "data-exists", ... */
	char path[512];		/* error-path, or "" */
	char elem[128];		/* bad-element, or "" */
	/* unknown-namespace: the namespace; *-attribute: the attribute's name */
	char ns[256];
	char msg[512];
};

/*
 * The RFC 6241 error-tag of a core error code (SA_ERR_*): the one table of
 * the NETCONF front end; "operation-failed" for a code it does not name.
 */
const char *edit_core_tag(int core_err);

/* Fills e; returns -1 so that a failing path reads "return edit_fail(...)". */
int edit_fail(struct edit_err *e, const char *tag, const struct lyd_node *node,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Applies edit (top-level siblings carrying ietf-netconf:operation
 * metadata) to *target (top-level siblings, modified in place: apply to a
 * copy when the result may be thrown away).  default_op: "merge",
 * "replace" or "none".  Returns 0, or -1 with e filled.
 */
int edit_apply(struct lyd_node **target, const struct lyd_node *edit,
    const char *default_op, struct edit_err *e);

/*
 * The error for an opaque node of an edit or filter: libyang leaves a
 * node opaque when its namespace is unknown (unknown-namespace), it names
 * no schema node (unknown-element), or its value is not valid for the
 * node it names (invalid-value).  parent is its data parent or NULL.
 */
int edit_opaque_error(const struct lyd_node *opaq, const struct lyd_node *parent,
    struct edit_err *e);

/*
 * Refuses (invalid-value) a node that a client marked default with the
 * with-defaults attribute (RFC 6243) unless it is a leaf holding its
 * default value: such a node is data like any other, and libyang would
 * flag it default.  Returns 0 or -1 with e filled.
 */
int edit_check_defaults(const struct lyd_node *tree, struct edit_err *e);

/* The ietf-netconf:operation of n, or NULL. */
const char *edit_own_op(const struct lyd_node *n);

#endif
