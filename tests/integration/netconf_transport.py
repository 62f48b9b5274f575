"""NETCONF transport on the demo profile: the hello, SSH password logins,
TLS with the demo client certificate, the UNIX socket, get-schema,
kill-session and close-session.  Real clients: ncclient over SSH; Python's
ssl and socket modules with the NETCONF 1.0 framing for TLS and UNIX."""
import os
import re
import signal
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (Daemon, Fail, case, check, finish, nc_ssh,  # noqa: E402
                   tls_context, tls_session, tmpdir, unix_session, SRC, BUILD)

from ncclient.operations.rpc import RPCError  # noqa: E402
from ncclient.transport.errors import AuthenticationError  # noqa: E402

T = tmpdir()
d = Daemon(os.path.join(T, "state")).start()
caps = []


def hello_capabilities():
    with nc_ssh(d) as m:
        caps.extend(m.server_capabilities)
    base = [c.split("?")[0] for c in caps]
    for want in ("urn:ietf:params:netconf:capability:candidate:1.0",
                 "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
                 "urn:ietf:params:netconf:capability:validate:1.1",
                 "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
                 "urn:ietf:params:netconf:capability:writable-running:1.0",
                 "urn:ietf:params:netconf:capability:notification:1.0",
                 "urn:ietf:params:netconf:capability:interleave:1.0",
                 "urn:ietf:params:netconf:capability:xpath:1.0"):
        check(want in base, "no %s in %s" % (want, base))
    for never in ("urn:ietf:params:netconf:capability:startup:1.0",
                  "urn:ietf:params:netconf:capability:url:1.0"):
        check(never not in base, "%s is announced" % never)


def hello_with_defaults():
    wd = [c for c in caps if "capability:with-defaults:1.0" in c]
    check(len(wd) == 1, "with-defaults announced %d times" % len(wd))
    args = dict(kv.split("=", 1) for kv in wd[0].split("?", 1)[1].split("&"))
    check(args.get("basic-mode") == "trim", wd[0])
    check(sorted(args.get("also-supported", "").split(",")) ==
          ["report-all", "report-all-tagged"], wd[0])


def hello_yang_library():
    # secagent-security is YANG 1.1: RFC 7950 5.6.4 lists it in the YANG
    # library, whose capability the hello carries, not in the hello
    yl = [c for c in caps if "capability:yang-library:1.1" in c]
    check(len(yl) == 1 and "revision=2019-01-04" in yl[0] and
          "content-id=" in yl[0], "yang-library capability: %s" % yl)
    check(any("module=ietf-netconf&revision=2013-09-29" in c for c in caps),
          "ietf-netconf@2013-09-29 is not announced")


def ssh_password_admin():
    with nc_ssh(d) as m:
        check(m.connected and m.session_id, "not connected")


def ssh_password_viewer():
    with nc_ssh(d, user="viewer") as m:
        check(m.connected, "not connected")


def ssh_wrong_password():
    for user, pw in (("admin", "wrong"), ("nobody", "secagent-demo"),
                     ("viewer", "")):
        try:
            nc_ssh(d, user=user, password=pw).close_session()
        except AuthenticationError:
            continue
        raise Fail("%s with password %r got in" % (user, pw))
    check(d.wait_log(r'password refused for user "admin"'),
          "no log line for the refusal")


def tls_client_cert_admin():
    s = tls_session(d)
    check(s.session_id, "no session-id in the hello")
    m = d.wait_log(r"session %d started: user (\S+), tls" % s.session_id)
    check(m and m.group(1) == "admin", "session %s: %s" %
          (s.session_id, m.group(0) if m else "no log line"))
    reply = s.rpc("<close-session/>")
    check("<ok/>" in reply, reply)
    s.close()


def tls_without_cert():
    try:
        s = tls_session(d, cert=False)
    except (ssl.SSLError, EOFError, ConnectionError) as e:
        return e
    raise Fail("a session without a client certificate: %s" % s.session_id)


def tls_cert_of_other_ca():
    other = os.path.join(T, "other")
    os.makedirs(other)
    key, crt = os.path.join(other, "c.key"), os.path.join(other, "c.pem")
    os.system("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
              "-nodes -keyout %s -out %s -subj /CN=admin -days 2 "
              "2>/dev/null" % (key, crt))
    ctx = tls_context(d, cert=False)
    ctx.load_cert_chain(crt, key)
    try:
        s = tls_session(d, ctx=ctx)
    except (ssl.SSLError, EOFError, ConnectionError):
        return
    raise Fail("a self-signed certificate got session %s" % s.session_id)


def unix_root_admin():
    if os.getuid() != 0:
        raise Fail("run as root: the demo maps uid 0 to admin")
    s = unix_session(d)
    st = os.stat(d.sock)
    check(st.st_mode & 0o007 == 0, "socket mode %o" % (st.st_mode & 0o777))
    m = d.wait_log(r"session %d started: user (\S+), unix" % s.session_id)
    check(m and m.group(1) == "admin", m.group(0) if m else "no log line")
    check("<ok/>" in s.rpc("<close-session/>"), "close-session")
    s.close()


def yang_text(name):
    for dir in (os.path.join(BUILD, "yang"), os.path.join(SRC, "yang")):
        p = os.path.join(dir, name)
        if os.path.exists(p):
            with open(p) as f:
                return f.read()
    raise Fail("no %s" % name)


def get_schema_ours():
    with nc_ssh(d) as m:
        got = m.get_schema("secagent-security").data
    want = yang_text("secagent-security.yang")
    check(got.strip() == want.strip(),
          "%d characters, the file has %d" % (len(got), len(want)))


def get_schema_ietf_netconf():
    with nc_ssh(d) as m:
        got = m.get_schema("ietf-netconf", version="2013-09-29").data
    want = yang_text("ietf-netconf@2013-09-29.yang")
    check(got.strip() == want.strip(), "%d characters, the file has %d" %
          (len(got), len(want)))


def get_schema_unknown():
    with nc_ssh(d) as m:
        try:
            m.get_schema("no-such-module")
        except RPCError as e:
            check(e.tag == "invalid-value", "error-tag %s" % e.tag)
            return
    raise Fail("no error")


def get_schema_over_unix():
    s = unix_session(d)
    r = s.rpc('<get-schema xmlns="urn:ietf:params:xml:ns:yang:'
              'ietf-netconf-monitoring"><identifier>secagent-security'
              '</identifier></get-schema>')
    s.close()
    check("module secagent-security {" in r, r[:200])


def kill_session():
    victim = unix_session(d)
    with nc_ssh(d) as m:
        m.kill_session(str(victim.session_id))
        closed = victim.closed_within(3)
    check(closed, "session %d still open" % victim.session_id)
    check(d.wait_log(r"session %d ended: killed by session" %
                     victim.session_id), "no log line")


def kill_session_bad_ids():
    with nc_ssh(d) as m:
        for sid in (m.session_id, "999999"):
            try:
                m.kill_session(sid)
            except RPCError as e:
                check(e.tag == "invalid-value", "%s: %s" % (sid, e.tag))
                continue
            raise Fail("kill-session %d: no error" % sid)


def kill_session_ssh_closes():
    with nc_ssh(d) as killer:
        victim = nc_ssh(d)
        sid = int(victim.session_id)
        killer.kill_session(str(sid))
        end = time.time() + 3
        while victim.connected and time.time() < end:
            time.sleep(0.05)
        check(not victim.connected, "ncclient session %d still connected"
              % sid)


def unknown_rpc():
    s = unix_session(d)
    r = s.rpc('<no-such-rpc xmlns="urn:example:nothing"/>')
    check("<rpc-error>" in r and 'message-id="1"' in r, r[:300])
    r = s.rpc('<get-schema xmlns="urn:ietf:params:xml:ns:yang:'
              'ietf-netconf-monitoring"><identifier>ietf-inet-types'
              '</identifier></get-schema>')
    s.close()
    check("module ietf-inet-types" in r, "the session did not go on")


def bad_chunk_framing():
    # libnetconf2 2.0.24 faults on these (a NULL dereference); the daemon
    # must drop the one session and serve the others
    for opener in (unix_session, tls_session):
        for bad in (b"\n#0\n\n##\n", b"\n#abc\n", b"\n##\n"):
            s = opener(d, base11=True)
            s.s.sendall(bad)
            check(s.closed_within(5), "%s: %r: still open" % (
                opener.__name__, bad))
            s.close()
            check(d.alive(), "the daemon died on %r" % bad)
    s = unix_session(d)
    r = s.rpc("<get-config><source><running/></source></get-config>")
    s.close()
    check("<data" in r, "a new session after them: " + r[:200])


def close_session():
    s = unix_session(d)
    check("<ok/>" in s.rpc("<close-session/>"), "no ok")
    check(s.closed_within(2), "still open after close-session")


def sighup_cert_to_name():
    conf = os.path.join(d.dir, "secagentd.conf")
    with open(conf) as f:
        text = f.read()
    new = re.sub(r"(cert-to-name 1 \S+ specified) admin", r"\1 viewer", text)
    check(new != text, "no cert-to-name rule for admin in the demo profile")
    with open(conf, "w") as f:
        f.write(new)
    n = d.log_text().count("configuration reloaded")
    d.signal(signal.SIGHUP)
    check(d.wait_log(r"(?s)(configuration reloaded.*){%d}" % (n + 1)),
          "no reload")
    s = tls_session(d)
    m = d.wait_log(r"session %d started: user (\S+), tls" % s.session_id)
    s.close()
    check(m and m.group(1) == "viewer", m.group(0) if m else "no log line")


case("hello: candidate, confirmed-commit:1.1, validate:1.1, "
     "rollback-on-error, writable-running, notification, interleave, xpath; "
     "no startup, no url", hello_capabilities, d)
case("hello: with-defaults basic-mode=trim, also report-all and "
     "report-all-tagged", hello_with_defaults, d)
case("hello: yang-library 1.1 (where YANG 1.1 secagent-security is listed) "
     "and ietf-netconf@2013-09-29", hello_yang_library, d)
case("SSH: admin logs in with the demo password", ssh_password_admin, d)
case("SSH: viewer logs in with the demo password", ssh_password_viewer, d)
case("SSH: a wrong password, an unknown user, an empty password are "
     "refused", ssh_wrong_password, d)
case("TLS: the demo client certificate is user admin", tls_client_cert_admin,
     d)
case("TLS: a client without a certificate is refused", tls_without_cert, d)
case("TLS: a certificate of another CA is refused", tls_cert_of_other_ca, d)
case("UNIX socket: root is admin; the socket is not for others",
     unix_root_admin, d)
case("get-schema secagent-security returns the module's file",
     get_schema_ours, d)
case("get-schema ietf-netconf@2013-09-29 returns its text",
     get_schema_ietf_netconf, d)
case("get-schema of an unknown module: invalid-value", get_schema_unknown, d)
case("get-schema over the UNIX socket", get_schema_over_unix, d)
case("kill-session ends the other session and closes its socket",
     kill_session, d)
case("kill-session of an ncclient session: it sees the end",
     kill_session_ssh_closes, d)
case("kill-session of itself or of no session: invalid-value",
     kill_session_bad_ids, d)
case("an unknown RPC: an rpc-error, and the session goes on",
     unknown_rpc, d)
case("close-session: ok, then the connection closes", close_session, d)
case("malformed 1.1 chunk framing (#0, #abc, ## first) over UNIX and TLS: "
     "that session is dropped, the daemon serves the next", bad_chunk_framing,
     d)
case("SIGHUP: a changed cert-to-name rule maps the client certificate "
     "to its new user", sighup_cert_to_name, d)
rc = d.stop()
case("SIGTERM: exit status 0", lambda: check(rc == 0, "status %s" % rc))
finish()
