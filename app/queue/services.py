"""The queue: entering it, where a caller stands and how long they will wait, picking callers atomically.

Picking is one conditional UPDATE (``… WHERE state = 'waiting'``): on PostgreSQL a concurrent picker
blocks on the row lock and then finds the condition false, on SQLite writers are serialised — either
way two operators can never get the same caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from app.calls.models import Call
from app.core import queue as rules
from app.core.flow import Flow
from app.core.ivr import Speak
from app.core.vocab import Priority
from app.db import db, utcnow

from .models import EntryState, QueueEntry

RECENT_CALLS = 20  # handling times the wait estimate averages
OPERATORS_ON_DUTY = 1  # until operators' availability is tracked, estimate as if one answers


class PickError(RuntimeError):
    """The caller was taken by someone else, left the line, or nobody is waiting."""


def enter(call: Call, priority: Priority, category: str) -> QueueEntry:
    """Put a call in line (once: a repeated <Enqueue> keeps the original place)."""
    entry = db.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call.id))
    if entry is None:
        entry = QueueEntry(call_id=call.id, priority=priority, priority_rank=priority.rank, category=category,
                           language=call.language, caller_hash=call.caller_hash)
        db.session.add(entry)
    return entry


def entry_for_call(call_sid: str) -> QueueEntry | None:
    return db.session.scalar(select(QueueEntry).join(Call).where(Call.call_sid == call_sid))


def waiting() -> list[QueueEntry]:
    """Everyone in line, in the order they will be answered."""
    return list(db.session.scalars(
        select(QueueEntry).where(QueueEntry.state == EntryState.WAITING)
        .order_by(QueueEntry.priority_rank, QueueEntry.enqueued_at, QueueEntry.id)
    ))


@dataclass(frozen=True)
class WaitInfo:
    """What a waiting caller is told: place in line and the expected wait."""

    entry: QueueEntry
    position: int
    wait: timedelta

    @property
    def band(self) -> int | None:
        return rules.wait_band(self.wait)


def wait_round(call_sid: str, queue_sid: str | None, operators_on_duty: int) -> WaitInfo | None:
    """One round of the wait loop: remember Twilio's queue, return the caller's place and wait."""
    entry = entry_for_call(call_sid)
    if entry is None or not entry.state.is_waiting:
        return None
    if queue_sid and entry.queue_sid != queue_sid:
        entry.queue_sid = queue_sid
        db.session.commit()
    line = [rules.Waiting(e.id, e.priority, e.enqueued_at) for e in waiting()]
    place = rules.position(line, entry.id) or len(line)
    return WaitInfo(entry, place, rules.estimate_wait(place, recent_handle_times(), operators_on_duty))


def announcements(call: Call | None, flow: Flow, queue_sid: str | None) -> tuple[Speak, ...]:
    """What the wait loop says this round, in the caller's language: place, expected wait, wait prompt.

    Queues whose node has no ``wait_prompt`` (e.g. callers who cannot talk freely) hear music only.
    """
    if call is None or not call.language:
        return ()
    node = flow.nodes.get(call.ivr_state.get("node"))
    info = wait_round(call.call_sid, queue_sid, OPERATORS_ON_DUTY)
    if node is None or not node.wait_prompt or info is None:
        return ()
    prompts = (rules.position_prompt(info.position), rules.wait_prompt(info.wait), node.wait_prompt)
    return tuple(Speak(prompt, call.language) for prompt in prompts)


def recent_handle_times() -> list[timedelta]:
    """How long the last answered conversations lasted, newest first."""
    rows = db.session.execute(
        select(QueueEntry.answered_at, QueueEntry.ended_at)
        .where(QueueEntry.answered_at.is_not(None), QueueEntry.ended_at.is_not(None))
        .order_by(QueueEntry.ended_at.desc()).limit(RECENT_CALLS)
    ).all()
    return [ended - answered for answered, ended in rows]


def left_queue(call_sid: str, result: str | None) -> QueueEntry | None:
    """Twilio's <Enqueue> action: a hang-up while waiting is recorded as abandoned, with its wait."""
    entry = entry_for_call(call_sid)
    if entry is not None and entry.state.is_waiting and result == "hangup":
        entry.state = EntryState.ABANDONED
        entry.ended_at = utcnow()
        db.session.commit()
    return entry


def wait_seconds(entry: QueueEntry) -> float:
    end = entry.picked_at or entry.ended_at or utcnow()
    return (end - entry.enqueued_at).total_seconds()


def pick(operator_id: int, entry_id: int | None = None) -> QueueEntry:
    """Give a waiting caller to an operator: a specific one, or the next in line. Atomic."""
    candidates = [entry_id] if entry_id is not None else [e.id for e in waiting()]
    for candidate in candidates:
        taken = db.session.execute(
            update(QueueEntry)
            .where(QueueEntry.id == candidate, QueueEntry.state == EntryState.WAITING)
            .values(state=EntryState.ASSIGNED, operator_id=operator_id, picked_at=utcnow(), twilio_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:
            entry = db.session.get(QueueEntry, candidate)
            db.session.refresh(entry)
            return entry
    raise PickError("this caller is no longer waiting" if entry_id is not None else "nobody is waiting")


def back_to_line(entry: QueueEntry, error: str | None = None) -> None:
    """The bridge failed: the caller waits again at their original place (head of their priority)."""
    entry.state = EntryState.WAITING
    entry.operator_id = None
    entry.picked_at = None
    entry.twilio_error = error
    db.session.commit()


def count_waiting() -> int:
    return db.session.scalar(select(func.count()).where(QueueEntry.state == EntryState.WAITING)) or 0
