"""Registering recordings that Twilio announces."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.calls.services import find_call
from app.db import db

from .models import Recording


def register(call_sid: str, recording_sid: str, media_url: str, status: str, duration: str | None,
             channels: str | None) -> Recording | None:
    """Keep a completed recording once; repeated or non-final callbacks change nothing."""
    if status and status != "completed":
        return None
    existing = db.session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
    if existing is not None:
        return existing
    call = find_call(call_sid)
    recording = Recording(
        recording_sid=recording_sid,
        call_id=call.id if call else None,
        call_sid=call_sid,
        media_url=media_url,
        duration_seconds=int(duration) if duration and duration.isdigit() else None,
        channels=int(channels) if channels and channels.isdigit() else 1,
    )
    db.session.add(recording)
    try:
        db.session.commit()
    except IntegrityError:  # the same callback arrived twice at once
        db.session.rollback()
        return db.session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
    return recording
