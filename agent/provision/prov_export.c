/*
 * prov_export.c - the current settings as a provisioning file, the
 * template a fleet operator publishes for every device (prov.h).
 *
 * Written with libxml2's text writer, so every value is escaped the way
 * the parser reads it back.  The password is never written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>
#include <openssl/crypto.h>

#include "prov.h"

#define W(call) do { if ((call) < 0) goto out; } while (0)

static const char *
param_of(enum sa_setting s)
{
	size_t i;

	for (i = 0; i < sa_map_len; i++)
		if (sa_map[i].param != NULL && sa_map[i].kind == SA_MAP_SCALAR &&
		    sa_map[i].state == SA_STATE_NONE && sa_map[i].setting == s)
			return sa_map[i].param;
	return NULL;
}

/* The device's own form of a value: accept-all is 0 or 1 there. */
static const char *
device_value(enum sa_setting s, const char *v)
{
	if (s == SA_SET_ACCEPT_ALL)
		return strcmp(v, "true") == 0 ? "1" : "0";
	return v;
}

static int
write_params(struct sa_store *st, xmlTextWriter *w)
{
	const char *param;
	char *v = NULL;
	int s, r = -1;

	W(xmlTextWriterStartElement(w, BAD_CAST "nvm"));
	for (s = 0; s < SA_SET_COUNT; s++) {
		if ((param = param_of((enum sa_setting)s)) == NULL)
			continue;
		if (sa_setting_is_secret((enum sa_setting)s)) {
			W(xmlTextWriterWriteFormatComment(w, " <param name=\"%s\" "
			    "value=\"...\"/>: never exported; add it to set the "
			    "password, leave it out to keep each device's own ",
			    param));
			continue;
		}
		if (sa_store_get(st, (enum sa_setting)s, &v) != 0)
			goto out;
		W(xmlTextWriterStartElement(w, BAD_CAST "param"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST param));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "value",
		    BAD_CAST device_value((enum sa_setting)s, v)));
		W(xmlTextWriterEndElement(w));
		free(v);
		v = NULL;
	}
	W(xmlTextWriterEndElement(w));
	r = 0;
 out:
	free(v);
	return r;
}

/* An <add> for one entry, with a comment naming it. */
static int
write_add(xmlTextWriter *w, const struct sa_entry *e)
{
	char when[32], *pem;
	int r = -1;

	if ((pem = sa_der_to_pem(e->der, e->der_len)) == NULL)
		return -1;
	sa_time_iso(e->not_after, when, sizeof(when));
	/* "--" cannot appear in a comment; subjects rarely hold it */
	if (strstr(e->subject, "--") == NULL)
		W(xmlTextWriterWriteFormatComment(w, " %s: %s, until %s ",
		    sa_list_name(e->list), e->subject, when));
	W(xmlTextWriterStartElement(w, BAD_CAST "add"));
	W(xmlTextWriterWriteString(w, BAD_CAST "\n"));
	W(xmlTextWriterWriteString(w, BAD_CAST pem));
	W(xmlTextWriterEndElement(w));
	r = 0;
 out:
	free(pem);
	return r;
}

/*
 * The CA and Server certificates a device does not have by itself: not
 * the factory defaults, and not the rejected ones (a rejection is a
 * device's own verdict on a certificate it met; the format has no word
 * for it).
 */
static int
write_certs(struct sa_store *st, xmlTextWriter *w)
{
	const struct sa_entry *e;
	int l, r = 0;

	W(xmlTextWriterStartElement(w, BAD_CAST "certificates"));
	sa_store_rdlock(st);
	for (l = SA_LIST_CA; l <= SA_LIST_SERVER && r == 0; l++) {
		for (e = sa_store_first(st, (enum sa_list)l); e != NULL && r == 0;
		    e = sa_store_next(st, e)) {
			if (e->origin != SA_ORIGIN_FACTORY && !e->rejected)
				r = write_add(w, e);
		}
	}
	sa_store_unlock(st);
	if (r != 0)
		return -1;
	W(xmlTextWriterEndElement(w));
	return 0;
 out:
	return -1;
}

int
sa_prov_export(struct sa_store *st, char **xml)
{
	xmlTextWriter *w = NULL;
	xmlBuffer *buf;
	char now[32];
	int r = SA_ERR_NOMEM;

	*xml = NULL;
	if ((buf = xmlBufferCreate()) == NULL)
		return SA_ERR_NOMEM;
	if ((w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		goto out;
	sa_time_iso(sa_store_now(st), now, sizeof(now));
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	W(xmlTextWriterWriteFormatComment(w, " secagent provisioning template, "
	    "exported %s.  Parameters left out are left alone on the device; "
	    "certificates are added as by import, <remove fingerprint=\"...\"/> "
	    "deletes one. ", now));
	W(xmlTextWriterStartElement(w, BAD_CAST "provisioning"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.1"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "productID", BAD_CAST "e2"));
	if (write_params(st, w) != 0 || write_certs(st, w) != 0)
		goto out;
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if ((*xml = strdup((const char *)xmlBufferContent(buf))) != NULL)
		r = 0;
 out:
	xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return r;
}
