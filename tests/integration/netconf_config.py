"""secagentd with configurations of its own (-c): public-key logins with
OpenSSH and paramiko, SIGHUP reloads, max-sessions, the idle and hello
timeouts, the UNIX socket's uid mapping, SIGTERM, and configurations that
must be refused at start."""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (DAEMON, Daemon, Fail, case, check, crypt_hash,  # noqa: E402
                   finish, free_port, nc_ssh, openssh_netconf, tmpdir,
                   unix_session)

from ncclient.transport.errors import AuthenticationError  # noqa: E402

T = tmpdir()


def keygen(name, kind="ed25519"):
    path = os.path.join(T, name)
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name,
                    "-f", path] + (["-m", "PEM", "-b", "2048"]
                                   if kind == "rsa" else []), check=True)
    with open(path + ".pub") as f:
        return path, " ".join(f.read().split()[:2])


HOSTKEY, _ = keygen("hostkey", "rsa")
ALICE_KEY, ALICE_PUB = keygen("alice")
BOB_KEY, BOB_PUB = keygen("bob")
STRAY_KEY, _ = keygen("stray")


def write_conf(path, ssh_port, body):
    with open(path, "w") as f:
        f.write("log stderr info\nnetconf-ssh 127.0.0.1:%d\n"
                "ssh-host-key %s\n%s" % (ssh_port, HOSTKEY, body))


def openssh(d, user, key):
    """ssh -s netconf: hello, close-session; (exit, output, stderr)."""
    rc, hello, replies, err = openssh_netconf(d.ssh_port, user, key)
    return rc, hello + "".join(replies), err


# ---- daemon A: users with passwords and keys, reloaded ----
A_DIR = os.path.join(T, "a")
os.makedirs(A_DIR)
A_CONF = os.path.join(T, "a.conf")
A_PORT = free_port()
OLD, NEW = crypt_hash("old-secret"), crypt_hash("new-secret")
write_conf(A_CONF, A_PORT, 'user alice password %s ssh-key "%s"\n'
           'user bob password %s\n' % (OLD, ALICE_PUB, OLD))
a = Daemon(A_DIR, demo=False, conf=A_CONF)
a.ssh_port = A_PORT
a.start()


def openssh_pubkey():
    rc, out, err = openssh(a, "alice", ALICE_KEY)
    check("<hello" in out and "<ok/>" in out, "ssh exit %s: %s %s"
          % (rc, out[-200:], err))


def openssh_stray_key():
    rc, out, err = openssh(a, "alice", STRAY_KEY)
    check(rc == 255 and "<hello" not in out, "ssh exit %s: %s" % (rc,
                                                                   out[:200]))


def paramiko_pubkey():
    with nc_ssh(a, user="alice", key=ALICE_KEY) as m:
        check(m.connected, "not connected")
    try:
        nc_ssh(a, user="bob", key=ALICE_KEY).close_session()
    except AuthenticationError:
        return
    raise Fail("alice's key logs bob in")


def reload_conf(body):
    n = a.log_text().count("configuration reloaded")
    write_conf(A_CONF, A_PORT, body)
    a.signal(signal.SIGHUP)
    end = time.time() + 5
    while time.time() < end:
        text = a.log_text()
        if text.count("configuration reloaded") > n or \
                "reload refused" in text[-2000:]:
            return
        time.sleep(0.05)
    raise Fail("no reload in the log")


def sighup_password_and_key():
    kept = nc_ssh(a, user="bob", password="old-secret")
    reload_conf('user alice password %s ssh-key "%s"\n'
                'user bob password %s ssh-key "%s"\n'
                % (NEW, ALICE_PUB, NEW, BOB_PUB))
    for pw, good in (("old-secret", False), ("new-secret", True)):
        try:
            nc_ssh(a, user="alice", password=pw).close_session()
            check(good, "the old password still works")
        except AuthenticationError:
            check(not good, "the new password is refused")
    rc, out, err = openssh(a, "bob", BOB_KEY)
    check("<ok/>" in out, "bob's new key: exit %s: %s" % (rc, err))
    check(kept.connected and "module" in
          kept.get_schema("ietf-inet-types").data, "a session lost")
    kept.close_session()


def sighup_broken():
    reload_conf("user alice password notahash\n")
    check("reload refused" in a.log_text(), "no refusal in the log")
    with nc_ssh(a, user="alice", password="new-secret") as m:
        check(m.connected, "the running configuration was lost")


def sigterm_ends_sessions():
    s1 = nc_ssh(a, user="alice", password="new-secret")
    s2 = nc_ssh(a, user="bob", key=BOB_KEY)
    for s in (s1, s2):     # their hellos are done: they are sessions
        s.get_schema("ietf-inet-types")
    ids = (int(s1.session_id), int(s2.session_id))
    rc = a.stop()
    check(rc == 0, "exit status %s" % rc)
    text = a.log_text()
    for sid in ids:
        check("session %d ended" % sid in text, "session %d: no end" % sid)
    for f in ("secagentd.pid", "secagentd.sock"):
        check(not os.path.exists(os.path.join(A_DIR, f)), "%s is left" % f)


case("SSH public key: OpenSSH logs alice in with her configured key",
     openssh_pubkey, a)
case("SSH public key: a key that is not configured is refused",
     openssh_stray_key, a)
case("SSH public key: ncclient (paramiko) with the key; not for bob",
     paramiko_pubkey, a)
case("SIGHUP: a new password replaces the old one, a new key logs in, "
     "open sessions stay", sighup_password_and_key, a)
case("SIGHUP: a broken file is refused, the running configuration stays",
     sighup_broken, a)
case("SIGTERM: exit 0, every session ended, pid file and socket removed",
     sigterm_ends_sessions)

# ---- daemon B: limits and timeouts; a socket others may reach ----
B_DIR = os.path.join(T, "b")
os.makedirs(B_DIR)
os.chmod(T, 0o755)
os.chmod(B_DIR, 0o755)
B_CONF = os.path.join(T, "b.conf")
B_PORT = free_port()
write_conf(B_CONF, B_PORT, "max-sessions 2\nidle-timeout 2\nhello-timeout 2\n"
           "user admin password %s uid 0\nuser nobody password %s\n"
           % (OLD, OLD))
b = Daemon(B_DIR, demo=False, conf=B_CONF)
b.ssh_port = B_PORT
b.start()


def max_sessions():
    s1, s2 = unix_session(b), nc_ssh(b, user="admin", password="old-secret")
    s2.get_schema("ietf-inet-types")   # its hello is done: it counts
    s3 = unix_session(b)
    r = s3.rpc('<get-schema xmlns="urn:ietf:params:xml:ns:yang:'
               'ietf-netconf-monitoring"><identifier>ietf-inet-types'
               '</identifier></get-schema>')
    check("<error-tag>resource-denied</error-tag>" in r and
          "max-sessions 2" in r, r[:300])
    check(s3.closed_within(2), "the third session stays open")
    s1.close()
    time.sleep(0.3)
    s4 = unix_session(b)
    r = s4.rpc('<get-schema xmlns="urn:ietf:params:xml:ns:yang:'
               'ietf-netconf-monitoring"><identifier>ietf-inet-types'
               '</identifier></get-schema>')
    check("module ietf-inet-types" in r, "after a close: %s" % r[:200])
    s4.close()
    s2.close_session()


def idle_timeout():
    s = unix_session(b)
    t0 = time.monotonic()
    check(s.closed_within(6), "still open after 6 s")
    dt = time.monotonic() - t0
    check(1.5 < dt < 4.5, "closed after %.1f s (idle-timeout 2)" % dt)
    check(b.wait_log(r"session %d ended: idle timeout" % s.session_id),
          "no log line")


def hello_timeout():
    c = socket.socket(socket.AF_UNIX)
    c.connect(b.sock)
    c.settimeout(6)
    t0 = time.monotonic()
    data = b""
    try:
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    dt = time.monotonic() - t0
    check(b"<hello" in data and 1.5 < dt < 4.5,
          "closed after %.1f s (hello-timeout 2)" % dt)


def as_nobody(code):
    return subprocess.run([sys.executable, "-c", code], user=65534,
                          group=65534, capture_output=True, text=True,
                          timeout=15, cwd="/")


def unix_uid_mapping():
    os.chmod(b.sock, 0o666)    # the test opens it to others on purpose
    code = ("import socket; s = socket.socket(socket.AF_UNIX); "
            "s.connect(%r); s.settimeout(5); print(s.recv(100)[:6])" % b.sock)
    r = as_nobody(code)
    check("b'<hello'" in r.stdout, "nobody (a configured user): %s %s"
          % (r.stdout, r.stderr))
    # uid 65534 is "nobody" by its passwd name; remove the user: refused
    reload_b("max-sessions 2\nidle-timeout 2\nhello-timeout 2\n"
             "user admin password %s uid 0\n" % OLD)
    r = as_nobody(code)
    check("b''" in r.stdout, "an unknown uid got: %s %s" % (r.stdout,
                                                            r.stderr))
    check(b.wait_log(r"uid 65534 is not a configured user"), "no log line")


def reload_b(body):
    n = b.log_text().count("configuration reloaded")
    write_conf(B_CONF, B_PORT, body)
    b.signal(signal.SIGHUP)
    end = time.time() + 5
    while b.log_text().count("configuration reloaded") == n:
        check(time.time() < end, "no reload")
        time.sleep(0.05)


case("max-sessions 2: a third session gets resource-denied and is closed; "
     "after a close a new one works", max_sessions, b)
case("idle-timeout 2: a session without RPCs is closed after 2 s",
     idle_timeout, b)
case("hello-timeout 2: a client that sends no hello is closed after 2 s",
     hello_timeout, b)
if os.getuid() == 0:
    case("UNIX socket: a uid maps to the user of its login name; an uid "
         "that is no user is refused", unix_uid_mapping, b)
else:
    print("skip - UNIX uid mapping: needs root to connect as nobody")
rc = b.stop()
case("SIGTERM: exit status 0 (limits daemon)", lambda: check(rc == 0, rc))


# ---- configurations refused at start ----
def refused(body, want, args=()):
    conf = os.path.join(T, "bad.conf")
    write_conf(conf, free_port(), body)
    r = subprocess.run([DAEMON, "-f", "-d", os.path.join(T, "bad"), "-c",
                        conf, "--snmp", "none"] + list(args),
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 1 and want in r.stderr,
          "exit %d: %s" % (r.returncode, r.stderr.strip()[-300:]))


def busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        refused("user admin password %s\n" % OLD, "cannot listen on",
                ["--ssh", "127.0.0.1:%d" % port])
    finally:
        s.close()


case("a listener without users is refused at start, saying so",
     lambda: refused("", "no user with a password or an SSH key"))
case("TLS without certificates is refused at start, saying so",
     lambda: refused("user admin password %s\nnetconf-tls 127.0.0.1:%d\n"
                     % (OLD, free_port()), "needs tls-certificate"))
case("a port in use: the start fails, saying so", busy_port)
finish()
