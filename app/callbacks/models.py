"""Call-back requests: a number to ring back, stored only encrypted, only on request."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, enum_column, utcnow


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
