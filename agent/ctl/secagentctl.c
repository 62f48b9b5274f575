/*
 * secagentctl - the local administrator's view of the System Security page:
 * list, show, import, accept, reject, remove, get, set, check-server,
 * restore-defaults, sweep, provision, export-provisioning, host-keys.
 *
 * Exit status 0 on success, 1 on a refusal or an error, with one line on
 * standard error.  The password is never printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "../provision/prov.h"
#include "ctl.h"
#include "../test_clock.h"

#ifndef SA_STATE_DIR
#define SA_STATE_DIR "/var/lib/secagent"
#endif
#ifndef SA_CONF_FILE
#define SA_CONF_FILE "/etc/secagent/secagentd.conf"
#endif

struct ctl {
	const char *dir;
	int dir_given;		/* -d or $SECAGENT_STATE_DIR */
	const char *conf;	/* -c: secagentd's configuration */
	const char *factory_bundle;
	int json;
	struct sa_store *st;
	struct ctl_nc *nc;	/* the running daemon, or NULL: work directly */
};

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("secagentctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: secagentctl [-d DIR] [-c FILE] [--json] [--factory-bundle FILE] COMMAND\n"
	    "  list [ca|server|invalid]   the certificate lists\n"
	    "  show FP                    every detail of one certificate\n"
	    "  import FILE...             import PEM, DER or PEM bundles ('-': stdin)\n"
	    "  accept FP | reject FP      move an Invalid certificate\n"
	    "  remove FP                  delete a certificate from its list\n"
	    "  get NAME | set NAME VALUE  accept-all-certificates, http-username,\n"
	    "                             http-password (write-only), provisioning-url,\n"
	    "                             provisioning-interval, policy-version\n"
	    "                             (get only); VALUE '-': stdin\n"
	    "  check-server HOST:PORT     a TLS handshake under the policy\n"
	    "  provision [--device-id ID] fetch the provisioning file and apply it\n"
	    "                             ({device} in the URL: ID, default the MAC)\n"
	    "  export-provisioning        the settings as a provisioning file\n"
	    "  restore-defaults           put the factory CA certificates back\n"
	    "  sweep                      run the expiry sweep now\n"
	    "  host-keys                  the SSH host keys of secagentd and their\n"
	    "                             SHA256 fingerprints (as ssh-keygen -l)\n"
	    "FP is a SHA-256 fingerprint or a unique prefix of one (4+ hex digits).\n"
	    "DIR (-d, --dir, --state-dir): default $SECAGENT_STATE_DIR, else "
	    SA_STATE_DIR ".\n"
	    "FILE (-c, --config): secagentd's configuration, for host-keys; default\n"
	    "DIR/secagentd.conf if it exists, else " SA_CONF_FILE ".\n");
}

static void
warn_hook(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "secagentctl: warning: %s\n", msg);
}

/* hint: said after the store's own message when another writer has it */
static int
open_store_hint(struct ctl *c, int write, const char *hint)
{
	struct sa_store_opts opts;
	char err[512];
	int r;

	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = c->factory_bundle;
	opts.warn = warn_hook;
	sa_test_clock_apply(&opts);
	r = sa_store_open(c->dir, &opts, &c->st, err, sizeof(err));
	if (r == SA_ERR_LOCKED && !write) {
		/* a writer is running: reading a consistent copy is safe */
		opts.read_only = 1;
		r = sa_store_open(c->dir, &opts, &c->st, err, sizeof(err));
	}
	if (r == SA_ERR_LOCKED && hint != NULL)
		return fail("%s; %s", err, hint);
	return r == 0 ? 0 : fail("%s", err);
}

static int
open_store(struct ctl *c, int write)
{
	return open_store_hint(c, write, NULL);
}

/* ---- reads ---- */

static int
cmd_list(struct ctl *c, int argc, char **argv)
{
	const struct sa_entry *e;
	struct ctl_cert *certs = NULL;
	size_t n = 0, total = 0, i;
	enum sa_list only = SA_LIST_CA;
	time_t now;
	int l, all = argc < 2, r = 0;

	if (argc > 2)
		return fail("list: one list at most (ca, server, invalid)");
	if (!all && sa_list_from_name(argv[1], &only) != 0)
		return fail("list: unknown list \"%s\" (ca, server, invalid)",
		    argv[1]);
	if (c->nc != NULL)
		return ctl_nc_list(c->nc, all, only, c->json);
	if (open_store(c, 0) != 0)
		return 1;
	now = sa_store_now(c->st);
	sa_store_rdlock(c->st);
	for (l = 0; l < SA_LIST_COUNT; l++)
		if (all || l == (int)only)
			total += sa_store_count(c->st, (enum sa_list)l);
	if (total > 0 && (certs = calloc(total, sizeof(*certs))) == NULL)
		r = SA_ERR_NOMEM;
	for (l = 0; l < SA_LIST_COUNT && r == 0; l++) {
		if (!all && l != (int)only)
			continue;
		for (e = sa_store_first(c->st, (enum sa_list)l); e != NULL && r == 0;
		    e = sa_store_next(c->st, e))
			r = ctl_cert_from_entry(&certs[n++], e, now, 0);
	}
	sa_store_unlock(c->st);
	if (r == 0)
		ctl_print_list(stdout, certs, n, c->json);
	for (i = 0; i < n; i++)
		ctl_cert_clear(&certs[i]);
	free(certs);
	return r == 0 ? 0 : fail("out of memory");
}

static int
cmd_show(struct ctl *c, int argc, char **argv)
{
	const struct sa_entry *e;
	struct ctl_cert cert;
	char err[256];
	int r;

	if (argc != 2)
		return fail("show: FP expected");
	if (c->nc != NULL)
		return ctl_nc_show(c->nc, argv[1], c->json);
	if (open_store(c, 0) != 0)
		return 1;
	sa_store_rdlock(c->st);
	if ((r = sa_store_find_prefix(c->st, argv[1], &e, err, sizeof(err))) == 0)
		r = ctl_cert_from_entry(&cert, e, sa_store_now(c->st), 1);
	sa_store_unlock(c->st);
	if (r != 0)
		return fail("%s", r == SA_ERR_NOMEM ? "out of memory" : err);
	ctl_print_show(stdout, &cert, c->json);
	ctl_cert_clear(&cert);
	return 0;
}

static int
cmd_get(struct ctl *c, int argc, char **argv)
{
	enum sa_setting s;
	char *v;
	int r;

	if (argc != 2)
		return fail("get: NAME expected");
	if (sa_setting_from_name(argv[1], &s) != 0)
		return fail("get: unknown setting \"%s\"", argv[1]);
	if (sa_setting_is_secret(s))
		return fail("%s is write-only", argv[1]);
	if (c->nc != NULL)
		return ctl_nc_get(c->nc, s, c->json);
	if (open_store(c, 0) != 0)
		return 1;
	if ((r = sa_store_get(c->st, s, &v)) != 0)
		return fail("get: %s", sa_err_name(r));
	if (c->json) {
		printf("{\"name\": \"%s\", \"value\": ", argv[1]);
		ctl_json_string(stdout, v);
		printf("}\n");
	} else {
		printf("%s\n", v);
	}
	free(v);
	return 0;
}

/* ---- writes ---- */

#define MAX_FILE (64u << 20)

/* Reads a whole file, or standard input for "-"; caller frees. */
static int
read_input(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *p = NULL, *np;
	size_t cap = 0, n = 0, got;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return fail("%s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_FILE + 1 || (np = realloc(p, cap)) == NULL) {
				free(p);
				if (f != stdin)
					fclose(f);
				return fail("%s: larger than %u MiB", path,
				    MAX_FILE >> 20);
			}
			p = np;
		}
		if ((got = fread(p + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	if (f != stdin)
		fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* Commits t and prints its results; frees t. */
static int
commit(struct ctl *c, struct sa_txn *t, int print)
{
	char err[512];
	int r;

	if ((r = sa_txn_commit(t, err, sizeof(err))) != 0) {
		sa_txn_free(t);
		return fail("%s", err);
	}
	if (print && sa_txn_result_count(t) > 0)
		ctl_print_results(stdout, sa_txn_result(t, 0),
		    sa_txn_result_count(t), c->json);
	sa_txn_free(t);
	return 0;
}

static struct sa_txn *
new_txn(struct ctl *c)
{
	struct sa_txn *t;

	if (open_store(c, 1) != 0)
		return NULL;
	if ((t = sa_txn_new(c->st, "cli")) == NULL)
		fail("out of memory");
	return t;
}

/*
 * The files, checked here as the direct mode checks them, as one PEM text:
 * one import-certificate, so one bad file still imports nothing.
 */
static int
import_via_daemon(struct ctl *c, int argc, char **argv)
{
	struct sa_parsed_set set;
	unsigned char *buf;
	char err[512], *pem = NULL, *one, *np;
	size_t len, total = 0, i;
	int f, r = 0;

	for (f = 1; f < argc && r == 0; f++) {
		if (read_input(argv[f], &buf, &len) != 0) {
			r = 1;
			break;
		}
		if (sa_cert_parse(buf, len, &set, err, sizeof(err)) != 0)
			r = fail("%s: %s; nothing imported", argv[f], err);
		free(buf);
		for (i = 0; r == 0 && i < set.n; i++) {
			if ((one = sa_der_to_pem(set.certs[i].der,
			    set.certs[i].der_len)) == NULL ||
			    (np = realloc(pem, total + strlen(one) + 1)) == NULL) {
				free(one);
				r = fail("out of memory");
				break;
			}
			pem = np;
			memcpy(pem + total, one, strlen(one) + 1);
			total += strlen(one);
			free(one);
		}
		if (r == 0)
			sa_parsed_set_clear(&set);
	}
	if (r == 0)
		r = ctl_nc_import(c->nc, pem, c->json);
	free(pem);
	return r;
}

static int
cmd_import(struct ctl *c, int argc, char **argv)
{
	unsigned char *buf;
	struct sa_txn *t;
	char err[512];
	size_t len;
	int i, r;

	if (argc < 2)
		return fail("import: FILE expected");
	if (c->nc != NULL)
		return import_via_daemon(c, argc, argv);
	if ((t = new_txn(c)) == NULL)
		return 1;
	/* all files in one transaction: one bad file imports nothing */
	for (i = 1; i < argc; i++) {
		if (read_input(argv[i], &buf, &len) != 0) {
			sa_txn_free(t);
			return 1;
		}
		r = sa_txn_import(t, buf, len, SA_ORIGIN_IMPORTED, err,
		    sizeof(err));
		free(buf);
		if (r != 0) {
			sa_txn_free(t);
			return fail("%s: %s; nothing imported", argv[i], err);
		}
	}
	return commit(c, t, 1);
}

static int
cmd_entry(struct ctl *c, int argc, char **argv)
{
	unsigned char fp[SA_FP_LEN];
	const struct sa_entry *e;
	struct sa_txn *t;
	char err[256];
	int r;

	if (argc != 2)
		return fail("%s: FP expected", argv[0]);
	if (c->nc != NULL)
		return ctl_nc_entry(c->nc, argv[0], argv[1]);
	if ((t = new_txn(c)) == NULL)
		return 1;
	sa_store_rdlock(c->st);
	if ((r = sa_store_find_prefix(c->st, argv[1], &e, err, sizeof(err))) == 0)
		memcpy(fp, e->fp, SA_FP_LEN);
	sa_store_unlock(c->st);
	if (r != 0) {
		sa_txn_free(t);
		return fail("%s", err);
	}
	if (strcmp(argv[0], "accept") == 0)
		r = sa_txn_accept(t, fp);
	else if (strcmp(argv[0], "reject") == 0)
		r = sa_txn_reject(t, fp);
	else
		r = sa_txn_remove(t, fp);
	if (r != 0) {
		sa_txn_free(t);
		return fail("out of memory");
	}
	return commit(c, t, strcmp(argv[0], "remove") != 0);
}

/* A value from standard input: one line, its newline dropped. */
static char *
read_value_stdin(void)
{
	char buf[1024], *v;
	size_t n;

	if (fgets(buf, sizeof(buf), stdin) == NULL)
		buf[0] = '\0';
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	v = strdup(buf);
	OPENSSL_cleanse(buf, sizeof(buf));	/* a password, as a rule */
	return v;
}

static int
cmd_set(struct ctl *c, int argc, char **argv)
{
	enum sa_setting s;
	struct sa_txn *t;
	char err[256], *value;
	int r;

	if (argc != 3)
		return fail("set: NAME VALUE expected");
	if (sa_setting_from_name(argv[1], &s) != 0)
		return fail("set: unknown setting \"%s\"", argv[1]);
	if (sa_setting_is_provisioned_only(s))
		return fail("set: %s is read-only: a provisioning file sets it",
		    argv[1]);
	if ((value = strcmp(argv[2], "-") == 0 ? read_value_stdin() :
	    strdup(argv[2])) == NULL)
		return fail("out of memory");
	if (c->nc != NULL)
		r = ctl_nc_set(c->nc, s, value);
	else if ((t = new_txn(c)) == NULL)
		r = 1;
	else if ((r = sa_txn_set(t, s, value, err, sizeof(err))) != 0) {
		sa_txn_free(t);
		r = fail("%s", err);
	} else
		r = commit(c, t, 0);
	OPENSSL_cleanse(value, strlen(value));
	free(value);
	return r;
}

static int
cmd_restore(struct ctl *c, int argc, char **argv)
{
	struct sa_txn *t;
	char err[512];

	(void)argv;
	if (argc != 1)
		return fail("restore-defaults takes no argument");
	if (c->nc != NULL)
		return ctl_nc_simple(c->nc, "restore-defaults");
	if ((t = new_txn(c)) == NULL)
		return 1;
	if (sa_txn_restore_defaults(t, err, sizeof(err)) != 0) {
		sa_txn_free(t);
		return fail("%s", err);
	}
	return commit(c, t, 1);
}

static int
cmd_sweep(struct ctl *c, int argc, char **argv)
{
	char err[512];

	(void)argv;
	if (argc != 1)
		return fail("sweep takes no argument");
	if (c->nc != NULL)
		return ctl_nc_simple(c->nc, "run-expiry-sweep");
	if (open_store(c, 1) != 0)
		return 1;
	return sa_store_sweep(c->st, err, sizeof(err)) == 0 ? 0 :
	    fail("%s", err);
}

static int
cmd_check_server(struct ctl *c, int argc, char **argv)
{
	if (argc != 2)
		return fail("check-server: HOST:PORT expected");
	if (c->nc != NULL)
		return ctl_nc_check_server(c->nc, argv[1], c->json);
	/* a refused certificate is recorded in Invalid: a write */
	if (open_store(c, 1) != 0)
		return 1;
	return ctl_check_server(c->st, argv[1], c->json);
}

static int
cmd_provision(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL;

	if (argc == 3 && strcmp(argv[1], "--device-id") == 0)
		id = argv[2];
	else if (argc != 1)
		return fail("provision [--device-id ID]");
	if (id != NULL && !sa_prov_device_id_ok(id))
		return fail("--device-id: 1 to 64 letters, digits, '.', '_' or '-'");
	if (c->nc != NULL) {
		if (id != NULL)
			return fail("secagentd runs: it provisions with the "
			    "device-id of its configuration (no --device-id)");
		return ctl_nc_simple(c->nc, "provision-now") == 0 ?
		    (printf("applied\n"), 0) : 1;
	}
	/* the store's lock decides: a running secagentd holds it */
	if (open_store_hint(c, 1, "when secagentd runs, it provisions: the "
	    "provision-now RPC or secProvisionNow") != 0)
		return 1;
	return ctl_provision(c->st, id, c->json);
}

static int
cmd_export_provisioning(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail("export-provisioning takes no argument");
	if (open_store(c, 0) != 0)
		return 1;
	return ctl_export_provisioning(c->st);
}

/* The same whether secagentd runs or not: the files say what it offers. */
static int
cmd_host_keys(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail("host-keys takes no argument");
	return ctl_host_keys(c->dir, c->dir_given, c->conf, c->json);
}

/* local: never through the daemon */
static const struct {
	const char *name;
	int (*fn)(struct ctl *, int, char **);
	int local;
} commands[] = {
	{ "list", cmd_list, 0 },
	{ "show", cmd_show, 0 },
	{ "import", cmd_import, 0 },
	{ "accept", cmd_entry, 0 },
	{ "reject", cmd_entry, 0 },
	{ "remove", cmd_entry, 0 },
	{ "get", cmd_get, 0 },
	{ "set", cmd_set, 0 },
	{ "check-server", cmd_check_server, 0 },
	{ "restore-defaults", cmd_restore, 0 },
	{ "sweep", cmd_sweep, 0 },
	{ "provision", cmd_provision, 0 },
	{ "export-provisioning", cmd_export_provisioning, 0 },
	{ "host-keys", cmd_host_keys, 1 },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 'd' },	/* as secagentd */
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "factory-bundle", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rlimit no_core = { 0, 0 };
	struct ctl c;
	size_t i;
	int ch, r;

	/* it reads the store, password included, and may be given one:
	 * no core file, no ptrace by the same uid (as secagentd) */
	getrlimit(RLIMIT_CORE, &no_core);
	no_core.rlim_cur = 0;
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&c, 0, sizeof(c));
	c.dir = getenv("SECAGENT_STATE_DIR") != NULL ?
	    getenv("SECAGENT_STATE_DIR") : SA_STATE_DIR;
	c.dir_given = getenv("SECAGENT_STATE_DIR") != NULL;
	while ((ch = getopt_long(argc, argv, "+d:c:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.dir = optarg; c.dir_given = 1; break;
		case 'c': c.conf = optarg; break;
		case 'j': c.json = 1; break;
		case 'F': c.factory_bundle = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	argc -= optind;
	argv += optind;
	/* --json may also follow the command */
	for (i = 1; argc > 0 && strcmp(argv[0], "set") != 0 &&
	    i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			c.json = 1;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	}
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		/* one writer: through the daemon when it runs */
		if (!commands[i].local && ctl_nc_open(c.dir, &c.nc) < 0)
			return 1;
		r = commands[i].fn(&c, argc, argv);
		ctl_nc_close(c.nc);
		sa_store_free(c.st);
		return r;
	}
	fprintf(stderr, "secagentctl: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return 1;
}
