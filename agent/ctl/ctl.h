/*
 * ctl.h - secagentctl, the local administrator's command line.
 *
 * Commands are written against struct ctl_cert and plain strings, so that
 * what they print is the same whichever way they reach the store.
 */
#ifndef CTL_H
#define CTL_H

#include <stdio.h>
#include <time.h>

#include "../../src/sa_store.h"

/* One certificate as the commands print it; strings owned. */
struct ctl_cert {
	char *list;
	char fingerprint[SA_FP_HEX_LEN + 1];
	char *subject;
	char *issuer;
	time_t not_before;
	time_t not_after;
	long days_to_expiry;
	char *status;
	char *origin;
	int rejected;
	char *reason;		/* Invalid only, else NULL */
	char *peer;		/* Invalid only, may be NULL */
	time_t first_seen;
	time_t last_seen;
	unsigned long long seen_count;
	struct sa_details details;	/* "show" only */
	int has_details;
	char *pem;		/* "show" only */
};

/* ctl_cert.c */
void ctl_cert_clear(struct ctl_cert *c);
/* Fills c from a store entry (details too when details is non-zero). */
int ctl_cert_from_entry(struct ctl_cert *c, const struct sa_entry *e,
    time_t now, int details);
struct lyd_node;
/* Fills c from a list entry of a reply; 0 or -1 (clear c either way). */
int ctl_cert_from_node(struct ctl_cert *c, const struct lyd_node *e,
    int details);
/* The value of the leaf at path below n (an RPC's output too), or NULL. */
const char *ctl_leaf(const struct lyd_node *n, const char *path);

/* ctl_output.c */
void ctl_print_list(FILE *f, const struct ctl_cert *certs, size_t n, int json);
void ctl_print_show(FILE *f, const struct ctl_cert *c, int json);
void ctl_print_results(FILE *f, const struct sa_txn_result *r, size_t n,
    int json);
void ctl_json_string(FILE *f, const char *s);

/* ctl_tls.c: a TLS connection to host:port under the store's policy */
struct sa_tls_verdict;
int ctl_check_server(struct sa_store *st, const char *target, int json);
void ctl_print_verdict(const struct sa_tls_verdict *v, int json);

/* ctl_nc.c: the same commands through a running secagentd (NETCONF over
 * its UNIX socket).  ctl_nc_open returns 1 when no daemon answers. */
struct ctl_nc;
int ctl_nc_open(const char *dir, struct ctl_nc **out);
void ctl_nc_close(struct ctl_nc *c);
int ctl_nc_list(struct ctl_nc *c, int all, enum sa_list only, int json);
int ctl_nc_show(struct ctl_nc *c, const char *prefix, int json);
int ctl_nc_entry(struct ctl_nc *c, const char *verb, const char *prefix);
int ctl_nc_import(struct ctl_nc *c, const char *pem, int json);
int ctl_nc_get(struct ctl_nc *c, enum sa_setting s, int json);
int ctl_nc_set(struct ctl_nc *c, enum sa_setting s, const char *value);
int ctl_nc_simple(struct ctl_nc *c, const char *rpc);
int ctl_nc_check_server(struct ctl_nc *c, const char *target, int json);

/* ctl_prov.c: one provisioning attempt; the settings as a provisioning file */
/* device_id: {device} of provisioning-url, NULL: the MAC address */
int ctl_provision(struct sa_store *st, const char *device_id, int json);
int ctl_export_provisioning(struct sa_store *st);

/* ctl_hostkey.c: secagentctl host-keys.  dir_given: dir was chosen (-d or
 * the environment), not the default; conf: -c FILE or NULL. */
int ctl_host_keys(const char *dir, int dir_given, const char *conf, int json);

#endif
