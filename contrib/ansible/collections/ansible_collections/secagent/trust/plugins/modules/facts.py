#!/usr/bin/python
# -*- coding: utf-8 -*-
"""secagent.trust.facts - the module's documentation and its entry point
when run as a plain module; the work is in module_utils/facts.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: facts
short_description: Read the certificate lists and provisioning state of a secagent device
version_added: 1.0.0
description:
  - Reads, with one NETCONF C(<get>), a secagent device's CA, Server and Invalid
    certificate lists (subject, issuer, expiry, days to expiry, status,
    origin; the reason, peer and sightings of each Invalid entry), its
    accept-all flag and digest username, and the state of its provisioning
    client (last attempt and result, the version of the policy last applied
    from a provisioning file), as the fact C(secagent).
  - Never returns the password, which the device does not give out.
author:
  - secagent project
extends_documentation_fragment:
  - secagent.trust.connection
options:
  expiry_days:
    description:
      - CA and Server certificates that expire within this many days (or
        have expired) are listed in C(secagent.expiring), soonest first.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Reads in check mode too; it never changes anything.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: secagent
    description: "secagent devices over NETCONF (SSH), with C(connection: local)."
"""

EXAMPLES = r"""
- name: Devices whose CA certificates expire soon, and what they refused
  hosts: secagent
  gather_facts: false
  tasks:
    - name: Read the trust settings
      secagent.trust.facts:
        expiry_days: 60

    - name: Certificates expiring within 60 days
      ansible.builtin.debug:
        msg: "{{ item.subject }} in {{ item.days_to_expiry }} days"
      loop: "{{ ansible_facts.secagent.expiring }}"

    - name: Servers whose certificate the device refused
      ansible.builtin.debug:
        msg: "{{ item.peer }}: {{ item.reason }} ({{ item.subject }})"
      loop: "{{ ansible_facts.secagent.invalid }}"

    - name: Devices that have not applied policy version 2026-03.b
      ansible.builtin.debug:
        msg: "{{ ansible_facts.secagent.provisioning }}"
      when: ansible_facts.secagent.provisioning.policy_version != '2026-03.b'
"""

RETURN = r"""
ansible_facts:
  description: The fact.
  returned: success
  type: dict
  contains:
    secagent:
      description: The device's trust settings and provisioning state.
      type: dict
      returned: success
      contains:
        accept_all:
          description: The accept-all-certificates flag.
          type: bool
        http_username:
          description: The HTTP digest username ("" when none).
          type: str
        ca:
          description:
            - The CA list. Each entry has C(fingerprint) (SHA-256, 64 lowercase
              hex digits), C(subject), C(issuer), C(not_after),
              C(days_to_expiry) (negative once expired), C(status) (valid,
              expired, not-yet-valid) and C(origin) (factory, imported,
              accepted, configured, provisioned, received).
          type: list
          elements: dict
        server:
          description: The Server list, entries as C(ca) plus C(rejected) (bool).
          type: list
          elements: dict
        invalid:
          description:
            - The Invalid list, entries as C(ca) plus C(reason) (expired,
              not-yet-valid, unknown-issuer, bad-signature, hostname-mismatch,
              other), C(peer) (host:port of the server that presented it, when
              one did), C(first_seen), C(last_seen) and C(seen_count).
          type: list
          elements: dict
        expiring:
          description:
            - The CA and Server entries within I(expiry_days) of expiry, soonest
              first, each with C(list) (ca or server).
          type: list
          elements: dict
        expiry_days:
          description: I(expiry_days), as asked.
          type: int
        provisioning:
          description:
            - The provisioning client. C(server_url), C(interval) (seconds, 0 on
              demand only), C(last_attempt), C(last_success) (date and time, or
              null when never), C(last_result) (success, failed, or null before
              the first attempt), C(last_error), C(unknown_parameters), and
              C(policy_version), the version of the last provisioning file
              applied (null when none).
          type: dict
          sample:
            server_url: https://prov.example.net/{device}.xml
            interval: 3600
            last_attempt: "2026-03-02T10:00:04Z"
            last_success: "2026-03-02T10:00:04Z"
            last_result: success
            last_error: null
            unknown_parameters: 0
            policy_version: 2026-03.b
"""

from ansible_collections.secagent.trust.plugins.module_utils import facts
from ansible_collections.secagent.trust.plugins.module_utils.entry import run_module


def main():
    run_module(facts)


if __name__ == "__main__":
    main()
