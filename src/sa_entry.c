/*
 * sa_entry.c - store entries made from certificates.  Everything lists,
 * tables, details and checks need is extracted once here and persisted,
 * so that neither loading the store nor reading a table parses a
 * certificate again.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "sa_store_int.h"

/* Moves the details of x into n's fields; 0 or -1. */
int
sa_node_fill_details(struct sa_node *n, X509 *x)
{
	struct sa_details d;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	int ok = 1;

	if (sa_cert_details(x, &d) != 0)
		return -1;
	/* made again for an entry read back from an older record */
	free(n->e.subject);
	free(n->e.issuer);
	free(n->e.serial);
	free(n->e.signature_algorithm);
	free(n->e.public_key_algorithm);
	free(n->e.key_usage);
	free(n->e.subject_alt_names);
	n->e.subject = d.subject;
	n->e.issuer = d.issuer;
	n->e.serial = d.serial;
	n->e.signature_algorithm = d.signature_algorithm;
	n->e.public_key_algorithm = d.public_key_algorithm;
	n->e.public_key_bits = d.public_key_bits;
	n->e.key_usage = d.key_usage;
	n->e.subject_alt_names = d.subject_alt_names;
	n->e.not_before = d.not_before;
	n->e.not_after = d.not_after;
	n->e.is_ca = d.is_ca;
	n->e.subject_hash = X509_NAME_hash_ex(X509_get_subject_name(x), NULL,
	    NULL, &ok);
	n->e.issuer_hash = X509_NAME_hash_ex(X509_get_issuer_name(x), NULL,
	    NULL, &ok);
	/* over the DER as stored, which is what the fingerprint is of */
	EVP_Digest(n->e.der, n->e.der_len, md, &mdlen, EVP_sha1(), NULL);
	for (i = 0; i < mdlen && i < 20; i++) {
		static const char hex[] = "0123456789abcdef";
		n->e.sha1[2 * i] = hex[md[i] >> 4];
		n->e.sha1[2 * i + 1] = hex[md[i] & 15];
	}
	n->e.sha1[40] = '\0';
	return 0;
}

struct sa_node *
sa_node_from_x509(X509 *x, const unsigned char *der, size_t der_len,
    const unsigned char fp[SA_FP_LEN])
{
	struct sa_node *n;

	if ((n = sa_node_new()) == NULL)
		return NULL;
	memcpy(n->e.fp, fp, SA_FP_LEN);
	if ((n->e.der = malloc(der_len)) == NULL) {
		sa_node_free(n);
		return NULL;
	}
	memcpy(n->e.der, der, der_len);
	n->e.der_len = der_len;
	if (sa_node_fill_details(n, x) != 0) {
		sa_node_free(n);
		return NULL;
	}
	return n;
}

X509 *
sa_entry_x509(const struct sa_entry *e)
{
	const unsigned char *p = e->der;

	return d2i_X509(NULL, &p, (long)e->der_len);
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

int
sa_entry_details(const struct sa_entry *e, struct sa_details *d)
{
	memset(d, 0, sizeof(*d));
	d->subject = dup_or_empty(e->subject);
	d->issuer = dup_or_empty(e->issuer);
	d->serial = dup_or_empty(e->serial);
	d->not_before = e->not_before;
	d->not_after = e->not_after;
	sa_fp_to_hex(e->fp, d->sha256);
	memcpy(d->sha1, e->sha1, sizeof(d->sha1));
	d->signature_algorithm = dup_or_empty(e->signature_algorithm);
	d->public_key_algorithm = dup_or_empty(e->public_key_algorithm);
	d->public_key_bits = e->public_key_bits;
	d->is_ca = e->is_ca;
	d->key_usage = dup_or_empty(e->key_usage);
	d->subject_alt_names = dup_or_empty(e->subject_alt_names);
	d->version = 3;
	if (d->subject == NULL || d->issuer == NULL || d->serial == NULL ||
	    d->signature_algorithm == NULL || d->public_key_algorithm == NULL ||
	    d->key_usage == NULL || d->subject_alt_names == NULL) {
		sa_details_clear(d);
		return SA_ERR_NOMEM;
	}
	return 0;
}
