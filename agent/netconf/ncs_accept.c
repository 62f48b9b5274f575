/*
 * ncs_accept.c - the acceptors of SSH and TLS connections.
 *
 * nc_accept() runs the whole handshake of a connection (key exchange,
 * authentication, hello) in the calling thread: up to 10 s for a client
 * that says nothing.  Several acceptors call it in parallel (libnetconf2
 * serialises only poll() and accept()), so a silent client holds one of
 * them and never the others' clients.
 *
 * libnetconf2 2.0 has no way to get a session's descriptor: it is found
 * by its addresses (ncs_find_fd) and dup()ed; the copy is ours, for epoll
 * and the watchdog, and is closed with the connection.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

static int accept_stop;

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The address of sa as text (as libnetconf2 writes it) and its port. */
static int
sock_addr(const struct sockaddr_storage *sa, char *buf, size_t len,
    uint16_t *port)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->ss_family == AF_INET) {
		*port = ntohs(in4->sin_port);
		return inet_ntop(AF_INET, &in4->sin_addr, buf, len) ? 0 : -1;
	}
	if (sa->ss_family == AF_INET6) {
		*port = ntohs(in6->sin6_port);
		return inet_ntop(AF_INET6, &in6->sin6_addr, buf, len) ? 0 : -1;
	}
	return -1;
}

/* fd is a TCP connection to local_port: its peer in host/port. */
static int
tcp_peer(int fd, uint16_t local_port, char *host, size_t len, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char buf[INET6_ADDRSTRLEN];
	uint16_t lport;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    sock_addr(&ss, buf, sizeof(buf), &lport) != 0 || lport != local_port)
		return -1;
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	return sock_addr(&ss, host, len, port);
}

/* Whether fd is a listening TCP socket on local_port. */
static int
tcp_listener(int fd, uint16_t local_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char buf[INET6_ADDRSTRLEN];
	uint16_t lport;
	int on = 0;
	socklen_t ol = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) == 0 && on &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sock_addr(&ss, buf, sizeof(buf), &lport) == 0 && lport == local_port;
}

/*
 * Calls fn for every TCP connection of ours on local_port (for every
 * listening socket with listening), until fn returns a descriptor.
 */
static int
scan_fds(uint16_t local_port, int listening, int (*fn)(int fd,
    const char *host, uint16_t port, void *arg), void *arg)
{
	char host[INET6_ADDRSTRLEN] = "";
	struct dirent *de;
	uint16_t port = 0;
	DIR *dir;
	int fd, r = -1;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (r < 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(dir))
			continue;
		if (listening ? !tcp_listener(fd, local_port) :
		    tcp_peer(fd, local_port, host, sizeof(host), &port) != 0)
			continue;
		r = fn(fd, host, port, arg);
	}
	closedir(dir);
	return r;
}

static int
match_session(int fd, const char *host, uint16_t port, void *arg)
{
	const struct nc_session *ns = arg;
	const char *h = nc_session_get_host(ns);

	return h != NULL && strcmp(h, host) == 0 &&
	    port == nc_session_get_port(ns) ? fd : -1;
}

int
ncs_find_fd(const struct nc_session *ns, uint16_t local_port)
{
	return scan_fds(local_port, 0, match_session, (void *)ns);
}

static void
adopt_tcp(struct nc_session *ns)
{
	enum ncs_kind kind = nc_session_get_ti(ns) == NC_TI_LIBSSH ? NCS_SSH :
	    NCS_TLS;
	int fd, wfd = -1;

	fd = ncs_find_fd(ns, kind == NCS_SSH ? srv.ssh_port : srv.tls_port);
	if (fd < 0 || (wfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		sa_error("session %u: its socket is not found (%s): closed",
		    nc_session_get_id(ns), fd < 0 ? "no match" : strerror(errno));
		nc_session_free(ns, NULL);
		return;
	}
	ncs_adopt(ns, kind, wfd, -1, NULL);
}

/* Connections refused by max-unauthenticated-per-source: said every 10 s. */
static void
log_refused(void)
{
	static int64_t last;	/* [srv] */
	static uint64_t said;	/* [srv] */
	uint64_t n = ncs_compat_refused_count();
	int64_t now = ms_now();
	int max;

	pthread_mutex_lock(&srv.lock);
	if (now - last < 10000 || n == said) {
		pthread_mutex_unlock(&srv.lock);
		return;
	}
	last = now;
	n -= said;
	said += n;
	max = srv.max_unauth;
	pthread_mutex_unlock(&srv.lock);
	sa_warn("%llu connection(s) closed at once: their address had %d "
	    "SSH/TLS handshakes under way (max-unauthenticated-per-source)",
	    (unsigned long long)n, max);
}

static void *
acceptor_main(void *arg)
{
	struct nc_session *ns;
	NC_MSG_TYPE m;
	int64_t t0;
	int refused;

	(void)arg;
	pthread_setname_np(pthread_self(), "ncs-accept");
	while (!__atomic_load_n(&accept_stop, __ATOMIC_RELAXED)) {
		ns = NULL;
		t0 = ms_now();
		/* the hello too within max-message-size; one address holds at
		 * most max-unauthenticated-per-source acceptors */
		ncs_compat_accept_begin();
		m = nc_accept(500, &ns);
		refused = ncs_compat_accept_end();
		if (refused & NCS_COMPAT_REFUSED)
			log_refused();
		if (refused & NCS_COMPAT_TOO_BIG)
			sa_warn("a hello over max-message-size: connection closed");
		if (m == NC_MSG_HELLO) {
			if (__atomic_load_n(&accept_stop, __ATOMIC_RELAXED))
				nc_session_free(ns, NULL);
			else
				adopt_tcp(ns);
		} else if (m == NC_MSG_BAD_HELLO) {
			pthread_mutex_lock(&srv.lock);
			srv.stats.in_bad_hellos++;
			pthread_mutex_unlock(&srv.lock);
		} else if (m == NC_MSG_ERROR && ms_now() - t0 < 50 &&
		    !(refused & NCS_COMPAT_REFUSED) &&
		    !__atomic_load_n(&accept_stop, __ATOMIC_RELAXED)) {
			usleep(100 * 1000);	/* not a spin on a lasting error */
		}
	}
	nc_thread_destroy();
	return NULL;
}

int
ncs_accept_start(int n, char *err, size_t errlen)
{
	__atomic_store_n(&accept_stop, 0, __ATOMIC_RELAXED);
	if ((srv.acceptors = calloc((size_t)n, sizeof(pthread_t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (srv.nacceptors = 0; srv.nacceptors < n; srv.nacceptors++) {
		if (pthread_create(&srv.acceptors[srv.nacceptors], NULL,
		    acceptor_main, NULL) != 0) {
			snprintf(err, errlen, "cannot start the acceptors");
			return -1;
		}
	}
	return 0;
}

/* srv.lock held: fd is the socket of a connection we adopted. */
static int
is_adopted(int fd)
{
	struct ncs_conn *c;
	struct stat a, b;
	int i;

	if (fstat(fd, &a) != 0)
		return 0;
	for (i = 0; i < NCS_BUCKETS; i++)
		for (c = srv.conn_hash[i]; c != NULL; c = c->hnext)
			if (c->wfd >= 0 && fstat(c->wfd, &b) == 0 &&
			    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
				return 1;
	return 0;
}

static int
shut_socket(int fd, const char *host, uint16_t port, void *arg)
{
	(void)host;
	(void)port;
	if (arg != NULL || !is_adopted(fd))
		shutdown(fd, SHUT_RDWR);
	return -1;		/* all of them */
}

/*
 * The acceptors wait in turn for libnetconf2's bind lock and poll 500 ms
 * each: with the listening sockets shut down, poll() returns at once and
 * nc_accept() fails.  Handshakes in progress (up to 10 s and more) are
 * shut down too.
 */
static void
shut_sockets(int listening)
{
	pthread_mutex_lock(&srv.lock);
	if (srv.ssh_port != 0)
		scan_fds(srv.ssh_port, listening, shut_socket,
		    listening ? &srv : NULL);
	if (srv.tls_port != 0)
		scan_fds(srv.tls_port, listening, shut_socket,
		    listening ? &srv : NULL);
	pthread_mutex_unlock(&srv.lock);
}

void
ncs_accept_stop(void)
{
	int i;

	if (srv.nacceptors == 0)
		return;
	__atomic_store_n(&accept_stop, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&srv.quiet, 1, __ATOMIC_RELAXED);
	shut_sockets(1);
	shut_sockets(0);
	for (i = 0; i < srv.nacceptors; i++)
		pthread_join(srv.acceptors[i], NULL);
	__atomic_store_n(&srv.quiet, 0, __ATOMIC_RELAXED);
	free(srv.acceptors);
	srv.acceptors = NULL;
	srv.nacceptors = 0;
}
