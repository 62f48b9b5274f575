/*
 * rpc_cert.c - the module's RPCs: import-certificate, accept-certificate,
 * reject-certificate, remove-certificate, restore-defaults,
 * run-expiry-sweep, check-server.  Each change is one core transaction,
 * acting for the session's lock on running like an edit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sa_tls.h"
#include "../provision/prov.h"
#include "ds.h"
#include "rpc.h"

static struct sa_txn *
new_txn(struct sa_nc_call *c)
{
	char source[128];
	struct sa_txn *t;

	snprintf(source, sizeof(source), "netconf:%s:%u",
	    c->sess->user ? c->sess->user : "", c->sess->id);
	if ((t = sa_txn_new(c->d->st, source)) != NULL)
		sa_txn_set_holder(t, c->sess->id);
	return t;
}

/* import-certificate's output: each certificate, its list and why. */
static struct nc_server_reply *
import_reply(struct sa_nc_call *c, struct sa_txn *t)
{
	const struct sa_txn_result *res;
	const struct lys_module *mod = c->rpc->schema->module;
	struct lyd_node *out = NULL, *cert;
	char hex[SA_FP_HEX_LEN + 1];
	size_t i;
	int r = 0;

	if (lyd_new_inner(NULL, mod, "import-certificate", 0, &out) != LY_SUCCESS)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
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
		return rpc_err(c, "operation-failed", 0, NULL, NULL,
		    "cannot build the reply");
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

struct nc_server_reply *
rpc_import_certificate(struct sa_nc_call *c)
{
	const struct lyd_node *pem = rpc_child(c->rpc, "pem");
	const struct lyd_node *der = rpc_child(c->rpc, "cert-data");
	struct nc_server_reply *reply;
	unsigned char *buf = NULL;
	struct sa_txn *t;
	char err[512];
	size_t len = 0;
	int r;

	if (pem == NULL && der == NULL)
		return rpc_err(c, "missing-element", 0, NULL, "pem",
		    "import-certificate needs pem or cert-data");
	if ((t = new_txn(c)) == NULL)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
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
	reply = r == 0 ? import_reply(c, t) :
	    nc_rpc_error(c, r, err, NULL);
	sa_txn_free(t);
	return reply;
}

/* accept, reject or remove the certificate of the input fingerprint. */
static struct nc_server_reply *
entry_op(struct sa_nc_call *c, int (*op)(struct sa_txn *, const unsigned char *))
{
	const struct lyd_node *n = rpc_child(c->rpc, "fingerprint");
	unsigned char fp[SA_FP_LEN];
	struct sa_txn *t;
	char err[512], path[160];
	int r;

	if (n == NULL || sa_fp_from_hex(lyd_get_value(n), fp) != 0)
		return rpc_err(c, "invalid-value", 0, NULL, "fingerprint",
		    "a SHA-256 fingerprint (64 hex digits) is needed");
	if ((t = new_txn(c)) == NULL)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	if ((r = op(t, fp)) == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
	sa_txn_free(t);
	if (r == 0)
		return rpc_ok();
	snprintf(path, sizeof(path), "/%s:%s/fingerprint",
	    c->rpc->schema->module->name, c->rpc->schema->name);
	return nc_rpc_error(c, r, err, path);
}

struct nc_server_reply *
rpc_accept_certificate(struct sa_nc_call *c)
{
	return entry_op(c, sa_txn_accept);
}

struct nc_server_reply *
rpc_reject_certificate(struct sa_nc_call *c)
{
	return entry_op(c, sa_txn_reject);
}

struct nc_server_reply *
rpc_remove_certificate(struct sa_nc_call *c)
{
	return entry_op(c, sa_txn_remove);
}

/* provision-now: synchronous; <ok/> once the file was fetched and applied. */
struct nc_server_reply *
rpc_provision_now(struct sa_nc_call *c)
{
	char err[512];

	if (sa_prov_run(c->d, c->sess->id, err, sizeof(err)) != 0)
		return rpc_err(c, "operation-failed", 0, NULL, NULL, "%s", err);
	return rpc_ok();
}

struct nc_server_reply *
rpc_restore_defaults(struct sa_nc_call *c)
{
	struct sa_txn *t;
	char err[512];
	int r;

	if ((t = new_txn(c)) == NULL)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	if ((r = sa_txn_restore_defaults(t, err, sizeof(err))) == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	return r == 0 ? rpc_ok() : nc_rpc_error(c, r, err, NULL);
}

struct nc_server_reply *
rpc_run_expiry_sweep(struct sa_nc_call *c)
{
	char err[512];
	int r;

	if ((r = sa_store_sweep(c->d->st, err, sizeof(err))) != 0)
		return nc_rpc_error(c, r, err, NULL);
	return rpc_ok();
}

struct nc_server_reply *
rpc_check_server(struct sa_nc_call *c)
{
	const struct lyd_node *n = rpc_child(c->rpc, "address");
	const struct lys_module *mod = c->rpc->schema->module;
	char err[512], hex[SA_FP_HEX_LEN + 1];
	struct sa_tls_verdict v;
	struct lyd_node *out = NULL;
	int r;

	if (n == NULL)
		return rpc_err(c, "missing-element", 0, NULL, "address",
		    "check-server needs an address");
	if ((r = sa_tls_probe(c->d->st, lyd_get_value(n), &v, err, sizeof(err))) != 0)
		return nc_rpc_error(c, r == SA_ERR_INVALID ? r : SA_ERR_IO, err, NULL);
	sa_fp_to_hex(v.fp, hex);
	if (lyd_new_inner(NULL, mod, "check-server", 0, &out) != LY_SUCCESS ||
	    lyd_new_term(out, mod, "result", v.accepted ? "accepted" : "refused",
	    1, NULL) != LY_SUCCESS ||
	    (!v.accepted && lyd_new_term(out, mod, "reason",
	    sa_reason_name(v.reason), 1, NULL) != LY_SUCCESS) ||
	    lyd_new_term(out, mod, "fingerprint", hex, 1, NULL) != LY_SUCCESS) {
		lyd_free_tree(out);
		return rpc_err(c, "operation-failed", 0, NULL, NULL,
		    "cannot build the reply");
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}
