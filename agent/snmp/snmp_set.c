/*
 * snmp_set.c - the SET phases.  Every varbind of a request becomes one
 * operation of ONE core transaction, the kind NETCONF and the CLI make:
 *
 *   RESERVE1  each object's handler checks its value alone (wrongType,
 *             wrongLength, wrongValue, notWritable, noCreation) and
 *             records it here (snmp_set_add)
 *   RESERVE2  the operations are staged and the transaction is validated
 *             as a whole against the store: inconsistentValue; a NETCONF
 *             lock on the configuration: resourceUnavailable
 *   ACTION    what the touched entries and settings are is kept for UNDO,
 *             then the transaction commits, all or nothing; then the
 *             device's own operations run (secProvisionNow,
 *             secRunExpirySweep, secCheckServer).  A failure is
 *             commitFailed.
 *   UNDO      after a failure in ACTION (secProvisionNow, or another
 *             sub-agent in AgentX): the inverse transaction restores what
 *             was kept (snmp_undo.c)
 *   COMMIT    nothing is left that could fail
 *   FREE      the request's data list frees it all
 *
 * The handlers of every object call snmp_set_phase() from RESERVE2 on; the
 * first call of a mode does the work of the whole request.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "snmp.h"
#include "snmp_set.h"
#include "../../src/sa_tls.h"
#include "../daemon/log.h"

#define SET_DATA "secagent:set"

/* ---- the one table: core error -> SNMP error-status ---- */

static const struct {
	int core;
	int reserve;		/* RESERVE1, RESERVE2 */
	int action;		/* ACTION */
} errmap[] = {
	{ SA_ERR_INVALID, SNMP_ERR_WRONGVALUE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_TOO_LONG, SNMP_ERR_WRONGLENGTH, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_NOT_FOUND, SNMP_ERR_INCONSISTENTVALUE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_EXISTS, SNMP_ERR_INCONSISTENTVALUE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_AMBIGUOUS, SNMP_ERR_INCONSISTENTVALUE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_WRONG_LIST, SNMP_ERR_INCONSISTENTVALUE,
	    SNMP_ERR_COMMITFAILED },
	{ SA_ERR_INCONSISTENT, SNMP_ERR_INCONSISTENTVALUE,
	    SNMP_ERR_COMMITFAILED },
	{ SA_ERR_DENIED, SNMP_ERR_NOACCESS, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_LOCKED, SNMP_ERR_RESOURCEUNAVAILABLE,
	    SNMP_ERR_RESOURCEUNAVAILABLE },
	{ SA_ERR_IO, SNMP_ERR_RESOURCEUNAVAILABLE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_NOMEM, SNMP_ERR_RESOURCEUNAVAILABLE, SNMP_ERR_COMMITFAILED },
	{ SA_ERR_REFUSED, SNMP_ERR_INCONSISTENTVALUE, SNMP_ERR_COMMITFAILED },
};

int
snmp_set_errstat(int core_err, int phase)
{
	size_t i;

	if (phase == MODE_SET_UNDO)
		return SNMP_ERR_UNDOFAILED;
	for (i = 0; i < sizeof(errmap) / sizeof(errmap[0]); i++)
		if (errmap[i].core == core_err)
			return phase == MODE_SET_ACTION ? errmap[i].action :
			    errmap[i].reserve;
	return phase == MODE_SET_ACTION ? SNMP_ERR_COMMITFAILED :
	    SNMP_ERR_GENERR;
}

/* ---- the request's state ---- */

static void
set_free(void *p)
{
	struct snmp_set *set = p;
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nw; i++) {
		if (set->w[i].buf != NULL) {
			OPENSSL_cleanse(set->w[i].buf, set->w[i].len);
			free(set->w[i].buf);
		}
	}
	free(set->w);
	sa_txn_free(set->txn);
	snmp_undo_clear(set);
	free(set);
}

static struct snmp_set *
set_of(netsnmp_agent_request_info *reqinfo)
{
	return netsnmp_agent_get_list_data(reqinfo, SET_DATA);
}

int
snmp_set_add(struct sa_snmp *s, netsnmp_agent_request_info *reqinfo,
    const struct snmp_write *w)
{
	struct snmp_set *set = set_of(reqinfo);
	struct snmp_write *nw;

	if (set == NULL) {
		if ((set = calloc(1, sizeof(*set))) == NULL)
			goto fail;
		set->s = s;
		netsnmp_agent_add_list_data(reqinfo,
		    netsnmp_create_data_list(SET_DATA, set, set_free));
	}
	if (set->nw == set->cap) {
		nw = realloc(set->w, (set->cap + 8) * sizeof(*nw));
		if (nw == NULL)
			goto fail;
		set->w = nw;
		set->cap += 8;
	}
	set->w[set->nw++] = *w;	/* takes w->buf over */
	return 0;
 fail:
	if (w->buf != NULL) {
		OPENSSL_cleanse(w->buf, w->len);
		free(w->buf);
	}
	netsnmp_set_request_error(reqinfo, w->req,
	    SNMP_ERR_RESOURCEUNAVAILABLE);
	return -1;
}

/* ---- RESERVE2: staging ---- */

/* Another write of the same row with field f, or NULL. */
static const struct snmp_write *
row_write(const struct snmp_set *set, const struct snmp_write *w,
    enum sa_field f)
{
	size_t i;

	for (i = 0; i < set->nw; i++)
		if (set->w[i].node->kind == SA_MAP_COLUMN &&
		    set->w[i].node->field == f &&
		    set->w[i].node->list == w->node->list &&
		    memcmp(set->w[i].fp, w->fp, SA_FP_LEN) == 0)
			return &set->w[i];
	return NULL;
}

/* Non-zero when fp is in list l; with der, when it also holds that DER. */
static int
row_exists(struct sa_snmp *s, const unsigned char *fp, enum sa_list l,
    const unsigned char *der, size_t len)
{
	const struct sa_entry *e;
	int r;

	sa_store_rdlock(s->st);
	e = sa_store_find(s->st, fp);
	r = e != NULL && e->list == l && (der == NULL ||
	    (e->der_len == len && memcmp(e->der, der, len) == 0));
	sa_store_unlock(s->st);
	return r;
}

/*
 * Non-zero when the request says two things of w's row at once: its
 * RowStatus twice (createAndGo and destroy), or a createAndGo and
 * secRemoveCertificate of the same certificate.  The varbinds of a SET
 * take effect as if at the same time: such a request is inconsistent.
 */
static int
row_contradicted(const struct snmp_set *set, const struct snmp_write *w)
{
	const struct snmp_write *o;
	size_t i;

	for (i = 0; i < set->nw; i++) {
		o = &set->w[i];
		if (o == w || !o->has_fp || memcmp(o->fp, w->fp, SA_FP_LEN) != 0)
			continue;
		if (o->node == w->node)
			return 1;
		if (w->num == RS_CREATEANDGO && o->node->kind == SA_MAP_RPC &&
		    o->node->op == SA_OP_REMOVE)
			return 1;
	}
	return 0;
}

static int
stage_row_status(struct snmp_set *set, const struct snmp_write *w,
    char *err, size_t errlen)
{
	const struct snmp_write *data, *rej;
	enum sa_list l = w->node->list;

	if (row_contradicted(set, w))
		return sa_fail(err, errlen, SA_ERR_INCONSISTENT, "one request "
		    "both creates and removes (or sets twice) a row");
	switch (w->num) {
	case RS_CREATEANDGO:
		if ((data = row_write(set, w, SA_FIELD_CERT_DATA)) == NULL)
			return sa_fail(err, errlen, SA_ERR_INCONSISTENT,
			    "createAndGo needs the certificate data in the "
			    "same request");
		rej = row_write(set, w, SA_FIELD_REJECTED);
		return sa_txn_add(set->txn, l, data->buf, data->len, w->fp,
		    rej != NULL && rej->num == 1, SA_ORIGIN_CONFIGURED, err,
		    errlen);
	case RS_DESTROY:
		if (!row_exists(set->s, w->fp, l, NULL, 0))
			return 0;	/* nothing to destroy */
		return sa_txn_remove(set->txn, w->fp);
	default:		/* active: only a row that is there */
		if (!row_exists(set->s, w->fp, l, NULL, 0))
			return sa_fail(err, errlen, SA_ERR_NOT_FOUND,
			    "no such row");
		return 0;
	}
}

static int
stage_column(struct snmp_set *set, const struct snmp_write *w, char *err,
    size_t errlen)
{
	const struct snmp_write *rs = row_write(set, w, SA_FIELD_ROW_STATUS);
	int creating = rs != NULL && rs->num == RS_CREATEANDGO;
	const struct sa_map_node *op;

	switch (w->node->field) {
	case SA_FIELD_ROW_STATUS:
		return stage_row_status(set, w, err, errlen);
	case SA_FIELD_CERT_DATA:
		if (creating || row_exists(set->s, w->fp, w->node->list,
		    w->buf, w->len))
			return 0;
		return sa_fail(err, errlen, SA_ERR_INCONSISTENT,
		    "the certificate data of a row cannot change");
	case SA_FIELD_REJECTED:
		return creating ? 0 : sa_txn_set_rejected(set->txn, w->fp,
		    w->num == 1);
	case SA_FIELD_ACTION:
		/* accept(2), reject(3): the RPC rows that write the column */
		op = snmp_set_rpc_of(w->node, w->num);
		if (op == NULL)
			return 0;	/* none(1) */
		return op->op == SA_OP_ACCEPT ? sa_txn_accept(set->txn, w->fp) :
		    sa_txn_reject(set->txn, w->fp);
	default:
		return sa_fail(err, errlen, SA_ERR_INVALID, "not writable");
	}
}

/* An operation that runs after the commit, in varbind order. */
static int
stage_after(struct snmp_set *set, size_t i, char *err, size_t errlen)
{
	if (set->nafter == SNMP_SET_AFTER_MAX)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "too many operations "
		    "in one request");
	set->after[set->nafter++] = i;
	return 0;
}

static int
stage(struct snmp_set *set, size_t i, char *err, size_t errlen)
{
	const struct snmp_write *w = &set->w[i];
	const struct sa_map_node *n = w->node;
	int start = n->mib_value != 0 && w->num == n->mib_value;

	if (n->kind == SA_MAP_COLUMN)
		return stage_column(set, w, err, errlen);
	if (n->kind == SA_MAP_SCALAR)
		return sa_txn_set(set->txn, n->setting, (const char *)w->buf,
		    err, errlen);
	switch (n->op) {
	case SA_OP_IMPORT:
		return sa_txn_import(set->txn, w->buf, w->len,
		    SA_ORIGIN_IMPORTED, err, errlen);
	case SA_OP_REMOVE:
		return w->has_fp ? sa_txn_remove(set->txn, w->fp) : 0;
	case SA_OP_RESTORE_DEFAULTS:
		return start ? sa_txn_restore_defaults(set->txn, err,
		    errlen) : 0;
	case SA_OP_PROVISION_NOW:
	case SA_OP_RUN_SWEEP:
		return start ? stage_after(set, i, err, errlen) : 0;
	case SA_OP_CHECK_SERVER:
		if (w->len > 0 && snmp_check_busy(set->s))
			return sa_fail(err, errlen, SA_ERR_INCONSISTENT,
			    "a check is under way");
		return w->len > 0 ? stage_after(set, i, err, errlen) : 0;
	default:
		return sa_fail(err, errlen, SA_ERR_INVALID, "not writable");
	}
}

/* Who asks, for the change events: "snmp:USER" for SNMPv3. */
static void
source_of(netsnmp_agent_request_info *reqinfo, char *buf, size_t len)
{
	const netsnmp_pdu *pdu = reqinfo->asp != NULL ? reqinfo->asp->pdu :
	    NULL;

	if (pdu != NULL && pdu->version == SNMP_VERSION_3 &&
	    pdu->securityName != NULL)
		snprintf(buf, len, "snmp:%.*s", (int)pdu->securityNameLen,
		    pdu->securityName);
	else
		snprintf(buf, len, "snmp");
}

static void
fail(netsnmp_agent_request_info *reqinfo, const struct snmp_write *w,
    int core_err, const char *err)
{
	sa_info("SNMP SET of %s refused: %s", w->node->mib, err);
	netsnmp_set_request_error(reqinfo, w->req,
	    snmp_set_errstat(core_err, reqinfo->mode));
}

static void
reserve2(struct snmp_set *set, netsnmp_agent_request_info *reqinfo)
{
	char err[256];
	size_t i;
	int r;

	source_of(reqinfo, set->source, sizeof(set->source));
	if ((set->txn = sa_txn_new(set->s->st, set->source)) == NULL) {
		fail(reqinfo, &set->w[0], SA_ERR_NOMEM, "out of memory");
		return;
	}
	for (i = 0; i < set->nw; i++) {
		err[0] = '\0';
		if ((r = stage(set, i, err, sizeof(err))) != 0) {
			fail(reqinfo, &set->w[i], r, err[0] ? err :
			    sa_err_name(r));
			return;
		}
	}
	if (sa_store_holder(set->s->st) != 0) {
		fail(reqinfo, &set->w[0], SA_ERR_LOCKED, "the configuration "
		    "is locked by a NETCONF session");
		return;
	}
	if ((r = sa_txn_check(set->txn, err, sizeof(err))) != 0)
		fail(reqinfo, &set->w[0], r, err);
}

/* ---- ACTION ---- */

/* What runs once the transaction is in: the device's own operations. */
static int
run_after(struct snmp_set *set, const struct snmp_write *w, char *err,
    size_t errlen)
{
	struct sa_snmp *s = set->s;

	switch (w->node->op) {
	case SA_OP_PROVISION_NOW:	/* answers at once (snmp_ops.c) */
		return snmp_prov_request(s, set->source, err, errlen);
	case SA_OP_RUN_SWEEP:
		return sa_store_sweep(s->st, err, errlen);
	default:		/* SA_OP_CHECK_SERVER, the same */
		return snmp_check_start(s, (const char *)w->buf, err, errlen);
	}
}

static void
action(struct snmp_set *set, netsnmp_agent_request_info *reqinfo)
{
	const struct snmp_write *w;
	char err[256];
	size_t i;
	int r;

	if (set->txn == NULL)
		return;
	snmp_undo_keep(set);
	if ((r = sa_txn_commit(set->txn, err, sizeof(err))) != 0) {
		fail(reqinfo, &set->w[0], r, err);
		return;
	}
	set->committed = 1;
	for (i = 0; i < set->nafter; i++) {
		w = &set->w[set->after[i]];
		if (run_after(set, w, err, sizeof(err)) != 0) {
			sa_info("%s over SNMP: %s", w->node->mib, err);
			netsnmp_set_request_error(reqinfo, w->req,
			    SNMP_ERR_COMMITFAILED);
			return;
		}
	}
}

void
snmp_set_phase(struct sa_snmp *s, netsnmp_agent_request_info *reqinfo)
{
	struct snmp_set *set = set_of(reqinfo);

	(void)s;
	if (set == NULL || set->nw == 0 || set->done == reqinfo->mode)
		return;
	set->done = reqinfo->mode;
	switch (reqinfo->mode) {
	case MODE_SET_RESERVE2:
		reserve2(set, reqinfo);
		break;
	case MODE_SET_ACTION:
		action(set, reqinfo);
		break;
	case MODE_SET_UNDO:
		if (set->committed && snmp_undo_run(set) != 0)
			netsnmp_set_request_error(reqinfo, set->w[0].req,
			    SNMP_ERR_UNDOFAILED);
		set->committed = 0;
		break;
	default:		/* COMMIT, FREE */
		break;
	}
}

const struct sa_map_node *
snmp_set_rpc_of(const struct sa_map_node *col, long value)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++)
		if (sa_map[i].kind == SA_MAP_RPC && sa_map[i].mib != NULL &&
		    strcmp(sa_map[i].mib, col->mib) == 0 &&
		    sa_map[i].mib_value == value)
			return &sa_map[i];
	return NULL;
}
