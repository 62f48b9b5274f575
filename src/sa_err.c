/*
 * sa_err.c - names and formatting of the core's error codes.
 */
#include <stdarg.h>
#include <stdio.h>

#include "sa_err.h"

static const char *const sa_err_names[SA_ERR_COUNT] = {
	[SA_OK] = "ok",
	[SA_ERR_INVALID] = "invalid",
	[SA_ERR_TOO_LONG] = "too-long",
	[SA_ERR_NOT_FOUND] = "not-found",
	[SA_ERR_EXISTS] = "exists",
	[SA_ERR_AMBIGUOUS] = "ambiguous",
	[SA_ERR_WRONG_LIST] = "wrong-list",
	[SA_ERR_INCONSISTENT] = "inconsistent",
	[SA_ERR_DENIED] = "denied",
	[SA_ERR_LOCKED] = "locked",
	[SA_ERR_IO] = "io",
	[SA_ERR_NOMEM] = "no-memory",
	[SA_ERR_REFUSED] = "refused",
};

const char *
sa_err_name(int code)
{
	if (code < 0 || code >= SA_ERR_COUNT)
		return "unknown";
	return sa_err_names[code];
}

int
sa_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}
