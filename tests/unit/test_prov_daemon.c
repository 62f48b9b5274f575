/*
 * test_prov_daemon.c - the provisioning client of secagentd without a
 * server: the state after a failed attempt, the periodic schedule and its
 * changes, and a stop that does not wait for a server that never answers.
 * (A file fetched and applied: tests/integration/provisioning.sh.)
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../agent/daemon/daemon.h"
#include "../../agent/daemon/log.h"
#include "../../agent/provision/prov.h"
#include "t.h"

static struct sa_daemon d;

static int
set(enum sa_setting s, const char *v)
{
	struct sa_txn *t = sa_txn_new(d.st, "test");
	char err[256];
	int r = sa_txn_set(t, s, v, err, sizeof(err));

	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	if (r != 0)
		t_diag("set %s: %s", sa_setting_name(s), err);
	sa_txn_free(t);
	return r;
}

/* A TCP socket on 127.0.0.1 that listens (accept: 1) or is closed. */
static int
local_port(int listening, int *fd_out)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0 ||
	    (listening && listen(fd, 4) != 0))
		return -1;
	if (listening)
		*fd_out = fd;
	else
		close(fd);
	return ntohs(a.sin_port);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits (at most secs) until the last attempt is later than after. */
static int
wait_attempt(time_t after, double secs)
{
	struct sa_prov_state s;
	double end = now_s() + secs;

	do {
		sa_prov_get_state(&d, &s);
		if (s.last_attempt > after && !s.running)
			return 1;
		usleep(50 * 1000);
	} while (now_s() < end);
	return 0;
}

static void
test_on_demand(void)
{
	struct sa_prov_state s;
	char err[256] = "", url[64];
	int r, port = local_port(0, NULL);

	sa_prov_get_state(&d, &s);
	t_ok(s.last_result == SA_MAP_RESULT_NONE && s.last_attempt == 0,
	    "before any attempt the result is none");
	r = sa_prov_run(&d, 0, err, sizeof(err));
	sa_prov_get_state(&d, &s);
	t_ok(r != 0 && strstr(err, "provisioning-url") != NULL &&
	    s.last_result == SA_MAP_RESULT_FAILED && s.last_attempt != 0 &&
	    strcmp(s.last_error, err) == 0,
	    "provision-now without a URL fails, and the state says why (%s)",
	    err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/p.xml", port);
	set(SA_SET_PROV_URL, url);
	r = sa_prov_run(&d, 0, err, sizeof(err));
	snprintf(url, sizeof(url), "127.0.0.1:%d", port);
	t_ok(r != 0 && strstr(err, url) != NULL && s.last_success == 0,
	    "provision-now to a closed port fails with the peer (%s)", err);
}

static void
test_schedule(void)
{
	struct sa_prov_state s, s2;

	sa_prov_get_state(&d, &s);
	set(SA_SET_PROV_INTERVAL, "1");
	t_ok(wait_attempt(s.last_attempt, 3), "a new interval starts an "
	    "attempt at once");
	sa_prov_get_state(&d, &s);
	t_ok(wait_attempt(s.last_attempt, 4), "then one every interval");
	set(SA_SET_PROV_INTERVAL, "0");
	usleep(300 * 1000);	/* an attempt under way ends */
	sa_prov_get_state(&d, &s);
	usleep(2200 * 1000);
	sa_prov_get_state(&d, &s2);
	t_ok(s2.last_attempt == s.last_attempt, "interval 0: no more "
	    "attempts");
}

static void
test_stop(void)
{
	char url[64];
	double t0;
	int fd = -1, port = local_port(1, &fd);

	/* a server that takes the connection and never answers */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/p.xml", port);
	set(SA_SET_PROV_URL, url);
	set(SA_SET_PROV_INTERVAL, "3600");
	usleep(500 * 1000);
	t0 = now_s();
	sa_prov_stop(&d);
	t_ok(d.prov == NULL && now_s() - t0 < 5, "stop ends an attempt under "
	    "way without waiting for its timeouts (%.1f s)", now_s() - t0);
	close(fd);
}

int
main(void)
{
	struct sa_store_opts opts;
	char *dir = t_tmpdir(), path[600], err[256] = "";

	sa_log_open(1, SA_LOG_WARNING);
	snprintf(path, sizeof(path), "%s/empty.pem", dir);
	t_write_file(path, "", 0);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = path;
	opts.clock = t_clock;
	snprintf(path, sizeof(path), "%s/state", dir);
	if (!t_ok(sa_store_open(path, &opts, &d.st, err, sizeof(err)) == 0,
	    "open a store: %s", err))
		return t_done();
	if (t_ok(sa_prov_start(&d, err, sizeof(err)) == 0 && d.prov != NULL,
	    "start the provisioning client")) {
		test_on_demand();
		test_schedule();
		test_stop();
	}
	sa_prov_stop(&d);
	sa_store_free(d.st);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
