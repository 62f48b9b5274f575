/*
 * snmp.h - the SNMP front end of secagentd (Net-SNMP): what its files share.
 *
 *   snmp.c         start/reload/stop, the SNMP thread and its pipe
 *   snmp_access.c  USM users, VACM (communities read-only), trap targets
 *   snmp_mib.c     the registration of every object of the mapping table,
 *                  the scalar handler
 *   snmp_table.c   the three certificate tables (table_container)
 *   snmp_set.c     the SET phases: one core transaction per request
 *   snmp_value.c   values of the core's fields as varbinds
 *   snmp_notify.c  core change events -> SNMPv2 traps and informs
 *   snmp_ops.c     operations that outlast a request: provisioning,
 *                  the server check (threads of their own)
 *
 * Threads: Net-SNMP is not thread-safe, so every Net-SNMP call happens in
 * the SNMP thread (snmp.c).  Other threads (the main thread, whoever
 * commits a change) hand work to it through a queue and a pipe registered
 * with the agent's select loop.  Everything marked "SNMP thread" below is
 * touched by that thread only.
 */
#ifndef SA_SNMP_H
#define SA_SNMP_H

#include <pthread.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "../daemon/daemon.h"
#include "../sa_map.h"

#define SNMP_APP "secagentd"	/* Net-SNMP application type */
#define SNMP_MAX_COLUMN 32	/* highest column number of the tables */
#define SNMP_QUEUE_MAX 1024	/* queued notifications before dropping */
#define SNMP_MAX_MESSAGE 65487	/* one UDP datagram over IPv6 (and IPv4) */

struct snmp_notice;
struct snmp_val;

/* One certificate table (SNMP thread). */
struct snmp_table {
	enum sa_list list;
	const struct sa_map_node *col[SNMP_MAX_COLUMN + 1];	/* by number */
	void (*get[SNMP_MAX_COLUMN + 1])(const struct sa_entry *, time_t,
	    struct snmp_val *);				/* its getter */
	netsnmp_container *rows;	/* struct snmp_row, by fingerprint */
	struct snmp_row *mem;		/* the rows, one block */
	uint64_t gen;			/* store generation of the rows */
	int fresh;			/* gen is meaningful */
};

struct sa_snmp {
	struct sa_daemon *d;
	struct sa_store *st;
	int subagent;		/* AgentX sub-agent, else the embedded agent */
	char *listen;		/* embedded: transports; AgentX: the master */
	char *persist_dir;	/* DIR/snmp: engine ID and boots */
	pthread_t thread;
	int wake[2];		/* the pipe: other threads -> SNMP thread */
	int sub_id;		/* store subscription, -1 = none */

	/* everything down to "end of mu"; a leaf, taken by store event
	 * callbacks under the commit mutex (lock order: daemon.h) */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int state;		/* 0 starting, 1 running, -1 failed */
	char err[256];		/* why it failed to start */
	struct snmp_notice *queue;	/* oldest first */
	struct snmp_notice **queue_tail;
	size_t queued;
	unsigned long dropped;
	int reload;		/* the configuration changed */
	int stop;
	/* end of mu */

	int running;		/* SNMP thread */
	struct snmp_table tables[SA_LIST_COUNT];	/* SNMP thread */

	/* secCheckServer (snmp_ops.c) */
	pthread_t check_thread;
	int check_joinable;	/* SNMP thread: check_thread to be joined */
	pthread_mutex_t check_mu;	/* down to "end of check_mu" */
	int checking;		/* a check is under way */
	char check_target[301];
	char verdict[256];	/* "checking", then the verdict */
	/* end of check_mu */
};

/* snmp.c: wakes the SNMP thread (any thread). */
void snmp_wake(struct sa_snmp *s);

/*
 * snmp_access.c (SNMP thread): applies the users, communities and trap
 * targets of d->cfg, replacing what was there: a removed or changed user
 * takes effect at once.  Returns 0 or -1 with err.
 */
int snmp_access_apply(struct sa_snmp *s, char *err, size_t errlen);
/* At start: the views, groups and communities (while Net-SNMP reads its
 * configuration), then the users and targets (once the engine ID is). */
void snmp_access_vacm(struct sa_snmp *s);
int snmp_access_users(struct sa_snmp *s, char *err, size_t errlen);
/* Forgets every user, view and trap target (before shutdown). */
void snmp_access_clear(void);

/*
 * snmp_mib.c: checks that every object of the mapping table has its
 * callback here (any thread, before start); 0 or -1 with err.
 */
int snmp_mib_check(char *err, size_t errlen);
/* Registers every object (SNMP thread); 0 or -1 with err. */
int snmp_mib_register(struct sa_snmp *s, char *err, size_t errlen);
/* The OID of a mapping row: the root and its arcs; returns the length. */
size_t snmp_mib_oid(const struct sa_map_node *n, oid *out, size_t max);
/* The SNMP front end of a thread's handler. */
struct sa_snmp *snmp_mib_self(netsnmp_handler_registration *reg);

/* snmp_table.c (SNMP thread) */
int snmp_table_register(struct sa_snmp *s, const struct sa_map_node *table,
    char *err, size_t errlen);
void snmp_table_free(struct snmp_table *t);
/* The map row of each column of list l that SNMP reads or writes. */
int snmp_table_check(char *err, size_t errlen);

/* ---- values (snmp_value.c) ---- */

/* A varbind value: type and bytes (p points into the source or into u). */
struct snmp_val {
	u_char type;
	const void *p;
	size_t len;
	union {
		long l;
		u_long ul;
		struct counter64 c64;
		u_char b[SA_FP_LEN];
	} u;
};

void snmp_val_int(struct snmp_val *v, long n);
void snmp_val_uint(struct snmp_val *v, u_char type, u_long n);
void snmp_val_counter64(struct snmp_val *v, uint64_t n);
void snmp_val_str(struct snmp_val *v, const void *p, size_t len);
void snmp_val_cstr(struct snmp_val *v, const char *s);	/* NULL: "" */
/* DateAndTime in UTC (11 octets); t == 0: the "never" value of 8 zeros. */
void snmp_val_date(struct snmp_val *v, time_t t);
void snmp_val_truth(struct snmp_val *v, int on);

/* Reads one field of an entry at time now (the store's read lock held). */
typedef void snmp_get_fn(const struct sa_entry *e, time_t now,
    struct snmp_val *v);
/* The getter of field f, or NULL when SNMP cannot show it. */
snmp_get_fn *snmp_val_getter(enum sa_field f);
/* Sets a varbind (request or notification) to v. */
int snmp_val_put(netsnmp_variable_list *vb, const struct snmp_val *v);

/* ---- writes (snmp_set.c) ---- */

/*
 * One varbind of a SET, as RESERVE1 accepted it.  The handlers of every
 * object fill these; the rest of the phases run once per request over all
 * of them (snmp_set_phase).
 */
struct snmp_write {
	netsnmp_request_info *req;	/* where errors go */
	const struct sa_map_node *node;
	unsigned char fp[SA_FP_LEN];	/* table rows, secRemoveCertificate */
	int has_fp;
	long num;			/* INTEGER values */
	unsigned char *buf;		/* OCTET STRING values (wiped) */
	size_t len;
};

/*
 * RESERVE1: records a checked write for the request; on failure sets
 * resourceUnavailable on req and returns -1.
 */
int snmp_set_add(struct sa_snmp *s, netsnmp_agent_request_info *reqinfo,
    const struct snmp_write *w);
/* RESERVE2, ACTION, COMMIT, FREE, UNDO: the whole request's phase, once. */
void snmp_set_phase(struct sa_snmp *s, netsnmp_agent_request_info *reqinfo);
/* The SNMP error-status of a core error code (the one table). */
int snmp_set_errstat(int core_err, int phase);

/* ---- notifications (snmp_notify.c) ---- */

/* Subscribes to the store's change events; 0 or -1 with err. */
int snmp_notify_start(struct sa_snmp *s, char *err, size_t errlen);
void snmp_notify_stop(struct sa_snmp *s);
/* Sends what was queued (SNMP thread). */
void snmp_notify_send(struct sa_snmp *s, struct snmp_notice *list);
void snmp_notice_free_all(struct snmp_notice *list);
/* Checks the notification objects of the mapping table; 0 or -1. */
int snmp_notify_check(char *err, size_t errlen);

/* ---- operations that outlast a request (snmp_ops.c) ---- */

struct snmp_prov_state {
	int running;		/* an attempt is asked for or under way */
	time_t last_attempt;	/* 0 = never */
	time_t last_success;
	int last_result;	/* enum sa_map_result */
	char last_error[256];
	unsigned long unknown_parameters;
};

/*
 * Asks the provisioning client for an attempt on behalf of source and
 * returns at once: 0, or an SA_ERR_* code with err when none can start
 * (no provisioning-url is set).
 */
int snmp_prov_request(struct sa_snmp *s, const char *source, char *err,
    size_t errlen);
void snmp_prov_state(struct sa_snmp *s, struct snmp_prov_state *out);

/*
 * secCheckServer (SNMP thread but for _verdict, any thread): a check of
 * target (HOST:PORT) in a thread of its own, one at a time.  _busy is 1
 * while one is under way; _start returns 0, or SA_ERR_INCONSISTENT while
 * one is under way, with err.  The verdict reads "checking" until it is
 * known; _stop waits for a check under way (its timeouts bound it).
 */
int snmp_check_busy(struct sa_snmp *s);
int snmp_check_start(struct sa_snmp *s, const char *target, char *err,
    size_t errlen);
void snmp_check_verdict(struct sa_snmp *s, char *buf, size_t len);
void snmp_check_stop(struct sa_snmp *s);

#endif
