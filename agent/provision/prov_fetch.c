/*
 * prov_fetch.c - the provisioning file over HTTP(S) with libcurl (prov.h).
 *
 * Every server certificate goes through the core's TLS check: sa_tls is
 * installed on each SSL_CTX libcurl makes, and curl's own host name check
 * is off because the core's check is the authority (it checks the name
 * against the URL, except for a pinned or accepted certificate).  TLS
 * sessions are never resumed, so an accept or a reject takes effect on the
 * very next fetch.
 *
 * Redirects are followed here, one request per hop, rather than by curl:
 * each hop then knows the host its certificate is checked against and
 * whether it may see the credentials (only the scheme, host and port of
 * the configured URL do), and https never leads to http.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../../src/sa_tls.h"
#include "prov.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define MAX_REDIRECTS 5
#define CONNECT_TIMEOUT 10L	/* seconds, each connection */
#define TOTAL_TIMEOUT 60	/* seconds, the whole fetch */

/* Where a URL points. */
struct origin {
	char scheme[8];
	char host[256];		/* without IPv6 brackets */
	long port;
	char peer[300];		/* "host:port", "[v6]:port" */
};

/* One request. */
struct hop {
	struct sa_store *st;
	const char *user_agent;
	const int *cancel;
	time_t deadline;	/* monotonic seconds */
	const struct origin *o;
	struct sa_tls_verdict verdict;	/* the check of this hop, if any */
	char *buf;
	size_t len, cap;
	int too_large;
};

static int
parse_origin(const char *url, struct origin *o)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	size_t n;
	int r = -1;

	memset(o, 0, sizeof(*o));
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		snprintf(o->host, sizeof(o->host), "%.*s", (int)(n - 2), host + 1);
		snprintf(o->peer, sizeof(o->peer), "[%s]:%s", o->host, port);
	} else {
		snprintf(o->host, sizeof(o->host), "%s", host);
		snprintf(o->peer, sizeof(o->peer), "%s:%s", o->host, port);
	}
	snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
	o->port = strtol(port, NULL, 10);
	r = 0;
 out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}

static int
same_origin(const struct origin *a, const struct origin *b)
{
	return strcmp(a->scheme, b->scheme) == 0 &&
	    strcasecmp(a->host, b->host) == 0 && a->port == b->port;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hop *h = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > SA_PROV_MAX_FILE - h->len) {
		h->too_large = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	if (h->len + n + 1 > h->cap) {
		cap = h->cap ? h->cap : 16384;
		while (cap < h->len + n + 1)
			cap *= 2;
		if ((p = realloc(h->buf, cap)) == NULL)
			return 0;
		h->buf = p;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, data, n);
	h->len += n;
	h->buf[h->len] = '\0';
	return n;
}

static time_t
monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Called by curl at least once a second: the daemon may be stopping. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct hop *h = arg;

	(void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
	return h->cancel != NULL && __atomic_load_n(h->cancel, __ATOMIC_RELAXED);
}

/* curl made the SSL_CTX of a connection: the core's check decides. */
static CURLcode
on_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
	struct hop *h = arg;

	(void)curl;
	if (sa_tls_install(h->st, ssl_ctx) != 0 ||
	    sa_tls_set_ctx_peer(ssl_ctx, h->o->host, h->o->peer,
	    &h->verdict) != 0)
		return CURLE_OUT_OF_MEMORY;
	return CURLE_OK;
}

static void
hop_clear(struct hop *h)
{
	if (h->buf != NULL)
		OPENSSL_cleanse(h->buf, h->len);
	free(h->buf);
	h->buf = NULL;
	h->len = h->cap = 0;
	h->too_large = 0;
}

/* The credentials of the store on c; copies wiped at once (curl keeps its own). */
static int
set_credentials(struct sa_store *st, CURL *c, int *have)
{
	char *user = NULL, *pass = NULL;
	int r;

	*have = 0;
	if ((r = sa_store_get(st, SA_SET_HTTP_USERNAME, &user)) != 0 ||
	    (r = sa_store_get_secret(st, SA_SET_HTTP_PASSWORD, &pass)) != 0)
		goto out;
	if (*user != '\0') {
		/* digest only: Basic would send the password itself */
		if (curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST) ||
		    curl_easy_setopt(c, CURLOPT_USERNAME, user) ||
		    curl_easy_setopt(c, CURLOPT_PASSWORD, pass))
			r = SA_ERR_NOMEM;
		*have = 1;
	}
 out:
	free(user);
	if (pass != NULL) {
		OPENSSL_cleanse(pass, strlen(pass));
		free(pass);
	}
	return r;
}

static int
setup(CURL *c, struct hop *h, const char *url, char *errbuf)
{
	long left = (long)(h->deadline - monotonic());
	char capath[4096];

	if (left < 1)
		left = 1;
	snprintf(capath, sizeof(capath), "%s/capath", sa_store_dir(h->st));
	/* a failed setopt is out of memory or an option curl lacks: refuse */
	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, left) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h) ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)SA_PROV_MAX_FILE) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, h) ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent) ||
	    /* the verdict is the core's; curl would refuse pinned names */
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) ||
	    curl_easy_setopt(c, CURLOPT_CAINFO, (char *)NULL) ||
	    curl_easy_setopt(c, CURLOPT_CAPATH, capath) ||
	    curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L) ||
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) ||
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, h))
		return -1;
	return 0;
}

static int
fail_cert(struct sa_prov_fetch *f, const struct hop *h, char *err,
    size_t errlen)
{
	const struct sa_tls_verdict *v = &h->verdict;

	f->fail = SA_PROV_FAIL_CERT;
	if (v->reason == SA_REASON_REJECTED)
		return sa_fail(err, errlen, SA_ERR_REFUSED, "the server "
		    "certificate of %s is refused: rejected", h->o->peer);
	return sa_fail(err, errlen, SA_ERR_REFUSED, "the server certificate "
	    "of %s is refused: %s (%s); it is listed in the Invalid "
	    "certificates", h->o->peer, sa_reason_name(v->reason), v->detail);
}

static int
fail_auth(struct sa_prov_fetch *f, CURL *c, const struct hop *h,
    int creds, char *err, size_t errlen)
{
	long avail = 0;

	f->fail = SA_PROV_FAIL_AUTH;
	curl_easy_getinfo(c, CURLINFO_HTTPAUTH_AVAIL, &avail);
	if (creds == -1)
		return sa_fail(err, errlen, SA_ERR_DENIED, "authentication "
		    "failed: %s (a redirect target) asks for credentials; they "
		    "are sent only to the provisioning server", h->o->peer);
	if (!(avail & CURLAUTH_DIGEST))
		return sa_fail(err, errlen, SA_ERR_DENIED, "authentication "
		    "failed: %s answered 401 and offers no HTTP digest "
		    "authentication (secagent never sends Basic)", h->o->peer);
	if (!creds)
		return sa_fail(err, errlen, SA_ERR_DENIED, "authentication "
		    "failed: %s answered 401 and no HTTP digest username is "
		    "set", h->o->peer);
	return sa_fail(err, errlen, SA_ERR_DENIED, "authentication failed: "
	    "%s refused the HTTP digest username and password (401)",
	    h->o->peer);
}

/*
 * One request.  Returns 0 with *code and, for a redirect, *next (caller
 * frees); or an error with f->fail.  creds: 1 send the credentials.
 */
static int
request(struct hop *h, const char *url, int creds, long *code, char **next,
    struct sa_prov_fetch *f, char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", *loc = NULL;
	CURL *c;
	CURLcode res;
	int r = 0, have = 0;

	*next = NULL;
	*code = 0;
	if ((c = curl_easy_init()) == NULL || setup(c, h, url, errbuf) != 0 ||
	    (creds && set_credentials(h->st, c, &have) != 0)) {
		f->fail = SA_PROV_FAIL_CONFIG;
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "cannot set up the "
		    "HTTP client");
		goto out;
	}
	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (h->verdict.reason != SA_REASON_NONE && !h->verdict.accepted) {
		r = fail_cert(f, h, err, errlen);
	} else if (h->too_large || res == CURLE_FILESIZE_EXCEEDED) {
		f->fail = SA_PROV_FAIL_SIZE;
		r = sa_fail(err, errlen, SA_ERR_TOO_LONG, "the provisioning "
		    "file from %s is larger than %d bytes", h->o->peer,
		    SA_PROV_MAX_FILE);
	} else if (res == CURLE_ABORTED_BY_CALLBACK) {
		f->fail = SA_PROV_FAIL_CONNECT;
		r = sa_fail(err, errlen, SA_ERR_IO, "cancelled: the agent is "
		    "stopping");
	} else if (res != CURLE_OK) {
		f->fail = SA_PROV_FAIL_CONNECT;
		r = sa_fail(err, errlen, SA_ERR_IO, "%s: %s", h->o->peer,
		    *errbuf != '\0' ? errbuf : curl_easy_strerror(res));
	} else if (*code == 401) {
		r = fail_auth(f, c, h, creds ? have : -1, err, errlen);
	} else if (*code >= 300 && *code < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL && (*next = strdup(loc)) == NULL) {
		r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	}
 out:
	curl_easy_cleanup(c);
	return r;
}

/* Where a redirect may lead: http(s), and never from https to http. */
static int
check_redirect(const struct origin *from, const char *to, struct origin *o,
    struct sa_prov_fetch *f, char *err, size_t errlen)
{
	f->fail = SA_PROV_FAIL_HTTP;
	if (parse_origin(to, o) != 0)
		return sa_fail(err, errlen, SA_ERR_INVALID, "%s redirects to "
		    "a URL that is not http or https", from->peer);
	if (strcmp(from->scheme, "https") == 0 && strcmp(o->scheme, "http") == 0)
		return sa_fail(err, errlen, SA_ERR_REFUSED, "%s redirects from "
		    "https to http: refused", from->peer);
	f->fail = SA_PROV_FAIL_NONE;
	return 0;
}

int
sa_prov_fetch(struct sa_store *st, const char *url, const char *device_id,
    const int *cancel, struct sa_prov_fetch *f, char *err, size_t errlen)
{
	struct origin first, cur, next;
	struct hop h;
	char *u = NULL, *loc = NULL;
	char agent[sizeof("secagent/" PACKAGE_VERSION) + 1 + SA_PROV_DEVICE_ID_MAX];
	long code;
	int i, r;

	memset(f, 0, sizeof(*f));
	memset(&h, 0, sizeof(h));
	/* the server may tell devices apart by it, as by {device} in the URL */
	snprintf(agent, sizeof(agent), "secagent/" PACKAGE_VERSION "%s%s",
	    sa_prov_device_id_ok(device_id) ? " " : "",
	    sa_prov_device_id_ok(device_id) ? device_id : "");
	h.user_agent = agent;
	h.st = st;
	h.cancel = cancel;
	h.deadline = monotonic() + TOTAL_TIMEOUT;
	if (url == NULL || *url == '\0' || parse_origin(url, &first) != 0) {
		f->fail = SA_PROV_FAIL_CONFIG;
		return sa_fail(err, errlen, SA_ERR_INVALID, url == NULL ||
		    *url == '\0' ? "no provisioning-url is set" :
		    "provisioning-url is not an http or https URL");
	}
	cur = first;
	if ((u = strdup(url)) == NULL)
		return sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
	for (i = 0; i <= MAX_REDIRECTS; i++) {
		hop_clear(&h);
		memset(&h.verdict, 0, sizeof(h.verdict));
		h.o = &cur;
		if ((r = request(&h, u, same_origin(&cur, &first), &code, &loc,
		    f, err, errlen)) != 0)
			goto out;
		if (loc == NULL)
			break;
		if ((r = check_redirect(&cur, loc, &next, f, err, errlen)) != 0)
			goto out;
		free(u);
		u = loc;
		loc = NULL;
		cur = next;
	}
	f->fail = SA_PROV_FAIL_HTTP;
	if (i > MAX_REDIRECTS)
		r = sa_fail(err, errlen, SA_ERR_IO, "more than %d redirects "
		    "from %s", MAX_REDIRECTS, first.peer);
	else if (code != 200)
		r = sa_fail(err, errlen, SA_ERR_IO, "%s answered HTTP %ld",
		    cur.peer, code);
	else {
		f->fail = SA_PROV_FAIL_NONE;
		f->body = h.buf;
		f->len = h.len;
		h.buf = NULL;
		if (f->body == NULL && (f->body = strdup("")) == NULL)
			r = sa_fail(err, errlen, SA_ERR_NOMEM, "out of memory");
		f->url = u;
		u = NULL;
	}
 out:
	hop_clear(&h);
	free(loc);
	free(u);
	return r;
}

void
sa_prov_fetch_clear(struct sa_prov_fetch *f)
{
	if (f->body != NULL)
		OPENSSL_cleanse(f->body, f->len);
	free(f->body);
	free(f->url);
	memset(f, 0, sizeof(*f));
}
