"""Recording rows, unique by Twilio's RecordingSid so a repeated callback is a no-op."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocab import RecordingSource
from app.db import db, enum_column, utcnow


class RecordingState(StrEnum):
    """Where a recording is on its way from Twilio to a transcript on the helpline's own disk."""

    AT_TWILIO = "at_twilio"  # announced by Twilio's callback; only Twilio holds the audio
    STORED = "stored"  # a verified local copy exists (sha256); transcription comes next
    NEEDS_MODEL = "needs_model"  # stored, waiting for the speech model of its language
    TRANSCRIBED = "transcribed"  # stored and transcribed
    FAILED = "failed"  # cannot go on (see ``failure``); whatever was downloaded is kept

    @property
    def is_final(self) -> bool:
        return self in (RecordingState.TRANSCRIBED, RecordingState.FAILED)


class Recording(db.Model):
    """A recording of a call: a voice message or a conversation."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[RecordingSource] = mapped_column(
        enum_column(RecordingSource), default=RecordingSource.VOICE_MESSAGE
    )
    language: Mapped[str | None] = mapped_column(String(8))  # the call's language: picks the model
    media_url: Mapped[str] = mapped_column(String(512))  # as Twilio announced it; never fetched as is
    duration_seconds: Mapped[float | None]
    channels: Mapped[int] = mapped_column(default=1)
    state: Mapped[RecordingState] = mapped_column(enum_column(RecordingState), default=RecordingState.AT_TWILIO)
    failure: Mapped[str | None] = mapped_column(Text)  # why it failed or waits, for people to act on
    attempts: Mapped[int] = mapped_column(default=0)
    local_path: Mapped[str | None] = mapped_column(String(255))  # relative to RECORDINGS_DIR
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    job_sent_at: Mapped[datetime | None]
    stored_at: Mapped[datetime | None]
    deleted_at_twilio: Mapped[datetime | None]
    transcribed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    transcripts = relationship("Transcript", order_by="Transcript.channel", cascade="all, delete-orphan",
                               passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Recording {self.recording_sid} {self.state.value}>"
