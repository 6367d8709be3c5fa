"""Queue entries: one per call that reached an operator queue."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocab import Priority
from app.db import db, enum_column, utcnow


class EntryState(StrEnum):
    """Where a caller is between entering the queue and the end of the conversation."""

    WAITING = "waiting"  # in line, hearing the wait loop
    ASSIGNED = "assigned"  # picked by an operator; Twilio is bridging them
    CONNECTED = "connected"  # caller and operator are talking
    ABANDONED = "abandoned"  # hung up while waiting
    LEFT = "left"  # left the line for a voice message or a callback
    DONE = "done"  # the conversation ended

    @property
    def is_waiting(self) -> bool:
        return self is EntryState.WAITING


class QueueEntry(db.Model):
    """A caller in (or once in) the operator queue."""

    __tablename__ = "queue_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    priority_rank: Mapped[int] = mapped_column(index=True)  # Priority.rank, so SQL can order by it
    category: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[EntryState] = mapped_column(enum_column(EntryState), default=EntryState.WAITING, index=True)
    queue_sid: Mapped[str | None] = mapped_column(String(64))  # Twilio's queue, learnt from the wait loop
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    twilio_error: Mapped[str | None] = mapped_column(Text)  # the last bridging error, shown to operators
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    call = relationship("Call")

    @property
    def conference_name(self) -> str:
        """One conference per entry: caller, operator and (later) a listening supervisor meet there."""
        return f"qorgau-{self.id}"

    def __repr__(self) -> str:
        return f"<QueueEntry {self.id} {self.priority.value} {self.state.value}>"


class Availability(StrEnum):
    """An operator's state, shown on the console and the supervisors' board."""

    AVAILABLE = "available"  # ready for the next caller
    BUSY = "busy"  # talking to a caller
    WRAP_UP = "wrap_up"  # after a call, until the case is saved
    AWAY = "away"  # not taking calls (also set when they do not answer a bridged call)


class OperatorStatus(db.Model):
    """Where an operator is reached and whether they take calls now."""

    __tablename__ = "operator_status"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    availability: Mapped[Availability] = mapped_column(enum_column(Availability), default=Availability.AWAY)
    since: Mapped[datetime] = mapped_column(default=utcnow)
    # A phone number (+7...) or a Twilio Client identity (client:name) Twilio dials to bridge a caller.
    endpoint: Mapped[str | None] = mapped_column(String(128))

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<OperatorStatus {self.user_id} {self.availability.value}>"
