/*
 * snmp_mib.c - SECAGENT-SECURITY-MIB registered from the mapping table
 * (agent/sa_map.c): every object there, at its OID, with its access.  The
 * callbacks are chosen by what the row maps to (a setting, a state, an
 * operation, a field); the table below has one line per scalar node.  A
 * node without its callback, and an OID registered twice, are start-up
 * errors.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "snmp.h"
#include "../../src/sa_tls.h"
#include "../daemon/log.h"

enum scalar_kind { K_SETTING, K_STATE, K_OP };

struct scalar_row;
typedef void scalar_get_fn(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v);
/* RESERVE1: checks the value alone and fills w (w->node is set); 0 or an
 * SNMP error. */
typedef int scalar_check_fn(const struct scalar_row *row,
    const netsnmp_variable_list *vb, struct snmp_write *w);

struct scalar_row {
	enum scalar_kind kind;
	int key;		/* enum sa_setting, sa_state or sa_op */
	scalar_get_fn *get;
	scalar_check_fn *check;	/* NULL: read-only */
	size_t max;		/* OCTET STRING: the MIB's SIZE */
};

/* ---- reads ---- */

static char *
setting_value(struct sa_snmp *s, const struct scalar_row *row)
{
	char *v = NULL;

	if (sa_store_get(s->st, (enum sa_setting)row->key, &v) != 0)
		return NULL;
	return v;
}

static void
get_truth(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	char *val = setting_value(s, row);

	(void)n;
	snmp_val_truth(v, val != NULL && strcmp(val, "true") == 0);
	free(val);
}

/* v points into a buffer of the SNMP thread: put it before the next read. */
static void
get_text(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	static char buf[1100];	/* SNMP thread only */
	char *val = setting_value(s, row);

	(void)n;
	snprintf(buf, sizeof(buf), "%s", val != NULL ? val : "");
	free(val);
	snmp_val_cstr(v, buf);
}

/* A state the store keeps as a setting (the policy version): n's setting. */
static void
get_setting_text(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	const struct scalar_row as_setting = { K_SETTING, (int)n->setting,
	    get_text, NULL, row->max };

	get_text(s, &as_setting, n, v);
}

static void
get_unsigned(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	char *val = setting_value(s, row);

	(void)n;
	snmp_val_uint(v, ASN_UNSIGNED, val != NULL ? strtoul(val, NULL, 10) :
	    0);
	free(val);
}

/* The password: it can be set, it is never returned. */
static void
get_secret(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	(void)s;
	(void)row;
	(void)n;
	snmp_val_str(v, "", 0);
}

static void
get_prov(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	static struct snmp_prov_state ps;	/* SNMP thread only */

	(void)n;
	snmp_prov_state(s, &ps);
	switch ((enum sa_state)row->key) {
	case SA_STATE_PROV_LAST_ATTEMPT:
		snmp_val_date(v, ps.last_attempt);
		break;
	case SA_STATE_PROV_LAST_SUCCESS:
		snmp_val_date(v, ps.last_success);
		break;
	case SA_STATE_PROV_LAST_RESULT:
		snmp_val_int(v, ps.last_result);
		break;
	case SA_STATE_PROV_LAST_ERROR:
		snmp_val_cstr(v, ps.last_error);
		break;
	default:
		snmp_val_uint(v, ASN_UNSIGNED, ps.unknown_parameters);
		break;
	}
}

static void
get_evictions(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	(void)row;
	(void)n;
	snmp_val_counter64(v, sa_store_invalid_evictions(s->st));
}

/* Objects that stand for an RPC read as "nothing to do": idle(1) when a
 * value starts it (the map's mib_value), else a zero-length string. */
static void
get_idle(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	(void)s;
	(void)row;
	if (n->mib_value != 0)
		snmp_val_int(v, SA_MAP_TRIGGER_IDLE);
	else
		snmp_val_str(v, "", 0);
}

/* secCheckServer: "checking", then the verdict of the last check. */
static void
get_verdict(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	static char buf[sizeof(s->verdict)];	/* SNMP thread only */

	(void)row;
	(void)n;
	snmp_check_verdict(s, buf, sizeof(buf));
	snmp_val_cstr(v, buf);
}

/* secProvisionNow: running(3) while an attempt is asked for or under way. */
static void
get_prov_now(struct sa_snmp *s, const struct scalar_row *row,
    const struct sa_map_node *n, struct snmp_val *v)
{
	struct snmp_prov_state ps;

	(void)row;
	(void)n;
	snmp_prov_state(s, &ps);
	snmp_val_int(v, ps.running ? SA_MAP_TRIGGER_RUNNING :
	    SA_MAP_TRIGGER_IDLE);
}

/* ---- RESERVE1 checks ---- */

static int
check_truth(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	(void)row;
	if (vb->type != ASN_INTEGER)
		return SNMP_ERR_WRONGTYPE;
	if (*vb->val.integer != 1 && *vb->val.integer != 2)
		return SNMP_ERR_WRONGVALUE;
	w->buf = (unsigned char *)strdup(*vb->val.integer == 1 ? "true" :
	    "false");
	return w->buf != NULL ? 0 : SNMP_ERR_RESOURCEUNAVAILABLE;
}

/* A setting's value as the core will see it, checked by the core. */
static int
check_setting(const struct scalar_row *row, struct snmp_write *w)
{
	char err[256];
	int r;

	if ((r = sa_setting_check((enum sa_setting)row->key, (char *)w->buf,
	    err, sizeof(err))) == 0)
		return 0;
	sa_debug("SET refused: %s", err);
	return snmp_set_errstat(r, MODE_SET_RESERVE1);
}

/* Text: an OCTET STRING within the MIB's SIZE, without NUL; w->buf ends
 * with a NUL. */
static int
check_string(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	if (vb->type != ASN_OCTET_STR)
		return SNMP_ERR_WRONGTYPE;
	if (vb->val_len > row->max)
		return SNMP_ERR_WRONGLENGTH;
	if (memchr(vb->val.string, '\0', vb->val_len) != NULL)
		return SNMP_ERR_WRONGVALUE;
	if ((w->buf = malloc(vb->val_len + 1)) == NULL)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	memcpy(w->buf, vb->val.string, vb->val_len);
	w->buf[vb->val_len] = '\0';
	w->len = vb->val_len;
	return 0;
}

static int
check_text(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	int r;

	if ((r = check_string(row, vb, w)) != 0)
		return r;
	return check_setting(row, w);
}

static int
check_unsigned(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	char num[32];

	if (vb->type != ASN_UNSIGNED)
		return SNMP_ERR_WRONGTYPE;
	snprintf(num, sizeof(num), "%lu", *vb->val.integer & 0xffffffffUL);
	if ((w->buf = (unsigned char *)strdup(num)) == NULL)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	return check_setting(row, w);
}

/* secImportCertificate: a file of one or more certificates. */
static int
check_file(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	struct sa_parsed_set set;
	char err[256];

	if (vb->type != ASN_OCTET_STR)
		return SNMP_ERR_WRONGTYPE;
	if (vb->val_len > row->max)
		return SNMP_ERR_WRONGLENGTH;
	if (sa_cert_parse(vb->val.string, vb->val_len, &set, err,
	    sizeof(err)) != 0) {
		sa_debug("import refused: %s", err);
		return SNMP_ERR_WRONGVALUE;
	}
	sa_parsed_set_clear(&set);
	if ((w->buf = malloc(vb->val_len)) == NULL)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	memcpy(w->buf, vb->val.string, vb->val_len);
	w->len = vb->val_len;
	return 0;
}

/* secRemoveCertificate: a fingerprint, or nothing. */
static int
check_fingerprint(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	(void)row;
	if (vb->type != ASN_OCTET_STR)
		return SNMP_ERR_WRONGTYPE;
	if (vb->val_len != 0 && vb->val_len != SA_FP_LEN)
		return SNMP_ERR_WRONGLENGTH;
	w->has_fp = vb->val_len == SA_FP_LEN;
	if (w->has_fp)
		memcpy(w->fp, vb->val.string, SA_FP_LEN);
	return 0;
}

static int
check_trigger(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	(void)row;
	if (vb->type != ASN_INTEGER)
		return SNMP_ERR_WRONGTYPE;
	if (*vb->val.integer != SA_MAP_TRIGGER_IDLE &&
	    *vb->val.integer != w->node->mib_value)
		return SNMP_ERR_WRONGVALUE;
	w->num = *vb->val.integer;
	return 0;
}

/* secCheckServer: HOST:PORT, or nothing. */
static int
check_target(const struct scalar_row *row, const netsnmp_variable_list *vb,
    struct snmp_write *w)
{
	char host[300], port[32];
	int r;

	if ((r = check_string(row, vb, w)) != 0 || w->len == 0)
		return r;
	if (sa_split_host_port((char *)w->buf, host, sizeof(host), port,
	    sizeof(port)) != 0)
		return SNMP_ERR_WRONGVALUE;
	return 0;
}

/* One line per scalar node of the mapping table. */
static const struct scalar_row scalars[] = {
	{ K_SETTING, SA_SET_ACCEPT_ALL, get_truth, check_truth, 0 },
	{ K_SETTING, SA_SET_HTTP_USERNAME, get_text, check_text, SA_CRED_MAX },
	{ K_SETTING, SA_SET_HTTP_PASSWORD, get_secret, check_text,
	    SA_CRED_MAX },
	{ K_SETTING, SA_SET_PROV_URL, get_text, check_text, 1024 },
	{ K_SETTING, SA_SET_PROV_INTERVAL, get_unsigned, check_unsigned, 0 },
	{ K_STATE, SA_STATE_PROV_LAST_ATTEMPT, get_prov, NULL, 0 },
	{ K_STATE, SA_STATE_PROV_LAST_SUCCESS, get_prov, NULL, 0 },
	{ K_STATE, SA_STATE_PROV_LAST_RESULT, get_prov, NULL, 0 },
	{ K_STATE, SA_STATE_PROV_LAST_ERROR, get_prov, NULL, 0 },
	{ K_STATE, SA_STATE_PROV_UNKNOWN_PARAMETERS, get_prov, NULL, 0 },
	{ K_STATE, SA_STATE_PROV_POLICY_VERSION, get_setting_text, NULL,
	    SA_POLICY_VERSION_MAX },
	{ K_STATE, SA_STATE_INVALID_EVICTIONS, get_evictions, NULL, 0 },
	{ K_OP, SA_OP_IMPORT, get_idle, check_file, 65535 },
	{ K_OP, SA_OP_REMOVE, get_idle, check_fingerprint, 0 },
	{ K_OP, SA_OP_PROVISION_NOW, get_prov_now, check_trigger, 0 },
	{ K_OP, SA_OP_RESTORE_DEFAULTS, get_idle, check_trigger, 0 },
	{ K_OP, SA_OP_RUN_SWEEP, get_idle, check_trigger, 0 },
	{ K_OP, SA_OP_CHECK_SERVER, get_verdict, check_target, 300 },
};

/* The line of a scalar or RPC node, or NULL. */
static const struct scalar_row *
scalar_of(const struct sa_map_node *n)
{
	enum scalar_kind kind;
	size_t i;
	int key;

	if (n->kind == SA_MAP_RPC) {
		kind = K_OP;
		key = n->op;
	} else if (n->state != SA_STATE_NONE) {
		kind = K_STATE;
		key = n->state;
	} else {
		kind = K_SETTING;
		key = n->setting;
	}
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (scalars[i].kind == kind && scalars[i].key == key)
			return &scalars[i];
	return NULL;
}

static void
scalar_reserve1(struct sa_snmp *s, const struct sa_map_node *n,
    const struct scalar_row *row, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *req)
{
	struct snmp_write w;
	int r;

	memset(&w, 0, sizeof(w));
	w.req = req;
	w.node = n;
	if (row->check == NULL)
		r = SNMP_ERR_NOTWRITABLE;
	else
		r = row->check(row, req->requestvb, &w);
	if (r != 0) {
		if (w.buf != NULL) {	/* a refused password is still one */
			OPENSSL_cleanse(w.buf, w.len);
			free(w.buf);
		}
		netsnmp_set_request_error(reqinfo, req, r);
		return;
	}
	snmp_set_add(s, reqinfo, &w);
}

static int
scalar_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct sa_snmp *s = snmp_mib_self(reg);
	const struct sa_map_node *n = h->myvoid;
	const struct scalar_row *row = scalar_of(n);
	netsnmp_request_info *req;
	struct snmp_val v;

	switch (reqinfo->mode) {
	case MODE_GET:
		for (req = requests; req != NULL; req = req->next) {
			row->get(s, row, n, &v);
			snmp_val_put(req->requestvb, &v);
		}
		break;
	case MODE_SET_RESERVE1:
		for (req = requests; req != NULL; req = req->next)
			scalar_reserve1(s, n, row, reqinfo, req);
		break;
	default:
		snmp_set_phase(s, reqinfo);
		break;
	}
	return SNMP_ERR_NOERROR;
}

/* ---- registration ---- */

size_t
snmp_mib_oid(const struct sa_map_node *n, oid *out, size_t max)
{
	size_t i, len = 0;

	for (i = 0; i < sa_map_root_len && len < max; i++)
		out[len++] = sa_map_root[i];
	for (i = 0; i < n->oid_len && len < max; i++)
		out[len++] = n->oid[i];
	return len;
}

struct sa_snmp *
snmp_mib_self(netsnmp_handler_registration *reg)
{
	return reg->my_reg_void;
}

/* The row that owns its MIB object: the one the agent registers. */
static int
owns_object(const struct sa_map_node *n)
{
	return n->mib != NULL && sa_map_by_mib(n->mib) == n;
}

static int
register_scalar(struct sa_snmp *s, const struct sa_map_node *n, char *err,
    size_t errlen)
{
	netsnmp_handler_registration *reg;
	oid name[MAX_OID_LEN];
	size_t len = snmp_mib_oid(n, name, MAX_OID_LEN);
	int r;

	reg = netsnmp_create_handler_registration(n->mib, scalar_handler, name,
	    len, n->access == SA_MAP_READ_WRITE ? HANDLER_CAN_RWRITE :
	    HANDLER_CAN_RONLY);
	if (reg == NULL) {
		snprintf(err, errlen, "%s: out of memory", n->mib);
		return -1;
	}
	reg->my_reg_void = s;
	reg->handler->myvoid = (void *)n;
	if ((r = netsnmp_register_scalar(reg)) != MIB_REGISTERED_OK) {
		snprintf(err, errlen, "%s: %s", n->mib,
		    r == MIB_DUPLICATE_REGISTRATION ? "duplicate OID" :
		    "cannot register");
		return -1;
	}
	return 0;
}

int
snmp_mib_register(struct sa_snmp *s, char *err, size_t errlen)
{
	const struct sa_map_node *n;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < sa_map_len; i++) {
		n = &sa_map[i];
		if (!owns_object(n))
			continue;
		if (n->kind == SA_MAP_SCALAR || n->kind == SA_MAP_RPC)
			r = register_scalar(s, n, err, errlen);
		else if (n->kind == SA_MAP_TABLE)
			r = snmp_table_register(s, n, err, errlen);
	}
	return r;
}

int
snmp_mib_check(char *err, size_t errlen)
{
	const struct sa_map_node *n;
	size_t i;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if (!owns_object(n) ||
		    (n->kind != SA_MAP_SCALAR && n->kind != SA_MAP_RPC))
			continue;
		if (scalar_of(n) == NULL) {
			snprintf(err, errlen, "SNMP: %s (mapping row %zu) has "
			    "no callback", n->mib, i);
			return -1;
		}
		if ((n->access == SA_MAP_READ_WRITE) !=
		    (scalar_of(n)->check != NULL)) {
			snprintf(err, errlen, "SNMP: %s is %s but its "
			    "callback %s", n->mib,
			    sa_map_access_name(n->access), scalar_of(n)->check ?
			    "writes" : "cannot write");
			return -1;
		}
	}
	if (snmp_table_check(err, errlen) != 0)
		return -1;
	return snmp_notify_check(err, errlen);
}
