/*
 * t.h - the test protocol of tests/run: one line per case,
 * "ok - NAME", "not ok - NAME: why" or "skip - NAME: why".
 */
#ifndef T_H
#define T_H

#include <stddef.h>
#include <time.h>

/* Reports a case; returns cond so that a test can stop early. */
int t_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A comment line ("# ..."), shown with the failures. */
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit status: 0 when nothing failed. */
int t_done(void);

/* A fresh temporary directory (under $TMPDIR); caller frees the string. */
char *t_tmpdir(void);
/* Removes a directory tree. */
void t_rmrf(const char *path);
/* Writes a file; 0 or -1. */
int t_write_file(const char *path, const void *data, size_t len);

/*
 * The tests' clock: the real time moved by $SECAGENT_TEST_CLOCK_OFFSET
 * seconds (tests/run sets it to run the suite on another day).  Every
 * certificate a test makes and every store it opens go by this clock.
 */
time_t t_now(void);
/* t_now as a store clock, for sa_store_opts.clock (arg unused). */
time_t t_clock(void *arg);

#endif
