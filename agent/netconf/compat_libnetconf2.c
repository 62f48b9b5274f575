/*
 * compat_libnetconf2.c - what libnetconf2 2.0.24 (Debian 12) cannot do or
 * set, worked around here.  Everything that reaches around libnetconf2 is
 * in this file, one numbered section each, with the upstream state and the
 * versions it applies to.
 *
 * 1. The size of a message.  libnetconf2 reads a whole message into
 *    memory before it parses it (nc_read_msg_io), however large: one
 *    authenticated client could send gigabytes.  A NETCONF 1.1 chunk
 *    header is worse: its size goes to malloc() as it is, and a header
 *    of 18446744073709551615 (strtoul saturates) wraps malloc(len + 1) to
 *    malloc(0) before the chunk is read into it.  Upstream added chunk
 *    size checks in 4.2.14 (CESNET/libnetconf2 #574, commit 9cf80d2) and
 *    has no message size limit; 2.0.24 has neither, nor a hook on its
 *    input.  It reads with read(2) (the UNIX socket), SSL_read() (TLS)
 *    and ssh_channel_read() (SSH), so this file defines those three: the
 *    program's own definition is the one the dynamic linker binds
 *    libnetconf2's calls to, and each calls the next definition (libc,
 *    libssl, libssh, or a sanitizer's) through dlsym(RTLD_NEXT).  They
 *    act only inside a read guard of the calling thread (ncs_compat_read_
 *    begin/end around nc_ps_poll and the handshakes): the bytes read for
 *    the guarded message are counted, 1.1 chunk headers are checked
 *    before libnetconf2 sees them, and past max-message-size the client
 *    gets <rpc-error> too-big (error-type transport: RFC 6241 allows it
 *    for a request the transport refuses) and libnetconf2 an error, after
 *    which it ends the session.  libnetconf2 reads exactly one message
 *    per nc_ps_poll() and never reads ahead, so a guard sees one message.
 *
 * 2. Unauthenticated connections per source address.  nc_accept() runs
 *    accept(2) and the whole SSH or TLS handshake in the calling thread,
 *    with no callback in between, so one address could keep every
 *    acceptor in a handshake.  accept() is defined here as well: inside
 *    nc_accept() of an acceptor (ncs_compat_accept_begin/end), a
 *    connection from an address that has max-unauthenticated-per-source
 *    handshakes under way is closed at once and accept() fails with
 *    ECONNABORTED; libnetconf2's "Accept failed" about it is swallowed
 *    (ncs_compat_refused_message) and the acceptor goes on.
 *
 * 3. No SSH algorithm settings (libnetconf2 2.0.x and 2.1.x).
 *
 *    libnetconf2 up to 2.1 (checked on 2.0.24, Debian 12's, and 2.1.37)
 *    makes the libssh ssh_bind of each SSH connection inside nc_accept()
 *    (nc_accept_ssh_session) and sets only the host keys on it: no call of
 *    its API sets the key exchange, host key, cipher or MAC algorithms, so
 *    a server is stuck with libssh's defaults.  Upstream: CESNET/libnetconf2
 *    issue #266 ("Option to set SSH algorithms", 2020), answered with
 *    libssh's system-wide server configuration, which libssh reads into that
 *    bind (Debian: /etc/ssh/libssh_server_config).  That file is not ours: it
 *    would change every libssh server of the machine and could add host keys
 *    to ours.  libnetconf2 3.0 sets the algorithms from ietf-ssh-server
 *    configuration data instead.
 *
 *    The workaround: this program defines ssh_bind_accept_fd(), which
 *    libnetconf2 calls once per connection, after the host keys and before
 *    the key exchange.  The executable comes first in the process's symbol
 *    lookup, so libnetconf2's call lands here; ncs_ssh_bind_setup() puts the
 *    lists of secagentd.conf on the bind, and libssh's own function, found
 *    with dlsym(RTLD_NEXT), does the rest.  compat_ssh_bind_hooked() tells at
 *    start whether the lookup does land here (it would not if libssh were
 *    linked statically into libnetconf2): NETCONF over SSH then refuses to
 *    start rather than run with other algorithms than the documented ones.
 *    Drop this section with libnetconf2 >= 3.0.
 *
 * Locks: counts (below) is a leaf lock.  The guards are per thread.
 */
#undef _FORTIFY_SOURCE		/* read() is defined here, not wrapped inline */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <nc_server.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../daemon/log.h"
#include "compat_libnetconf2.h"
#include "ncs_int.h"

#define HEAD_MAX 512		/* kept of a message: its message-id */
#define REPLY_MS 1000		/* to write the rpc-error */
#define DRAIN_MS 10000		/* then to read the rest of the message */
#define DRAIN_IDLE_MS 1000	/* unless the client stops sending */
#define DRAIN_FACTOR 4
#define DRAIN_MAX ((size_t)256 << 20)
#define SOURCES 128		/* addresses in a handshake (<= acceptors) */

/* ---- the next definitions of the functions defined here ---- */

static ssize_t (*next_read)(int, void *, size_t);
static int (*next_ssl_read)(SSL *, void *, int);
static int (*next_ssh_read)(ssh_channel, void *, uint32_t, int);
static int (*next_accept)(int, struct sockaddr *, socklen_t *);

static void *
next_sym(void *volatile *slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (f == NULL && (f = dlsym(RTLD_NEXT, name)) != NULL)
		__atomic_store_n(slot, f, __ATOMIC_RELEASE);
	return f;
}

#define NEXT(var, name) \
	((__typeof__(var))next_sym((void *volatile *)(void *)&(var), (name)))

/* Before any thread: dlsym() is then never called concurrently. */
static void __attribute__((constructor))
resolve_next(void)
{
	(void)NEXT(next_read, "read");
	(void)NEXT(next_ssl_read, "SSL_read");
	(void)NEXT(next_ssh_read, "ssh_channel_read");
	(void)NEXT(next_accept, "accept");
}

/* ---- 1. the size of a message ---- */

/* Where a NETCONF 1.1 reader is in the chunked framing (RFC 6242 4.2). */
enum frame {
	F_LF,		/* before a chunk header: "\n" */
	F_HASH,		/* "#" */
	F_FIRST,	/* the first digit, or "#" of the end of chunks */
	F_DIGITS,
	F_DATA,		/* inside a chunk */
	F_END_LF,	/* "\n" after "##" */
	F_OFF,		/* malformed: libnetconf2's to refuse, bytes counted */
};

struct guard {
	struct nc_session *ns;	/* NULL: a hello */
	enum ncs_compat_io io;
	int fd;
	size_t max;
	size_t count;		/* bytes of the message, framing included */
	int v11;		/* chunked framing */
	enum frame frame;
	uint64_t chunk;		/* the size being read, or the data left */
	char head[HEAD_MAX];	/* the message's first bytes (chunk data) */
	size_t headlen;
	int eom;		/* 1.0: bytes of "]]>]]>" matched (draining) */
	int drained_end;	/* the refused message was read to its end */
	int tripped, replied;
};

static __thread struct guard guard_of_thread;
static __thread struct guard *guard;	/* active, or NULL */

void
ncs_compat_read_begin(struct nc_session *ns, enum ncs_compat_io io,
    int fd, size_t max)
{
	struct guard *g = &guard_of_thread;

	memset(g, 0, sizeof(*g));
	g->ns = ns;
	g->io = io;
	g->fd = fd;
	g->max = max;
	/* the hello is framed by ]]>]]> whatever the session becomes */
	g->v11 = ns != NULL && nc_session_get_version(ns) != 0;	/* 1.1 */
	g->frame = F_LF;
	guard = g;
}

int
ncs_compat_read_end(int *replied)
{
	struct guard *g = &guard_of_thread;

	guard = NULL;
	if (replied != NULL)
		*replied = g->replied;
	return g->tripped;
}

void *
ncs_compat_read_pause(void)
{
	struct guard *g = guard;

	guard = NULL;
	return g;
}

void
ncs_compat_read_resume(void *g)
{
	guard = g;
}

static void
head_add(struct guard *g, const unsigned char *p, size_t n)
{
	if (n > HEAD_MAX - g->headlen)
		n = HEAD_MAX - g->headlen;
	memcpy(g->head + g->headlen, p, n);
	g->headlen += n;
}

/* The message-id of the <rpc> of the message's head, if it is plain. */
static int
message_id(const struct guard *g, char *id, size_t len)
{
	static const char bad[] = "&<>\"'";
	const char *p, *end = g->head + g->headlen;
	size_t n = 0;
	char q;

	p = memmem(g->head, g->headlen, "message-id", 10);
	if (p == NULL)
		return 0;
	for (p += 10; p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n' || *p == '='); p++)
		;
	if (p >= end || (*p != '"' && *p != '\''))
		return 0;
	for (q = *p++; p < end && *p != q; p++) {
		if (n + 1 >= len || *p < 0x21 || *p > 0x7e || strchr(bad, *p))
			return 0;
		id[n++] = *p;
	}
	id[n] = '\0';
	return p < end && n > 0;
}

/*
 * Follows the framing over n bytes of the message, from byte number pos
 * of it, keeping its head.  limited: a chunk header whose size would take
 * the message past g->max is refused (-1).  Returns 1 when the message
 * ended within the bytes (while draining it), else 0.
 */
static int
scan(struct guard *g, const unsigned char *p, size_t n, size_t pos,
    int limited)
{
	static const char eom[] = "]]>]]>";
	size_t i, take;
	unsigned int d;

	if (!g->v11) {
		head_add(g, p, n);
		for (i = 0; i < n && !limited; i++) {
			/* on a mismatch, "]" leaves "]]" matched at most */
			g->eom = p[i] == (unsigned char)eom[g->eom] ? g->eom + 1 :
			    p[i] == ']' ? 2 : 0;
			if (g->eom == 6)
				return 1;
		}
		return 0;
	}
	for (i = 0; i < n && g->frame != F_OFF; i++) {
		d = (unsigned int)(p[i] - '0');
		switch (g->frame) {
		case F_DATA:
			take = (size_t)(g->chunk < n - i ? g->chunk : n - i);
			head_add(g, p + i, take);
			g->chunk -= take;
			i += take - 1;
			if (g->chunk == 0)
				g->frame = F_LF;
			break;
		case F_LF:
			g->frame = p[i] == '\n' ? F_HASH : F_OFF;
			break;
		case F_HASH:
			g->frame = p[i] == '#' ? F_FIRST : F_OFF;
			break;
		case F_FIRST:
			g->chunk = d;
			g->frame = p[i] == '#' ? F_END_LF : d >= 1 && d <= 9 ?
			    F_DIGITS : F_OFF;
			break;
		case F_DIGITS:
			if (d <= 9) {
				/* saturated while draining: a size past the
				 * limit is only skipped then */
				g->chunk = g->chunk > (UINT64_MAX - d) / 10 ?
				    UINT64_MAX : g->chunk * 10 + d;
				if (limited && g->chunk > g->max)
					return -1;	/* max < RFC 6242's 2^32 */
			} else if (p[i] == '\n') {
				g->frame = F_DATA;
				/* the chunk must fit after its header */
				if (limited && g->chunk > g->max - (pos + i + 1))
					return -1;
			} else {
				g->frame = F_OFF;
			}
			break;
		case F_END_LF:
			g->frame = p[i] == '\n' ? F_LF : F_OFF;
			if (g->frame == F_LF && !limited)
				return 1;
			break;
		case F_OFF:
			break;
		}
	}
	return 0;
}

/*
 * Takes the n bytes just read for the guarded message.  Returns 0, or -1
 * when the message would pass the limit: by these bytes, or by the size
 * of a chunk they announce.
 */
static int
feed(struct guard *g, const unsigned char *p, size_t n)
{
	size_t pos = g->count;

	if (n > g->max - g->count)
		return -1;
	g->count += n;
	return scan(g, p, n, pos, 1) < 0 ? -1 : 0;
}

/* The rpc-error too-big for the guarded session, framed; its length. */
static size_t
reply_text(const struct guard *g, char *buf, size_t len)
{
	char body[768], id[80], attr[100] = "";
	int n;

	if (message_id(g, id, sizeof(id)))
		snprintf(attr, sizeof(attr), " message-id=\"%s\"", id);
	n = snprintf(body, sizeof(body), "<rpc-reply xmlns=\"urn:ietf:params:"
	    "xml:ns:netconf:base:1.0\"%s><rpc-error><error-type>transport"
	    "</error-type><error-tag>too-big</error-tag><error-severity>error"
	    "</error-severity><error-message xml:lang=\"en\">the message is "
	    "larger than max-message-size (%zu bytes): the session is closed"
	    "</error-message></rpc-error></rpc-reply>", attr, g->max);
	if (n < 0 || (size_t)n >= sizeof(body))
		return 0;
	n = g->v11 ? snprintf(buf, len, "\n#%d\n%s\n##\n", n, body) :
	    snprintf(buf, len, "%s]]>]]>", body);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* Waits up to the deadline for fd to take output (or give input). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left = deadline - ncs_monotime_ms();

	return left > 0 && poll(&pfd, 1, (int)left) == 1;
}

static int
write_fd(int fd, const char *p, size_t n)
{
	int64_t deadline = ncs_monotime_ms() + REPLY_MS;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (!wait_fd(fd, POLLOUT, deadline)) {
			return -1;
		}
	}
	return 0;
}

static int
write_tls(SSL *ssl, const char *p, size_t n)
{
	int64_t deadline = ncs_monotime_ms() + REPLY_MS;
	int w, e;

	for (;;) {
		if ((w = SSL_write(ssl, p, (int)n)) > 0)
			return 0;
		e = SSL_get_error(ssl, w);
		if ((e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) ||
		    !wait_fd(SSL_get_fd(ssl), e == SSL_ERROR_WANT_WRITE ?
		    POLLOUT : POLLIN, deadline))
			return -1;
	}
}

static int
write_ssh(ssh_channel ch, const char *p, size_t n)
{
	int64_t deadline = ncs_monotime_ms() + REPLY_MS;
	int w;

	while (n > 0 && ncs_monotime_ms() < deadline) {
		if ((w = ssh_channel_write(ch, p, (uint32_t)n)) == SSH_ERROR)
			return -1;
		p += w;
		n -= (size_t)w;
		if (w == 0)	/* the window is shut: its adjust is input */
			wait_fd(ssh_get_fd(ssh_channel_get_session(ch)), POLLIN,
			    deadline);
	}
	ssh_blocking_flush(ssh_channel_get_session(ch), REPLY_MS);
	return n == 0 ? 0 : -1;
}

/*
 * Reads at most n bytes of what the client still sends, until deadline
 * (0: what has arrived); bypasses the guard.  Returns the count, 0 at the
 * end of the input or the deadline, -1 on an error.
 */
static int
raw_read(struct guard *g, void *transport, unsigned char *buf, size_t n,
    int64_t deadline)
{
	int64_t left;
	int r, e;

	for (;;) {
		left = deadline - ncs_monotime_ms();
		switch (g->io) {
		case NCS_IO_FD:
			if (left > 0 && !wait_fd(g->fd, POLLIN, deadline))
				return 0;
			return (int)recv(g->fd, buf, n, MSG_DONTWAIT);
		case NCS_IO_SSH:
			/* not ssh_channel_read_nonblocking: it calls
			 * ssh_channel_read, which is ours */
			return ssh_channel_read_timeout(transport, buf,
			    (uint32_t)n, 0, left > 0 ? (int)left : 0);
		case NCS_IO_TLS:
			if (next_ssl_read == NULL)
				return -1;
			if ((r = next_ssl_read(transport, buf, (int)n)) > 0)
				return r;
			e = SSL_get_error(transport, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				return -1;
			if (left <= 0 || !wait_fd(SSL_get_fd(transport),
			    e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
				return 0;
			break;
		default:
			return -1;
		}
	}
}

/*
 * A chunk header over the limit comes before its data, where the
 * message-id is: what has arrived of it is read now (never waited for),
 * for the reply to name the request.
 */
static void
peek_head(struct guard *g, void *transport)
{
	unsigned char buf[HEAD_MAX];
	int r;

	if (!g->v11 || g->headlen == HEAD_MAX)
		return;
	if ((r = raw_read(g, transport, buf, sizeof(buf), 0)) > 0)
		g->drained_end = scan(g, buf, (size_t)r, 0, 0) == 1;
}

/*
 * What the client still sends of the refused message is read and thrown
 * away, up to its end, DRAIN_FACTOR times max-message-size (at most
 * DRAIN_MAX), DRAIN_MS, or a second without input: a client that writes a
 * whole message before it reads (ncclient over SSH) then reads the
 * rpc-error.
 */
static void
drain(struct guard *g, void *transport)
{
	unsigned char buf[16384];
	int64_t deadline = ncs_monotime_ms() + DRAIN_MS, quiet;
	size_t budget = g->max < DRAIN_MAX / DRAIN_FACTOR ?
	    g->max * DRAIN_FACTOR : DRAIN_MAX;
	int r;

	while (!g->drained_end && budget > 0) {
		quiet = ncs_monotime_ms() + DRAIN_IDLE_MS;
		r = raw_read(g, transport, buf, budget < sizeof(buf) ? budget :
		    sizeof(buf), quiet < deadline ? quiet : deadline);
		if (r <= 0)
			break;
		budget -= (size_t)r;
		g->drained_end = scan(g, buf, (size_t)r, 0, 0) == 1;
	}
}

/*
 * The message is over the limit: the client of a running session gets the
 * rpc-error through transport (an SSL *, an ssh_channel, or NULL for the
 * fd), libnetconf2 errors from now on.
 */
static void
trip(struct guard *g, void *transport)
{
	char buf[1024];
	size_t n;

	if (g->tripped)
		return;
	g->tripped = 1;
	if (g->ns == NULL || nc_session_get_status(g->ns) != NC_STATUS_RUNNING)
		return;
	peek_head(g, transport);
	if ((n = reply_text(g, buf, sizeof(buf))) == 0)
		return;
	if (g->io == NCS_IO_FD)
		g->replied = write_fd(g->fd, buf, n) == 0;
	else if (g->io == NCS_IO_TLS)
		g->replied = write_tls(transport, buf, n) == 0;
	else if (g->io == NCS_IO_SSH)
		g->replied = write_ssh(transport, buf, n) == 0;
	if (g->replied)
		drain(g, transport);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	ssize_t (*next)(int, void *, size_t) = NEXT(next_read, "read");
	struct guard *g = guard;
	ssize_t r;

	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (g == NULL || g->io != NCS_IO_FD || fd != g->fd)
		return next(fd, buf, n);
	if (g->tripped) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((r = next(fd, buf, n)) > 0 && feed(g, buf, (size_t)r) != 0) {
		trip(g, NULL);
		errno = EMSGSIZE;
		return -1;
	}
	return r;
}

int
SSL_read(SSL *ssl, void *buf, int num)
{
	int (*next)(SSL *, void *, int) = NEXT(next_ssl_read, "SSL_read");
	struct guard *g = guard;
	int r = -1;

	if (next == NULL)
		return -1;
	if (g == NULL || (g->io != NCS_IO_TLS && g->io != NCS_IO_ANY))
		return next(ssl, buf, num);
	if (!g->tripped && (r = next(ssl, buf, num)) > 0 &&
	    feed(g, buf, (size_t)r) != 0)
		trip(g, ssl);
	if (!g->tripped)
		return r;
	/* an error SSL_get_error reports as such, whatever the last read
	 * (of the drain) wanted: libnetconf2 ends the session */
	ERR_raise_data(ERR_LIB_SSL, SSL_R_EXCESSIVE_MESSAGE_SIZE,
	    "over max-message-size");
	return -1;
}

int
ssh_channel_read(ssh_channel channel, void *dest, uint32_t count,
    int is_stderr)
{
	int (*next)(ssh_channel, void *, uint32_t, int) =
	    NEXT(next_ssh_read, "ssh_channel_read");
	struct guard *g = guard;
	int r;

	if (next == NULL)
		return SSH_ERROR;
	if (g == NULL || (g->io != NCS_IO_SSH && g->io != NCS_IO_ANY))
		return next(channel, dest, count, is_stderr);
	if (g->tripped)
		return SSH_ERROR;
	if ((r = next(channel, dest, count, is_stderr)) > 0 &&
	    feed(g, dest, (size_t)r) != 0) {
		trip(g, channel);
		return SSH_ERROR;
	}
	return r;
}

/* ---- 2. unauthenticated connections per source address ---- */

static struct {
	pthread_mutex_t lock;
	struct {
		struct in6_addr addr;
		int n;		/* handshakes under way; 0 = free slot */
	} slot[SOURCES];
	uint64_t refused;
} counts = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The limits, as the configuration says now. */
static int limit_unauth;
static size_t limit_message = 16 << 20;

/* The acceptor's state: inside nc_accept, and its connection's address. */
static __thread struct {
	int active, held, refused;
	struct in6_addr addr;
} acc;

void
ncs_compat_set_limits(int max_unauth, size_t max_message)
{
	__atomic_store_n(&limit_unauth, max_unauth, __ATOMIC_RELAXED);
	__atomic_store_n(&limit_message, max_message, __ATOMIC_RELAXED);
}

/* An IPv4 address as IPv6-mapped, so that both forms are one source. */
static int
source_of(const struct sockaddr_storage *ss, struct in6_addr *a)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		*a = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		return 0;
	}
	if (ss->ss_family != AF_INET)
		return -1;
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &in4->sin_addr, 4);
	return 0;
}

/* counts.lock held: takes a handshake for a; 0, or -1 over the limit. */
static int
admit(const struct in6_addr *a, int max)
{
	int i, free_slot = -1;

	for (i = 0; i < SOURCES; i++) {
		if (counts.slot[i].n == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (memcmp(&counts.slot[i].addr, a, sizeof(*a)) == 0) {
			if (counts.slot[i].n >= max)
				return -1;
			counts.slot[i].n++;
			return 0;
		}
	}
	if (free_slot < 0)
		return -1;	/* more acceptors than SOURCES: refuse */
	counts.slot[free_slot].addr = *a;
	counts.slot[free_slot].n = 1;
	return 0;
}

static void
release(const struct in6_addr *a)
{
	int i;

	pthread_mutex_lock(&counts.lock);
	for (i = 0; i < SOURCES; i++)
		if (counts.slot[i].n > 0 &&
		    memcmp(&counts.slot[i].addr, a, sizeof(*a)) == 0) {
			counts.slot[i].n--;
			break;
		}
	pthread_mutex_unlock(&counts.lock);
}

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int (*next)(int, struct sockaddr *, socklen_t *) =
	    NEXT(next_accept, "accept");
	int max = __atomic_load_n(&limit_unauth, __ATOMIC_RELAXED);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct in6_addr a;
	int c, r;

	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (!acc.active || acc.held)
		return next(fd, addr, len);
	/* the hello of this connection: within the limit of now */
	guard_of_thread.max = __atomic_load_n(&limit_message, __ATOMIC_RELAXED);
	if (max <= 0)
		return next(fd, addr, len);
	if ((c = next(fd, (struct sockaddr *)&ss, &sl)) < 0)
		return c;
	r = 0;
	if (source_of(&ss, &a) == 0) {
		pthread_mutex_lock(&counts.lock);
		if ((r = admit(&a, max)) != 0)
			counts.refused++;
		pthread_mutex_unlock(&counts.lock);
	}
	if (r != 0) {
		close(c);
		acc.refused = 1;
		errno = ECONNABORTED;
		return -1;
	}
	acc.held = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	acc.addr = a;
	if (addr != NULL && len != NULL) {
		memcpy(addr, &ss, *len < sl ? *len : sl);
		*len = sl;
	}
	return c;
}

void
ncs_compat_accept_begin(void)
{
	memset(&acc, 0, sizeof(acc));
	acc.active = 1;
	ncs_compat_read_begin(NULL, NCS_IO_ANY, -1,
	    __atomic_load_n(&limit_message, __ATOMIC_RELAXED));
}

int
ncs_compat_accept_end(void)
{
	int r = acc.refused ? NCS_COMPAT_REFUSED : 0;

	if (ncs_compat_read_end(NULL))
		r |= NCS_COMPAT_TOO_BIG;
	if (acc.held)
		release(&acc.addr);
	memset(&acc, 0, sizeof(acc));
	return r;
}

int
ncs_compat_refused_message(const char *msg)
{
	return acc.refused && strncmp(msg, "Accept failed", 13) == 0;
}

uint64_t
ncs_compat_refused_count(void)
{
	uint64_t n;

	pthread_mutex_lock(&counts.lock);
	n = counts.refused;
	pthread_mutex_unlock(&counts.lock);
	return n;
}

/* ---- 3. SSH algorithms ---- */

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
