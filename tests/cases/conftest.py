"""Fixtures of the case log tests: operators, and callers an operator has talked to (now in wrap-up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from app.auth.services import create_user
from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue.models import EntryState
from app.voice import services as voice

CALLER = "+77019876543"  # a made-up Kazakh mobile number


@pytest.fixture
def make_user(db_session) -> Callable[..., int]:
    """Create a user; returns the id."""
    made = iter(range(1, 1000))

    def factory(role: str = "operator", name: str | None = None) -> int:
        return create_user(name or f"{role}-{next(made)}", role, "correct-horse-battery").id

    return factory


@pytest.fixture
def operator(make_user) -> int:
    return make_user("operator", "aigerim")


@pytest.fixture
def talked(db_session, call) -> Callable[..., int]:
    """A simulated caller reaches the queue; ``operator_id`` picked and talked to them, and is now in wrap-up.

    Returns the queue entry's id. ``script`` "2 1" is a Russian-speaking child.
    """

    def place(operator_id: int, script: str = "2 1", from_number: str = CALLER) -> int:
        result = call(script, from_number=from_number)
        entry = voice.entry_for_call(result.call_sid)
        assert entry is not None, result.heard
        now = utcnow()
        # The simulated caller hangs up while waiting; replay the operator's side of a conversation.
        entry.state, entry.operator_id = EntryState.DONE, operator_id
        entry.picked_at, entry.answered_at, entry.ended_at = now - timedelta(minutes=5), now - timedelta(minutes=5), now
        db.session.commit()
        operators.set_availability(operator_id, Availability.WRAP_UP, by="test")
        return entry.id

    return place
