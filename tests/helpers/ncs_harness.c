/*
 * ncs_harness.c - the NETCONF session layer (agent/netconf/ncs*.c) with a
 * dispatcher of its own that floods its subscribers with notifications,
 * for netconf_notify.py: create-subscription is answered <ok/>, the
 * subscription starts after the reply, and a thread queues a
 * netconf-session-start notification for every subscriber, without pause,
 * while clients come, go and die.  SIGUSR1 prints ncs_foreach() and
 * ncs_get_stats().  Until SIGTERM; then it prints how many notifications
 * were queued and exits 0.
 *
 *   ncs_harness CONF YANGDIR...
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/daemon/daemon.h"
#include "../../agent/daemon/log.h"
#include "../../agent/netconf/ncs.h"

#define MAX_SUBS 256

static const char *const caps[] = {
	"urn:ietf:params:netconf:capability:notification:1.0",
	"urn:ietf:params:netconf:capability:interleave:1.0",
	NULL,
};
static struct ly_ctx *ctx;
static pthread_mutex_t subs_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t subs[MAX_SUBS];
static int stopping;
static unsigned long queued, refused;

/* Session user data: the state of its subscription. */
static char pending, active;

static struct nc_server_reply *
rpc(struct lyd_node *op, struct nc_session *s, void *arg)
{
	(void)arg;
	if (strcmp(op->schema->name, "create-subscription") == 0) {
		ncs_session_set_user_data(s, &pending);
		return nc_server_reply_ok();
	}
	return nc_server_reply_err(nc_err(ctx, NC_ERR_OP_NOT_SUPPORTED,
	    NC_ERR_TYPE_PROT));
}

static void
after_reply(struct nc_session *s, void *arg)
{
	int i;

	(void)arg;
	if (ncs_session_get_user_data(s) != &pending)
		return;
	ncs_session_subscribe(s);
	ncs_session_set_user_data(s, &active);
	pthread_mutex_lock(&subs_lock);
	for (i = 0; i < MAX_SUBS && subs[i] != 0; i++)
		;
	if (i < MAX_SUBS)
		subs[i] = nc_session_get_id(s);
	pthread_mutex_unlock(&subs_lock);
}

static void
session_end(struct nc_session *s, void *arg)
{
	uint32_t id = nc_session_get_id(s);
	int i;

	(void)arg;
	pthread_mutex_lock(&subs_lock);
	for (i = 0; i < MAX_SUBS; i++)
		if (subs[i] == id)
			subs[i] = 0;
	pthread_mutex_unlock(&subs_lock);
}

static struct lyd_node *
event(uint32_t sid)
{
	struct lyd_node *n = NULL;
	char id[16];

	snprintf(id, sizeof(id), "%u", sid);
	if (lyd_new_path(NULL, ctx, "/ietf-netconf-notifications:"
	    "netconf-session-start/username", "harness", 0, &n) != LY_SUCCESS ||
	    lyd_new_path(n, NULL, "session-id", id, 0, NULL) != LY_SUCCESS) {
		lyd_free_all(n);
		return NULL;
	}
	return n;
}

/* Queues notifications as fast as ncs_notify takes them. */
static void *
notifier(void *arg)
{
	struct lyd_node *n;
	int i, any;

	(void)arg;
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
		any = 0;
		pthread_mutex_lock(&subs_lock);
		for (i = 0; i < MAX_SUBS; i++) {
			if (subs[i] == 0 || (n = event(subs[i])) == NULL)
				continue;
			any = 1;
			if (ncs_notify(subs[i], n, NULL) == 0)
				queued++;
			else
				refused++;
		}
		pthread_mutex_unlock(&subs_lock);
		usleep(any ? 1000 : 20000);
	}
	return NULL;
}

static void
print_session(const struct ncs_info *i, void *arg)
{
	(void)arg;
	printf("session %u user %s transport %s host %s in-rpcs %llu "
	    "in-bad-rpcs %llu out-rpc-errors %llu\n", i->id, i->username,
	    i->transport, i->host ? i->host : "-",
	    (unsigned long long)i->in_rpcs, (unsigned long long)i->in_bad_rpcs,
	    (unsigned long long)i->out_rpc_errors);
}

static void
print_state(void)
{
	struct ncs_stats st;

	ncs_foreach(print_session, NULL);
	ncs_get_stats(&st);
	printf("stats in-sessions %llu dropped-sessions %llu in-rpcs %llu "
	    "in-bad-rpcs %llu out-rpc-errors %llu in-bad-hellos %llu\n",
	    (unsigned long long)st.in_sessions,
	    (unsigned long long)st.dropped_sessions,
	    (unsigned long long)st.in_rpcs, (unsigned long long)st.in_bad_rpcs,
	    (unsigned long long)st.out_rpc_errors,
	    (unsigned long long)st.in_bad_hellos);
	fflush(stdout);
}

static int
load(int argc, char **argv)
{
	const char *feats[] = { NULL };
	int i;

	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) != LY_SUCCESS)
		return -1;
	for (i = 2; i < argc; i++)
		ly_ctx_set_searchdir(ctx, argv[i]);
	return ly_ctx_load_module(ctx, "ietf-netconf", "2013-09-29", feats) &&
	    ly_ctx_load_module(ctx, "ietf-netconf-monitoring", NULL, NULL) &&
	    ly_ctx_load_module(ctx, "notifications", NULL, NULL) &&
	    ly_ctx_load_module(ctx, "ietf-netconf-notifications", NULL, NULL) ?
	    0 : -1;
}

int
main(int argc, char **argv)
{
	struct sa_daemon d;
	struct ncs_callbacks cb;
	pthread_t t;
	sigset_t set;
	char err[512];
	int sig;

	if (argc < 3) {
		fprintf(stderr, "usage: ncs_harness CONF YANGDIR...\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	pthread_rwlock_init(&d.cfg_lock, NULL);
	sa_log_open(1, SA_LOG_INFO);
	if ((d.cfg = sa_config_new()) == NULL ||
	    sa_config_read(d.cfg, argv[1], err, sizeof(err)) != 0 ||
	    load(argc, argv) != 0) {
		fprintf(stderr, "ncs_harness: %s\n", d.cfg ? err : "no memory");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&cb, 0, sizeof(cb));
	cb.rpc = rpc;
	cb.after_reply = after_reply;
	cb.session_end = session_end;
	ncs_set_capabilities(caps);
	if (ncs_start(&d, ctx, &cb, err, sizeof(err)) != 0) {
		fprintf(stderr, "ncs_harness: %s\n", err);
		return 1;
	}
	pthread_create(&t, NULL, notifier, NULL);
	sa_info("secagentd started (the ncs harness)");
	while (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
		print_state();
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ncs_stop();
	ly_ctx_destroy(ctx);
	sa_config_free(d.cfg);
	printf("queued %lu, refused %lu\n", queued, refused);
	return 0;
}
