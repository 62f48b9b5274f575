#!/usr/bin/python3
"""kill -9 of secagentd during a stream of NETCONF edits: every edit that
was answered <ok/> is there after the restart, and the store loads."""
import base64
import os
import random
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

SEC = '<security xmlns="%s">%%s</security>' % NS
ROUNDS = 8


def stream(agent, certs, acked, stop):
    """Creates Server entries one edit at a time until the daemon dies."""
    try:
        m = agent.connect()
    except Exception:
        return
    for fp, der in certs:
        if stop.is_set():
            return
        try:
            m.edit_config(target="running", config=config(SEC % (
                "<certificates><server-certificate><fingerprint>%s</fingerprint>"
                "<cert-data>%s</cert-data></server-certificate></certificates>"
                % (fp, base64.b64encode(der).decode()))))
        except Exception:
            return
        acked.append(fp)   # answered <ok/>: it must survive


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("kill -9 during edits", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-kill.")
    certs = [make_cert(tmp, "kill-%03d" % i)[1:] for i in range(ROUNDS * 25)]
    certs = [(fp, der) for der, fp in certs]
    a = Agent()
    acked, lost, rounds_ok = [], [], 0
    random.seed(os.getpid())
    try:
        for r in range(ROUNDS):
            stop = threading.Event()
            batch = certs[r * 25:(r + 1) * 25]
            t = threading.Thread(target=stream, args=(a, batch, acked, stop))
            t.start()
            time.sleep(random.uniform(0.05, 0.4))
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait()
            stop.set()
            t.join(30)
            a.start()
            rc, out, err = a.ctl("list", "server", "--json")
            if rc != 0:
                not_ok("round %d: the store loads after kill -9" % r, err)
                continue
            rounds_ok += 1
            lost += [fp for fp in acked if fp not in out]
        check("secagentd was killed with SIGKILL %d times and started again each time" % ROUNDS,
              rounds_ok == ROUNDS)
        check("every edit answered <ok/> survived (%d acknowledged)" % len(acked),
              len(acked) > 0 and not lost, "lost: %s" % lost[:3])
    finally:
        check("the daemon is alive at the end", a.alive(), a.logtail())
        a.cleanup()
    finish()


if __name__ == "__main__":
    main()
