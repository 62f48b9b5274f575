/*
 * sa_cert.h - X.509 certificates as the store sees them: parsing of files
 * (PEM, DER, PEM bundles), fingerprints, and the details shown to users.
 */
#ifndef SA_CERT_H
#define SA_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#define SA_FP_LEN 32		/* SHA-256 */
#define SA_FP_HEX_LEN 64

/* One certificate read from a file. */
struct sa_parsed {
	X509 *x509;		/* owned */
	unsigned char *der;	/* owned, as found in the file */
	size_t der_len;
	unsigned char fp[SA_FP_LEN];
};

/* The certificates of one file, in file order. */
struct sa_parsed_set {
	struct sa_parsed *certs;	/* owned array */
	size_t n;
};

/*
 * Parses buf as DER (one certificate) or PEM (one or more CERTIFICATE
 * blocks; text between blocks is ignored).  A file that holds anything but
 * certificates (a private key, a CSR, a CRL), an empty file, garbage, a
 * truncated DER, or trailing bytes after a DER certificate is refused as a
 * whole with SA_ERR_INVALID and a reason in err.  On success *out owns the
 * certificates; free it with sa_parsed_set_clear().
 */
int sa_cert_parse(const unsigned char *buf, size_t len,
    struct sa_parsed_set *out, char *err, size_t errlen);

/* Frees what a set owns and empties it; accepts an empty set. */
void sa_parsed_set_clear(struct sa_parsed_set *set);

/* SHA-256 of der into fp. */
void sa_cert_fingerprint(const unsigned char *der, size_t len,
    unsigned char fp[SA_FP_LEN]);

/* fp as 64 lowercase hex digits plus NUL into hex (65 bytes). */
void sa_fp_to_hex(const unsigned char fp[SA_FP_LEN], char *hex);

/*
 * Parses 64 hex digits (either case; ':' separators allowed) into fp.
 * Returns 0 or SA_ERR_INVALID.
 */
int sa_fp_from_hex(const char *hex, unsigned char fp[SA_FP_LEN]);

/* A DER certificate as a PEM block; caller frees; NULL when out of memory. */
char *sa_der_to_pem(const unsigned char *der, size_t len);

/* base64 without line breaks (cert-data); caller frees; NULL when out of memory. */
char *sa_base64_encode(const unsigned char *data, size_t len);
/* The bytes of base64 text, *len set; caller frees; NULL when not base64. */
unsigned char *sa_base64_decode(const char *b64, size_t *len);

/* time_t of an ASN1_TIME; 0 when it cannot be read. */
time_t sa_asn1_time(const ASN1_TIME *t);

/*
 * A subject or issuer as an RFC 4514 string whose values follow the
 * escaping rule of sa_text.h; caller frees; NULL on error.
 */
char *sa_name_string(const X509_NAME *name);

/*
 * Everything a user may want to know about a certificate.  All strings are
 * owned by the structure and freed by sa_details_clear(), and follow the
 * escaping rule of sa_text.h: valid UTF-8 without controls, whatever the
 * certificate holds.  List-valued fields (key usage, subject alternative
 * names) are joined with ", "; a ',' inside an item is escaped.
 */
struct sa_details {
	char *subject;
	char *issuer;
	char *serial;		/* hex, colon-free, uppercase as OpenSSL prints */
	time_t not_before;
	time_t not_after;
	char sha256[SA_FP_HEX_LEN + 1];
	char sha1[41];
	char *signature_algorithm;
	char *public_key_algorithm;
	int public_key_bits;
	int is_ca;
	char *key_usage;
	char *subject_alt_names;
	int version;		/* 1..3 */
};

/* Fills *d from a parsed certificate.  Returns 0 or SA_ERR_NOMEM. */
int sa_cert_details(X509 *x, struct sa_details *d);

void sa_details_clear(struct sa_details *d);

/* Whole days from now until t, rounded down; negative once t has passed. */
long sa_days_until(time_t t, time_t now);

/* "YYYY-MM-DDThh:mm:ssZ" into buf (at least 21 bytes). */
void sa_time_iso(time_t t, char *buf, size_t len);

#endif
