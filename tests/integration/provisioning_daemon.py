#!/usr/bin/python3
"""The provisioning client inside secagentd: provision-now over NETCONF and
secagentctl (through the daemon), the provisioning state in <get>, an
unknown server certificate announced with invalid-certificate-received,
accept taking effect on the next fetch, the NETCONF lock holding off
everyone but its holder, and the policy version a file carries (state in
<get> and secagentctl, not a configuration change, refused by set)."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

SEC = '<security xmlns="%s">%%s</security>' % NS
USER, PASS, REALM = "7C2F80C6E5C2", "prov-secret", "secagent"


def lighttpd(tmp, name, port, cert, key, root):
    conf = os.path.join(tmp, name + ".conf")
    with open(conf, "w") as f:
        f.write('server.modules = ("mod_openssl", "mod_auth", "mod_authn_file")\n'
                'server.document-root = "%s"\nserver.bind = "127.0.0.1"\nserver.port = %d\n'
                'server.errorlog = "%s/%s.err"\nssl.engine = "enable"\nssl.pemfile = "%s"\n'
                'ssl.privkey = "%s"\nmimetype.assign = (".xml" => "application/xml")\n'
                'auth.backend = "htdigest"\nauth.backend.htdigest.userfile = "%s/htdigest"\n'
                'auth.require = ("/" => ("method" => "digest", "realm" => "%s", '
                '"require" => "valid-user"))\n'
                # a file rewritten with another size is served whole at once
                'server.stat-cache-engine = "disable"\n' % (root, port, tmp, name, cert, key, tmp, REALM))
    p = subprocess.Popen(["lighttpd", "-D", "-f", conf], stderr=subprocess.DEVNULL)
    wait_port(port)
    return p


def prov_file(root, accept_all, version=None):
    """The device's file: the same credentials, accept-all as given."""
    with open(os.path.join(root, "e2.xml"), "w") as f:
        f.write('<provisioning version="1.1" productID="e2"><nvm>'
                '<param name="Security.global.HTTPAuthUsername" value="%s"/>'
                '<param name="SystemSettings.global.Security_Certificates_AcceptAllCertificates" value="%d"/>'
                '<param name="SomeOther.global.Thing" value="x"/>%s'
                '</nvm></provisioning>' % (USER, accept_all, "" if version is None else
                                           '<param name="Security.global.PolicyVersion" '
                                           'value="%s"/>' % version))


def state(m):
    r = m.get(filter=("subtree", SEC % "<provisioning/>"))
    return r.data_xml


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("provisioning in the daemon", "secagentd is not built")
        finish()
    if shutil.which("lighttpd") is None or not os.path.exists("/usr/lib/lighttpd/mod_openssl.so"):
        skip("provisioning in the daemon", "lighttpd with mod_openssl is not installed")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-provd.")
    ca_pem = make_cert(tmp, "pd-root", ca=True)[0]
    good = make_cert(tmp, "pd-good", issuer="pd-root")[0]
    evil, evil_der, evil_fp = make_cert(tmp, "pd-evil")
    with open(os.path.join(tmp, "htdigest"), "w") as f:
        f.write("%s:%s:%s\n" % (USER, REALM, hashlib.md5(("%s:%s:%s" % (USER, REALM, PASS)).encode()).hexdigest()))
    root = os.path.join(tmp, "www")
    os.mkdir(root)
    prov_file(root, 1)
    pg, pe = free_port(), free_port()
    servers = [lighttpd(tmp, "good", pg, good, os.path.join(tmp, "pd-good.key"), root),
               lighttpd(tmp, "evil", pe, evil, os.path.join(tmp, "pd-evil.key"), root)]
    a = Agent(extra=["--factory-bundle", ca_pem])
    try:
        m = a.connect()
        m.edit_config(target="running", config=config(SEC % (
            "<http-authentication><username>%s</username><password>%s</password></http-authentication>"
            "<provisioning><server-url>https://127.0.0.1:%d/e2.xml</server-url></provisioning>" % (USER, PASS, pg))))
        m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
        rc, out, _ = a.ctl("get", "accept-all-certificates")
        check("provision-now over NETCONF fetches and applies the file", out.strip() == "true", out)
        st = state(m)
        check("the provisioning state: last-result success, unknown parameters counted",
              "<last-result>success</last-result>" in st and "<unknown-parameters>1</unknown-parameters>" in st, st)

        # secagentctl provision goes through the daemon
        prov_file(root, 0)
        rc, out, err = a.ctl("provision")
        rc2, val, _ = a.ctl("get", "accept-all-certificates")
        check("secagentctl provision through the daemon", rc == 0 and val.strip() == "false", out + err)

        # an unknown server certificate: refused, recorded, announced
        m.create_subscription()
        m.edit_config(target="running", config=config(SEC % (
            "<provisioning><server-url>https://127.0.0.1:%d/e2.xml</server-url></provisioning>" % pe)))
        try:
            m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
            not_ok("provision-now from an unknown server fails", "ok")
        except RPCError as e:
            check("provision-now from an unknown server fails with the reason",
                  e.tag == "operation-failed" and "unknown-issuer" in e.message, e.message)
        n = None
        end = time.time() + 10
        while time.time() < end and n is None:
            x = m.take_notification(block=True, timeout=1)
            if x is not None and "invalid-certificate-received" in x.notification_xml:
                n = x.notification_xml
        check("invalid-certificate-received with the peer of the provisioning server",
              n is not None and evil_fp in n and "127.0.0.1:%d" % pe in n, n)
        st = state(m)
        check("the state says failed and why", "<last-result>failed</last-result>" in st and "unknown-issuer" in st, st)
        m.dispatch(to_ele('<accept-certificate xmlns="%s"><fingerprint>%s</fingerprint></accept-certificate>' % (NS, evil_fp)))
        m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
        ok("after accept the next fetch applies, without a restart")

        # the NETCONF lock holds off the provisioning client of others
        m2 = a.connect()
        m2.lock(target="running")
        try:
            m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
            not_ok("while another session locks running, provision-now fails", "ok")
        except RPCError as e:
            check("while another session locks running, provision-now fails", "lock" in e.message, e.message)
        m2.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
        ok("the holder of the lock provisions")
        m2.unlock(target="running")

        # the policy version: state, kept, not a configuration change
        while m.take_notification(block=False) is not None:
            pass
        prov_file(root, 1, "2026-03.b")
        m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
        st = state(m)
        rc, out, err = a.ctl("get", "policy-version")
        check("a file's policy version shows in <get> and secagentctl get policy-version",
              "<policy-version>2026-03.b</policy-version>" in st and rc == 0 and
              out.strip() == "2026-03.b", st + out + err)
        cfg = m.get_config(source="running", filter=("subtree", SEC % "<provisioning/>")).data_xml
        check("... and not in get-config (it is state)", "policy-version" not in cfg, cfg)
        edits = []
        end = time.time() + 5
        while time.time() < end:
            x = m.take_notification(block=True, timeout=1)
            if x is None:
                break
            if "netconf-config-change" in x.notification_xml:
                edits.append(x.notification_xml)
        check("the file's change is announced without the version (not configuration)",
              edits and any("accept-all-certificates" in e for e in edits) and
              not any("policy-version" in e for e in edits), edits)
        rc, out, err = a.ctl("set", "policy-version", "v9")
        check("secagentctl set policy-version is refused", rc != 0 and "read-only" in err, out + err)
        try:
            m.edit_config(target="running", config=config(SEC % (
                "<provisioning><policy-version>v9</policy-version></provisioning>")))
            not_ok("an edit of policy-version is refused", "accepted")
        except RPCError as e:
            ok("an edit of policy-version is refused (%s)" % e.tag)
        prov_file(root, 1)
        m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
        a.stop()
        a.start()
        rc, out, err = a.ctl("get", "policy-version")
        check("a file without a version keeps it, across a restart", out.strip() == "2026-03.b",
              out + err)
    finally:
        check("the daemon is alive", a.alive(), a.logtail())
        a.cleanup()
        for s in servers:
            s.terminate()
            s.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
