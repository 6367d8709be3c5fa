"""An operator's presence: availability and the endpoint Twilio dials."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, enum_column, utcnow


class Availability(StrEnum):
    """An operator's state, shown on the console and the supervisors' board."""

    AVAILABLE = "available"  # ready for the next contact
    BUSY = "busy"  # talking to a caller
    WRAP_UP = "wrap_up"  # after a call, until the case is saved
    AWAY = "away"  # not taking contacts (also set when they do not answer a bridged call)


class OperatorStatus(db.Model):
    """Where an operator is reached and whether they take contacts now."""

    __tablename__ = "operator_status"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    availability: Mapped[Availability] = mapped_column(enum_column(Availability), default=Availability.AWAY)
    since: Mapped[datetime] = mapped_column(default=utcnow)
    # A phone number (+7...) or a Twilio Client identity (client:name) Twilio dials to bridge a caller.
    endpoint: Mapped[str | None] = mapped_column(String(128))
    # When a console page's live stream last polled for them: none for CONSOLE_AWAY_SECONDS, and they are away.
    console_seen_at: Mapped[datetime | None]

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<OperatorStatus {self.user_id} {self.availability.value}>"
