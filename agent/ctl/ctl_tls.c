/*
 * ctl_tls.c - "secagentctl check-server HOST:PORT" on the state directory:
 * one TLS connection under the device's certificate policy.
 */
#include <stdio.h>

#include "../../src/sa_tls.h"
#include "ctl.h"

void
ctl_print_verdict(const struct sa_tls_verdict *v, int json)
{
	char hex[SA_FP_HEX_LEN + 1];

	sa_fp_to_hex(v->fp, hex);
	if (json) {
		printf("{\"result\": \"%s\", \"fingerprint\": \"%s\", ",
		    v->accepted ? "accepted" : "refused", hex);
		if (v->accepted)
			printf("\"how\": \"%s\"}\n", v->how);
		else {
			printf("\"reason\": \"%s\", \"detail\": ",
			    sa_reason_name(v->reason));
			ctl_json_string(stdout, v->detail);
			printf("}\n");
		}
		return;
	}
	if (v->accepted)
		printf("accepted\n");
	else
		printf("refused: %s\n", sa_reason_name(v->reason));
}

int
ctl_check_server(struct sa_store *st, const char *target, int json)
{
	struct sa_tls_verdict v;
	char err[512];

	if (sa_tls_probe(st, target, &v, err, sizeof(err)) != 0) {
		fprintf(stderr, "secagentctl: %s\n", err);
		return 1;
	}
	ctl_print_verdict(&v, json);
	return v.accepted ? 0 : 1;
}
