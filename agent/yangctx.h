/*
 * yangctx.h - the libyang context of secagent: the standard NETCONF
 * modules from Debian's packages, ietf-netconf taken from libnetconf2 at
 * build time, and secagent-security; shared by secagentd and secagentctl.
 */
#ifndef SA_YANGCTX_H
#define SA_YANGCTX_H

#include <stddef.h>

#include <libyang/libyang.h>

/* A new context with every module loaded; NULL with err on failure. */
struct ly_ctx *sa_yang_context(char *err, size_t errlen);

#endif
