/*
 * netconf.c - the NETCONF front end of secagentd: the libyang context
 * (the standard modules from Debian's packages, ietf-netconf from the
 * build, ours), the capabilities, and the dispatcher that sends every RPC
 * through sa_rpc_table[] (rpc_table.c).  Transport and sessions: ncs.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "ncs.h"
#include "netconf.h"

#ifndef SA_YANG_DIR
#define SA_YANG_DIR "/usr/share/yang/modules/secagent"
#endif
#ifndef SA_IETF_YANG_DIR
#define SA_IETF_YANG_DIR "/usr/share/yuma/modules"
#endif

struct sa_netconf {
	struct sa_daemon *d;
	struct ly_ctx *ctx;
};

/* startup and url are not offered: no startup datastore, no URLs */
static const char *nc_features[] = { "writable-running", "candidate",
	"confirmed-commit", "rollback-on-error", "validate", "xpath", NULL };

static const struct {
	const char *name;
	const char *revision;
	const char **features;
} modules[] = {
	{ "ietf-netconf", "2013-09-29", nc_features },
	{ "ietf-netconf-acm", "2018-02-14", NULL },
	{ "ietf-netconf-monitoring", "2010-10-04", NULL },
	{ "ietf-netconf-with-defaults", "2011-06-01", NULL },
	{ "ietf-netconf-notifications", "2012-02-06", NULL },
	{ "notifications", "2008-07-14", NULL },
	{ "nc-notifications", "2008-07-14", NULL },
	{ "secagent-security", NULL, NULL },
};

/*
 * with-defaults is announced here, not by libnetconf2: its also-supported
 * argument is a bit mask of values that are not bits (ALL=1, ALL_TAG=2,
 * TRIM=3), so report-all always drags "trim" along.  Exactly RFC 6243.
 */
static const char *const capabilities[] = {
	/* basic-mode: SA_WD_BASIC_MODE */
	"urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=trim"
	    "&also-supported=report-all,report-all-tagged",
	"urn:ietf:params:netconf:capability:notification:1.0",
	"urn:ietf:params:netconf:capability:interleave:1.0",
	NULL,
};

static int ly_quiet;	/* after start: libyang's errors are the clients' */

/*
 * libyang's errors while the context is built are ours; its warnings are
 * about the standard modules (RFC 6470's XPath), nothing to act on.
 */
static void
yang_log(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	enum sa_log_level l = level == LY_LLERR && !ly_quiet ? SA_LOG_ERROR :
	    SA_LOG_DEBUG;

	if (path != NULL)
		sa_log(l, "libyang", "%s (%s)", msg, path);
	else
		sa_log(l, "libyang", "%s", msg);
}

/* Is this program build/secagentd of the checkout (not installed)? */
static int
in_build_tree(void)
{
#ifdef SA_BUILD_DIR
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0 || realpath(SA_BUILD_DIR, dir) == NULL)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	*slash = '\0';
	return strcmp(exe, dir) == 0;
#else
	return 0;
#endif
}

/* Where the modules are: installed, or the build tree for build/secagentd. */
static int
search_dirs(struct ly_ctx *ctx)
{
	const char *dirs[6];
	size_t i, n = 0;

	if (in_build_tree() || access(SA_YANG_DIR "/secagent-security.yang",
	    R_OK) != 0) {
#if defined(SA_BUILD_DIR) && defined(SA_SRC_DIR)
		dirs[n++] = SA_BUILD_DIR "/yang";
		dirs[n++] = SA_SRC_DIR "/yang";
#endif
	} else {
		dirs[n++] = SA_YANG_DIR;
	}
	dirs[n++] = SA_IETF_YANG_DIR "/ietf";
	dirs[n++] = SA_IETF_YANG_DIR "/ietf-derived";
	/* yuma's notifications.yang imports yuma-ncx for two extensions */
	dirs[n++] = SA_IETF_YANG_DIR "/netconfcentral";
	for (i = 0; i < n; i++) {
		if (ly_ctx_set_searchdir(ctx, dirs[i]) != LY_SUCCESS)
			return -1;
		sa_debug("YANG modules from %s", dirs[i]);
	}
	return 0;
}

static struct ly_ctx *
build_context(char *err, size_t errlen)
{
	struct ly_ctx *ctx = NULL;
	struct lysc_node *gs;
	size_t i;

	ly_set_log_clb(yang_log, 1);
	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) != LY_SUCCESS ||
	    search_dirs(ctx) != 0) {
		snprintf(err, errlen, "libyang: cannot make a context");
		goto fail;
	}
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (ly_ctx_load_module(ctx, modules[i].name, modules[i].revision,
		    modules[i].features) == NULL) {
			snprintf(err, errlen, "YANG module %s%s%s not found or "
			    "invalid (see the log)", modules[i].name,
			    modules[i].revision ? "@" : "",
			    modules[i].revision ? modules[i].revision : "");
			goto fail;
		}
	}
	/* libnetconf2's get-schema is broken with libyang 2.1: through the
	 * dispatcher to rpc_get_schema instead */
	gs = (struct lysc_node *)lys_find_path(ctx, NULL,
	    "/ietf-netconf-monitoring:get-schema", 0);
	if (gs == NULL) {
		snprintf(err, errlen, "ietf-netconf-monitoring has no get-schema");
		goto fail;
	}
	nc_set_rpc_callback(gs, ncs_rpc_entry);
	return ctx;
 fail:
	ly_ctx_destroy(ctx);
	return NULL;
}

static const struct sa_rpc_row *
find_row(const char *module, const char *name)
{
	size_t i;

	for (i = 0; i < sa_rpc_table_len; i++)
		if (strcmp(sa_rpc_table[i].module, module) == 0 &&
		    strcmp(sa_rpc_table[i].name, name) == 0)
			return &sa_rpc_table[i];
	return NULL;
}

static struct nc_server_reply *
dispatch(struct lyd_node *rpc, struct nc_session *s, void *arg)
{
	struct sa_netconf *nc = arg;
	const struct sa_rpc_row *row;
	struct sa_nc_call call;
	struct lyd_node *e;
	char msg[256];

	row = find_row(rpc->schema->module->name, rpc->schema->name);
	if (row == NULL) {
		snprintf(msg, sizeof(msg), "%s:%s is not supported",
		    rpc->schema->module->name, rpc->schema->name);
		e = nc_err(nc->ctx, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT);
		nc_err_set_msg(e, msg, "en");
		return nc_server_reply_err(e);
	}
	memset(&call, 0, sizeof(call));
	call.d = nc->d;
	call.ctx = nc->ctx;
	call.rpc = rpc;
	call.s = s;
	call.sess = ncs_session_get_user_data(s);
	return row->fn(&call);
}

static void
session_start(struct nc_session *s, void *arg)
{
	struct sa_nc_session *ss = calloc(1, sizeof(*ss));

	(void)arg;
	if (ss == NULL || (ss->user = strdup(ncs_session_username(s))) ==
	    NULL) {
		free(ss);
		sa_error("out of memory: session %u has no state",
		    nc_session_get_id(s));
		return;
	}
	ss->id = nc_session_get_id(s);
	/* root on the UNIX socket: the NACM recovery session (RFC 8341) */
	ss->recovery = ncs_session_uid(s) == 0;
	ncs_session_set_user_data(s, ss);
}

static void
session_end(struct nc_session *s, void *arg)
{
	struct sa_nc_session *ss = ncs_session_get_user_data(s);

	(void)arg;
	ncs_session_set_user_data(s, NULL);
	if (ss == NULL)
		return;
	free(ss->user);
	free(ss);
}

int
sa_netconf_start(struct sa_daemon *d, char *err, size_t errlen)
{
	struct ncs_callbacks cb;
	struct sa_netconf *nc;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nc->d = d;
	if ((nc->ctx = build_context(err, errlen)) == NULL) {
		free(nc);
		return -1;
	}
	ly_quiet = 1;
	memset(&cb, 0, sizeof(cb));
	cb.rpc = dispatch;
	cb.session_start = session_start;
	cb.session_end = session_end;
	cb.arg = nc;
	ncs_set_capabilities(capabilities);
	if (ncs_start(d, nc->ctx, &cb, err, errlen) != 0) {
		ly_ctx_destroy(nc->ctx);
		free(nc);
		return -1;
	}
	d->netconf = nc;
	return 0;
}

void
sa_netconf_reload(struct sa_daemon *d)
{
	if (d->netconf != NULL)
		ncs_reload(d);
}

void
sa_netconf_stop(struct sa_daemon *d)
{
	struct sa_netconf *nc = d->netconf;

	if (nc == NULL)
		return;
	ncs_stop();
	ly_ctx_destroy(nc->ctx);	/* last: libnetconf2 used its dictionary */
	free(nc);
	d->netconf = NULL;
}
