/*
 * demo.c - the demo profile of DESIGN.md, made at first start in the state
 * directory and kept afterwards: a demo PKI (pki/ca.pem signs the TLS
 * server certificate and the client certificate, which maps to admin), an
 * SSH host key, and secagentd.conf naming the demo users and listeners.
 * Loopback only.  Outside the demo there are no default credentials.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "daemon.h"

#define DEMO_PASSWORD "secagent-demo"

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
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

/* A certificate for key, signed by ca/ca_key (NULL: self-signed). */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key,
    const char *kind)
{
	unsigned char serial[8];
	X509 *x = X509_new();
	X509_NAME *name;
	BIGNUM *bn;

	if (x == NULL)
		return NULL;
	X509_set_version(x, 2);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"secagent demo", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) : name);
	X509_set_pubkey(x, key);
	if (strcmp(kind, "ca") == 0) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, ca, NID_basic_constraints, "CA:FALSE");
		add_ext(x, ca, NID_key_usage, "critical,digitalSignature");
		add_ext(x, ca, NID_ext_key_usage, strcmp(kind, "server") == 0 ?
		    "serverAuth" : "clientAuth");
		add_ext(x, ca, NID_authority_key_identifier, "keyid");
		if (strcmp(kind, "server") == 0)
			add_ext(x, ca, NID_subject_alt_name,
			    "DNS:localhost,IP:127.0.0.1,IP:::1");
	}
	if (!X509_sign(x, ca_key != NULL ? ca_key : key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
write_pem(const char *path, X509 *x, EVP_PKEY *key, int traditional)
{
	FILE *f;
	int ok;

	BIO *bio;

	umask(077);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	if (x != NULL) {
		ok = PEM_write_X509(f, x);
	} else if (traditional) {	/* libssh reads "BEGIN RSA PRIVATE KEY" */
		bio = BIO_new_fp(f, BIO_NOCLOSE);
		ok = bio != NULL && PEM_write_bio_PrivateKey_traditional(bio, key,
		    NULL, NULL, 0, NULL, NULL);
		BIO_free(bio);
	} else {
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	}
	if (fclose(f) != 0)
		ok = 0;
	if (x != NULL)
		chmod(path, 0644);
	return ok ? 0 : -1;
}

static int
make_pki(const char *dir, char *err, size_t errlen)
{
	static const char *const names[] = { "server", "client" };
	char path[4096], kpath[4096];
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	int i, r = -1;

	snprintf(path, sizeof(path), "%s/pki", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((ca_key = EVP_EC_gen("P-256")) == NULL ||
	    (ca = make_cert("secagent demo CA", ca_key, NULL, NULL, "ca")) == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/pki/ca.pem", dir);
	snprintf(kpath, sizeof(kpath), "%s/pki/ca.key", dir);
	if (write_pem(path, ca, NULL, 0) != 0 || write_pem(kpath, NULL, ca_key, 0) != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((key = EVP_EC_gen("P-256")) == NULL ||
		    (x = make_cert(i == 0 ? "localhost" : "admin", key, ca, ca_key,
		    names[i])) == NULL)
			goto out;
		snprintf(path, sizeof(path), "%s/pki/%s.pem", dir, names[i]);
		snprintf(kpath, sizeof(kpath), "%s/pki/%s.key", dir, names[i]);
		if (write_pem(path, x, NULL, 0) != 0 ||
		    write_pem(kpath, NULL, key, 0) != 0)
			goto out;
		X509_free(x);
		EVP_PKEY_free(key);
		x = NULL;
		key = NULL;
	}
	r = 0;
 out:
	if (r != 0)
		snprintf(err, errlen, "cannot make the demo PKI in %s/pki", dir);
	X509_free(ca);
	X509_free(x);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return r;
}

static int
make_host_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	int r;

	r = key != NULL ? write_pem(path, NULL, key, 1) : -1;
	EVP_PKEY_free(key);
	if (r != 0)
		snprintf(err, errlen, "cannot write the SSH host key %s", path);
	return r;
}

/* A crypt(3) SHA-512 hash of the demo password. */
static int
demo_hash(char *out, size_t len)
{
	struct crypt_data cd;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	memset(&cd, 0, sizeof(cd));
	if ((h = crypt_r(DEMO_PASSWORD, salt, &cd)) == NULL || h[0] != '$')
		return -1;
	snprintf(out, len, "%s", h);
	return 0;
}

static int
write_conf(const char *dir, const char *path, char *err, size_t errlen)
{
	char admin[CRYPT_OUTPUT_SIZE], viewer[CRYPT_OUTPUT_SIZE], fp[200] = "04";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char cpath[4096];
	X509 *client;
	FILE *f;

	snprintf(cpath, sizeof(cpath), "%s/pki/client.pem", dir);
	if ((f = fopen(cpath, "r")) == NULL ||
	    (client = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		if (f != NULL)
			fclose(f);
		snprintf(err, errlen, "%s: cannot read", cpath);
		return -1;
	}
	fclose(f);
	X509_digest(client, EVP_sha256(), md, &mdlen);
	X509_free(client);
	for (i = 0; i < mdlen; i++)
		snprintf(fp + strlen(fp), sizeof(fp) - strlen(fp), ":%02X", md[i]);
	if (demo_hash(admin, sizeof(admin)) != 0 ||
	    demo_hash(viewer, sizeof(viewer)) != 0) {
		snprintf(err, errlen, "crypt(3) cannot hash the demo password");
		return -1;
	}
	umask(077);
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f,
	    "# The demo profile of secagentd (made by secagentd --demo; see\n"
	    "# contrib/secagentd.conf for every directive).  Loopback only.\n"
	    "# Passwords: secagent-demo.\n"
	    "log stderr info\n"
	    "netconf-ssh 127.0.0.1:8300\n"
	    "netconf-tls 127.0.0.1:6513\n"
	    "ssh-host-key %s/ssh_host_key\n"
	    "tls-certificate %s/pki/server.pem\n"
	    "tls-key %s/pki/server.key\n"
	    "tls-client-ca %s/pki/ca.pem\n"
	    "cert-to-name 1 %s specified admin\n"
	    "user admin group admin password %s uid 0\n"
	    "user viewer group viewer password %s\n"
	    "snmp udp:127.0.0.1:1161\n"
	    "snmp-community public\n"
	    "snmp-user admin rw SHA-256 %s AES %s\n"
	    "# loopback only: every client is the same source address\n"
	    "max-unauthenticated-per-source 0\n",
	    dir, dir, dir, dir, fp, admin, viewer, DEMO_PASSWORD, DEMO_PASSWORD);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
sa_demo_prepare(const char *dir, char *conf_path, size_t len, char *err,
    size_t errlen)
{
	char path[4096];

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/pki/ca.pem", dir);
	if (!exists(path) && make_pki(dir, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ssh_host_key", dir);
	if (!exists(path) && make_host_key(path, err, errlen) != 0)
		return -1;
	snprintf(conf_path, len, "%s/secagentd.conf", dir);
	if (!exists(conf_path) && write_conf(dir, conf_path, err, errlen) != 0)
		return -1;
	return 0;
}
