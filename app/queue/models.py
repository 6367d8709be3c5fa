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
    CALLBACK = "callback"  # hung up after asking to be called back; keeps their place in line
    ABANDONED = "abandoned"  # hung up while waiting
    LEFT = "left"  # left the line to leave a voice message
    DONE = "done"  # the conversation ended

    @property
    def is_waiting(self) -> bool:
        return self is EntryState.WAITING

    @property
    def in_line(self) -> bool:
        """Still to be answered: on the phone, or waiting to be called back."""
        return self in (EntryState.WAITING, EntryState.CALLBACK)


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
    wait_rounds: Mapped[int] = mapped_column(default=0)  # rounds of the wait loop heard so far
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


class CallbackState(StrEnum):
    """A caller's request to be called back."""

    PENDING = "pending"  # waiting for an operator to call back; the number is kept, encrypted
    CALLING = "calling"  # an operator's call-back is ringing
    DONE = "done"  # the caller answered the call-back; the number is deleted
    EXPIRED = "expired"  # not done in time or not reachable; the number is deleted


class CallbackRequest(db.Model):
    """A number to call back: stored only encrypted, only on request, deleted once used or expired."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("queue_entries.id", ondelete="CASCADE"), unique=True)
    caller_hash: Mapped[str] = mapped_column(String(64), index=True)  # one pending request per caller
    number_ciphertext: Mapped[str | None] = mapped_column(Text)  # Fernet token; None once deleted
    state: Mapped[CallbackState] = mapped_column(enum_column(CallbackState), default=CallbackState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    entry = relationship("QueueEntry")

    def __repr__(self) -> str:
        return f"<CallbackRequest {self.id} {self.state.value}>"
