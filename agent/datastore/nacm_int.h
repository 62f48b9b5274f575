/*
 * nacm_int.h - the inside of struct sa_nacm (nacm.c, nacm_check.c).
 */
#ifndef SA_NACM_INT_H
#define SA_NACM_INT_H

#include <pthread.h>

#include <libyang/libyang.h>

struct sa_nacm {
	struct ly_ctx *ctx;
	char path[4200];	/* STATE_DIR/nacm.xml, for messages */
	int dir_fd;		/* the state directory (the store's, borrowed) */
	pthread_rwlock_t lock;
	struct lyd_node *tree;	/* the configuration, NULL: defaults */
	/* RFC 8341 counters since start (approximate under races) */
	unsigned denied_operations;
	unsigned denied_data_writes;
	unsigned denied_notifications;
};

#endif
