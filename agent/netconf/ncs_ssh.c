/*
 * ncs_ssh.c - what NETCONF over SSH offers a client: the host keys and
 * the key exchange, host key, cipher and MAC algorithms.
 *
 * The host keys (agent/hostkey.h: the ssh-host-key lines, or the default
 * set of the state directory, made at first start) are read at start and
 * at each reload, and their fingerprints logged.  libnetconf2 asks for
 * each key by name ("hostkey0", ...) at every connection and gets the
 * path of the set read last.
 *
 * The algorithm lists are the defaults below, which secagentd.conf may
 * replace ("LIST"), extend ("+LIST") or cut ("-LIST"); each name given is
 * checked with libssh.  compat_libnetconf2.c puts them on the ssh_bind of
 * each connection: libnetconf2 2.0 has no call for it.
 *
 * ssh.lock guards the set in use; it is taken after d->cfg_lock, never
 * with srv.lock, and no libnetconf2 call is made under it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/server.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "../hostkey.h"
#include "ncs_int.h"

#define ALGO_LIST_MAX 1024
#define ALGO_NAME_MAX 64

/*
 * The defaults: OpenSSH 9's own, less what libssh 0.10 lacks (sntrup761,
 * umac) and less SHA-1 (hmac-sha1 and its -etm).  Left out on purpose,
 * though libssh has them: ssh-rsa (RSA with SHA-1 signatures) and ssh-dss,
 * diffie-hellman-group1-sha1, -group14-sha1 and -group-exchange-sha1,
 * the CBC ciphers and 3des-cbc, hmac-sha1.  docs/netconf.md says why.
 */
static const struct {
	const char *directive;
	enum ssh_bind_options_e opt, opt2;	/* opt2: the other direction */
	const char *defaults;
} algos[SA_SSH_ALGO_COUNT] = {
	[SA_SSH_KEX] = { "ssh-kex-algorithms", SSH_BIND_OPTIONS_KEY_EXCHANGE,
	    SSH_BIND_OPTIONS_KEY_EXCHANGE,
	    "curve25519-sha256,curve25519-sha256@libssh.org,"
	    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	    "diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256" },
	[SA_SSH_HOSTKEY] = { "ssh-host-key-algorithms",
	    SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
	    SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
	    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
	    "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256" },
	[SA_SSH_CIPHERS] = { "ssh-ciphers", SSH_BIND_OPTIONS_CIPHERS_C_S,
	    SSH_BIND_OPTIONS_CIPHERS_S_C,
	    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com" },
	[SA_SSH_MACS] = { "ssh-macs", SSH_BIND_OPTIONS_HMAC_C_S,
	    SSH_BIND_OPTIONS_HMAC_S_C,
	    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	    "hmac-sha2-256,hmac-sha2-512" },
};

/* What the SSH listener offers: owned strings. */
struct ssh_set {
	char *paths[SA_HOSTKEY_MAX];
	size_t npaths;
	char *algos[SA_SSH_ALGO_COUNT];
};

static struct {
	pthread_mutex_t lock;
	struct ssh_set set;		/* [lock] */
	struct sa_hostkey keys[SA_HOSTKEY_MAX];	/* for the log */
	size_t nkeys;
} ssh = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
set_clear(struct ssh_set *s)
{
	size_t i;

	for (i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++)
		free(s->algos[i]);
	memset(s, 0, sizeof(*s));
}

/* Whether libssh knows name as an algorithm of list a. */
static int
libssh_knows(enum sa_ssh_algo a, const char *name)
{
	ssh_bind b = ssh_bind_new();
	int ok;

	ok = b != NULL && ssh_bind_options_set(b, algos[a].opt, name) == SSH_OK;
	ssh_bind_free(b);
	return ok;
}

/* Whether name is in the comma-separated list. */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Appends name to out (ALGO_LIST_MAX) unless it is there already. */
static int
append(char *out, const char *name)
{
	size_t len = strlen(out);

	if (in_list(out, name))
		return 0;
	if (len + 1 + strlen(name) >= ALGO_LIST_MAX)
		return -1;
	snprintf(out + len, ALGO_LIST_MAX - len, "%s%s", len ? "," : "", name);
	return 0;
}

/*
 * The list of a: the default, or what value ("LIST", "+LIST", "-LIST")
 * makes of it.  Names of the defaults that this libssh lacks are dropped
 * quietly; a name given in value that it lacks is an error.
 */
static int
resolve(enum sa_ssh_algo a, const char *value, char **out, char *err,
    size_t errlen)
{
	char buf[ALGO_LIST_MAX] = "", given[ALGO_LIST_MAX], *name, *save;
	char def[ALGO_LIST_MAX];
	const char *list = value;
	int op = 0;

	*out = NULL;
	if (value != NULL && (value[0] == '+' || value[0] == '-'))
		op = *list++;
	if (value != NULL && (strlen(list) >= sizeof(given) || list[0] == '\0')) {
		snprintf(err, errlen, "%s: an empty or too long list",
		    algos[a].directive);
		return -1;
	}
	snprintf(given, sizeof(given), "%s", value != NULL ? list : "");
	for (name = strtok_r(given, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if (strlen(name) >= ALGO_NAME_MAX || !libssh_knows(a, name)) {
			snprintf(err, errlen, "%s: libssh %s does not know \"%.64s\"",
			    algos[a].directive, ssh_version(0), name);
			return -1;
		}
	}
	snprintf(def, sizeof(def), "%s", algos[a].defaults);
	if (value != NULL && op == 0)
		def[0] = '\0';		/* the list replaces the defaults */
	for (name = strtok_r(def, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save))
		if ((op != '-' || !in_list(list, name)) && libssh_knows(a, name))
			append(buf, name);
	snprintf(given, sizeof(given), "%s", value != NULL && op != '-' ? list : "");
	for (name = strtok_r(given, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if (append(buf, name) != 0) {
			snprintf(err, errlen, "%s: too long", algos[a].directive);
			return -1;
		}
	}
	if (buf[0] == '\0') {
		snprintf(err, errlen, "%s: no algorithm left", algos[a].directive);
		return -1;
	}
	if ((*out = strdup(buf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The default host keys of dir that are missing, made and logged. */
static int
make_defaults(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t i;
	int made;

	for (i = 0; i < SA_HOSTKEY_NDEFAULT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sa_hostkey_default_name(i));
		if (sa_hostkey_make(path, sa_hostkey_default_kind(i), &made, err,
		    errlen) != 0)
			return -1;
		if (made)
			sa_info("SSH: made the host key %s", path);
	}
	return 0;
}

/*
 * The set d->cfg asks for into s, its keys read into keys: the default
 * host keys made first when no ssh-host-key names any.
 */
static int
prepare(struct ssh_set *s, struct sa_hostkey *keys, size_t *nkeys, char *err,
    size_t errlen)
{
	const struct sa_config *c;
	char *dir = NULL;
	size_t i;
	int r = -1;

	memset(s, 0, sizeof(*s));
	pthread_rwlock_rdlock(&srv.d->cfg_lock);
	c = srv.d->cfg;
	dir = strdup(c->state_dir != NULL ? c->state_dir : ".");
	for (i = 0; i < c->nssh_host_keys; i++)
		if ((s->paths[s->npaths++] = strdup(c->ssh_host_keys[i])) == NULL)
			goto unlock;
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++)
		if (resolve((enum sa_ssh_algo)i, c->ssh_algos[i], &s->algos[i], err,
		    errlen) != 0)
			goto unlock;
	r = 0;
 unlock:
	pthread_rwlock_unlock(&srv.d->cfg_lock);
	if (r == 0 && dir == NULL) {
		snprintf(err, errlen, "out of memory");
		r = -1;
	}
	if (r == 0 && s->npaths == 0)
		r = make_defaults(dir, err, errlen);
	if (r == 0)
		r = sa_hostkey_load(dir, s->paths, s->npaths, keys, nkeys, err,
		    errlen);
	if (r == 0 && *nkeys == 0) {
		snprintf(err, errlen, "no SSH host key");
		r = -1;
	}
	/* the default set: its paths now, in the order read */
	for (i = 0; r == 0 && s->npaths == 0 && i < *nkeys; i++)
		s->paths[i] = strdup(keys[i].path);
	for (i = 0; r == 0 && s->npaths == 0 && i < *nkeys; i++)
		if (s->paths[i] == NULL)
			r = -1;
	if (r == 0 && s->npaths == 0)
		s->npaths = *nkeys;
	free(dir);
	if (r != 0)
		set_clear(s);
	return r;
}

static void
log_keys(const struct sa_hostkey *keys, size_t n)
{
	char line[4200];
	size_t i;

	for (i = 0; i < n; i++) {
		sa_hostkey_format(&keys[i], line, sizeof(line));
		sa_info("SSH host key %s", line);
	}
}

/* libnetconf2's names of the keys: hostkey0, hostkey1, ... */
static int
register_keys(size_t n)
{
	char name[32];
	size_t i;

	nc_server_ssh_endpt_del_hostkey("ssh", NULL, -1);	/* none: no error */
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "hostkey%zu", i);
		if (nc_server_ssh_endpt_add_hostkey("ssh", name, -1) != 0)
			return -1;
	}
	return 0;
}

/* libnetconf2's host key callback: the path of key "hostkeyN". */
static int
hostkey_clb(const char *name, void *arg, char **path, char **data,
    NC_SSH_KEY_TYPE *type)
{
	unsigned long i;
	char *end;

	(void)arg;
	(void)data;
	(void)type;
	*path = NULL;
	if (strncmp(name, "hostkey", 7) != 0)
		return 1;
	i = strtoul(name + 7, &end, 10);
	pthread_mutex_lock(&ssh.lock);
	if (*end == '\0' && i < ssh.set.npaths)
		*path = strdup(ssh.set.paths[i]);
	pthread_mutex_unlock(&ssh.lock);
	return *path == NULL;
}

int
ncs_ssh_start(char *err, size_t errlen)
{
	struct ssh_set s;
	size_t i;

	if (!compat_ssh_bind_hooked()) {
		snprintf(err, errlen, "NETCONF over SSH: the algorithm lists "
		    "cannot reach libssh (see compat_libnetconf2.c)");
		return -1;
	}
	if (prepare(&s, ssh.keys, &ssh.nkeys, err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&ssh.lock);
	set_clear(&ssh.set);
	ssh.set = s;
	pthread_mutex_unlock(&ssh.lock);
	nc_server_ssh_set_hostkey_clb(hostkey_clb, NULL, NULL);
	if (register_keys(s.npaths) != 0) {
		snprintf(err, errlen, "NETCONF over SSH: libnetconf2 refuses the "
		    "host keys");
		return -1;
	}
	log_keys(ssh.keys, ssh.nkeys);
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++)
		sa_debug("SSH %s %s", algos[i].directive, s.algos[i]);
	return 0;
}

static int
same_keys(const struct sa_hostkey *a, size_t na, const struct sa_hostkey *b,
    size_t nb)
{
	size_t i;

	for (i = 0; na == nb && i < na; i++)
		if (strcmp(a[i].path, b[i].path) != 0 ||
		    strcmp(a[i].fingerprint, b[i].fingerprint) != 0)
			return 0;
	return na == nb;
}

void
ncs_ssh_reload(void)
{
	struct sa_hostkey keys[SA_HOSTKEY_MAX];
	struct ssh_set s;
	size_t nkeys = 0, old;
	char err[512];

	if (prepare(&s, keys, &nkeys, err, sizeof(err)) != 0) {
		sa_error("SSH: %s; the running host keys and algorithms stay", err);
		return;
	}
	pthread_mutex_lock(&ssh.lock);
	old = ssh.set.npaths;
	set_clear(&ssh.set);
	ssh.set = s;
	pthread_mutex_unlock(&ssh.lock);
	if (nkeys != old && register_keys(nkeys) != 0)
		sa_error("SSH: libnetconf2 refuses the new host keys");
	if (!same_keys(keys, nkeys, ssh.keys, ssh.nkeys)) {
		memcpy(ssh.keys, keys, sizeof(keys));
		ssh.nkeys = nkeys;
		log_keys(ssh.keys, ssh.nkeys);
	}
}

void
ncs_ssh_stop(void)
{
	pthread_mutex_lock(&ssh.lock);
	set_clear(&ssh.set);
	pthread_mutex_unlock(&ssh.lock);
	ssh.nkeys = 0;
}

int
ncs_ssh_bind_setup(ssh_bind b)
{
	char *v[SA_SSH_ALGO_COUNT];
	bool no = false;
	size_t i;
	int r = 0;

	pthread_mutex_lock(&ssh.lock);
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++)
		v[i] = ssh.set.algos[i] != NULL ? strdup(ssh.set.algos[i]) : NULL;
	pthread_mutex_unlock(&ssh.lock);
	/* secagentd.conf alone decides: not libssh's system-wide file */
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK)
		r = -1;
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++) {
		if (v[i] == NULL || ssh_bind_options_set(b, algos[i].opt, v[i]) !=
		    SSH_OK || ssh_bind_options_set(b, algos[i].opt2, v[i]) != SSH_OK)
			r = -1;
		free(v[i]);
	}
	if (r != 0)
		sa_error("SSH: the algorithm lists cannot be set: connection refused");
	return r;
}
