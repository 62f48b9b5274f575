/*
 * secagentd - the management agent of the System Security page: one
 * process, one store, every front end.
 *
 *   secagentd [-f] [-d DIR] [-c FILE] [--demo] [--snmp T|none]
 *             [--agentx ADDR|none] [--ssh ADDR:PORT|none]
 *             [--tls ADDR:PORT|none] [--factory-bundle FILE]
 *             [--device-id ID]
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

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
	    "                 [--device-id ID]\n"
	    "  -f              stay in the foreground, log to stderr\n"
	    "  -d, --state-dir DIR   the store (default %s)\n"
	    "  -c, --config FILE     configuration (default %s)\n"
	    "  --demo          the demo profile: loopback listeners, demo users,\n"
	    "                  a demo PKI, made in the state directory\n",
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
	return c;
 fail:
	sa_config_free(c);
	return NULL;
}

static void
store_warn(void *arg, const char *msg)
{
	(void)arg;
	sa_warn("%s", msg);
}

static int
write_pid_file(const char *path)
{
	char buf[32];
	int fd, n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
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
	char err[512];
	int r = 1;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	if (parse_args(argc, argv, &o) != 0)
		return 1;
	if ((d.cfg = load_config(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "secagentd: %s\n", err);
		return 1;
	}
	d.demo = o.demo;
	pthread_rwlock_init(&d.cfg_lock, NULL);
	sa_log_open(d.cfg->log_stderr, d.cfg->log_level);
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
	if (sa_store_open(d.cfg->state_dir, &sopts, &d.st, err, sizeof(err)) != 0) {
		sa_error("%s", err);
		goto out;
	}
	if (write_pid_file(d.cfg->pid_file) != 0)
		sa_warn("%s: %s", d.cfg->pid_file, strerror(errno));
	/* before the front ends: they call sa_prov_run */
	if (sa_prov_start(&d, err, sizeof(err)) != 0) {
		sa_error("provisioning: %s", err);
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
	sa_prov_stop(&d);
	if (d.st != NULL)
		unlink(d.cfg->pid_file);
	sa_store_free(d.st);
	sa_config_free(d.cfg);
	return r;
}
