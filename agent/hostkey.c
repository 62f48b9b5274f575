/*
 * hostkey.c - the SSH host keys: the default set, making a key, reading
 * and fingerprinting keys with libssh (hostkey.h).  Never logs: the
 * callers say what happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../src/sa_file.h"
#include "hostkey.h"

static const struct {
	const char *name;
	enum sa_hostkey_kind kind;
} defaults[SA_HOSTKEY_NDEFAULT] = {
	{ "ssh_host_ed25519_key", SA_HOSTKEY_ED25519 },
	{ "ssh_host_ecdsa_key", SA_HOSTKEY_ECDSA },
	{ "ssh_host_rsa_key", SA_HOSTKEY_RSA },
};

/* What ssh-keygen -A makes: libssh's type and its size parameter. */
static const struct {
	enum ssh_keytypes_e type;
	int parameter;
	const char *label;
} kinds[] = {
	[SA_HOSTKEY_ED25519] = { SSH_KEYTYPE_ED25519, 0, "Ed25519" },
	[SA_HOSTKEY_ECDSA] = { SSH_KEYTYPE_ECDSA_P256, 256, "ECDSA P-256" },
	[SA_HOSTKEY_RSA] = { SSH_KEYTYPE_RSA, 3072, "RSA 3072" },
};

const char *
sa_hostkey_default_name(size_t i)
{
	return i < SA_HOSTKEY_NDEFAULT ? defaults[i].name : NULL;
}

enum sa_hostkey_kind
sa_hostkey_default_kind(size_t i)
{
	return i < SA_HOSTKEY_NDEFAULT ? defaults[i].kind : SA_HOSTKEY_RSA;
}

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	ssh_string_free_char(s);
}

/*
 * sa_file_replace of the file path: written in its directory, never
 * through a link.  0, or -1 with errno.
 */
static int
replace_path(const char *path, const char *data, mode_t mode)
{
	char dir[4200];
	const char *base = strrchr(path, '/');
	int dfd, r, saved;

	if (base == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 :
		    (int)(base - path), path);
		base++;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((r = sa_file_replace(dfd, base, data, strlen(data), mode)) == 0)
		r = fchmodat(dfd, base, mode, 0);	/* whatever the umask */
	saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int
sa_hostkey_make(const char *path, enum sa_hostkey_kind kind, int *made,
    char *err, size_t errlen)
{
	char pubpath[4200], *priv = NULL, *pub = NULL, *line = NULL;
	ssh_key key = NULL;
	struct stat sb;
	int r = -1;

	*made = 0;
	if (lstat(path, &sb) == 0) {
		if (S_ISREG(sb.st_mode))
			return 0;
		snprintf(err, errlen, "%s: %s", path,
		    sa_file_strerror(S_ISLNK(sb.st_mode) ? ELOOP : EFTYPE));
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ssh_pki_generate(kinds[kind].type, kinds[kind].parameter, &key) !=
	    SSH_OK || ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
	    &priv) != SSH_OK || ssh_pki_export_pubkey_base64(key, &pub) !=
	    SSH_OK) {
		snprintf(err, errlen, "%s: libssh cannot make an %s key", path,
		    kinds[kind].label);
		goto out;
	}
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	if (asprintf(&line, "%s %s\n", ssh_key_type_to_char(ssh_key_type(key)),
	    pub) < 0) {
		line = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* the private key last: once it is there, the pair is whole */
	if (replace_path(pubpath, line, 0644) != 0 ||
	    replace_path(path, priv, 0600) != 0) {
		snprintf(err, errlen, "%s: %s", path, sa_file_strerror(errno));
		goto out;
	}
	*made = 1;
	r = 0;
 out:
	free_secret(priv);
	ssh_string_free_char(pub);
	free(line);
	ssh_key_free(key);
	return r;
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The size of the modulus n of an RSA public key blob (string "ssh-rsa",
 * mpint e, mpint n), as ssh-keygen -l counts it; 0 if malformed. */
static unsigned
rsa_bits(const unsigned char *blob, size_t len)
{
	size_t off = 0, n = 0;
	uint32_t l;
	int i;
	unsigned bits;

	for (i = 0; i < 3; i++) {
		if (len - off < 4 || (l = get_u32(blob + off)) > len - off - 4)
			return 0;
		off += 4;
		if (i == 2)
			n = l;
		else
			off += l;
	}
	while (n > 0 && blob[off] == 0) {
		off++;
		n--;
	}
	if (n == 0)
		return 0;
	bits = (unsigned)(n - 1) * 8;
	for (l = blob[off]; l != 0; l >>= 1)
		bits++;
	return bits;
}

/* The modulus size of an RSA key, from its public key in SSH form. */
static unsigned
key_rsa_bits(const ssh_key key)
{
	unsigned char *blob = NULL;
	char *b64 = NULL;
	size_t len;
	int n;
	unsigned bits = 0;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return 0;
	len = strlen(b64);
	if ((blob = malloc(len / 4 * 3 + 3)) != NULL &&
	    (n = EVP_DecodeBlock(blob, (unsigned char *)b64, (int)len)) > 0)
		bits = rsa_bits(blob, (size_t)n);	/* padding zeros: after n */
	free(blob);
	ssh_string_free_char(b64);
	return bits;
}

/* Type, size and fingerprint of a key libssh has read. */
static int
describe(const ssh_key key, struct sa_hostkey *k)
{
	enum ssh_keytypes_e t = ssh_key_type(key);
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	switch (t) {
	case SSH_KEYTYPE_ED25519:
		snprintf(k->type, sizeof(k->type), "ED25519");
		k->bits = 256;
		break;
	case SSH_KEYTYPE_ECDSA_P256:
	case SSH_KEYTYPE_ECDSA_P384:
	case SSH_KEYTYPE_ECDSA_P521:
		snprintf(k->type, sizeof(k->type), "ECDSA");
		k->bits = t == SSH_KEYTYPE_ECDSA_P256 ? 256 :
		    t == SSH_KEYTYPE_ECDSA_P384 ? 384 : 521;
		break;
	case SSH_KEYTYPE_RSA:
		snprintf(k->type, sizeof(k->type), "RSA");
		if ((k->bits = key_rsa_bits(key)) == 0)
			return -1;
		break;
	default:
		return -1;	/* DSA and the others: not offered */
	}
	snprintf(k->algorithm, sizeof(k->algorithm), "%s",
	    ssh_key_type_to_char(t));
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0)
		return -1;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL)
		return -1;
	snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", fp);
	ssh_string_free_char(fp);
	return 0;
}

static int
read_key(const char *path, struct sa_hostkey *k, char *err, size_t errlen)
{
	ssh_key key = NULL;
	int r;

	memset(k, 0, sizeof(*k));
	if (strlen(path) >= sizeof(k->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -1;
	}
	snprintf(k->path, sizeof(k->path), "%s", path);
	/* libssh says why it cannot read a file only in its own log */
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
		snprintf(err, errlen, "%s: not a private key libssh reads (PEM "
		    "or OpenSSH format, no passphrase)", path);
		return -1;
	}
	r = describe(key, k);
	ssh_key_free(key);
	if (r != 0)
		snprintf(err, errlen, "%s: only Ed25519, ECDSA and RSA host "
		    "keys are offered", path);
	return r;
}

int
sa_hostkey_load(const char *dir, char *const *paths, size_t n,
    struct sa_hostkey keys[SA_HOSTKEY_MAX], size_t *nkeys, char *err,
    size_t errlen)
{
	char path[4096];
	const char *p;
	size_t i, j, count = n > 0 ? n : SA_HOSTKEY_NDEFAULT;

	*nkeys = 0;
	if (count > SA_HOSTKEY_MAX) {
		snprintf(err, errlen, "more than %d host keys", SA_HOSTKEY_MAX);
		return -1;
	}
	for (i = 0; i < count; i++) {
		p = paths != NULL && n > 0 ? paths[i] : path;
		if (n == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, defaults[i].name);
			if (access(path, F_OK) != 0 && errno == ENOENT)
				continue;
		}
		if (read_key(p, &keys[*nkeys], err, errlen) != 0)
			return -1;
		for (j = 0; j < *nkeys; j++) {
			if (strcmp(keys[j].type, keys[*nkeys].type) == 0) {
				snprintf(err, errlen, "%s and %s are both %s keys: "
				    "libssh offers one key of each type", keys[j].path,
				    p, keys[j].type);
				return -1;
			}
		}
		(*nkeys)++;
	}
	return 0;
}

void
sa_hostkey_format(const struct sa_hostkey *k, char *buf, size_t len)
{
	snprintf(buf, len, "%u %s %s (%s)", k->bits, k->fingerprint, k->path,
	    k->type);
}
