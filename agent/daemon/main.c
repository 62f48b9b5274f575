/*
 * secagentd - the management agent of the System Security page: one
 * process, one store, every front end.
 *
 *   secagentd [-f] [-d DIR] [-c FILE] [--demo] [--snmp T|none]
 *             [--agentx ADDR|none] [--ssh ADDR:PORT|none]
 *             [--tls ADDR:PORT|none] [--factory-bundle FILE]
 *             [--device-id ID] [--allow-core-dumps]
 *
 * Signals are handled synchronously by the main thread (sigtimedwait), which
 * also runs the expiry sweep: SIGTERM and SIGINT stop cleanly, SIGHUP
 * reloads the configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../src/sa_file.h"
#include "daemon.h"
#include "log.h"
#include "../test_clock.h"

#ifndef SA_STATE_DIR
#define SA_STATE_DIR "/var/lib/secagent"
#endif
#ifndef SA_CONF_FILE
#define SA_CONF_FILE "/etc/secagent/secagentd.conf"
#endif

struct options {
	int foreground;
	int demo;
	const char *conf;
	/* command-line overrides, applied after every (re)read */
	const char *keys[16];
	const char *values[16];
	int n;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: secagentd [-f] [-d DIR] [-c FILE] [--demo] [--snmp TRANSPORT|none]\n"
	    "                 [--agentx ADDRESS|none] [--ssh ADDR:PORT|none]\n"
	    "                 [--tls ADDR:PORT|none] [--factory-bundle FILE]\n"
	    "                 [--device-id ID] [--allow-core-dumps]\n"
	    "  -f              stay in the foreground, log to stderr\n"
	    "  -d, --state-dir DIR   the store (default %s)\n"
	    "  -c, --config FILE     configuration (default %s)\n"
	    "  --demo          the demo profile: loopback listeners, demo users,\n"
	    "                  a demo PKI, made in the state directory\n"
	    "  --allow-core-dumps  debugging only: core files (and ptrace by the\n"
	    "                  same uid) are allowed; they hold every secret\n",
	    SA_STATE_DIR, SA_CONF_FILE);
}

static void
override(struct options *o, const char *key, const char *value)
{
	if (o->n < 16) {
		o->keys[o->n] = key;
		o->values[o->n++] = value;
	}
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "demo", no_argument, NULL, 'D' },
		{ "snmp", required_argument, NULL, 'S' },
		{ "agentx", required_argument, NULL, 'A' },
		{ "ssh", required_argument, NULL, 's' },
		{ "tls", required_argument, NULL, 't' },
		{ "factory-bundle", required_argument, NULL, 'F' },
		{ "device-id", required_argument, NULL, 'I' },
		{ "allow-core-dumps", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "fd:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o->foreground = 1; break;
		case 'd': override(o, "state-dir", optarg); break;
		case 'c': o->conf = optarg; break;
		case 'D': o->demo = 1; break;
		case 'S': override(o, "snmp", optarg); break;
		case 'A': override(o, "agentx", optarg); break;
		case 's': override(o, "netconf-ssh", optarg); break;
		case 't': override(o, "netconf-tls", optarg); break;
		case 'F': override(o, "factory-bundle", optarg); break;
		case 'I': override(o, "device-id", optarg); break;
		case 'C': override(o, "allow-core-dumps", "yes"); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "secagentd: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	return 0;
}

static const char *
state_dir_of(const struct options *o)
{
	const char *dir = SA_STATE_DIR;
	int i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], "state-dir") == 0)
			dir = o->values[i];
	return dir;
}

/* The option that set a directive: "--ssh VALUE", or "netconf-ssh VALUE (FILE)". */
static void
name_option(const struct options *o, const struct sa_config *c,
    const char *key, const char *value, char *buf, size_t len)
{
	static const char *const flags[][2] = {
		{ "netconf-ssh", "--ssh" }, { "netconf-tls", "--tls" },
		{ "snmp", "--snmp" }, { "agentx", "--agentx" },
	};
	size_t i;
	int j;

	for (j = o->n - 1; j >= 0; j--) {
		if (strcmp(o->keys[j], key) != 0)
			continue;
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strcmp(flags[i][0], key) == 0)
				key = flags[i][1];
		snprintf(buf, len, "%s %s", key, o->values[j]);
		return;
	}
	snprintf(buf, len, "%s %s in %s", key, value, c->file != NULL ?
	    c->file : "the configuration");
}

/*
 * The demo's passwords are public: its listeners stay on loopback.  A
 * refused directive keeps its value, which the message quotes.
 */
static int
demo_check(const struct options *o, struct sa_config *c, char *err,
    size_t errlen)
{
	char why[200], opt[200];
	const char *key, *value;

	if (sa_demo_check_listeners(c, &key, why, sizeof(why)) == 0)
		return 0;
	value = strcmp(key, "netconf-ssh") == 0 ? c->ssh_listen :
	    strcmp(key, "netconf-tls") == 0 ? c->tls_listen :
	    strcmp(key, "snmp") == 0 ? c->snmp_listen : c->agentx;
	name_option(o, c, key, value, opt, sizeof(opt));
	snprintf(err, errlen, "%s: refused, the demo profile listens on "
	    "loopback only (its passwords are public): %s", opt, why);
	return -1;
}

/* Reads the configuration as the options say; NULL with err on error. */
static struct sa_config *
load_config(const struct options *o, char *err, size_t errlen)
{
	struct sa_config *c = sa_config_new();
	char path[4096];
	const char *conf = o->conf;
	int i;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (o->demo) {
		if (sa_demo_prepare(state_dir_of(o), path, sizeof(path), err,
		    errlen) != 0)
			goto fail;
		if (conf == NULL)
			conf = path;
	}
	if (conf == NULL && access(SA_CONF_FILE, R_OK) == 0)
		conf = SA_CONF_FILE;
	if (conf != NULL && sa_config_read(c, conf, err, errlen) != 0)
		goto fail;
	for (i = 0; i < o->n; i++)
		if (sa_config_set(c, o->keys[i], o->values[i], err, errlen) != 0)
			goto fail;
	if (c->state_dir == NULL && (c->state_dir = strdup(SA_STATE_DIR)) == NULL)
		goto fail;
	if (o->foreground)
		c->log_stderr = 1;
	if (c->unix_path == NULL && !c->unix_disabled) {
		snprintf(path, sizeof(path), "%s/secagentd.sock", c->state_dir);
		c->unix_path = strdup(path);
	}
	if (c->pid_file == NULL) {
		snprintf(path, sizeof(path), "%s/secagentd.pid", c->state_dir);
		c->pid_file = strdup(path);
	}
	if (sa_config_check(c, err, errlen) != 0)
		goto fail;
	if (o->demo && demo_check(o, c, err, errlen) != 0)
		goto fail;
	return c;
 fail:
	sa_config_free(c);
	return NULL;
}

static struct rlimit core_limit;	/* RLIMIT_CORE as the process started */

/*
 * The process holds the HTTP password, the SNMP passphrases and private
 * keys: no core file and no ptrace or /proc/PID/mem by the same uid
 * (PR_SET_DUMPABLE 0), unless allow-core-dumps asks for them.  Called
 * first thing, then with the configuration.
 */
static void
core_dumps(int allow)
{
	struct rlimit none = { 0, core_limit.rlim_max };

	if (setrlimit(RLIMIT_CORE, allow ? &core_limit : &none) != 0 ||
	    prctl(PR_SET_DUMPABLE, allow ? 1 : 0, 0, 0, 0) != 0)
		sa_warn("core dumps: %s", strerror(errno));
}

static void
store_warn(void *arg, const char *msg)
{
	(void)arg;
	sa_warn("%s", msg);
}

/*
 * The pid file, written whole in its directory, which must be ours like
 * the state directory; the directory stays open, and the name is kept
 * (name, len), for the removal at exit.
 */
static int
write_pid_file(const char *path, int *dirfd, char *name, size_t len,
    char *err, size_t errlen)
{
	char dir[4096], buf[32];
	const char *slash = strrchr(path, '/');
	int n;

	snprintf(name, len, "%s", slash != NULL ? slash + 1 : path);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	if ((*dirfd = sa_dir_open(AT_FDCWD, dir, 0, 0, err, errlen)) < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (sa_file_replace(*dirfd, name, buf, (size_t)n, 0644) != 0) {
		snprintf(err, errlen, "%s: %s", path, sa_file_strerror(errno));
		close(*dirfd);
		*dirfd = -1;
		return -1;
	}
	return 0;
}

static void
sweep(struct sa_daemon *d)
{
	char err[256];

	if (sa_store_sweep(d->st, err, sizeof(err)) != 0)
		sa_warn("expiry sweep: %s", err);
}

static void
reload(struct sa_daemon *d, const struct options *o)
{
	struct sa_config *c, *old;
	char err[512];

	if ((c = load_config(o, err, sizeof(err))) == NULL) {
		sa_error("reload refused, the running configuration stays: %s", err);
		return;
	}
	if (strcmp(c->state_dir, d->cfg->state_dir) != 0)
		sa_warn("a new state-dir takes effect at the next start");
	pthread_rwlock_wrlock(&d->cfg_lock);
	old = d->cfg;
	d->cfg = c;
	pthread_rwlock_unlock(&d->cfg_lock);
	sa_log_set_level(c->log_level);
	if (c->allow_core_dumps != old->allow_core_dumps)
		sa_warn("core dumps %s", c->allow_core_dumps ? "allowed: a core "
		    "file holds every secret" : "off again");
	core_dumps(c->allow_core_dumps);
	sa_store_set_invalid_max(d->st, (size_t)c->invalid_max);
	sa_prov_reload(d);
	sa_netconf_reload(d);
	sa_snmp_reload(d);
	sa_config_free(old);
	sa_info("configuration reloaded from %s", c->file ? c->file : "options");
}

/* The main thread: signals and the sweep timer, until asked to stop. */
static void
main_loop(struct sa_daemon *d, const struct options *o, sigset_t *set)
{
	struct timespec ts = { 1, 0 };
	time_t next_sweep = time(NULL) + d->cfg->sweep_interval;
	int sig;

	for (;;) {
		if (time(NULL) >= next_sweep) {
			sweep(d);
			next_sweep = time(NULL) + d->cfg->sweep_interval;
		}
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			sa_info("stopping on signal %d", sig);
			return;
		}
		if (sig == SIGHUP)
			reload(d, o);
	}
}

int
main(int argc, char **argv)
{
	struct options o;
	struct sa_store_opts sopts;
	struct sa_daemon d;
	sigset_t set;
	char err[512], msg[4 * sizeof(err)], pid_name[256];
	long off;
	int r = 1, pid_dir = -1;

	/* before anything secret is read: the configuration holds passphrases */
	getrlimit(RLIMIT_CORE, &core_limit);
	core_dumps(0);
	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	if (parse_args(argc, argv, &o) != 0)
		return 1;
	if ((d.cfg = load_config(&o, err, sizeof(err))) == NULL) {
		sa_log_escape(err, msg, sizeof(msg));
		fprintf(stderr, "secagentd: %s\n", msg);
		return 1;
	}
	d.demo = o.demo;
	pthread_rwlock_init(&d.cfg_lock, NULL);
	sa_log_open(d.cfg->log_stderr, d.cfg->log_level);
	if (d.cfg->allow_core_dumps) {
		core_dumps(1);
		sa_warn("core dumps allowed (allow-core-dumps): a core file holds "
		    "every secret");
	}
	if (!o.foreground && daemon(1, 0) != 0) {	/* keep relative paths */
		sa_error("daemon: %s", strerror(errno));
		return 1;
	}
	/* every thread inherits this mask: only the main thread takes signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&sopts, 0, sizeof(sopts));
	sopts.factory_bundle = d.cfg->factory_bundle;
	sopts.invalid_max = (size_t)d.cfg->invalid_max;
	sopts.warn = store_warn;
	if ((off = sa_test_clock_apply(&sopts)) != 0)
		sa_warn("test clock: the store's time is the real time %+ld s", off);
	if (sa_store_open(d.cfg->state_dir, &sopts, &d.st, err, sizeof(err)) != 0) {
		sa_error("%s", err);
		goto out;
	}
	if (write_pid_file(d.cfg->pid_file, &pid_dir, pid_name, sizeof(pid_name),
	    err, sizeof(err)) != 0)
		sa_warn("pid file not written: %s", err);
	/* before the front ends: they call sa_prov_run */
	if (sa_prov_start(&d, err, sizeof(err)) != 0) {
		sa_error("provisioning: %s", err);
		goto out;
	}
	if (sa_datastore_start(&d, err, sizeof(err)) != 0) {
		sa_error("datastores: %s", err);
		goto out;
	}
	if (sa_netconf_start(&d, err, sizeof(err)) != 0) {
		sa_error("NETCONF: %s", err);
		goto out;
	}
	if (sa_snmp_start(&d, err, sizeof(err)) != 0) {
		sa_error("%s", err);
		sa_netconf_stop(&d);
		goto out;
	}
	/* the first sweep, its notifications and traps included, before
	 * "started": whoever waits for that line sees the swept store */
	sweep(&d);
	sa_info("secagentd started, state in %s", d.cfg->state_dir);
	main_loop(&d, &o, &set);
	r = 0;
	sa_snmp_stop(&d);
	sa_netconf_stop(&d);
 out:
	sa_datastore_stop(&d);	/* after the front ends, before provisioning */
	sa_prov_stop(&d);
	if (pid_dir >= 0) {
		unlinkat(pid_dir, pid_name, 0);
		close(pid_dir);
	}
	sa_store_free(d.st);
	sa_config_free(d.cfg);
	return r;
}
