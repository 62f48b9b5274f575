/*
 * prov_device.c - how the device names itself to the provisioning server
 * (prov.h): its device id, by default the MAC address of its first
 * interface, put into provisioning-url where it says {device} and sent in
 * the User-Agent, so that one server holds one file per device.
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prov.h"

int
sa_prov_device_id_ok(const char *id)
{
	size_t n;

	if (id == NULL || (n = strlen(id)) == 0 || n > SA_PROV_DEVICE_ID_MAX)
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* A score for an interface: higher is a better name for the device. */
static int
rank(const struct ifaddrs *ifa)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)ifa->ifa_addr;
	static const unsigned char zero[6];

	if (ll == NULL || ll->sll_family != AF_PACKET || ll->sll_halen != 6 ||
	    (ifa->ifa_flags & IFF_LOOPBACK) ||
	    memcmp(ll->sll_addr, zero, sizeof(zero)) == 0)
		return 0;
	return (ifa->ifa_flags & IFF_UP) ? 2 : 1;
}

int
sa_prov_default_device_id(char *buf, size_t len)
{
	struct ifaddrs *all, *ifa;
	const struct sockaddr_ll *best = NULL, *ll;
	int best_rank = 0, r;

	if (len > 0)
		*buf = '\0';
	if (len < 13 || getifaddrs(&all) != 0)
		return -1;
	/* the lowest interface index among the best ranked: up before down */
	for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
		if ((r = rank(ifa)) == 0)
			continue;
		ll = (const struct sockaddr_ll *)ifa->ifa_addr;
		if (r > best_rank || (r == best_rank &&
		    ll->sll_ifindex < best->sll_ifindex)) {
			best = ll;
			best_rank = r;
		}
	}
	if (best != NULL)
		snprintf(buf, len, "%02x%02x%02x%02x%02x%02x",
		    best->sll_addr[0], best->sll_addr[1], best->sll_addr[2],
		    best->sll_addr[3], best->sll_addr[4], best->sll_addr[5]);
	freeifaddrs(all);
	return best != NULL ? 0 : -1;
}

int
sa_prov_expand_url(const char *url, const char *device_id, char **out,
    char *err, size_t errlen)
{
	static const char mark[] = SA_PROV_DEVICE_MARK;
	const size_t mlen = sizeof(mark) - 1;
	const char *p, *q;
	size_t n = 0, idlen;
	char *s;

	*out = NULL;
	if (url == NULL)
		url = "";
	if (strstr(url, mark) != NULL && !sa_prov_device_id_ok(device_id))
		return sa_fail(err, errlen, SA_ERR_INVALID, "provisioning-url "
		    "names %s, but the device has no device-id (set device-id "
		    "in secagentd.conf)", mark);
	idlen = device_id != NULL ? strlen(device_id) : 0;
	for (p = url; (q = strstr(p, mark)) != NULL; p = q + mlen)
		n += (size_t)(q - p) + idlen;
	n += strlen(p);
	if ((s = malloc(n + 1)) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	*out = s;
	for (p = url; (q = strstr(p, mark)) != NULL; p = q + mlen) {
		memcpy(s, p, (size_t)(q - p));
		s += q - p;
		memcpy(s, device_id, idlen);
		s += idlen;
	}
	strcpy(s, p);
	return 0;
}
