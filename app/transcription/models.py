"""Transcripts: one per recording channel, with every word timed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocab import Speaker
from app.db import db, enum_column, utcnow


class Transcript(db.Model):
    """What one speaker said in one recording (one channel of it)."""

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("recording_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    channel: Mapped[int]  # 0-based channel of the recording
    speaker: Mapped[Speaker] = mapped_column(enum_column(Speaker))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(128))  # e.g. "vosk:vosk-model-small-kz-0.15"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    words: Mapped[list[TranscriptWord]] = relationship(
        back_populates="transcript", order_by="TranscriptWord.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Transcript recording={self.recording_id} ch{self.channel} {self.speaker.value}>"


class TranscriptWord(db.Model):
    """One recognised word: its time in the recording (seconds) and the engine's confidence (0..1)."""

    __tablename__ = "transcript_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    word: Mapped[str] = mapped_column(String(128))
    start: Mapped[float]
    end: Mapped[float]
    confidence: Mapped[float]

    transcript: Mapped[Transcript] = relationship(back_populates="words")

    def __repr__(self) -> str:
        return f"<TranscriptWord {self.word!r} {self.start:.2f}-{self.end:.2f}>"
