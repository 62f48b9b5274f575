/*
 * sa_store.h - the trust store: three certificate lists, the settings of the
 * "System Security" page, transactions, persistence and change events.
 *
 * All state hangs off one opaque struct sa_store.  It is thread-safe: reads
 * take the read lock (sa_store_rdlock/sa_store_unlock) for as long as they
 * hold borrowed entry pointers; every change goes through a transaction
 * (struct sa_txn) that is validated as a whole, made durable, then applied
 * in memory, so a change is all or nothing.
 */
#ifndef SA_STORE_H
#define SA_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sa_cert.h"
#include "sa_err.h"

enum sa_list { SA_LIST_CA, SA_LIST_SERVER, SA_LIST_INVALID };
#define SA_LIST_COUNT 3

enum sa_status { SA_STATUS_VALID, SA_STATUS_EXPIRED, SA_STATUS_NOT_YET_VALID };

enum sa_origin {
	SA_ORIGIN_FACTORY,
	SA_ORIGIN_IMPORTED,
	SA_ORIGIN_ACCEPTED,
	SA_ORIGIN_CONFIGURED,
	SA_ORIGIN_PROVISIONED,
	SA_ORIGIN_RECEIVED,
};
#define SA_ORIGIN_COUNT 6

enum sa_reason {
	SA_REASON_NONE,
	SA_REASON_EXPIRED,
	SA_REASON_NOT_YET_VALID,
	SA_REASON_UNKNOWN_ISSUER,
	SA_REASON_BAD_SIGNATURE,
	SA_REASON_HOSTNAME_MISMATCH,
	SA_REASON_OTHER,
	SA_REASON_REJECTED,
};
#define SA_REASON_COUNT 8

/* The scalar settings; values are strings on every interface. */
enum sa_setting {
	SA_SET_ACCEPT_ALL,	/* "true" | "false" */
	SA_SET_HTTP_USERNAME,	/* 0..74 characters */
	SA_SET_HTTP_PASSWORD,	/* 0..74 characters, never readable */
	SA_SET_PROV_URL,	/* provisioning server URL, "" = none */
	SA_SET_PROV_INTERVAL,	/* seconds between fetches, 0 = on demand */
	SA_SET_POLICY_VERSION,	/* of the last provisioning file applied */
};
#define SA_SET_COUNT 6

#define SA_POLICY_VERSION_MAX 64	/* characters: printable ASCII, no space */

#define SA_CRED_MAX 74		/* characters, from the seed */

/* Names used on every interface ("ca", "expired", "imported", ...). */
const char *sa_list_name(enum sa_list l);
const char *sa_status_name(enum sa_status s);
const char *sa_origin_name(enum sa_origin o);
const char *sa_reason_name(enum sa_reason r);
const char *sa_setting_name(enum sa_setting s);
/* Reverse lookups: 0 and *out set, or SA_ERR_INVALID. */
int sa_list_from_name(const char *name, enum sa_list *out);
int sa_reason_from_name(const char *name, enum sa_reason *out);
int sa_setting_from_name(const char *name, enum sa_setting *out);

/*
 * Checks a setting value without a store; "true"/"false" also accept
 * "1"/"0" and are normalised by sa_txn_set().  Returns 0, SA_ERR_INVALID
 * or SA_ERR_TOO_LONG with a reason in err.
 */
int sa_setting_check(enum sa_setting s, const char *value, char *err,
    size_t errlen);
/* Non-zero for the settings no interface may read back. */
int sa_setting_is_secret(enum sa_setting s);
/*
 * Non-zero for the settings that only a provisioning file writes (the
 * policy version): read-only on every other interface.
 */
int sa_setting_is_provisioned_only(enum sa_setting s);

/*
 * One certificate of a list.  Read-only for everyone but the store; valid
 * while the caller holds the read lock.
 */
struct sa_entry {
	unsigned char fp[SA_FP_LEN];
	enum sa_list list;
	enum sa_origin origin;
	int rejected;		/* Server list: refuse this certificate */
	unsigned char *der;
	size_t der_len;
	char *subject;		/* RFC 2253, UTF-8 */
	char *issuer;
	time_t not_before;
	time_t not_after;
	int is_ca;		/* basicConstraints CA:TRUE */
	unsigned long subject_hash;	/* X509_NAME_hash_ex, as -CApath */
	unsigned long issuer_hash;
	/* the rest of the details, extracted once at import */
	char *serial;
	char *signature_algorithm;
	char *public_key_algorithm;
	int public_key_bits;
	char *key_usage;
	char *subject_alt_names;
	char sha1[41];
	time_t added;		/* entered its current list */
	/* Invalid list */
	enum sa_reason reason;
	char *peer;		/* "host:port" of the server that sent it, or NULL */
	time_t first_seen;
	time_t last_seen;
	uint64_t seen_count;
	/* expiry warnings: smallest threshold (days) already announced, 0 = none */
	int warned_days;
};

/*
 * The details of an entry as struct sa_details (copies, freed with
 * sa_details_clear).  Returns 0 or SA_ERR_NOMEM.
 */
int sa_entry_details(const struct sa_entry *e, struct sa_details *d);

/* The status of an entry at time now (from its validity period). */
enum sa_status sa_entry_status(const struct sa_entry *e, time_t now);
/*
 * Non-zero when the expiry sweep leaves the entry alone: accepted,
 * configured or provisioned (the operator's intent), or rejected.
 */
int sa_entry_is_sticky(const struct sa_entry *e);

struct sa_store;

struct sa_store_opts {
	/*
	 * Factory bundle (PEM) for a new state directory and restore-defaults.
	 * NULL: the seed's roots taken from Debian's ca-certificates bundle.
	 */
	const char *factory_bundle;
	int read_only;		/* no lock, no writes (inspection) */
	/* Clock; NULL = time(NULL).  Tests move time with it. */
	time_t (*clock)(void *arg);
	void *clock_arg;
	/* Reports what was skipped while loading (foreign files, bad records). */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* The most entries of the Invalid list; 0: SA_INVALID_MAX_DEFAULT. */
	size_t invalid_max;
};

/*
 * The Invalid list is capped: a transaction that adds to it and would
 * leave more than invalid_max entries there also removes the oldest by
 * last-seen (then first-seen, then fingerprint), in the same durable
 * commit, those it writes itself last.  Each such removal is an eviction
 * (a change event SA_EV_REMOVED with SA_CAUSE_EVICT).
 */
#define SA_INVALID_MAX_DEFAULT 1000

/*
 * Opens (creating when missing) the state directory dir and loads it.
 * The directory must belong to the effective uid and be writable by no
 * one else, and no file of it is a symbolic link (sa_file.h); otherwise
 * SA_ERR_IO says which and why.  A writer takes the directory's lock: a
 * second writer gets SA_ERR_LOCKED.  A new directory starts with the
 * factory defaults.  opts may be NULL.
 */
int sa_store_open(const char *dir, const struct sa_store_opts *opts,
    struct sa_store **out, char *err, size_t errlen);
/* Closes and frees; accepts NULL.  Secrets are wiped. */
void sa_store_free(struct sa_store *st);

/* The store's clock. */
time_t sa_store_now(const struct sa_store *st);
/* The state directory (borrowed). */
const char *sa_store_dir(const struct sa_store *st);
/*
 * The state directory, open and checked (borrowed: valid until
 * sa_store_free).  The front ends open their own files in it relative to
 * this fd, with sa_file.h.
 */
int sa_store_dir_fd(const struct sa_store *st);
/*
 * Counts every commit; a front end's cache is fresh while it is unchanged.
 * Read it under the read lock (sa_store_rdlock), in the same hold as the
 * cache is used: read before, a commit could free what the cache points at
 * and leave the generation the cache was built for.
 */
uint64_t sa_store_generation(const struct sa_store *st);
/* Changes the cap of the Invalid list (0: the default) from the next commit. */
void sa_store_set_invalid_max(struct sa_store *st, size_t max);
/* Invalid entries evicted by the cap since the store was opened. */
uint64_t sa_store_invalid_evictions(struct sa_store *st);

void sa_store_rdlock(struct sa_store *st);
void sa_store_unlock(struct sa_store *st);

/* Lookups under the read lock; results are borrowed.  O(log n). */
const struct sa_entry *sa_store_find(struct sa_store *st,
    const unsigned char fp[SA_FP_LEN]);
/*
 * Finds by a hex prefix of the fingerprint (at least 4 digits).  Returns 0
 * and *out, or SA_ERR_NOT_FOUND / SA_ERR_AMBIGUOUS / SA_ERR_INVALID.
 */
int sa_store_find_prefix(struct sa_store *st, const char *hex,
    const struct sa_entry **out, char *err, size_t errlen);
size_t sa_store_count(struct sa_store *st, enum sa_list l);
/* Iteration in fingerprint order. */
const struct sa_entry *sa_store_first(struct sa_store *st, enum sa_list l);
const struct sa_entry *sa_store_next(struct sa_store *st,
    const struct sa_entry *e);
/* The first entry of l whose fingerprint is greater than fp (GETNEXT). */
const struct sa_entry *sa_store_after(struct sa_store *st, enum sa_list l,
    const unsigned char fp[SA_FP_LEN]);

/*
 * A copy of a setting's value; the caller frees.  Secrets are refused with
 * SA_ERR_DENIED: only sa_store_get_secret() reads them, for the device's
 * own use (the provisioning client); wipe the copy before freeing it.
 */
int sa_store_get(struct sa_store *st, enum sa_setting s, char **value);
int sa_store_get_secret(struct sa_store *st, enum sa_setting s,
    char **value);
/* Non-zero when accept-all-certificates is on. */
int sa_store_accept_all(struct sa_store *st);

/*
 * An exclusive hold on configuration changes, the way a NETCONF <lock> on
 * running works: while holder (non-zero) holds it, transactions that change
 * the configuration commit only when they act for that holder
 * (sa_txn_set_holder); the others get SA_ERR_LOCKED.  The device's own
 * records (a TLS peer's certificate, the expiry sweep) are not held off.
 */
int sa_store_hold(struct sa_store *st, uint64_t holder, char *err,
    size_t errlen);
/* Releases the hold if holder has it. */
void sa_store_release(struct sa_store *st, uint64_t holder);
/* The holder, 0 when nobody holds the configuration. */
uint64_t sa_store_holder(struct sa_store *st);

/* ---- transactions ---- */

/* What happened to one certificate of a transaction (an import's answer). */
struct sa_txn_result {
	unsigned char fp[SA_FP_LEN];
	enum sa_list list;	/* where it is now */
	enum sa_reason reason;	/* why, when list is SA_LIST_INVALID */
	int existed;		/* it was already there: nothing changed */
};

struct sa_txn;

/*
 * A new empty transaction on st.  source names who asks ("netconf:admin",
 * "snmp", "cli", ...) for change events; it is copied; may be NULL.
 */
struct sa_txn *sa_txn_new(struct sa_store *st, const char *source);
void sa_txn_free(struct sa_txn *t);
/*
 * The transaction acts for holder (see sa_store_hold).  SA_HOLDER_ANY: it
 * acts for whoever holds the configuration, for a change the device owes
 * to the holder's protocol itself (the rollback of a NETCONF confirmed
 * commit that was not confirmed).
 */
#define SA_HOLDER_ANY UINT64_MAX
void sa_txn_set_holder(struct sa_txn *t, uint64_t holder);

/*
 * Staging.  Each call checks its own input at once (malformed certificate,
 * bad fingerprint, bad value) and returns an error without staging
 * anything; checks against the store happen in sa_txn_check/commit.
 */
/* Import a file (PEM, DER, bundle): each certificate to CA, Server or Invalid. */
int sa_txn_import(struct sa_txn *t, const unsigned char *buf, size_t len,
    enum sa_origin origin, char *err, size_t errlen);
/*
 * Configure an explicit entry of l (CA or Server) from DER: the operator's
 * intent, kept like an accepted one.  A CA certificate in the Server list
 * or the other way round is SA_ERR_INCONSISTENT.  If fp is not NULL it must
 * be the fingerprint of der.  An entry already in l is SA_ERR_EXISTS; one in
 * another list moves.
 */
int sa_txn_add(struct sa_txn *t, enum sa_list l, const unsigned char *der,
    size_t len, const unsigned char *fp, int rejected, enum sa_origin origin,
    char *err, size_t errlen);
/* Accept / reject an Invalid entry; remove an entry of any list. */
int sa_txn_accept(struct sa_txn *t, const unsigned char fp[SA_FP_LEN]);
int sa_txn_reject(struct sa_txn *t, const unsigned char fp[SA_FP_LEN]);
int sa_txn_remove(struct sa_txn *t, const unsigned char fp[SA_FP_LEN]);
/* Set or clear the rejected label of a Server entry. */
int sa_txn_set_rejected(struct sa_txn *t, const unsigned char fp[SA_FP_LEN],
    int rejected);
/* Set a setting (values as sa_setting_check). */
int sa_txn_set(struct sa_txn *t, enum sa_setting s, const char *value,
    char *err, size_t errlen);
/* Put the factory CA certificates back. */
int sa_txn_restore_defaults(struct sa_txn *t, char *err, size_t errlen);
/*
 * Record a certificate a TLS peer presented that failed the check: added to
 * Invalid, or its Invalid entry updated (last seen, count, peer, reason).
 * peer is text under the escaping rule of sa_text.h (the TLS check escapes
 * the peer it is given); a peer with anything the rule escapes is escaped.
 */
int sa_txn_record_invalid(struct sa_txn *t, const unsigned char *der,
    size_t len, enum sa_reason reason, const char *peer);
/* Remove every entry of l (a replace of the whole list). */
int sa_txn_clear_list(struct sa_txn *t, enum sa_list l);

/* Number of staged operations. */
size_t sa_txn_size(const struct sa_txn *t);

/*
 * Validates the whole transaction against the current store without
 * changing anything (NETCONF test-only, SNMP RESERVE2).
 */
int sa_txn_check(struct sa_txn *t, char *err, size_t errlen);

/*
 * Validates, writes durably (fsync before return) and applies the whole
 * transaction, then tells subscribers.  On any error nothing changed.  A
 * transaction is committed once.
 */
int sa_txn_commit(struct sa_txn *t, char *err, size_t errlen);

/* After a successful check or commit: one result per certificate touched. */
size_t sa_txn_result_count(const struct sa_txn *t);
const struct sa_txn_result *sa_txn_result(const struct sa_txn *t, size_t i);

/*
 * The expiry sweep at the store's clock: moves expired CA and Server
 * entries that are not sticky to Invalid (reason expired), announces
 * entries whose expiry passes 30, 14, 7 or 1 days.  Returns 0 or an error.
 */
int sa_store_sweep(struct sa_store *st, char *err, size_t errlen);

/* Thresholds of the expiry warnings, in days, descending. */
extern const int sa_expiry_warn_days[4];

/* ---- change events ---- */

enum sa_event_kind {
	SA_EV_ADDED,		/* an entry entered list */
	SA_EV_REMOVED,		/* an entry left old_list for good */
	SA_EV_MOVED,		/* from old_list to list */
	SA_EV_CHANGED,		/* same list, new attributes (rejected, seen) */
	SA_EV_SETTING,		/* setting changed */
	SA_EV_EXPIRING,		/* days left before not_after */
	SA_EV_COMMIT,		/* end of one transaction's events */
};

enum sa_cause {
	SA_CAUSE_IMPORT,
	SA_CAUSE_CONFIGURE,
	SA_CAUSE_ACCEPT,
	SA_CAUSE_REJECT,
	SA_CAUSE_REMOVE,
	SA_CAUSE_SETTING,
	SA_CAUSE_RESTORE,
	SA_CAUSE_SWEEP,
	SA_CAUSE_TLS,		/* a TLS peer presented it */
	SA_CAUSE_EVICT,		/* the Invalid list was full (invalid_max) */
};

/* One change; every pointer is borrowed for the duration of the callback. */
struct sa_event {
	enum sa_event_kind kind;
	enum sa_cause cause;
	uint64_t seq;		/* the transaction's sequence number */
	const char *source;	/* who asked (sa_txn_new), may be NULL */
	/* entries */
	unsigned char fp[SA_FP_LEN];
	enum sa_list list;
	enum sa_list old_list;
	enum sa_reason reason;
	const char *subject;
	const char *peer;
	time_t not_after;
	long days;		/* SA_EV_EXPIRING */
	/* settings */
	enum sa_setting setting;
	size_t count;		/* SA_EV_COMMIT: number of changes */
};

typedef void sa_event_cb(const struct sa_event *ev, void *arg);

/*
 * Subscribes cb to every change.  Callbacks run in the committing thread,
 * in commit order, after the store is unlocked: they may read the store but
 * must not commit.  Returns an id for sa_store_unsubscribe, or -1.
 */
int sa_store_subscribe(struct sa_store *st, sa_event_cb *cb, void *arg);
/* After it returns, cb is not running and is never called again.  Not from
 * inside a callback. */
void sa_store_unsubscribe(struct sa_store *st, int id);

#endif
