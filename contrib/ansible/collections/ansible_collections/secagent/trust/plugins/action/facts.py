# -*- coding: utf-8 -*-
"""The action plugin of secagent.trust.facts (plugin_utils/action.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secagent.trust.plugins.module_utils import facts
from ansible_collections.secagent.trust.plugins.plugin_utils.action import SecagentAction


class ActionModule(SecagentAction):
    MODULE = facts
