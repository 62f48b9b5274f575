/*
 * ctl_hostkey.c - secagentctl host-keys: the SSH host keys that secagentd
 * offers, one line each as ssh-keygen -l prints them.
 *
 * One way whether or not secagentd runs: the keys are read from their
 * files, found as secagentd finds them (hostkey.h), and fingerprinted with
 * libssh, which the server reads them with.  The configuration is -c FILE,
 * else DIR/secagentd.conf (the demo profile's), else the installed one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/config.h"
#include "../hostkey.h"
#include "ctl.h"

#ifndef SA_CONF_FILE
#define SA_CONF_FILE "/etc/secagent/secagentd.conf"
#endif

static void
print_keys(const struct sa_hostkey *keys, size_t n, int json)
{
	char line[4200];
	size_t i;

	if (!json) {
		for (i = 0; i < n; i++) {
			sa_hostkey_format(&keys[i], line, sizeof(line));
			printf("%s\n", line);
		}
		return;
	}
	printf("[");
	for (i = 0; i < n; i++) {
		printf("%s{\"bits\": %u, \"fingerprint\": ", i ? ", " : "",
		    keys[i].bits);
		ctl_json_string(stdout, keys[i].fingerprint);
		printf(", \"type\": ");
		ctl_json_string(stdout, keys[i].type);
		printf(", \"algorithm\": ");
		ctl_json_string(stdout, keys[i].algorithm);
		printf(", \"file\": ");
		ctl_json_string(stdout, keys[i].path);
		printf("}");
	}
	printf("]\n");
}

int
ctl_host_keys(const char *dir, int dir_given, const char *conf, int json)
{
	struct sa_hostkey keys[SA_HOSTKEY_MAX];
	struct sa_config *c;
	char path[4096], err[4200];
	const char *keydir = dir;
	size_t n = 0;
	int r = 1;

	if ((c = sa_config_new()) == NULL) {
		fprintf(stderr, "secagentctl: out of memory\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/secagentd.conf", dir);
	if (conf == NULL && access(path, F_OK) == 0)
		conf = path;
	if (conf == NULL && access(SA_CONF_FILE, R_OK) == 0)
		conf = SA_CONF_FILE;
	if (conf != NULL && sa_config_read(c, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "secagentctl: %s\n", err);
		goto out;
	}
	if (!dir_given && c->state_dir != NULL)
		keydir = c->state_dir;
	if (sa_hostkey_load(keydir, c->ssh_host_keys, c->nssh_host_keys, keys, &n,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "secagentctl: %s\n", err);
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "secagentctl: %s has no SSH host key yet: secagentd "
		    "makes them at its first start with NETCONF over SSH\n", keydir);
		goto out;
	}
	print_keys(keys, n, json);
	r = 0;
 out:
	sa_config_free(c);
	return r;
}
