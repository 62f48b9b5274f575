/*
 * config.h - secagentd's configuration: listeners, users, TLS and
 * cert-to-name, SNMP, logging.  The file format is in
 * contrib/secagentd.conf (one directive per line, '#' comments, tokens
 * separated by blanks, "double quotes" for a token with blanks).
 * Command-line listener options override the file.
 */
#ifndef SA_CONFIG_H
#define SA_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "log.h"

#define SA_MAX_KEYS 8
#define SA_MAX_HOST_KEYS 8	/* ssh-host-key lines */

/* The SSH algorithm lists that secagentd.conf may set (ncs_ssh.c). */
enum sa_ssh_algo {
	SA_SSH_KEX, SA_SSH_HOSTKEY, SA_SSH_CIPHERS, SA_SSH_MACS, SA_SSH_ALGO_COUNT
};

struct sa_user {
	char *name;
	char *group;		/* NACM group seeded for this user, or NULL */
	char *password_hash;	/* crypt(3) hash, or NULL: no password login */
	char *ssh_keys[SA_MAX_KEYS];	/* "TYPE BASE64" */
	size_t nkeys;
	long uid;		/* local uid mapped to this user on the UNIX socket, -1 */
};

enum sa_ctn_type {
	SA_CTN_SPECIFIED, SA_CTN_COMMON_NAME, SA_CTN_SAN_DNS, SA_CTN_SAN_IP,
	SA_CTN_SAN_EMAIL, SA_CTN_SAN_ANY,
};

/* A cert-to-name rule (RFC 7407): fingerprint "NN:hex:..." of the client
 * certificate or of a CA above it, and how to take the user name. */
struct sa_ctn {
	unsigned id;
	char *fingerprint;
	enum sa_ctn_type type;
	char *name;		/* SA_CTN_SPECIFIED */
};

struct sa_snmp_user {
	char *name;
	int rw;
	char *auth_proto;	/* "SHA-256", "SHA-512" */
	char *auth_pass;
	char *priv_proto;	/* "AES", "AES-256", or NULL: authNoPriv */
	char *priv_pass;
};

struct sa_trap_target {
	char *address;		/* e.g. udp:127.0.0.1:162 */
	int inform;
	char *community;	/* v2c */
	char *user;		/* v3: a name of snmp-user */
};

struct sa_config {
	char *file;		/* where it was read from, or NULL */
	char *state_dir;
	char *pid_file;
	char *factory_bundle;
	int log_stderr;
	enum sa_log_level log_level;
	int allow_core_dumps;	/* debugging: a core file holds every secret */
	/* NETCONF; NULL = no listener */
	char *ssh_listen;	/* "ADDR:PORT" */
	char *tls_listen;
	char *unix_path;	/* default STATE_DIR/secagentd.sock */
	int unix_disabled;
	char *ssh_host_keys[SA_MAX_HOST_KEYS];	/* none: the default set */
	size_t nssh_host_keys;
	char *ssh_algos[SA_SSH_ALGO_COUNT];	/* as written, NULL: default */
	char *tls_cert;
	char *tls_key;
	char *tls_client_ca;
	struct sa_ctn *ctn;
	size_t nctn;
	struct sa_user *users;
	size_t nusers;
	int acceptors;
	int hello_timeout;
	int idle_timeout;
	int max_sessions;
	int max_message_size;	/* bytes of one NETCONF message, framing included */
	int max_unauth_per_source;	/* SSH/TLS handshakes of one address; 0: any */
	/* SNMP */
	char *snmp_listen;	/* transport, NULL = none */
	char *agentx;		/* master address, NULL = embedded agent */
	char **communities;	/* read-only */
	size_t ncommunities;
	struct sa_snmp_user *snmp_users;
	size_t nsnmp_users;
	struct sa_trap_target *traps;
	size_t ntraps;
	/* the device */
	int sweep_interval;	/* seconds between expiry sweeps */
	int invalid_max;	/* entries of the Invalid list (sa_store_opts) */
	char *device_id;	/* its name to the provisioning server, NULL: the MAC */
};

/* Defaults only (no listener, no user). */
struct sa_config *sa_config_new(void);
void sa_config_free(struct sa_config *c);

/*
 * Reads path into c (directives add to or replace what c holds).
 * Returns 0, or -1 with "FILE:LINE: what" in err.
 */
int sa_config_read(struct sa_config *c, const char *path, char *err,
    size_t errlen);
/* The same from an open stream; path names it in the messages. */
int sa_config_read_stream(struct sa_config *c, FILE *f, const char *path,
    char *err, size_t errlen);

/* Sets one listener or option from the command line ("none" disables;
 * allow-core-dumps takes yes or no). */
int sa_config_set(struct sa_config *c, const char *key, const char *value,
    char *err, size_t errlen);

/*
 * Checks the whole: a NETCONF listener without a user able to log in over
 * it, a TLS listener without certificate, and the like are errors.
 */
int sa_config_check(const struct sa_config *c, char *err, size_t errlen);

/*
 * A NETCONF listener "ADDR:PORT" or "[ADDR]:PORT" into addr (len bytes)
 * and port (1 to 65535); 0 or -1.
 */
int sa_config_parse_listen(const char *spec, char *addr, size_t len,
    uint16_t *port);

const struct sa_user *sa_config_user(const struct sa_config *c,
    const char *name);
const struct sa_user *sa_config_user_by_uid(const struct sa_config *c,
    uid_t uid);

#endif
