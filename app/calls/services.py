"""Call lifecycle: status callbacks and queue results, applied idempotently."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.core.vocab import FINAL_STATUSES, MAX_CALL_LENGTH, CallStatus
from app.db import db, utcnow

from .models import Call


def find_call(call_sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid))


def parse_status(value: str | None) -> CallStatus | None:
    try:
        return CallStatus(value) if value else None
    except ValueError:
        return None


def update_status(call: Call, status: str | None, duration: str | None = None) -> None:
    """Move a call along its lifecycle; a late or repeated callback never moves it backwards."""
    new = parse_status(status)
    if new is None or new.rank < call.status.rank or (call.status.is_final and new != call.status):
        return
    call.status = new
    if new.is_final and call.ended_at is None:
        call.ended_at = utcnow()
        if duration and duration.isdigit():
            call.duration_seconds = int(duration)


def record_status(call_sid: str, status: str | None, duration: str | None) -> bool:
    """Apply a status callback; returns False for an unknown call."""
    call = find_call(call_sid)
    if call is None:
        return False
    update_status(call, status, duration)
    db.session.commit()
    return True


def record_queue_exit(call_sid: str, result: str | None) -> Call | None:
    call = find_call(call_sid)
    if call is not None and result:
        call.queue_result = result[:32]
        db.session.commit()
    return call


def close_stale_calls(now: datetime | None = None) -> int:
    """Mark calls still open past Twilio's longest possible call as completed; returns how many."""
    cutoff = (now or utcnow()) - MAX_CALL_LENGTH
    stale = db.session.scalars(
        select(Call).where(Call.status.not_in(FINAL_STATUSES), Call.created_at < cutoff)
    ).all()
    for call in stale:
        call.status = CallStatus.COMPLETED
        call.ended_at = call.ended_at or utcnow()
    db.session.commit()
    return len(stale)
