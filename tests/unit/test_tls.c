/*
 * test_tls.c - the TLS check of DESIGN.md, as a function and as the verify
 * callback of a real OpenSSL handshake (client and server in memory).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certgen.h"
#include "sa_tls.h"
#include "t.h"

static struct sa_store *st;
static EVP_PKEY *root_key, *int_key, *leaf_key, *rogue_key;
static X509 *root, *intermediate, *leaf, *expired_leaf, *rogue_root, *rogue_leaf;

static int
txn_fp(X509 *x, int (*op)(struct sa_txn *, const unsigned char *))
{
	unsigned char fp[SA_FP_LEN];
	struct sa_txn *t = sa_txn_new(st, "test");
	char hex[65], err[256];
	int r;

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
	if ((r = op(t, fp)) == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	return r;
}

static int
set_accept_all(const char *v)
{
	struct sa_txn *t = sa_txn_new(st, "test");
	char err[256];
	int r = sa_txn_set(t, SA_SET_ACCEPT_ALL, v, err, sizeof(err));

	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	return r;
}

static const struct sa_entry *
find_x(X509 *x)
{
	unsigned char fp[SA_FP_LEN];
	char hex[65];

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
	return sa_store_find(st, fp);
}

static struct sa_tls_verdict
check(X509 *x, X509 *chain_int, const char *host)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct sa_tls_verdict v;
	char err[256];

	if (chain_int != NULL)
		sk_X509_push(sk, chain_int);
	if (sa_tls_check(st, x, sk, host, "peer.example:443", &v, err,
	    sizeof(err)) != 0)
		t_diag("check: %s", err);
	sk_X509_free(sk);
	return v;
}

static void
test_function(void)
{
	struct sa_tls_verdict v;
	const struct sa_entry *e;

	v = check(leaf, intermediate, "server.example");
	t_ok(v.accepted && strcmp(v.how, "trusted-chain") == 0,
	    "a chain to a CA entry is accepted");
	v = check(leaf, intermediate, "other.example");
	t_ok(!v.accepted && v.reason == SA_REASON_HOSTNAME_MISMATCH,
	    "the wrong host name is refused: hostname-mismatch");
	v = check(leaf, NULL, "server.example");
	t_ok(!v.accepted && v.reason == SA_REASON_UNKNOWN_ISSUER,
	    "without its intermediate the chain is unknown-issuer");
	v = check(expired_leaf, intermediate, "server.example");
	t_ok(!v.accepted && v.reason == SA_REASON_EXPIRED,
	    "an expired leaf of a trusted chain is refused: expired");

	v = check(rogue_leaf, NULL, "server.example");
	sa_store_rdlock(st);
	e = find_x(rogue_leaf);
	t_ok(!v.accepted && v.reason == SA_REASON_UNKNOWN_ISSUER && e != NULL &&
	    e->list == SA_LIST_INVALID && e->seen_count == 1 &&
	    strcmp(e->peer, "peer.example:443") == 0 &&
	    e->origin == SA_ORIGIN_RECEIVED,
	    "an unknown CA: refused, recorded in Invalid with the peer");
	sa_store_unlock(st);
	check(rogue_leaf, NULL, "server.example");
	sa_store_rdlock(st);
	t_ok(find_x(rogue_leaf)->seen_count == 2 && find_x(rogue_leaf)->last_seen >=
	    find_x(rogue_leaf)->first_seen, "seen again: the count goes up");
	sa_store_unlock(st);

	t_ok(set_accept_all("true") == 0 && check(rogue_leaf, NULL, "x").accepted &&
	    strcmp(check(rogue_leaf, NULL, "x").how, "accept-all") == 0,
	    "accept-all accepts an unknown certificate");
	set_accept_all("false");

	t_ok(txn_fp(rogue_leaf, sa_txn_accept) == 0, "accept the Invalid entry");
	v = check(rogue_leaf, NULL, "anything.example");
	t_ok(v.accepted && strcmp(v.how, "pinned") == 0,
	    "after accept the very next connection is accepted (pinned)");
	txn_fp(rogue_leaf, sa_txn_remove);
	check(rogue_leaf, NULL, "x");
	t_ok(txn_fp(rogue_leaf, sa_txn_reject) == 0, "reject the Invalid entry");
	set_accept_all("true");
	v = check(rogue_leaf, NULL, "x");
	t_ok(!v.accepted && v.reason == SA_REASON_REJECTED,
	    "a rejected certificate is refused at once, even with accept-all");
	set_accept_all("false");

	txn_fp(intermediate, sa_txn_remove);
	txn_fp(root, sa_txn_remove);
	v = check(leaf, intermediate, "server.example");
	t_ok(!v.accepted && v.reason == SA_REASON_UNKNOWN_ISSUER,
	    "after removing the CA the chain is refused, without a restart");
}

/*
 * A TLS handshake in memory: server presents cert (+ chain).  With sink,
 * the host and peer are the SSL_CTX's defaults, as a client like libcurl
 * that makes its own SSL objects sets them, and the verdict goes to sink.
 */
static int
handshake_sink(X509 *cert, EVP_PKEY *key, X509 *chain, const char *host,
    const struct sa_tls_verdict **verdict_out, struct sa_tls_verdict *copy,
    struct sa_tls_verdict *sink)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *s, *c;
	BIO *sb, *cb;
	int i, cr = -1, sr = -1, done = 0;
	const struct sa_tls_verdict *v;

	SSL_CTX_use_certificate(sctx, cert);
	SSL_CTX_use_PrivateKey(sctx, key);
	if (chain != NULL) {
		X509_up_ref(chain);
		SSL_CTX_add_extra_chain_cert(sctx, chain);
	}
	sa_tls_install(st, cctx);
	if (sink != NULL)
		sa_tls_set_ctx_peer(cctx, host, "ctx-default:8443", sink);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	BIO_new_bio_pair(&sb, 0, &cb, 0);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_tlsext_host_name(c, host);
	if (sink == NULL)
		sa_tls_set_peer(c, host, "in-memory:443");
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	for (i = 0; i < 50 && !done; i++) {
		cr = SSL_do_handshake(c);
		sr = SSL_do_handshake(s);
		if (cr == 1 && sr == 1)
			done = 1;
		if (cr <= 0 && SSL_get_error(c, cr) == SSL_ERROR_SSL)
			break;
	}
	v = sa_tls_get_verdict(c);
	if (v != NULL)
		*copy = *v;
	*verdict_out = v != NULL ? copy : NULL;
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	return done;
}

static int
handshake(X509 *cert, EVP_PKEY *key, X509 *chain, const char *host,
    const struct sa_tls_verdict **verdict_out, struct sa_tls_verdict *copy)
{
	return handshake_sink(cert, key, chain, host, verdict_out, copy, NULL);
}

/* sa_tls_set_ctx_peer: what libcurl's SSL_CTX callback uses. */
static void
test_ctx_defaults(void)
{
	const struct sa_tls_verdict *v;
	struct sa_tls_verdict copy, sink;
	int ok;

	memset(&sink, 0, sizeof(sink));
	ok = handshake_sink(leaf, leaf_key, intermediate, "server.example", &v,
	    &copy, &sink);
	t_ok(ok && sink.accepted && strcmp(sink.how, "trusted-chain") == 0,
	    "SSL_CTX defaults: a trusted chain is accepted, the verdict "
	    "reaches the sink");
	memset(&sink, 0, sizeof(sink));
	ok = handshake_sink(leaf, leaf_key, intermediate, "other.example", &v,
	    &copy, &sink);
	t_ok(!ok && !sink.accepted &&
	    sink.reason == SA_REASON_HOSTNAME_MISMATCH,
	    "SSL_CTX defaults: the host name is checked against the default "
	    "host");
	memset(&sink, 0, sizeof(sink));
	ok = handshake_sink(rogue_leaf, rogue_key, NULL, "server.example", &v,
	    &copy, &sink);
	sa_store_rdlock(st);
	t_ok(!ok && sink.reason == SA_REASON_UNKNOWN_ISSUER &&
	    find_x(rogue_leaf) != NULL && find_x(rogue_leaf)->peer != NULL &&
	    strcmp(find_x(rogue_leaf)->peer, "ctx-default:8443") == 0,
	    "SSL_CTX defaults: an unknown certificate is recorded with the "
	    "default peer");
	sa_store_unlock(st);
}

static void
test_callback(void)
{
	const struct sa_tls_verdict *v;
	struct sa_tls_verdict copy;
	char *pem = tc_pem(root), err[256];
	struct sa_txn *t = sa_txn_new(st, "test");
	int ok;

	sa_txn_import(t, (unsigned char *)pem, strlen(pem), SA_ORIGIN_IMPORTED,
	    err, sizeof(err));
	sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	free(pem);
	txn_fp(rogue_leaf, sa_txn_remove);	/* rejected by test_function */
	ok = handshake(leaf, leaf_key, intermediate, "server.example", &v, &copy);
	t_ok(ok && v != NULL && v->accepted, "a handshake with a trusted chain "
	    "completes through the verify callback");
	ok = handshake(rogue_leaf, rogue_key, NULL, "server.example", &v, &copy);
	t_ok(!ok && v != NULL && !v->accepted &&
	    v->reason == SA_REASON_UNKNOWN_ISSUER,
	    "a handshake with an unknown certificate fails: unknown-issuer");
	sa_store_rdlock(st);
	t_ok(find_x(rogue_leaf) != NULL && find_x(rogue_leaf)->peer != NULL &&
	    strcmp(find_x(rogue_leaf)->peer, "in-memory:443") == 0,
	    "the callback records the peer it was given");
	sa_store_unlock(st);
}

static void
test_host_port(void)
{
	char host[64], port[16];

	t_ok(sa_split_host_port("prov.example:443", host, sizeof(host), port,
	    sizeof(port)) == 0 && strcmp(host, "prov.example") == 0 &&
	    strcmp(port, "443") == 0, "HOST:PORT splits");
	t_ok(sa_split_host_port("[::1]:6513", host, sizeof(host), port,
	    sizeof(port)) == 0 && strcmp(host, "::1") == 0 &&
	    strcmp(port, "6513") == 0, "[V6]:PORT splits");
	t_ok(sa_split_host_port("h:99999", host, sizeof(host), port,
	    sizeof(port)) != 0 && sa_split_host_port("h:0", host,
	    sizeof(host), port, sizeof(port)) != 0 &&
	    sa_split_host_port("h:0000080", host, sizeof(host), port,
	    sizeof(port)) != 0, "ports 0, 99999, and of 7 digits are refused");
	t_ok(sa_split_host_port("h", host, sizeof(host), port,
	    sizeof(port)) != 0 && sa_split_host_port("h:x1", host,
	    sizeof(host), port, sizeof(port)) != 0,
	    "no port, a port that is not a number: refused");
}

int
main(void)
{
	struct sa_store_opts opts;
	struct tc_opts o;
	char *dir = t_tmpdir(), sd[600], fb[600], err[256];
	time_t now = t_now();
	int r;

	test_host_port();
	root_key = tc_key();
	int_key = tc_key();
	leaf_key = tc_key();
	rogue_key = tc_key();
	memset(&o, 0, sizeof(o));
	o.cn = "TLS Root";
	o.ca = 1;
	root = tc_cert(&o, root_key, NULL, NULL);
	o.cn = "TLS Intermediate";
	intermediate = tc_cert(&o, int_key, root, root_key);
	o.cn = "Rogue Root";
	rogue_root = tc_cert(&o, rogue_key, NULL, NULL);
	memset(&o, 0, sizeof(o));
	o.cn = "server.example";
	o.dns = "server.example";
	leaf = tc_cert(&o, leaf_key, intermediate, int_key);
	o.not_before = now - 30 * 86400;
	o.not_after = now - 86400;
	expired_leaf = tc_cert(&o, leaf_key, intermediate, int_key);
	memset(&o, 0, sizeof(o));
	o.cn = "server.example";
	o.dns = "server.example";
	rogue_leaf = tc_cert(&o, rogue_key, rogue_root, rogue_key);

	snprintf(fb, sizeof(fb), "%s/factory.pem", dir);
	tc_write_pem(fb, root);
	snprintf(sd, sizeof(sd), "%s/state", dir);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = fb;
	opts.clock = t_clock;
	r = sa_store_open(sd, &opts, &st, err, sizeof(err));
	if (!t_ok(r == 0, "open: %s", r ? err : ""))
		return t_done();
	test_function();
	test_callback();
	test_ctx_defaults();
	sa_store_free(st);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
