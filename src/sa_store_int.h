/*
 * sa_store_int.h - the inside of struct sa_store, shared by the files of the
 * core that implement it (store, transactions, journal, CApath, sweep).
 * Front ends never include this.
 */
#ifndef SA_STORE_INT_H
#define SA_STORE_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "sa_file.h"
#include "sa_store.h"

/* An entry as the store holds it: the public part plus its index links. */
struct sa_node {
	struct sa_entry e;
	struct sa_node *hnext;	/* CA list: next with the same subject hash */
};

#define SA_NODE(ep) ((struct sa_node *)(void *)(ep))

/* The entries of one list, sorted by fingerprint. */
struct sa_vec {
	struct sa_node **v;
	size_t n;
	size_t cap;
};

/* CA entries by subject hash, for issuer lookups (import, TLS check). */
struct sa_subject_index {
	struct sa_node **buckets;
	size_t nbuckets;	/* power of two */
	size_t n;
};

struct sa_subscriber {
	sa_event_cb *cb;
	void *arg;
};

#define SA_MAX_SUBSCRIBERS 16

struct sa_store {
	char *dir;
	int dir_fd;		/* every file is opened relative to it (sa_file.h) */
	int capath_fd;		/* DIR/capath, or -1 */
	struct sa_store_opts opts;
	int lock_fd;
	/*
	 * Order: commit_mutex, then rw.  A commit holds commit_mutex from
	 * planning to the last event and takes rw for writing around the
	 * in-memory apply; the subscribers' callbacks run under commit_mutex
	 * only, and must not commit.  A reader holding rw takes no other lock
	 * of the store.  (secagentd's order across its front ends is in
	 * agent/daemon/daemon.h.)
	 */
	pthread_rwlock_t rw;
	pthread_mutex_t commit_mutex;
	struct sa_vec lists[SA_LIST_COUNT];
	struct sa_subject_index ca_subjects;
	char *settings[SA_SET_COUNT];
	uint64_t seq;		/* last committed transaction */
	uint64_t holder;	/* sa_store_hold, under commit_mutex */
	uint64_t generation;	/* in-memory changes, including loads */
	size_t invalid_max;	/* under commit_mutex */
	uint64_t invalid_evictions;	/* under rw */
	int fresh;		/* the directory held no state: factory defaults */
	int broken;		/* a failed write could not be undone: read-only */
	int journal_fd;
	off_t journal_size;
	off_t snapshot_size;
	struct sa_subscriber subs[SA_MAX_SUBSCRIBERS];
	pthread_mutex_t subs_mutex;
};

/*
 * One planned change of a transaction: what the store holds for fp now and
 * what replaces it.  Journal records and change events are made from these.
 */
struct sa_change {
	unsigned char fp[SA_FP_LEN];
	struct sa_node *old;	/* in the store now (borrowed), or NULL */
	struct sa_node *new;	/* owned until applied; NULL deletes */
	int old_list;		/* list of old before the commit, or -1 */
	enum sa_cause cause;
	int expiring_days;	/* > 0: an expiry warning, not a list change */
};

/* sa_store.c: the in-memory structures */
struct sa_node *sa_node_new(void);
void sa_node_free(struct sa_node *n);
/* Deep copy; NULL when out of memory. */
struct sa_node *sa_node_dup(const struct sa_node *n);
struct sa_node *sa_vec_find(const struct sa_vec *vec,
    const unsigned char fp[SA_FP_LEN], size_t *pos);
int sa_vec_reserve(struct sa_vec *vec, size_t extra);
/* Inserts or removes keeping the order; capacity must be reserved. */
void sa_vec_insert(struct sa_vec *vec, struct sa_node *n);
void sa_vec_remove(struct sa_vec *vec, const unsigned char fp[SA_FP_LEN]);
void sa_vec_sort(struct sa_vec *vec);
int sa_subject_index_reserve(struct sa_subject_index *ix, size_t extra);
void sa_subject_index_add(struct sa_subject_index *ix, struct sa_node *n);
void sa_subject_index_del(struct sa_subject_index *ix, struct sa_node *n);
struct sa_node *sa_subject_index_first(const struct sa_subject_index *ix,
    unsigned long hash);
struct sa_node *sa_store_find_node(struct sa_store *st,
    const unsigned char fp[SA_FP_LEN]);
void sa_store_warn(struct sa_store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replaces a setting's value, wiping the old one. Takes value over. */
void sa_store_put_setting(struct sa_store *st, enum sa_setting s, char *value);
void sa_store_emit(struct sa_store *st, const struct sa_event *ev);

/* sa_entry.c: entries from certificates */
/* A new node for a parsed certificate (metadata filled, list unset). */
struct sa_node *sa_node_from_x509(X509 *x, const unsigned char *der,
    size_t der_len, const unsigned char fp[SA_FP_LEN]);
/* (Re)computes the details of n from x; 0 or -1. */
int sa_node_fill_details(struct sa_node *n, X509 *x);
/* Parses an entry's DER; NULL if it cannot be parsed. */
X509 *sa_entry_x509(const struct sa_entry *e);

/* sa_journal.c: persistence */
struct sa_change;
int sa_journal_load(struct sa_store *st, char *err, size_t errlen);
/* One durable frame: the changes and the settings that are not NULL. */
int sa_journal_append(struct sa_store *st, uint64_t seq,
    const struct sa_change *changes, size_t nchanges,
    char *const *settings, char *err, size_t errlen);
int sa_journal_compact(struct sa_store *st, char *err, size_t errlen);
int sa_journal_wants_compaction(const struct sa_store *st);
void sa_journal_close(struct sa_store *st);

/* sa_capath.c: the CA list as an OpenSSL -CApath directory */
/* Opens DIR/capath (made when missing, checked as the state directory). */
int sa_capath_init(struct sa_store *st, char *err, size_t errlen);
void sa_capath_update(struct sa_store *st, const unsigned long *hashes,
    size_t n);
void sa_capath_sync(struct sa_store *st);

/* sa_crc.c */
uint32_t sa_crc32c(const void *buf, size_t len);

/* sa_factory.c */
int sa_factory_load(const char *bundle, unsigned char **buf, size_t *len,
    char *err, size_t errlen);

#endif
