/*
 * dstore_notif.c - the notifications of the datastores: the module's
 * three, and netconf-config-change, made from the core's change events
 * whatever interface made the change, and handed to each subscriber cut to
 * what it may read (datastore.h).
 *
 * Core events arrive in whichever thread committed; each becomes a tree
 * that is cut to what the subscriber may read (NACM), then to its filter,
 * and given to the subscriber's callback, which queues it.  The mutex is
 * taken under the store's commit mutex, and takes d->cfg_lock (a
 * subscriber's group), the NACM lock and then the callback's own (the
 * daemon's lock order: agent/daemon/daemon.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "dstore_int.h"
#include "filter.h"

struct dstore_sub {
	char *user;
	int recovery;
	int active;		/* dstore_sub_activate() */
	struct lyd_node *filter;	/* subtree filter, or NULL */
	dstore_notif_fn *fn;
	void *arg;
	struct dstore_sub *next;
};

struct edits {			/* the config changes of one transaction */
	struct lyd_node *notif;
	size_t n;
};

struct notifier {
	struct dstore *ds;
	int sub_id;
	pthread_mutex_t mutex;
	struct dstore_sub *subs;
	struct edits pending;	/* events run in commit order, one commit at a time */
};

static void
sub_free(struct dstore_sub *s)
{
	lyd_free_siblings(s->filter);
	free(s->user);
	free(s);
}

/*
 * netconf-config-change without the edits whose target u may not read;
 * 0 when none is left.
 */
static int
readable_edits(struct sa_nacm *nacm, const struct nacm_user *u,
    struct lyd_node *notif)
{
	struct lyd_node *e, *next, *t;
	size_t left = 0;

	LY_LIST_FOR_SAFE(lyd_child(notif), next, e) {
		if (e->schema == NULL || strcmp(e->schema->name, "edit") != 0)
			continue;
		t = lyd_child(e);
		while (t != NULL && strcmp(t->schema->name, "target") != 0)
			t = t->next;
		if (t != NULL && nacm_allow_read_path(nacm, u, lyd_get_value(t)))
			left++;
		else
			lyd_free_tree(e);
	}
	return left > 0;
}

/*
 * What of tree u may receive, as a copy, or NULL: the notification if
 * NACM lets u receive it and read the entry it is about (about: its
 * path, or NULL), without the nodes u may not read (RFC 8341 3.4.6),
 * through the subscription's filter.
 */
static struct lyd_node *
for_user(struct notifier *nf, const struct dstore_sub *s,
    const struct lyd_node *tree, const char *about)
{
	struct sa_nacm *nacm = nf->ds->nacm;
	struct lyd_node *copy = NULL, *res = NULL;
	struct nacm_user u;

	nacm_user_set(nf->ds->d, &u, s->user, s->recovery);
	if (!nacm_allow_notif(nacm, &u, tree) ||
	    (about != NULL && !nacm_allow_read_path(nacm, &u, about)) ||
	    lyd_dup_single(tree, NULL, LYD_DUP_RECURSIVE, &copy) != LY_SUCCESS)
		return NULL;
	if (strcmp(copy->schema->name, "netconf-config-change") == 0 &&
	    !readable_edits(nacm, &u, copy)) {
		lyd_free_siblings(copy);
		return NULL;
	}
	nacm_prune_read(nacm, &u, &copy);
	if (copy == NULL || s->filter == NULL)
		return copy;
	if (filter_subtree(s->filter, copy, &res) != 0)
		res = NULL;
	lyd_free_siblings(copy);
	return res;
}

/*
 * Gives tree to every active subscriber, as much of it as each may see
 * (for_user); frees tree.
 */
static void
deliver(struct notifier *nf, struct lyd_node *tree, const char *about)
{
	struct lyd_node *copy;
	struct timespec now;
	struct dstore_sub *s;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&nf->mutex);
	for (s = nf->subs; s != NULL; s = s->next)
		if (s->active && (copy = for_user(nf, s, tree, about)) != NULL)
			s->fn(copy, &now, s->arg);
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

static const char *const list_nodes[] = {
	"ca-certificate", "server-certificate", "invalid-certificate",
};

/* The path of a list entry: "/MODULE:security/certificates/LIST[fingerprint='HEX']". */
static void
entry_path(char *buf, size_t len, enum sa_list list, const unsigned char *fp)
{
	char hex[SA_FP_HEX_LEN + 1];

	sa_fp_to_hex(fp, hex);
	snprintf(buf, len, "/%s:security/certificates/%s[fingerprint='%s']",
	    SA_YANG_MODULE, list_nodes[list], hex);
}

/*
 * One of the module's three notifications, or NULL for other events;
 * about: the path of the entry it is about.
 */
static struct lyd_node *
module_notif(struct notifier *nf, const struct sa_event *ev, char *about,
    size_t aboutlen)
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
	if ((mod = ly_ctx_get_module_implemented(nf->ds->ctx, SA_YANG_MODULE)) == NULL ||
	    lyd_new_inner(NULL, mod, names[kind], 0, &n) != LY_SUCCESS)
		return NULL;
	entry_path(about, aboutlen, ev->list, ev->fp);
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

/* After the "FRONT:" of a source made by dstore_source, or NULL. */
static const char *
front_end(const char *source)
{
	static const char *const fronts[] = { "netconf:", "restconf:" };
	size_t i, n;

	for (i = 0; i < sizeof(fronts) / sizeof(fronts[0]); i++) {
		n = strlen(fronts[i]);
		if (strncmp(source, fronts[i], n) == 0)
			return source + n;
	}
	return NULL;
}

/* "netconf:USER:SID", "snmp", ... into changed-by. */
static void
changed_by(struct lyd_node *notif, const char *source)
{
	char user[128] = "server", sid[16] = "0";
	const char *p, *q;

	if (source == NULL || strcmp(source, "expiry-sweep") == 0 ||
	    strcmp(source, "tls-check") == 0 || strcmp(source, "factory") == 0) {
		lyd_new_path(notif, NULL, "changed-by/server", NULL, 0, NULL);
		return;
	}
	/* a front end's client: "FRONT:USER:SID" (dstore_source) */
	if ((q = front_end(source)) != NULL && (p = strrchr(q, ':')) != NULL) {
		snprintf(user, sizeof(user), "%.*s", (int)(p - q), q);
		snprintf(sid, sizeof(sid), "%s", p + 1);
	} else {
		snprintf(user, sizeof(user), "%s", source);
	}
	lyd_new_path(notif, NULL, "changed-by/username", user, 0, NULL);
	lyd_new_path(notif, NULL, "changed-by/session-id", sid, 0, NULL);
}

static void
add_edit(struct notifier *nf, const char *target, const char *op,
    const char *source)
{
	const struct lys_module *mod;
	struct lyd_node *e;

	mod = ly_ctx_get_module_implemented(nf->ds->ctx, "ietf-netconf-notifications");
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
	char target[256];
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
	if (was && (!is || ev->old_list != ev->list)) {
		entry_path(target, sizeof(target), ev->old_list, ev->fp);
		add_edit(nf, target, "delete", ev->source);
	}
	if (is) {
		op = was && ev->old_list == ev->list ? "replace" : "create";
		entry_path(target, sizeof(target), ev->list, ev->fp);
		add_edit(nf, target, op, ev->source);
	}
}

static void
on_event(const struct sa_event *ev, void *arg)
{
	struct notifier *nf = arg;
	struct lyd_node *n;
	char about[256];

	if (ev->kind == SA_EV_COMMIT) {
		n = nf->pending.notif;
		nf->pending.notif = NULL;
		nf->pending.n = 0;
		if (n != NULL)
			deliver(nf, n, NULL);
		return;
	}
	if (!has_subscribers(nf))
		return;
	if ((n = module_notif(nf, ev, about, sizeof(about))) != NULL)
		deliver(nf, n, about);
	config_edit(nf, ev);
}

struct dstore_sub *
dstore_subscribe(struct dstore *ds, const char *user, int recovery,
    const struct lyd_node *filter, dstore_notif_fn *fn, void *arg)
{
	struct notifier *nf = ds->notifier;
	struct dstore_sub *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->recovery = recovery;
	s->fn = fn;
	s->arg = arg;
	if ((s->user = strdup(user != NULL ? user : "")) == NULL ||
	    (filter != NULL && lyd_dup_siblings(filter, NULL, LYD_DUP_RECURSIVE,
	    &s->filter) != LY_SUCCESS)) {
		sub_free(s);
		return NULL;
	}
	pthread_mutex_lock(&nf->mutex);
	s->next = nf->subs;
	nf->subs = s;
	pthread_mutex_unlock(&nf->mutex);
	return s;
}

void
dstore_sub_activate(struct dstore *ds, struct dstore_sub *s)
{
	pthread_mutex_lock(&ds->notifier->mutex);
	s->active = 1;
	pthread_mutex_unlock(&ds->notifier->mutex);
}

void
dstore_unsubscribe(struct dstore *ds, struct dstore_sub *s)
{
	struct notifier *nf = ds->notifier;
	struct dstore_sub **pp;

	if (s == NULL)
		return;
	pthread_mutex_lock(&nf->mutex);
	for (pp = &nf->subs; *pp != NULL && *pp != s; pp = &(*pp)->next)
		;
	if (*pp != NULL)
		*pp = s->next;
	pthread_mutex_unlock(&nf->mutex);
	sub_free(s);
}

int
dstore_notif_init(struct dstore *ds, char *err, size_t errlen)
{
	struct notifier *nf;

	if ((nf = calloc(1, sizeof(*nf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nf->ds = ds;
	pthread_mutex_init(&nf->mutex, NULL);
	if ((nf->sub_id = sa_store_subscribe(ds->d->st, on_event, nf)) < 0) {
		pthread_mutex_destroy(&nf->mutex);
		free(nf);
		snprintf(err, errlen, "too many subscribers of the store");
		return -1;
	}
	ds->notifier = nf;
	return 0;
}

void
dstore_notif_free(struct dstore *ds)
{
	struct notifier *nf = ds->notifier;
	struct dstore_sub *s;

	if (nf == NULL)
		return;
	sa_store_unsubscribe(ds->d->st, nf->sub_id);
	while ((s = nf->subs) != NULL) {
		nf->subs = s->next;
		sub_free(s);
	}
	lyd_free_siblings(nf->pending.notif);
	pthread_mutex_destroy(&nf->mutex);
	free(nf);
	ds->notifier = NULL;
}
