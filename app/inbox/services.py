"""What the inbox shows: each voice message and call-back request waiting for an operator, oldest first by priority.

The items are entries of the line (``MESSAGE`` and ``CALLBACK``), so an operator takes one with the line's
own atomic claim (``app.contacts.take``), never a mechanism of its own. Nothing here reads a transcript or
plays audio: the case that taking opens links the replay, where every read and play is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.contacts import services as contacts
from app.core.vocab import Priority, RecordingSource
from app.db import db
from app.queue import services as queue
from app.queue.models import EntryState
from app.recordings.models import Recording, RecordingState


@dataclass(frozen=True)
class Item:
    """A voice message or a call-back request as operators see it: never a number or a keyed hash."""

    entry_id: int
    callback: bool  # a call-back request (else a voice message)
    priority: Priority
    language: str | None
    category: str  # the IVR's category code
    since: datetime  # when the caller asked (entered the line) or left the message
    seconds: float | None  # the voice message's length
    transcribed: bool  # the voice message's transcript is ready (shown, audited, on the replay page)
    earlier: contacts.EarlierContacts
    error_key: str | None  # why the last call-back failed (a message key)
    error_code: int | None


def items() -> list[Item]:
    """Everything in the inbox, in the order of the line."""
    entries = queue.inbox()
    calls = [entry.call_id for entry in entries if entry.state is EntryState.MESSAGE and entry.call_id is not None]
    messages = {recording.call_id: recording for recording in db.session.scalars(
        select(Recording).where(Recording.call_id.in_(calls), Recording.source == RecordingSource.VOICE_MESSAGE)
        .order_by(Recording.id))} if calls else {}
    found = []
    for entry in entries:
        message = messages.get(entry.call_id) if entry.state is EntryState.MESSAGE else None
        found.append(Item(
            entry_id=entry.id, callback=entry.state is EntryState.CALLBACK, priority=entry.priority,
            language=entry.language, category=entry.category,
            since=message.created_at if message is not None else entry.enqueued_at,
            seconds=message.duration_seconds if message is not None else None,
            transcribed=message is not None and message.state is RecordingState.TRANSCRIBED,
            earlier=contacts.earlier_contacts(entry), error_key=entry.error_key, error_code=entry.error_code))
    return found


@dataclass(frozen=True)
class Counts:
    """How many voice messages and call-back requests wait in the inbox."""

    messages: int = 0
    callbacks: int = 0

    @property
    def total(self) -> int:
        return self.messages + self.callbacks


def counts(caller_hash: str | None = None) -> Counts:
    """The inbox's counts (of one caller, by keyed hash: what else of theirs waits)."""
    found = queue.inbox_counts(caller_hash)
    return Counts(found[EntryState.MESSAGE], found[EntryState.CALLBACK])
