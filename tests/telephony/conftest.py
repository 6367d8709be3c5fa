"""Fixtures for Twilio webhook tests."""

from __future__ import annotations

import pytest

from .helpers import start_call


@pytest.fixture
def started_call(client) -> str:
    """A call that has reached the language menu; its CallSid."""
    return start_call(client)
