/*
 * sa_map.h - the one mapping table: each node of the YANG module
 * secagent-security, its object in SECAGENT-SECURITY-MIB, the core call
 * behind it and, where it has one, its auto-provisioning parameter.
 *
 * Both front ends are driven by this table: the NETCONF server finds a
 * node's accessor by its schema path, the SNMP agent registers every
 * object from the OIDs here.  tests/models/map_check proves that the
 * table, the YANG module and the MIB cover the same nodes.
 *
 * Plain C: no libyang or Net-SNMP types, so every front end, tool and test
 * can use it.  Everything here is static and read-only; nothing is freed.
 *
 * Paths are libyang's lysc_path(node, LYSC_PATH_DATA, ...) form: the first
 * node prefixed by the module name, no choice or case, no input or output,
 * no key predicates, e.g.
 *   /secagent-security:security/certificates/ca-certificate/details/subject
 *   /secagent-security:certificate-expiring/days-to-expiry
 *
 * OIDs are relative to sa_map_root (secagentSecurityMIB), so moving the MIB
 * under another enterprise number changes sa_map_root and nothing else.
 */
#ifndef SA_MAP_H
#define SA_MAP_H

#include <stddef.h>

#include "../src/sa_store.h"

#define SA_MAP_YANG_MODULE "secagent-security"
#define SA_MAP_YANG_NAMESPACE "urn:secagent:yang:secagent-security"
#define SA_MAP_MIB_MODULE "SECAGENT-SECURITY-MIB"
#define SA_MAP_OID_MAX 8	/* arcs below the root; columns need 5 */

/* secagentSecurityMIB: 1.3.6.1.4.1.32473.1 (documentation PEN, RFC 5612). */
extern const unsigned int sa_map_root[];
extern const size_t sa_map_root_len;

enum sa_map_kind {
	SA_MAP_CONTAINER,	/* YANG container; OBJECT IDENTIFIER subtree */
	SA_MAP_SCALAR,		/* leaf outside a list; scalar object (.0) */
	SA_MAP_TABLE,		/* list; conceptual table */
	SA_MAP_ENTRY,		/* SNMP only: the table's conceptual row */
	SA_MAP_COLUMN,		/* leaf of a list; column */
	SA_MAP_RPC,		/* rpc; the object a manager writes instead */
	SA_MAP_NOTIFICATION,	/* notification; NOTIFICATION-TYPE */
	SA_MAP_NOTIF_LEAF,	/* leaf of a notification; its varbind */
};

/* MAX-ACCESS of the MIB object. */
enum sa_map_access {
	SA_MAP_NOT_ACCESSIBLE,	/* indexes, tables, entries, subtrees */
	SA_MAP_ACCESSIBLE_FOR_NOTIFY,
	SA_MAP_READ_ONLY,
	SA_MAP_READ_WRITE,
	SA_MAP_READ_CREATE,
};

/*
 * What a column reads or writes in a certificate entry (struct sa_entry,
 * or struct sa_details for the details), and what a notification leaf
 * carries (struct sa_event).
 */
enum sa_field {
	SA_FIELD_NONE,
	SA_FIELD_FINGERPRINT,		/* index: 32 octets / 64 hex digits */
	SA_FIELD_CERT_DATA,		/* DER */
	SA_FIELD_ORIGIN,
	SA_FIELD_STATUS,		/* sa_entry_status() at the clock */
	SA_FIELD_REJECTED,
	SA_FIELD_REASON,
	SA_FIELD_PEER,
	SA_FIELD_FIRST_SEEN,
	SA_FIELD_LAST_SEEN,
	SA_FIELD_SEEN_COUNT,
	SA_FIELD_SUBJECT,
	SA_FIELD_ISSUER,
	SA_FIELD_SERIAL,
	SA_FIELD_NOT_BEFORE,
	SA_FIELD_NOT_AFTER,
	SA_FIELD_DAYS_TO_EXPIRY,	/* sa_days_until(not_after, now) */
	SA_FIELD_SIGNATURE_ALGORITHM,
	SA_FIELD_PUBLIC_KEY_ALGORITHM,
	SA_FIELD_PUBLIC_KEY_BITS,
	SA_FIELD_IS_CA,
	SA_FIELD_KEY_USAGE,
	SA_FIELD_SUBJECT_ALT_NAMES,
	SA_FIELD_SHA1,
	SA_FIELD_ROW_STATUS,		/* SNMP only: createAndGo, destroy */
	SA_FIELD_ACTION,		/* SNMP only: none, accept, reject */
	SA_FIELD_LIST,			/* notifications: the list it is in */
	SA_FIELD_PREVIOUS_LIST,		/* notifications: the list it left */
};

/* Read-only scalars that are not settings: the provisioning client's state,
 * the store's counters. */
enum sa_state {
	SA_STATE_NONE,			/* a setting: see .setting */
	SA_STATE_PROV_LAST_ATTEMPT,
	SA_STATE_PROV_LAST_SUCCESS,
	SA_STATE_PROV_LAST_RESULT,
	SA_STATE_PROV_LAST_ERROR,
	SA_STATE_PROV_UNKNOWN_PARAMETERS,
	SA_STATE_PROV_POLICY_VERSION,	/* SA_SET_POLICY_VERSION, read-only */
	SA_STATE_INVALID_EVICTIONS,	/* sa_store_invalid_evictions() */
};

/* The operations behind the RPCs. */
enum sa_op {
	SA_OP_NONE,
	SA_OP_IMPORT,		/* sa_txn_import() */
	SA_OP_ACCEPT,		/* sa_txn_accept() */
	SA_OP_REJECT,		/* sa_txn_reject() */
	SA_OP_REMOVE,		/* sa_txn_remove() */
	SA_OP_PROVISION_NOW,	/* the provisioning client, synchronously */
	SA_OP_RESTORE_DEFAULTS,	/* sa_txn_restore_defaults() */
	SA_OP_RUN_SWEEP,	/* sa_store_sweep() */
	SA_OP_CHECK_SERVER,	/* a TLS connection under sa_tls (input: HOST:PORT) */
};

/* The notifications, and the core events that raise them. */
enum sa_notif {
	SA_NOTIF_NONE,
	SA_NOTIF_INVALIDATED,		/* SA_EV_MOVED to Invalid, sweep */
	SA_NOTIF_INVALID_RECEIVED,	/* a TLS peer's certificate recorded */
	SA_NOTIF_EXPIRING,		/* SA_EV_EXPIRING */
};

/*
 * One node.  Which accessor member is meaningful depends on kind:
 *   SCALAR        state, or setting when state is SA_STATE_NONE; a
 *                 state with a param is a setting that only the
 *                 provisioning file writes (the policy version)
 *   TABLE, ENTRY  list
 *   COLUMN        list and field
 *   RPC           op; mib_value is the value written to mib (0: the
 *                 object takes the rpc's input itself: the file for
 *                 import, the fingerprint for remove)
 *   NOTIFICATION  notif
 *   NOTIF_LEAF    notif and field
 * Rows of kind RPC and NOTIF_LEAF may name an object that another row
 * owns (accept and reject write secInvalidCertAction; notifications carry
 * table columns): the same descriptor then has the same OID and access.
 */
struct sa_map_node {
	enum sa_map_kind kind;
	const char *yang;	/* schema path; NULL: SNMP only */
	const char *mib;	/* MIB descriptor; NULL: NETCONF only */
	unsigned int oid[SA_MAP_OID_MAX];	/* below sa_map_root */
	size_t oid_len;		/* 0 when mib is NULL */
	enum sa_map_access access;
	enum sa_list list;
	enum sa_setting setting;
	enum sa_state state;
	enum sa_field field;
	enum sa_op op;
	enum sa_notif notif;
	int mib_value;
	const char *param;	/* auto-provisioning parameter, or NULL */
};

/* The table, in YANG schema order. */
extern const struct sa_map_node sa_map[];
extern const size_t sa_map_len;

/*
 * SNMP enumeration values of the core's vocabularies (the TCs SecCertList,
 * SecCertStatus, SecCertOrigin, SecCertReason, and the YANG enum values):
 * list, status and origin start at 1, reason is the core's number
 * (SA_REASON_NONE has no SNMP value).
 */
#define SA_MAP_SNMP_LIST(l)	((int)(l) + 1)
#define SA_MAP_SNMP_STATUS(s)	((int)(s) + 1)
#define SA_MAP_SNMP_ORIGIN(o)	((int)(o) + 1)
#define SA_MAP_SNMP_REASON(r)	((int)(r))

/* secInvalidCertAction, secProvisionNow, secProvLastResult values. */
enum sa_map_action { SA_MAP_ACTION_NONE = 1, SA_MAP_ACTION_ACCEPT = 2,
	SA_MAP_ACTION_REJECT = 3 };
enum sa_map_trigger { SA_MAP_TRIGGER_IDLE = 1, SA_MAP_TRIGGER_START = 2,
	SA_MAP_TRIGGER_RUNNING = 3 };
/* secRestoreDefaults and secRunExpirySweep use the first two values;
 * secProvisionNow reads running(3) while an attempt is under way. */
enum sa_map_result { SA_MAP_RESULT_NONE = 1, SA_MAP_RESULT_SUCCESS = 2,
	SA_MAP_RESULT_FAILED = 3 };

/* The row of a schema path (LYSC_PATH_DATA form), or NULL. */
const struct sa_map_node *sa_map_by_yang(const char *path);

/*
 * The row that owns a MIB descriptor, or NULL: the one row that is not an
 * RPC or notification leaf, else the first row naming it.
 */
const struct sa_map_node *sa_map_by_mib(const char *name);

/* "container", "scalar", ...; "read-only", ... as the SMI spells them. */
const char *sa_map_kind_name(enum sa_map_kind k);
const char *sa_map_access_name(enum sa_map_access a);

/*
 * Checks the table itself: every row names a YANG node or a MIB object,
 * no path twice, no descriptor owned twice, no OID under two descriptors,
 * one OID and access per descriptor, columns under their table's entry.
 * Returns 0, or SA_ERR_INCONSISTENT with the first problem in err: a
 * start-up error in every front end.
 */
int sa_map_validate(char *err, size_t errlen);

#endif
