"""The line: contacts of every channel entering it, their order, place and wait, and claiming them atomically.

Channel-neutral: a call and a chat wait in the same line by the same rules (``app.core.queue``). What
happens to a call around the line (the wait loop, Twilio's queue, bridging) is ``app.voice``'s business,
a chat's is ``app.chat``'s, and taking a contact from the line is ``app.contacts.take``.

Claiming is one conditional UPDATE (``… WHERE state is open``), see ``claim``: two operators can never get
the same contact.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from app.core import queue as rules
from app.core.vocab import Channel, Priority
from app.db import db, utcnow

from .models import IN_LINE, INBOX, EntryState, QueueEntry

RECENT_CONVERSATIONS = 20  # handling times the wait estimate averages


class ClaimError(RuntimeError):
    """The contact was taken by someone else or left the line, or nobody is waiting."""


def enter(channel: Channel, *, priority: Priority, category: str, language: str | None,
          call_id: int | None = None, conversation_id: int | None = None, caller_hash: str | None = None,
          place_id: int | None = None, region: str | None = None) -> QueueEntry:
    """Put a contact in line: a call (phone) or a chat (web), with what travels with it.

    Once: entering again keeps the original place. The same priority rules order every channel.
    Flushed, not committed.
    """
    existing = (entry_for_call(call_id) if call_id is not None
                else entry_for_conversation(conversation_id) if conversation_id is not None else None)
    if existing is not None:
        return existing
    entry = QueueEntry(channel=channel, call_id=call_id, conversation_id=conversation_id, priority=priority,
                       priority_rank=priority.rank, category=category, language=language, caller_hash=caller_hash,
                       place_id=place_id, region=region)
    db.session.add(entry)
    db.session.flush()
    return entry


def entry(entry_id: int | None) -> QueueEntry | None:
    return db.session.get(QueueEntry, entry_id) if entry_id is not None else None


def entry_for_call(call_id: int) -> QueueEntry | None:
    return db.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call_id))


def entry_for_conversation(conversation_id: int) -> QueueEntry | None:
    return db.session.scalar(select(QueueEntry).where(QueueEntry.conversation_id == conversation_id))


def _in_line_order(query):
    return query.order_by(QueueEntry.priority_rank, QueueEntry.enqueued_at, QueueEntry.id)


def waiting(channel: Channel | None = None) -> list[QueueEntry]:
    """Everyone in line (of one channel), in the order they will be answered."""
    query = select(QueueEntry).where(QueueEntry.state.in_(IN_LINE))
    if channel is not None:
        query = query.where(QueueEntry.channel == channel)
    return list(db.session.scalars(_in_line_order(query)))


def count_waiting() -> int:
    return db.session.scalar(select(func.count()).where(QueueEntry.state == EntryState.WAITING)) or 0


@dataclass(frozen=True)
class WaitInfo:
    """What a waiting contact is told: place in line and the expected wait."""

    entry: QueueEntry
    position: int
    wait: timedelta

    @property
    def band(self) -> int | None:
        return rules.wait_band(self.wait)


def wait_info(entry: QueueEntry, operators_on_duty: int) -> WaitInfo:
    """The contact's place in line and expected wait, with ``operators_on_duty`` sharing the line.

    Counted among contacts of its own channel: an operator holds a call and chats at the same time, so
    the chats ahead of a caller do not hold them up (nor callers a chat), and a chat lasts longer than a call.
    """
    line = [rules.Waiting(e.id, e.priority, e.enqueued_at) for e in waiting(entry.channel)]
    place = rules.position(line, entry.id) or len(line)
    return WaitInfo(entry, place, rules.estimate_wait(place, recent_handle_times(entry.channel), operators_on_duty))


def wait_seconds(entry: QueueEntry) -> float:
    end = entry.picked_at or entry.ended_at or utcnow()
    return (end - entry.enqueued_at).total_seconds()


def recent_handle_times(channel: Channel = Channel.PHONE) -> list[timedelta]:
    """How long the last answered conversations of a channel lasted, newest first."""
    rows = db.session.execute(
        select(QueueEntry.answered_at, QueueEntry.ended_at)
        .where(QueueEntry.answered_at.is_not(None), QueueEntry.ended_at.is_not(None), QueueEntry.channel == channel)
        .order_by(QueueEntry.ended_at.desc()).limit(RECENT_CONVERSATIONS)
    ).all()
    return [ended - answered for answered, ended in rows]


def line_open() -> bool:
    """Whether operators answer now (OPERATING_HOURS, HOLIDAYS, TIMEZONE)."""
    config = current_app.config
    hours = rules.parse_hours(config["OPERATING_HOURS"], config["HOLIDAYS"])
    return hours.is_open(utcnow().astimezone(ZoneInfo(config["TIMEZONE"])))


def claim(operator_id: int, entry_id: int | None = None, channels: Collection[Channel] | None = None,
          states: Collection[EntryState] = IN_LINE) -> QueueEntry:
    """Give a waiting contact to an operator: a specific one, or the next in line (of ``channels``). Atomic.

    ``states`` are the ones a contact may be taken from: in line, and (by id) a voice message in the inbox.

    "Next" is one statement: ``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR UPDATE SKIP LOCKED) AND state is open``.
    On PostgreSQL operators racing for the head pass over a row another is taking instead of queueing
    behind its lock; SQLite ignores the lock clause and serialises writers. Either way the state condition
    makes a double assignment impossible. A statement that lost its row to a hang-up between the two
    checks claims nothing and is tried again while anyone is still waiting.

    Flushed, not committed: the caller commits the claim together with what the taking means (the chat
    attached, the case opened), or rolls it all back.
    """
    is_open = QueueEntry.state.in_(list(states))
    if channels is not None:
        is_open = is_open & QueueEntry.channel.in_(list(channels))
    if entry_id is not None:
        target = entry_id
    else:
        target = _in_line_order(select(QueueEntry.id).where(is_open)).limit(1).with_for_update(skip_locked=True)
        target = target.scalar_subquery()
    claim_it = (update(QueueEntry).where(QueueEntry.id == target, is_open)
                .values(state=EntryState.ASSIGNED, operator_id=operator_id, picked_at=utcnow(), error_key=None,
                        error_code=None)
                .returning(QueueEntry.id).execution_options(synchronize_session=False))
    while True:
        taken = db.session.execute(claim_it).scalar()
        if taken is not None:
            # The UPDATE bypassed the session: read the row as it is now, over any stale copy.
            return db.session.get(QueueEntry, taken, populate_existing=True)
        if entry_id is not None:
            raise ClaimError("this contact is no longer waiting")
        if not db.session.scalar(select(select(QueueEntry.id).where(is_open).exists())):
            raise ClaimError("nobody is waiting")


def message_left(call_id: int, *, priority: Priority, category: str, language: str | None,
                 caller_hash: str | None) -> QueueEntry:
    """A caller's voice message arrived: it waits in the inbox as an entry of the line (``MESSAGE``).

    The entry of a caller who left the line to record it, or a new one for a message left from the menus
    (or out of hours). Once: a message already in the inbox, or taken, stays as it is. Flushed, not committed.
    """
    entry = entry_for_call(call_id)
    if entry is None:
        entry = enter(Channel.PHONE, priority=priority, category=category, language=language, call_id=call_id,
                      caller_hash=caller_hash)
        entry.state, entry.ended_at = EntryState.MESSAGE, utcnow()  # the call is over: nobody waits on the phone
    elif entry.state is EntryState.LEFT:
        entry.state = EntryState.MESSAGE  # (keeps ended_at: when the caller left the line)
    db.session.flush()
    return entry


def inbox() -> list[QueueEntry]:
    """Voice messages and call-back requests still to be answered, in the order of the line."""
    return list(db.session.scalars(_in_line_order(select(QueueEntry).where(QueueEntry.state.in_(INBOX)))))


def inbox_counts(caller_hash: str | None = None) -> dict[EntryState, int]:
    """How many voice messages and call-back requests wait in the inbox (of one caller, by keyed hash)."""
    query = select(QueueEntry.state, func.count()).where(QueueEntry.state.in_(INBOX)).group_by(QueueEntry.state)
    if caller_hash is not None:
        query = query.where(QueueEntry.caller_hash == caller_hash)
    found = dict(db.session.execute(query).all())
    return {state: found.get(state, 0) for state in INBOX}


def pick(operator_id: int, entry_id: int | None = None, channels: Collection[Channel] | None = None) -> QueueEntry:
    """``claim``, committed on its own (when nothing else is part of taking the contact)."""
    claimed = claim(operator_id, entry_id, channels)
    db.session.commit()
    return claimed


def waiting_in(channels: Collection[Channel]) -> bool:
    """Whether anyone of these channels is in line."""
    return bool(channels) and bool(db.session.scalar(select(select(QueueEntry.id).where(
        QueueEntry.state.in_(IN_LINE), QueueEntry.channel.in_(list(channels))).exists())))


def back_to_line(entry: QueueEntry, state: EntryState = EntryState.WAITING, *, error_key: str | None = None,
                 error_code: int | None = None) -> None:
    """Connecting failed: the contact waits again (``state``) at their original place (head of their priority).

    Only while still assigned: a contact who left meanwhile (closed by another request, after this copy of
    the entry was read) must stay closed, or the line would keep a ghost at its head. Commits.
    """
    back = (update(QueueEntry).where(QueueEntry.id == entry.id, QueueEntry.state == EntryState.ASSIGNED)
            .values(state=state, operator_id=None, picked_at=None, error_key=error_key, error_code=error_code)
            .execution_options(synchronize_session=False))
    if db.session.execute(back).rowcount == 0:
        entry.error_key, entry.error_code = error_key, error_code  # still shown on the console
    db.session.commit()


def note_error(entry: QueueEntry, error_key: str, error_code: int | None = None) -> None:
    """Something went wrong with a contact who is not put back in line (shown on the console). Commits."""
    entry.error_key, entry.error_code = error_key, error_code
    db.session.commit()


def answered(entry: QueueEntry) -> None:
    """Contact and operator are talking now. Not committed."""
    entry.state, entry.answered_at = EntryState.CONNECTED, utcnow()


def end(entry: QueueEntry, state: EntryState) -> None:
    """The contact left the line or the conversation ended (``state``: abandoned, left, done). Not committed."""
    entry.state, entry.ended_at = state, utcnow()
