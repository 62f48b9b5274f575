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
struct sa_nc_state;
struct sa_snmp;
struct sa_prov;

struct sa_daemon {
	struct sa_store *st;
	struct sa_config *cfg;	/* replaced on SIGHUP: read under cfg_lock */
	pthread_rwlock_t cfg_lock;
	int demo;		/* the demo profile of DESIGN.md */
	struct sa_netconf *netconf;
	struct sa_nc_state *nc_state;	/* datastores, locks, NACM (agent/netconf) */
	struct sa_snmp *snmp;
	struct sa_prov *prov;
};

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

/* The demo profile: DIR/secagentd.conf, DIR/pki, DIR/ssh_host_key. */
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
