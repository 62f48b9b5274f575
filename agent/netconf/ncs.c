/*
 * ncs.c - the NETCONF session layer: start, reload and stop, and the
 * registry of sessions by session-id behind kill-session, notifications,
 * ietf-netconf-monitoring and the max-sessions limit.
 */
#include <stdlib.h>
#include <string.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

struct ncs_server srv = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work_cond = PTHREAD_COND_INITIALIZER,
	.idle_cond = PTHREAD_COND_INITIALIZER,
	.epfd = -1,
	.evfd = -1,
};

static const char *const *extra_caps;

time_t
ncs_monotime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int64_t
ncs_monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * libnetconf2's messages.  Its errors concern one client (a failed
 * handshake, a dropped connection), not the daemon: logged as warnings.
 */
static void
ncs_log_print(const struct nc_session *ns, NC_VERB_LEVEL level, const char *msg)
{
	enum sa_log_level l = level <= NC_VERB_WARNING ? SA_LOG_WARNING :
	    SA_LOG_DEBUG;
	uint32_t id = ns != NULL ? nc_session_get_id(ns) : 0;

	if (__atomic_load_n(&srv.quiet, __ATOMIC_RELAXED))
		return;		/* the acceptors' errors as they stop */
	if (ncs_compat_refused_message(msg))
		return;		/* our own refusal: the acceptor logs it */
	if (id != 0)
		sa_log(l, "libnetconf2", "session %u: %s", id, msg);
	else
		sa_log(l, "libnetconf2", "%s", msg);
}

/* The values the layer caches from d->cfg; srv.lock not held. */
static void
read_limits(int *acceptors)
{
	struct sa_daemon *d = srv.d;
	int max, idle, hello, unauth;
	size_t msg;

	pthread_rwlock_rdlock(&d->cfg_lock);
	max = d->cfg->max_sessions;
	idle = d->cfg->idle_timeout;
	hello = d->cfg->hello_timeout;
	msg = (size_t)d->cfg->max_message_size;
	unauth = d->cfg->max_unauth_per_source;
	if (acceptors != NULL)
		*acceptors = d->cfg->acceptors;
	pthread_rwlock_unlock(&d->cfg_lock);
	pthread_mutex_lock(&srv.lock);
	srv.max_sessions = max;
	srv.idle_timeout = idle;
	srv.max_message = msg;
	srv.max_unauth = unauth;
	pthread_mutex_unlock(&srv.lock);
	ncs_compat_set_limits(unauth, msg);
	nc_server_set_hello_timeout((uint16_t)hello);
}

void
ncs_set_capabilities(const char *const *caps)
{
	extra_caps = caps;
}

int
ncs_start(struct sa_daemon *d, struct ly_ctx *ctx,
    const struct ncs_callbacks *cb, char *err, size_t errlen)
{
	char *unix_path = NULL;
	size_t i;
	int acceptors, tcp, r = -1;

	srv.d = d;
	srv.ctx = ctx;
	srv.cb = *cb;
	srv.q_tail = &srv.q_head;
	srv.next_conn_id = 1;
	memset(&srv.stats, 0, sizeof(srv.stats));
	srv.stats.start = time(NULL);
	nc_verbosity(sa_log_enabled(SA_LOG_DEBUG) ? NC_VERB_VERBOSE :
	    NC_VERB_WARNING);
	nc_set_print_clb_session(ncs_log_print);
	if (nc_server_init(ctx) != 0) {
		snprintf(err, errlen, "libnetconf2 cannot start");
		return -1;
	}
	nc_set_global_rpc_clb(ncs_rpc_entry);
	ncs_guard_install();
	for (i = 0; extra_caps != NULL && extra_caps[i] != NULL; i++)
		nc_server_set_capability(extra_caps[i]);
	/* the idle timeout is ours (ncs_conn.c): libnetconf2's is 16 bits */
	nc_server_set_idle_timeout(0);
	read_limits(&acceptors);

	pthread_rwlock_rdlock(&d->cfg_lock);
	tcp = d->cfg->ssh_listen != NULL || d->cfg->tls_listen != NULL;
	if (d->cfg->unix_path != NULL)
		unix_path = strdup(d->cfg->unix_path);
	pthread_rwlock_unlock(&d->cfg_lock);

	if (ncs_poll_start(err, errlen) != 0 || ncs_auth_start(err, errlen) != 0)
		goto out;
	if (tcp && ncs_accept_start(acceptors, err, errlen) != 0)
		goto out;
	if (unix_path != NULL && ncs_unix_start(unix_path, err, errlen) != 0)
		goto out;
	r = 0;
 out:
	free(unix_path);
	if (r != 0)
		ncs_stop();
	return r;
}

void
ncs_reload(struct sa_daemon *d)
{
	(void)d;
	read_limits(NULL);
	ncs_auth_reload();
}

void
ncs_stop(void)
{
	/* no new session first, then end those there are */
	ncs_unix_stop();
	ncs_accept_stop();
	ncs_poll_stop();
	nc_server_destroy();
	nc_thread_destroy();
	ncs_ssh_stop();
}

/* ---- the registry; srv.lock held ---- */

static struct ncs_sess **
sess_slot(uint32_t id)
{
	return &srv.sess_hash[id % NCS_BUCKETS];
}

void
ncs_register(struct ncs_sess *s)
{
	struct ncs_sess **slot = sess_slot(s->id);

	s->hnext = *slot;
	*slot = s;
	s->registered = 1;
	srv.nsess++;
	srv.stats.in_sessions++;
}

void
ncs_unregister(struct ncs_sess *s)
{
	struct ncs_sess **p;

	if (!s->registered)
		return;
	for (p = sess_slot(s->id); *p != NULL; p = &(*p)->hnext) {
		if (*p == s) {
			*p = s->hnext;
			break;
		}
	}
	s->registered = 0;
	srv.nsess--;
}

static struct ncs_sess *
sess_find(uint32_t id)
{
	struct ncs_sess *s;

	for (s = *sess_slot(id); s != NULL; s = s->hnext)
		if (s->id == id)
			return s;
	return NULL;
}

/* ---- what the dispatcher calls ---- */

void *
ncs_session_get_user_data(const struct nc_session *ns)
{
	struct ncs_sess *s = nc_session_get_data(ns);

	return s != NULL ? s->user_data : NULL;
}

void
ncs_session_set_user_data(struct nc_session *ns, void *data)
{
	struct ncs_sess *s = nc_session_get_data(ns);

	if (s != NULL)
		s->user_data = data;
}

long
ncs_session_uid(const struct nc_session *ns)
{
	struct ncs_sess *s = nc_session_get_data(ns);

	return s != NULL ? s->uid : -1;
}

const char *
ncs_session_username(const struct nc_session *ns)
{
	struct ncs_sess *s = nc_session_get_data(ns);

	return s != NULL ? s->username : nc_session_get_username(ns);
}

void
ncs_session_subscribe(struct nc_session *ns)
{
	struct ncs_sess *s = nc_session_get_data(ns);

	nc_session_inc_notif_status(ns);
	pthread_mutex_lock(&srv.lock);
	if (s != NULL)
		s->subscribed = 1;
	pthread_mutex_unlock(&srv.lock);
}

int
ncs_notify(uint32_t sid, struct lyd_node *notif, const struct timespec *when)
{
	struct ncs_notif *n;
	struct ncs_sess *s;
	int warn;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		lyd_free_all(notif);
		return -1;
	}
	n->tree = notif;
	if (when != NULL)
		n->when = *when;
	else
		clock_gettime(CLOCK_REALTIME, &n->when);
	pthread_mutex_lock(&srv.lock);
	s = sess_find(sid);
	if (s == NULL || !s->subscribed || srv.stopping ||
	    s->nq_len >= NCS_NOTIF_QUEUE_MAX) {
		warn = s != NULL && s->nq_len >= NCS_NOTIF_QUEUE_MAX &&
		    !s->nq_warned;
		if (warn)
			s->nq_warned = 1;
		pthread_mutex_unlock(&srv.lock);
		if (warn)
			sa_warn("session %u reads no notifications: %d queued, "
			    "the next ones are dropped", sid, NCS_NOTIF_QUEUE_MAX);
		lyd_free_all(notif);
		free(n);
		return -1;
	}
	*s->nq_tail = n;
	s->nq_tail = &n->next;
	s->nq_len++;
	ncs_conn_queue(s->c);
	pthread_mutex_unlock(&srv.lock);
	return 0;
}

int
ncs_kill(uint32_t sid, uint32_t killer)
{
	struct ncs_sess *s;

	pthread_mutex_lock(&srv.lock);
	if ((s = sess_find(sid)) == NULL) {
		pthread_mutex_unlock(&srv.lock);
		return -1;
	}
	/* the target's own worker ends it, under its connection's lock */
	s->kill_req = 1;
	s->killer = killer;
	ncs_conn_queue(s->c);
	pthread_mutex_unlock(&srv.lock);
	return 0;
}

static const char *
transport_name(enum ncs_kind kind)
{
	switch (kind) {
	case NCS_SSH:
		return "netconf-ssh";
	case NCS_TLS:
		return "netconf-tls";
	default:
		return "unix";
	}
}

static void
free_infos(struct ncs_info *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)v[i].username);
		free((char *)v[i].host);
	}
	free(v);
}

/* A copy of every session's info, so that fn runs without srv.lock. */
void
ncs_foreach(void (*fn)(const struct ncs_info *info, void *arg), void *arg)
{
	struct ncs_info *v;
	struct ncs_sess *s;
	size_t i, n = 0;

	pthread_mutex_lock(&srv.lock);
	if ((v = calloc(srv.nsess + 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&srv.lock);
		return;
	}
	for (i = 0; i < NCS_BUCKETS; i++) {
		for (s = srv.sess_hash[i]; s != NULL; s = s->hnext) {
			v[n].id = s->id;
			v[n].username = strdup(s->username);
			v[n].host = s->host != NULL ? strdup(s->host) : NULL;
			v[n].transport = transport_name(s->c->kind);
			v[n].login_time = s->login;
			v[n].in_rpcs = s->in_rpcs;
			v[n].in_bad_rpcs = s->in_bad_rpcs;
			v[n].out_rpc_errors = s->out_rpc_errors;
			v[n].out_notifications = s->out_notifications;
			n++;
		}
	}
	pthread_mutex_unlock(&srv.lock);
	for (i = 0; i < n; i++)
		if (v[i].username != NULL)
			fn(&v[i], arg);
	free_infos(v, n);
}

void
ncs_get_stats(struct ncs_stats *out)
{
	pthread_mutex_lock(&srv.lock);
	*out = srv.stats;
	pthread_mutex_unlock(&srv.lock);
}
