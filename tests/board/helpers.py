"""Helpers of the board tests: queue entries at given moments, as the queue service leaves them."""

from __future__ import annotations

from datetime import timedelta

from app.core.vocab import Priority
from app.db import db, utcnow
from app.queue.models import EntryState
from tests.queue.helpers import add_caller


def add_entry(state: EntryState, entered: float, picked: float | None = None, ended: float | None = None,
              priority: Priority = Priority.STANDARD, language: str | None = "ru", operator_id: int | None = None) -> int:
    """A caller who entered the line ``entered`` seconds ago and was picked / left ``picked`` / ``ended`` seconds ago."""
    entry = add_caller(priority, language, ago=entered)
    now = utcnow()
    entry.state = state
    entry.operator_id = operator_id
    entry.picked_at = now - timedelta(seconds=picked) if picked is not None else None
    entry.answered_at = entry.picked_at + timedelta(seconds=3) if picked is not None and state in (
        EntryState.CONNECTED, EntryState.DONE) else None
    entry.ended_at = now - timedelta(seconds=ended) if ended is not None else None
    db.session.commit()
    return entry.id
