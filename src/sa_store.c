/*
 * sa_store.c - the store's in-memory structures and its read side:
 * sorted lists, the subject index, lookups, settings, subscribers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sa_store_int.h"

static const char *const setting_defaults[SA_SET_COUNT] = {
	[SA_SET_ACCEPT_ALL] = "false",
	[SA_SET_HTTP_USERNAME] = "",
	[SA_SET_HTTP_PASSWORD] = "",
	[SA_SET_PROV_URL] = "",
	[SA_SET_PROV_INTERVAL] = "0",
	[SA_SET_POLICY_VERSION] = "",
};

/* ---- nodes ---- */

struct sa_node *
sa_node_new(void)
{
	return calloc(1, sizeof(struct sa_node));
}

void
sa_node_free(struct sa_node *n)
{
	if (n == NULL)
		return;
	free(n->e.der);
	free(n->e.subject);
	free(n->e.issuer);
	free(n->e.peer);
	free(n->e.serial);
	free(n->e.signature_algorithm);
	free(n->e.public_key_algorithm);
	free(n->e.key_usage);
	free(n->e.subject_alt_names);
	free(n);
}

static int
dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

struct sa_node *
sa_node_dup(const struct sa_node *n)
{
	struct sa_node *c;

	if ((c = sa_node_new()) == NULL)
		return NULL;
	c->e = n->e;
	c->e.der = NULL;
	c->e.subject = c->e.issuer = c->e.peer = NULL;
	c->e.serial = c->e.signature_algorithm = c->e.public_key_algorithm = NULL;
	c->e.key_usage = c->e.subject_alt_names = NULL;
	if ((c->e.der = malloc(n->e.der_len)) == NULL ||
	    dup_str(&c->e.subject, n->e.subject) != 0 ||
	    dup_str(&c->e.issuer, n->e.issuer) != 0 ||
	    dup_str(&c->e.peer, n->e.peer) != 0 ||
	    dup_str(&c->e.serial, n->e.serial) != 0 ||
	    dup_str(&c->e.signature_algorithm, n->e.signature_algorithm) != 0 ||
	    dup_str(&c->e.public_key_algorithm, n->e.public_key_algorithm) != 0 ||
	    dup_str(&c->e.key_usage, n->e.key_usage) != 0 ||
	    dup_str(&c->e.subject_alt_names, n->e.subject_alt_names) != 0) {
		sa_node_free(c);
		return NULL;
	}
	memcpy(c->e.der, n->e.der, n->e.der_len);
	return c;
}

enum sa_status
sa_entry_status(const struct sa_entry *e, time_t now)
{
	if (now < e->not_before)
		return SA_STATUS_NOT_YET_VALID;
	if (now > e->not_after)
		return SA_STATUS_EXPIRED;
	return SA_STATUS_VALID;
}

int
sa_entry_is_sticky(const struct sa_entry *e)
{
	return e->rejected || e->origin == SA_ORIGIN_ACCEPTED ||
	    e->origin == SA_ORIGIN_CONFIGURED ||
	    e->origin == SA_ORIGIN_PROVISIONED;
}

/* ---- sorted lists ---- */

struct sa_node *
sa_vec_find(const struct sa_vec *vec, const unsigned char fp[SA_FP_LEN],
    size_t *pos)
{
	size_t lo = 0, hi = vec->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(vec->v[mid]->e.fp, fp, SA_FP_LEN);
		if (c == 0) {
			if (pos != NULL)
				*pos = mid;
			return vec->v[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos != NULL)
		*pos = lo;
	return NULL;
}

int
sa_vec_reserve(struct sa_vec *vec, size_t extra)
{
	struct sa_node **v;
	size_t cap;

	if (vec->n + extra <= vec->cap)
		return 0;
	cap = vec->cap ? vec->cap : 64;
	while (cap < vec->n + extra)
		cap *= 2;
	if ((v = realloc(vec->v, cap * sizeof(*v))) == NULL)
		return SA_ERR_NOMEM;
	vec->v = v;
	vec->cap = cap;
	return 0;
}

void
sa_vec_insert(struct sa_vec *vec, struct sa_node *n)
{
	size_t pos;

	if (sa_vec_find(vec, n->e.fp, &pos) != NULL)
		return;
	memmove(&vec->v[pos + 1], &vec->v[pos], (vec->n - pos) * sizeof(*vec->v));
	vec->v[pos] = n;
	vec->n++;
}

void
sa_vec_remove(struct sa_vec *vec, const unsigned char fp[SA_FP_LEN])
{
	size_t pos;

	if (sa_vec_find(vec, fp, &pos) == NULL)
		return;
	memmove(&vec->v[pos], &vec->v[pos + 1],
	    (vec->n - pos - 1) * sizeof(*vec->v));
	vec->n--;
}

static int
node_cmp(const void *a, const void *b)
{
	const struct sa_node *const *x = a, *const *y = b;

	return memcmp((*x)->e.fp, (*y)->e.fp, SA_FP_LEN);
}

void
sa_vec_sort(struct sa_vec *vec)
{
	if (vec->n > 1)
		qsort(vec->v, vec->n, sizeof(*vec->v), node_cmp);
}

/* ---- subject index ---- */

int
sa_subject_index_reserve(struct sa_subject_index *ix, size_t extra)
{
	struct sa_node **b, *n, *next;
	size_t nb, i, h;

	if (ix->nbuckets != 0 && (ix->n + extra) <= ix->nbuckets)
		return 0;
	nb = ix->nbuckets ? ix->nbuckets : 256;
	while (nb < ix->n + extra)
		nb *= 2;
	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return SA_ERR_NOMEM;
	for (i = 0; i < ix->nbuckets; i++) {
		for (n = ix->buckets[i]; n != NULL; n = next) {
			next = n->hnext;
			h = n->e.subject_hash & (nb - 1);
			n->hnext = b[h];
			b[h] = n;
		}
	}
	free(ix->buckets);
	ix->buckets = b;
	ix->nbuckets = nb;
	return 0;
}

void
sa_subject_index_add(struct sa_subject_index *ix, struct sa_node *n)
{
	size_t h = n->e.subject_hash & (ix->nbuckets - 1);

	n->hnext = ix->buckets[h];
	ix->buckets[h] = n;
	ix->n++;
}

void
sa_subject_index_del(struct sa_subject_index *ix, struct sa_node *n)
{
	struct sa_node **pp;

	if (ix->nbuckets == 0)
		return;
	for (pp = &ix->buckets[n->e.subject_hash & (ix->nbuckets - 1)];
	    *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			n->hnext = NULL;
			ix->n--;
			return;
		}
	}
}

struct sa_node *
sa_subject_index_first(const struct sa_subject_index *ix, unsigned long hash)
{
	struct sa_node *n;

	if (ix->nbuckets == 0)
		return NULL;
	for (n = ix->buckets[hash & (ix->nbuckets - 1)]; n != NULL; n = n->hnext)
		if (n->e.subject_hash == hash)
			return n;
	return NULL;
}

/* ---- the store ---- */

void
sa_store_warn(struct sa_store *st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (st->opts.warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->opts.warn(st->opts.warn_arg, msg);
}

void
sa_store_put_setting(struct sa_store *st, enum sa_setting s, char *value)
{
	char *old = st->settings[s];

	st->settings[s] = value;
	if (old != NULL) {
		OPENSSL_cleanse(old, strlen(old));
		free(old);
	}
}

static int
take_lock(struct sa_store *st, char *err, size_t errlen)
{
	if ((st->lock_fd = sa_file_open(st->dir_fd, "lock", O_RDWR | O_CREAT,
	    0600)) < 0)
		return sa_fail(err, errlen, SA_ERR_IO, "%s/lock: %s", st->dir,
		    sa_file_strerror(errno));
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return sa_fail(err, errlen, SA_ERR_LOCKED,
		    "state directory %s is in use by another writer "
		    "(secagentd or secagentctl)", st->dir);
	return 0;
}

static time_t
default_clock(void *arg)
{
	(void)arg;
	return time(NULL);
}

/* A new state directory: the factory defaults, then a first snapshot. */
static int
init_fresh(struct sa_store *st, char *err, size_t errlen)
{
	struct sa_txn *t;
	int r;

	if ((t = sa_txn_new(st, "factory")) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	if ((r = sa_txn_restore_defaults(t, err, errlen)) == 0 &&
	    (r = sa_txn_commit(t, err, errlen)) == 0)
		r = sa_journal_compact(st, err, errlen);
	sa_txn_free(t);
	st->fresh = 0;
	return r;
}

int
sa_store_open(const char *dir, const struct sa_store_opts *opts,
    struct sa_store **out, char *err, size_t errlen)
{
	struct sa_store *st;
	int r, s;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->dir = strdup(dir)) == NULL) {
		free(st);
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	if (opts != NULL)
		st->opts = *opts;
	if (st->opts.clock == NULL)
		st->opts.clock = default_clock;
	st->invalid_max = st->opts.invalid_max != 0 ? st->opts.invalid_max :
	    SA_INVALID_MAX_DEFAULT;
	st->lock_fd = st->journal_fd = st->dir_fd = st->capath_fd = -1;
	pthread_rwlock_init(&st->rw, NULL);
	pthread_mutex_init(&st->commit_mutex, NULL);
	pthread_mutex_init(&st->subs_mutex, NULL);
	for (s = 0; s < SA_SET_COUNT; s++)
		if ((st->settings[s] = strdup(setting_defaults[s])) == NULL) {
			r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
			goto out;
		}
	/* the directory first: owned by us, writable by no one else */
	if ((st->dir_fd = sa_dir_open(AT_FDCWD, dir, !st->opts.read_only, 0755,
	    err, errlen)) < 0) {
		r = errno == ENOMEM ? SA_ERR_NOMEM : SA_ERR_IO;
		goto out;
	}
	if (!st->opts.read_only && (r = take_lock(st, err, errlen)) != 0)
		goto out;
	if ((r = sa_journal_load(st, err, errlen)) != 0)
		goto out;
	if (!st->opts.read_only && (r = sa_capath_init(st, err, errlen)) != 0)
		goto out;
	if (!st->opts.read_only && st->fresh && (r = init_fresh(st, err, errlen)) != 0)
		goto out;
	if (!st->opts.read_only)
		sa_capath_sync(st);
	*out = st;
	st = NULL;
 out:
	sa_store_free(st);
	return r;
}

void
sa_store_free(struct sa_store *st)
{
	size_t l, i;
	int s;

	if (st == NULL)
		return;
	sa_journal_close(st);
	for (l = 0; l < SA_LIST_COUNT; l++) {
		for (i = 0; i < st->lists[l].n; i++)
			sa_node_free(st->lists[l].v[i]);
		free(st->lists[l].v);
	}
	free(st->ca_subjects.buckets);
	for (s = 0; s < SA_SET_COUNT; s++)
		sa_store_put_setting(st, (enum sa_setting)s, NULL);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->capath_fd >= 0)
		close(st->capath_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	pthread_rwlock_destroy(&st->rw);
	pthread_mutex_destroy(&st->commit_mutex);
	pthread_mutex_destroy(&st->subs_mutex);
	free(st->dir);
	free(st);
}

time_t
sa_store_now(const struct sa_store *st)
{
	return st->opts.clock(st->opts.clock_arg);
}

const char *
sa_store_dir(const struct sa_store *st)
{
	return st->dir;
}

void
sa_store_set_invalid_max(struct sa_store *st, size_t max)
{
	pthread_mutex_lock(&st->commit_mutex);
	st->invalid_max = max != 0 ? max : SA_INVALID_MAX_DEFAULT;
	pthread_mutex_unlock(&st->commit_mutex);
}

uint64_t
sa_store_invalid_evictions(struct sa_store *st)
{
	uint64_t n;

	pthread_rwlock_rdlock(&st->rw);
	n = st->invalid_evictions;
	pthread_rwlock_unlock(&st->rw);
	return n;
}

int
sa_store_dir_fd(const struct sa_store *st)
{
	return st->dir_fd;
}

uint64_t
sa_store_generation(const struct sa_store *st)
{
	return st->generation;	/* the caller holds the read lock */
}

void
sa_store_rdlock(struct sa_store *st)
{
	pthread_rwlock_rdlock(&st->rw);
}

void
sa_store_unlock(struct sa_store *st)
{
	pthread_rwlock_unlock(&st->rw);
}

struct sa_node *
sa_store_find_node(struct sa_store *st, const unsigned char fp[SA_FP_LEN])
{
	struct sa_node *n;
	int l;

	for (l = 0; l < SA_LIST_COUNT; l++)
		if ((n = sa_vec_find(&st->lists[l], fp, NULL)) != NULL)
			return n;
	return NULL;
}

const struct sa_entry *
sa_store_find(struct sa_store *st, const unsigned char fp[SA_FP_LEN])
{
	struct sa_node *n = sa_store_find_node(st, fp);

	return n != NULL ? &n->e : NULL;
}

size_t
sa_store_count(struct sa_store *st, enum sa_list l)
{
	return st->lists[l].n;
}

const struct sa_entry *
sa_store_first(struct sa_store *st, enum sa_list l)
{
	return st->lists[l].n > 0 ? &st->lists[l].v[0]->e : NULL;
}

const struct sa_entry *
sa_store_next(struct sa_store *st, const struct sa_entry *e)
{
	return sa_store_after(st, e->list, e->fp);
}

const struct sa_entry *
sa_store_after(struct sa_store *st, enum sa_list l,
    const unsigned char fp[SA_FP_LEN])
{
	const struct sa_vec *vec = &st->lists[l];
	size_t pos;

	if (sa_vec_find(vec, fp, &pos) != NULL)
		pos++;
	return pos < vec->n ? &vec->v[pos]->e : NULL;
}

/* Scans one sorted list for the entries starting with the prefix. */
static size_t
prefix_matches(const struct sa_vec *vec, const unsigned char *lo,
    const unsigned char *hi, const struct sa_entry **found)
{
	size_t pos, n = 0;

	sa_vec_find(vec, lo, &pos);
	for (; pos < vec->n && memcmp(vec->v[pos]->e.fp, hi, SA_FP_LEN) <= 0;
	    pos++) {
		*found = &vec->v[pos]->e;
		n++;
	}
	return n;
}

int
sa_store_find_prefix(struct sa_store *st, const char *hex,
    const struct sa_entry **out, char *err, size_t errlen)
{
	unsigned char lo[SA_FP_LEN], hi[SA_FP_LEN];
	char buf[SA_FP_HEX_LEN + 1];
	size_t len = 0, n = 0, i;
	int l;

	*out = NULL;
	for (i = 0; hex[i] != '\0'; i++) {
		if (hex[i] == ':')
			continue;
		if (len == SA_FP_HEX_LEN || !strchr("0123456789abcdefABCDEF", hex[i]))
			return sa_fail(err, errlen, SA_ERR_INVALID,
			    "\"%.70s\" is not a SHA-256 fingerprint or a hex "
			    "prefix of one", hex);
		buf[len++] = hex[i];
	}
	if (len < 4)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "fingerprint prefix \"%s\" is too short (4 digits at least)",
		    hex);
	memset(buf + len, '0', SA_FP_HEX_LEN - len);
	buf[SA_FP_HEX_LEN] = '\0';
	sa_fp_from_hex(buf, lo);
	memset(buf + len, 'f', SA_FP_HEX_LEN - len);
	sa_fp_from_hex(buf, hi);
	for (l = 0; l < SA_LIST_COUNT; l++)
		n += prefix_matches(&st->lists[l], lo, hi, out);
	if (n == 0)
		return sa_fail(err, errlen, SA_ERR_NOT_FOUND,
		    "no certificate with fingerprint %s", hex);
	if (n > 1) {
		*out = NULL;
		return sa_fail(err, errlen, SA_ERR_AMBIGUOUS,
		    "fingerprint prefix %s matches %zu certificates", hex, n);
	}
	return 0;
}

static int
get_setting(struct sa_store *st, enum sa_setting s, char **value)
{
	*value = NULL;
	if ((unsigned)s >= SA_SET_COUNT)
		return SA_ERR_INVALID;
	pthread_rwlock_rdlock(&st->rw);
	*value = strdup(st->settings[s]);
	pthread_rwlock_unlock(&st->rw);
	return *value == NULL ? SA_ERR_NOMEM : 0;
}

int
sa_store_get(struct sa_store *st, enum sa_setting s, char **value)
{
	*value = NULL;
	if (sa_setting_is_secret(s))
		return SA_ERR_DENIED;
	return get_setting(st, s, value);
}

int
sa_store_get_secret(struct sa_store *st, enum sa_setting s, char **value)
{
	return get_setting(st, s, value);
}

int
sa_store_accept_all(struct sa_store *st)
{
	int on;

	pthread_rwlock_rdlock(&st->rw);
	on = strcmp(st->settings[SA_SET_ACCEPT_ALL], "true") == 0;
	pthread_rwlock_unlock(&st->rw);
	return on;
}

/* ---- subscribers ---- */

int
sa_store_subscribe(struct sa_store *st, sa_event_cb *cb, void *arg)
{
	int i, id = -1;

	pthread_mutex_lock(&st->subs_mutex);
	for (i = 0; i < SA_MAX_SUBSCRIBERS; i++) {
		if (st->subs[i].cb == NULL) {
			st->subs[i].cb = cb;
			st->subs[i].arg = arg;
			id = i;
			break;
		}
	}
	pthread_mutex_unlock(&st->subs_mutex);
	return id;
}

void
sa_store_unsubscribe(struct sa_store *st, int id)
{
	if (id < 0 || id >= SA_MAX_SUBSCRIBERS)
		return;
	pthread_mutex_lock(&st->subs_mutex);
	st->subs[id].cb = NULL;
	st->subs[id].arg = NULL;
	pthread_mutex_unlock(&st->subs_mutex);
	/* events are delivered under the commit mutex: once we have held it,
	 * no callback of this subscriber is still running */
	pthread_mutex_lock(&st->commit_mutex);
	pthread_mutex_unlock(&st->commit_mutex);
}

void
sa_store_emit(struct sa_store *st, const struct sa_event *ev)
{
	struct sa_subscriber subs[SA_MAX_SUBSCRIBERS];
	int i;

	pthread_mutex_lock(&st->subs_mutex);
	memcpy(subs, st->subs, sizeof(subs));
	pthread_mutex_unlock(&st->subs_mutex);
	for (i = 0; i < SA_MAX_SUBSCRIBERS; i++)
		if (subs[i].cb != NULL)
			subs[i].cb(ev, subs[i].arg);
}
