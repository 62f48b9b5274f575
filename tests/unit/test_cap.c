/*
 * test_cap.c - the cap of the Invalid list: the oldest by last-seen is
 * evicted in the very transaction that adds beyond the cap, durably (a
 * writer killed with SIGKILL after the commit), with its event and the
 * eviction counter; the cap changes at run time; a transaction that adds
 * nothing evicts nothing.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certgen.h"
#include "sa_store.h"
#include "t.h"

#define NCERTS 12

static time_t now_value = 1000000;
static X509 *certs[NCERTS];
static unsigned char fps[NCERTS][SA_FP_LEN];
static char statedir[512], factory[512];
static int evict_events;
static unsigned char evicted_fp[SA_FP_LEN];

static time_t
test_clock(void *arg)
{
	(void)arg;
	return now_value;
}

static void
on_event(const struct sa_event *ev, void *arg)
{
	(void)arg;
	if (ev->kind == SA_EV_REMOVED && ev->cause == SA_CAUSE_EVICT) {
		evict_events++;
		memcpy(evicted_fp, ev->fp, SA_FP_LEN);
	}
}

static struct sa_store *
open_store(size_t max)
{
	struct sa_store_opts opts;
	struct sa_store *st;
	char err[256];

	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = factory;
	opts.clock = test_clock;
	opts.invalid_max = max;
	if (sa_store_open(statedir, &opts, &st, err, sizeof(err)) != 0) {
		t_diag("open: %s", err);
		return NULL;
	}
	return st;
}

/* Records certificate i as a TLS peer's, at time t. */
static int
record(struct sa_store *st, int i, time_t t)
{
	struct sa_txn *tx = sa_txn_new(st, "test");
	unsigned char *der;
	size_t len = tc_der(certs[i], &der);
	char err[256];
	int r;

	now_value = t;
	r = sa_txn_record_invalid(tx, der, len, SA_REASON_UNKNOWN_ISSUER,
	    "127.0.0.1:443");
	r = r != 0 ? r : sa_txn_commit(tx, err, sizeof(err));
	sa_txn_free(tx);
	OPENSSL_free(der);
	return r;
}

static int
present(struct sa_store *st, int i)
{
	const struct sa_entry *e;
	int r;

	sa_store_rdlock(st);
	e = sa_store_find(st, fps[i]);
	r = e != NULL && e->list == SA_LIST_INVALID;
	sa_store_unlock(st);
	return r;
}

static size_t
count(struct sa_store *st)
{
	size_t n;

	sa_store_rdlock(st);
	n = sa_store_count(st, SA_LIST_INVALID);
	sa_store_unlock(st);
	return n;
}

static void
test_evict(void)
{
	struct sa_store *st = open_store(5);
	int i, r = 0;

	if (!t_ok(st != NULL, "a store with invalid_max 5"))
		return;
	sa_store_subscribe(st, on_event, NULL);
	for (i = 0; i < 5; i++)
		r |= record(st, i, 1000 + i);
	t_ok(r == 0 && count(st) == 5 && sa_store_invalid_evictions(st) == 0,
	    "5 certificates fill the list, nothing evicted");
	r = record(st, 0, 1010);	/* seen again: the newest now */
	t_ok(r == 0 && count(st) == 5, "seeing one again adds nothing");
	r = record(st, 5, 1011);
	t_ok(r == 0 && count(st) == 5 && present(st, 5) && present(st, 0) &&
	    !present(st, 1), "the 6th evicts the oldest by last-seen (#1, not "
	    "#0 seen again)");
	t_ok(sa_store_invalid_evictions(st) == 1, "the eviction is counted");
	t_ok(evict_events == 1 && memcmp(evicted_fp, fps[1], SA_FP_LEN) == 0,
	    "an SA_EV_REMOVED event with cause evict names it");
	sa_store_free(st);
}

/* A writer that commits an eviction, says so, and is killed. */
static void
test_durable(void)
{
	struct sa_store *st;
	int fds[2], status, r;
	char c = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return;
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if ((st = open_store(5)) == NULL || record(st, 6, 1020) != 0)
			_exit(1);
		if (write(fds[1], "y", 1) != 1)
			_exit(2);
		raise(SIGKILL);	/* no close: the commit alone must hold */
		_exit(3);
	}
	close(fds[1]);
	r = read(fds[0], &c, 1);
	close(fds[0]);
	waitpid(pid, &status, 0);
	t_ok(r == 1 && c == 'y' && WIFSIGNALED(status), "a writer commits the "
	    "7th and is killed with SIGKILL");
	if ((st = open_store(5)) == NULL)
		return;
	t_ok(count(st) == 5 && present(st, 6) && !present(st, 2) &&
	    present(st, 3), "reopened: the 7th is there, the oldest (#2) is "
	    "gone with it, nothing else");
	sa_store_free(st);
}

static void
test_runtime(void)
{
	struct sa_store *st = open_store(0);
	struct sa_txn *tx;
	char err[256];
	int r;

	if (st == NULL)
		return;
	t_ok(count(st) == 5, "invalid_max 0 is the default (1000): 5 stay");
	sa_store_set_invalid_max(st, 3);
	tx = sa_txn_new(st, "test");
	r = sa_txn_set(tx, SA_SET_ACCEPT_ALL, "true", err, sizeof(err));
	r = r != 0 ? r : sa_txn_commit(tx, err, sizeof(err));
	sa_txn_free(tx);
	t_ok(r == 0 && count(st) == 5 && sa_store_invalid_evictions(st) == 0,
	    "a lower cap: a transaction that adds nothing evicts nothing");
	tx = sa_txn_new(st, "test");
	r = sa_txn_accept(tx, fps[0]);
	r = r != 0 ? r : sa_txn_commit(tx, err, sizeof(err));
	sa_txn_free(tx);
	t_ok(r == 0 && count(st) == 4, "accepting an entry evicts nothing");
	r = record(st, 7, 1030);
	t_ok(r == 0 && count(st) == 3 && present(st, 7) &&
	    sa_store_invalid_evictions(st) == 2,
	    "the next certificate brings the list down to 3 (2 evicted)");
	sa_store_set_invalid_max(st, 1);
	now_value = 1040;
	{
		/* two in one transaction, at the same second: the older stays
		 * out, the entries written last are kept */
		unsigned char *d1, *d2;
		size_t l1 = tc_der(certs[8], &d1), l2 = tc_der(certs[9], &d2);

		tx = sa_txn_new(st, "test");
		r = sa_txn_record_invalid(tx, d1, l1, SA_REASON_OTHER, NULL);
		r = r != 0 ? r : sa_txn_record_invalid(tx, d2, l2,
		    SA_REASON_OTHER, NULL);
		r = r != 0 ? r : sa_txn_commit(tx, err, sizeof(err));
		sa_txn_free(tx);
		OPENSSL_free(d1);
		OPENSSL_free(d2);
	}
	t_ok(r == 0 && count(st) == 1 && (present(st, 8) || present(st, 9)) &&
	    !present(st, 7), "a transaction writing more than the cap keeps "
	    "its own newest, evicts the older ones first");
	sa_store_free(st);
}

int
main(void)
{
	char *dir = t_tmpdir();
	struct tc_opts o;
	EVP_PKEY *k = tc_key();
	char cn[32], hex[65];
	int i;

	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	snprintf(factory, sizeof(factory), "%s/factory.pem", dir);
	t_write_file(factory, "", 0);
	for (i = 0; i < NCERTS; i++) {
		memset(&o, 0, sizeof(o));
		snprintf(cn, sizeof(cn), "peer%d.example", i);
		o.cn = cn;
		certs[i] = tc_cert(&o, k, NULL, NULL);
		tc_fp_hex(certs[i], hex);
		sa_fp_from_hex(hex, fps[i]);
	}
	test_evict();
	test_durable();
	test_runtime();
	for (i = 0; i < NCERTS; i++)
		X509_free(certs[i]);
	EVP_PKEY_free(k);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
