"""What the operator console shows live: the line and the operator's own state (streamed by ``app.web.sse``)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template

from app.cases import services as cases
from app.chat import services as chat
from app.contacts import services as contacts
from app.core.vocab import Channel, Priority
from app.db import db
from app.i18n import current_language
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.referrals import services as referrals


@dataclass(frozen=True)
class QueueRow:
    """A waiting contact as operators see them: never a number or an address, never a keyed hash."""

    entry_id: int
    position: int
    channel: Channel
    place: str | None  # a chat's place (the QR poster's school or college), if known
    region: str | None
    priority: Priority
    language: str | None
    category: str  # the IVR's category code
    enqueued_at: datetime  # the browser shows the wait growing from here
    callback: bool  # hung up asking to be called back; keeps their place in line
    earlier_contacts: contacts.EarlierContacts
    error_key: str | None  # why the last attempt to connect this caller failed (a message key)
    error_code: int | None  # Twilio's error code with it


@dataclass(frozen=True)
class HeldChat:
    """A chat the operator holds, for the header's tabs: its case, and whether the child awaits an answer."""

    case_id: int
    conversation_id: int
    awaiting_reply: bool


@dataclass(frozen=True)
class OperatorState:
    """The signed-in person's own state, for the console header."""

    availability: Availability | None  # None: not an operator (supervisors and admins watch)
    since: datetime | None  # of the last change of availability
    endpoint: str | None
    open_case_id: int | None
    call_state: EntryState | None  # where the call of the open case is
    overdue_referrals: int = 0  # referrals of the operator's cases whose agency feedback is overdue
    chats: tuple[HeldChat, ...] = ()  # the chats they hold (until each one's case is closed), oldest first
    chats_max: int = 0  # how many they may hold at once (CHATS_PER_OPERATOR)

SEEN_EVERY_SECONDS = 15.0  # how often an open console tells presence it is still open (not every poll: a write)


class Presence:
    """An operator's open console stream, reported to ``operators.console_seen`` every ``SEEN_EVERY_SECONDS``."""

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.last: float | None = None

    def beat(self) -> None:
        now = time.monotonic()
        if self.last is None or now - self.last >= SEEN_EVERY_SECONDS:
            operators.console_seen(self.user_id)
            self.last = now


def queue_rows(earlier: dict[int, contacts.EarlierContacts] | None = None) -> list[QueueRow]:
    """Everyone in line, in the order they will be answered.

    ``earlier`` caches each entry's earlier contacts (it cannot change while the caller waits), so a
    stream counts once per caller, not once per poll.
    """
    earlier = {} if earlier is None else earlier
    rows = []
    line = queue.waiting()
    places = contacts.place_names({entry.place_id for entry in line if entry.place_id is not None})
    for position, entry in enumerate(line, start=1):
        if entry.id not in earlier:
            earlier[entry.id] = contacts.earlier_contacts(entry)
        rows.append(QueueRow(
            entry_id=entry.id, position=position, channel=entry.channel, place=places.get(entry.place_id),
            region=entry.region, priority=entry.priority, language=entry.language,
            category=entry.category, enqueued_at=entry.enqueued_at,
            callback=entry.state is EntryState.CALLBACK, earlier_contacts=earlier[entry.id],
            error_key=entry.error_key, error_code=entry.error_code,
        ))
    return rows


@dataclass
class _Reading:
    """One reading of the line, and its renderings by (language, may pick)."""

    rows: list[QueueRow]
    at: float  # time.monotonic() of the reading
    html: dict[tuple[str, bool], str] = field(default_factory=dict)


class SharedLine:
    """The line as every console open in this web process shows it: read and rendered once for all of them.

    Every console streams the same line: read and rendered per console and per poll, 50 open consoles read
    and rendered it 50 times a second (bench/chat.py). The first stream to ask after ``fresh_seconds`` reads
    it again; the others get the last reading meanwhile, rendered once per language and role. They never
    wait for the reader: a waiting stream holds a database connection, and with the pool taken by waiters
    the reader would wait for a connection for ever (it did, under bench/chat.py, until the pool timed out).
    """

    def __init__(self) -> None:
        self._reading_now = threading.Lock()
        self._last: _Reading | None = None
        self._earlier: dict[int, contacts.EarlierContacts] = {}

    def html(self, may_pick: bool, fresh_seconds: float) -> str:
        reading = self._last
        if reading is None or time.monotonic() - reading.at >= fresh_seconds:
            reading = self._read(reading)
        key = (current_language(), may_pick)
        if key not in reading.html:
            reading.html[key] = render_template("console/_queue.html", rows=reading.rows, may_pick=may_pick)
        return reading.html[key]

    def _read(self, last: _Reading | None) -> _Reading:
        """Read the line, unless another stream is reading it: then the last reading will do, if there is one."""
        alone = self._reading_now.acquire(blocking=False)
        if not alone and last is not None:
            return last
        try:
            rows = queue_rows(self._earlier)
            self._earlier = {row.entry_id: row.earlier_contacts for row in rows}  # those still waiting
            self._last = _Reading(rows, time.monotonic())
            return self._last
        finally:
            if alone:
                self._reading_now.release()


def shared_line() -> SharedLine:
    """This app's shared line (each app its own: tests run several apps on different databases in one process)."""
    return current_app.extensions.setdefault("qorgau.console_line", SharedLine())


def operator_state(user_id: int, is_operator: bool) -> OperatorState:
    """The header's state: availability and since when, the endpoint, the open case and its call, the chats held."""
    if not is_operator:
        return OperatorState(None, None, None, None, None)
    status = operators.status(user_id)
    db.session.commit()  # operator_status creates the 'away' row on first use: keep it
    case = cases.open_case_for(user_id)
    entry = queue.entry(case.queue_entry_id) if case is not None else None
    held = operators.held_chats(user_id)
    owed = chat.awaiting_reply(conversation_id for _, conversation_id in held)
    return OperatorState(status.availability, status.since, status.endpoint, case.id if case else None,
                         entry.state if entry is not None and entry.channel is Channel.PHONE else None,
                         referrals.counts(operator_id=user_id).overdue,
                         tuple(HeldChat(case_id, conversation_id, conversation_id in owed)
                               for case_id, conversation_id in held),
                         current_app.config["CHATS_PER_OPERATOR"])

