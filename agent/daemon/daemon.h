/*
 * daemon.h - what the front ends of secagentd share: the store, the
 * configuration, and each other's entry points.
 *
 * Every front end has the same life cycle, called from the main thread:
 *   X_start(d, err, errlen)   after the store is open; 0 or -1
 *   X_reload(d)               after SIGHUP replaced d->cfg
 *   X_stop(d)                 before the store is closed
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

#endif
