/*
 * test_statedir.c - the state directory's ground: a symbolic link planted
 * under each name the store writes, permanent or temporary, is refused or
 * replaced as a link, and nothing is ever written through it; a directory
 * that another user owns, or that others may write, is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certgen.h"
#include "sa_file.h"
#include "sa_store.h"
#include "t.h"

#define BAIT "the victim's own content\n"

static char *top;		/* a temporary directory for everything */
static char bundle[512];	/* the factory bundle: one CA */
static char victim[512];	/* a file links point at */
static char victim_dir[512];	/* a directory links point at */
static X509 *ca;

static void
reset_victims(void)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s'", victim_dir,
	    victim_dir);
	if (system(cmd) != 0 || t_write_file(victim, BAIT, strlen(BAIT)) != 0)
		t_diag("cannot reset the victims");
	chmod(victim, 0644);
}

/* The victim file holds BAIT with mode 0644, and the victim dir is empty. */
static int
victims_untouched(void)
{
	char buf[256] = "", cmd[700];
	struct stat sb;
	FILE *f;
	size_t n = 0;

	if ((f = fopen(victim, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", victim_dir);
	return strcmp(buf, BAIT) == 0 && stat(victim, &sb) == 0 &&
	    (sb.st_mode & 07777) == 0644 && system(cmd) == 0;
}

/* A new state directory (mode 0700) under top; the caller frees. */
static char *
new_dir(const char *name)
{
	char *d;

	if (asprintf(&d, "%s/%s", top, name) < 0)
		return NULL;
	t_rmrf(d);
	mkdir(d, 0700);
	return d;
}

static void
plant(const char *dir, const char *name, const char *target)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (symlink(target, path) != 0)
		t_diag("symlink %s: %s", path, strerror(errno));
}

static int
is_link(const char *dir, const char *name)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

static int
open_store(const char *dir, int read_only, struct sa_store **st, char *err,
    size_t errlen)
{
	struct sa_store_opts o;

	memset(&o, 0, sizeof(o));
	o.factory_bundle = bundle;
	o.read_only = read_only;
	*st = NULL;
	err[0] = '\0';
	return sa_store_open(dir, &o, st, err, errlen);
}

/* A change that compacts (a new password) and writes capath (a new CA). */
static int
commit_changes(struct sa_store *st, char *err, size_t errlen)
{
	struct tc_opts o = { .cn = "Another CA", .ca = 1 };
	EVP_PKEY *k = tc_key();
	X509 *x = tc_cert(&o, k, NULL, NULL);
	unsigned char *der = NULL;
	size_t n = tc_der(x, &der);
	struct sa_txn *t = sa_txn_new(st, "test");
	int r;

	r = sa_txn_set(t, SA_SET_HTTP_PASSWORD, "a new secret", err, errlen);
	if (r == 0)
		r = sa_txn_import(t, der, n, SA_ORIGIN_IMPORTED, err, errlen);
	if (r == 0)
		r = sa_txn_commit(t, err, errlen);
	sa_txn_free(t);
	free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

/* Each permanent name of the store, a link: the open is refused. */
static void
test_permanent_names(void)
{
	static const char *const names[] = { "store.log", "store.snap", "lock" };
	struct sa_store *st;
	char err[512], *d;
	size_t i;
	int r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		reset_victims();
		d = new_dir("perm");
		plant(d, names[i], victim);
		r = open_store(d, 0, &st, err, sizeof(err));
		t_ok(r == SA_ERR_IO && strstr(err, names[i]) != NULL &&
		    strstr(err, "symbolic link") != NULL && victims_untouched() &&
		    is_link(d, names[i]), "%s, a link to another file: the store "
		    "refuses to open, nothing written through it (%s)", names[i], err);
		sa_store_free(st);
		/* the read-only open of secagentctl too */
		r = open_store(d, 1, &st, err, sizeof(err));
		if (strcmp(names[i], "lock") != 0)
			t_ok(r == SA_ERR_IO && strstr(err, "symbolic link") != NULL,
			    "%s, a link: a read-only open refuses it too", names[i]);
		sa_store_free(st);
		free(d);
	}
	reset_victims();
	d = new_dir("perm");
	plant(d, "capath", victim_dir);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == SA_ERR_IO && strstr(err, "capath") != NULL && victims_untouched(),
	    "capath, a link to another directory: refused, nothing written "
	    "there (%s)", err);
	sa_store_free(st);
	free(d);
}

/*
 * Each temporary name, and each name of capath, a link: the store writes
 * a new file (the link goes, as a link) and the victim is untouched.
 */
static void
test_temporary_names(void)
{
	char err[512], name[64], capath[1024], *d;
	struct sa_store *st;
	int r;

	reset_victims();
	d = new_dir("tmp");
	plant(d, "store.snap.tmp", victim);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == 0 && victims_untouched() && !is_link(d, "store.snap"),
	    "store.snap.tmp, a link, when a new directory writes its first "
	    "snapshot: not followed (%s)", err);
	if (st == NULL) {
		free(d);
		return;
	}
	snprintf(capath, sizeof(capath), "%s/capath", d);
	snprintf(name, sizeof(name), "%08lx.0", X509_NAME_hash_ex(
	    X509_get_subject_name(ca), NULL, NULL, NULL));
	plant(d, "store.snap.tmp", victim);
	plant(capath, ".seq.tmp", victim);
	plant(capath, ".seq", victim);
	plant(capath, name, victim);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ".tmp");
	r = commit_changes(st, err, sizeof(err));
	t_ok(r == 0 && victims_untouched() && !is_link(d, "store.snap.tmp") &&
	    !is_link(d, "store.snap") && !is_link(capath, ".seq"),
	    "store.snap.tmp, capath/.seq and .seq.tmp, links at a compaction "
	    "and a capath update: not followed (%s)", err);
	sa_store_free(st);
	/* a certificate file of capath, and its temporary name */
	name[strlen(name) - 4] = '\0';
	plant(capath, name, victim);
	plant(capath, ".seq", victim);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ".tmp");
	plant(capath, name, victim);
	name[strlen(name) - 4] = '\0';
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == 0 && victims_untouched() && !is_link(capath, name),
	    "capath/%s and %s.tmp, links when capath is rebuilt: replaced, "
	    "not followed", name, name);
	sa_store_free(st);
	free(d);
}

/* sa_file_replace, the daemon's writer (nacm.xml, the pid file, ...). */
static void
test_file_replace(void)
{
	char *d = new_dir("replace"), path[1024], buf[64] = "";
	unsigned char *got = NULL;
	size_t len = 0;
	int fd, r;

	reset_victims();
	plant(d, "f.tmp", victim);
	plant(d, "g", victim);
	fd = open(d, O_RDONLY | O_DIRECTORY);
	r = sa_file_replace(fd, "f", "new", 3, 0600);
	t_ok(r == 0 && victims_untouched() && sa_file_read(fd, "f", &got, &len) == 0 &&
	    len == 3 && memcmp(got, "new", 3) == 0,
	    "sa_file_replace: name.tmp, a link, is not followed");
	free(got);
	r = sa_file_replace(fd, "g", "new", 3, 0600);
	t_ok(r == 0 && victims_untouched() && !is_link(d, "g"),
	    "sa_file_replace: the name itself, a link, is replaced as a link");
	plant(d, "g", victim);
	errno = 0;
	got = NULL;
	r = sa_file_read(fd, "g", &got, &len);
	t_ok(r < 0 && errno == ELOOP && got == NULL, "sa_file_read refuses a link");
	r = sa_file_open(fd, "g", O_WRONLY | O_APPEND | O_CREAT, 0600);
	t_ok(r < 0 && errno == ELOOP && victims_untouched(),
	    "sa_file_open (O_CREAT) refuses a link: %s", sa_file_strerror(errno));
	snprintf(path, sizeof(path), "%s/fifo", d);
	mkfifo(path, 0600);
	r = sa_file_open(fd, "fifo", O_RDONLY, 0);
	t_ok(r < 0 && errno == EFTYPE, "sa_file_open refuses a FIFO without "
	    "blocking: %s", sa_file_strerror(errno));
	snprintf(buf, sizeof(buf), "%s", sa_file_strerror(ELOOP));
	t_ok(strstr(buf, "symbolic link") != NULL, "ELOOP reads \"%s\"", buf);
	close(fd);
	free(d);
}

/* The directory's owner and mode. */
static void
test_directory(void)
{
	struct sa_store *st;
	struct passwd *nobody;
	char err[512], link[1024], *d;
	int r;

	d = new_dir("modes");
	chmod(d, 0770);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == SA_ERR_IO && strstr(err, "writable by its group") != NULL &&
	    strstr(err, "chmod go-w") != NULL, "a group-writable state directory "
	    "is refused: %s", err);
	sa_store_free(st);
	chmod(d, 0757);
	r = open_store(d, 1, &st, err, sizeof(err));
	t_ok(r == SA_ERR_IO && strstr(err, "writable by everyone") != NULL,
	    "a world-writable one too, also read-only: %s", err);
	sa_store_free(st);
	chmod(d, 01777);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == SA_ERR_IO, "a sticky world-writable one too (/tmp-like)");
	sa_store_free(st);
	chmod(d, 0755);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == 0, "0755 and ours: opened (%s)", err);
	sa_store_free(st);

	/* a link to it: by the admin (ours) fine, by another user refused */
	snprintf(link, sizeof(link), "%s/link", top);
	unlink(link);
	symlink(d, link);
	r = open_store(link, 0, &st, err, sizeof(err));
	t_ok(r == 0, "a state directory named through a link of ours: opened");
	sa_store_free(st);

	nobody = getpwnam("nobody");
	if (geteuid() != 0 || nobody == NULL) {
		t_skip("a directory owned by another user: needs root and nobody");
		free(d);
		return;
	}
	if (lchown(link, nobody->pw_uid, nobody->pw_gid) == 0) {
		r = open_store(link, 0, &st, err, sizeof(err));
		t_ok(r == SA_ERR_IO && strstr(err, "symbolic link owned by uid") != NULL,
		    "a link owned by another user: refused (%s)", err);
		sa_store_free(st);
	}
	{
		char *f = new_dir("foreign"), cmd[1100];

		chown(f, nobody->pw_uid, nobody->pw_gid);
		r = open_store(f, 0, &st, err, sizeof(err));
		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", f);
		t_ok(r == SA_ERR_IO && strstr(err, "owned by uid") != NULL &&
		    system(cmd) == 0, "a state directory owned by nobody: "
		    "refused, nothing made in it: %s", err);
		sa_store_free(st);
		r = open_store(f, 1, &st, err, sizeof(err));
		t_ok(r == SA_ERR_IO, "and read-only too");
		sa_store_free(st);
		free(f);
	}
	chown(d, 0, 0);
	/* capath, made by another user in a directory of ours */
	snprintf(link, sizeof(link), "%s/capath", d);
	chown(link, nobody->pw_uid, nobody->pw_gid);
	r = open_store(d, 0, &st, err, sizeof(err));
	t_ok(r == SA_ERR_IO && strstr(err, "capath") != NULL &&
	    strstr(err, "owned by uid") != NULL, "capath owned by another user: "
	    "refused: %s", err);
	sa_store_free(st);
	free(d);
}

int
main(void)
{
	struct tc_opts o = { .cn = "Factory CA", .ca = 1 };
	EVP_PKEY *k = tc_key();

	top = t_tmpdir();
	snprintf(bundle, sizeof(bundle), "%s/factory.pem", top);
	snprintf(victim, sizeof(victim), "%s/victim.txt", top);
	snprintf(victim_dir, sizeof(victim_dir), "%s/victim.d", top);
	ca = tc_cert(&o, k, NULL, NULL);
	tc_write_pem(bundle, ca);
	test_permanent_names();
	test_temporary_names();
	test_file_replace();
	test_directory();
	X509_free(ca);
	EVP_PKEY_free(k);
	t_rmrf(top);
	free(top);
	return t_done();
}
