"""Claiming contacts from the line, one operator at a time: who comes next, a specific one, a taken one, back to the line."""

from __future__ import annotations

import pytest

from app.core.vocab import Priority
from app.db import utcnow
from app.queue import services as line
from app.queue.models import EntryState
from app.voice import services as voice

from .helpers import add_caller, add_operators, sid_of


@pytest.fixture
def operators(db_session) -> list[int]:
    return add_operators(3)


def test_pick_next_gives_the_highest_priority_oldest_caller(db_session, operators):
    add_caller(Priority.STANDARD, ago=600)
    add_caller(Priority.CHILD, ago=300)
    add_caller(Priority.URGENT, ago=10)
    oldest_urgent = add_caller(Priority.URGENT, ago=20).id
    before = utcnow()
    entry = line.pick(operators[0])
    assert entry.id == oldest_urgent
    assert entry.state is EntryState.ASSIGNED
    assert entry.operator_id == operators[0]
    assert before <= entry.picked_at <= utcnow()


def test_picking_next_again_and_again_serves_the_line_in_order(db_session, operators):
    for priority, ago in [(Priority.STANDARD, 50), (Priority.URGENT, 5), (Priority.CHILD, 40), (Priority.STANDARD, 60),
                          (Priority.CHILD, 45), (Priority.URGENT, 1)]:
        add_caller(priority, ago=ago)
    expected = [e.id for e in line.waiting()]
    got = [line.pick(operators[n % 3]).id for n in range(len(expected))]
    assert got == expected
    assert line.waiting() == []
    with pytest.raises(line.ClaimError, match="nobody is waiting"):
        line.pick(operators[0])


def test_pick_from_an_empty_line(db_session, operators):
    with pytest.raises(line.ClaimError, match="nobody is waiting"):
        line.pick(operators[0])


def test_pick_a_specific_caller_out_of_order(db_session, operators):
    first = add_caller(Priority.URGENT, ago=100).id
    later = add_caller(Priority.STANDARD, ago=1).id
    entry = line.pick(operators[1], later)
    assert (entry.id, entry.state, entry.operator_id) == (later, EntryState.ASSIGNED, operators[1])
    assert [e.id for e in line.waiting()] == [first]


def test_picking_a_taken_caller_raises_and_changes_nothing(db_session, operators):
    entry_id = add_caller(Priority.CHILD).id
    line.pick(operators[0], entry_id)
    with pytest.raises(line.ClaimError, match="no longer waiting"):
        line.pick(operators[1], entry_id)
    entry = line.entry(entry_id)
    db_session.refresh(entry)
    assert (entry.state, entry.operator_id) == (EntryState.ASSIGNED, operators[0])


@pytest.mark.parametrize("state", [EntryState.ABANDONED, EntryState.LEFT, EntryState.CONNECTED, EntryState.DONE])
def test_a_caller_who_is_not_waiting_cannot_be_picked(db_session, operators, state):
    entry = add_caller(Priority.URGENT)
    entry.state = state
    db_session.commit()
    with pytest.raises(line.ClaimError, match="no longer waiting"):
        line.pick(operators[0], entry.id)
    with pytest.raises(line.ClaimError, match="nobody is waiting"):
        line.pick(operators[0])


def test_picking_an_unknown_entry_raises(db_session, operators):
    with pytest.raises(line.ClaimError):
        line.pick(operators[0], 987654)


def test_pick_next_skips_callers_taken_since_the_line_was_read(db_session, operators):
    first, second = add_caller(Priority.URGENT, ago=10).id, add_caller(Priority.URGENT, ago=5).id
    line.pick(operators[0], first)
    assert line.pick(operators[1]).id == second


def test_the_wait_of_a_picked_caller_ends_when_picked(db_session, operators):
    entry = add_caller(Priority.CHILD, ago=120)
    picked = line.pick(operators[0], entry.id)
    assert line.wait_seconds(picked) == pytest.approx(120, abs=5)
    assert line.wait_seconds(picked) == (picked.picked_at - picked.enqueued_at).total_seconds()


def test_back_to_line_keeps_the_original_place(db_session, operators):
    head = add_caller(Priority.CHILD, ago=300)
    enqueued_at = head.enqueued_at
    second = add_caller(Priority.CHILD, ago=200).id
    standard = add_caller(Priority.STANDARD, ago=900).id
    picked = line.pick(operators[0])
    assert picked.id == head.id
    newcomer = add_caller(Priority.CHILD, ago=0).id  # arrived while the bridge was being tried
    line.back_to_line(picked, error_key="line_error_twilio_refused", error_code=20404)
    again = line.entry(head.id)
    assert again.state is EntryState.WAITING
    assert again.enqueued_at == enqueued_at
    assert (again.operator_id, again.picked_at) == (None, None)
    assert (again.error_key, again.error_code) == ("line_error_twilio_refused", 20404)
    assert [e.id for e in line.waiting()] == [head.id, second, newcomer, standard]
    assert line.pick(operators[1]).id == head.id


def test_a_caller_back_in_line_can_be_picked_again_and_the_error_is_cleared(db_session, operators):
    entry = line.pick(operators[0], add_caller(Priority.URGENT).id)
    line.back_to_line(entry, error_key="line_error_no_answer")
    again = line.pick(operators[1])
    assert (again.id, again.operator_id, again.error_key, again.error_code) == (entry.id, operators[1], None, None)


def test_a_pick_does_not_touch_other_callers(db_session, operators):
    others = [add_caller(Priority.STANDARD).id for _ in range(3)]
    line.pick(operators[0], add_caller(Priority.URGENT).id)
    assert [e.id for e in line.waiting()] == others
    assert all(e.operator_id is None and e.picked_at is None for e in line.waiting())


def test_a_failed_bridge_does_not_bring_back_a_caller_who_hung_up_meanwhile(app):
    """The caller hangs up while Twilio is asked to bridge them; the bridge then fails (no such member).

    The hang-up (another request, another session) closes the entry first; putting the caller "back in
    line" from the bridge's stale copy must not resurrect them: a ghost at the head of the line would be
    picked, fail to bridge and come back, again and again.
    """
    with app.app_context():
        entry_id = add_caller(Priority.URGENT).id
        call_sid = sid_of(line.entry(entry_id))
        picked = line.pick(add_operators(1)[0])  # the bridge's request holds this copy
        with app.app_context():  # meanwhile, Twilio's status callback in another worker
            voice.call_ended(call_sid)
        line.back_to_line(picked, error_key="line_error_twilio_refused", error_code=20404)
    with app.app_context():
        assert line.entry(entry_id).state is EntryState.ABANDONED
        assert line.waiting() == []
