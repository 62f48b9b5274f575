"""fleet_lib - what the fleet tests (fleet_*.py) and bench/fleet share: many
secagentd on loopback, each with its own state directory and ports,
started together; lighttpd with TLS and HTTP digest authentication; the
collection secagent.trust built and installed as a user would; and
ansible-playbook run with a private configuration and JSON output.

Run with /usr/bin/python3 (Debian's ncclient and Ansible live there).
Not a test: tests/run runs it and it reports nothing."""
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import (BUILD, SRC, NS, Agent, free_port, make_cert, test_now,  # noqa: E402
                      wait_port, with_factory)

ANSIBLE_DIR = os.path.join(SRC, "contrib", "ansible")
COLLECTION_DIR = os.path.join(ANSIBLE_DIR, "collections", "ansible_collections", "secagent",
                              "trust")
REALM = "secagent"


def free_ports(n, kind=socket.SOCK_STREAM):
    """n distinct free ports of 127.0.0.1: each socket is held until all
    are chosen (a port closed at once may be handed out again at once)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class FleetAgent(Agent):
    """An Agent whose start does not wait: a fleet starts all, then waits.
    snmp: an embedded SNMP agent on a UDP port of its own (the demo's
    community public and user admin), else none."""

    def __init__(self, base, name, extra=None, snmp=False, ports=None):
        self.name = name
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir)
        self.ssh, self.snmp = ports if ports else (
            free_port(), free_ports(1, socket.SOCK_DGRAM)[0] if snmp else None)
        self.tls = None
        self.extra = with_factory(extra)
        self.proc = None

    def spawn(self):
        args = [os.path.join(BUILD, "secagentd"), "-f", "--demo", "-d", self.dir,
                "--ssh", "127.0.0.1:%d" % self.ssh, "--tls", "none",
                "--snmp", "udp:127.0.0.1:%d" % self.snmp if self.snmp else "none"] + self.extra
        self.log = open(os.path.join(self.dir, "secagentd.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def start(self):
        self.spawn()
        if not wait_port(self.ssh):
            raise RuntimeError("%s did not listen: %s" % (self.name, self.logtail()))

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None


HOST_KEYS = ("ssh_host_ed25519_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key")


def seed_host_keys(base, dirs):
    """One set of SSH host keys, made once with ssh-keygen -A, for every
    agent of a fleet: each would otherwise make its own RSA 3072 key at
    first start (about a second of CPU), all at once.  netconf_ssh_clients
    tests the keys secagentd makes itself."""
    keys = os.path.join(base, "host-keys")
    etc = os.path.join(keys, "etc", "ssh")
    if not os.path.exists(os.path.join(etc, HOST_KEYS[-1])):
        os.makedirs(etc, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-A", "-f", keys], check=True,
                       capture_output=True, timeout=120)
    for d in dirs:
        for k in HOST_KEYS:
            for suffix in ("", ".pub"):
                shutil.copy(os.path.join(etc, k + suffix), os.path.join(d, k + suffix))


def start_fleet(base, n, extra=None, snmp=False):
    """n agents agent00.. in base, started together; extra(i) -> more arguments."""
    ssh = free_ports(n)
    udp = free_ports(n, socket.SOCK_DGRAM) if snmp else [None] * n
    fleet = [FleetAgent(base, "agent%02d" % i, extra(i) if extra else None, snmp,
                        (ssh[i], udp[i])) for i in range(n)]
    seed_host_keys(base, [a.dir for a in fleet])
    for a in fleet:
        a.spawn()
    for a in fleet:
        if not wait_port(a.ssh, 30) or not a.alive():
            stop_fleet(fleet)
            raise RuntimeError("%s did not listen: %s" % (a.name, a.logtail()))
    time.sleep(0.2)
    dead = [a for a in fleet if not a.alive()]   # its port was taken meanwhile
    if dead:
        stop_fleet(fleet)
        raise RuntimeError("%s exited: %s" % (dead[0].name, dead[0].logtail()))
    return fleet


def stop_fleet(fleet):
    for a in fleet:
        if a.alive():
            a.proc.send_signal(signal.SIGTERM)
    for a in fleet:
        if a.proc is not None:
            try:
                a.proc.wait(15)
            except subprocess.TimeoutExpired:
                a.proc.kill()
                a.proc.wait()


def inventory(path, fleet, ports=None, **policy):
    """An Ansible inventory of the fleet (JSON is YAML) as contrib/ansible's
    example sets it, the policy as group vars; ports: {name: port} that
    differ from the agents' own."""
    ports = ports or {}
    hosts = {a.name: {"ansible_host": "127.0.0.1", "ansible_port": ports.get(a.name, a.ssh)}
             for a in fleet}
    group_vars = {
        "ansible_connection": "local",
        "ansible_user": "admin",
        "ansible_password": "secagent-demo",
        "ansible_host_key_checking": False,
    }
    group_vars.update(policy)
    with open(path, "w") as f:
        json.dump({"all": {"children": {"secagent": {"hosts": hosts, "vars": group_vars}}}}, f,
                  indent=1)
    return path


def build_collection(tmp):
    """secagent.trust built with ansible-galaxy collection build and installed
    with ansible-galaxy collection install into tmp/collections, as a user
    would: (the install path, None) or (None, why)."""
    out = os.path.join(tmp, "collection-build")
    path = os.path.join(tmp, "collections")
    env = dict(os.environ, ANSIBLE_HOME=os.path.join(tmp, "ansible-home"),
               PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
    r = subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", out,
                        COLLECTION_DIR], capture_output=True, text=True, timeout=300, env=env)
    tars = [f for f in os.listdir(out) if f.endswith(".tar.gz")] if os.path.isdir(out) else []
    if r.returncode != 0 or len(tars) != 1:
        return None, "build: %s" % (r.stderr or r.stdout)[-600:]
    r = subprocess.run(["ansible-galaxy", "collection", "install", "-p", path,
                        os.path.join(out, tars[0])], capture_output=True, text=True,
                       timeout=300, env=env)
    if r.returncode != 0 or not os.path.isdir(os.path.join(path, "ansible_collections",
                                                           "secagent", "trust")):
        return None, "install: %s" % (r.stderr or r.stdout)[-600:]
    return path, None


def ansible_env(tmp, forks=20, collections=None):
    """The environment of ansible-playbook: its own configuration and
    directories; collections: where secagent.trust is installed (default
    tmp/collections, as build_collection puts it)."""
    home = os.path.join(tmp, "ansible-home")
    os.makedirs(home, exist_ok=True)
    cfg = os.path.join(tmp, "ansible.cfg")
    with open(cfg, "w") as f:
        f.write("[defaults]\nforks = %d\nhost_key_checking = False\n"
                "retry_files_enabled = False\ngathering = explicit\n"
                "interpreter_python = /usr/bin/python3\ncollections_path = %s\n"
                % (forks, collections or os.path.join(tmp, "collections")))
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": cfg,
        "ANSIBLE_HOME": home,
        "ANSIBLE_LOCAL_TEMP": os.path.join(home, "tmp"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_FORKS": str(forks),
        "PATH": "/usr/bin:/bin:" + env.get("PATH", ""),
    })
    return env


class Run:
    """One ansible-playbook run: rc, the JSON callback's document, the raw output."""

    def __init__(self, rc, out, err, secs):
        self.rc, self.out, self.err, self.secs = rc, out, err, secs
        try:
            self.doc = json.loads(out[out.index("{"):])
        except ValueError:
            self.doc = {}
        self.stats = self.doc.get("stats", {})

    def hosts(self, **want):
        """The hosts whose stats have every key of want (callable or value)."""
        out = []
        for h, s in sorted(self.stats.items()):
            if all((v(s.get(k, 0)) if callable(v) else s.get(k, 0) == v)
                   for k, v in want.items()):
                out.append(h)
        return out

    def messages(self, host):
        """The failure messages of host, task by task."""
        msgs = []
        for play in self.doc.get("plays", []):
            for t in play.get("tasks", []):
                r = t.get("hosts", {}).get(host)
                if r and (r.get("failed") or r.get("unreachable")):
                    msgs.append("%s: %s" % (t["task"]["name"], r.get("msg")))
        return msgs

    def why(self):
        return "rc=%d stats=%s stderr=%s out=%s" % (self.rc, json.dumps(self.stats),
                                                     self.err[-800:], self.out[-800:])


def playbook(tmp, name, inv, forks=20, extra=(), timeout=600):
    """Runs NAME (contrib/ansible/NAME unless a path) against inv."""
    cmd = ["ansible-playbook", "-i", inv, "--forks", str(forks),
           name if os.path.isabs(name) else os.path.join(ANSIBLE_DIR, name)] + list(extra)
    t0 = time.time()
    p = subprocess.run(cmd, env=ansible_env(tmp, forks), capture_output=True, text=True,
                       timeout=timeout, cwd=tmp)
    return Run(p.returncode, p.stdout, p.stderr, time.time() - t0)


# SECAGENT-SECURITY-MIB by number: the tools need no MIB file
MIB = ".1.3.6.1.4.1.32473.1.1"
OID_ACCEPT_ALL = MIB + ".1.1.0"
OID_USERNAME = MIB + ".2.1.0"
OID_CA_STATUS = MIB + ".1.2.1.4"
OID_SERVER_STATUS = MIB + ".1.3.1.4"


def snmp(tool, agent, *args):
    """A net-snmp tool against agent's embedded SNMP agent (v2c public),
    numeric output, no MIB, no configuration of this machine."""
    env = dict(os.environ, MIBS="", SNMPCONFPATH="/nonexistent")
    p = subprocess.run([tool, "-v2c", "-c", "public", "-t", "2", "-r", "2", "-On",
                        "127.0.0.1:%d" % agent.snmp] + list(args),
                       capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def snmp_fingerprints(agent, column):
    """The fingerprints (hex) indexing a table column, by snmpwalk."""
    rc, out, err = snmp("snmpwalk", agent, column)
    fps = set()
    for line in out.splitlines():
        idx = line.split(" ", 1)[0][len(column) + 1:].split(".")
        if len(idx) == 32:
            fps.add("".join("%02x" % int(b) for b in idx))
    return fps


def snmp_policy(agent):
    """(CA fingerprints, accept-all, username) as SNMP reads them."""
    rc, out, err = snmp("snmpget", agent, "-Oqv", OID_ACCEPT_ALL, OID_USERNAME)
    lines = out.splitlines()
    if rc != 0 or len(lines) != 2:
        return None, None, "snmpget: %s" % (err or out).strip()
    user = lines[1].strip()
    if user.startswith('"') and user.endswith('"'):
        user = user[1:-1]
    return snmp_fingerprints(agent, OID_CA_STATUS), lines[0].strip() == "1", user


def htdigest(path, user, password, realm=REALM):
    with open(path, "a") as f:
        f.write("%s:%s:%s\n" % (user, realm, hashlib.md5(
            ("%s:%s:%s" % (user, realm, password)).encode()).hexdigest()))


def lighttpd(tmp, name, port, cert, key, root, userfile, extra=""):
    """lighttpd on 127.0.0.1:port, TLS, digest authentication on everything;
    the access log shows each request's User-Agent."""
    conf = os.path.join(tmp, name + ".conf")
    with open(conf, "w") as f:
        f.write('server.modules = ("mod_openssl", "mod_auth", "mod_authn_file", "mod_accesslog")\n'
                'server.document-root = "%s"\nserver.bind = "127.0.0.1"\nserver.port = %d\n'
                'server.errorlog = "%s/%s.err"\naccesslog.filename = "%s/%s.access"\n'
                'accesslog.format = "%%r %%>s %%u [%%{User-Agent}i]"\n'
                'ssl.engine = "enable"\nssl.pemfile = "%s"\nssl.privkey = "%s"\n'
                'mimetype.assign = (".xml" => "application/xml")\n'
                'auth.backend = "htdigest"\nauth.backend.htdigest.userfile = "%s"\n'
                'auth.require = ("/" => ("method" => "digest", "realm" => "%s", '
                '"require" => "valid-user"))\n'
                # a file rewritten with another size is served whole at once
                'server.stat-cache-engine = "disable"\n%s'
                % (root, port, tmp, name, tmp, name, cert, key, userfile, REALM, extra))
    p = subprocess.Popen(["lighttpd", "-D", "-f", conf], stderr=subprocess.DEVNULL)
    if not wait_port(port):
        p.terminate()
        raise RuntimeError("lighttpd %s did not listen" % name)
    return p


def make_dated_ca(tmp, name, days_from, days_to):
    """A self-signed CA certificate valid from now + days_from to now +
    days_to on the tests' clock (days_to < 0: expired), made by
    tests/certlib.py: (pem path, fingerprint)."""
    now = test_now()
    pem, _, fp = make_cert(tmp, name, ca=True, not_before=now + days_from * 86400,
                           not_after=now + days_to * 86400)
    return pem, fp


def factory_bundle(tmp):
    """The factory bundle of the fleet tests, made relative to now: one valid
    root and one that expired 30 days ago.  ((valid pem, fp), (expired pem,
    fp), bundle path)."""
    valid = make_dated_ca(tmp, "factory-valid", -1, 3650)
    expired = make_dated_ca(tmp, "factory-expired", -400, -30)
    path = os.path.join(tmp, "factory.pem")
    with open(path, "w") as f:
        f.write(open(valid[0]).read() + open(expired[0]).read())
    return valid, expired, path


def have_lighttpd():
    return shutil.which("lighttpd") is not None and \
        os.path.exists("/usr/lib/lighttpd/mod_openssl.so")


def sec(inner):
    return '<security xmlns="%s">%s</security>' % (NS, inner)


if __name__ == "__main__":
    sys.exit(0)
