/*
 * sa_sweep.c - the expiry sweep: CA and Server certificates that expired
 * move to Invalid (unless accepted, configured or rejected: the
 * operator's explicit choice stands), and those nearing expiry are
 * announced once per threshold.
 */
#include "sa_txn_int.h"

const int sa_expiry_warn_days[4] = { 30, 14, 7, 1 };

/* The threshold to announce for days left, or 0 for none. */
static int
warn_threshold(long days, int warned)
{
	int i, th = 0;

	if (days < 0)
		return 0;
	for (i = 0; i < 4; i++)
		if (days < sa_expiry_warn_days[i])
			th = sa_expiry_warn_days[i];
	if (th == 0 || (warned != 0 && th >= warned))
		return 0;
	return th;
}

int
sa_store_sweep(struct sa_store *st, char *err, size_t errlen)
{
	const struct sa_entry *e;
	struct sa_txn *t;
	time_t now = sa_store_now(st);
	int l, th, r = 0;

	if ((t = sa_txn_new(st, "expiry-sweep")) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	sa_store_rdlock(st);
	for (l = SA_LIST_CA; l <= SA_LIST_SERVER && r == 0; l++) {
		for (e = sa_store_first(st, (enum sa_list)l); e != NULL && r == 0;
		    e = sa_store_next(st, e)) {
			if (now > e->not_after && !sa_entry_is_sticky(e))
				r = sa_txn_expire(t, e->fp);
			else if ((th = warn_threshold(sa_days_until(e->not_after,
			    now), e->warned_days)) != 0)
				r = sa_txn_warn(t, e->fp, th);
		}
	}
	sa_store_unlock(st);
	if (r != 0)
		r = sa_fail(err, errlen, r, "out of memory");
	else if (sa_txn_size(t) > 0)
		r = sa_txn_commit(t, err, errlen);
	sa_txn_free(t);
	return r;
}
