/*
 * test_cert.c - reading certificate files and describing certificates.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "sa_cert.h"
#include "sa_err.h"
#include "sa_store.h"
#include "t.h"

static int
parse_str(const char *s, struct sa_parsed_set *set, char *err, size_t errlen)
{
	return sa_cert_parse((const unsigned char *)s, strlen(s), set, err, errlen);
}

static void
test_formats(void)
{
	EVP_PKEY *k = tc_key();
	struct tc_opts o = { .cn = "one.example" };
	X509 *a = tc_cert(&o, k, NULL, NULL), *b, *c;
	struct sa_parsed_set set;
	unsigned char *der;
	char err[256], hex[65], fph[65], *pa, *pb, *pc, *bundle;
	size_t len;
	int r;

	o.cn = "two.example";
	b = tc_cert(&o, k, NULL, NULL);
	o.cn = "three.example";
	c = tc_cert(&o, k, NULL, NULL);
	pa = tc_pem(a);
	pb = tc_pem(b);
	pc = tc_pem(c);

	r = parse_str(pa, &set, err, sizeof(err));
	tc_fp_hex(a, hex);
	sa_fp_to_hex(set.n ? set.certs[0].fp : (unsigned char *)"", fph);
	t_ok(r == 0 && set.n == 1 && strcmp(hex, fph) == 0,
	    "PEM: one certificate, SHA-256 fingerprint of its DER");
	sa_parsed_set_clear(&set);

	len = tc_der(a, &der);
	r = sa_cert_parse(der, len, &set, err, sizeof(err));
	t_ok(r == 0 && set.n == 1 && set.certs[0].der_len == len,
	    "DER: one certificate");
	sa_parsed_set_clear(&set);

	r = sa_cert_parse(der, len - 10, &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && strstr(err, "truncated") != NULL,
	    "truncated DER refused: %s", err);
	{
		unsigned char *longer = malloc(len + 3);
		memcpy(longer, der, len);
		memcpy(longer + len, "abc", 3);
		r = sa_cert_parse(longer, len + 3, &set, err, sizeof(err));
		t_ok(r == SA_ERR_INVALID && strstr(err, "trailing") != NULL,
		    "DER with trailing bytes refused: %s", err);
		free(longer);
	}
	OPENSSL_free(der);

	bundle = malloc(strlen(pa) + strlen(pb) + strlen(pc) + 100);
	sprintf(bundle, "# first\n%s\nsome comment\n%s%s", pa, pb, pc);
	r = parse_str(bundle, &set, err, sizeof(err));
	t_ok(r == 0 && set.n == 3, "PEM bundle of three with text between");
	sa_parsed_set_clear(&set);
	free(bundle);

	free(pa);
	free(pb);
	free(pc);
	X509_free(a);
	X509_free(b);
	X509_free(c);
	EVP_PKEY_free(k);
}

static void
test_refusals(void)
{
	EVP_PKEY *k = tc_key();
	struct tc_opts o = { .cn = "x.example" };
	X509 *a = tc_cert(&o, k, NULL, NULL);
	struct sa_parsed_set set;
	unsigned char *der = NULL;
	char err[256], *kp = tc_key_pem(k), *pa = tc_pem(a), *both;
	X509_REQ *req;
	BIO *b;
	int r, len;

	r = parse_str(kp, &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && strstr(err, "private key") != NULL &&
	    set.n == 0, "a private key in PEM is refused: %s", err);

	both = malloc(strlen(kp) + strlen(pa) + 1);
	strcpy(both, pa);
	strcat(both, kp);
	r = parse_str(both, &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && set.n == 0,
	    "a certificate followed by its key: the whole file is refused");
	free(both);

	len = i2d_PrivateKey(k, &der);
	r = sa_cert_parse(der, (size_t)len, &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && strstr(err, "private key") != NULL,
	    "a private key in DER is refused: %s", err);
	OPENSSL_free(der);

	req = X509_REQ_new();
	X509_REQ_set_pubkey(req, k);
	X509_REQ_sign(req, k, EVP_sha256());
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509_REQ(b, req);
	{
		char *data;
		long n = BIO_get_mem_data(b, &data);
		r = sa_cert_parse((unsigned char *)data, (size_t)n, &set, err,
		    sizeof(err));
	}
	t_ok(r == SA_ERR_INVALID && strstr(err, "CSR") != NULL,
	    "a CSR is refused: %s", err);
	BIO_free(b);
	X509_REQ_free(req);

	r = parse_str("-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n",
	    &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID, "a CRL is refused: %s", err);

	r = sa_cert_parse((const unsigned char *)"", 0, &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && strstr(err, "empty") != NULL,
	    "an empty file is refused: %s", err);
	r = parse_str("  \n\t\n", &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID && strstr(err, "empty") != NULL,
	    "a blank file is refused");
	r = parse_str("hello, I am not a certificate", &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID, "garbage text is refused: %s", err);
	r = parse_str("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
	    &set, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID, "bad base64 is refused: %s", err);
	r = sa_cert_parse((const unsigned char *)"\x30\x82\x01", 3, &set, err,
	    sizeof(err));
	t_ok(r == SA_ERR_INVALID, "three bytes of DER are refused: %s", err);

	free(kp);
	free(pa);
	X509_free(a);
	EVP_PKEY_free(k);
}

static void
test_details(void)
{
	EVP_PKEY *rk = tc_key_rsa(2048), *k = tc_key();
	struct tc_opts ro = { .cn = "Test Root CA", .ca = 1, .serial = 0x1234 };
	struct tc_opts lo = { .cn = "Zürich Gerät", .dns = "www.example.com",
	    .ip = "127.0.0.1", .serial = 77 };
	X509 *root = tc_cert(&ro, rk, NULL, NULL);
	X509 *leaf = tc_cert(&lo, k, root, rk);
	struct sa_details d;
	char hex[65];
	int r;

	r = sa_cert_details(root, &d);
	t_ok(r == 0 && d.is_ca && strcmp(d.public_key_algorithm, "RSA") == 0 &&
	    d.public_key_bits == 2048 && strcmp(d.serial, "1234") == 0 &&
	    strstr(d.key_usage, "keyCertSign") != NULL,
	    "details of an RSA root: CA, RSA 2048, serial, key usage");
	t_ok(r == 0 && strcmp(d.subject, "CN=Test Root CA,O=secagent tests") == 0,
	    "subject in RFC 2253 order: %s", d.subject);
	sa_details_clear(&d);

	r = sa_cert_details(leaf, &d);
	tc_fp_hex(leaf, hex);
	t_ok(r == 0 && !d.is_ca && strcmp(d.public_key_algorithm, "EC") == 0 &&
	    d.public_key_bits == 256, "details of an EC leaf");
	t_ok(r == 0 && strstr(d.subject, "CN=Zürich Gerät") != NULL,
	    "UTF-8 kept as UTF-8: %s", d.subject);
	t_ok(r == 0 && strcmp(d.issuer, "CN=Test Root CA,O=secagent tests") == 0,
	    "issuer");
	t_ok(r == 0 && strcmp(d.subject_alt_names,
	    "DNS:www.example.com, IP:127.0.0.1") == 0,
	    "subject alternative names: %s", d.subject_alt_names);
	t_ok(r == 0 && strcmp(d.signature_algorithm, "sha256WithRSAEncryption") == 0,
	    "signature algorithm: %s", d.signature_algorithm);
	t_ok(r == 0 && strcmp(d.sha256, hex) == 0 && strlen(d.sha1) == 40,
	    "SHA-256 and SHA-1 fingerprints");
	t_ok(r == 0 && d.not_after > d.not_before && d.version == 3,
	    "validity period and version");
	sa_details_clear(&d);
	X509_free(root);
	X509_free(leaf);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(k);
}

static void
test_fingerprints(void)
{
	unsigned char fp[SA_FP_LEN];
	char hex[65];
	const char *h =
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";

	t_ok(sa_fp_from_hex(h, fp) == 0, "fingerprint hex: either case");
	sa_fp_to_hex(fp, hex);
	t_ok(strcmp(hex, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff") == 0, "fingerprint printed lowercase");
	t_ok(sa_fp_from_hex("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", fp) == 0,
	    "fingerprint with colons");
	t_ok(sa_fp_from_hex("0011", fp) != 0, "a short fingerprint is refused");
	t_ok(sa_fp_from_hex("zz112233445566778899aabbccddeeff00112233445566778899"
	    "aabbccddeeff", fp) != 0, "a non-hex fingerprint is refused");
	t_ok(sa_days_until(100 * 86400, 0) == 100 &&
	    sa_days_until(0, 1) == -1, "days until expiry round down");
}

static void
test_settings(void)
{
	char u74[75], u75[76], uni[74 * 2 + 1], err[256];
	int i;

	memset(u74, 'a', 74);
	u74[74] = '\0';
	memset(u75, 'a', 75);
	u75[75] = '\0';
	for (i = 0; i < 74; i++)
		memcpy(uni + 2 * i, "\xc3\xbc", 2);	/* ü */
	uni[148] = '\0';
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, u74, err, sizeof(err)) == 0,
	    "username of 74 characters accepted");
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, u75, err, sizeof(err)) ==
	    SA_ERR_TOO_LONG && strstr(err, "74") != NULL,
	    "username of 75 characters refused: %s", err);
	t_ok(sa_setting_check(SA_SET_HTTP_PASSWORD, u75, err, sizeof(err)) ==
	    SA_ERR_TOO_LONG, "password of 75 characters refused");
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, uni, err, sizeof(err)) == 0,
	    "74 two-byte UTF-8 characters count as 74");
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, "a\tb", err, sizeof(err)) ==
	    SA_ERR_INVALID, "control characters refused");
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, "\xc3\x28", err, sizeof(err)) ==
	    SA_ERR_INVALID, "invalid UTF-8 refused");
	t_ok(sa_setting_check(SA_SET_HTTP_USERNAME, "\xc0\xaf", err, sizeof(err)) ==
	    SA_ERR_INVALID, "overlong UTF-8 refused");
	t_ok(sa_setting_check(SA_SET_ACCEPT_ALL, "true", err, sizeof(err)) == 0 &&
	    sa_setting_check(SA_SET_ACCEPT_ALL, "0", err, sizeof(err)) == 0 &&
	    sa_setting_check(SA_SET_ACCEPT_ALL, "yes please", err, sizeof(err)) ==
	    SA_ERR_INVALID, "accept-all takes true, false, 1, 0");
	t_ok(sa_setting_check(SA_SET_PROV_URL, "https://prov.example/x.xml", err,
	    sizeof(err)) == 0 && sa_setting_check(SA_SET_PROV_URL, "", err,
	    sizeof(err)) == 0 && sa_setting_check(SA_SET_PROV_URL, "ftp://x", err,
	    sizeof(err)) == SA_ERR_INVALID && sa_setting_check(SA_SET_PROV_URL,
	    "https:///x", err, sizeof(err)) == SA_ERR_INVALID,
	    "provisioning URL: http or https with a host");
	t_ok(sa_setting_check(SA_SET_PROV_INTERVAL, "3600", err, sizeof(err)) == 0 &&
	    sa_setting_check(SA_SET_PROV_INTERVAL, "-1", err, sizeof(err)) != 0 &&
	    sa_setting_check(SA_SET_PROV_INTERVAL, "12x", err, sizeof(err)) != 0,
	    "provisioning interval: seconds");
}

int
main(void)
{
	test_formats();
	test_refusals();
	test_details();
	test_fingerprints();
	test_settings();
	return t_done();
}
