"""Fixtures of the board tests: the console's people and callers, and a time zone in which it is midday now.

Figures are "today's": a test that puts calls minutes in the past must not straddle the helpline's midnight,
so the app's TIMEZONE is one where the current hour is about noon.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.console.conftest import caller, gateway, reachable  # noqa: F401


def midday_zone() -> str:
    """An IANA zone (fixed offset) in which it is between 11:00 and 13:00 now."""
    offset = 12 - datetime.now(UTC).hour  # -11 … +12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # the Etc names count the other way: Etc/GMT-5 is UTC+5


@pytest.fixture
def app(make_app):
    return make_app(TIMEZONE=midday_zone())
