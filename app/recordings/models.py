"""Recording rows, unique by Twilio's RecordingSid so a repeated callback is a no-op."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, enum_column, utcnow


class RecordingState(StrEnum):
    """Where a recording is on its way from Twilio to the helpline's own disk."""

    AT_TWILIO = "at_twilio"  # announced by Twilio's callback; only Twilio holds the audio


class Recording(db.Model):
    """A recording of a call: a voice message or a conversation."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    media_url: Mapped[str] = mapped_column(String(512))
    duration_seconds: Mapped[int | None]
    channels: Mapped[int] = mapped_column(default=1)
    state: Mapped[RecordingState] = mapped_column(enum_column(RecordingState), default=RecordingState.AT_TWILIO)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Recording {self.recording_sid} {self.state.value}>"
