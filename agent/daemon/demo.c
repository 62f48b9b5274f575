/*
 * demo.c - the demo profile of DESIGN.md, made at first start in the state
 * directory and kept afterwards: a demo PKI (pki/ca.pem signs the TLS
 * server certificate and the client certificate, which maps to admin) and
 * secagentd.conf naming the demo users and listeners.  The SSH host keys
 * are the default set of the state directory (agent/hostkey.h), made at
 * first start like any daemon's.  Loopback only.  Outside the demo there
 * are no default credentials.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "../../src/sa_file.h"
#include "../hostkey.h"
#include "daemon.h"
#include "log.h"

#define DEMO_PASSWORD "secagent-demo"

/* 1: name is a file of dirfd, 0: missing, -1: something else (err). */
static int
present(int dirfd, const char *dir, const char *name, char *err,
    size_t errlen)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (S_ISREG(sb.st_mode))
		return 1;
	snprintf(err, errlen, "%s/%s: %s", dir, name,
	    sa_file_strerror(S_ISLNK(sb.st_mode) ? ELOOP : EFTYPE));
	return -1;
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

/* A new file name of dirfd: a certificate (0644) or a private key (0600). */
static int
write_pem(int dirfd, const char *name, X509 *x, EVP_PKEY *key, int traditional)
{
	FILE *f;
	BIO *bio;
	int fd, ok;

	if ((fd = sa_file_create(dirfd, name, x != NULL ? 0644 : 0600)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
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
	return ok ? 0 : -1;
}

/* The demo PKI in pki, the directory DIR/pki. */
static int
make_pki(int pki, const char *dir, char *err, size_t errlen)
{
	static const char *const names[] = { "server", "client" };
	char path[64], kpath[64];
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	int i, r = -1;

	if ((ca_key = EVP_EC_gen("P-256")) == NULL ||
	    (ca = make_cert("secagent demo CA", ca_key, NULL, NULL, "ca")) == NULL)
		goto out;
	if (write_pem(pki, "ca.pem", ca, NULL, 0) != 0 ||
	    write_pem(pki, "ca.key", NULL, ca_key, 0) != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((key = EVP_EC_gen("P-256")) == NULL ||
		    (x = make_cert(i == 0 ? "localhost" : "admin", key, ca, ca_key,
		    names[i])) == NULL)
			goto out;
		snprintf(path, sizeof(path), "%s.pem", names[i]);
		snprintf(kpath, sizeof(kpath), "%s.key", names[i]);
		if (write_pem(pki, path, x, NULL, 0) != 0 ||
		    write_pem(pki, kpath, NULL, key, 0) != 0)
			goto out;
		X509_free(x);
		EVP_PKEY_free(key);
		x = NULL;
		key = NULL;
	}
	r = 0;
 out:
	if (r != 0)
		snprintf(err, errlen, "cannot make the demo PKI in %s/pki: %s",
		    dir, sa_file_strerror(errno));
	X509_free(ca);
	X509_free(x);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
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

/* A file of dirfd, opened as sa_file_open does, as a stdio stream. */
static FILE *
open_at(int dirfd, const char *name, int create)
{
	int fd = create ? sa_file_create(dirfd, name, 0600) :
	    sa_file_open(dirfd, name, O_RDONLY, 0);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, create ? "w" : "r")) == NULL)
		close(fd);
	return f;
}

static int
write_conf(int dirfd, int pki, const char *dir, char *err, size_t errlen)
{
	char admin[CRYPT_OUTPUT_SIZE], viewer[CRYPT_OUTPUT_SIZE], fp[200] = "04";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	X509 *client;
	FILE *f;

	if ((f = open_at(pki, "client.pem", 0)) == NULL ||
	    (client = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		if (f != NULL)
			fclose(f);
		snprintf(err, errlen, "%s/pki/client.pem: cannot read", dir);
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
	if ((f = open_at(dirfd, "secagentd.conf", 1)) == NULL) {
		snprintf(err, errlen, "%s/secagentd.conf: %s", dir,
		    sa_file_strerror(errno));
		return -1;
	}
	fprintf(f,
	    "# The demo profile of secagentd (made by secagentd --demo; see\n"
	    "# contrib/secagentd.conf for every directive).  Loopback only.\n"
	    "# Passwords: secagent-demo.\n"
	    "log stderr info\n"
	    "netconf-ssh 127.0.0.1:8300\n"
	    "netconf-tls 127.0.0.1:6513\n"
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
	    dir, dir, dir, fp, admin, viewer, DEMO_PASSWORD, DEMO_PASSWORD);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s/secagentd.conf: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Where line (up to its end) starts with "ssh-host-key", its path in
 * path; else 0. */
static int
host_key_line(const char *line, char *path, size_t len)
{
	const char *p = line + strspn(line, " \t");
	size_t n;

	if (strncmp(p, "ssh-host-key", 12) != 0 || (p[12] != ' ' && p[12] != '\t'))
		return 0;
	p += 12 + strspn(p + 12, " \t");
	n = strcspn(p, " \t\n#");
	snprintf(path, len, "%.*s", (int)n, p);
	return 1;
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

/*
 * A demo directory made before the default set of host keys has one RSA
 * key, DIR/ssh_host_key, named by the one ssh-host-key line of its
 * secagentd.conf.  The line and the key stay (clients know the key); the
 * Ed25519 and ECDSA keys of the default set are made and named before it,
 * so that the three are offered.  A configuration edited otherwise is
 * left as it is.
 */
static int
upgrade_host_keys(int dirfd, const char *dir, char *err, size_t errlen)
{
	char legacy[4096], base[4096], path[4096], *text = NULL, *out = NULL;
	char *line, *at = NULL;
	size_t i, n, len, nlines = 0;
	int made, r = -1;

	if (sa_file_read(dirfd, "secagentd.conf", (unsigned char **)&text,
	    &len) != 0) {
		snprintf(err, errlen, "%s/secagentd.conf: %s", dir,
		    sa_file_strerror(errno));
		return -1;
	}
	for (line = text; *line != '\0'; line += n + (line[n] == '\n')) {
		n = strcspn(line, "\n");
		if (host_key_line(line, path, sizeof(path))) {
			nlines++;
			at = line;
			snprintf(legacy, sizeof(legacy), "%s", path);
		}
	}
	snprintf(path, sizeof(path), "%s/ssh_host_key", dir);
	if (nlines != 1 || !same_file(legacy, path)) {
		free(text);
		return 0;
	}
	/* the new keys beside the old one, spelt as its line spells it */
	n = strlen(legacy);
	if (n > 12 && strcmp(legacy + n - 12, "ssh_host_key") == 0)
		snprintf(base, sizeof(base), "%.*s", (int)(n - 12), legacy);
	else
		snprintf(base, sizeof(base), "%s/", dir);
	if ((out = malloc(strlen(text) + 2 * (strlen(base) + 64) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out, text, (size_t)(at - text));
	out[at - text] = '\0';
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", base, sa_hostkey_default_name(i));
		if (sa_hostkey_make(path, sa_hostkey_default_kind(i), &made, err,
		    errlen) != 0)
			goto out;
		sprintf(out + strlen(out), "ssh-host-key %s\n", path);
	}
	strcat(out, at);
	if (sa_file_replace(dirfd, "secagentd.conf", out, strlen(out), 0600) != 0) {
		snprintf(err, errlen, "%s/secagentd.conf: %s", dir,
		    sa_file_strerror(errno));
		goto out;
	}
	sa_info("%s/secagentd.conf: the Ed25519 and ECDSA host keys are now "
	    "offered beside %s", dir, legacy);
	r = 0;
 out:
	free(text);
	free(out);
	return r;
}

int
sa_demo_prepare(const char *dir, char *conf_path, size_t len, char *err,
    size_t errlen)
{
	char why[512], pdir[4096];
	int fd, pki = -1, r = -1, p;

	if ((fd = sa_dir_open(AT_FDCWD, dir, 1, 0755, err, errlen)) < 0)
		return -1;
	if ((pki = sa_dir_open(fd, "pki", 1, 0755, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s/%s", dir, why);
		goto out;
	}
	snprintf(pdir, sizeof(pdir), "%s/pki", dir);
	if ((p = present(pki, pdir, "ca.pem", err, errlen)) < 0 ||
	    (p == 0 && make_pki(pki, dir, err, errlen) != 0))
		goto out;
	if ((p = present(fd, dir, "secagentd.conf", err, errlen)) < 0 ||
	    (p == 0 && write_conf(fd, pki, dir, err, errlen) != 0) ||
	    (p == 1 && upgrade_host_keys(fd, dir, err, errlen) != 0))
		goto out;
	snprintf(conf_path, len, "%s/secagentd.conf", dir);
	r = 0;
 out:
	if (pki >= 0)
		close(pki);
	close(fd);
	return r;
}
