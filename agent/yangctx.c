/*
 * yangctx.c - the libyang context of secagent (yangctx.h).  Installed
 * programs read the installed modules; the programs of a checkout's
 * build/ read the build and source trees, so ./run works uninstalled.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yangctx.h"

#ifndef SA_YANG_DIR
#define SA_YANG_DIR "/usr/share/yang/modules/secagent"
#endif
#ifndef SA_IETF_YANG_DIR
#define SA_IETF_YANG_DIR "/usr/share/yuma/modules"
#endif

/* startup and url are not offered: no startup datastore, no URLs */
static const char *netconf_features[] = { "writable-running", "candidate",
	"confirmed-commit", "rollback-on-error", "validate", "xpath", NULL };

static const struct {
	const char *name;
	const char *revision;
	const char **features;
} modules[] = {
	{ "ietf-netconf", "2013-09-29", netconf_features },
	{ "ietf-netconf-acm", "2018-02-14", NULL },
	{ "ietf-netconf-monitoring", "2010-10-04", NULL },
	{ "ietf-netconf-with-defaults", "2011-06-01", NULL },
	{ "ietf-netconf-notifications", "2012-02-06", NULL },
	{ "notifications", "2008-07-14", NULL },
	{ "nc-notifications", "2008-07-14", NULL },
	{ "secagent-security", NULL, NULL },
};

/* Is this program one of build/ of the checkout (not installed)? */
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

/* Where the modules are: installed, or the build tree for build/ programs. */
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
	}
	return 0;
}

struct ly_ctx *
sa_yang_context(char *err, size_t errlen)
{
	struct ly_ctx *ctx = NULL;
	size_t i;

	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) != LY_SUCCESS ||
	    search_dirs(ctx) != 0) {
		snprintf(err, errlen, "libyang: cannot make a context");
		ly_ctx_destroy(ctx);
		return NULL;
	}
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (ly_ctx_load_module(ctx, modules[i].name, modules[i].revision,
		    modules[i].features) == NULL) {
			snprintf(err, errlen, "YANG module %s%s%s not found or "
			    "invalid", modules[i].name,
			    modules[i].revision ? "@" : "",
			    modules[i].revision ? modules[i].revision : "");
			ly_ctx_destroy(ctx);
			return NULL;
		}
	}
	return ctx;
}
