/*
 * rpc_schema.c - get-schema (RFC 6022 3.1): the text of a module or
 * submodule of the context.  YANG is the file the module was loaded from,
 * comments and all; a module without a file (libyang's own) and YIN are
 * printed by libyang.  Replaces libnetconf2's handler, which frees the
 * text it returns under libyang 2.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconf.h"

#define SCHEMA_MAX (4 << 20)

static struct nc_server_reply *
schema_error(struct sa_nc_call *call, NC_ERR tag, const char *msg)
{
	struct lyd_node *e = nc_err(call->ctx, tag, NC_ERR_TYPE_APP);

	nc_err_set_msg(e, msg, "en");
	return nc_server_reply_err(e);
}

/* The whole file, NUL-terminated; NULL on error. */
static char *
read_file(const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	long len;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    len < SCHEMA_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		n = fread(buf, 1, (size_t)len, f);
		if (n != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int
is_yang_file(const char *path)
{
	size_t n = path != NULL ? strlen(path) : 0;

	return n > 5 && strcmp(path + n - 5, ".yang") == 0;
}

/* The text of identifier@version in format ("yang" or "yin"), or NULL. */
static char *
schema_text(const struct ly_ctx *ctx, const char *id, const char *version,
    int yin)
{
	const struct lys_module *m;
	const struct lysp_submodule *sm = NULL;
	char *txt = NULL;

	m = version != NULL ? ly_ctx_get_module(ctx, id, version) :
	    ly_ctx_get_module_latest(ctx, id);
	if (m == NULL)
		sm = version != NULL ? ly_ctx_get_submodule(ctx, id, version) :
		    ly_ctx_get_submodule_latest(ctx, id);
	if (m != NULL && !yin && is_yang_file(m->filepath))
		return read_file(m->filepath);
	if (sm != NULL && !yin && is_yang_file(sm->filepath))
		return read_file(sm->filepath);
	if (m != NULL && lys_print_mem(&txt, m, yin ? LYS_OUT_YIN : LYS_OUT_YANG,
	    0) != LY_SUCCESS)
		txt = NULL;
	return txt;
}

static const char *
child_value(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;
	const char *v;

	if (lyd_find_path(rpc, name, 0, &n) != LY_SUCCESS)
		return NULL;
	v = lyd_get_value(n);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* /ietf-netconf-monitoring:get-schema */
struct nc_server_reply *
rpc_get_schema(struct sa_nc_call *call)
{
	const char *id = child_value(call->rpc, "identifier");
	const char *version = child_value(call->rpc, "version");
	const char *format = child_value(call->rpc, "format");
	struct lyd_node *out = NULL;
	char msg[256], *txt;
	int yin = 0;

	/* an identityref: "ietf-netconf-monitoring:yang" */
	if (format != NULL && strchr(format, ':') != NULL)
		format = strchr(format, ':') + 1;
	if (format != NULL && strcmp(format, "yin") == 0)
		yin = 1;
	else if (format != NULL && strcmp(format, "yang") != 0)
		return schema_error(call, NC_ERR_INVALID_VALUE,
		    "the formats are yang and yin");
	if (id == NULL)
		return schema_error(call, NC_ERR_INVALID_VALUE,
		    "identifier is missing");
	if ((txt = schema_text(call->ctx, id, version, yin)) == NULL) {
		snprintf(msg, sizeof(msg), "no schema \"%s\"%s%s", id,
		    version != NULL ? " revision " : "",
		    version != NULL ? version : "");
		return schema_error(call, NC_ERR_INVALID_VALUE, msg);
	}
	if (lyd_new_inner(NULL, call->rpc->schema->module, "get-schema", 0,
	    &out) != LY_SUCCESS ||
	    lyd_new_any(out, NULL, "data", txt, 0, LYD_ANYDATA_STRING, 1,
	    NULL) != LY_SUCCESS) {
		free(txt);
		lyd_free_all(out);
		return schema_error(call, NC_ERR_OP_FAILED, "out of memory");
	}
	free(txt);
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}
