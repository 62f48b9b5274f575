/*
 * sa_txn_int.h - the inside of a transaction (internal): the staged
 * operations and the plan made from them.
 *
 * Staging (sa_txn_*) only checks each operation's own input.  Planning
 * (sa_plan.c) runs the operations in order against a view of the store
 * (the store overlaid with the changes planned so far) and produces one
 * sa_change per fingerprint touched, the new setting values and the
 * results.  Commit (sa_txn.c) writes the plan to the journal, then applies
 * it, which cannot fail.
 */
#ifndef SA_TXN_INT_H
#define SA_TXN_INT_H

#include "sa_store_int.h"

enum sa_op_kind {
	OP_IMPORT, OP_ADD, OP_ACCEPT, OP_REJECT, OP_REMOVE, OP_SET_REJECTED,
	OP_SET, OP_RESTORE, OP_RECORD, OP_CLEAR, OP_EXPIRE, OP_WARN,
};

/* A certificate of a file by the hash of its subject (issuer lookups). */
struct sa_subject_ref {
	unsigned long hash;
	size_t index;
};

struct sa_txn_op {
	enum sa_op_kind kind;
	unsigned char fp[SA_FP_LEN];
	enum sa_list list;
	enum sa_origin origin;
	int flag;			/* rejected, or days for OP_WARN */
	enum sa_setting setting;
	char *value;			/* OP_SET (wiped when freed) */
	struct sa_parsed_set certs;	/* IMPORT, RESTORE, ADD, RECORD */
	struct sa_subject_ref *subjects; /* certs by subject hash, sorted */
	enum sa_reason reason;		/* RECORD */
	char *peer;			/* RECORD */
};

#define SA_ISSUER_CACHE 16

struct sa_txn {
	struct sa_store *st;
	char *source;
	uint64_t holder;	/* acts for this holder of the store */
	int internal;		/* the device's own record: never held off */
	struct sa_txn_op *ops;
	size_t nops;
	int committed;
	/* the plan */
	time_t now;
	struct sa_change *changes;
	size_t nchanges;
	size_t cap_changes;
	size_t *slots;			/* fp hash: change index + 1, 0 = empty */
	size_t nslots;
	char *settings[SA_SET_COUNT];	/* new values, NULL = unchanged */
	struct sa_txn_result *results;
	size_t nresults;
	size_t cap_results;
	size_t evicted;		/* Invalid entries the cap removes */
	/* parsed CA certificates of the store, for signature checks */
	struct {
		unsigned char fp[SA_FP_LEN];
		X509 *x509;
	} issuers[SA_ISSUER_CACHE];
	size_t issuer_next;
};

/* sa_txn.c: the sweep's own operations */
int sa_txn_expire(struct sa_txn *t, const unsigned char fp[SA_FP_LEN]);
int sa_txn_warn(struct sa_txn *t, const unsigned char fp[SA_FP_LEN], int days);

/* sa_plan.c */
/* Runs every staged operation into a fresh plan; 0 or an error code. */
int sa_plan(struct sa_txn *t, char *err, size_t errlen);
/* Forgets the plan (frees planned nodes and values). */
void sa_plan_reset(struct sa_txn *t);
/* The change planned for fp, or NULL. */
struct sa_change *sa_plan_change(const struct sa_txn *t,
    const unsigned char fp[SA_FP_LEN]);

#endif
