"""Taking a contact from the line: a chat is attached to the operator, a call is bridged, a case is opened.

Capacity: one call at a time and, besides it, up to CHATS_PER_OPERATOR chats; "next" is the head of the
line among the contacts the operator can take now. The database part is one transaction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import services as cases
from app.chat import services as chat
from app.chat.models import ConversationState
from app.contacts import services as contacts
from app.core.ports import GatewayError
from app.core.queue import Load
from app.core.vocab import Channel, Priority
from app.db import db
from app.operators import services as operators
from app.queue import services as line
from app.queue.models import EntryState
from app.voice import services as voice
from tests.chat.helpers import start_chat
from tests.queue.helpers import add_caller, add_operators
from tests.voice.helpers import FakeGateway


@pytest.fixture
def gateway(app) -> FakeGateway:
    fake = app.extensions["qorgau.gateway"] = FakeGateway()
    return fake


@pytest.fixture
def operator(db_session, gateway) -> int:
    """An operator Twilio can ring."""
    operator = add_operators(1)[0]
    operators.set_endpoint(operator, "+77011234567")
    return operator


def close(case_id: int, operator: int) -> None:
    cases.save_case(case_id, operator, {"contact_type": "silent", "outcome": "no_action_needed"})
    cases.close_case(case_id, operator)


def test_taking_a_chat_attaches_it_and_opens_a_web_case(operator, gateway):
    started = start_chat(Priority.URGENT, "kk", category="violence")
    taken = contacts.take(operator)
    assert (taken.entry_id, taken.channel) == (started.entry_id, Channel.WEB)
    entry = line.entry(taken.entry_id)
    assert (entry.state, entry.operator_id) == (EntryState.CONNECTED, operator) and entry.answered_at is not None
    conversation = chat.conversation(started.conversation_id)
    assert (conversation.state, conversation.operator_id) == (ConversationState.ACTIVE, operator)
    case = cases.get_case(taken.case_id)
    assert (case.channel, case.language, case.category, case.queue_entry_id) == (Channel.WEB, "kk", "violence", entry.id)
    assert [c.id for c in case.conversations] == [conversation.id] and case.calls == []
    assert [m.text for m in chat.messages_after(conversation.id)] == [chat.OPERATOR_JOINED]
    assert gateway.requests == []  # no Twilio for a chat
    opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.open"))
    assert opened.details["channel"] == "web" and opened.details["conversation"] == conversation.id
    reply = chat.post(conversation.id, "Сәлем, тыңдап тұрмын", "reply-1", operator_id=operator)
    assert reply.operator_id == operator


def test_taking_a_call_bridges_it_and_opens_a_phone_case(operator, gateway):
    entry_id = add_caller(Priority.CHILD).id
    taken = contacts.take(operator)
    assert (taken.entry_id, taken.channel) == (entry_id, Channel.PHONE)
    assert [r[0] for r in gateway.requests] == ["redirect_call", "dial_into_conference"]
    case = cases.get_case(taken.case_id)
    assert case.channel is Channel.PHONE and [c.id for c in case.calls] == [line.entry(entry_id).call_id]
    assert line.entry(entry_id).state is EntryState.ASSIGNED  # until the operator answers


def test_one_call_at_a_time_and_chats_besides_it_up_to_the_setting(operator, gateway):
    calls = [add_caller(Priority.URGENT, ago=100 - n).id for n in range(2)]
    chats = [start_chat(Priority.STANDARD).entry_id for _ in range(4)]
    first = contacts.take(operator)
    assert first.entry_id == calls[0]
    # The second call is next in line, but the operator holds a call: "next" gives them the chats.
    assert [contacts.take(operator).entry_id for _ in range(3)] == chats[:3]
    assert operators.load(operator) == Load(calls=1, chats=3)
    with pytest.raises(contacts.TakeError) as full:  # a fourth chat, asked for by name
        contacts.take(operator, chats[3])
    assert full.value.key == contacts.CHATS_FULL and full.value.case_id is not None
    with pytest.raises(contacts.TakeError) as busy:  # the other call, asked for by name
        contacts.take(operator, calls[1])
    assert (busy.value.key, busy.value.case_id) == (contacts.CLOSE_CALL_FIRST, first.case_id)
    with pytest.raises(contacts.TakeError) as next_one:  # next: nothing they have room for
        contacts.take(operator)
    assert next_one.value.key == contacts.CLOSE_CALL_FIRST
    assert [e.id for e in line.waiting()] == [calls[1], chats[3]]  # nothing changed
    close(full.value.case_id, operator)  # a chat's case closed: room for one more chat
    assert contacts.take(operator).entry_id == chats[3]
    close(first.case_id, operator)  # the call's case closed: room for the next call
    assert contacts.take(operator).entry_id == calls[1]


def test_the_number_of_chats_is_a_setting(make_app):
    app = make_app(CHATS_PER_OPERATOR=1)
    with app.app_context():
        operator = add_operators(1)[0]
        chats = [start_chat().entry_id for _ in range(2)]
        assert contacts.take(operator).entry_id == chats[0]
        with pytest.raises(contacts.TakeError) as refused:
            contacts.take(operator)
        assert refused.value.key == contacts.CHATS_FULL


def test_without_an_endpoint_next_skips_calls_and_a_call_asked_for_is_refused(db_session, gateway):
    operator = add_operators(1)[0]
    call = add_caller(Priority.URGENT).id
    chat_entry = start_chat(Priority.STANDARD).entry_id
    assert contacts.take(operator).entry_id == chat_entry
    for asked in (None, call):
        with pytest.raises(contacts.CannotConnect) as refused:
            contacts.take(operator, asked)
        assert refused.value.key == voice.NO_ENDPOINT
    assert line.entry(call).state is EntryState.WAITING and gateway.requests == []


def test_nobody_and_taken_are_told_apart(operator, gateway):
    with pytest.raises(contacts.TakeError) as nobody:
        contacts.take(operator)
    assert nobody.value.key == contacts.NOBODY
    entry = start_chat().entry_id
    contacts.take(add_operators(1, prefix="other")[0], entry)
    for asked in (entry, 987654):
        with pytest.raises(contacts.TakeError) as taken:
            contacts.take(operator, asked)
        assert taken.value.key == contacts.TAKEN


def test_a_take_that_fails_half_way_leaves_nothing_behind(db_session, gateway, people):
    """The case cannot be opened (the operator was deactivated a moment ago): the claim is undone too."""
    started = start_chat()
    operator = people["aigerim"]
    db.session.get(User, operator).active = False
    db.session.commit()
    with pytest.raises(contacts.TakeError):
        contacts.take(operator)
    entry = line.entry(started.entry_id)
    assert (entry.state, entry.operator_id) == (EntryState.WAITING, None)
    assert chat.conversation(started.conversation_id).state is ConversationState.WAITING
    assert chat.messages_after(started.conversation_id) == [] and cases.case_for_entry(entry.id) is None


def test_a_call_twilio_cannot_bridge_goes_back_in_line_with_its_case(operator, gateway):
    entry_id = add_caller(Priority.CHILD).id
    gateway.fail["redirect_call"] = GatewayError("Twilio refused: gone (HTTP 404, code 20404)", 404, 20404)
    with pytest.raises(contacts.BridgeFailed) as failed:
        contacts.take(operator)
    assert (failed.value.key, failed.value.code) == ("line_error_twilio_refused", 20404)
    entry = line.entry(entry_id)
    assert (entry.state, entry.operator_id) == (EntryState.WAITING, None)
    assert cases.case_for_entry(entry_id).id == failed.value.case_id  # the case waits with the caller
    assert operators.load(operator).calls == 0  # and the operator is free
    del gateway.fail["redirect_call"]
    other = add_operators(1, prefix="next")[0]
    operators.set_endpoint(other, "client:next")
    again = contacts.take(other)
    assert again.case_id == failed.value.case_id and cases.get_case(again.case_id).operator_id == other
