/*
 * bench/snmp - walks of the certificate tables over SNMP at 1,000 and
 * 10,000 rows, beside snmpd walking its own built-in tables in the same
 * run, with GETNEXT and GETBULK.
 *
 * Cost per varbind: the CPU time of the agent processes (every thread,
 * from /proc/PID/task/T/schedstat) divided by the varbinds of the walk;
 * the client's own work is not counted (wall time per varbind is printed
 * too).  The baseline is snmpd, with the modules Debian builds in,
 * answering a walk of mib-2 (its system, interfaces, IP, TCP, UDP and
 * host resources tables).  Then secagentd's Server table, all columns:
 *   embedded  secagentd answers itself            target <= 1.2 x snmpd
 *   AgentX    snmpd forwards to secagentd         target <= 3 x snmpd
 *   scaling   the 10,000-row walk over the 1,000-row walk   <= 11 x
 * Through AgentX, snmpd turns every repetition of a GETBULK into one AgentX
 * GETNEXT to the sub-agent (Net-SNMP's agentx/master.c): a GETBULK costs
 * there what a GETNEXT costs, and snmpd's own share alone is many times
 * its cost for its own tables.  The bracket shows the two shares.
 * One GETBULK walk warms the caches; then our walks and snmpd's run in
 * turns, three times each, and the cheapest counts: the baseline is
 * measured beside each mode and size, under the same load of the (shared)
 * machine.
 *
 * usage: bench/snmp [N...]   (default: 1000 10000; needs build/secagentd
 * beside this program's directory and snmpd in the PATH or /usr/sbin)
 *        bench/snmp --make-store DIR N    a state directory to profile with
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "certgen.h"
#include "sa_store.h"

#define REPS 25			/* GETBULK max-repetitions (snmpbulkwalk: 10) */

static const oid mib2[] = { 1, 3, 6, 1, 2, 1 };
static const oid srv_table[] = { 1, 3, 6, 1, 4, 1, 32473, 1, 1, 1, 3 };

static char tmp[256];
static const char *daemon_path;

struct proc {
	pid_t pid;
	const char *what;
};

struct result {
	long varbinds;
	double wall;		/* s */
	double cpu;		/* s, the agents' */
	double cpu_first;	/* s, the first agent's (secagentd in AgentX) */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench/snmp: %s\n", what);
	exit(1);
}

/* CPU time of every thread of pid, in seconds. */
static double
cpu_of(pid_t pid)
{
	char path[512], line[128];
	unsigned long long ns, sum = 0;
	struct dirent *de;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    sscanf(line, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return (double)sum / 1e9;
}

static double
cpu_all(const struct proc *p, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += cpu_of(p[i].pid);
	return s;
}

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		die("no free port");
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static pid_t
spawn(char *const argv[], const char *log, int empty_mibs)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (empty_mibs)
		setenv("MIBS", "", 1);
	execvp(argv[0], argv);
	_exit(127);
}

static void
stop(struct proc *p)
{
	int i;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(p->pid, NULL, WNOHANG) == 0; i++)
		usleep(50000);
	if (i == 100) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = 0;
}

/* ---- the client ---- */

static void *
session(int port)
{
	netsnmp_session ss;
	char peer[64];
	void *sp;

	snprintf(peer, sizeof(peer), "udp:127.0.0.1:%d", port);
	snmp_sess_init(&ss);
	ss.peername = peer;
	ss.version = SNMP_VERSION_2c;
	ss.community = (u_char *)"public";
	ss.community_len = 6;
	ss.timeout = 10 * 1000000L;
	ss.retries = 0;
	if ((sp = snmp_sess_open(&ss)) == NULL)
		die("cannot open an SNMP session");
	return sp;
}

/* Walks the subtree root; the agents' CPU is measured over it. */
static int
walk(int port, const oid *root, size_t rootlen, int bulk,
    const struct proc *agents, int nagents, struct result *r)
{
	oid cur[MAX_OID_LEN];
	size_t curlen = rootlen;
	netsnmp_variable_list *vb;
	netsnmp_pdu *pdu, *resp;
	void *sp = session(port);
	double c0;
	int done = 0, rc = 0;

	memset(r, 0, sizeof(*r));
	memcpy(cur, root, rootlen * sizeof(oid));
	c0 = cpu_all(agents, nagents);
	r->cpu_first = cpu_of(agents[0].pid);
	r->wall = now_s();
	while (!done) {
		pdu = snmp_pdu_create(bulk ? SNMP_MSG_GETBULK :
		    SNMP_MSG_GETNEXT);
		if (bulk) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = REPS;
		}
		snmp_add_null_var(pdu, cur, curlen);
		if (snmp_sess_synch_response(sp, pdu, &resp) != STAT_SUCCESS ||
		    resp->errstat != SNMP_ERR_NOERROR) {
			rc = -1;
			break;
		}
		for (vb = resp->variables; vb != NULL; vb = vb->next_variable) {
			if (vb->type == SNMP_ENDOFMIBVIEW ||
			    vb->name_length < rootlen ||
			    snmp_oid_compare(vb->name, rootlen, root,
			    rootlen) != 0) {
				done = 1;
				break;
			}
			r->varbinds++;
			memcpy(cur, vb->name, vb->name_length * sizeof(oid));
			curlen = vb->name_length;
		}
		snmp_free_pdu(resp);
	}
	r->wall = now_s() - r->wall;
	r->cpu = cpu_all(agents, nagents) - c0;
	r->cpu_first = cpu_of(agents[0].pid) - r->cpu_first;
	snmp_sess_close(sp);
	return rc;
}

/* Until the agent answers under root (bounded). */
static int
wait_agent(int port, const oid *root, size_t rootlen)
{
	netsnmp_pdu *pdu, *resp;
	void *sp = session(port);
	int i, ok = 0;

	for (i = 0; i < 100 && !ok; i++) {
		pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
		snmp_add_null_var(pdu, root, rootlen);
		if (snmp_sess_synch_response(sp, pdu, &resp) == STAT_SUCCESS) {
			ok = resp->variables != NULL &&
			    resp->variables->name_length > rootlen &&
			    snmp_oid_compare(resp->variables->name, rootlen,
			    root, rootlen) == 0;
			snmp_free_pdu(resp);
		}
		if (!ok)
			usleep(100000);
	}
	snmp_sess_close(sp);
	return ok ? 0 : -1;
}

/* ---- the agents ---- */

static pid_t
start_snmpd(int port, int ax)
{
	char conf[512], log[512], pidf[512];
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/snmpd.conf", tmp);
	snprintf(log, sizeof(log), "%s/snmpd.log", tmp);
	snprintf(pidf, sizeof(pidf), "%s/snmpd.pid", tmp);
	if ((f = fopen(conf, "w")) == NULL)
		die("cannot write snmpd.conf");
	fprintf(f, "agentaddress udp:127.0.0.1:%d\nmaster agentx\n"
	    "agentXSocket tcp:127.0.0.1:%d\nagentXTimeout 10\n"
	    "rocommunity public 127.0.0.1\n[snmp] persistentDir %s/snmpd\n",
	    port, ax, tmp);
	fclose(f);
	{
		char *argv[] = { "snmpd", "-f", "-Lf", log, "-C", "-c", conf,
		    "-I", "-smux", "-p", pidf, NULL };

		return spawn(argv, log, 1);
	}
}

static pid_t
start_secagentd(const char *dir, const char *line)
{
	char conf[512], log[512];
	FILE *f;

	snprintf(conf, sizeof(conf), "%s.conf", dir);
	snprintf(log, sizeof(log), "%s.log", dir);
	if ((f = fopen(conf, "w")) == NULL)
		die("cannot write secagentd.conf");
	fprintf(f, "log stderr warning\nnetconf-unix none\n"
	    "snmp-community public\n%s\n", line);
	fclose(f);
	{
		char *argv[] = { (char *)daemon_path, "-f", "-d", (char *)dir,
		    "-c", conf, NULL };

		return spawn(argv, log, 0);
	}
}

/* A state directory with n server certificates of one CA. */
static void
make_store(const char *dir, int n)
{
	struct tc_opts o = { .cn = "Bench CA", .ca = 1 };
	EVP_PKEY *ca_key = tc_key(), *key = tc_key();
	X509 *ca = tc_cert(&o, ca_key, NULL, NULL), *x;
	struct sa_store *st;
	struct sa_txn *t;
	char err[256], cn[64], *pem, *bundle = tc_pem(ca);
	size_t len = strlen(bundle), plen;
	int i;

	for (i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		snprintf(cn, sizeof(cn), "device-%06d.example", i);
		o.cn = o.dns = cn;
		o.serial = i + 1;
		x = tc_cert(&o, key, ca, ca_key);
		pem = tc_pem(x);
		plen = strlen(pem);
		bundle = realloc(bundle, len + plen + 1);
		memcpy(bundle + len, pem, plen + 1);
		len += plen;
		free(pem);
		X509_free(x);
	}
	if (sa_store_open(dir, NULL, &st, err, sizeof(err)) != 0 ||
	    (t = sa_txn_new(st, "bench")) == NULL ||
	    sa_txn_import(t, (unsigned char *)bundle, len, SA_ORIGIN_IMPORTED,
	    err, sizeof(err)) != 0 || sa_txn_commit(t, err, sizeof(err)) != 0)
		die(err);
	if (sa_store_count(st, SA_LIST_SERVER) != (size_t)n)
		die("the store does not hold the server certificates");
	sa_txn_free(t);
	sa_store_free(st);
	free(bundle);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
}

/* ---- the run ---- */

enum { GETNEXT, GETBULK };
static const char *const op_name[] = { "GETNEXT", "GETBULK" };

#define RUNS 3

struct target {
	const char *what;
	int port;
	const oid *root;
	size_t rootlen;
	const struct proc *agents;
	int nagents;
};

static void
walk_or_die(const struct target *t, int op, struct result *r)
{
	if (walk(t->port, t->root, t->rootlen, op, t->agents, t->nagents,
	    r) != 0 || r->varbinds == 0) {
		fprintf(stderr, "bench/snmp: the %s walk of %s failed\n",
		    op_name[op], t->what);
		exit(1);
	}
}

/*
 * Our walks and snmpd's (the baseline) in turns, so that both see the
 * same load of the shared machine; the cheapest of RUNS counts.  One
 * GETBULK walk of each warms the caches first.
 */
static void
measure(const struct target *ours, const struct target *base,
    struct result r[2], struct result b[2])
{
	struct result one;
	int op, i;

	walk_or_die(ours, GETBULK, &one);
	walk_or_die(base, GETBULK, &one);
	for (op = GETNEXT; op <= GETBULK; op++) {
		for (i = 0; i < RUNS; i++) {
			walk_or_die(base, op, &one);
			if (i == 0 || one.cpu < b[op].cpu)
				b[op] = one;
			walk_or_die(ours, op, &one);
			if (i == 0 || one.cpu < r[op].cpu)
				r[op] = one;
		}
	}
}

static double
us_per_vb(const struct result *r, int wall)
{
	return (wall ? r->wall : r->cpu) / (double)r->varbinds * 1e6;
}

static void
print_row(const char *what, int op, const struct result *r,
    const struct result *base, double target)
{
	printf("  %-30s %s %7ld vb %8.2f us/vb agent CPU %8.2f us/vb wall",
	    what, op_name[op], r->varbinds, us_per_vb(r, 0), us_per_vb(r, 1));
	if (base != NULL)
		printf("   %5.2fx snmpd (target <= %.1fx)%s", us_per_vb(r, 0) /
		    us_per_vb(base, 0), target, us_per_vb(r, 0) /
		    us_per_vb(base, 0) <= target ? "" : "  OVER");
	if (r->cpu_first < r->cpu * 0.999)
		printf("   [secagentd %.2f, snmpd %.2f us/vb]", r->cpu_first /
		    (double)r->varbinds * 1e6, (r->cpu - r->cpu_first) /
		    (double)r->varbinds * 1e6);
	printf("\n");
}

struct ports {
	int snmpd;		/* snmpd's SNMP port */
	int agentx;		/* snmpd's AgentX port */
	int embedded;		/* secagentd's own SNMP port */
};

/*
 * Over a store of n rows: snmpd's own walks (the baseline, measured again
 * next to each size so that both see the same machine), the embedded
 * walks, then the AgentX ones.
 */
static void
run_size(int n, const struct ports *pt, const struct proc *snmpd,
    struct result base[2][2], struct result emb[2], struct result agx[2])
{
	struct proc agents[2] = { { 0, "secagentd" }, *snmpd };
	const size_t len = OID_LENGTH(srv_table);
	struct target b = { "snmpd's mib-2", pt->snmpd, mib2,
	    OID_LENGTH(mib2), snmpd, 1 };
	struct target e = { "the embedded agent", pt->embedded, srv_table,
	    len, agents, 1 };
	struct target a = { "AgentX", pt->snmpd, srv_table, len, agents, 2 };
	char dir[512], line[128];
	double t0 = now_s();

	snprintf(dir, sizeof(dir), "%s/state-%d", tmp, n);
	make_store(dir, n);
	fprintf(stderr, "bench/snmp: %d certificates made and imported in "
	    "%.1f s\n", n, now_s() - t0);
	snprintf(line, sizeof(line), "snmp udp:127.0.0.1:%d", pt->embedded);
	agents[0].pid = start_secagentd(dir, line);
	if (wait_agent(pt->embedded, srv_table, len) != 0)
		die("the embedded agent does not answer");
	measure(&e, &b, emb, base[0]);
	stop(&agents[0]);
	snprintf(line, sizeof(line), "agentx tcp:127.0.0.1:%d", pt->agentx);
	agents[0].pid = start_secagentd(dir, line);
	if (wait_agent(pt->snmpd, srv_table, len) != 0)
		die("the sub-agent does not answer through snmpd");
	measure(&a, &b, agx, base[1]);
	stop(&agents[0]);
	fprintf(stderr, "bench/snmp: %d rows measured after %.0f s\n", n,
	    now_s() - t0);
}

/* The agents' CPU for a walk of the bigger table over the smaller one. */
static void
print_scaling(const char *mode, int op, const struct result *small,
    const struct result *big)
{
	printf(" %s %s %.2fx", mode, op_name[op], big->cpu / small->cpu);
}

static void
report_size(int n, struct result base[2][2], struct result emb[2],
    struct result agx[2])
{
	char what[64];
	int op;

	for (op = GETNEXT; op <= GETBULK; op++)
		print_row("snmpd, its own mib-2 tables", op, &base[0][op],
		    NULL, 0);
	snprintf(what, sizeof(what), "embedded, %d rows", n);
	for (op = GETNEXT; op <= GETBULK; op++)
		print_row(what, op, &emb[op], &base[0][op], 1.2);
	for (op = GETNEXT; op <= GETBULK; op++)
		print_row("snmpd, its own mib-2 tables", op, &base[1][op],
		    NULL, 0);
	snprintf(what, sizeof(what), "AgentX via snmpd, %d rows", n);
	for (op = GETNEXT; op <= GETBULK; op++)
		print_row(what, op, &agx[op], &base[1][op], 3.0);
}

static void
report(const int *ns, int count, struct result base[][2][2],
    struct result emb[][2], struct result agx[][2])
{
	int i, op;

	printf("bench/snmp: agent CPU per varbind, walks of secServerCertTable "
	    "(all columns), GETBULK max-repetitions %d\n", REPS);
	for (i = 0; i < count; i++)
		report_size(ns[i], base[i], emb[i], agx[i]);
	for (i = 1; i < count; i++) {
		for (op = GETNEXT; op <= GETBULK; op++) {
			printf("  scaling %d/%d rows, agent CPU:", ns[i],
			    ns[0]);
			print_scaling("embedded", op, &emb[0][op],
			    &emb[i][op]);
			print_scaling(", AgentX", op, &agx[0][op], &agx[i][op]);
			printf("; target <= %.0fx\n", 1.1 * ns[i] / ns[0]);
		}
	}
	printf("  (snmpd as AgentX master forwards each GETBULK repetition as "
	    "one AgentX GETNEXT)\n");
}

/* secagentd: ../secagentd from this program's directory. */
static const char *
find_daemon(const char *argv0)
{
	static char path[4096];
	const char *slash = strrchr(argv0, '/');

	snprintf(path, sizeof(path), "%.*s/../secagentd",
	    slash != NULL ? (int)(slash - argv0) : 1,
	    slash != NULL ? argv0 : ".");
	if (access(path, X_OK) != 0)
		die("secagentd is not built beside bench/ (make secagentd)");
	return path;
}

int
main(int argc, char **argv)
{
	int ns[4] = { 1000, 10000 }, count = argc > 1 ? 0 : 2, i;
	struct result base[4][2][2], emb[4][2], agx[4][2];
	struct proc snmpd = { 0, "snmpd" };
	struct ports pt;
	char cmd[600];

	if (argc == 4 && strcmp(argv[1], "--make-store") == 0) {
		make_store(argv[2], atoi(argv[3]));	/* for profiling */
		return 0;
	}
	for (i = 1; i < argc && count < 4; i++)
		if ((ns[count] = atoi(argv[i])) > 0)
			count++;
	if (count == 0)
		die("usage: bench/snmp [N...]");
	daemon_path = find_daemon(argv[0]);
	snprintf(tmp, sizeof(tmp), "%s/secagent-bench-snmp.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL)
		die("mkdtemp");
	/* the client reads no configuration of this machine, loads no MIB */
	setenv("MIBS", "", 1);
	setenv("SNMPCONFPATH", tmp, 1);
	setenv("SNMP_PERSISTENT_DIR", tmp, 1);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 0);
	init_snmp("bench-snmp");
	pt.snmpd = free_port();
	pt.agentx = free_port();
	pt.embedded = free_port();
	snmpd.pid = start_snmpd(pt.snmpd, pt.agentx);
	if (wait_agent(pt.snmpd, mib2, OID_LENGTH(mib2)) != 0)
		die("snmpd does not answer");
	for (i = 0; i < count; i++)
		run_size(ns[i], &pt, &snmpd, base[i], emb[i], agx[i]);
	stop(&snmpd);
	report(ns, count, base, emb, agx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : 1;
}
