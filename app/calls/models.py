"""Call records. No caller number is ever stored: only a keyed hash that links repeat callers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocab import CallStatus, IvrOutcome, Priority
from app.db import db, enum_column, utcnow


class Call(db.Model):
    """A phone call to the helpline, keyed by Twilio's CallSid."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC, never the number
    flow_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.RINGING)
    ivr_state: Mapped[dict] = mapped_column(JSON)
    ivr_outcome: Mapped[IvrOutcome] = mapped_column(enum_column(IvrOutcome), default=IvrOutcome.IN_IVR)
    priority: Mapped[Priority | None] = mapped_column(enum_column(Priority))
    category: Mapped[str | None] = mapped_column(String(32))
    queue_result: Mapped[str | None] = mapped_column(String(32))  # Twilio's QueueResult on leaving
    queue_sid: Mapped[str | None] = mapped_column(String(64))  # Twilio's queue, learnt from the wait loop
    wait_rounds: Mapped[int] = mapped_column(default=0)  # rounds of the wait loop heard so far
    seq: Mapped[int] = mapped_column(default=0)  # webhook steps taken; makes repeats idempotent
    last_twiml: Mapped[str] = mapped_column(Text, default="")  # answer to a repeated request
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]

    steps: Mapped[list[CallStep]] = relationship(
        back_populates="call", order_by="CallStep.seq", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Call {self.call_sid} {self.status.value} {self.ivr_outcome.value}>"


class CallStep(db.Model):
    """One webhook step of a call through the IVR: the event received and the node reached."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    event: Mapped[str] = mapped_column(String(32))  # start, keys:<digits>, silence, recorded
    node: Mapped[str] = mapped_column(String(64))  # where the caller stands afterwards
    at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(back_populates="steps")

    def __repr__(self) -> str:
        return f"<CallStep {self.call_id}#{self.seq} {self.event} -> {self.node}>"
