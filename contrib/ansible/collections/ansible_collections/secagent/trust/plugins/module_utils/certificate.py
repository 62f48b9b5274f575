# -*- coding: utf-8 -*-
"""secagent.trust.certificate: one certificate (or each of a PEM bundle)
imported, accepted, rejected or removed, with the device's RPCs.

  present   in CA or Server: import-certificate of those that are not; one
            the device's check refuses lands in Invalid and fails the task
  absent    in no list: remove-certificate
  accepted  trusted: accept-certificate of an Invalid entry (imported first
            from pem or path when the device lacks it); a rejected Server
            entry loses its label
  rejected  refused: reject-certificate of an Invalid entry (imported first
            when missing); a Server entry gets the label; a CA entry cannot
            be rejected (remove it)
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.secagent.trust.plugins.module_utils.device import (
    CONNECTION_SPEC, NC, NS, DeviceError, ParamError, Session, fingerprint, mask,
    pem_certificates, q, read_lists, text)

SPEC = dict(
    CONNECTION_SPEC,
    pem=dict(type="str"),
    path=dict(type="path"),
    fingerprint=dict(type="str"),
    state=dict(type="str", default="present",
               choices=["present", "absent", "accepted", "rejected"]),
)
MUTUALLY_EXCLUSIVE = [["pem", "path", "fingerprint"]]
REQUIRED_ONE_OF = [["pem", "path", "fingerprint"]]

READ = ("<certificates><ca-certificate><fingerprint/></ca-certificate>"
        "<server-certificate><fingerprint/><rejected/></server-certificate>"
        "<invalid-certificate><fingerprint/><reason/></invalid-certificate></certificates>")


def where(s):
    """{fingerprint: (list, rejected, reason)} of every entry on the device."""
    sec = s.get("read the lists", READ)
    out = {}
    for name, entries in read_lists(sec).items():
        for e in entries:
            out[e["fingerprint"]] = (name, bool(e.get("rejected")), e.get("reason"))
    return out


def targets(p):
    """[(fingerprint, der or None, subject)] of the task."""
    pem = p.get("pem")
    if p.get("path") is not None:
        try:
            with open(p["path"]) as f:
                pem = f.read()
        except (IOError, OSError) as e:
            raise ParamError("path: %s" % e)
    if pem is not None:
        return [(c["fingerprint"], c["der"], c["subject"])
                for c in pem_certificates(pem, "path %s" % p["path"] if p.get("path") else "pem")]
    return [(fingerprint(p["fingerprint"]), None, None)]


def plan(state, fp, der, at):
    """The steps for one certificate: a list of "import", "accept", "reject",
    "label", "unlabel", "remove"; raises ParamError when it cannot be done."""
    cur = at.get(fp)
    if state == "absent":
        return ["remove"] if cur else []
    if state == "present":
        if cur and cur[0] in ("ca", "server"):
            return []
        if der is None:
            raise ParamError("%s is not on the device: give pem or path to import it" % fp)
        return ["import"]
    if cur is None:
        if der is None:
            raise ParamError("%s is not on the device: give pem or path to import it" % fp)
        return ["import", state]     # decided again once it is in
    lst, rejected = cur[0], cur[1]
    if lst == "invalid":
        return ["accept" if state == "accepted" else "reject"]
    if state == "accepted":
        return ["unlabel"] if rejected else []
    if lst == "ca":
        raise ParamError("%s is in the CA list, which has no rejected label: remove it "
                         "(state absent), or import it as a Server certificate" % fp)
    return [] if rejected else ["label"]


def label(s, fp, rejected):
    cfg = ('<config xmlns="%s"><security xmlns="%s"><certificates><server-certificate>'
           '<fingerprint>%s</fingerprint><rejected>%s</rejected></server-certificate>'
           '</certificates></security></config>' % (NC, NS, fp, "true" if rejected else "false"))
    s.call("edit-config of the rejected label", s.m.edit_config, target="running", config=cfg)


def do_import(s, der):
    """import-certificate of one DER; (list, reason) where it went."""
    from ncclient.xml_ import to_ele
    reply = s.rpc("import-certificate", "import-certificate",
                  "<cert-data>%s</cert-data>" % base64.b64encode(der).decode("ascii"))
    c = to_ele(reply.xml).find(".//" + q("certificate"))
    return text(c, "list"), text(c, "reason")


def apply(s, state, fp, der, steps, at):
    """Carries out the steps, at kept up to date."""
    for step in steps:
        if step == "import":
            lst, reason = do_import(s, der)
            at[fp] = (lst, False, reason)
            if state == "present" and lst == "invalid":
                raise DeviceError("%s was refused by the device's check (%s) and is in "
                                  "the Invalid list: state accepted trusts it anyway"
                                  % (fp, reason or "invalid"))
        elif step in ("accepted", "rejected"):
            apply(s, state, fp, der, plan(state, fp, der, at), at)
        elif step in ("accept", "reject", "remove"):
            s.rpc("%s-certificate" % step, "%s-certificate" % step,
                  "<fingerprint>%s</fingerprint>" % fp)
        else:
            label(s, fp, step == "label")


def _state(at, fp):
    """A certificate's place as the results show it: "ca", "server",
    "server (rejected)", "invalid (REASON)" or None."""
    cur = at.get(fp)
    if cur is None:
        return None
    return cur[0] + (" (rejected)" if cur[1] else " (%s)" % cur[2] if cur[2] else "")


def run(p, check_mode):
    """The certificate module: a result dict."""
    certs = targets(p)
    try:
        with Session(p) as s:
            at = where(s)
            before = dict(at)
            steps = [plan(p["state"], fp, der, at) for fp, der, _ in certs]
            if not check_mode and any(steps):
                for (fp, der, _), st in zip(certs, steps):
                    apply(s, p["state"], fp, der, st, at)
                at = where(s)
    except DeviceError as e:
        raise DeviceError(mask(e, (p.get("password"),)))
    out = [{"fingerprint": fp, "subject": subj, "actions": st, "before": _state(before, fp),
            "after": _state(at, fp) if not check_mode else None}
           for (fp, _, subj), st in zip(certs, steps)]
    after = "".join("%s  %s\n" % (r["fingerprint"], r["after"] or "absent") for r in out)
    if check_mode:
        after = "".join("%s  %s\n" % (r["fingerprint"], p["state"] if r["actions"] else
                                      r["before"] or "absent") for r in out)
    return {"changed": any(steps), "certificates": out,
            "diff": {"before": "".join("%s  %s\n" % (r["fingerprint"], r["before"] or "absent")
                                       for r in out),
                     "after": after, "before_header": "device",
                     "after_header": "device (%s)" % p["state"]}}
