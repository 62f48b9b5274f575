/*
 * sa_entry.c - store entries made from certificates.  The metadata that
 * lists, tables and checks need is extracted once here and persisted, so
 * that loading the store never parses a certificate again.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "sa_store_int.h"

struct sa_node *
sa_node_from_x509(X509 *x, const unsigned char *der, size_t der_len,
    const unsigned char fp[SA_FP_LEN])
{
	struct sa_node *n;
	int ok = 1;

	if ((n = sa_node_new()) == NULL)
		return NULL;
	memcpy(n->e.fp, fp, SA_FP_LEN);
	n->e.der_len = der_len;
	n->e.subject = sa_name_string(X509_get_subject_name(x));
	n->e.issuer = sa_name_string(X509_get_issuer_name(x));
	if ((n->e.der = malloc(der_len)) == NULL || n->e.subject == NULL ||
	    n->e.issuer == NULL) {
		sa_node_free(n);
		return NULL;
	}
	memcpy(n->e.der, der, der_len);
	n->e.not_before = sa_asn1_time(X509_get0_notBefore(x));
	n->e.not_after = sa_asn1_time(X509_get0_notAfter(x));
	n->e.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	n->e.subject_hash = X509_NAME_hash_ex(X509_get_subject_name(x), NULL,
	    NULL, &ok);
	n->e.issuer_hash = X509_NAME_hash_ex(X509_get_issuer_name(x), NULL,
	    NULL, &ok);
	return n;
}

X509 *
sa_entry_x509(const struct sa_entry *e)
{
	const unsigned char *p = e->der;

	return d2i_X509(NULL, &p, (long)e->der_len);
}
