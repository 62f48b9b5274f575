# -*- coding: utf-8 -*-
"""secagent.trust: one NETCONF session to a secagent device with ncclient,
the errors a module reports, and the data model read into dicts.

Used by the modules of the collection in two places: their action plugins
run them inside Ansible's worker on the controller (connection: local), and
the modules themselves when run as plain modules.  Nothing here imports
Ansible, so both work.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import logging
import re
import socket
from xml.sax.saxutils import escape

# paramiko logs "Socket exception: Connection reset by peer" when a device
# closes the connection right after <close-session> answers; with no handler
# Python prints that to the worker's stderr, between Ansible's lines.
# Errors that matter reach the module as exceptions.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

try:
    from ncclient import manager
    from ncclient.operations import RPCError
    from ncclient.operations.errors import TimeoutExpiredError
    from ncclient.transport import errors as transport_errors
    import ncclient.transport.ssh as ncclient_ssh
    from ansible_collections.secagent.trust.plugins.module_utils.ncclient_compat import (
        DEVICE_PARAMS)
    NCCLIENT_ERROR = None
except ImportError as e:    # reported by the module, with the package to install
    NCCLIENT_ERROR = str(e)

NS = "urn:secagent:yang:secagent-security"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
CRED_MAX = 74           # characters of the digest username and password

# ncclient's SSH thread sends what is queued only when its select() wakes up,
# every TICK seconds (0.1 by default): up to 0.1 s more per RPC, for ten
# RPCs per device (measured: a session of the policy module took 2.2 s with
# 0.1, 1.2 s with 0.01, for the same CPU).
SEND_TICK = 0.01

# The connection options every module takes (doc fragment secagent.trust.connection).
CONNECTION_SPEC = dict(
    host=dict(type="str"),
    port=dict(type="int", default=830),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    hostkey_verify=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)
_HEX = re.compile(r"^[0-9a-f]{64}$")


class Unreachable(Exception):
    """The device could not be reached or refused the login."""


class DeviceError(Exception):
    """The device answered with an error, or the session broke off."""


class SessionLost(DeviceError):
    """The session broke off (or the device stopped answering) mid-way."""


class ParamError(Exception):
    """A bad value in the task: nothing was sent."""


def q(path):
    """ElementTree path of the module's namespace: "a/b" -> "{NS}a/{NS}b"."""
    return "/".join("{%s}%s" % (NS, p) for p in path.split("/"))


def text(el, path, default=None):
    """The text of el/path, "" when empty, default when absent."""
    e = el.find(q(path)) if el is not None else None
    if e is None:
        return default
    return e.text or ""


def xml(s):
    return escape(str(s))


def fingerprint(value):
    """A SHA-256 fingerprint as the device keys it: 64 lowercase hex digits
    (colons and case are forgiven)."""
    fp = str(value).replace(":", "").strip().lower()
    if not _HEX.match(fp):
        raise ParamError("%r is not a SHA-256 fingerprint (64 hex digits)" % (value,))
    return fp


def pem_certificates(pem, where="the PEM text"):
    """Each CERTIFICATE block of a PEM text once, in order: a list of
    {fingerprint, der, subject}.  The subject (RFC 4514) is read with
    python3-cryptography when it is there, for the reports only."""
    out, seen = [], set()
    for body in _PEM.findall(str(pem)):
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except ValueError as e:
            raise ParamError("%s: a CERTIFICATE block is not base64: %s" % (where, e))
        fp = hashlib.sha256(der).hexdigest()
        if fp not in seen:
            seen.add(fp)
            out.append({"fingerprint": fp, "der": der, "subject": _subject(der)})
    if not out:
        raise ParamError("%s holds no PEM certificate" % where)
    return out


def _subject(der):
    try:
        from cryptography import x509
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except Exception:   # noqa: BLE001 - not needed to act, the device checks
        return None


def check_text(name, value, limit=CRED_MAX):
    """A credential: text without control characters, at most limit
    characters.  The message never holds the value."""
    if value is None:
        return
    v = str(value)
    if len(v) > limit:
        raise ParamError("%s: %d characters, at most %d" % (name, len(v), limit))
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in v):
        raise ParamError("%s: control characters are not allowed" % name)


def mask(msg, secrets):
    """msg with every secret replaced by ********."""
    msg = str(msg)
    for s in secrets:
        if s:
            msg = msg.replace(str(s), "********")
    return msg


def rpc_error_text(e):
    """An ncclient RPCError as 'tag: message'."""
    tag = getattr(e, "tag", None)
    msg = (getattr(e, "message", None) or str(e)).strip()
    return "%s: %s" % (tag, msg) if tag else msg


class Session:
    """One NETCONF session over SSH, opened by `with`, closed at the end.

    Every RPC goes through call(), which turns ncclient's errors into
    DeviceError with the step that failed."""

    def __init__(self, p):
        self.p = p
        self.m = None

    def __enter__(self):
        if NCCLIENT_ERROR is not None:
            raise Unreachable("ncclient is needed on the controller (Debian: python3-ncclient): "
                              + NCCLIENT_ERROR)
        for k, var in (("host", "ansible_host"), ("username", "ansible_user"),
                       ("password", "ansible_password")):
            if not self.p.get(k):
                raise ParamError("%s: not given, and the host has no %s" % (k, var))
        ncclient_ssh.TICK = SEND_TICK
        where = "%s:%s" % (self.p["host"], self.p["port"])
        try:
            # our own socket: its error says why (refused, timed out, no route)
            sock = socket.create_connection((self.p["host"], self.p["port"]), self.p["timeout"])
        except (OSError, ValueError) as e:
            raise Unreachable("NETCONF over SSH to %s: %s" % (where, getattr(e, "strerror", None)
                                                              or str(e) or type(e).__name__))
        try:
            self.m = manager.connect(
                host=self.p["host"], port=self.p["port"], sock=sock, username=self.p["username"],
                password=self.p["password"], hostkey_verify=self.p["hostkey_verify"],
                allow_agent=False, look_for_keys=False, timeout=self.p["timeout"],
                device_params=DEVICE_PARAMS,
                manager_params={"timeout": self.p["timeout"]})
        except transport_errors.AuthenticationError:
            raise Unreachable("NETCONF over SSH to %s: authentication failed for user %s"
                              % (where, self.p["username"]))
        except transport_errors.SSHUnknownHostError as e:
            raise Unreachable("NETCONF over SSH to %s: unknown host key %s (hostkey_verify)"
                              % (where, getattr(e, "fingerprint", "")))
        except Exception as e:  # noqa: BLE001 - SSH, hello: all unreachable
            raise Unreachable("NETCONF over SSH to %s: %s" % (where, str(e) or type(e).__name__))
        finally:
            if self.m is None:
                sock.close()
        return self

    def __exit__(self, *exc):
        if self.m is not None:
            try:
                if self.m.connected:
                    self.m.close_session()
            except Exception:   # noqa: BLE001 - the session is over either way
                pass
        return False

    @property
    def connected(self):
        return self.m is not None and self.m.connected

    def call(self, step, fn, *args, **kwargs):
        """fn(*args) of the manager; DeviceError naming step on failure."""
        try:
            return fn(*args, **kwargs)
        except RPCError as e:
            raise DeviceError("%s: %s" % (step, rpc_error_text(e)))
        except TimeoutExpiredError:
            raise SessionLost("%s: no answer within %d s" % (step, self.p["timeout"]))
        except Exception as e:  # noqa: BLE001 - transport: the session is gone
            raise SessionLost("%s: the session broke off (%s)" % (step, str(e) or type(e).__name__))

    def get(self, step, inner):
        """<get> of /security with a subtree filter: the <security> element or None."""
        flt = ("subtree", '<security xmlns="%s">%s</security>' % (NS, inner))
        reply = self.call(step, self.m.get, filter=flt)
        return reply.data_ele.find(q("security"))

    def rpc(self, step, name, inner=""):
        """One of the module's RPCs; its reply element."""
        from ncclient.xml_ import to_ele
        return self.call(step, self.m.dispatch, to_ele('<%s xmlns="%s">%s</%s>'
                                                       % (name, NS, inner, name)))


def cert_entry(e, extra=()):
    """A certificate list entry as a dict: fingerprint, subject, issuer,
    not_after, days_to_expiry, status, origin and the extra leaves."""
    d = e.find(q("details"))
    days = text(d, "days-to-expiry")
    out = {
        "fingerprint": text(e, "fingerprint"),
        "subject": text(d, "subject"),
        "issuer": text(d, "issuer"),
        "not_after": text(d, "not-after"),
        "days_to_expiry": int(days) if days not in (None, "") else None,
        "status": text(e, "status"),
        "origin": text(e, "origin"),
    }
    for name in extra:
        v = text(e, name)
        if name == "seen-count":
            v = int(v) if v else None
        elif name == "rejected":
            v = v == "true"
        out[name.replace("-", "_")] = v
    return out


DETAILS = "<details><subject/><issuer/><not-after/><days-to-expiry/></details>"
LIST_FILTER = {
    "ca": "<ca-certificate><fingerprint/><origin/><status/>%s</ca-certificate>" % DETAILS,
    "server": ("<server-certificate><fingerprint/><rejected/><origin/><status/>%s"
               "</server-certificate>" % DETAILS),
    "invalid": ("<invalid-certificate><fingerprint/><reason/><peer/><first-seen/><last-seen/>"
                "<seen-count/><origin/><status/>%s</invalid-certificate>" % DETAILS),
}
LIST_EXTRA = {
    "ca": (),
    "server": ("rejected",),
    "invalid": ("reason", "peer", "first-seen", "last-seen", "seen-count"),
}


def read_lists(sec, lists=("ca", "server", "invalid")):
    """{list: [entry dict]} from a <security> element."""
    out = {}
    for name in lists:
        out[name] = [cert_entry(e, LIST_EXTRA[name])
                     for e in (sec.iter(q(name + "-certificate")) if sec is not None else [])]
    return out
