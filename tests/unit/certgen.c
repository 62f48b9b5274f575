/*
 * certgen.c - test certificates (certgen.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "t.h"

EVP_PKEY *
tc_key(void)
{
	return EVP_EC_gen("P-256");
}

EVP_PKEY *
tc_key_rsa(int bits)
{
	return EVP_RSA_gen((unsigned int)bits);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

X509 *
tc_cert(const struct tc_opts *o, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	time_t now = t_now();
	char san[512] = "";
	long serial = o->serial;
	X509_NAME *name;
	X509 *x;

	if ((x = X509_new()) == NULL)
		return NULL;
	X509_set_version(x, 2);
	if (serial == 0)
		RAND_bytes((unsigned char *)&serial, sizeof(serial) - 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial < 0 ? -serial : serial);
	ASN1_TIME_set(X509_getm_notBefore(x), o->not_before ? o->not_before :
	    now - 86400);
	ASN1_TIME_set(X509_getm_notAfter(x), o->not_after ? o->not_after :
	    now + 365 * 86400);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"secagent tests", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)o->cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) :
	    name);
	X509_set_pubkey(x, key);
	add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
	    o->ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, issuer != NULL ? issuer : x, NID_key_usage, o->ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature,keyEncipherment");
	add_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier,
	    "hash");
	if (issuer != NULL)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (o->dns != NULL)
		snprintf(san, sizeof(san), "DNS:%s", o->dns);
	if (o->ip != NULL)
		snprintf(san + strlen(san), sizeof(san) - strlen(san), "%sIP:%s",
		    san[0] ? "," : "", o->ip);
	if (san[0] != '\0')
		add_ext(x, x, NID_subject_alt_name, san);
	if (!X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

size_t
tc_der(X509 *x, unsigned char **der)
{
	int n;

	*der = NULL;
	n = i2d_X509(x, der);
	return n > 0 ? (size_t)n : 0;
}

static char *
bio_take(BIO *b)
{
	char *data, *s;
	long n = BIO_get_mem_data(b, &data);

	if ((s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, data, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

char *
tc_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());

	PEM_write_bio_X509(b, x);
	return bio_take(b);
}

char *
tc_key_pem(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());

	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	return bio_take(b);
}

int
tc_write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = PEM_write_X509(f, x);
	return fclose(f) == 0 && ok ? 0 : -1;
}

int
tc_write_key(const char *path, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok ? 0 : -1;
}

void
tc_fp_hex(X509 *x, char *hex)
{
	unsigned char md[32], *der;
	unsigned int n = 32;
	size_t len = tc_der(x, &der);
	int i;

	EVP_Digest(der, len, md, &n, EVP_sha256(), NULL);
	OPENSSL_free(der);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}
