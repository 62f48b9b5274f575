/*
 * ctl_nc.c - secagentctl through the running daemon: NETCONF over the
 * daemon's UNIX socket (DIR/secagentd.sock), where the peer's uid decides
 * the user.  Each command becomes the NETCONF operation every other
 * client would use, and prints what the direct mode prints (but for
 * provision, which prints "applied": provision-now returns no counts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_client.h>

#include "../../src/sa_file.h"
#include "../../src/sa_tls.h"
#include "../yangctx.h"
#include "ctl.h"

#define NS "urn:secagent:yang:secagent-security"
#define TIMEOUT_MS 120000

struct ctl_nc {
	struct nc_session *s;
	struct ly_ctx *ctx;
};

static int
fail(const char *msg)
{
	fprintf(stderr, "secagentctl: %s\n", msg);
	return 1;
}

/* Does anything listen on the socket?  Cheap, before libnetconf2 logs. */
static int
daemon_answers(const char *path)
{
	struct sockaddr_un sun;
	int fd, ok;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

static void
quiet(NC_VERB_LEVEL level, const char *msg)
{
	if (level == NC_VERB_ERROR && getenv("SECAGENT_DEBUG") != NULL)
		fprintf(stderr, "secagentctl: libnetconf2: %s\n", msg);
}

int
ctl_nc_open(const char *dir, struct ctl_nc **out)
{
	char path[4096], err[4400];
	struct ctl_nc *c;
	int fd;

	*out = NULL;
	/* a socket there is trusted only in a directory no one else can write:
	 * checked as the store checks it (missing: no daemon, the store makes it) */
	if ((fd = sa_dir_open(AT_FDCWD, dir, 0, 0, err, sizeof(err))) >= 0)
		close(fd);
	else if (errno != ENOENT)
		return fail(err), -1;
	snprintf(path, sizeof(path), "%s/secagentd.sock", dir);
	if (!daemon_answers(path))
		return 1;
	nc_set_print_clb(quiet);
	nc_verbosity(NC_VERB_ERROR);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return fail("out of memory"), -1;
	if ((c->ctx = sa_yang_context(err, sizeof(err))) == NULL) {
		free(c);
		return fail(err), -1;
	}
	if ((c->s = nc_connect_unix(path, c->ctx)) == NULL) {
		ly_ctx_destroy(c->ctx);
		free(c);
		fprintf(stderr, "secagentctl: secagentd on %s refused the "
		    "session (is this user mapped to a NETCONF user?)\n", path);
		return -1;
	}
	*out = c;
	return 0;
}

void
ctl_nc_close(struct ctl_nc *c)
{
	if (c == NULL)
		return;
	nc_session_free(c->s, NULL);
	ly_ctx_destroy(c->ctx);
	free(c);
}

/* The error-message of an rpc-reply envelope, or NULL when it is not an error. */
static const char *
reply_error(const struct lyd_node *envp)
{
	const struct lyd_node *e, *m;

	for (e = envp != NULL ? lyd_child(envp) : NULL; e != NULL; e = e->next) {
		if (strcmp(((const struct lyd_node_opaq *)e)->name.name, "rpc-error") != 0)
			continue;
		for (m = lyd_child(e); m != NULL; m = m->next)
			if (strcmp(((const struct lyd_node_opaq *)m)->name.name,
			    "error-message") == 0)
				return ((const struct lyd_node_opaq *)m)->value;
		return "the operation failed";
	}
	return NULL;
}

/* Sends rpc (freed here) and waits; *op gets the output, if any. */
static int
call(struct ctl_nc *c, struct nc_rpc *rpc, struct lyd_node **op)
{
	struct lyd_node *envp = NULL, *out = NULL;
	const char *msg;
	uint64_t id;
	NC_MSG_TYPE m;
	int r = 0;

	if (op != NULL)
		*op = NULL;
	if (rpc == NULL)
		return fail("out of memory");
	if (nc_send_rpc(c->s, rpc, TIMEOUT_MS, &id) != NC_MSG_RPC) {
		nc_rpc_free(rpc);
		return fail("cannot send to secagentd");
	}
	do {
		m = nc_recv_reply(c->s, rpc, id, TIMEOUT_MS, &envp, &out);
	} while (m == NC_MSG_NOTIF);
	if (m != NC_MSG_REPLY)
		r = fail("no reply from secagentd");
	else if ((msg = reply_error(envp)) != NULL)
		r = fail(msg);
	nc_rpc_free(rpc);
	lyd_free_tree(envp);
	if (r == 0 && op != NULL)
		*op = out;
	else
		lyd_free_tree(out);
	return r;
}

static struct nc_rpc *
module_rpc(const char *name, const char *inner)
{
	char *xml;
	struct nc_rpc *rpc;

	if (asprintf(&xml, "<%s xmlns=\"" NS "\">%s</%s>", name, inner, name) < 0)
		return NULL;
	rpc = nc_rpc_act_generic_xml(xml, NC_PARAMTYPE_FREE);
	if (rpc == NULL)
		free(xml);
	return rpc;
}

/* The data tree of a get/get-config output (borrowed from op). */
static struct lyd_node *
data_of(struct lyd_node *op)
{
	struct lyd_node *d;

	for (d = op != NULL ? lyd_child(op) : NULL; d != NULL; d = d->next)
		if (d->schema != NULL && (d->schema->nodetype & LYD_NODE_ANY))
			return ((struct lyd_node_any *)d)->value.tree;
	return NULL;
}

static const char *const list_nodes[SA_LIST_COUNT] = {
	"ca-certificate", "server-certificate", "invalid-certificate",
};

/* get of the lists' entries; filter_inner goes inside <certificates>. */
static int
get_entries(struct ctl_nc *c, const char *filter_inner, struct lyd_node **op)
{
	char *filter;
	int r;

	if (asprintf(&filter, "<security xmlns=\"" NS "\"><certificates>%s"
	    "</certificates></security>", filter_inner) < 0)
		return fail("out of memory");
	r = call(c, nc_rpc_get(filter, NC_WD_UNKNOWN, NC_PARAMTYPE_FREE), op);
	return r;
}

/* Calls fn for each entry of the reply's lists. */
static size_t
for_entries(struct lyd_node *op, int (*fn)(const struct lyd_node *, void *),
    void *arg)
{
	struct lyd_node *sec = data_of(op), *certs = NULL, *e;
	size_t n = 0;

	if (sec == NULL || lyd_find_path(sec, "certificates", 0, &certs) != LY_SUCCESS)
		return 0;
	for (e = lyd_child(certs); e != NULL; e = e->next)
		if (e->schema->nodetype == LYS_LIST && fn(e, arg) == 0)
			n++;
	return n;
}

struct collect {
	struct ctl_cert *certs;
	size_t n, cap;
	int details;
};

static int
collect_one(const struct lyd_node *e, void *arg)
{
	struct collect *cl = arg;
	struct ctl_cert *nc;

	if (cl->n == cl->cap) {
		cl->cap = cl->cap ? cl->cap * 2 : 64;
		if ((nc = realloc(cl->certs, cl->cap * sizeof(*nc))) == NULL)
			return -1;
		cl->certs = nc;
	}
	if (ctl_cert_from_node(&cl->certs[cl->n], e, cl->details) != 0) {
		ctl_cert_clear(&cl->certs[cl->n]);
		return -1;
	}
	cl->n++;
	return 0;
}

static int
fp_order(const void *a, const void *b)
{
	const struct ctl_cert *x = a, *y = b;
	int l = strcmp(x->list, y->list);

	/* list order ca, server, invalid, then fingerprint order */
	if (l != 0)
		return (x->list[0] == 'c' ? 0 : x->list[0] == 's' ? 1 : 2) -
		    (y->list[0] == 'c' ? 0 : y->list[0] == 's' ? 1 : 2);
	return strcmp(x->fingerprint, y->fingerprint);
}

int
ctl_nc_list(struct ctl_nc *c, int all, enum sa_list only, int json)
{
	struct collect cl = { NULL, 0, 0, 0 };
	char filter[256] = "";
	struct lyd_node *op;
	size_t i;
	int l;

	for (l = 0; l < SA_LIST_COUNT; l++)
		if (all || l == (int)only)
			snprintf(filter + strlen(filter), sizeof(filter) - strlen(filter),
			    "<%s/>", list_nodes[l]);
	if (get_entries(c, filter, &op) != 0)
		return 1;
	for_entries(op, collect_one, &cl);
	lyd_free_tree(op);
	if (cl.n > 1)
		qsort(cl.certs, cl.n, sizeof(*cl.certs), fp_order);
	ctl_print_list(stdout, cl.certs, cl.n, json);
	for (i = 0; i < cl.n; i++)
		ctl_cert_clear(&cl.certs[i]);
	free(cl.certs);
	return 0;
}

struct match {
	const char *prefix;
	char fp[SA_FP_HEX_LEN + 1];
	char list[32];
	int n;
};

static int
match_one(const struct lyd_node *e, void *arg)
{
	struct match *m = arg;
	const char *v = ctl_leaf(e, "fingerprint");

	if (v == NULL || strncmp(v, m->prefix, strlen(m->prefix)) != 0)
		return -1;
	if (m->n++ == 0) {
		snprintf(m->fp, sizeof(m->fp), "%s", v);
		snprintf(m->list, sizeof(m->list), "%s", e->schema->name);
	}
	return 0;
}

/* The full fingerprint (and list node) of a unique prefix. */
static int
resolve(struct ctl_nc *c, const char *prefix, struct match *m)
{
	char lower[SA_FP_HEX_LEN + 1], msg[256];
	struct lyd_node *op;
	size_t i, n = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; prefix[i] != '\0' && n < SA_FP_HEX_LEN; i++)
		if (prefix[i] != ':')
			lower[n++] = (char)(prefix[i] >= 'A' && prefix[i] <= 'F' ?
			    prefix[i] - 'A' + 'a' : prefix[i]);
	lower[n] = '\0';
	if (n < 4 || strspn(lower, "0123456789abcdef") != n) {
		snprintf(msg, sizeof(msg), "\"%s\" is not a fingerprint or a hex "
		    "prefix of one (4 digits at least)", prefix);
		return fail(msg);
	}
	m->prefix = lower;
	if (get_entries(c, "<ca-certificate><fingerprint/></ca-certificate>"
	    "<server-certificate><fingerprint/></server-certificate>"
	    "<invalid-certificate><fingerprint/></invalid-certificate>", &op) != 0)
		return 1;
	for_entries(op, match_one, m);
	lyd_free_tree(op);
	m->prefix = NULL;
	if (m->n == 1)
		return 0;
	snprintf(msg, sizeof(msg), m->n == 0 ? "no certificate with fingerprint %s" :
	    "fingerprint prefix %s matches several certificates", prefix);
	return fail(msg);
}

int
ctl_nc_show(struct ctl_nc *c, const char *prefix, int json)
{
	struct collect cl = { NULL, 0, 0, 1 };
	struct lyd_node *op;
	struct match m;
	char filter[256];

	if (resolve(c, prefix, &m) != 0)
		return 1;
	snprintf(filter, sizeof(filter), "<%s><fingerprint>%s</fingerprint></%s>",
	    m.list, m.fp, m.list);
	if (get_entries(c, filter, &op) != 0)
		return 1;
	for_entries(op, collect_one, &cl);
	lyd_free_tree(op);
	if (cl.n != 1)
		return fail("the certificate went away");
	ctl_print_show(stdout, &cl.certs[0], json);
	ctl_cert_clear(&cl.certs[0]);
	free(cl.certs);
	return 0;
}

int
ctl_nc_entry(struct ctl_nc *c, const char *verb, const char *prefix)
{
	char name[64], inner[128];
	struct match m;

	if (resolve(c, prefix, &m) != 0)
		return 1;
	snprintf(name, sizeof(name), "%s-certificate", verb);
	snprintf(inner, sizeof(inner), "<fingerprint>%s</fingerprint>", m.fp);
	return call(c, module_rpc(name, inner), NULL);
}

/* XML text escaping of a value for an edit. */
static char *
xml_escape(const char *s)
{
	char *o = malloc(strlen(s) * 6 + 1), *p = o;

	for (; o != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<': p = stpcpy(p, "&lt;"); break;
		case '>': p = stpcpy(p, "&gt;"); break;
		case '&': p = stpcpy(p, "&amp;"); break;
		case '"': p = stpcpy(p, "&quot;"); break;
		default: *p++ = *s; break;
		}
	}
	if (o != NULL)
		*p = '\0';
	return o;
}

int
ctl_nc_import(struct ctl_nc *c, const char *pem, int json)
{
	struct sa_txn_result *res = NULL;
	struct lyd_node *op, *e;
	char *esc, *inner;
	const char *v;
	size_t n = 0;
	int r;

	if ((esc = xml_escape(pem)) == NULL || asprintf(&inner, "<pem>%s</pem>", esc) < 0) {
		free(esc);
		return fail("out of memory");
	}
	free(esc);
	r = call(c, module_rpc("import-certificate", inner), &op);
	free(inner);
	if (r != 0)
		return 1;
	for (e = op != NULL ? lyd_child(op) : NULL; e != NULL; e = e->next) {
		struct sa_txn_result *nr = realloc(res, (n + 1) * sizeof(*res));
		if (nr == NULL)
			break;
		res = nr;
		memset(&res[n], 0, sizeof(res[n]));
		sa_fp_from_hex((v = ctl_leaf(e, "fingerprint")) ? v : "", res[n].fp);
		sa_list_from_name((v = ctl_leaf(e, "list")) ? v : "", &res[n].list);
		if ((v = ctl_leaf(e, "reason")) != NULL)
			sa_reason_from_name(v, &res[n].reason);
		res[n].existed = (v = ctl_leaf(e, "already-present")) != NULL &&
		    strcmp(v, "true") == 0;
		n++;
	}
	lyd_free_tree(op);
	if (n > 0)
		ctl_print_results(stdout, res, n, json);
	free(res);
	return 0;
}

/* Where each setting lives in the module. */
static const char *const setting_paths[SA_SET_COUNT][2] = {
	{ "certificates", "accept-all-certificates" },
	{ "http-authentication", "username" },
	{ "http-authentication", "password" },
	{ "provisioning", "server-url" },
	{ "provisioning", "interval" },
	{ "provisioning", "policy-version" },	/* state: <get> */
};
static const char *const setting_defaults[SA_SET_COUNT] = {
	"false", "", "", "", "0", "",
};

int
ctl_nc_get(struct ctl_nc *c, enum sa_setting s, int json)
{
	char filter[256];
	struct lyd_node *op;
	const char *v;
	char path[128];

	snprintf(filter, sizeof(filter), "<security xmlns=\"" NS "\"><%s><%s/></%s>"
	    "</security>", setting_paths[s][0], setting_paths[s][1],
	    setting_paths[s][0]);
	if (call(c, sa_setting_is_provisioned_only(s) ?
	    nc_rpc_get(filter, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST) :
	    nc_rpc_getconfig(NC_DATASTORE_RUNNING, filter, NC_WD_UNKNOWN,
	    NC_PARAMTYPE_CONST), &op) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", setting_paths[s][0], setting_paths[s][1]);
	v = data_of(op) != NULL ? ctl_leaf(data_of(op), path) : NULL;
	if (v == NULL)
		v = setting_defaults[s];	/* trim: the default is not sent */
	if (json) {
		printf("{\"name\": \"%s\", \"value\": ", sa_setting_name(s));
		ctl_json_string(stdout, v);
		printf("}\n");
	} else {
		printf("%s\n", v);
	}
	lyd_free_tree(op);
	return 0;
}

int
ctl_nc_set(struct ctl_nc *c, enum sa_setting s, const char *value)
{
	char *esc, *edit;
	int r;

	if ((esc = xml_escape(value)) == NULL)
		return fail("out of memory");
	r = asprintf(&edit, "<security xmlns=\"" NS "\"><%s><%s>%s</%s></%s></security>",
	    setting_paths[s][0], setting_paths[s][1], esc, setting_paths[s][1],
	    setting_paths[s][0]);
	OPENSSL_cleanse(esc, strlen(esc));
	free(esc);
	if (r < 0)
		return fail("out of memory");
	r = call(c, nc_rpc_edit(NC_DATASTORE_RUNNING, NC_RPC_EDIT_DFLTOP_MERGE,
	    NC_RPC_EDIT_TESTOPT_UNKNOWN, NC_RPC_EDIT_ERROPT_UNKNOWN, edit,
	    NC_PARAMTYPE_CONST), NULL);
	OPENSSL_cleanse(edit, strlen(edit));
	free(edit);
	return r;
}

int
ctl_nc_simple(struct ctl_nc *c, const char *rpc)
{
	return call(c, module_rpc(rpc, ""), NULL);
}

int
ctl_nc_check_server(struct ctl_nc *c, const char *target, int json)
{
	struct sa_tls_verdict v;
	struct lyd_node *op;
	char *esc, inner[512];
	const char *val;

	if ((esc = xml_escape(target)) == NULL)
		return fail("out of memory");
	snprintf(inner, sizeof(inner), "<address>%s</address>", esc);
	free(esc);
	if (call(c, module_rpc("check-server", inner), &op) != 0)
		return 1;
	memset(&v, 0, sizeof(v));
	v.accepted = (val = ctl_leaf(op, "result")) != NULL && strcmp(val, "accepted") == 0;
	v.how = "policy";
	if ((val = ctl_leaf(op, "reason")) != NULL)
		sa_reason_from_name(val, &v.reason);
	if ((val = ctl_leaf(op, "fingerprint")) != NULL)
		sa_fp_from_hex(val, v.fp);
	lyd_free_tree(op);
	ctl_print_verdict(&v, json);
	return v.accepted ? 0 : 1;
}
