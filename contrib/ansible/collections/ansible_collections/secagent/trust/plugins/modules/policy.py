#!/usr/bin/python
# -*- coding: utf-8 -*-
"""secagent.trust.policy - the module's documentation and its entry point
when run as a plain module; the work is in module_utils/policy.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: policy
short_description: Set the certificate trust policy of a secagent device
version_added: 1.0.0
description:
  - Makes the CA certificate list of a secagent device exactly the certificates
    of a PEM bundle (or adds them, I(ca_mode=merge)), and sets the accept-all
    flag, the HTTP digest credentials of the provisioning client and the
    provisioning URL and interval. Options left out are left alone; the Server
    and Invalid lists are never touched (see M(secagent.trust.certificate)).
  - "One NETCONF session per device and task: lock running and the candidate,
    read running, one C(edit-config) of the candidate (rollback-on-error), a
    confirmed commit, running read back and checked, the confirming commit,
    unlock. When anything fails the confirmed commit is cancelled and the
    candidate discarded: the device keeps its previous settings. If the
    session breaks off after the confirmed commit, the device rolls back by
    itself (at once when it sees the session end, at the latest after
    I(confirm_timeout) seconds)."
  - Idempotent. When the device already holds the policy the module changes
    nothing and reports C(changed=false).
  - The password is write-only on the device. It is sent on every run that
    gives it (an equal password changes nothing there), never compared, never
    shown, and never counted as a change by itself; the diff and C(changes)
    say C(set), and C(committed) is true when it was sent in a transaction.
author:
  - secagent project
extends_documentation_fragment:
  - secagent.trust.connection
options:
  ca_bundle:
    description:
      - A PEM file on the controller with the CA certificates the device must
        trust (one or more CERTIFICATE blocks). Searched like C(copy)'s C(src),
        in the role's or playbook's C(files/) directory too.
      - A file without any certificate is refused, so that a wrong path never
        empties the list.
      - Mutually exclusive with I(ca_pem).
    type: path
  ca_pem:
    description:
      - The same as I(ca_bundle), as PEM text.
    type: str
  ca_mode:
    description:
      - C(replace) makes the CA list exactly the bundle (the factory
        certificates too are removed unless the bundle has them); C(merge)
        only adds the bundle's certificates.
    type: str
    choices: [replace, merge]
    default: replace
  accept_all:
    description:
      - The accept-all-certificates flag. When true the device accepts every
        TLS server certificate except the rejected ones.
    type: bool
  http_username:
    description:
      - The HTTP digest username of the provisioning client, at most 74
        characters.
    type: str
  http_password:
    description:
      - The HTTP digest password of the provisioning client, at most 74
        characters. Write-only; see the description.
    type: str
  provisioning_url:
    description:
      - The provisioning file's URL (http:// or https://); C({device}) in it
        becomes the device's id. An empty string removes it.
    type: str
  provisioning_interval:
    description:
      - Seconds between two fetches of the provisioning file, 0 for on demand
        only.
    type: int
  confirm_timeout:
    description:
      - Seconds the device waits for the confirming commit before it rolls
        back by itself.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    description: Reads the device and reports what would change; changes nothing.
  diff_mode:
    support: full
    description:
      - The managed settings and the CA list (fingerprint and subject of each
        certificate) before and after; the password only as C(set).
  platform:
    platforms: secagent
    description: "secagent devices over NETCONF (SSH), with C(connection: local)."
"""

EXAMPLES = r"""
- name: One certificate policy on every base station
  hosts: secagent
  gather_facts: false
  strategy: free
  tasks:
    - name: Push the policy
      secagent.trust.policy:
        ca_bundle: "{{ secagent_ca_bundle }}"
        accept_all: "{{ secagent_accept_all }}"
        http_username: "{{ secagent_http_username }}"
        http_password: "{{ secagent_http_password }}"

- name: Add one CA certificate, keep the others
  secagent.trust.policy:
    ca_pem: "{{ lookup('ansible.builtin.file', 'new-root.pem') }}"
    ca_mode: merge

- name: Point the devices at their provisioning server, hourly
  secagent.trust.policy:
    provisioning_url: "https://prov.example.net/{device}.xml"
    provisioning_interval: 3600

- name: What would change (ansible-playbook --check --diff)
  secagent.trust.policy:
    ca_bundle: fleet-roots.pem
    accept_all: false
  check_mode: true
  diff: true
"""

RETURN = r"""
changes:
  description:
    - What changed (or, in check mode, would change). Keys only for what
      differs.
  returned: success
  type: dict
  contains:
    ca_added:
      description: CA certificates added, each with C(fingerprint) (SHA-256, 64 hex) and C(subject).
      type: list
      elements: dict
      returned: when some were added
      sample: [{"fingerprint": "3e90c3b3...", "subject": "CN=Fleet Root,O=Example"}]
    ca_removed:
      description: CA certificates removed (I(ca_mode=replace)), as C(ca_added).
      type: list
      elements: dict
      returned: when some were removed
    accept_all:
      description: The flag C(before) and C(after).
      type: dict
      returned: when it changed
      sample: {"before": true, "after": false}
    http_username:
      description: The username C(before) and C(after).
      type: dict
      returned: when it changed
    provisioning_url:
      description: The URL C(before) and C(after).
      type: dict
      returned: when it changed
    provisioning_interval:
      description: The interval C(before) and C(after).
      type: dict
      returned: when it changed
    http_password:
      description: C(set) when the task gave a password (it was sent; never compared or shown).
      type: str
      returned: when http_password was given
      sample: set
committed:
  description:
    - Whether a transaction was committed on the device (also when only the
      password was sent).
  returned: success
  type: bool
msg:
  description:
    - Why the device was not changed, or what state it was left in, on failure.
      Never holds a password.
  returned: failure
  type: str
  sample: "lock running: lock-denied: ...; nothing was committed"
"""

from ansible_collections.secagent.trust.plugins.module_utils import policy
from ansible_collections.secagent.trust.plugins.module_utils.entry import run_module


def main():
    run_module(policy)


if __name__ == "__main__":
    main()
