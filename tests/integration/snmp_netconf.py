#!/usr/bin/python3
"""One store, two front ends: each change made over SNMP (net-snmp's tools)
is seen over NETCONF (ncclient), and each one made over NETCONF or with
secagentctl through the daemon is seen over SNMP: import, createAndGo,
accept, reject, remove, the settings."""
import base64
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

from ncclient.xml_ import to_ele  # noqa: E402

ROOT = ".1.3.6.1.4.1.32473.1"
CA_E, SRV_E, INV_E = ROOT + ".1.1.2.1", ROOT + ".1.1.3.1", ROOT + ".1.1.4.1"
SEC = '<security xmlns="%s">%%s</security>' % NS
PW = "secagent-demo"
ENV = dict(os.environ, MIBS="")
ENV["SNMPCONFPATH"] = ENV["SNMP_PERSISTENT_DIR"] = tempfile.mkdtemp(prefix="secagent-snmp.")
V3 = ["-v3", "-u", "admin", "-l", "authPriv", "-a", "SHA-256", "-A", PW, "-x", "AES",
      "-X", PW, "-t", "5", "-r", "1"]


def index(fp):
    return "".join(".%d" % b for b in bytes.fromhex(fp))


class Snmp:
    def __init__(self, port):
        self.peer = "udp:127.0.0.1:%d" % port

    def set(self, *args):
        r = subprocess.run(["snmpset"] + V3 + [self.peer] + list(args), env=ENV,
                           capture_output=True, text=True, timeout=60)
        return (r.stdout + r.stderr).strip()

    def get(self, oid):
        r = subprocess.run(["snmpget", "-v2c", "-c", "public", "-Oqv", self.peer, oid],
                           env=ENV, capture_output=True, text=True, timeout=30)
        return r.stdout.strip()


def certs(m, running=False):
    """{list: {fingerprint: element}} as NETCONF shows them."""
    flt = ("subtree", SEC % "<certificates/>")
    r = m.get_config(source="running", filter=flt) if running else m.get(filter=flt)
    out = {}
    for lst in ("ca-certificate", "server-certificate", "invalid-certificate"):
        out[lst] = {}
        for e in ET.fromstring(r.data_xml).iter("{%s}%s" % (NS, lst)):
            out[lst][e.findtext("{%s}fingerprint" % NS)] = e
    return out


def leaf(e, name):
    return e.findtext("{%s}%s" % (NS, name)) if e is not None else None


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("SNMP and NETCONF", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-snmpnc.")
    ca_pem, ca_der, ca_fp = make_cert(tmp, "x-ca", ca=True)
    leaf_pem, leaf_der, leaf_fp = make_cert(tmp, "x-leaf", issuer="x-ca")
    nc_pem, nc_der, nc_fp = make_cert(tmp, "nc-ca", ca=True)
    rpc_pem, rpc_der, rpc_fp = make_cert(tmp, "rpc-ca", ca=True)
    ctl_pem, ctl_der, ctl_fp = make_cert(tmp, "ctl-ca", ca=True)
    _, _, other_fp = make_cert(tmp, "other-ca", ca=True)
    st_pem, st_der, st_fp = make_cert(tmp, "stranger", issuer="other-ca")
    port = free_port()
    a = Agent(extra=["--snmp", "udp:127.0.0.1:%d" % port])
    s = Snmp(port)
    try:
        m = a.connect()
        run(a, m, s, locals())
        m.close_session()
    finally:
        check("secagentd is alive after SNMP and NETCONF", a.alive(), a.logtail())
        a.cleanup()
    finish()


def run(a, m, s, c):
    # SNMP -> NETCONF
    s.set(ROOT + ".1.1.5.0", "x", c["ca_der"].hex())
    e = certs(m)["ca-certificate"].get(c["ca_fp"])
    check("an import over SNMP is in NETCONF's ca-certificate list (origin imported)",
          leaf(e, "origin") == "imported", "got %r" % leaf(e, "origin"))
    i = index(c["leaf_fp"])
    s.set(SRV_E + ".18" + i, "i", "4", SRV_E + ".2" + i, "x", c["leaf_der"].hex())
    e = certs(m, running=True)["server-certificate"].get(c["leaf_fp"])
    check("a row created over SNMP is in NETCONF's running configuration",
          e is not None and base64.b64decode(leaf(e, "cert-data")) == c["leaf_der"])
    s.set(SRV_E + ".19" + i, "i", "1")
    e = certs(m)["server-certificate"].get(c["leaf_fp"])
    check("secServerCertRejected over SNMP: NETCONF reads rejected true",
          leaf(e, "rejected") == "true", "got %r" % leaf(e, "rejected"))
    s.set(ROOT + ".1.1.6.0", "x", c["leaf_fp"])
    check("a removal over SNMP: NETCONF no longer has it",
          c["leaf_fp"] not in certs(m)["server-certificate"])
    s.set(ROOT + ".1.2.1.0", "s", "from-snmp", ROOT + ".1.1.1.0", "i", "1")
    r = m.get_config(source="running", filter=("subtree", SEC % "<http-authentication/>"))
    check("a username set over SNMP is NETCONF's", "from-snmp" in r.data_xml, r.data_xml)
    r = m.get_config(source="running", filter=("subtree", SEC % "<certificates><accept-all-certificates/></certificates>"))
    check("accept-all set over SNMP is NETCONF's", ">true<" in r.data_xml, r.data_xml)

    # NETCONF -> SNMP
    m.edit_config(target="running", config=config(SEC % (
        "<certificates><accept-all-certificates>false</accept-all-certificates>"
        "<ca-certificate><fingerprint>%s</fingerprint><cert-data>%s</cert-data>"
        "</ca-certificate></certificates>" % (c["nc_fp"], base64.b64encode(c["nc_der"]).decode()))))
    check("an entry of edit-config is an SNMP row, configured(4)",
          s.get(CA_E + ".3" + index(c["nc_fp"])) == "4", s.get(CA_E + ".3" + index(c["nc_fp"])))
    check("accept-all false over NETCONF reads false(2) over SNMP",
          s.get(ROOT + ".1.1.1.0") == "2")
    rpc = ('<import-certificate xmlns="%s"><pem>%s</pem></import-certificate>'
           % (NS, open(c["rpc_pem"]).read()))
    m.dispatch(to_ele(rpc))
    check("an import-certificate RPC is an SNMP row, imported(2)",
          s.get(CA_E + ".3" + index(c["rpc_fp"])) == "2")
    rpc = ('<remove-certificate xmlns="%s"><fingerprint>%s</fingerprint></remove-certificate>'
           % (NS, c["rpc_fp"]))
    m.dispatch(to_ele(rpc))
    check("a remove-certificate RPC: the SNMP row is gone",
          "No Such Instance" in s.get(CA_E + ".3" + index(c["rpc_fp"])))

    # an Invalid entry from a TLS check over NETCONF, accepted over SNMP
    sport = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % sport,
                            "-cert", c["st_pem"], "-key", c["st_pem"][:-4] + ".key",
                            "-quiet", "-www"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        wait_port(sport)
        rpc = ('<check-server xmlns="%s"><address>127.0.0.1:%d</address></check-server>'
               % (NS, sport))
        m.dispatch(to_ele(rpc))
    finally:
        srv.terminate()
        srv.wait()
    i = index(c["st_fp"])
    check("check-server over NETCONF: the refused certificate is an SNMP Invalid row",
          s.get(INV_E + ".18" + i) == "3", s.get(INV_E + ".18" + i))
    s.set(INV_E + ".23" + i, "i", "2")
    e = certs(m)["server-certificate"].get(c["st_fp"])
    check("accepted over SNMP: NETCONF has it in server-certificate, origin accepted",
          leaf(e, "origin") == "accepted", "got %r" % leaf(e, "origin"))

    # secagentctl through the daemon -> SNMP
    rc, out, err = a.ctl("import", c["ctl_pem"])
    check("secagentctl import through the daemon is an SNMP row",
          rc == 0 and "CN=ctl-ca" in s.get(CA_E + ".5" + index(c["ctl_fp"])),
          "rc=%s %s %s" % (rc, out, err))
    rc, out, err = a.ctl("remove", c["ctl_fp"])
    check("secagentctl remove through the daemon: the SNMP row is gone",
          rc == 0 and "No Such Instance" in s.get(CA_E + ".5" + index(c["ctl_fp"])),
          "rc=%s %s" % (rc, err))


if __name__ == "__main__":
    main()
