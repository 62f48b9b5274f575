/*
 * sa_capath.c - the CA list laid out as an OpenSSL -CApath directory:
 * DIR/capath/<subject hash>.<n>, one PEM certificate each, so that
 * `openssl verify -CApath DIR/capath` and any OpenSSL client see the same
 * trust anchors as the agent.
 *
 * It is derived data: the journal is the truth.  DIR/capath/.seq names the
 * transaction the directory reflects; it is removed before an update and
 * written after, so after a crash in between the next open rebuilds it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sa_store_int.h"

/* Writes name of DIR/capath whole: name.tmp, made anew, renamed over it. */
static int
write_file(struct sa_store *st, const char *name, const char *data,
    size_t len)
{
	char tmp[64];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if ((fd = sa_file_create(st->capath_fd, tmp, 0644)) < 0)
		return -1;
	ok = sa_write_all(fd, data, len) == 0;
	if (close(fd) != 0 || !ok ||
	    renameat(st->capath_fd, tmp, st->capath_fd, name) != 0) {
		unlinkat(st->capath_fd, tmp, 0);
		return -1;
	}
	return 0;
}

static void
write_seq(struct sa_store *st)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)st->seq);
	if (write_file(st, ".seq", buf, strlen(buf)) != 0)
		sa_store_warn(st, "%s/capath/.seq: %s", st->dir,
		    sa_file_strerror(errno));
}

static void
drop_seq(struct sa_store *st)
{
	unlinkat(st->capath_fd, ".seq", 0);
}

static int
fp_order(const void *a, const void *b)
{
	const struct sa_node *const *x = a, *const *y = b;

	return memcmp((*x)->e.fp, (*y)->e.fp, SA_FP_LEN);
}

/* Rewrites the files of one subject hash: <hash>.0 ... <hash>.k-1. */
static void
write_bucket(struct sa_store *st, unsigned long hash)
{
	struct sa_node *n, *found[64];
	char name[64], *pem;
	size_t k = 0, i;

	for (n = sa_subject_index_first(&st->ca_subjects, hash); n != NULL;
	    n = n->hnext)
		if (n->e.subject_hash == hash && k < 64)
			found[k++] = n;
	qsort(found, k, sizeof(found[0]), fp_order);
	for (i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "%08lx.%zu", hash, i);
		if ((pem = sa_der_to_pem(found[i]->e.der, found[i]->e.der_len)) == NULL ||
		    write_file(st, name, pem, strlen(pem)) != 0)
			sa_store_warn(st, "%s/capath/%s: cannot write", st->dir, name);
		free(pem);
	}
	for (i = k;; i++) {
		snprintf(name, sizeof(name), "%08lx.%zu", hash, i);
		if (unlinkat(st->capath_fd, name, 0) != 0)
			break;
	}
}

int
sa_capath_init(struct sa_store *st, char *err, size_t errlen)
{
	char e[4200];

	/* TLS clients trust what is there: it is ours, or nothing starts */
	if ((st->capath_fd = sa_dir_open(st->dir_fd, "capath", 1, 0755, e,
	    sizeof(e))) < 0)
		return sa_fail(err, errlen, SA_ERR_IO, "%s/%s", st->dir, e);
	return 0;
}

void
sa_capath_update(struct sa_store *st, const unsigned long *hashes, size_t n)
{
	size_t i, j;

	drop_seq(st);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && hashes[j] != hashes[i]; j++)
			;
		if (j == i)
			write_bucket(st, hashes[i]);
	}
	write_seq(st);
}

/* Empties the directory of everything but what we never wrote. */
static void
clear_dir(struct sa_store *st)
{
	struct dirent *d;
	unsigned long h;
	unsigned idx;
	char c;
	DIR *dp;
	int fd;

	/* its own fd: a dup would share the offset of capath_fd */
	if ((fd = openat(st->capath_fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((d = readdir(dp)) != NULL) {
		if (sscanf(d->d_name, "%8lx.%u%c", &h, &idx, &c) != 2 &&
		    strstr(d->d_name, ".tmp") == NULL)
			continue;
		if (unlinkat(st->capath_fd, d->d_name, 0) != 0)
			sa_store_warn(st, "%s/capath/%s: %s", st->dir, d->d_name,
			    strerror(errno));
	}
	closedir(dp);
}

void
sa_capath_sync(struct sa_store *st)
{
	const struct sa_vec *ca = &st->lists[SA_LIST_CA];
	unsigned char *buf = NULL;
	unsigned long last = 0;
	size_t i, len;
	int fresh;

	if (sa_file_read(st->capath_fd, ".seq", &buf, &len) == 0) {
		fresh = len > 0 && strtoull((char *)buf, NULL, 10) == st->seq;
		free(buf);
		if (fresh)
			return;
	}
	drop_seq(st);
	clear_dir(st);
	for (i = 0; i < ca->n; i++) {
		/* each bucket once; write_bucket finds all of its entries */
		if (i > 0 && ca->v[i]->e.subject_hash == last)
			continue;
		last = ca->v[i]->e.subject_hash;
		write_bucket(st, last);
	}
	write_seq(st);
}
