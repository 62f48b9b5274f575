# -*- coding: utf-8 -*-
"""The entry point of every secagent.trust module run as a plain module
(without its action plugin): the same code, through AnsibleModule."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.secagent.trust.plugins.module_utils import device


def run_module(m):
    """Runs m (a module_utils module: SPEC, run, optional MUTUALLY_EXCLUSIVE
    and REQUIRED_ONE_OF) with the task's arguments and exits."""
    module = AnsibleModule(argument_spec=m.SPEC, supports_check_mode=True,
                           mutually_exclusive=getattr(m, "MUTUALLY_EXCLUSIVE", None),
                           required_one_of=getattr(m, "REQUIRED_ONE_OF", None))
    try:
        result = m.run(module.params, module.check_mode)
    except device.Unreachable as e:
        module.fail_json(msg=str(e), unreachable=True)
    except (device.DeviceError, device.ParamError) as e:
        module.fail_json(msg=str(e))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
