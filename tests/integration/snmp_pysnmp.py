"""The embedded SNMP agent of secagentd read and written by a second,
independent SNMP implementation: pysnmp (Debian's python3-pysnmp4), with
SNMPv2c and SNMPv3 (SHA-256/AES-128 and SHA-512/AES-256 Blumenthal).

Every row of the three tables is checked from outside: its index is the
SHA-256 of its secXxxCertData, 32 sub-identifiers without a length.
"""
import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nclib  # noqa: E402
from nclib import Fail, case, check, finish, skip  # noqa: E402

try:
    from pysnmp.hlapi import (CommunityData, ContextData, Integer32,
                              ObjectIdentity, ObjectType, OctetString,
                              SnmpEngine, UdpTransportTarget, UsmUserData,
                              bulkCmd, getCmd, nextCmd, setCmd,
                              usmAesBlumenthalCfb256Protocol,
                              usmAesCfb128Protocol,
                              usmHMAC192SHA256AuthProtocol,
                              usmHMAC384SHA512AuthProtocol)
except ImportError as e:
    skip("pysnmp", "python3-pysnmp4 is not installed (%s)" % e)
    sys.exit(0)

ROOT = (1, 3, 6, 1, 4, 1, 32473, 1)
TABLES = {"ca": ROOT + (1, 1, 2, 1), "server": ROOT + (1, 1, 3, 1),
          "invalid": ROOT + (1, 1, 4, 1)}
USERNAME = ROOT + (1, 2, 1, 0)
ACCEPT_ALL = ROOT + (1, 1, 1, 0)
IMPORT = ROOT + (1, 1, 5, 0)
PW = nclib.DEMO_PASSWORD


class Agent:
    def __init__(self, port):
        self.engine = SnmpEngine()
        self.target = UdpTransportTarget(("127.0.0.1", port), timeout=3,
                                         retries=1)
        self.v2 = CommunityData("public", mpModel=1)
        self.rw = UsmUserData("admin", PW, PW,
                              authProtocol=usmHMAC192SHA256AuthProtocol,
                              privProtocol=usmAesCfb128Protocol)
        self.ro = UsmUserData("viewer", "viewer-secret", "viewer-secret",
                              authProtocol=usmHMAC384SHA512AuthProtocol,
                              privProtocol=usmAesBlumenthalCfb256Protocol)

    def _one(self, it):
        err, status, index, vbs = next(it)
        if err:
            raise Fail("pysnmp: %s" % err)
        return status.prettyPrint() if status else "noError", vbs

    def get(self, auth, *oids):
        status, vbs = self._one(getCmd(
            self.engine, auth, self.target, ContextData(),
            *[ObjectType(ObjectIdentity(o)) for o in oids]))
        check(status == "noError", "GET: %s" % status)
        return [v for _, v in vbs]

    def set(self, auth, *pairs):
        return self._one(setCmd(self.engine, auth, self.target,
                                ContextData(),
                                *[ObjectType(ObjectIdentity(o), v)
                                  for o, v in pairs]))[0]

    def walk(self, auth, column, bulk=False):
        prefix = ObjectIdentity(column)
        kw = dict(lexicographicMode=False)
        if bulk:
            it = bulkCmd(self.engine, auth, self.target, ContextData(), 0,
                         20, ObjectType(prefix), **kw)
        else:
            it = nextCmd(self.engine, auth, self.target, ContextData(),
                         ObjectType(prefix), **kw)
        rows = []
        for err, status, index, vbs in it:
            if err or status:
                raise Fail("walk: %s" % (err or status.prettyPrint()))
            for name, value in vbs:
                rows.append((tuple(name), value))
        return rows


def make_cert(dir, name, days):
    key, pem = os.path.join(dir, name + ".key"), os.path.join(dir, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-subj", "/CN=" + name, "-days", str(days),
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-out", pem], check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return der


def main():
    dir = nclib.tmpdir()
    port = nclib.free_port()
    conf = os.path.join(dir, "a.conf")
    with open(conf, "w") as f:
        f.write("log stderr info\nnetconf-unix none\n"
                "snmp-community public\n"
                "snmp-user admin rw SHA-256 %s AES %s\n"
                "snmp-user viewer ro SHA-512 viewer-secret AES-256 "
                "viewer-secret\n" % (PW, PW))
    d = nclib.Daemon(os.path.join(dir, "state"), demo=False, conf=conf,
                     args=["--snmp", "udp:127.0.0.1:%d" % port])
    d.start()
    a = Agent(port)
    der = make_cert(dir, "pyca", 30)
    fp = hashlib.sha256(der).digest()

    def v2_get():
        v = a.get(a.v2, ACCEPT_ALL)[0]
        check(int(v) in (1, 2), "TruthValue: %r" % v)
    case("pysnmp: SNMPv2c GET of secAcceptAllCertificates", v2_get, d)

    def v3_import():
        s = a.set(a.rw, (IMPORT, OctetString(der)))
        check(s == "noError", "import: %s" % s)
        got = a.get(a.ro, TABLES["ca"] + (5,) + tuple(fp))[0]
        check(str(got) == "CN=pyca", "subject of the new row: %r" % got)
    case("pysnmp: SNMPv3 SHA-256/AES imports, SHA-512/AES-256 reads the row",
         v3_import, d)

    def rows_are_their_fingerprints():
        n = 0
        for name, table in TABLES.items():
            for oid, value in a.walk(a.v2, table + (2,)):
                index = oid[len(table) + 1:]
                check(len(index) == 32, "%s index of %d sub-identifiers" %
                      (name, len(index)))
                check(bytes(index) == hashlib.sha256(bytes(value)).digest(),
                      "%s row %s: the index is not the data's SHA-256" %
                      (name, bytes(index).hex()))
                n += 1
        check(n > 0, "no rows")
    case("pysnmp: every row's index is the SHA-256 of its CertData, 32 "
         "sub-identifiers", rows_are_their_fingerprints, d)

    def next_and_bulk():
        col = TABLES["ca"] + (9,)
        x, y = a.walk(a.v2, col), a.walk(a.rw, col, bulk=True)
        check([o for o, _ in x] == [o for o, _ in y] and x,
              "GETNEXT %d rows, GETBULK %d rows" % (len(x), len(y)))
        check(all(len(bytes(v)) == 11 for _, v in x),
              "DateAndTime of 11 octets")
    case("pysnmp: GETNEXT and GETBULK walks agree (DateAndTime values)",
         next_and_bulk, d)

    def set_errors():
        s = a.set(a.rw, (USERNAME, OctetString("u" * 75)))
        check(s == "wrongLength", "75 characters: %s" % s)
        s = a.set(a.rw, (USERNAME, Integer32(1)))
        check(s == "wrongType", "an INTEGER: %s" % s)
        idx = tuple(hashlib.sha256(b"other").digest())
        s = a.set(a.rw, (TABLES["ca"] + (18,) + idx, Integer32(4)),
                  (TABLES["ca"] + (2,) + idx, OctetString(der)))
        check(s == "inconsistentValue", "index not the DER's: %s" % s)
        s = a.set(a.v2, (USERNAME, OctetString("x")))
        check(s in ("noAccess", "authorizationError"), "v2c write: %s" % s)
        s = a.set(a.ro, (USERNAME, OctetString("x")))
        check(s in ("noAccess", "authorizationError"), "ro write: %s" % s)
    case("pysnmp: wrongLength, wrongType, inconsistentValue; v2c and "
         "read-only users cannot write", set_errors, d)

    def set_and_read():
        s = a.set(a.rw, (USERNAME, OctetString("py-user")))
        check(s == "noError", "SET: %s" % s)
        check(str(a.get(a.v2, USERNAME)[0]) == "py-user", "read back")
        out = subprocess.run([os.path.join(nclib.BUILD, "secagentctl"),
                              "-d", d.dir, "get", "http-username"],
                             capture_output=True, text=True).stdout.strip()
        check(out == "py-user", "secagentctl: %r" % out)
    case("pysnmp: a SET is in the store (secagentctl reads it)",
         set_and_read, d)
    d.stop()
    finish()


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        nclib.not_ok("pysnmp", e)
        finish()
