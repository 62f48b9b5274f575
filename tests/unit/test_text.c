/*
 * test_text.c - the one escaping rule (src/sa_text.h) and where the core
 * applies it: the details of certificates a hostile peer made, the peer
 * of an Invalid entry, entries written before the rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "certraw.h"
#include "sa_record.h"
#include "sa_store.h"
#include "sa_text.h"
#include "t.h"

#define B(s) (const unsigned char *)(s), sizeof(s) - 1

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* The rule read back: the bytes escaped text stands for; -1 if malformed. */
static long
unescape(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0' && n < cap) {
		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		if (s[1] == 'x') {
			if (hexval(s[2]) < 0 || hexval(s[3]) < 0)
				return -1;
			out[n++] = (unsigned char)(hexval(s[2]) << 4 | hexval(s[3]));
			s += 4;
		} else if (s[1] != '\0') {
			out[n++] = (unsigned char)s[1];
			s += 2;
		} else {
			return -1;
		}
	}
	return *s == '\0' ? (long)n : -1;
}

static void
expect(const char *in, size_t len, unsigned int flags, const char *want,
    const char *what)
{
	char *got = sa_text_escape(in, len, flags);

	t_ok(got != NULL && strcmp(got, want) == 0, "%s: %s", what,
	    got != NULL ? got : "(null)");
	free(got);
}

static void
test_rule(void)
{
	expect("CN=plain", 8, 0, "CN=plain", "plain ASCII is kept");
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", 14, 0,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "valid UTF-8 is kept");
	expect("a\x1b[31mb\x07", 8, 0, "a\\x1B[31mb\\x07", "ESC and BEL");
	expect("a\0b", 3, 0, "a\\x00b", "NUL");
	expect("tab\there\r\n", 10, 0, "tab\\x09here\\x0D\\x0A",
	    "tab, CR and LF");
	expect("\x7f", 1, 0, "\\x7F", "DEL");
	expect("\xc2\x9b", 2, 0, "\\xC2\\x9B", "C1 control (CSI)");
	expect("\xff\xfe", 2, 0, "\\xFF\\xFE", "bytes that are not UTF-8");
	expect("\xc0\xaf", 2, 0, "\\xC0\\xAF", "overlong sequence");
	expect("\xed\xa0\x80", 3, 0, "\\xED\\xA0\\x80", "surrogate");
	expect("\xf4\x90\x80\x80", 4, 0, "\\xF4\\x90\\x80\\x80",
	    "above U+10FFFF");
	expect("\xe2\x82", 2, 0, "\\xE2\\x82", "truncated sequence");
	expect("\xef\xbf\xbe\xef\xbf\xbf", 6, 0,
	    "\\xEF\\xBF\\xBE\\xEF\\xBF\\xBF", "U+FFFE and U+FFFF");
	expect("a\xe2\x80\xae" "b", 5, 0, "a\\xE2\\x80\\xAEb",
	    "bidi override U+202E");
	expect("\xe2\x80\xa8", 3, 0, "\\xE2\\x80\\xA8", "line separator");
	expect("a\\x41", 5, 0, "a\\\\x41", "a backslash is doubled");
	expect("a,b", 3, 0, "a,b", "',' is plain text by default");
	expect("a,b", 3, SA_TEXT_LIST, "a\\,b", "',' in a list item");
	expect(" #a,b+c\"d<e>f;g ", 16, SA_TEXT_DN,
	    "\\ #a\\,b\\+c\\\"d\\<e\\>f\\;g\\ ", "RFC 4514 specials in a DN");
	expect("#x", 2, SA_TEXT_DN, "\\#x", "'#' first in a DN value");
	expect("", 0, 0, "", "the empty string");
	t_ok(sa_text_is_clean("CN=a\\x1B\\,b caf\xc3\xa9"),
	    "escaped text is clean");
	t_ok(!sa_text_is_clean("a\x1b") && !sa_text_is_clean("\xff") &&
	    !sa_text_is_clean("\xc2\x85"), "raw controls and bad UTF-8 are not");
}

/* Any bytes: the escaped text is clean and reads back to those bytes. */
static void
test_reversible(void)
{
	unsigned char in[64], back[64];
	unsigned int seed = 12345, flags;
	int i, bad = 0, unclean = 0;
	size_t n, k;
	char *e;
	long m;

	for (i = 0; i < 20000; i++) {
		n = (size_t)(rand_r(&seed) % sizeof(in));
		for (k = 0; k < n; k++)	/* weighted to hit UTF-8 and specials */
			in[k] = (unsigned char)(rand_r(&seed) % 4 == 0 ?
			    "\\,+#\" \xc2\xe2\xf0\x80\xbf\xa0\x1b"[rand_r(&seed) % 14] :
			    rand_r(&seed));
		flags = (unsigned int)(rand_r(&seed) % 4);
		if ((e = sa_text_escape(in, n, flags)) == NULL)
			continue;
		unclean += !sa_text_is_clean(e);
		m = unescape(e, back, sizeof(back));
		bad += m != (long)n || memcmp(in, back, n) != 0;
		free(e);
	}
	t_ok(unclean == 0, "20000 random strings escape to clean text (%d not)",
	    unclean);
	t_ok(bad == 0, "and read back to the same bytes (%d differ)", bad);
}

static void
test_buf(void)
{
	const char *in = "ab\x1b\xe2\x82\xac\\cd";
	char full[64], buf[64];
	size_t cut, ok = 0, n;

	sa_text_escape_buf(full, sizeof(full), in);
	t_ok(strcmp(full, "ab\\x1B\xe2\x82\xac\\\\cd") == 0,
	    "escape into a buffer: %s", full);
	for (cut = 1; cut <= strlen(full) + 1; cut++) {
		n = sa_text_escape_buf(buf, cut, in);
		ok += sa_text_is_clean(buf) && strncmp(full, buf, strlen(buf)) == 0 &&
		    (buf[0] == '\0' || buf[strlen(buf) - 1] != '\\' ||
		    strlen(buf) > 1) && n <= strlen(in);
	}
	t_ok(ok == strlen(full) + 1, "a short buffer is cut between escapes "
	    "and characters, never inside one");
	n = sa_text_escape_buf(buf, 5, in);
	t_ok(strcmp(buf, "ab") == 0 && n == 2, "\\x1B does not fit in 2 bytes "
	    "more: cut before it (%s)", buf);
}

/* A certificate with every field a peer controls made hostile. */
static X509 *
hostile_cert(EVP_PKEY *key)
{
	static const unsigned char upn_oid_less[] = "u\x1b]0;x\x07";
	struct tc_raw r;

	memset(&r, 0, sizeof(r));
	r.subject[r.nsubject++] = (struct tc_raw_item){ NID_organizationName,
	    V_ASN1_UTF8STRING, B("Evil\x1b[31m Corp, Inc."), 0 };
	r.subject[r.nsubject++] = (struct tc_raw_item){
	    NID_organizationalUnitName, V_ASN1_BMPSTRING, B("\0\x9b\0A"), 0 };
	r.subject[r.nsubject++] = (struct tc_raw_item){ NID_localityName,
	    V_ASN1_NUMERICSTRING, B("\xff\xfe"), 1 };
	r.subject[r.nsubject++] = (struct tc_raw_item){ NID_commonName,
	    V_ASN1_UTF8STRING, B("bell\x07\\ #x"), 0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_DNS, 0,
	    B("x\x1b]0;pwn\x07.example\xff"), 0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_EMAIL, 0,
	    B("a, DNS:bank.example"), 0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_URI, 0, B("http://x/\n"),
	    0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_IPADD, 0, B("\xc0\0\2\1"),
	    0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_OTHERNAME, 0, upn_oid_less,
	    sizeof(upn_oid_less) - 1, 0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_DIRNAME, 0, B("d\x1b"), 0 };
	r.san[r.nsan++] = (struct tc_raw_item){ GEN_RID, 0, B("1.2.3.4"), 0 };
	r.serial = (const unsigned char *)"\x1b\x07";
	r.serial_len = 2;
	return tc_cert_raw(&r, key);
}

#define HOSTILE_SUBJECT "CN=bell\\x07\\\\ #x,OU=\\xC2\\x9BA+L=\\xFF\\xFE," \
	"O=Evil\\x1B[31m Corp\\, Inc."
#define HOSTILE_SAN "DNS:x\\x1B]0;pwn\\x07.example\\xFF, " \
	"email:a\\, DNS:bank.example, URI:http://x/\\x0A, IP:192.0.2.1, " \
	"othername:msUPN:u\\x1B]0;x\\x07, DirName:CN=d\\x1B, RID:1.2.3.4"

static int
details_clean(const struct sa_details *d)
{
	return sa_text_is_clean(d->subject) && sa_text_is_clean(d->issuer) &&
	    sa_text_is_clean(d->serial) &&
	    sa_text_is_clean(d->signature_algorithm) &&
	    sa_text_is_clean(d->public_key_algorithm) &&
	    sa_text_is_clean(d->key_usage) &&
	    sa_text_is_clean(d->subject_alt_names);
}

static void
test_details(EVP_PKEY *key, X509 *x)
{
	struct sa_parsed_set set;
	struct sa_details d;
	unsigned char *der;
	char err[256];
	size_t len = tc_der(x, &der);
	int r;

	r = sa_cert_parse(der, len, &set, err, sizeof(err));
	if (!t_ok(r == 0 && set.n == 1, "a hostile certificate parses: %s",
	    r ? err : "yes"))
		return;
	r = sa_cert_details(set.certs[0].x509, &d);
	t_ok(r == 0 && details_clean(&d), "its details are clean text");
	t_ok(r == 0 && strcmp(d.subject, HOSTILE_SUBJECT) == 0,
	    "subject: %s", r == 0 ? d.subject : "-");
	t_ok(r == 0 && strcmp(d.subject, d.issuer) == 0, "issuer as subject");
	t_ok(r == 0 && strcmp(d.subject_alt_names, HOSTILE_SAN) == 0,
	    "subject-alt-names, every type: %s", r == 0 ?
	    d.subject_alt_names : "-");
	t_ok(r == 0 && strcmp(d.serial, "1B07") == 0, "serial: %s",
	    r == 0 ? d.serial : "-");
	if (r == 0)
		sa_details_clear(&d);
	sa_parsed_set_clear(&set);
	OPENSSL_free(der);
	(void)key;
}

/* A well-formed name prints as OpenSSL's RFC 2253 printer prints it. */
static void
test_like_openssl(EVP_PKEY *key)
{
	struct tc_opts o = { .cn = "server.example" };
	X509 *x = tc_cert(&o, key, NULL, NULL);
	unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
	    ASN1_STRFLGS_UTF8_CONVERT;
	char *ours = sa_name_string(X509_get_subject_name(x)), *data;
	BIO *b = BIO_new(BIO_s_mem());
	long n;

	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, flags);
	n = BIO_get_mem_data(b, &data);
	t_ok(ours != NULL && (long)strlen(ours) == n &&
	    memcmp(ours, data, (size_t)n) == 0,
	    "a plain name as OpenSSL prints it: %s", ours ? ours : "-");
	free(ours);
	BIO_free(b);
	X509_free(x);
}

static void
test_store(EVP_PKEY *key, X509 *x)
{
	char *dir = t_tmpdir(), err[256], bundle[512];
	struct tc_opts o = { .cn = "Factory CA", .ca = 1 };
	X509 *ca = tc_cert(&o, key, NULL, NULL);
	struct sa_store_opts opts;
	const struct sa_entry *e;
	struct sa_store *st;
	struct sa_txn *t;
	unsigned char *der, fp[SA_FP_LEN];
	size_t len = tc_der(x, &der);
	int r, pass;

	/* a factory bundle of the test's own: not the system's roots */
	snprintf(bundle, sizeof(bundle), "%s.factory.pem", dir);
	tc_write_pem(bundle, ca);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = bundle;
	sa_cert_fingerprint(der, len, fp);
	for (pass = 0; pass < 2; pass++) {
		if (sa_store_open(dir, &opts, &st, err, sizeof(err)) != 0) {
			t_ok(0, "store: %s", err);
			break;
		}
		if (pass == 0) {
			t = sa_txn_new(st, "test");
			r = sa_txn_record_invalid(t, der, len,
			    SA_REASON_UNKNOWN_ISSUER, "evil\x1b[2J\xff:443");
			r = r ? r : sa_txn_commit(t, err, sizeof(err));
			sa_txn_free(t);
			t_ok(r == 0, "a hostile peer's certificate is recorded");
		}
		sa_store_rdlock(st);
		e = sa_store_find(st, fp);
		t_ok(e != NULL && e->peer != NULL &&
		    strcmp(e->peer, "evil\\x1B[2J\\xFF:443") == 0 &&
		    strcmp(e->subject, HOSTILE_SUBJECT) == 0 &&
		    strcmp(e->subject_alt_names, HOSTILE_SAN) == 0,
		    "%s: the entry's peer and names are escaped",
		    pass ? "after a reopen" : "recorded");
		sa_store_unlock(st);
		if (pass == 1) {
			/* what an SNMP undo does: record it again with the
			 * stored peer, which must not be escaped twice */
			t = sa_txn_new(st, "test");
			r = sa_txn_record_invalid(t, der, len,
			    SA_REASON_UNKNOWN_ISSUER, "evil\\x1B[2J\\xFF:443");
			r = r ? r : sa_txn_commit(t, err, sizeof(err));
			sa_txn_free(t);
			sa_store_rdlock(st);
			e = sa_store_find(st, fp);
			t_ok(r == 0 && e != NULL && strcmp(e->peer,
			    "evil\\x1B[2J\\xFF:443") == 0,
			    "a peer already under the rule is kept as it is");
			sa_store_unlock(st);
		}
		sa_store_free(st);
	}
	OPENSSL_free(der);
	X509_free(ca);
	unlink(bundle);
	t_rmrf(dir);
	free(dir);
}

/*
 * An entry as a version before the rule wrote it: raw names, no rule
 * version.  Reading it makes the names again from the DER.
 */
static void
test_legacy_record(X509 *x)
{
	struct sa_entry e;
	struct sa_buf b;
	struct sa_rec rec;
	const char *why = NULL;
	unsigned char *der;
	size_t len = tc_der(x, &der), off = 0, oplen;
	int r;

	memset(&e, 0, sizeof(e));
	memset(&b, 0, sizeof(b));
	e.der = der;
	e.der_len = len;
	sa_cert_fingerprint(der, len, e.fp);
	e.list = SA_LIST_INVALID;
	e.subject = e.issuer = (char *)"CN=raw\x1b[31m";
	e.serial = (char *)"01";
	e.subject_alt_names = (char *)"DNS:\x07";
	e.peer = (char *)"host\x1b:443";
	sa_rec_put(&b, &e);
	/* the rule's version is the last field: 1 + 4 + 8 bytes */
	oplen = b.len - 5 - 13;
	b.len -= 13;
	b.p[1] = (unsigned char)oplen;
	b.p[2] = (unsigned char)(oplen >> 8);
	b.p[3] = (unsigned char)(oplen >> 16);
	b.p[4] = (unsigned char)(oplen >> 24);
	r = sa_rec_read(b.p, b.len, &off, &rec, &why);
	t_ok(r == 0 && rec.node != NULL &&
	    strcmp(rec.node->e.subject, HOSTILE_SUBJECT) == 0 &&
	    strcmp(rec.node->e.subject_alt_names, HOSTILE_SAN) == 0 &&
	    strcmp(rec.node->e.peer, "host\\x1B:443") == 0,
	    "an entry written before the rule is read with escaped names: %s",
	    r == 0 ? rec.node->e.subject : why);
	sa_rec_clear(&rec);
	sa_buf_free(&b);
	OPENSSL_free(der);
}

int
main(void)
{
	EVP_PKEY *key = tc_key();
	X509 *x = hostile_cert(key);

	test_rule();
	test_reversible();
	test_buf();
	if (t_ok(x != NULL, "a hostile certificate is made")) {
		test_details(key, x);
		test_store(key, x);
		test_legacy_record(x);
	}
	test_like_openssl(key);
	X509_free(x);
	EVP_PKEY_free(key);
	return t_done();
}
