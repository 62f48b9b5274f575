/*
 * demo_listen.c - the demo profile's rule: its passwords are public, so
 * every listener is on loopback (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
 *
 * Each address is resolved here, every address it resolves to must be
 * loopback, and the listener is then given the numeric address that was
 * checked: what it binds is what was checked, whatever a name resolves to
 * later.  Anything this file cannot prove to be loopback is refused: a
 * wildcard (0.0.0.0, ::), a port without an address ("udp:1161"), a
 * transport it does not know.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "daemon.h"

#define SPEC_MAX 300

static int
is_loopback(const struct sockaddr *sa)
{
	const struct in6_addr *a6;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a6) ||
	    (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/*
 * Resolves host in family (AF_INET, AF_INET6 or AF_UNSPEC); every address
 * must be loopback.  The first goes to out, numeric, an IPv6 one in
 * brackets.  0, or -1 with why.
 */
static int
loopback_host(const char *host, int family, char *out, size_t outlen,
    char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char num[INET6_ADDRSTRLEN];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(why, whylen, "%s does not resolve%s (%s)", host,
		    family == AF_INET ? " to IPv4" : family == AF_INET6 ?
		    " to IPv6" : "", gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!is_loopback(ai->ai_addr)) {
			getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num),
			    NULL, 0, NI_NUMERICHOST);
			if (strcmp(num, host) == 0)
				snprintf(why, whylen, "%s is not a loopback "
				    "address", host);
			else
				snprintf(why, whylen, "%s resolves to %s, not a "
				    "loopback address", host, num);
			freeaddrinfo(res);
			return -1;
		}
	}
	getnameinfo(res->ai_addr, res->ai_addrlen, num, sizeof(num), NULL, 0,
	    NI_NUMERICHOST);
	snprintf(out, outlen, res->ai_family == AF_INET6 ? "[%s]" : "%s", num);
	freeaddrinfo(res);
	return 0;
}

/* "ADDR:PORT" made numeric into out; 0 or -1 with why. */
static int
loopback_addr_port(const char *spec, int family, char *out, size_t outlen,
    char *why, size_t whylen)
{
	char host[256], num[INET6_ADDRSTRLEN + 2];
	uint16_t port;

	if (sa_config_parse_listen(spec, host, sizeof(host), &port) != 0) {
		snprintf(why, whylen, "%s is not ADDR:PORT (an address is "
		    "needed: without one it would be every address)", spec);
		return -1;
	}
	if (loopback_host(host, family, num, sizeof(num), why, whylen) != 0)
		return -1;
	snprintf(out, outlen, "%s:%u", num, (unsigned)port);
	return 0;
}

/* The Net-SNMP transports the demo can check, and their address family. */
static const struct {
	const char *name;	/* as Net-SNMP spells it, any case */
	int family;
	const char *canon;
} domains[] = {
	{ "udp", AF_INET, "udp" }, { "tcp", AF_INET, "tcp" },
	{ "udp6", AF_INET6, "udp6" }, { "tcp6", AF_INET6, "tcp6" },
	{ "udpv6", AF_INET6, "udp6" }, { "tcpv6", AF_INET6, "tcp6" },
	{ "udpipv6", AF_INET6, "udp6" }, { "tcpipv6", AF_INET6, "tcp6" },
	{ "unix", AF_UNIX, "unix" },
};

/*
 * One Net-SNMP transport, "[DOMAIN:]ADDR:PORT" or "unix:PATH", made
 * numeric with its domain spelt out.  A token without a domain is
 * udp (the agent) or refused (AgentX, whose default tries a file first).
 */
static int
domain_of(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		if (strlen(domains[i].name) == n &&
		    strncasecmp(name, domains[i].name, n) == 0)
			return (int)i;
	return -1;
}

static int
snmp_transport(const char *tok, int agentx, char *out, size_t outlen,
    char *why, size_t whylen)
{
	const char *colon = strchr(tok, ':'), *rest = tok;
	char addr[INET6_ADDRSTRLEN + 10];
	int d = colon != NULL ? domain_of(tok, (size_t)(colon - tok)) : -1;

	if (strlen(tok) + 8 > outlen) {
		snprintf(why, whylen, "a transport of %zu characters is too long",
		    strlen(tok));
		return -1;
	}
	if (d >= 0)
		rest = colon + 1;
	else if (tok[0] == '/' && agentx)
		d = domain_of("unix", 4);	/* Net-SNMP's AgentX: a path */
	else if (!agentx)
		d = domain_of("udp", 3);
	if (d < 0 || (domains[d].family == AF_UNIX && rest[0] != '/')) {
		snprintf(why, whylen, "%s: use %s:127.0.0.1:PORT, %s6:[::1]:PORT "
		    "or unix:/PATH", tok, agentx ? "tcp" : "udp",
		    agentx ? "tcp" : "udp");
		return -1;
	}
	if (domains[d].family == AF_UNIX) {
		snprintf(out, outlen, "%s", tok);	/* local: as given */
		return 0;
	}
	if (loopback_addr_port(rest, domains[d].family, addr, sizeof(addr),
	    why, whylen) != 0)
		return -1;
	snprintf(out, outlen, "%s:%s", domains[d].canon, addr);
	return 0;
}

/* A comma-separated list of transports, rewritten in place. */
static int
snmp_transports(char **spec, int agentx, char *why, size_t whylen)
{
	char *copy, *tok, *save = NULL, one[SPEC_MAX], *out;
	size_t len = 0, cap = strlen(*spec) * 2 + SPEC_MAX;
	int r = 0;

	if ((copy = strdup(*spec)) == NULL || (out = malloc(cap)) == NULL) {
		free(copy);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	out[0] = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL && r == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((r = snmp_transport(tok, agentx, one, sizeof(one), why,
		    whylen)) == 0)
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
			    len > 0 ? "," : "", one);
	}
	if (r == 0 && len == 0) {
		snprintf(why, whylen, "no transport");
		r = -1;
	}
	free(copy);
	if (r != 0 || len >= cap) {
		free(out);
		return -1;
	}
	free(*spec);
	*spec = out;
	return 0;
}

/* A NETCONF listener "ADDR:PORT", rewritten in place. */
static int
netconf_listener(char **spec, char *why, size_t whylen)
{
	char out[SPEC_MAX], *c;

	if (loopback_addr_port(*spec, AF_UNSPEC, out, sizeof(out), why,
	    whylen) != 0)
		return -1;
	if ((c = strdup(out)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	free(*spec);
	*spec = c;
	return 0;
}

int
sa_demo_check_listeners(struct sa_config *c, const char **directive,
    char *err, size_t errlen)
{
	*directive = NULL;
	if (c->ssh_listen != NULL && netconf_listener(&c->ssh_listen, err,
	    errlen) != 0)
		*directive = "netconf-ssh";
	else if (c->tls_listen != NULL && netconf_listener(&c->tls_listen,
	    err, errlen) != 0)
		*directive = "netconf-tls";
	else if (c->snmp_listen != NULL && c->agentx == NULL &&
	    snmp_transports(&c->snmp_listen, 0, err, errlen) != 0)
		*directive = "snmp";
	else if (c->agentx != NULL && snmp_transports(&c->agentx, 1, err,
	    errlen) != 0)
		*directive = "agentx";
	return *directive != NULL ? -1 : 0;
}
