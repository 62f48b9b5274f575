/*
 * compat_libnetconf2.c - where secagentd works around what libnetconf2
 * cannot do.  One section per limitation, each with the upstream state and
 * the versions it applies to; nothing else in the tree reaches around
 * libnetconf2.
 *
 * ---- No SSH algorithm settings (libnetconf2 2.0.x and 2.1.x) ----
 *
 * libnetconf2 up to 2.1 (checked on 2.0.24, Debian 12's, and 2.1.37)
 * makes the libssh ssh_bind of each SSH connection inside nc_accept()
 * (nc_accept_ssh_session) and sets only the host keys on it: no call of
 * its API sets the key exchange, host key, cipher or MAC algorithms, so
 * a server is stuck with libssh's defaults.  Upstream: CESNET/libnetconf2
 * issue #266 ("Option to set SSH algorithms", 2020), answered with
 * libssh's system-wide server configuration, which libssh reads into that
 * bind (Debian: /etc/ssh/libssh_server_config).  That file is not ours: it
 * would change every libssh server of the machine and could add host keys
 * to ours.  libnetconf2 3.0 sets the algorithms from ietf-ssh-server
 * configuration data instead.
 *
 * The workaround: this program defines ssh_bind_accept_fd(), which
 * libnetconf2 calls once per connection, after the host keys and before
 * the key exchange.  The executable comes first in the process's symbol
 * lookup, so libnetconf2's call lands here; ncs_ssh_bind_setup() puts the
 * lists of secagentd.conf on the bind, and libssh's own function, found
 * with dlsym(RTLD_NEXT), does the rest.  compat_ssh_bind_hooked() tells at
 * start whether the lookup does land here (it would not if libssh were
 * linked statically into libnetconf2): NETCONF over SSH then refuses to
 * start rather than run with other algorithms than the documented ones.
 * Drop this section with libnetconf2 >= 3.0.
 */
#include <dlfcn.h>
#include <pthread.h>

#include <libssh/server.h>

#include "../daemon/log.h"
#include "ncs_int.h"

typedef int (*accept_fd_fn)(ssh_bind, ssh_session, socket_t);

static accept_fd_fn libssh_accept_fd;
static pthread_once_t libssh_once = PTHREAD_ONCE_INIT;

static void
find_libssh_accept_fd(void)
{
	void *sym = dlsym(RTLD_NEXT, "ssh_bind_accept_fd");

	/* POSIX: a data pointer from dlsym may be used as a function's */
	*(void **)&libssh_accept_fd = sym;
}

int
ssh_bind_accept_fd(ssh_bind sshbind, ssh_session session, socket_t fd)
{
	pthread_once(&libssh_once, find_libssh_accept_fd);
	if (libssh_accept_fd == NULL) {
		sa_error("libssh's ssh_bind_accept_fd is not found: %s", dlerror());
		return SSH_ERROR;
	}
	if (ncs_ssh_bind_setup(sshbind) != 0)
		return SSH_ERROR;
	return libssh_accept_fd(sshbind, session, fd);
}

int
compat_ssh_bind_hooked(void)
{
	void *global = dlsym(RTLD_DEFAULT, "ssh_bind_accept_fd");

	pthread_once(&libssh_once, find_libssh_accept_fd);
	return global == (void *)ssh_bind_accept_fd &&
	    libssh_accept_fd != NULL;
}
