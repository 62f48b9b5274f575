"""Notifications through the NETCONF session layer: ncs_harness (the layer
of secagentd with a dispatcher that floods every subscriber) against
ncclient, OpenSSH and raw UNIX clients that subscribe, read, stop reading
and die in the middle of the stream."""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (BUILD, SRC, Daemon, case, check, crypt_hash,  # noqa
                   diag, finish, free_port, nc_ssh, tmpdir, unix_session)

HARNESS = os.path.join(BUILD, "tests", "helpers", "ncs_harness")
IETF = "/usr/share/yuma/modules"
SUBSCRIBE = ('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:'
             'notification:1.0"/>')
HELLO = ('<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
         '<capabilities><capability>urn:ietf:params:netconf:base:1.0'
         '</capability></capabilities></hello>]]>]]>')

T = tmpdir()
hostkey = os.path.join(T, "hostkey")
subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey],
               check=True)
clientkey = os.path.join(T, "client")
subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                clientkey], check=True)
with open(clientkey + ".pub") as f:
    pub = " ".join(f.read().split()[:2])
port = free_port()
conf = os.path.join(T, "harness.conf")
with open(conf, "w") as f:
    f.write("netconf-ssh 127.0.0.1:%d\nssh-host-key %s\nnetconf-unix %s\n"
            "hello-timeout 5\nidle-timeout 0\n"
            'user admin password %s uid 0 ssh-key "%s"\n'
            % (port, hostkey, os.path.join(T, "h.sock"),
               crypt_hash("pw"), pub))
d = Daemon(T, demo=False)
d.cmd = [HARNESS, conf, os.path.join(BUILD, "yang"), os.path.join(SRC, "yang"),
         IETF + "/ietf", IETF + "/ietf-derived", IETF + "/netconfcentral"]
d.ssh_port = port
d.sock = os.path.join(T, "h.sock")
d.logfile = os.path.join(T, "harness.log")
d.start()


def subscriber():
    s = unix_session(d)
    reply = s.rpc(SUBSCRIBE)
    check("<ok/>" in reply, "create-subscription: %s" % reply[:200])
    return s


def reply_first():
    s = unix_session(d)
    first = s.rpc(SUBSCRIBE)
    check(first.startswith("<rpc-reply") and "<ok/>" in first,
          "the first message after create-subscription: %s" % first[:200])
    for _ in range(5):
        m = s.read()
        check("<notification" in m and "netconf-session-start" in m,
              m[:200])
    s.close()


def ncclient_notifications():
    with nc_ssh(d, password="pw") as m:
        m.create_subscription()
        n = m.take_notification(timeout=5)
        check(n is not None and "netconf-session-start" in
              n.notification_xml, "no notification in 5 s")


def rst(s):
    s.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                   struct.pack("ii", 1, 0))
    s.close()


def close_session(s):
    s.send('<rpc message-id="99" xmlns="urn:ietf:params:xml:ns:netconf:'
           'base:1.0"><close-session/></rpc>')
    while True:      # notifications, then the reply
        m = s.read()
        if m.startswith("<rpc-reply"):
            check("<ok/>" in m, m[:200])
            break
    s.close()


def openssh_subscriber():
    p = subprocess.Popen(
        ["ssh", "-q", "-i", clientkey, "-p", str(port), "-o", "BatchMode=yes",
         "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "admin@127.0.0.1", "-s",
         "netconf"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    p.stdin.write((HELLO + '<rpc message-id="1" xmlns="urn:ietf:params:xml:'
                   'ns:netconf:base:1.0">' + SUBSCRIBE + '</rpc>]]>]]>')
                  .encode())
    p.stdin.flush()
    return p


def dying_subscribers():
    for rnd in range(4):
        subs = [subscriber() for _ in range(9)]
        sshs = [openssh_subscriber() for _ in range(3)]
        for s in subs:
            check("<notification" in s.read(), "no notification")
        for p in sshs:   # read until a notification flows, then SIGKILL
            out = b""
            end = time.time() + 10
            while b"<notification" not in out and time.time() < end:
                out += os.read(p.stdout.fileno(), 65536)
            check(b"<notification" in out, "ssh: %s" % out[-200:])
            p.kill()
            p.wait()
        for i, s in enumerate(subs):
            (rst, lambda x: x.close(), close_session)[i % 3](s)
        check(d.alive(), "round %d: the harness died" % rnd)
    s = subscriber()
    check("<notification" in s.read(), "a new subscriber gets nothing")
    s.close()


def stuck_reader():
    # more subscribers that read nothing than there are workers
    stuck = [subscriber() for _ in range(20)]
    time.sleep(2)           # their socket buffers are full
    s = subscriber()
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 1:
        check("<notification" in s.read(), "not a notification")
        n += 1
    diag("beside 20 subscribers that read nothing: %d notifications in 1 s"
         % n)
    check(n >= 50, "only %d notifications in 1 s" % n)
    fresh = unix_session(d)
    check(fresh.session_id, "no new session")
    fresh.close()
    s.close()
    d.stuck = stuck


def sessions_and_stats():
    with nc_ssh(d, password="pw") as m:
        u = unix_session(d)
        u.rpc('<nonsense xmlns="urn:example:none"/>')
        for _ in range(3):
            u.rpc('<get-schema xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf'
                  '-monitoring"><identifier>x</identifier></get-schema>')
        time.sleep(0.3)     # counted after the reply is out
        n = d.log_text().count("stats in-sessions")
        d.signal(signal.SIGUSR1)
        check(d.wait_log(r"(?s)(stats in-sessions.*){%d}" % (n + 1)),
              "no state printed")
        text = d.log_text()
        ssh = re.findall(r"session %s user admin transport netconf-ssh host "
                         r"127.0.0.1 in-rpcs 0 " % m.session_id, text)
        unix = re.findall(r"session %d user admin transport unix host - "
                          r"in-rpcs 3 in-bad-rpcs 1 out-rpc-errors (\d+)"
                          % u.session_id, text)
        check(ssh and unix and int(unix[-1]) == 4,
              "sessions: %s" % re.findall(r"session \d+ user .*", text)[-2:])
        st = re.findall(r"stats in-sessions (\d+) dropped-sessions \d+ "
                        r"in-rpcs (\d+) in-bad-rpcs (\d+)", text)[-1]
        check(int(st[0]) >= 2 and int(st[1]) >= 3 and int(st[2]) >= 1,
              "stats: %s" % (st,))
        u.close()


case("ncs_foreach and ncs_get_stats: users, transports, counters",
     sessions_and_stats, d)
case("create-subscription: the <ok/> comes first, then notifications",
     reply_first, d)
case("ncclient over SSH: create_subscription, take_notification",
     ncclient_notifications, d)
case("subscribers die mid-stream (RST, close, close-session, ssh killed): "
     "the server lives on", dying_subscribers, d)
case("20 subscribers that read nothing hold up no other session",
     stuck_reader, d)
t0 = time.monotonic()
rc = d.stop()
dt = time.monotonic() - t0
case("SIGTERM with a blocked subscriber: exit 0 within 10 s",
     lambda: check(rc == 0 and dt < 10, "status %s after %.1f s" % (rc, dt)))
if d.logfile and os.path.exists(d.logfile):
    tail = [ln for ln in d.log_text().splitlines() if "queued" in ln]
    diag(tail[-1] if tail else "no counters")
finish()
