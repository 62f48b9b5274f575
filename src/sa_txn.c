/*
 * sa_txn.c - transactions: staging, commit, apply, change events.
 *
 * A commit runs under the store's commit mutex from planning to the last
 * event, so commits are serial and events arrive in commit order.  Readers
 * are held off only while the planned changes are linked into the lists,
 * which allocates nothing and so cannot fail halfway.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "sa_text.h"
#include "sa_txn_int.h"

struct sa_txn *
sa_txn_new(struct sa_store *st, const char *source)
{
	struct sa_txn *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->st = st;
	if (source != NULL && (t->source = strdup(source)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static void
op_clear(struct sa_txn_op *op)
{
	if (op->value != NULL) {
		OPENSSL_cleanse(op->value, strlen(op->value));
		free(op->value);
	}
	free(op->peer);
	free(op->subjects);
	sa_parsed_set_clear(&op->certs);
}

static int
subject_ref_cmp(const void *a, const void *b)
{
	const struct sa_subject_ref *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* Indexes a file's certificates by subject, so that issuer lookups in a
 * bundle of n certificates cost O(log n), not O(n). */
static int
index_subjects(struct sa_txn_op *op)
{
	size_t i;
	int ok = 1;

	if (op->certs.n == 0)
		return 0;
	if ((op->subjects = calloc(op->certs.n, sizeof(*op->subjects))) == NULL)
		return SA_ERR_NOMEM;
	for (i = 0; i < op->certs.n; i++) {
		op->subjects[i].hash = X509_NAME_hash_ex(
		    X509_get_subject_name(op->certs.certs[i].x509), NULL, NULL, &ok);
		op->subjects[i].index = i;
	}
	qsort(op->subjects, op->certs.n, sizeof(*op->subjects), subject_ref_cmp);
	return 0;
}

void
sa_txn_free(struct sa_txn *t)
{
	size_t i;

	if (t == NULL)
		return;
	sa_plan_reset(t);
	for (i = 0; i < t->nops; i++)
		op_clear(&t->ops[i]);
	for (i = 0; i < SA_ISSUER_CACHE; i++)
		X509_free(t->issuers[i].x509);
	free(t->ops);
	free(t->changes);
	free(t->slots);
	free(t->results);
	free(t->source);
	free(t);
}

void
sa_txn_set_holder(struct sa_txn *t, uint64_t holder)
{
	t->holder = holder;
}

int
sa_store_hold(struct sa_store *st, uint64_t holder, char *err, size_t errlen)
{
	int r = 0;

	pthread_mutex_lock(&st->commit_mutex);
	if (st->holder != 0 && st->holder != holder)
		r = sa_fail(err, errlen, SA_ERR_LOCKED,
		    "the configuration is locked by session %llu",
		    (unsigned long long)st->holder);
	else
		st->holder = holder;
	pthread_mutex_unlock(&st->commit_mutex);
	return r;
}

void
sa_store_release(struct sa_store *st, uint64_t holder)
{
	pthread_mutex_lock(&st->commit_mutex);
	if (st->holder == holder)
		st->holder = 0;
	pthread_mutex_unlock(&st->commit_mutex);
}

uint64_t
sa_store_holder(struct sa_store *st)
{
	uint64_t h;

	pthread_mutex_lock(&st->commit_mutex);
	h = st->holder;
	pthread_mutex_unlock(&st->commit_mutex);
	return h;
}

size_t
sa_txn_size(const struct sa_txn *t)
{
	return t->nops;
}

/* A new zeroed operation at the end of the transaction, or NULL. */
static struct sa_txn_op *
push_op(struct sa_txn *t, enum sa_op_kind kind)
{
	struct sa_txn_op *ops;

	if ((ops = realloc(t->ops, (t->nops + 1) * sizeof(*ops))) == NULL)
		return NULL;
	t->ops = ops;
	memset(&ops[t->nops], 0, sizeof(*ops));
	ops[t->nops].kind = kind;
	return &ops[t->nops++];
}

static int
push_certs(struct sa_txn *t, enum sa_op_kind kind, struct sa_parsed_set *set,
    enum sa_origin origin, char *err, size_t errlen)
{
	struct sa_txn_op *op;

	if ((op = push_op(t, kind)) == NULL) {
		sa_parsed_set_clear(set);
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	op->certs = *set;
	op->origin = origin;
	set->certs = NULL;
	set->n = 0;
	if (index_subjects(op) != 0) {
		op_clear(op);
		t->nops--;
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	return 0;
}

int
sa_txn_import(struct sa_txn *t, const unsigned char *buf, size_t len,
    enum sa_origin origin, char *err, size_t errlen)
{
	struct sa_parsed_set set;
	int r;

	if ((r = sa_cert_parse(buf, len, &set, err, errlen)) != 0)
		return r;
	return push_certs(t, OP_IMPORT, &set, origin, err, errlen);
}

/* Parses exactly one certificate. */
static int
parse_one(const unsigned char *der, size_t len, struct sa_parsed_set *set,
    char *err, size_t errlen)
{
	int r;

	if ((r = sa_cert_parse(der, len, set, err, errlen)) != 0)
		return r;
	if (set->n != 1) {
		sa_parsed_set_clear(set);
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "one certificate expected, the data holds %zu", set->n);
	}
	return 0;
}

int
sa_txn_add(struct sa_txn *t, enum sa_list l, const unsigned char *der,
    size_t len, const unsigned char *fp, int rejected, enum sa_origin origin,
    char *err, size_t errlen)
{
	struct sa_parsed_set set;
	struct sa_txn_op *op;
	int r, is_ca;

	if (l != SA_LIST_CA && l != SA_LIST_SERVER)
		return sa_fail(err, errlen, SA_ERR_WRONG_LIST,
		    "entries are configured in the CA or Server list only");
	if ((r = parse_one(der, len, &set, err, errlen)) != 0)
		return r;
	is_ca = (X509_get_extension_flags(set.certs[0].x509) & EXFLAG_CA) != 0;
	if (fp != NULL && memcmp(fp, set.certs[0].fp, SA_FP_LEN) != 0)
		r = sa_fail(err, errlen, SA_ERR_INCONSISTENT,
		    "the fingerprint does not match the certificate data");
	else if (l == SA_LIST_CA && !is_ca)
		r = sa_fail(err, errlen, SA_ERR_INCONSISTENT,
		    "not a CA certificate (no basicConstraints CA:TRUE): it "
		    "belongs in the Server list");
	else if (l == SA_LIST_SERVER && is_ca)
		r = sa_fail(err, errlen, SA_ERR_INCONSISTENT,
		    "a CA certificate (basicConstraints CA:TRUE): it belongs "
		    "in the CA list");
	if (r != 0) {
		sa_parsed_set_clear(&set);
		return r;
	}
	if ((r = push_certs(t, OP_ADD, &set, origin, err, errlen)) != 0)
		return r;
	op = &t->ops[t->nops - 1];
	op->list = l;
	op->flag = rejected != 0;
	return 0;
}

static int
push_fp(struct sa_txn *t, enum sa_op_kind kind,
    const unsigned char fp[SA_FP_LEN], int flag)
{
	struct sa_txn_op *op;

	if ((op = push_op(t, kind)) == NULL)
		return SA_ERR_NOMEM;
	memcpy(op->fp, fp, SA_FP_LEN);
	op->flag = flag;
	return 0;
}

int
sa_txn_accept(struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	return push_fp(t, OP_ACCEPT, fp, 0);
}

int
sa_txn_reject(struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	return push_fp(t, OP_REJECT, fp, 0);
}

int
sa_txn_remove(struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	return push_fp(t, OP_REMOVE, fp, 0);
}

int
sa_txn_set_rejected(struct sa_txn *t, const unsigned char fp[SA_FP_LEN],
    int rejected)
{
	return push_fp(t, OP_SET_REJECTED, fp, rejected != 0);
}

int
sa_txn_expire(struct sa_txn *t, const unsigned char fp[SA_FP_LEN])
{
	t->internal = 1;	/* the device's own sweep */
	return push_fp(t, OP_EXPIRE, fp, 0);
}

int
sa_txn_warn(struct sa_txn *t, const unsigned char fp[SA_FP_LEN], int days)
{
	t->internal = 1;
	return push_fp(t, OP_WARN, fp, days);
}

int
sa_txn_set(struct sa_txn *t, enum sa_setting s, const char *value, char *err,
    size_t errlen)
{
	struct sa_txn_op *op;
	const char *v = value;
	int r;

	if ((unsigned)s >= SA_SET_COUNT)
		return sa_fail(err, errlen, SA_ERR_INVALID, "unknown setting");
	if ((r = sa_setting_check(s, value, err, errlen)) != 0)
		return r;
	if (s == SA_SET_ACCEPT_ALL)
		v = strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ?
		    "true" : "false";
	if ((op = push_op(t, OP_SET)) == NULL || (op->value = strdup(v)) == NULL) {
		if (op != NULL)
			t->nops--;
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	op->setting = s;
	return 0;
}

int
sa_txn_restore_defaults(struct sa_txn *t, char *err, size_t errlen)
{
	struct sa_parsed_set set = { NULL, 0 };
	unsigned char *buf;
	size_t len;
	int r;

	if ((r = sa_factory_load(t->st->opts.factory_bundle, &buf, &len, err,
	    errlen)) != 0)
		return r;
	if (len > 0)
		r = sa_cert_parse(buf, len, &set, err, errlen);
	free(buf);
	if (r != 0)
		return r;
	return push_certs(t, OP_RESTORE, &set, SA_ORIGIN_FACTORY, err, errlen);
}

int
sa_txn_record_invalid(struct sa_txn *t, const unsigned char *der, size_t len,
    enum sa_reason reason, const char *peer)
{
	struct sa_parsed_set set;
	struct sa_txn_op *op;
	int r;

	if ((r = parse_one(der, len, &set, NULL, 0)) != 0)
		return r;
	if ((r = push_certs(t, OP_RECORD, &set, SA_ORIGIN_RECEIVED, NULL, 0)) != 0)
		return r;
	t->internal = 1;	/* what a peer sent is state, not configuration */
	op = &t->ops[t->nops - 1];
	op->reason = reason;
	/* text under the rule is kept as it is (an SNMP undo restores what was
	 * stored); anything else, from a careless caller, is escaped */
	if (peer != NULL && (op->peer = sa_text_is_clean(peer) ? strdup(peer) :
	    sa_text_escape_str(peer)) == NULL)
		return SA_ERR_NOMEM;
	return 0;
}

int
sa_txn_clear_list(struct sa_txn *t, enum sa_list l)
{
	struct sa_txn_op *op;

	if ((unsigned)l >= SA_LIST_COUNT || (op = push_op(t, OP_CLEAR)) == NULL)
		return SA_ERR_NOMEM;
	op->list = l;
	return 0;
}

size_t
sa_txn_result_count(const struct sa_txn *t)
{
	return t->nresults;
}

const struct sa_txn_result *
sa_txn_result(const struct sa_txn *t, size_t i)
{
	return i < t->nresults ? &t->results[i] : NULL;
}

int
sa_txn_check(struct sa_txn *t, char *err, size_t errlen)
{
	int r;

	pthread_mutex_lock(&t->st->commit_mutex);
	r = sa_plan(t, err, errlen);
	pthread_mutex_unlock(&t->st->commit_mutex);
	return r;
}

/* ---- commit ---- */

/* Room for every insertion, so that apply allocates nothing. */
static int
reserve(struct sa_txn *t)
{
	size_t adds[SA_LIST_COUNT] = { 0 }, i;
	int l;

	for (i = 0; i < t->nchanges; i++)
		if (t->changes[i].new != NULL)
			adds[t->changes[i].new->e.list]++;
	for (l = 0; l < SA_LIST_COUNT; l++)
		if (sa_vec_reserve(&t->st->lists[l], adds[l]) != 0)
			return SA_ERR_NOMEM;
	return sa_subject_index_reserve(&t->st->ca_subjects, adds[SA_LIST_CA]);
}

/* Rebuilds a list when a transaction touches many of its entries. */
static void
apply_bulk(struct sa_txn *t, enum sa_list l)
{
	struct sa_vec *vec = &t->st->lists[l];
	size_t i, j = 0;

	for (i = 0; i < vec->n; i++)
		if (sa_plan_change(t, vec->v[i]->e.fp) == NULL)
			vec->v[j++] = vec->v[i];
	vec->n = j;
	for (i = 0; i < t->nchanges; i++)
		if (t->changes[i].new != NULL && t->changes[i].new->e.list == l)
			vec->v[vec->n++] = t->changes[i].new;
	sa_vec_sort(vec);
}

static void
apply(struct sa_txn *t)
{
	struct sa_store *st = t->st;
	int bulk = t->nchanges > 64, l;
	struct sa_change *c;
	size_t i;

	for (i = 0; i < t->nchanges; i++) {
		c = &t->changes[i];
		if (c->old != NULL) {
			if (!bulk)
				sa_vec_remove(&st->lists[c->old_list], c->fp);
			if (c->old_list == SA_LIST_CA)
				sa_subject_index_del(&st->ca_subjects, c->old);
		}
		if (c->new != NULL) {
			if (!bulk)
				sa_vec_insert(&st->lists[c->new->e.list], c->new);
			if (c->new->e.list == SA_LIST_CA)
				sa_subject_index_add(&st->ca_subjects, c->new);
		}
	}
	if (bulk)
		for (l = 0; l < SA_LIST_COUNT; l++)
			apply_bulk(t, (enum sa_list)l);
	for (l = 0; l < SA_SET_COUNT; l++) {
		if (t->settings[l] != NULL) {
			sa_store_put_setting(st, (enum sa_setting)l, t->settings[l]);
			t->settings[l] = NULL;
		}
	}
}

static void
emit_change(struct sa_txn *t, const struct sa_change *c, uint64_t seq)
{
	const struct sa_entry *e = c->new != NULL ? &c->new->e : &c->old->e;
	struct sa_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.cause = c->cause;
	ev.seq = seq;
	ev.source = t->source;
	memcpy(ev.fp, c->fp, SA_FP_LEN);
	ev.list = e->list;
	ev.old_list = c->old_list >= 0 ? (enum sa_list)c->old_list : e->list;
	ev.reason = e->reason;
	ev.subject = e->subject;
	ev.peer = e->peer;
	ev.not_after = e->not_after;
	if (c->old == NULL)
		ev.kind = SA_EV_ADDED;
	else if (c->new == NULL)
		ev.kind = SA_EV_REMOVED;
	else if (c->old_list != (int)c->new->e.list)
		ev.kind = SA_EV_MOVED;
	else if (c->expiring_days > 0) {
		ev.kind = SA_EV_EXPIRING;
		ev.days = sa_days_until(e->not_after, t->now);
	} else
		ev.kind = SA_EV_CHANGED;
	sa_store_emit(t->st, &ev);
}

static void
emit_events(struct sa_txn *t, uint64_t seq, const int *changed)
{
	struct sa_event ev;
	size_t i, count = t->nchanges;
	int s;

	for (i = 0; i < t->nchanges; i++)
		emit_change(t, &t->changes[i], seq);
	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.source = t->source;
	ev.kind = SA_EV_SETTING;
	ev.cause = SA_CAUSE_SETTING;
	for (s = 0; s < SA_SET_COUNT; s++) {
		if (changed[s]) {
			ev.setting = (enum sa_setting)s;
			sa_store_emit(t->st, &ev);
			count++;
		}
	}
	ev.kind = SA_EV_COMMIT;
	ev.count = count;
	sa_store_emit(t->st, &ev);
}

/* Keeps the -CApath directory in step with the CA changes. */
static void
update_capath(struct sa_txn *t)
{
	unsigned long *hashes;
	size_t i, n = 0;

	if ((hashes = calloc(2 * t->nchanges + 1, sizeof(*hashes))) == NULL) {
		sa_capath_sync(t->st);
		return;
	}
	for (i = 0; i < t->nchanges; i++) {
		if (t->changes[i].old_list == SA_LIST_CA)
			hashes[n++] = t->changes[i].old->e.subject_hash;
		if (t->changes[i].new != NULL &&
		    t->changes[i].new->e.list == SA_LIST_CA)
			hashes[n++] = t->changes[i].new->e.subject_hash;
	}
	sa_capath_update(t->st, hashes, n);	/* also when n == 0: .seq */
	free(hashes);
}

/* After apply: the store owns the new nodes, the old ones are ours. */
static void
release_changes(struct sa_txn *t)
{
	size_t i;

	for (i = 0; i < t->nchanges; i++) {
		sa_node_free(t->changes[i].old);
		t->changes[i].old = NULL;
		t->changes[i].new = NULL;
	}
	t->nchanges = 0;
}

int
sa_txn_commit(struct sa_txn *t, char *err, size_t errlen)
{
	struct sa_store *st = t->st;
	int changed[SA_SET_COUNT], any = 0, s, r;
	char cerr[256];
	uint64_t seq;

	if (t->committed)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "transaction already committed");
	if (st->opts.read_only)
		return sa_fail(err, errlen, SA_ERR_IO,
		    "the store is open read-only");
	pthread_mutex_lock(&st->commit_mutex);
	if (st->holder != 0 && st->holder != t->holder && !t->internal &&
	    t->holder != SA_HOLDER_ANY) {
		r = sa_fail(err, errlen, SA_ERR_LOCKED,
		    "the configuration is locked by session %llu",
		    (unsigned long long)st->holder);
		goto out;
	}
	if ((r = sa_plan(t, err, errlen)) != 0)
		goto out;
	for (s = 0; s < SA_SET_COUNT; s++)
		any |= changed[s] = t->settings[s] != NULL;
	if (t->nchanges == 0 && !any) {
		t->committed = 1;
		goto out;
	}
	if ((r = reserve(t)) != 0) {
		r = sa_fail(err, errlen, r, "out of memory");
		goto out;
	}
	seq = st->seq + 1;
	if ((r = sa_journal_append(st, seq, t->changes, t->nchanges,
	    t->settings, err, errlen)) != 0)
		goto out;
	pthread_rwlock_wrlock(&st->rw);
	apply(t);
	st->seq = seq;
	st->generation++;
	st->invalid_evictions += t->evicted;
	pthread_rwlock_unlock(&st->rw);
	t->committed = 1;
	update_capath(t);
	/* a changed secret must not linger in the journal */
	if ((changed[SA_SET_HTTP_PASSWORD] || sa_journal_wants_compaction(st)) &&
	    sa_journal_compact(st, cerr, sizeof(cerr)) != 0)
		sa_store_warn(st, "compaction postponed: %s", cerr);
	emit_events(t, seq, changed);
	release_changes(t);
 out:
	pthread_mutex_unlock(&st->commit_mutex);
	return r;
}
