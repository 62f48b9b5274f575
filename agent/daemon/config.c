/*
 * config.c - reading secagentd.conf (format in contrib/secagentd.conf).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../src/sa_store.h"
#include "config.h"

#define MAX_TOKENS 16

struct sa_config *
sa_config_new(void)
{
	struct sa_config *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->log_level = SA_LOG_INFO;
	c->acceptors = 8;
	c->hello_timeout = 10;
	c->idle_timeout = 3600;
	c->max_sessions = 128;
	c->max_message_size = 16 << 20;
	c->max_unauth_per_source = 4;
	c->sweep_interval = 3600;
	c->invalid_max = SA_INVALID_MAX_DEFAULT;
	return c;
}

/* The SNMP passphrases: wiped before they are freed. */
static void
free_secret(char *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, strlen(p));
	free(p);
}

static void
free_user(struct sa_user *u)
{
	size_t i;

	free(u->name);
	free(u->group);
	free(u->password_hash);
	for (i = 0; i < u->nkeys; i++)
		free(u->ssh_keys[i]);
}

void
sa_config_free(struct sa_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->file); free(c->state_dir); free(c->pid_file);
	free(c->factory_bundle); free(c->ssh_listen); free(c->tls_listen);
	free(c->unix_path); free(c->tls_cert);
	free(c->tls_key); free(c->tls_client_ca); free(c->snmp_listen);
	free(c->agentx); free(c->device_id);
	for (i = 0; i < c->nctn; i++) {
		free(c->ctn[i].fingerprint);
		free(c->ctn[i].name);
	}
	free(c->ctn);
	for (i = 0; i < c->nssh_host_keys; i++)
		free(c->ssh_host_keys[i]);
	for (i = 0; i < SA_SSH_ALGO_COUNT; i++)
		free(c->ssh_algos[i]);
	for (i = 0; i < c->nusers; i++)
		free_user(&c->users[i]);
	free(c->users);
	for (i = 0; i < c->ncommunities; i++)
		free(c->communities[i]);
	free(c->communities);
	for (i = 0; i < c->nsnmp_users; i++) {
		free(c->snmp_users[i].name); free(c->snmp_users[i].auth_proto);
		free_secret(c->snmp_users[i].auth_pass);
		free(c->snmp_users[i].priv_proto);
		free_secret(c->snmp_users[i].priv_pass);
	}
	free(c->snmp_users);
	for (i = 0; i < c->ntraps; i++) {
		free(c->traps[i].address); free(c->traps[i].community);
		free(c->traps[i].user);
	}
	free(c->traps);
	free(c);
}

/* Splits a line into tokens in place; "quoted tokens" keep blanks. */
static int
tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n == max)
			return -1;
		if (*p == '"') {
			tok[n++] = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			if (*p != '"')
				return -1;
		} else {
			tok[n++] = p;
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static int
set_str(char **dst, const char *v)
{
	char *c = strcmp(v, "none") == 0 ? NULL : strdup(v);

	if (c == NULL && strcmp(v, "none") != 0)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int
set_int(int *dst, const char *v, int min, int max)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == '\0' || *end != '\0' || n < min || n > max)
		return -1;
	*dst = (int)n;
	return 0;
}

static struct sa_user *
user_get(struct sa_config *c, const char *name)
{
	struct sa_user *u;
	size_t i;

	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	if ((u = realloc(c->users, (c->nusers + 1) * sizeof(*u))) == NULL)
		return NULL;
	c->users = u;
	u = &c->users[c->nusers];
	memset(u, 0, sizeof(*u));
	u->uid = -1;
	if ((u->name = strdup(name)) == NULL)
		return NULL;
	c->nusers++;
	return u;
}

/* user NAME [group G] [password HASH] [ssh-key "TYPE BASE64"] [uid N] */
static const char *
parse_user(struct sa_config *c, char **tok, int n)
{
	struct sa_user *u;
	int i, uid;

	if (n < 2 || n % 2 != 0)
		return "user NAME [group G] [password HASH] [ssh-key \"TYPE KEY\"] [uid N]";
	if ((u = user_get(c, tok[1])) == NULL)
		return "out of memory";
	for (i = 2; i + 1 < n; i += 2) {
		if (strcmp(tok[i], "group") == 0) {
			if (set_str(&u->group, tok[i + 1]) != 0)
				return "out of memory";
		} else if (strcmp(tok[i], "password") == 0) {
			if (tok[i + 1][0] != '$')
				return "password takes a crypt(3) hash "
				    "(e.g. from openssl passwd -6)";
			if (set_str(&u->password_hash, tok[i + 1]) != 0)
				return "out of memory";
		} else if (strcmp(tok[i], "ssh-key") == 0) {
			if (u->nkeys == SA_MAX_KEYS)
				return "too many ssh-key for one user";
			if (strchr(tok[i + 1], ' ') == NULL)
				return "ssh-key takes \"TYPE BASE64\" as in authorized_keys";
			if ((u->ssh_keys[u->nkeys++] = strdup(tok[i + 1])) == NULL)
				return "out of memory";
		} else if (strcmp(tok[i], "uid") == 0) {
			if (set_int(&uid, tok[i + 1], 0, 1 << 30) != 0)
				return "uid takes a number";
			u->uid = uid;
		} else {
			return "unknown user attribute (group, password, ssh-key, uid)";
		}
	}
	return NULL;
}

static const struct {
	const char *name;
	enum sa_ctn_type type;
} ctn_types[] = {
	{ "specified", SA_CTN_SPECIFIED }, { "common-name", SA_CTN_COMMON_NAME },
	{ "san-dns", SA_CTN_SAN_DNS }, { "san-ip", SA_CTN_SAN_IP },
	{ "san-email", SA_CTN_SAN_EMAIL }, { "san-any", SA_CTN_SAN_ANY },
};

/* cert-to-name ID NN:XX:... TYPE [NAME] */
static const char *
parse_ctn(struct sa_config *c, char **tok, int n)
{
	struct sa_ctn *r;
	size_t i;
	int id;

	if (n < 4 || set_int(&id, tok[1], 1, 1 << 30) != 0)
		return "cert-to-name ID FINGERPRINT TYPE [NAME]";
	if (strlen(tok[2]) < 5 || tok[2][2] != ':' || !isxdigit((unsigned char)tok[2][0]))
		return "the fingerprint is NN:XX:XX:... (04 = SHA-256)";
	for (i = 0; i < sizeof(ctn_types) / sizeof(ctn_types[0]); i++)
		if (strcmp(tok[3], ctn_types[i].name) == 0)
			break;
	if (i == sizeof(ctn_types) / sizeof(ctn_types[0]))
		return "type: specified, common-name, san-dns, san-ip, san-email, san-any";
	if ((ctn_types[i].type == SA_CTN_SPECIFIED) != (n == 5))
		return "a NAME goes with specified, and only with it";
	if ((r = realloc(c->ctn, (c->nctn + 1) * sizeof(*r))) == NULL)
		return "out of memory";
	c->ctn = r;
	r = &c->ctn[c->nctn++];
	memset(r, 0, sizeof(*r));
	r->id = (unsigned)id;
	r->type = ctn_types[i].type;
	r->fingerprint = strdup(tok[2]);
	r->name = n == 5 ? strdup(tok[4]) : NULL;
	return NULL;
}

/* snmp-user NAME ro|rw SHA-256|SHA-512 AUTHPASS [AES|AES-256 PRIVPASS] */
static const char *
parse_snmp_user(struct sa_config *c, char **tok, int n)
{
	struct sa_snmp_user *u;

	if (n != 5 && n != 7)
		return "snmp-user NAME ro|rw SHA-256|SHA-512 AUTHPASS [AES|AES-256 PRIVPASS]";
	if (strcmp(tok[2], "ro") != 0 && strcmp(tok[2], "rw") != 0)
		return "access is ro or rw";
	if (strcmp(tok[3], "SHA-256") != 0 && strcmp(tok[3], "SHA-512") != 0)
		return "authentication is SHA-256 or SHA-512";
	if (strlen(tok[4]) < 8 || (n == 7 && strlen(tok[6]) < 8))
		return "SNMPv3 passphrases have at least 8 characters";
	if (n == 7 && strcmp(tok[5], "AES") != 0 && strcmp(tok[5], "AES-256") != 0)
		return "privacy is AES or AES-256";
	if ((u = realloc(c->snmp_users, (c->nsnmp_users + 1) * sizeof(*u))) == NULL)
		return "out of memory";
	c->snmp_users = u;
	u = &c->snmp_users[c->nsnmp_users++];
	memset(u, 0, sizeof(*u));
	u->name = strdup(tok[1]);
	u->rw = strcmp(tok[2], "rw") == 0;
	u->auth_proto = strdup(tok[3]);
	u->auth_pass = strdup(tok[4]);
	if (n == 7) {
		u->priv_proto = strdup(tok[5]);
		u->priv_pass = strdup(tok[6]);
	}
	return NULL;
}

/* trap-target ADDRESS trap|inform v2c COMMUNITY | v3 USER */
static const char *
parse_trap(struct sa_config *c, char **tok, int n)
{
	struct sa_trap_target *t;

	if (n != 5 || (strcmp(tok[2], "trap") != 0 && strcmp(tok[2], "inform") != 0) ||
	    (strcmp(tok[3], "v2c") != 0 && strcmp(tok[3], "v3") != 0))
		return "trap-target ADDRESS trap|inform v2c COMMUNITY|v3 USER";
	if ((t = realloc(c->traps, (c->ntraps + 1) * sizeof(*t))) == NULL)
		return "out of memory";
	c->traps = t;
	t = &c->traps[c->ntraps++];
	memset(t, 0, sizeof(*t));
	t->address = strdup(tok[1]);
	t->inform = strcmp(tok[2], "inform") == 0;
	if (strcmp(tok[3], "v2c") == 0)
		t->community = strdup(tok[4]);
	else
		t->user = strdup(tok[4]);
	return NULL;
}

static const char *
parse_community(struct sa_config *c, char **tok, int n)
{
	char **v;

	if (n != 2)
		return "snmp-community NAME (communities are read-only)";
	if ((v = realloc(c->communities, (c->ncommunities + 1) * sizeof(*v))) == NULL)
		return "out of memory";
	c->communities = v;
	if ((v[c->ncommunities++] = strdup(tok[1])) == NULL)
		return "out of memory";
	return NULL;
}

/* ssh-host-key PATH: each line adds a key */
static const char *
parse_host_key(struct sa_config *c, char **tok, int n)
{
	size_t i;

	if (n != 2)
		return "ssh-host-key PATH (one line per key)";
	for (i = 0; i < c->nssh_host_keys; i++)
		if (strcmp(c->ssh_host_keys[i], tok[1]) == 0)
			return "this ssh-host-key is already named";
	if (c->nssh_host_keys == SA_MAX_HOST_KEYS)
		return "too many ssh-host-key lines";
	if ((c->ssh_host_keys[c->nssh_host_keys] = strdup(tok[1])) == NULL)
		return "out of memory";
	c->nssh_host_keys++;
	return NULL;
}

static const char *
parse_log(struct sa_config *c, char **tok, int n)
{
	if (n < 2 || n > 3 || (strcmp(tok[1], "syslog") != 0 &&
	    strcmp(tok[1], "stderr") != 0))
		return "log syslog|stderr [error|warning|info|debug]";
	c->log_stderr = strcmp(tok[1], "stderr") == 0;
	if (n == 3 && sa_log_level_from_name(tok[2], &c->log_level) != 0)
		return "log levels: error, warning, info, debug";
	return NULL;
}

int
sa_config_set(struct sa_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "state-dir", offsetof(struct sa_config, state_dir) },
		{ "pid-file", offsetof(struct sa_config, pid_file) },
		{ "factory-bundle", offsetof(struct sa_config, factory_bundle) },
		{ "netconf-ssh", offsetof(struct sa_config, ssh_listen) },
		{ "netconf-tls", offsetof(struct sa_config, tls_listen) },
		{ "netconf-unix", offsetof(struct sa_config, unix_path) },
		{ "ssh-kex-algorithms", offsetof(struct sa_config, ssh_algos[SA_SSH_KEX]) },
		{ "ssh-host-key-algorithms",
		    offsetof(struct sa_config, ssh_algos[SA_SSH_HOSTKEY]) },
		{ "ssh-ciphers", offsetof(struct sa_config, ssh_algos[SA_SSH_CIPHERS]) },
		{ "ssh-macs", offsetof(struct sa_config, ssh_algos[SA_SSH_MACS]) },
		{ "tls-certificate", offsetof(struct sa_config, tls_cert) },
		{ "tls-key", offsetof(struct sa_config, tls_key) },
		{ "tls-client-ca", offsetof(struct sa_config, tls_client_ca) },
		{ "snmp", offsetof(struct sa_config, snmp_listen) },
		{ "agentx", offsetof(struct sa_config, agentx) },
		{ "device-id", offsetof(struct sa_config, device_id) },
	};
	static const struct {
		const char *key;
		size_t off;
		int min, max;
	} ints[] = {
		{ "acceptors", offsetof(struct sa_config, acceptors), 1, 64 },
		{ "hello-timeout", offsetof(struct sa_config, hello_timeout), 1, 600 },
		{ "idle-timeout", offsetof(struct sa_config, idle_timeout), 0, 86400 * 7 },
		{ "max-sessions", offsetof(struct sa_config, max_sessions), 1, 4096 },
		{ "max-message-size", offsetof(struct sa_config, max_message_size),
		    4096, 1 << 30 },
		{ "max-unauthenticated-per-source",
		    offsetof(struct sa_config, max_unauth_per_source), 0, 64 },
		{ "sweep-interval", offsetof(struct sa_config, sweep_interval), 1, 86400 },
		{ "invalid-max", offsetof(struct sa_config, invalid_max), 1, 1000000 },
	};
	size_t i;

	if (strcmp(key, "allow-core-dumps") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return snprintf(err, errlen, "allow-core-dumps takes yes "
			    "or no"), -1;
		c->allow_core_dumps = strcmp(value, "yes") == 0;
		return 0;
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(key, strs[i].key) != 0)
			continue;
		if (strcmp(key, "netconf-unix") == 0)
			c->unix_disabled = strcmp(value, "none") == 0;
		if (set_str((char **)((char *)c + strs[i].off), value) != 0)
			return snprintf(err, errlen, "out of memory"), -1;
		return 0;
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(key, ints[i].key) != 0)
			continue;
		if (set_int((int *)((char *)c + ints[i].off), value, ints[i].min,
		    ints[i].max) != 0) {
			snprintf(err, errlen, "%s takes a number from %d to %d",
			    key, ints[i].min, ints[i].max);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown directive \"%s\"", key);
	return -1;
}

int
sa_config_read_stream(struct sa_config *c, FILE *f, const char *path,
    char *err, size_t errlen)
{
	char line[4096], *tok[MAX_TOKENS], e[256];
	const char *why;
	int n, lineno = 0, r = 0;

	free(c->file);
	c->file = strdup(path);
	while (r == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((n = tokenize(line, tok, MAX_TOKENS)) == 0)
			continue;
		why = NULL;
		if (n < 0)
			why = "too many tokens or an unterminated quote";
		else if (strcmp(tok[0], "user") == 0)
			why = parse_user(c, tok, n);
		else if (strcmp(tok[0], "cert-to-name") == 0)
			why = parse_ctn(c, tok, n);
		else if (strcmp(tok[0], "snmp-user") == 0)
			why = parse_snmp_user(c, tok, n);
		else if (strcmp(tok[0], "snmp-community") == 0)
			why = parse_community(c, tok, n);
		else if (strcmp(tok[0], "trap-target") == 0)
			why = parse_trap(c, tok, n);
		else if (strcmp(tok[0], "log") == 0)
			why = parse_log(c, tok, n);
		else if (strcmp(tok[0], "ssh-host-key") == 0)
			why = parse_host_key(c, tok, n);
		else if (n != 2)
			why = "one value expected";
		else if (sa_config_set(c, tok[0], tok[1], e, sizeof(e)) != 0)
			why = e;
		if (why != NULL) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			r = -1;
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	return r;
}

int
sa_config_read(struct sa_config *c, const char *path, char *err, size_t errlen)
{
	char fbuf[BUFSIZ];
	FILE *f;
	int r;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* the file holds SNMP passphrases: its buffers are ours, and wiped */
	setvbuf(f, fbuf, _IOFBF, sizeof(fbuf));
	r = sa_config_read_stream(c, f, path, err, errlen);
	fclose(f);
	OPENSSL_cleanse(fbuf, sizeof(fbuf));
	return r;
}

static int
can_log_in(const struct sa_user *u, int ssh)
{
	return u->password_hash != NULL || (ssh && u->nkeys > 0);
}

/* As sa_prov_device_id_ok (agent/provision), which the NETCONF layer
 * alone does not link. */
static int
device_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int
sa_config_check(const struct sa_config *c, char *err, size_t errlen)
{
	size_t i;
	int ssh_users = 0;

	if (c->device_id != NULL && !device_id_ok(c->device_id)) {
		snprintf(err, errlen, "device-id \"%s\": 1 to 64 letters, digits, "
		    "'.', '_' or '-'", c->device_id);
		return -1;
	}
	for (i = 0; i < c->nusers; i++)
		ssh_users += can_log_in(&c->users[i], 1);
	if (c->ssh_listen != NULL && ssh_users == 0) {
		snprintf(err, errlen, "NETCONF over SSH on %s: no user with a "
		    "password or an SSH key (add a user line)", c->ssh_listen);
		return -1;
	}
	if (c->tls_listen != NULL && (c->tls_cert == NULL || c->tls_key == NULL ||
	    c->tls_client_ca == NULL)) {
		snprintf(err, errlen, "NETCONF over TLS on %s needs tls-certificate, "
		    "tls-key and tls-client-ca", c->tls_listen);
		return -1;
	}
	if (c->tls_listen != NULL && c->nctn == 0) {
		snprintf(err, errlen, "NETCONF over TLS on %s: no cert-to-name "
		    "rule maps a client certificate to a user", c->tls_listen);
		return -1;
	}
	for (i = 0; i < c->nctn; i++) {
		if (c->ctn[i].type == SA_CTN_SPECIFIED &&
		    sa_config_user(c, c->ctn[i].name) == NULL) {
			snprintf(err, errlen, "cert-to-name %u maps to \"%s\", "
			    "who is not a user", c->ctn[i].id, c->ctn[i].name);
			return -1;
		}
	}
	if ((c->snmp_listen != NULL || c->agentx != NULL) &&
	    c->ncommunities == 0 && c->nsnmp_users == 0) {
		snprintf(err, errlen, "SNMP on %s: no snmp-community and no "
		    "snmp-user", c->agentx ? c->agentx : c->snmp_listen);
		return -1;
	}
	for (i = 0; i < c->ntraps; i++) {
		size_t j;
		if (c->traps[i].user == NULL)
			continue;
		for (j = 0; j < c->nsnmp_users; j++)
			if (strcmp(c->snmp_users[j].name, c->traps[i].user) == 0)
				break;
		if (j == c->nsnmp_users) {
			snprintf(err, errlen, "trap-target %s: no snmp-user %s",
			    c->traps[i].address, c->traps[i].user);
			return -1;
		}
	}
	return 0;
}

int
sa_config_parse_listen(const char *spec, char *addr, size_t len,
    uint16_t *port)
{
	const char *colon = strrchr(spec, ':');
	const char *a = spec;
	size_t n;
	char *end;
	long p;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - spec);
	if (spec[0] == '[' && n >= 2 && colon[-1] == ']') {
		a = spec + 1;
		n -= 2;
	}
	p = strtol(colon + 1, &end, 10);
	if (n == 0 || n >= len || colon[1] == '\0' || *end != '\0' || p < 1 ||
	    p > 65535)
		return -1;
	memcpy(addr, a, n);
	addr[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

const struct sa_user *
sa_config_user(const struct sa_config *c, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	return NULL;
}

const struct sa_user *
sa_config_user_by_uid(const struct sa_config *c, uid_t uid)
{
	size_t i;

	for (i = 0; i < c->nusers; i++)
		if (c->users[i].uid == (long)uid)
			return &c->users[i];
	return NULL;
}
