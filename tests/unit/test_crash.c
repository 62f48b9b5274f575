/*
 * test_crash.c - kill -9 at random moments while a writer imports a stream
 * of certificates and changes the password (which forces snapshot
 * compactions): every change that was acknowledged must be there, and the
 * store must always load.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certgen.h"
#include "sa_store.h"
#include "t.h"

#define ROUNDS 60
#define REC 33			/* 'C' + fingerprint, or 'P' + password number */

static char statedir[600], factory[600];

static void
writer(int fd, int round)
{
	struct sa_store_opts opts = { .factory_bundle = factory,
	    .clock = t_clock };
	struct tc_opts o = { .cn = "crash.example" };
	unsigned char rec[REC];
	EVP_PKEY *k = tc_key();
	struct sa_store *st;
	struct sa_txn *t;
	char err[256], *pem, pw[24];
	long i;
	int r;

	if (sa_store_open(statedir, &opts, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "writer: %s\n", err);
		_exit(2);
	}
	for (i = 0;; i++) {
		t = sa_txn_new(st, "crash");
		memset(rec, 0, sizeof(rec));
		if (i % 25 == 24) {
			/* bounded, for the compiler: round < 1000, i < 1e9 */
			snprintf(pw, sizeof(pw), "%d-%ld", round % 1000,
			    i % 1000000000L);
			sa_txn_set(t, SA_SET_HTTP_PASSWORD, pw, err, sizeof(err));
			rec[0] = 'P';
			snprintf((char *)rec + 1, REC - 1, "%s", pw);
		} else {
			X509 *x;
			o.serial = round * 100000L + i + 1;
			x = tc_cert(&o, k, NULL, NULL);
			pem = tc_pem(x);
			sa_txn_import(t, (unsigned char *)pem, strlen(pem),
			    SA_ORIGIN_IMPORTED, err, sizeof(err));
			rec[0] = 'C';
			{
				char hex[65];
				tc_fp_hex(x, hex);
				sa_fp_from_hex(hex, rec + 1);
			}
			free(pem);
			X509_free(x);
		}
		r = sa_txn_commit(t, err, sizeof(err));
		sa_txn_free(t);
		if (r != 0) {
			fprintf(stderr, "writer: %s\n", err);
			_exit(3);
		}
		/* acknowledged: the caller may now rely on it */
		if (write(fd, rec, REC) != REC)
			_exit(4);
	}
}

/* Compares "round-i" password tags. */
static int
pw_cmp(const char *a, const char *b)
{
	long ra, ia, rb, ib;

	if (sscanf(a, "%ld-%ld", &ra, &ia) != 2)
		return -1;
	if (sscanf(b, "%ld-%ld", &rb, &ib) != 2)
		return 1;
	return ra != rb ? (ra < rb ? -1 : 1) : (ia < ib ? -1 : ia > ib);
}

int
main(void)
{
	unsigned char (*acked)[SA_FP_LEN] = NULL, rec[REC];
	char *dir = t_tmpdir(), err[256], last_pw[40] = "", *pw;
	struct sa_store_opts opts = { 0 };
	size_t nacked = 0, cap = 0, i, missing, before;
	useconds_t delay = 2000;
	struct sa_store *st;
	int round, fds[2], kills = 0, loads = 0, status, ok_pw = 1;
	pid_t pid;

	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	snprintf(factory, sizeof(factory), "%s/factory.pem", dir);
	t_write_file(factory, "", 0);
	opts.factory_bundle = factory;
	opts.clock = t_clock;
	srand((unsigned)getpid());
	/* at least ROUNDS kills and 100 acknowledged imports: a loaded
	 * machine acknowledges fewer per round, so it gets more rounds */
	for (round = 0; round < ROUNDS || (nacked <= 100 &&
	    round < 4 * ROUNDS); round++) {
		if (pipe(fds) != 0)
			break;
		if ((pid = fork()) == 0) {
			close(fds[0]);
			writer(fds[1], round);
		}
		close(fds[1]);
		usleep(delay + (useconds_t)(rand() % 40000));
		if (kill(pid, SIGKILL) == 0)
			kills++;
		waitpid(pid, &status, 0);
		if (WIFEXITED(status))
			t_diag("writer exited with %d", WEXITSTATUS(status));
		before = nacked;
		while (read(fds[0], rec, REC) == REC) {
			if (rec[0] == 'P') {
				snprintf(last_pw, sizeof(last_pw), "%s", (char *)rec + 1);
				continue;
			}
			if (nacked == cap) {
				cap = cap ? cap * 2 : 1024;
				acked = realloc(acked, cap * sizeof(*acked));
			}
			memcpy(acked[nacked++], rec + 1, SA_FP_LEN);
		}
		close(fds[0]);
		/* a loaded machine: a writer that acknowledged nothing in its
		 * time gets more, so that the kills still land mid-stream */
		if (nacked == before && delay < 500000)
			delay *= 2;
		if (sa_store_open(statedir, &opts, &st, err, sizeof(err)) != 0) {
			t_diag("round %d: %s", round, err);
			continue;
		}
		loads++;
		for (i = 0, missing = 0; i < nacked; i++)
			if (sa_store_find(st, acked[i]) == NULL)
				missing++;
		if (missing > 0)
			t_diag("round %d: %zu acknowledged imports missing", round,
			    missing);
		if (last_pw[0] != '\0') {
			sa_store_get_secret(st, SA_SET_HTTP_PASSWORD, &pw);
			if (pw == NULL || pw_cmp(pw, last_pw) < 0) {
				t_diag("round %d: password %s, acknowledged %s",
				    round, pw ? pw : "(none)", last_pw);
				ok_pw = 0;
			}
			free(pw);
		}
		sa_store_free(st);
		if (missing > 0)
			break;
	}
	t_ok(kills >= 50, "the writer was killed with SIGKILL %d times", kills);
	t_ok(loads == round, "the store loaded after every kill (%d of %d)",
	    loads, round);
	if (sa_store_open(statedir, &opts, &st, err, sizeof(err)) == 0) {
		for (i = 0, missing = 0; i < nacked; i++)
			if (sa_store_find(st, acked[i]) == NULL)
				missing++;
		t_ok(nacked > 100 && missing == 0,
		    "all %zu acknowledged imports are present", nacked);
		sa_store_free(st);
	} else {
		t_ok(0, "the store loads at the end: %s", err);
	}
	t_ok(ok_pw, "the password is never older than the last acknowledged one");
	free(acked);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
