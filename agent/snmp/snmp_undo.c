/*
 * snmp_undo.c - UNDO of a committed SET: just before the commit, the
 * certificates and settings the request touches are kept as they are;
 * UNDO commits the transaction that puts them back.  It runs when a later
 * part of the same request fails in ACTION (secProvisionNow with no URL,
 * or another sub-agent's objects when the request came through an AgentX
 * master).
 *
 * What a restore cannot bring back: an Invalid entry comes back as newly
 * received (first seen, count), an entry's "added" time is the restore's.
 * The device's own operations that ran (provisioning, the sweep, a TLS
 * check) are not undone: they are not the manager's changes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "snmp_set.h"
#include "../daemon/log.h"

static int
have_fp(const struct snmp_set *set, const unsigned char *fp)
{
	size_t i;

	for (i = 0; i < set->nprior; i++)
		if (memcmp(set->prior[i].fp, fp, SA_FP_LEN) == 0)
			return 1;
	return 0;
}

static void
add_fp(struct snmp_set *set, const unsigned char *fp, size_t *cap)
{
	struct snmp_prior *p;

	if (have_fp(set, fp))
		return;
	if (set->nprior == *cap) {
		p = realloc(set->prior, (*cap + 8) * sizeof(*p));
		if (p == NULL)
			return;	/* that one will not be restored */
		set->prior = p;
		*cap += 8;
	}
	p = &set->prior[set->nprior++];
	memset(p, 0, sizeof(*p));
	memcpy(p->fp, fp, SA_FP_LEN);
}

/* The fingerprints the request touches: rows and removals, and what the
 * check of the transaction (RESERVE2) found its imports touch. */
static void
collect(struct snmp_set *set)
{
	const struct sa_txn_result *r;
	size_t i, cap = 0;

	for (i = 0; i < set->nw; i++)
		if (set->w[i].has_fp)
			add_fp(set, set->w[i].fp, &cap);
	for (i = 0; (r = sa_txn_result(set->txn, i)) != NULL; i++)
		add_fp(set, r->fp, &cap);
}

static void
keep_entry(struct snmp_prior *p, const struct sa_entry *e)
{
	if (e == NULL)
		return;
	p->existed = 1;
	p->list = e->list;
	p->origin = e->origin;
	p->rejected = e->rejected;
	p->reason = e->reason;
	p->peer = e->peer != NULL ? strdup(e->peer) : NULL;
	if ((p->der = malloc(e->der_len)) != NULL) {
		memcpy(p->der, e->der, e->der_len);
		p->der_len = e->der_len;
	} else {
		p->existed = 0;	/* cannot be restored */
	}
}

void
snmp_undo_keep(struct snmp_set *set)
{
	struct sa_store *st = set->s->st;
	enum sa_setting s;
	size_t i;

	collect(set);
	sa_store_rdlock(st);
	for (i = 0; i < set->nprior; i++)
		keep_entry(&set->prior[i], sa_store_find(st, set->prior[i].fp));
	sa_store_unlock(st);
	for (i = 0; i < set->nw; i++) {
		if (set->w[i].node->kind != SA_MAP_SCALAR)
			continue;
		s = set->w[i].node->setting;
		if (set->prior_setting[s] == NULL &&
		    sa_store_get_secret(st, s, &set->prior_setting[s]) != 0)
			set->prior_setting[s] = NULL;
	}
}

/* Non-zero when e is still what p kept: nothing to restore. */
static int
unchanged(const struct snmp_prior *p, const struct sa_entry *e)
{
	if (!p->existed || e == NULL)
		return !p->existed && e == NULL;
	return e->list == p->list && e->origin == p->origin &&
	    e->rejected == p->rejected;
}

static int
stage_restore(struct sa_txn *t, const struct snmp_prior *p, int present)
{
	char err[256];
	int r = 0;

	if (present && (r = sa_txn_remove(t, p->fp)) != 0)
		return r;
	if (!p->existed)
		return 0;
	if (p->list == SA_LIST_INVALID)
		return sa_txn_record_invalid(t, p->der, p->der_len,
		    p->reason != SA_REASON_NONE ? p->reason : SA_REASON_OTHER,
		    p->peer);
	r = sa_txn_add(t, p->list, p->der, p->der_len, p->fp, p->rejected,
	    p->origin, err, sizeof(err));
	if (r != 0)
		sa_warn("undo: %s", err);
	return r;
}

int
snmp_undo_run(struct snmp_set *set)
{
	struct sa_store *st = set->s->st;
	const struct sa_entry *e;
	struct sa_txn *t;
	char err[256];
	int *present, *skip, s, r = 0;
	size_t i;

	if ((t = sa_txn_new(st, "snmp:undo")) == NULL)
		return -1;
	present = calloc(set->nprior + 1, sizeof(*present));
	skip = calloc(set->nprior + 1, sizeof(*skip));
	if (present == NULL || skip == NULL) {
		r = -1;
		goto out;
	}
	sa_store_rdlock(st);
	for (i = 0; i < set->nprior; i++) {
		e = sa_store_find(st, set->prior[i].fp);
		present[i] = e != NULL;
		skip[i] = unchanged(&set->prior[i], e);
	}
	sa_store_unlock(st);
	for (i = 0; r == 0 && i < set->nprior; i++)
		if (!skip[i])
			r = stage_restore(t, &set->prior[i], present[i]);
	for (s = 0; r == 0 && s < SA_SET_COUNT; s++)
		if (set->prior_setting[s] != NULL)
			r = sa_txn_set(t, (enum sa_setting)s,
			    set->prior_setting[s], err, sizeof(err));
	if (r == 0 && (r = sa_txn_commit(t, err, sizeof(err))) != 0)
		sa_error("SNMP SET could not be undone: %s", err);
	else if (r == 0)
		sa_info("SNMP SET undone");
 out:
	free(present);
	free(skip);
	sa_txn_free(t);
	return r == 0 ? 0 : -1;
}

void
snmp_undo_clear(struct snmp_set *set)
{
	size_t i;
	int s;

	for (i = 0; i < set->nprior; i++) {
		free(set->prior[i].peer);
		free(set->prior[i].der);
	}
	free(set->prior);
	set->prior = NULL;
	set->nprior = 0;
	for (s = 0; s < SA_SET_COUNT; s++) {
		if (set->prior_setting[s] != NULL) {
			OPENSSL_cleanse(set->prior_setting[s],
			    strlen(set->prior_setting[s]));
			free(set->prior_setting[s]);
			set->prior_setting[s] = NULL;
		}
	}
}
