#!/usr/bin/python3
"""The state directory's ground, with the real secagentd and secagentctl:
a directory that others may write, or that another user owns, is refused
with a clear message (secagentctl does not even talk to a socket there);
a link planted under a name the daemon writes (nacm.xml, the pid file,
the rollback file, snmp/, the demo's files, their temporary names) is
refused or replaced, never written through."""
import os
import pwd
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from nclib import *  # noqa: E402,F401,F403

CTL = os.path.join(BUILD, "secagentctl")
BAIT = b"the victim's own content\n"
tmp = tmpdir()
victim = os.path.join(tmp, "victim.txt")
victim_dir = os.path.join(tmp, "victim.d")
conf = os.path.join(tmp, "secagentd.conf")
with open(conf, "w") as f:
    f.write("log stderr info\nuser admin group admin uid 0\n"
            "snmp-community public\n")
counter = [0]


def reset_victims():
    with open(victim, "wb") as f:
        f.write(BAIT)
    os.chmod(victim, 0o644)
    shutil.rmtree(victim_dir, True)
    os.mkdir(victim_dir)


def victims_untouched():
    with open(victim, "rb") as f:
        data = f.read()
    return (data == BAIT and os.stat(victim).st_mode & 0o7777 == 0o644
            and os.listdir(victim_dir) == [])


def new_dir(mode=0o700):
    counter[0] += 1
    d = os.path.join(tmp, "state%d" % counter[0])
    os.mkdir(d)
    os.chmod(d, mode)
    return d


def run_daemon(d, *args, demo=False, secs=20):
    """secagentd until it exits (or is stopped once started): (status, output)."""
    cmd = [DAEMON, "-f", "-d", d]
    cmd += ["--demo", "--ssh", "none", "--tls", "none", "--snmp", "none"] \
        if demo else ["-c", conf, "--snmp", "none"]
    p = subprocess.Popen(cmd + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    out = []

    def reader():
        for line in p.stdout:
            out.append(line)
            if "secagentd started" in line:
                p.terminate()
    t = threading.Thread(target=reader)
    t.start()
    try:
        rc = p.wait(secs)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "hung"
    t.join()
    return rc, "".join(out)


def ctl(d, *args):
    p = subprocess.run([CTL, "-d", d] + list(args), capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def refused_dir(name, d, words):
    def fn():
        rc, out = run_daemon(d)
        check(rc == 1 and all(w in out for w in words) and d in out,
              "secagentd: status %s: %s" % (rc, out.strip()[-300:]))
        rc, out = run_daemon(d, demo=True)
        check(rc == 1 and all(w in out for w in words),
              "secagentd --demo: status %s: %s" % (rc, out.strip()[-300:]))
        rc, _, err = ctl(d, "list")
        check(rc == 1 and all(w in err for w in words) and
              len(err.strip().splitlines()) == 1,
              "secagentctl: status %s: %s" % (rc, err))
        check(os.listdir(d) == [], "files were made in it: %s" % os.listdir(d))
    case(name, fn)


refused_dir("a group-writable state directory is refused by secagentd and "
            "secagentctl, naming it, nothing made", new_dir(0o770),
            ["writable by its group", "chmod go-w"])
refused_dir("a world-writable one too", new_dir(0o707),
            ["writable by everyone"])
refused_dir("a sticky world-writable one (/tmp-like) too", new_dir(0o1777),
            ["writable by everyone"])

try:
    nobody = pwd.getpwnam("nobody")
except KeyError:
    nobody = None
if os.geteuid() != 0 or nobody is None:
    skip("a state directory owned by another user", "needs root and nobody")
else:
    d = new_dir(0o755)
    os.chown(d, nobody.pw_uid, nobody.pw_gid)
    refused_dir("a state directory owned by nobody, run by root: refused",
                d, ["owned by uid %d" % nobody.pw_uid, "not by uid 0"])

    def socket_not_trusted():
        d = new_dir(0o755)
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(d, "secagentd.sock"))
        s.listen(4)
        s.settimeout(0.5)
        os.chown(d, nobody.pw_uid, nobody.pw_gid)
        rc, _, err = ctl(d, "set", "accept-all-certificates", "true")
        try:
            conn = s.accept()[0]
            conn.close()
            talked = True
        except socket.timeout:
            talked = False
        s.close()
        check(rc == 1 and "owned by uid" in err and not talked,
              "status %s, connected %s: %s" % (rc, talked, err))
    case("secagentctl does not talk to a socket in a directory another "
         "user owns", socket_not_trusted)


def ctl_normal():
    d = new_dir(0o755)
    rc, out, err = ctl(d, "get", "accept-all-certificates")
    check(rc == 0 and out.strip() == "false", "status %s: %s" % (rc, err))
case("secagentctl run by root on a root-owned 0755 directory works", ctl_normal)


def planted(name, link, target, words, demo=False, started=False, args=(),
            prepare=None):
    """A link at link (relative to a new state directory) to target."""
    def fn():
        reset_victims()
        d = new_dir(0o755)
        if prepare:
            prepare(d)
        path = os.path.join(d, link)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)
        rc, out = run_daemon(d, *args, demo=demo)
        if started:
            check("secagentd started" in out and rc == 0,
                  "status %s: %s" % (rc, out.strip()[-300:]))
        else:
            check(rc == 1, "status %s: %s" % (rc, out.strip()[-300:]))
        check(all(w in out for w in words), "the log lacks %s: %s" % (
            words, out.strip()[-300:]))
        check(victims_untouched(), "the victim was written through the link")
    case(name, fn)


planted("nacm.xml, a link: secagentd refuses to start, names it",
        "nacm.xml", victim, ["nacm.xml: a symbolic link: refused"])
planted("nacm.xml.tmp, a link: NACM is seeded in a new file, not through it",
        "nacm.xml.tmp", victim, ["NACM seeded"], started=True)
planted("secagentd.pid, a link: replaced, not followed", "secagentd.pid",
        victim, [], started=True)
planted("secagentd.pid.tmp, a link: not followed", "secagentd.pid.tmp",
        victim, [], started=True)
planted("confirmed-commit.xml, a link: not read, said in the log",
        "confirmed-commit.xml", victim,
        ["confirmed-commit.xml: a symbolic link: refused"], started=True)
planted("store.log, a link: refused", "store.log", victim,
        ["store.log: a symbolic link: refused"])
planted("snmp/, a link to another directory: refused", "snmp", victim_dir,
        ["snmp: a symbolic link: refused"],
        args=("--snmp", "udp:127.0.0.1:%d" % free_port()))
planted("snmp/secagentd.conf (Net-SNMP's own file), a link: refused",
        "snmp/secagentd.conf", victim,
        ["snmp/secagentd.conf: a symbolic link: refused"],
        args=("--snmp", "udp:127.0.0.1:%d" % free_port()))
planted("the demo's pki/, a link to another directory: refused", "pki",
        victim_dir, ["pki: a symbolic link: refused"], demo=True)
planted("the demo's secagentd.conf, a link: refused", "secagentd.conf",
        victim, ["secagentd.conf: a symbolic link: refused"], demo=True)
for key in ("ssh_host_ed25519_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key"):
    planted("the SSH host key %s, a link: refused" % key, key, victim,
            ["%s: a symbolic link: refused" % key], demo=True,
            args=("--ssh", "127.0.0.1:%d" % free_port()))
planted("the SSH host key's .pub, a link: replaced, not followed",
        "ssh_host_ed25519_key.pub", victim, [], started=True, demo=True,
        args=("--ssh", "127.0.0.1:%d" % free_port()))
planted("secagentd.sock, a link: refused", "secagentd.sock", victim,
        ["secagentd.sock exists and is not a socket"])
finish()
