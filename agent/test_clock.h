/*
 * test_clock.h - a store clock the test suite can move, for secagentd and
 * secagentctl.
 *
 * Only a build configured with --enable-test-clock has it: there, when
 * $SECAGENT_TEST_CLOCK_OFFSET holds a number of seconds, the store's
 * clock (expiry sweep, days to expiry, the import and TLS checks) runs
 * that far from the real time.  The suite uses it to run on a day years
 * ahead (tests/run --clock-offset).  Everything else (logs, NETCONF
 * timestamps, the TLS of the management listeners) keeps the real time.
 * Without the option, sa_test_clock_apply does nothing.
 */
#ifndef SA_TEST_CLOCK_H
#define SA_TEST_CLOCK_H

#include "sa_store.h"

/*
 * Sets opts->clock to the moved clock when the build has the test clock
 * and the variable is set.  Returns the offset in seconds (0 otherwise),
 * so that the caller can say that the clock is moved.
 */
long sa_test_clock_apply(struct sa_store_opts *opts);

#endif
