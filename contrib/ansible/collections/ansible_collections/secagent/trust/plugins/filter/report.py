# -*- coding: utf-8 -*-
"""secagent.trust.report_csv: the reports of collect-report.yml as CSV."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

DOCUMENTATION = r"""
name: report_csv
short_description: Certificate reports of many devices as CSV
version_added: 1.0.0
description:
  - One CSV row per certificate of each device's C(invalid) and C(expiring)
    lists (as the fact of M(secagent.trust.facts) has them), one row per
    device that has an C(error) instead. Columns C(host), C(kind) (invalid,
    expiring, error), C(list), C(fingerprint), C(reason), C(peer),
    C(days_to_expiry), C(not_after), C(subject), C(seen_count), C(last_seen),
    C(error).
options:
  _input:
    description:
      - A list of reports, each with C(host) and either C(invalid) and
        C(expiring) or C(error).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- ansible.builtin.copy:
    dest: report.csv
    content: "{{ reports | secagent.trust.report_csv }}"
"""

RETURN = r"""
_value:
  description: The CSV text, with a header line.
  type: str
"""

COLUMNS = ["host", "kind", "list", "fingerprint", "reason", "peer", "days_to_expiry",
           "not_after", "subject", "seen_count", "last_seen", "error"]


def report_csv(reports):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in reports:
        if r.get("error"):
            w.writerow({"host": r["host"], "kind": "error", "error": r["error"]})
            continue
        for c in r.get("invalid") or []:
            w.writerow(dict(c, host=r["host"], kind="invalid", list="invalid"))
        for c in r.get("expiring") or []:
            w.writerow(dict(c, host=r["host"], kind="expiring"))
    return buf.getvalue()


class FilterModule(object):
    def filters(self):
        return {"report_csv": report_csv}
