/*
 * test_log.c - the daemon's log module escapes every message: one event,
 * one line, no control byte, valid UTF-8 kept (agent/daemon/log.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/daemon/log.h"
#include "t.h"

static void
escapes(const char *in, const char *want, const char *what)
{
	char out[256];

	sa_log_escape(in, out, sizeof(out));
	t_ok(strcmp(out, want) == 0, "%s: \"%s\"", what, out);
}

static void
test_rule(void)
{
	escapes("plain text: 127.0.0.1:830", "plain text: 127.0.0.1:830",
	    "printable ASCII is kept");
	escapes("a\nb\rc\td", "a\\nb\\rc\\td", "newline, CR, tab");
	escapes("back\\slash", "back\\\\slash", "a backslash is doubled");
	escapes("\x1b[2J\x07\x7f", "\\x1b[2J\\x07\\x7f", "ESC, BEL, DEL");
	escapes("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80",
	    "valid UTF-8, 2 and 4 bytes, is kept");
	escapes("\xc2\x9b" "31m", "\\xc2\\x9b31m", "a C1 control (CSI) is escaped");
	escapes("\xc3(", "\\xc3(", "a truncated sequence");
	escapes("\xc0\xaf", "\\xc0\\xaf", "an overlong '/'");
	escapes("\xe0\x80\xaf", "\\xe0\\x80\\xaf", "an overlong 3-byte form");
	escapes("\xed\xa0\x80", "\\xed\\xa0\\x80", "a UTF-16 surrogate");
	escapes("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "beyond U+10FFFF");
	escapes("\xff\xfe", "\\xff\\xfe", "bytes that start nothing");
}

static void
test_truncation(void)
{
	char out[6];

	sa_log_escape("ab\ncd", out, sizeof(out));
	t_ok(strcmp(out, "ab\\nc") == 0, "a short buffer: \"%s\"", out);
	sa_log_escape("abcd\x1b", out, sizeof(out));
	t_ok(strcmp(out, "abcd") == 0, "an escape that does not fit is left out "
	    "whole: \"%s\"", out);
	sa_log_escape("abc\xc3\xa9", out, sizeof(out));
	t_ok(strcmp(out, "abc\xc3\xa9") == 0, "UTF-8 that fits");
	sa_log_escape("abcd\xc3\xa9", out, sizeof(out));
	t_ok(strcmp(out, "abcd") == 0, "a UTF-8 character is never cut");
}

/* sa_info() with a hostile part writes one line to stderr. */
static void
test_one_line(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[512], buf[4096];
	int fd, saved = dup(2), lines = 0;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "%s/secagent-log.XXXXXX", tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		t_ok(0, "mkstemp %s", path);
		return;
	}
	dup2(fd, 2);
	sa_log_open(1, SA_LOG_INFO);
	sa_info("SSH: password refused for user \"%s\"",
	    "evil\nsecagentd error: forged\x1b[2J");
	sa_debug("not at level info\n");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	t_ok(lines == 1 && strstr(buf, "user \"evil\\nsecagentd error: "
	    "forged\\x1b[2J\"") != NULL && strchr(buf, '\x1b') == NULL,
	    "a message with a newline and ESC: one line, escaped");
}

int
main(void)
{
	test_rule();
	test_truncation();
	test_one_line();
	return t_done();
}
