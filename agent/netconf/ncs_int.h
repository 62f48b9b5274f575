/*
 * ncs_int.h - what the files of the NETCONF session layer share (ncs.h is
 * its interface).  One server per process, as libnetconf2 is global.
 *
 *   ncs.c          start, reload, stop; the session registry (kill,
 *                  notify, foreach, statistics)
 *   ncs_conn.c     connections and sessions: adopt, drain, end
 *   ncs_poll.c     the event thread, the workers, the watchdog
 *   ncs_accept.c   the acceptors of SSH and TLS, and finding a session's fd
 *   ncs_unix.c     our own UNIX-socket listener
 *   ncs_auth.c     listeners, passwords, keys, certificates
 *   ncs_ssh.c      what SSH offers: host keys and algorithm lists
 *   compat_libnetconf2.c
 *                  what libnetconf2 2.0 cannot do, worked around: the
 *                  SSH algorithm lists, the message size and
 *                  per-address handshake limits
 *
 * Locks, always taken in this order: a connection's mtx, d->cfg_lock,
 * srv.lock; ncs_ssh.c's own lock after d->cfg_lock, never with srv.lock.
 * srv.lock is never held while calling libnetconf2 or a callback of the
 * dispatcher.  compat_libnetconf2.c has one leaf lock of its own (the
 * handshakes per address), taken inside libnetconf2's accept().  Their
 * place among the daemon's other locks (datastores, the store,
 * notifications, SNMP): agent/daemon/daemon.h.
 */
#ifndef SA_NCS_INT_H
#define SA_NCS_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <libssh/server.h>

#include "compat_libnetconf2.h"
#include "ncs.h"

#define NCS_BUCKETS 64			/* registry and connection hashes */
#define NCS_NOTIF_QUEUE_MAX 1024	/* per session: a client not reading */
#define NCS_WATCHDOG_SECS 60		/* one RPC or send longer: shutdown() */
#define NCS_REFUSED_SECS 10		/* an over-limit session's grace */
#define NCS_WORKERS 16		/* a slow client holds one up to the watchdog */
#define NCS_NOTIF_STUCK_SECS 10	/* one notification longer: shutdown() */
#define NCS_UNIX_HANDSHAKES 16		/* UNIX hellos in progress at once */

enum ncs_kind { NCS_SSH, NCS_TLS, NCS_UNIX };

/* A notification waiting for its session's worker. */
struct ncs_notif {
	struct lyd_node *tree;		/* owned */
	struct timespec when;
	struct ncs_notif *next;
};

/*
 * One NETCONF session.  Created by an acceptor (or a worker, for a new SSH
 * channel), destroyed only by its connection's worker, under the
 * connection's mtx.  Fields marked [srv] are under srv.lock; the others
 * belong to whoever holds the connection's mtx.
 */
struct ncs_sess {
	struct nc_session *ns;		/* owned */
	struct nc_pollsession *ps;	/* owned; holds ns alone */
	struct ncs_conn *c;		/* borrowed: outlives its sessions */
	uint32_t id;
	char *username;			/* copies, for ncs_foreach */
	char *host;
	time_t login;			/* wall clock */
	int64_t last_rpc;		/* monotonic ms, for the idle timeout */
	long uid;			/* UNIX peer, else -1 */
	void *user_data;		/* the dispatcher's */
	int started;			/* session_start was called */
	int refused;			/* over max-sessions: not registered */
	struct ncs_sess *next;		/* in c->sessions */
	/* [srv] */
	int registered;
	int kill_req;
	uint32_t killer;
	int subscribed;
	struct ncs_notif *nq_head;
	struct ncs_notif **nq_tail;
	size_t nq_len;
	int nq_warned;			/* the queue overflowed: said once */
	uint64_t in_rpcs, in_bad_rpcs, out_rpc_errors, out_notifications;
	struct ncs_sess *hnext;		/* registry bucket */
};

/*
 * One transport connection: an SSH connection (one session per channel),
 * a TLS or a UNIX one (one session).  Its mtx is held around every
 * libnetconf2 call on its sessions: SSH channels share one IO lock, and
 * a notification must never cut into a reply.
 */
struct ncs_conn {
	uint64_t id;			/* epoll's handle: never reused */
	enum ncs_kind kind;
	pthread_mutex_t mtx;
	struct ncs_sess *sessions;	/* under mtx */
	time_t busy_since;		/* monotonic, 0 = idle; atomic */
	time_t notif_since;		/* sending a notification; atomic */
	/* [srv] */
	int wfd;			/* ours: epoll, watchdog; -1 = closed */
	unsigned refs;
	int queued, running, again;
	int shut;			/* shutdown() already done */
	struct ncs_conn *qnext;		/* work queue */
	struct ncs_conn *hnext;		/* connection hash */
};

struct ncs_server {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
	struct ncs_callbacks cb;
	pthread_mutex_t lock;
	pthread_cond_t work_cond;	/* work queued, or stopping */
	pthread_cond_t idle_cond;	/* a connection closed, a worker left */
	int stopping;			/* no new sessions; end those there are */
	int workers_exit;
	int quiet;			/* no libnetconf2 messages: stopping */
	int epfd, evfd;			/* evfd wakes the event thread */
	/* [srv] */
	struct ncs_sess *sess_hash[NCS_BUCKETS];
	struct ncs_conn *conn_hash[NCS_BUCKETS];
	size_t nsess, nconn, nrefused;
	uint64_t next_conn_id;
	struct ncs_conn *q_head, **q_tail;
	int max_sessions, idle_timeout;
	size_t max_message;		/* max-message-size */
	int max_unauth;			/* max-unauthenticated-per-source */
	struct ncs_stats stats;
	/* threads */
	pthread_t event_thread, workers[NCS_WORKERS];
	int nworkers, event_running;
	pthread_t *acceptors;
	int nacceptors;
	uint16_t ssh_port, tls_port;	/* local ports, to find a session's fd */
};

extern struct ncs_server srv;

/* ncs.c: the registry.  srv.lock held. */
void ncs_register(struct ncs_sess *s);
void ncs_unregister(struct ncs_sess *s);
time_t ncs_monotime(void);
int64_t ncs_monotime_ms(void);

/* ncs_conn.c */
/* Takes ns over: a new connection of kind on wfd (ours, closed with the
 * connection) with its first session, queued for a first drain.  user:
 * the session's user when libnetconf2 does not know it, else NULL. */
void ncs_adopt(struct nc_session *ns, enum ncs_kind kind, int wfd, long uid,
    const char *user);
/* Contains libnetconf2's fault on malformed 1.1 framing (at start). */
void ncs_guard_install(void);
/* The worker's job: everything the connection has to do.  c->mtx not held. */
void ncs_drain(struct ncs_conn *c);
/* srv.lock held: queue c for a drain (or a drain again). */
void ncs_conn_queue(struct ncs_conn *c);
void ncs_conn_unref(struct ncs_conn *c);
struct ncs_conn *ncs_conn_find(uint64_t id);

/* ncs_poll.c */
int ncs_poll_start(char *err, size_t errlen);
/* Ends every session and stops the workers and the event thread. */
void ncs_poll_stop(void);
void ncs_wake(void);

/* ncs_accept.c */
int ncs_accept_start(int n, char *err, size_t errlen);
void ncs_accept_stop(void);
/* The descriptor libnetconf2 holds for ns, found by its address. */
int ncs_find_fd(const struct nc_session *ns, uint16_t local_port);

/* ncs_unix.c */
int ncs_unix_start(const char *path, char *err, size_t errlen);
void ncs_unix_stop(void);

/* ncs_auth.c: endpoints and callbacks from d->cfg. */
int ncs_auth_start(char *err, size_t errlen);
void ncs_auth_reload(void);
/* The user name of a local uid, or NULL: copied into buf. */
const char *ncs_unix_user(uid_t uid, char *buf, size_t len);

/* ncs_ssh.c: the host keys (logged) and algorithm lists of d->cfg, on the
 * endpoint "ssh", which must exist.  Reload keeps the running set when
 * the new one has an error (logged). */
int ncs_ssh_start(char *err, size_t errlen);
void ncs_ssh_reload(void);
void ncs_ssh_stop(void);
/* Puts the algorithm lists on a new connection's ssh_bind; -1 refuses it. */
int ncs_ssh_bind_setup(ssh_bind b);

/* compat_libnetconf2.c: whether libnetconf2's ssh_bind_accept_fd calls
 * reach ncs_ssh_bind_setup. */
int compat_ssh_bind_hooked(void);

#endif
