"""What the console shows live — the queue and the operator's own state — and the event stream carrying it.

The stream polls the database (``POLL_SECONDS``) and sends a fragment of HTML only when it changed; the
browser swaps it in. Fragments carry timestamps, not durations (the browser counts the seconds up), so a
waiting caller does not change their fragment every second. Between polls the stream holds no database
connection, so an open console costs a thread of the web server but never a connection of the pool. It
ends after ``STREAM_SECONDS``; the browser's EventSource reconnects by itself (after ``RETRY_MS``), which
bounds how long one request lives. The values are constants, not settings: tests shorten them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from app.cases import services as cases
from app.core.vocab import Priority
from app.db import db
from app.queue import services as queue
from app.queue.models import Availability, EntryState

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often a stream looks at the database
STREAM_SECONDS = 300.0  # then the stream ends and the browser reconnects (no request lives for ever)
KEEPALIVE_SECONDS = 5.0  # a comment this often: proxies keep a quiet stream open, and a gone browser frees its thread
RETRY_MS = 2000  # how soon the browser reconnects after the stream ends


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


def event(name: str, data: str) -> str:
    """One server-sent event; every line of ``data`` gets its own ``data:`` field."""
    lines = data.splitlines() or [""]
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


def events(render: Callable[[], dict[str, str]]) -> Iterator[str]:
    """Server-sent events: each fragment ``render()`` returns, whenever it differs from the one last sent."""
    yield f"retry: {RETRY_MS}\n\n"
    sent: dict[str, str] = {}
    started = last_write = time.monotonic()
    while True:
        try:
            fragments = render()
        except SQLAlchemyError:  # the database is away: end; the browser reconnects and tries again
            log.warning("console stream ends: the database did not answer", exc_info=True)
            return
        finally:
            db.session.remove()  # hand the connection back while sleeping; the next poll reads afresh
        for name, html in fragments.items():
            if sent.get(name) != html:
                sent[name] = html
                last_write = time.monotonic()
                yield event(name, html)
        now = time.monotonic()
        if now - started >= STREAM_SECONDS:
            return
        if now - last_write >= KEEPALIVE_SECONDS:
            last_write = now
            yield ": keepalive\n\n"
        time.sleep(POLL_SECONDS)
