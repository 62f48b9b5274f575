/*
 * dstore_ops.c - the operations of secagent-security: import-certificate,
 * accept-certificate, reject-certificate, remove-certificate,
 * provision-now, restore-defaults, run-expiry-sweep, check-server
 * (datastore.h).  Each is found by its row of the mapping table
 * (agent/sa_map.c, SA_OP_*); each change is one core transaction, acting
 * for the client's lock on running like an edit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sa_tls.h"
#include "../provision/prov.h"
#include "../sa_map.h"
#include "dstore_int.h"

/* An error of the operation: elem names the input node, or NULL. */
static int
op_fail(struct edit_err *e, const char *tag, const char *elem,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
op_fail(struct edit_err *e, const char *tag, const char *elem,
    const char *fmt, ...)
{
	va_list ap;

	edit_fail(e, tag, NULL, "%s", "");
	if (elem != NULL)
		snprintf(e->elem, sizeof(e->elem), "%s", elem);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A core error: its tag from the one table, the core's message; about,
 * the input leaf it is about, or NULL, is its error-path.
 */
static int
core_fail(struct edit_err *e, const struct lyd_node *rpc, const char *about,
    int r, const char *err)
{
	op_fail(e, edit_core_tag(r), NULL, "%s", err);
	if (about != NULL)
		snprintf(e->path, sizeof(e->path), "/%s:%s/%s",
		    rpc->schema->module->name, rpc->schema->name, about);
	return -1;
}

static const struct lyd_node *
input(const struct lyd_node *rpc, const char *name)
{
	const struct lyd_node *c;

	for (c = lyd_child(rpc); c != NULL; c = c->next)
		if (c->schema != NULL && strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

static struct sa_txn *
new_txn(struct dstore *ds, const struct dstore_client *c)
{
	char source[128];
	struct sa_txn *t;

	dstore_source(c, source, sizeof(source));
	if ((t = sa_txn_new(ds->d->st, source)) != NULL)
		sa_txn_set_holder(t, c->sid != 0 ? c->sid : SA_HOLDER_ANY);
	return t;
}

/* import-certificate's output: each certificate, its list and why. */
static int
import_output(const struct lyd_node *rpc, struct sa_txn *t,
    struct lyd_node **output, struct edit_err *e)
{
	const struct lys_module *mod = rpc->schema->module;
	const struct sa_txn_result *res;
	struct lyd_node *out = NULL, *cert;
	char hex[SA_FP_HEX_LEN + 1];
	size_t i;
	int r = 0;

	if (lyd_new_inner(NULL, mod, rpc->schema->name, 0, &out) != LY_SUCCESS)
		return op_fail(e, "resource-denied", NULL, "out of memory");
	for (i = 0; i < sa_txn_result_count(t) && r == 0; i++) {
		res = sa_txn_result(t, i);
		sa_fp_to_hex(res->fp, hex);
		r |= lyd_new_list(out, mod, "certificate", 1, &cert) != LY_SUCCESS;
		if (r)
			break;
		r |= lyd_new_term(cert, mod, "fingerprint", hex, 1, NULL);
		r |= lyd_new_term(cert, mod, "list", sa_list_name(res->list), 1, NULL);
		if (res->list == SA_LIST_INVALID)
			r |= lyd_new_term(cert, mod, "reason",
			    sa_reason_name(res->reason), 1, NULL);
		r |= lyd_new_term(cert, mod, "already-present",
		    res->existed ? "true" : "false", 1, NULL);
	}
	if (r != 0) {
		lyd_free_tree(out);
		return op_fail(e, "operation-failed", NULL,
		    "cannot build the output");
	}
	*output = out;
	return 0;
}

static int
op_import(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *rpc, struct lyd_node **output, struct edit_err *e)
{
	const struct lyd_node *pem = input(rpc, "pem"), *der = input(rpc, "cert-data");
	unsigned char *buf = NULL;
	struct sa_txn *t;
	char err[512];
	size_t len = 0;
	int r;

	if (pem == NULL && der == NULL)
		return op_fail(e, "missing-element", "pem",
		    "import-certificate needs pem or cert-data");
	if ((t = new_txn(ds, c)) == NULL)
		return op_fail(e, "resource-denied", NULL, "out of memory");
	if (pem != NULL) {
		r = sa_txn_import(t, (const unsigned char *)lyd_get_value(pem),
		    strlen(lyd_get_value(pem)), SA_ORIGIN_IMPORTED, err, sizeof(err));
	} else if ((buf = sa_base64_decode(lyd_get_value(der), &len)) == NULL) {
		r = sa_fail(err, sizeof(err), SA_ERR_INVALID,
		    "cert-data is not base64");
	} else {
		r = sa_txn_import(t, buf, len, SA_ORIGIN_IMPORTED, err, sizeof(err));
	}
	free(buf);
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	r = r == 0 ? import_output(rpc, t, output, e) :
	    core_fail(e, rpc, NULL, r, err);
	sa_txn_free(t);
	return r;
}

/* accept, reject or remove the certificate of the input fingerprint. */
static int
op_entry(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *rpc, enum sa_op op, struct edit_err *e)
{
	const struct lyd_node *n = input(rpc, "fingerprint");
	unsigned char fp[SA_FP_LEN];
	struct sa_txn *t;
	char err[512];
	int r;

	if (n == NULL || sa_fp_from_hex(lyd_get_value(n), fp) != 0)
		return op_fail(e, "invalid-value", "fingerprint",
		    "a SHA-256 fingerprint (64 hex digits) is needed");
	if ((t = new_txn(ds, c)) == NULL)
		return op_fail(e, "resource-denied", NULL, "out of memory");
	r = op == SA_OP_ACCEPT ? sa_txn_accept(t, fp) :
	    op == SA_OP_REJECT ? sa_txn_reject(t, fp) : sa_txn_remove(t, fp);
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
	sa_txn_free(t);
	return r == 0 ? 0 : core_fail(e, rpc, "fingerprint", r, err);
}

static int
op_restore_defaults(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *rpc, struct edit_err *e)
{
	struct sa_txn *t;
	char err[512];
	int r;

	if ((t = new_txn(ds, c)) == NULL)
		return op_fail(e, "resource-denied", NULL, "out of memory");
	if ((r = sa_txn_restore_defaults(t, err, sizeof(err))) == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	return r == 0 ? 0 : core_fail(e, rpc, NULL, r, err);
}

static int
op_check_server(struct dstore *ds, const struct lyd_node *rpc,
    struct lyd_node **output, struct edit_err *e)
{
	const struct lyd_node *n = input(rpc, "address");
	const struct lys_module *mod = rpc->schema->module;
	char err[512], hex[SA_FP_HEX_LEN + 1];
	struct sa_tls_verdict v;
	struct lyd_node *out = NULL;
	int r;

	if (n == NULL)
		return op_fail(e, "missing-element", "address",
		    "check-server needs an address");
	if ((r = sa_tls_probe(ds->d->st, lyd_get_value(n), &v, err, sizeof(err))) != 0)
		return core_fail(e, rpc, NULL, r == SA_ERR_INVALID ? r : SA_ERR_IO, err);
	sa_fp_to_hex(v.fp, hex);
	if (lyd_new_inner(NULL, mod, rpc->schema->name, 0, &out) != LY_SUCCESS ||
	    lyd_new_term(out, mod, "result", v.accepted ? "accepted" : "refused",
	    1, NULL) != LY_SUCCESS ||
	    (!v.accepted && lyd_new_term(out, mod, "reason",
	    sa_reason_name(v.reason), 1, NULL) != LY_SUCCESS) ||
	    lyd_new_term(out, mod, "fingerprint", hex, 1, NULL) != LY_SUCCESS) {
		lyd_free_tree(out);
		return op_fail(e, "operation-failed", NULL,
		    "cannot build the output");
	}
	*output = out;
	return 0;
}

int
dstore_rpc(struct dstore *ds, const struct dstore_client *c,
    const struct lyd_node *rpc, struct lyd_node **output, struct edit_err *e)
{
	const struct sa_map_node *row;
	char path[256], err[512];
	int r;

	*output = NULL;
	lysc_path(rpc->schema, LYSC_PATH_DATA, path, sizeof(path));
	if ((row = sa_map_by_yang(path)) == NULL || row->kind != SA_MAP_RPC)
		return op_fail(e, "operation-not-supported", NULL,
		    "%s is not an operation of %s", path, SA_YANG_MODULE);
	switch (row->op) {
	case SA_OP_IMPORT:
		return op_import(ds, c, rpc, output, e);
	case SA_OP_ACCEPT:
	case SA_OP_REJECT:
	case SA_OP_REMOVE:
		return op_entry(ds, c, rpc, row->op, e);
	case SA_OP_PROVISION_NOW:
		/* synchronous: done once the file was fetched and applied */
		if (sa_prov_run(ds->d, c->sid, err, sizeof(err)) != 0)
			return op_fail(e, "operation-failed", NULL, "%s", err);
		return 0;
	case SA_OP_RESTORE_DEFAULTS:
		return op_restore_defaults(ds, c, rpc, e);
	case SA_OP_RUN_SWEEP:
		if ((r = sa_store_sweep(ds->d->st, err, sizeof(err))) != 0)
			return core_fail(e, rpc, NULL, r, err);
		return 0;
	case SA_OP_CHECK_SERVER:
		return op_check_server(ds, rpc, output, e);
	case SA_OP_NONE:
		break;
	}
	return op_fail(e, "operation-not-supported", NULL,
	    "%s has no operation", path);
}
