/*
 * sa_tls.c - the TLS check and its OpenSSL verify callback (sa_tls.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "sa_store_int.h"
#include "sa_text.h"
#include "sa_tls.h"

#define MAX_CHAIN_DEPTH 10

/* OpenSSL's per-SSL storage is indexed process-wide; one index for us,
 * and one in SSL_CTX for the defaults of clients that make their own SSL. */
static int conn_index = -1;
static int ctx_index = -1;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

struct sa_tls_conn {
	char *host;
	char *peer;
	int checked;
	struct sa_tls_verdict verdict;
};

static void
conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct sa_tls_conn *c = ptr;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (c == NULL)
		return;
	free(c->host);
	free(c->peer);
	free(c);
}

/* Defaults for every connection of an SSL_CTX (sa_tls_set_ctx_peer). */
struct sa_tls_ctx_peer {
	char *host;
	char *peer;
	struct sa_tls_verdict *sink;	/* borrowed */
};

static void
ctx_peer_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct sa_tls_ctx_peer *p = ptr;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (p == NULL)
		return;
	free(p->host);
	free(p->peer);
	free(p);
}

static void
conn_index_init(void)
{
	conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free);
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ctx_peer_free);
}

static struct sa_tls_ctx_peer *
ctx_peer_get(SSL_CTX *ctx)
{
	pthread_once(&conn_once, conn_index_init);
	return ctx_index < 0 || ctx == NULL ? NULL :
	    SSL_CTX_get_ex_data(ctx, ctx_index);
}

static struct sa_tls_conn *
conn_get(SSL *ssl, int create)
{
	struct sa_tls_conn *c;

	pthread_once(&conn_once, conn_index_init);
	if (conn_index < 0)
		return NULL;
	c = SSL_get_ex_data(ssl, conn_index);
	if (c == NULL && create && (c = calloc(1, sizeof(*c))) != NULL &&
	    !SSL_set_ex_data(ssl, conn_index, c)) {
		free(c);
		c = NULL;
	}
	return c;
}

static enum sa_reason
reason_of(int x509_error)
{
	switch (x509_error) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return SA_REASON_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SA_REASON_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return SA_REASON_UNKNOWN_ISSUER;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
		return SA_REASON_BAD_SIGNATURE;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return SA_REASON_HOSTNAME_MISMATCH;
	default:
		return SA_REASON_OTHER;
	}
}

/* Adds the CA entries whose subject is name to xs; the number added. */
static int
add_ca_for(struct sa_store *st, X509_STORE *xs, const X509_NAME *name,
    X509 **added, int *nadded)
{
	const struct sa_node *n;
	unsigned long h;
	int ok = 1, count = 0;
	X509 *x;

	h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	for (n = sa_subject_index_first(&st->ca_subjects, h); n != NULL;
	    n = n->hnext) {
		if (n->e.subject_hash != h || *nadded >= 4 * MAX_CHAIN_DEPTH)
			continue;
		if ((x = sa_entry_x509(&n->e)) == NULL)
			continue;
		if (X509_NAME_cmp(X509_get_subject_name(x), name) != 0 ||
		    !X509_STORE_add_cert(xs, x)) {
			X509_free(x);
			continue;
		}
		added[(*nadded)++] = x;
		count++;
	}
	return count;
}

/*
 * The trust store for one check: the CA entries that can appear in this
 * chain, found by following issuer names from the leaf and the sent
 * intermediates up through the CA list.
 */
static X509_STORE *
store_for_chain(struct sa_store *st, X509 *leaf, STACK_OF(X509) *untrusted)
{
	X509 *added[4 * MAX_CHAIN_DEPTH];
	X509_STORE *xs;
	int nadded = 0, done = 0, i;

	if ((xs = X509_STORE_new()) == NULL)
		return NULL;
	sa_store_rdlock(st);
	add_ca_for(st, xs, X509_get_issuer_name(leaf), added, &nadded);
	for (i = 0; untrusted != NULL && i < sk_X509_num(untrusted); i++)
		add_ca_for(st, xs, X509_get_issuer_name(sk_X509_value(untrusted, i)),
		    added, &nadded);
	/* CA entries may themselves be issued by other CA entries */
	for (; done < nadded && done < MAX_CHAIN_DEPTH; done++)
		if (X509_check_issued(added[done], added[done]) != X509_V_OK)
			add_ca_for(st, xs, X509_get_issuer_name(added[done]),
			    added, &nadded);
	sa_store_unlock(st);
	for (i = 0; i < nadded; i++)
		X509_free(added[i]);	/* the store holds its own reference */
	return xs;
}

static int
verify_chain(struct sa_store *st, X509 *leaf, STACK_OF(X509) *untrusted,
    const char *host, struct sa_tls_verdict *v)
{
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	X509_STORE *xs;
	int ok = 0;

	if ((xs = store_for_chain(st, leaf, untrusted)) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, xs, leaf, untrusted)) {
		v->x509_error = X509_V_ERR_OUT_OF_MEM;
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	/* every CA entry is a trust anchor, root or not */
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, sa_store_now(st));
	X509_VERIFY_PARAM_set_depth(param, MAX_CHAIN_DEPTH);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	if (host != NULL && *host != '\0' &&
	    !X509_VERIFY_PARAM_set1_ip_asc(param, host))
		X509_VERIFY_PARAM_set1_host(param, host, 0);
	ok = X509_verify_cert(ctx) == 1;
	v->x509_error = ok ? 0 : X509_STORE_CTX_get_error(ctx);
 out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(xs);
	ERR_clear_error();
	return ok;
}

static int
record_invalid(struct sa_store *st, X509 *leaf, enum sa_reason reason,
    const char *peer, char *err, size_t errlen)
{
	unsigned char *der = NULL;
	struct sa_txn *t = NULL;
	char *text = NULL;
	int len, r;

	if ((len = i2d_X509(leaf, &der)) <= 0)
		return sa_fail(err, errlen, SA_ERR_INVALID, "cannot encode");
	/* the peer may come from outside (a redirect's Location): the rule */
	if ((peer != NULL && (text = sa_text_escape_str(peer)) == NULL) ||
	    (t = sa_txn_new(st, "tls-check")) == NULL) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = sa_txn_record_invalid(t, der, (size_t)len, reason, text)) == 0)
		r = sa_txn_commit(t, err, errlen);
	else
		sa_fail(err, errlen, r, "cannot record the certificate");
 out:
	sa_txn_free(t);
	free(text);
	OPENSSL_free(der);
	return r;
}

int
sa_tls_check(struct sa_store *st, X509 *leaf, STACK_OF(X509) *untrusted,
    const char *host, const char *peer, struct sa_tls_verdict *v,
    char *err, size_t errlen)
{
	const struct sa_entry *e;
	unsigned char *der = NULL;
	int len, rejected = 0, pinned = 0;

	memset(v, 0, sizeof(*v));
	if ((len = i2d_X509(leaf, &der)) <= 0)
		return sa_fail(err, errlen, SA_ERR_INVALID, "cannot encode");
	sa_cert_fingerprint(der, (size_t)len, v->fp);
	OPENSSL_free(der);
	sa_store_rdlock(st);
	if ((e = sa_store_find(st, v->fp)) != NULL) {
		rejected = e->list == SA_LIST_SERVER && e->rejected;
		pinned = !rejected && e->list != SA_LIST_INVALID;
	}
	sa_store_unlock(st);
	if (rejected) {
		v->reason = SA_REASON_REJECTED;
		snprintf(v->detail, sizeof(v->detail),
		    "the certificate is labelled rejected");
		return 0;
	}
	if (pinned) {
		v->accepted = 1;
		v->how = "pinned";
		return 0;
	}
	if (verify_chain(st, leaf, untrusted, host, v)) {
		v->accepted = 1;
		v->how = "trusted-chain";
		return 0;
	}
	snprintf(v->detail, sizeof(v->detail), "%s",
	    X509_verify_cert_error_string(v->x509_error));
	v->reason = reason_of(v->x509_error);
	if (sa_store_accept_all(st)) {
		v->accepted = 1;
		v->how = "accept-all";
		return 0;
	}
	return record_invalid(st, leaf, v->reason, peer, err, errlen);
}

static int
verify_callback(X509_STORE_CTX *xctx, void *arg)
{
	struct sa_store *st = arg;
	struct sa_tls_conn *c = NULL;
	struct sa_tls_ctx_peer *dflt = NULL;
	struct sa_tls_verdict v;
	const char *host = NULL, *peer = NULL;
	SSL *ssl;
	char err[256];

	ssl = X509_STORE_CTX_get_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl != NULL && (c = conn_get(ssl, 1)) != NULL) {
		host = c->host;
		peer = c->peer;
	}
	if (ssl != NULL && (dflt = ctx_peer_get(SSL_get_SSL_CTX(ssl))) != NULL) {
		if (host == NULL)
			host = dflt->host;
		if (peer == NULL)
			peer = dflt->peer;
	}
	if (host == NULL && ssl != NULL)
		host = X509_VERIFY_PARAM_get0_host(SSL_get0_param(ssl), 0);
	if (sa_tls_check(st, X509_STORE_CTX_get0_cert(xctx),
	    X509_STORE_CTX_get0_untrusted(xctx), host, peer, &v, err,
	    sizeof(err)) != 0) {
		memset(&v, 0, sizeof(v));
		v.reason = SA_REASON_OTHER;
		snprintf(v.detail, sizeof(v.detail), "%s", err);
	}
	if (c != NULL) {
		c->verdict = v;
		c->checked = 1;
	}
	if (dflt != NULL && dflt->sink != NULL)
		*dflt->sink = v;
	if (v.accepted) {
		X509_STORE_CTX_set_error(xctx, X509_V_OK);
		return 1;
	}
	X509_STORE_CTX_set_error(xctx, v.x509_error ? v.x509_error :
	    X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

int
sa_tls_install(struct sa_store *st, SSL_CTX *ctx)
{
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_callback, st);
	return 0;
}

static int
replace_str(char **dst, const char *src)
{
	char *c = NULL;

	if (src != NULL && (c = strdup(src)) == NULL)
		return SA_ERR_NOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int
sa_tls_set_peer(SSL *ssl, const char *host, const char *peer)
{
	struct sa_tls_conn *c = conn_get(ssl, 1);

	if (c == NULL || replace_str(&c->host, host) != 0 ||
	    replace_str(&c->peer, peer) != 0)
		return SA_ERR_NOMEM;
	return 0;
}

int
sa_tls_set_ctx_peer(SSL_CTX *ctx, const char *host, const char *peer,
    struct sa_tls_verdict *sink)
{
	struct sa_tls_ctx_peer *p = ctx_peer_get(ctx);

	if (ctx_index < 0)
		return SA_ERR_NOMEM;
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return SA_ERR_NOMEM;
		if (!SSL_CTX_set_ex_data(ctx, ctx_index, p)) {
			free(p);
			return SA_ERR_NOMEM;
		}
	}
	p->sink = sink;
	if (replace_str(&p->host, host) != 0 ||
	    replace_str(&p->peer, peer) != 0)
		return SA_ERR_NOMEM;
	return 0;
}

const struct sa_tls_verdict *
sa_tls_get_verdict(SSL *ssl)
{
	struct sa_tls_conn *c = conn_get(ssl, 0);

	return c != NULL && c->checked ? &c->verdict : NULL;
}
