"""Twilio's identifiers (SIDs): two letters naming the kind of resource, then 32 lower-case hexadecimal digits.

Anything else is not a SID, whoever sent it: such a value never reaches a URL, a file name or the database.
"""

from __future__ import annotations

import re

ACCOUNT = "AC"  # the Twilio account
CALL = "CA"  # a call (the caller's, an operator's or a supervisor's leg)
RECORDING = "RE"  # a recording
QUEUE = "QU"  # a Twilio queue (<Enqueue>)
CONFERENCE = "CF"  # a conference

_HEX32 = re.compile(r"[0-9a-f]{32}")


def is_sid(value: str | None, kind: str) -> bool:
    """Whether ``value`` is a SID of ``kind`` (``CALL``, ``RECORDING``…)."""
    return value is not None and value[:2] == kind and _HEX32.fullmatch(value, 2) is not None
