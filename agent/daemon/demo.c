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
write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f;
	int ok;

	umask(077);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	if (x != NULL)
		ok = PEM_write_X509(f, x);
	else
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
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
	if (write_pem(path, ca, NULL) != 0 || write_pem(kpath, NULL, ca_key) != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((key = EVP_EC_gen("P-256")) == NULL ||
		    (x = make_cert(i == 0 ? "localhost" : "admin", key, ca, ca_key,
		    names[i])) == NULL)
			goto out;
		snprintf(path, sizeof(path), "%s/pki/%s.pem", dir, names[i]);
		snprintf(kpath, sizeof(kpath), "%s/pki/%s.key", dir, names[i]);
		if (write_pem(path, x, NULL) != 0 ||
		    write_pem(kpath, NULL, key) != 0)
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
	    "tls-certificate %s/pki/server.pem\n"
	    "tls-key %s/pki/server.key\n"
	    "tls-client-ca %s/pki/ca.pem\n"
	    "cert-to-name 1 %s specified admin\n"
	    "user admin group admin password %s uid 0\n"
	    "user viewer group viewer password %s\n"
	    "snmp udp:127.0.0.1:1161\n"
	    "snmp-community public\n"
	    "snmp-user admin rw SHA-256 %s AES %s\n",
	    dir, dir, dir, fp, admin, viewer, DEMO_PASSWORD, DEMO_PASSWORD);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

#define CONF_MAX (1 << 20)

/* The whole of path, NUL-terminated, in *out (caller frees). */
static int
read_text(const char *path, char **out, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	FILE *f;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(CONF_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(buf, 1, CONF_MAX + 1, f);
	fclose(f);
	if (n > CONF_MAX) {
		free(buf);
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
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
upgrade_host_keys(const char *dir, const char *conf, char *err, size_t errlen)
{
	char legacy[4096], base[4096], path[4096], *text = NULL, *out = NULL;
	char *line, *at = NULL;
	size_t i, n, nlines = 0;
	int made, r = -1;

	if (read_text(conf, &text, err, errlen) != 0)
		return -1;
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
	if (sa_file_replace(conf, out, strlen(out), 0600) != 0) {
		snprintf(err, errlen, "%s: %s", conf, strerror(errno));
		goto out;
	}
	sa_info("%s: the Ed25519 and ECDSA host keys are now offered beside %s",
	    conf, legacy);
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
	char path[4096];

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/pki/ca.pem", dir);
	if (!exists(path) && make_pki(dir, err, errlen) != 0)
		return -1;
	snprintf(conf_path, len, "%s/secagentd.conf", dir);
	if (!exists(conf_path))
		return write_conf(dir, conf_path, err, errlen);
	return upgrade_host_keys(dir, conf_path, err, errlen);
}
