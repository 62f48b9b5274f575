/*
 * certraw.c - certificates with hostile names (certraw.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certraw.h"

static ASN1_STRING *
raw_string(int type, const struct tc_raw_item *it)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	if (s != NULL && !ASN1_STRING_set(s, it->p, (int)it->len)) {
		ASN1_STRING_free(s);
		s = NULL;
	}
	return s;
}

static int
add_names(X509_NAME *name, const struct tc_raw_item *items, size_t n)
{
	size_t i;
	int type;

	for (i = 0; i < n; i++) {
		type = items[i].type ? items[i].type : V_ASN1_UTF8STRING;
		/* a type without the MBSTRING flag: the bytes are taken as they are */
		if (!X509_NAME_add_entry_by_NID(name, items[i].kind, type,
		    items[i].p, (int)items[i].len, -1, i > 0 && items[i].same_rdn ?
		    -1 : 0))
			return -1;
	}
	return 0;
}

static GENERAL_NAME *
raw_san(const struct tc_raw_item *it)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_TYPE *v;
	char oid[128];

	if (gn == NULL)
		return NULL;
	gn->type = it->kind;
	switch (it->kind) {
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		gn->d.ia5 = raw_string(V_ASN1_IA5STRING, it);
		if (gn->d.ia5 == NULL)
			goto fail;
		return gn;
	case GEN_IPADD:
		gn->d.ip = raw_string(V_ASN1_OCTET_STRING, it);
		if (gn->d.ip == NULL)
			goto fail;
		return gn;
	case GEN_OTHERNAME:
		if ((gn->d.otherName = OTHERNAME_new()) == NULL ||
		    (v = ASN1_TYPE_new()) == NULL)
			goto fail;
		ASN1_OBJECT_free(gn->d.otherName->type_id);
		gn->d.otherName->type_id = OBJ_nid2obj(NID_ms_upn);
		ASN1_TYPE_free(gn->d.otherName->value);
		gn->d.otherName->value = v;
		ASN1_TYPE_set(v, it->type ? it->type : V_ASN1_UTF8STRING,
		    raw_string(it->type ? it->type : V_ASN1_UTF8STRING, it));
		return gn;
	case GEN_DIRNAME:
		if ((gn->d.dirn = X509_NAME_new()) == NULL)
			goto fail;
		if (add_names(gn->d.dirn, &(struct tc_raw_item){ NID_commonName,
		    it->type, it->p, it->len, 0 }, 1) != 0)
			goto fail;
		return gn;
	case GEN_RID:
		snprintf(oid, sizeof(oid), "%.*s", (int)(it->len < 100 ? it->len : 100),
		    (const char *)it->p);
		if ((gn->d.rid = OBJ_txt2obj(oid, 1)) == NULL)
			gn->d.rid = OBJ_txt2obj("1.2.3.4", 1);
		if (gn->d.rid == NULL)
			goto fail;
		return gn;
	default:
		break;
	}
 fail:
	GENERAL_NAME_free(gn);	/* frees what was filled in */
	return NULL;
}

static int
add_sans(X509 *x, const struct tc_raw_item *items, size_t n)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	size_t i;
	int ok = 1;

	if (n == 0)
		return 0;
	if ((names = GENERAL_NAMES_new()) == NULL)
		return -1;
	for (i = 0; i < n && ok; i++)
		ok = (gn = raw_san(&items[i])) != NULL &&
		    sk_GENERAL_NAME_push(names, gn) > 0;
	ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, 0) == 1;
	GENERAL_NAMES_free(names);
	return ok ? 0 : -1;
}

X509 *
tc_cert_raw(const struct tc_raw *r, EVP_PKEY *key)
{
	time_t now = time(NULL);
	X509_NAME *subject = NULL, *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509 *x;
	int ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	X509_set_version(x, 2);
	if (r->serial != NULL && r->serial_len > 0) {
		serial = ASN1_STRING_type_new(V_ASN1_INTEGER);
		ok = serial != NULL && ASN1_STRING_set(serial, r->serial,
		    (int)r->serial_len) && X509_set_serialNumber(x, serial);
	} else {
		ok = ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	}
	ASN1_TIME_set(X509_getm_notBefore(x), now - 86400);
	ASN1_TIME_set(X509_getm_notAfter(x), now + 365 * 86400);
	ok = ok && (subject = X509_NAME_new()) != NULL &&
	    (issuer = X509_NAME_new()) != NULL &&
	    add_names(subject, r->subject, r->nsubject) == 0 &&
	    add_names(issuer, r->nissuer ? r->issuer : r->subject,
	    r->nissuer ? r->nissuer : r->nsubject) == 0 &&
	    X509_set_subject_name(x, subject) && X509_set_issuer_name(x, issuer) &&
	    X509_set_pubkey(x, key) && add_sans(x, r->san, r->nsan) == 0;
	if (ok && r->ca) {
		BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

		if (bc != NULL)
			bc->ca = 0xff;
		ok = bc != NULL &&
		    X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, 0) == 1;
		BASIC_CONSTRAINTS_free(bc);
	}
	ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
	ASN1_INTEGER_free(serial);
	X509_NAME_free(subject);
	X509_NAME_free(issuer);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}
