#!/usr/bin/python3
"""The cap of the Invalid list in the real daemon: invalid-max in
secagentd.conf (taken on SIGHUP), TLS peers (openssl s_server) beyond it,
the oldest by last-seen evicted, the eviction counter over NETCONF
(certificates/invalid-evictions) and SNMP (secInvalidCertEvictions), and
the evictions still there after kill -9."""
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

from ncclient.xml_ import to_ele  # noqa: E402

SEC = '<security xmlns="%s">%%s</security>' % NS
EVICTIONS_OID = "1.3.6.1.4.1.32473.1.1.1.10.0"
N = 5
MAX = 3


def invalid_fps(m):
    r = m.get(filter=("subtree", SEC % "<certificates><invalid-certificate>"
                      "<fingerprint/></invalid-certificate></certificates>"))
    return {e.text for e in r.data_ele.iter("{%s}fingerprint" % NS)}


def evictions_nc(m):
    r = m.get(filter=("subtree", SEC % "<certificates><invalid-evictions/></certificates>"))
    e = list(r.data_ele.iter("{%s}invalid-evictions" % NS))
    return e[0].text if e else None


def wait_log(a, text, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if text in a.logtail(20000):
            return True
        time.sleep(0.05)
    return False


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("the cap of the Invalid list", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-cap.")
    root = make_cert(tmp, "factory-root", ca=True)[0]
    peers = [make_cert(tmp, "peer%d" % i) for i in range(N)]
    servers = [s_server(tmp, pem, pem[:-4] + ".key") for pem, _, _ in peers]
    snmp = free_port()
    a = Agent(extra=["--factory-bundle", root, "--snmp", "udp:127.0.0.1:%d" % snmp])
    try:
        with open(os.path.join(a.dir, "secagentd.conf"), "a") as f:
            f.write("invalid-max %d\n" % MAX)
        a.proc.send_signal(signal.SIGHUP)
        check("invalid-max is read on SIGHUP", wait_log(a, "configuration reloaded"),
              a.logtail())
        m = a.connect()
        check("no eviction yet: invalid-evictions 0 over NETCONF", evictions_nc(m) == "0",
              evictions_nc(m))
        for i, (p, port) in enumerate(servers):
            if i > 0:
                time.sleep(1.1)	# last-seen has a resolution of a second
            m.dispatch(to_ele('<check-server xmlns="%s"><address>127.0.0.1:%d</address>'
                              '</check-server>' % (NS, port)))
        fps = invalid_fps(m)
        want = {fp for _, _, fp in peers[N - MAX:]}
        check("%d peers refused, %d kept: the newest by last-seen" % (N, MAX), fps == want,
              "%s, want %s" % (sorted(fps), sorted(want)))
        check("invalid-evictions over NETCONF counts %d" % (N - MAX),
              evictions_nc(m) == str(N - MAX), evictions_nc(m))
        rc, vals = snmp_get(snmp, EVICTIONS_OID)
        check("secInvalidCertEvictions over SNMP is a Counter64 of %d" % (N - MAX),
              rc == 0 and vals.get(EVICTIONS_OID) == str(N - MAX), vals)
        m.close_session()
        a.stop(signal.SIGKILL)
        a.start()
        m = a.connect()
        check("after kill -9 the list is as it was", invalid_fps(m) == want,
              sorted(invalid_fps(m)))
        m.close_session()
    finally:
        check("the daemon is alive", a.alive(), a.logtail())
        a.cleanup()
        for p, _ in servers:
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
