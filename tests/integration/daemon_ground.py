#!/usr/bin/python3
"""The daemon's own ground with the real secagentd: no core dumps (RLIMIT_CORE
0, and non-dumpable: its /proc files belong to root even when it runs as
nobody, and nobody cannot read them) unless --allow-core-dumps asks; and a
log line built from client input is one line with the controls escaped (an
SSH user name holding a newline, ESC, invalid UTF-8, sent with paramiko)."""
import os
import pwd
import time
import re
import socket
import subprocess
import sys
import resource

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import *  # noqa: E402,F401,F403

import paramiko  # noqa: E402

tmp = tmpdir()
os.chmod(tmp, 0o755)    # nobody goes through it to its state directory
try:
    nobody = pwd.getpwnam("nobody")
except KeyError:
    nobody = None
as_nobody = os.geteuid() == 0 and nobody is not None
CORE_LIMIT = 4 << 20    # the limit the daemon is started with


def core_limit():
    resource.setrlimit(resource.RLIMIT_CORE, (CORE_LIMIT, CORE_LIMIT))


def start(name, user=None, args=()):
    """A demo daemon in tmp/name, as user (None: as we are); (proc, dir, port)."""
    d = os.path.join(tmp, name)
    os.mkdir(d, 0o755)
    port = free_port()
    cmd = [DAEMON, "-f", "--demo", "-d", d, "--ssh", "127.0.0.1:%d" % port,
           "--tls", "none", "--snmp", "none"] + list(args)
    if user is not None:
        os.chown(d, user.pw_uid, user.pw_gid)
        cmd = ["setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid,
               "--clear-groups"] + cmd
    log = open(os.path.join(tmp, name + ".log"), "wb")
    # the sanitizers set the core limit to 0 themselves unless told not to
    env = dict(os.environ)
    for v in ("ASAN_OPTIONS", "TSAN_OPTIONS"):
        env[v] = env.get(v, "") + ":disable_coredump=0"
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                         preexec_fn=core_limit, env=env)
    p.logfile = log.name
    for _ in range(300):
        if p.poll() is not None or "secagentd started" in read_log(p):
            break
        time.sleep(0.05)
    check(p.poll() is None, "secagentd did not start: %s" % read_log(p)[-300:])
    return p, d, port


def read_log(p):
    with open(p.logfile, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def stop(p):
    p.terminate()
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def core_soft_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4]
    return None


def proc_owner(pid):
    return os.stat("/proc/%d/environ" % pid).st_uid


def readable_by(user, path):
    r = subprocess.run(["setpriv", "--reuid=%d" % user.pw_uid,
                        "--regid=%d" % user.pw_gid, "--clear-groups",
                        "cat", path], capture_output=True)
    return r.returncode == 0


def root_no_cores():
    p, _, _ = start("root")
    try:
        lim = core_soft_limit(p.pid)
        check(lim == "0", "Max core file size %s, started with %d" % (
            lim, CORE_LIMIT))
    finally:
        stop(p)
case("secagentd sets its core file size to 0 (started with 4 MiB)",
     root_no_cores)

if not as_nobody:
    skip("secagentd as nobody is not dumpable", "needs root, nobody, setpriv")
else:
    def nobody_not_dumpable():
        p, _, _ = start("nobody", nobody)
        try:
            pid = p.pid     # setpriv execs secagentd
            check(proc_owner(pid) == 0, "/proc/%d/environ belongs to uid %d, "
                  "not root: the process is dumpable" % (pid, proc_owner(pid)))
            check(not readable_by(nobody, "/proc/%d/environ" % pid),
                  "nobody, its own user, reads its /proc/PID/environ")
            check(core_soft_limit(pid) == "0", "core limit %s" %
                  core_soft_limit(pid))
        finally:
            stop(p)
    case("secagentd run by nobody is not dumpable: its /proc files are "
         "root's, nobody cannot read them, no core file", nobody_not_dumpable)

    def nobody_allowed():
        p, _, _ = start("allowed", nobody, ["--allow-core-dumps"])
        try:
            check(proc_owner(p.pid) == nobody.pw_uid,
                  "/proc/PID/environ belongs to uid %d" % proc_owner(p.pid))
            check(core_soft_limit(p.pid) == str(CORE_LIMIT),
                  "core limit %s" % core_soft_limit(p.pid))
            check(re.search(r"warning: .*core dumps allowed", read_log(p)),
                  "no warning in the log")
        finally:
            stop(p)
    case("--allow-core-dumps: dumpable again, the limit it was started with, "
         "and a warning in the log", nobody_allowed)


# ---- log lines built from client input ----
NAMES = [
    ("evil\nsecagentd error: forged line\x1b[2J\x07".encode(),
     r'evil\nsecagentd error: forged line\x1b[2J\x07'),
    ("caf\u00e9 \u00fcser".encode(), "caf\u00e9 \u00fcser"),
    (b"bad\xff\xc3(utf8\xc2\x9b1m", r"bad\xff\xc3(utf8\xc2\x9b1m"),
    (b"back\\slash\r\t", r"back\\slash\r\t"),
]


def try_login(port, user):
    s = socket.create_connection(("127.0.0.1", port), 10)
    t = paramiko.Transport(s)
    try:
        t.start_client(timeout=10)
        try:
            t.auth_password(user, "not the password")
        except paramiko.AuthenticationException:
            return False
        return True
    finally:
        t.close()


def log_escaping():
    p, _, port = start("logs")
    try:
        for raw, _ in NAMES:
            check(not try_login(port, raw), "logged in as %r" % raw)
        deadline = time.time() + 10
        while time.time() < deadline and \
                read_log(p).count("password refused") < len(NAMES):
            time.sleep(0.1)
        text = read_log(p)
        check("\x1b" not in text and "\x07" not in text and
              "\x9b" not in text, "a control byte reached the log")
        check(not re.search(r"^secagentd error: forged", text, re.M),
              "the forged line is a line of its own")
        lines = text.splitlines()
        for _, escaped in NAMES:
            hits = [ln for ln in lines if 'user "%s"' % escaped in ln]
            check(len(hits) == 1 and "password refused" in hits[0],
                  "no one line with user \"%s\": %s" % (
                      escaped, [ln for ln in lines if "refused" in ln][-4:]))
    finally:
        stop(p)
case("SSH user names with a newline, ESC, BEL, C1 CSI, invalid UTF-8, CR, "
     "tab, backslash: one log line each, escaped; UTF-8 kept", log_escaping)
finish()
