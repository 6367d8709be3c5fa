"""Contacts in line: their order, entering once, what travels with them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.calls.models import Call
from app.chat.models import Conversation
from app.core.vocab import Channel, Priority
from app.queue import services as line
from app.queue.models import EntryState, QueueEntry
from app.voice import services as voice

from .helpers import add_caller, enter_call, entry_of

# After the menu keys: silence whenever the wait loop offers its options (call-back, voice message), so the
# caller keeps waiting through the simulator's rounds and then hangs up.
KEEP_WAITING = " - - -"


# --- the order of the line -------------------------------------------------------------------------


def test_priorities_order_the_line(db_session):
    standard = add_caller(Priority.STANDARD, ago=300).id
    child = add_caller(Priority.CHILD, ago=200).id
    urgent_late = add_caller(Priority.URGENT, ago=10).id
    urgent_early = add_caller(Priority.URGENT, ago=100).id
    standard_late = add_caller(Priority.STANDARD, ago=5).id
    assert [e.id for e in line.waiting()] == [urgent_early, urgent_late, child, standard, standard_late]
    assert line.count_waiting() == 5


def test_only_waiting_callers_are_in_line(db_session):
    kept = add_caller(Priority.STANDARD).id
    gone = add_caller(Priority.URGENT)
    gone.state = EntryState.ABANDONED
    db_session.commit()
    assert [e.id for e in line.waiting()] == [kept]
    assert line.count_waiting() == 1


def test_entering_twice_keeps_the_first_place(db_session):
    entry = add_caller(Priority.CHILD, ago=120)
    first_at = entry.enqueued_at
    again = enter_call(voice.call_of(entry), Priority.CHILD)
    db_session.commit()
    assert again.id == entry.id and again.enqueued_at == first_at
    assert db_session.scalar(select(func.count()).select_from(QueueEntry)) == 1


def test_simulated_callers_are_queued_with_their_priority_language_and_category(app, call):
    results = {"urgent": call("2 0" + KEEP_WAITING), "child": call("1 1" + KEEP_WAITING),
               "family": call("2 3" + KEEP_WAITING)}
    got = {name: entry_of(app, result.call_sid) for name, result in results.items()}
    assert {name: (e.priority, e.language, e.category) for name, e in got.items()} == {
        "urgent": (Priority.URGENT, "ru", "cannot_talk"),
        "child": (Priority.CHILD, "kk", "child"),
        "family": (Priority.STANDARD, "ru", "family"),
    }
    assert all(e.priority_rank == e.priority.rank for e in got.values())


@pytest.mark.parametrize("what", ["nothing", "both", "web call"])
def test_an_entry_is_a_call_or_a_chat_never_neither_nor_both(db_session, what):
    call = Call(call_sid="CA" + "e" * 32, flow_id="helpline-111", ivr_state={})
    chat = Conversation(language="ru", priority=Priority.CHILD, category="child", source_hash="s" * 64,
                        code_hash="c" * 64)
    db_session.add_all([call, chat])
    db_session.flush()
    ids = {"nothing": {}, "both": {"call_id": call.id, "conversation_id": chat.id}, "web call": {"call_id": call.id}}
    db_session.add(QueueEntry(channel=Channel.WEB, priority=Priority.CHILD, priority_rank=1, category="child",
                              **ids[what]))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
