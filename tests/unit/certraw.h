/*
 * certraw.h - certificates a hostile peer could send: names, subject
 * alternative names and serial numbers made of any bytes, with any ASN.1
 * string type, unchecked.  For the tests of the escaping rule and its
 * fuzz harness.
 */
#ifndef CERTRAW_H
#define CERTRAW_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* One name attribute or one subjectAltName, as raw bytes. */
struct tc_raw_item {
	int kind;	/* name: a NID (NID_commonName...); SAN: GEN_DNS, GEN_EMAIL,
			 * GEN_URI, GEN_IPADD, GEN_OTHERNAME (a UPN),
			 * GEN_DIRNAME (one CN), GEN_RID (bytes: a dotted OID) */
	int type;	/* the ASN.1 string type (V_ASN1_UTF8STRING, ...) where
			 * the kind has a string; 0: the kind's own */
	const unsigned char *p;
	size_t len;
	int same_rdn;	/* name: in the same RDN as the attribute before */
};

#define TC_RAW_MAX 16

struct tc_raw {
	struct tc_raw_item subject[TC_RAW_MAX];
	size_t nsubject;
	struct tc_raw_item issuer[TC_RAW_MAX];	/* none: the subject's */
	size_t nissuer;
	struct tc_raw_item san[TC_RAW_MAX];
	size_t nsan;
	const unsigned char *serial;	/* INTEGER content octets, or NULL */
	size_t serial_len;
	int ca;			/* basicConstraints CA:TRUE */
};

/*
 * A certificate of key with those names, valid from a day ago for a
 * year, signed by key.  NULL when OpenSSL refuses to encode it.
 */
X509 *tc_cert_raw(const struct tc_raw *r, EVP_PKEY *key);

#endif
