/*
 * sa_map.c - the one mapping table between the YANG module
 * secagent-security, SECAGENT-SECURITY-MIB and the core (see sa_map.h).
 *
 * One line per node.  The three certificate tables share their column
 * numbers (1-17 are the same detail in every table, table-specific columns
 * follow), so a front end can serve the details of any list with one
 * function.
 */
#include <stdio.h>
#include <string.h>

#include "sa_map.h"

const unsigned int sa_map_root[] = { 1, 3, 6, 1, 4, 1, 32473, 1 };
const size_t sa_map_root_len = sizeof(sa_map_root) / sizeof(sa_map_root[0]);

/* The OID arcs come last in every row macro, as many as the object needs. */
#define OID(...) .oid = { __VA_ARGS__ }, \
	.oid_len = sizeof((unsigned int[]){ __VA_ARGS__ }) / sizeof(unsigned int)

#define CONTAINER(path, obj, ...) { .kind = SA_MAP_CONTAINER, .yang = path, \
	.mib = obj, .access = SA_MAP_NOT_ACCESSIBLE, OID(__VA_ARGS__) }
/* A YANG container without an SNMP node: its leaves are flattened. */
#define YANG_ONLY(path) { .kind = SA_MAP_CONTAINER, .yang = path, \
	.mib = NULL, .access = SA_MAP_NOT_ACCESSIBLE }
#define SETTING(path, obj, set, par, ...) { .kind = SA_MAP_SCALAR, \
	.yang = path, .mib = obj, .access = SA_MAP_READ_WRITE, \
	.setting = set, .param = par, OID(__VA_ARGS__) }
#define STATE(path, obj, st, ...) { .kind = SA_MAP_SCALAR, .yang = path, \
	.mib = obj, .access = SA_MAP_READ_ONLY, .state = st, OID(__VA_ARGS__) }
/* Read-only everywhere but in the provisioning file, which writes set. */
#define PSTATE(path, obj, st, set, par, ...) { .kind = SA_MAP_SCALAR, \
	.yang = path, .mib = obj, .access = SA_MAP_READ_ONLY, .state = st, \
	.setting = set, .param = par, OID(__VA_ARGS__) }
#define TABLE(l, path, obj, ...) { .kind = SA_MAP_TABLE, .yang = path, \
	.mib = obj, .access = SA_MAP_NOT_ACCESSIBLE, .list = l, \
	OID(__VA_ARGS__) }
#define ENTRY(l, obj, ...) { .kind = SA_MAP_ENTRY, .yang = NULL, .mib = obj, \
	.access = SA_MAP_NOT_ACCESSIBLE, .list = l, OID(__VA_ARGS__) }
#define COLUMN(l, path, obj, acc, f, ...) { .kind = SA_MAP_COLUMN, \
	.yang = path, .mib = obj, .access = acc, .list = l, .field = f, \
	OID(__VA_ARGS__) }
#define RPC(path, obj, o, value, ...) { .kind = SA_MAP_RPC, .yang = path, \
	.mib = obj, .access = SA_MAP_READ_WRITE, .op = o, .mib_value = value, \
	OID(__VA_ARGS__) }
#define NOTIF(path, obj, n, ...) { .kind = SA_MAP_NOTIFICATION, .yang = path, \
	.mib = obj, .access = SA_MAP_NOT_ACCESSIBLE, .notif = n, \
	OID(__VA_ARGS__) }
#define NLEAF(n, path, obj, acc, f, ...) { .kind = SA_MAP_NOTIF_LEAF, \
	.yang = path, .mib = obj, .access = acc, .notif = n, .field = f, \
	OID(__VA_ARGS__) }

#define NA SA_MAP_NOT_ACCESSIBLE
#define NOTIFY SA_MAP_ACCESSIBLE_FOR_NOTIFY
#define RO SA_MAP_READ_ONLY
#define RW SA_MAP_READ_WRITE
#define RC SA_MAP_READ_CREATE

#define CA SA_LIST_CA
#define SRV SA_LIST_SERVER
#define INV SA_LIST_INVALID

#define M "/secagent-security:"
#define SEC M "security"
#define CERTS SEC "/certificates"
#define CAC CERTS "/ca-certificate"
#define SRVC CERTS "/server-certificate"
#define INVC CERTS "/invalid-certificate"
#define HTTP SEC "/http-authentication"
#define PROV SEC "/provisioning"

/* One row per line, however long: a row is read and grepped as a unit. */
/* clang-format off */
const struct sa_map_node sa_map[] = {
	CONTAINER(SEC, "secObjects", 1),
	CONTAINER(CERTS, "secCertificates", 1, 1),
	SETTING(CERTS "/accept-all-certificates", "secAcceptAllCertificates", SA_SET_ACCEPT_ALL, "SystemSettings.global.Security_Certificates_AcceptAllCertificates", 1, 1, 1),
	STATE(CERTS "/invalid-evictions", "secInvalidCertEvictions", SA_STATE_INVALID_EVICTIONS, 1, 1, 10),

	/* CA certificates: the DER is written once, with the row's creation. */
	TABLE(CA, CAC, "secCaCertTable", 1, 1, 2),
	ENTRY(CA, "secCaCertEntry", 1, 1, 2, 1),
	COLUMN(CA, CAC "/fingerprint", "secCaCertFingerprint", NA, SA_FIELD_FINGERPRINT, 1, 1, 2, 1, 1),
	COLUMN(CA, CAC "/cert-data", "secCaCertData", RC, SA_FIELD_CERT_DATA, 1, 1, 2, 1, 2),
	COLUMN(CA, CAC "/origin", "secCaCertOrigin", RO, SA_FIELD_ORIGIN, 1, 1, 2, 1, 3),
	COLUMN(CA, CAC "/status", "secCaCertStatus", RO, SA_FIELD_STATUS, 1, 1, 2, 1, 4),
	YANG_ONLY(CAC "/details"),
	COLUMN(CA, CAC "/details/subject", "secCaCertSubject", RO, SA_FIELD_SUBJECT, 1, 1, 2, 1, 5),
	COLUMN(CA, CAC "/details/issuer", "secCaCertIssuer", RO, SA_FIELD_ISSUER, 1, 1, 2, 1, 6),
	COLUMN(CA, CAC "/details/serial-number", "secCaCertSerialNumber", RO, SA_FIELD_SERIAL, 1, 1, 2, 1, 7),
	COLUMN(CA, CAC "/details/not-before", "secCaCertNotBefore", RO, SA_FIELD_NOT_BEFORE, 1, 1, 2, 1, 8),
	COLUMN(CA, CAC "/details/not-after", "secCaCertNotAfter", RO, SA_FIELD_NOT_AFTER, 1, 1, 2, 1, 9),
	COLUMN(CA, CAC "/details/days-to-expiry", "secCaCertDaysToExpiry", RO, SA_FIELD_DAYS_TO_EXPIRY, 1, 1, 2, 1, 10),
	COLUMN(CA, CAC "/details/signature-algorithm", "secCaCertSignatureAlgorithm", RO, SA_FIELD_SIGNATURE_ALGORITHM, 1, 1, 2, 1, 11),
	COLUMN(CA, CAC "/details/public-key-algorithm", "secCaCertPublicKeyAlgorithm", RO, SA_FIELD_PUBLIC_KEY_ALGORITHM, 1, 1, 2, 1, 12),
	COLUMN(CA, CAC "/details/public-key-bits", "secCaCertPublicKeyBits", RO, SA_FIELD_PUBLIC_KEY_BITS, 1, 1, 2, 1, 13),
	COLUMN(CA, CAC "/details/is-ca", "secCaCertIsCa", RO, SA_FIELD_IS_CA, 1, 1, 2, 1, 14),
	COLUMN(CA, CAC "/details/key-usage", "secCaCertKeyUsage", RO, SA_FIELD_KEY_USAGE, 1, 1, 2, 1, 15),
	COLUMN(CA, CAC "/details/subject-alt-names", "secCaCertSubjectAltNames", RO, SA_FIELD_SUBJECT_ALT_NAMES, 1, 1, 2, 1, 16),
	COLUMN(CA, CAC "/details/sha1-fingerprint", "secCaCertSha1Fingerprint", RO, SA_FIELD_SHA1, 1, 1, 2, 1, 17),
	/* NETCONF creates and deletes list entries with edit-config instead. */
	COLUMN(CA, NULL, "secCaCertRowStatus", RC, SA_FIELD_ROW_STATUS, 1, 1, 2, 1, 18),

	/* Server certificates: as CA, plus the rejected label. */
	TABLE(SRV, SRVC, "secServerCertTable", 1, 1, 3),
	ENTRY(SRV, "secServerCertEntry", 1, 1, 3, 1),
	COLUMN(SRV, SRVC "/fingerprint", "secServerCertFingerprint", NA, SA_FIELD_FINGERPRINT, 1, 1, 3, 1, 1),
	COLUMN(SRV, SRVC "/cert-data", "secServerCertData", RC, SA_FIELD_CERT_DATA, 1, 1, 3, 1, 2),
	COLUMN(SRV, SRVC "/rejected", "secServerCertRejected", RC, SA_FIELD_REJECTED, 1, 1, 3, 1, 19),
	COLUMN(SRV, SRVC "/origin", "secServerCertOrigin", RO, SA_FIELD_ORIGIN, 1, 1, 3, 1, 3),
	COLUMN(SRV, SRVC "/status", "secServerCertStatus", RO, SA_FIELD_STATUS, 1, 1, 3, 1, 4),
	YANG_ONLY(SRVC "/details"),
	COLUMN(SRV, SRVC "/details/subject", "secServerCertSubject", RO, SA_FIELD_SUBJECT, 1, 1, 3, 1, 5),
	COLUMN(SRV, SRVC "/details/issuer", "secServerCertIssuer", RO, SA_FIELD_ISSUER, 1, 1, 3, 1, 6),
	COLUMN(SRV, SRVC "/details/serial-number", "secServerCertSerialNumber", RO, SA_FIELD_SERIAL, 1, 1, 3, 1, 7),
	COLUMN(SRV, SRVC "/details/not-before", "secServerCertNotBefore", RO, SA_FIELD_NOT_BEFORE, 1, 1, 3, 1, 8),
	COLUMN(SRV, SRVC "/details/not-after", "secServerCertNotAfter", RO, SA_FIELD_NOT_AFTER, 1, 1, 3, 1, 9),
	COLUMN(SRV, SRVC "/details/days-to-expiry", "secServerCertDaysToExpiry", RO, SA_FIELD_DAYS_TO_EXPIRY, 1, 1, 3, 1, 10),
	COLUMN(SRV, SRVC "/details/signature-algorithm", "secServerCertSignatureAlgorithm", RO, SA_FIELD_SIGNATURE_ALGORITHM, 1, 1, 3, 1, 11),
	COLUMN(SRV, SRVC "/details/public-key-algorithm", "secServerCertPublicKeyAlgorithm", RO, SA_FIELD_PUBLIC_KEY_ALGORITHM, 1, 1, 3, 1, 12),
	COLUMN(SRV, SRVC "/details/public-key-bits", "secServerCertPublicKeyBits", RO, SA_FIELD_PUBLIC_KEY_BITS, 1, 1, 3, 1, 13),
	COLUMN(SRV, SRVC "/details/is-ca", "secServerCertIsCa", RO, SA_FIELD_IS_CA, 1, 1, 3, 1, 14),
	COLUMN(SRV, SRVC "/details/key-usage", "secServerCertKeyUsage", RO, SA_FIELD_KEY_USAGE, 1, 1, 3, 1, 15),
	COLUMN(SRV, SRVC "/details/subject-alt-names", "secServerCertSubjectAltNames", RO, SA_FIELD_SUBJECT_ALT_NAMES, 1, 1, 3, 1, 16),
	COLUMN(SRV, SRVC "/details/sha1-fingerprint", "secServerCertSha1Fingerprint", RO, SA_FIELD_SHA1, 1, 1, 3, 1, 17),
	COLUMN(SRV, NULL, "secServerCertRowStatus", RC, SA_FIELD_ROW_STATUS, 1, 1, 3, 1, 18),

	/* Invalid certificates: state only; rows leave through the action column. */
	TABLE(INV, INVC, "secInvalidCertTable", 1, 1, 4),
	ENTRY(INV, "secInvalidCertEntry", 1, 1, 4, 1),
	COLUMN(INV, INVC "/fingerprint", "secInvalidCertFingerprint", NA, SA_FIELD_FINGERPRINT, 1, 1, 4, 1, 1),
	COLUMN(INV, INVC "/cert-data", "secInvalidCertData", RO, SA_FIELD_CERT_DATA, 1, 1, 4, 1, 2),
	COLUMN(INV, INVC "/reason", "secInvalidCertReason", RO, SA_FIELD_REASON, 1, 1, 4, 1, 18),
	COLUMN(INV, INVC "/peer", "secInvalidCertPeer", RO, SA_FIELD_PEER, 1, 1, 4, 1, 19),
	COLUMN(INV, INVC "/first-seen", "secInvalidCertFirstSeen", RO, SA_FIELD_FIRST_SEEN, 1, 1, 4, 1, 20),
	COLUMN(INV, INVC "/last-seen", "secInvalidCertLastSeen", RO, SA_FIELD_LAST_SEEN, 1, 1, 4, 1, 21),
	COLUMN(INV, INVC "/seen-count", "secInvalidCertSeenCount", RO, SA_FIELD_SEEN_COUNT, 1, 1, 4, 1, 22),
	COLUMN(INV, INVC "/origin", "secInvalidCertOrigin", RO, SA_FIELD_ORIGIN, 1, 1, 4, 1, 3),
	COLUMN(INV, INVC "/status", "secInvalidCertStatus", RO, SA_FIELD_STATUS, 1, 1, 4, 1, 4),
	YANG_ONLY(INVC "/details"),
	COLUMN(INV, INVC "/details/subject", "secInvalidCertSubject", RO, SA_FIELD_SUBJECT, 1, 1, 4, 1, 5),
	COLUMN(INV, INVC "/details/issuer", "secInvalidCertIssuer", RO, SA_FIELD_ISSUER, 1, 1, 4, 1, 6),
	COLUMN(INV, INVC "/details/serial-number", "secInvalidCertSerialNumber", RO, SA_FIELD_SERIAL, 1, 1, 4, 1, 7),
	COLUMN(INV, INVC "/details/not-before", "secInvalidCertNotBefore", RO, SA_FIELD_NOT_BEFORE, 1, 1, 4, 1, 8),
	COLUMN(INV, INVC "/details/not-after", "secInvalidCertNotAfter", RO, SA_FIELD_NOT_AFTER, 1, 1, 4, 1, 9),
	COLUMN(INV, INVC "/details/days-to-expiry", "secInvalidCertDaysToExpiry", RO, SA_FIELD_DAYS_TO_EXPIRY, 1, 1, 4, 1, 10),
	COLUMN(INV, INVC "/details/signature-algorithm", "secInvalidCertSignatureAlgorithm", RO, SA_FIELD_SIGNATURE_ALGORITHM, 1, 1, 4, 1, 11),
	COLUMN(INV, INVC "/details/public-key-algorithm", "secInvalidCertPublicKeyAlgorithm", RO, SA_FIELD_PUBLIC_KEY_ALGORITHM, 1, 1, 4, 1, 12),
	COLUMN(INV, INVC "/details/public-key-bits", "secInvalidCertPublicKeyBits", RO, SA_FIELD_PUBLIC_KEY_BITS, 1, 1, 4, 1, 13),
	COLUMN(INV, INVC "/details/is-ca", "secInvalidCertIsCa", RO, SA_FIELD_IS_CA, 1, 1, 4, 1, 14),
	COLUMN(INV, INVC "/details/key-usage", "secInvalidCertKeyUsage", RO, SA_FIELD_KEY_USAGE, 1, 1, 4, 1, 15),
	COLUMN(INV, INVC "/details/subject-alt-names", "secInvalidCertSubjectAltNames", RO, SA_FIELD_SUBJECT_ALT_NAMES, 1, 1, 4, 1, 16),
	COLUMN(INV, INVC "/details/sha1-fingerprint", "secInvalidCertSha1Fingerprint", RO, SA_FIELD_SHA1, 1, 1, 4, 1, 17),
	/* SNMP has no RPCs: accept and reject are writes of this column. */
	COLUMN(INV, NULL, "secInvalidCertAction", RW, SA_FIELD_ACTION, 1, 1, 4, 1, 23),

	/* The seed names these parameters; the provisioning file uses them. */
	CONTAINER(HTTP, "secHttpAuthentication", 1, 2),
	SETTING(HTTP "/username", "secHttpAuthUsername", SA_SET_HTTP_USERNAME, "Security.global.HTTPAuthUsername", 1, 2, 1),
	SETTING(HTTP "/password", "secHttpAuthPassword", SA_SET_HTTP_PASSWORD, "Security.global.HTTPAuthPassword", 1, 2, 2),

	/* The provisioning client's own settings are not provisioned. */
	CONTAINER(PROV, "secProvisioning", 1, 3),
	SETTING(PROV "/server-url", "secProvServerUrl", SA_SET_PROV_URL, NULL, 1, 3, 1),
	SETTING(PROV "/interval", "secProvInterval", SA_SET_PROV_INTERVAL, NULL, 1, 3, 2),
	STATE(PROV "/last-attempt", "secProvLastAttempt", SA_STATE_PROV_LAST_ATTEMPT, 1, 3, 3),
	STATE(PROV "/last-success", "secProvLastSuccess", SA_STATE_PROV_LAST_SUCCESS, 1, 3, 4),
	STATE(PROV "/last-result", "secProvLastResult", SA_STATE_PROV_LAST_RESULT, 1, 3, 5),
	STATE(PROV "/last-error", "secProvLastError", SA_STATE_PROV_LAST_ERROR, 1, 3, 6),
	STATE(PROV "/unknown-parameters", "secProvUnknownParameters", SA_STATE_PROV_UNKNOWN_PARAMETERS, 1, 3, 7),
	PSTATE(PROV "/policy-version", "secProvPolicyVersion", SA_STATE_PROV_POLICY_VERSION, SA_SET_POLICY_VERSION, "Security.global.PolicyVersion", 1, 3, 9),

	/* RPCs: import and remove have objects of their own; the value is the input. */
	RPC(M "import-certificate", "secImportCertificate", SA_OP_IMPORT, 0, 1, 1, 5),
	RPC(M "accept-certificate", "secInvalidCertAction", SA_OP_ACCEPT, SA_MAP_ACTION_ACCEPT, 1, 1, 4, 1, 23),
	RPC(M "reject-certificate", "secInvalidCertAction", SA_OP_REJECT, SA_MAP_ACTION_REJECT, 1, 1, 4, 1, 23),
	RPC(M "remove-certificate", "secRemoveCertificate", SA_OP_REMOVE, 0, 1, 1, 6),
	RPC(M "provision-now", "secProvisionNow", SA_OP_PROVISION_NOW, SA_MAP_TRIGGER_START, 1, 3, 8),
	RPC(M "restore-defaults", "secRestoreDefaults", SA_OP_RESTORE_DEFAULTS, SA_MAP_TRIGGER_START, 1, 1, 7),
	RPC(M "run-expiry-sweep", "secRunExpirySweep", SA_OP_RUN_SWEEP, SA_MAP_TRIGGER_START, 1, 1, 8),
	RPC(M "check-server", "secCheckServer", SA_OP_CHECK_SERVER, 0, 1, 1, 9),

	/* Notifications: a column's instance (the fingerprint) names the row. */
	CONTAINER(NULL, "secNotificationObjects", 1, 4),
	NOTIF(M "certificate-invalidated", "secCertificateInvalidated", SA_NOTIF_INVALIDATED, 0, 1),
	NLEAF(SA_NOTIF_INVALIDATED, M "certificate-invalidated/fingerprint", "secInvalidCertFingerprint", NA, SA_FIELD_FINGERPRINT, 1, 1, 4, 1, 1),
	NLEAF(SA_NOTIF_INVALIDATED, M "certificate-invalidated/previous-list", "secNotifPreviousList", NOTIFY, SA_FIELD_PREVIOUS_LIST, 1, 4, 3),
	NLEAF(SA_NOTIF_INVALIDATED, M "certificate-invalidated/reason", "secInvalidCertReason", RO, SA_FIELD_REASON, 1, 1, 4, 1, 18),
	NLEAF(SA_NOTIF_INVALIDATED, M "certificate-invalidated/subject", "secInvalidCertSubject", RO, SA_FIELD_SUBJECT, 1, 1, 4, 1, 5),
	NLEAF(SA_NOTIF_INVALIDATED, M "certificate-invalidated/not-after", "secInvalidCertNotAfter", RO, SA_FIELD_NOT_AFTER, 1, 1, 4, 1, 9),
	NOTIF(M "invalid-certificate-received", "secInvalidCertificateReceived", SA_NOTIF_INVALID_RECEIVED, 0, 2),
	NLEAF(SA_NOTIF_INVALID_RECEIVED, M "invalid-certificate-received/fingerprint", "secInvalidCertFingerprint", NA, SA_FIELD_FINGERPRINT, 1, 1, 4, 1, 1),
	NLEAF(SA_NOTIF_INVALID_RECEIVED, M "invalid-certificate-received/reason", "secInvalidCertReason", RO, SA_FIELD_REASON, 1, 1, 4, 1, 18),
	NLEAF(SA_NOTIF_INVALID_RECEIVED, M "invalid-certificate-received/peer", "secInvalidCertPeer", RO, SA_FIELD_PEER, 1, 1, 4, 1, 19),
	NLEAF(SA_NOTIF_INVALID_RECEIVED, M "invalid-certificate-received/subject", "secInvalidCertSubject", RO, SA_FIELD_SUBJECT, 1, 1, 4, 1, 5),
	/* The row may be in either table: the objects name it themselves. */
	NOTIF(M "certificate-expiring", "secCertificateExpiring", SA_NOTIF_EXPIRING, 0, 3),
	NLEAF(SA_NOTIF_EXPIRING, M "certificate-expiring/fingerprint", "secNotifFingerprint", NOTIFY, SA_FIELD_FINGERPRINT, 1, 4, 1),
	NLEAF(SA_NOTIF_EXPIRING, M "certificate-expiring/list", "secNotifList", NOTIFY, SA_FIELD_LIST, 1, 4, 2),
	NLEAF(SA_NOTIF_EXPIRING, M "certificate-expiring/days-to-expiry", "secNotifDaysToExpiry", NOTIFY, SA_FIELD_DAYS_TO_EXPIRY, 1, 4, 6),
	NLEAF(SA_NOTIF_EXPIRING, M "certificate-expiring/not-after", "secNotifNotAfter", NOTIFY, SA_FIELD_NOT_AFTER, 1, 4, 5),
	NLEAF(SA_NOTIF_EXPIRING, M "certificate-expiring/subject", "secNotifSubject", NOTIFY, SA_FIELD_SUBJECT, 1, 4, 4),
};
/* clang-format on */

const size_t sa_map_len = sizeof(sa_map) / sizeof(sa_map[0]);

/* Rows of these kinds only point at an object that another row may own. */
static int
is_reference(const struct sa_map_node *n)
{
	return n->kind == SA_MAP_RPC || n->kind == SA_MAP_NOTIF_LEAF;
}

const struct sa_map_node *
sa_map_by_yang(const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < sa_map_len; i++)
		if (sa_map[i].yang != NULL && strcmp(sa_map[i].yang, path) == 0)
			return &sa_map[i];
	return NULL;
}

const struct sa_map_node *
sa_map_by_mib(const char *name)
{
	const struct sa_map_node *first = NULL;
	size_t i;

	for (i = 0; name != NULL && i < sa_map_len; i++) {
		if (sa_map[i].mib == NULL || strcmp(sa_map[i].mib, name) != 0)
			continue;
		if (!is_reference(&sa_map[i]))
			return &sa_map[i];
		if (first == NULL)
			first = &sa_map[i];
	}
	return first;
}

static int
oid_equal(const struct sa_map_node *n, const unsigned int *oid, size_t len)
{
	return n->oid_len == len &&
	    memcmp(n->oid, oid, len * sizeof(oid[0])) == 0;
}

const char *
sa_map_kind_name(enum sa_map_kind k)
{
	static const char *const names[] = {
		"container", "scalar", "table", "entry", "column", "rpc",
		"notification", "notification leaf",
	};

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *
sa_map_access_name(enum sa_map_access a)
{
	static const char *const names[] = {
		"not-accessible", "accessible-for-notify", "read-only",
		"read-write", "read-create",
	};

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

static int
fail(char *err, size_t errlen, const struct sa_map_node *n,
    const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "mapping row %u (%s): %s",
		    (unsigned int)(n - sa_map), n->yang != NULL ? n->yang :
		    n->mib != NULL ? n->mib : "?", what);
	return SA_ERR_INCONSISTENT;
}

/* A column's OID is its table's entry plus one arc. */
static int
column_under_entry(const struct sa_map_node *col)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++)
		if (sa_map[i].kind == SA_MAP_ENTRY &&
		    sa_map[i].list == col->list)
			return col->oid_len == sa_map[i].oid_len + 1 &&
			    memcmp(col->oid, sa_map[i].oid,
			    sa_map[i].oid_len * sizeof(col->oid[0])) == 0;
	return 0;
}

static int
check_row(const struct sa_map_node *n, char *err, size_t errlen)
{
	if (n->yang == NULL && n->mib == NULL)
		return fail(err, errlen, n, "names neither a YANG node nor a "
		    "MIB object");
	if (n->mib == NULL && n->oid_len != 0)
		return fail(err, errlen, n, "an OID without a MIB object");
	if (n->mib != NULL && (n->oid_len == 0 || n->oid_len > SA_MAP_OID_MAX))
		return fail(err, errlen, n, "a MIB object without a valid OID");
	if (n->kind == SA_MAP_COLUMN && !column_under_entry(n))
		return fail(err, errlen, n, "column not under its table's "
		    "entry");
	if (n->kind == SA_MAP_RPC && n->access != SA_MAP_READ_WRITE)
		return fail(err, errlen, n, "an rpc's object must be "
		    "read-write");
	if (n->param != NULL && n->kind != SA_MAP_SCALAR)
		return fail(err, errlen, n, "a provisioning parameter on a "
		    "node that is not a scalar");
	if (n->param != NULL && n->state != SA_STATE_NONE &&
	    !sa_setting_is_provisioned_only(n->setting))
		return fail(err, errlen, n, "a read-only parameter must be a "
		    "setting that only the provisioning file writes");
	return 0;
}

/* The duplicates of n among the rows after it. */
static int
check_pair(const struct sa_map_node *n, const struct sa_map_node *m,
    char *err, size_t errlen)
{
	char what[160];
	int same_mib;

	if (n->yang != NULL && m->yang != NULL && strcmp(n->yang, m->yang) == 0)
		return fail(err, errlen, m, "duplicate YANG path");
	if (n->mib == NULL || m->mib == NULL)
		return 0;
	same_mib = strcmp(n->mib, m->mib) == 0;
	if (same_mib && !is_reference(n) && !is_reference(m))
		return fail(err, errlen, m, "duplicate MIB object");
	if (same_mib && (!oid_equal(n, m->oid, m->oid_len) ||
	    n->access != m->access)) {
		snprintf(what, sizeof(what), "%s has another OID or access in "
		    "row %u", m->mib, (unsigned int)(n - sa_map));
		return fail(err, errlen, m, what);
	}
	if (!same_mib && oid_equal(n, m->oid, m->oid_len)) {
		snprintf(what, sizeof(what), "duplicate OID: %s and %s",
		    n->mib, m->mib);
		return fail(err, errlen, m, what);
	}
	return 0;
}

int
sa_map_validate(char *err, size_t errlen)
{
	size_t i, j;
	int r;

	if (err != NULL && errlen > 0)
		*err = '\0';
	for (i = 0; i < sa_map_len; i++) {
		if ((r = check_row(&sa_map[i], err, errlen)) != 0)
			return r;
		for (j = i + 1; j < sa_map_len; j++)
			if ((r = check_pair(&sa_map[i], &sa_map[j], err,
			    errlen)) != 0)
				return r;
	}
	return 0;
}
