"""NETCONF limits against hostile clients, in the real daemon:
max-message-size (a huge NETCONF 1.1 chunk, a chunk header past 2^64, an
endless 1.0 message, a large RPC from ncclient over SSH: each answered
with rpc-error too-big naming the request, the session closed, the daemon
serving the next) and max-unauthenticated-per-source (silent TCP
connections from 127.0.0.1 to the SSH and TLS ports: all but the allowed
few closed at once, 127.0.0.2 still logs in)."""
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (Daemon, RawSession, case, check, finish, nc_ssh,  # noqa: E402
                   tls_context, tmpdir, unix_session)

NS_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
MAX = 1 << 20           # max-message-size in this test
PER_SOURCE = 2          # max-unauthenticated-per-source in this test

T = tmpdir()
d = Daemon(os.path.join(T, "state")).start()
with open(os.path.join(d.dir, "secagentd.conf"), "a") as f:
    f.write("max-message-size %d\nmax-unauthenticated-per-source %d\n" %
            (MAX, PER_SOURCE))
d.signal(signal.SIGHUP)
d.wait_log("configuration reloaded")


def read_reply(s, secs=10):
    """The next message of a raw session in either framing, or None."""
    s.s.settimeout(secs)
    end = time.time() + secs
    while time.time() < end:
        m = re.search(rb"\n#(\d+)\n", s.buf)
        if b"]]>]]>" in s.buf:
            return s.buf.split(b"]]>]]>", 1)[0].decode(errors="replace")
        if m and len(s.buf) >= m.end() + int(m.group(1)):
            return s.buf[m.end():m.end() + int(m.group(1))].decode(errors="replace")
        try:
            data = s.s.recv(65536)
        except (socket.timeout, TimeoutError, OSError):
            return None
        if not data:
            return None
        s.buf += data
    return None


def too_big(reply, msgid):
    return (reply is not None and "<error-tag>too-big</error-tag>" in reply and
            'message-id="%s"' % msgid in reply)


def tls_raw(base11, source="127.0.0.1"):
    raw = socket.create_connection(("127.0.0.1", d.tls_port), 10, (source, 0))
    return RawSession(tls_context(d).wrap_socket(raw, server_hostname="localhost"),
                      10, base11)


def serves_next():
    s = unix_session(d)
    r = s.rpc("<get-config><source><running/></source></get-config>")
    s.close()
    check("<data" in r, "the next session: %s" % r[:200])
    check(d.alive(), "the daemon died")


def chunk_huge(opener):
    def run():
        s = opener(True)
        head = ('<rpc message-id="42" xmlns="%s"><edit-config><target><running/>'
                '</target><config>' % NS_BASE).encode()
        # a first chunk, then one announced far beyond the limit
        s.s.sendall(b"\n#%d\n%s\n#4294967295\n" % (len(head), head) + b" " * 4096)
        r = read_reply(s)
        check(too_big(r, 42), "reply: %r" % r)
        check(s.closed_within(5), "the session stays open")
        s.close()
        serves_next()
    return run


def chunk_overflow():
    s = unix_session(d, base11=True)
    # strtoul saturates: libnetconf2 alone would malloc(0) and read into it
    s.s.sendall(b"\n#18446744073709551615\n<rpc message-id=\"9\" xmlns=\"%s\">"
                % NS_BASE.encode() + b"A" * 65536)
    r = read_reply(s)
    check(too_big(r, 9), "reply: %r" % r)
    check(s.closed_within(5), "the session stays open")
    s.close()
    serves_next()


def endless_10(opener):
    def run():
        s = opener(False)
        s.s.sendall(('<rpc message-id="7" xmlns="%s"><get-config><source>'
                     '<running/></source><filter>' % NS_BASE).encode())
        sent, err = 0, None
        block = b"<!-- " + b"x" * 65000 + b" -->"
        try:
            while sent < 4 * MAX:
                s.s.sendall(block)
                sent += len(block)
        except OSError as e:    # the server closed: fine
            err = e
        r = read_reply(s)
        check(too_big(r, 7), "reply after %d bytes (%s): %r" % (sent, err, r))
        check(s.closed_within(5), "the session stays open")
        s.close()
        serves_next()
    return run


def ncclient_big():
    from ncclient.operations import RPCError
    from ncclient.xml_ import to_ele
    m = nc_ssh(d)
    big = "x" * (2 * MAX)
    try:
        m.dispatch(to_ele('<check-server xmlns="urn:secagent:yang:secagent-security">'
                          '<address>%s</address></check-server>' % big))
        check(False, "a 2 MiB RPC was answered")
    except RPCError as e:
        check(e.tag == "too-big", "RPCError %s: %s" % (e.tag, e.message))
    end = time.time() + 10
    while m.connected and time.time() < end:
        time.sleep(0.05)
    check(not m.connected, "the SSH session stays open")
    serves_next()
    # and below the limit a large message is fine
    m = nc_ssh(d)
    r = m.get_config(source="running", filter=("subtree", "<security xmlns="
                     "\"urn:secagent:yang:secagent-security\"/>" + " " * (MAX // 2)))
    check(r.ok, "a message of half the limit")
    m.close_session()


def silent_from(port, n, source="127.0.0.1"):
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), 5, (source, 0))
        s.setblocking(False)
        out.append(s)
    return out


def closed_by_server(socks, secs):
    """How many of socks the server closed within secs (bounded)."""
    closed = set()
    end = time.time() + secs
    while time.time() < end and len(closed) < len(socks):
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(65536, socket.MSG_DONTWAIT) == b"":
                    closed.add(i)       # EOF; data (an SSH banner) is not
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.05)
    return len(closed)


def per_source(port, login):
    def run():
        socks = silent_from(port, 12)
        try:
            n = closed_by_server(socks, 3)
            check(n == 12 - PER_SOURCE, "%d of 12 silent connections closed "
                  "by the daemon, want %d" % (n, 12 - PER_SOURCE))
            extra = silent_from(port, 1)[0]
            check(closed_by_server([extra], 2) == 1,
                  "a new connection from the same address is not refused")
            extra.close()
            t0 = time.monotonic()
            login("127.0.0.2")
            check(time.monotonic() - t0 < 8, "the login from 127.0.0.2 waited")
        finally:
            for s in socks:
                s.close()
        # the silent ones gone, 127.0.0.1 is served again
        end = time.time() + 10
        while time.time() < end:
            try:
                login("127.0.0.1")
                break
            except Exception:  # still refused: the handshakes end
                time.sleep(0.2)
        login("127.0.0.1")
        check(d.alive(), "the daemon died")
    return run


def ssh_login(source):
    from ncclient import manager
    m = manager.connect(host="127.0.0.1", port=d.ssh_port, username="admin",
                        password="secagent-demo", hostkey_verify=False,
                        allow_agent=False, look_for_keys=False, timeout=8,
                        bind_addr=source)
    m.close_session()


def tls_login(source):
    s = tls_raw(False, source)
    check(s.session_id, "no session")
    s.close()


case("a 1.1 chunk announced beyond max-message-size (UNIX): too-big with the "
     "message-id, closed", chunk_huge(lambda b11: unix_session(d, base11=b11)), d)
case("a 1.1 chunk announced beyond max-message-size (TLS): too-big with the "
     "message-id, closed", chunk_huge(tls_raw), d)
case("a chunk header of 18446744073709551615: too-big, closed", chunk_overflow, d)
case("an endless 1.0 message (TLS): too-big after max-message-size, closed",
     endless_10(tls_raw), d)
case("an endless 1.0 message (UNIX): too-big, closed",
     endless_10(lambda b11: unix_session(d, base11=b11)), d)
case("ncclient over SSH: a 2 MiB RPC gets RPCError too-big and the session "
     "ends; half the limit passes", ncclient_big, d)
case("12 silent connections from 127.0.0.1 to SSH: %d held, the rest closed "
     "at once; 127.0.0.2 logs in" % PER_SOURCE, per_source(d.ssh_port, ssh_login), d)
case("the same on the TLS port", per_source(d.tls_port, tls_login), d)
check_log = d.log_text()
case("the daemon logs the refusals and the too-big sessions",
     lambda: check("max-unauthenticated-per-source" in check_log and
                   "over max-message-size" in check_log, check_log[-2000:]), d)
d.stop()
finish()
