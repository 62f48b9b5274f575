/*
 * dstore_start.c - the datastore layer's start and stop: the one libyang
 * context of the daemon (the standard modules from Debian's packages,
 * ietf-netconf from the build, ours), NACM, the commit timer and the
 * notifier (datastore.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "../yangctx.h"
#include "dstore_int.h"

static int ly_quiet;	/* after start: libyang's errors are the clients' */

/*
 * libyang's errors while the context is built are ours; its warnings are
 * about the standard modules (RFC 6470's XPath), nothing to act on.
 */
static void
yang_log(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	enum sa_log_level l = level == LY_LLERR && !ly_quiet ? SA_LOG_ERROR :
	    SA_LOG_DEBUG;

	if (path != NULL)
		sa_log(l, "libyang", "%s (%s)", msg, path);
	else
		sa_log(l, "libyang", "%s", msg);
}

struct ly_ctx *
dstore_ctx(struct dstore *ds)
{
	return ds->ctx;
}

struct sa_nacm *
dstore_nacm(struct dstore *ds)
{
	return ds->nacm;
}

static void
dstore_free(struct dstore *ds)
{
	dstore_notif_free(ds);
	dstore_commit_free(ds);
	nacm_free(ds->nacm);
	pthread_mutex_destroy(&ds->cand_mutex);
	pthread_mutex_destroy(&ds->mutex);
	pthread_cond_destroy(&ds->cond);
	/* last: the front ends' libraries used its dictionary */
	ly_ctx_destroy(ds->ctx);
	free(ds);
}

int
sa_datastore_start(struct sa_daemon *d, char *err, size_t errlen)
{
	struct dstore *ds;

	err[0] = '\0';
	if ((ds = calloc(1, sizeof(*ds))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ds->d = d;
	pthread_mutex_init(&ds->cand_mutex, NULL);
	pthread_mutex_init(&ds->mutex, NULL);
	pthread_cond_init(&ds->cond, NULL);
	ly_set_log_clb(yang_log, 1);
	if ((ds->ctx = sa_yang_context(err, errlen)) == NULL ||
	    nacm_init(d, ds->ctx, &ds->nacm, err, errlen) != 0 ||
	    dstore_commit_init(ds, err, errlen) != 0 ||
	    dstore_notif_init(ds, err, errlen) != 0) {
		dstore_free(ds);
		return -1;
	}
	ly_quiet = 1;
	d->dstore = ds;
	return 0;
}

void
sa_datastore_stop(struct sa_daemon *d)
{
	if (d->dstore == NULL)
		return;
	dstore_free(d->dstore);
	d->dstore = NULL;
}
