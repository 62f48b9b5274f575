#!/usr/bin/python3
"""TLS peers with hostile certificates against the real daemon.

openssl s_server on 127.0.0.1 presents certificates (made with the openssl
tool) whose subject holds ESC, BEL and a C1 control, and whose
subject-alt-names hold control characters, bytes that are not UTF-8, a
', DNS:' that would fake a second name, and an otherName of raw bytes.  The
daemon meets them as a check-server target, as the provisioning server and
as the target of the provisioning server's redirect.  Then every interface
must stay well formed: ncclient parses <get> and the notification,
secagentctl list, show and --json work through the daemon and print no
control byte, snmpwalk reads the Invalid table as text, and the log holds
no control byte from the peers."""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

SEC = '<security xmlns="%s">%%s</security>' % NS
INV_SUBJECT = "1.3.6.1.4.1.32473.1.1.1.4.1.5"
INV_SAN = "1.3.6.1.4.1.32473.1.1.1.4.1.16"
INV_PEER = "1.3.6.1.4.1.32473.1.1.1.4.1.19"

SUBJECT_ARG = b"/O=Evil\x1b[31m Corp/OU=\xc2\x9b/CN=bell\x07.example"
SUBJECT = r"CN=bell\x07.example,OU=\xC2\x9B,O=Evil\x1B[31m Corp"
SAN_CONF = (b"[req]\ndistinguished_name=dn\nutf8=yes\nstring_mask=utf8only\n[dn]\n"
            b"[ext]\nbasicConstraints=CA:FALSE\nsubjectAltName=@alt\n[alt]\n"
            b"DNS.1=x\x1b]0;pwn\x07.localhost\nDNS.2=raw\xff\xfe.localhost\n"
            b"email.1=a, DNS:bank.example\n"
            b"otherName.1=1.3.6.1.4.1.311.20.2.3;FORMAT:HEX,OCTETSTRING:FFFE1B07\n"
            b"URI.1=http://x/\x1b\n")
SAN = (r"DNS:x\x1B]0;pwn\x07.localhost, DNS:raw\xFF\xFE.localhost, "
       r"email:a\, DNS:bank.example, othername:msUPN:\xFF\xFE\x1B\x07, URI:http://x/\x1B")


def hostile_cert(tmp, name):
    """A self-signed certificate with the hostile names: (pem, key, fp)."""
    key, pem, cnf = (os.path.join(tmp, name + s) for s in (".key", ".pem", ".cnf"))
    with open(cnf, "wb") as f:
        f.write(SAN_CONF)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    r = subprocess.run([b"openssl", b"req", b"-x509", b"-new", b"-key", key.encode(),
                        b"-config", cnf.encode(), b"-extensions", b"ext", b"-subj", SUBJECT_ARG,
                        b"-days", b"30", b"-out", pem.encode()], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl req: %s" % r.stderr.decode(errors="replace"))
    der = openssl("x509", "-in", pem, "-outform", "DER").stdout
    import hashlib
    return pem, key, hashlib.sha256(der).hexdigest()


class Redirect(http.server.BaseHTTPRequestHandler):
    target = None

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def controls(data):
    """The control bytes of data (bytes or str), but newline and tab."""
    if isinstance(data, str):
        data = data.encode()
    return sorted({b for b in data if (b < 0x20 and b not in (9, 10)) or b == 0x7f})


def invalid_entries(m):
    """fingerprint -> {leaf: text} of the Invalid list, from a <get>."""
    from lxml import etree
    r = m.get(filter=("subtree", SEC % "<certificates><invalid-certificate/></certificates>"))
    out = {}
    for e in r.data_ele.iter("{%s}invalid-certificate" % NS):
        d = {}
        for leaf in e.iter():
            if isinstance(leaf.tag, str) and len(leaf) == 0:
                d[etree.QName(leaf).localname] = leaf.text or ""
        out[d.get("fingerprint")] = d
    return out


def snmp_column(port, oid):
    """snmpwalk of one column: (returncode, {index: value}, raw output)."""
    r = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-t", "3", "-r", "1", "-On",
                        "-Oe", "-OQ", "-M", "", "-m", "", "udp:127.0.0.1:%d" % port, oid],
                       capture_output=True, timeout=60, env=dict(os.environ, MIBS=""))
    rows = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            rows[k] = v
    return r.returncode, rows, r.stdout


def snmp_text(v):
    """The text of a quoted net-snmp STRING value ("..." with \\ and \" escaped)."""
    if not (v.startswith('"') and v.endswith('"')):
        return None
    return v[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("hostile TLS peers", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-hostile.")
    root = make_cert(tmp, "factory-root", ca=True)[0]
    certs = [hostile_cert(tmp, "h%d" % i) for i in range(3)]
    with open(os.path.join(tmp, "e2.xml"), "w") as f:
        f.write('<provisioning version="1.1" productID="e2"><nvm></nvm></provisioning>')
    servers, ports = [], []
    for pem, key, _ in certs:
        p, port = s_server(tmp, pem, key)
        servers.append(p)
        ports.append(port)
    Redirect.target = "https://127.0.0.1:%d/e2.xml" % ports[2]
    redirect = http.server.HTTPServer(("127.0.0.1", free_port()), Redirect)
    threading.Thread(target=redirect.serve_forever, daemon=True).start()
    snmp = free_port()
    a = Agent(extra=["--factory-bundle", root, "--snmp", "udp:127.0.0.1:%d" % snmp])
    try:
        m = a.connect()
        m.create_subscription()
        # a check-server target
        r = m.dispatch(to_ele('<check-server xmlns="%s"><address>127.0.0.1:%d</address>'
                              '</check-server>' % (NS, ports[0])))
        check("check-server refuses the hostile certificate", "refused" in r.xml, r.xml)
        # the provisioning server, and the target of its redirect
        for url in ("https://127.0.0.1:%d/e2.xml" % ports[1],
                    "http://127.0.0.1:%d/e2.xml" % redirect.server_address[1]):
            m.edit_config(target="running", config=config(SEC % (
                "<provisioning><server-url>%s</server-url></provisioning>" % url)))
            try:
                m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
                not_ok("provision-now from %s is refused" % url, "ok")
            except RPCError as e:
                check("provision-now from %s is refused" % url, "unknown-issuer" in e.message,
                      e.message)

        # NETCONF: <get> parses (ncclient would raise), the text is escaped
        try:
            inv = invalid_entries(m)
            ok("ncclient parses <get> of the Invalid list")
        except Exception as e:  # lxml's XMLSyntaxError, ncclient's errors
            inv = {}
            not_ok("ncclient parses <get> of the Invalid list", repr(e))
        for (pem, key, fp), port in zip(certs, ports):
            e = inv.get(fp, {})
            check("NETCONF: the certificate from 127.0.0.1:%d with escaped names" % port,
                  e.get("subject") == SUBJECT and e.get("issuer") == SUBJECT and
                  e.get("subject-alt-names") == SAN and e.get("peer") == "127.0.0.1:%d" % port,
                  repr(e))
        got = []
        end = time.time() + 10
        while time.time() < end and len(got) < 3:
            n = m.take_notification(block=True, timeout=1)
            if n is not None and "invalid-certificate-received" in n.notification_xml:
                got.append(n.notification_xml)
        check("invalid-certificate-received parses and carries the escaped subject",
              len(got) == 3 and all(SUBJECT.replace("&", "&amp;") in x for x in got),
              "%d: %s" % (len(got), got[:1]))

        # secagentctl through the daemon
        rc, out, err = a.ctl("list", "invalid")
        check("secagentctl list through the daemon", rc == 0 and SUBJECT in out, out + err)
        check("secagentctl list prints no control byte", not controls(out), controls(out))
        rc, out, err = a.ctl("show", certs[0][2][:16])
        check("secagentctl show through the daemon", rc == 0 and SAN in out, out + err)
        check("secagentctl show prints no control byte", not controls(out), controls(out))
        rc, out, err = a.ctl("--json", "list", "invalid")
        try:
            j = json.loads(out)
            js = {x["fingerprint"]: x for x in j}
            check("secagentctl --json list through the daemon parses",
                  all(js.get(fp, {}).get("subject") == SUBJECT for _, _, fp in certs), out)
        except ValueError as e:
            not_ok("secagentctl --json list through the daemon parses", "%s: %r" % (e, out))
        rc, out, err = a.ctl("--json", "show", certs[1][2][:16])
        try:
            j = json.loads(out)
            check("secagentctl --json show through the daemon parses",
                  j.get("subject-alt-names") == SAN and j.get("peer") == "127.0.0.1:%d" % ports[1],
                  out)
        except ValueError as e:
            not_ok("secagentctl --json show through the daemon parses", "%s: %r" % (e, out))

        # SNMP: the Invalid table is text (no Hex-STRING), the same text
        rc, rows, raw = snmp_column(snmp, INV_SUBJECT)
        texts = [snmp_text(v) for v in rows.values()]
        check("snmpwalk of secInvalidCertSubject: %d rows of text" % len(rows),
              rc == 0 and len(rows) == 3 and all(t == SUBJECT for t in texts), raw[-400:])
        rc, rows, raw = snmp_column(snmp, INV_SAN)
        check("snmpwalk of secInvalidCertSubjectAltNames: the escaped names",
              rc == 0 and len(rows) == 3 and all(snmp_text(v) == SAN for v in rows.values()),
              raw[-400:])
        check("snmpwalk output holds no control byte", not controls(raw), controls(raw))
        rc, rows, raw = snmp_column(snmp, INV_PEER)
        check("snmpwalk of secInvalidCertPeer",
              rc == 0 and sorted(snmp_text(v) for v in rows.values()) ==
              sorted("127.0.0.1:%d" % p for p in ports), raw[-400:])
        m.close_session()
    finally:
        check("the daemon is alive", a.alive(), a.logtail())
        a.stop()
        with open(os.path.join(a.dir, "secagentd.log"), "rb") as f:
            log = f.read()
        check("the log holds no control byte", not controls(log), controls(log))
        a.cleanup()
        redirect.shutdown()
        for s in servers:
            s.terminate()
            s.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
