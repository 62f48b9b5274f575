/*
 * sa_err.h - error codes of the secagent core.
 *
 * Every core function that can fail returns 0 or one of these codes and, where
 * a user has something to read, writes one line into a caller-supplied buffer
 * (char *err, size_t errlen).  Each front end maps the codes onto its own
 * protocol once (SNMP error-status, NETCONF error-tag).
 */
#ifndef SA_ERR_H
#define SA_ERR_H

#include <stddef.h>

enum sa_err {
	SA_OK = 0,
	SA_ERR_INVALID,		/* malformed input: not a certificate, bad value */
	SA_ERR_TOO_LONG,	/* a string over its maximum length */
	SA_ERR_NOT_FOUND,	/* no entry with that fingerprint */
	SA_ERR_EXISTS,		/* the entry is already there */
	SA_ERR_AMBIGUOUS,	/* a fingerprint prefix matches several entries */
	SA_ERR_WRONG_LIST,	/* the operation does not apply to that list */
	SA_ERR_INCONSISTENT,	/* valid alone, but contradicts other data */
	SA_ERR_DENIED,		/* never readable (the password) */
	SA_ERR_LOCKED,		/* another writer holds the state directory */
	SA_ERR_IO,		/* the file system refused; nothing changed */
	SA_ERR_NOMEM,
	SA_ERR_REFUSED,		/* a TLS peer failed the certificate policy */
	SA_ERR_COUNT
};

/* A short stable name for the code ("not-found", ...); never NULL. */
const char *sa_err_name(int code);

/*
 * Formats a message into err (when err is not NULL) and returns code, so that
 * a failing path reads "return sa_fail(err, errlen, SA_ERR_x, fmt, ...)".
 */
int sa_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
