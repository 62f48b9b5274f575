/*
 * ncs.h - the NETCONF transport and session layer of secagentd, on top of
 * libnetconf2 2.0: listeners (SSH, TLS, UNIX socket), authentication,
 * sessions, the RPC loop and the sending of notifications.  What an RPC
 * means is not decided here: every RPC goes to the dispatcher the caller
 * gives (agent/netconf/netconf.c).
 *
 * Design constraints of libnetconf2 2.0.24 this layer absorbs:
 * - nc_accept() runs a whole SSH/TLS handshake in the calling thread, up to
 *   10 s for a silent client: several acceptor threads run it in parallel,
 *   so a silent client never delays others by more than a moment.
 * - nc_ps_poll() busy-waits in 100 us steps for its whole timeout: sessions
 *   are polled with timeout 0 only when their socket is readable (epoll),
 *   plus a slow tick, so idle sessions cost no CPU.
 * - the built-in get-schema is broken with libyang 2.1: the caller installs
 *   its own (netconf.c), this layer never uses the built-in one.
 *
 * Threads: acceptors, one event thread, a pool of workers.  An RPC runs in
 * a worker with its connection locked: the dispatcher may block briefly
 * (a durable commit) but must not wait on another session.
 */
#ifndef SA_NCS_H
#define SA_NCS_H

#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>
#include <nc_server.h>

struct sa_daemon;

struct ncs_callbacks {
	/*
	 * Every RPC but close-session.  Returns the reply (never NULL).  Runs
	 * in a worker thread; the session is valid for the call.
	 */
	struct nc_server_reply *(*rpc)(struct lyd_node *rpc,
	    struct nc_session *s, void *arg);
	/* After the reply of an RPC was sent (e.g. to start a subscription
	 * only once its <ok/> is out). */
	void (*after_reply)(struct nc_session *s, void *arg);
	/* A new session, after its hello. */
	void (*session_start)(struct nc_session *s, void *arg);
	/* A session ends, whatever the reason (close, kill, drop, timeout):
	 * release its locks and subscriptions.  Called once per session. */
	void (*session_end)(struct nc_session *s, void *arg);
	void *arg;
};

/*
 * Starts the listeners of d->cfg (ssh_listen, tls_listen, unix_path) with
 * the users of d->cfg, on ctx (which must hold ietf-netconf and stay
 * unchanged while sessions exist).  Returns 0 or -1 with err.
 */
int ncs_start(struct sa_daemon *d, struct ly_ctx *ctx,
    const struct ncs_callbacks *cb, char *err, size_t errlen);
/*
 * Capabilities to announce besides those libnetconf2 derives from ctx
 * (NULL-terminated; borrowed until ncs_stop).  Call before ncs_start:
 * libnetconf2 takes them only after its init, and a session started
 * before would miss them.
 */
void ncs_set_capabilities(const char *const *caps);

/*
 * The layer's callback of every RPC: ncs_start makes it the global one.
 * Set it on a schema node whose built-in callback must never run, before
 * ncs_start (get-schema: nc_set_rpc_callback(node, ncs_rpc_entry)).
 */
struct nc_server_reply *ncs_rpc_entry(struct lyd_node *rpc,
    struct nc_session *s);

/* Applies a reloaded d->cfg: users, keys, cert-to-name rules. */
void ncs_reload(struct sa_daemon *d);
/* Ends every session (session_end is called for each), stops threads. */
void ncs_stop(void);

/* What our layer keeps per session, for the dispatcher. */
void *ncs_session_get_user_data(const struct nc_session *s);
void ncs_session_set_user_data(struct nc_session *s, void *data);

/*
 * create-subscription accepted: from the rpc or after_reply callback of
 * session s.  Instead of nc_session_inc_notif_status(), which it calls,
 * so that ncs_notify() knows at once.
 */
void ncs_session_subscribe(struct nc_session *s);

/* The peer's uid of a UNIX-socket session, else -1. */
long ncs_session_uid(const struct nc_session *s);

/*
 * The user of session s.  Instead of nc_session_get_username(), which is
 * NULL on the UNIX socket: nc_accept_inout() of libnetconf2 2.0.24 drops
 * the name it is given.
 */
const char *ncs_session_username(const struct nc_session *s);

/*
 * Queues a notification for session sid and returns at once; the session's
 * worker sends it (never before a reply that is being written).  Takes
 * notif (a tree whose top node is the notification) over, also on error.
 * Returns 0, or -1 when sid does not exist or does not subscribe.
 */
int ncs_notify(uint32_t sid, struct lyd_node *notif, const struct timespec *when);

/*
 * kill-session: ends session sid on behalf of killer.  Returns 0, or -1
 * when sid does not exist.
 */
int ncs_kill(uint32_t sid, uint32_t killer);

/* One session, for ietf-netconf-monitoring /netconf-state/sessions. */
struct ncs_info {
	uint32_t id;
	const char *username;
	const char *transport;	/* "netconf-ssh", "netconf-tls", "unix" */
	const char *host;	/* source address, may be NULL */
	time_t login_time;
	uint64_t in_rpcs;
	uint64_t in_bad_rpcs;
	uint64_t out_rpc_errors;
	uint64_t out_notifications;
};

/* Calls fn for every live session; the info is valid during the call. */
void ncs_foreach(void (*fn)(const struct ncs_info *info, void *arg),
    void *arg);

/* Counters since start, for /netconf-state/statistics. */
struct ncs_stats {
	time_t start;
	uint64_t in_bad_hellos;
	uint64_t in_sessions;
	uint64_t dropped_sessions;
	uint64_t in_rpcs;
	uint64_t in_bad_rpcs;
	uint64_t out_rpc_errors;
	uint64_t out_notifications;
};
void ncs_get_stats(struct ncs_stats *out);

#endif
