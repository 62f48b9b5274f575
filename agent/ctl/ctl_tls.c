/*
 * ctl_tls.c - "secagentctl check-server HOST:PORT": one TLS handshake
 * under the device's certificate policy, the way its TLS clients run it.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../../src/sa_tls.h"
#include "ctl.h"

#define CONNECT_TIMEOUT_MS 5000

/* Splits "host:port" or "[v6]:port". */
static int
split_target(const char *target, char *host, size_t hlen, char *port,
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
	if (n == 0 || n >= hlen || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= plen)
		return -1;
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
		if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1) {
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
tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { CONNECT_TIMEOUT_MS / 1000, 0 };
	int fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "secagentctl: %s: %s\n", host, gai_strerror(r));
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
		fprintf(stderr, "secagentctl: cannot connect to %s port %s: %s\n",
		    host, port, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
print_verdict(const struct sa_tls_verdict *v, int json)
{
	char hex[SA_FP_HEX_LEN + 1];

	sa_fp_to_hex(v->fp, hex);
	if (json) {
		printf("{\"result\": \"%s\", \"fingerprint\": \"%s\", ",
		    v->accepted ? "accepted" : "refused", hex);
		if (v->accepted)
			printf("\"how\": \"%s\"}\n", v->how);
		else {
			printf("\"reason\": \"%s\", \"detail\": ",
			    sa_reason_name(v->reason));
			ctl_json_string(stdout, v->detail);
			printf("}\n");
		}
		return;
	}
	if (v->accepted)
		printf("accepted\n");
	else
		printf("refused: %s\n", sa_reason_name(v->reason));
}

int
ctl_check_server(struct sa_store *st, const char *target, int json)
{
	const struct sa_tls_verdict *v;
	char host[256], port[32];
	const char *e;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd, r = 1, ok;

	if (split_target(target, host, sizeof(host), port, sizeof(port)) != 0) {
		fprintf(stderr, "secagentctl: check-server: \"%s\" is not "
		    "HOST:PORT\n", target);
		return 1;
	}
	if ((fd = tcp_connect(host, port)) < 0)
		return 1;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto out;
	sa_tls_install(st, ctx);	/* before SSL_new: it copies the mode */
	if ((ssl = SSL_new(ctx)) == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, host);
	sa_tls_set_peer(ssl, host, target);
	ok = SSL_connect(ssl) == 1;
	if ((v = sa_tls_get_verdict(ssl)) == NULL) {
		e = ERR_reason_error_string(ERR_peek_last_error());
		fprintf(stderr, "secagentctl: TLS handshake with %s failed "
		    "before the certificate check: %s\n", target,
		    e != NULL ? e : "the peer does not speak TLS");
		goto out;
	}
	print_verdict(v, json);
	r = v->accepted && ok ? 0 : 1;
	if (v->accepted && !ok)
		fprintf(stderr, "secagentctl: the handshake failed after the "
		    "certificate was accepted\n");
 out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return r;
}
