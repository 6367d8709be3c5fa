"""Call lifecycle: status callbacks and queue results, applied idempotently."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from app.core.vocab import FINAL_STATUSES, MAX_CALL_LENGTH, CallStatus
from app.db import db, utcnow

from .models import Call

_BY_SID = select(Call).where(Call.call_sid == bindparam("call_sid"))  # built once: every webhook looks a call up


def find_call(call_sid: str) -> Call | None:
    return db.session.scalar(_BY_SID, {"call_sid": call_sid})


def parse_status(value: str | None) -> CallStatus | None:
    try:
        return CallStatus(value) if value else None
    except ValueError:
        return None


def status_move(current: CallStatus, reported: str | None) -> CallStatus | None:
    """The status a report moves a call to, or None: a late or repeated report never moves it backwards."""
    new = parse_status(reported)
    if new is None or new.rank < current.rank or (current.is_final and new != current):
        return None
    return new


# Status callbacks and queue results come with every call: prebuilt statements, no ORM objects.
_calls = Call.__table__
_STATUS = select(_calls.c.id, _calls.c.status, _calls.c.ended_at).where(_calls.c.call_sid == bindparam("call_sid"))
_MOVE = update(_calls).where(_calls.c.id == bindparam("call_id")).values(status=bindparam("new_status"))
_END = _MOVE.values(ended_at=bindparam("ended"), duration_seconds=bindparam("duration"))
_QUEUE_RESULT = update(_calls).where(_calls.c.call_sid == bindparam("sid")).values(queue_result=bindparam("result"))


def record_status(call_sid: str, status: str | None, duration: int | None) -> bool:
    """Apply a status callback; returns False for an unknown call.

    A late or repeated callback never moves a call backwards; the first final status ends it.
    """
    connection = db.session.connection()
    call = connection.execute(_STATUS, {"call_sid": call_sid}).one_or_none()
    if call is None:
        return False
    new = status_move(call.status, status)
    if new is not None and new.is_final and call.ended_at is None:
        connection.execute(_END, {"call_id": call.id, "new_status": new, "ended": utcnow(), "duration": duration})
    elif new is not None and new != call.status:
        connection.execute(_MOVE, {"call_id": call.id, "new_status": new})
    else:
        return True
    db.session.commit()
    return True


def record_queue_exit(call_sid: str, result: str | None) -> None:
    """Keep Twilio's QueueResult on the call (the last one: a caller back in line leaves again)."""
    if result:
        db.session.connection().execute(_QUEUE_RESULT, {"sid": call_sid, "result": result[:32]})
        db.session.commit()


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


def earlier_calls(caller_hash: str | None, before_call_id: int) -> int:
    """How many times this caller rang before (by keyed hash; anonymous callers: 0), queued or not."""
    if caller_hash is None:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Call).where(Call.caller_hash == caller_hash, Call.id < before_call_id)
    ) or 0
