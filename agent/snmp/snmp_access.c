/*
 * snmp_access.c - who may talk to the agent and whom it tells: SNMPv3 USM
 * users, VACM views, groups and access entries, the read-only communities
 * and the trap targets, all from secagentd's configuration (SNMP thread).
 *
 * Net-SNMP persists users made by createUser as usmUser lines and reads
 * them back at the next start, where they win over createUser: a changed
 * or removed user would live on.  Here every user is made after the
 * persistent state was read, marked read-only (never persisted), and every
 * user that was there before is removed first: the configuration is the
 * only source.
 *
 * Access (embedded agent; a master agent does its own): communities read
 * the read view, never write (SNMPv1/v2c cannot write); a user reads it
 * and, when rw, writes the write view, at the security level configured
 * (authPriv when the user has a privacy passphrase, else authNoPriv).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "snmp.h"
#include "../daemon/log.h"

#define VIEW_READ "secagentRead"
#define VIEW_WRITE "secagentWrite"
#define GROUP_COMMUNITY "secagentCommunity"

/* Net-SNMP functions whose headers are not installed: vacm_conf.c of
 * libnetsnmpagent, the com2sec lists of libnetsnmp. */
void vacm_parse_view(const char *token, char *param);
void vacm_parse_group(const char *token, char *param);
void vacm_parse_access(const char *token, char *param);
void netsnmp_udp_com2SecList_free(void);
void netsnmp_udp6_com2Sec6List_free(void);

/* The sessions of the trap targets (SNMP thread).  Net-SNMP's own list
 * also holds the AgentX master session of a sub-agent: leave that one. */
#define MAX_TARGETS 64
static netsnmp_session *targets[MAX_TARGETS];
static size_t ntargets;

/* What SNMP managers read besides the MIB: system and snmpEngine. */
static const char *const read_extra[] = {
	".1.3.6.1.2.1.1", ".1.3.6.1.6.3.10.2.1",
};

/* Feeds one directive to a Net-SNMP configuration parser. */
static void
directive(void (*parse)(const char *, char *), const char *token,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
directive(void (*parse)(const char *, char *), const char *token,
    const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	parse(token, line);
	OPENSSL_cleanse(line, sizeof(line));
}

/* in as a "quoted token" for Net-SNMP's copy_nword(). */
static void
quote(char *out, size_t len, const char *in)
{
	size_t o = 0;

	if (len < 3)
		return;
	out[o++] = '"';
	for (; *in != '\0' && o + 3 < len; in++) {
		if (*in == '"' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void
root_string(char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < sa_map_root_len && o < len; i++)
		o += snprintf(buf + o, len - o, ".%u", sa_map_root[i]);
}

static void
vacm_views(void)
{
	char root[128];
	size_t i;

	root_string(root, sizeof(root));
	for (i = 0; i < sizeof(read_extra) / sizeof(read_extra[0]); i++)
		directive(vacm_parse_view, "view", VIEW_READ " included %s",
		    read_extra[i]);
	directive(vacm_parse_view, "view", VIEW_READ " included %s", root);
	directive(vacm_parse_view, "view", VIEW_WRITE " included %s", root);
	/* one group per access and level: a priv user cannot drop to auth */
	directive(vacm_parse_access, "access", "secagentRO_auth \"\" usm auth "
	    "exact " VIEW_READ " none none");
	directive(vacm_parse_access, "access", "secagentRO_priv \"\" usm priv "
	    "exact " VIEW_READ " none none");
	directive(vacm_parse_access, "access", "secagentRW_auth \"\" usm auth "
	    "exact " VIEW_READ " " VIEW_WRITE " none");
	directive(vacm_parse_access, "access", "secagentRW_priv \"\" usm priv "
	    "exact " VIEW_READ " " VIEW_WRITE " none");
	directive(vacm_parse_access, "access", GROUP_COMMUNITY " \"\" any "
	    "noauth exact " VIEW_READ " none none");
}

static void
vacm_principals(const struct sa_config *c)
{
	const struct sa_snmp_user *u;
	char q[600];
	size_t i;

	for (i = 0; i < c->nsnmp_users; i++) {
		u = &c->snmp_users[i];
		quote(q, sizeof(q), u->name);
		directive(vacm_parse_group, "group", "secagent%s_%s usm %s",
		    u->rw ? "RW" : "RO", u->priv_proto ? "priv" : "auth", q);
	}
	if (c->ncommunities == 0)
		return;
	for (i = 0; i < c->ncommunities; i++) {
		quote(q, sizeof(q), c->communities[i]);
		directive(netsnmp_udp_parse_security, "com2sec",
		    GROUP_COMMUNITY " default %s", q);
		directive(netsnmp_udp6_parse_security, "com2sec6",
		    GROUP_COMMUNITY " default %s", q);
	}
	directive(vacm_parse_group, "group", GROUP_COMMUNITY " v1 "
	    GROUP_COMMUNITY);
	directive(vacm_parse_group, "group", GROUP_COMMUNITY " v2c "
	    GROUP_COMMUNITY);
}

/* Forgets every user, including those Net-SNMP read from its files. */
static void
purge_users(void)
{
	struct usmUser *u;

	while ((u = usm_get_userList()) != NULL) {
		usm_remove_user(u);
		u->next = u->prev = NULL;
		usm_free_user(u);
	}
}

/* Non-zero when a v3 inform target names user: it needs its master keys. */
static int
informs_as(const struct sa_config *c, const char *user)
{
	size_t i;

	for (i = 0; i < c->ntraps; i++)
		if (c->traps[i].inform && c->traps[i].user != NULL &&
		    strcmp(c->traps[i].user, user) == 0)
			return 1;
	return 0;
}

static int
make_user(const struct sa_config *c, const struct sa_snmp_user *u, char *err,
    size_t errlen)
{
	u_char engine[SNMP_MAXBUF_SMALL];
	char name[300], auth[300], priv[300];
	struct usmUser *made;
	size_t elen;

	quote(name, sizeof(name), u->name);
	quote(auth, sizeof(auth), u->auth_pass);
	quote(priv, sizeof(priv), u->priv_pass != NULL ? u->priv_pass : "");
	directive(usm_parse_create_usmUser, "createUser", "%s%s %s %s %s %s",
	    informs_as(c, u->name) ? "-M " : "", name, u->auth_proto, auth,
	    u->priv_proto != NULL ? u->priv_proto : "",
	    u->priv_proto != NULL ? priv : "");
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(priv, sizeof(priv));
	elen = snmpv3_get_engineID(engine, sizeof(engine));
	if ((made = usm_get_user(engine, elen, u->name)) == NULL) {
		snprintf(err, errlen, "snmp-user %s: Net-SNMP refused it",
		    u->name);
		return -1;
	}
	made->userStorageType = ST_READONLY;	/* never persisted */
	return 0;
}

static void
close_target(netsnmp_session *ss)
{
	remove_trap_session(ss);
	snmp_close(ss);
}

static int
make_target(const struct sa_config *c, const struct sa_trap_target *t,
    char *err, size_t errlen)
{
	int pdutype = t->inform ? SNMP_MSG_INFORM : SNMP_MSG_TRAP2;
	netsnmp_session *ss;
	size_t i;
	int level = SNMP_SEC_LEVEL_AUTHNOPRIV;

	if (t->community != NULL) {
		ss = netsnmp_create_v1v2_notification_session(t->address, NULL,
		    t->community, NULL, SNMP_VERSION_2c, pdutype, NULL, NULL,
		    NULL);
	} else {
		for (i = 0; i < c->nsnmp_users; i++)
			if (strcmp(c->snmp_users[i].name, t->user) == 0 &&
			    c->snmp_users[i].priv_proto != NULL)
				level = SNMP_SEC_LEVEL_AUTHPRIV;
		ss = netsnmp_create_v3user_notification_session(t->address,
		    t->user, level, NULL, pdutype, NULL, 0, NULL, NULL, NULL,
		    NULL);
		/*
		 * An SNMPv3 inform first discovers the receiver's engine ID,
		 * synchronously (Net-SNMP), in the SNMP thread: bound what a
		 * receiver that does not answer costs each notification.
		 */
		if (ss != NULL && t->inform) {
			ss->timeout = 1000000L;	/* us */
			ss->retries = 1;
		}
	}
	if (ss == NULL || ntargets == MAX_TARGETS) {
		snprintf(err, errlen, "trap-target %s: cannot open it",
		    t->address);
		if (ss != NULL)
			close_target(ss);
		return -1;
	}
	targets[ntargets++] = ss;
	return 0;
}

static void
close_targets(void)
{
	while (ntargets > 0)
		close_target(targets[--ntargets]);
}

void
snmp_access_clear(void)
{
	close_targets();
	purge_users();
	vacm_destroyAllAccessEntries();
	vacm_destroyAllGroupEntries();
	vacm_destroyAllViewEntries();
	netsnmp_udp_com2SecList_free();
	netsnmp_udp6_com2Sec6List_free();
}

void
snmp_access_vacm(struct sa_snmp *s)
{
	if (s->subagent)
		return;
	pthread_rwlock_rdlock(&s->d->cfg_lock);
	vacm_views();
	vacm_principals(s->d->cfg);
	pthread_rwlock_unlock(&s->d->cfg_lock);
}

int
snmp_access_users(struct sa_snmp *s, char *err, size_t errlen)
{
	const struct sa_config *c;
	size_t i;
	int r = 0;

	close_targets();
	purge_users();		/* and those Net-SNMP read from its files */
	pthread_rwlock_rdlock(&s->d->cfg_lock);
	c = s->d->cfg;
	for (i = 0; r == 0 && i < c->nsnmp_users; i++)
		r = make_user(c, &c->snmp_users[i], err, errlen);
	for (i = 0; r == 0 && i < c->ntraps; i++)
		r = make_target(c, &c->traps[i], err, errlen);
	pthread_rwlock_unlock(&s->d->cfg_lock);
	return r;
}

int
snmp_access_apply(struct sa_snmp *s, char *err, size_t errlen)
{
	snmp_access_clear();
	snmp_access_vacm(s);
	return snmp_access_users(s, err, errlen);
}
