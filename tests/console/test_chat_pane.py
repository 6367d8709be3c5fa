"""The chat pane of the console: history and live messages, replies sent once, canned replies, ending the chat."""

from __future__ import annotations

import threading

import pytest

from app.audit.models import AuditEvent
from app.chat import blocks, canned
from app.chat import services as chat
from app.chat.models import Author, ChatMessage, ConversationState
from app.core.vocab import Priority
from app.db import db
from app.web import sse
from tests.chat.helpers import SOURCE, add_place, message_id, quiet_streams_counting_reads, start_chat

from .helpers import messages, page, post, token

JSON = {"Accept": "application/json"}


@pytest.fixture
def taken(app, operator):
    """A chat from School No. 12 the operator took, the child having written first: (conversation id, case path)."""
    with app.app_context():
        add_place("sch-12", "School No. 12", "Almaty")
        started = start_chat(Priority.CHILD, "ru", place_code="sch-12")
        chat.post(started.conversation_id, "мне страшно идти домой", message_id())
    case_path = post(operator, "/console/pick", {"entry_id": str(started.entry_id)}).headers["Location"]
    return started.conversation_id, case_path


def texts(doc) -> list[str]:
    return [" ".join(item.xpath("string(.//p[@class='text'])").split()) for item in doc.xpath('//ol[@class="messages"]/li')]


def chat_reads(app, conversation_id: int) -> list[dict]:
    with app.app_context():
        return [event.details for event in db.session.query(AuditEvent).filter_by(
            action="chat.read", target_type="conversation", target_id=str(conversation_id)).order_by(AuditEvent.id)]


def test_the_case_of_a_chat_shows_its_pane_beside_the_case_form(app, operator, taken):
    conversation_id, case_path = taken
    response = operator.get(case_path)
    assert response.headers["Cache-Control"] == "no-store"
    doc = page(response)
    pane = doc.xpath('//section[@id="chat"]')[0]
    assert pane.xpath('string(.//dd[@data-fact="place"])').split() == ["School", "No.", "12", "·", "Almaty"]
    assert texts(doc) == ["мне страшно идти домой", "An operator has joined the chat."]
    assert pane.xpath(".//li/@data-author") == ["child", "system"]
    last = pane.xpath(".//li/@data-message")[-1]
    assert pane.get("data-chat-stream") == f"/console/chats/{conversation_id}/stream?after={last}"
    assert doc.xpath('//section[@id="case-form"]//select[@id="category"]')  # the same case form as a call's
    assert doc.xpath('//script[@src="/static/console/chat.js"]') and not doc.xpath("//script[not(@src)]")
    assert chat_reads(app, conversation_id)[-1]["via"] == "console"  # the history shown is audited


def test_the_header_shows_the_chats_held_against_capacity_and_which_await_an_answer(app, operator, taken):
    conversation_id, case_path = taken
    status = page(operator.get("/console/")).xpath('//*[@id="status"]')[0]
    assert status.xpath('string(.//*[@class="capacity"])') == "Chats 1/3"
    link = status.xpath('.//a[contains(@class, "held-chat")]')[0]
    assert link.get("href") == f"{case_path}#chat" and "awaiting" in link.get("class")
    post(operator, f"/console/chats/{conversation_id}/messages", {"text": "Я здесь.", "client_id": message_id()})
    link = page(operator.get("/console/")).xpath('//a[contains(@class, "held-chat")]')[0]
    assert "awaiting" not in link.get("class")


def test_a_reply_reaches_the_child_once_however_often_it_is_sent(app, operator, taken):
    conversation_id, _ = taken
    reply = {"text": "Я здесь, расскажи, что случилось.", "client_id": message_id(), "csrf_token": token(operator)}
    first = operator.post(f"/console/chats/{conversation_id}/messages", data=reply, headers=JSON)
    again = operator.post(f"/console/chats/{conversation_id}/messages", data=reply, headers=JSON)
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert f'data-message="{first.json["id"]}"' in first.json["html"]
    with app.app_context():  # the child's read: no reader id
        seen = chat.messages_after(conversation_id)
        assert [(m.author, m.text) for m in seen if m.author is not Author.SYSTEM] == [
            (Author.CHILD, "мне страшно идти домой"), (Author.OPERATOR, "Я здесь, расскажи, что случилось.")]


def test_a_refused_reply_says_why_in_json_and_on_the_page_without_script(app, operator, taken):
    conversation_id, case_path = taken
    path = f"/console/chats/{conversation_id}/messages"
    refused = operator.post(path, data={"text": " ", "client_id": message_id(), "csrf_token": token(operator)},
                            headers=JSON)
    assert (refused.status_code, refused.json) == (400, {"error": "Write a message first."})
    too_long = "а" * (app.config["CHAT_MESSAGE_MAX"] + 1)
    shown = post(operator, path, {"text": too_long, "client_id": message_id()})
    assert shown.status_code == 400
    doc = page(shown)
    assert doc.xpath('string(//*[@id="reply-error"])') == "The message is too long. Shorten it or send it in parts."
    assert doc.xpath('string(//textarea[@id="reply"])') == too_long  # nothing typed is lost
    sent = post(operator, path, {"text": "Без скрипта.", "client_id": message_id()})
    assert (sent.status_code, sent.headers["Location"]) == (303, f"{case_path}#chat")
    assert "Без скрипта." in texts(page(operator.get(case_path)))


def test_a_forged_reply_is_refused(app, operator, taken):
    conversation_id, _ = taken
    forged = operator.post(f"/console/chats/{conversation_id}/messages",
                           data={"text": "hi", "client_id": message_id(), "csrf_token": "forged"}, headers=JSON)
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.query(ChatMessage).filter_by(author=Author.OPERATOR).count() == 0


def test_canned_replies_come_in_the_chats_language_labelled_in_the_operators(app, signed_in, people):
    operator = signed_in("aigerim")
    with app.app_context():
        started = start_chat(Priority.CHILD, "kk")
    case_path = post(operator, "/console/pick", {"entry_id": str(started.entry_id)}).headers["Location"]
    doc = page(operator.get(case_path + "?lang=ru"))
    buttons = doc.xpath('//fieldset[@class="canned"]/button')
    expected = canned.replies("kk", "ru")
    assert [(b.get("value"), b.text, b.get("data-text")) for b in buttons] == [
        (item.id, item.label, item.text) for item in expected]
    assert expected[0].label == "Приветствие" and expected[0].text.startswith("Сәлем!")
    # Without script, a canned reply's button sends its text as it is.
    sent = post(operator, f"/console/chats/{started.conversation_id}/messages",
                {"canned": "greeting", "client_id": message_id()})
    assert sent.status_code == 303
    assert expected[0].text in texts(page(operator.get(case_path)))


def test_every_canned_reply_has_every_language():
    for item_id, item in canned.catalogue().items():
        for part in ("label", "text"):
            assert set(item[part]) >= {"kk", "ru", "en"}, (item_id, part)


def test_ending_the_chat_tells_the_child_and_leaves_the_case_form_with_the_transcript(app, operator, people, taken):
    conversation_id, case_path = taken
    ended = post(operator, f"/console/chats/{conversation_id}/close", follow_redirects=True)
    assert ended.request.path == case_path
    assert "The chat has ended. Log it in the case form and close the case." in messages(ended)
    doc = page(ended)
    assert texts(doc)[-1] == "The chat has ended."
    assert not doc.xpath('//form[@class="reply-form"]') and doc.xpath('//*[@id="chat"]/@data-chat-stream') == []
    with app.app_context():
        conversation = chat.conversation(conversation_id)
        assert conversation.state is ConversationState.CLOSED
        assert chat.messages_after(conversation_id)[-1].text == chat.CLOSED  # the child's page says so too
    # The same case form as a call's closes the case; the chat no longer counts against capacity.
    closed = post(operator, case_path, {"contact_type": "substantive", "category": "child_rights",
                                        "sub_category": "school_bullying", "risk_level": "low",
                                        "outcome": "advice_given", "notes": "Talked it through.", "close": "1"})
    assert (closed.status_code, closed.headers["Location"]) == (302, "/console/")
    status = page(operator.get("/console/")).xpath('//*[@id="status"]')[0]
    assert status.xpath('string(.//*[@class="capacity"])') == "Chats 0/3"


def test_only_the_operator_holding_a_chat_replies_to_it_or_ends_it(app, operator, signed_in, supervisor, taken):
    conversation_id, case_path = taken
    colleague = signed_in("daniyar")
    for client in (colleague, supervisor):
        assert post(client, f"/console/chats/{conversation_id}/messages",
                    {"text": "hi", "client_id": message_id()}).status_code == 403
        assert post(client, f"/console/chats/{conversation_id}/close").status_code == 403
    assert colleague.get(f"/console/chats/{conversation_id}/stream").status_code == 403
    # A supervisor watches the pane (audited), without a reply box.
    doc = page(supervisor.get(case_path))
    assert texts(doc)[0] == "мне страшно идти домой" and not doc.xpath('//form[@class="reply-form"]')
    assert post(operator, "/console/chats/999999/messages", {"text": "hi", "client_id": message_id()}).status_code == 404


class Stream:
    """Reads a chat stream's server-sent events as (id, event, data), comments aside."""

    def __init__(self, response):
        self.chunks = iter(response.response)
        self.buffer = ""

    def next(self) -> tuple[str | None, str, str] | None:
        """The next event, or None when the stream ends."""
        while True:
            while "\n\n" not in self.buffer:
                try:
                    chunk = next(self.chunks)
                except StopIteration:
                    return None
                self.buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            block, self.buffer = self.buffer.split("\n\n", 1)
            fields = [line.partition(":") for line in block.split("\n")]
            values = {field: value.removeprefix(" ") for field, _, value in fields if field}
            if "event" in values:
                return values.get("id"), values["event"], "\n".join(
                    value.removeprefix(" ") for field, _, value in fields if field == "data")


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 30.0)


def test_the_stream_sends_each_message_once_with_its_id_and_resumes_after_last_event_id(app, operator, taken, quick):
    conversation_id, _ = taken
    path = f"/console/chats/{conversation_id}/stream"
    with operator.get(path, buffered=False) as response:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store"
        stream = Stream(response)
        first, second = stream.next(), stream.next()
        assert first[1] == second[1] == "message"
        assert "мне страшно идти домой" in first[2] and 'data-author="system"' in second[2]

        def child_writes():  # another request, while the stream waits
            with app.app_context():
                chat.post(conversation_id, "ты тут?", message_id())

        thread = threading.Thread(target=child_writes)
        thread.start()
        thread.join(timeout=10)
        third = stream.next()
        assert "ты тут?" in third[2] and int(third[0]) > int(second[0])
    # Reconnecting after the second message: the third comes again, and only it.
    with operator.get(path + "?after=0", headers={"Last-Event-ID": second[0]}, buffered=False) as response:
        assert Stream(response).next() == third
    reads = chat_reads(app, conversation_id)
    assert reads[-1]["via"] == "console" and reads[-1]["first"] == int(third[0])


def test_the_stream_ends_on_its_bound_and_when_the_chat_is_no_longer_the_readers(app, operator, taken, monkeypatch):
    conversation_id, _ = taken
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.2)
    with operator.get(f"/console/chats/{conversation_id}/stream", buffered=False) as response:
        stream = Stream(response)
        while stream.next() is not None:
            pass  # ends by itself: the browser reconnects


def test_a_quiet_chat_stream_keeps_alive_without_reading_the_database_each_time(app, operator, taken, monkeypatch):
    conversation_id, _ = taken
    reads = quiet_streams_counting_reads(monkeypatch)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.6)
    body = operator.get(f"/console/chats/{conversation_id}/stream").get_data(as_text=True)
    assert body.count(": keepalive") >= 5
    assert len(reads) <= 3  # the access check, the first read, the last: none per keep-alive


def test_strangers_get_401_from_a_chat_stream(client, app, taken):
    conversation_id, _ = taken
    assert client.get(f"/console/chats/{conversation_id}/stream").status_code == 401


def test_blocking_a_chats_source_needs_a_reason_and_a_time_and_says_until_when(app, operator, taken):
    conversation_id, case_path = taken
    path = f"/console/chats/{conversation_id}/block"
    refused = post(operator, path, {"reason": " ", "hours": "24"})
    assert refused.status_code == 400
    assert page(refused).xpath('string(//*[@id="block-error"])') == (
        "Say why the source is blocked (at most 500 characters).")
    assert post(operator, path, {"reason": "abuse", "hours": "0"}).status_code == 400
    assert post(operator, path, {"reason": "abuse", "hours": "x" * 40}).status_code == 400
    with app.app_context():
        assert blocks.is_blocked(SOURCE) is False
    done = post(operator, path, {"reason": "Insults, again and again", "hours": "24"}, follow_redirects=True)
    assert done.request.path == case_path
    assert any(text.startswith("The source of this chat is blocked until ") for text in messages(done))
    assert page(done).xpath('string(//*[@class="chat-blocked"])').startswith("Its source is blocked until ")
    with app.app_context():
        assert blocks.is_blocked(SOURCE) is True
        event = db.session.query(AuditEvent).filter_by(action="chat.block").one()
        assert event.target_id == str(conversation_id)


def test_without_redis_a_quiet_pane_still_finds_a_message_another_process_stored(app, operator, taken, monkeypatch):
    """gunicorn runs two web processes; without Redis a message stored by the other one is not announced here."""
    from app.chat import live

    conversation_id, _ = taken
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.05)
    monkeypatch.setattr(sse, "RECHECK_SECONDS", 60.0)  # longer than the stream: only the lone recheck can find it
    monkeypatch.setattr(sse, "STREAM_SECONDS", 5.0)
    monkeypatch.setattr(live, "ALONE_RECHECK_SECONDS", 0.2)
    with operator.get(f"/console/chats/{conversation_id}/stream", buffered=False) as response:
        stream = Stream(response)
        stream.next(), stream.next()  # the history
        monkeypatch.setattr(live, "announce", lambda conversation_id: None)  # announced in the other process only

        def other_process_writes():
            with app.app_context():
                chat.post(conversation_id, "ты тут?", message_id())

        thread = threading.Thread(target=other_process_writes)
        thread.start()
        thread.join(timeout=10)
        keepalives, body = 0, stream.buffer
        while "ты тут?" not in body:  # keep-alives come every 0.05 s; the stream itself lasts 5 s (100 of them)
            chunk = next(stream.chunks)
            body += chunk.decode() if isinstance(chunk, bytes) else chunk
            keepalives = body.count(": keepalive")
        assert keepalives < 50  # found by the lone recheck, not by the stream's last read before it ends
