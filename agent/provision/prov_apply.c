/*
 * prov_apply.c - one provisioning attempt: fetch the file, read it into
 * one transaction, commit it (prov.h).  Shared by secagentd and
 * secagentctl, so both apply a file the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "prov.h"

int
sa_prov_global_init(char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sa_fail(err, errlen, SA_ERR_NOMEM,
		    "libcurl cannot be initialised");
	xmlInitParser();
	return 0;
}

int
sa_prov_attempt(struct sa_store *st, const char *device_id, uint64_t holder,
    const char *source, const int *cancel, struct sa_prov_summary *sum,
    char *err, size_t errlen)
{
	struct sa_prov_summary dummy;
	struct sa_prov_fetch f;
	struct sa_txn *t = NULL;
	char *url = NULL, *dev_url = NULL, why[512];
	int r;

	if (sum == NULL)
		sum = &dummy;
	memset(sum, 0, sizeof(*sum));
	memset(&f, 0, sizeof(f));
	if ((r = sa_store_get(st, SA_SET_PROV_URL, &url)) != 0) {
		sa_fail(err, errlen, r, "cannot read provisioning-url");
		goto out;
	}
	if ((r = sa_prov_expand_url(url, device_id, &dev_url, err,
	    errlen)) != 0 ||
	    (r = sa_prov_fetch(st, dev_url, device_id, cancel, &f, err,
	    errlen)) != 0)
		goto out;
	if ((t = sa_txn_new(st, source)) == NULL) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
		goto out;
	}
	sa_txn_set_holder(t, holder);
	if ((r = sa_prov_parse(f.body, f.len, st, t, sum, why,
	    sizeof(why))) != 0) {
		sa_fail(err, errlen, r, "the provisioning file is refused, "
		    "nothing changed: %s", why);
		goto out;
	}
	if ((r = sa_txn_commit(t, why, sizeof(why))) != 0)
		sa_fail(err, errlen, r, "the provisioning file cannot be "
		    "applied, nothing changed: %s", why);
 out:
	sa_txn_free(t);
	sa_prov_fetch_clear(&f);
	free(dev_url);
	free(url);
	return r;
}
