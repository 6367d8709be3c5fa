"""Fixtures of the reports tests: people, and real calls through the IVR with their cases, moved in time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.cases import services as cases
from app.cases.models import Case
from app.db import db
from app.models import import_all
from app.queue.models import QueueEntry
from app.voice import services as voice
from tests.recordings.pipeline import start_call

import_all()  # every model registered before base_config drops the tables

def add_contact(app, people: dict[str, int], opened_at: datetime, *, language: str = "kk", **fields) -> int:
    """A real call into the queue, the case aigerim opened and filled in, opened at ``opened_at``; its id."""
    call_sid = start_call(app, language)
    with app.app_context():
        entry = voice.entry_for_call(call_sid)
        case = cases.open_case(entry.id, people["aigerim"])
        if fields:
            cases.save_case(case.id, people["aigerim"], fields)
        db.session.execute(update(Case).where(Case.id == case.id).values(opened_at=opened_at))
        db.session.commit()
        return case.id


def add_queue_passage(app, *, enqueued_at: datetime, **values) -> int:
    """A real caller in the queue (through the IVR), then given the times and state of a passage; the entry id."""
    call_sid = start_call(app, "ru")
    with app.app_context():
        entry = voice.entry_for_call(call_sid)
        db.session.execute(update(QueueEntry).where(QueueEntry.id == entry.id)
                           .values(enqueued_at=enqueued_at, **values))
        db.session.commit()
        return entry.id
