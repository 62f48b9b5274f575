/*
 * monitoring.c - ietf-netconf-monitoring's /netconf-state for <get>:
 * capabilities, datastores and their locks, schemas (what get-schema
 * serves), sessions and statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sa_map.h"
#include "ncs.h"
#include "rpc.h"

static const char *
transport_identity(const char *t)
{
	if (strcmp(t, "unix") == 0)
		return SA_MAP_YANG_MODULE ":unix-socket";
	return t[0] == 'n' ? t : "netconf-ssh";
}

struct sess_ctx {
	struct lyd_node *sessions;
	const struct lys_module *mod;
};

static void
add_session(const struct ncs_info *i, void *arg)
{
	struct sess_ctx *sc = arg;
	struct lyd_node *s;
	char buf[32];

	snprintf(buf, sizeof(buf), "%u", i->id);
	if (lyd_new_list(sc->sessions, sc->mod, "session", 0, &s, buf) != LY_SUCCESS)
		return;
	lyd_new_term(s, sc->mod, "transport", transport_identity(i->transport), 0, NULL);
	lyd_new_term(s, sc->mod, "username", i->username ? i->username : "", 0, NULL);
	if (i->host != NULL && *i->host != '\0')
		lyd_new_term(s, sc->mod, "source-host", i->host, 0, NULL);
	sa_time_iso(i->login_time, buf, sizeof(buf));
	lyd_new_term(s, sc->mod, "login-time", buf, 0, NULL);
#define COUNTER(name, v) do { snprintf(buf, sizeof(buf), "%llu", \
	(unsigned long long)(v)); lyd_new_term(s, sc->mod, name, buf, 0, NULL); } while (0)
	COUNTER("in-rpcs", i->in_rpcs);
	COUNTER("in-bad-rpcs", i->in_bad_rpcs);
	COUNTER("out-rpc-errors", i->out_rpc_errors);
	COUNTER("out-notifications", i->out_notifications);
#undef COUNTER
}

static void
add_datastore(struct lyd_node *dss, const struct lys_module *mod,
    const char *name, uint32_t holder)
{
	struct lyd_node *ds, *g;
	char buf[32];

	if (lyd_new_list(dss, mod, "datastore", 0, &ds, name) != LY_SUCCESS ||
	    holder == 0)
		return;
	if (lyd_new_path(ds, NULL, "locks/global-lock", NULL, 0, &g) != LY_SUCCESS)
		return;
	lyd_find_path(ds, "locks/global-lock", 0, &g);
	snprintf(buf, sizeof(buf), "%u", holder);
	lyd_new_term(g, mod, "locked-by-session", buf, 0, NULL);
	sa_time_iso(time(NULL), buf, sizeof(buf));
	lyd_new_term(g, mod, "locked-time", buf, 0, NULL);
}

static void
add_schemas(struct lyd_node *state, struct ly_ctx *ctx,
    const struct lys_module *mod)
{
	const struct lys_module *m;
	struct lyd_node *schemas, *s;
	uint32_t idx = 0;

	if (lyd_new_inner(state, mod, "schemas", 0, &schemas) != LY_SUCCESS)
		return;
	while ((m = ly_ctx_get_module_iter(ctx, &idx)) != NULL) {
		if (lyd_new_list(schemas, mod, "schema", 0, &s, m->name,
		    m->revision ? m->revision : "", "yang") != LY_SUCCESS)
			continue;
		lyd_new_term(s, mod, "namespace", m->ns, 0, NULL);
		lyd_new_term(s, mod, "location", "NETCONF", 0, NULL);
	}
}

static void
add_statistics(struct lyd_node *state, const struct lys_module *mod)
{
	struct ncs_stats st;
	struct lyd_node *s;
	char buf[32];

	ncs_get_stats(&st);
	if (lyd_new_inner(state, mod, "statistics", 0, &s) != LY_SUCCESS)
		return;
	sa_time_iso(st.start, buf, sizeof(buf));
	lyd_new_term(s, mod, "netconf-start-time", buf, 0, NULL);
#define COUNTER(name, v) do { snprintf(buf, sizeof(buf), "%llu", \
	(unsigned long long)(v)); lyd_new_term(s, mod, name, buf, 0, NULL); } while (0)
	COUNTER("in-bad-hellos", st.in_bad_hellos);
	COUNTER("in-sessions", st.in_sessions);
	COUNTER("dropped-sessions", st.dropped_sessions);
	COUNTER("in-rpcs", st.in_rpcs);
	COUNTER("in-bad-rpcs", st.in_bad_rpcs);
	COUNTER("out-rpc-errors", st.out_rpc_errors);
	COUNTER("out-notifications", st.out_notifications);
#undef COUNTER
}

int
monitoring_data(struct sa_daemon *d, struct ly_ctx *ctx, struct lyd_node **tree)
{
	const struct lys_module *mod;
	struct lyd_node *state, *caps, *dss;
	struct sess_ctx sc;
	const char **cpblts;
	size_t i;

	mod = ly_ctx_get_module_implemented(ctx, "ietf-netconf-monitoring");
	if (mod == NULL || lyd_new_inner(NULL, mod, "netconf-state", 0, &state) !=
	    LY_SUCCESS)
		return -1;
	if (lyd_new_inner(state, mod, "capabilities", 0, &caps) == LY_SUCCESS &&
	    (cpblts = nc_server_get_cpblts(ctx)) != NULL) {
		for (i = 0; cpblts[i] != NULL; i++) {
			lyd_new_term(caps, mod, "capability", cpblts[i], 0, NULL);
			lydict_remove(ctx, cpblts[i]);	/* dictionary strings in 2.0 */
		}
		free(cpblts);
	}
	if (lyd_new_inner(state, mod, "datastores", 0, &dss) == LY_SUCCESS) {
		add_datastore(dss, mod, "running",
		    dstore_lock_holder(d->dstore, DSTORE_RUNNING));
		add_datastore(dss, mod, "candidate",
		    dstore_lock_holder(d->dstore, DSTORE_CANDIDATE));
	}
	add_schemas(state, ctx, mod);
	sc.mod = mod;
	if (lyd_new_inner(state, mod, "sessions", 0, &sc.sessions) == LY_SUCCESS)
		ncs_foreach(add_session, &sc);
	add_statistics(state, mod);
	if (*tree == NULL)
		*tree = state;
	else
		lyd_insert_sibling(*tree, state, tree);
	return 0;
}
