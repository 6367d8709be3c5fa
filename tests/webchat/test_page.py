"""The child's page over HTTP: the questions, the chat, the code return, and every bad input refused politely."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.chat import blocks
from app.chat import services as chat
from app.chat.models import Author, ChatMessage, Conversation
from app.contacts import services as contacts
from app.core import webwalk
from app.core.vocab import Channel
from app.db import db
from app.ivr import services as ivr
from app.queue.models import QueueEntry
from app.webchat import stream
from tests.chat.helpers import add_place, quiet_streams_counting_reads
from tests.database import database_text

from .helpers import CHILD_ADDRESS, answer, child, page, send, start, text_of, token


@pytest.fixture
def app(make_app):
    return make_app(CHAT_STARTS_PER_HOUR=1000)


@pytest.fixture
def school(app):
    with app.app_context():
        add_place("sch-12", "School No. 12", "Almaty")
        add_place("old-school", "Closed school", "Turkistan", retired=True)


def entries(app) -> list[QueueEntry]:
    with app.app_context():
        return list(db.session.scalars(select(QueueEntry).order_by(QueueEntry.id)))


def stored_texts(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(ChatMessage.text).where(ChatMessage.author != Author.SYSTEM)))


# --- the first page -------------------------------------------------------------------------------------------


def test_the_page_speaks_the_browsers_language_and_switches_keeping_the_place(app, school):
    browser = child(app, "ru-RU,ru;q=0.9,en;q=0.5")
    russian = browser.get("/q/sch-12")
    assert russian.status_code == 200 and "no-store" in russian.headers["Cache-Control"]
    assert page(russian).xpath("//html/@lang") == ["ru"]
    assert "Выберите, что подходит вам больше всего" in text_of(russian)
    assert "102" in text_of(russian) and "112" in text_of(russian) and "анонимно" in text_of(russian)
    switch = page(russian).xpath('//nav[@class="langs"]/a/@href')
    assert switch == ["/q/sch-12?lang=kk"]
    kazakh = browser.get(switch[0])
    assert page(kazakh).xpath("//html/@lang") == ["kk"]
    assert "Өзіңізге сәйкес келетінін таңдаңыз" in text_of(kazakh)
    assert page(browser.get("/q/sch-12")).xpath("//html/@lang") == ["kk"]  # the choice is kept
    assert page(child(app, "kk").get("/q/sch-12")).xpath("//html/@lang") == ["kk"]
    assert page(child(app, "de").get("/q/sch-12")).xpath("//html/@lang") == ["kk"]  # Kazakh when neither


def test_quick_exit_and_nothing_from_other_sites(app, school):
    response = child(app).get("/q/sch-12")
    exit_link = page(response).xpath('//a[@id="quick-exit"]')[0]
    assert exit_link.get("href") == "https://www.google.com/" and exit_link.get("data-quick-exit") is not None
    assets = page(response).xpath("//script/@src | //link/@href | //img/@src")
    assert assets and all(asset.startswith("/static/webchat/") for asset in assets)
    assert not page(response).xpath("//script[not(@src)] | //*[@style]")  # the CSP allows no inline code or style


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_way_through_the_questions_joins_the_line_as_the_phone_would(app, school, language):
    """The page's buttons lead to the same queue node, priority and category as the same keys on the phone."""
    with app.app_context():
        ways = list(webwalk.every_answer(ivr.flow_for(), language, depth=3))
    assert len(ways) >= 5
    for keys, answered in ways:
        browser = child(app, language)
        response = answer(browser, "sch-12", list(keys))
        assert response.status_code == 303 and response.headers["Location"] == "/chat/", keys
        entry = entries(app)[-1]
        assert (entry.channel, entry.priority, entry.category, entry.language) == (
            Channel.WEB, answered.priority, answered.category, language), keys
        assert entry.region == "Almaty"


@pytest.mark.parametrize("code", ["old-school", "no-such-school", "%20%3Cb%3E"])
def test_an_unknown_or_retired_code_still_opens_the_chat_untagged(app, school, code):
    response = start(child(app), code)
    assert response.status_code == 200 and page(response).xpath('//textarea[@id="text"]')
    entry = entries(app)[-1]
    assert (entry.place_id, entry.region) == (None, None)


def test_a_forged_or_stale_answer_starts_nothing(app, school):
    browser = child(app)
    first = browser.get("/q/sch-12")
    for form in ({"key": "9", "answers": ""}, {"answers": "1"}, {"key": "1", "answers": "1"}):
        response = browser.post("/q/sch-12", data={"csrf_token": token(first), **form})
        assert response.status_code == 400 and "Начать заново" in text_of(response)
    assert entries(app) == []


# --- CSRF ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "forged-token"])
def test_a_post_without_our_token_gets_a_clear_page_and_stores_nothing(app, school, csrf):
    browser = child(app)
    data = {} if csrf is None else {"csrf_token": csrf}
    refused = browser.post("/q/sch-12", data={**data, "answers": "", "key": "1"})
    assert refused.status_code == 400 and "Ничего не отправлено" in text_of(refused)
    assert entries(app) == []
    start(browser)
    refused = browser.post("/chat/send", data={**data, "text": "hello", "client_id": "m1"})
    assert refused.status_code == 400 and "Ничего не отправлено" in text_of(refused)
    assert page(refused).xpath('//a[@href="/chat/"]')  # back to the chat
    fetched = browser.post("/chat/send", data={"text": "hello", "client_id": "m2"},
                           headers={"X-CSRFToken": csrf or "", "Accept": "application/json"})
    assert fetched.status_code == 400 and "Ничего не отправлено" in fetched.json["error"]
    assert stored_texts(app) == []
    # The page's script sends again with the fresh token the answer brings (a page open overnight still sends).
    again = browser.post("/chat/send", data={"text": "hello", "client_id": "m2"},
                         headers={"X-CSRFToken": fetched.json["csrf_token"], "Accept": "application/json"})
    assert again.status_code == 200 and stored_texts(app) == ["hello"]


# --- the chat ---------------------------------------------------------------------------------------------------


def test_a_message_is_sent_once_and_the_place_in_line_is_shown(app, school):
    browser = child(app)
    chat_page = start(browser)
    assert "Вы 1-й в очереди" in text_of(chat_page)
    assert page(chat_page).xpath('//label[@for="text"]/text()') == ["Ваше сообщение"]
    assert page(chat_page).xpath('//form[@id="send"]//button[@type="submit"]/text()') == ["Отправить"]
    sent = send(browser, "Мне страшно дома", "m-1")
    assert sent.status_code == 303
    again = send(browser, "Мне страшно дома", "m-1", as_json=True)  # a retry of the same message
    assert again.status_code == 200 and again.json["text"] == "Мне страшно дома" and again.json["author"] == "child"
    assert stored_texts(app) == ["Мне страшно дома"]
    assert "Мне страшно дома" in text_of(browser.get("/chat/"))


def test_a_message_in_script_tags_is_shown_as_text(app, school, people):
    browser = child(app)
    start(browser)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert send(browser, attack, "m-1").status_code == 303
    with app.app_context():
        conversation = db.session.scalar(select(Conversation))
        contacts.take(people["aigerim"], entries(app)[-1].id)
        chat.post(conversation.id, "<b>bold</b> & <i>co</i>", "op-1", operator_id=people["aigerim"])
    shown = browser.get("/chat/")
    assert b"<script>alert" not in shown.data and b"<img src=x" not in shown.data and b"<b>bold" not in shown.data
    assert b"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown.data
    texts = page(shown).xpath('//ol[@id="messages"]/li/p[@class="text"]/text()')
    assert attack in texts and "<b>bold</b> & <i>co</i>" in texts
    assert not page(shown).xpath("//ol[@id='messages']//script | //ol[@id='messages']//img | //ol//b")


def test_a_message_too_long_or_empty_is_refused_clearly(make_app):
    app = make_app(CHAT_MESSAGE_MAX=20)
    with app.app_context():
        add_place("sch-12", "School No. 12", "Almaty")
    browser = child(app)
    start(browser)
    too_long = send(browser, "x" * 21)
    assert too_long.status_code == 400 and "Сообщение слишком длинное" in text_of(too_long)
    assert page(too_long).xpath('//textarea[@id="text"]/text()') == ["x" * 21]  # what they wrote is kept
    assert page(too_long).xpath('//textarea[@id="text"]/@aria-invalid') == ["true"]
    fetched = send(browser, "x" * 21, "m-2", as_json=True)
    assert fetched.status_code == 400 and "слишком длинное" in fetched.json["error"]
    assert send(browser, "   ", "m-3", as_json=True).json["error"] == "Сначала напишите сообщение."
    assert send(browser, "x" * 20, "m-4").status_code == 303
    assert stored_texts(app) == ["x" * 20]


def test_sending_without_a_chat_says_so(app):
    response = child(app).post("/chat/send", data={"text": "hi", "client_id": "m1",
                                                   "csrf_token": token(child(app).get("/chat/return"))})
    assert response.status_code == 400  # another browser's token is no token for this one


def test_too_many_chats_or_messages_from_one_source_are_refused_politely(make_app):
    app = make_app(CHAT_STARTS_PER_HOUR=2, CHAT_MESSAGES_PER_MINUTE=3)
    for _ in range(2):
        start(child(app))
    refused = answer(child(app), "sch-12", ["1"])
    assert refused.status_code == 429 and "Попробуйте через час" in text_of(refused)
    assert len(entries(app)) == 2
    assert start(child(app, address="198.51.100.7")).status_code == 200  # another school is not held back
    browser = child(app, address="198.51.100.8")
    start(browser)
    assert [send(browser, f"m{n}", f"m{n}").status_code for n in range(3)] == [303, 303, 303]
    slow_down = send(browser, "one more", "m9")
    assert slow_down.status_code == 429 and "Подождите минуту" in text_of(slow_down)
    assert send(browser, "one more", "m9", as_json=True).json["error"].startswith("Слишком много сообщений")
    assert "one more" not in stored_texts(app)


def test_a_blocked_source_is_refused_politely_and_nothing_is_stored(app, school, people):
    browser = child(app)
    start(browser)
    with app.app_context():
        contacts.take(people["aigerim"], entries(app)[-1].id)
        blocks.block(entries(app)[-1].conversation_id, people["aigerim"], "threats", 24)
    refused = send(browser, "again", "m-1")
    assert refused.status_code == 403 and "102 или 112" in text_of(refused)
    assert send(browser, "again", "m-2", as_json=True).status_code == 403
    new_chat = answer(child(app), "sch-12", ["1"])
    assert new_chat.status_code == 403 and "Чат недоступен" in text_of(new_chat)
    assert len(entries(app)) == 1 and stored_texts(app) == []
    assert start(child(app, address="198.51.100.7")).status_code == 200  # only that source


def test_no_address_is_stored(app, school):
    browser = child(app)
    start(browser)
    send(browser, "hello", "m-1")
    browser.post("/chat/return", data={"code": "0000-0000-0000", "csrf_token": token(browser.get("/chat/return"))})
    assert CHILD_ADDRESS not in database_text(app)


# --- the conversation code ----------------------------------------------------------------------------------------


def test_the_code_is_shown_once_and_brings_the_chat_back_from_another_phone(app, school, people):
    browser = child(app)
    first = start(browser)
    code = page(first).xpath('//p[@id="conversation-code"]/text()')[0]
    assert len(code) == 14 and "код беседы" in text_of(first).lower()
    assert not page(browser.get("/chat/")).xpath('//p[@id="conversation-code"]')  # once
    send(browser, "Меня обижают в классе", "m-1")
    with app.app_context():
        conversation_id = entries(app)[-1].conversation_id
        contacts.take(people["aigerim"], entries(app)[-1].id)
        chat.post(conversation_id, "Я здесь, расскажи подробнее", "op-1", operator_id=people["aigerim"])

    later = child(app, "kk", address="198.51.100.20")  # another day, another phone
    assert later.get("/chat/").headers["Location"] == "/chat/return"
    form = later.get("/chat/return")
    typed = code.lower().replace("-", " ")  # as a child types it
    back = later.post("/chat/return", data={"code": typed, "csrf_token": token(form)})
    assert back.status_code == 303 and back.headers["Location"] == "/chat/"
    shown = later.get("/chat/")
    assert "Меня обижают в классе" in text_of(shown) and "Я здесь, расскажи подробнее" in text_of(shown)
    assert not page(shown).xpath('//p[@id="conversation-code"]')
    assert send(later, "Спасибо", "m-2").status_code == 303  # the same chat goes on
    with app.app_context():
        assert [m.text for m in chat.messages_after(conversation_id) if m.author is Author.CHILD] == [
            "Меня обижают в классе", "Спасибо"]


@pytest.mark.parametrize("typed", ["", "nonsense", "0000-0000-0000", "<script>x</script>"])
def test_a_wrong_code_says_so(app, school, typed):
    browser = child(app)
    form = browser.get("/chat/return")
    response = browser.post("/chat/return", data={"code": typed, "csrf_token": token(form)})
    assert response.status_code == 400 and "Чата с таким кодом нет" in text_of(response)
    assert b"<script>x" not in response.data


def test_guessing_codes_is_held_back(make_app):
    app = make_app(CHAT_CODE_TRIES_PER_HOUR=2)
    browser = child(app)
    form = browser.get("/chat/return")
    statuses = [browser.post("/chat/return", data={"code": f"0000-0000-000{n}", "csrf_token": token(form)})
                .status_code for n in range(3)]
    assert statuses == [400, 400, 429]


# --- after hours ---------------------------------------------------------------------------------------------------


def test_after_hours_the_page_says_when_it_is_answered_and_takes_the_message(make_app):
    today = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    app = make_app(HOLIDAYS=today, TIMEZONE="Asia/Almaty")
    browser = child(app)
    assert "специалисты не работают" in text_of(browser.get("/q/sch-12"))
    chat_page = start(browser)
    assert "специалисты не работают" in text_of(chat_page)
    assert "ответит, когда вернётся" in text_of(chat_page)
    assert send(browser, "Напишите мне утром", "m-1").status_code == 303
    assert stored_texts(app) == ["Напишите мне утром"]
    assert entries(app)[-1].state.is_waiting


# --- the live stream -------------------------------------------------------------------------------------------------


def read_stream(client, **headers) -> str:
    response = client.get("/chat/stream?after=0", headers=headers, buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_data(as_text=True)


def test_the_stream_sends_new_messages_with_their_ids_and_resumes_after_the_last_one(app, school, people, monkeypatch):
    monkeypatch.setattr(stream, "STREAM_SECONDS", 0)  # one read, then the stream ends
    browser = child(app)
    start(browser)
    send(browser, "first", "m-1")
    send(browser, "<second>", "m-2")
    body = read_stream(browser)
    ids = [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]
    assert len(ids) == 2 and "first" in body and "<second>" in body and "event: place" in body
    assert "Вы 1-й в очереди" in body
    resumed = read_stream(browser, **{"Last-Event-ID": str(ids[0])})
    assert "<second>" in resumed and "first" not in resumed


def test_the_stream_wakes_when_the_operator_writes(app, school, people, monkeypatch):
    monkeypatch.setattr(stream, "STREAM_SECONDS", 30)
    browser = child(app)
    start(browser)
    with app.app_context():
        entry = entries(app)[-1]
        contacts.take(people["aigerim"], entry.id)
        last = chat.messages_after(entry.conversation_id)[-1].id
    response = browser.get(f"/chat/stream?after={last}", buffered=False)
    chunks = iter(response.response)
    assert next(chunks).startswith(b"retry:")
    seen = b""
    while b"place" not in seen:  # the first read: nothing new, the place is empty (an operator has the chat)
        seen += next(chunks)
    with app.app_context():
        chat.post(entry.conversation_id, "Здравствуй, я на связи", "op-1", operator_id=people["aigerim"])
    while "Здравствуй".encode() not in seen:
        seen += next(chunks)
    response.close()


def test_a_quiet_stream_reads_the_place_while_the_child_waits_and_only_keeps_alive_once_taken(
        app, school, people, monkeypatch):
    reads = quiet_streams_counting_reads(monkeypatch)
    monkeypatch.setattr(stream, "REFRESH_SECONDS", 0.1)
    monkeypatch.setattr(stream, "STREAM_SECONDS", 0.6)
    browser = child(app)
    start(browser)
    read_stream(browser)
    assert len(reads) >= 4  # in line: the place is read again every REFRESH_SECONDS
    with app.app_context():
        contacts.take(people["aigerim"], entries(app)[-1].id)
    reads.clear()
    body = read_stream(browser)
    assert len(reads) <= 2 and body.count(": keepalive") >= 5  # taken and quiet: keep-alives, no reading


def test_a_closed_chat_ends_its_stream_and_nothing_more_is_followed(app, school, monkeypatch):
    browser = child(app)
    start(browser)
    with app.app_context():
        chat.close(entries(app)[-1].conversation_id)
    body = read_stream(browser)
    assert "event: closed" in body and "Чат завершён" in body
    last = max(int(line[4:]) for line in body.splitlines() if line.startswith("id: "))
    assert browser.get("/chat/stream", headers={"Last-Event-ID": str(last)}).status_code == 204
    assert child(app).get("/chat/stream").status_code == 204  # no chat in this browser
    closed_page = browser.get("/chat/")
    assert not page(closed_page).xpath('//form[@id="send"]') and "Начать новый чат" in text_of(closed_page)
    assert browser.get("/q/sch-12").status_code == 200  # a new chat may begin from the poster
