/*
 * map_check.h - what the two halves of tests/models/map_check share: the
 * check groups, the loaded models and the checks on how they agree.
 */
#ifndef MAP_CHECK_H
#define MAP_CHECK_H

#include <libyang/libyang.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "sa_map.h"

/* One check group: one ok / not ok line. */
struct check {
	const char *name;
	int problems;
	char why[512];		/* the first problems, for the summary line */
};

/* Records one problem of c (details go to stderr). */
void problem(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The YANG node of a LYSC_PATH_DATA path, or NULL (path may be NULL). */
const struct lysc_node *yang_find(const char *path);
/* The MIB node of a descriptor of the module, or NULL. */
struct tree *mib_find(const char *name);

/* map_check_agree.c: each adds problems to c. */
void check_types(struct check *c);
void check_notifications(struct check *c);
void check_rpcs(struct check *c);
void check_vocabularies(struct check *c);
void check_params(struct check *c);

#endif
