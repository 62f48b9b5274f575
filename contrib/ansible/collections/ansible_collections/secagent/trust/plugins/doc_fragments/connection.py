# -*- coding: utf-8 -*-
"""The connection options of every secagent.trust module."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  host:
    description:
      - The device's address for NETCONF over SSH.
      - Default, through the module's action plugin, the host's C(ansible_host)
        (else its inventory name).
    type: str
  port:
    description:
      - The device's NETCONF over SSH port.
      - Default, through the action plugin, the host's C(ansible_port), else 830.
    type: int
    default: 830
  username:
    description:
      - The NETCONF user.
      - Default, through the action plugin, the host's C(ansible_user).
    type: str
  password:
    description:
      - The NETCONF user's password. Never shown in results or messages.
      - Default, through the action plugin, the host's C(ansible_password).
    type: str
  hostkey_verify:
    description:
      - Check the device's SSH host key against C(~/.ssh/known_hosts).
      - Default, through the action plugin, C(ansible_host_key_checking) or
        Ansible's C(host_key_checking) setting.
    type: bool
    default: true
  timeout:
    description:
      - Seconds for the connection and for each answer of the device.
    type: int
    default: 30
notes:
  - "The modules speak NETCONF themselves, from the controller, with
    python3-ncclient (Debian C(python3-ncclient)): run them with
    C(connection: local) (C(ansible_connection: local)). Each task opens one
    NETCONF session per device and closes it; no process stays behind per
    device."
  - Their action plugins run the module's code inside Ansible's own worker
    process and fill the connection options from the host's variables
    C(ansible_host), C(ansible_port), C(ansible_user), C(ansible_password).
  - A device that cannot be reached, or that refuses the login, is reported
    unreachable with the reason; the play goes on with the others.
requirements:
  - python3-ncclient on the controller
"""
