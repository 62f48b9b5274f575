/*
 * snmp_ops.c - the device's operations that outlast an SNMP request:
 * secProvisionNow (an attempt of the provisioning client, agent/provision)
 * and secCheckServer (a TLS connection to a server), with the state and
 * verdict they leave for a manager to read.
 *
 * A SET answers at once and the work goes on in another thread: the SNMP
 * thread serves every manager (and, as a sub-agent, must answer the
 * master within its AgentX timeout), and a manager retrying a slow SET
 * would otherwise start the same work again.  secProvisionNow reads
 * running(3) until the attempt is over, then secProvLastResult tells;
 * secCheckServer reads "checking" until its verdict.
 */
#include <ctype.h>
#include <string.h>

#include "snmp.h"
#include "../../src/sa_tls.h"
#include "../daemon/log.h"
#include "../provision/prov.h"

int
snmp_prov_request(struct sa_snmp *s, const char *source, char *err,
    size_t errlen)
{
	char *url = NULL;
	int r;

	/* a fetch without a URL fails at once: say so now, as an error */
	if ((r = sa_store_get(s->st, SA_SET_PROV_URL, &url)) != 0) {
		snprintf(err, errlen, "%s", sa_err_name(r));
		return r;
	}
	r = *url == '\0' ? SA_ERR_INVALID : 0;
	free(url);
	if (r != 0) {
		snprintf(err, errlen, "no provisioning-url is set");
		return r;
	}
	if (sa_prov_request(s->d, source) != 0) {
		snprintf(err, errlen, "the provisioning client is not running");
		return SA_ERR_INVALID;
	}
	return 0;
}

void
snmp_prov_state(struct sa_snmp *s, struct snmp_prov_state *out)
{
	struct sa_prov_state ps;

	sa_prov_get_state(s->d, &ps);
	memset(out, 0, sizeof(*out));
	out->running = ps.running;
	out->last_attempt = ps.last_attempt;
	out->last_success = ps.last_success;
	out->last_result = ps.last_result;
	snprintf(out->last_error, sizeof(out->last_error), "%s", ps.last_error);
	out->unknown_parameters = ps.unknown_params;
}

/* ---- secCheckServer ---- */

/* "accepted" or "refused: REASON", REASON as SecCertReason names it. */
static void
verdict_string(const struct sa_tls_verdict *v, char *buf, size_t len)
{
	const char *p = sa_reason_name(v->reason);
	size_t o;

	if (v->accepted) {
		snprintf(buf, len, "accepted");
		return;
	}
	o = (size_t)snprintf(buf, len, "refused: ");
	/* unknown-issuer -> unknownIssuer */
	for (; *p != '\0' && o + 1 < len; p++) {
		if (*p == '-' && p[1] != '\0')
			buf[o++] = (char)toupper((unsigned char)*++p);
		else
			buf[o++] = *p;
	}
	buf[o] = '\0';
}

static void *
check_thread(void *arg)
{
	struct sa_snmp *s = arg;
	struct sa_tls_verdict v;
	char target[sizeof(s->check_target)], verdict[sizeof(s->verdict)];
	char err[200];

	pthread_mutex_lock(&s->check_mu);
	memcpy(target, s->check_target, sizeof(target));
	pthread_mutex_unlock(&s->check_mu);
	if (sa_tls_probe(s->st, target, &v, err, sizeof(err)) == 0)
		verdict_string(&v, verdict, sizeof(verdict));
	else
		snprintf(verdict, sizeof(verdict), "failed: %s", err);
	sa_info("secCheckServer %s: %s", target, verdict);
	pthread_mutex_lock(&s->check_mu);
	memcpy(s->verdict, verdict, sizeof(verdict));
	s->checking = 0;
	pthread_mutex_unlock(&s->check_mu);
	return NULL;
}

/* Joins the thread of the last check once it is over (SNMP thread). */
static void
check_reap(struct sa_snmp *s, int wait)
{
	int busy;

	if (!s->check_joinable)
		return;
	pthread_mutex_lock(&s->check_mu);
	busy = s->checking;
	pthread_mutex_unlock(&s->check_mu);
	if (busy && !wait)
		return;
	pthread_join(s->check_thread, NULL);
	s->check_joinable = 0;
}

int
snmp_check_busy(struct sa_snmp *s)
{
	check_reap(s, 0);
	return s->check_joinable;
}

int
snmp_check_start(struct sa_snmp *s, const char *target, char *err,
    size_t errlen)
{
	int r;

	if (snmp_check_busy(s)) {
		snprintf(err, errlen, "a check is under way");
		return SA_ERR_INCONSISTENT;
	}
	pthread_mutex_lock(&s->check_mu);
	snprintf(s->check_target, sizeof(s->check_target), "%s", target);
	snprintf(s->verdict, sizeof(s->verdict), "checking");
	s->checking = 1;
	pthread_mutex_unlock(&s->check_mu);
	if ((r = pthread_create(&s->check_thread, NULL, check_thread, s)) !=
	    0) {
		pthread_mutex_lock(&s->check_mu);
		s->checking = 0;
		s->verdict[0] = '\0';
		pthread_mutex_unlock(&s->check_mu);
		snprintf(err, errlen, "cannot start a thread: %s",
		    strerror(r));
		return SA_ERR_NOMEM;
	}
	s->check_joinable = 1;
	return 0;
}

void
snmp_check_verdict(struct sa_snmp *s, char *buf, size_t len)
{
	pthread_mutex_lock(&s->check_mu);
	snprintf(buf, len, "%s", s->verdict);
	pthread_mutex_unlock(&s->check_mu);
}

void
snmp_check_stop(struct sa_snmp *s)
{
	check_reap(s, 1);
}
