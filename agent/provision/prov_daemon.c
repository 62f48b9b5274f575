/*
 * prov_daemon.c - the provisioning client inside secagentd (prov.h):
 * a thread for the periodic fetch and for attempts asked for with
 * sa_prov_request (the SNMP trigger), sa_prov_run for provision-now, and
 * the state the data model shows.
 *
 * Schedule: when provisioning-interval is non-zero and a provisioning-url
 * is set, an attempt runs at start, again whenever either setting
 * changes, and then every interval seconds after the last attempt (on
 * demand or periodic).  A change is seen through the store's change
 * events, so it takes effect whichever interface made it.
 *
 * Locks: run_lock makes attempts one at a time and is held across the
 * fetch; lock guards the state and the schedule and is never held across
 * a store call, because the store's event callbacks (ours included) run
 * in the committing thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "../../src/sa_text.h"
#include "prov.h"

struct sa_prov {
	struct sa_daemon *d;
	pthread_t thread;
	/* run_lock: one run, before the store's commit mutex; lock: a leaf,
	 * also taken by the store's event callback (lock order: daemon.h) */
	pthread_mutex_t run_lock;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	int stop;			/* also read by curl's progress callback */
	int changed;			/* url or interval changed */
	int requested;			/* sa_prov_request: an attempt now */
	char req_source[64];		/* ... on behalf of this source */
	int sub;			/* store subscription, -1 if none */
	struct timespec last_mono;	/* monotonic time of the last attempt */
	struct sa_prov_state state;
	char mac_id[16];		/* the default device id, "" if none */
};

static void
on_event(const struct sa_event *ev, void *arg)
{
	struct sa_prov *p = arg;

	if (ev->kind != SA_EV_SETTING || (ev->setting != SA_SET_PROV_URL &&
	    ev->setting != SA_SET_PROV_INTERVAL))
		return;
	pthread_mutex_lock(&p->lock);
	p->changed = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static int
reached(const struct timespec *due)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > due->tv_sec || (now.tv_sec == due->tv_sec &&
	    now.tv_nsec >= due->tv_nsec);
}

/* The interval in seconds, 0 when on demand only or no URL is set. */
static unsigned long
period(struct sa_store *st)
{
	char *url = NULL, *iv = NULL;
	unsigned long n = 0;

	if (sa_store_get(st, SA_SET_PROV_URL, &url) == 0 &&
	    sa_store_get(st, SA_SET_PROV_INTERVAL, &iv) == 0 && *url != '\0')
		n = strtoul(iv, NULL, 10);
	free(url);
	free(iv);
	return n;
}

static void
log_result(int r, const struct sa_prov_summary *sum, const char *source,
    const char *err)
{
	if (r != 0) {
		sa_warn("provisioning (%s) failed: %s", source, err);
		return;
	}
	sa_info("provisioning (%s) applied: %u parameters, %u unknown "
	    "parameters left alone, %u certificates added, %u removed",
	    source, sum->params, sum->unknown, sum->certs_added,
	    sum->certs_removed);
}

/* The device id: device-id of the configuration, else the MAC address. */
static void
device_id(struct sa_prov *p, char *buf, size_t len)
{
	struct sa_daemon *d = p->d;

	pthread_rwlock_rdlock(&d->cfg_lock);
	snprintf(buf, len, "%s", d->cfg != NULL && d->cfg->device_id != NULL ?
	    d->cfg->device_id : p->mac_id);
	pthread_rwlock_unlock(&d->cfg_lock);
}

static int
attempt(struct sa_prov *p, uint64_t holder, const char *source, char *err,
    size_t errlen)
{
	struct sa_prov_summary sum;
	struct sa_store *st = p->d->st;
	char why[sizeof(p->state.last_error)], shown[sizeof(why)];
	char id[SA_PROV_DEVICE_ID_MAX + 1];
	time_t now;
	int r;

	pthread_mutex_lock(&p->run_lock);
	pthread_mutex_lock(&p->lock);
	p->state.running = 1;
	pthread_mutex_unlock(&p->lock);
	now = sa_store_now(st);
	device_id(p, id, sizeof(id));
	r = sa_prov_attempt(st, *id != '\0' ? id : NULL, holder, source,
	    &p->stop, &sum, why, sizeof(why));
	/* the reason may quote the server or its file: the one rule */
	sa_text_escape_buf(shown, sizeof(shown), r != 0 ? why : "");
	log_result(r, &sum, source, shown);
	pthread_mutex_lock(&p->lock);
	p->state.running = 0;
	p->state.last_attempt = now;
	p->state.unknown_params = sum.unknown;
	clock_gettime(CLOCK_MONOTONIC, &p->last_mono);
	if (r == 0) {
		p->state.last_success = now;
		p->state.last_result = SA_MAP_RESULT_SUCCESS;
		p->state.last_error[0] = '\0';
	} else {
		p->state.last_result = SA_MAP_RESULT_FAILED;
		snprintf(p->state.last_error, sizeof(p->state.last_error),
		    "%s", shown);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&p->run_lock);
	if (r != 0)
		snprintf(err, errlen, "%s", shown);
	return r;
}

/*
 * Waits until the next attempt is due; 0 when it is, -1 to stop.  The
 * change flag is cleared before the settings are read, so a change made
 * meanwhile sets it again and is not slept through.
 */
static int
wait_due(struct sa_prov *p)
{
	struct timespec due;
	unsigned long iv;
	int changed, r;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		changed = p->changed;
		p->changed = 0;
		pthread_mutex_unlock(&p->lock);
		iv = period(p->d->st);	/* a store call: not under lock */
		pthread_mutex_lock(&p->lock);
		due = p->last_mono;
		due.tv_sec += (time_t)iv;
		r = p->stop ? -1 : p->requested ||
		    (iv > 0 && (changed || reached(&due))) ? 0 : 1;
		if (r == 1 && !p->changed && !p->requested && !p->stop) {
			if (iv == 0)
				pthread_cond_wait(&p->cond, &p->lock);
			else
				pthread_cond_timedwait(&p->cond, &p->lock, &due);
		}
		pthread_mutex_unlock(&p->lock);
		if (r != 1)
			return r;
	}
}

static void *
prov_thread(void *arg)
{
	struct sa_prov *p = arg;
	char err[256], source[sizeof(p->req_source)];

	while (wait_due(p) == 0) {
		pthread_mutex_lock(&p->lock);
		snprintf(source, sizeof(source), "%s", p->requested ?
		    p->req_source : "provisioning");
		p->requested = 0;
		p->state.running = 1;	/* no idle between request and attempt */
		pthread_mutex_unlock(&p->lock);
		attempt(p, 0, source, err, sizeof(err));
	}
	return NULL;
}

static void
prov_free(struct sa_prov *p)
{
	if (p == NULL)
		return;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->run_lock);
	free(p);
}

int
sa_prov_start(struct sa_daemon *d, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	struct sa_prov *p;
	int r;

	if (sa_prov_global_init(err, errlen) != 0)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->d = d;
	p->sub = -1;
	sa_prov_default_device_id(p->mac_id, sizeof(p->mac_id));
	p->changed = 1;		/* the first attempt at start */
	p->state.last_result = SA_MAP_RESULT_NONE;
	pthread_mutex_init(&p->run_lock, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((p->sub = sa_store_subscribe(d->st, on_event, p)) < 0) {
		snprintf(err, errlen, "cannot subscribe to the store's changes");
		prov_free(p);
		return -1;
	}
	if ((r = pthread_create(&p->thread, NULL, prov_thread, p)) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(r));
		sa_store_unsubscribe(d->st, p->sub);
		prov_free(p);
		return -1;
	}
	d->prov = p;
	sa_prov_reload(d);
	return 0;
}

void
sa_prov_reload(struct sa_daemon *d)
{
	char id[SA_PROV_DEVICE_ID_MAX + 1];

	/* the rest of the client's settings live in the store */
	if (d->prov == NULL)
		return;
	device_id(d->prov, id, sizeof(id));
	if (*id == '\0')
		sa_info("provisioning: no device-id (no MAC address found); "
		    "a provisioning-url naming {device} cannot be fetched");
	else
		sa_info("provisioning: device-id %s%s", id,
		    strcmp(id, d->prov->mac_id) == 0 ? " (the MAC address)" : "");
}

void
sa_prov_stop(struct sa_daemon *d)
{
	struct sa_prov *p = d->prov;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	sa_store_unsubscribe(d->st, p->sub);
	/* an sa_prov_run under way (the front ends stop first) ends here */
	pthread_mutex_lock(&p->run_lock);
	pthread_mutex_unlock(&p->run_lock);
	d->prov = NULL;
	prov_free(p);
}

int
sa_prov_run(struct sa_daemon *d, uint64_t holder, char *err, size_t errlen)
{
	if (d->prov == NULL) {
		snprintf(err, errlen, "the provisioning client is not running");
		return SA_ERR_INVALID;
	}
	return attempt(d->prov, holder, "provision-now", err, errlen);
}

int
sa_prov_request(struct sa_daemon *d, const char *source)
{
	struct sa_prov *p = d->prov;

	if (p == NULL)
		return -1;
	pthread_mutex_lock(&p->lock);
	if (!p->requested)
		snprintf(p->req_source, sizeof(p->req_source), "%s", source);
	p->requested = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void
sa_prov_get_state(struct sa_daemon *d, struct sa_prov_state *out)
{
	struct sa_prov *p = d->prov;

	memset(out, 0, sizeof(*out));
	out->last_result = SA_MAP_RESULT_NONE;
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	*out = p->state;
	out->running |= p->requested;
	pthread_mutex_unlock(&p->lock);
}
