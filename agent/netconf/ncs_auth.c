/*
 * ncs_auth.c - the listeners of d->cfg and who may log in over them.
 *
 * SSH (host keys and algorithms: ncs_ssh.c): password and public-key
 * authentication only (libnetconf2's default adds keyboard-interactive,
 * and without callbacks it reads /etc/shadow: never here).  Passwords are
 * checked with crypt_r() against the user's hash in the configuration,
 * keys against the user's ssh-key lines.  TLS: the server certificate and
 * key, client certificates verified against tls-client-ca, user names by
 * the cert-to-name rules, and the user must be configured.
 *
 * Every callback reads the current d->cfg under d->cfg_lock, so a reload
 * changes users, passwords and keys for the next login.
 */
#include <crypt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../src/sa_text.h"
#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

#define AUTH_ATTEMPTS 3
#define AUTH_TIMEOUT 10			/* seconds */
#define DUMMY_SETTING "$6$secagentdummy0$"	/* unknown users cost the same */

static struct sa_config *
cfg_rdlock(void)
{
	pthread_rwlock_rdlock(&srv.d->cfg_lock);
	return srv.d->cfg;
}

static void
cfg_unlock(void)
{
	pthread_rwlock_unlock(&srv.d->cfg_lock);
}

static char *
cfg_strdup(size_t off)
{
	char *v, *r;

	v = *(char **)((char *)cfg_rdlock() + off);
	r = v != NULL ? strdup(v) : NULL;
	cfg_unlock();
	return r;
}

/* ---- SSH ---- */

/* crypt_r() of password with the stored hash; the results compared in
 * constant time.  A missing hash still costs one crypt_r(). */
static int
password_ok(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *out;
	int ok;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_r(password, hash != NULL ? hash : DUMMY_SETTING, cd);
	ok = hash != NULL && out != NULL && out[0] == '$' &&
	    strlen(out) == strlen(hash) &&
	    CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return ok;
}

static int
passwd_clb(const struct nc_session *ns, const char *password, void *arg)
{
	const char *user = nc_session_get_username(ns);
	const struct sa_user *u;
	char *hash = NULL;
	int ok;

	(void)arg;
	u = sa_config_user(cfg_rdlock(), user);
	if (u != NULL && u->password_hash != NULL)
		hash = strdup(u->password_hash);
	cfg_unlock();
	ok = password_ok(password, hash);
	free(hash);
	if (!ok)
		sa_info("SSH: password refused for user \"%s\" from %s", user,
		    nc_session_get_host(ns));
	return !ok;
}

/* Whether key is "TYPE BASE64[ comment]". */
static int
key_matches(const char *line, const ssh_key key)
{
	char type[64], b64[8192];
	ssh_key k = NULL;
	int r;

	if (sscanf(line, "%63s %8191s", type, b64) != 2 ||
	    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type),
	    &k) != SSH_OK)
		return 0;
	r = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(k);
	return r;
}

/* Called twice per key (query, then signature: libssh checks it). */
static int
pubkey_clb(const struct nc_session *ns, ssh_key key, void *arg)
{
	const struct sa_user *u;
	const char *user = nc_session_get_username(ns);
	int found = 0;
	size_t i;

	(void)arg;
	u = sa_config_user(cfg_rdlock(), user);
	for (i = 0; u != NULL && !found && i < u->nkeys; i++)
		found = key_matches(u->ssh_keys[i], key);
	cfg_unlock();
	if (!found)
		sa_debug("SSH: a key of user \"%s\" is not authorized", user);
	return !found;
}

/* ---- TLS ---- */

static int
cert_clb(const char *name, void *arg, char **cert_path, char **cert_data,
    char **key_path, char **key_data, NC_SSH_KEY_TYPE *key_type)
{
	(void)name;
	(void)arg;
	(void)cert_data;
	(void)key_data;
	(void)key_type;
	*cert_path = cfg_strdup(offsetof(struct sa_config, tls_cert));
	*key_path = cfg_strdup(offsetof(struct sa_config, tls_key));
	return *cert_path == NULL || *key_path == NULL;
}

/* Mandatory in libnetconf2 2.0 even when, as here, the CAs come from
 * tls-client-ca: no list. */
static int
trusted_list_clb(const char *name, void *arg, char ***paths, int *npaths,
    char ***data, int *ndata)
{
	(void)name;
	(void)arg;
	*paths = *data = NULL;
	*npaths = *ndata = 0;
	return 0;
}

/* After cert-to-name: the name must be a configured user. */
static int
verify_clb(const struct nc_session *ns)
{
	const char *user = nc_session_get_username(ns);
	char shown[128];
	int ok;

	ok = sa_config_user(cfg_rdlock(), user) != NULL;
	cfg_unlock();
	if (!ok) {
		/* a name from the certificate: the one escaping rule */
		sa_text_escape_buf(shown, sizeof(shown), user != NULL ? user : "");
		sa_warn("TLS: the client certificate maps to \"%s\", who is not "
		    "a user: refused", shown);
	}
	return ok;
}

static NC_TLS_CTN_MAPTYPE
ctn_map(enum sa_ctn_type t)
{
	switch (t) {
	case SA_CTN_SPECIFIED:
		return NC_TLS_CTN_SPECIFIED;
	case SA_CTN_COMMON_NAME:
		return NC_TLS_CTN_COMMON_NAME;
	case SA_CTN_SAN_DNS:
		return NC_TLS_CTN_SAN_DNS_NAME;
	case SA_CTN_SAN_IP:
		return NC_TLS_CTN_SAN_IP_ADDRESS;
	case SA_CTN_SAN_EMAIL:
		return NC_TLS_CTN_SAN_RFC822_NAME;
	default:
		return NC_TLS_CTN_SAN_ANY;
	}
}

static void
free_rules(struct sa_ctn *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].fingerprint);
		free(v[i].name);
	}
	free(v);
}

/* A copy of the rules of d->cfg, so that no libnetconf2 lock is taken
 * under d->cfg_lock (an acceptor holds one while it reads d->cfg). */
static struct sa_ctn *
copy_rules(size_t *n, char **ca)
{
	const struct sa_config *c = cfg_rdlock();
	struct sa_ctn *v;
	size_t i;
	int bad = 0;

	*n = 0;
	*ca = c->tls_client_ca != NULL ? strdup(c->tls_client_ca) : NULL;
	if ((v = calloc(c->nctn + 1, sizeof(*v))) != NULL) {
		for (i = 0; i < c->nctn; i++) {
			v[i] = c->ctn[i];
			v[i].fingerprint = strdup(c->ctn[i].fingerprint);
			v[i].name = c->ctn[i].name ? strdup(c->ctn[i].name) : NULL;
			bad |= v[i].fingerprint == NULL;
		}
		*n = c->nctn;
	}
	cfg_unlock();
	if (v == NULL || bad || *ca == NULL) {
		free_rules(v, *n);
		free(*ca);
		return NULL;
	}
	return v;
}

/* The client CAs and the cert-to-name rules of the current d->cfg. */
static int
tls_rules(void)
{
	struct sa_ctn *v;
	char *ca;
	size_t i, n;
	int r = 0;

	if ((v = copy_rules(&n, &ca)) == NULL)
		return -1;
	nc_server_tls_endpt_del_ctn("tls", -1, NULL, 0, NULL);
	for (i = 0; r == 0 && i < n; i++)
		r = nc_server_tls_endpt_add_ctn("tls", v[i].id, v[i].fingerprint,
		    ctn_map(v[i].type), v[i].name);
	if (r == 0)
		r = nc_server_tls_endpt_set_trusted_ca_paths("tls", ca, NULL);
	free_rules(v, n);
	free(ca);
	return r;
}

/* ---- listeners ---- */

static int
listen_on(const char *name, const char *spec, uint16_t *port, char *err,
    size_t errlen)
{
	char addr[256];

	if (sa_config_parse_listen(spec, addr, sizeof(addr), port) != 0) {
		snprintf(err, errlen, "NETCONF over %s: \"%s\" is not ADDR:PORT",
		    name, spec);
		return -1;
	}
	/* keepalives find dead peers; the defaults probe every second */
	nc_server_endpt_enable_keepalives(name, 1);
	nc_server_endpt_set_keepalives(name, 120, 3, 10);
	if (nc_server_endpt_set_address(name, addr) != 0 ||
	    nc_server_endpt_set_port(name, *port) != 0) {
		snprintf(err, errlen, "NETCONF over %s: cannot listen on %s "
		    "(in use? see the log)", name, spec);
		return -1;
	}
	sa_info("NETCONF over %s on %s", name, spec);
	return 0;
}

static int
ssh_start(const char *spec, char *err, size_t errlen)
{
	if (nc_server_add_endpt("ssh", NC_TI_LIBSSH) != 0) {
		snprintf(err, errlen, "cannot set NETCONF over SSH up");
		return -1;
	}
	if (ncs_ssh_start(err, errlen) != 0)
		return -1;
	if (nc_server_ssh_endpt_set_auth_methods("ssh",
	    NC_SSH_AUTH_PUBLICKEY | NC_SSH_AUTH_PASSWORD) != 0 ||
	    nc_server_ssh_endpt_set_auth_attempts("ssh", AUTH_ATTEMPTS) != 0 ||
	    nc_server_ssh_endpt_set_auth_timeout("ssh", AUTH_TIMEOUT) != 0) {
		snprintf(err, errlen, "cannot set NETCONF over SSH up");
		return -1;
	}
	return listen_on("ssh", spec, &srv.ssh_port, err, errlen);
}

static int
tls_start(const char *spec, char *err, size_t errlen)
{
	if (nc_server_add_endpt("tls", NC_TI_OPENSSL) != 0 ||
	    nc_server_tls_endpt_set_server_cert("tls", "server") != 0 ||
	    tls_rules() != 0) {
		snprintf(err, errlen, "cannot set NETCONF over TLS up (the "
		    "cert-to-name rules or tls-client-ca, see the log)");
		return -1;
	}
	return listen_on("tls", spec, &srv.tls_port, err, errlen);
}

int
ncs_auth_start(char *err, size_t errlen)
{
	char *ssh = cfg_strdup(offsetof(struct sa_config, ssh_listen));
	char *tls = cfg_strdup(offsetof(struct sa_config, tls_listen));
	int r = 0;

	srv.ssh_port = srv.tls_port = 0;
	nc_server_ssh_set_passwd_auth_clb(passwd_clb, NULL, NULL);
	nc_server_ssh_set_pubkey_auth_clb(pubkey_clb, NULL, NULL);
	nc_server_tls_set_server_cert_clb(cert_clb, NULL, NULL);
	nc_server_tls_set_trusted_cert_list_clb(trusted_list_clb, NULL, NULL);
	nc_server_tls_set_verify_clb(verify_clb);
	if (ssh != NULL)
		r = ssh_start(ssh, err, errlen);
	if (r == 0 && tls != NULL)
		r = tls_start(tls, err, errlen);
	free(ssh);
	free(tls);
	return r;
}

/*
 * Users, passwords, keys and the server's files are read at each login;
 * the cert-to-name rules and the client CA file's name are libnetconf2's
 * and set again (this waits for handshakes in progress); the SSH host
 * keys and algorithms are read again.
 */
void
ncs_auth_reload(void)
{
	const struct sa_config *c = cfg_rdlock();
	int ssh = c->ssh_listen != NULL, tls = c->tls_listen != NULL;

	cfg_unlock();
	if (ssh != (srv.ssh_port != 0) || tls != (srv.tls_port != 0))
		sa_warn("NETCONF listeners change at the next start");
	if (srv.ssh_port != 0 && ssh)
		ncs_ssh_reload();
	if (srv.tls_port != 0 && tls && tls_rules() != 0)
		sa_error("TLS: the new cert-to-name rules or tls-client-ca "
		    "are refused (see the log)");
}

const char *
ncs_unix_user(uid_t uid, char *buf, size_t len)
{
	const struct sa_config *c;
	const struct sa_user *u;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	const char *r = NULL;

	getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp);
	c = cfg_rdlock();
	if ((u = sa_config_user_by_uid(c, uid)) == NULL && pwp != NULL)
		u = sa_config_user(c, pwp->pw_name);
	if (u != NULL && strlen(u->name) < len) {
		memcpy(buf, u->name, strlen(u->name) + 1);
		r = buf;
	}
	cfg_unlock();
	return r;
}
