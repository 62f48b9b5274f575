#!/usr/bin/python3
"""20 secagentd provision from one lighttpd over HTTPS with digest
authentication, laid out as contrib/provisioning-server says (lighttpd.conf,
make-devices.sh): one file per device, named by its device id (one agent
uses its MAC address, the default; the others --device-id), each device
allowed its own file only.  Each agent is given provisioning-url
https://.../{device}.xml, its digest credentials and an interval over
NETCONF; its client fetches at once.  Checked: every agent applied its
own file (its own CA certificate and accept-all value, none of another's),
the server saw each device ask for its own file with its id in the
User-Agent, and a device pointed at another's file is refused."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import BUILD, NS, SRC, check, config, finish, free_port, make_cert, not_ok, ok, skip  # noqa: E402,E501
import fleet_lib as fl  # noqa: E402

from ncclient.operations import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

N = 20
CONTRIB = os.path.join(SRC, "contrib", "provisioning-server")
P_ACCEPT = "SystemSettings.global.Security_Certificates_AcceptAllCertificates"
FP = re.compile(r"<fingerprint>([0-9a-f]{64})</fingerprint>")


def device_file(path, dev_id, accept_all, ca_pem):
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<provisioning version="1.1" productID="e2"><nvm>'
                '<param name="%s" value="%d"/>'
                '<param name="Security.global.HTTPAuthUsername" value="%s"/>'
                '</nvm><certificates><add>\n%s</add></certificates></provisioning>\n'
                % (P_ACCEPT, accept_all, dev_id, open(ca_pem).read()))


def prov_state(m):
    x = m.get(filter=("subtree", fl.sec("<provisioning/>"))).data_xml
    r = re.search(r"<last-result>(\w+)</last-result>", x)
    e = re.search(r"<last-error>([^<]*)</last-error>", x)
    return (r.group(1) if r else None), (e.group(1) if e else "")


def held(a):
    """(CA fingerprints, accept-all) over NETCONF."""
    with a.connect() as m:
        x = m.get_config(source="running", filter=("subtree", fl.sec(
            "<certificates><accept-all-certificates/><ca-certificate><fingerprint/>"
            "</ca-certificate></certificates>"))).data_xml
    return set(FP.findall(x)), "<accept-all-certificates>true<" in x


V3 = ["-v3", "-l", "authPriv", "-u", "admin", "-a", "SHA-256", "-A", "secagent-demo",
      "-x", "AES", "-X", "secagent-demo"]


def rollout(*args):
    """contrib/provisioning-server/rollout.sh ARGS: (rc, stdout lines, stderr)."""
    r = subprocess.run(["sh", os.path.join(CONTRIB, "rollout.sh")] + list(args),
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout.splitlines(), r.stderr


def report(targets, want=None):
    """rollout.sh report: (rc, {id: (version, result, error)}, summary)."""
    rc, lines, err = rollout("report", targets, *(["-w", want] if want else []), "--",
                             "-v2c", "-c", "public")
    rows = {}
    for line in lines:
        if not line.startswith("#"):
            f = line.split(" ", 4)
            rows[f[0]] = (f[1], f[2], f[4] if len(f) > 4 else "")
    summary = [x for x in lines if x.startswith("#")]
    return rc, rows, (summary[0] if summary else err)


def wait_versions(targets, want, n_behind, secs=90):
    """Polls the report until n_behind devices are not at want (bounded)."""
    end = time.time() + secs
    while True:
        rc, rows, summary = report(targets, want)
        if len(rows) == n_behind or time.time() > end:
            return rc, rows, summary
        time.sleep(1)


def waves(tmp, pdir, fleet, ids):
    """The rollout in waves of docs/fleet.md."""
    targets = os.path.join(tmp, "targets.txt")
    with open(targets, "w") as f:
        f.write("# id snmp-agent\n" + "".join("%s udp:127.0.0.1:%d\n" % (d, a.snmp)
                                              for a, d in zip(fleet, ids)))
    devices = os.path.join(tmp, "devices.txt")
    templates = {}
    for v in ("2026-03.a", "2026-03.b"):
        templates[v] = os.path.join(tmp, "template-%s.xml" % v)
        with open(templates[v], "w") as f:
            f.write(open(os.path.join(CONTRIB, "template.xml")).read().replace(
                'name="Security.global.PolicyVersion" value="2026-03.a"',
                'name="Security.global.PolicyVersion" value="%s"' % v))
    make = ["sh", os.path.join(CONTRIB, "make-devices.sh")]

    # version a to everyone
    r = subprocess.run(make + [devices, templates["2026-03.a"], pdir], capture_output=True,
                       text=True, timeout=60)
    rc, lines, err = rollout("trigger", targets, "--", *V3)
    check("rollout.sh trigger: secProvisionNow set on all %d over SNMPv3" % len(ids),
          rc == 0 and len(lines) == len(ids) and all(x.endswith(" ok") for x in lines),
          "%s %s %s" % (r.stderr, lines[:3], err))
    rc, rows, summary = wait_versions(targets, "2026-03.a", 0)
    check("rollout.sh report -w 2026-03.a: all applied it (%s)" % summary,
          rc == 0 and not rows and "%d at 2026-03.a" % len(ids) in summary, (rows, summary))

    # version b: a 25 % wave first
    rc, wave, err = rollout("wave", targets, "25", "march")
    rc2, wave_all, _ = rollout("wave", targets, "100", "march")
    check("rollout.sh wave 25: a quarter of the devices, the start of the 100 %% order (%s)"
          % " ".join(wave), rc == 0 and len(wave) == (len(ids) + 3) // 4 and
          wave == wave_all[:len(wave)] and sorted(wave_all) == sorted(ids), (wave, err))
    wave_file = os.path.join(tmp, "wave1.txt")
    with open(wave_file, "w") as f:
        f.write("\n".join(wave) + "\n")
    r = subprocess.run(make + ["--only", wave_file, devices, templates["2026-03.b"], pdir],
                       capture_output=True, text=True, timeout=60)
    check("make-devices.sh --only: the wave's files only (%s)" % r.stdout.strip(),
          r.returncode == 0 and "%d files written" % len(wave) in r.stdout, r.stderr)
    rc, lines, err = rollout("trigger", targets, wave_file, "--", *V3)
    check("rollout.sh trigger of the wave only", rc == 0 and
          sorted(x.split()[0] for x in lines) == sorted(wave), (lines, err))
    rest = sorted(set(ids) - set(wave))
    rc, rows, summary = wait_versions(targets, "2026-03.b", len(rest))
    check("the report lists the %d devices behind, the wave at 2026-03.b (%s)"
          % (len(rest), summary), rc == 1 and sorted(rows) == rest and
          all(v == ("2026-03.a", "success", "-") for v in rows.values()) and
          "%d at 2026-03.b" % len(wave) in summary, (rows, summary))
    a = fleet[ids.index(wave[0])]
    with a.connect() as m:
        x = m.get(filter=("subtree", fl.sec("<provisioning><policy-version/></provisioning>"))
                  ).data_xml
    rc, out, err = a.ctl("get", "policy-version")
    check("the version over NETCONF and secagentctl too",
          "<policy-version>2026-03.b</policy-version>" in x and out.strip() == "2026-03.b",
          x + out + err)

    # the rest, one of them with a broken file, one device unreachable
    broken = rest[0]
    r = subprocess.run(make + [devices, templates["2026-03.b"], pdir], capture_output=True,
                       text=True, timeout=60)
    with open(os.path.join(pdir, "www", broken + ".xml"), "w") as f:
        f.write('<provisioning version="1.1" productID="e2"><nvm>'
                '<param name="Security.global.PolicyVersion" value="2026-03.b"/>')
    rc, lines, err = rollout("trigger", targets, "--", *V3)
    with open(targets, "a") as f:
        f.write("gone udp:127.0.0.1:%d\n" % fl.free_ports(1, fl.socket.SOCK_DGRAM)[0])
    rc, rows, summary = wait_versions(targets, "2026-03.b", 2)
    check("after the last wave only the broken one and the unreachable one are behind "
          "(%s)" % summary, rc == 1 and sorted(rows) == sorted([broken, "gone"]) and
          "1 unreachable" in summary, (rows, summary))
    v, result, error = rows.get(broken, ("", "", ""))
    check("the broken one failed with the reason and kept its version",
          v == "2026-03.a" and result == "failed" and "malformed" in error, rows.get(broken))
    check("the unreachable one is listed as such", rows.get("gone", ("",))[1] == "unreachable",
          rows.get("gone"))
    rc, lines, err = rollout("trigger", targets, "--", *V3)
    check("rollout.sh trigger says which device it could not reach, exit 1",
          rc == 1 and [x.split()[0] for x in lines if " failed: " in x] == ["gone"], lines)


def main():
    if not os.path.exists(os.path.join(BUILD, "secagentd")):
        skip("fleet provisioning", "secagentd is not built")
        finish()
    if not fl.have_lighttpd():
        skip("fleet provisioning", "lighttpd with mod_openssl is not installed")
        finish()
    tmp = tempfile.mkdtemp(prefix="secagent-fprov.")
    fleet, server = [], None
    try:
        root, _, root_fp = make_cert(tmp, "prov-root", ca=True)
        web = make_cert(tmp, "prov-web", issuer="prov-root")[0]
        cas = [make_cert(tmp, "device-ca-%02d" % i, ca=True) for i in range(N)]

        # agent00 names itself by its MAC address, the others by --device-id
        ids = [None] + ["0200005e%04x" % i for i in range(1, N)]
        t0 = time.time()
        fleet = fl.start_fleet(tmp, N, lambda i: ["--factory-bundle", root] +
                               (["--device-id", ids[i]] if ids[i] else []), snmp=True)
        ok("%d agents listen (%.1f s)" % (N, time.time() - t0))
        m = None
        for _ in range(50):
            m = re.search(r"device-id ([0-9a-f]{12}) \(the MAC address\)", fleet[0].logtail(20000))
            if m:
                break
            time.sleep(0.1)
        if not m:
            skip("the default device id", "no interface with a MAC address here")
            ids[0] = "0200005e0000"
            fleet[0].stop()
            fleet[0].extra += ["--device-id", ids[0]]
            fleet[0].start()
        else:
            ids[0] = m.group(1)
            ok("without device-id an agent names itself by its MAC address (%s)" % ids[0])

        # the server, as contrib/provisioning-server lays it out
        pdir = os.path.join(tmp, "prov")
        os.mkdir(pdir)
        shutil.copy(web, os.path.join(pdir, "server.pem"))
        shutil.copy(os.path.join(tmp, "prov-web.key"), os.path.join(pdir, "server.key"))
        with open(os.path.join(tmp, "devices.txt"), "w") as f:
            f.write("# id password\n" + "".join("%s pw-%s\n" % (d, d) for d in ids))
        r = subprocess.run(["sh", os.path.join(CONTRIB, "make-devices.sh"),
                            os.path.join(tmp, "devices.txt"),
                            os.path.join(CONTRIB, "template.xml"), pdir],
                           capture_output=True, text=True, timeout=60)
        check("make-devices.sh writes the files, htdigest and devices.conf (%s)"
              % r.stdout.strip(), r.returncode == 0 and
              len(os.listdir(os.path.join(pdir, "www"))) == N, r.stderr)
        # each device's own settings: accept-all by parity, its own CA
        for i, d in enumerate(ids):
            device_file(os.path.join(pdir, "www", d + ".xml"), d, i % 2, cas[i][0])
        port = free_port()
        conf = os.path.join(pdir, "lighttpd.conf")
        with open(os.path.join(CONTRIB, "lighttpd.conf")) as f:
            text = f.read()
        text = re.sub(r'(?m)^var\.prov_dir = .*$', 'var.prov_dir = "%s"' % pdir, text)
        text = re.sub(r'(?m)^var\.prov_port = .*$', 'var.prov_port = %d' % port, text)
        text += 'server.bind = "127.0.0.1"\n'
        with open(conf, "w") as f:
            f.write(text)
        server = subprocess.Popen(["lighttpd", "-D", "-f", conf], stderr=subprocess.DEVNULL)
        if not fl.wait_port(port):
            raise RuntimeError("lighttpd does not start: %s" % open(
                os.path.join(pdir, "error.log")).read()[-500:])

        # each agent: its credentials, the URL with {device}, an interval
        url = "https://127.0.0.1:%d/{device}.xml" % port
        t0 = time.time()
        for a, d in zip(fleet, ids):
            with a.connect() as m:
                m.edit_config(target="running", config=config(fl.sec(
                    "<http-authentication><username>%s</username><password>pw-%s</password>"
                    "</http-authentication><provisioning><server-url>%s</server-url>"
                    "<interval>3600</interval></provisioning>" % (d, d, url))))
        # their clients fetch at once; wait for all, bounded
        states = {}
        end = time.time() + 60
        while time.time() < end:
            for a in fleet:
                if states.get(a.name, (None,))[0] != "success":
                    with a.connect() as m:
                        states[a.name] = prov_state(m)
            if all(s[0] == "success" for s in states.values()):
                break
            time.sleep(0.3)
        bad = ["%s: %s" % (n, s) for n, s in sorted(states.items()) if s[0] != "success"]
        check("all %d fetched and applied their file over HTTPS with digest (%.1f s)"
              % (N, time.time() - t0), not bad, "; ".join(bad[:3]))

        wrong = []
        for i, a in enumerate(fleet):
            fps, aa = held(a)
            if fps != {root_fp, cas[i][2]} or aa != bool(i % 2):
                wrong.append("%s: %d CAs, accept-all %s" % (a.name, len(fps), aa))
        check("each applied its own file: its own CA and accept-all, nothing of another's",
              not wrong, "; ".join(wrong[:3]))

        # what the server saw (lighttpd writes its access log on SIGHUP)
        server.send_signal(1)
        time.sleep(0.5)
        log = open(os.path.join(pdir, "access.log")).read()
        miss = [d for d in ids if not re.search(
            r'"GET /%s\.xml HTTP/[0-9.]+" 200 \d+ user=%s "secagent/[^ "]+ %s"' % (d, d, d), log)]
        check("the server saw each device fetch its own file, its id in the User-Agent",
              not miss, "missing %s; log: %s" % (miss[:3], log[-400:]))

        waves(tmp, pdir, fleet, ids)

        # a device pointed at another's file: its credentials do not open it
        a = fleet[1]
        before = held(a)
        with a.connect() as m:
            m.edit_config(target="running", config=config(fl.sec(
                "<provisioning><server-url>https://127.0.0.1:%d/%s.xml</server-url>"
                "</provisioning>" % (port, ids[2]))))
            try:
                m.dispatch(to_ele('<provision-now xmlns="%s"/>' % NS))
                not_ok("another device's file is refused", "fetched")
            except RPCError as e:
                check("another device's file is refused: %s" % e.message,
                      "authentication failed" in e.message and held(a) == before, e.message)
        dead = [a.name for a in fleet if not a.alive()]
        check("every agent is alive", not dead, dead)
    except Exception as e:  # noqa: BLE001 - report, then clean up
        import traceback
        not_ok("fleet provisioning", "%s: %s" % (type(e).__name__, e))
        print("# " + traceback.format_exc().replace("\n", "\n# "))
    finally:
        fl.stop_fleet(fleet)
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
