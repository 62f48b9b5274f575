/*
 * snmp_prov.c - the provisioning client as the SNMP front end sees it:
 * secProvisionNow and the secProv state objects.
 *
 * The client itself (agent/provision/, sa_prov_run and sa_prov_get_state)
 * is not part of this build yet: until it is, a start answers commitFailed
 * with a line in the log, and the state reads "no attempt yet".
 */
#include <string.h>

#include "snmp.h"

int
snmp_prov_run(struct sa_snmp *s, char *err, size_t errlen)
{
	(void)s;
	snprintf(err, errlen, "the provisioning client is not part of this "
	    "build");
	return -1;
}

void
snmp_prov_state(struct sa_snmp *s, struct snmp_prov_state *out)
{
	(void)s;
	memset(out, 0, sizeof(*out));
	out->last_result = SA_MAP_RESULT_NONE;
}
