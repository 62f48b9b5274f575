/*
 * test_prov.c - the provisioning file: parameters through the mapping
 * table, certificates added and removed, and every way a file is refused
 * with nothing applied; the export read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../agent/provision/prov.h"
#include "certgen.h"
#include "t.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<provisioning version=\"1.1\" productID=\"e2\">\n"
#define TAIL "</provisioning>\n"
#define P_ACCEPT "SystemSettings.global.Security_Certificates_AcceptAllCertificates"
#define P_USER "Security.global.HTTPAuthUsername"
#define P_PASS "Security.global.HTTPAuthPassword"
#define P_VERSION "Security.global.PolicyVersion"

static struct sa_store *st;
static char *dir;

static char *
get(enum sa_setting s)
{
	char *v = NULL;

	sa_store_get_secret(st, s, &v);
	return v;
}

static int
is(enum sa_setting s, const char *want)
{
	char *v = get(s);
	int r = v != NULL && strcmp(v, want) == 0;

	if (!r)
		t_diag("%s is \"%s\", not \"%s\"", sa_setting_name(s),
		    v ? v : "(null)", want);
	free(v);
	return r;
}

/* What an attempt does with a fetched file: parse, and commit only if good. */
static int
apply(const char *xml, size_t len, struct sa_prov_summary *sum, char *err,
    size_t errlen)
{
	struct sa_txn *t = sa_txn_new(st, "test");
	int r;

	if ((r = sa_prov_parse(xml, len, st, t, sum, err, errlen)) == 0)
		r = sa_txn_commit(t, err, errlen);
	sa_txn_free(t);
	return r;
}

static int
apply_str(const char *xml, struct sa_prov_summary *sum, char *err,
    size_t errlen)
{
	return apply(xml, strlen(xml), sum, err, errlen);
}

static void
test_params(void)
{
	struct sa_prov_summary sum;
	char err[512];
	int r;

	r = apply_str(HEAD "<nvm>\n"
	    "<param name=\"" P_ACCEPT "\" value=\"1\"/>\n"
	    "<param name=\"" P_USER "\" value=\"7C2F80C6E5C2\"/>\n"
	    "<param name=\"" P_PASS "\" value=\"s&amp;cret&lt;\"/>\n"
	    "<param name=\"SIP.Account.0.AuthName\" value=\"1012\"/>\n"
	    "<param name=\"DECT.Something\" value=\"\"/>\n"
	    "</nvm>\n" TAIL, &sum, err, sizeof(err));
	t_ok(r == 0, "a good file is applied%s%s", r ? ": " : "", r ? err : "");
	t_ok(is(SA_SET_ACCEPT_ALL, "true") && is(SA_SET_HTTP_USERNAME,
	    "7C2F80C6E5C2") && is(SA_SET_HTTP_PASSWORD, "s&cret<"),
	    "the seed's three parameters set accept-all, username, password");
	t_ok(sum.params == 3 && sum.unknown == 2,
	    "unknown parameters are counted, not errors (%u known, %u unknown)",
	    sum.params, sum.unknown);

	r = apply_str(HEAD "<param name=\"" P_ACCEPT "\" value=\"0\"/>\n"
	    "<file version=\"2.22.4\" url=\"\"/>\n" TAIL, &sum, err, sizeof(err));
	t_ok(r == 0 && is(SA_SET_ACCEPT_ALL, "false") && sum.params == 1,
	    "a parameter right below <provisioning> is read too; other "
	    "elements are left alone");
}

/* A file that must be refused, with nothing of it applied. */
static void
refused(const char *name, const char *xml, size_t len, const char *want)
{
	struct sa_prov_summary sum;
	uint64_t gen = sa_store_generation(st);
	char err[512] = "";
	time_t t0 = time(NULL);
	int r;

	r = apply(xml, len, &sum, err, sizeof(err));
	t_ok(r != 0 && strstr(err, want) != NULL &&
	    sa_store_generation(st) == gen && is(SA_SET_ACCEPT_ALL, "false") &&
	    is(SA_SET_HTTP_USERNAME, "7C2F80C6E5C2") && time(NULL) - t0 < 5,
	    "%s: refused, nothing applied (%s)", name, err);
}

static void
refused_str(const char *name, const char *xml, const char *want)
{
	refused(name, xml, strlen(xml), want);
}

static void
test_refusals(void)
{
	static const char bomb[] = "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE provisioning [\n"
	    " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	    "]>\n"
	    "<provisioning version=\"1.1\"><nvm>"
	    "<param name=\"" P_USER "\" value=\"&f;\"/></nvm></provisioning>\n";
	static const char external[] = "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE provisioning SYSTEM \"http://127.0.0.1:1/p.dtd\">\n"
	    HEAD "<param name=\"" P_ACCEPT "\" value=\"1\"/>" TAIL;
	char user75[76], xml[1024], *big;
	size_t n = 10 * 1000 * 1000;

	refused_str("malformed XML", HEAD "<nvm><param name=\"" P_ACCEPT
	    "\" value=\"1\"></nvm>" TAIL, "malformed XML");
	memset(user75, 'u', 75);
	user75[75] = '\0';
	snprintf(xml, sizeof(xml), HEAD "<nvm><param name=\"" P_ACCEPT
	    "\" value=\"1\"/><param name=\"" P_USER "\" value=\"%s\"/></nvm>"
	    TAIL, user75);
	refused("a 75-character username after a good parameter", xml,
	    strlen(xml), "at most 74");
	refused_str("accept-all 2", HEAD "<nvm><param name=\"" P_ACCEPT
	    "\" value=\"2\"/></nvm>" TAIL, "line 3");
	refused("an entity bomb", bomb, strlen(bomb), "DOCTYPE");
	refused("a DOCTYPE with an external DTD", external, strlen(external),
	    "DOCTYPE");
	refused_str("a parameter given twice", HEAD "<nvm><param name=\""
	    P_ACCEPT "\" value=\"1\"/>\n<param name=\"" P_ACCEPT
	    "\" value=\"1\"/></nvm>" TAIL, "given twice");
	refused_str("a param without a value", HEAD "<nvm><param name=\""
	    P_ACCEPT "\"/></nvm>" TAIL, "needs a name and a value");
	refused_str("another root element", "<ProviderFrame><param name=\""
	    P_ACCEPT "\" value=\"1\"/></ProviderFrame>", "root element");
	refused_str("an empty file", "", "empty");
	if ((big = malloc(n)) != NULL) {
		memcpy(big, HEAD, strlen(HEAD));
		memset(big + strlen(HEAD), ' ', n - strlen(HEAD) - strlen(TAIL));
		memcpy(big + n - strlen(TAIL), TAIL, strlen(TAIL));
		refused("a 10 MB file", big, n, "at most 1048576");
		free(big);
	}
}

static void
test_secret_not_echoed(void)
{
	struct sa_txn *t = sa_txn_new(st, "test");
	char xml[1024], pass[80], err[512] = "";
	int r;

	memset(pass, 'P', 75);
	memcpy(pass, "SECRETVALUE", 11);
	pass[75] = '\0';
	snprintf(xml, sizeof(xml), HEAD "<nvm><param name=\"" P_PASS
	    "\" value=\"%s\"/></nvm>" TAIL, pass);
	r = sa_prov_parse(xml, strlen(xml), st, t, NULL, err, sizeof(err));
	t_ok(r == SA_ERR_TOO_LONG && strstr(err, "SECRETVALUE") == NULL &&
	    strstr(err, P_PASS) != NULL,
	    "a bad password is refused without its value in the message (%s)",
	    err);
	sa_txn_free(t);
}

static const struct sa_entry *
find(X509 *x)
{
	unsigned char fp[SA_FP_LEN];
	char hex[SA_FP_HEX_LEN + 1];

	tc_fp_hex(x, hex);
	sa_fp_from_hex(hex, fp);
	return sa_store_find(st, fp);
}

static int
entry_is(X509 *x, int present, enum sa_list l, enum sa_origin o)
{
	const struct sa_entry *e;
	int r;

	sa_store_rdlock(st);
	e = find(x);
	r = present ? e != NULL && e->list == l && e->origin == o : e == NULL;
	sa_store_unlock(st);
	return r;
}

static void
test_certificates(void)
{
	struct sa_prov_summary sum;
	EVP_PKEY *k = tc_key();
	struct tc_opts o;
	X509 *ca, *leaf;
	char *ca_pem, *leaf_pem, *xml, hex[SA_FP_HEX_LEN + 1], err[512];
	uint64_t gen;
	int r;

	memset(&o, 0, sizeof(o));
	o.cn = "Provisioned Root";
	o.ca = 1;
	ca = tc_cert(&o, k, NULL, NULL);
	memset(&o, 0, sizeof(o));
	o.cn = "prov.example";
	o.dns = "prov.example";
	leaf = tc_cert(&o, k, ca, k);
	ca_pem = tc_pem(ca);
	leaf_pem = tc_pem(leaf);
	xml = malloc(strlen(ca_pem) + strlen(leaf_pem) + 1024);
	sprintf(xml, HEAD "<certificates>\n<add>\n%s</add>\n<add><![CDATA[%s]]>"
	    "</add>\n</certificates>\n" TAIL, ca_pem, leaf_pem);
	r = apply_str(xml, &sum, err, sizeof(err));
	t_ok(r == 0 && sum.certs_added == 2 &&
	    entry_is(ca, 1, SA_LIST_CA, SA_ORIGIN_PROVISIONED) &&
	    entry_is(leaf, 1, SA_LIST_SERVER, SA_ORIGIN_PROVISIONED),
	    "<add>: a CA certificate to CA, a server certificate to Server, "
	    "origin provisioned%s%s", r ? ": " : "", r ? err : "");
	gen = sa_store_generation(st);
	r = apply_str(xml, &sum, err, sizeof(err));
	t_ok(r == 0 && sa_store_generation(st) - gen <= 1 &&
	    entry_is(ca, 1, SA_LIST_CA, SA_ORIGIN_PROVISIONED),
	    "the same file again changes nothing");

	tc_fp_hex(leaf, hex);
	sprintf(xml, HEAD "<certificates><remove fingerprint=\"%s\"/>"
	    "<remove fingerprint=\"%s\"/></certificates>" TAIL, hex, hex);
	r = apply_str(xml, &sum, err, sizeof(err));
	t_ok(r == 0 && sum.certs_removed == 1 &&
	    entry_is(leaf, 0, SA_LIST_SERVER, SA_ORIGIN_PROVISIONED),
	    "<remove fingerprint>: the certificate is deleted%s%s",
	    r ? ": " : "", r ? err : "");
	r = apply_str(xml, &sum, err, sizeof(err));
	t_ok(r == 0 && sum.certs_removed == 0 && sum.certs_absent == 1,
	    "removing a certificate already gone is not an error");

	tc_fp_hex(ca, hex);
	sprintf(xml, HEAD "<certificates><add>%s</add><remove fingerprint=\"%s\"/>"
	    "</certificates>" TAIL, ca_pem, hex);
	refused("a certificate both added and removed", xml, strlen(xml),
	    "both added and removed");
	refused_str("an <add> that is not a certificate", HEAD
	    "<certificates><add>-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n</add></certificates>" TAIL, "line 3");
	refused_str("a <remove> with a bad fingerprint", HEAD "<certificates>"
	    "<remove fingerprint=\"abcd\"/></certificates>" TAIL,
	    "64 hex digits");
	t_ok(entry_is(ca, 1, SA_LIST_CA, SA_ORIGIN_PROVISIONED),
	    "after the refusals the provisioned CA is still there");
	free(xml);
	free(ca_pem);
	free(leaf_pem);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(k);
}

/* The export read back by the parser into a fresh store. */
static void
test_export(void)
{
	struct sa_store_opts opts;
	struct sa_store *other = NULL;
	struct sa_txn *t;
	struct sa_prov_summary sum;
	char path[600], err[512], *xml = NULL, *v = NULL;
	int r;

	r = sa_prov_export(st, &xml);
	t_ok(r == 0 && xml != NULL && strstr(xml, "<provisioning") != NULL &&
	    strstr(xml, "s&amp;cret") == NULL && strstr(xml, "s&cret") == NULL,
	    "export: a provisioning file without the password");
	if (xml == NULL)
		return;
	t_ok(strstr(xml, P_PASS) != NULL && strstr(xml, "<!--") != NULL,
	    "export: a comment says how to add the password");
	memset(&opts, 0, sizeof(opts));
	snprintf(path, sizeof(path), "%s/empty.pem", dir);
	opts.factory_bundle = path;
	opts.clock = t_clock;
	snprintf(path, sizeof(path), "%s/other", dir);
	if (sa_store_open(path, &opts, &other, err, sizeof(err)) != 0) {
		t_ok(0, "open a second store: %s", err);
		free(xml);
		return;
	}
	t = sa_txn_new(other, "test");
	r = sa_prov_parse(xml, strlen(xml), other, t, &sum, err, sizeof(err));
	if (r == 0)
		r = sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	sa_store_get(other, SA_SET_HTTP_USERNAME, &v);
	t_ok(r == 0 && v != NULL && strcmp(v, "7C2F80C6E5C2") == 0 &&
	    sum.params == 2 && sum.certs_added == 1 &&
	    sa_store_count(other, SA_LIST_CA) == 1,
	    "export: read back, it sets the username and the provisioned CA "
	    "elsewhere%s%s", r ? ": " : "", r ? err : "");
	free(v);
	sa_store_free(other);
	free(xml);
}

/* The example of contrib/ is a file the parser takes (not committed). */
static void
test_contrib_example(void)
{
	struct sa_prov_summary sum;
	const char *src = getenv("SECAGENT_SRCDIR");
	struct sa_txn *t;
	char path[4096], err[512] = "", *buf;
	long n;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/contrib/provisioning.xml",
	    src != NULL ? src : "..");
	if ((f = fopen(path, "rb")) == NULL) {
		t_skip("contrib/provisioning.xml: not found (SECAGENT_SRCDIR)");
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	fclose(f);
	t = sa_txn_new(st, "test");
	r = sa_prov_parse(buf, (size_t)n, st, t, &sum, err, sizeof(err));
	t_ok(r == 0 && sum.params == 3 && sum.unknown == 1 &&
	    sum.certs_added == 1 && sum.certs_absent == 1,
	    "contrib/provisioning.xml is a file the parser takes%s%s",
	    r ? ": " : "", r ? err : "");
	sa_txn_free(t);
	free(buf);
}

/* expand URL ID WANT: sa_prov_expand_url gives WANT (NULL: an error) */
static int
expands(const char *url, const char *id, const char *want)
{
	char *out = NULL, err[256] = "";
	int r = sa_prov_expand_url(url, id, &out, err, sizeof(err)), ok;

	ok = want == NULL ? r != 0 && out == NULL && *err != '\0' :
	    r == 0 && out != NULL && strcmp(out, want) == 0;
	if (!ok)
		t_diag("\"%s\" with %s: r=%d out=%s err=%s", url, id ? id : "NULL",
		    r, out ? out : "NULL", err);
	free(out);
	return ok;
}

static void
test_device_id(void)
{
	char id[16], long_id[70];
	size_t i;
	int r;

	t_ok(expands("https://p.example/{device}.xml", "7c2f80c6e5c2",
	    "https://p.example/7c2f80c6e5c2.xml") &&
	    expands("http://p/{device}/{device}?x={device}", "a.b_c-D",
	    "http://p/a.b_c-D/a.b_c-D?x=a.b_c-D"),
	    "{device} in provisioning-url becomes the device id, each time");
	t_ok(expands("https://p.example/e2.xml", NULL, "https://p.example/e2.xml") &&
	    expands("https://p.example/{dev}{device", "x", "https://p.example/{dev}{device") &&
	    expands("", NULL, ""),
	    "a URL without {device} stays as it is, with or without an id");
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	t_ok(expands("https://p/{device}.xml", NULL, NULL) &&
	    expands("https://p/{device}.xml", "", NULL) &&
	    expands("https://p/{device}.xml", "../etc", NULL) &&
	    expands("https://p/{device}.xml", "a b", NULL) &&
	    expands("https://p/{device}.xml", "a%2f", NULL) &&
	    expands("https://p/{device}.xml", long_id, NULL),
	    "{device} without a valid id (none, empty, '/', blank, '%%', "
	    "65 characters) is refused");
	long_id[64] = '\0';
	t_ok(sa_prov_device_id_ok(long_id) && !sa_prov_device_id_ok("a/b") &&
	    !sa_prov_device_id_ok(NULL), "a device id: 1 to 64 of A-Za-z0-9._-");
	r = sa_prov_default_device_id(id, sizeof(id));
	for (i = 0; r == 0 && id[i] != '\0'; i++)
		if (!strchr("0123456789abcdef", id[i]))
			break;
	if (r == 0)
		t_ok(strlen(id) == 12 && i == 12 && strcmp(id, "000000000000") != 0,
		    "the default device id is a MAC address, 12 lowercase hex "
		    "digits (%s)", id);
	else
		t_ok(*id == '\0', "no interface with a MAC address: no default id");
	t_ok(sa_prov_default_device_id(id, 12) == -1 && *id == '\0',
	    "the default device id needs 13 bytes");
}

/* The policy version: set by a file, kept by one without it, durable. */
static void
test_policy_version(const char *path, const struct sa_store_opts *opts)
{
	static const char *const why[] = { "no spaces", "at most 64",
	    "printable ASCII" };
	struct sa_prov_summary sum;
	char err[512] = "", *xml = NULL, long_v[80], xmlbuf[512];
	const char *bad[3];
	uint64_t gen;
	size_t i;
	int r;

	r = apply_str(HEAD "<nvm><param name=\"" P_VERSION "\" value=\"2026-03.a\"/>"
	    "<param name=\"" P_ACCEPT "\" value=\"1\"/></nvm>" TAIL, &sum, err,
	    sizeof(err));
	t_ok(r == 0 && is(SA_SET_POLICY_VERSION, "2026-03.a") && sum.params == 2,
	    "a file's " P_VERSION " is the policy version%s%s", r ? ": " : "",
	    r ? err : "");
	r = apply_str(HEAD "<nvm><param name=\"" P_ACCEPT "\" value=\"0\"/></nvm>"
	    TAIL, &sum, err, sizeof(err));
	t_ok(r == 0 && is(SA_SET_POLICY_VERSION, "2026-03.a") &&
	    is(SA_SET_ACCEPT_ALL, "false"),
	    "a file without the parameter leaves the version as it is");
	memset(long_v, 'v', 65);
	long_v[65] = '\0';
	bad[0] = "v 2";
	bad[1] = long_v;
	bad[2] = "caf\xc3\xa9";
	for (i = 0; i < 3; i++) {
		snprintf(xmlbuf, sizeof(xmlbuf), HEAD "<nvm><param name=\""
		    P_ACCEPT "\" value=\"1\"/><param name=\"" P_VERSION
		    "\" value=\"%s\"/></nvm>" TAIL, bad[i]);
		gen = sa_store_generation(st);
		r = apply_str(xmlbuf, &sum, err, sizeof(err));
		t_ok(r != 0 && strstr(err, why[i]) != NULL &&
		    sa_store_generation(st) == gen &&
		    is(SA_SET_POLICY_VERSION, "2026-03.a") &&
		    is(SA_SET_ACCEPT_ALL, "false"),
		    "a bad version refuses the whole file: %s", err);
	}
	r = apply_str(HEAD "<param name=\"" P_VERSION "\" value=\"3\"/>"
	    "<param name=\"" P_VERSION "\" value=\"4\"/>" TAIL, &sum, err,
	    sizeof(err));
	t_ok(r != 0 && strstr(err, "twice") != NULL &&
	    is(SA_SET_POLICY_VERSION, "2026-03.a"),
	    "a version given twice refuses the file: %s", err);
	t_ok(sa_prov_export(st, &xml) == 0 && xml != NULL &&
	    strstr(xml, P_VERSION) == NULL,
	    "export: the version is the device's state, not a setting to copy");
	free(xml);
	sa_store_free(st);
	st = NULL;
	err[0] = '\0';
	t_ok(sa_store_open(path, opts, &st, err, sizeof(err)) == 0 &&
	    is(SA_SET_POLICY_VERSION, "2026-03.a"),
	    "the version is kept across a restart%s", err);
	if (st == NULL)
		return;
	r = apply_str(HEAD "<param name=\"" P_VERSION "\" value=\"\"/>" TAIL,
	    &sum, err, sizeof(err));
	t_ok(r == 0 && is(SA_SET_POLICY_VERSION, ""),
	    "an empty version clears it");
}

int
main(void)
{
	struct sa_store_opts opts;
	char path[600], err[256] = "";

	dir = t_tmpdir();
	snprintf(path, sizeof(path), "%s/empty.pem", dir);
	t_write_file(path, "", 0);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = path;
	opts.clock = t_clock;
	snprintf(path, sizeof(path), "%s/state", dir);
	if (!t_ok(sa_store_open(path, &opts, &st, err, sizeof(err)) == 0,
	    "open a store: %s", err))
		return t_done();
	test_params();
	test_refusals();
	test_secret_not_echoed();
	test_certificates();
	test_export();
	test_contrib_example();
	test_device_id();
	test_policy_version(path, &opts);
	sa_store_free(st);
	t_rmrf(dir);
	free(dir);
	return t_done();
}
