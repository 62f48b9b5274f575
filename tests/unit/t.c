/*
 * t.c - the test protocol and small file helpers.
 */

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

static int failures;

static void
vline(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int
t_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(cond ? "ok - " : "not ok - ", fmt, ap);
	va_end(ap);
	if (!cond)
		failures++;
	return cond;
}

void
t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("skip - ", fmt, ap);
	va_end(ap);
}

void
t_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("# ", fmt, ap);
	va_end(ap);
}

int
t_done(void)
{
	return failures == 0 ? 0 : 1;
}

char *
t_tmpdir(void)
{
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *path;

	if (asprintf(&path, "%s/secagent-test.XXXXXX", base) < 0)
		return NULL;
	if (mkdtemp(path) == NULL) {
		free(path);
		return NULL;
	}
	return path;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
t_rmrf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
t_write_file(const char *path, const void *data, size_t len)
{
	int fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	return close(fd) == 0 && ok ? 0 : -1;
}

time_t
t_now(void)
{
	static long offset = -1;
	const char *s;

	if (offset == -1) {
		s = getenv("SECAGENT_TEST_CLOCK_OFFSET");
		offset = s != NULL ? strtol(s, NULL, 10) : 0;
		if (offset == -1)
			offset = 0;
	}
	return time(NULL) + offset;
}

time_t
t_clock(void *arg)
{
	(void)arg;
	return t_now();
}
