/*
 * snmp_prov.c - the provisioning client (agent/provision) as the SNMP
 * front end sees it: secProvisionNow and the secProv state objects.
 *
 * sa_prov_run is synchronous, bounded by the client's own timeouts (60 s
 * at most): the SNMP thread waits for it, as the MIB tells a manager to.
 */
#include <string.h>

#include "snmp.h"
#include "../provision/prov.h"

int
snmp_prov_run(struct sa_snmp *s, char *err, size_t errlen)
{
	/* SNMP holds no NETCONF lock: holder 0 */
	return sa_prov_run(s->d, 0, err, errlen) == 0 ? 0 : -1;
}

void
snmp_prov_state(struct sa_snmp *s, struct snmp_prov_state *out)
{
	struct sa_prov_state ps;

	sa_prov_get_state(s->d, &ps);
	memset(out, 0, sizeof(*out));
	out->last_attempt = ps.last_attempt;
	out->last_success = ps.last_success;
	out->last_result = ps.last_result;
	snprintf(out->last_error, sizeof(out->last_error), "%s", ps.last_error);
	out->unknown_parameters = ps.unknown_params;
}
