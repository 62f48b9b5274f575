/*
 * notif.h - NETCONF notifications (RFC 5277): subscriptions, and the
 * module's notifications plus netconf-config-change made from the core's
 * change events, whatever interface made the change.
 */
#ifndef SA_NOTIF_H
#define SA_NOTIF_H

#include <stdint.h>

#include <libyang/libyang.h>

struct sa_daemon;
struct sa_nc_session;
struct nc_session;

/* Subscribes to the core's events; 0 or -1. */
int notif_init(struct sa_daemon *d, struct ly_ctx *ctx, char *err,
    size_t errlen);
void notif_free(struct sa_daemon *d);

/* After a reply went out: a pending subscription starts now, so its
 * first notification never precedes the <ok/>. */
void notif_after_reply(struct sa_daemon *d, struct nc_session *s,
    struct sa_nc_session *sess);
/* A session ended: its subscription goes. */
void notif_session_end(struct sa_daemon *d, uint32_t sid);

#endif
