/*
 * certgen.h - certificates made by the tests with OpenSSL: CA chains,
 * expired, not yet valid, wrong signature, any name.
 */
#ifndef CERTGEN_H
#define CERTGEN_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tc_opts {
	const char *cn;
	int ca;			/* basicConstraints CA:TRUE, keyCertSign */
	time_t not_before;	/* 0: t_now() - 1 day */
	time_t not_after;	/* 0: t_now() + 365 days */
	const char *dns;	/* subjectAltName DNS, or NULL */
	const char *ip;		/* subjectAltName IP, or NULL */
	long serial;		/* 0: random */
};

/* A fresh EC P-256 key (fast to make). */
EVP_PKEY *tc_key(void);
/* A fresh RSA key. */
EVP_PKEY *tc_key_rsa(int bits);

/*
 * A certificate for key, signed by issuer_key under issuer's name
 * (issuer NULL: self-signed with key).  Returns NULL on failure.
 */
X509 *tc_cert(const struct tc_opts *o, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key);

/* DER of x; caller frees with OPENSSL_free. */
size_t tc_der(X509 *x, unsigned char **der);
/* PEM of x; caller frees with free. */
char *tc_pem(X509 *x);
/* PEM of a private key; caller frees. */
char *tc_key_pem(EVP_PKEY *key);
/* Writes x (PEM) or key to a file; 0 or -1. */
int tc_write_pem(const char *path, X509 *x);
int tc_write_key(const char *path, EVP_PKEY *key);
/* SHA-256 of x's DER, as 64 hex digits, into hex[65]. */
void tc_fp_hex(X509 *x, char *hex);

#endif
