/*
 * sa_details.c - what the "Details" button of the seed shows: every
 * property of a certificate as text a user can read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "sa_cert.h"
#include "sa_err.h"

/* A BIO's contents as a NUL-terminated string; frees the BIO. */
static char *
bio_string(BIO *bio)
{
	char *data, *s = NULL;
	long n;

	n = BIO_get_mem_data(bio, &data);
	if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, data, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(bio);
	return s;
}

char *
sa_name_string(const X509_NAME *name)
{
	/* RFC 2253 order and escaping, but UTF-8 kept as UTF-8 */
	unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
	    ASN1_STRFLGS_UTF8_CONVERT;
	BIO *bio;

	if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, flags) < 0) {
		BIO_free(bio);
		return NULL;
	}
	return bio_string(bio);
}

static char *
serial_string(X509 *x)
{
	BIGNUM *bn;
	char *hex, *s;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return NULL;
	hex = BN_bn2hex(bn);
	BN_free(bn);
	if (hex == NULL)
		return NULL;
	s = strdup(hex);
	OPENSSL_free(hex);
	return s;
}

static const struct {
	uint32_t bit;
	const char *name;
} key_usages[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },
	{ KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },
	{ KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

static char *
key_usage_string(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);
	char buf[256] = "";
	size_t i;

	if (ku == UINT32_MAX)	/* no keyUsage extension */
		return strdup("");
	for (i = 0; i < sizeof(key_usages) / sizeof(key_usages[0]); i++) {
		if (!(ku & key_usages[i].bit))
			continue;
		if (buf[0] != '\0')
			strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, key_usages[i].name, sizeof(buf) - strlen(buf) - 1);
	}
	return strdup(buf);
}

static void
print_general_name(BIO *bio, const GENERAL_NAME *gn)
{
	const unsigned char *ip;
	int len;

	switch (gn->type) {
	case GEN_DNS:
		BIO_printf(bio, "DNS:%.*s", gn->d.dNSName->length,
		    (const char *)gn->d.dNSName->data);
		break;
	case GEN_EMAIL:
		BIO_printf(bio, "email:%.*s", gn->d.rfc822Name->length,
		    (const char *)gn->d.rfc822Name->data);
		break;
	case GEN_URI:
		BIO_printf(bio, "URI:%.*s", gn->d.uniformResourceIdentifier->length,
		    (const char *)gn->d.uniformResourceIdentifier->data);
		break;
	case GEN_IPADD:
		ip = gn->d.iPAddress->data;
		len = gn->d.iPAddress->length;
		if (len == 4) {
			BIO_printf(bio, "IP:%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3]);
		} else if (len == 16) {
			BIO_printf(bio, "IP:");
			for (int i = 0; i < 16; i += 2)
				BIO_printf(bio, "%s%x", i ? ":" : "",
				    ip[i] << 8 | ip[i + 1]);
		} else {
			BIO_printf(bio, "IP:<invalid>");
		}
		break;
	case GEN_DIRNAME:
		BIO_printf(bio, "DirName:");
		X509_NAME_print_ex(bio, gn->d.directoryName, 0, XN_FLAG_RFC2253);
		break;
	default:
		BIO_printf(bio, "othername");
		break;
	}
}

static char *
san_string(X509 *x)
{
	GENERAL_NAMES *names;
	BIO *bio;
	int i;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (names == NULL)
		return strdup("");
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		GENERAL_NAMES_free(names);
		return NULL;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		if (i > 0)
			BIO_puts(bio, ", ");
		print_general_name(bio, sk_GENERAL_NAME_value(names, i));
	}
	GENERAL_NAMES_free(names);
	return bio_string(bio);
}

static char *
dup_or_unknown(const char *s)
{
	return strdup(s != NULL ? s : "unknown");
}

int
sa_cert_details(X509 *x, struct sa_details *d)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	EVP_PKEY *pk;
	int derlen;

	memset(d, 0, sizeof(*d));
	d->subject = sa_name_string(X509_get_subject_name(x));
	d->issuer = sa_name_string(X509_get_issuer_name(x));
	d->serial = serial_string(x);
	d->not_before = sa_asn1_time(X509_get0_notBefore(x));
	d->not_after = sa_asn1_time(X509_get0_notAfter(x));
	d->version = (int)X509_get_version(x) + 1;
	d->signature_algorithm =
	    dup_or_unknown(OBJ_nid2ln(X509_get_signature_nid(x)));
	if ((pk = X509_get0_pubkey(x)) != NULL) {
		d->public_key_algorithm = dup_or_unknown(EVP_PKEY_get0_type_name(pk));
		d->public_key_bits = EVP_PKEY_get_bits(pk);
	} else {
		d->public_key_algorithm = strdup("unknown");
	}
	d->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	d->key_usage = key_usage_string(x);
	d->subject_alt_names = san_string(x);
	if ((derlen = i2d_X509(x, &der)) > 0) {
		sa_cert_fingerprint(der, (size_t)derlen, md);
		sa_fp_to_hex(md, d->sha256);
		EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha1(), NULL);
		for (unsigned int i = 0; i < mdlen && i < 20; i++)
			snprintf(d->sha1 + 2 * i, 3, "%02x", md[i]);
	}
	OPENSSL_free(der);
	if (d->subject == NULL || d->issuer == NULL || d->serial == NULL ||
	    d->signature_algorithm == NULL || d->public_key_algorithm == NULL ||
	    d->key_usage == NULL || d->subject_alt_names == NULL) {
		sa_details_clear(d);
		return SA_ERR_NOMEM;
	}
	return 0;
}

void
sa_details_clear(struct sa_details *d)
{
	free(d->subject);
	free(d->issuer);
	free(d->serial);
	free(d->signature_algorithm);
	free(d->public_key_algorithm);
	free(d->key_usage);
	free(d->subject_alt_names);
	memset(d, 0, sizeof(*d));
}
