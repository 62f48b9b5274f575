/*
 * ncs_poll.c - the event thread, the worker pool and the watchdog.
 *
 * nc_ps_poll() busy-waits for its whole timeout, so it is only ever called
 * with timeout 0, by a worker, on a connection that has something to do:
 * its socket became readable (epoll, one-shot: re-armed after the drain),
 * a notification or a kill request was queued, or the 1 s tick came.  The
 * tick covers what epoll cannot see: the idle timeout, and input that
 * libssh or OpenSSL read ahead into their buffers.  Idle sessions cost
 * one cheap drain a second.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

#define TICK_MS 1000
#define STOP_GRACE_SECS 2	/* then stuck connections are shut down */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ncs_wake(void)
{
	uint64_t one = 1;

	if (srv.evfd >= 0 && write(srv.evfd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		sa_warn("eventfd: %s", strerror(errno));
}

/* srv.lock held: shut the socket of c down, so that a stuck read or
 * write fails and the session ends. */
static void
conn_shut(struct ncs_conn *c)
{
	if (c->shut || c->wfd < 0)
		return;
	shutdown(c->wfd, SHUT_RDWR);
	c->shut = 1;
}

/* srv.lock held: the watchdog, and a drain for every connection. */
static void
tick(void)
{
	struct ncs_conn *c;
	time_t now = ncs_monotime(), since;
	int i;

	for (i = 0; i < NCS_BUCKETS; i++) {
		for (c = srv.conn_hash[i]; c != NULL; c = c->hnext) {
			since = __atomic_load_n(&c->busy_since, __ATOMIC_RELAXED);
			if (since != 0 && now - since > NCS_WATCHDOG_SECS &&
			    !c->shut) {
				sa_warn("a %s connection has been stuck in one "
				    "RPC for %ld s: shut down",
				    c->kind == NCS_SSH ? "SSH" :
				    c->kind == NCS_TLS ? "TLS" : "UNIX",
				    (long)(now - since));
				conn_shut(c);
			}
			since = __atomic_load_n(&c->notif_since,
			    __ATOMIC_RELAXED);
			if (since != 0 && now - since > NCS_NOTIF_STUCK_SECS &&
			    !c->shut) {
				sa_warn("a subscriber has not read a "
				    "notification for %ld s: shut down",
				    (long)(now - since));
				conn_shut(c);
			}
			ncs_conn_queue(c);
		}
	}
}

static void *
event_main(void *arg)
{
	struct epoll_event ev[64];
	struct ncs_conn *c;
	int64_t next_tick = now_ms() + TICK_MS, wait;
	uint64_t v;
	int i, n;

	(void)arg;
	pthread_setname_np(pthread_self(), "ncs-event");
	for (;;) {
		wait = next_tick - now_ms();
		n = epoll_wait(srv.epfd, ev, 64, wait < 0 ? 0 : (int)wait);
		if (n < 0 && errno != EINTR) {
			sa_error("epoll_wait: %s", strerror(errno));
			n = 0;
		}
		pthread_mutex_lock(&srv.lock);
		if (srv.stopping) {
			pthread_mutex_unlock(&srv.lock);
			break;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == 0) {
				if (read(srv.evfd, &v, sizeof(v)) < 0)
					continue;
			} else if ((c = ncs_conn_find(ev[i].data.u64)) != NULL) {
				ncs_conn_queue(c);
			}
		}
		if (now_ms() >= next_tick) {
			tick();
			next_tick = now_ms() + TICK_MS;
		}
		pthread_mutex_unlock(&srv.lock);
	}
	nc_thread_destroy();
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct ncs_conn *c;

	(void)arg;
	pthread_setname_np(pthread_self(), "ncs-worker");
	pthread_mutex_lock(&srv.lock);
	for (;;) {
		while (srv.q_head == NULL && !srv.workers_exit)
			pthread_cond_wait(&srv.work_cond, &srv.lock);
		if ((c = srv.q_head) == NULL)
			break;
		if ((srv.q_head = c->qnext) == NULL)
			srv.q_tail = &srv.q_head;
		c->queued = 0;
		c->running = 1;
		c->again = 0;
		pthread_mutex_unlock(&srv.lock);
		ncs_drain(c);
		pthread_mutex_lock(&srv.lock);
		c->running = 0;
		if (c->again && c->wfd >= 0) {
			/* keeps the queue's reference */
			c->again = 0;
			c->queued = 1;
			c->qnext = NULL;
			*srv.q_tail = c;
			srv.q_tail = &c->qnext;
		} else {
			ncs_conn_unref(c);
		}
	}
	pthread_mutex_unlock(&srv.lock);
	nc_thread_destroy();
	return NULL;
}

int
ncs_poll_start(char *err, size_t errlen)
{
	struct epoll_event ev;

	srv.stopping = 0;
	srv.workers_exit = 0;
	if ((srv.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (srv.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = 0;	/* connection ids start at 1 */
	if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, srv.evfd, &ev) != 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	for (srv.nworkers = 0; srv.nworkers < NCS_WORKERS; srv.nworkers++) {
		if (pthread_create(&srv.workers[srv.nworkers], NULL, worker_main,
		    NULL) != 0) {
			snprintf(err, errlen, "cannot start the NETCONF workers");
			return -1;
		}
	}
	if (pthread_create(&srv.event_thread, NULL, event_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the NETCONF event thread");
		return -1;
	}
	srv.event_running = 1;
	return 0;
}

/* srv.lock held: a drain for every connection; shut them down when late. */
static void
end_all(int shut)
{
	struct ncs_conn *c;
	int i;

	for (i = 0; i < NCS_BUCKETS; i++) {
		for (c = srv.conn_hash[i]; c != NULL; c = c->hnext) {
			if (shut)
				conn_shut(c);
			ncs_conn_queue(c);
		}
	}
}

void
ncs_poll_stop(void)
{
	struct timespec ts;
	time_t deadline = ncs_monotime() + STOP_GRACE_SECS;
	int i, shut = 0;

	pthread_mutex_lock(&srv.lock);
	srv.stopping = 1;
	pthread_mutex_unlock(&srv.lock);
	ncs_wake();
	if (srv.event_running)
		pthread_join(srv.event_thread, NULL);
	srv.event_running = 0;
	/* the workers end every session (session_end for each) */
	pthread_mutex_lock(&srv.lock);
	while (srv.nconn > 0 && srv.nworkers > 0) {
		if (!shut && ncs_monotime() >= deadline) {
			sa_warn("%zu connections do not end: shut down",
			    srv.nconn);
			shut = 1;
		}
		end_all(shut);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv.idle_cond, &srv.lock, &ts);
	}
	srv.workers_exit = 1;
	pthread_cond_broadcast(&srv.work_cond);
	pthread_mutex_unlock(&srv.lock);
	for (i = 0; i < srv.nworkers; i++)
		pthread_join(srv.workers[i], NULL);
	srv.nworkers = 0;
	if (srv.evfd >= 0)
		close(srv.evfd);
	if (srv.epfd >= 0)
		close(srv.epfd);
	srv.evfd = srv.epfd = -1;
}
