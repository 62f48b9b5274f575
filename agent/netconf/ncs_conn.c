/*
 * ncs_conn.c - connections and their sessions: adopting a session after
 * its hello, the drain a worker runs on a connection, the end of a
 * session.
 *
 * Every libnetconf2 call on a session happens here, in the worker that
 * holds the connection's mtx; so does every callback of the dispatcher.
 * A session is freed only here too: whatever else wants something of a
 * session (kill, notify) asks through the registry and queues a drain.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

#define DRAIN_ROUNDS 32		/* then requeue: other connections wait */

static void
busy_set(struct ncs_conn *c, time_t t)
{
	__atomic_store_n(&c->busy_since, t, __ATOMIC_RELAXED);
}

static const char *
kind_name(enum ncs_kind kind)
{
	return kind == NCS_SSH ? "ssh" : kind == NCS_TLS ? "tls" : "unix";
}

/* ---- connections; srv.lock held ---- */

static struct ncs_conn **
conn_slot(uint64_t id)
{
	return &srv.conn_hash[id % NCS_BUCKETS];
}

struct ncs_conn *
ncs_conn_find(uint64_t id)
{
	struct ncs_conn *c;

	for (c = *conn_slot(id); c != NULL; c = c->hnext)
		if (c->id == id)
			return c;
	return NULL;
}

void
ncs_conn_queue(struct ncs_conn *c)
{
	if (c->wfd < 0)
		return;
	if (c->running) {
		c->again = 1;
		return;
	}
	if (c->queued)
		return;
	c->queued = 1;
	c->refs++;
	c->qnext = NULL;
	*srv.q_tail = c;
	srv.q_tail = &c->qnext;
	pthread_cond_signal(&srv.work_cond);
}

void
ncs_conn_unref(struct ncs_conn *c)
{
	if (--c->refs > 0)
		return;
	pthread_mutex_destroy(&c->mtx);
	free(c);
}

/* The last session is gone: forget the connection, close our descriptor. */
static void
conn_close(struct ncs_conn *c)
{
	struct ncs_conn **p;

	pthread_mutex_lock(&srv.lock);
	for (p = conn_slot(c->id); *p != NULL; p = &(*p)->hnext) {
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	}
	srv.nconn--;
	epoll_ctl(srv.epfd, EPOLL_CTL_DEL, c->wfd, NULL);
	close(c->wfd);
	c->wfd = -1;
	ncs_conn_unref(c);	/* the hash's reference */
	pthread_cond_broadcast(&srv.idle_cond);
	pthread_mutex_unlock(&srv.lock);
}

static void
conn_rearm(struct ncs_conn *c)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = c->id;
	pthread_mutex_lock(&srv.lock);
	if (c->wfd >= 0)
		epoll_ctl(srv.epfd, EPOLL_CTL_MOD, c->wfd, &ev);
	pthread_mutex_unlock(&srv.lock);
}

/* ---- sessions ---- */

static void
sess_free(struct ncs_sess *s)
{
	struct ncs_notif *n, *next;

	for (n = s->nq_head; n != NULL; n = next) {
		next = n->next;
		lyd_free_all(n->tree);
		free(n);
	}
	if (s->ps != NULL) {
		nc_ps_clear(s->ps, 1, NULL);	/* frees s->ns */
		nc_ps_free(s->ps);
	} else {
		nc_session_free(s->ns, NULL);
	}
	free(s->username);
	free(s->host);
	free(s);
}

static struct ncs_sess *
sess_new(struct nc_session *ns, struct ncs_conn *c, long uid,
    const char *user)
{
	struct ncs_sess *s;
	const char *host = nc_session_get_host(ns);

	if (user == NULL)
		user = nc_session_get_username(ns);

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ns = ns;
	s->c = c;
	s->id = nc_session_get_id(ns);
	s->login = nc_session_get_start_time(ns);
	s->last_rpc = ncs_monotime_ms();
	s->uid = uid;
	s->nq_tail = &s->nq_head;
	s->username = strdup(user != NULL ? user : "");
	s->host = host != NULL ? strdup(host) : NULL;
	if (s->username == NULL || (s->ps = nc_ps_new()) == NULL ||
	    nc_ps_add_session(s->ps, ns) != 0) {
		if (s->ps != NULL)
			nc_ps_free(s->ps);
		free(s->username);
		free(s->host);
		free(s);
		return NULL;
	}
	nc_session_set_data(ns, s);
	return s;
}

/* srv.lock held: a registered session, or a refused one over the limit. */
static void
sess_admit(struct ncs_sess *s)
{
	if (srv.nsess < (size_t)srv.max_sessions) {
		ncs_register(s);
		return;
	}
	/* a few get an error reply that says why; beyond, just closed */
	s->refused = srv.nrefused < NCS_UNIX_HANDSHAKES ? 1 : 2;
	srv.nrefused++;
}

static void
log_start(const struct ncs_sess *s)
{
	if (s->refused)
		sa_warn("session %u refused: max-sessions (%d) reached; user %s, "
		    "%s, %s", s->id, srv.max_sessions, s->username,
		    kind_name(s->c->kind), s->host != NULL ? s->host : "local");
	else
		sa_info("session %u started: user %s, %s, %s", s->id,
		    s->username, kind_name(s->c->kind),
		    s->host != NULL ? s->host : "local");
}

void
ncs_adopt(struct nc_session *ns, enum ncs_kind kind, int wfd, long uid,
    const char *user)
{
	struct epoll_event ev;
	struct ncs_conn *c;
	struct ncs_sess *s = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (s = sess_new(ns, c, uid, user)) == NULL) {
		sa_warn("out of memory: session %u closed", nc_session_get_id(ns));
		nc_session_free(ns, NULL);
		close(wfd);
		free(c);
		return;
	}
	c->kind = kind;
	c->wfd = wfd;
	c->refs = 1;		/* the hash's */
	c->sessions = s;
	pthread_mutex_init(&c->mtx, NULL);
	pthread_mutex_lock(&srv.lock);
	if (srv.stopping) {
		pthread_mutex_unlock(&srv.lock);
		sess_free(s);
		close(wfd);
		pthread_mutex_destroy(&c->mtx);
		free(c);
		return;
	}
	c->id = srv.next_conn_id++;
	c->hnext = *conn_slot(c->id);
	*conn_slot(c->id) = c;
	srv.nconn++;
	sess_admit(s);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = c->id;
	epoll_ctl(srv.epfd, EPOLL_CTL_ADD, wfd, &ev);
	/* logged before a worker can see s, and end and free it */
	log_start(s);
	/* libssh and OpenSSL may hold the first RPCs already: drain now */
	ncs_conn_queue(c);
	pthread_mutex_unlock(&srv.lock);
}

static const char *
term_name(NC_SESSION_TERM_REASON why)
{
	switch (why) {
	case NC_SESSION_TERM_CLOSED:
		return "closed";
	case NC_SESSION_TERM_KILLED:
		return "killed";
	case NC_SESSION_TERM_DROPPED:
		return "dropped";
	case NC_SESSION_TERM_TIMEOUT:
		return "idle timeout";
	case NC_SESSION_TERM_BADHELLO:
		return "bad hello";
	default:
		return "ended";
	}
}

/* c->mtx held: the end of s, whatever the reason. */
static void
sess_end(struct ncs_sess *s)
{
	struct ncs_conn *c = s->c;
	struct ncs_sess **p;
	NC_SESSION_TERM_REASON why = nc_session_get_term_reason(s->ns);

	if (s->started && srv.cb.session_end != NULL)
		srv.cb.session_end(s->ns, srv.cb.arg);
	pthread_mutex_lock(&srv.lock);
	if (s->refused) {
		srv.nrefused--;
	} else {
		ncs_unregister(s);
		if (why != NC_SESSION_TERM_CLOSED && why != NC_SESSION_TERM_KILLED)
			srv.stats.dropped_sessions++;
	}
	pthread_mutex_unlock(&srv.lock);
	if (why == NC_SESSION_TERM_KILLED)
		sa_info("session %u ended: killed by session %u", s->id,
		    nc_session_get_killed_by(s->ns));
	else
		sa_info("session %u ended: %s", s->id, term_name(why));
	for (p = &c->sessions; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	sess_free(s);
}

static void
sess_invalidate(struct ncs_sess *s, NC_SESSION_TERM_REASON why)
{
	nc_session_set_term_reason(s->ns, why);
	nc_session_set_status(s->ns, NC_STATUS_INVALID);
}

/* A second NETCONF session on an SSH connection (a new channel). */
static void
sess_channel(struct ncs_sess *s)
{
	struct nc_session *ns = NULL;
	struct ncs_sess *n, **p;

	if (nc_ps_accept_ssh_channel(s->ps, &ns) != NC_MSG_HELLO)
		return;
	if ((n = sess_new(ns, s->c, -1, NULL)) == NULL) {
		nc_session_free(ns, NULL);
		return;
	}
	for (p = &s->c->sessions; *p != NULL; p = &(*p)->next)
		;
	*p = n;
	pthread_mutex_lock(&srv.lock);
	sess_admit(n);
	pthread_mutex_unlock(&srv.lock);
	log_start(n);
}

static void
account(struct ncs_sess *s, int r)
{
	pthread_mutex_lock(&srv.lock);
	if (r & NC_PSPOLL_RPC) {
		s->in_rpcs++;
		srv.stats.in_rpcs++;
	}
	if (r & NC_PSPOLL_BAD_RPC) {
		s->in_bad_rpcs++;
		srv.stats.in_bad_rpcs++;
	}
	if (r & NC_PSPOLL_REPLY_ERROR) {
		s->out_rpc_errors++;
		srv.stats.out_rpc_errors++;
	}
	s->subscribed = nc_session_get_notif_status(s->ns) > 0;
	pthread_mutex_unlock(&srv.lock);
}

/*
 * Non-zero when c's socket takes more output now.  libnetconf2 writes
 * until everything is out, however long the peer does not read; so the
 * notifications of a subscriber that does not read stay queued (up to
 * NCS_NOTIF_QUEUE_MAX) instead of holding a worker, and the tick tries
 * again.  (An SSH channel whose window is shut is not seen here: the
 * watchdog ends a notification stuck for NCS_NOTIF_STUCK_SECS.)
 */
static int
conn_writable(struct ncs_conn *c)
{
	struct pollfd p;
	int fd;

	pthread_mutex_lock(&srv.lock);
	fd = c->wfd;
	pthread_mutex_unlock(&srv.lock);
	if (fd < 0)
		return 0;
	p.fd = fd;
	p.events = POLLOUT;
	p.revents = 0;
	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0;
}

/* The next notification queued for s, taken off the queue, or NULL. */
static struct ncs_notif *
notif_pop(struct ncs_sess *s)
{
	struct ncs_notif *n;

	pthread_mutex_lock(&srv.lock);
	if ((n = s->nq_head) != NULL) {
		s->nq_head = n->next;
		if (s->nq_head == NULL)
			s->nq_tail = &s->nq_head;
		s->nq_len--;
	}
	if (s->nq_len == 0)
		s->nq_warned = 0;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* The notifications queued for s, sent now that no reply is being written,
 * as long as its socket takes them. */
static int
send_notifs(struct ncs_sess *s)
{
	struct ncs_notif *n;
	struct nc_server_notif *sn;
	uint64_t sent = 0;
	size_t budget;
	int any = 0;
	char *t;

	pthread_mutex_lock(&srv.lock);
	budget = s->nq_len;	/* what is queued now: then the RPCs again */
	pthread_mutex_unlock(&srv.lock);
	while (budget-- > 0 && conn_writable(s->c) &&
	    (n = notif_pop(s)) != NULL) {
		any = 1;
		t = NULL;
		sn = NULL;
		if (nc_session_get_status(s->ns) == NC_STATUS_RUNNING &&
		    nc_session_get_notif_status(s->ns) > 0 &&
		    ly_time_ts2str(&n->when, &t) == LY_SUCCESS)
			sn = nc_server_notif_new(n->tree, t, NC_PARAMTYPE_FREE);
		if (sn == NULL) {
			lyd_free_all(n->tree);
			free(t);
		} else {
			busy_set(s->c, ncs_monotime());
			__atomic_store_n(&s->c->notif_since, ncs_monotime(),
			    __ATOMIC_RELAXED);
			if (nc_server_notif_send(s->ns, sn, 1000) == NC_MSG_NOTIF)
				sent++;
			__atomic_store_n(&s->c->notif_since, 0,
			    __ATOMIC_RELAXED);
			nc_server_notif_free(sn);	/* and the tree, and t */
		}
		free(n);
	}
	if (!any)
		return 0;
	pthread_mutex_lock(&srv.lock);
	s->out_notifications += sent;
	srv.stats.out_notifications += sent;
	pthread_mutex_unlock(&srv.lock);
	/* a libssh write can read input ahead too: drain again */
	return 1;
}

/* Kill requests, the idle timeout, the grace of a refused session. */
static void
sess_checks(struct ncs_sess *s, int64_t now)
{
	int kill, stopping, idle;
	uint32_t killer;

	pthread_mutex_lock(&srv.lock);
	kill = s->kill_req;
	killer = s->killer;
	stopping = srv.stopping;
	idle = srv.idle_timeout;
	pthread_mutex_unlock(&srv.lock);
	if (nc_session_get_status(s->ns) != NC_STATUS_RUNNING)
		return;
	if (stopping) {
		sess_invalidate(s, NC_SESSION_TERM_OTHER);
	} else if (kill) {
		sess_invalidate(s, NC_SESSION_TERM_KILLED);
		nc_session_set_killed_by(s->ns, killer);
	} else if (s->refused == 2 ||
	    (s->refused && now - s->last_rpc >= NCS_REFUSED_SECS * 1000)) {
		sess_invalidate(s, NC_SESSION_TERM_OTHER);
	} else if (idle > 0 && now - s->last_rpc >= (int64_t)idle * 1000 &&
	    nc_session_get_notif_status(s->ns) == 0) {
		/* RFC 6022 idle: no RPC; a subscriber is never idle */
		sess_invalidate(s, NC_SESSION_TERM_TIMEOUT);
	}
}

/*
 * libnetconf2 2.0.24 dereferences NULL when a NETCONF 1.1 chunk header is
 * malformed ("#0", "#abc", "##" first): nc_server_recv_rpc_io answers
 * malformed-message through an rpc it has not allocated.  Any client could
 * end the daemon for everyone.  A fault at a NULL address inside
 * nc_ps_poll, and only there, unwinds to sess_step, which ends that
 * session.  At that point the session's RPC lock is marked in use (freeing
 * the session waits a second for it and goes on) and no other lock of
 * libnetconf2, libyang or libc is held.  Any other fault kills the
 * process as before.
 */
static __thread sigjmp_buf *poll_guard;

static void
on_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *j = poll_guard;

	(void)uc;
	if (j != NULL && si->si_code > 0 && (uintptr_t)si->si_addr < 4096) {
		poll_guard = NULL;
		siglongjmp(*j, 1);
	}
	signal(sig, SIG_DFL);	/* the fault happens again: a core dump */
	if (si->si_code <= 0)
		raise(sig);	/* sent, not a fault: act on it as it was */
}

void
ncs_guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
}

/*
 * nc_ps_poll, with a fault of libnetconf2 contained (above), and the
 * message it reads within max-message-size (compat_libnetconf2.c):
 * *too_big is 1 when the message was over it, 2 when the client also
 * got its rpc-error.
 */
static int
guarded_poll(struct ncs_sess *s, int *faulted, int *too_big)
{
	enum ncs_compat_io io = s->c->kind == NCS_SSH ? NCS_IO_SSH :
	    s->c->kind == NCS_TLS ? NCS_IO_TLS : NCS_IO_FD;
	sigjmp_buf jb;
	size_t max;
	int r, fd, replied = 0;

	pthread_mutex_lock(&srv.lock);
	max = srv.max_message;
	fd = s->c->wfd;
	pthread_mutex_unlock(&srv.lock);
	*faulted = *too_big = 0;
	ncs_compat_read_begin(s->ns, io, fd, max);
	if (sigsetjmp(jb, 1) != 0) {
		ncs_compat_read_end(NULL);
		*faulted = 1;
		return 0;
	}
	poll_guard = &jb;
	r = nc_ps_poll(s->ps, 0, NULL);
	poll_guard = NULL;
	if (ncs_compat_read_end(&replied))
		*too_big = 1 + replied;
	return r;
}

/* A message over max-message-size ended s: said, counted. */
static void
sess_too_big(struct ncs_sess *s, int too_big)
{
	size_t max;

	pthread_mutex_lock(&srv.lock);
	max = srv.max_message;
	s->in_bad_rpcs++;
	srv.stats.in_bad_rpcs++;
	if (too_big == 2) {
		s->out_rpc_errors++;
		srv.stats.out_rpc_errors++;
	}
	pthread_mutex_unlock(&srv.lock);
	sa_warn("session %u: a message over max-message-size (%zu bytes)%s; "
	    "the session is closed", s->id, max, too_big == 2 ?
	    ": too-big sent" : "");
}

/* One step of s: returns non-zero when something happened. */
static int
sess_step(struct ncs_sess *s)
{
	int64_t now = ncs_monotime_ms();
	int r, faulted, too_big;

	sess_checks(s, now);
	if (!s->started && !s->refused &&
	    nc_session_get_status(s->ns) == NC_STATUS_RUNNING) {
		s->started = 1;
		if (srv.cb.session_start != NULL)
			srv.cb.session_start(s->ns, srv.cb.arg);
	}
	busy_set(s->c, ncs_monotime());
	r = guarded_poll(s, &faulted, &too_big);
	if (too_big)
		sess_too_big(s, too_big);
	if (faulted) {
		sa_warn("session %u: malformed NETCONF 1.1 framing made "
		    "libnetconf2 fault; the session is dropped", s->id);
		sess_invalidate(s, NC_SESSION_TERM_OTHER);
		sess_end(s);
		return 1;
	}
	if (r & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC))
		s->last_rpc = now;
	account(s, r);
	if ((r & NC_PSPOLL_RPC) && s->started && srv.cb.after_reply != NULL &&
	    nc_session_get_status(s->ns) == NC_STATUS_RUNNING)
		srv.cb.after_reply(s->ns, srv.cb.arg);
	if (r & NC_PSPOLL_SESSION_TERM) {
		sess_end(s);
		return 1;
	}
	if (r & NC_PSPOLL_SSH_CHANNEL)
		sess_channel(s);
	return (r & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC | NC_PSPOLL_SSH_MSG |
	    NC_PSPOLL_SSH_CHANNEL)) | send_notifs(s);
}

void
ncs_drain(struct ncs_conn *c)
{
	struct ncs_sess *s, *next;
	int round, progress = 0;

	pthread_mutex_lock(&c->mtx);
	for (round = 0; round < DRAIN_ROUNDS; round++) {
		progress = 0;
		for (s = c->sessions; s != NULL; s = next) {
			next = s->next;
			progress |= sess_step(s);
		}
		if (!progress || c->sessions == NULL)
			break;
	}
	busy_set(c, 0);
	if (c->sessions == NULL) {
		conn_close(c);
	} else {
		if (progress) {		/* more to do, after the others */
			pthread_mutex_lock(&srv.lock);
			c->again = 1;
			pthread_mutex_unlock(&srv.lock);
		}
		conn_rearm(c);
	}
	pthread_mutex_unlock(&c->mtx);
}

struct nc_server_reply *
ncs_rpc_entry(struct lyd_node *rpc, struct nc_session *ns)
{
	struct ncs_sess *s = nc_session_get_data(ns);
	struct nc_server_reply *reply;
	sigjmp_buf *guard;
	void *reads;
	struct lyd_node *e;
	char msg[128];
	int max;

	if (s == NULL || s->refused) {
		/* one clear answer, then the session closes (as close-session) */
		pthread_mutex_lock(&srv.lock);
		max = srv.max_sessions;
		pthread_mutex_unlock(&srv.lock);
		snprintf(msg, sizeof(msg), "too many sessions (max-sessions %d)",
		    max);
		e = nc_err(srv.ctx, NC_ERR_RES_DENIED, NC_ERR_TYPE_PROT);
		nc_err_set_msg(e, msg, "en");
		nc_session_set_term_reason(ns, NC_SESSION_TERM_OTHER);
		return nc_server_reply_err(e);
	}
	/* our own RPC handlers run unguarded: a fault there, with our locks
	 * held, must dump core rather than be taken for bad framing */
	guard = poll_guard;
	poll_guard = NULL;
	/* the message is read: what the RPC reads (check-server, provision-now)
	 * is not the session's input */
	reads = ncs_compat_read_pause();
	reply = srv.cb.rpc(rpc, ns, srv.cb.arg);
	ncs_compat_read_resume(reads);
	poll_guard = guard;
	return reply;
}
