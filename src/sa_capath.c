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

static void
capath_dir(const struct sa_store *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s/capath", st->dir);
}

static int
write_file(const char *path, const char *data, size_t len)
{
	char tmp[4200];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
write_seq(struct sa_store *st)
{
	char dir[4096], path[4200], buf[32];

	capath_dir(st, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/.seq", dir);
	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)st->seq);
	if (write_file(path, buf, strlen(buf)) != 0)
		sa_store_warn(st, "%s: %s", path, strerror(errno));
}

static void
drop_seq(struct sa_store *st)
{
	char dir[4096], path[4200];

	capath_dir(st, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/.seq", dir);
	unlink(path);
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
	char dir[4096], path[4200], *pem;
	size_t k = 0, i;

	capath_dir(st, dir, sizeof(dir));
	for (n = sa_subject_index_first(&st->ca_subjects, hash); n != NULL;
	    n = n->hnext)
		if (n->e.subject_hash == hash && k < 64)
			found[k++] = n;
	qsort(found, k, sizeof(found[0]), fp_order);
	for (i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/%08lx.%zu", dir, hash, i);
		if ((pem = sa_der_to_pem(found[i]->e.der, found[i]->e.der_len)) == NULL ||
		    write_file(path, pem, strlen(pem)) != 0)
			sa_store_warn(st, "%s: cannot write", path);
		free(pem);
	}
	for (i = k;; i++) {
		snprintf(path, sizeof(path), "%s/%08lx.%zu", dir, hash, i);
		if (unlink(path) != 0)
			break;
	}
}

void
sa_capath_init(struct sa_store *st)
{
	char dir[4096];

	capath_dir(st, dir, sizeof(dir));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		sa_store_warn(st, "%s: %s", dir, strerror(errno));
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
clear_dir(struct sa_store *st, const char *dir)
{
	char path[4096 + 256 + 8];
	struct dirent *d;
	unsigned long h;
	unsigned idx;
	char c;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (sscanf(d->d_name, "%8lx.%u%c", &h, &idx, &c) != 2 &&
		    strstr(d->d_name, ".tmp") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path) != 0)
			sa_store_warn(st, "%s: %s", path, strerror(errno));
	}
	closedir(dp);
}

void
sa_capath_sync(struct sa_store *st)
{
	char dir[4096], path[4200], buf[32] = "";
	const struct sa_vec *ca = &st->lists[SA_LIST_CA];
	unsigned long last = 0;
	size_t i;
	FILE *f;

	capath_dir(st, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/.seq", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		if (strtoull(buf, NULL, 10) == st->seq && buf[0] != '\0')
			return;
	}
	drop_seq(st);
	clear_dir(st, dir);
	for (i = 0; i < ca->n; i++) {
		/* each bucket once; write_bucket finds all of its entries */
		if (i > 0 && ca->v[i]->e.subject_hash == last)
			continue;
		last = ca->v[i]->e.subject_hash;
		write_bucket(st, last);
	}
	write_seq(st);
}
