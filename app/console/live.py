"""What the operator console shows live: the queue and the operator's own state (streamed by ``app.web.sse``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.cases import services as cases
from app.core.vocab import Priority
from app.db import db
from app.queue import services as queue
from app.queue.models import Availability, EntryState


@dataclass(frozen=True)
class QueueRow:
    """A waiting caller as operators see them: never a number, never the caller's hash."""

    entry_id: int
    position: int
    priority: Priority
    language: str | None
    category: str  # the IVR's category code
    enqueued_at: datetime  # the browser shows the wait growing from here
    callback: bool  # hung up asking to be called back; keeps their place in line
    earlier_contacts: int
    twilio_error: str | None  # why the last attempt to connect this caller failed


@dataclass(frozen=True)
class OperatorState:
    """The signed-in person's own state, for the console header."""

    availability: Availability | None  # None: not an operator (supervisors and admins watch)
    since: datetime | None  # of the last change of availability
    endpoint: str | None
    open_case_id: int | None
    call_state: EntryState | None  # where the call of the open case is


def queue_rows(earlier: dict[int, int] | None = None) -> list[QueueRow]:
    """Everyone in line, in the order they will be answered.

    ``earlier`` caches each entry's count of earlier contacts (it cannot change while the caller waits), so a
    stream counts once per caller, not once per poll.
    """
    earlier = {} if earlier is None else earlier
    rows = []
    for position, entry in enumerate(queue.waiting(), start=1):
        if entry.id not in earlier:
            earlier[entry.id] = queue.earlier_contacts(entry.caller_hash, entry.call_id)
        rows.append(QueueRow(
            entry_id=entry.id, position=position, priority=entry.priority, language=entry.language,
            category=entry.category, enqueued_at=entry.enqueued_at,
            callback=entry.state is EntryState.CALLBACK, earlier_contacts=earlier[entry.id],
            twilio_error=entry.twilio_error,
        ))
    return rows


def operator_state(user_id: int, is_operator: bool) -> OperatorState:
    """The header's state: availability and since when, the endpoint, the open case and its call."""
    if not is_operator:
        return OperatorState(None, None, None, None, None)
    status = queue.operator_status(user_id)
    db.session.commit()  # operator_status creates the 'away' row on first use: keep it
    case = cases.open_case_for(user_id)
    entry = queue.entry(case.queue_entry_id) if case is not None else None
    return OperatorState(status.availability, status.since, status.endpoint, case.id if case else None,
                         entry.state if entry is not None else None)
