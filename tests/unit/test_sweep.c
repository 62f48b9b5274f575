/*
 * test_sweep.c - the expiry sweep and its warnings, with the store's clock
 * moved forward instead of waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "sa_store.h"
#include "t.h"

static time_t fake_now;

static time_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

struct seen {
	int expiring[64];
	int nexpiring;
	int invalidated;
};

static void
on_event(const struct sa_event *ev, void *arg)
{
	struct seen *s = arg;

	if (ev->kind == SA_EV_EXPIRING && s->nexpiring < 64)
		s->expiring[s->nexpiring++] = (int)ev->days;
	if (ev->kind == SA_EV_MOVED && ev->cause == SA_CAUSE_SWEEP &&
	    ev->list == SA_LIST_INVALID && ev->reason == SA_REASON_EXPIRED)
		s->invalidated++;
}

static int
add(struct sa_store *st, X509 *x, enum sa_origin origin)
{
	char *pem = tc_pem(x), err[256];
	struct sa_txn *t = sa_txn_new(st, "test");
	int r;

	r = sa_txn_import(t, (unsigned char *)pem, strlen(pem), origin, err,
	    sizeof(err));
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	free(pem);
	return r;
}

static const struct sa_entry *
find_x(struct sa_store *st, X509 *x)
{
	unsigned char fp[SA_FP_LEN];
	char hex[65];

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
	return sa_store_find(st, fp);
}

static int
sweep(struct sa_store *st)
{
	char err[256];

	return sa_store_sweep(st, err, sizeof(err));
}

int
main(void)
{
	struct sa_store_opts opts;
	struct sa_store *st;
	struct seen seen;
	struct tc_opts o;
	EVP_PKEY *k = tc_key();
	X509 *soon, *pinned, *rejected_x;
	char *dir = t_tmpdir(), err[256], empty[600];
	time_t start = t_now();
	struct sa_txn *t;
	unsigned char fp[SA_FP_LEN];
	char hex[65];
	int r;

	snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
	t_write_file(empty, "", 0);
	memset(&opts, 0, sizeof(opts));
	opts.clock = fake_clock;
	opts.factory_bundle = empty;
	fake_now = start;
	memset(&o, 0, sizeof(o));
	o.cn = "soon.example";
	o.not_after = start + 10 * 86400 + 3600;
	soon = tc_cert(&o, k, NULL, NULL);
	o.cn = "pinned.example";
	pinned = tc_cert(&o, k, NULL, NULL);
	o.cn = "rejected.example";
	rejected_x = tc_cert(&o, k, NULL, NULL);

	strcat(dir, "");
	{
		char sd[600];
		snprintf(sd, sizeof(sd), "%s/state", dir);
		r = sa_store_open(sd, &opts, &st, err, sizeof(err));
	}
	if (!t_ok(r == 0, "open: %s", r ? err : ""))
		return t_done();
	memset(&seen, 0, sizeof(seen));
	sa_store_subscribe(st, on_event, &seen);
	add(st, soon, SA_ORIGIN_IMPORTED);
	add(st, pinned, SA_ORIGIN_IMPORTED);
	add(st, rejected_x, SA_ORIGIN_IMPORTED);
	/* pinned becomes explicit (accepted after removal+record is long;
	 * configure is the explicit path) */
	{
		unsigned char *der;
		size_t len = tc_der(pinned, &der);
		t = sa_txn_new(st, "test");
		tc_fp_hex(pinned, hex);
		sa_fp_from_hex(hex, fp);
		sa_txn_remove(t, fp);
		sa_txn_add(t, SA_LIST_SERVER, der, len, fp, 0,
		    SA_ORIGIN_CONFIGURED, err, sizeof(err));
		tc_fp_hex(rejected_x, hex);
		sa_fp_from_hex(hex, fp);
		sa_txn_set_rejected(t, fp, 1);
		r = sa_txn_commit(t, err, sizeof(err));
		sa_txn_free(t);
		OPENSSL_free(der);
		t_ok(r == 0, "configure one entry, reject another: %s", r ? err : "");
	}

	r = sweep(st);
	t_ok(r == 0 && seen.nexpiring == 3 && seen.expiring[0] == 10,
	    "10 days before expiry each certificate is announced once (%d, %d days)",
	    seen.nexpiring, seen.nexpiring ? seen.expiring[0] : -1);
	sweep(st);
	t_ok(seen.nexpiring == 3, "a second sweep announces nothing new");
	fake_now = start + 4 * 86400;
	sweep(st);
	t_ok(seen.nexpiring == 6 && seen.expiring[3] == 6,
	    "at 6 days left the 7-day threshold is announced");
	fake_now = start + 10 * 86400;
	sweep(st);
	t_ok(seen.nexpiring == 9 && seen.expiring[6] == 0,
	    "on the last day the 1-day threshold is announced");
	fake_now = start + 11 * 86400;
	r = sweep(st);
	sa_store_rdlock(st);
	t_ok(r == 0 && find_x(st, soon)->list == SA_LIST_INVALID &&
	    find_x(st, soon)->reason == SA_REASON_EXPIRED && seen.invalidated == 1,
	    "an expired imported certificate moves to Invalid, announced");
	t_ok(find_x(st, pinned)->list == SA_LIST_SERVER,
	    "an expired configured certificate stays");
	t_ok(find_x(st, rejected_x)->list == SA_LIST_SERVER &&
	    find_x(st, rejected_x)->rejected, "an expired rejected certificate stays");
	sa_store_unlock(st);
	{
		tc_fp_hex(soon, hex);
		sa_fp_from_hex(hex, fp);
		t = sa_txn_new(st, "test");
		sa_txn_accept(t, fp);
		r = sa_txn_commit(t, err, sizeof(err));
		sa_txn_free(t);
		sweep(st);
		sa_store_rdlock(st);
		t_ok(r == 0 && find_x(st, soon)->list == SA_LIST_SERVER,
		    "an accepted expired certificate is left alone by the sweep");
		sa_store_unlock(st);
	}
	sa_store_free(st);
	X509_free(soon);
	X509_free(pinned);
	X509_free(rejected_x);
	EVP_PKEY_free(k);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
