#!/usr/bin/python3
"""NETCONF operations of secagentd driven by ncclient: get and get-config
with filters and with-defaults, edit-config and its operations and
options, errors of RFC 6241 Appendix A, locks, the candidate with commit,
discard and confirmed commit, validate, the module's RPCs, and that every
error leaves the store unchanged."""
import base64
import difflib
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F401,F403

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

SEC = '<security xmlns="%s">%%s</security>' % NS


def certs_filter(inner=""):
    return ("subtree", SEC % ("<certificates>%s</certificates>" % inner))


def err_xml(e):
    """The whole rpc-error of an ncclient RPCError, as text."""
    from ncclient.xml_ import to_xml
    x = getattr(e, "xml", None)
    return to_xml(x) if x is not None and not isinstance(x, str) else str(x or e.info)


def expect_error(name, fn, tag, contains=None):
    try:
        fn()
    except RPCError as e:
        t, msg, info = rpc_error(e)
        if t == tag and (contains is None or contains in err_xml(e)):
            ok("%s: %s" % (name, tag))
        else:
            not_ok(name, "got %s: %s" % (t, msg))
        return e
    not_ok(name, "no error, expected %s" % tag)
    return None


def snapshot(agent):
    """The lists as secagentctl shows them, but for days-to-expiry: a
    certificate made this second turns from 365 to 364 days within it."""
    rc, out, err = agent.ctl("list", "--json")
    if rc != 0:
        diag("secagentctl list failed (%s): %s" % (rc, err.strip()[:300]))
    return re.sub(r'"days-to-expiry": -?\d+', '"days-to-expiry": _', out)


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("NETCONF operations", "secagentd is not built")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-ops.")
    ca_pem, ca_der, ca_fp = make_cert(tmp, "ops-ca", ca=True)
    leaf_pem, leaf_der, leaf_fp = make_cert(tmp, "ops-leaf", issuer="ops-ca")
    other_pem, other_der, other_fp = make_cert(tmp, "ops-other")
    a = Agent()
    try:
        m = a.connect()
        m = run(a, m, ca_der, ca_fp, leaf_der, leaf_fp, leaf_pem, other_der, other_fp, ca_pem)
        m.close_session()
    finally:
        check("the daemon is alive after the operations", a.alive(), a.logtail())
        a.cleanup()
    finish()


def ca_entry(fp, der, op=None):
    attr = ' xmlns:nc="%s" nc:operation="%s"' % (NC, op) if op else ""
    return "<ca-certificate%s><fingerprint>%s</fingerprint><cert-data>%s</cert-data></ca-certificate>" % (
        attr, fp, base64.b64encode(der).decode())


def run(a, m, ca_der, ca_fp, leaf_der, leaf_fp, leaf_pem, other_der, other_fp, ca_pem):
    caps = list(m.server_capabilities)
    check("hello advertises :candidate and :confirmed-commit:1.1",
          any("candidate" in c for c in caps) and any("confirmed-commit:1.1" in c for c in caps))

    # get-config of everything and of a subtree
    r = m.get_config(source="running")
    check("get-config running answers the module", "security" in r.data_xml, r.data_xml[:300])
    check("get-config never shows the password", "<password" not in r.data_xml)

    # edit-config merge creates a configured CA entry
    m.edit_config(target="running", config=config(SEC % ("<certificates>%s</certificates>" % ca_entry(ca_fp, ca_der))))
    r = m.get_config(source="running", filter=certs_filter("<ca-certificate><fingerprint>%s</fingerprint></ca-certificate>" % ca_fp))
    check("merge of a CA entry: it is in running", ca_fp in r.data_xml, r.data_xml[:400])
    rc, out, _ = a.ctl("show", ca_fp[:16])
    check("the same entry is seen by secagentctl, origin configured", "configured" in out, out)

    # get of one certificate by key returns only that one, with details
    r = m.get(filter=certs_filter("<ca-certificate><fingerprint>%s</fingerprint></ca-certificate>" % ca_fp))
    check("get by key: one entry with its details", r.data_xml.count("<ca-certificate") == 1 and "not-after" in r.data_xml, r.data_xml[:500])

    # XPath filter
    r = m.get_config(source="running", filter=("xpath", ({"sec": NS}, "/sec:security/sec:certificates/sec:ca-certificate[sec:fingerprint='%s']" % ca_fp)))
    check("XPath filter selects the entry", ca_fp in r.data_xml and r.data_xml.count("<ca-certificate") == 1, r.data_xml[:400])

    # create of an existing entry: data-exists, nothing changes
    before = snapshot(a)
    expect_error("create of an existing entry", lambda: m.edit_config(
        target="running", config=config(SEC % ("<certificates>%s</certificates>" % ca_entry(ca_fp, ca_der, "create")))), "data-exists")
    after = snapshot(a)
    check("after data-exists the store is unchanged", after == before,
          [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")][:12])

    # a CA certificate in the Server list: invalid-value
    expect_error("a CA certificate configured in the Server list",
                 lambda: m.edit_config(target="running", config=config(SEC % (
                     "<certificates><server-certificate><fingerprint>%s</fingerprint><cert-data>%s</cert-data></server-certificate></certificates>"
                     % (ca_fp, base64.b64encode(ca_der).decode())))), "invalid-value")

    # a fingerprint that does not match the DER
    expect_error("a fingerprint that does not match cert-data",
                 lambda: m.edit_config(target="running", config=config(SEC % (
                     "<certificates>%s</certificates>" % ca_entry("0" * 64, ca_der)))), "invalid-value")

    # a 75-character username: invalid-value with the path
    before = snapshot(a)
    e = expect_error("a username of 75 characters", lambda: m.edit_config(
        target="running", config=config(SEC % ("<http-authentication><username>%s</username></http-authentication>" % ("u" * 75)))),
        "invalid-value")
    check("the error names the path of the bad value", e is not None and "error-path" in err_xml(e) and "username" in err_xml(e), e and err_xml(e))
    m.edit_config(target="running", config=config(SEC % ("<http-authentication><username>%s</username></http-authentication>" % ("u" * 74))))
    rc, out, _ = a.ctl("get", "http-username")
    check("a username of 74 characters is stored", out.strip() == "u" * 74, out)

    # unknown element: unknown-element with bad-element
    e = expect_error("an unknown element", lambda: m.edit_config(
        target="running", config=config(SEC % "<no-such-thing>1</no-such-thing>")), "unknown-element")
    check("unknown-element names the bad element", e is not None and "bad-element>no-such-thing<" in err_xml(e), e and err_xml(e))

    # yang:insert on a list that is not ordered-by user: bad-attribute
    expect_error("yang:insert on ca-certificate (ordered-by system)", lambda: m.edit_config(
        target="running", config=config(SEC % (
            '<certificates><ca-certificate xmlns:yang="urn:ietf:params:xml:ns:yang:1" yang:insert="first">'
            '<fingerprint>%s</fingerprint><cert-data>%s</cert-data></ca-certificate></certificates>'
            % (other_fp, base64.b64encode(other_der).decode())))), "bad-attribute")

    # the same leaf twice in one edit: invalid-value, nothing changes
    expect_error("a leaf given twice in one edit", lambda: m.edit_config(
        target="running", config=config(SEC % (
            "<http-authentication><username>a</username><username>b</username>"
            "</http-authentication>"))), "invalid-value")

    # delete of what does not exist: data-missing
    expect_error("delete of a missing entry", lambda: m.edit_config(target="running", config=config(SEC % (
        "<certificates>%s</certificates>" % ca_entry(other_fp, other_der, "delete")))), "data-missing")
    # remove of what does not exist: fine
    m.edit_config(target="running", config=config(SEC % ("<certificates>%s</certificates>" % ca_entry(other_fp, other_der, "remove"))))
    ok("remove of a missing entry is not an error")

    # atomic: one good and one bad change in one edit changes nothing
    before = snapshot(a)
    expect_error("an edit with one bad part", lambda: m.edit_config(target="running", config=config(SEC % (
        "<certificates><accept-all-certificates>true</accept-all-certificates></certificates>"
        "<http-authentication><password>%s</password></http-authentication>" % ("p" * 80)))), "invalid-value")
    rc, out, _ = a.ctl("get", "accept-all-certificates")
    after = snapshot(a)
    check("an edit is all or nothing", out.strip() == "false" and after == before,
          out if after == before else [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")][:12])

    # test-only changes nothing
    m.edit_config(target="running", test_option="test-only", config=config(SEC % (
        "<certificates><accept-all-certificates>true</accept-all-certificates></certificates>")))
    rc, out, _ = a.ctl("get", "accept-all-certificates")
    check("test-option test-only validates and changes nothing", out.strip() == "false", out)

    # with-defaults
    r = m.get_config(source="running", filter=certs_filter("<accept-all-certificates/>"), with_defaults="report-all")
    check("with-defaults report-all shows accept-all-certificates false", "accept-all-certificates>false<" in r.data_xml, r.data_xml[:300])
    r = m.get_config(source="running", filter=certs_filter("<accept-all-certificates/>"))
    check("trim (the basic mode) leaves the default out", "accept-all-certificates" not in r.data_xml, r.data_xml[:300])
    r = m.get_config(source="running", filter=certs_filter("<accept-all-certificates/>"), with_defaults="report-all-tagged")
    check("report-all-tagged marks the default", "default" in r.data_xml and "accept-all-certificates" in r.data_xml, r.data_xml[:400])

    # the password is written, never read
    m.edit_config(target="running", config=config(SEC % "<http-authentication><password>s3cret-pw</password></http-authentication>"))
    r = m.get(filter=("subtree", SEC % "<http-authentication/>"))
    check("the password is set but never returned", "s3cret-pw" not in r.data_xml and "<password" not in r.data_xml, r.data_xml)

    # replace of a container drops what the new content does not name
    m.edit_config(target="running", config=config(SEC % (
        '<http-authentication xmlns:nc="%s" nc:operation="replace"><username>only</username></http-authentication>' % NC)))
    rc, out, _ = a.ctl("get", "http-username")
    check("replace sets the new content", out.strip() == "only", out)

    # default-operation none with an explicit delete
    m.edit_config(target="running", default_operation="none", config=config(SEC % (
        "<certificates>%s</certificates>" % ca_entry(ca_fp, ca_der, "delete"))))
    rc, out, _ = a.ctl("show", ca_fp[:16])
    check("default-operation none with a nested delete", rc == 1, out)

    # locks
    m2 = a.connect()
    m.lock(target="running")
    e = expect_error("a second lock on running", lambda: m2.lock(target="running"), "lock-denied")
    check("lock-denied carries the holder's session-id", e is not None and "session-id>%s<" % m.session_id in err_xml(e), e and err_xml(e))
    expect_error("an edit of a datastore locked by another session", lambda: m2.edit_config(
        target="running", config=config(SEC % "<http-authentication><username>x</username></http-authentication>")), "in-use")
    rc, out, err = a.ctl("set", "http-username", "from-cli")
    check("while NETCONF locks running, the CLI is held off", rc != 0, out + err)
    m.edit_config(target="running", config=config(SEC % "<http-authentication><username>holder</username></http-authentication>"))
    ok("the holder of the lock edits")
    m.unlock(target="running")
    m2.edit_config(target="running", config=config(SEC % "<http-authentication><username>after</username></http-authentication>"))
    ok("after unlock others edit again")
    m2.lock(target="running")
    m2.close_session()
    time.sleep(0.3)
    m.lock(target="running")
    ok("a lock is released when its session closes")
    m.unlock(target="running")

    # candidate, commit, discard
    m.edit_config(target="candidate", config=config(SEC % "<certificates><accept-all-certificates>true</accept-all-certificates></certificates>"))
    rc, out, _ = a.ctl("get", "accept-all-certificates")
    check("an edit of the candidate leaves running alone", out.strip() == "false", out)
    r = m.get_config(source="candidate", filter=certs_filter("<accept-all-certificates/>"))
    check("get-config of the candidate shows the edit", "accept-all-certificates>true<" in r.data_xml, r.data_xml[:300])
    m.discard_changes()
    r = m.get_config(source="candidate", filter=certs_filter("<accept-all-certificates/>"))
    check("discard-changes reverts the candidate", "true" not in r.data_xml, r.data_xml[:300])
    m.edit_config(target="candidate", config=config(SEC % "<certificates><accept-all-certificates>true</accept-all-certificates></certificates>"))
    m.commit()
    rc, out, _ = a.ctl("get", "accept-all-certificates")
    check("commit makes the candidate running", out.strip() == "true", out)
    m.edit_config(target="running", config=config(SEC % "<certificates><accept-all-certificates>false</accept-all-certificates></certificates>"))

    # validate
    m.edit_config(target="candidate", config=config(SEC % ("<certificates><server-certificate><fingerprint>%s</fingerprint><cert-data>%s</cert-data></server-certificate></certificates>"
                                                          % (ca_fp, base64.b64encode(ca_der).decode()))))
    expect_error("validate of a candidate with a CA certificate in Server", lambda: m.validate(source="candidate"), "invalid-value")
    expect_error("commit of that candidate is refused", lambda: m.commit(), "invalid-value")
    m.discard_changes()
    m.validate(source="candidate")
    ok("validate of a good candidate")

    # confirmed commit: rolled back by its timeout
    m.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>confirmed</username></http-authentication>"))
    m.commit(confirmed=True, timeout="2")
    rc, out, _ = a.ctl("get", "http-username")
    check("a confirmed commit applies at once", out.strip() == "confirmed", out)
    time.sleep(3.5)
    rc, out, _ = a.ctl("get", "http-username")
    check("without confirmation it rolls back after its timeout", out.strip() == "after", out)
    # confirmed, then confirmed by a second commit
    m.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>kept</username></http-authentication>"))
    m.commit(confirmed=True, timeout="2")
    m.commit()
    time.sleep(2.5)
    rc, out, _ = a.ctl("get", "http-username")
    check("a confirming commit makes it stay", out.strip() == "kept", out)
    # cancel-commit
    m.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>cancelled</username></http-authentication>"))
    m.commit(confirmed=True, timeout="60")
    m.cancel_commit()
    rc, out, _ = a.ctl("get", "http-username")
    check("cancel-commit rolls back at once", out.strip() == "kept", out)
    # the session of the confirmed commit ends: rollback
    m3 = a.connect()
    m3.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>cut-off</username></http-authentication>"))
    m3.commit(confirmed=True, timeout="60")
    m3.close_session()
    time.sleep(0.5)
    rc, out, _ = a.ctl("get", "http-username")
    check("a confirmed commit whose session ends rolls back", out.strip() == "kept", out)

    # the rollback is the server's own: a lock on running does not stop it
    m.lock(target="running")
    m.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>locked</username></http-authentication>"))
    m.commit(confirmed=True, timeout="2")
    time.sleep(3.5)
    rc, out, _ = a.ctl("get", "http-username")
    check("a confirmed commit under its own session's lock still rolls back", out.strip() == "kept", out)
    m.unlock(target="running")
    m.edit_config(target="candidate", config=config(SEC % "<http-authentication><username>persisted</username></http-authentication>"))
    m.commit(confirmed=True, timeout="2", persist="pp")
    m4 = a.connect()
    m4.lock(target="running")
    time.sleep(3.5)
    rc, out, _ = a.ctl("get", "http-username")
    check("a persistent confirmed commit rolls back while another session locks running", out.strip() == "kept", out)
    m4.unlock(target="running")
    m4.close_session()
    check("and no rollback point is left for the next start",
          not os.path.exists(os.path.join(a.dir, "confirmed-commit.xml")), os.listdir(a.dir))

    # module RPCs
    r = m.dispatch(to_ele('<import-certificate xmlns="%s"><pem>%s</pem></import-certificate>' % (NS, open(ca_pem).read())))
    check("import-certificate answers the list of each certificate", ca_fp in r.xml and "<list>ca</list>" in r.xml.replace(" ", ""), r.xml[:500])
    r = m.dispatch(to_ele('<import-certificate xmlns="%s"><cert-data>%s</cert-data></import-certificate>' % (NS, base64.b64encode(other_der).decode())))
    check("import-certificate of DER: a self-signed server certificate to server", other_fp in r.xml and "server" in r.xml, r.xml[:500])
    expect_error("import-certificate of garbage", lambda: m.dispatch(to_ele(
        '<import-certificate xmlns="%s"><pem>not a certificate</pem></import-certificate>' % NS)), "invalid-value")
    expect_error("accept-certificate of a Server entry", lambda: m.dispatch(to_ele(
        '<accept-certificate xmlns="%s"><fingerprint>%s</fingerprint></accept-certificate>' % (NS, other_fp))), "invalid-value")
    m.dispatch(to_ele('<remove-certificate xmlns="%s"><fingerprint>%s</fingerprint></remove-certificate>' % (NS, other_fp)))
    rc, out, _ = a.ctl("show", other_fp[:16])
    check("remove-certificate removes", rc == 1)
    expect_error("remove-certificate of an unknown fingerprint", lambda: m.dispatch(to_ele(
        '<remove-certificate xmlns="%s"><fingerprint>%s</fingerprint></remove-certificate>' % (NS, other_fp))), "data-missing")

    expect_error("error-option continue-on-error", lambda: m.edit_config(
        target="running", error_option="continue-on-error",
        config=config(SEC % "<http-authentication><username>x</username></http-authentication>")),
        "operation-not-supported")
    m.edit_config(target="running", error_option="rollback-on-error",
                  config=config(SEC % "<http-authentication><username>rb</username></http-authentication>"))
    ok("error-option rollback-on-error")

    # running is persistent: a restart keeps what was configured
    m.edit_config(target="running", config=config(SEC % (
        "<certificates>%s<accept-all-certificates>true</accept-all-certificates></certificates>"
        "<http-authentication><username>persisted</username></http-authentication>" % ca_entry(ca_fp, ca_der))))
    m.close_session()
    a.restart()
    m = a.connect()
    r = m.get_config(source="running", filter=("subtree", SEC % ""))
    check("the configuration survives a restart", ca_fp in r.data_xml and
          "<username>persisted</username>" in r.data_xml and
          "accept-all-certificates>true<" in r.data_xml, r.data_xml[:300])
    m.edit_config(target="running", config=config(SEC % "<certificates><accept-all-certificates>false</accept-all-certificates></certificates>"))

    # there is no startup datastore (no :startup): delete-config is refused
    try:
        m.delete_config(target="startup")
        not_ok("delete-config of startup is refused", "accepted")
    except RPCError as e:
        ok("delete-config of startup is refused: %s" % e.tag)
    expect_error("get-config of startup", lambda: m.get_config(source="startup"), "operation-failed")
    return m


if __name__ == "__main__":
    main()
