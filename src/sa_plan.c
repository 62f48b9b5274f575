/*
 * sa_plan.c - planning a transaction: each staged operation is checked
 * against the store as the earlier operations of the same transaction
 * leave it, and turned into changes.  Nothing here touches the store.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "sa_txn_int.h"

/* ---- the plan's fingerprint index ---- */

static size_t
fp_slot(const struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	size_t h = 0, i;

	memcpy(&h, fp, sizeof(h));	/* SHA-256 bytes are already uniform */
	for (i = h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		if (t->slots[i] == 0 ||
		    memcmp(t->changes[t->slots[i] - 1].fp, fp, SA_FP_LEN) == 0)
			return i;
	}
}

static int
slots_grow(struct sa_txn *t)
{
	size_t *old = t->slots, oldn = t->nslots, i;

	t->nslots = oldn ? oldn * 2 : 64;
	if ((t->slots = calloc(t->nslots, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		t->nslots = oldn;
		return SA_ERR_NOMEM;
	}
	for (i = 0; i < t->nchanges; i++)
		t->slots[fp_slot(t, t->changes[i].fp)] = i + 1;
	free(old);
	return 0;
}

struct sa_change *
sa_plan_change(const struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	size_t i;

	if (t->nslots == 0)
		return NULL;
	i = fp_slot(t, fp);
	return t->slots[i] ? &t->changes[t->slots[i] - 1] : NULL;
}

/* The entry for fp as the plan so far leaves it, or NULL. */
static const struct sa_node *
view_find(const struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	const struct sa_change *c = sa_plan_change(t, fp);

	return c != NULL ? c->new : sa_store_find_node(t->st, fp);
}

/* Plans node (owned from now on; NULL to delete) as the new state of fp. */
static int
plan_put(struct sa_txn *t, const unsigned char fp[SA_FP_LEN],
    struct sa_node *node, enum sa_cause cause, int expiring_days)
{
	struct sa_change *c, *nc;
	size_t cap;

	if ((c = sa_plan_change(t, fp)) == NULL) {
		if ((t->nchanges + 1) * 2 > t->nslots && slots_grow(t) != 0)
			goto nomem;
		if (t->nchanges == t->cap_changes) {
			cap = t->cap_changes ? t->cap_changes * 2 : 16;
			if ((nc = realloc(t->changes, cap * sizeof(*nc))) == NULL)
				goto nomem;
			t->changes = nc;
			t->cap_changes = cap;
		}
		c = &t->changes[t->nchanges];
		memset(c, 0, sizeof(*c));
		memcpy(c->fp, fp, SA_FP_LEN);
		c->old = sa_store_find_node(t->st, fp);
		c->old_list = c->old != NULL ? (int)c->old->e.list : -1;
		t->slots[fp_slot(t, fp)] = ++t->nchanges;
	} else {
		sa_node_free(c->new);
	}
	c->new = node;
	c->cause = cause;
	c->expiring_days = expiring_days;
	return 0;
 nomem:
	sa_node_free(node);
	return SA_ERR_NOMEM;
}

static int
add_result(struct sa_txn *t, const unsigned char fp[SA_FP_LEN],
    enum sa_list l, enum sa_reason reason, int existed)
{
	struct sa_txn_result *r;
	size_t cap;

	if (t->nresults == t->cap_results) {
		cap = t->cap_results ? t->cap_results * 2 : 16;
		if ((r = realloc(t->results, cap * sizeof(*r))) == NULL)
			return SA_ERR_NOMEM;
		t->results = r;
		t->cap_results = cap;
	}
	r = &t->results[t->nresults++];
	memcpy(r->fp, fp, SA_FP_LEN);
	r->list = l;
	r->reason = reason;
	r->existed = existed;
	return 0;
}

/* A copy of the entry of fp, to be modified and planned. */
static struct sa_node *
view_dup(const struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	const struct sa_node *n = view_find(t, fp);

	return n != NULL ? sa_node_dup(n) : NULL;
}

/* ---- the import check ---- */

static X509 *
store_issuer(struct sa_txn *t, const struct sa_node *n)
{
	size_t i;

	for (i = 0; i < SA_ISSUER_CACHE; i++)
		if (t->issuers[i].x509 != NULL &&
		    memcmp(t->issuers[i].fp, n->e.fp, SA_FP_LEN) == 0)
			return t->issuers[i].x509;
	i = t->issuer_next++ % SA_ISSUER_CACHE;
	X509_free(t->issuers[i].x509);
	memcpy(t->issuers[i].fp, n->e.fp, SA_FP_LEN);
	t->issuers[i].x509 = sa_entry_x509(&n->e);
	return t->issuers[i].x509;
}

/*
 * Signature check against the issuers we know: the certificates of the
 * same file and the CA list.  NONE when a known issuer's key verifies it
 * or no issuer is known (an unknown issuer is the administrator's choice
 * on import); BAD_SIGNATURE when issuers are known but none verifies it.
 */
static enum sa_reason
check_signature(struct sa_txn *t, const struct sa_txn_op *op, X509 *x)
{
	const X509_NAME *iname = X509_get_issuer_name(x);
	const struct sa_node *n;
	size_t lo = 0, hi = op->certs.n, mid;
	unsigned long h;
	int ok = 1, candidates = 0;
	X509 *c;

	h = X509_NAME_hash_ex(iname, NULL, NULL, &ok);
	while (lo < hi) {	/* the first of the file with that subject hash */
		mid = lo + (hi - lo) / 2;
		if (op->subjects[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < op->certs.n && op->subjects[lo].hash == h; lo++) {
		c = op->certs.certs[op->subjects[lo].index].x509;
		if (X509_NAME_cmp(X509_get_subject_name(c), iname) != 0)
			continue;
		candidates++;
		if (X509_verify(x, X509_get0_pubkey(c)) == 1)
			return SA_REASON_NONE;
	}
	for (n = sa_subject_index_first(&t->st->ca_subjects, h); n != NULL;
	    n = n->hnext) {
		if (n->e.subject_hash != h || view_find(t, n->e.fp) != n ||
		    (c = store_issuer(t, n)) == NULL ||
		    X509_NAME_cmp(X509_get_subject_name(c), iname) != 0)
			continue;
		candidates++;
		if (X509_verify(x, X509_get0_pubkey(c)) == 1)
			return SA_REASON_NONE;
	}
	return candidates > 0 ? SA_REASON_BAD_SIGNATURE : SA_REASON_NONE;
}

static enum sa_reason
import_check(struct sa_txn *t, const struct sa_txn_op *op, X509 *x)
{
	if (X509_cmp_time(X509_get0_notBefore(x), &t->now) > 0)
		return SA_REASON_NOT_YET_VALID;
	if (X509_cmp_time(X509_get0_notAfter(x), &t->now) < 0)
		return SA_REASON_EXPIRED;
	return check_signature(t, op, x);
}

static struct sa_node *
new_node(const struct sa_txn *t, const struct sa_parsed *p, enum sa_list l,
    enum sa_origin origin)
{
	struct sa_node *n;

	n = sa_node_from_x509(p->x509, p->der, p->der_len, p->fp);
	if (n != NULL) {
		n->e.list = l;
		n->e.origin = origin;
		n->e.added = t->now;
	}
	return n;
}

static int
plan_import(struct sa_txn *t, const struct sa_txn_op *op, enum sa_cause cause)
{
	const struct sa_parsed *p;
	const struct sa_node *cur;
	struct sa_node *n;
	enum sa_reason reason;
	enum sa_list l;
	size_t i;
	int r;

	for (i = 0; i < op->certs.n; i++) {
		p = &op->certs.certs[i];
		cur = view_find(t, p->fp);
		if (cur != NULL && cur->e.list != SA_LIST_INVALID) {
			if ((r = add_result(t, p->fp, cur->e.list, SA_REASON_NONE, 1)) != 0)
				return r;
			continue;
		}
		reason = import_check(t, op, p->x509);
		if (reason != SA_REASON_NONE && cur != NULL) {
			if ((r = add_result(t, p->fp, SA_LIST_INVALID,
			    cur->e.reason, 1)) != 0)
				return r;
			continue;
		}
		l = reason != SA_REASON_NONE ? SA_LIST_INVALID :
		    (X509_get_extension_flags(p->x509) & EXFLAG_CA) ?
		    SA_LIST_CA : SA_LIST_SERVER;
		if ((n = new_node(t, p, l, op->origin)) == NULL)
			return SA_ERR_NOMEM;
		if (l == SA_LIST_INVALID) {
			n->e.reason = reason;
			n->e.first_seen = n->e.last_seen = t->now;
			n->e.seen_count = 1;
		}
		if ((r = plan_put(t, p->fp, n, cause, 0)) != 0 ||
		    (r = add_result(t, p->fp, l, reason, 0)) != 0)
			return r;
	}
	return 0;
}

static int
plan_add(struct sa_txn *t, const struct sa_txn_op *op, char *err, size_t errlen)
{
	const struct sa_parsed *p = &op->certs.certs[0];
	const struct sa_node *cur = view_find(t, p->fp);
	char hex[SA_FP_HEX_LEN + 1];
	struct sa_node *n;
	int r;

	sa_fp_to_hex(p->fp, hex);
	if (cur != NULL && cur->e.list == op->list)
		return sa_fail(err, errlen, SA_ERR_EXISTS,
		    "certificate %s is already in the %s list", hex,
		    sa_list_name(op->list));
	if ((n = new_node(t, p, op->list, op->origin)) == NULL)
		return SA_ERR_NOMEM;
	n->e.rejected = op->list == SA_LIST_SERVER && op->flag;
	if ((r = plan_put(t, p->fp, n, SA_CAUSE_CONFIGURE, 0)) != 0)
		return r;
	return add_result(t, p->fp, op->list, SA_REASON_NONE, 0);
}

/* Accept, reject, remove, the rejected label: operations on one entry. */
static int
plan_entry_op(struct sa_txn *t, const struct sa_txn_op *op, char *err,
    size_t errlen)
{
	const struct sa_node *cur = view_find(t, op->fp);
	char hex[SA_FP_HEX_LEN + 1];
	struct sa_node *n;
	enum sa_cause cause;
	int r;

	sa_fp_to_hex(op->fp, hex);
	if (cur == NULL)
		return sa_fail(err, errlen, SA_ERR_NOT_FOUND,
		    "no certificate with fingerprint %s", hex);
	if (op->kind == OP_REMOVE)
		return plan_put(t, op->fp, NULL, SA_CAUSE_REMOVE, 0);
	if ((op->kind == OP_ACCEPT || op->kind == OP_REJECT) &&
	    cur->e.list != SA_LIST_INVALID)
		return sa_fail(err, errlen, SA_ERR_WRONG_LIST,
		    "certificate %s is in the %s list; only Invalid "
		    "certificates are accepted or rejected", hex,
		    sa_list_name(cur->e.list));
	if (op->kind == OP_SET_REJECTED && cur->e.list != SA_LIST_SERVER)
		return sa_fail(err, errlen, SA_ERR_WRONG_LIST,
		    "certificate %s is in the %s list; only Server "
		    "certificates carry the rejected label", hex,
		    sa_list_name(cur->e.list));
	if ((n = sa_node_dup(cur)) == NULL)
		return SA_ERR_NOMEM;
	if (op->kind == OP_SET_REJECTED) {
		n->e.rejected = op->flag;
		cause = op->flag ? SA_CAUSE_REJECT : SA_CAUSE_CONFIGURE;
	} else {
		/* Accept: by type, even if expired.  Reject: Server, labelled. */
		n->e.list = op->kind == OP_REJECT || !n->e.is_ca ?
		    SA_LIST_SERVER : SA_LIST_CA;
		n->e.rejected = op->kind == OP_REJECT;
		if (op->kind == OP_ACCEPT)
			n->e.origin = SA_ORIGIN_ACCEPTED;
		n->e.reason = SA_REASON_NONE;
		n->e.added = t->now;
		free(n->e.peer);
		n->e.peer = NULL;
		cause = op->kind == OP_ACCEPT ? SA_CAUSE_ACCEPT : SA_CAUSE_REJECT;
	}
	if ((r = plan_put(t, op->fp, n, cause, 0)) != 0)
		return r;
	return add_result(t, op->fp, n->e.list, SA_REASON_NONE, 0);
}

static int
plan_record(struct sa_txn *t, const struct sa_txn_op *op)
{
	const struct sa_parsed *p = &op->certs.certs[0];
	const struct sa_node *cur = view_find(t, p->fp);
	struct sa_node *n;
	int r;

	if (cur != NULL && cur->e.list != SA_LIST_INVALID)
		return add_result(t, p->fp, cur->e.list, SA_REASON_NONE, 1);
	n = cur != NULL ? sa_node_dup(cur) :
	    new_node(t, p, SA_LIST_INVALID, SA_ORIGIN_RECEIVED);
	if (n == NULL)
		return SA_ERR_NOMEM;
	if (cur == NULL)
		n->e.first_seen = t->now;
	n->e.last_seen = t->now;
	n->e.seen_count++;
	n->e.reason = op->reason;
	free(n->e.peer);
	n->e.peer = op->peer != NULL ? strdup(op->peer) : NULL;
	if (op->peer != NULL && n->e.peer == NULL) {
		sa_node_free(n);
		return SA_ERR_NOMEM;
	}
	if ((r = plan_put(t, p->fp, n, SA_CAUSE_TLS, 0)) != 0)
		return r;
	return add_result(t, p->fp, SA_LIST_INVALID, op->reason, cur != NULL);
}

static int
plan_clear(struct sa_txn *t, enum sa_list l)
{
	const struct sa_vec *vec = &t->st->lists[l];
	size_t i, n = t->nchanges;
	int r;

	for (i = 0; i < vec->n; i++)
		if (view_find(t, vec->v[i]->e.fp) == vec->v[i] &&
		    (r = plan_put(t, vec->v[i]->e.fp, NULL, SA_CAUSE_REMOVE, 0)) != 0)
			return r;
	/* entries this transaction planned into the list */
	for (i = 0; i < n; i++)
		if (t->changes[i].new != NULL && t->changes[i].new->e.list == l &&
		    (r = plan_put(t, t->changes[i].fp, NULL, SA_CAUSE_REMOVE, 0)) != 0)
			return r;
	return 0;
}

/* The sweep's operations: expire an entry, or note an expiry warning. */
static int
plan_sweep_op(struct sa_txn *t, const struct sa_txn_op *op)
{
	struct sa_node *n = view_dup(t, op->fp);

	if (n == NULL)
		return 0;	/* removed meanwhile */
	if (op->kind == OP_WARN) {
		n->e.warned_days = op->flag;
		return plan_put(t, op->fp, n, SA_CAUSE_SWEEP, op->flag);
	}
	n->e.list = SA_LIST_INVALID;
	n->e.reason = SA_REASON_EXPIRED;
	n->e.first_seen = n->e.last_seen = n->e.added = t->now;
	n->e.seen_count = 1;
	return plan_put(t, op->fp, n, SA_CAUSE_SWEEP, 0);
}

static int
plan_set(struct sa_txn *t, const struct sa_txn_op *op)
{
	const char *cur = t->settings[op->setting] != NULL ?
	    t->settings[op->setting] : t->st->settings[op->setting];
	char *v;

	if (strcmp(cur, op->value) == 0 && t->settings[op->setting] == NULL)
		return 0;
	if ((v = strdup(op->value)) == NULL)
		return SA_ERR_NOMEM;
	if (t->settings[op->setting] != NULL) {
		OPENSSL_cleanse(t->settings[op->setting],
		    strlen(t->settings[op->setting]));
		free(t->settings[op->setting]);
	}
	t->settings[op->setting] = v;
	return 0;
}

static int
plan_op(struct sa_txn *t, const struct sa_txn_op *op, char *err, size_t errlen)
{
	switch (op->kind) {
	case OP_IMPORT:
		return plan_import(t, op, SA_CAUSE_IMPORT);
	case OP_RESTORE:
		return plan_import(t, op, SA_CAUSE_RESTORE);
	case OP_ADD:
		return plan_add(t, op, err, errlen);
	case OP_ACCEPT:
	case OP_REJECT:
	case OP_REMOVE:
	case OP_SET_REJECTED:
		return plan_entry_op(t, op, err, errlen);
	case OP_RECORD:
		return plan_record(t, op);
	case OP_CLEAR:
		return plan_clear(t, op->list);
	case OP_EXPIRE:
	case OP_WARN:
		return plan_sweep_op(t, op);
	case OP_SET:
		return plan_set(t, op);
	}
	return SA_ERR_INVALID;
}

void
sa_plan_reset(struct sa_txn *t)
{
	size_t i;
	int s;

	for (i = 0; i < t->nchanges; i++)
		sa_node_free(t->changes[i].new);
	t->nchanges = 0;
	if (t->slots != NULL)
		memset(t->slots, 0, t->nslots * sizeof(*t->slots));
	for (s = 0; s < SA_SET_COUNT; s++) {
		if (t->settings[s] != NULL) {
			OPENSSL_cleanse(t->settings[s], strlen(t->settings[s]));
			free(t->settings[s]);
			t->settings[s] = NULL;
		}
	}
	t->nresults = 0;
	t->evicted = 0;
}

/*
 * Drops the changes that change nothing: a certificate the transaction
 * added and then removed again (an import and a removal of the same one
 * in one SNMP SET, say) was never in the store and must not reach the
 * journal or the subscribers.  The index is rebuilt for what is left.
 */
static void
plan_drop_noops(struct sa_txn *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->nchanges; i++)
		if (t->changes[i].old != NULL || t->changes[i].new != NULL)
			t->changes[n++] = t->changes[i];
	if (n == t->nchanges)
		return;
	t->nchanges = n;
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
	for (i = 0; i < n; i++)
		t->slots[fp_slot(t, t->changes[i].fp)] = i + 1;
}

/* ---- the cap of the Invalid list ---- */

struct evict_cand {
	const struct sa_node *n;
	int touched;		/* written by this transaction */
};

static int
evict_order(const void *a, const void *b)
{
	const struct evict_cand *x = a, *y = b;

	if (x->touched != y->touched)
		return x->touched - y->touched;
	if (x->n->e.last_seen != y->n->e.last_seen)
		return x->n->e.last_seen < y->n->e.last_seen ? -1 : 1;
	if (x->n->e.first_seen != y->n->e.first_seen)
		return x->n->e.first_seen < y->n->e.first_seen ? -1 : 1;
	return memcmp(x->n->e.fp, y->n->e.fp, SA_FP_LEN);
}

static int
in_invalid(const struct sa_node *n)
{
	return n != NULL && n->e.list == SA_LIST_INVALID;
}

/* The Invalid entries as the plan leaves them: the store's it did not
 * touch, then its own. */
static struct evict_cand *
invalid_view(const struct sa_txn *t, size_t *n)
{
	const struct sa_vec *vec = &t->st->lists[SA_LIST_INVALID];
	struct evict_cand *v;
	size_t i, k = 0;

	if ((v = calloc(vec->n + t->nchanges + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < vec->n; i++)
		if (sa_plan_change(t, vec->v[i]->e.fp) == NULL)
			v[k++].n = vec->v[i];
	for (i = 0; i < t->nchanges; i++)
		if (in_invalid(t->changes[i].new))
			v[k++] = (struct evict_cand){ t->changes[i].new, 1 };
	*n = k;
	return v;
}

/* Evicts the oldest Invalid entries beyond the cap, when the plan adds. */
static int
plan_evict(struct sa_txn *t)
{
	size_t n = t->st->lists[SA_LIST_INVALID].n, added = 0, i, over;
	unsigned char fp[SA_FP_LEN];
	struct evict_cand *v;
	int r = 0;

	t->evicted = 0;
	for (i = 0; i < t->nchanges; i++) {
		if (in_invalid(t->changes[i].new) && !in_invalid(t->changes[i].old))
			added++;
		else if (in_invalid(t->changes[i].old) &&
		    !in_invalid(t->changes[i].new))
			n--;
	}
	if (added == 0 || n + added <= t->st->invalid_max)
		return 0;
	if ((v = invalid_view(t, &n)) == NULL)
		return SA_ERR_NOMEM;
	over = n > t->st->invalid_max ? n - t->st->invalid_max : 0;
	qsort(v, n, sizeof(*v), evict_order);
	for (i = 0; i < over && r == 0; i++) {
		memcpy(fp, v[i].n->e.fp, SA_FP_LEN);	/* plan_put frees it */
		r = plan_put(t, fp, NULL, SA_CAUSE_EVICT, 0);
	}
	free(v);
	t->evicted = over;
	return r;
}

int
sa_plan(struct sa_txn *t, char *err, size_t errlen)
{
	size_t i;
	int r;

	sa_plan_reset(t);
	t->now = sa_store_now(t->st);
	for (i = 0; i < t->nops; i++) {
		if ((r = plan_op(t, &t->ops[i], err, errlen)) != 0) {
			if (r == SA_ERR_NOMEM)
				sa_fail(err, errlen, r, "out of memory");
			sa_plan_reset(t);
			return r;
		}
	}
	plan_drop_noops(t);
	if ((r = plan_evict(t)) != 0) {
		sa_fail(err, errlen, r, "out of memory");
		sa_plan_reset(t);
		return r;
	}
	plan_drop_noops(t);	/* an entry written and evicted at once */
	return 0;
}
