#!/usr/bin/python3
"""bench/fleet - one policy pushed to a fleet of secagentd on loopback with
Ansible (contrib/ansible/push-policy.yml), and the memory of an agent.

  ./run bench fleet [--sizes 20,100] [--forks 1,20]

For each size (agents) and each forks value: the wall time of one
ansible-playbook run that changes every agent (the bundle alternates
between two sets of CA certificates), checked: every agent ok and changed.
The baseline, measured in the same run: the same RPCs sent with ncclient
by one client, one device after another (lock, get-config, edit-config,
confirmed commit, get-config, confirm, unlock) - what the protocol and the
agents cost without Ansible.  Printed: seconds per agent, the ratio to the
baseline, the forks-20 speedup, the CPU of the machine and of the agents
during each run, Ansible's peak memory; VmRSS and Pss of one idle agent
(--snmp none, and one with its SNMP agent for comparison) and of all.

The machine is shared: run it when `uptime` shows it quiet.  100 agents
take about 100 x 5 MiB private memory, 100 TCP ports, 20 descriptors
each; Ansible keeps one ansible-connection process per agent for the
whole play."""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.environ.get("SECAGENT_SRCDIR",
                     os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "contrib", "ansible", "filter_plugins"))
sys.dont_write_bytecode = True
import fleet_lib as fl  # noqa: E402
from nclib import make_cert  # noqa: E402
import secagent as filters  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")


def machine_busy():
    """Busy seconds of all CPUs so far (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / HZ   # minus idle and iowait


def proc_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read().rsplit(")", 1)[1].split()
        return (int(s[11]) + int(s[12])) / HZ
    except OSError:
        return 0.0


def mem_kib(pid):
    """(VmRSS, Pss, private anonymous) of pid in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "RssAnon:")):
                out[line.split(":")[0]] = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1])
    return out.get("VmRSS", 0), out.get("Pss", 0), out.get("RssAnon", 0)


class AnsibleWatch(threading.Thread):
    """Samples the processes of one ansible-playbook run (those whose
    environment holds our ANSIBLE_HOME): peak RSS sum and peak count of
    ansible-connection processes."""

    def __init__(self, marker):
        super().__init__(daemon=True)
        self.marker = ("ANSIBLE_HOME=" + marker).encode()
        self.stop = threading.Event()
        self.peak_rss = 0
        self.peak_conn = 0

    def run(self):
        while not self.stop.wait(0.5):
            rss = conn = 0
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                try:
                    with open("/proc/%s/environ" % p, "rb") as f:
                        if self.marker not in f.read():
                            continue
                    with open("/proc/%s/cmdline" % p, "rb") as f:
                        conn += b"ansible-connection" in f.read()
                    rss += mem_kib(int(p))[0]
                except OSError:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_conn = max(self.peak_conn, conn)


def push_ncclient(a, pem, accept_all, user, password):
    """The RPCs of push-policy.yml, with ncclient, one session."""
    from ncclient.xml_ import to_ele
    base = "urn:ietf:params:xml:ns:netconf:base:1.0"
    flt = ("subtree", fl.sec(""))
    with a.connect() as m:
        m.lock(target="running")
        m.lock(target="candidate")
        before = m.get_config(source="candidate", filter=flt).data_xml
        m.edit_config(target="candidate", error_option="rollback-on-error",
                      config=filters.secagent_policy_config(pem, before, accept_all, user,
                                                            password))
        m.dispatch(to_ele('<commit xmlns="%s"><confirmed/><confirm-timeout>120'
                          '</confirm-timeout><persist>bench</persist></commit>' % base))
        after = m.get_config(source="running", filter=flt).data_xml
        if not filters.secagent_policy_held(after, pem, accept_all, user):
            raise RuntimeError("%s does not hold the policy" % a.name)
        m.dispatch(to_ele('<commit xmlns="%s"><persist-id>bench</persist-id></commit>' % base))
        m.unlock(target="candidate")
        m.unlock(target="running")


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def mib(kib):
    return kib / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20,100")
    ap.add_argument("--forks", default="1,20")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(","))
    forks_list = sorted(int(x) for x in args.forks.split(","))
    n_max = sizes[-1]

    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    with open("/proc/meminfo") as f:
        avail = [int(line.split()[1]) for line in f if line.startswith("MemAvailable:")][0]
    if nofile < 64 * n_max:
        sys.exit("bench/fleet: %d agents want about %d file descriptors, the limit is %d"
                 % (n_max, 64 * n_max, nofile))
    if avail < n_max * 80 * 1024:
        sys.exit("bench/fleet: %d agents and their Ansible connections want about %d MiB, "
                 "%d MiB available" % (n_max, n_max * 80, avail // 1024))
    print("bench/fleet: one policy pushed with Ansible (contrib/ansible/push-policy.yml) "
          "to secagentd on loopback")
    print("  machine: %d cores, load %.2f at start, %.1f GiB available, %d descriptors"
          % (os.cpu_count(), load(), avail / 1048576.0, nofile), flush=True)

    tmp = tempfile.mkdtemp(prefix="secagent-bench-fleet.")
    fleet, extra = [], None
    try:
        pems = []
        for k in range(2):
            parts = [open(make_cert(tmp, "bench-%d-%d" % (k, j), ca=True)[0]).read()
                     for j in range(2)]
            path = os.path.join(tmp, "bundle%d.pem" % k)
            with open(path, "w") as f:
                f.write("".join(parts))
            pems.append(path)

        t0 = time.time()
        fleet = fl.start_fleet(tmp, n_max)
        print("  %d agents started in %.1f s (--snmp none, each its own directory and port)"
              % (n_max, time.time() - t0), flush=True)
        time.sleep(2)
        idle = mem_kib(fleet[0].proc.pid)
        extra = fl.FleetAgent(tmp, "with-snmp", snmp=True)
        extra.start()
        time.sleep(2)
        idle_snmp = mem_kib(extra.proc.pid)
        extra.stop()

        # baseline: ncclient, one device after another
        base = {}
        for n in sizes:
            t0 = time.time()
            for a in fleet[:n]:
                push_ncclient(a, open(pems[0]).read(), False, "bench-user", "bench-pw")
            base[n] = (time.time() - t0) / n
        print("  baseline: ncclient, the same RPCs, one device after another")
        for n in sizes:
            print("    %3d agents %7.1f s   %5.2f s/agent" % (n, base[n] * n, base[n]))
        sys.stdout.flush()

        runs, k = {}, 1
        print("  Ansible (ansible-playbook %s, linear strategy, %s)" % (
            subprocess.run(["ansible-playbook", "--version"], capture_output=True,
                           text=True).stdout.split("\n")[0].split()[-1].rstrip("]"),
            "push-policy.yml: 9 tasks per device"))
        for n in sizes:
            for forks in forks_list:
                inv = fl.inventory(os.path.join(tmp, "inv-%d.yml" % n), fleet[:n],
                                   secagent_ca_bundle=pems[k % 2], secagent_accept_all=False,
                                   secagent_http_username="bench-user",
                                   secagent_http_password="bench-pw")
                k += 1
                watch = AnsibleWatch(os.path.join(tmp, "ansible-home"))
                watch.start()
                busy0, agents0 = machine_busy(), sum(proc_cpu(a.proc.pid) for a in fleet[:n])
                r = fl.playbook(tmp, "push-policy.yml", inv, forks=forks, timeout=3600)
                busy = machine_busy() - busy0
                agents = sum(proc_cpu(a.proc.pid) for a in fleet[:n]) - agents0
                watch.stop.set()
                watch.join()
                good = r.hosts(failures=0, unreachable=0, changed=1)
                if r.rc != 0 or len(good) != n:
                    sys.exit("bench/fleet: the run with %d agents, forks %d failed: %s"
                             % (n, forks, r.why()))
                runs[n, forks] = r.secs
                line = ("    %3d agents forks %2d %7.1f s   %5.2f s/agent  %5.1fx baseline"
                        "   CPU %6.1f s (agents %4.1f s)   Ansible peak %5.0f MiB, %d connections"
                        % (n, forks, r.secs, r.secs / n, r.secs / n / base[n], busy, agents,
                           mib(watch.peak_rss), watch.peak_conn))
                if forks != forks_list[0]:
                    line += "   forks %d vs %d: %.2fx faster" % (
                        forks, forks_list[0], runs[n, forks_list[0]] / r.secs)
                print(line, flush=True)
        if len(sizes) > 1:
            a, b = sizes[0], sizes[-1]
            for forks in forks_list:
                print("    per agent, %d vs %d agents, forks %d: %.2fx" % (
                    b, a, forks, (runs[b, forks] / b) / (runs[a, forks] / a)))

        after = mem_kib(fleet[0].proc.pid)
        total = [mem_kib(a.proc.pid) for a in fleet]
        print("  memory of an idle agent: VmRSS %.1f MiB (Pss %.1f MiB, private anonymous "
              "%.1f MiB); after the pushes VmRSS %.1f MiB, anonymous %.1f MiB"
              % (mib(idle[0]), mib(idle[1]), mib(idle[2]), mib(after[0]), mib(after[2])))
        print("    with its SNMP agent (--snmp udp:...): VmRSS %.1f MiB, anonymous %.1f MiB "
              "(%.2fx)" % (mib(idle_snmp[0]), mib(idle_snmp[2]), idle_snmp[0] / idle[0]))
        print("    all %d agents: VmRSS sum %.0f MiB, Pss sum %.0f MiB (shared libraries "
              "counted once), %.1f MiB per agent" % (
                  n_max, mib(sum(t[0] for t in total)), mib(sum(t[1] for t in total)),
                  mib(sum(t[1] for t in total)) / n_max))
        print("  load at the end: %.2f" % load())
    finally:
        fl.stop_fleet(fleet + ([extra] if extra else []))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
