/*
 * ds.h - the data of the core as libyang trees, and back (inside the
 * datastore layer only: datastore.h is its interface).
 *
 * The core is the truth for secagent-security; the YANG view of it is
 * built on demand as libyang trees, only as much as a request needs (a
 * filter's or an edit's selection), so that a get of one certificate or a
 * small edit costs the same at 10,000 certificates as at ten.
 *
 * Views are "trim" (RFC 6243): a leaf equal to its YANG default is absent,
 * the way the server reports it in its basic mode; an edit's "create" of
 * such a leaf therefore succeeds and its "delete" fails with data-missing.
 *
 * An edit is turned into a change of the core by diffing the view before
 * and after it (ds_apply.c): the same path serves edit-config on running,
 * commit of the candidate, copy-config and the rollback of a confirmed
 * commit.
 */
#ifndef SA_DS_H
#define SA_DS_H

#include <libyang/libyang.h>

#include "../../src/sa_store.h"

#define SA_YANG_MODULE "secagent-security"

/* Which parts of the data to build. */
struct ds_sel {
	int everything;		/* all modules, all of them */
	int security;		/* the whole secagent-security tree */
	int certificates;	/* the whole certificates container */
	int accept_all;
	struct {
		int all;	/* every entry */
		char **keys;	/* else these fingerprints (hex), owned */
		size_t nkeys;
	} list[SA_LIST_COUNT];
	int http;
	int prov;
	int nacm;		/* ietf-netconf-acm */
	int state_others;	/* monitoring, yang-library (<get> only) */
};

void ds_sel_clear(struct ds_sel *sel);
/* sel covers the whole data. */
void ds_sel_all(struct ds_sel *sel);
/*
 * The selection a subtree filter or an edit needs; for an edit, a replace
 * selects the whole subtree it replaces.  Returns 0 or SA_ERR_NOMEM.
 */
int ds_sel_from_tree(struct ds_sel *sel, const struct lyd_node *tree,
    int edit, const char *default_op);

enum ds_what {
	DS_CONFIG,		/* get-config, edits: configuration only */
	DS_ALL,			/* get: configuration and state */
	DS_EDIT,		/* configuration plus a stand-in for a set password */
};

/* The stand-in value of a set password inside DS_EDIT views only. */
#define DS_PASSWORD_STANDIN "\x01set"

/*
 * Builds the secagent-security part of the selection from the core into
 * *tree (appended to its siblings; *tree may be NULL).  Returns 0 or an
 * SA_ERR code with err.
 */
int ds_build_security(struct sa_store *st, struct ly_ctx *ctx,
    const struct ds_sel *sel, enum ds_what what, struct lyd_node **tree,
    char *err, size_t errlen);

struct edit_err;
struct sa_txn;

/*
 * Stages into t what turns the view before into the view after (both
 * DS_EDIT views of secagent-security, top-level siblings; other modules
 * are ignored).  Returns 0 and *changes (the number of changes), or -1
 * with e filled (a cert-data that changed under its fingerprint, a
 * certificate the core refuses).
 */
int ds_stage_diff(struct sa_txn *t, const struct lyd_node *before,
    const struct lyd_node *after, size_t *changes, struct edit_err *e);

/* The password leaf of a view (top-level siblings), or NULL. */
struct lyd_node *ds_password_node(struct lyd_node *tree);

/* ISO 8601 time for yang:date-and-time into buf (>= 32 bytes). */
void ds_time(time_t t, char *buf, size_t len);

#endif
