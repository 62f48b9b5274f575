/*
 * notif.h - NETCONF notifications (RFC 5277): a session's subscription to
 * the datastore layer's notifications (agent/datastore/datastore.h).
 */
#ifndef SA_NOTIF_H
#define SA_NOTIF_H

struct sa_daemon;
struct sa_nc_session;
struct nc_session;

/* After a reply went out: a pending subscription starts now, so its
 * first notification never precedes the <ok/>. */
void notif_after_reply(struct sa_daemon *d, struct nc_session *s,
    struct sa_nc_session *sess);
/* A session ends: its subscription goes. */
void notif_session_end(struct sa_daemon *d, struct sa_nc_session *sess);

#endif
