/*
 * test_store.c - the lists and their transitions, settings, transactions,
 * persistence and the single-writer lock.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certgen.h"
#include "sa_store.h"
#include "t.h"

static char *dir;
static char bundle_path[512];

struct pki {
	EVP_PKEY *root_key, *int_key, *leaf_key, *other_key;
	X509 *root, *intermediate, *leaf, *expired, *future, *selfsigned,
	    *badsig, *orphan;
};

static struct pki pki;

static void
make_pki(void)
{
	time_t now = t_now();
	struct tc_opts o;

	pki.root_key = tc_key();
	pki.int_key = tc_key();
	pki.leaf_key = tc_key();
	pki.other_key = tc_key();
	memset(&o, 0, sizeof(o));
	o.cn = "Test Root CA";
	o.ca = 1;
	pki.root = tc_cert(&o, pki.root_key, NULL, NULL);
	o.cn = "Test Intermediate CA";
	pki.intermediate = tc_cert(&o, pki.int_key, pki.root, pki.root_key);
	memset(&o, 0, sizeof(o));
	o.cn = "server.example";
	o.dns = "server.example";
	pki.leaf = tc_cert(&o, pki.leaf_key, pki.intermediate, pki.int_key);
	o.cn = "expired.example";
	o.not_before = now - 20 * 86400;
	o.not_after = now - 86400;
	pki.expired = tc_cert(&o, pki.leaf_key, pki.intermediate, pki.int_key);
	o.cn = "future.example";
	o.not_before = now + 10 * 86400;
	o.not_after = now + 100 * 86400;
	pki.future = tc_cert(&o, pki.leaf_key, pki.intermediate, pki.int_key);
	memset(&o, 0, sizeof(o));
	o.cn = "selfsigned.example";
	pki.selfsigned = tc_cert(&o, pki.leaf_key, NULL, NULL);
	/* claims the root as issuer, signed by another key */
	o.cn = "forged.example";
	pki.badsig = tc_cert(&o, pki.leaf_key, pki.root, pki.other_key);
	o.cn = "orphan.example";
	{
		struct tc_opts co = { .cn = "Unknown CA", .ca = 1 };
		X509 *unknown = tc_cert(&co, pki.other_key, NULL, NULL);
		pki.orphan = tc_cert(&o, pki.leaf_key, unknown, pki.other_key);
		X509_free(unknown);
	}
}

static struct sa_store *
open_store(char *err, size_t errlen, int *r)
{
	struct sa_store_opts opts;
	struct sa_store *st = NULL;

	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = bundle_path;
	opts.clock = t_clock;
	*r = sa_store_open(dir, &opts, &st, err, errlen);
	return st;
}

/* Imports PEM of the given certificates in one transaction. */
static int
import(struct sa_store *st, X509 **xs, int n, struct sa_txn **out)
{
	char *buf = calloc(1, 1), *p, err[256];
	struct sa_txn *t = sa_txn_new(st, "test");
	size_t len = 0;
	int i, r;

	for (i = 0; i < n; i++) {
		p = tc_pem(xs[i]);
		buf = realloc(buf, len + strlen(p) + 1);
		memcpy(buf + len, p, strlen(p) + 1);
		len += strlen(p);
		free(p);
	}
	r = sa_txn_import(t, (unsigned char *)buf, len, SA_ORIGIN_IMPORTED, err,
	    sizeof(err));
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	if (r != 0)
		t_diag("import: %s", err);
	free(buf);
	if (out != NULL)
		*out = t;
	else
		sa_txn_free(t);
	return r;
}

static const struct sa_entry *
find_x(struct sa_store *st, X509 *x)
{
	unsigned char fp[SA_FP_LEN];
	char hex[65];

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
	return sa_store_find(st, fp);
}

static void
fp_of(X509 *x, unsigned char *fp)
{
	char hex[65];

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
}

static int
in_list(struct sa_store *st, X509 *x, enum sa_list l)
{
	const struct sa_entry *e = find_x(st, x);

	return e != NULL && e->list == l;
}

static int
one_op(struct sa_store *st, int (*op)(struct sa_txn *, const unsigned char *),
    X509 *x, char *err, size_t errlen)
{
	unsigned char fp[SA_FP_LEN];
	struct sa_txn *t = sa_txn_new(st, "test");
	int r;

	fp_of(x, fp);
	if ((r = op(t, fp)) == 0)
		r = sa_txn_commit(t, err, errlen);
	sa_txn_free(t);
	return r;
}

static void
test_fresh(void)
{
	struct sa_store *st;
	struct stat sb;
	char err[256], path[600];
	int r;

	st = open_store(err, sizeof(err), &r);
	t_ok(r == 0 && st != NULL, "a new state directory opens: %s", r ? err : "");
	if (st == NULL)
		exit(t_done());
	t_ok(sa_store_count(st, SA_LIST_CA) == 1 && in_list(st, pki.root, SA_LIST_CA),
	    "a new directory starts with the factory defaults");
	t_ok(find_x(st, pki.root)->origin == SA_ORIGIN_FACTORY,
	    "factory certificates have origin factory");
	snprintf(path, sizeof(path), "%s/store.snap", dir);
	t_ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "the state file is mode 0600");
	snprintf(path, sizeof(path), "%s/capath/%08lx.0", dir,
	    find_x(st, pki.root)->subject_hash);
	t_ok(stat(path, &sb) == 0, "the CA list is laid out for -CApath");
	sa_store_free(st);
}

static void
test_import(struct sa_store *st)
{
	X509 *chain[2] = { pki.leaf, pki.intermediate };
	X509 *one[1];
	struct sa_txn *t;
	const struct sa_txn_result *res;
	int r;

	r = import(st, chain, 2, &t);
	t_ok(r == 0 && in_list(st, pki.intermediate, SA_LIST_CA) &&
	    in_list(st, pki.leaf, SA_LIST_SERVER),
	    "a bundle leaf-first: intermediate to CA, leaf to Server");
	res = sa_txn_result(t, 0);
	t_ok(sa_txn_result_count(t) == 2 && res->list == SA_LIST_SERVER &&
	    !res->existed, "import answers each certificate's list");
	sa_txn_free(t);

	one[0] = pki.leaf;
	r = import(st, one, 1, &t);
	t_ok(r == 0 && sa_txn_result(t, 0)->existed, "importing again changes nothing");
	sa_txn_free(t);

	one[0] = pki.expired;
	import(st, one, 1, NULL);
	t_ok(in_list(st, pki.expired, SA_LIST_INVALID) &&
	    find_x(st, pki.expired)->reason == SA_REASON_EXPIRED,
	    "an expired certificate goes to Invalid, reason expired");
	one[0] = pki.future;
	import(st, one, 1, NULL);
	t_ok(in_list(st, pki.future, SA_LIST_INVALID) &&
	    find_x(st, pki.future)->reason == SA_REASON_NOT_YET_VALID,
	    "a not yet valid certificate goes to Invalid, reason not-yet-valid");
	one[0] = pki.selfsigned;
	import(st, one, 1, NULL);
	t_ok(in_list(st, pki.selfsigned, SA_LIST_SERVER),
	    "a self-signed server certificate is pinned in Server");
	one[0] = pki.badsig;
	import(st, one, 1, NULL);
	t_ok(in_list(st, pki.badsig, SA_LIST_INVALID) &&
	    find_x(st, pki.badsig)->reason == SA_REASON_BAD_SIGNATURE,
	    "a wrong signature (issuer in the store) goes to Invalid, bad-signature");
	one[0] = pki.orphan;
	import(st, one, 1, NULL);
	t_ok(in_list(st, pki.orphan, SA_LIST_SERVER),
	    "an end-entity certificate of an unknown issuer is pinned in Server");
}

static void
test_transitions(struct sa_store *st)
{
	char err[256];
	const struct sa_entry *e;
	int r;

	r = one_op(st, sa_txn_accept, pki.leaf, err, sizeof(err));
	t_ok(r == SA_ERR_WRONG_LIST, "accept of a Server certificate: wrong list: %s",
	    err);
	r = one_op(st, sa_txn_accept, pki.expired, err, sizeof(err));
	e = find_x(st, pki.expired);
	t_ok(r == 0 && e->list == SA_LIST_SERVER && e->origin == SA_ORIGIN_ACCEPTED,
	    "accept moves an expired Invalid certificate to Server, origin accepted");
	t_ok(sa_entry_is_sticky(e), "an accepted certificate is sticky");
	r = one_op(st, sa_txn_reject, pki.future, err, sizeof(err));
	e = find_x(st, pki.future);
	t_ok(r == 0 && e->list == SA_LIST_SERVER && e->rejected,
	    "reject moves an Invalid certificate to Server, labelled rejected");
	r = one_op(st, sa_txn_remove, pki.badsig, err, sizeof(err));
	t_ok(r == 0 && find_x(st, pki.badsig) == NULL, "remove deletes an entry");
	r = one_op(st, sa_txn_remove, pki.badsig, err, sizeof(err));
	t_ok(r == SA_ERR_NOT_FOUND, "remove of an unknown fingerprint: %s", err);
	r = one_op(st, sa_txn_accept, pki.badsig, err, sizeof(err));
	t_ok(r == SA_ERR_NOT_FOUND, "accept of an unknown fingerprint: not found");
}

static void
test_configure(struct sa_store *st)
{
	unsigned char *der, fp[SA_FP_LEN];
	struct sa_txn *t;
	char err[256];
	size_t len;
	int r;

	len = tc_der(pki.root, &der);
	t = sa_txn_new(st, "test");
	r = sa_txn_add(t, SA_LIST_SERVER, der, len, NULL, 0,
	    SA_ORIGIN_CONFIGURED, err, sizeof(err));
	t_ok(r == SA_ERR_INCONSISTENT, "a CA certificate configured in Server: %s",
	    err);
	memset(fp, 0xab, sizeof(fp));
	r = sa_txn_add(t, SA_LIST_CA, der, len, fp, 0, SA_ORIGIN_CONFIGURED, err,
	    sizeof(err));
	t_ok(r == SA_ERR_INCONSISTENT, "a fingerprint that does not match: %s", err);
	r = sa_txn_add(t, SA_LIST_CA, der, len, NULL, 0, SA_ORIGIN_CONFIGURED,
	    err, sizeof(err));
	t_ok(r == 0, "staging a CA certificate in CA");
	r = sa_txn_commit(t, err, sizeof(err));
	t_ok(r == SA_ERR_EXISTS, "configuring an entry that exists: %s", err);
	sa_txn_free(t);
	OPENSSL_free(der);

	len = tc_der(pki.orphan, &der);
	t = sa_txn_new(st, "test");
	sa_txn_remove(t, (fp_of(pki.orphan, fp), fp));
	r = sa_txn_add(t, SA_LIST_SERVER, der, len, fp, 1, SA_ORIGIN_CONFIGURED,
	    err, sizeof(err));
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	t_ok(r == 0 && find_x(st, pki.orphan)->origin == SA_ORIGIN_CONFIGURED &&
	    find_x(st, pki.orphan)->rejected,
	    "remove and re-add in one transaction: configured, rejected");
	sa_txn_free(t);
	OPENSSL_free(der);
}

static void
test_atomic(struct sa_store *st)
{
	X509 *one[1] = { pki.selfsigned };
	unsigned char fp[SA_FP_LEN];
	struct sa_txn *t;
	char err[256], *pem;
	size_t before = sa_store_count(st, SA_LIST_SERVER);
	uint64_t gen = sa_store_generation(st);
	int r;

	one_op(st, sa_txn_remove, pki.selfsigned, err, sizeof(err));
	before = sa_store_count(st, SA_LIST_SERVER);
	t = sa_txn_new(st, "test");
	pem = tc_pem(pki.selfsigned);
	sa_txn_import(t, (unsigned char *)pem, strlen(pem), SA_ORIGIN_IMPORTED,
	    err, sizeof(err));
	sa_txn_set(t, SA_SET_ACCEPT_ALL, "true", err, sizeof(err));
	memset(fp, 0x42, sizeof(fp));
	sa_txn_accept(t, fp);
	gen = sa_store_generation(st);
	r = sa_txn_commit(t, err, sizeof(err));
	t_ok(r == SA_ERR_NOT_FOUND && sa_store_count(st, SA_LIST_SERVER) == before &&
	    !sa_store_accept_all(st) && sa_store_generation(st) == gen,
	    "a transaction with one bad operation changes nothing");
	sa_txn_free(t);
	free(pem);
	import(st, one, 1, NULL);
}

static void
test_settings(struct sa_store *st)
{
	char u74[75], u75[76], err[256], *v = NULL;
	struct sa_txn *t;
	int r;

	memset(u74, 'u', 74);
	u74[74] = '\0';
	memset(u75, 'v', 75);
	u75[75] = '\0';
	t = sa_txn_new(st, "test");
	r = sa_txn_set(t, SA_SET_HTTP_USERNAME, u74, err, sizeof(err));
	if (r == 0)
		r = sa_txn_set(t, SA_SET_HTTP_PASSWORD, "s3cret-old", err, sizeof(err));
	if (r == 0)
		r = sa_txn_set(t, SA_SET_ACCEPT_ALL, "1", err, sizeof(err));
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	sa_store_get(st, SA_SET_HTTP_USERNAME, &v);
	t_ok(r == 0 && v != NULL && strcmp(v, u74) == 0,
	    "username of 74 characters stored");
	free(v);
	t = sa_txn_new(st, "test");
	r = sa_txn_set(t, SA_SET_HTTP_USERNAME, u75, err, sizeof(err));
	sa_txn_free(t);
	sa_store_get(st, SA_SET_HTTP_USERNAME, &v);
	t_ok(r == SA_ERR_TOO_LONG && strcmp(v, u74) == 0,
	    "username of 75 characters refused, the old one kept");
	free(v);
	t_ok(sa_store_get(st, SA_SET_HTTP_PASSWORD, &v) == SA_ERR_DENIED && v == NULL,
	    "the password cannot be read back");
	sa_store_get_secret(st, SA_SET_HTTP_PASSWORD, &v);
	t_ok(v != NULL && strcmp(v, "s3cret-old") == 0,
	    "the provisioning client reads the password");
	free(v);
	t_ok(sa_store_accept_all(st), "accept-all \"1\" turns it on");
	sa_store_get(st, SA_SET_ACCEPT_ALL, &v);
	t_ok(strcmp(v, "true") == 0, "accept-all reads back as true");
	free(v);

	t = sa_txn_new(st, "test");
	sa_txn_set(t, SA_SET_HTTP_PASSWORD, "s3cret-new", err, sizeof(err));
	sa_txn_set(t, SA_SET_ACCEPT_ALL, "false", err, sizeof(err));
	sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
}

/* Does any file of the directory contain s? */
static int
dir_contains(const char *name, const char *s)
{
	char path[600], *buf;
	FILE *f;
	long n;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) == (size_t)n)
		found = memmem(buf, (size_t)n, s, strlen(s)) != NULL;
	free(buf);
	fclose(f);
	return found;
}

static void
test_reload(void)
{
	struct sa_store *st, *second;
	const struct sa_entry *e;
	char err[256], *v = NULL;
	int r;

	st = open_store(err, sizeof(err), &r);
	t_ok(r == 0, "the store opens again after a restart");
	if (st == NULL)
		return;
	t_ok(in_list(st, pki.intermediate, SA_LIST_CA) &&
	    in_list(st, pki.leaf, SA_LIST_SERVER) &&
	    in_list(st, pki.expired, SA_LIST_SERVER) &&
	    find_x(st, pki.badsig) == NULL,
	    "the lists survive a restart");
	e = find_x(st, pki.future);
	t_ok(e != NULL && e->rejected && find_x(st, pki.expired)->origin ==
	    SA_ORIGIN_ACCEPTED, "labels and origins survive a restart");
	sa_store_get_secret(st, SA_SET_HTTP_PASSWORD, &v);
	t_ok(v != NULL && strcmp(v, "s3cret-new") == 0 && !sa_store_accept_all(st),
	    "settings survive a restart");
	free(v);
	t_ok(!dir_contains("store.log", "s3cret-old") &&
	    !dir_contains("store.snap", "s3cret-old"),
	    "the old password is gone from the state files");

	second = open_store(err, sizeof(err), &r);
	t_ok(r == SA_ERR_LOCKED && second == NULL,
	    "a second writer gets a clear error: %s", err);
	{
		struct sa_store_opts opts = { .read_only = 1,
		    .clock = t_clock };
		r = sa_store_open(dir, &opts, &second, err, sizeof(err));
		t_ok(r == 0 && sa_store_count(second, SA_LIST_CA) ==
		    sa_store_count(st, SA_LIST_CA), "a reader opens beside the writer");
		sa_store_free(second);
	}
	sa_store_free(st);
}

struct seen {
	int added, moved, removed, settings, commits;
	enum sa_cause last_cause;
};

static void
on_event(const struct sa_event *ev, void *arg)
{
	struct seen *s = arg;

	switch (ev->kind) {
	case SA_EV_ADDED: s->added++; break;
	case SA_EV_MOVED: s->moved++; break;
	case SA_EV_REMOVED: s->removed++; break;
	case SA_EV_SETTING: s->settings++; break;
	case SA_EV_COMMIT: s->commits++; return;
	default: break;
	}
	s->last_cause = ev->cause;
}

/*
 * A certificate imported and removed again in one transaction (one SNMP
 * SET can say both) was never there: nothing is announced or journalled.
 */
static void
test_add_then_remove(struct sa_store *st, struct seen *seen)
{
	unsigned char fp[SA_FP_LEN];
	struct seen before = *seen;
	struct sa_txn *t;
	char err[256], *pem = tc_pem(pki.selfsigned);
	int r;

	fp_of(pki.selfsigned, fp);
	t = sa_txn_new(st, "test");
	r = sa_txn_import(t, (unsigned char *)pem, strlen(pem),
	    SA_ORIGIN_IMPORTED, err, sizeof(err));
	if (r == 0)
		r = sa_txn_remove(t, fp);
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(r == 0 && find_x(st, pki.selfsigned) == NULL &&
	    seen->added == before.added && seen->removed == before.removed,
	    "import and remove of one certificate in one transaction: no change");
	t = sa_txn_new(st, "test");
	r = sa_txn_import(t, (unsigned char *)pem, strlen(pem),
	    SA_ORIGIN_IMPORTED, err, sizeof(err));
	sa_txn_clear_list(t, SA_LIST_SERVER);
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(r == 0 && find_x(st, pki.selfsigned) == NULL &&
	    seen->added == before.added && seen->removed == before.removed,
	    "import, then clear of its list, in one transaction: no change");
	free(pem);
}

static void
test_events(void)
{
	struct seen seen;
	struct sa_store *st;
	X509 *one[1] = { pki.badsig };
	char err[256];
	struct sa_txn *t;
	int r, id;

	st = open_store(err, sizeof(err), &r);
	if (st == NULL)
		return;
	memset(&seen, 0, sizeof(seen));
	id = sa_store_subscribe(st, on_event, &seen);
	import(st, one, 1, NULL);
	t_ok(seen.added == 1 && seen.commits == 1 &&
	    seen.last_cause == SA_CAUSE_IMPORT, "an import is announced");
	one_op(st, sa_txn_accept, pki.badsig, err, sizeof(err));
	t_ok(seen.moved == 1 && seen.last_cause == SA_CAUSE_ACCEPT,
	    "an accept is announced as a move");
	t = sa_txn_new(st, "test");
	sa_txn_set(t, SA_SET_HTTP_USERNAME, "admin", err, sizeof(err));
	sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(seen.settings == 1 && seen.commits == 3, "a setting is announced");
	t = sa_txn_new(st, "test");
	sa_txn_set(t, SA_SET_HTTP_USERNAME, "admin", err, sizeof(err));
	sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(seen.commits == 3, "setting the same value again announces nothing");
	t = sa_txn_new(st, "test");
	sa_txn_clear_list(t, SA_LIST_SERVER);
	r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(r == 0 && sa_store_count(st, SA_LIST_SERVER) == 0 && seen.removed > 3,
	    "clearing a list removes each entry, each announced");
	test_add_then_remove(st, &seen);
	sa_store_unsubscribe(st, id);
	sa_store_free(st);
}

static void
test_order_and_prefix(void)
{
	struct sa_store *st;
	const struct sa_entry *e, *prev = NULL;
	struct tc_opts o = { .cn = "many.example" };
	char err[256], hex[65], buf[16], *seen;
	X509 *x[1000];
	size_t i, n = 0;
	int r, sorted = 1, found = 0;

	st = open_store(err, sizeof(err), &r);
	if (st == NULL)
		return;
	for (i = 0; i < 1000; i++) {
		o.serial = (long)i + 1000;
		x[i] = tc_cert(&o, pki.leaf_key, NULL, NULL);
	}
	r = import(st, x, 1000, NULL);
	for (e = sa_store_first(st, SA_LIST_SERVER); e != NULL;
	    e = sa_store_next(st, e), n++) {
		if (prev != NULL && memcmp(prev->fp, e->fp, SA_FP_LEN) >= 0)
			sorted = 0;
		prev = e;
	}
	t_ok(r == 0 && n == 1000 && sorted, "a list iterates in fingerprint order");
	tc_fp_hex(x[7], hex);
	snprintf(buf, sizeof(buf), "%.12s", hex);
	r = sa_store_find_prefix(st, buf, &e, err, sizeof(err));
	t_ok(r == 0 && e == find_x(st, x[7]), "a unique prefix finds the entry");
	r = sa_store_find_prefix(st, "abc", &e, err, sizeof(err));
	t_ok(r == SA_ERR_INVALID, "a prefix under 4 digits is refused: %s", err);
	/* among 1000 fingerprints two share their first four digits (p > 0.999) */
	seen = calloc(65536, 1);
	for (i = 0; i < 1000 && !found; i++) {
		tc_fp_hex(x[i], hex);
		hex[4] = '\0';
		if (seen[strtoul(hex, NULL, 16)]++) {
			r = sa_store_find_prefix(st, hex, &e, err, sizeof(err));
			found = 1;
		}
	}
	if (found)
		t_ok(r == SA_ERR_AMBIGUOUS, "an ambiguous prefix is refused: %s", err);
	else
		t_skip("an ambiguous prefix: no shared 4-digit prefix this run");
	free(seen);
	for (i = 0; i < 1000; i++)
		X509_free(x[i]);
	sa_store_free(st);
}

static void
test_damaged_files(void)
{
	struct sa_store *st;
	char err[256], path[600];
	size_t ca;
	int r, fd;

	st = open_store(err, sizeof(err), &r);
	ca = sa_store_count(st, SA_LIST_CA);
	sa_store_free(st);
	/* a torn last transaction */
	snprintf(path, sizeof(path), "%s/store.log", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	t_ok(write(fd, "SAF1\x40\0\0\0garbage", 15) == 15, "tear the journal");
	close(fd);
	st = open_store(err, sizeof(err), &r);
	t_ok(r == 0 && sa_store_count(st, SA_LIST_CA) == ca,
	    "a torn journal tail is dropped, the rest loads");
	sa_store_free(st);
	/* a foreign file in place of the snapshot */
	snprintf(path, sizeof(path), "%s/store.snap", dir);
	t_write_file(path, "not ours\n", 9);
	st = open_store(err, sizeof(err), &r);
	t_ok(r == 0 && st != NULL, "a foreign state file is reported, not fatal");
	snprintf(path, sizeof(path), "%s/store.snap", dir);
	sa_store_free(st);
}

static void
test_hold(void)
{
	struct sa_store *st;
	struct sa_txn *t;
	char err[256];
	int r;

	st = open_store(err, sizeof(err), &r);
	if (st == NULL)
		return;
	t_ok(sa_store_hold(st, 7, err, sizeof(err)) == 0 &&
	    sa_store_holder(st) == 7, "a session holds the configuration");
	t_ok(sa_store_hold(st, 8, err, sizeof(err)) == SA_ERR_LOCKED,
	    "a second holder is refused: %s", err);
	t = sa_txn_new(st, "snmp");
	sa_txn_set(t, SA_SET_HTTP_USERNAME, "other", err, sizeof(err));
	r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(r == SA_ERR_LOCKED, "a change of another writer is held off: %s",
	    err);
	t = sa_txn_new(st, "netconf");
	sa_txn_set_holder(t, 7);
	sa_txn_set(t, SA_SET_HTTP_USERNAME, "holder", err, sizeof(err));
	r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t_ok(r == 0, "the holder's own change commits");
	{
		struct tc_opts o = { .cn = "peer.example" };
		X509 *x = tc_cert(&o, pki.other_key, NULL, NULL);
		unsigned char *der;
		size_t len = tc_der(x, &der);
		t = sa_txn_new(st, "tls");
		sa_txn_record_invalid(t, der, len, SA_REASON_UNKNOWN_ISSUER, "x:1");
		r = sa_txn_commit(t, err, sizeof(err));
		sa_txn_free(t);
		OPENSSL_free(der);
		t_ok(r == 0 && in_list(st, x, SA_LIST_INVALID),
		    "a received certificate is recorded despite the hold");
		X509_free(x);
	}
	sa_store_release(st, 8);
	t_ok(sa_store_holder(st) == 7, "only the holder releases");
	sa_store_release(st, 7);
	t_ok(sa_store_holder(st) == 0, "released");
	sa_store_free(st);
}

int
main(void)
{
	struct sa_store *st;
	char err[256];
	int r;

	make_pki();
	dir = t_tmpdir();
	snprintf(bundle_path, sizeof(bundle_path), "%s.factory.pem", dir);
	tc_write_pem(bundle_path, pki.root);
	{
		/* the state directory itself does not exist yet */
		char *d = dir;
		dir = malloc(strlen(d) + 10);
		sprintf(dir, "%s/state", d);
		test_fresh();
		st = open_store(err, sizeof(err), &r);
		test_import(st);
		test_transitions(st);
		test_configure(st);
		test_atomic(st);
		test_settings(st);
		sa_store_free(st);
		test_reload();
		test_events();
		test_order_and_prefix();
		test_hold();
		test_damaged_files();
		t_rmrf(d);
		free(d);
	}
	unlink(bundle_path);
	free(dir);
	return t_done();
}
