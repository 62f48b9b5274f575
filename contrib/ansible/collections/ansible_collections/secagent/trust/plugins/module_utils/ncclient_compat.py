# -*- coding: utf-8 -*-
"""Workarounds for ncclient, the collection's only ones.

ncclient 0.6.13 (Debian 12) to 0.6.15 at least: the client <hello> is
queued before the server's arrives and sent by the transport thread after
it has read the server's.  When the main thread has meanwhile seen both
peers offer :base:1.1, the client hello goes out with chunked framing
instead of the ]]>]]> end-of-message marker RFC 6242 requires for it: the
server waits for the rest of a hello that never ends, and the session
stalls until its read timeout (ncclient issue 524).  Loaded with twenty
sessions at once, one in ten did.  Offering :base:1.0 only keeps every
message of the session in end-of-message framing, which the device reads
as well; nothing the modules send can hold "]]>]]>" (their XML text is
escaped).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ncclient.devices.default import DefaultDeviceHandler

BASE_11 = "urn:ietf:params:netconf:base:1.1"


class Base10DeviceHandler(DefaultDeviceHandler):
    """The default device handler without :base:1.1 in the client hello."""

    _BASE_CAPABILITIES = [c for c in DefaultDeviceHandler._BASE_CAPABILITIES if c != BASE_11]


DEVICE_PARAMS = {"name": "default", "handler": Base10DeviceHandler}
