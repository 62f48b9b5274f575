#!/usr/bin/python3
"""Only an administrator changes the trust (NACM, RFC 8341), with ncclient
against the demo daemon:

- users added to secagentd.conf after the first start (group viewer, a
  group NACM does not know, no group) read without the password and run
  none of the trust RPCs, lock nothing, write nothing; the configuration's
  group takes effect at each reload;
- a user who may write one leaf cannot add itself to group admin with the
  with-defaults attribute, by edit-config, the candidate, copy-config or
  replace;
- XPath and subtree filters cannot test what NACM hides;
- notifications carry only what the subscriber may read;
- the rollback of a confirmed commit is its maker's write: it cannot undo
  an administrator's change of NACM made meanwhile."""
import os
import re
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import (NS, NC, Agent, check, config, finish, make_cert,  # noqa: E402
                      not_ok, ok, skip, BUILD)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nclib import crypt_hash  # noqa: E402

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

SEC = '<security xmlns="%s">%%s</security>' % NS
ACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
# the with-defaults attribute: RFC 6243's namespace, and the YANG module's,
# which libyang takes too
WDS = ("urn:ietf:params:xml:ns:netconf:default:1.0",
       "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults")
PW = "secagent-demo"
FP = "0" * 64


def rpc(m, body):
    return m.dispatch(to_ele(body))


def denied(name, fn):
    """ok when fn fails with access-denied."""
    try:
        fn()
    except RPCError as e:
        return check(name, e.tag == "access-denied", "%s: %s" % (e.tag, e.message))
    return not_ok(name, "permitted")


def refused(name, fn):
    """ok when fn fails with access-denied, or invalid-value (a node the
    with-defaults attribute marks default that holds no default)."""
    try:
        fn()
    except RPCError as e:
        return check(name, e.tag in ("access-denied", "invalid-value"),
                     "%s: %s" % (e.tag, e.message))
    return not_ok(name, "permitted")


def add_users(a, lines):
    """Appends user lines to the demo's secagentd.conf and reloads."""
    with open(os.path.join(a.dir, "secagentd.conf"), "a") as f:
        f.write("".join(line + "\n" for line in lines))
    reload(a)


def reload(a):
    before = a.logtail(100000).count("configuration reloaded")
    a.proc.send_signal(signal.SIGHUP)
    end = time.time() + 10
    while time.time() < end and a.logtail(100000).count("configuration reloaded") == before:
        time.sleep(0.05)


def set_group(a, user, group):
    """Rewrites the user's line with another group (None: none) and reloads."""
    path = os.path.join(a.dir, "secagentd.conf")
    lines = open(path).read().splitlines()
    out = []
    for line in lines:
        if line.startswith("user %s " % user):
            line = re.sub(r" group \S+", "", line)
            if group:
                line = line.replace("user %s " % user, "user %s group %s " % (user, group), 1)
        out.append(line)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    reload(a)


TRUST_RPCS = [
    ("import-certificate", '<import-certificate xmlns="%s"><pem>%%s</pem></import-certificate>' % NS),
    ("accept-certificate", '<accept-certificate xmlns="%s"><fingerprint>%s</fingerprint>'
     '</accept-certificate>' % (NS, FP)),
    ("reject-certificate", '<reject-certificate xmlns="%s"><fingerprint>%s</fingerprint>'
     '</reject-certificate>' % (NS, FP)),
    ("remove-certificate", '<remove-certificate xmlns="%s"><fingerprint>%s</fingerprint>'
     '</remove-certificate>' % (NS, FP)),
    ("restore-defaults", '<restore-defaults xmlns="%s"/>' % NS),
    ("provision-now", '<provision-now xmlns="%s"/>' % NS),
    ("check-server", '<check-server xmlns="%s"><address>127.0.0.1:1</address>'
     '</check-server>' % NS),
    ("run-expiry-sweep", '<run-expiry-sweep xmlns="%s"/>' % NS),
]


def snapshot(a):
    """The store as secagentctl lists it, but for days-to-expiry, which a
    certificate made this second changes within it."""
    rc, out, _ = a.ctl("list", "--json")
    out = re.sub(r'"days-to-expiry": -?\d+', '"days-to-expiry": _', out)
    return out, a.ctl("get", "http-username")[1], a.ctl("get", "accept-all-certificates")[1]


def late_users(a, tmp):
    ca_pem = open(make_cert(tmp, "late-ca", ca=True)[0]).read()
    add_users(a, ["user carol group viewer password %s" % crypt_hash(PW),
                  "user dave group auditors password %s" % crypt_hash(PW),
                  "user erin password %s" % crypt_hash(PW)])
    before = snapshot(a)
    for user, what in (("carol", "in group viewer"), ("dave", "in a group NACM does not know"),
                       ("erin", "in no group")):
        m = a.connect(user=user)
        r = m.get_config(source="running", filter=("subtree", SEC % ""))
        check("%s, added after the first start %s, reads the configuration" % (user, what),
              "certificates" in r.data_xml and "password" not in r.data_xml, r.data_xml[:200])
        bad = []
        for name, body in TRUST_RPCS:
            try:
                rpc(m, body % ca_pem if "%s" in body else body)
                bad.append(name + ": permitted")
            except RPCError as e:
                if e.tag != "access-denied":
                    bad.append("%s: %s" % (name, e.tag))
        check("%s runs none of the eight trust RPCs (access-denied)" % user, not bad, bad)
        denied("%s cannot edit the username" % user, lambda: m.edit_config(
            target="running", config=config(SEC % "<http-authentication><username>%s</username>"
                                            "</http-authentication>" % user)))
        denied("%s cannot turn accept-all on" % user, lambda: m.edit_config(
            target="running", config=config(SEC % "<certificates><accept-all-certificates>true"
                                            "</accept-all-certificates></certificates>")))
        denied("%s cannot lock running" % user, lambda: m.lock(target="running"))
        m.close_session()
    after = snapshot(a)
    check("... and the store is as it was", after == before, (before, after))

    # the configuration's group is applied at each reload
    set_group(a, "erin", "admin")
    m = a.connect(user="erin")
    try:
        rpc(m, TRUST_RPCS[0][1] % ca_pem)
        ok("erin, moved to group admin in secagentd.conf, imports after a reload")
    except RPCError as e:
        not_ok("erin, moved to group admin in secagentd.conf, imports after a reload", e.message)
    m.close_session()
    set_group(a, "erin", None)
    m = a.connect(user="erin")
    denied("back in no group, erin may not import after the next reload",
           lambda: rpc(m, TRUST_RPCS[0][1] % ca_pem))
    m.close_session()


def ops_user(a):
    """User ops (in NACM's group ops) may change the provisioning interval,
    no more."""
    add_users(a, ["user ops password %s" % crypt_hash(PW)])
    m = a.connect()
    m.edit_config(target="running", config=config(
        '<nacm xmlns="%s"><groups><group><name>ops</name><user-name>ops</user-name></group>'
        '</groups><rule-list><name>ops</name><group>ops</group>'
        '<rule><name>interval</name><module-name>secagent-security</module-name>'
        '<path xmlns:sec="%s">/sec:security/sec:provisioning/sec:interval</path>'
        '<access-operations>create update delete</access-operations><action>permit</action>'
        '</rule></rule-list></nacm>' % (ACM, NS)))
    m.close_session()


def admin_members(a):
    with a.connect() as m:
        x = m.get_config(source="running", filter=("subtree", '<nacm xmlns="%s"/>' % ACM)).data_xml
    admin = re.search(r"<group>\s*<name>admin</name>(.*?)</group>", x, re.S)
    return sorted(set(re.findall(r"<user-name>([^<]*)</user-name>", admin.group(1)))) \
        if admin else [], x


def self_promotion(a):
    ops_user(a)
    o = a.connect(user="ops")
    o.edit_config(target="running", config=config(
        SEC % "<provisioning><interval>120</interval></provisioning>"))
    check("ops sets the provisioning interval (its one rule)", a.ctl("get", "provisioning-interval")[1].strip() == "120")
    members0, nacm0 = admin_members(a)
    grp = ('<groups><group><name>admin</name><user-name%s>ops</user-name></group></groups>')
    attempts = [
        ("wd:default on the new user-name", "running",
         '<nacm xmlns="%s" xmlns:wd="%s">%s</nacm>' % (ACM, WDS[0], grp % ' wd:default="true"')),
        ("wd:default on the group", "running",
         '<nacm xmlns="%s" xmlns:wd="%s"><groups><group wd:default="true"><name>admin</name>'
         '<user-name>ops</user-name></group></groups></nacm>' % (ACM, WDS[0])),
        ("wd:default on the nacm container", "running",
         '<nacm xmlns="%s" xmlns:wd="%s" wd:default="true">%s</nacm>' % (ACM, WDS[0], grp % "")),
        ("a plain edit", "running", '<nacm xmlns="%s">%s</nacm>' % (ACM, grp % "")),
        ("operation replace", "running",
         '<nacm xmlns="%s" xmlns:nc="%s" nc:operation="replace"><enable-nacm>false</enable-nacm></nacm>'
         % (ACM, NC)),
        ("wd:default on a new rule-list that permits its group everything", "running",
         '<nacm xmlns="%s" xmlns:wd="%s"><rule-list wd:default="true"><name>pwn</name>'
         '<group>ops</group><rule><name>all</name><module-name>*</module-name>'
         '<access-operations>*</access-operations><action>permit</action></rule></rule-list>'
         '</nacm>' % (ACM, WDS[0])),
        ("wd:default on every node of a new rule-list", "running",
         '<nacm xmlns="%s" xmlns:wd="%s"><rule-list wd:default="true"><name wd:default="true">'
         'pwn</name><group wd:default="true">ops</group><rule wd:default="true"><name>all</name>'
         '<action wd:default="true">permit</action></rule></rule-list></nacm>' % (ACM, WDS[0])),
        ("wd:default on enable-nacm false", "running",
         '<nacm xmlns="%s" xmlns:wd="%s"><enable-nacm wd:default="true">false</enable-nacm>'
         '</nacm>' % (ACM, WDS[0])),
        ("wd:default on write-default permit", "running",
         '<nacm xmlns="%s" xmlns:wd="%s"><write-default wd:default="true">permit</write-default>'
         '</nacm>' % (ACM, WDS[0])),
        ("wd:default through the candidate", "candidate",
         '<nacm xmlns="%s" xmlns:wd="%s">%s</nacm>' % (ACM, WDS[0], grp % ' wd:default="true"')),
    ]
    for name, ds, body in attempts:
        for wd in WDS if "wd:" in name else WDS[:1]:
            refused("ops cannot add itself to group admin: %s (%s)" % (name, wd),
                    lambda: o.edit_config(target=ds, config=config(body.replace(WDS[0], wd))))

    o.discard_changes()
    # copy-config of a whole configuration into the candidate
    with a.connect() as m:
        full = m.get_config(source="running").data_xml
    full = re.sub(r"^<\?xml[^>]*>", "", full.strip())
    full = re.sub(r"^<data[^>]*>|</data>$", "", full.strip())
    if "<name>admin</name><user-name>" in full:
        grown = full.replace("<name>admin</name><user-name>",
                             "<name>admin</name><user-name>ops</user-name><user-name>", 1)
    elif "<groups>" in full:
        grown = full.replace("<groups>", "<groups><group><name>admin</name>"
                             "<user-name>ops</user-name></group>", 1)
    else:
        grown = full.replace("<rule-list>", grp % "" + "<rule-list>", 1)
    check("the copy names ops in group admin", "<user-name>ops</user-name>" in grown, grown[:300])
    denied("ops cannot copy-config a configuration naming it admin into the candidate",
           lambda: rpc(o, '<copy-config xmlns="%s"><target><candidate/></target><source>%s'
                       '</source></copy-config>' % (NC, config(grown))))
    try:
        o.commit()
    except RPCError:
        pass
    members, nacm = admin_members(a)
    check("NACM is as it was: ops is in no group of it", members == members0 and nacm == nacm0,
          (members0, members))
    denied("ops still may not import", lambda: rpc(o, TRUST_RPCS[4][1]))
    o.close_session()


def hide_from_viewers(m, name, path):
    """A first rule-list that denies group viewer the reading of path."""
    m.edit_config(target="running", config=config(
        '<nacm xmlns="%s" xmlns:yang="urn:ietf:params:xml:ns:yang:1" xmlns:nc="%s">'
        '<rule-list nc:operation="merge" yang:insert="first"><name>%s</name>'
        '<group>viewer</group><rule><name>hide</name><module-name>secagent-security</module-name>'
        '<path xmlns:sec="%s">%s</path><access-operations>read</access-operations>'
        '<action>deny</action></rule></rule-list></nacm>' % (ACM, NC, name, NS, path)))


def filter_leaks(a):
    with a.connect() as m:
        m.edit_config(target="running", config=config(
            SEC % "<provisioning><server-url>https://127.0.0.1:1/secret-%s.xml</server-url>"
            "<interval>3600</interval></provisioning>" % "k3y"))
        hide_from_viewers(m, "no-url", "/sec:security/sec:provisioning/sec:server-url")
    v = a.connect(user="viewer")
    ns = {"sec": NS, "nacm": ACM}

    def xp(sel):
        return re.sub(r'message-id="[^"]*"', "", v.get(filter=("xpath", (ns, sel))).xml)

    t = xp("/sec:security[count(/nacm:nacm/nacm:rule-list[nacm:name='admin']) > 0]/sec:provisioning/sec:interval")
    f = xp("/sec:security[count(/nacm:nacm/nacm:rule-list[nacm:name='no-such']) > 0]/sec:provisioning/sec:interval")
    check("an XPath filter cannot test NACM data (a true and a false predicate answer alike)",
          t == f and "interval" not in t, (t[-200:], f[-200:]))
    t = xp("/sec:security/sec:provisioning[sec:server-url='https://127.0.0.1:1/secret-k3y.xml']/sec:interval")
    f = xp("/sec:security/sec:provisioning[sec:server-url='https://127.0.0.1:1/wrong.xml']/sec:interval")
    check("an XPath filter cannot test a leaf NACM hides (right and wrong guess alike)",
          t == f and "interval" not in t, (t[-200:], f[-200:]))

    def sub(url):
        return re.sub(r'message-id="[^"]*"', "", v.get(filter=("subtree", SEC % (
            "<provisioning><server-url>%s</server-url><interval/></provisioning>" % url))).xml)

    t, f = sub("https://127.0.0.1:1/secret-k3y.xml"), sub("https://127.0.0.1:1/wrong.xml")
    check("a subtree content match cannot test a leaf NACM hides", t == f and "interval" not in t,
          (t[-200:], f[-200:]))
    t = sub("")
    r = v.get(filter=("subtree", SEC % "<provisioning/>")).xml
    check("the viewer reads the rest of provisioning, not the URL",
          "secret-k3y" not in r and "provisioning" in r, r[-300:])
    v.close_session()


def notification_leaks(a, tmp):
    with a.connect() as m:
        hide_from_viewers(m, "no-ca", "/sec:security/sec:certificates/sec:ca-certificate")
    v = a.connect(user="viewer")
    v.create_subscription()
    m = a.connect()
    m.create_subscription()
    adm = a.connect()
    ca, _, ca_fp = make_cert(tmp, "notif-ca", ca=True, days=10)
    leaf, _, leaf_fp = make_cert(tmp, "notif-leaf")
    adm.edit_config(target="running", config=config(
        SEC % "<http-authentication><password>n0t-for-viewers</password></http-authentication>"))
    rpc(adm, TRUST_RPCS[0][1] % open(ca).read())
    rpc(adm, TRUST_RPCS[0][1] % open(leaf).read())
    rpc(adm, TRUST_RPCS[7][1])         # run-expiry-sweep: the CA expires in 10 days

    def drain(s, secs):
        got, end = [], time.time() + secs
        while time.time() < end:
            n = s.take_notification(block=True, timeout=0.2)
            if n is not None:
                got.append(n.notification_xml)
        return got

    seen_m, seen_v = drain(m, 3), drain(v, 1)
    am = "\n".join(seen_m)
    check("the administrator's subscription sees the password change, both imports and "
          "the CA's certificate-expiring",
          "http-authentication/sec:password" in am and ca_fp in am and leaf_fp in am and
          "certificate-expiring" in am, am[-400:])
    av = "\n".join(seen_v)
    check("the viewer's netconf-config-change names the Server entry it may read",
          leaf_fp in av, av[-400:])
    check("... but never the password nor the CA entry it may not read",
          "password" not in av and ca_fp not in av, av[-600:])
    check("... and no certificate-expiring about that CA", "certificate-expiring" not in av, av[-400:])
    for s in (v, m, adm):
        s.close_session()


def rollback_as_maker(a):
    o = a.connect(user="ops")
    o.edit_config(target="candidate", config=config(
        SEC % "<provisioning><interval>77</interval></provisioning>"))
    o.commit(confirmed=True, timeout="3")
    with a.connect() as m:
        m.edit_config(target="running", config=config(
            '<nacm xmlns="%s"><rule-list><name>audit</name><group>auditors</group>'
            '<rule><name>read</name><module-name>*</module-name><access-operations>read'
            '</access-operations><action>permit</action></rule></rule-list></nacm>' % ACM))
    time.sleep(5)
    _, nacm = admin_members(a)
    check("a confirmed commit of ops does not roll back an administrator's later NACM change",
          "<name>audit</name>" in nacm, nacm[-300:])
    check("... nor its own change: running keeps it, and the log says why",
          a.ctl("get", "provisioning-interval")[1].strip() == "77" and
          "not rolled back" in a.logtail(20000), a.logtail(600))
    o.close_session()
    # alone, the same confirmed commit rolls back
    o = a.connect(user="ops")
    o.edit_config(target="candidate", config=config(
        SEC % "<provisioning><interval>78</interval></provisioning>"))
    o.commit(confirmed=True, timeout="2")
    time.sleep(4)
    check("ops's confirmed commit alone rolls back when unconfirmed",
          a.ctl("get", "provisioning-interval")[1].strip() == "77",
          a.ctl("get", "provisioning-interval"))
    o.close_session()


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("NACM and the trust", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-nacm.")
    a = Agent()
    try:
        for fn in (lambda: late_users(a, tmp), lambda: self_promotion(a),
                   lambda: filter_leaks(a), lambda: notification_leaks(a, tmp),
                   lambda: rollback_as_maker(a)):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - report, go on
                import traceback
                not_ok("NACM case", "%s: %s" % (type(e).__name__, e))
                print("# " + traceback.format_exc().replace("\n", "\n# "))
                print("# " + a.logtail(1500).replace("\n", "\n# "))
            check("the daemon still runs", a.alive(), a.logtail())
    finally:
        a.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
