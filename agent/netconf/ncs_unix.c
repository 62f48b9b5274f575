/*
 * ncs_unix.c - NETCONF over the daemon's UNIX socket (secagentctl).
 *
 * Our own listener rather than libnetconf2's UNIX endpoint, which names
 * the user after getpwuid() of the peer and fails for a uid without a
 * passwd entry.  Here the peer's uid (SO_PEERCRED) maps to a configured
 * user: the one with "uid N", else the passwd name when it is a user;
 * anyone else is refused before a byte is read.  The hello runs in a
 * short-lived thread (nc_accept_inout waits up to the hello timeout).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../daemon/daemon.h"
#include "../daemon/log.h"
#include "ncs_int.h"

struct handshake {
	int fd;
	uid_t uid;
	char user[256];
};

static int lfd = -1, stopfd = -1;
static int running;
static pthread_t thread;
static char *sock_path;
/* [srv] hellos in progress: their sockets, shut down at stop */
static int hs_fds[NCS_UNIX_HANDSHAKES];
static int nhs;

/* srv.lock held */
static void
hs_forget(int fd)
{
	int i;

	for (i = 0; i < NCS_UNIX_HANDSHAKES; i++)
		if (hs_fds[i] == fd)
			hs_fds[i] = -1;
}

static void *
handshake_main(void *arg)
{
	struct handshake *h = arg;
	struct nc_session *ns = NULL;
	NC_MSG_TYPE m;
	size_t max;

	pthread_setname_np(pthread_self(), "ncs-unix-hello");
	pthread_mutex_lock(&srv.lock);
	max = srv.max_message;
	pthread_mutex_unlock(&srv.lock);
	ncs_compat_read_begin(NULL, NCS_IO_FD, h->fd, max);
	m = nc_accept_inout(h->fd, h->fd, h->user, &ns);
	if (ncs_compat_read_end(NULL))
		sa_warn("a hello over max-message-size (%zu bytes) on the UNIX "
		    "socket: closed", max);
	pthread_mutex_lock(&srv.lock);
	hs_forget(h->fd);
	if (m == NC_MSG_BAD_HELLO)
		srv.stats.in_bad_hellos++;
	pthread_mutex_unlock(&srv.lock);
	if (m == NC_MSG_HELLO) {
		ncs_adopt(ns, NCS_UNIX, h->fd, (long)h->uid, h->user);
	} else {
		nc_session_free(ns, NULL);	/* NULL-safe; never closes fd */
		close(h->fd);
	}
	pthread_mutex_lock(&srv.lock);
	nhs--;
	pthread_cond_broadcast(&srv.idle_cond);
	pthread_mutex_unlock(&srv.lock);
	free(h);
	nc_thread_destroy();
	return NULL;
}

/* fd: a new connection; mapped to a user and handed to a hello thread. */
static void
unix_accept(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct handshake *h;
	pthread_attr_t attr;
	pthread_t t;
	int i, r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    (h = calloc(1, sizeof(*h))) == NULL) {
		close(fd);
		return;
	}
	h->fd = fd;
	h->uid = cred.uid;
	if (ncs_unix_user(cred.uid, h->user, sizeof(h->user)) == NULL) {
		sa_warn("UNIX socket: uid %u is not a configured user: refused",
		    (unsigned)cred.uid);
		goto fail;
	}
	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < NCS_UNIX_HANDSHAKES && hs_fds[i] >= 0; i++)
		;
	if (i == NCS_UNIX_HANDSHAKES) {
		pthread_mutex_unlock(&srv.lock);
		sa_warn("UNIX socket: %d hellos in progress: refused", i);
		goto fail;
	}
	hs_fds[i] = fd;
	nhs++;
	pthread_mutex_unlock(&srv.lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, handshake_main, h);
	pthread_attr_destroy(&attr);
	if (r == 0)
		return;
	pthread_mutex_lock(&srv.lock);
	hs_forget(fd);
	nhs--;
	pthread_mutex_unlock(&srv.lock);
 fail:
	close(fd);
	free(h);
}

static void *
unix_main(void *arg)
{
	struct pollfd pfd[2];
	int fd;

	(void)arg;
	pthread_setname_np(pthread_self(), "ncs-unix");
	pfd[0].fd = lfd;
	pfd[1].fd = stopfd;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents != 0)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			unix_accept(fd);
		else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			usleep(100 * 1000);	/* no spin until fds free up */
	}
	return NULL;
}

/* A socket file at path from an earlier run goes; a live one is an error. */
static int
clear_stale(const char *path, const struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	struct stat sb;
	int fd, live;

	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "%s: another daemon listens there", path);
		return -1;
	}
	unlink(path);
	return 0;
}

int
ncs_unix_start(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int i, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: too long for a UNIX socket", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (clear_stale(path, &sun, err, errlen) != 0)
		return -1;
	for (i = 0; i < NCS_UNIX_HANDSHAKES; i++)
		hs_fds[i] = -1;
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    (stopfd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* made 0660 by bind itself: never reachable by others, even briefly,
	 * and no chmod() by name that a link swapped in could redirect */
	old = umask(0117);
	r = bind(lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(lfd, 64) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((sock_path = strdup(path)) == NULL ||
	    pthread_create(&thread, NULL, unix_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the UNIX listener");
		return -1;
	}
	running = 1;
	return 0;
}

void
ncs_unix_stop(void)
{
	uint64_t one = 1;
	int i;

	if (lfd < 0)
		return;		/* never started */
	if (running) {
		if (write(stopfd, &one, sizeof(one)) < 0)
			sa_warn("eventfd: %s", strerror(errno));
		pthread_join(thread, NULL);
		running = 0;
	}
	close(lfd);
	if (sock_path != NULL)
		unlink(sock_path);
	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < NCS_UNIX_HANDSHAKES; i++)
		if (hs_fds[i] >= 0)
			shutdown(hs_fds[i], SHUT_RDWR);
	while (nhs > 0)
		pthread_cond_wait(&srv.idle_cond, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
	if (stopfd >= 0)
		close(stopfd);
	lfd = stopfd = -1;
	free(sock_path);
	sock_path = NULL;
}
