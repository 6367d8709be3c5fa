"""After the pick: bridging a caller over Twilio's REST API (replaced by a recording fake).

What each outcome does to the entry and the operator: bridged, no endpoint, Twilio refusing the
redirect or the dial, the operator answering or not, the conversation ending. What a failure leaves
for the console is our message key and Twilio's error code, never Twilio's text.
"""

from __future__ import annotations

import pytest

from app.core.ports import GatewayError
from app.core.vocab import Priority
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as line
from app.queue.models import EntryState
from app.voice import services as voice
from tests.queue.helpers import add_caller, add_operators, sid_of

from .helpers import BASE, FakeGateway


@pytest.fixture
def gateway(app) -> FakeGateway:
    fake = app.extensions["qorgau.gateway"] = FakeGateway()
    return fake


@pytest.fixture
def picked(db_session, gateway):
    """A caller who reached the wait loop (Twilio's queue known), picked by an operator with a phone."""
    entry = add_caller(Priority.CHILD, ago=60)
    voice.call_of(entry).queue_sid = "QU" + "1" * 32
    db_session.commit()
    operator = add_operators(1)[0]
    operators.set_endpoint(operator, "+77011234567")
    operators.set_availability(operator, Availability.AVAILABLE)
    return line.pick(operator, entry.id)


def test_a_bridge_takes_the_caller_from_the_queue_and_rings_the_operator(picked, gateway):
    entry = voice.bridge(picked.id)
    call_sid = sid_of(entry)
    assert gateway.requests == [
        ("redirect_queue_member", "QU" + "1" * 32, call_sid, f"{BASE}/voice/bridge?entry={entry.id}"),
        ("dial_into_conference", f"qorgau-{entry.id}", "+77011234567", "+77001110111",
         f"{BASE}/voice/operator?entry={entry.id}&attempt={voice.attempt(entry)}", 20),
    ]
    assert entry.state is EntryState.ASSIGNED
    assert operators.status(entry.operator_id).availability is Availability.BUSY


def test_a_caller_not_yet_in_the_wait_loop_is_redirected_as_a_call(db_session, gateway):
    operator = add_operators(1)[0]
    operators.set_endpoint(operator, "client:amina")
    entry = line.pick(operator, add_caller(Priority.URGENT).id)
    voice.bridge(entry.id)
    assert gateway.requests[0] == ("redirect_call", sid_of(entry), f"{BASE}/voice/bridge?entry={entry.id}")
    assert gateway.requests[1][2] == "client:amina"


def test_an_operator_without_an_endpoint_leaves_the_caller_waiting(db_session, gateway):
    entry = line.pick(add_operators(1)[0], add_caller(Priority.URGENT).id)
    with pytest.raises(voice.BridgeError) as refused:
        voice.bridge(entry.id)
    assert (refused.value.key, refused.value.code) == ("line_error_no_endpoint", None)
    assert gateway.requests == []
    again = line.entry(entry.id)
    assert (again.state, again.operator_id) == (EntryState.WAITING, None)
    assert [e.id for e in line.waiting()] == [entry.id]


def test_twilio_refusing_the_redirect_leaves_the_caller_at_their_place(picked, gateway):
    operator = picked.operator_id
    gateway.fail["redirect_queue_member"] = GatewayError("Twilio refused: not found (HTTP 404, code 20404)", 404,
                                                         20404)
    with pytest.raises(voice.BridgeError) as refused:
        voice.bridge(picked.id)
    assert (refused.value.key, refused.value.code) == ("line_error_twilio_refused", 20404)
    entry = line.entry(picked.id)
    assert (entry.state, entry.operator_id, entry.picked_at) == (EntryState.WAITING, None, None)
    assert (entry.error_key, entry.error_code) == ("line_error_twilio_refused", 20404)
    assert [request[0] for request in gateway.requests] == ["redirect_queue_member"]  # nobody was rung
    assert operators.status(operator).availability is Availability.AVAILABLE


def test_twilio_refusing_the_dial_sends_the_caller_back_and_the_operator_away(picked, gateway):
    operator = picked.operator_id
    gateway.fail["dial_into_conference"] = GatewayError("cannot reach Twilio: timed out")
    with pytest.raises(voice.BridgeError) as failed:
        voice.bridge(picked.id)
    assert (failed.value.key, failed.value.code) == ("line_error_twilio_unreachable", None)
    entry = line.entry(picked.id)
    assert entry.state is EntryState.WAITING and entry.operator_id is None
    assert gateway.requests[-1] == ("redirect_call", sid_of(entry), f"{BASE}/voice/requeue?entry={entry.id}")
    assert operators.status(operator).availability is Availability.AWAY


def test_the_operator_answering_connects_and_records(picked, gateway):
    voice.bridge(picked.id)
    voice.operator_leg(picked.id, "ringing")
    assert line.entry(picked.id).state is EntryState.ASSIGNED
    voice.operator_leg(picked.id, "in-progress")
    entry = line.entry(picked.id)
    assert entry.state is EntryState.CONNECTED and entry.answered_at is not None
    assert gateway.requests[-1] == ("record_call", sid_of(entry), f"{BASE}/voice/recording")
    voice.operator_leg(picked.id, "in-progress")  # a repeated delivery records once
    assert [r[0] for r in gateway.requests].count("record_call") == 1


def test_a_recording_that_does_not_start_is_shown_but_the_talk_goes_on(picked, gateway):
    gateway.fail["record_call"] = GatewayError("Twilio refused: busy (HTTP 409, code 21220)", 409, 21220)
    voice.bridge(picked.id)
    voice.operator_leg(picked.id, "in-progress")
    entry = line.entry(picked.id)
    assert entry.state is EntryState.CONNECTED
    assert (entry.error_key, entry.error_code) == ("line_error_recording", 21220)


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed", "canceled"])
def test_an_operator_who_does_not_answer_is_set_away_and_the_caller_keeps_their_place(db_session, picked, gateway,
                                                                                      status):
    operator = picked.operator_id
    newcomer = add_caller(Priority.CHILD).id
    voice.bridge(picked.id)
    voice.operator_leg(picked.id, status)
    entry = line.entry(picked.id)
    assert entry.state is EntryState.WAITING and entry.error_key == "line_error_no_answer"
    assert [e.id for e in line.waiting()] == [picked.id, newcomer]
    assert operators.status(operator).availability is Availability.AWAY


def test_the_end_of_the_conversation_puts_the_operator_in_wrap_up(picked, gateway):
    voice.bridge(picked.id)
    voice.operator_leg(picked.id, "in-progress")
    voice.operator_leg(picked.id, "completed")
    entry = line.entry(picked.id)
    assert entry.state is EntryState.DONE and entry.ended_at >= entry.answered_at
    assert operators.status(entry.operator_id).availability is Availability.WRAP_UP
    assert line.recent_handle_times() == [entry.ended_at - entry.answered_at]


def test_the_caller_hanging_up_ends_the_conversation_too(picked, gateway):
    voice.bridge(picked.id)
    voice.operator_leg(picked.id, "in-progress")
    voice.call_ended(sid_of(picked))
    assert line.entry(picked.id).state is EntryState.DONE
    voice.operator_leg(picked.id, "completed")  # the operator's leg ends after: nothing more to do
    assert line.entry(picked.id).state is EntryState.DONE


def test_a_caller_hanging_up_while_being_bridged_is_abandoned(picked, gateway):
    voice.bridge(picked.id)
    voice.call_ended(sid_of(picked))
    assert line.entry(picked.id).state is EntryState.ABANDONED
    voice.operator_leg(picked.id, "no-answer")  # then the operator's phone stops ringing
    assert line.entry(picked.id).state is EntryState.ABANDONED
    assert line.waiting() == []


def test_a_caller_who_hangs_up_during_the_redirect_is_not_put_back_in_line(app, picked, gateway):
    """Twilio answers 404 (the member is gone) because the caller hung up; their status callback came first."""
    call_sid = sid_of(picked)

    def hang_up():  # Twilio's status callback, handled by another worker (its own session)
        with app.app_context():
            voice.call_ended(call_sid)

    gateway.meanwhile["redirect_queue_member"] = hang_up
    gateway.fail["redirect_queue_member"] = GatewayError("Twilio refused: not found (HTTP 404, code 20404)", 404,
                                                         20404)
    with pytest.raises(voice.BridgeError):
        voice.bridge(picked.id)
    entry = line.entry(picked.id)
    assert entry.state is EntryState.ABANDONED
    assert entry.error_code == 20404  # still shown on the console
    assert line.waiting() == []


def test_status_of_an_unknown_entry_is_ignored(db_session, gateway):
    voice.operator_leg(987654, "in-progress")
    assert gateway.requests == []


def test_a_late_no_answer_from_the_first_operator_does_not_undo_the_second_pick(db_session, picked, gateway):
    first, first_leg = picked.operator_id, voice.attempt(voice.bridge(picked.id))
    voice.operator_leg(picked.id, "no-answer", first_leg)  # first operator: requeued
    second = add_operators(1, prefix="second")[0]
    operators.set_endpoint(second, "+77019998877")
    operators.set_availability(second, Availability.AVAILABLE)
    second_leg = voice.attempt(voice.bridge(line.pick(second).id))
    assert second_leg != first_leg
    voice.operator_leg(picked.id, "no-answer", first_leg)  # Twilio delivers the first operator's callback again
    entry = line.entry(picked.id)
    assert (entry.state, entry.operator_id) == (EntryState.ASSIGNED, second)
    assert operators.status(second).availability is Availability.BUSY
    assert operators.status(first).availability is Availability.AWAY
    voice.operator_leg(picked.id, "in-progress", second_leg)  # the second operator's own leg still counts
    assert line.entry(picked.id).state is EntryState.CONNECTED


def test_the_same_operator_picking_again_is_a_new_attempt(db_session, picked, gateway):
    """An operator who missed the call, came back and took the same caller: the old leg's news is stale."""
    operator, old_leg = picked.operator_id, voice.attempt(voice.bridge(picked.id))
    voice.operator_leg(picked.id, "no-answer", old_leg)
    operators.set_availability(operator, Availability.AVAILABLE)
    assert voice.attempt(voice.bridge(line.pick(operator, picked.id).id)) != old_leg
    voice.operator_leg(picked.id, "no-answer", old_leg)
    assert line.entry(picked.id).state is EntryState.ASSIGNED
