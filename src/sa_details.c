/*
 * sa_details.c - what the "Details" button of the seed shows: every
 * property of a certificate as text a user can read.  A certificate is
 * outside input (a TLS peer chose every byte of it): each string made
 * here follows the one escaping rule of sa_text.h, whatever the
 * certificate holds, so that no interface has to escape again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "sa_cert.h"
#include "sa_err.h"
#include "sa_text.h"

/* The short name of a known attribute or algorithm, else its dotted OID. */
static void
put_object(struct sa_text *t, const ASN1_OBJECT *obj)
{
	char buf[128];
	int nid = OBJ_obj2nid(obj);
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;

	if (sn == NULL) {
		if (OBJ_obj2txt(buf, sizeof(buf), obj, 1) <= 0)
			snprintf(buf, sizeof(buf), "?");
		sn = buf;
	}
	sa_text_put_escaped(t, sn, strlen(sn), 0);
}

/*
 * A string of a name or an otherName, as UTF-8 from whatever ASN.1 string
 * type it is; a value that does not convert (a UTF8String that is not
 * UTF-8, a type that is not a string) as its bytes.  The rule escapes
 * what is not text either way.
 */
static void
put_asn1_string(struct sa_text *t, const ASN1_STRING *s, unsigned int flags)
{
	unsigned char *utf8 = NULL;
	int n, type = ASN1_STRING_type(s);

	/* 7-bit types: a byte above 0x7f is shown as it is, not as Latin-1 */
	if (type == V_ASN1_IA5STRING || type == V_ASN1_PRINTABLESTRING ||
	    type == V_ASN1_VISIBLESTRING || type == V_ASN1_NUMERICSTRING) {
		sa_text_put_escaped(t, ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s), flags);
	} else if ((n = ASN1_STRING_to_UTF8(&utf8, s)) >= 0) {
		sa_text_put_escaped(t, utf8, (size_t)n, flags);
		OPENSSL_free(utf8);
	} else {
		ERR_clear_error();
		sa_text_put_escaped(t, ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s), flags);
	}
}

/*
 * RFC 4514: the RDNs last first, "," between them, "+" between the
 * attributes of one RDN, TYPE=VALUE with the short name of the type.  The
 * values are escaped by the one rule (sa_text.h) with RFC 4514's special
 * characters, rather than by X509_NAME_print_ex, which refuses a whole
 * name when one value is not valid UTF-8 and writes controls its own way.
 */
static void
put_name(struct sa_text *t, const X509_NAME *name)
{
	const X509_NAME_ENTRY *ne;
	int i, n = X509_NAME_entry_count(name), set, prev = -1;

	for (i = n - 1; i >= 0; i--) {
		ne = X509_NAME_get_entry(name, i);
		set = X509_NAME_ENTRY_set(ne);
		if (i != n - 1)
			sa_text_put(t, set == prev ? "+" : ",");
		prev = set;
		put_object(t, X509_NAME_ENTRY_get_object(ne));
		sa_text_put(t, "=");
		put_asn1_string(t, X509_NAME_ENTRY_get_data(ne), SA_TEXT_DN);
	}
}

char *
sa_name_string(const X509_NAME *name)
{
	struct sa_text t;

	if (name == NULL)
		return NULL;
	memset(&t, 0, sizeof(t));
	put_name(&t, name);
	if (t.s == NULL)
		sa_text_put(&t, "");
	return sa_text_finish(&t);
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
	s = sa_text_escape_str(hex);
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
put_ip(struct sa_text *t, const ASN1_OCTET_STRING *a)
{
	const unsigned char *ip = ASN1_STRING_get0_data(a);
	char buf[48];
	int len = ASN1_STRING_length(a), i;

	if (len == 4) {
		snprintf(buf, sizeof(buf), "IP:%d.%d.%d.%d", ip[0], ip[1], ip[2],
		    ip[3]);
		sa_text_put(t, buf);
	} else if (len == 16) {
		sa_text_put(t, "IP:");
		for (i = 0; i < 16; i += 2) {
			snprintf(buf, sizeof(buf), "%s%x", i ? ":" : "",
			    ip[i] << 8 | ip[i + 1]);
			sa_text_put(t, buf);
		}
	} else {
		sa_text_put(t, "IP:<invalid>");
	}
}

/* One subject alternative name; strings escaped as list items. */
static void
put_general_name(struct sa_text *t, const GENERAL_NAME *gn)
{
	const ASN1_TYPE *v;

	switch (gn->type) {
	case GEN_DNS:
		sa_text_put(t, "DNS:");
		put_asn1_string(t, gn->d.dNSName, SA_TEXT_LIST);
		break;
	case GEN_EMAIL:
		sa_text_put(t, "email:");
		put_asn1_string(t, gn->d.rfc822Name, SA_TEXT_LIST);
		break;
	case GEN_URI:
		sa_text_put(t, "URI:");
		put_asn1_string(t, gn->d.uniformResourceIdentifier, SA_TEXT_LIST);
		break;
	case GEN_IPADD:
		put_ip(t, gn->d.iPAddress);
		break;
	case GEN_DIRNAME:
		/* a name's "," is never followed by a blank: the list's is */
		sa_text_put(t, "DirName:");
		put_name(t, gn->d.directoryName);
		break;
	case GEN_RID:
		sa_text_put(t, "RID:");
		put_object(t, gn->d.registeredID);
		break;
	case GEN_OTHERNAME:
		sa_text_put(t, "othername:");
		put_object(t, gn->d.otherName->type_id);
		v = gn->d.otherName->value;
		if (v != NULL && v->type != V_ASN1_BOOLEAN &&
		    v->type != V_ASN1_OBJECT && v->type != V_ASN1_NULL &&
		    v->value.asn1_string != NULL) {
			sa_text_put(t, ":");
			put_asn1_string(t, v->value.asn1_string, SA_TEXT_LIST);
		}
		break;
	case GEN_X400:
		sa_text_put(t, "X400Name");
		break;
	case GEN_EDIPARTY:
		sa_text_put(t, "EdiPartyName");
		break;
	default:
		sa_text_put(t, "othername");
		break;
	}
}

static char *
san_string(X509 *x)
{
	GENERAL_NAMES *names;
	struct sa_text t;
	int i;

	memset(&t, 0, sizeof(t));
	sa_text_put(&t, "");
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ERR_clear_error();
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		if (i > 0)
			sa_text_put(&t, ", ");
		put_general_name(&t, sk_GENERAL_NAME_value(names, i));
	}
	GENERAL_NAMES_free(names);
	return sa_text_finish(&t);
}

/* The signature algorithm: OpenSSL's long name, else the OID. */
static char *
signature_algorithm_string(X509 *x)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int nid = X509_get_signature_nid(x);
	struct sa_text t;

	memset(&t, 0, sizeof(t));
	if (nid != NID_undef && OBJ_nid2ln(nid) != NULL) {
		sa_text_put_escaped(&t, OBJ_nid2ln(nid), strlen(OBJ_nid2ln(nid)),
		    0);
		return sa_text_finish(&t);
	}
	X509_get0_signature(NULL, &alg, x);
	if (alg != NULL)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj != NULL)
		put_object(&t, obj);
	else
		sa_text_put(&t, "unknown");
	return sa_text_finish(&t);
}

/* The key's type as the provider names it, else the algorithm's OID. */
static char *
public_key_algorithm_string(X509 *x, EVP_PKEY *pk)
{
	ASN1_OBJECT *obj = NULL;
	const char *name = pk != NULL ? EVP_PKEY_get0_type_name(pk) : NULL;
	struct sa_text t;

	memset(&t, 0, sizeof(t));
	if (name != NULL) {
		sa_text_put_escaped(&t, name, strlen(name), 0);
		return sa_text_finish(&t);
	}
	X509_PUBKEY_get0_param(&obj, NULL, NULL, NULL, X509_get_X509_PUBKEY(x));
	if (obj != NULL)
		put_object(&t, obj);
	else
		sa_text_put(&t, "unknown");
	return sa_text_finish(&t);
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
	d->signature_algorithm = signature_algorithm_string(x);
	if ((pk = X509_get0_pubkey(x)) != NULL)
		d->public_key_bits = EVP_PKEY_get_bits(pk);
	ERR_clear_error();
	d->public_key_algorithm = public_key_algorithm_string(x, pk);
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
