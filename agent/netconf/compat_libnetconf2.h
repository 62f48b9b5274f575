/*
 * compat_libnetconf2.h - limits libnetconf2 2.0.24 cannot set itself, for
 * the NETCONF session layer (ncs_*.c); compat_libnetconf2.c says how.
 *
 * A read guard is per thread: ncs_compat_read_begin() before a call that
 * makes libnetconf2 read one message of a session (nc_ps_poll, the hello
 * of nc_accept or nc_accept_inout), ncs_compat_read_end() after it.
 * Between them, the bytes libnetconf2 reads for that message are counted;
 * past max-message-size it gets an error instead of more input, the
 * client an rpc-error too-big (when the session was past its hello), and
 * the session ends.
 */
#ifndef SA_COMPAT_LIBNETCONF2_H
#define SA_COMPAT_LIBNETCONF2_H

#include <stddef.h>
#include <stdint.h>

struct nc_session;

/* What the guard reads: the transport of the session. */
enum ncs_compat_io {
	NCS_IO_ANY,		/* a TLS or SSH handshake: not known yet */
	NCS_IO_SSH,
	NCS_IO_TLS,
	NCS_IO_FD,		/* the UNIX socket: read(2) on fd */
};

/*
 * Guards the reads of one message.  ns: the session (NULL during its
 * hello: no reply then); fd: for NCS_IO_FD; max: max-message-size, framing
 * included.  Nothing else of the thread is counted, but for
 * ncs_compat_read_pause().
 */
void ncs_compat_read_begin(struct nc_session *ns, enum ncs_compat_io io,
    int fd, size_t max);
/*
 * Ends the guard.  Returns 0, or 1 when the message was over the limit:
 * libnetconf2 was given an error and has ended the session; *replied says
 * whether the client got its rpc-error.
 */
int ncs_compat_read_end(int *replied);
/* Around code that reads other connections inside a guard (an RPC). */
void *ncs_compat_read_pause(void);
void ncs_compat_read_resume(void *guard);

/*
 * The limits of the acceptors: max-unauthenticated-per-source (0: none)
 * and max-message-size for the hellos.  Taken at each accept().
 */
void ncs_compat_set_limits(int max_unauth, size_t max_message);

/*
 * The unauthenticated connections of one source address: an acceptor
 * calls ncs_compat_accept_begin() before nc_accept() and
 * ncs_compat_accept_end() after it.  In between, a new TCP connection
 * from an address that already has max_unauth handshakes under way is
 * closed at once, and nc_accept() fails without a word; and the hello is
 * read within max_message.  Returns 0, or NCS_COMPAT_REFUSED when a
 * connection was refused so (the acceptor tries again at once) and/or
 * NCS_COMPAT_TOO_BIG when the hello was over max_message.
 */
#define NCS_COMPAT_REFUSED 1
#define NCS_COMPAT_TOO_BIG 2
void ncs_compat_accept_begin(void);
int ncs_compat_accept_end(void);
/* Non-zero for libnetconf2's message about such a refusal (swallowed). */
int ncs_compat_refused_message(const char *msg);
/* Connections refused so far (for the log, rate-limited by the caller). */
uint64_t ncs_compat_refused_count(void);

#endif
