/*
 * prov_parse.c - the provisioning file, read with libxml2 into a core
 * transaction (prov.h).
 *
 * The file comes from a server, so the parser is held to what the format
 * needs: no network, no DTD, no entities (a DOCTYPE is refused before its
 * internal subset is read, so an entity bomb never expands), no
 * dictionary (so a password lives in nodes we can wipe), and a size limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "prov.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NODICT | \
	XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

struct fp_vec {
	unsigned char (*v)[SA_FP_LEN];
	size_t n;
};

struct prov_parse {
	struct sa_store *st;
	struct sa_txn *t;
	struct sa_prov_summary *sum;
	long seen[SA_SET_COUNT];	/* line of each parameter already read */
	struct fp_vec added;		/* certificates of <add> */
	struct fp_vec removed;		/* fingerprints of <remove> */
	char *err;
	size_t errlen;
};

/*
 * The rows of the mapping table that carry a provisioning parameter: the
 * settings, and the policy version, which is state everywhere else.
 */
static const struct sa_map_node *
param_row(const char *name)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++) {
		if (sa_map[i].param != NULL && sa_map[i].kind == SA_MAP_SCALAR &&
		    strcmp(sa_map[i].param, name) == 0)
			return &sa_map[i];
	}
	return NULL;
}

static int
is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static char *
prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* Wipes the text of attribute name in the tree (a secret's value). */
static void
wipe_prop(xmlNode *n, const char *name)
{
	xmlAttr *a = xmlHasProp(n, (const xmlChar *)name);
	xmlNode *c;

	for (c = a != NULL ? a->children : NULL; c != NULL; c = c->next)
		if (c->content != NULL)
			OPENSSL_cleanse(c->content, strlen((char *)c->content));
}

static void
free_secret(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	xmlFree(s);
}

static int
push_fp(struct fp_vec *vec, const unsigned char fp[SA_FP_LEN])
{
	unsigned char (*v)[SA_FP_LEN];

	if ((v = realloc(vec->v, (vec->n + 1) * sizeof(*v))) == NULL)
		return SA_ERR_NOMEM;
	vec->v = v;
	memcpy(vec->v[vec->n++], fp, SA_FP_LEN);
	return 0;
}

static int
fp_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SA_FP_LEN);
}

static int
do_param(struct prov_parse *p, xmlNode *n)
{
	const struct sa_map_node *row;
	long line = xmlGetLineNo(n);
	char *name = prop(n, "name"), *value = prop(n, "value");
	char why[256];
	int r = 0, secret = 0;

	if (name == NULL || *name == '\0' || value == NULL) {
		r = sa_fail(p->err, p->errlen, SA_ERR_INVALID, "line %ld: "
		    "<param> needs a name and a value attribute", line);
		goto out;
	}
	if ((row = param_row(name)) == NULL) {
		p->sum->unknown++;
		goto out;
	}
	secret = sa_setting_is_secret(row->setting);
	if (p->seen[row->setting] != 0) {
		r = sa_fail(p->err, p->errlen, SA_ERR_INVALID, "line %ld: %s "
		    "is given twice (first on line %ld)", line, name,
		    p->seen[row->setting]);
		goto out;
	}
	p->seen[row->setting] = line;
	if ((r = sa_txn_set(p->t, row->setting, value, why, sizeof(why))) != 0) {
		sa_fail(p->err, p->errlen, r, "line %ld: %s: %s", line, name, why);
		goto out;
	}
	p->sum->params++;
 out:
	if (secret)
		wipe_prop(n, "value");
	xmlFree(name);
	if (secret)
		free_secret(value);
	else
		xmlFree(value);
	return r;
}

static int
do_add(struct prov_parse *p, xmlNode *n)
{
	struct sa_parsed_set set = { NULL, 0 };
	long line = xmlGetLineNo(n);
	char *pem = (char *)xmlNodeGetContent(n);
	char why[256];
	size_t i;
	int r;

	if (pem == NULL)
		return sa_fail(p->err, p->errlen, SA_ERR_NOMEM, "out of memory");
	/* parsed here too, for the fingerprints a <remove> must not name */
	if ((r = sa_cert_parse((unsigned char *)pem, strlen(pem), &set, why,
	    sizeof(why))) != 0) {
		sa_fail(p->err, p->errlen, r, "line %ld: <add>: %s", line, why);
		goto out;
	}
	for (i = 0; i < set.n && r == 0; i++)
		r = push_fp(&p->added, set.certs[i].fp);
	if (r != 0) {
		sa_fail(p->err, p->errlen, r, "out of memory");
		goto out;
	}
	if ((r = sa_txn_import(p->t, (unsigned char *)pem, strlen(pem),
	    SA_ORIGIN_PROVISIONED, why, sizeof(why))) != 0) {
		sa_fail(p->err, p->errlen, r, "line %ld: <add>: %s", line, why);
		goto out;
	}
	p->sum->certs_added += (unsigned int)set.n;
 out:
	sa_parsed_set_clear(&set);
	xmlFree(pem);
	return r;
}

/* A <remove> is staged once the whole file is read (stage_removals). */
static int
do_remove(struct prov_parse *p, xmlNode *n)
{
	unsigned char fp[SA_FP_LEN];
	long line = xmlGetLineNo(n);
	char *hex = prop(n, "fingerprint");
	int r;

	if (hex == NULL || sa_fp_from_hex(hex, fp) != 0)
		r = sa_fail(p->err, p->errlen, SA_ERR_INVALID, "line %ld: "
		    "<remove> needs a fingerprint attribute: the SHA-256 "
		    "fingerprint as 64 hex digits", line);
	else if ((r = push_fp(&p->removed, fp)) != 0)
		sa_fail(p->err, p->errlen, r, "out of memory");
	xmlFree(hex);
	return r;
}

/*
 * Each fingerprint once; one the file also adds is a contradiction; one
 * the store does not hold is already gone (the file is fetched again and
 * again: a removed certificate stays removed without an error).
 */
static int
stage_removals(struct prov_parse *p)
{
	char hex[SA_FP_HEX_LEN + 1];
	size_t i;
	int r, present;

	if (p->added.n > 1)
		qsort(p->added.v, p->added.n, SA_FP_LEN, fp_cmp);
	if (p->removed.n > 1)
		qsort(p->removed.v, p->removed.n, SA_FP_LEN, fp_cmp);
	for (i = 0; i < p->removed.n; i++) {
		if (i > 0 && memcmp(p->removed.v[i], p->removed.v[i - 1],
		    SA_FP_LEN) == 0)
			continue;
		sa_fp_to_hex(p->removed.v[i], hex);
		if (p->added.n > 0 && bsearch(p->removed.v[i], p->added.v,
		    p->added.n, SA_FP_LEN, fp_cmp) != NULL)
			return sa_fail(p->err, p->errlen, SA_ERR_INCONSISTENT,
			    "certificate %s is both added and removed", hex);
		sa_store_rdlock(p->st);
		present = sa_store_find(p->st, p->removed.v[i]) != NULL;
		sa_store_unlock(p->st);
		if (!present) {
			p->sum->certs_absent++;
			continue;
		}
		if ((r = sa_txn_remove(p->t, p->removed.v[i])) != 0)
			return sa_fail(p->err, p->errlen, r, "out of memory");
		p->sum->certs_removed++;
	}
	return 0;
}

static int
do_certificates(struct prov_parse *p, xmlNode *parent)
{
	xmlNode *n;
	int r;

	for (n = parent->children; n != NULL; n = n->next) {
		if (is_element(n, "add"))
			r = do_add(p, n);
		else if (is_element(n, "remove"))
			r = do_remove(p, n);
		else if (n->type == XML_ELEMENT_NODE)
			r = sa_fail(p->err, p->errlen, SA_ERR_INVALID,
			    "line %ld: <%s> in <certificates>: only <add> and "
			    "<remove>", xmlGetLineNo(n), (const char *)n->name);
		else
			r = 0;
		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * The children of <provisioning>: parameters in <nvm> (or, as some
 * devices' files have them, right below the root), our <certificates>;
 * the rest of a device's file (<file>, <step>, ...) is not ours.
 */
static int
walk(struct prov_parse *p, xmlNode *root)
{
	xmlNode *n, *c;
	int r = 0;

	for (n = root->children; n != NULL && r == 0; n = n->next) {
		if (is_element(n, "param"))
			r = do_param(p, n);
		else if (is_element(n, "certificates"))
			r = do_certificates(p, n);
		else if (is_element(n, "nvm")) {
			for (c = n->children; c != NULL && r == 0; c = c->next)
				if (is_element(c, "param"))
					r = do_param(p, c);
		}
	}
	return r == 0 ? stage_removals(p) : r;
}

/* SAX: the document has a DOCTYPE.  Stop before its internal subset. */
static void
deny_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	xmlParserCtxt *ctxt = ctx;

	(void)name; (void)ext_id; (void)sys_id;
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

static int
read_doc(const char *xml, size_t len, xmlDoc **out, char *err, size_t errlen)
{
	const xmlError *e;
	xmlParserCtxt *ctxt;
	int doctype = 0, r = 0;
	size_t n;

	*out = NULL;
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	ctxt->_private = &doctype;
	ctxt->sax->internalSubset = deny_doctype;
	ctxt->sax->externalSubset = NULL;
	*out = xmlCtxtReadMemory(ctxt, xml, (int)len, "provisioning.xml", NULL,
	    PARSE_OPTIONS);
	if (doctype || (*out != NULL && (*out)->intSubset != NULL)) {
		r = sa_fail(err, errlen, SA_ERR_INVALID, "a DOCTYPE is not "
		    "allowed in a provisioning file (no DTD, no entities)");
	} else if (*out == NULL || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		n = e != NULL && e->message != NULL ? strcspn(e->message, "\n") : 0;
		r = sa_fail(err, errlen, SA_ERR_INVALID, "malformed XML: line "
		    "%d: %.*s", e != NULL ? e->line : 0, (int)n,
		    n > 0 ? e->message : "not well-formed");
	}
	if (r != 0) {
		xmlFreeDoc(*out);
		*out = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return r;
}

int
sa_prov_parse(const char *xml, size_t len, struct sa_store *st,
    struct sa_txn *t, struct sa_prov_summary *sum, char *err, size_t errlen)
{
	struct sa_prov_summary dummy;
	struct prov_parse p;
	xmlDoc *doc = NULL;
	xmlNode *root;
	int r;

	memset(&p, 0, sizeof(p));
	p.sum = sum != NULL ? sum : &dummy;
	memset(p.sum, 0, sizeof(*p.sum));
	p.st = st;
	p.t = t;
	p.err = err;
	p.errlen = errlen;
	if (len > SA_PROV_MAX_FILE)
		return sa_fail(err, errlen, SA_ERR_TOO_LONG, "the provisioning "
		    "file has %zu bytes, at most %d are accepted", len,
		    SA_PROV_MAX_FILE);
	if (len == 0)
		return sa_fail(err, errlen, SA_ERR_INVALID,
		    "the provisioning file is empty");
	if ((r = read_doc(xml, len, &doc, err, errlen)) != 0)
		return r;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_element(root, "provisioning"))
		r = sa_fail(err, errlen, SA_ERR_INVALID, "not a provisioning "
		    "file: the root element is <%s>, not <provisioning>",
		    root != NULL ? (const char *)root->name : "");
	else
		r = walk(&p, root);
	free(p.added.v);
	free(p.removed.v);
	xmlFreeDoc(doc);
	return r;
}
