/*
 * snmp_table.c - the three certificate tables, registered from the
 * mapping table with Net-SNMP's table_container helper: a walk costs
 * O(log n) per varbind (table_iterator would make it quadratic).
 *
 * Rows are indexed by the SHA-256 fingerprint as a fixed-size OCTET STRING:
 * 32 sub-identifiers, no length (registered as IMPLIED, which encodes the
 * same way).  The container holds one row per entry of the list, pointing
 * at the store's entry; it is rebuilt when the store's generation moved,
 * and read only under the store's read lock, which a handler injected in
 * front of the table holds for the length of one call (GET modes and
 * RESERVE1; the later SET phases commit and must not hold it).
 */
#include <stdlib.h>
#include <string.h>

#include "snmp.h"
#include "../daemon/log.h"

struct snmp_row {
	netsnmp_index idx;	/* first: the container compares it */
	oid oids[SA_FP_LEN];
	const struct sa_entry *e;	/* valid under the store's read lock */
};

static int
table_is_creatable(const struct snmp_table *t)
{
	int c;

	for (c = 1; c <= SNMP_MAX_COLUMN; c++)
		if (t->col[c] != NULL &&
		    t->col[c]->access == SA_MAP_READ_CREATE)
			return 1;
	return 0;
}

/* Rebuilds the rows of t from the store (read lock held). */
static void
resync(struct sa_snmp *s, struct snmp_table *t, uint64_t gen)
{
	size_t n = sa_store_count(s->st, t->list), i = 0, k;
	const struct sa_entry *e;
	struct snmp_row *mem = NULL, *row;

	CONTAINER_CLEAR(t->rows, NULL, NULL);
	free(t->mem);
	t->mem = NULL;
	t->fresh = 0;
	if (n > 0 && (mem = calloc(n, sizeof(*mem))) == NULL) {
		sa_warn("out of memory: the %s table reads as empty",
		    sa_list_name(t->list));
		return;
	}
	for (e = sa_store_first(s->st, t->list); e != NULL && i < n;
	    e = sa_store_next(s->st, e), i++) {
		row = &mem[i];
		for (k = 0; k < SA_FP_LEN; k++)
			row->oids[k] = e->fp[k];
		row->idx.oids = row->oids;
		row->idx.len = SA_FP_LEN;
		row->e = e;
		CONTAINER_INSERT(t->rows, row);	/* in order: appends */
	}
	t->mem = mem;
	t->gen = gen;
	t->fresh = 1;
}

/* In front of the table: the read lock and fresh rows for one call. */
static int
lock_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct sa_snmp *s = snmp_mib_self(reg);
	struct snmp_table *t = h->myvoid;
	uint64_t gen;
	int r;

	if (!MODE_IS_GET(reqinfo->mode) &&
	    reqinfo->mode != MODE_SET_RESERVE1)
		return netsnmp_call_next_handler(h, reg, reqinfo, requests);
	/* the generation in the same hold as the rows are used: read
	 * before the lock, a commit in between freed what they point at */
	sa_store_rdlock(s->st);
	gen = sa_store_generation(s->st);
	if (!t->fresh || t->gen != gen)
		resync(s, t, gen);
	r = netsnmp_call_next_handler(h, reg, reqinfo, requests);
	sa_store_unlock(s->st);
	return r;
}

static void
table_get(struct sa_snmp *s, struct snmp_table *t,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	time_t now = sa_store_now(s->st);
	const struct sa_map_node *n;
	netsnmp_table_request_info *ti;
	netsnmp_request_info *req;
	struct snmp_row *row;
	struct snmp_val v;

	for (req = requests; req != NULL; req = req->next) {
		if (req->processed)
			continue;
		row = netsnmp_container_table_row_extract(req);
		ti = netsnmp_extract_table_info(req);
		if (row == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, req,
			    SNMP_NOSUCHINSTANCE);
			continue;
		}
		n = ti->colnum <= SNMP_MAX_COLUMN ? t->col[ti->colnum] : NULL;
		if (n == NULL) {
			netsnmp_set_request_error(reqinfo, req,
			    SNMP_NOSUCHOBJECT);
			continue;
		}
		t->get[ti->colnum](row->e, now, &v);
		snmp_val_put(req->requestvb, &v);
	}
}

/* The fingerprint of a row's index; 0, or -1 when it cannot be one. */
static int
index_fp(const netsnmp_table_request_info *ti, unsigned char fp[SA_FP_LEN])
{
	size_t i;

	if (ti->index_oid_len != SA_FP_LEN)
		return -1;
	for (i = 0; i < SA_FP_LEN; i++) {
		if (ti->index_oid[i] > 255)
			return -1;
		fp[i] = (unsigned char)ti->index_oid[i];
	}
	return 0;
}

/* The value of a writable column, checked alone; 0 or an SNMP error. */
static int
check_column(const struct sa_map_node *n, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	struct sa_parsed_set set;
	char err[256];
	long v;

	if (n->field == SA_FIELD_CERT_DATA) {
		if (vb->type != ASN_OCTET_STR)
			return SNMP_ERR_WRONGTYPE;
		if (sa_cert_parse(vb->val.string, vb->val_len, &set, err,
		    sizeof(err)) != 0)
			return SNMP_ERR_WRONGVALUE;
		v = (long)set.n;
		sa_parsed_set_clear(&set);
		if (v != 1 || (w->buf = malloc(vb->val_len)) == NULL)
			return v != 1 ? SNMP_ERR_WRONGVALUE :
			    SNMP_ERR_RESOURCEUNAVAILABLE;
		memcpy(w->buf, vb->val.string, vb->val_len);
		w->len = vb->val_len;
		return 0;
	}
	if (vb->type != ASN_INTEGER)
		return SNMP_ERR_WRONGTYPE;
	w->num = v = *vb->val.integer;
	switch (n->field) {
	case SA_FIELD_REJECTED:
		return v == 1 || v == 2 ? 0 : SNMP_ERR_WRONGVALUE;
	case SA_FIELD_ACTION:
		return v >= SA_MAP_ACTION_NONE && v <= SA_MAP_ACTION_REJECT ?
		    0 : SNMP_ERR_WRONGVALUE;
	case SA_FIELD_ROW_STATUS:
		/* createAndGo and destroy; active keeps an active row */
		return v == RS_ACTIVE || v == RS_CREATEANDGO ||
		    v == RS_DESTROY ? 0 : SNMP_ERR_WRONGVALUE;
	default:
		return SNMP_ERR_NOTWRITABLE;
	}
}

static int
table_reserve1_one(struct sa_snmp *s, struct snmp_table *t,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req)
{
	netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
	const struct sa_map_node *n;
	struct snmp_write w;
	int r;

	if (ti == NULL || ti->colnum > SNMP_MAX_COLUMN ||
	    (n = t->col[ti->colnum]) == NULL)
		return SNMP_ERR_NOTWRITABLE;
	if (n->access != SA_MAP_READ_WRITE && n->access != SA_MAP_READ_CREATE)
		return SNMP_ERR_NOTWRITABLE;
	memset(&w, 0, sizeof(w));
	w.req = req;
	w.node = n;
	w.has_fp = 1;
	if (index_fp(ti, w.fp) != 0)
		return SNMP_ERR_NOCREATION;
	if (netsnmp_container_table_row_extract(req) == NULL &&
	    !table_is_creatable(t))
		return SNMP_ERR_NOCREATION;
	if ((r = check_column(n, req->requestvb, &w)) != 0) {
		free(w.buf);
		return r;
	}
	return snmp_set_add(s, reqinfo, &w) == 0 ? 0 :
	    SNMP_ERR_RESOURCEUNAVAILABLE;
}

static int
column_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct sa_snmp *s = snmp_mib_self(reg);
	struct snmp_table *t = h->myvoid;
	netsnmp_request_info *req;
	int r;

	switch (reqinfo->mode) {
	case MODE_GET:
		table_get(s, t, reqinfo, requests);
		break;
	case MODE_SET_RESERVE1:
		for (req = requests; req != NULL; req = req->next) {
			if (req->processed)
				continue;
			if ((r = table_reserve1_one(s, t, reqinfo, req)) != 0)
				netsnmp_set_request_error(reqinfo, req, r);
		}
		break;
	default:
		snmp_set_phase(s, reqinfo);
		break;
	}
	return SNMP_ERR_NOERROR;
}

/* The columns of list l from the mapping table; 0 or -1 with err. */
static int
collect_columns(struct snmp_table *t, enum sa_list l, char *err, size_t errlen)
{
	const struct sa_map_node *n;
	unsigned int c;
	size_t i;

	memset(t->col, 0, sizeof(t->col));
	memset(t->get, 0, sizeof(t->get));
	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if (n->kind != SA_MAP_COLUMN || n->list != l ||
		    sa_map_by_mib(n->mib) != n)
			continue;
		c = n->oid[n->oid_len - 1];
		if (c == 0 || c > SNMP_MAX_COLUMN || t->col[c] != NULL) {
			snprintf(err, errlen, "SNMP: %s: %s column %u", n->mib,
			    c > SNMP_MAX_COLUMN ? "unsupported" : "duplicate",
			    c);
			return -1;
		}
		if (snmp_val_getter(n->field) == NULL) {
			snprintf(err, errlen, "SNMP: %s (mapping row %zu) has "
			    "no callback", n->mib, i);
			return -1;
		}
		if (n->access != SA_MAP_NOT_ACCESSIBLE) {
			t->col[c] = n;
			t->get[c] = snmp_val_getter(n->field);
		}
	}
	return 0;
}

int
snmp_table_check(char *err, size_t errlen)
{
	struct snmp_table t;
	int l;

	for (l = 0; l < SA_LIST_COUNT; l++)
		if (collect_columns(&t, (enum sa_list)l, err, errlen) != 0)
			return -1;
	return 0;
}

/* The table helper's column range, and the list when it has holes. */
static void
column_range(const struct snmp_table *t, netsnmp_table_registration_info *ti)
{
	static unsigned int lists[SA_LIST_COUNT][SNMP_MAX_COLUMN];
	unsigned int *cols = lists[t->list], n = 0, c;
	netsnmp_column_info *ci;

	for (c = 1; c <= SNMP_MAX_COLUMN; c++)
		if (t->col[c] != NULL)
			cols[n++] = c;
	ti->min_column = n > 0 ? cols[0] : 1;
	ti->max_column = n > 0 ? cols[n - 1] : 1;
	if (n == 0 || ti->max_column - ti->min_column + 1 == n)
		return;
	if ((ci = SNMP_MALLOC_TYPEDEF(netsnmp_column_info)) == NULL)
		return;
	ci->isRange = 0;
	ci->details.list = cols;
	ci->list_count = n;
	ti->valid_columns = ci;
}

int
snmp_table_register(struct sa_snmp *s, const struct sa_map_node *tn,
    char *err, size_t errlen)
{
	struct snmp_table *t = &s->tables[tn->list];
	netsnmp_table_registration_info *ti;
	netsnmp_handler_registration *reg;
	netsnmp_mib_handler *lock;
	oid name[MAX_OID_LEN];
	size_t len = snmp_mib_oid(tn, name, MAX_OID_LEN);
	int r;

	t->list = tn->list;
	if (collect_columns(t, tn->list, err, errlen) != 0)
		return -1;
	reg = netsnmp_create_handler_registration(tn->mib, column_handler,
	    name, len, HANDLER_CAN_RWRITE |
	    (table_is_creatable(t) ? 0 : HANDLER_CAN_NOT_CREATE));
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	t->rows = netsnmp_container_find("table_container");
	lock = netsnmp_create_handler("secagent_store_lock", lock_handler);
	if (reg == NULL || ti == NULL || t->rows == NULL || lock == NULL) {
		snprintf(err, errlen, "%s: out of memory", tn->mib);
		return -1;
	}
	reg->my_reg_void = s;
	reg->handler->myvoid = t;
	lock->myvoid = t;
	/* the fingerprint: fixed size, so no length sub-identifier */
	netsnmp_table_helper_add_indexes(ti, ASN_PRIV_IMPLIED_OCTET_STR, 0);
	column_range(t, ti);
	r = netsnmp_container_table_register(reg, ti, t->rows,
	    TABLE_CONTAINER_KEY_NETSNMP_INDEX);
	if (r != MIB_REGISTERED_OK) {
		snprintf(err, errlen, "%s: %s", tn->mib,
		    r == MIB_DUPLICATE_REGISTRATION ? "duplicate OID" :
		    "cannot register");
		return -1;
	}
	return netsnmp_inject_handler(reg, lock) == SNMPERR_SUCCESS ? 0 :
	    (snprintf(err, errlen, "%s: cannot register", tn->mib), -1);
}

void
snmp_table_free(struct snmp_table *t)
{
	free(t->mem);
	t->mem = NULL;
	t->fresh = 0;
}
