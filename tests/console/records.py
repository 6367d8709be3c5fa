"""Cases as an operator's work leaves them: picked from the line, opened, maybe recorded, maybe closed.

Shared by the tests of who sees which case and call (my cases, the role × route matrix).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from app.cases import services as cases
from app.core.vocab import Priority, RecordingSource
from app.db import db, utcnow
from app.queue import services as queue
from app.recordings.models import Recording, RecordingState
from app.voice import services as voice
from tests.queue.helpers import add_caller


@dataclass(frozen=True)
class CaseRecord:
    case_id: int
    call_sid: str
    recording_id: int | None


def case_of(operator_id: int, *, recorded: bool = False, closed: bool = False, hours_ago: float = 0) -> CaseRecord:
    """A case the operator took from the line (inside an app context).

    ``recorded``: its call has a stored conversation recording; ``closed``: the case is closed.
    """
    entry = queue.pick(operator_id, add_caller(Priority.STANDARD, "ru").id)
    case = cases.open_case(entry.id, operator_id)
    call = voice.call_of(entry)
    recording_id = None
    if recorded:
        recording = Recording(recording_sid="RE" + secrets.token_hex(16), call_id=call.id, call_sid=call.call_sid,
                              source=RecordingSource.CONVERSATION, language="ru", channels=2,
                              media_url="https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE",
                              state=RecordingState.STORED)
        db.session.add(recording)
        db.session.flush()
        recording_id = recording.id
    case.opened_at = utcnow() - timedelta(hours=hours_ago)
    if closed:
        case.closed_at = case.opened_at + timedelta(minutes=10)
    db.session.commit()
    return CaseRecord(case.id, call.call_sid, recording_id)
