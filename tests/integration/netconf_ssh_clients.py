"""NETCONF over SSH with clients of three SSH stacks: OpenSSH (ssh -s
netconf), paramiko (ncclient) and libssh2 (yangcli, yuma123).  Each logs
in, reads the security container and makes one edit that the test then
reads over SNMP (net-snmp's snmpget).  Then the host keys: the default set
made at first start, clients that take only Ed25519 or only ECDSA, the
fingerprints of secagentctl host-keys against ssh-keyscan, a demo state
directory of the old layout (one RSA key) that keeps its RSA key, and the
algorithm directives of secagentd.conf, at start and on SIGHUP."""
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import (BUILD, SRC, DAEMON, Daemon, Fail, case, check,  # noqa
                   crypt_hash, diag, finish, free_port, nc_ssh, openssh_netconf,
                   skip, tmpdir)

NS = "urn:secagent:yang:secagent-security"
BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
CTL = os.path.join(BUILD, "secagentctl")
PW = "ssh-clients-pw"
# SECAGENT-SECURITY-MIB: secAcceptAllCertificates.0, secHttpAuthUsername.0
ROOT = ".1.3.6.1.4.1.32473.1"
ACCEPT_ALL, USERNAME = ROOT + ".1.1.1.0", ROOT + ".1.2.1.0"
SNMP_ENV = dict(os.environ, MIBS="")

T = tmpdir()
SNMP_ENV["SNMPCONFPATH"] = SNMP_ENV["SNMP_PERSISTENT_DIR"] = T


def keygen(name, kind="ed25519"):
    path = os.path.join(T, name)
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name,
                    "-f", path], check=True)
    with open(path + ".pub") as f:
        return path, " ".join(f.read().split()[:2])


CLIENT_KEY, CLIENT_PUB = keygen("client")


def fingerprints(text):
    """{(bits, "SHA256:...", TYPE)} of ssh-keygen -l lines."""
    return {(int(m.group(1)), m.group(2), m.group(3)) for m in re.finditer(
        r"^(\d+) (SHA256:\S+) .*\((\w+)\)$", text, re.M)}


def keygen_l(path):
    r = subprocess.run(["ssh-keygen", "-l", "-f", path], capture_output=True,
                       text=True, timeout=30)
    return fingerprints(r.stdout)


def keyscan(port):
    """What the server offers, as ssh-keygen -l prints it."""
    scan = subprocess.run(["ssh-keyscan", "-p", str(port), "-t",
                           "ed25519,ecdsa,rsa", "127.0.0.1"],
                          capture_output=True, text=True, timeout=60)
    r = subprocess.run(["ssh-keygen", "-l", "-f", "-"], input=scan.stdout,
                       capture_output=True, text=True, timeout=30)
    return fingerprints(r.stdout)


def ctl_host_keys(dir, *args):
    return subprocess.run([CTL, "-d", dir] + list(args) + ["host-keys"],
                          capture_output=True, text=True, timeout=60)


def snmpget(port, oid):
    r = subprocess.run(["snmpget", "-v2c", "-c", "public", "-Oqv", "-t", "5",
                        "udp:127.0.0.1:%d" % port, oid], env=SNMP_ENV,
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip().strip('"')


GET = ('<get><filter type="subtree"><security xmlns="%s"/></filter></get>' % NS)


def username(name):
    return ('<security xmlns="%s"><http-authentication><username>%s'
            '</username></http-authentication></security>' % (NS, name))


def edit_username(name):
    return ('<edit-config><target><running/></target><config>%s</config>'
            '</edit-config>' % username(name))


def openssh(port, rpcs, opts=(), known_hosts="/dev/null"):
    return openssh_netconf(port, "admin", CLIENT_KEY, rpcs, opts, known_hosts)


def closed_ok(replies):
    """The last reply, to close-session, is <ok/>."""
    return len(replies) > 0 and "<ok/>" in replies[-1]


def start(d, write_conf=None, tries=3):
    """Starts d (first start: an RSA 3072 key takes a moment); on a port
    another program took meanwhile, again on a new one.  write_conf():
    writes d's configuration for d.ssh_port."""
    for i in range(tries):
        if write_conf:
            write_conf()
        if "--ssh" in d.cmd:
            d.cmd[d.cmd.index("--ssh") + 1] = "127.0.0.1:%d" % d.ssh_port
        os.makedirs(d.dir, exist_ok=True)
        with open(d.logfile, "a") as f:
            f.write("---- start\n")
        d.start(wait=False)
        try:
            end = time.time() + 60
            while time.time() < end and d.alive() and "secagentd started" \
                    not in d.log_text().rsplit("---- start", 1)[-1]:
                time.sleep(0.05)
            check(d.alive() and "secagentd started" in d.log_text().rsplit(
                "---- start", 1)[-1], "secagentd did not start: %s"
                % d.log_tail())
            return d
        except Fail as e:
            d.stop()
            if "already in use" not in str(e) or i == tries - 1:
                raise
            d.ssh_port = free_port()
    return d


def offered_key(port, alg):
    """Logs in offering only host key algorithm alg; the key accepted."""
    kh = os.path.join(T, "known_hosts.%s" % alg)
    if os.path.exists(kh):
        os.unlink(kh)
    rc, hello, replies, err = openssh(port, [], ["-o", "HostKeyAlgorithms=" +
                                                 alg], known_hosts=kh)
    check(hello and closed_ok(replies), "HostKeyAlgorithms=%s: exit %s: %s"
          % (alg, rc, err.strip()[-300:]))
    return keygen_l(kh)


# ---- daemon A: no ssh-host-key line, password and key users, SNMP ----
A_DIR = os.path.join(T, "a")
A_CONF = os.path.join(T, "a.conf")
A_SNMP = free_port()


def write_a_conf(extra=""):
    with open(A_CONF, "w") as f:
        f.write("log stderr info\nnetconf-ssh 127.0.0.1:%d\n"
                "user admin group admin password %s ssh-key \"%s\"\n"
                "snmp udp:127.0.0.1:%d\nsnmp-community public\n%s"
                % (a.ssh_port, crypt_hash(PW), CLIENT_PUB, A_SNMP, extra))


def reload_a(extra):
    n = a.log_text().count("configuration reloaded")
    write_a_conf(extra)
    a.signal(signal.SIGHUP)
    end = time.time() + 10
    while time.time() < end and \
            a.log_text().count("configuration reloaded") == n:
        time.sleep(0.05)
    check(a.log_text().count("configuration reloaded") > n, "no reload")


a = Daemon(A_DIR, demo=False, conf=A_CONF)
a.cmd[a.cmd.index("--snmp") + 1] = "udp:127.0.0.1:%d" % A_SNMP
DEFAULTS = [os.path.join(A_DIR, n) for n in
            ("ssh_host_ed25519_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key")]
try:
    start(a, write_a_conf)
except Fail as e:
    print("not ok - daemon A starts: %s" % e)
    sys.exit(1)


def default_set():
    got = [keygen_l(p) for p in DEFAULTS]
    want = [(256, "ED25519"), (256, "ECDSA"), (3072, "RSA")]
    for path, fps, (bits, kind) in zip(DEFAULTS, got, want):
        check(len(fps) == 1 and {(b, t) for b, _, t in fps} == {(bits, kind)},
              "%s: %s" % (path, fps))
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o600, "%s: mode %o" % (path, mode))
        check(keygen_l(path + ".pub") == fps, "%s.pub differs" % path)


def start_log():
    logged = fingerprints("\n".join(
        re.sub(r"^.*SSH host key ", "", line) for line in
        a.log_text().splitlines() if "SSH host key " in line))
    want = set().union(*(keygen_l(p) for p in DEFAULTS))
    check(logged == want, "log %s, files %s" % (logged, want))


def ctl_matches_keyscan():
    r = ctl_host_keys(A_DIR, "-c", A_CONF)
    check(r.returncode == 0, r.stderr)
    offered = keyscan(a.ssh_port)
    check(len(offered) == 3 and fingerprints(r.stdout) == offered,
          "secagentctl %s, ssh-keyscan %s" % (fingerprints(r.stdout), offered))
    for line, path in zip(r.stdout.splitlines(), DEFAULTS):
        check(path in line, "%r names no %s" % (line, path))
    j = ctl_host_keys(A_DIR, "-c", A_CONF, "--json")
    check(j.returncode == 0 and '"fingerprint": "SHA256:' in j.stdout and
          '"algorithm": "ssh-ed25519"' in j.stdout, j.stdout + j.stderr)


def openssh_edit():
    rc, hello, replies, err = openssh(a.ssh_port, [GET, edit_username("openssh")])
    check(hello and len(replies) == 3, "exit %s: %s %s" % (rc, replies,
                                                           err[-300:]))
    check("<certificates>" in replies[0] and "<ca-certificate>" in replies[0],
          "get: %s" % replies[0][:300])
    check("<ok/>" in replies[1], "edit-config: %s" % replies[1][:300])
    check(snmpget(A_SNMP, USERNAME) == "openssh",
          "SNMP reads %r" % snmpget(A_SNMP, USERNAME))


def paramiko_edit():
    with nc_ssh(a, password=PW) as m:
        r = m.get(filter=("subtree", '<security xmlns="%s"/>' % NS))
        check("<certificates>" in r.data_xml, r.data_xml[:300])
        m.edit_config(target="running", config='<config xmlns="%s">%s'
                      '</config>' % (BASE, username("paramiko")))
    check(snmpget(A_SNMP, USERNAME) == "paramiko",
          "SNMP reads %r" % snmpget(A_SNMP, USERNAME))


def yangcli_edit():
    """yangcli (libssh2 1.10) is handed the module: secagent-security is
    YANG 1.1, listed in the YANG library only, which yuma123 2.13 does not
    read, so it would not load it by itself."""
    home = os.path.join(T, "yangcli-home")
    os.makedirs(home, exist_ok=True)
    script = os.path.join(T, "edit.yc")
    with open(script, "w") as f:
        f.write("xget /security\n"
                "merge /security/http-authentication/username value=yangcli\n"
                "commit\n")
    r = subprocess.run(
        ["yangcli", "--server=127.0.0.1", "--ncport=%d" % a.ssh_port,
         "--user=admin", "--password=" + PW, "--batch-mode",
         "--modpath=%s:/usr/share/yuma/modules" % os.path.join(SRC, "yang"),
         "--module=secagent-security", "--run-script=" + script],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, HOME=home))
    out = r.stdout + r.stderr
    check("libssh2 version 1.10" in out or "libssh2 version" in out,
          "no libssh2 banner: %s" % out[:300])
    check("NETCONF session established" in out, "no session: %s" % out[-600:])
    check(re.search(r"security \{\s+certificates \{", out), "no security "
          "container read: %s" % out[-600:])
    check(out.count("RPC OK Reply") == 2, "merge and commit: %s" % out[-600:])
    check(snmpget(A_SNMP, USERNAME) == "yangcli",
          "SNMP reads %r" % snmpget(A_SNMP, USERNAME))


def only_ed25519():
    got = offered_key(a.ssh_port, "ssh-ed25519")
    want = keygen_l(DEFAULTS[0])
    check(got == want, "got %s, want %s" % (got, want))


def only_ecdsa():
    got = offered_key(a.ssh_port, "ecdsa-sha2-nistp256")
    want = keygen_l(DEFAULTS[1])
    check(got == want, "got %s, want %s" % (got, want))


def only_rsa_sha2():
    got = offered_key(a.ssh_port, "rsa-sha2-512")
    check(got == keygen_l(DEFAULTS[2]), "got %s" % got)


def refused(d, opts, what):
    """The key exchange fails.  Which list did not match is not checked:
    whichever side sees it first closes, and libssh's own message is then
    often lost ("Socket error: Success")."""
    rc, hello, replies, err = openssh(d.ssh_port, [], opts)
    check(rc != 0 and not hello, "%s: exit %s, %s" % (what, rc, hello[:100]))


def legacy_refused():
    refused(a, ["-o", "HostKeyAlgorithms=ssh-rsa"], "ssh-rsa")
    refused(a, ["-o", "HostKeyAlgorithms=ssh-dss"], "ssh-dss")
    refused(a, ["-o", "KexAlgorithms=diffie-hellman-group14-sha1"],
            "group14-sha1")
    refused(a, ["-o", "KexAlgorithms=diffie-hellman-group1-sha1"],
            "group1-sha1")
    refused(a, ["-c", "aes128-cbc"], "aes128-cbc")
    refused(a, ["-c", "3des-cbc"], "3des-cbc")
    refused(a, ["-c", "aes128-ctr", "-m", "hmac-sha1"], "hmac-sha1")


def sighup_algorithms():
    reload_a("ssh-host-key-algorithms +ssh-rsa\nssh-ciphers aes256-ctr\n"
             "ssh-macs -hmac-sha2-256,hmac-sha2-256-etm@openssh.com\n")
    got = offered_key(a.ssh_port, "ssh-rsa")
    check(got == keygen_l(DEFAULTS[2]), "ssh-rsa: %s" % got)
    refused(a, ["-c", "aes128-ctr"], "aes128-ctr after ssh-ciphers")
    rc, hello, replies, err = openssh(a.ssh_port, [], ["-c", "aes256-ctr",
                                                       "-m", "hmac-sha2-512"])
    check(closed_ok(replies), "aes256-ctr: %s" % err[-300:])
    refused(a, ["-c", "aes256-ctr", "-m", "hmac-sha2-256"],
            "hmac-sha2-256 after ssh-macs -")


def sighup_bad_algorithm():
    reload_a("ssh-ciphers aes256-ctr,no-such-cipher\n")
    check('does not know "no-such-cipher"' in a.log_text(),
          "no error: %s" % a.log_tail())
    rc, hello, replies, err = openssh(a.ssh_port, [], ["-c", "aes256-ctr",
                                                       "-m", "hmac-sha2-512"])
    check(closed_ok(replies), "the running lists were lost: %s" % err[-300:])
    refused(a, ["-c", "aes128-ctr"], "aes128-ctr")
    reload_a("")
    rc, hello, replies, err = openssh(a.ssh_port, [], ["-c", "aes128-ctr"])
    check(closed_ok(replies), "defaults again: %s" % err[-300:])


case("first start: Ed25519, ECDSA P-256 and RSA 3072 host keys in the "
     "state directory, private keys 0600", default_set, a)
case("the start log gives each host key's SHA256 fingerprint", start_log, a)
case("secagentctl host-keys (daemon running) matches what ssh-keyscan "
     "gets", ctl_matches_keyscan, a)
case("OpenSSH ssh -s netconf: hello, get of security, edit-config seen "
     "over SNMP", openssh_edit, a)
case("paramiko (ncclient): get of security, edit-config seen over SNMP",
     paramiko_edit, a)
if shutil.which("yangcli"):
    case("libssh2 (yangcli 2.13): xget /security, merge and commit seen "
         "over SNMP", yangcli_edit, a)
else:
    skip("libssh2 (yangcli)", "yangcli is not installed (Debian's yangcli)")
case("a client that takes only Ed25519 host keys gets the Ed25519 key",
     only_ed25519, a)
case("a client that takes only ECDSA host keys gets the ECDSA key",
     only_ecdsa, a)
case("a client that takes only rsa-sha2-512 gets the RSA key",
     only_rsa_sha2, a)
case("by default ssh-rsa, ssh-dss, group1/14-sha1, CBC, 3DES and hmac-sha1 "
     "are refused",
     legacy_refused, a)
case("SIGHUP: ssh-host-key-algorithms +ssh-rsa, ssh-ciphers and ssh-macs - "
     "take effect", sighup_algorithms, a)
case("SIGHUP: an unknown algorithm is refused, the running lists stay",
     sighup_bad_algorithm, a)

running = ctl_host_keys(A_DIR, "-c", A_CONF).stdout
a.stop()


def ctl_without_daemon():
    r = ctl_host_keys(A_DIR, "-c", A_CONF)
    check(r.returncode == 0 and r.stdout == running and running,
          "stopped %r, running %r: %s" % (r.stdout, running, r.stderr))
    empty = os.path.join(T, "empty")
    os.makedirs(empty)
    r = ctl_host_keys(empty)
    check(r.returncode == 1 and "no SSH host key yet" in r.stderr,
          "a directory without keys: %s %s" % (r.returncode, r.stderr))


case("secagentctl host-keys: the same lines without the daemon; a "
     "directory without keys says so", ctl_without_daemon)


# ---- configured keys and refused configurations ----
def configured_keys():
    ed, _ = keygen("conf-ed25519")
    ec, _ = keygen("conf-ecdsa", "ecdsa")
    conf = os.path.join(T, "b.conf")
    d = Daemon(os.path.join(T, "b"), demo=False, conf=conf)

    def write():
        with open(conf, "w") as f:
            f.write("log stderr debug\nnetconf-ssh 127.0.0.1:%d\nssh-host-key "
                    "%s\nssh-host-key %s\nuser admin password %s\n"
                    % (d.ssh_port, ed, ec, crypt_hash(PW)))
    start(d, write)
    try:
        offered = keyscan(d.ssh_port)
        check(offered == keygen_l(ed) | keygen_l(ec), "offered %s" % offered)
        r = ctl_host_keys(d.dir, "-c", conf)
        check(fingerprints(r.stdout) == offered, r.stdout + r.stderr)
        check(not os.path.exists(os.path.join(d.dir, "ssh_host_rsa_key")),
              "a default key was made beside configured ones")
        # the default lists, as the daemon logs them at debug level, are
        # the ones contrib/secagentd.conf documents
        used = dict(re.findall(r"SSH (ssh-[a-z-]+) (\S+)$", d.log_text(), re.M))
        with open(os.path.join(SRC, "contrib", "secagentd.conf")) as f:
            documented = {}
            for k, v in re.findall(r"^#(ssh-[a-z-]+) ([^+\s]\S*)$", f.read(),
                                   re.M):
                if k in used:
                    documented.setdefault(k, v)
        check(len(used) == 4 and used == documented,
              "daemon %s, contrib/secagentd.conf %s" % (used, documented))
    finally:
        d.stop()


def refused_start(body, want):
    conf = os.path.join(T, "bad.conf")
    with open(conf, "w") as f:
        f.write("log stderr info\nnetconf-ssh 127.0.0.1:%d\nuser admin "
                "password %s\n%s" % (free_port(), crypt_hash(PW), body))
    r = subprocess.run([DAEMON, "-f", "-d", os.path.join(T, "bad"), "-c",
                        conf, "--snmp", "none"], capture_output=True,
                       text=True, timeout=120)
    check(r.returncode == 1 and want in r.stderr,
          "exit %s: %s" % (r.returncode, r.stderr[-300:]))


def two_rsa_keys():
    k1, _ = keygen("rsa-one", "rsa")
    k2, _ = keygen("rsa-two", "rsa")
    refused_start("ssh-host-key %s\nssh-host-key %s\n" % (k1, k2),
                  "are both RSA keys")


case("several ssh-host-key lines: all offered, no default key made; the "
     "default algorithm lists are those contrib/secagentd.conf shows",
     configured_keys)
case("two RSA host keys are refused at start, saying so", two_rsa_keys)
case("a missing host key file is refused at start, saying so",
     lambda: refused_start("ssh-host-key %s/nowhere\n" % T,
                           "nowhere: No such file"))
case("an unknown key exchange is refused at start, saying so",
     lambda: refused_start("ssh-kex-algorithms +sntrup-none\n",
                           'does not know "sntrup-none"'))
case("cutting every MAC is refused at start, saying so",
     lambda: refused_start(
         "ssh-macs -hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
         ",hmac-sha2-256,hmac-sha2-512\n", "ssh-macs: no algorithm left"))


# ---- a demo directory of the old layout: one RSA key, ssh_host_key ----
OLD = os.path.join(T, "old")


def make_old_layout():
    """As secagentd --demo made it before: ssh_host_key (RSA 2048, PEM)
    and a secagentd.conf whose one ssh-host-key line names it."""
    os.makedirs(OLD)
    subprocess.run(["openssl", "genrsa", "-traditional", "-out",
                    os.path.join(OLD, "ssh_host_key"), "2048"], check=True,
                   capture_output=True)
    os.chmod(os.path.join(OLD, "ssh_host_key"), 0o600)
    h = crypt_hash("secagent-demo")
    with open(os.path.join(OLD, "secagentd.conf"), "w") as f:
        f.write("# The demo profile of secagentd (made by secagentd --demo; "
                "see\n# contrib/secagentd.conf for every directive).  "
                "Loopback only.\n# Passwords: secagent-demo.\n"
                "log stderr info\nnetconf-ssh 127.0.0.1:8300\n"
                "netconf-tls 127.0.0.1:6513\n"
                "ssh-host-key %s/ssh_host_key\n"
                "tls-certificate %s/pki/server.pem\ntls-key %s/pki/server.key\n"
                "tls-client-ca %s/pki/ca.pem\ncert-to-name 1 04:%s specified "
                "admin\nuser admin group admin password %s uid 0\n"
                "user viewer group viewer password %s\n"
                "snmp udp:127.0.0.1:1161\nsnmp-community public\n"
                % (OLD, OLD, OLD, OLD, ":".join(["AB"] * 32), h, h))


def old_layout():
    rsa = keygen_l(os.path.join(OLD, "ssh_host_key"))
    d = Daemon(OLD)
    d.cmd += ["--tls", "none"]
    start(d)
    try:
        offered = keyscan(d.ssh_port)
        types = sorted(t for _, _, t in offered)
        check(rsa <= offered and types == ["ECDSA", "ED25519", "RSA"],
              "RSA %s, offered %s" % (rsa, offered))
        with open(os.path.join(OLD, "secagentd.conf")) as f:
            lines = [x for x in f.read().splitlines()
                     if x.startswith("ssh-host-key")]
        check(lines == ["ssh-host-key %s/%s" % (OLD, n) for n in
                        ("ssh_host_ed25519_key", "ssh_host_ecdsa_key",
                         "ssh_host_key")], "conf: %s" % lines)
        check(not os.path.exists(os.path.join(OLD, "ssh_host_rsa_key")),
              "a second RSA key was made")
        r = ctl_host_keys(OLD)
        check(fingerprints(r.stdout) == offered, r.stdout + r.stderr)
        with nc_ssh(d, password="secagent-demo") as m:
            check(m.connected, "ncclient")
    finally:
        d.stop()
    # a second start changes nothing
    d = Daemon(OLD)
    d.cmd += ["--tls", "none"]
    start(d)
    try:
        check(keyscan(d.ssh_port) == offered, "the keys changed on restart")
        with open(os.path.join(OLD, "secagentd.conf")) as f:
            check(f.read().count("ssh-host-key") == 3, "conf changed again")
    finally:
        d.stop()


def fresh_demo():
    d = start(Daemon(os.path.join(T, "fresh")))
    try:
        with open(os.path.join(d.dir, "secagentd.conf")) as f:
            check("ssh-host-key" not in f.read(), "the demo names a key")
        offered = keyscan(d.ssh_port)
        check(offered == set().union(*(keygen_l(os.path.join(d.dir, n)) for n in
                                       ("ssh_host_ed25519_key", "ssh_host_ecdsa_key",
                                        "ssh_host_rsa_key"))), "offered %s" % offered)
    finally:
        d.stop()


make_old_layout()
case("a demo directory of the old layout keeps its RSA key and fingerprint, "
     "and offers Ed25519 and ECDSA beside it", old_layout)
case("a new demo directory: the default set, made at first start",
     fresh_demo)
finish()
