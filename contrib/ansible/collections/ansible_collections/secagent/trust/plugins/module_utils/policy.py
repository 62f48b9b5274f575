# -*- coding: utf-8 -*-
"""secagent.trust.policy: one device's trust policy made what the task
says, in one NETCONF session.

  lock running, lock the candidate        (held off: SNMP, provisioning, CLI)
  read running                             <get>: CA list with subjects, flags
  nothing to change, no password: unlock, done (changed=false)
  edit-config of the candidate             rollback-on-error
  confirmed commit (confirm_timeout)       the device keeps a rollback point
  read running back, check it              else cancel-commit: rolled back
  confirming commit, unlock

Any failure after the locks: cancel-commit when a confirmed commit is
pending, discard-changes, unlock.  A session that breaks off after the
confirmed commit leaves the device to roll back by itself: at once, when it
sees the session end, or after confirm_timeout seconds.  Check mode reads
and compares, and changes nothing.

The password is write-only on the device: it is sent on every run that
gives it (an equal one changes nothing there) and never compared, shown or
counted as a change; the diff says "set".
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.secagent.trust.plugins.module_utils.device import (
    CONNECTION_SPEC, NC, NS, DeviceError, ParamError, Session, SessionLost, check_text, mask,
    pem_certificates, q, text, xml)

SPEC = dict(
    CONNECTION_SPEC,
    ca_bundle=dict(type="path"),
    ca_pem=dict(type="str"),
    ca_mode=dict(type="str", default="replace", choices=["replace", "merge"]),
    accept_all=dict(type="bool"),
    http_username=dict(type="str"),
    http_password=dict(type="str", no_log=True),
    provisioning_url=dict(type="str"),
    provisioning_interval=dict(type="int"),
    confirm_timeout=dict(type="int", default=60),
)
MUTUALLY_EXCLUSIVE = [["ca_bundle", "ca_pem"]]

# What the module compares: the CA list with subjects, and the settings.
READ = ("<certificates><accept-all-certificates/><ca-certificate><fingerprint/>"
        "<details><subject/></details></ca-certificate></certificates>"
        "<http-authentication><username/></http-authentication>"
        "<provisioning><server-url/><interval/></provisioning>")
SETTINGS = ("accept_all", "http_username", "provisioning_url", "provisioning_interval")


def wanted(p):
    """The policy of the task: {setting: value, "ca": {fp: cert}} for what it
    manages.  Bad values are refused here, before any session."""
    want = {}
    pem = p.get("ca_pem")
    if p.get("ca_bundle") is not None:
        try:
            with open(p["ca_bundle"]) as f:
                pem = f.read()
        except (IOError, OSError) as e:
            raise ParamError("ca_bundle: %s" % e)
    if pem is not None:
        where = "ca_bundle %s" % p["ca_bundle"] if p.get("ca_bundle") else "ca_pem"
        want["ca"] = dict((c["fingerprint"], c) for c in pem_certificates(pem, where))
    for k in SETTINGS:
        if p.get(k) is not None:
            want[k] = p[k]
    check_text("http_username", want.get("http_username"))
    check_text("http_password", p.get("http_password"))
    url = want.get("provisioning_url")
    if url is not None and url != "" and not url.startswith(("http://", "https://")):
        raise ParamError("provisioning_url: must start with http:// or https://")
    iv = want.get("provisioning_interval")
    if iv is not None and not 0 <= iv <= 31536000:
        raise ParamError("provisioning_interval: 0 to 31536000 seconds")
    if p["confirm_timeout"] < 1:
        raise ParamError("confirm_timeout: at least 1 second")
    if not want and p.get("http_password") is None:
        raise ParamError("nothing to manage: give ca_bundle or ca_pem, accept_all, "
                         "http_username, http_password, provisioning_url or "
                         "provisioning_interval")
    return want


def read_policy(s, step):
    """What the device holds: the settings and {fp: subject} of the CA list."""
    sec = s.get(step, READ)
    iv = text(sec, "provisioning/interval")
    return {
        "accept_all": text(sec, "certificates/accept-all-certificates") == "true",
        "http_username": text(sec, "http-authentication/username", ""),
        "provisioning_url": text(sec, "provisioning/server-url", ""),
        "provisioning_interval": int(iv) if iv else 0,
        "ca": dict((text(e, "fingerprint"), text(e, "details/subject"))
                   for e in (sec.iter(q("ca-certificate")) if sec is not None else [])),
    }


def compare(have, want, mode):
    """The changes from have to want: {ca_added, ca_removed, SETTING: {before, after}}."""
    ch = {}
    if "ca" in want:
        added = [{"fingerprint": fp, "subject": c["subject"]}
                 for fp, c in want["ca"].items() if fp not in have["ca"]]
        removed = [{"fingerprint": fp, "subject": subj} for fp, subj in have["ca"].items()
                   if mode == "replace" and fp not in want["ca"]]
        if added:
            ch["ca_added"] = sorted(added, key=lambda c: (c["subject"] or "", c["fingerprint"]))
        if removed:
            ch["ca_removed"] = sorted(removed, key=lambda c: (c["subject"] or "", c["fingerprint"]))
    for k in SETTINGS:
        if k in want and want[k] != have[k]:
            ch[k] = {"before": have[k], "after": want[k]}
    return ch


def edit_config(have, want, ch, password):
    """The <config> of the one edit-config: CA entries removed and added,
    the settings that change, the password."""
    ca = "".join('<ca-certificate xmlns:nc="%s" nc:operation="remove"><fingerprint>%s'
                 '</fingerprint></ca-certificate>' % (NC, c["fingerprint"])
                 for c in ch.get("ca_removed", []))
    ca += "".join('<ca-certificate><fingerprint>%s</fingerprint><cert-data>%s</cert-data>'
                  '</ca-certificate>' % (c["fingerprint"], base64.b64encode(
                      want["ca"][c["fingerprint"]]["der"]).decode("ascii"))
                  for c in ch.get("ca_added", []))
    if "accept_all" in ch:
        ca = "<accept-all-certificates>%s</accept-all-certificates>%s" % (
            "true" if want["accept_all"] else "false", ca)
    http = ""
    if "http_username" in ch:
        http += "<username>%s</username>" % xml(want["http_username"])
    if password is not None:
        http += "<password>%s</password>" % xml(password)
    prov = ""
    if "provisioning_url" in ch:
        prov += "<server-url>%s</server-url>" % xml(want["provisioning_url"])
    if "provisioning_interval" in ch:
        prov += "<interval>%d</interval>" % want["provisioning_interval"]
    body = "".join("<%s>%s</%s>" % (tag, inner, tag) for tag, inner in (
        ("certificates", ca), ("http-authentication", http), ("provisioning", prov)) if inner)
    return '<config xmlns="%s"><security xmlns="%s">%s</security></config>' % (NC, NS, body)


def holds(after, want, mode):
    """What running lacks of the policy, as a list of reasons ([] = holds)."""
    bad = []
    if "ca" in want:
        missing = [fp for fp in want["ca"] if fp not in after["ca"]]
        extra = [fp for fp in after["ca"] if fp not in want["ca"]] if mode == "replace" else []
        if missing:
            bad.append("CA certificates missing: %s" % ", ".join(fp[:16] for fp in missing))
        if extra:
            bad.append("CA certificates left over: %s" % ", ".join(fp[:16] for fp in extra))
    for k in SETTINGS:
        if k in want and after[k] != want[k]:
            bad.append("%s is %r" % (k, after[k]))
    return bad


def _cert_line(c):
    return "  - %s  %s" % (c["fingerprint"], c.get("subject") or "(subject unknown)")


def diff_text(have, want, mode, password):
    """Ansible's diff: before and after of what the task manages, as text."""
    def render(state, pw):
        lines = []
        for k in SETTINGS:
            if k in want:
                v = state[k]
                lines.append("%s: %s" % (k, str(v).lower() if isinstance(v, bool) else v))
        if pw:
            lines.append("http_password: set")
        if "ca" in want:
            lines.append("ca_certificates:")
            lines += sorted(_cert_line(c) for c in state["ca"])
        return "\n".join(lines) + "\n"

    before = dict(have, ca=[{"fingerprint": fp, "subject": s} for fp, s in have["ca"].items()])
    after = dict(have)
    after.update((k, want[k]) for k in SETTINGS if k in want)
    if "ca" in want:
        keep = dict((fp, s) for fp, s in have["ca"].items() if fp in want["ca"]) \
            if mode == "replace" else dict(have["ca"])
        for fp, c in want["ca"].items():
            keep.setdefault(fp, c["subject"])
        after["ca"] = [{"fingerprint": fp, "subject": s} for fp, s in keep.items()]
    return {"before": render(before, False), "after": render(after, password is not None),
            "before_header": "device", "after_header": "policy"}


class Push:
    """One device's push; run() returns the result dict or raises."""

    def __init__(self, p, check_mode):
        self.p = p
        self.check_mode = check_mode
        self.want = wanted(p)
        self.step = None
        self.password = p.get("http_password")
        self.locked = []
        self.pending = False    # a confirmed commit awaits its confirmation

    def run(self):
        with Session(self.p) as s:
            try:
                return self._push(s)
            except DeviceError as e:
                raise DeviceError(self._undo(s, str(e)))
            finally:
                self._unlock(s)

    def _push(self, s):
        if self.check_mode:
            have = read_policy(s, "read running")
            return self._result(have, compare(have, self.want, self.p["ca_mode"]), False)
        for ds in ("running", "candidate"):
            s.call("lock %s" % ds, s.m.lock, target=ds)
            self.locked.append(ds)
        have = read_policy(s, "read running")
        ch = compare(have, self.want, self.p["ca_mode"])
        if not ch and self.password is None:
            return self._result(have, ch, False)
        s.call("edit-config of the candidate", s.m.edit_config, target="candidate",
               config=edit_config(have, self.want, ch, self.password),
               error_option="rollback-on-error")
        self.pending = True
        s.call("confirmed commit", s.m.commit, confirmed=True,
               timeout=str(self.p["confirm_timeout"]))
        problems = holds(read_policy(s, "read running back"), self.want, self.p["ca_mode"])
        if problems:
            raise DeviceError("running does not hold the policy after the commit: "
                              + "; ".join(problems))
        self.step = "confirming commit"
        s.call("confirming commit", s.m.commit)
        self.pending = False
        return self._result(have, ch, True)

    def _gone(self, why):
        """The message when the session is gone."""
        if self.pending and self.step == "confirming commit":
            return ("%s; if the device did not get the confirmation it rolls back to "
                    "its previous settings by itself within %d s: run again to see"
                    % (why, self.p["confirm_timeout"]))
        if self.pending:
            return ("%s; the device rolls back to its previous settings by itself "
                    "(at once when it sees the session end, at the latest in %d s)"
                    % (why, self.p["confirm_timeout"]))
        return "%s; nothing was committed" % why

    def _undo(self, s, why):
        """Puts the device back after a failure; the message says how it went."""
        if not s.connected:
            return self._gone(why)
        if self.pending:
            try:
                s.call("cancel-commit", s.m.cancel_commit)
                self.pending = False
                why += "; the confirmed commit was cancelled: previous settings restored"
            except SessionLost:     # broken off a moment ago, unseen until now
                return self._gone(why)
            except DeviceError:     # the device knows of no confirmed commit
                self.pending = False
                why += "; nothing was committed"
        else:
            why += "; nothing was committed"
        if "candidate" in self.locked:
            try:
                s.m.discard_changes()
            except Exception:   # noqa: BLE001 - best effort, the lock ends with the session
                pass
        return why

    def _unlock(self, s):
        while self.locked and s.connected:
            try:
                s.m.unlock(target=self.locked.pop())
            except Exception:   # noqa: BLE001 - the session's end releases it
                pass

    def _result(self, have, ch, committed):
        r = {"changed": bool(ch), "changes": ch, "committed": committed}
        if self.password is not None:
            r["changes"] = dict(ch, http_password="set")
        r["diff"] = diff_text(have, self.want, self.p["ca_mode"], self.password)
        return r


def run(p, check_mode):
    """The policy module: a result dict; raises Unreachable, DeviceError or
    ParamError with messages that never hold the password."""
    secrets = (p.get("http_password"), p.get("password"))
    try:
        return Push(p, check_mode).run()
    except DeviceError as e:
        raise DeviceError(mask(e, secrets))
