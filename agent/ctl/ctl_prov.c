/*
 * ctl_prov.c - "secagentctl provision" (one provisioning attempt on the
 * state directory, as secagentd would run it) and "export-provisioning"
 * (the current settings as a provisioning file, on standard output).
 */
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "../provision/prov.h"
#include "ctl.h"

static void
print_summary(FILE *f, const struct sa_prov_summary *s, int json)
{
	if (json) {
		fprintf(f, "{\"result\": \"applied\", \"parameters\": %u, "
		    "\"unknown-parameters\": %u, \"certificates-added\": %u, "
		    "\"certificates-removed\": %u}\n", s->params, s->unknown,
		    s->certs_added, s->certs_removed);
		return;
	}
	fprintf(f, "applied: %u parameters, %u unknown parameters left alone, "
	    "%u certificates added, %u removed\n", s->params, s->unknown,
	    s->certs_added, s->certs_removed);
}

int
ctl_provision(struct sa_store *st, const char *device_id, int json)
{
	struct sa_prov_summary sum;
	char err[512], mac[16];
	int r;

	if (sa_prov_global_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "secagentctl: %s\n", err);
		return 1;
	}
	if (device_id == NULL && sa_prov_default_device_id(mac,
	    sizeof(mac)) == 0)
		device_id = mac;
	r = sa_prov_attempt(st, device_id, 0, "cli:provision", NULL, &sum,
	    err, sizeof(err));
	if (r == 0)
		print_summary(stdout, &sum, json);
	else
		fprintf(stderr, "secagentctl: provisioning failed: %s\n", err);
	curl_global_cleanup();
	xmlCleanupParser();
	return r == 0 ? 0 : 1;
}

int
ctl_export_provisioning(struct sa_store *st)
{
	char *xml;

	if (sa_prov_export(st, &xml) != 0) {
		fprintf(stderr, "secagentctl: out of memory\n");
		return 1;
	}
	fputs(xml, stdout);
	free(xml);
	xmlCleanupParser();
	return fflush(stdout) == 0 ? 0 : 1;
}
