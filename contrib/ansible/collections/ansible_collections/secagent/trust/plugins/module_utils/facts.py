# -*- coding: utf-8 -*-
"""secagent.trust.facts: one <get> of a device's trust settings and
provisioning state, as the fact ansible_facts.secagent."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secagent.trust.plugins.module_utils.device import (
    CONNECTION_SPEC, LIST_FILTER, DeviceError, ParamError, Session, mask, read_lists, text)

SPEC = dict(
    CONNECTION_SPEC,
    expiry_days=dict(type="int", default=30),
)

READ = ("<certificates><accept-all-certificates/>%s%s%s</certificates>"
        "<http-authentication><username/></http-authentication><provisioning/>"
        % (LIST_FILTER["ca"], LIST_FILTER["server"], LIST_FILTER["invalid"]))

PROV_LEAVES = ("server-url", "interval", "last-attempt", "last-success", "last-result",
               "last-error", "unknown-parameters", "policy-version")


def facts(sec, expiry_days):
    """The fact from a <security> element."""
    lists = read_lists(sec)
    expiring = []
    for name in ("ca", "server"):
        for c in lists[name]:
            if c["days_to_expiry"] is not None and c["days_to_expiry"] <= expiry_days:
                expiring.append(dict(c, list=name))
    expiring.sort(key=lambda c: (c["days_to_expiry"], c["fingerprint"]))
    prov = dict((k.replace("-", "_"), text(sec, "provisioning/" + k)) for k in PROV_LEAVES)
    for k in ("interval", "unknown_parameters"):
        prov[k] = int(prov[k]) if prov[k] else (0 if k == "interval" else None)
    prov["server_url"] = prov["server_url"] or ""
    return {
        "accept_all": text(sec, "certificates/accept-all-certificates") == "true",
        "http_username": text(sec, "http-authentication/username", ""),
        "ca": lists["ca"],
        "server": lists["server"],
        "invalid": lists["invalid"],
        "expiring": expiring,
        "expiry_days": expiry_days,
        "provisioning": prov,
    }


def run(p, check_mode):
    """The facts module: a result dict (reading changes nothing, so check
    mode reads too)."""
    if p["expiry_days"] < 0:
        raise ParamError("expiry_days: 0 or more")
    try:
        with Session(p) as s:
            sec = s.get("read the device", READ)
    except DeviceError as e:
        raise DeviceError(mask(e, (p.get("password"),)))
    return {"changed": False, "ansible_facts": {"secagent": facts(sec, p["expiry_days"])}}
