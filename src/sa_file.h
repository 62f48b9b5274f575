/*
 * sa_file.h - the files of a state directory (libc only), for the core
 * and for the daemon's own files (nacm.xml, the rollback of a confirmed
 * commit, the pid file, the demo profile, snmp/).
 *
 * The directory is opened once and checked: it belongs to the effective
 * uid and no one else may write in it, so no one else can plant a file or
 * a link there.  Every file in it is then opened relative to that
 * directory's fd, never through a symbolic link (O_NOFOLLOW), and a
 * temporary file is always a new one (O_EXCL).  A planted link is refused,
 * or removed as a link; nothing is ever written through it.
 */
#ifndef SA_FILE_H
#define SA_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all n bytes of buf to fd (again after a short write or EINTR);
 * 0, or -1 with errno set. */
int sa_write_all(int fd, const void *buf, size_t n);

/*
 * Checks fd, an open directory named what in the message: owned by the
 * effective uid and neither group- nor world-writable.  0, or -1 with
 * "what: why" in err.
 */
int sa_dir_check(int fd, const char *what, char *err, size_t errlen);

/*
 * Opens the directory name relative to dirfd (AT_FDCWD: a path), made
 * with mode when create and missing, and checks it (sa_dir_check).
 * With AT_FDCWD the last component may be a symbolic link owned by the
 * effective uid or root (an administrator's /var/lib/secagent -> /srv/...);
 * inside a directory (dirfd) it may not.  Returns the fd (O_CLOEXEC, the
 * caller closes), or -1 with errno and a message in err (ENOENT: missing).
 */
int sa_dir_open(int dirfd, const char *name, int create, mode_t mode,
    char *err, size_t errlen);

/*
 * openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode) that opens
 * regular files only: a symbolic link fails with ELOOP, anything else
 * that is not a regular file with EFTYPE (sa_file_strerror says so).
 * Returns the fd or -1 with errno.
 */
int sa_file_open(int dirfd, const char *name, int flags, mode_t mode);

/*
 * Creates name in dirfd anew (O_CREAT | O_EXCL | O_NOFOLLOW), write-only:
 * what is there (a temporary file left by a crash, a planted link) is
 * unlinked first, a link as a link.  Callers serialize the writers of one
 * name.  Returns the fd or -1 with errno.
 */
int sa_file_create(int dirfd, const char *name, mode_t mode);

/*
 * Replaces name in dirfd with the len bytes of data: written to
 * "name.tmp" (sa_file_create, mode), fsynced, renamed over name (which a
 * rename replaces, link or not, never following it), and the directory
 * fsynced.  A crash at any instant leaves the old file or the new one.
 * 0, or -1 with errno set (the temporary file is removed).
 */
int sa_file_replace(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode);

/* Reads the whole regular file name of dirfd (sa_file_open) into a new
 * NUL-terminated buffer (*buf, *len); the caller frees.  0, or -1 with
 * errno (ENOENT: no such file, *buf NULL). */
int sa_file_read(int dirfd, const char *name, unsigned char **buf,
    size_t *len);

/* strerror(e), which says what ELOOP and EFTYPE mean here. */
const char *sa_file_strerror(int e);

/* Not a regular file (Linux has no EFTYPE of its own). */
#ifndef EFTYPE
#define EFTYPE EMEDIUMTYPE
#endif


#endif
