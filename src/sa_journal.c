/*
 * sa_journal.c - persistence of the store: a snapshot plus a journal.
 *
 * Every commit appends one frame (all its operations) to store.log and
 * fdatasyncs it before the call returns; a frame torn by a crash fails its
 * checksum and is dropped at the next load, so a transaction is there whole
 * or not at all.  When the journal grows, or when a secret changed (so that
 * old secrets leave the disk), the whole state is written to
 * store.snap.tmp, fsynced, renamed over store.snap and the directory
 * fsynced; only then is the journal emptied.  Frames carry their
 * transaction number, so a crash between the rename and the truncation
 * replays nothing twice.  Both files are mode 0600: they hold the password.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sa_record.h"

#define SNAP_NAME "store.snap"
#define LOG_NAME "store.log"
#define COMPACT_MIN (4u << 20)	/* journal bytes before a compaction */

static void
path_of(const struct sa_store *st, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", st->dir, name);
}

/* Reads a whole file of the directory; *buf is NULL when it does not exist. */
static int
read_file(const struct sa_store *st, const char *name, unsigned char **buf,
    size_t *len)
{
	if (sa_file_read(st->dir_fd, name, buf, len) == 0)
		return 0;
	return errno == ENOENT ? 0 : -1;
}

/* Moves an unreadable file aside so that nothing overwrites it. */
static void
set_aside(struct sa_store *st, const char *name, const char *path,
    const char *why)
{
	char aside[256];

	if (st->opts.read_only) {
		sa_store_warn(st, "%s: %s; skipped", path, why);
		return;
	}
	snprintf(aside, sizeof(aside), "%s.unreadable-%ld", name,
	    (long)time(NULL));
	if (renameat(st->dir_fd, name, st->dir_fd, aside) == 0)
		sa_store_warn(st, "%s: %s; moved to %s/%s", path, why, st->dir,
		    aside);
	else
		sa_store_warn(st, "%s: %s; skipped", path, why);
}

/* Applies one decoded operation to the in-memory state while loading. */
static int
load_apply(struct sa_store *st, struct sa_rec *rec, const char *file)
{
	struct sa_node *old;
	enum sa_setting s;
	struct sa_vec *vec;
	char e[160];

	switch (rec->op) {
	case SA_REC_PUT:
	case SA_REC_DEL:
		old = sa_store_find_node(st, rec->op == SA_REC_PUT ?
		    rec->node->e.fp : rec->fp);
		if (old != NULL) {
			sa_vec_remove(&st->lists[old->e.list], old->e.fp);
			sa_node_free(old);
		}
		if (rec->op == SA_REC_DEL)
			return 0;
		vec = &st->lists[rec->node->e.list];
		if (sa_vec_reserve(vec, 1) != 0)
			return SA_ERR_NOMEM;
		if (vec->n == 0 || memcmp(vec->v[vec->n - 1]->e.fp,
		    rec->node->e.fp, SA_FP_LEN) < 0)
			vec->v[vec->n++] = rec->node;	/* snapshots are sorted */
		else
			sa_vec_insert(vec, rec->node);
		rec->node = NULL;
		return 0;
	case SA_REC_SET:
		if (sa_setting_from_name(rec->name, &s) != 0) {
			sa_store_warn(st, "%s: unknown setting \"%s\" skipped",
			    file, rec->name);
			return 0;
		}
		if (sa_setting_check(s, rec->value, e, sizeof(e)) != 0) {
			sa_store_warn(st, "%s: %s; kept the previous value",
			    file, e);
			return 0;
		}
		sa_store_put_setting(st, s, rec->value);
		rec->value = NULL;
		return 0;
	default:
		return 0;
	}
}

/*
 * Applies the operations of one frame payload.  The frame's first
 * operation is its sequence number; frames at or below min_seq are old.
 */
static int
load_frame(struct sa_store *st, const unsigned char *p, size_t n,
    uint64_t min_seq, uint64_t *seq, int *ended, const char *file)
{
	struct sa_rec rec;
	const char *why = NULL;
	size_t off = 0;
	int r, first = 1;

	while ((r = sa_rec_read(p, n, &off, &rec, &why)) == 0) {
		if (first && rec.op == SA_REC_SEQ) {
			*seq = rec.u64;
			if (rec.u64 <= min_seq) {
				sa_rec_clear(&rec);
				return 0;
			}
		} else if (rec.op == SA_REC_END) {
			*ended = 1;
		} else if ((r = load_apply(st, &rec, file)) != 0) {
			sa_rec_clear(&rec);
			return r;
		}
		first = 0;
		sa_rec_clear(&rec);
	}
	if (r < 0)
		sa_store_warn(st, "%s: %s; operation skipped", file, why);
	return 0;
}

static int
load_snapshot(struct sa_store *st, int *found, uint64_t *seq)
{
	const unsigned char *p;
	unsigned char *buf;
	const char *why = NULL;
	char path[4096];
	size_t len, off = 0, n;
	int r = 0, ended = 0, rr;

	path_of(st, SNAP_NAME, path, sizeof(path));
	*found = 0;
	*seq = 0;
	if (read_file(st, SNAP_NAME, &buf, &len) != 0) {
		sa_store_warn(st, "%s: %s; skipped", path, sa_file_strerror(errno));
		return 0;
	}
	if (buf == NULL)
		return 0;
	*found = 1;
	while ((rr = sa_frame_read(buf, len, &off, &p, &n, &why)) != 1) {
		if (rr == -2) {
			sa_store_warn(st, "%s: %s; one record skipped", path, why);
			continue;
		}
		if (rr < 0) {
			if (off == 0)
				set_aside(st, SNAP_NAME, path,
				    "not a secagent state file");
			else
				sa_store_warn(st, "%s: %s at offset %zu; the rest "
				    "is skipped", path, why, off);
			break;
		}
		if ((r = load_frame(st, p, n, 0, seq, &ended, path)) != 0)
			break;
	}
	if (r == 0 && rr == 1 && !ended)
		sa_store_warn(st, "%s: incomplete snapshot", path);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

static int
truncate_at(int dirfd, const char *name, off_t len)
{
	int fd, r;

	if ((fd = sa_file_open(dirfd, name, O_WRONLY, 0)) < 0)
		return -1;
	r = ftruncate(fd, len);
	close(fd);
	return r;
}

static int
load_journal(struct sa_store *st, uint64_t snap_seq, int *found)
{
	const unsigned char *p;
	unsigned char *buf;
	const char *why = NULL;
	char path[4096];
	uint64_t seq = snap_seq, fseq;
	size_t len, off = 0, good = 0, n;
	int r = 0, rr, ended = 0;

	path_of(st, LOG_NAME, path, sizeof(path));
	*found = 0;
	if (read_file(st, LOG_NAME, &buf, &len) != 0) {
		sa_store_warn(st, "%s: %s; skipped", path, sa_file_strerror(errno));
		return 0;
	}
	if (buf == NULL)
		return 0;
	*found = 1;
	for (;;) {
		rr = sa_frame_read(buf, len, &off, &p, &n, &why);
		if (rr == -2 && off < len) {
			/* damaged in the middle: later transactions still count */
			sa_store_warn(st, "%s: %s; one transaction skipped",
			    path, why);
			good = off;
			continue;
		}
		if (rr != 0)
			break;
		fseq = 0;
		if ((r = load_frame(st, p, n, snap_seq, &fseq, &ended, path)) != 0)
			break;
		if (fseq > seq)
			seq = fseq;
		good = off;
	}
	if (r == 0 && rr != 1 && good == 0 && len > 0 && why != NULL &&
	    strcmp(why, "bad frame magic") == 0) {
		set_aside(st, LOG_NAME, path, "not a secagent journal");
		good = len = 0;
	} else if (r == 0 && good < len) {
		/* a torn tail: that transaction was never acknowledged */
		sa_store_warn(st, "%s: incomplete last transaction (%s) "
		    "dropped", path, why);
		if (!st->opts.read_only && truncate_at(st->dir_fd, LOG_NAME,
		    (off_t)good) != 0)
			sa_store_warn(st, "%s: cannot truncate: %s", path,
			    sa_file_strerror(errno));
	}
	st->seq = seq;
	st->journal_size = (off_t)good;
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

int
sa_journal_load(struct sa_store *st, char *err, size_t errlen)
{
	char path[4096];
	struct sa_vec *ca = &st->lists[SA_LIST_CA];
	struct stat sb;
	uint64_t snap_seq;
	int r, snap_found, log_found;
	size_t i;

	/* a link or a device where the state should be is refused, not skipped
	 * (that would start afresh and replace it) */
	for (i = 0; i < 2; i++) {
		path_of(st, i == 0 ? SNAP_NAME : LOG_NAME, path, sizeof(path));
		if (fstatat(st->dir_fd, i == 0 ? SNAP_NAME : LOG_NAME, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
			return sa_fail(err, errlen, SA_ERR_IO, "%s: %s", path,
			    sa_file_strerror(S_ISLNK(sb.st_mode) ? ELOOP : EFTYPE));
	}
	if ((r = load_snapshot(st, &snap_found, &snap_seq)) != 0 ||
	    (r = load_journal(st, snap_seq, &log_found)) != 0)
		return sa_fail(err, errlen, r, "loading %s: out of memory",
		    st->dir);
	if (st->seq < snap_seq)
		st->seq = snap_seq;
	if (sa_subject_index_reserve(&st->ca_subjects, ca->n) != 0)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	for (i = 0; i < ca->n; i++)
		sa_subject_index_add(&st->ca_subjects, ca->v[i]);
	st->snapshot_size = fstatat(st->dir_fd, SNAP_NAME, &sb,
	    AT_SYMLINK_NOFOLLOW) == 0 ? sb.st_size : 0;
	st->fresh = !snap_found && !log_found;
	st->generation++;
	if (st->opts.read_only)
		return 0;
	path_of(st, LOG_NAME, path, sizeof(path));
	st->journal_fd = sa_file_open(st->dir_fd, LOG_NAME, O_WRONLY | O_APPEND |
	    O_CREAT, 0600);
	if (st->journal_fd < 0)
		return sa_fail(err, errlen, SA_ERR_IO, "%s: %s", path,
		    sa_file_strerror(errno));
	return 0;
}

void
sa_journal_close(struct sa_store *st)
{
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	st->journal_fd = -1;
}

/* Encodes the settings that are not NULL. */
static void
encode_settings(struct sa_buf *b, char *const *settings)
{
	int s;

	for (s = 0; s < SA_SET_COUNT; s++)
		if (settings[s] != NULL)
			sa_rec_set(b, sa_setting_name((enum sa_setting)s),
			    settings[s]);
}

int
sa_journal_append(struct sa_store *st, uint64_t seq,
    const struct sa_change *changes, size_t nchanges,
    char *const *settings, char *err, size_t errlen)
{
	struct sa_buf b = { 0 };
	size_t start, i;
	int r = 0;

	if (st->journal_fd < 0 || st->broken)
		return sa_fail(err, errlen, SA_ERR_IO,
		    "the state directory is read-only after a write error; "
		    "restart to recover");
	start = sa_frame_begin(&b);
	sa_rec_seq(&b, SA_REC_SEQ, seq);
	for (i = 0; i < nchanges; i++) {
		if (changes[i].new != NULL)
			sa_rec_put(&b, &changes[i].new->e);
		else
			sa_rec_del(&b, changes[i].fp);
	}
	encode_settings(&b, settings);
	sa_frame_end(&b, start);
	if (b.failed) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	} else if (sa_write_all(st->journal_fd, b.p, b.len) != 0 ||
	    fdatasync(st->journal_fd) != 0) {
		r = sa_fail(err, errlen, SA_ERR_IO, "writing %s/%s: %s",
		    st->dir, LOG_NAME, strerror(errno));
		/* take the partial frame back, or stop writing */
		if (ftruncate(st->journal_fd, st->journal_size) != 0)
			st->broken = 1;
	} else {
		st->journal_size += (off_t)b.len;
	}
	if (b.p != NULL)
		OPENSSL_cleanse(b.p, b.len);
	sa_buf_free(&b);
	return r;
}

/* Appends frames to fd when the buffer is large; 0 or -1. */
static int
flush_if(int fd, struct sa_buf *b, size_t limit, off_t *total)
{
	if (b->failed)
		return -1;
	if (b->len < limit)
		return 0;
	if (sa_write_all(fd, b->p, b->len) != 0)
		return -1;
	*total += (off_t)b->len;
	OPENSSL_cleanse(b->p, b->len);
	b->len = 0;
	return 0;
}

static int
write_snapshot(struct sa_store *st, int fd, off_t *total)
{
	struct sa_buf b = { 0 };
	uint64_t count = 0;
	size_t start, i;
	int l, r = 0;

	start = sa_frame_begin(&b);
	sa_rec_seq(&b, SA_REC_SEQ, st->seq);
	sa_frame_end(&b, start);
	for (l = 0; l < SA_LIST_COUNT && r == 0; l++) {
		for (i = 0; i < st->lists[l].n && r == 0; i++, count++) {
			start = sa_frame_begin(&b);
			sa_rec_put(&b, &st->lists[l].v[i]->e);
			sa_frame_end(&b, start);
			r = flush_if(fd, &b, 1u << 20, total);
		}
	}
	start = sa_frame_begin(&b);
	encode_settings(&b, st->settings);
	sa_rec_seq(&b, SA_REC_END, count);
	sa_frame_end(&b, start);
	if (r == 0)
		r = flush_if(fd, &b, 0, total);
	if (b.p != NULL)
		OPENSSL_cleanse(b.p, b.len);
	sa_buf_free(&b);
	return r;
}

int
sa_journal_compact(struct sa_store *st, char *err, size_t errlen)
{
	char tmp[4096], path[4096];
	off_t total = 0;
	int fd, r;

	path_of(st, SNAP_NAME ".tmp", tmp, sizeof(tmp));
	path_of(st, SNAP_NAME, path, sizeof(path));
	if ((fd = sa_file_create(st->dir_fd, SNAP_NAME ".tmp", 0600)) < 0)
		return sa_fail(err, errlen, SA_ERR_IO, "%s: %s", tmp,
		    sa_file_strerror(errno));
	r = write_snapshot(st, fd, &total);
	if (r != 0 || fsync(fd) != 0) {
		r = sa_fail(err, errlen, SA_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlinkat(st->dir_fd, SNAP_NAME ".tmp", 0);
		return r;
	}
	close(fd);
	if (renameat(st->dir_fd, SNAP_NAME ".tmp", st->dir_fd, SNAP_NAME) != 0 ||
	    fsync(st->dir_fd) != 0) {
		r = sa_fail(err, errlen, SA_ERR_IO, "%s: %s", path,
		    strerror(errno));
		unlinkat(st->dir_fd, SNAP_NAME ".tmp", 0);
		return r;
	}
	st->snapshot_size = total;
	/* the snapshot now holds everything: the journal starts over */
	if (ftruncate(st->journal_fd, 0) == 0 && fdatasync(st->journal_fd) == 0)
		st->journal_size = 0;
	return 0;
}

int
sa_journal_wants_compaction(const struct sa_store *st)
{
	return st->journal_size > (off_t)COMPACT_MIN &&
	    st->journal_size > st->snapshot_size / 2;
}
