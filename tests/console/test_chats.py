"""Chats in the operator console: in the same line as callers with their channel and place, taken like a call."""

from __future__ import annotations

from app.cases import services as cases
from app.chat import services as chat
from app.chat.models import ConversationState
from app.core.vocab import Priority
from app.operators import services as operators
from tests.auth.helpers import log_in
from tests.chat.helpers import add_place, start_chat
from tests.queue.helpers import add_caller

from .helpers import FakeGateway, messages, page, post


def test_a_chat_waits_in_the_line_with_its_channel_place_and_region(app, operator, caller):
    with app.app_context():
        add_place("sch-12", "School No. 12", "Almaty")
        tagged = start_chat(Priority.URGENT, place_code="sch-12").entry_id
        untagged = start_chat(Priority.STANDARD, place_code="gone").entry_id
    call = caller(Priority.CHILD)
    doc = page(operator.get("/console/"))
    assert doc.xpath("//tr/@data-entry") == [str(tagged), str(call), str(untagged)]
    assert doc.xpath("//tr/@data-channel") == ["web", "phone", "web"]
    row = doc.xpath(f'//tr[@data-entry="{tagged}"]')[0]
    assert " ".join(row.xpath('.//*[@class="place"]')[0].text_content().split()) == "School No. 12 · Almaty"
    assert row.xpath(".//button/text()") == ["Take this chat"]
    assert doc.xpath(f'//tr[@data-entry="{untagged}"]//*[@class="place"]/text()') == ["Place not known"]
    assert doc.xpath(f'//tr[@data-entry="{call}"]//button/text()') == ["Take this call"]


def test_taking_a_chat_opens_its_case_without_twilio(app, operator, people, gateway):
    with app.app_context():
        started = start_chat(Priority.CHILD, "kk")
    response = post(operator, "/console/pick", {"entry_id": str(started.entry_id)})
    assert response.status_code == 302
    case_page = page(operator.get(response.headers["Location"]))
    assert case_page.xpath('string(//h2[@id="call-heading"])') == "The chat"
    assert gateway.requests == []
    with app.app_context():
        case = cases.case_for_entry(started.entry_id)
        assert response.headers["Location"] == f"/console/cases/{case.id}"
        conversation = chat.conversation(started.conversation_id)
        assert (conversation.state, conversation.operator_id) == (ConversationState.ACTIVE, people["aigerim"])


def test_next_gives_a_chat_to_an_operator_on_a_call_and_says_when_there_is_no_room(make_app, people):
    app = make_app(CHATS_PER_OPERATOR=1)
    app.extensions["qorgau.gateway"] = FakeGateway()
    with app.app_context():
        operators.set_endpoint(people["aigerim"], "+77011234567")
        call = add_caller(Priority.URGENT, ago=60).id
        chats = [start_chat(Priority.STANDARD).entry_id for _ in range(2)]
    operator = app.test_client()
    log_in(operator, "aigerim")
    operator.get("/login?lang=en")
    on_call = post(operator, "/console/pick").headers["Location"]  # the urgent caller first
    chat_case = post(operator, "/console/pick").headers["Location"]  # on a call: next is a chat
    with app.app_context():
        assert on_call == f"/console/cases/{cases.case_for_entry(call).id}"
        assert chat_case == f"/console/cases/{cases.case_for_entry(chats[0]).id}"
    refused = post(operator, "/console/pick", {"entry_id": str(chats[1])}, follow_redirects=True)
    assert refused.request.path == chat_case  # the chat whose case to close first
    assert ("You hold as many chats as you may at once: close the case of one before you take another chat."
            in messages(refused))
