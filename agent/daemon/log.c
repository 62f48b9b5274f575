/*
 * log.c - syslog or stderr, with the function name on every line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_stderr = 1;
static enum sa_log_level log_level = SA_LOG_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void
sa_log_open(int to_stderr, enum sa_log_level level)
{
	log_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog("secagentd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
sa_log_set_level(enum sa_log_level level)
{
	log_level = level;
}

int
sa_log_level_from_name(const char *name, enum sa_log_level *out)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum sa_log_level)i;
			return 0;
		}
	}
	return -1;
}

int
sa_log_enabled(enum sa_log_level level)
{
	return level <= log_level;
}

void
sa_log(enum sa_log_level level, const char *func, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024], ts[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_stderr) {
		syslog(prio[level], "%s: %s", func, msg);
		return;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "%s secagentd %s: %s: %s\n", ts, level_names[level],
	    func, msg);
}
