/*
 * hostkey.h - the SSH host keys of secagentd, shared by secagentd (which
 * offers them) and secagentctl host-keys (which prints them): one way to
 * find, make and fingerprint them, with libssh, as the server reads them.
 *
 * Which keys: the ssh-host-key lines of secagentd.conf, or, when there
 * is none, the default set in the state directory, made at first start as
 * ssh-keygen -A makes OpenSSH's: Ed25519, ECDSA P-256 and RSA 3072.
 */
#ifndef SA_HOSTKEY_H
#define SA_HOSTKEY_H

#include <stddef.h>

#define SA_HOSTKEY_MAX 8

enum sa_hostkey_kind { SA_HOSTKEY_ED25519, SA_HOSTKEY_ECDSA, SA_HOSTKEY_RSA };

/* One host key as ssh-keygen -l shows it. */
struct sa_hostkey {
	char path[4096];
	char type[16];		/* "ED25519", "ECDSA", "RSA" */
	char algorithm[32];	/* its public key's name: "ssh-ed25519", ... */
	unsigned bits;
	char fingerprint[64];	/* "SHA256:" and unpadded base64 */
};

/* The default set: DIR/ssh_host_ed25519_key, _ecdsa_, _rsa_, in order. */
#define SA_HOSTKEY_NDEFAULT 3
const char *sa_hostkey_default_name(size_t i);
enum sa_hostkey_kind sa_hostkey_default_kind(size_t i);

/*
 * Makes a new private key of kind in path (mode 0600, written whole and
 * durably) and its public key in path.pub, unless path exists.  *made is
 * set to 1 when it made one.  0, or -1 with err.
 */
int sa_hostkey_make(const char *path, enum sa_hostkey_kind kind, int *made,
    char *err, size_t errlen);

/*
 * The host keys to offer: the n configured paths, or with n == 0 the
 * default set in dir (its missing files skipped: secagentd makes them
 * before it reads them).  Each is read with libssh; two keys of one type
 * are refused, as libssh would keep only the last.  Fills keys[*nkeys];
 * 0, or -1 with err ("PATH: why").
 */
int sa_hostkey_load(const char *dir, char *const *paths, size_t n,
    struct sa_hostkey keys[SA_HOSTKEY_MAX], size_t *nkeys, char *err,
    size_t errlen);

/* "256 SHA256:... PATH (ED25519)", the line of ssh-keygen -l. */
void sa_hostkey_format(const struct sa_hostkey *k, char *buf, size_t len);

#endif
