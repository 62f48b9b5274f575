/*
 * snmp_notify.c - every YANG notification as an SNMPv2 trap (or inform,
 * where the target says so), built from the mapping table: the
 * notification's OID and, in table order, each of its objects.
 *
 * The core's change events arrive in whichever thread committed; they are
 * copied into a queue and the SNMP thread is woken through its pipe, so no
 * Net-SNMP call happens outside it.  send_v2trap() hands the trap to every
 * configured target and, for a sub-agent, to the AgentX master as well.
 */
#include <stdlib.h>
#include <string.h>

#include "snmp.h"
#include "../daemon/log.h"

struct snmp_notice {
	struct snmp_notice *next;
	enum sa_notif notif;
	unsigned char fp[SA_FP_LEN];
	enum sa_list list;
	enum sa_list old_list;
	enum sa_reason reason;
	char *subject;
	char *peer;
	time_t not_after;
	long days;
};

/* Which notification a change event raises (sa_map.h, enum sa_notif). */
static enum sa_notif
notif_of(const struct sa_event *ev)
{
	if (ev->kind == SA_EV_EXPIRING)
		return SA_NOTIF_EXPIRING;
	if (ev->kind == SA_EV_MOVED && ev->list == SA_LIST_INVALID &&
	    ev->old_list != SA_LIST_INVALID)
		return SA_NOTIF_INVALIDATED;
	if ((ev->kind == SA_EV_ADDED || ev->kind == SA_EV_CHANGED) &&
	    ev->cause == SA_CAUSE_TLS && ev->list == SA_LIST_INVALID)
		return SA_NOTIF_INVALID_RECEIVED;
	return SA_NOTIF_NONE;
}

void
snmp_notice_free_all(struct snmp_notice *list)
{
	struct snmp_notice *n;

	while ((n = list) != NULL) {
		list = n->next;
		free(n->subject);
		free(n->peer);
		free(n);
	}
}

/* A change event (any thread): queue it and wake the SNMP thread. */
static void
on_event(const struct sa_event *ev, void *arg)
{
	struct sa_snmp *s = arg;
	enum sa_notif k = notif_of(ev);
	struct snmp_notice *n;

	if (k == SA_NOTIF_NONE || (n = calloc(1, sizeof(*n))) == NULL)
		return;
	n->notif = k;
	memcpy(n->fp, ev->fp, SA_FP_LEN);
	n->list = ev->list;
	n->old_list = ev->old_list;
	n->reason = ev->reason;
	n->subject = ev->subject != NULL ? strdup(ev->subject) : NULL;
	n->peer = ev->peer != NULL ? strdup(ev->peer) : NULL;
	n->not_after = ev->not_after;
	n->days = ev->days;
	pthread_mutex_lock(&s->mu);
	if (s->stop || s->queued >= SNMP_QUEUE_MAX) {
		s->dropped += !s->stop;
		pthread_mutex_unlock(&s->mu);
		snmp_notice_free_all(n);
		return;
	}
	*s->queue_tail = n;
	s->queue_tail = &n->next;
	s->queued++;
	pthread_mutex_unlock(&s->mu);
	snmp_wake(s);
}

/* ---- the values of a notification's objects: one line per field ---- */

typedef void notice_get_fn(const struct snmp_notice *n, struct snmp_val *v);

static void
nv_fingerprint(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_str(v, n->fp, SA_FP_LEN);
}

static void
nv_list(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_int(v, SA_MAP_SNMP_LIST(n->list));
}

static void
nv_previous_list(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_int(v, SA_MAP_SNMP_LIST(n->old_list));
}

static void
nv_reason(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_int(v, SA_MAP_SNMP_REASON(n->reason != SA_REASON_NONE ?
	    n->reason : SA_REASON_OTHER));
}

static void
nv_subject(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_cstr(v, n->subject);
}

static void
nv_peer(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_cstr(v, n->peer);
}

static void
nv_not_after(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_date(v, n->not_after);
}

static void
nv_days(const struct snmp_notice *n, struct snmp_val *v)
{
	snmp_val_int(v, n->days);
}

static const struct {
	enum sa_field field;
	notice_get_fn *get;
} notice_fields[] = {
	{ SA_FIELD_FINGERPRINT, nv_fingerprint },
	{ SA_FIELD_LIST, nv_list },
	{ SA_FIELD_PREVIOUS_LIST, nv_previous_list },
	{ SA_FIELD_REASON, nv_reason },
	{ SA_FIELD_SUBJECT, nv_subject },
	{ SA_FIELD_PEER, nv_peer },
	{ SA_FIELD_NOT_AFTER, nv_not_after },
	{ SA_FIELD_DAYS_TO_EXPIRY, nv_days },
};

static notice_get_fn *
notice_getter(enum sa_field f)
{
	size_t i;

	for (i = 0; i < sizeof(notice_fields) / sizeof(notice_fields[0]); i++)
		if (notice_fields[i].field == f)
			return notice_fields[i].get;
	return NULL;
}

/* ---- sending (SNMP thread) ---- */

/* snmpTrapOID.0 */
static const oid trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static const struct sa_map_node *
notification_node(enum sa_notif k)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++)
		if (sa_map[i].kind == SA_MAP_NOTIFICATION &&
		    sa_map[i].notif == k)
			return &sa_map[i];
	return NULL;
}

/* A column's instance is the row (the fingerprint), a scalar's is .0. */
static size_t
instance(const struct sa_map_node *leaf, const struct snmp_notice *n,
    oid *name, size_t len)
{
	const struct sa_map_node *owner = sa_map_by_mib(leaf->mib);
	size_t i;

	if (owner == NULL || owner->kind != SA_MAP_COLUMN) {
		name[len++] = 0;
		return len;
	}
	for (i = 0; i < SA_FP_LEN && len < MAX_OID_LEN; i++)
		name[len++] = n->fp[i];
	return len;
}

static void
send_one(const struct snmp_notice *n)
{
	const struct sa_map_node *nn = notification_node(n->notif), *leaf;
	netsnmp_variable_list *vars = NULL;
	oid name[MAX_OID_LEN];
	struct snmp_val v;
	size_t i, len;

	if (nn == NULL)
		return;
	len = snmp_mib_oid(nn, name, MAX_OID_LEN);
	snmp_varlist_add_variable(&vars, trap_oid, OID_LENGTH(trap_oid),
	    ASN_OBJECT_ID, name, len * sizeof(oid));
	for (i = 0; i < sa_map_len; i++) {
		leaf = &sa_map[i];
		if (leaf->kind != SA_MAP_NOTIF_LEAF ||
		    leaf->notif != n->notif ||
		    leaf->access == SA_MAP_NOT_ACCESSIBLE)
			continue;	/* an index names the row instead */
		len = instance(leaf, n, name, snmp_mib_oid(leaf, name,
		    MAX_OID_LEN - SA_FP_LEN));
		notice_getter(leaf->field)(n, &v);
		snmp_varlist_add_variable(&vars, name, len, v.type, v.p, v.len);
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

void
snmp_notify_send(struct sa_snmp *s, struct snmp_notice *list)
{
	struct snmp_notice *n;

	(void)s;
	for (n = list; n != NULL; n = n->next)
		send_one(n);
	snmp_notice_free_all(list);
}

int
snmp_notify_check(char *err, size_t errlen)
{
	const struct sa_map_node *n;
	size_t i;

	for (i = 0; i < sa_map_len; i++) {
		n = &sa_map[i];
		if ((n->kind == SA_MAP_NOTIF_LEAF &&
		    n->access != SA_MAP_NOT_ACCESSIBLE &&
		    notice_getter(n->field) == NULL) ||
		    (n->kind == SA_MAP_NOTIFICATION &&
		    n->notif == SA_NOTIF_NONE)) {
			snprintf(err, errlen, "SNMP: %s (mapping row %zu) has "
			    "no callback", n->mib ? n->mib : n->yang, i);
			return -1;
		}
	}
	return 0;
}

int
snmp_notify_start(struct sa_snmp *s, char *err, size_t errlen)
{
	if ((s->sub_id = sa_store_subscribe(s->st, on_event, s)) < 0) {
		snprintf(err, errlen, "SNMP: cannot subscribe to changes");
		return -1;
	}
	return 0;
}

void
snmp_notify_stop(struct sa_snmp *s)
{
	if (s->sub_id < 0)
		return;
	sa_store_unsubscribe(s->st, s->sub_id);
	s->sub_id = -1;
	/*
	 * Events are delivered under the store's commit mutex, which the
	 * holder query takes: once it returns, no commit still calls us.
	 */
	(void)sa_store_holder(s->st);
}
