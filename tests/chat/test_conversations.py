"""Chats: started into the callers' line, messages posted once and read in order, closed, found by their code.

Nothing kept says where a child wrote from, or their code: only keyed hashes.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.chat import services as chat
from app.chat.models import Author, ChatMessage, ConversationState
from app.core.chat import CODE_ALPHABET
from app.core.vocab import Channel, Priority
from app.db import db
from app.queue import services as line
from app.queue.models import EntryState
from tests.database import database_text
from tests.queue.helpers import add_caller, add_operators

from .helpers import SOURCE, add_place, message_id, start_chat


def texts(messages) -> list[tuple[str, str]]:
    return [(m.author.value, m.text) for m in messages]


# --- starting --------------------------------------------------------------------------------------


def test_a_chat_enters_the_callers_line_with_its_place_and_region(db_session):
    place = add_place("sch-12", "School No. 12", "Almaty")
    started = start_chat(Priority.CHILD, "kk", place_code="SCH-12")  # codes are read in any case
    entry = line.entry(started.entry_id)
    assert (entry.channel, entry.conversation_id, entry.call_id) == (Channel.WEB, started.conversation_id, None)
    assert (entry.priority, entry.category, entry.language) == (Priority.CHILD, "child", "kk")
    assert (entry.place_id, entry.region, entry.state) == (place.id, "Almaty", EntryState.WAITING)
    conversation = chat.conversation(started.conversation_id)
    assert (conversation.place_id, conversation.region, conversation.state) == (
        place.id, "Almaty", ConversationState.WAITING)
    assert started.after_hours is False and chat.messages_after(started.conversation_id) == []


@pytest.mark.parametrize("code", ["no-such-school", "old-school", "not a code!", ""])
def test_an_unknown_or_retired_code_starts_the_chat_untagged(db_session, code):
    add_place("old-school", "Closed school", "Turkistan", retired=True)
    started = start_chat(place_code=code)
    entry = line.entry(started.entry_id)
    assert (entry.place_id, entry.region) == (None, None)
    assert entry.state is EntryState.WAITING


def test_chats_and_calls_wait_in_one_line_by_the_same_rules(db_session):
    standard_call = add_caller(Priority.STANDARD, ago=300).id
    child_chat = start_chat(Priority.CHILD).entry_id
    urgent_call = add_caller(Priority.URGENT, ago=5).id
    urgent_chat = start_chat(Priority.URGENT, category="cannot_talk").entry_id
    child_call = add_caller(Priority.CHILD).id  # a child too, after the chat
    assert [e.id for e in line.waiting()] == [urgent_call, urgent_chat, child_chat, child_call, standard_call]
    # Answered in parallel (an operator holds a call and chats at once): places count one's own channel.
    assert chat.place_in_line(line.entry(child_chat).conversation_id).position == 2
    assert line.wait_info(line.entry(child_call), 1).position == 2


@pytest.mark.parametrize(("field", "value", "key"), [
    ("language", "en", "chat_error_language"), ("priority", "vip", "chat_error_priority"),
    ("category", "", "chat_error_category"), ("category", "x" * 33, "chat_error_category"),
])
def test_a_chat_that_cannot_be_started_says_why_and_keeps_nothing(db_session, field, value, key):
    values = {"language": "ru", "priority": Priority.CHILD, "category": "child", "source": SOURCE, field: value}
    with pytest.raises(chat.ChatError) as refused:
        chat.start(**values)
    assert refused.value.key == key
    assert line.waiting() == []


def test_outside_operating_hours_the_chat_waits_as_a_message_for_the_operators(make_app):
    today = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    app = make_app(HOLIDAYS=today)
    with app.app_context():
        started = start_chat()
        assert started.after_hours is True
        chat.post(started.conversation_id, "Мне страшно идти домой", message_id())
        assert texts(chat.messages_after(started.conversation_id)) == [
            ("system", chat.AFTER_HOURS), ("child", "Мне страшно идти домой")]
        assert [e.id for e in line.waiting()] == [started.entry_id]  # in line for when operators are back
        assert chat.conversation(started.conversation_id).after_hours is True


# --- the conversation code -------------------------------------------------------------------------


def test_the_code_finds_the_chat_however_it_is_typed_and_is_kept_only_as_a_hash(app, db_session):
    started = start_chat()
    code = started.code
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert all(ch in CODE_ALPHABET for ch in code.replace("-", ""))
    for typed in (code, code.lower(), code.replace("-", " "), f"  {code.replace('-', '')}  ",
                  code.replace("0", "O").replace("1", "l")):
        assert chat.find_by_code(typed).id == started.conversation_id
    stored = database_text(app)
    assert code not in stored and code.replace("-", "") not in stored


@pytest.mark.parametrize("typed", ["", "1234", "ABCD-EFGH-JKMU", "ABCD-EFGH-JKMN-P", None])
def test_a_wrong_or_malformed_code_finds_nothing(db_session, typed):
    start_chat()
    assert chat.find_by_code(typed) is None
    assert chat.find_by_code("0000-0000-0000") is None  # well formed, but nobody's


def test_every_chat_gets_its_own_code(db_session):
    codes = {start_chat().code for _ in range(20)}
    assert len(codes) == 20


def test_the_source_is_kept_only_as_a_keyed_hash(app, db_session):
    first, again, other = start_chat(), start_chat(), start_chat(source="198.51.100.4")
    hashes = [chat.conversation(s.conversation_id).source_hash for s in (first, again, other)]
    assert hashes[0] == hashes[1] != hashes[2]  # one source, one hash: what a rate limit counts
    assert hashes[0] == chat.source_hash(SOURCE) and SOURCE not in hashes[0]
    assert SOURCE not in database_text(app) and "203.0.113" not in database_text(app)


def test_another_key_gives_other_hashes(make_app):
    hashes = []
    for key in ("first-chat-hash-key", "second-chat-hash-key"):
        with make_app(CHAT_HASH_KEY=key).app_context():
            hashes.append(chat.source_hash(SOURCE))
    assert hashes[0] != hashes[1]


# --- messages --------------------------------------------------------------------------------------


def test_a_message_sent_twice_is_stored_once(db_session):
    started = start_chat()
    sent = message_id()
    first = chat.post(started.conversation_id, "Привет", sent)
    again = chat.post(started.conversation_id, "Привет", sent)  # the page retried: the answer was lost
    assert again.id == first.id
    assert texts(chat.messages_after(started.conversation_id)) == [("child", "Привет")]


def test_messages_are_read_in_order_after_the_last_one_seen(db_session):
    started = start_chat()
    sent = [chat.post(started.conversation_id, f"message {n}", message_id()) for n in range(5)]
    assert [m.id for m in chat.messages_after(started.conversation_id)] == [m.id for m in sent]
    assert [m.text for m in chat.messages_after(started.conversation_id, sent[2].id)] == ["message 3", "message 4"]
    assert chat.messages_after(started.conversation_id, sent[-1].id) == []
    assert len(chat.messages_after(started.conversation_id, -5, limit=2)) == 2
    assert chat.messages_after(started.conversation_id, 10**30) == []  # no id is that large: nothing, no error


@pytest.mark.parametrize(("text", "client", "key"), [
    ("", None, "chat_error_empty"), ("   \n ", None, "chat_error_empty"),
    ("x" * 2001, None, "chat_error_too_long"), ("hello", "", "chat_error_bad_message_id"),
    ("hello", "has space", "chat_error_bad_message_id"), ("hello", "x" * 65, "chat_error_bad_message_id"),
])
def test_a_message_that_cannot_be_sent_says_why_and_keeps_nothing(db_session, text, client, key):
    started = start_chat()
    with pytest.raises(chat.ChatError) as refused:
        chat.post(started.conversation_id, text, message_id() if client is None else client)
    assert refused.value.key == key
    assert chat.messages_after(started.conversation_id) == []


def test_the_size_limit_is_a_setting(make_app):
    with make_app(CHAT_MESSAGE_MAX=10).app_context():
        started = start_chat()
        chat.post(started.conversation_id, "x" * 10, message_id())
        with pytest.raises(chat.ChatError, match="chat_error_too_long"):
            chat.post(started.conversation_id, "x" * 11, message_id())


def test_a_message_keeps_its_text_as_written(db_session):
    started = start_chat()
    script = '<script>alert("hi")</script> & «ёлка»'
    chat.post(started.conversation_id, script, message_id())
    assert chat.messages_after(started.conversation_id)[0].text == script  # escaping is the page's business


def test_only_the_operator_holding_the_chat_writes_in_it(db_session):
    started = start_chat()
    operator = add_operators(1)[0]
    with pytest.raises(chat.ChatError, match="chat_error_not_yours"):  # still in line: nobody holds it
        chat.post(started.conversation_id, "Здравствуйте", message_id(), operator_id=operator)
    with pytest.raises(chat.ChatError, match="chat_error_not_found"):
        chat.post(987654, "hello", message_id())


# --- closing ---------------------------------------------------------------------------------------


def test_a_child_leaving_before_an_answer_leaves_the_line(db_session):
    started = start_chat()
    chat.post(started.conversation_id, "Нет, не надо", message_id())
    closed = chat.close(started.conversation_id)
    assert closed.state is ConversationState.CLOSED and closed.closed_at is not None
    assert line.entry(started.entry_id).state is EntryState.ABANDONED and line.waiting() == []
    with pytest.raises(chat.ChatError, match="chat_error_closed"):
        chat.post(started.conversation_id, "ещё", message_id())
    assert chat.close(started.conversation_id).closed_at == closed.closed_at  # twice: nothing changes
    assert texts(chat.find_by_code(started.code).messages)[-1] == ("system", chat.CLOSED)  # still readable


# --- reading by staff is audited --------------------------------------------------------------------


def read_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "chat.read").order_by(AuditEvent.id)))


def test_a_supervisors_read_is_audited_with_the_messages_shown(db_session, app, people):
    started = start_chat()
    sent = [chat.post(started.conversation_id, f"m{n}", message_id()) for n in range(3)]
    chat.messages_after(started.conversation_id)  # the child's own reads are not audited
    assert read_events() == []
    chat.messages_after(started.conversation_id, sent[0].id, reader_id=people["saule"], via="replay")
    chat.messages_after(started.conversation_id, sent[-1].id, reader_id=people["saule"])  # nothing new: nothing read
    [event] = read_events()
    assert (event.actor_id, event.target_type, event.target_id) == (people["saule"], "conversation",
                                                                    str(started.conversation_id))
    assert event.details == {"first": sent[1].id, "last": sent[2].id, "messages": 2, "via": "replay"}


@pytest.mark.parametrize("who", ["aigerim", "arman"])
def test_an_operator_who_does_not_hold_the_chat_and_an_admin_may_not_read_it(db_session, people, who):
    started = start_chat()
    chat.post(started.conversation_id, "секрет", message_id())
    with pytest.raises(chat.ChatError, match="chat_error_not_yours"):
        chat.messages_after(started.conversation_id, reader_id=people[who])
    assert read_events() == []


def test_system_messages_are_message_keys(db_session):
    started = start_chat()
    chat.close(started.conversation_id)
    [closing] = db.session.scalars(select(ChatMessage).where(ChatMessage.author == Author.SYSTEM)).all()
    assert closing.text == "chat_system_closed" and closing.client_id is None
