"""A chat's transcript for supervisors (and the operator of its case): the messages, the place, the case; audited."""

from __future__ import annotations

import pytest
from lxml import html

from app.chat import services as chat_services
from tests.auth.helpers import audit_events

from .chats import chat_case, place

CASE = {"category": "child_rights", "sub_category": "school_bullying", "contact_type": "substantive",
        "outcome": "advice_given", "notes": "Сыныптасы ұрады, мұғалімге айту керек."}


@pytest.fixture
def logged_chat(app, people):
    """aigerim's chat from School No. 12 in Almaty: two lines of the child's, one reply, closed, its case logged."""
    with app.app_context():
        place("sch-12", "School No. 12", "Almaty", "Bostandyq")
        return chat_case(people["aigerim"], ["Меня обижают в школе", "<script>alert(1)</script>"],
                         ["Расскажи, что случилось?"], place_code="sch-12", case=CASE, close=True)


def page(client, conversation_id: int, status: int = 200):
    response = client.get(f"/supervisor/chats/{conversation_id}")
    assert response.status_code == status, response.data[:300]
    assert "no-store" in response.headers["Cache-Control"]
    return html.fromstring(response.data) if status == 200 else None


def messages(doc) -> list[tuple[str, str, str]]:
    return [(li.get("data-author"), " ".join(li.xpath('string(.//span[@class="who"])').split()),
             li.xpath('string(.//span[@class="text"])')) for li in doc.xpath('//li[contains(@class, "message ")]')]


def fact(doc, name: str) -> str:
    return " ".join(doc.xpath(f'string(//dd[@data-fact="{name}"])').split())


def test_a_supervisor_reads_the_whole_chat_beside_its_case_and_the_read_is_audited(app, people, supervisor,
                                                                                   logged_chat):
    doc = page(supervisor, logged_chat.conversation_id)

    shown = messages(doc)
    assert [(author, text) for author, _who, text in shown] == [
        ("child", "Меня обижают в школе"), ("child", "<script>alert(1)</script>"),
        ("system", "An operator has joined the chat."), ("operator", "Расскажи, что случилось?"),
        ("system", "The chat has ended.")]
    assert shown[0][1].startswith("Child ") and shown[3][1].startswith("Operator aigerim ")
    assert not doc.xpath("//script[contains(., 'alert')]")  # the child's text is text
    assert doc.xpath(f'//li[@id="m-{logged_chat.message_ids[0]}"]')  # a search hit's anchor
    assert (fact(doc, "place"), fact(doc, "district"), fact(doc, "region")) == ("School No. 12", "Bostandyq", "Almaty")
    assert (fact(doc, "language"), fact(doc, "state")) == ("Russian", "Ended")
    [case] = doc.xpath("//section[@data-case]")
    assert case.get("data-case") == str(logged_chat.case_id)
    assert fact(case, "case-outcome") == "Advice given"
    assert case.xpath('string(.//p[@class="notes"])') == CASE["notes"]
    assert case.xpath(".//a[@class='chat-link']/@href") == [f"/supervisor/chats/{logged_chat.conversation_id}"]

    [read] = [e for e in audit_events(app, "chat.read") if e.details.get("via") == "replay"]
    assert (read.actor_label, read.target_type, read.target_id) == ("saule", "conversation",
                                                                   str(logged_chat.conversation_id))
    assert read.details["messages"] == 5
    [case_read] = [e for e in audit_events(app, "case.read") if e.actor_label == "saule"]
    assert case_read.target_id == str(logged_chat.case_id) and case_read.details["via"] == "replay"


def test_the_operator_of_its_case_may_read_it_others_may_not(app, people, signed_in, logged_chat):
    page(signed_in("aigerim"), logged_chat.conversation_id)
    assert [e.actor_label for e in audit_events(app, "chat.read") if e.details.get("via") == "replay"] == ["aigerim"]
    page(signed_in("daniyar"), logged_chat.conversation_id, 403)
    page(signed_in("arman"), logged_chat.conversation_id, 403)
    assert [e.actor_label for e in audit_events(app, "chat.read") if e.details.get("via") == "replay"] == ["aigerim"]


def test_an_unknown_chat_is_404_and_a_chat_still_in_line_has_no_case(app, people, supervisor):
    page(supervisor, 987654, 404)
    page(supervisor, 2**40, 404)
    with app.app_context():
        waiting = chat_case(None, ["Алло?"])
    doc = page(supervisor, waiting.conversation_id)
    assert [text for _a, _w, text in messages(doc)] == ["Алло?"]
    assert (fact(doc, "place"), fact(doc, "state")) == ("Not known (no QR code)", "Waiting in line")
    assert not doc.xpath("//section[@data-case]")


def test_a_long_chat_is_shown_whole_and_each_read_is_audited(app, people, supervisor, monkeypatch):
    monkeypatch.setattr(chat_services, "READ_LIMIT", 3)  # seven messages: reads of 3, 3 and 1
    with app.app_context():
        record = chat_case(people["aigerim"], [f"line {n}" for n in range(6)])
    doc = page(supervisor, record.conversation_id)
    assert len(messages(doc)) == 7  # six lines and "an operator has joined"
    reads = [e.details for e in audit_events(app, "chat.read") if e.details.get("via") == "replay"]
    assert [r["messages"] for r in reads] == [3, 3, 1]
