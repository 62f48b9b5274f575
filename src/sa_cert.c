/*
 * sa_cert.c - reading certificate files and describing certificates.
 *
 * A file is accepted only when everything in it is a certificate: a private
 * key that slipped into a bundle must never end up stored, so one foreign
 * block refuses the whole file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sa_cert.h"
#include "sa_err.h"
#include "sa_text.h"

static int
is_blank(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace(buf[i]))
			return 0;
	return 1;
}

static const char *
describe_foreign_der(const unsigned char *buf, size_t len)
{
	const unsigned char *p;
	EVP_PKEY *pk;
	X509_REQ *req;
	X509_CRL *crl;

	p = buf;
	if ((pk = d2i_AutoPrivateKey(NULL, &p, (long)len)) != NULL) {
		EVP_PKEY_free(pk);
		return "the file holds a private key, not a certificate; refused";
	}
	p = buf;
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL) {
		X509_REQ_free(req);
		return "the file holds a certificate request (CSR), not a certificate";
	}
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL) {
		X509_CRL_free(crl);
		return "the file holds a CRL, not a certificate";
	}
	return NULL;
}

/* Appends one DER certificate to set; takes nothing over on failure. */
static int
add_der(struct sa_parsed_set *set, const unsigned char *der, size_t len,
    char *err, size_t errlen, size_t index)
{
	const unsigned char *p = der;
	struct sa_parsed *n, *c;
	X509 *x;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "certificate %zu: truncated or malformed DER", index + 1);
	if ((size_t)(p - der) != len) {
		X509_free(x);
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "certificate %zu: %zu bytes of trailing data after the "
		    "DER certificate", index + 1, len - (size_t)(p - der));
	}
	/* computes the cached extension flags and spots broken extensions */
	if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
		X509_free(x);
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "certificate %zu: malformed extensions", index + 1);
	}
	n = realloc(set->certs, (set->n + 1) * sizeof(*set->certs));
	if (n == NULL) {
		X509_free(x);
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	set->certs = n;
	c = &set->certs[set->n];
	if ((c->der = malloc(len)) == NULL) {
		X509_free(x);
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	c->x509 = x;
	sa_cert_fingerprint(der, len, c->fp);
	set->n++;
	return 0;
}

static int
pem_is_certificate(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	    strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

static const char *
pem_foreign_reason(const char *name)
{
	if (strstr(name, "PRIVATE KEY") != NULL)
		return "a private key";
	if (strstr(name, "CERTIFICATE REQUEST") != NULL)
		return "a certificate request (CSR)";
	if (strcmp(name, PEM_STRING_X509_CRL) == 0)
		return "a CRL";
	return NULL;
}

/* A "TRUSTED CERTIFICATE" carries OpenSSL trust settings after the DER. */
static int
add_pem_block(struct sa_parsed_set *set, const char *name,
    const unsigned char *data, long len, char *err, size_t errlen)
{
	const unsigned char *p = data;
	unsigned char *der = NULL;
	X509 *x;
	int r, dlen;

	if (strcmp(name, PEM_STRING_X509_TRUSTED) != 0)
		return add_der(set, data, (size_t)len, err, errlen, set->n);
	if ((x = d2i_X509_AUX(NULL, &p, len)) == NULL)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "certificate %zu: malformed TRUSTED CERTIFICATE", set->n + 1);
	dlen = i2d_X509(x, &der);
	X509_free(x);
	if (dlen <= 0)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "certificate %zu: cannot encode", set->n + 1);
	r = add_der(set, der, (size_t)dlen, err, errlen, set->n);
	OPENSSL_free(der);
	return r;
}

static int
parse_pem(const unsigned char *buf, size_t len, struct sa_parsed_set *set,
    char *err, size_t errlen)
{
	BIO *bio;
	char *name = NULL, *header = NULL, shown[64];
	unsigned char *data = NULL;
	const char *foreign;
	unsigned long e;
	long dlen;
	int r = 0, blocks = 0;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	for (;;) {
		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
			e = ERR_peek_last_error();
			if (ERR_GET_REASON(e) != PEM_R_NO_START_LINE || blocks == 0)
				r = sa_fail(err, errlen, SA_ERR_INVALID,
				    "PEM block %d is malformed (bad base64 or a "
				    "missing END line)", blocks + 1);
			break;
		}
		blocks++;
		if ((foreign = pem_foreign_reason(name)) != NULL)
			r = sa_fail(err, errlen, SA_ERR_INVALID,
			    "PEM block %d is %s, not a certificate: the file "
			    "is refused", blocks, foreign);
		else if (!pem_is_certificate(name)) {
			/* the file's words: the one escaping rule */
			sa_text_escape_buf(shown, sizeof(shown), name);
			r = sa_fail(err, errlen, SA_ERR_INVALID,
			    "PEM block %d is a \"%s\", not a certificate",
			    blocks, shown);
		} else
			r = add_pem_block(set, name, data, dlen, err, errlen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)dlen);
		name = header = NULL;
		data = NULL;
		if (r != 0)
			break;
	}
	ERR_clear_error();
	BIO_free(bio);
	return r;
}

static int
has_pem_marker(const unsigned char *buf, size_t len)
{
	static const char marker[] = "-----BEGIN ";
	size_t i, m = sizeof(marker) - 1;

	for (i = 0; i + m <= len; i++)
		if (buf[i] == '-' && memcmp(buf + i, marker, m) == 0)
			return 1;
	return 0;
}

int
sa_cert_parse(const unsigned char *buf, size_t len, struct sa_parsed_set *out,
    char *err, size_t errlen)
{
	const char *why;
	int r;

	out->certs = NULL;
	out->n = 0;
	if (buf == NULL || is_blank(buf, len))
		return sa_fail(err, errlen, SA_ERR_INVALID, "the file is empty");
	if (len > INT32_MAX)
		return sa_fail(err, errlen, SA_ERR_INVALID, "the file is too large");
	if (has_pem_marker(buf, len))
		r = parse_pem(buf, len, out, err, errlen);
	else if (buf[0] != 0x30)
		r = sa_fail(err, errlen, SA_ERR_INVALID,
		    "not a certificate: neither PEM nor DER");
	/* a whole certificate is no key; OpenSSL's key decoders are slow */
	else if ((r = add_der(out, buf, len, err, errlen, 0)) != 0 &&
	    (why = describe_foreign_der(buf, len)) != NULL)
		r = sa_fail(err, errlen, SA_ERR_INVALID, "%s", why);
	ERR_clear_error();
	if (r != 0)
		sa_parsed_set_clear(out);
	return r;
}

void
sa_parsed_set_clear(struct sa_parsed_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		X509_free(set->certs[i].x509);
		free(set->certs[i].der);
	}
	free(set->certs);
	set->certs = NULL;
	set->n = 0;
}

void
sa_cert_fingerprint(const unsigned char *der, size_t len,
    unsigned char fp[SA_FP_LEN])
{
	unsigned int n = SA_FP_LEN;

	EVP_Digest(der, len, fp, &n, EVP_sha256(), NULL);
}

static void
to_hex(const unsigned char *b, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
sa_fp_to_hex(const unsigned char fp[SA_FP_LEN], char *hex)
{
	to_hex(fp, SA_FP_LEN, hex);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
sa_fp_from_hex(const char *hex, unsigned char fp[SA_FP_LEN])
{
	size_t n = 0;
	int hi, lo;

	if (hex == NULL)
		return SA_ERR_INVALID;
	while (*hex != '\0') {
		if (*hex == ':') {
			hex++;
			continue;
		}
		if (n == SA_FP_LEN || (hi = hexval(hex[0])) < 0 ||
		    (lo = hexval(hex[1])) < 0)
			return SA_ERR_INVALID;
		fp[n++] = (unsigned char)(hi << 4 | lo);
		hex += 2;
	}
	return n == SA_FP_LEN ? 0 : SA_ERR_INVALID;
}

time_t
sa_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

long
sa_days_until(time_t t, time_t now)
{
	long long d = (long long)t - (long long)now;

	/* round toward minus infinity: one second past expiry is day -1 */
	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

void
sa_time_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

char *
sa_der_to_pem(const unsigned char *der, size_t len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	size_t b64 = 4 * ((len + 2) / 3), lines = (b64 + 63) / 64, i, n;
	unsigned char *tmp;
	char *pem, *p;

	if ((tmp = malloc(b64 + 1)) == NULL)
		return NULL;
	if ((pem = malloc(sizeof(head) + b64 + lines + sizeof(tail))) == NULL) {
		free(tmp);
		return NULL;
	}
	EVP_EncodeBlock(tmp, der, (int)len);
	p = pem;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (i = 0; i < b64; i += 64) {
		n = b64 - i < 64 ? b64 - i : 64;
		memcpy(p, tmp + i, n);
		p += n;
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail));
	free(tmp);
	return pem;
}

char *
sa_base64_encode(const unsigned char *data, size_t len)
{
	char *b = malloc(4 * ((len + 2) / 3) + 1);

	if (b != NULL)
		EVP_EncodeBlock((unsigned char *)b, data, (int)len);
	return b;
}

unsigned char *
sa_base64_decode(const char *b64, size_t *len)
{
	size_t n = strlen(b64), pad;
	unsigned char *out;
	int r;

	*len = 0;
	if (n < 4 || n % 4 != 0 || n > INT32_MAX || (out = malloc(n / 4 * 3)) == NULL)
		return NULL;
	if ((r = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n)) < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as data */
	pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
	*len = (size_t)r - pad;
	return out;
}
