/*
 * bench/store - the trust store at 1,000 and 10,000 certificates, beside
 * OpenSSL's own cost for the same certificates in the same run.
 *
 * Baseline (per certificate): PEM parse + SHA-256 fingerprint + signature
 * verification with the issuer's key, which is the work any import must
 * do.  Printed: bundle import rate (durable), single import rate (one
 * fsynced transaction each), load time at start, resident memory, sweep
 * time, each with its ratio to the baseline and the target of the issue.
 *
 * usage: bench/store [N...]     (default: 1000 10000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certgen.h"
#include "sa_store.h"
#include "t.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

struct corpus {
	X509 *ca;
	EVP_PKEY *ca_key;
	char *bundle;		/* N leaves, PEM */
	size_t bundle_len;
	char **pems;		/* each leaf */
	size_t der_bytes;
	int n;
};

static void
make_corpus(struct corpus *c, int n)
{
	struct tc_opts o = { .cn = "Bench CA", .ca = 1 };
	EVP_PKEY *leaf_key = tc_key();
	size_t cap = 0, len;
	char cn[64], dns[64];
	unsigned char *der;
	X509 *x;
	int i;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->ca_key = tc_key_rsa(2048);
	c->ca = tc_cert(&o, c->ca_key, NULL, NULL);
	c->pems = calloc((size_t)n, sizeof(char *));
	for (i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		snprintf(cn, sizeof(cn), "device-%06d.example", i);
		snprintf(dns, sizeof(dns), "device-%06d.example", i);
		o.cn = cn;
		o.dns = dns;
		o.serial = i + 1;
		x = tc_cert(&o, leaf_key, c->ca, c->ca_key);
		c->pems[i] = tc_pem(x);
		c->der_bytes += tc_der(x, &der);
		OPENSSL_free(der);
		X509_free(x);
		len = strlen(c->pems[i]);
		if (c->bundle_len + len + 1 > cap) {
			cap = (c->bundle_len + len + 1) * 2;
			c->bundle = realloc(c->bundle, cap);
		}
		memcpy(c->bundle + c->bundle_len, c->pems[i], len + 1);
		c->bundle_len += len;
	}
	EVP_PKEY_free(leaf_key);
}

/* OpenSSL alone: parse + fingerprint + verify, per certificate (s). */
static double
baseline(const struct corpus *c, double *parse_only)
{
	EVP_PKEY *pub = X509_get0_pubkey(c->ca);
	unsigned char md[32], *der;
	unsigned int mdlen;
	double t0, t1;
	BIO *bio;
	X509 *x;
	int i, ok = 0, len;

	t0 = now_s();
	bio = BIO_new_mem_buf(c->bundle, (int)c->bundle_len);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		der = NULL;
		len = i2d_X509(x, &der);
		EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
		ok += X509_verify(x, pub) == 1;
		OPENSSL_free(der);
		X509_free(x);
	}
	BIO_free(bio);
	t1 = now_s();
	if (ok != c->n)
		fprintf(stderr, "baseline: %d of %d verified\n", ok, c->n);
	/* parse alone, from DER, as a start-up that re-parses would */
	*parse_only = 0;
	for (i = 0; i < c->n; i++) {
		const unsigned char *p;
		unsigned char *d = NULL;
		double a;

		bio = BIO_new_mem_buf(c->pems[i], -1);
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		len = i2d_X509(x, &d);
		X509_free(x);
		a = now_s();
		p = d;
		x = d2i_X509(NULL, &p, len);
		*parse_only += now_s() - a;
		X509_free(x);
		OPENSSL_free(d);
	}
	return (t1 - t0) / c->n;
}

static struct sa_store *
open_store(const char *dir, const char *factory, double *secs)
{
	struct sa_store_opts opts = { .factory_bundle = factory };
	struct sa_store *st = NULL;
	char err[256];
	double t0 = now_s();

	if (sa_store_open(dir, &opts, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "open: %s\n", err);
		exit(1);
	}
	if (secs != NULL)
		*secs = now_s() - t0;
	return st;
}

static void
row(const char *what, double value, const char *unit, double ratio,
    const char *target, int pass)
{
	printf("  %-34s %12.1f %-8s ratio %6.2f   %-28s %s\n", what, value, unit,
	    ratio, target, target[0] == '\0' ? "" : pass ? "PASS" : "FAIL");
}

static void
bench(int n)
{
	struct corpus c;
	struct sa_store *st;
	struct sa_txn *t;
	char *dir = t_tmpdir(), sd[600], fb[600], err[256];
	double per_raw, parse_only, t0, t_bundle, t_single, t_load, t_sweep;
	int i, singles = n < 1000 ? n : 1000, status, fds[2];

	long rss[2] = { 0, 0 };

	make_corpus(&c, n);
	per_raw = baseline(&c, &parse_only);
	snprintf(fb, sizeof(fb), "%s/factory.pem", dir);
	tc_write_pem(fb, c.ca);
	snprintf(sd, sizeof(sd), "%s/state", dir);

	st = open_store(sd, fb, NULL);
	t = sa_txn_new(st, "bench");
	t0 = now_s();
	if (sa_txn_import(t, (unsigned char *)c.bundle, c.bundle_len,
	    SA_ORIGIN_IMPORTED, err, sizeof(err)) != 0 ||
	    sa_txn_commit(t, err, sizeof(err)) != 0) {
		fprintf(stderr, "bundle import: %s\n", err);
		exit(1);
	}
	t_bundle = now_s() - t0;
	sa_txn_free(t);
	if (sa_store_count(st, SA_LIST_SERVER) != (size_t)n)
		fprintf(stderr, "bundle import: %zu of %d in Server\n",
		    sa_store_count(st, SA_LIST_SERVER), n);

	/* single imports: remove a slice, then import it back one by one */
	t = sa_txn_new(st, "bench");
	for (i = 0; i < singles; i++) {
		unsigned char fp[SA_FP_LEN];
		char hex[65];
		BIO *b = BIO_new_mem_buf(c.pems[i], -1);
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		tc_fp_hex(x, hex);
		sa_fp_from_hex(hex, fp);
		sa_txn_remove(t, fp);
		X509_free(x);
		BIO_free(b);
	}
	sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	t0 = now_s();
	for (i = 0; i < singles; i++) {
		t = sa_txn_new(st, "bench");
		sa_txn_import(t, (unsigned char *)c.pems[i], strlen(c.pems[i]),
		    SA_ORIGIN_IMPORTED, err, sizeof(err));
		if (sa_txn_commit(t, err, sizeof(err)) != 0)
			fprintf(stderr, "single import: %s\n", err);
		sa_txn_free(t);
	}
	t_single = (now_s() - t0) / singles;

	t0 = now_s();
	sa_store_sweep(st, err, sizeof(err));
	t_sweep = now_s() - t0;
	sa_store_free(st);

	/* load and memory in a fresh process: nothing of the above counts */
	if (pipe(fds) != 0)
		exit(1);
	if (fork() == 0) {
		dup2(fds[1], 1);
		execl("/proc/self/exe", "store", "--load", sd, fb, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	{
		char buf[128] = "";
		ssize_t got = read(fds[0], buf, sizeof(buf) - 1);
		if (got <= 0 || sscanf(buf, "%lf %ld %ld", &t_load, &rss[0],
		    &rss[1]) != 3)
			t_load = -1;
	}
	wait(&status);
	close(fds[0]);

	printf("\n%d certificates (%.1f MiB of DER), OpenSSL parse+fingerprint+"
	    "verify %.1f us each, parse alone %.0f ms in all\n", n,
	    (double)c.der_bytes / 1048576.0, per_raw * 1e6, parse_only * 1e3);
	row("bundle import (durable)", n / t_bundle, "cert/s",
	    (n / t_bundle) / (1 / per_raw), ">= 0.50 of OpenSSL's rate",
	    (n / t_bundle) / (1 / per_raw) >= 0.5);
	row("single import (one fsync each)", 1 / t_single, "cert/s",
	    (1 / t_single) / (1 / per_raw), "", 1);
	row("load at start", t_load * 1e3, "ms", t_load / parse_only,
	    n >= 10000 ? "< 1000 ms" : "", t_load < 1.0);
	{
		double mib = (double)(rss[1] - rss[0]) / 1024.0;
		double budget = 2.0 * (double)c.der_bytes / 1048576.0 + 8.0;
		row("resident memory after load", mib, "MiB", mib / budget,
		    "< 2 x DER + 8 MiB (ratio<1)", mib < budget);
	}
	row("expiry sweep", t_sweep * 1e3, "ms", t_sweep / (per_raw * n), "", 1);
	t_rmrf(dir);
	free(dir);
	for (i = 0; i < n; i++)
		free(c.pems[i]);
	free(c.pems);
	free(c.bundle);
	X509_free(c.ca);
	EVP_PKEY_free(c.ca_key);
}

/* The child of the load measurement: a process that did nothing else. */
static int
load_only(const char *sd, const char *fb)
{
	long before = rss_kib(), after;
	struct sa_store *st;
	double tl;

	st = open_store(sd, fb, &tl);
	after = rss_kib();
	printf("%f %ld %ld\n", tl, before, after);
	fflush(stdout);
	sa_store_free(st);
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	if (argc == 4 && strcmp(argv[1], "--load") == 0)
		return load_only(argv[2], argv[3]);

	printf("bench/store: ratios are against OpenSSL in the same run\n");
	if (argc < 2) {
		bench(1000);
		bench(10000);
	}
	for (i = 1; i < argc; i++)
		bench(atoi(argv[i]));
	return 0;
}
