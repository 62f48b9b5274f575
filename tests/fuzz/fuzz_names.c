/*
 * fuzz_names.c - libFuzzer harness: certificates whose names, subject
 * alternative names (every type), serial and peer are whatever bytes a
 * hostile TLS server chooses, recorded in the Invalid list as the TLS
 * check records them, then printed the way every interface prints them.
 * It aborts unless:
 *   - every string of the entry follows the escaping rule (sa_text.h):
 *     what SNMP returns as it is;
 *   - the NETCONF data the daemon builds (agent/datastore/ds_build.c) prints
 *     as XML that libxml2 parses, and that libyang reads back to the same
 *     strings (what secagentctl gets through the daemon);
 *   - secagentctl's JSON (list and show, from the store and from the
 *     reply) is strict JSON in valid UTF-8 (json-c), and its table and
 *     show text hold no control character.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json_tokener.h>
#include <json-c/json_object.h>
#include <libxml/parser.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "../../agent/ctl/ctl.h"
#include "../../agent/datastore/ds.h"
#include "../../agent/yangctx.h"
#include "../unit/certgen.h"
#include "../unit/certraw.h"
#include "sa_store.h"
#include "sa_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sa_store *st;
static struct ly_ctx *ctx;
static EVP_PKEY *key;
static char dir[256];

static void
cleanup(void)
{
	char cmd[300];

	sa_store_free(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
setup(void)
{
	struct sa_store_opts opts;
	char err[256], bundle[300];
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	struct tc_opts o = { .cn = "fuzz factory CA", .ca = 1 };
	X509 *ca;

	ly_log_options(LY_LOSTORE_LAST);	/* libyang's warnings: not ours */
	key = tc_key();
	ca = tc_cert(&o, key, NULL, NULL);
	snprintf(dir, sizeof(dir), "%s/secagent-fuzz-names.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(bundle, sizeof(bundle), "%s/factory.pem", dir);
	if (tc_write_pem(bundle, ca) != 0)
		abort();
	X509_free(ca);
	memset(&opts, 0, sizeof(opts));
	opts.factory_bundle = bundle;
	snprintf(bundle + strlen(dir), sizeof(bundle) - strlen(dir), "/store");
	if (sa_store_open(bundle, &opts, &st, err, sizeof(err)) != 0 ||
	    (ctx = sa_yang_context(err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_names: %s\n", err);
		abort();
	}
	atexit(cleanup);
}

/* ---- the input: a certificate description ---- */

struct reader {
	const uint8_t *p;
	size_t n;
};

static unsigned int
u8(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static const unsigned char *
chunk(struct reader *r, size_t *len)
{
	const unsigned char *p = r->p;

	*len = u8(r) % 64;
	if (*len > r->n)
		*len = r->n;
	p = r->p;
	r->p += *len;
	r->n -= *len;
	return p;
}

static const int name_nids[] = { NID_commonName, NID_organizationName,
	NID_organizationalUnitName, NID_localityName, NID_countryName,
	NID_pkcs9_emailAddress, NID_serialNumber, NID_domainComponent,
	NID_userId, NID_title };
static const int str_types[] = { V_ASN1_UTF8STRING, V_ASN1_BMPSTRING,
	V_ASN1_PRINTABLESTRING, V_ASN1_IA5STRING, V_ASN1_T61STRING,
	V_ASN1_UNIVERSALSTRING, V_ASN1_NUMERICSTRING, V_ASN1_VISIBLESTRING };
static const int san_kinds[] = { GEN_DNS, GEN_EMAIL, GEN_URI, GEN_IPADD,
	GEN_OTHERNAME, GEN_DIRNAME, GEN_RID };

#define PICK(a, v) (a)[(v) % (sizeof(a) / sizeof((a)[0]))]

static void
read_names(struct reader *r, struct tc_raw_item *items, size_t *n)
{
	size_t i, count = u8(r) % 5;
	unsigned int sel;

	for (i = 0; i < count; i++) {
		sel = u8(r);
		items[i].kind = PICK(name_nids, sel);
		items[i].type = PICK(str_types, sel >> 4);
		items[i].same_rdn = (sel & 0x80) != 0;
		items[i].p = chunk(r, &items[i].len);
	}
	*n = count;
}

static void
read_cert(struct reader *r, struct tc_raw *raw, const unsigned char **peer,
    size_t *peer_len)
{
	size_t i;
	unsigned int sel;

	memset(raw, 0, sizeof(*raw));
	read_names(r, raw->subject, &raw->nsubject);
	if (u8(r) & 1)
		read_names(r, raw->issuer, &raw->nissuer);
	raw->nsan = u8(r) % 6;
	for (i = 0; i < raw->nsan; i++) {
		sel = u8(r);
		raw->san[i].kind = PICK(san_kinds, sel);
		raw->san[i].type = (sel & 0x80) ? PICK(str_types, sel >> 3) : 0;
		raw->san[i].p = chunk(r, &raw->san[i].len);
	}
	raw->serial = chunk(r, &raw->serial_len);
	raw->ca = u8(r) & 1;
	*peer = chunk(r, peer_len);
}

/* ---- the checks ---- */

#define CHECK(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_names: %s\n", what); \
		abort(); \
	} \
} while (0)

static void
check_entry(const struct sa_entry *e)
{
	CHECK(sa_text_is_clean(e->subject) && sa_text_is_clean(e->issuer) &&
	    sa_text_is_clean(e->serial) &&
	    sa_text_is_clean(e->signature_algorithm) &&
	    sa_text_is_clean(e->public_key_algorithm) &&
	    sa_text_is_clean(e->key_usage) &&
	    sa_text_is_clean(e->subject_alt_names) &&
	    (e->peer == NULL || sa_text_is_clean(e->peer)),
	    "an entry's string breaks the escaping rule");
}

static void
check_json(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	CHECK(tok != NULL, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	CHECK(o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(tok) + 1 >= strlen(text),
	    "secagentctl's JSON does not parse");
	json_object_put(o);
	json_tokener_free(tok);
}

static void
check_text(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;

	CHECK(copy != NULL, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		CHECK(sa_text_is_clean(line), "secagentctl prints a control "
		    "character or bad UTF-8");
	free(copy);
}

/* What secagentctl prints for c, as JSON and as text. */
static void
check_cli(const struct ctl_cert *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int json;

	for (json = 0; json < 2; json++) {
		if ((f = open_memstream(&buf, &len)) == NULL)
			abort();
		ctl_print_show(f, c, json);
		fclose(f);
		json ? check_json(buf) : check_text(buf);
		free(buf);
		if ((f = open_memstream(&buf, &len)) == NULL)
			abort();
		ctl_print_list(f, c, 1, json);
		fclose(f);
		json ? check_json(buf) : check_text(buf);
		free(buf);
	}
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The get reply's data for the entry fp, as XML, then read back as
 * secagentctl does: the same strings as want, the entry's own.
 */
static void
check_netconf(const unsigned char fp[SA_FP_LEN], const struct ctl_cert *want)
{
	char hex[SA_FP_HEX_LEN + 1], *keys[1] = { hex }, *xml = NULL, err[256];
	struct lyd_node *tree = NULL, *back = NULL, *n;
	struct ly_set *found = NULL;
	struct ds_sel sel;
	struct ctl_cert c;
	xmlDocPtr doc;

	sa_fp_to_hex(fp, hex);
	memset(&sel, 0, sizeof(sel));
	sel.list[SA_LIST_INVALID].keys = keys;
	sel.list[SA_LIST_INVALID].nkeys = 1;
	CHECK(ds_build_security(st, ctx, &sel, DS_ALL, &tree, err,
	    sizeof(err)) == 0, "the NETCONF data cannot be built");
	CHECK(lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS) ==
	    LY_SUCCESS && xml != NULL, "the NETCONF data cannot be printed");
	doc = xmlReadMemory(xml, (int)strlen(xml), "get.xml", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	CHECK(doc != NULL, "the get reply's XML is malformed");
	xmlFreeDoc(doc);
	CHECK(lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY |
	    LYD_PARSE_STRICT, 0, &back) == LY_SUCCESS,
	    "libyang cannot read the reply back");
	CHECK(lyd_find_xpath(back, "/secagent-security:security/certificates/"
	    "invalid-certificate", &found) == LY_SUCCESS && found->count == 1,
	    "the entry is not in the reply");
	n = found->dnodes[0];
	CHECK(ctl_cert_from_node(&c, n, 1) == 0, "secagentctl cannot read it");
	CHECK(same(c.subject, want->subject) && same(c.issuer, want->issuer) &&
	    same(c.peer, want->peer) &&
	    same(c.details.serial, want->details.serial) &&
	    same(c.details.subject_alt_names, want->details.subject_alt_names),
	    "a string changed on its way through NETCONF");
	check_cli(&c);
	ctl_cert_clear(&c);
	free(xml);
	ly_set_free(found, NULL);
	lyd_free_all(back);
	lyd_free_all(tree);
}

static void
forget(const unsigned char fp[SA_FP_LEN])
{
	struct sa_txn *t = sa_txn_new(st, "fuzz");
	char err[256];

	CHECK(t != NULL && sa_txn_remove(t, fp) == 0 &&
	    sa_txn_commit(t, err, sizeof(err)) == 0, "cannot remove the entry");
	sa_txn_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	const struct sa_entry *e;
	const unsigned char *peer_bytes;
	unsigned char *der = NULL, fp[SA_FP_LEN];
	struct sa_parsed_set set;
	struct ctl_cert c;
	struct tc_raw raw;
	char err[256], *peer;
	size_t len, peer_len;
	struct sa_txn *t;
	X509 *x;
	int r1, invalid;

	if (st == NULL)
		setup();
	read_cert(&r, &raw, &peer_bytes, &peer_len);
	if ((x = tc_cert_raw(&raw, key)) == NULL)
		return 0;
	len = tc_der(x, &der);
	X509_free(x);
	/* what OpenSSL itself refuses never reaches the TLS check */
	if (len == 0 || sa_cert_parse(der, len, &set, err, sizeof(err)) != 0) {
		OPENSSL_free(der);
		return 0;
	}
	sa_parsed_set_clear(&set);
	sa_cert_fingerprint(der, len, fp);
	CHECK((peer = malloc(peer_len + 1)) != NULL, "out of memory");
	memcpy(peer, peer_bytes, peer_len);
	peer[peer_len] = '\0';	/* a C string, as every caller passes it */
	t = sa_txn_new(st, "fuzz");
	r1 = t == NULL ? SA_ERR_NOMEM : sa_txn_record_invalid(t, der, len,
	    SA_REASON_UNKNOWN_ISSUER, peer);
	r1 = r1 != 0 ? r1 : sa_txn_commit(t, err, sizeof(err));
	sa_txn_free(t);
	free(peer);
	OPENSSL_free(der);
	CHECK(r1 == 0, "a certificate OpenSSL parses is not recorded");

	sa_store_rdlock(st);
	e = sa_store_find(st, fp);
	invalid = e != NULL && e->list == SA_LIST_INVALID;
	if (invalid) {
		check_entry(e);
		CHECK(ctl_cert_from_entry(&c, e, sa_store_now(st), 1) == 0,
		    "out of memory");
	}
	sa_store_unlock(st);
	if (!invalid)
		return 0;
	check_cli(&c);
	check_netconf(fp, &c);
	ctl_cert_clear(&c);
	forget(fp);
	return 0;
}
