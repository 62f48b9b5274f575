/*
 * sa_file.c - files written whole and durably (sa_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sa_file.h"

int
sa_fsync_dir(const char *dir)
{
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
sa_write_all(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sa_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return -1;
	if (sa_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		goto fail;
	}
	return sa_fsync_dir(dir);
 fail:
	unlink(tmp);
	errno = saved;
	return -1;
}

int
sa_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat sb;
	char *p = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, err = 0;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0)
		err = errno;
	else if (!S_ISREG(sb.st_mode))
		err = EINVAL;
	else if ((size_t)sb.st_size > max)
		err = EFBIG;
	if (err != 0)
		goto out;
	if ((p = malloc((size_t)sb.st_size + 1)) == NULL) {
		err = ENOMEM;
		goto out;
	}
	while (n < (size_t)sb.st_size) {
		if ((r = read(fd, p + n, (size_t)sb.st_size - n)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			goto out;
		}
		n += (size_t)r;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
 out:
	free(p);
	close(fd);
	if (err != 0)
		errno = err;
	return err != 0 ? -1 : 0;
}
