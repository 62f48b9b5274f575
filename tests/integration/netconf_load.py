"""NETCONF under load on the demo profile: 64 sessions at once over SSH,
TLS and the UNIX socket; the CPU of idle sessions; silent TCP clients that
must not delay anyone else's connect and hello."""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (Daemon, case, check, diag, finish, nc_ssh,  # noqa: E402
                   ncclient_tick, tls_session, tmpdir, unix_session)

GET_SCHEMA = ('<get-schema xmlns="urn:ietf:params:xml:ns:yang:'
              'ietf-netconf-monitoring"><identifier>ietf-inet-types'
              '</identifier></get-schema>')

T = tmpdir()
d = Daemon(os.path.join(T, "state")).start()
HZ = os.sysconf("SC_CLK_TCK")


def parallel(n, fn, threads=16):
    """fn(i) for i < n on a few threads; the results, or the exceptions."""
    out = [None] * n
    lock = threading.Lock()
    todo = list(range(n))

    def run():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            try:
                out[i] = fn(i)
            except Exception as e:  # noqa: BLE001 - reported by the caller
                out[i] = e
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def open_session(i):
    kind = ("ssh", "tls", "unix")[i % 3]
    if kind == "ssh":
        return nc_ssh(d)
    return tls_session(d) if kind == "tls" else unix_session(d)


def ask(s):
    if hasattr(s, "get_schema"):
        return s.get_schema("ietf-inet-types").data
    return s.rpc(GET_SCHEMA)


def close(s):
    if hasattr(s, "close_session"):
        s.close_session()
    else:
        s.close()


def sessions_64():
    sessions = parallel(64, open_session)
    try:
        bad = [s for s in sessions if isinstance(s, Exception)]
        check(not bad, "%d of 64 did not open: %s" % (len(bad), bad[:1]))
        # all 64 open at once: each one answers
        replies = parallel(64, lambda i: ask(sessions[i]))
        good = [r for r in replies if isinstance(r, str) and
                "module ietf-inet-types" in r]
        check(len(good) == 64, "%d of 64 answered: %s" % (
            len(good), [r for r in replies if r not in good][:1]))
    finally:
        parallel(64, lambda i: isinstance(sessions[i], Exception) or
                 close(sessions[i]))


def idle_cpu():
    sessions = [nc_ssh(d) for _ in range(4)]
    sessions += [tls_session(d) for _ in range(3)]
    sessions += [unix_session(d) for _ in range(3)]
    try:
        time.sleep(1.5)
        a, t0 = d.cpu_ticks(), time.time()
        time.sleep(5)
        b, t1 = d.cpu_ticks(), time.time()
        share = (b - a) / HZ / (t1 - t0)
        diag("idle CPU with 10 sessions: %d ticks in %.1f s = %.2f%% of a "
             "core" % (b - a, t1 - t0, share * 100))
        check(share < 0.01, "%.2f%% of a core" % (share * 100))
        for s in sessions:
            ask(s)      # still there
    finally:
        for s in sessions:
            close(s)


def silent(port, n):
    """n TCP clients that connect and say nothing."""
    out = []
    for _ in range(n):
        out.append(socket.create_connection(("127.0.0.1", port), 5))
    time.sleep(0.3)     # acceptors took them
    return out


def timed(fn):
    t0 = time.monotonic()
    s = fn()
    dt = time.monotonic() - t0
    close(s)
    return dt


def ssh_hello():
    m = nc_ssh(d)
    check(m.connected and m.session_id, "no session")
    return m


def tls_hello():
    s = tls_session(d)
    check(s.session_id, "no session")
    return s


def silent_one():
    base = min(timed(ssh_hello) for _ in range(2))
    quiet = silent(d.ssh_port, 1)
    try:
        dt = timed(ssh_hello)
    finally:
        for s in quiet:
            s.close()
    diag("SSH connect+hello: %.3f s alone, %.3f s beside a silent client"
         % (base, dt))
    check(dt < 0.8, "%.3f s" % dt)


def silent_several():
    quiet = silent(d.ssh_port, 4) + silent(d.tls_port, 2)
    try:
        ssh_dt = timed(ssh_hello)
        tls_dt = timed(tls_hello)
        unix_dt = timed(lambda: unix_session(d))
    finally:
        for s in quiet:
            s.close()
    diag("beside 6 silent clients: SSH %.3f s, TLS %.3f s, UNIX %.3f s"
         % (ssh_dt, tls_dt, unix_dt))
    check(max(ssh_dt, tls_dt, unix_dt) < 0.8,
          "SSH %.3f s, TLS %.3f s, UNIX %.3f s" % (ssh_dt, tls_dt, unix_dt))


case("64 sessions at once (SSH, TLS, UNIX): every one answers",
     sessions_64, d)
case("10 idle sessions cost under 1% of a core (5 s of /proc/PID/stat)",
     idle_cpu, d)
ncclient_tick(0.005)    # ncclient's own 0.1 s poll would be measured
case("a silent TCP client delays no SSH connect+hello (under 0.8 s)",
     silent_one, d)
case("6 silent TCP clients (SSH, TLS) delay no SSH, TLS or UNIX hello",
     silent_several, d)
ncclient_tick(0.1)
rc = d.stop()
case("SIGTERM after the load: exit status 0", lambda: check(rc == 0,
                                                            "status %s" % rc))
finish()
