/*
 * nacm.h - NETCONF access control (RFC 8341): the ietf-netconf-acm data
 * (editable over NETCONF, kept in STATE_DIR/nacm.xml) and its checks on
 * RPCs, reads, writes and notifications.
 *
 * Who is in which group (one rule, applied at every check, so that a
 * reload of the configuration takes effect at once): a user is in the
 * group its "user" line of secagentd.conf names, taken as an external
 * group (RFC 8341 enable-external-groups, true by default), and in every
 * group of /nacm/groups that lists its name.  A rule-list whose group is
 * "*" applies to every user.
 *
 * A user no rule-list applies to (no group, or groups the rule-lists do
 * not name) may read what read-default and the data's extensions allow,
 * run only the operations that read (get, get-config, get-schema,
 * create-subscription, close-session), and write nothing, whatever
 * exec-default and write-default say.
 *
 * A recovery session (root on the UNIX socket) is never restricted.  The
 * password is denied to everyone twice over: it is nacm:default-deny-all
 * and no view ever carries it.
 */
#ifndef SA_NACM_H
#define SA_NACM_H

#include <libyang/libyang.h>

struct sa_daemon;
struct sa_nacm;

/* Who asks. */
struct nacm_user {
	const char *name;	/* borrowed */
	int recovery;
	char group[64];		/* its group in the configuration, or "" */
};

/*
 * Fills u for the user name (borrowed: it must outlive u), with its group
 * from the daemon's current configuration.
 */
void nacm_user_set(struct sa_daemon *d, struct nacm_user *u, const char *name,
    int recovery);

/*
 * Loads STATE_DIR/nacm.xml, or seeds it: rule-list "admin" (everything)
 * for group admin, rule-list "viewer" (read-only) for group viewer; the
 * users' groups come from the configuration at each check.
 */
int nacm_init(struct sa_daemon *d, struct ly_ctx *ctx, struct sa_nacm **out,
    char *err, size_t errlen);
void nacm_free(struct sa_nacm *n);

/* A copy of the NACM configuration (/ietf-netconf-acm:nacm), or NULL. */
struct lyd_node *nacm_dup(struct sa_nacm *n);
/* The NACM state counters as a tree to merge into a <get> reply, or NULL. */
struct lyd_node *nacm_state(struct sa_nacm *n);
/*
 * Makes the nacm subtree of conf (top-level siblings) the NACM
 * configuration, durably.  No nacm node: the NACM defaults.
 */
int nacm_replace(struct sa_nacm *n, const struct lyd_node *conf, char *err,
    size_t errlen);
/* The nacm subtrees of a and b differ. */
int nacm_differs(const struct lyd_node *a, const struct lyd_node *b);

/* May u run the RPC (or action) rpc?  Counts a denial. */
int nacm_allow_rpc(struct sa_nacm *n, const struct nacm_user *u,
    const struct lysc_node *rpc);
/* Removes from *tree what u may not read. */
void nacm_prune_read(struct sa_nacm *n, const struct nacm_user *u,
    struct lyd_node **tree);
/*
 * May u make the changes of diff (a lyd_diff tree: yang:operation on
 * nodes)?  On denial returns 0 and writes the denied node's path.
 */
int nacm_allow_write(struct sa_nacm *n, const struct nacm_user *u,
    const struct lyd_node *diff, char *path, size_t len);
/*
 * May u read the data node that xpath (a path with every key, such as an
 * edit's target) names, whether or not it exists now?
 */
int nacm_allow_read_path(struct sa_nacm *n, const struct nacm_user *u,
    const char *xpath);
/* May u receive notification notif (its top node)? */
int nacm_allow_notif(struct sa_nacm *n, const struct nacm_user *u,
    const struct lyd_node *notif);

#endif
