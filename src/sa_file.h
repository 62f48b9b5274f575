/*
 * sa_file.h - files written whole and durably (libc only), for the core
 * and for the daemon's own small files (nacm.xml, the rollback of a
 * confirmed commit).
 */
#ifndef SA_FILE_H
#define SA_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all n bytes of buf to fd (again after a short write or EINTR);
 * 0, or -1 with errno set. */
int sa_write_all(int fd, const void *buf, size_t n);

/* fsyncs the directory dir, so that a rename in it is durable; 0 or -1. */
int sa_fsync_dir(const char *dir);

/*
 * Replaces path with the len bytes of data: written to "path.tmp" (mode),
 * fsynced, renamed over path, and path's directory fsynced.  A crash at
 * any instant leaves the old file or the new one.  0, or -1 with errno
 * set (the temporary file is removed).
 */
int sa_file_replace(const char *path, const void *data, size_t len,
    mode_t mode);

/*
 * Reads the whole regular file path (at most max bytes) into *buf, NUL
 * terminated, length in *len; the caller frees *buf.  0, or -1 with errno
 * set (EFBIG when it is longer than max).
 */
int sa_read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
