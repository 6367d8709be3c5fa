"""Helpers for the queue tests: operators, callers put in line directly, and pickers for threads and processes.

Everything here takes plain values, so a process started with ``spawn`` can import and run it.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import Role, User
from app.calls.models import Call
from app.core.vocab import CallStatus, Channel, IvrOutcome, Priority
from app.db import db, utcnow
from app.queue import services as line
from app.queue.models import EntryState, QueueEntry
from app.voice import services as voice

# The queue node of the shipped flow each priority is reached from (its wait prompt is said in the loop).
NODE_FOR = {Priority.URGENT: "violence_danger", Priority.CHILD: "child", Priority.STANDARD: "family"}
CATEGORY_FOR = {Priority.URGENT: "violence", Priority.CHILD: "child", Priority.STANDARD: "family"}


def add_operators(count: int, prefix: str = "op") -> list[int]:
    """Operator accounts (no usable password: these tests never log in); inside an app context."""
    users = [User(username=f"{prefix}{n}-{secrets.token_hex(3)}", role=Role.OPERATOR, password_hash="!")
             for n in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return [user.id for user in users]


def add_caller(priority: Priority = Priority.STANDARD, language: str | None = "ru", *, caller_hash: str | None = None,
               ago: float | None = None, node: str | None = None) -> QueueEntry:
    """A call that went through the IVR and is waiting in line (``ago`` seconds since it entered)."""
    node = node or NODE_FOR[priority]
    call = Call(call_sid="CA" + secrets.token_hex(16), caller_hash=caller_hash, flow_id="helpline-111",
                language=language, status=CallStatus.IN_PROGRESS, ivr_outcome=IvrOutcome.ENQUEUED,
                ivr_state={"node": node, "language": language}, priority=priority, category=CATEGORY_FOR[priority])
    db.session.add(call)
    db.session.flush()
    entry = enter_call(call, priority)
    if ago is not None:
        entry.enqueued_at = utcnow() - timedelta(seconds=ago)
    db.session.commit()
    return entry


def enter_call(call: Call, priority: Priority) -> QueueEntry:
    """Put a call in line as the IVR does."""
    return line.enter(Channel.PHONE, priority=priority, category=CATEGORY_FOR[priority], language=call.language,
                      call_id=call.id, caller_hash=call.caller_hash)


def sid_of(entry: QueueEntry) -> str:
    """The CallSid of a caller's entry."""
    return db.session.get(Call, entry.call_id).call_sid


def entry_of(app, call_sid: str) -> QueueEntry:
    """A caller's entry as it is now, readable outside the app context."""
    with app.app_context():
        entry = voice.entry_for_call(call_sid)
        db.session.expunge_all()
        return entry


def add_callers(count: int) -> list[int]:
    """``count`` waiting callers of mixed priorities, all distinct in arrival; their ids in line order."""
    priorities = (Priority.STANDARD, Priority.CHILD, Priority.URGENT)
    now = utcnow()
    for n in range(count):
        call = Call(call_sid="CA" + secrets.token_hex(16), flow_id="helpline-111", language="kk",
                    status=CallStatus.IN_PROGRESS, ivr_outcome=IvrOutcome.ENQUEUED, ivr_state={"node": "family"})
        db.session.add(call)
        db.session.flush()
        priority = priorities[n % 3]
        entry = enter_call(call, priority)
        entry.enqueued_at = now - timedelta(seconds=count - n)
    db.session.commit()
    return [entry.id for entry in line.waiting()]


def pick_next(operator_id: int, limit: int | None = None) -> list[int]:
    """Pick the next caller until the line is empty (or ``limit`` picks); the entries got, in order."""
    got: list[int] = []
    while limit is None or len(got) < limit:
        try:
            got.append(line.pick(operator_id).id)
        except line.ClaimError:
            break
    return got


def assignments() -> dict[int, int]:
    """Entry id -> operator id of every entry the database says is assigned."""
    rows = db.session.execute(
        select(QueueEntry.id, QueueEntry.operator_id, QueueEntry.state).where(QueueEntry.operator_id.is_not(None))
    ).all()
    assert all(state is EntryState.ASSIGNED for _, _, state in rows)
    return {entry_id: operator_id for entry_id, operator_id, _ in rows}


def race(app, operators: list[int], work) -> list:
    """Run ``work(operator_id)`` in one thread per operator, all released at once; their results in order."""
    start = threading.Barrier(len(operators))

    def operator_thread(operator_id: int):
        with app.app_context():
            start.wait(timeout=30)
            return work(operator_id)

    with ThreadPoolExecutor(max_workers=len(operators)) as pool:
        return list(pool.map(operator_thread, operators, timeout=60))


def process_picker(config: dict, operator_id: int, start, results, limit: int | None = None) -> None:
    """Run in a spawned process: its own app and engine, wait for the start, pick, report (operator, entries)."""
    from app import create_app

    app = create_app(config)
    try:
        with app.app_context():
            db.session.execute(select(1))  # connect before the start, so the race is about picking
            db.session.rollback()
            start.wait(timeout=60)
            try:
                results.put((operator_id, pick_next(operator_id, limit), None))
            except Exception as error:  # the parent fails the test with it
                results.put((operator_id, [], repr(error)))
    finally:
        with app.app_context():
            db.engine.dispose()
