#!/usr/bin/python3
"""The collection secagent.trust and the playbooks of contrib/ansible against
a fleet of 20 secagentd on loopback, with Debian's Ansible (forks 20).

The collection is built with ansible-galaxy collection build and installed
into a temporary path, as a user would; ansible-doc documents each module.
The agents start with a factory bundle the test makes: one valid root and
one that expired 30 days ago (in Invalid, reason expired, from the start).

Checked: --check --diff reports what would change (certificates added and
removed by fingerprint and subject, the flags, the password only as "set")
and changes nothing; push-policy.yml gives every agent the policy (read
back over SNMP as an NMS sees it; the password proven by a digest fetch
from lighttpd); a second run and a second --check report changed=0;
collect-report.yml reports the Invalid list (reason, peer) and the
certificates nearing expiry; with one agent stopped in the middle, it is
reported unreachable with the reason and the others take a new policy; an
agent whose running another session locks fails and keeps its settings; an
agent whose connection breaks right after the confirmed commit (a proxy
cuts it) rolls back by itself and the module says so; the certificate
module accepts, rejects and removes one certificate, idempotently; no
output ever holds a password."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import (BUILD, NS, check, config, finish, free_port, make_cert,  # noqa: E402
                      not_ok, ok, skip)
import fleet_lib as fl  # noqa: E402

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

N = max(8, int(os.environ.get("SECAGENT_FLEET_AGENTS", "20")))
USER, PASS = "fleet-0142", "Pw-7&<x>'\"-fleet"   # XML-special characters on purpose
USER2, PASS2 = "fleet-0143", "second-secret-pw"
FP = re.compile(r"<fingerprint>([0-9a-f]{64})</fingerprint>")


def policy_of(a):
    """(CA fingerprints, accept-all, username, server fingerprints) over NETCONF."""
    with a.connect() as m:
        x = m.get_config(source="running", filter=("subtree", fl.sec(
            "<certificates><accept-all-certificates/><ca-certificate><fingerprint/>"
            "</ca-certificate><server-certificate><fingerprint/></server-certificate>"
            "</certificates><http-authentication><username/></http-authentication>"))).data_xml
        cas = set(FP.findall(x.split("<server-certificate>")[0]))
        servers = set(FP.findall("".join(x.split("<server-certificate>")[1:])))
        aa = "<accept-all-certificates>true<" in x
        u = re.search(r"<username>([^<]*)</username>", x)
        return cas, aa, u.group(1) if u else None, servers


def provision_now(a, url):
    """provision-now from url: None on success, else the error message."""
    with a.connect() as m:
        m.edit_config(target="running", config=config(fl.sec(
            "<provisioning><server-url>%s</server-url></provisioning>" % url)))
        try:
            m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
            return None
        except RPCError as e:
            return e.message


def results(run, host):
    """The task results of host in a JSON-callback run, in order."""
    out = []
    for play in run.doc.get("plays", []):
        for t in play.get("tasks", []):
            r = t.get("hosts", {}).get(host)
            if r is not None:
                out.append(r)
    return out


class CutProxy:
    """A TCP proxy to an agent that cuts the connection the moment the agent
    answers while it holds a confirmed commit that awaits confirmation
    (STATE_DIR/confirmed-commit.xml exists): the answer to the confirmed
    commit never reaches the client, and the agent sees its session end."""

    def __init__(self, port, marker):
        self.port, self.marker = port, marker
        self.cuts = 0
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.listen = self.lsock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.port))
            threading.Thread(target=self.pump, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, True), daemon=True).start()

    def pump(self, src, dst, from_agent):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_agent and os.path.exists(self.marker):
                    self.cuts += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self):
        self.lsock.close()


def doc_checks(tmp):
    """ansible-doc of each module of the installed collection."""
    env = fl.ansible_env(tmp)
    for m in ("policy", "facts", "certificate"):
        r = subprocess.run(["ansible-doc", "secagent.trust." + m], env=env, capture_output=True,
                           text=True, timeout=120)
        check("ansible-doc secagent.trust.%s documents it (options, examples, return values)" % m,
              r.returncode == 0 and "SECAGENT.TRUST.%s" % m.upper() in r.stdout and
              "OPTIONS" in r.stdout and "EXAMPLES" in r.stdout and
              "RETURN VALUES" in r.stdout and "connection: local" in r.stdout,
              (r.stderr or r.stdout)[-400:])


def certificate_play(tmp, state, fp, check_mode=False):
    """A playbook of one secagent.trust.certificate task on agent02."""
    path = os.path.join(tmp, "cert-%s.yml" % state)
    with open(path, "w") as f:
        json.dump([{"hosts": "agent02", "gather_facts": False, "tasks": [{
            "secagent.trust.certificate": {"fingerprint": fp, "state": state},
            "check_mode": check_mode}]}], f)
    return path


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("fleet over Ansible", "secagentd is not built")
        finish()
    if shutil.which("ansible-playbook") is None:
        skip("fleet over Ansible", "ansible-playbook is not installed (Debian: ansible)")
        finish()
    if not fl.have_lighttpd():
        skip("fleet over Ansible", "lighttpd with mod_openssl is not installed")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-fleet.")
    fleet, servers, holder, proxy = [], [], None, None
    outputs = []
    try:
        path, why = fl.build_collection(tmp)
        if not check("the collection is built and installed with ansible-galaxy", path, why):
            finish()
        doc_checks(tmp)

        # the PKI: the fleet's root (the provisioning server chains to it), a
        # CA that expires in 10 days, certificates some agents hold already
        (fvalid, fvalid_fp), (fexpired, fexpired_fp), factory = fl.factory_bundle(tmp)
        root, _, root_fp = make_cert(tmp, "fleet-root", ca=True)
        soon, _, soon_fp = make_cert(tmp, "fleet-soon", ca=True, days=10)
        web = make_cert(tmp, "fleet-web", issuer="fleet-root")[0]
        extra_ca = make_cert(tmp, "old-ca", ca=True)[0]
        pinned, _, pinned_fp = make_cert(tmp, "pinned")
        stranger, _, stranger_fp = make_cert(tmp, "stranger")
        bundle = os.path.join(tmp, "bundle.pem")
        with open(bundle, "w") as f:
            f.write(open(root).read() + open(soon).read())
        bundle2 = os.path.join(tmp, "bundle2.pem")
        shutil.copy(root, bundle2)

        www = os.path.join(tmp, "www")
        os.mkdir(www)
        with open(os.path.join(www, "fleet.xml"), "w") as f:
            f.write('<provisioning version="1.1" productID="e2"><nvm>'
                    '<param name="SomeOther.global.Thing" value="x"/></nvm></provisioning>')
        userfile = os.path.join(tmp, "htdigest")
        fl.htdigest(userfile, USER, PASS)
        fl.htdigest(userfile, USER2, PASS2)
        wport = free_port()
        servers.append(fl.lighttpd(tmp, "web", wport, web,
                                   os.path.join(tmp, "fleet-web.key"), www, userfile))
        url = "https://127.0.0.1:%d/fleet.xml" % wport
        sport = free_port()
        servers.append(subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:%d" % sport, "-cert", stranger,
             "-key", os.path.join(tmp, "stranger.key"), "-quiet", "-www"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        fl.wait_port(sport)

        t0 = time.time()
        fleet = fl.start_fleet(tmp, N, lambda i: ["--factory-bundle", factory], snmp=True)
        ok("%d agents listen on their own ports (%.1f s)" % (N, time.time() - t0))
        names = [a.name for a in fleet]
        inv = fl.inventory(os.path.join(tmp, "inventory.yml"), fleet,
                           secagent_ca_bundle=bundle, secagent_accept_all=False,
                           secagent_http_username=USER, secagent_http_password=PASS)

        # ---- the factory defaults, read with the facts module ----
        report = os.path.join(tmp, "report.json")
        r = fl.playbook(tmp, "collect-report.yml", inv,
                        extra=["-e", "secagent_report_file=" + report])
        outputs.append(r)
        facts = {h: (results(r, h) or [{}])[0].get("ansible_facts", {}).get("secagent")
                 for h in names}
        bad = [h for h, f in facts.items() if not f or
               [c["fingerprint"] for c in f["ca"]] != [fvalid_fp] or
               [(c["fingerprint"], c["reason"]) for c in f["invalid"]] !=
               [(fexpired_fp, "expired")]]
        check("secagent.trust.facts: each agent's factory root in CA, the expired one in "
              "Invalid with reason expired", not bad, "%s %s" % (bad[:2], r.why()))

        # what the fleet looks like before: not uniform
        a0, a1, a2 = fleet[0], fleet[1], fleet[2]
        a0.ctl("set", "accept-all-certificates", "true")
        a0.ctl("set", "http-username", "someone-else")
        a0.ctl("import", pinned)
        a1.ctl("import", extra_ca)
        rc, out, err = a2.ctl("check-server", "127.0.0.1:%d" % sport)
        check("agent02 records a stranger's certificate in Invalid",
              rc == 1 and "unknown-issuer" in out + err, out + err)
        before = {a.name: fl.snmp_policy(a) for a in fleet}

        # ---- check mode and diff: what would change, nothing changed ----
        r = fl.playbook(tmp, "push-policy.yml", inv, extra=["--check", "--diff"])
        outputs.append(r)
        check("--check --diff on %d agents (%.1f s): every one ok and reported changed" % (
              N, r.secs), r.rc == 0 and r.hosts(failures=0, unreachable=0, changed=1) == names,
              r.why())
        res0 = (results(r, "agent00") or [{}])[0]
        d = res0.get("diff", {})
        d = d[0] if isinstance(d, list) and d else d
        before0, after0 = d.get("before", ""), d.get("after", "")
        check("the diff shows the certificates added and removed by fingerprint and subject",
              ("%s  CN=fleet-root,O=secagent tests" % root_fp) in after0 and
              root_fp not in before0 and ("%s  CN=factory-valid" % fvalid_fp) in before0 and
              fvalid_fp not in after0, d)
        check("... the flags before and after, the password only as 'set'",
              "accept_all: true" in before0 and "accept_all: false" in after0 and
              "http_username: someone-else" in before0 and "http_username: %s" % USER in after0
              and "http_password: set" in after0, d)
        ch = res0.get("changes", {})
        check("... and the changes as data: ca_added, ca_removed, accept_all",
              sorted(c["fingerprint"] for c in ch.get("ca_added", [])) ==
              sorted([root_fp, soon_fp]) and
              [c["fingerprint"] for c in ch.get("ca_removed", [])] == [fvalid_fp] and
              ch.get("accept_all") == {"before": True, "after": False}, ch)
        after = {a.name: fl.snmp_policy(a) for a in fleet}
        check("check mode changed nothing (over SNMP)", after == before,
              [(h, before[h], after[h]) for h in names if before[h] != after[h]][:2])

        # ---- the push ----
        r = fl.playbook(tmp, "push-policy.yml", inv)
        outputs.append(r)
        check("push-policy.yml on %d agents (forks 20, %.1f s): every one ok and changed"
              % (N, r.secs),
              r.rc == 0 and r.hosts(failures=0, unreachable=0, changed=1) == names, r.why())
        bad = []
        for a in fleet:
            p = fl.snmp_policy(a)
            if p != ({root_fp, soon_fp}, False, USER):
                bad.append("%s: %s" % (a.name, p))
        check("all %d hold the same policy over SNMP (snmpwalk secCaCertTable, snmpget "
              "secAcceptAllCertificates, secHttpAuthUsername)" % N, not bad, "; ".join(bad[:3]))
        check("the CA that agent01 had beside the bundle is gone",
              policy_of(a1)[0] == {root_fp, soon_fp}, policy_of(a1))
        check("the Server list is left alone: agent00 keeps its pinned certificate",
              pinned_fp in fl.snmp_fingerprints(a0, fl.OID_SERVER_STATUS), policy_of(a0))
        left = [a.name for a in fleet
                if os.path.exists(os.path.join(a.dir, "confirmed-commit.xml"))]
        check("every confirmed commit was confirmed (no rollback point left)", not left, left)

        # the password: each agent fetches over HTTPS (trusting the pushed
        # root) with HTTP digest, which only the pushed password passes
        fails = []
        for a in fleet:
            why = provision_now(a, url)
            if why is not None:
                fails.append("%s: %s" % (a.name, why))
        check("all %d fetch from lighttpd over HTTPS with the pushed digest credentials" % N,
              not fails, "; ".join(fails[:3]))

        # ---- again: nothing to change ----
        r = fl.playbook(tmp, "push-policy.yml", inv)
        outputs.append(r)
        check("a second run reports nothing changed (changed=0 on all %d, %.1f s)" % (N, r.secs),
              r.rc == 0 and r.hosts(failures=0, unreachable=0, changed=0) == names, r.why())
        r = fl.playbook(tmp, "push-policy.yml", inv, extra=["--check", "--diff"])
        outputs.append(r)
        check("... and so does --check (%.1f s)" % r.secs,
              r.rc == 0 and r.hosts(failures=0, unreachable=0, changed=0) == names, r.why())

        # ---- the report ----
        r = fl.playbook(tmp, "collect-report.yml", inv,
                        extra=["-e", "secagent_report_file=" + report])
        outputs.append(r)
        try:
            doc = json.load(open(report))
            devs = {d["host"]: d for d in doc["devices"]}
        except (OSError, ValueError) as e:
            devs = {}
            not_ok("collect-report.yml writes the report", "%s %s" % (e, r.why()))
        if devs:
            check("collect-report.yml: one entry per device (%.1f s)" % r.secs,
                  r.rc == 0 and sorted(devs) == names, r.why())
            inv2 = devs.get("agent02", {}).get("invalid", [])
            check("the report lists agent02's Invalid certificates with reason and peer",
                  sorted((c["fingerprint"], c["reason"], c["peer"]) for c in inv2) ==
                  sorted([(stranger_fp, "unknown-issuer", "127.0.0.1:%d" % sport),
                          (fexpired_fp, "expired", None)]), inv2)
            exp = [[(c["fingerprint"], c["list"], c["days_to_expiry"])
                    for c in d.get("expiring", [])] for d in devs.values()]
            check("every device reports the CA expiring within 30 days, with days to expiry",
                  all(e == [(soon_fp, "ca", 9)] or e == [(soon_fp, "ca", 10)] for e in exp),
                  exp[:2])
            check("the CSV report has a row per certificate",
                  open(report[:-5] + ".csv").read().count("\n") == 1 + 2 * N + 1)

        # ---- one agent down in the middle, a new policy ----
        down = fleet[7]
        down.stop()
        fl.inventory(inv, fleet, secagent_ca_bundle=bundle2, secagent_accept_all=False,
                     secagent_http_username=USER2, secagent_http_password=PASS2)
        r = fl.playbook(tmp, "push-policy.yml", inv)
        outputs.append(r)
        others = [n for n in names if n != down.name]
        msg = " ".join(str(x.get("msg")) for x in results(r, down.name))
        check("with %s stopped: it is reported unreachable with the reason (%s)" % (
              down.name, msg[:160]),
              r.rc != 0 and r.hosts(unreachable=lambda c: c > 0) == [down.name] and
              "127.0.0.1:%d" % down.ssh in msg and "refused" in msg.lower(), r.why())
        check("... and the other %d are done (%.1f s)" % (N - 1, r.secs),
              r.hosts(failures=0, unreachable=0, changed=1) == others, r.why())
        bad = [a.name for a in fleet if a is not down and
               fl.snmp_policy(a) != ({root_fp}, False, USER2)]
        check("the other %d hold the new policy (over SNMP)" % (N - 1), not bad, bad)
        r = fl.playbook(tmp, "collect-report.yml", inv,
                        extra=["-e", "secagent_report_file=" + report])
        outputs.append(r)
        devs = {d["host"]: d for d in json.load(open(report))["devices"]}
        check("the report lists the stopped agent with the reason, the others read",
              "refused" in devs.get(down.name, {}).get("error", "").lower() and
              all("error" not in devs[n] for n in others) and len(devs) == N, r.why())

        # ---- a device whose running another session holds ----
        a3 = fleet[3]
        holder = a3.connect()
        holder.lock(target="running")
        fl.inventory(inv, fleet, secagent_ca_bundle=bundle, secagent_accept_all=True,
                     secagent_http_username=USER, secagent_http_password=PASS)
        r = fl.playbook(tmp, "push-policy.yml", inv, extra=["--limit", "agent03,agent04"])
        outputs.append(r)
        msgs = " ".join(r.messages("agent03"))
        check("a device locked by another session fails with the lock's holder (%s)" % msgs[:160],
              r.hosts(failures=lambda c: c > 0) == ["agent03"] and "lock" in msgs.lower(), r.why())
        holder.unlock(target="running")
        holder.close_session()
        holder = None
        check("... and keeps its settings; the other one takes the policy",
              policy_of(a3)[:3] == ({root_fp}, False, USER2) and
              policy_of(fleet[4])[:3] == ({root_fp, soon_fp}, True, USER),
              (policy_of(a3), policy_of(fleet[4])))

        # ---- the confirming step cannot be reached ----
        a5 = fleet[5]
        proxy = CutProxy(a5.ssh, os.path.join(a5.dir, "confirmed-commit.xml"))
        inv_cut = fl.inventory(os.path.join(tmp, "inventory-cut.yml"), fleet,
                               ports={a5.name: proxy.listen}, secagent_ca_bundle=bundle,
                               secagent_accept_all=True, secagent_http_username=USER,
                               secagent_http_password=PASS)
        r = fl.playbook(tmp, "push-policy.yml", inv_cut, extra=["--limit", "agent05,agent06"])
        outputs.append(r)
        msgs = " ".join(r.messages("agent05"))
        check("the session breaks off after the confirmed commit: the task fails and says "
              "the device rolls back by itself (%s)" % msgs[:200],
              proxy.cuts == 1 and r.hosts(failures=lambda c: c > 0) == ["agent05"] and
              "confirmed commit" in msgs and "rolls back" in msgs, r.why())
        end = time.time() + 10
        while time.time() < end and os.path.exists(proxy.marker):
            time.sleep(0.1)
        check("... and it does: agent05 keeps its previous policy, no rollback point left",
              policy_of(a5)[:3] == ({root_fp}, False, USER2) and
              not os.path.exists(proxy.marker) and
              "confirmed commit rolled back" in a5.logtail(20000),
              (policy_of(a5), a5.logtail(600)))
        check("... while agent06 takes the policy",
              policy_of(fleet[6])[:3] == ({root_fp, soon_fp}, True, USER), policy_of(fleet[6]))

        # ---- one certificate: accept, reject, remove ----
        steps = [("accepted", True, "server"), ("accepted", False, "server"),
                 ("rejected", True, "server (rejected)"), ("rejected", False, "server (rejected)"),
                 ("absent", True, None), ("absent", False, None)]
        r = fl.playbook(tmp, certificate_play(tmp, "accepted", stranger_fp, True), inv)
        outputs.append(r)
        res = (results(r, "agent02") or [{}])[0]
        check("secagent.trust.certificate --check: would accept agent02's Invalid entry, "
              "changes nothing", r.rc == 0 and res.get("changed") is True and
              stranger_fp not in policy_of(a2)[3], res)
        for state, changed, where in steps:
            r = fl.playbook(tmp, certificate_play(tmp, state, stranger_fp), inv)
            outputs.append(r)
            res = (results(r, "agent02") or [{}])[0]
            got = (res.get("certificates") or [{}])[0]
            check("secagent.trust.certificate state=%s: changed=%s, now %s" % (
                  state, str(changed).lower(), where or "absent"),
                  r.rc == 0 and res.get("changed") is changed and got.get("after") == where,
                  (res, r.why()))

        leaked = [i for i, o in enumerate(outputs) if any(
            p in o.out + o.err for p in (PASS, "Pw-7", PASS2, "secagent-demo"))]
        check("no run printed a password", not leaked, leaked)
        dead = [a.name for a in fleet if a is not down and not a.alive()]
        check("every agent but the stopped one is alive", not dead, dead)
    except Exception as e:  # noqa: BLE001 - report, then clean up
        import traceback
        not_ok("fleet over Ansible", "%s: %s" % (type(e).__name__, e))
        print("# " + traceback.format_exc().replace("\n", "\n# "))
    finally:
        if holder is not None:
            holder.close_session()
        if proxy is not None:
            proxy.close()
        fl.stop_fleet(fleet)
        for s in servers:
            s.terminate()
            s.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
