/*
 * rpc_notif.c - create-subscription and the notifications sent to
 * subscribers (notif.h).
 *
 * Core events arrive in whichever thread committed; each becomes a tree
 * that is checked against the subscriber's NACM rights and filter and
 * queued with ncs_notify(), which sends it from the session's own worker.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "ds.h"
#include "filter.h"
#include "ncs.h"
#include "notif.h"
#include "rpc.h"

struct sub {
	uint32_t sid;
	char *user;
	int recovery;
	int active;		/* after the <ok/> of create-subscription */
	struct lyd_node *filter;	/* subtree filter, or NULL */
	struct sub *next;
};

struct edits {			/* the config changes of one transaction */
	struct lyd_node *notif;
	size_t n;
};

struct notifier {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
	int sub_id;
	pthread_mutex_t mutex;
	struct sub *subs;
	struct edits pending;	/* events run in commit order, one commit at a time */
};

static struct notifier *
notifier(struct sa_daemon *d)
{
	return d->nc_state != NULL ? d->nc_state->notifier : NULL;
}

static void
sub_free(struct sub *s)
{
	lyd_free_siblings(s->filter);
	free(s->user);
	free(s);
}

/* Sends tree to every active subscriber allowed to see it; frees tree. */
static void
deliver(struct notifier *nf, struct lyd_node *tree)
{
	struct lyd_node *copy;
	struct nacm_user u;
	struct timespec now;
	struct sub *s;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&nf->mutex);
	for (s = nf->subs; s != NULL; s = s->next) {
		if (!s->active)
			continue;
		u.name = s->user;
		u.recovery = s->recovery;
		if (!nacm_allow_notif(nf->d->nc_state->nacm, &u, tree))
			continue;
		copy = NULL;
		if (s->filter != NULL) {
			if (filter_subtree(s->filter, tree, &copy) != 0 || copy == NULL)
				continue;
		} else if (lyd_dup_single(tree, NULL, LYD_DUP_RECURSIVE, &copy) !=
		    LY_SUCCESS) {
			continue;
		}
		ncs_notify(s->sid, copy, &now);
	}
	pthread_mutex_unlock(&nf->mutex);
	lyd_free_siblings(tree);
}

static int
has_subscribers(struct notifier *nf)
{
	int any;

	pthread_mutex_lock(&nf->mutex);
	any = nf->subs != NULL;
	pthread_mutex_unlock(&nf->mutex);
	return any;
}

/* One of the module's three notifications, or NULL for other events. */
static struct lyd_node *
module_notif(struct notifier *nf, const struct sa_event *ev)
{
	enum { INVALIDATED, RECEIVED, EXPIRING } kind;
	static const char *const names[] = { "certificate-invalidated",
		"invalid-certificate-received", "certificate-expiring" };
	const struct lys_module *mod;
	struct lyd_node *n = NULL;
	char hex[SA_FP_HEX_LEN + 1], t[32], days[24];

	if (ev->kind == SA_EV_MOVED && ev->cause == SA_CAUSE_SWEEP &&
	    ev->list == SA_LIST_INVALID)
		kind = INVALIDATED;
	else if (ev->cause == SA_CAUSE_TLS && ev->list == SA_LIST_INVALID &&
	    (ev->kind == SA_EV_ADDED || ev->kind == SA_EV_CHANGED))
		kind = RECEIVED;
	else if (ev->kind == SA_EV_EXPIRING)
		kind = EXPIRING;
	else
		return NULL;
	if ((mod = ly_ctx_get_module_implemented(nf->ctx, SA_YANG_MODULE)) == NULL ||
	    lyd_new_inner(NULL, mod, names[kind], 0, &n) != LY_SUCCESS)
		return NULL;
	sa_fp_to_hex(ev->fp, hex);
	ds_time(ev->not_after, t, sizeof(t));
	lyd_new_term(n, mod, "fingerprint", hex, 0, NULL);
	switch (kind) {
	case INVALIDATED:
		lyd_new_term(n, mod, "previous-list", sa_list_name(ev->old_list), 0, NULL);
		lyd_new_term(n, mod, "reason", sa_reason_name(ev->reason), 0, NULL);
		break;
	case RECEIVED:
		lyd_new_term(n, mod, "reason", sa_reason_name(ev->reason), 0, NULL);
		if (ev->peer != NULL)
			lyd_new_term(n, mod, "peer", ev->peer, 0, NULL);
		break;
	case EXPIRING:
		snprintf(days, sizeof(days), "%ld", ev->days);
		lyd_new_term(n, mod, "list", sa_list_name(ev->list), 0, NULL);
		lyd_new_term(n, mod, "days-to-expiry", days, 0, NULL);
		break;
	}
	if (ev->subject != NULL)
		lyd_new_term(n, mod, "subject", ev->subject, 0, NULL);
	if (kind != RECEIVED)
		lyd_new_term(n, mod, "not-after", t, 0, NULL);
	return n;
}

/* "netconf:USER:SID", "snmp", ... into changed-by. */
static void
changed_by(struct lyd_node *notif, const char *source)
{
	char user[128] = "server", sid[16] = "0";
	const char *p;

	if (source == NULL || strcmp(source, "expiry-sweep") == 0 ||
	    strcmp(source, "tls-check") == 0 || strcmp(source, "factory") == 0) {
		lyd_new_path(notif, NULL, "changed-by/server", NULL, 0, NULL);
		return;
	}
	if (strncmp(source, "netconf:", 8) == 0 && (p = strrchr(source, ':')) > source + 7) {
		snprintf(user, sizeof(user), "%.*s", (int)(p - source - 8), source + 8);
		snprintf(sid, sizeof(sid), "%s", p + 1);
	} else {
		snprintf(user, sizeof(user), "%s", source);
	}
	lyd_new_path(notif, NULL, "changed-by/username", user, 0, NULL);
	lyd_new_path(notif, NULL, "changed-by/session-id", sid, 0, NULL);
}

static const char *const list_nodes[] = {
	"ca-certificate", "server-certificate", "invalid-certificate",
};

static void
add_edit(struct notifier *nf, const char *target, const char *op,
    const char *source)
{
	const struct lys_module *mod;
	struct lyd_node *e;

	mod = ly_ctx_get_module_implemented(nf->ctx, "ietf-netconf-notifications");
	if (mod == NULL)
		return;
	if (nf->pending.notif == NULL) {
		if (lyd_new_inner(NULL, mod, "netconf-config-change", 0,
		    &nf->pending.notif) != LY_SUCCESS)
			return;
		changed_by(nf->pending.notif, source);
		lyd_new_term(nf->pending.notif, mod, "datastore", "running", 0, NULL);
	}
	if (lyd_new_list(nf->pending.notif, mod, "edit", 0, &e) == LY_SUCCESS) {
		lyd_new_term(e, mod, "target", target, 0, NULL);
		lyd_new_term(e, mod, "operation", op, 0, NULL);
		nf->pending.n++;
	}
}

/* The configuration change an event is, as an edit of netconf-config-change. */
static void
config_edit(struct notifier *nf, const struct sa_event *ev)
{
	/* NULL: not configuration (the policy version is state) */
	static const char *const leaves[SA_SET_COUNT] = {
		"certificates/accept-all-certificates", "http-authentication/username",
		"http-authentication/password", "provisioning/server-url",
		"provisioning/interval", NULL,
	};
	char target[256], hex[SA_FP_HEX_LEN + 1];
	const char *op;
	int was = ev->kind != SA_EV_ADDED && ev->old_list != SA_LIST_INVALID;
	int is = ev->kind != SA_EV_REMOVED && ev->list != SA_LIST_INVALID;

	if (ev->kind == SA_EV_SETTING) {
		if ((unsigned)ev->setting >= SA_SET_COUNT || leaves[ev->setting] == NULL)
			return;
		snprintf(target, sizeof(target), "/%s:security/%s", SA_YANG_MODULE,
		    leaves[ev->setting]);
		add_edit(nf, target, "replace", ev->source);
		return;
	}
	if (ev->kind == SA_EV_EXPIRING)
		return;
	sa_fp_to_hex(ev->fp, hex);
	if (was && (!is || ev->old_list != ev->list)) {
		snprintf(target, sizeof(target), "/%s:security/certificates/%s"
		    "[fingerprint='%s']", SA_YANG_MODULE, list_nodes[ev->old_list], hex);
		add_edit(nf, target, "delete", ev->source);
	}
	if (is) {
		op = was && ev->old_list == ev->list ? "replace" : "create";
		snprintf(target, sizeof(target), "/%s:security/certificates/%s"
		    "[fingerprint='%s']", SA_YANG_MODULE, list_nodes[ev->list], hex);
		add_edit(nf, target, op, ev->source);
	}
}

static void
on_event(const struct sa_event *ev, void *arg)
{
	struct notifier *nf = arg;
	struct lyd_node *n;

	if (ev->kind == SA_EV_COMMIT) {
		n = nf->pending.notif;
		nf->pending.notif = NULL;
		nf->pending.n = 0;
		if (n != NULL)
			deliver(nf, n);
		return;
	}
	if (!has_subscribers(nf))
		return;
	if ((n = module_notif(nf, ev)) != NULL)
		deliver(nf, n);
	config_edit(nf, ev);
}

struct nc_server_reply *
rpc_create_subscription(struct sa_nc_call *c)
{
	struct notifier *nf = notifier(c->d);
	const struct lyd_node *n = rpc_child(c->rpc, "stream");
	struct sub *s, *it;

	if (n != NULL && strcmp(lyd_get_value(n), "NETCONF") != 0)
		return rpc_err(c, "invalid-value", 0, NULL, "stream",
		    "the only stream is NETCONF");
	if (rpc_child(c->rpc, "startTime") != NULL)
		return rpc_err(c, "operation-not-supported", 0, NULL, "startTime",
		    "replay is not supported (no :replay capability)");
	if (rpc_child(c->rpc, "stopTime") != NULL)
		return rpc_err(c, "missing-element", 0, NULL, "startTime",
		    "stopTime needs startTime");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return rpc_err(c, "resource-denied", 0, NULL, NULL, "out of memory");
	s->sid = c->sess->id;
	s->user = strdup(c->sess->user ? c->sess->user : "");
	s->recovery = c->sess->recovery;
	if ((n = rpc_child(c->rpc, "filter")) != NULL && rpc_anydata_tree(n) != NULL)
		lyd_dup_siblings(rpc_anydata_tree(n), NULL, LYD_DUP_RECURSIVE, &s->filter);
	pthread_mutex_lock(&nf->mutex);
	for (it = nf->subs; it != NULL && it->sid != s->sid; it = it->next)
		;
	if (it == NULL) {
		s->next = nf->subs;
		nf->subs = s;
	}
	pthread_mutex_unlock(&nf->mutex);
	if (it != NULL) {
		sub_free(s);
		return rpc_err(c, "in-use", 0, NULL, NULL,
		    "this session already has a subscription");
	}
	c->sess->subscription_pending = 1;
	return rpc_ok();
}

void
notif_after_reply(struct sa_daemon *d, struct nc_session *ns,
    struct sa_nc_session *sess)
{
	struct notifier *nf = notifier(d);
	struct sub *s;

	if (nf == NULL || !sess->subscription_pending)
		return;
	sess->subscription_pending = 0;
	sess->subscribed = 1;
	ncs_session_subscribe(ns);	/* the <ok/> is out: notifications may follow */
	pthread_mutex_lock(&nf->mutex);
	for (s = nf->subs; s != NULL; s = s->next)
		if (s->sid == sess->id)
			s->active = 1;
	pthread_mutex_unlock(&nf->mutex);
}

void
notif_session_end(struct sa_daemon *d, uint32_t sid)
{
	struct notifier *nf = notifier(d);
	struct sub **pp, *s;

	if (nf == NULL)
		return;
	pthread_mutex_lock(&nf->mutex);
	for (pp = &nf->subs; (s = *pp) != NULL;) {
		if (s->sid == sid) {
			*pp = s->next;
			sub_free(s);
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&nf->mutex);
}

int
notif_init(struct sa_daemon *d, struct ly_ctx *ctx, char *err, size_t errlen)
{
	struct notifier *nf;

	if ((nf = calloc(1, sizeof(*nf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nf->d = d;
	nf->ctx = ctx;
	pthread_mutex_init(&nf->mutex, NULL);
	if ((nf->sub_id = sa_store_subscribe(d->st, on_event, nf)) < 0) {
		free(nf);
		snprintf(err, errlen, "too many subscribers of the store");
		return -1;
	}
	d->nc_state->notifier = nf;
	return 0;
}

void
notif_free(struct sa_daemon *d)
{
	struct notifier *nf = notifier(d);
	struct sub *s;

	if (nf == NULL)
		return;
	sa_store_unsubscribe(d->st, nf->sub_id);
	while ((s = nf->subs) != NULL) {
		nf->subs = s->next;
		sub_free(s);
	}
	lyd_free_siblings(nf->pending.notif);
	pthread_mutex_destroy(&nf->mutex);
	free(nf);
	d->nc_state->notifier = NULL;
}
