"""secagent - Jinja2 filters for the playbooks of contrib/ansible.

secagent_certs(PEM text)
    Every CERTIFICATE block of a PEM bundle as {fingerprint, cert_data}:
    the SHA-256 of the DER as 64 lowercase hex digits (the key of the
    YANG lists) and the DER in base64 (the YANG binary type).

secagent_ca_edit(PEM text, get-config reply)
    The <ca-certificate> elements of one edit-config that make the CA list
    of the device exactly the bundle: nc:operation="remove" for each entry
    of the reply that the bundle lacks, nc:operation="merge" for each
    certificate of the bundle.  NETCONF has no "replace this list"
    operation short of replacing its parent, and replacing <certificates>
    would also reset accept-all and the Server list; a removal of the
    others plus a merge of the bundle, in one edit, is the list replaced
    and nothing else.

secagent_policy_config(PEM text, get-config reply, accept_all, username,
                       password)
    The whole edit-config <config> of push-policy.yml: the CA edit above,
    accept-all, the digest credentials; bad values refused without
    quoting the password.

secagent_policy_held(get-config reply, PEM text, accept_all, username)
    True when the reply holds that policy.

secagent_config(get-config reply)
    The policy a device holds: CA and Server fingerprints, accept-all, the
    username.

secagent_report(get reply, host, days)
    One device's report from a <get> of its certificates: its Invalid
    certificates (reason, peer, subject, seen) and the CA and Server
    certificates that expire within DAYS days (days-to-expiry).

secagent_report_csv(reports)
    The reports of every device as CSV, one row per certificate.

Only the standard library: the filters run in ansible-playbook's python.
"""
import base64
import hashlib
import re
import xml.etree.ElementTree as ET

NS = "urn:secagent:yang:secagent-security"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)


try:
    from ansible.errors import AnsibleFilterError as _Base
except ImportError:     # outside Ansible (the tests import this file)
    _Base = ValueError


class SecagentFilterError(_Base):
    pass


def secagent_certs(pem):
    """[{fingerprint, cert_data}] of the CERTIFICATE blocks of pem, in order, once each."""
    out, seen = [], set()
    for body in _PEM.findall(str(pem)):
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except ValueError as e:
            raise SecagentFilterError("secagent_certs: a CERTIFICATE block is not base64: %s" % e)
        fp = hashlib.sha256(der).hexdigest()
        if fp not in seen:
            seen.add(fp)
            out.append({"fingerprint": fp, "cert_data": base64.b64encode(der).decode("ascii")})
    if not out:
        raise SecagentFilterError("secagent_certs: no CERTIFICATE block in the bundle")
    return out


def _parse(reply):
    try:
        return ET.fromstring(str(reply).encode("utf-8"))
    except ET.ParseError as e:
        raise SecagentFilterError("not an XML reply: %s" % e)


def _q(name):
    return "{%s}%s" % (NS, name)


def _text(el, path, default=None):
    n = el.find(path)
    return n.text if n is not None and n.text is not None else default


def secagent_ca_fingerprints(reply):
    """The fingerprints of the ca-certificate entries of a get or get-config reply."""
    root = _parse(reply)
    return [_text(e, _q("fingerprint")) for e in root.iter(_q("ca-certificate"))
            if _text(e, _q("fingerprint"))]


def secagent_config(reply):
    """What a get-config reply says of the policy: {ca, server (fingerprints,
    sorted), accept_all (bool, default false), username (None if unset)}."""
    root = _parse(reply)
    aa = root.find(".//" + _q("accept-all-certificates"))
    user = root.find(".//%s/%s" % (_q("http-authentication"), _q("username")))
    return {
        "ca": sorted(secagent_ca_fingerprints(reply)),
        "server": sorted(_text(e, _q("fingerprint")) for e in root.iter(_q("server-certificate"))),
        "accept_all": aa is not None and (aa.text or "").strip() == "true",
        "username": user.text or "" if user is not None else None,
    }


def secagent_ca_edit(pem, reply):
    """The <ca-certificate> elements that replace the CA list by the bundle."""
    want = secagent_certs(pem)
    keep = {c["fingerprint"] for c in want}
    parts = []
    for fp in secagent_ca_fingerprints(reply):
        if fp not in keep:
            parts.append('<ca-certificate xmlns:nc="%s" nc:operation="remove">'
                         '<fingerprint>%s</fingerprint></ca-certificate>' % (NC, fp))
    for c in want:
        parts.append('<ca-certificate xmlns:nc="%s" nc:operation="merge">'
                     '<fingerprint>%s</fingerprint><cert-data>%s</cert-data>'
                     '</ca-certificate>' % (NC, c["fingerprint"], c["cert_data"]))
    return "".join(parts)


def _xml_text(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bool(v, name):
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("true", "yes", "on", "1"):
        return True
    if s in ("false", "no", "off", "0"):
        return False
    raise SecagentFilterError("%s is not a boolean: %r" % (name, v))


def secagent_policy_config(pem, reply, accept_all, username, password):
    """The <config> of the edit-config that sets the whole policy: the CA
    list replaced (secagent_ca_edit), accept-all, the digest credentials.
    A bad value is refused here, with a message that never holds the
    password (the device's own error would quote it)."""
    accept_all = _bool(accept_all, "secagent_accept_all")
    for name, v in (("secagent_http_username", username),
                    ("secagent_http_password", password)):
        if v is None or len(str(v)) > 74:
            raise SecagentFilterError("%s: at most 74 characters" % name)
    return ('<config xmlns="%s"><security xmlns="%s"><certificates>'
            '<accept-all-certificates>%s</accept-all-certificates>%s</certificates>'
            '<http-authentication><username>%s</username><password>%s</password>'
            '</http-authentication></security></config>'
            % (NC, NS, "true" if accept_all else "false", secagent_ca_edit(pem, reply),
               _xml_text(username), _xml_text(password)))


def secagent_policy_held(reply, pem, accept_all, username):
    """True when a get-config reply holds the policy (the password aside)."""
    c = secagent_config(reply)
    return (c["ca"] == sorted(x["fingerprint"] for x in secagent_certs(pem)) and
            c["accept_all"] == _bool(accept_all, "secagent_accept_all") and
            c["username"] == str(username))


def _cert(e, extra=()):
    d = e.find(_q("details"))
    days = _text(d, _q("days-to-expiry")) if d is not None else None
    out = {
        "fingerprint": _text(e, _q("fingerprint")),
        "subject": _text(d, _q("subject")) if d is not None else None,
        "not_after": _text(d, _q("not-after")) if d is not None else None,
        "days_to_expiry": int(days) if days is not None else None,
        "status": _text(e, _q("status")),
    }
    for name in extra:
        v = _text(e, _q(name))
        out[name.replace("-", "_")] = int(v) if name == "seen-count" and v else v
    return out


def secagent_report(reply, host, days=30):
    """One device: {host, invalid: [...], expiring: [...]} from a <get> reply."""
    root = _parse(reply)
    days = int(days)
    invalid = [_cert(e, ("reason", "peer", "first-seen", "last-seen", "seen-count"))
               for e in root.iter(_q("invalid-certificate"))]
    expiring = []
    for lst in ("ca", "server"):
        for e in root.iter(_q(lst + "-certificate")):
            c = _cert(e)
            if c["days_to_expiry"] is not None and c["days_to_expiry"] <= days:
                c["list"] = lst
                expiring.append(c)
    expiring.sort(key=lambda c: c["days_to_expiry"])
    return {"host": str(host), "invalid": invalid, "expiring": expiring}


def secagent_report_csv(reports):
    """The reports as CSV: one row per certificate, one per unreadable device."""
    import csv
    import io
    cols = ["host", "kind", "list", "fingerprint", "reason", "peer", "days_to_expiry",
            "not_after", "subject", "seen_count", "last_seen", "error"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in reports:
        if r.get("error"):
            w.writerow({"host": r["host"], "kind": "error", "error": r["error"]})
            continue
        for c in r.get("invalid", []):
            w.writerow(dict(c, host=r["host"], kind="invalid", list="invalid"))
        for c in r.get("expiring", []):
            w.writerow(dict(c, host=r["host"], kind="expiring"))
    return buf.getvalue()


class FilterModule(object):
    def filters(self):
        return {
            "secagent_certs": secagent_certs,
            "secagent_ca_fingerprints": secagent_ca_fingerprints,
            "secagent_ca_edit": secagent_ca_edit,
            "secagent_config": secagent_config,
            "secagent_policy_config": secagent_policy_config,
            "secagent_policy_held": secagent_policy_held,
            "secagent_report": secagent_report,
            "secagent_report_csv": secagent_report_csv,
        }
