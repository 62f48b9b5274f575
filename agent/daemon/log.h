/*
 * log.h - the daemon's one logging module: syslog, or stderr in the
 * foreground.  A secret never reaches a log line: callers log names and
 * fingerprints, never values of the password.
 */
#ifndef SA_LOG_H
#define SA_LOG_H

enum sa_log_level { SA_LOG_ERROR, SA_LOG_WARNING, SA_LOG_INFO, SA_LOG_DEBUG };

/* stderr when to_stderr, else syslog (ident "secagentd", facility daemon).
 * Called before any thread starts. */
void sa_log_open(int to_stderr, enum sa_log_level level);
void sa_log_set_level(enum sa_log_level level);
int sa_log_level_from_name(const char *name, enum sa_log_level *out);
int sa_log_enabled(enum sa_log_level level);
/*
 * One line: the formatted message is escaped (sa_log_escape), so text from
 * outside (an SSH user name, a certificate) can neither end the line nor
 * send a control to a terminal.
 */
void sa_log(enum sa_log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * in, escaped into out (outlen bytes, always terminated; 4 * strlen(in) + 1
 * is enough): "\\", "\n", "\r", "\t", "\xHH" for other controls (C0,
 * DEL, C1) and for each byte of invalid UTF-8; valid UTF-8 kept.
 */
void sa_log_escape(const char *in, char *out, size_t outlen);

#define sa_error(...) sa_log(SA_LOG_ERROR, __func__, __VA_ARGS__)
#define sa_warn(...) sa_log(SA_LOG_WARNING, __func__, __VA_ARGS__)
#define sa_info(...) sa_log(SA_LOG_INFO, __func__, __VA_ARGS__)
#define sa_debug(...) do { if (sa_log_enabled(SA_LOG_DEBUG)) \
	sa_log(SA_LOG_DEBUG, __func__, __VA_ARGS__); } while (0)

#endif
