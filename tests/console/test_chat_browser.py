"""In a real browser (Debian's chromium): an operator takes a chat from the line and talks with the child.

The child's side is the chat service (as their page would call it); the operator's is the console in the
browser: the chat's place in the line, the pane with the messages arriving live (over streams that end and
come back, each message shown once), a canned reply in the child's language edited and sent, ending the
chat, and its case closed with the same form as a call's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.chat import services as chat
from app.chat.models import Author
from app.core.vocab import Priority
from app.web import sse
from tests.auth.helpers import create_user
from tests.chat.helpers import add_place, message_id, start_chat
from tests.console.browser import CHROMIUM, Served, submit_sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


@pytest.fixture
def site(app, monkeypatch):
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.5)  # a closed page frees its stream's thread at once
    monkeypatch.setattr(sse, "STREAM_SECONDS", 1.5)  # streams end often: the browser comes back after each
    monkeypatch.setattr(sse, "RETRY_MS", 200)
    served = Served(app)
    yield served.url
    served.stop()


def test_an_operator_takes_a_chat_talks_with_the_child_and_closes_its_case(app, site, browser):
    create_user(app, "aigerim", "operator")
    with app.app_context():
        add_place("sch-12", "School No. 12", "Almaty")
        started = start_chat(Priority.CHILD, "ru", place_code="sch-12")
        chat.post(started.conversation_id, "Меня обижают в классе", message_id())
    conversation = started.conversation_id

    def child_writes(text: str) -> None:
        with app.app_context():
            chat.post(conversation, text, message_id())

    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/console/?lang=en")
    submit_sign_in(page, "aigerim")
    page.wait_for_url(f"{site}/console/?lang=en")

    # The chat waits in the line with its place; the operator takes it and lands on its pane.
    row = page.wait_for_selector(f'#queue tr[data-entry="{started.entry_id}"]')
    assert " ".join(row.query_selector(".place").inner_text().split()) == "School No. 12 · Almaty"
    page.click(f'#queue tr[data-entry="{started.entry_id}"] button.take')  # a locator: the row is swapped live
    page.wait_for_url(f"{site}/console/cases/*")
    case_path = page.url.removeprefix(site)
    page.wait_for_selector('#chat[data-live="open"]')
    assert page.inner_text("#status .capacity") == "Chats 1/3"
    assert page.locator("#chat .messages li .text").all_inner_texts() == [
        "Меня обижают в классе", "An operator has joined the chat."]

    # The child writes: it shows without a reload, once, though the streams end and come back meanwhile.
    page.evaluate("window.stillTheSamePage = true")
    child_writes("Вы тут?")
    page.wait_for_selector('#chat li[data-author="child"]:has-text("Вы тут?")')
    page.wait_for_function("() => document.querySelector('#chat').dataset.live === 'reconnecting'")
    page.wait_for_selector('#chat[data-live="open"]')
    child_writes("Мне страшно")
    page.wait_for_selector('#chat li[data-author="child"]:has-text("Мне страшно")')

    # A canned reply in the child's language goes into the box, is edited, and sent.
    page.click('#chat button.canned-reply[value="greeting"]')
    box = page.locator("#reply")
    assert box.input_value().startswith("Здравствуй! Я консультант линии 111.")
    box.press("End")
    box.type(" Меня зовут Айгерим.")
    page.click("#chat button.send")
    mine = page.wait_for_selector('#chat li[data-author="operator"]')
    assert mine.query_selector(".text").inner_text().endswith("Меня зовут Айгерим.")
    assert box.input_value() == ""
    page.fill("#reply", "Расскажи, что случилось в классе?")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector('#chat li[data-author="operator"]:has-text("что случилось в классе")')
    page.wait_for_timeout(2000)  # streams come and go: nothing shows twice
    ids = page.eval_on_selector_all("#chat .messages li", "items => items.map(item => item.dataset.message)")
    assert len(ids) == len(set(ids)) == 6 and ids == sorted(ids, key=int)
    assert page.evaluate("window.stillTheSamePage") is True
    with app.app_context():  # what the child's page reads
        said = [(m.author, m.text) for m in chat.messages_after(conversation) if m.author is Author.OPERATOR]
        assert [text for _, text in said][-1] == "Расскажи, что случилось в классе?" and len(said) == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-chat.png"), full_page=True)

    # Ending the chat: the child is told, the pane keeps the transcript beside the case form.
    page.click("#chat .close-chat button")
    page.wait_for_url(f"{site}{case_path}#case-form")
    assert page.locator("#chat .messages li .text").last.inner_text() == "The chat has ended."
    assert page.locator("#reply").count() == 0
    page.select_option("#contact_type", "substantive")
    page.select_option("#category", "child_rights")
    page.select_option("#sub_category", "school_bullying")
    page.select_option("#risk_level", "low")
    page.select_option("#outcome", "advice_given")
    page.fill("#notes", "Bullied in class; talked it through.")
    page.click('input[name="close"]')
    page.wait_for_url(f"{site}/console/")
    assert page.inner_text("#status .capacity") == "Chats 0/3"
    assert errors == []
    page.close()


def test_chromium_is_debians_own():
    assert shutil.which("chromium") == CHROMIUM


def test_the_pane_stops_taking_replies_when_the_child_ends_the_chat(app, site, browser, people):
    with app.app_context():
        started = start_chat(Priority.CHILD, "kk")
        chat.post(started.conversation_id, "Сәлем", message_id())
    page = browser.new_page(locale="en-GB")
    page.set_default_timeout(20_000)
    page.goto(f"{site}/console/?lang=en")
    submit_sign_in(page, "aigerim")
    page.click(f'#queue tr[data-entry="{started.entry_id}"] button.take')
    page.wait_for_url(f"{site}/console/cases/*")
    page.wait_for_selector('#chat[data-live="open"]')
    assert page.locator("#reply").is_visible()
    with app.app_context():
        chat.close(started.conversation_id)  # the child leaves
    page.wait_for_selector('#chat[data-state="closed"]')
    assert page.locator("#chat .messages li .text").last.inner_text() == "The chat has ended."
    assert not page.locator("#reply").is_visible() and page.locator("#chat .chat-ended").is_visible()
    page.close()
