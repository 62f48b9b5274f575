"""agentlib - what the Python integration tests of the daemon share: the
test protocol of tests/run, a real secagentd (Agent, always --demo)
started in a temporary directory on free loopback ports, ncclient sessions
to it, certificates made relative to the tests' clock.  (tests/nclib.py is the
lower level the NETCONF transport tests use: raw framing over TLS and the
UNIX socket, configurable daemons, a liveness check after every case.)

Run with /usr/bin/python3: Debian's python3-ncclient lives there."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("SECAGENT_SRCDIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("SECAGENT_BUILDDIR", os.path.join(SRC, "build"))
NS = "urn:secagent:yang:secagent-security"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"

# the test protocol of tests/run, and free ports: tests/nclib.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nclib import diag, finish, free_port, not_ok, ok, skip  # noqa: E402,F401
# the tests' clock and the certificates made by it: tests/certlib.py
from certlib import factory_bundle, make_cert, test_now, with_factory  # noqa: E402,F401


def check(name, cond, why=""):
    if cond:
        ok(name)
    else:
        not_ok(name, why)
    return cond


def wait_port(port, timeout=15.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Agent:
    """A secagentd in the demo profile, in its own directory and ports."""

    def __init__(self, extra=None, tls=False):
        self.dir = tempfile.mkdtemp(prefix="secagent-nc.")
        self.ssh = free_port()
        self.tls = free_port() if tls else None
        self.extra = with_factory(extra)
        self.proc = None
        self.start()

    def start(self):
        args = [os.path.join(BUILD, "secagentd"), "-f", "--demo", "-d", self.dir,
                "--ssh", "127.0.0.1:%d" % self.ssh,
                "--tls", "127.0.0.1:%d" % self.tls if self.tls else "none",
                "--snmp", "none"] + self.extra
        self.log = open(os.path.join(self.dir, "secagentd.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.ssh):
            raise RuntimeError("secagentd did not listen: %s" % self.logtail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def logtail(self, n=2000):
        try:
            with open(os.path.join(self.dir, "secagentd.log"), "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def restart(self):
        self.stop()
        self.start()

    def connect(self, user="admin", password="secagent-demo"):
        from ncclient import manager
        import ncclient.transport.ssh
        ncclient.transport.ssh.TICK = 0.002   # ncclient looks at its queue every TICK
        return manager.connect(host="127.0.0.1", port=self.ssh, username=user,
                               password=password, hostkey_verify=False,
                               look_for_keys=False, allow_agent=False, timeout=30)

    def ctl(self, *args, input=None):
        r = subprocess.run([os.path.join(BUILD, "secagentctl"), "-d", self.dir] + list(args),
                           input=input, capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def config(inner):
    """An edit-config <config> with the base namespace libnetconf2 wants."""
    return '<config xmlns="%s">%s</config>' % (NC, inner)


def rpc_error(exc):
    """(error-tag, message, info xml) of an ncclient RPCError."""
    tag = getattr(exc, "tag", None)
    return tag, getattr(exc, "message", str(exc)), getattr(exc, "info", "") or ""


def openssl(*args, input=None):
    return subprocess.run(["openssl"] + list(args), input=input, capture_output=True,
                          timeout=60)


def s_server(cwd, pem, key):
    """openssl s_server -WWW on a free port of 127.0.0.1, serving the files
    of cwd with the certificate pem: (process, port)."""
    port = free_port()
    p = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", pem,
                          "-key", key, "-quiet", "-WWW"], cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_port(port)
    return p, port


def snmp_get(port, *oids):
    """snmpget -v2c -c public of numeric OIDs: (returncode, {oid: value})."""
    r = subprocess.run(["snmpget", "-v2c", "-c", "public", "-t", "3", "-r", "1", "-On", "-Oe",
                        "-OQ", "-M", "", "-m", "", "udp:127.0.0.1:%d" % port] + list(oids),
                       capture_output=True, timeout=60, env=dict(os.environ, MIBS=""))
    vals = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            vals[k.lstrip(".")] = v
    return r.returncode, vals
