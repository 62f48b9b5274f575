/*
 * sa_file.c - the files of a state directory (sa_file.h).
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

const char *
sa_file_strerror(int e)
{
	if (e == ELOOP)
		return "a symbolic link: refused";
	if (e == EFTYPE)
		return "not a regular file: refused";
	return strerror(e);
}

int
sa_dir_check(int fd, const char *what, char *err, size_t errlen)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", what);
		errno = ENOTDIR;
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %lu, not by uid %lu that "
		    "runs this program: refused (another user could plant files "
		    "there)", what, (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
		errno = EPERM;
		return -1;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s: writable by %s (mode %04o): refused "
		    "(chmod go-w %s)", what, (sb.st_mode & S_IWOTH) != 0 ?
		    "everyone" : "its group", (unsigned)(sb.st_mode & 07777),
		    what);
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * path, opened as fd and followed if a link: the link must be owned by
 * the effective uid or root, and still lead to fd (no swap in between).
 */
static int
path_is_fd(const char *path, int fd, char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct stat l, s, f;
	size_t n = strlen(path);

	if (n >= sizeof(p)) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(p, path, n + 1);
	while (n > 1 && p[n - 1] == '/')	/* "dir/" would follow a link */
		p[--n] = '\0';
	if (lstat(p, &l) != 0 || fstat(fd, &f) != 0 ||
	    (S_ISLNK(l.st_mode) && stat(p, &s) != 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(l.st_mode) && l.st_uid != geteuid() && l.st_uid != 0) {
		snprintf(err, errlen, "%s: a symbolic link owned by uid %lu: "
		    "refused", path, (unsigned long)l.st_uid);
		errno = EPERM;
		return -1;
	}
	if (!S_ISLNK(l.st_mode))
		s = l;
	if (s.st_dev != f.st_dev || s.st_ino != f.st_ino) {
		snprintf(err, errlen, "%s: replaced while it was opened", path);
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

int
sa_dir_open(int dirfd, const char *name, int create, mode_t mode,
    char *err, size_t errlen)
{
	int fd, flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, saved;
	struct stat sb;

	if (create && mkdirat(dirfd, name, mode) != 0 && errno != EEXIST) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		errno = saved;
		return -1;
	}
	if (dirfd != AT_FDCWD)
		flags |= O_NOFOLLOW;
	if ((fd = openat(dirfd, name, flags)) < 0) {
		saved = errno;
		if (saved == ENOTDIR && fstatat(dirfd, name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
			saved = ELOOP;	/* O_DIRECTORY says ENOTDIR */
		snprintf(err, errlen, "%s: %s", name, saved == ENOTDIR ?
		    "not a directory" : sa_file_strerror(saved));
		errno = saved;
		return -1;
	}
	if ((dirfd == AT_FDCWD && path_is_fd(name, fd, err, errlen) != 0) ||
	    sa_dir_check(fd, name, err, errlen) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
sa_file_open(int dirfd, const char *name, int flags, mode_t mode)
{
	struct stat sb;
	int fd;

	/* O_NONBLOCK: a FIFO would block the open before fstat refuses it */
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	    mode);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    fcntl(fd, F_SETFL, flags & ~(O_CREAT | O_EXCL | O_TRUNC)) != 0) {
		close(fd);
		errno = EFTYPE;
		return -1;
	}
	return fd;
}

int
sa_file_create(int dirfd, const char *name, mode_t mode)
{
	int fd, i;

	for (i = 0; i < 2; i++) {
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST || i == 1)
			break;
		if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
			return -1;
	}
	return fd;
}

int
sa_file_replace(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = sa_file_create(dirfd, tmp, mode)) < 0)
		return -1;
	if (sa_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || renameat(dirfd, tmp, dirfd, name) != 0) {
		saved = errno;
		goto fail;
	}
	return fsync(dirfd);
 fail:
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

int
sa_file_read(int dirfd, const char *name, unsigned char **buf, size_t *len)
{
	struct stat sb;
	size_t got = 0;
	ssize_t r;
	int fd, saved;

	*buf = NULL;
	*len = 0;
	if ((fd = sa_file_open(dirfd, name, O_RDONLY, 0)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || (*buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		r = read(fd, *buf + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			close(fd);
			free(*buf);
			*buf = NULL;
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}
