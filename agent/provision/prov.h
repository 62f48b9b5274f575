/*
 * prov.h - the auto-provisioning client: the device's provisioning file
 * (parse, export), its fetch over HTTP(S) under the certificate policy and
 * HTTP digest authentication, and the daemon's periodic and on-demand runs.
 *
 *   prov_parse.c    the file, parsed with libxml2 into a core transaction
 *   prov_export.c   the current settings as such a file (a fleet template)
 *   prov_fetch.c    libcurl: TLS through sa_tls, digest only, redirects
 *   prov_device.c   the device id: {device} in the URL, the User-Agent
 *   prov_apply.c    one attempt: fetch, parse, commit
 *   prov_daemon.c   struct sa_prov: the thread of secagentd and its state
 *
 * The file (docs/provisioning.md):
 *
 *   <provisioning version="1.1" productID="e2">
 *     <nvm>
 *       <param name="NAME" value="VALUE"/> ...
 *     </nvm>
 *     <certificates>
 *       <add>PEM, one or more CERTIFICATE blocks</add> ...
 *       <remove fingerprint="64 hex digits"/> ...
 *     </certificates>
 *   </provisioning>
 *
 * Parameter names are the .param of the rows of agent/sa_map.c; others are
 * counted and left alone.  A file is applied as one core transaction: a
 * malformed file or one bad value changes nothing.
 */
#ifndef SA_PROV_H
#define SA_PROV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../src/sa_store.h"
#include "../sa_map.h"

/* The largest provisioning file fetched or parsed. */
#define SA_PROV_MAX_FILE (1024 * 1024)

/* What one file holds. */
struct sa_prov_summary {
	unsigned int params;		/* parameters of this agent, staged */
	unsigned int unknown;		/* parameters left alone */
	unsigned int certs_added;	/* certificates of <add> elements */
	unsigned int certs_removed;	/* <remove> of a certificate present */
	unsigned int certs_absent;	/* <remove> of one already gone */
};

/*
 * Calls once from the main thread before any other thread runs: libcurl's
 * and libxml2's global initialisation.  0 or -1 with err.
 */
int sa_prov_global_init(char *err, size_t errlen);

/*
 * Parses the provisioning file xml (len bytes, at most SA_PROV_MAX_FILE)
 * and stages what it says into t, a transaction on st: each parameter of
 * the mapping table with sa_txn_set, each <add> with sa_txn_import (origin
 * provisioned), each <remove> of a certificate st holds with
 * sa_txn_remove.  A DOCTYPE (and so any entity declaration) is refused
 * outright; nothing is loaded from the network.  *sum is filled (may be
 * NULL).  Returns 0, or an error code with "line N: why" in err; on error
 * t may hold part of the file: the caller frees it without committing.
 */
int sa_prov_parse(const char *xml, size_t len, struct sa_store *st,
    struct sa_txn *t, struct sa_prov_summary *sum, char *err, size_t errlen);

/*
 * The current settings of st as a provisioning file, NUL-terminated, into
 * *xml (the caller frees).  The password is never written: the template
 * says where to add it, and a file without it leaves the device's own.
 * Certificates of CA and Server that are not factory defaults and not
 * rejected are written as <add>.  Returns 0 or SA_ERR_NOMEM.
 */
int sa_prov_export(struct sa_store *st, char **xml);

/* ---- the device's name towards the server ---- */

/* The placeholder of provisioning-url that becomes the device id. */
#define SA_PROV_DEVICE_MARK "{device}"
/* The longest device id. */
#define SA_PROV_DEVICE_ID_MAX 64

/* 1 when id is a device id: 1 to 64 of A-Z a-z 0-9 . _ - (safe in a URL path). */
int sa_prov_device_id_ok(const char *id);

/*
 * The default device id into buf (at least 13 bytes): the MAC address, 12
 * lowercase hex digits without separators, of the interface with the
 * lowest index that is up, not loopback and has a non-zero address (if
 * none is up, of the first one that is down).  0, or -1 with "" in buf
 * when there is no such interface.
 */
int sa_prov_default_device_id(char *buf, size_t len);

/*
 * url with every "{device}" replaced by device_id, into *out (the caller
 * frees).  A url naming {device} with no valid device_id (NULL, or not
 * sa_prov_device_id_ok) is an error; otherwise device_id may be NULL.
 * Returns 0, SA_ERR_INVALID or SA_ERR_NOMEM with err.
 */
int sa_prov_expand_url(const char *url, const char *device_id, char **out,
    char *err, size_t errlen);

/* ---- fetching ---- */

/* Why a fetch failed; the message in err says the rest. */
enum sa_prov_fail {
	SA_PROV_FAIL_NONE,
	SA_PROV_FAIL_CONFIG,	/* no URL, or a bad one */
	SA_PROV_FAIL_CONNECT,	/* DNS, connection, timeout, TLS handshake */
	SA_PROV_FAIL_CERT,	/* the server certificate was refused */
	SA_PROV_FAIL_AUTH,	/* HTTP 401: the digest credentials */
	SA_PROV_FAIL_HTTP,	/* another HTTP status, a bad redirect */
	SA_PROV_FAIL_SIZE,	/* larger than SA_PROV_MAX_FILE */
};

struct sa_prov_fetch {
	char *body;		/* owned, NUL-terminated; wiped by _clear */
	size_t len;
	enum sa_prov_fail fail;
	char *url;		/* where the file came from (after redirects) */
};

/*
 * Fetches url (http or https) with the digest credentials of st and every
 * server certificate through the TLS check of st (sa_tls), with the
 * User-Agent "secagent/VERSION DEVICE-ID" (device_id may be NULL: no id
 * in it): an unknown one
 * is recorded in Invalid with its peer and the fetch fails with the
 * reason.  Redirects are followed (at most 5, never from https to http);
 * the credentials go only to the scheme, host and port of url.  All of it
 * within 60 seconds; a non-zero *cancel (may be NULL, read atomically)
 * ends it sooner.  Returns 0 with f->body, or SA_ERR_* with f->fail and a
 * message in err.
 */
int sa_prov_fetch(struct sa_store *st, const char *url, const char *device_id,
    const int *cancel, struct sa_prov_fetch *f, char *err, size_t errlen);
/* Wipes and frees what f holds. */
void sa_prov_fetch_clear(struct sa_prov_fetch *f);

/*
 * One provisioning attempt on st: fetch the file from provisioning-url
 * (its {device} replaced by device_id, which may be NULL; see
 * sa_prov_expand_url), parse it and commit it as one transaction acting
 * for holder (0: none; see sa_store_hold) with source as its source.
 * cancel as for sa_prov_fetch.  *sum is filled as far as the file was
 * read (may be NULL).  Returns 0 or an error code with the reason in err.
 */
int sa_prov_attempt(struct sa_store *st, const char *device_id,
    uint64_t holder, const char *source, const int *cancel,
    struct sa_prov_summary *sum, char *err, size_t errlen);

/* ---- the daemon (prov_daemon.c) ---- */

struct sa_daemon;

/* The provisioning state of the data model (YANG provisioning, secProv*). */
struct sa_prov_state {
	time_t last_attempt;		/* 0: never */
	time_t last_success;		/* 0: never */
	enum sa_map_result last_result;	/* NONE before the first attempt */
	char last_error[256];		/* "" after a success */
	unsigned int unknown_params;	/* of the last file read */
	int running;			/* an attempt is asked for or under way */
};

/*
 * Starts the provisioning client of d (d->prov): a thread that runs an
 * attempt every provisioning-interval seconds (0: only on demand), and
 * re-reads the interval and URL when they change.  0 or -1 with err.
 */
int sa_prov_start(struct sa_daemon *d, char *err, size_t errlen);
/* After SIGHUP: nothing of the configuration file concerns it yet. */
void sa_prov_reload(struct sa_daemon *d);
/* Stops the thread (an attempt under way ends with its timeouts). */
void sa_prov_stop(struct sa_daemon *d);

/*
 * One attempt now, synchronously (provision-now, secProvisionNow):
 * one attempt at a time, a second caller waits for its turn.  holder is
 * the NETCONF session that holds the configuration lock, or 0.  Returns 0
 * when the file was fetched and applied, else an error code with the
 * reason in err (also the state's last_error).
 */
int sa_prov_run(struct sa_daemon *d, uint64_t holder, char *err,
    size_t errlen);

/*
 * Asks the client's thread for one attempt on behalf of source (the SNMP
 * trigger, which must not wait for a fetch) and returns at once; the
 * state says running until it is over, then its result.  Requests made
 * before the attempt starts are that one attempt.  0, or -1 when the
 * client is not running.
 */
int sa_prov_request(struct sa_daemon *d, const char *source);

/* A copy of the state. */
void sa_prov_get_state(struct sa_daemon *d, struct sa_prov_state *out);

#endif
