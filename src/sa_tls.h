/*
 * sa_tls.h - the TLS check of DESIGN.md, for any TLS client of the device.
 *
 *   rejected fingerprint          -> refuse ("rejected")
 *   fingerprint in CA or Server   -> accept (pinned: no host name check)
 *   chain verifies to a CA entry  -> accept (host name checked)
 *   accept-all on                 -> accept
 *   otherwise the leaf is recorded in Invalid with the peer and the reason,
 *   and the connection is refused.
 *
 * The chain is verified by OpenSSL (X509_verify_cert: chain building, time
 * and host name checks) against an X509_STORE made for each check from the
 * CA list as it is at that moment, so a change of the lists takes effect
 * on the very next connection.
 */
#ifndef SA_TLS_H
#define SA_TLS_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sa_store.h"

struct sa_tls_verdict {
	int accepted;
	enum sa_reason reason;	/* why it was refused */
	const char *how;	/* accepted: "pinned", "trusted-chain", "accept-all" */
	unsigned char fp[SA_FP_LEN];	/* the leaf's */
	int x509_error;		/* OpenSSL's verify error, 0 if none */
	char detail[256];	/* OpenSSL's words for it */
};

/*
 * Runs the check on a peer's leaf certificate and the intermediates it sent
 * (untrusted, may be NULL).  host: the name the client asked for (NULL: no
 * host name check); peer: "host:port" to record with an Invalid entry.
 * Returns 0 with *v filled (accepted or not), or an error code when the
 * check itself could not run (recording failed, out of memory).
 */
int sa_tls_check(struct sa_store *st, X509 *leaf, STACK_OF(X509) *untrusted,
    const char *host, const char *peer, struct sa_tls_verdict *v,
    char *err, size_t errlen);

/*
 * Makes the check the certificate verification of ctx (SSL_VERIFY_PEER and
 * SSL_CTX_set_cert_verify_callback).  st must outlive ctx.
 */
int sa_tls_install(struct sa_store *st, SSL_CTX *ctx);

/* Per connection, before the handshake: host to check, peer to record. */
int sa_tls_set_peer(SSL *ssl, const char *host, const char *peer);

/*
 * The same for every connection made from ctx, for a client that creates
 * the SSL object itself (libcurl's CURLOPT_SSL_CTX_FUNCTION): host to
 * check, peer to record, and sink (may be NULL), where the verdict of
 * each check is copied; sink must outlive the connections of ctx.  A
 * per-connection sa_tls_set_peer() wins over these.
 */
int sa_tls_set_ctx_peer(SSL_CTX *ctx, const char *host, const char *peer,
    struct sa_tls_verdict *sink);

/* The verdict of the check run on ssl's handshake, or NULL. */
const struct sa_tls_verdict *sa_tls_get_verdict(SSL *ssl);

/*
 * check-server: a TLS connection to target ("HOST:PORT" or "[V6]:PORT")
 * under the policy, with a bounded timeout.  Returns 0 with *v (accepted
 * or refused, a refusal recorded like on any connection), or an error
 * code with err when no verdict was reached (no connection, no TLS).
 */
int sa_tls_probe(struct sa_store *st, const char *target,
    struct sa_tls_verdict *v, char *err, size_t errlen);
/* Splits "host:port" or "[v6]:port"; 0 or -1. */
int sa_split_host_port(const char *target, char *host, size_t hlen,
    char *port, size_t plen);

#endif
