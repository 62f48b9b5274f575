"""certlib - the tests' clock, and the certificates the Python tests make
by it (python3-cryptography).

tests/run can run the suite on another day: it sets
$SECAGENT_TEST_CLOCK_OFFSET (seconds), which moves the store's clock of
secagentd and secagentctl (agent/test_clock.h) and the clock here.  A
test never counts on the real date against a certificate it did not make,
nor on Debian's ca-certificates: agents start with factory_bundle()."""
import os
import shutil
import tempfile
import time


# The tests' clock: the real time moved by $SECAGENT_TEST_CLOCK_OFFSET
# seconds.  tests/run sets it to run the suite on a day years ahead; the
# daemon's store then goes by the same clock (agent/test_clock.h), and
# every certificate a test puts into a store is made relative to it.
CLOCK_OFFSET = int(os.environ.get("SECAGENT_TEST_CLOCK_OFFSET", "0") or 0)


def test_now():
    """Seconds since the epoch on the tests' clock."""
    return time.time() + CLOCK_OFFSET


def make_cert(tmp, name, ca=False, issuer=None, days=365, not_before=None, not_after=None):
    """A certificate (EC P-256) valid from an hour ago for `days` days on the
    tests' clock, or from not_before to not_after (seconds since the epoch):
    (pem path, der bytes, fingerprint).  NAME.pem and NAME.key are in tmp;
    issuer names another certificate made here, else it is self-signed.
    A CA has basicConstraints CA:TRUE; any other is a TLS server's
    certificate for localhost and 127.0.0.1."""
    import datetime
    import hashlib
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def when(t):
        return datetime.datetime.utcfromtimestamp(int(t))

    now = test_now()
    nb = now - 3600 if not_before is None else not_before
    na = now + days * 86400 if not_after is None else not_after
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "secagent tests"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    if issuer:
        with open(os.path.join(tmp, issuer + ".pem"), "rb") as f:
            icert = x509.load_pem_x509_certificate(f.read())
        with open(os.path.join(tmp, issuer + ".key"), "rb") as f:
            ikey = serialization.load_pem_private_key(f.read(), None)
        iname = icert.subject
    else:
        icert, ikey, iname = None, key, subject
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(iname)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(when(nb)).not_valid_after(when(na))
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False))
    if icert is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ikey.public_key()), False)
    if ca:
        b = (b.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
             .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), True))
    else:
        b = (b.add_extension(x509.BasicConstraints(ca=False, path_length=None), False)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), True)
             .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            False)
             .add_extension(x509.SubjectAlternativeName(
                 [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                 False))
    cert = b.sign(ikey, hashes.SHA256())
    pem = os.path.join(tmp, name + ".pem")
    with open(os.path.join(tmp, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(pem, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    der = cert.public_bytes(serialization.Encoding.DER)
    return pem, der, hashlib.sha256(der).hexdigest()


_factory = {}


def factory_bundle():
    """A factory bundle made for this test run: one root CA, valid for ten
    years on the tests' clock (path, fingerprint).  Agents start with it
    unless a test names its own: no test depends on Debian's
    ca-certificates or on the day it runs."""
    if not _factory:
        import atexit
        tmp = tempfile.mkdtemp(prefix="secagent-factory.")
        atexit.register(shutil.rmtree, tmp, True)
        pem, _, fp = make_cert(tmp, "factory-root", ca=True, days=3650)
        _factory["bundle"] = (pem, fp)
    return _factory["bundle"]


def with_factory(args):
    """args, with --factory-bundle of factory_bundle() unless they name one."""
    args = list(args or [])
    if "--factory-bundle" not in args:
        args += ["--factory-bundle", factory_bundle()[0]]
    return args


def main(argv):
    """certlib.py DIR NAME [--ca] [--issuer NAME] [--days N]: make_cert
    for the shell tests (tests/lib.sh mkca, mkleaf)."""
    import argparse
    ap = argparse.ArgumentParser(prog="certlib.py")
    ap.add_argument("dir")
    ap.add_argument("name")
    ap.add_argument("--ca", action="store_true")
    ap.add_argument("--issuer")
    ap.add_argument("--days", type=int, default=365)
    a = ap.parse_args(argv)
    make_cert(a.dir, a.name, ca=a.ca, issuer=a.issuer, days=a.days)
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
