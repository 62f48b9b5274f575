/*
 * filter.h - <filter> of get and get-config: subtree (RFC 6241 section 6)
 * and XPath (the :xpath capability), on libyang trees.
 */
#ifndef SA_FILTER_H
#define SA_FILTER_H

#include <libyang/libyang.h>

/*
 * A new tree with what the subtree filter (the filter's content, top-level
 * siblings) selects of data (top-level siblings).  An empty filter selects
 * nothing.  Returns 0, or -1 when out of memory.
 */
int filter_subtree(const struct lyd_node *filter, const struct lyd_node *data,
    struct lyd_node **out);

/*
 * A new tree with the nodes xpath selects of data, each with its
 * ancestors.  Returns 0, or -1 with err for a bad expression.
 */
int filter_xpath(const struct lyd_node *data, const char *xpath,
    struct lyd_node **out, char *err, size_t errlen);

#endif
