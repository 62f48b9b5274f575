/*
 * daemon.h - what the front ends of secagentd share: the store, the
 * configuration, and each other's entry points.
 *
 * Every front end has the same life cycle, called from the main thread:
 *   X_start(d, err, errlen)   after the store is open; 0 or -1
 *   X_reload(d)               after SIGHUP replaced d->cfg
 *   X_stop(d)                 before the store is closed
 *
 * Threads (about 30): main (signals, the expiry sweep, reloads); NETCONF's
 * event thread, 16 workers, the acceptors (acceptors, 8), the UNIX
 * listener and its handshakes, the confirmed-commit timer
 * (agent/netconf); the SNMP thread, where every Net-SNMP call happens, and
 * a secCheckServer thread (agent/snmp); the provisioning thread
 * (agent/provision).  A commit runs in the thread that asked for it, and
 * delivers its events there.
 *
 * THE LOCK ORDER of the whole daemon, outermost first.  A thread holding
 * one of these takes only locks further down the list; the leaves take
 * nothing.  A new nesting goes into this list before it goes into code
 * (the files' own maps refer here).
 *
 *   1. ncs_conn.mtx        a NETCONF connection: held around every
 *                          libnetconf2 call on it, so around a whole RPC
 *   2. sa_prov.run_lock    one provisioning run (provision-now, the timer)
 *   3. dstore.cand_mutex   a whole candidate edit, commit, discard
 *   4. dstore.mutex        the datastore locks, the candidate, the pending
 *                          confirmed commit; around a core call only in
 *                          dstore_lock/unlock (sa_store_hold/release)
 *   5. store commit_mutex  one commit at a time, planning to last event;
 *                          the events' callbacks run under it: the
 *                          notifier (7), the SNMP queue (leaf), the
 *                          provisioning thread's lock (leaf).  A callback
 *                          never commits and never takes 1-4.
 *   6. store rw            written inside a commit (5 held); read by
 *                          everyone else as a leaf: nothing is taken under
 *                          the read lock (a commit waits for the write
 *                          lock with 5 held)
 *   7. notifier mutex      dstore_notif.c: the subscribers of notifications
 *   8. sa_nacm.lock        NACM rules (written by an edit of /nacm)
 *   9. d->cfg_lock         read briefly; written only by the main thread's
 *                          reload, which holds nothing else
 *  10. srv.lock            the NETCONF session registry and work queue;
 *                          never held across libnetconf2 or a dispatcher
 *                          callback
 *   leaves: sa_snmp.mu (the SNMP queue), sa_snmp.check_mu, sa_prov.lock,
 *           the store's subs_mutex; never two of them at once
 *
 * So an RPC may take 1-10 in order, the SNMP thread takes 6 (read) around
 * a table request and 5 in a SET's commit (never both), and the sweep and
 * the provisioning thread commit (5) holding at most 2.
 */
#ifndef SA_DAEMON_H
#define SA_DAEMON_H

#include <pthread.h>
#include <signal.h>

#include "../../src/sa_store.h"
#include "config.h"

struct sa_netconf;
struct dstore;
struct sa_snmp;
struct sa_prov;

struct sa_daemon {
	struct sa_store *st;
	struct sa_config *cfg;	/* replaced on SIGHUP: read under cfg_lock */
	pthread_rwlock_t cfg_lock;
	int demo;		/* the demo profile (sa_demo_prepare) */
	struct sa_netconf *netconf;
	struct dstore *dstore;	/* datastores, locks, NACM (agent/datastore) */
	struct sa_snmp *snmp;
	struct sa_prov *prov;
};

/*
 * The datastore layer of the YANG front ends (agent/datastore/datastore.h):
 * start it before them, stop it after them.
 */
int sa_datastore_start(struct sa_daemon *d, char *err, size_t errlen);
void sa_datastore_stop(struct sa_daemon *d);

/* The NETCONF server (agent/netconf). */
int sa_netconf_start(struct sa_daemon *d, char *err, size_t errlen);
void sa_netconf_reload(struct sa_daemon *d);
void sa_netconf_stop(struct sa_daemon *d);

/*
 * The SNMP front end (agent/snmp): the embedded agent on cfg->snmp_listen,
 * or an AgentX sub-agent of cfg->agentx.  Nothing when neither is set.
 */
int sa_snmp_start(struct sa_daemon *d, char *err, size_t errlen);
void sa_snmp_reload(struct sa_daemon *d);
void sa_snmp_stop(struct sa_daemon *d);

/*
 * The provisioning client (agent/provision; prov.h has sa_prov_run and
 * sa_prov_get_state).  Start it before, and stop it after, the front
 * ends that call sa_prov_run.
 */
int sa_prov_start(struct sa_daemon *d, char *err, size_t errlen);
void sa_prov_reload(struct sa_daemon *d);
void sa_prov_stop(struct sa_daemon *d);

/* The demo profile: DIR/secagentd.conf and DIR/pki (demo.c). */
int sa_demo_prepare(const char *dir, char *conf_path, size_t len, char *err,
    size_t errlen);

/*
 * The demo profile's listeners: netconf-ssh, netconf-tls, snmp (unless
 * agentx replaces it) and agentx must each name loopback addresses only
 * (127.0.0.0/8, ::1, ::ffff:127.x.y.z; a name must resolve to nothing
 * else; a socket path is local).  Each is rewritten in c with the numeric
 * address that was checked.  0, or -1 with *directive naming the
 * directive and why in err.
 */
int sa_demo_check_listeners(struct sa_config *c, const char **directive,
    char *err, size_t errlen);

#endif
