#!/usr/bin/python
# -*- coding: utf-8 -*-
"""secagent.trust.certificate - the module's documentation and its entry
point when run as a plain module; the work is in module_utils/certificate.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: certificate
short_description: Import, accept, reject or remove one certificate on a secagent device
version_added: 1.0.0
description:
  - Puts one certificate, or each certificate of a PEM bundle, in the state
    asked for, with the device's own operations (C(import-certificate),
    C(accept-certificate), C(reject-certificate), C(remove-certificate)) in one
    NETCONF session. Idempotent.
  - "C(present): in the CA or Server list. A certificate the device lacks is
    imported: its check places a valid CA certificate in CA, another valid one
    in Server; one that fails the check lands in Invalid, and the task fails
    with the reason (use C(accepted) to trust it anyway)."
  - "C(accepted): trusted whatever its check says. An Invalid entry is accepted
    (moved to CA or Server); a certificate the device lacks is imported first;
    a rejected Server entry loses its label."
  - "C(rejected): refused on every connection. An Invalid entry is rejected
    (moved to Server with the rejected label); a certificate the device lacks
    is imported first; a Server entry gets the label. A CA entry cannot be
    rejected: remove it."
  - "C(absent): in no list."
author:
  - secagent project
extends_documentation_fragment:
  - secagent.trust.connection
options:
  pem:
    description:
      - The certificate as PEM text (one or more CERTIFICATE blocks).
    type: str
  path:
    description:
      - A PEM file on the controller, searched like C(copy)'s C(src).
    type: path
  fingerprint:
    description:
      - The certificate's SHA-256 fingerprint, 64 hex digits (colons allowed),
        for a certificate the device has already, e.g. one of its Invalid
        list.
    type: str
  state:
    description:
      - Where the certificate must be; see the description.
    type: str
    choices: [present, absent, accepted, rejected]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the lists and reports the steps it would take.
  diff_mode:
    support: full
    description: The list each certificate is in, before and after.
  platform:
    platforms: secagent
    description: "secagent devices over NETCONF (SSH), with C(connection: local)."
"""

EXAMPLES = r"""
- name: Pin the provisioning server's own certificate
  secagent.trust.certificate:
    path: prov-server.pem
    state: present

- name: Trust a certificate the device recorded as Invalid
  secagent.trust.certificate:
    fingerprint: "{{ item.fingerprint }}"
    state: accepted
  loop: "{{ ansible_facts.secagent.invalid }}"
  when: item.peer == 'prov.example.net:443'

- name: Never talk to this server again
  secagent.trust.certificate:
    fingerprint: 3e90c3b3a1e2d4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091325c
    state: rejected

- name: Remove a retired CA
  secagent.trust.certificate:
    path: old-root.pem
    state: absent
"""

RETURN = r"""
certificates:
  description: One entry per certificate of the task.
  returned: success
  type: list
  elements: dict
  contains:
    fingerprint:
      description: SHA-256 of the DER, 64 lowercase hex digits.
      type: str
    subject:
      description: The subject (RFC 4514), when the task gave the certificate itself.
      type: str
    actions:
      description:
        - The steps taken (or, in check mode, to take) - C(import), C(accept),
          C(reject), C(label), C(unlabel), C(remove), and C(accepted) or
          C(rejected) for the step decided once an import has placed it.
          Empty when it already was as asked.
      type: list
      elements: str
    before:
      description:
        - Its list before (C(ca), C(server), C(server (rejected)),
          C(invalid (REASON))), or null when absent.
      type: str
    after:
      description: Its list after, as C(before); null in check mode.
      type: str
  sample:
    - fingerprint: 3e90c3b3a1e2d4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091325c
      subject: CN=prov.example.net
      actions: [accept]
      before: invalid (unknown-issuer)
      after: server
"""

from ansible_collections.secagent.trust.plugins.module_utils import certificate
from ansible_collections.secagent.trust.plugins.module_utils.entry import run_module


def main():
    run_module(certificate)


if __name__ == "__main__":
    main()
