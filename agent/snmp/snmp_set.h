/*
 * snmp_set.h - the state of one SET request, shared by snmp_set.c (the
 * phases) and snmp_undo.c (what UNDO restores).  SNMP thread only.
 */
#ifndef SA_SNMP_SET_H
#define SA_SNMP_SET_H

#include "snmp.h"

/* What one certificate was before the commit. */
struct snmp_prior {
	unsigned char fp[SA_FP_LEN];
	int existed;
	enum sa_list list;
	enum sa_origin origin;
	int rejected;
	enum sa_reason reason;
	char *peer;		/* owned */
	unsigned char *der;	/* owned */
	size_t der_len;
};

#define SNMP_SET_AFTER_MAX 8

struct snmp_set {
	struct sa_snmp *s;
	struct snmp_write *w;	/* owned, in varbind order */
	size_t nw, cap;
	int done;		/* the mode last run: each runs once */
	char source[80];	/* "snmp" or "snmp:USER", for change events */
	struct sa_txn *txn;	/* staged in RESERVE2 */
	int committed;		/* ACTION committed txn: UNDO has work */
	/* after the commit: provision-now, run-expiry-sweep, check-server */
	size_t after[SNMP_SET_AFTER_MAX];	/* indexes into w */
	size_t nafter;
	/* kept in ACTION before the commit, for UNDO */
	struct snmp_prior *prior;
	size_t nprior;
	char *prior_setting[SA_SET_COUNT];	/* owned, wiped */
};

/* The RPC row whose object is the column col written with value, or NULL. */
const struct sa_map_node *snmp_set_rpc_of(const struct sa_map_node *col,
    long value);

/* Keeps what the request is about to change (before the commit). */
void snmp_undo_keep(struct snmp_set *set);
/* Commits the inverse of the committed transaction; 0 or -1. */
int snmp_undo_run(struct snmp_set *set);
/* Frees what snmp_undo_keep kept. */
void snmp_undo_clear(struct snmp_set *set);

#endif
