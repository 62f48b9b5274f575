/*
 * snmp.c - the SNMP front end's life cycle: the SNMP thread, where every
 * Net-SNMP call happens, and the pipe through which the other threads
 * hand it work (notifications, a reloaded configuration, stop).
 *
 * Two modes in one binary: the embedded agent answers SNMP itself on the
 * "snmp" transports; with "agentx" it is an AgentX sub-agent of a master
 * snmpd instead, and has no listener of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/sa_file.h"
#include "snmp.h"
#include "../daemon/log.h"

/* How often a sub-agent pings its master, and retries after losing it. */
#define SNMP_AGENTX_PING 2	/* seconds */

/* libnetsnmpmibs: the system and snmpEngine groups; headers not installed. */
void init_system_mib(void);
void init_snmpEngine(void);

static int
log_level(int priority)
{
	if (priority <= LOG_ERR)
		return SA_LOG_ERROR;
	if (priority == LOG_WARNING)
		return SA_LOG_WARNING;
	return priority == LOG_DEBUG ? SA_LOG_DEBUG : SA_LOG_INFO;
}

/*
 * Net-SNMP's log lines go to the daemon's log.  Debug output comes in
 * pieces: they are joined up to the newline (SNMP thread only).
 */
static int
log_netsnmp(int major, int minor, void *serverarg, void *clientarg)
{
	static char line[1024];
	static size_t len;
	const struct snmp_log_message *m = serverarg;
	const char *p;
	size_t n;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (m == NULL || m->msg == NULL)
		return 0;
	for (p = m->msg; *p != '\0'; p += n) {
		n = strcspn(p, "\n");
		if (len + n >= sizeof(line))
			n = sizeof(line) - 1 - len;
		memcpy(line + len, p, n);
		len += n;
		if (p[n] != '\n' && len < sizeof(line) - 1)
			continue;
		line[len] = '\0';
		if (len > 0)
			sa_log((enum sa_log_level)log_level(m->priority),
			    "net-snmp", "%s", line);
		len = 0;
		if (p[n] == '\n')
			n++;
	}
	return 0;
}

void
snmp_wake(struct sa_snmp *s)
{
	ssize_t r;

	do {	/* a full pipe already wakes the thread */
		r = write(s->wake[1], "w", 1);
	} while (r < 0 && errno == EINTR);
}

/* The pipe is readable: take what the other threads left (SNMP thread). */
static void
on_wake(int fd, void *arg)
{
	struct sa_snmp *s = arg;
	struct snmp_notice *queue;
	char buf[64], err[256];
	unsigned long dropped;
	int reload, stop;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->mu);
	queue = s->queue;
	s->queue = NULL;
	s->queue_tail = &s->queue;
	s->queued = 0;
	dropped = s->dropped;
	s->dropped = 0;
	reload = s->reload;
	s->reload = 0;
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	if (dropped > 0)
		sa_warn("%lu notifications dropped: the queue was full",
		    dropped);
	if (reload && snmp_access_apply(s, err, sizeof(err)) != 0)
		sa_error("SNMP users and trap targets not reloaded: %s", err);
	snmp_notify_send(s, queue);
	if (stop)
		s->running = 0;
}

/* Settings that must precede init_agent(). */
static void
snmp_preinit(struct sa_snmp *s, const char *confdir)
{
	static char no_smux[] = "-smux";

	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    log_netsnmp, NULL);
	/* several threads: no SIGALRM, alarms run from the select loop */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* the agent needs no MIB files: no "Cannot find module" lines */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_MIB_ERRORS, 0);
	netsnmp_config_remember(NETSNMP_REMOVE_CONST(char *, "mibs :"));
	/* engine ID and boots live in the state directory, and only there */
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_PERSISTENT_DIR, s->persist_dir);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_CONFIGURATION_DIR, confdir);
	/*
	 * The largest message sent.  Net-SNMP bounds a v1/v2c response by
	 * this alone, not by the UDP transport's limit: a GETBULK of large
	 * certificates was built too long for one datagram and dropped.
	 * Now a bulk response is trimmed to fit, and a GET gets tooBig.
	 */
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MSG_SEND_MAX,
	    SNMP_MAX_MESSAGE);
	/* libwrap would log every packet */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);
	/* Debian's agent library would open SMUX on TCP 0.0.0.0:199 */
	add_to_init_list(no_smux);
	if (s->subagent) {
		netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_ROLE, 1);
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_X_SOCKET, s->listen);
	} else {
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_PORTS, s->listen);
	}
}

/* Net-SNMP read its configuration (and freed the VACM entries). */
static int
access_after_config(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	snmp_access_vacm(clientarg);
	return 0;
}

/*
 * The demo profile listens on loopback only, and its listeners were
 * checked (agent/daemon/demo_listen.c): DIR/snmp/conf may not open others
 * (agentaddress, agentXSocket, master agentx).
 */
static int
demo_listeners_kept(const struct sa_snmp *s, char *err, size_t errlen)
{
	const char *v = netsnmp_ds_get_string(NETSNMP_DS_APPLICATION_ID,
	    s->subagent ? NETSNMP_DS_AGENT_X_SOCKET : NETSNMP_DS_AGENT_PORTS);

	if (!s->d->demo)
		return 0;
	if (v == NULL || strcmp(v, s->listen) != 0) {
		snprintf(err, errlen, "%s/conf: %s %s refused, the demo profile "
		    "listens on loopback only", s->persist_dir, s->subagent ?
		    "agentXSocket" : "agentaddress", v != NULL ? v : "(none)");
		return -1;
	}
	if (!s->subagent && netsnmp_ds_get_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_AGENTX_MASTER)) {
		snprintf(err, errlen, "%s/conf: master agentx refused, the demo "
		    "profile listens on loopback only", s->persist_dir);
		return -1;
	}
	return 0;
}

/* Net-SNMP up to the first request (SNMP thread); 0 or -1 with err. */
static int
snmp_init(struct sa_snmp *s, char *err, size_t errlen)
{
	char confdir[4096];

	/* DIR/snmp/conf: extra Net-SNMP directives, if an admin wants any */
	snprintf(confdir, sizeof(confdir), "%s/conf", s->persist_dir);
	snmp_preinit(s, confdir);
	/* our VACM entries, before init_agent's VACM checks there are some */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_POST_READ_CONFIG, access_after_config, s);
	if (init_agent(SNMP_APP) != 0) {	/* and its VACM (vacm_conf.c) */
		snprintf(err, errlen, "Net-SNMP: init_agent failed");
		return -1;
	}
	/* after init_agent, which sets its default of 15 s */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, SNMP_AGENTX_PING);
	if (!s->subagent) {
		/* what an NMS asks first */
		init_system_mib();
		init_snmpEngine();
	}
	if (snmp_mib_register(s, err, errlen) != 0)
		return -1;
	init_snmp(SNMP_APP);
	/* once: and Net-SNMP would free the argument at shutdown */
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_POST_READ_CONFIG, access_after_config, s, 1);
	if (demo_listeners_kept(s, err, errlen) != 0)
		return -1;
	if (!s->subagent && init_master_agent() != 0) {
		snprintf(err, errlen, "cannot listen on %s", s->listen);
		return -1;
	}
	if (snmp_access_users(s, err, errlen) != 0)
		return -1;
	/* now: the incremented engine boots survive a crash */
	snmp_store(SNMP_APP);
	if (register_readfd(s->wake[0], on_wake, s) != FD_REGISTERED_OK) {
		snprintf(err, errlen, "cannot watch the SNMP thread's pipe");
		return -1;
	}
	return 0;
}

static void
snmp_fini(struct sa_snmp *s)
{
	int l;

	unregister_readfd(s->wake[0]);
	snmp_access_clear();
	if (!s->subagent)
		shutdown_master_agent();
	snmp_shutdown(SNMP_APP);
	for (l = 0; l < SA_LIST_COUNT; l++)
		snmp_table_free(&s->tables[l]);
}

static void *
snmp_main(void *arg)
{
	struct sa_snmp *s = arg;
	char err[256];
	int r;

	r = snmp_init(s, err, sizeof(err));
	pthread_mutex_lock(&s->mu);
	s->state = r == 0 ? 1 : -1;
	if (r != 0)
		snprintf(s->err, sizeof(s->err), "%s", err);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	s->running = r == 0;
	if (r == 0)
		sa_info("SNMP %s on %s", s->subagent ? "AgentX sub-agent" :
		    "agent", s->listen);
	while (s->running)
		agent_check_and_process(1);
	snmp_fini(s);
	return NULL;
}

static void
snmp_free(struct sa_snmp *s)
{
	if (s == NULL)
		return;
	snmp_notice_free_all(s->queue);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->check_mu);
	free(s->listen);
	free(s->persist_dir);
	free(s);
}

/* A new front end for d's configuration (main thread). */
static struct sa_snmp *
snmp_new(struct sa_daemon *d, char *err, size_t errlen)
{
	struct sa_snmp *s;
	const char *where;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->d = d;
	s->st = d->st;
	s->sub_id = -1;
	s->wake[0] = s->wake[1] = -1;
	s->queue_tail = &s->queue;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_init(&s->check_mu, NULL);
	pthread_rwlock_rdlock(&d->cfg_lock);
	s->subagent = d->cfg->agentx != NULL;
	where = s->subagent ? d->cfg->agentx : d->cfg->snmp_listen;
	if (s->subagent && d->cfg->snmp_listen != NULL)
		sa_warn("agentx %s: the snmp listener %s is not opened",
		    d->cfg->agentx, d->cfg->snmp_listen);
	s->listen = strdup(where);
	pthread_rwlock_unlock(&d->cfg_lock);
	if (asprintf(&s->persist_dir, "%s/snmp", sa_store_dir(d->st)) < 0)
		s->persist_dir = NULL;
	if (s->listen == NULL || s->persist_dir == NULL ||
	    pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "SNMP: %s", strerror(errno));
		snmp_free(s);
		return NULL;
	}
	return s;
}

/*
 * DIR/snmp, where Net-SNMP keeps its engine ID, boots and keys with its
 * own fopen() calls, and DIR/snmp/conf, which it reads: they are made or
 * checked like the state directory (ours, no one else writes there), and
 * nothing in them may be a symbolic link that Net-SNMP would follow.
 */
static int
snmp_check_persist_dir(const struct sa_snmp *s, char *err, size_t errlen)
{
	struct dirent *e;
	struct stat sb;
	char why[512];
	DIR *dp = NULL;
	int fd, sub, r = -1;

	if ((fd = sa_dir_open(sa_store_dir_fd(s->st), "snmp", 1, 0700, why,
	    sizeof(why))) < 0) {
		snprintf(err, errlen, "%s/%s", sa_store_dir(s->st), why);
		return -1;
	}
	if ((sub = sa_dir_open(fd, "conf", 0, 0, why, sizeof(why))) >= 0) {
		close(sub);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s/%s", s->persist_dir, why);
		goto out;
	}
	if ((dp = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "%s: %s", s->persist_dir, strerror(errno));
		goto out;
	}
	fd = -1;	/* dp's now */
	while ((e = readdir(dp)) != NULL) {
		if (fstatat(dirfd(dp), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s/%s: %s", s->persist_dir,
			    e->d_name, sa_file_strerror(ELOOP));
			goto out;
		}
	}
	r = 0;
 out:
	if (dp != NULL)
		closedir(dp);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Variables that would make Net-SNMP read or persist elsewhere. */
static void
snmp_clean_environment(void)
{
	static const char *const vars[] = {
		"SNMPCONFPATH", "SNMP_PERSISTENT_FILE", "SNMP_PERSISTENT_DIR",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (getenv(vars[i]) != NULL) {
			sa_warn("ignoring %s: SNMP state lives in the state "
			    "directory", vars[i]);
			unsetenv(vars[i]);
		}
	}
}

int
sa_snmp_start(struct sa_daemon *d, char *err, size_t errlen)
{
	struct sa_snmp *s;
	int r;

	d->snmp = NULL;
	if (d->cfg->snmp_listen == NULL && d->cfg->agentx == NULL)
		return 0;
	if (sa_map_validate(err, errlen) != 0 ||
	    snmp_mib_check(err, errlen) != 0)
		return -1;
	if ((s = snmp_new(d, err, errlen)) == NULL)
		return -1;
	if (snmp_check_persist_dir(s, err, errlen) != 0) {
		snmp_free(s);
		return -1;
	}
	snmp_clean_environment();
	if ((r = pthread_create(&s->thread, NULL, snmp_main, s)) != 0) {
		snprintf(err, errlen, "SNMP thread: %s", strerror(r));
		snmp_free(s);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	while (s->state == 0)
		pthread_cond_wait(&s->cond, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (s->state < 0) {
		pthread_join(s->thread, NULL);
		snprintf(err, errlen, "SNMP: %s", s->err);
		snmp_free(s);
		return -1;
	}
	d->snmp = s;
	if (snmp_notify_start(s, err, errlen) != 0) {
		sa_snmp_stop(d);
		return -1;
	}
	return 0;
}

void
sa_snmp_reload(struct sa_daemon *d)
{
	struct sa_snmp *s = d->snmp;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->reload = 1;
	pthread_mutex_unlock(&s->mu);
	snmp_wake(s);
}

void
sa_snmp_stop(struct sa_daemon *d)
{
	struct sa_snmp *s = d->snmp;

	if (s == NULL)
		return;
	snmp_notify_stop(s);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	snmp_wake(s);
	pthread_join(s->thread, NULL);
	snmp_check_stop(s);	/* the SNMP thread is gone: ours now */
	d->snmp = NULL;
	snmp_free(s);
}
