#!/usr/bin/python3
"""NACM for the demo users (admin, viewer) and NACM data edited over
NETCONF; notifications: the module's three, netconf-config-change for a
change made by another interface, and a subscriber that vanishes in the
middle of a burst."""
import base64
import datetime
import os
import socket
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
ACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"


def denied(name, fn):
    try:
        fn()
    except RPCError as e:
        check(name, e.tag == "access-denied", "%s: %s" % (e.tag, e.message))
        return
    not_ok(name, "permitted")


def short_lived_pem(seconds):
    """A self-signed server certificate valid for a few seconds more."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "short-lived.example")])
    now = datetime.datetime.utcfromtimestamp(int(test_now()))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(seconds=seconds))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def wait_notif(m, want, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        n = m.take_notification(block=True, timeout=max(0.1, end - time.time()))
        if n is None:
            continue
        if want in n.notification_xml:
            return n.notification_xml
    return None


def nacm_tests(a):
    v = a.connect(user="viewer")
    r = v.get_config(source="running", filter=("subtree", SEC % "<certificates/>"))
    check("viewer reads the configuration", "certificates" in r.data_xml, r.data_xml[:200])
    denied("viewer cannot edit", lambda: v.edit_config(target="running", config=config(
        SEC % "<http-authentication><username>viewer-was-here</username></http-authentication>")))
    denied("viewer cannot lock", lambda: v.lock(target="running"))
    denied("viewer cannot import", lambda: v.dispatch(to_ele(
        '<import-certificate xmlns="%s"><pem>x</pem></import-certificate>' % NS)))
    r = v.get(filter=("subtree", '<nacm xmlns="%s"/>' % ACM))
    check("viewer cannot read the NACM rules (default-deny-all)", "rule-list" not in r.data_xml, r.data_xml[:300])

    m = a.connect()
    r = m.get_config(source="running", filter=("subtree", '<nacm xmlns="%s"/>' % ACM))
    check("admin reads the NACM rules", "rule-list" in r.data_xml and "viewer" in r.data_xml, r.data_xml[:300])
    # a rule that lets viewers set the username, before their deny rules
    rule = ('<nacm xmlns="%s"><rule-list><name>viewer-username</name><group>viewer</group>'
            '<rule><name>username</name><module-name>secagent-security</module-name>'
            '<path xmlns:sec="%s">/sec:security/sec:http-authentication/sec:username</path>'
            '<access-operations>create update</access-operations><action>permit</action></rule>'
            '<rule><name>edit</name><module-name>ietf-netconf</module-name><rpc-name>edit-config</rpc-name>'
            '<access-operations>exec</access-operations><action>permit</action></rule>'
            '</rule-list></nacm>' % (ACM, NS))
    m.edit_config(target="running", config=config(rule))
    # rule-lists are ordered: move ours first
    m.edit_config(target="running", config=config(
        '<nacm xmlns="%s" xmlns:yang="urn:ietf:params:xml:ns:yang:1" xmlns:nc="%s">'
        '<rule-list nc:operation="merge" yang:insert="first"><name>viewer-username</name></rule-list></nacm>' % (ACM, NC)))
    v2 = a.connect(user="viewer")
    try:
        v2.edit_config(target="running", config=config(SEC % "<http-authentication><username>by-viewer</username></http-authentication>"))
        rc, out, _ = a.ctl("get", "http-username")
        check("a NACM rule added over NETCONF lets the viewer set the username", out.strip() == "by-viewer", out)
    except RPCError as e:
        not_ok("a NACM rule added over NETCONF lets the viewer set the username", e.message)
    denied("the rule covers the username only", lambda: v2.edit_config(target="running", config=config(
        SEC % "<certificates><accept-all-certificates>true</accept-all-certificates></certificates>")))
    m.edit_config(target="running", config=config(
        '<nacm xmlns="%s" xmlns:nc="%s"><rule-list nc:operation="delete"><name>viewer-username</name></rule-list></nacm>' % (ACM, NC)))
    v3 = a.connect(user="viewer")
    denied("after the rule is deleted the viewer is read-only again", lambda: v3.edit_config(target="running", config=config(
        SEC % "<http-authentication><username>again</username></http-authentication>")))
    a.restart()
    v4 = a.connect(user="viewer")
    denied("NACM rules survive a restart", lambda: v4.edit_config(target="running", config=config(
        SEC % "<http-authentication><username>again</username></http-authentication>")))
    m = a.connect()
    m.edit_config(target="running", config=config(SEC % "<http-authentication><password>never-shown</password></http-authentication>"))
    r = m.get(filter=("xpath", ({"sec": NS}, "/sec:security/sec:http-authentication/sec:password")))
    check("nobody reads the password, admin included", "never-shown" not in r.xml, r.xml[:300])


def notif_tests(a, tmp):
    m = a.connect()
    m.create_subscription()
    ok("create-subscription answers <ok/>")
    rc, out, err = a.ctl("set", "http-username", "changed-by-cli")
    check("secagentctl sets through the daemon", rc == 0, out + err)
    n = wait_notif(m, "netconf-config-change")
    check("a change made by secagentctl raises netconf-config-change",
          n is not None and "username" in n, n)

    # invalid-certificate-received: check-server against an unknown server
    pem, der, fp = make_cert(tmp, "notif-unknown")
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                            "-cert", pem, "-key", os.path.join(tmp, "notif-unknown.key"),
                            "-quiet", "-www"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        rc, out, err = a.ctl("check-server", "127.0.0.1:%d" % port)
        check("check-server through the daemon refuses the unknown server", out.strip() == "refused: unknown-issuer", out + err)
        n = wait_notif(m, "invalid-certificate-received")
        check("invalid-certificate-received with the peer", n is not None and fp in n and "127.0.0.1:%d" % port in n, n)
    finally:
        srv.terminate()
        srv.wait()

    # certificate-expiring and certificate-invalidated from the sweep
    soon = short_lived_pem(4)
    r = m.dispatch(to_ele('<import-certificate xmlns="%s"><pem>%s</pem></import-certificate>' % (NS, soon)))
    m.dispatch(to_ele('<run-expiry-sweep xmlns="%s"/>' % NS))
    n = wait_notif(m, "certificate-expiring")
    check("certificate-expiring for a certificate about to expire", n is not None and "days-to-expiry" in n, n)
    time.sleep(5)
    m.dispatch(to_ele('<run-expiry-sweep xmlns="%s"/>' % NS))
    n = wait_notif(m, "certificate-invalidated")
    check("certificate-invalidated when the sweep moves it to Invalid",
          n is not None and "<reason>expired</reason>" in n.replace(" ", ""), n)

    # a subscriber that vanishes while notifications are being sent
    s = a.connect()
    s.create_subscription()
    writer = a.connect()

    def burst():
        for i in range(150):
            try:
                writer.edit_config(target="running", config=config(
                    SEC % "<http-authentication><username>burst-%d</username></http-authentication>" % i))
            except Exception:
                return
    t = threading.Thread(target=burst)
    t.start()
    time.sleep(0.2)
    try:
        s._session._transport.sock.shutdown(socket.SHUT_RDWR)
    except Exception:
        s._session._transport.close()
    t.join(60)
    check("a subscriber that vanishes mid-burst does not hurt the daemon", a.alive(), a.logtail())
    r = m.get_config(source="running", filter=("subtree", SEC % "<http-authentication/>"))
    check("the daemon still answers after the burst", "burst-149" in r.data_xml, r.data_xml[:300])


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("NACM and notifications", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-nn.")
    a = Agent()
    try:
        nacm_tests(a)
        notif_tests(a, tmp)
    finally:
        check("the daemon is alive at the end", a.alive(), a.logtail())
        a.cleanup()
    finish()


if __name__ == "__main__":
    main()
