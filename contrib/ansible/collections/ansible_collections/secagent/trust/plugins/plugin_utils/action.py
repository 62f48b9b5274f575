# -*- coding: utf-8 -*-
"""The action plugin of every secagent.trust module: it runs the module's
code (module_utils) inside Ansible's worker process on the controller, with
no module process and no connection process per device, and takes the
connection options the task leaves out from the host's connection
variables (ansible_host, ansible_port, ansible_user, ansible_password,
ansible_host_key_checking)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

# Imported here, in ansible-playbook's own process when the strategy looks at
# the action, so that each forked worker has ncclient and lxml loaded already.
from ansible_collections.secagent.trust.plugins.module_utils import device

display = Display()


class SecagentAction(ActionBase):
    """A subclass sets MODULE (the module_utils module: SPEC, run and the
    optional MUTUALLY_EXCLUSIVE, REQUIRED_ONE_OF) and, for a file option read
    on the controller, FILE_OPTIONS."""

    TRANSFERS_FILES = False
    _requires_connection = False
    MODULE = None
    FILE_OPTIONS = ()

    def _connection_args(self, args, task_vars):
        pc = self._play_context
        if pc.connection not in ("local", "ansible.builtin.local"):
            display.warning("%s speaks NETCONF itself: use connection: local, not %s"
                            % (self._task.action, pc.connection))
        defaults = {
            "host": pc.remote_addr or task_vars.get("inventory_hostname"),
            "port": pc.port,
            "username": pc.remote_user,
            "password": pc.password,
        }
        hkc = task_vars.get("ansible_host_key_checking", C.HOST_KEY_CHECKING)
        defaults["hostkey_verify"] = boolean(self._templar.template(hkc), strict=False)
        for k, v in defaults.items():
            if args.get(k) is None and v not in (None, ""):
                args[k] = v

    def _find_files(self, args):
        for k in self.FILE_OPTIONS:
            if args.get(k) is not None:
                try:
                    args[k] = self._find_needle("files", args[k])
                except Exception as e:  # noqa: BLE001 - AnsibleError: not found
                    raise AnsibleActionFail("%s: %s" % (k, e))

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super(SecagentAction, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        m = self.MODULE
        args = dict(self._task.args)
        self._connection_args(args, task_vars)
        self._find_files(args)
        self._task.args = args
        _, params = self.validate_argument_spec(
            argument_spec=m.SPEC, mutually_exclusive=getattr(m, "MUTUALLY_EXCLUSIVE", None),
            required_one_of=getattr(m, "REQUIRED_ONE_OF", None))
        try:
            result.update(m.run(params, bool(self._play_context.check_mode)))
        except device.Unreachable as e:
            result.update(unreachable=True, changed=False, msg=str(e))
        except (device.DeviceError, device.ParamError) as e:
            result.update(failed=True, changed=False, msg=str(e))
        if not self._play_context.diff:
            result.pop("diff", None)
        return result
