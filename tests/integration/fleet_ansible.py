#!/usr/bin/python3
"""contrib/ansible against a fleet of 20 secagentd on loopback (or
$SECAGENT_FLEET_AGENTS; at least 8), run by
ansible-playbook (Debian's Ansible, forks 20): push-policy.yml gives every
agent the same policy (the CA list replaced by the bundle, the Server list
left alone, accept-all off, the digest credentials, proven by a digest
fetch over HTTPS from lighttpd); a second run changes nothing; the
password is never printed; collect-report.yml reports the Invalid list
(reason, peer) and the certificates nearing expiry; with one agent
stopped, that one fails and the other 19 take a new policy; an agent
whose running datastore another session locks fails and keeps its
settings.

The policy is read back over SNMP (snmpget, snmpwalk of each agent's
embedded agent), the way an NMS sees it; the Server list and the
report's inputs over NETCONF.

The agents' factory set is a bundle the test makes, one root that expired
a month ago and one valid for years on the tests' clock: on any day, each
agent starts with the valid one in CA and the expired one in Invalid."""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import (BUILD, NS, check, finish, make_cert, not_ok, ok,  # noqa: E402
                   skip, config, free_port, test_now)
import fleet_lib as fl  # noqa: E402

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

N = max(8, int(os.environ.get("SECAGENT_FLEET_AGENTS", "20")))
USER, PASS = "fleet-0142", "Pw-7&<x>'\"-fleet"   # XML-special characters on purpose
USER2, PASS2 = "fleet-0143", "second-secret-pw"
FP = re.compile(r"<fingerprint>([0-9a-f]{64})</fingerprint>")


def ca_fps(m):
    x = m.get_config(source="running", filter=("subtree", fl.sec(
        "<certificates><ca-certificate><fingerprint/></ca-certificate></certificates>"))).data_xml
    return set(FP.findall(x))


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


def invalid_of(a):
    """[(fingerprint, reason, peer or None)] of the Invalid list, over NETCONF."""
    with a.connect() as m:
        x = m.get(filter=("subtree", fl.sec(
            "<certificates><invalid-certificate><fingerprint/><reason/><peer/>"
            "</invalid-certificate></certificates>"))).data_xml
    out = []
    for e in x.split("<invalid-certificate>")[1:]:
        fp, reason = FP.search(e).group(1), re.search(r"<reason>([^<]*)<", e).group(1)
        peer = re.search(r"<peer>([^<]*)<", e)
        out.append((fp, reason, peer.group(1) if peer else None))
    return sorted(out)


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


def filter_checks(tmp):
    """filter_plugins/secagent.py on its own."""
    sys.path.insert(0, os.path.join(fl.ANSIBLE_DIR, "filter_plugins"))
    sys.dont_write_bytecode = True      # nothing written into contrib/
    import secagent as f
    a, a_der, a_fp = make_cert(tmp, "flt-a", ca=True)
    b, _, b_fp = make_cert(tmp, "flt-b", ca=True)
    pem = open(a).read() + "junk between blocks\n" + open(b).read() + open(a).read()
    certs = f.secagent_certs(pem)
    import base64
    check("filter: a bundle's certificates, once each, keyed by the SHA-256 of the DER",
          [c["fingerprint"] for c in certs] == [a_fp, b_fp] and
          base64.b64decode(certs[0]["cert_data"]) == a_der, certs)
    reply = ('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><security xmlns="%s">'
             '<certificates><ca-certificate><fingerprint>%s</fingerprint></ca-certificate>'
             '<ca-certificate><fingerprint>%s</fingerprint></ca-certificate>'
             '<server-certificate><fingerprint>%s</fingerprint></server-certificate>'
             '</certificates></security></data>' % (NS, "1" * 64, a_fp, "2" * 64))
    edit = f.secagent_ca_edit(open(a).read() + open(b).read(), reply)
    ops = re.findall(r'nc:operation="(\w+)"><fingerprint>(\w+)<', edit)
    check("filter: remove the CA entries the bundle lacks, merge the bundle's, nothing else",
          ops == [("remove", "1" * 64), ("merge", a_fp), ("merge", b_fp)], ops)
    cfg = f.secagent_policy_config(open(a).read(), reply, "no", "u<&>", "p&<>\"'")
    check("filter: the values escaped in the edit",
          "<username>u&lt;&amp;&gt;</username><password>p&amp;&lt;&gt;\"'</password>" in cfg
          and "<accept-all-certificates>false<" in cfg, cfg[-200:])
    try:
        f.secagent_policy_config(open(a).read(), reply, True, "u", "s3cr3t" * 13)
        not_ok("filter: a 78-character password is refused", "accepted")
    except Exception as e:  # noqa: BLE001 - AnsibleFilterError under Ansible
        check("filter: a 78-character password is refused without being quoted",
              "74" in str(e) and "s3cr3t" not in str(e), e)


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
    fleet, servers, holder = [], [], None
    try:
        # the PKI: the fleet's root (the provisioning server chains to it), a
        # CA that expires in 10 days, certificates some agents hold already
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
        # the factory set: an expired root and a valid one
        now = test_now()
        f_old, _, f_old_fp = make_cert(tmp, "factory-expired", ca=True,
                                       not_before=now - 400 * 86400, not_after=now - 30 * 86400)
        f_new, _, f_new_fp = make_cert(tmp, "factory-valid", ca=True, days=3650)
        factory = os.path.join(tmp, "factory.pem")
        with open(factory, "w") as f:
            f.write(open(f_old).read() + open(f_new).read())

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
        import subprocess
        servers.append(subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:%d" % sport, "-cert", stranger,
             "-key", os.path.join(tmp, "stranger.key"), "-quiet", "-www"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        fl.wait_port(sport)

        filter_checks(tmp)
        t0 = time.time()
        fleet = fl.start_fleet(tmp, N, lambda i: ["--factory-bundle", factory], snmp=True)
        ok("%d agents listen on their own ports (%.1f s)" % (N, time.time() - t0))
        fresh = [(policy_of(a)[0], invalid_of(a)) for a in fleet[:2]]
        check("a new agent holds the valid factory root in CA, the expired one in Invalid",
              fresh == [({f_new_fp}, [(f_old_fp, "expired", None)])] * 2, fresh)

        # what the fleet looks like before: not uniform
        a0, a1, a2 = fleet[0], fleet[1], fleet[2]
        a0.ctl("set", "accept-all-certificates", "true")
        a0.ctl("set", "http-username", "someone-else")
        a0.ctl("import", pinned)
        a1.ctl("import", extra_ca)
        rc, out, err = a2.ctl("check-server", "127.0.0.1:%d" % sport)
        check("agent02 records a stranger's certificate in Invalid",
              rc == 1 and "unknown-issuer" in out + err, out + err)

        inv = fl.inventory(os.path.join(tmp, "inventory.yml"), fleet,
                           secagent_ca_bundle=bundle, secagent_accept_all=False,
                           secagent_http_username=USER, secagent_http_password=PASS)
        outputs = []

        # ---- the push ----
        r = fl.playbook(tmp, "push-policy.yml", inv)
        outputs.append(r)
        names = [a.name for a in fleet]
        check("push-policy.yml on %d agents (forks 20, %.1f s): every one ok and changed"
              % (N, r.secs),
              r.rc == 0 and r.hosts(failures=0, unreachable=0, changed=lambda c: c >= 1) == names,
              r.why())
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
        left = [a.name for a in fleet if os.path.exists(os.path.join(a.dir, "confirmed-commit.xml"))]
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

        # ---- the report ----
        report = os.path.join(tmp, "report.json")
        r = fl.playbook(tmp, "collect-report.yml", inv, extra=["-e", "secagent_report_file=" + report])
        outputs.append(r)
        try:
            import json
            doc = json.load(open(report))
            devs = {d["host"]: d for d in doc["devices"]}
        except (OSError, ValueError) as e:
            devs = {}
            not_ok("collect-report.yml writes the report", "%s %s" % (e, r.why()))
        if devs:
            check("collect-report.yml: one entry per device (%.1f s)" % r.secs,
                  r.rc == 0 and sorted(devs) == names, r.why())
            inv2 = devs.get("agent02", {}).get("invalid", [])
            check("the report lists agent02's Invalid certificates with reason and peer: "
                  "the stranger's and the expired factory root",
                  sorted((c["fingerprint"], c["reason"], c.get("peer") or None) for c in inv2) ==
                  sorted([(stranger_fp, "unknown-issuer", "127.0.0.1:%d" % sport),
                          (f_old_fp, "expired", None)]), inv2)
            exp = [[(c["fingerprint"], c["list"], c["days_to_expiry"])
                    for c in d.get("expiring", [])] for d in devs.values()]
            check("every device reports the CA expiring within 30 days, with days to expiry",
                  all(e == [(soon_fp, "ca", 9)] or e == [(soon_fp, "ca", 10)] for e in exp), exp[:2])
            # a header; per agent the expiring CA and the expired factory
            # root; agent02's stranger
            rows = open(report[:-5] + ".csv").read().count("\n")
            check("the CSV report has a row per certificate", rows == 1 + 2 * N + 1, rows)

        # ---- one agent down, a new policy ----
        down = fleet[7]
        down.stop()
        fl.inventory(inv, fleet, secagent_ca_bundle=bundle2, secagent_accept_all=False,
                     secagent_http_username=USER2, secagent_http_password=PASS2)
        r = fl.playbook(tmp, "push-policy.yml", inv)
        outputs.append(r)
        others = [n for n in names if n != down.name]
        failed = r.hosts(failures=lambda c: c > 0) + r.hosts(unreachable=lambda c: c > 0)
        check("with %s stopped: it is reported failed (%s)" % (
              down.name, "; ".join(r.messages(down.name))[:200]),
              r.rc != 0 and failed == [down.name], r.why())
        check("... and the other %d are done (%.1f s)" % (N - 1, r.secs),
              r.hosts(failures=0, unreachable=0, changed=1) == others, r.why())
        bad = [a.name for a in fleet if a is not down and
               fl.snmp_policy(a) != ({root_fp}, False, USER2)]
        check("the other %d hold the new policy (over SNMP)" % (N - 1), not bad, bad)
        r = fl.playbook(tmp, "collect-report.yml", inv, extra=["-e", "secagent_report_file=" + report])
        outputs.append(r)
        devs = {d["host"]: d for d in json.load(open(report))["devices"]}
        check("the report lists the stopped agent with an error, the others read",
              "error" in devs.get(down.name, {}) and
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

        leaked = [i for i, o in enumerate(outputs) if any(
            p in o.out + o.err for p in ("Pw-7", PASS2))]
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
        fl.stop_fleet(fleet)
        for s in servers:
            s.terminate()
            s.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
