/*
 * sa_factory.c - the factory CA certificates.
 *
 * The seed's base station ships with DigiCert Assured ID Root CA, the
 * GeoTrust Primary Certification Authorities, a VeriSign root and the
 * Entrust Root Certification Authority.  By default the factory set is
 * taken from Debian's ca-certificates bundle: those of its roots whose
 * subjects match the seed's (whichever of them Debian still ships).  An
 * explicit bundle is taken whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sa_store_int.h"

#define DEBIAN_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static int
read_all(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *p = NULL, *np;
	size_t cap = 0, n = 0, r;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(p, cap + 1)) == NULL) {
				free(p);
				fclose(f);
				errno = ENOMEM;
				return -1;
			}
			p = np;
		}
		if ((r = fread(p + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* Does the subject match one of the seed's factory roots? */
static int
seed_root(X509 *x)
{
	static const char *const exact[] = {
		"DigiCert Assured ID Root CA",
		"Entrust Root Certification Authority",
	};
	char cn[256] = "", o[256] = "";
	X509_NAME *name = X509_get_subject_name(x);
	size_t i;

	X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn));
	X509_NAME_get_text_by_NID(name, NID_organizationName, o, sizeof(o));
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(cn, exact[i]) == 0)
			return 1;
	return strncmp(cn, "GeoTrust Primary Certification Authority", 40) == 0 ||
	    strstr(o, "VeriSign") != NULL;
}

/* Keeps the seed's roots of a PEM bundle, as PEM. */
static int
filter_seed(const unsigned char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	BIO *src, *dst;
	X509 *x;
	char *data;
	long n;

	*out = NULL;
	*outlen = 0;
	src = BIO_new_mem_buf(in, (int)inlen);
	dst = BIO_new(BIO_s_mem());
	if (src == NULL || dst == NULL) {
		BIO_free(src);
		BIO_free(dst);
		return SA_ERR_NOMEM;
	}
	while ((x = PEM_read_bio_X509(src, NULL, NULL, NULL)) != NULL) {
		if (seed_root(x))
			PEM_write_bio_X509(dst, x);
		X509_free(x);
	}
	ERR_clear_error();
	n = BIO_get_mem_data(dst, &data);
	if (n > 0 && (*out = malloc((size_t)n)) != NULL) {
		memcpy(*out, data, (size_t)n);
		*outlen = (size_t)n;
	}
	BIO_free(src);
	BIO_free(dst);
	return n > 0 && *out == NULL ? SA_ERR_NOMEM : 0;
}

int
sa_factory_load(const char *bundle, unsigned char **buf, size_t *len,
    char *err, size_t errlen)
{
	unsigned char *all;
	size_t alllen;
	int r;

	*buf = NULL;
	*len = 0;
	if (bundle != NULL) {
		if (read_all(bundle, buf, len) != 0)
			return sa_fail(err, errlen, SA_ERR_IO,
			    "factory bundle %s: %s", bundle, strerror(errno));
		return 0;
	}
	if (read_all(DEBIAN_BUNDLE, &all, &alllen) != 0)
		return 0;	/* no system bundle: no factory roots */
	r = filter_seed(all, alllen, buf, len);
	free(all);
	return r == 0 ? 0 : sa_fail(err, errlen, r, "out of memory");
}
