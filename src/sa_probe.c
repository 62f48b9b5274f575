/*
 * sa_probe.c - a TLS connection to HOST:PORT under the certificate policy:
 * what "check-server" does on every interface, the way the device's TLS
 * clients connect (SNI, the host name checked on chains, a refused
 * certificate recorded in Invalid with the peer).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sa_text.h"
#include "sa_tls.h"

#define PROBE_TIMEOUT_MS 5000
#define PROBE_TIMEOUT_TEXT "5 s"

/* A host name or address is printable ASCII: DNS wants IDNs as A-labels. */
static int
printable_host(const char *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f)
			return 0;
	return 1;
}

int
sa_split_host_port(const char *target, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *colon;
	size_t n;

	if (target[0] == '[') {
		if ((colon = strstr(target, "]:")) == NULL)
			return -1;
		n = (size_t)(colon - target - 1);
		colon++;
		target++;
	} else {
		if ((colon = strrchr(target, ':')) == NULL)
			return -1;
		n = (size_t)(colon - target);
	}
	if (n == 0 || n >= hlen || !printable_host(target, n) ||
	    strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= plen || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		return -1;	/* getaddrinfo would take 99999 as 34463 */
	memcpy(host, target, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

static int
connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int flags = fcntl(fd, F_GETFL), e = 0;

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, sa, len) != 0) {
		if (errno != EINPROGRESS)
			return -1;
		if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0 || e != 0) {
			errno = e;
			return -1;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return 0;
}

static int
tcp_connect(const char *host, const char *port, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { PROBE_TIMEOUT_MS / 1000, 0 };
	int fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		sa_fail(err, errlen, SA_ERR_IO, "%s: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		if (connect_timeout(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		sa_fail(err, errlen, SA_ERR_IO, "cannot connect to %s port %s: %s",
		    host, port, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int
sa_tls_probe(struct sa_store *st, const char *target, struct sa_tls_verdict *v,
    char *err, size_t errlen)
{
	const struct sa_tls_verdict *got;
	char host[256], port[32], *shown;
	const char *why;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd, r = SA_ERR_IO, ok, syserr, sslerr;

	memset(v, 0, sizeof(*v));
	if (sa_split_host_port(target, host, sizeof(host), port, sizeof(port)) != 0) {
		shown = sa_text_escape(target, strnlen(target, 100), 0);
		r = sa_fail(err, errlen, SA_ERR_INVALID, "\"%s\" is not HOST:PORT",
		    shown != NULL ? shown : "?");
		free(shown);
		return r;
	}
	if ((fd = tcp_connect(host, port, err, errlen)) < 0)
		return SA_ERR_IO;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
		goto out;
	}
	sa_tls_install(st, ctx);	/* before SSL_new: it copies the mode */
	if ((ssl = SSL_new(ctx)) == NULL) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
		goto out;
	}
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, host);
	sa_tls_set_peer(ssl, host, target);
	errno = 0;
	ok = SSL_connect(ssl);
	syserr = errno;
	/* a socket timeout (SO_RCVTIMEO) looks to OpenSSL like "retry" */
	sslerr = ok == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, ok);
	ok = ok == 1;
	if ((got = sa_tls_get_verdict(ssl)) == NULL) {
		why = ERR_reason_error_string(ERR_peek_last_error());
		if (why == NULL && (sslerr == SSL_ERROR_WANT_READ ||
		    sslerr == SSL_ERROR_WANT_WRITE))
			why = "no answer within " PROBE_TIMEOUT_TEXT;
		else if (why == NULL && sslerr == SSL_ERROR_SYSCALL &&
		    syserr != 0)
			why = strerror(syserr);
		r = sa_fail(err, errlen, SA_ERR_IO, "TLS handshake with %s failed "
		    "before the certificate check: %s", target,
		    why != NULL ? why : "the peer does not speak TLS");
		goto out;
	}
	*v = *got;
	r = 0;
	if (v->accepted && !ok)
		r = sa_fail(err, errlen, SA_ERR_IO, "the handshake with %s failed "
		    "after the certificate was accepted", target);
 out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return r;
}
