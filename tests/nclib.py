"""tests/nclib.py - the python side of tests/lib.sh, for the NETCONF tests
of tests/integration (run by /usr/bin/python3: Debian's python3-ncclient).

The test protocol of tests/run: one line per case, "ok - NAME",
"not ok - NAME: why" or "skip - NAME: why"; the exit status is 1 when a
case failed.  Every case is followed by a check that the daemon still runs.
Clients are real ones: ncclient (paramiko) and OpenSSH for SSH; for TLS and
the UNIX socket, which ncclient 0.6 does not speak, the small RawSession
below over Python's ssl and socket modules, with the NETCONF 1.0 framing.
"""
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from certlib import with_factory  # noqa: E402

SRC = os.environ.get("SECAGENT_SRCDIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("SECAGENT_BUILDDIR") or os.path.join(SRC, "build")
DAEMON = os.path.join(BUILD, "secagentd")
DEMO_PASSWORD = "secagent-demo"
EOM = b"]]>]]>"
NS_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"

_failed = False


def ok(name):
    print("ok - %s" % name, flush=True)


def not_ok(name, why):
    global _failed
    _failed = True
    print("not ok - %s: %s" % (name, " ".join(str(why).split())), flush=True)


def skip(name, why):
    print("skip - %s: %s" % (name, why), flush=True)


def diag(msg):
    print("# %s" % msg, flush=True)


def finish():
    sys.exit(1 if _failed else 0)


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def case(name, fn, daemon=None):
    """Runs fn(); its exception is the failure.  Then the daemon must run."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any failure is the case's
        why = str(e) if isinstance(e, Fail) else "%s: %s" % (
            type(e).__name__, e)
        if not isinstance(e, Fail):
            diag(traceback.format_exc().replace("\n", "\n# "))
        not_ok(name, why)
        return False
    if daemon is not None and not daemon.alive():
        not_ok(name, "the daemon died: %s" % daemon.log_tail())
        return False
    ok(name)
    return True


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tmpdir():
    d = tempfile.mkdtemp(prefix="secagent-nc.", dir=os.environ.get("TMPDIR"))
    import atexit
    atexit.register(shutil.rmtree, d, True)
    return d


def crypt_hash(password):
    return subprocess.run(["openssl", "passwd", "-6", password], check=True,
                          capture_output=True, text=True).stdout.strip()


class Daemon:
    """secagentd in dir, on free loopback ports, in the foreground."""

    def __init__(self, dir, demo=True, conf=None, args=()):
        self.dir = dir
        self.ssh_port = free_port()
        self.tls_port = free_port()
        self.sock = os.path.join(dir, "secagentd.sock")
        self.logfile = os.path.join(dir, "daemon.log")
        self.cmd = [DAEMON, "-f", "-d", dir, "--snmp", "none"]
        if demo:
            self.cmd += ["--demo", "--ssh", "127.0.0.1:%d" % self.ssh_port,
                         "--tls", "127.0.0.1:%d" % self.tls_port]
        if conf:
            self.cmd += ["-c", conf]
        self.cmd += with_factory(args)
        self.proc = None

    def start(self, wait=True):
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_started()
        return self

    def wait_started(self, secs=15):
        end = time.time() + secs
        while time.time() < end:
            if self.proc.poll() is not None:
                raise Fail("secagentd exited with %s: %s" %
                           (self.proc.returncode, self.log_tail()))
            if "secagentd started" in self.log_text():
                return
            time.sleep(0.05)
        raise Fail("secagentd did not start: %s" % self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        with open(self.logfile, "r", errors="replace") as f:
            return f.read()

    def log_tail(self, n=3):
        return " | ".join(self.log_text().strip().splitlines()[-n:])

    def wait_log(self, pattern, secs=5):
        end = time.time() + secs
        while time.time() < end:
            m = re.search(pattern, self.log_text())
            if m:
                return m
            time.sleep(0.05)
        return None

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])   # utime + stime

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, secs=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(secs)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after %d s" % secs


def ncclient_tick(secs):
    """ncclient's SSH thread looks at its send queue every TICK (0.1 s): a
    message waits up to that long.  Timing tests shorten it."""
    import ncclient.transport.ssh as nssh
    nssh.TICK = secs


def nc_ssh(d, user="admin", password=DEMO_PASSWORD, key=None, timeout=15):
    from ncclient import manager
    kw = dict(host="127.0.0.1", port=d.ssh_port, username=user,
              hostkey_verify=False, allow_agent=False, look_for_keys=False,
              timeout=timeout)
    if key:
        kw["key_filename"] = key
    else:
        kw["password"] = password
    return manager.connect(**kw)


def openssh_netconf(port, user, key, rpcs=(), opts=(), known_hosts="/dev/null",
                    secs=30):
    """OpenSSH's ssh -s netconf, logged in with key: a NETCONF 1.0 hello,
    the rpc bodies, close-session; returns (exit status, the server's
    hello, its rpc-replies, stderr).  Its input stays open until the last
    reply (libnetconf2 writes nothing after the client's EOF); the server
    closes the connection after close-session, so ssh exits with 255."""
    p = subprocess.Popen(
        ["ssh", "-i", key, "-p", str(port), "-o", "BatchMode=yes",
         "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=accept-new",
         "-o", "UserKnownHostsFile=" + known_hosts, "-o", "ConnectTimeout=10"]
        + list(opts) + ["%s@127.0.0.1" % user, "-s", "netconf"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bodies = list(rpcs) + ["<close-session/>"]
    hello = ('<hello xmlns="%s"><capabilities><capability>urn:ietf:params:'
             'netconf:base:1.0</capability></capabilities></hello>' % NS_BASE)
    p.stdin.write((hello + "".join(
        '%s<rpc message-id="%d" xmlns="%s">%s</rpc>' % (
            EOM.decode(), i + 1, NS_BASE, b) for i, b in enumerate(bodies))
        + EOM.decode()).encode())
    p.stdin.flush()
    out, end = b"", time.time() + secs
    while out.count(b"</rpc-reply>") < len(bodies) and time.time() < end:
        if select.select([p.stdout], [], [], 0.5)[0]:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    p.stdin.close()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    text = out.decode(errors="replace")
    m = re.search(r"<hello\b.*?</hello>", text, re.S)
    return (p.returncode, m.group(0) if m else "",
            re.findall(r"<rpc-reply\b.*?</rpc-reply>", text, re.S),
            p.stderr.read().decode(errors="replace"))


class RawSession:
    """NETCONF 1.0 framing (]]>]]>) over a connected socket.  With
    base11, the hello also offers base:1.1: the session then speaks the
    chunked framing, which only raw writes (self.s) use here."""

    def __init__(self, sock, timeout=10, base11=False):
        self.s = sock
        self.s.settimeout(timeout)
        self.buf = b""
        self.msgid = 0
        self.hello = self.read()
        m = re.search(r"<session-id>(\d+)</session-id>", self.hello)
        self.session_id = int(m.group(1)) if m else None
        self.send('<hello xmlns="%s"><capabilities><capability>'
                  'urn:ietf:params:netconf:base:1.0</capability>%s'
                  '</capabilities></hello>' % (NS_BASE, (
                      '<capability>urn:ietf:params:netconf:base:1.1'
                      '</capability>') if base11 else ""))

    def send(self, xml):
        self.s.sendall(xml.encode() + EOM)

    def read(self):
        while EOM not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        msg, self.buf = self.buf.split(EOM, 1)
        return msg.decode()

    def rpc(self, body):
        self.msgid += 1
        self.send('<rpc message-id="%d" xmlns="%s">%s</rpc>' %
                  (self.msgid, NS_BASE, body))
        return self.read()

    def closed_within(self, secs):
        """True when the server closes the connection within secs."""
        self.s.settimeout(secs)
        try:
            while True:
                if not self.s.recv(65536):
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def unix_session(d, timeout=10, base11=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(d.sock)
    return RawSession(s, timeout, base11)


def tls_context(d, cert=True):
    ctx = ssl.create_default_context(cafile=os.path.join(d.dir, "pki",
                                                         "ca.pem"))
    if cert:
        ctx.load_cert_chain(os.path.join(d.dir, "pki", "client.pem"),
                            os.path.join(d.dir, "pki", "client.key"))
    return ctx


def tls_session(d, cert=True, ctx=None, timeout=10, base11=False):
    ctx = ctx or tls_context(d, cert)
    raw = socket.create_connection(("127.0.0.1", d.tls_port), timeout)
    return RawSession(ctx.wrap_socket(raw, server_hostname="localhost"),
                      timeout, base11)
