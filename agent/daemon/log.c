/*
 * log.c - syslog or stderr, with the function name on every line.
 *
 * Every formatted message is escaped here, once, whatever its parts came
 * from (an SSH user name, a certificate's subject, a peer's error text):
 * one event is one line, and no byte reaches a terminal or a log viewer
 * as a control.  The rule: a backslash becomes "\\", newline, carriage
 * return and tab "\n", "\r", "\t", any other control character (C0, DEL
 * and the C1 controls U+0080..U+009F) and every byte of invalid UTF-8
 * "\xHH"; valid UTF-8 text passes as it is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_stderr = 1;	/* set before the threads start */
/* changed by a reload (main thread) while every thread logs: atomic */
static int log_level = SA_LOG_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void
sa_log_open(int to_stderr, enum sa_log_level level)
{
	log_stderr = to_stderr;
	sa_log_set_level(level);
	/* the time zone read once, before the threads: localtime_r() then only
	 * reads it (glibc's own lock around the first read is invisible to
	 * ThreadSanitizer) */
	tzset();
	if (!to_stderr)
		openlog("secagentd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
sa_log_set_level(enum sa_log_level level)
{
	__atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
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
	return (int)level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

/* The length of the valid UTF-8 sequence at p (n bytes left) that is
 * not a C1 control, or 0. */
static size_t
utf8_printable(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

void
sa_log_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, n = strlen(in), k;
	char e[5];

	if (outlen == 0)
		return;
	while (n > 0) {
		e[0] = '\\';
		k = 2;
		switch (*p) {
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			if (*p >= 0x20 && *p < 0x7f) {
				e[0] = (char)*p;
				k = 1;
			} else if (*p >= 0x80 && (k = utf8_printable(p, n)) > 0) {
				if (o + k >= outlen)
					goto out;
				memcpy(out + o, p, k);
				o += k;
				p += k;
				n -= k;
				continue;
			} else {
				e[1] = 'x';
				e[2] = hex[*p >> 4];
				e[3] = hex[*p & 15];
				k = 4;
			}
		}
		if (o + k >= outlen)
			break;
		memcpy(out + o, e, k);
		o += k;
		p++;
		n--;
	}
 out:
	out[o] = '\0';
}

void
sa_log(enum sa_log_level level, const char *func, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char raw[1024], msg[4 * sizeof(raw)], ts[32];
	size_t n;
	struct tm tm;
	time_t now;
	va_list ap;

	if (!sa_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* a library's line may end with its newline: the line ends anyway */
	for (n = strlen(raw); n > 0 && raw[n - 1] == '\n'; n--)
		raw[n - 1] = '\0';
	sa_log_escape(raw, msg, sizeof(msg));
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
