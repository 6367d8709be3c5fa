"""The child's page in a real browser (Debian's chromium, a phone-sized screen), in Russian and in Kazakh.

A child scans a school's QR code, answers the first questions, writes, sees their place in line and the operator's reply arrive live,
and leaves with the quick exit. Screenshots for the README go to ``docs/screenshots/child-<lang>.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.chat import services as chat
from app.contacts import services as contacts
from app.db import db
from app.queue.models import QueueEntry
from app.webchat import stream
from tests.console.test_browser import CHROMIUM  # noqa: F401

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
NEUTRAL = "https://www.google.com/"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]

# What the child reads and presses, by language: the first question, the buttons, the line, the message.
SAYS = {
    "ru": {"question": "Выберите, что подходит вам больше всего", "first": "Я сталкиваюсь с насилием",
           "second": "Нет, но я хочу поговорить со специалистом", "line": "Вы 1-й в очереди", "label": "Ваше сообщение",
           "send": "Отправить", "message": "Отчим кричит на меня каждый вечер. Мне страшно идти домой.",
           "reply": "Спасибо, что написала. Ты сейчас в безопасном месте?", "code": "Ваш код беседы",
           "exit": "Быстрый выход"},
    "kk": {"question": "Өзіңізге сәйкес келетінін таңдаңыз", "first": "Зорлық-зомбылыққа немесе қатыгездікке",
           "second": "Жоқ, бірақ маманмен сөйлескім келеді", "line": "Кезектегі орныңыз: 1",
           "label": "Сіздің хабарламаңыз", "send": "Жіберу",
           "message": "Өгей әкем күнде кешке маған айқайлайды. Үйге барғым келмейді.",
           "reply": "Жазғаныңыз үшін рахмет. Қазір қауіпсіз жердесіз бе?", "code": "Сіздің әңгіме кодыңыз",
           "exit": "Жылдам шығу"},
}


@pytest.fixture
def school(app, runner, tmp_path):
    """A school imported as the helpline imports them: ``flask places import`` with a CSV file."""
    csv = tmp_path / "places.csv"
    csv.write_text("code,name,region,district,kind\nast-sch-012,№12 мектеп-гимназия,Астана,Есіл ауданы,school\n",
                   encoding="utf-8")
    result = runner.invoke(args=["places", "import", str(csv)])
    assert result.exit_code == 0, result.output
    return "ast-sch-012"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_child_writes_from_the_qr_code_and_reads_the_reply_live(app, people, school, live_server, browser,  # noqa: F811
                                                                  language, monkeypatch):
    monkeypatch.setattr(stream, "REFRESH_SECONDS", 1.0)
    monkeypatch.setattr(stream, "STREAM_SECONDS", 30.0)
    says = SAYS[language]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale={"ru": "ru-RU", "kk": "kk-KZ"}[language])
    context.route(f"{NEUTRAL}**", lambda route: route.fulfill(body="<title>Google</title>", content_type="text/html"))
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{live_server}/q/{school}")
        assert page.locator("html").get_attribute("lang") == language
        page.get_by_text(says["question"]).wait_for()
        assert "102" in page.locator(".safety").inner_text()
        page.get_by_role("button", name=says["first"]).click()
        page.get_by_role("button", name=says["second"]).click()

        page.locator("#conversation-code").wait_for()
        assert page.get_by_text(says["code"]).is_visible()
        page.get_by_text(says["line"]).wait_for()
        page.get_by_label(says["label"]).fill(says["message"])
        page.get_by_role("button", name=says["send"]).click()
        page.locator(".msg.child", has_text=says["message"]).wait_for()
        assert page.get_by_label(says["label"]).input_value() == ""

        with app.app_context():
            entry = db.session.scalar(select(QueueEntry))
            assert (entry.category, entry.region, entry.language) == ("violence", "Астана", language)
            contacts.take(people["aigerim"], entry.id)
            chat.post(entry.conversation_id, says["reply"], "op-1", operator_id=people["aigerim"])
        page.locator(".msg.operator", has_text=says["reply"]).wait_for()  # live: no reload
        assert page.locator("#place").inner_text() == ""  # an operator has the chat: no more waiting
        page.evaluate("window.scrollTo(0, 0)")  # the whole page from the top (the header sticks where it was)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"child-{language}.png"), full_page=True)

        entries_before = page.evaluate("history.length")
        page.get_by_role("link", name=says["exit"]).click()
        page.wait_for_url(NEUTRAL)
        assert page.evaluate("history.length") == entries_before  # the chat's entry was replaced, not added to
        assert problems == []
    finally:
        context.close()


def test_a_child_comes_back_with_the_code_on_another_phone(app, people, school, live_server, browser,  # noqa: F811
                                                           monkeypatch):
    monkeypatch.setattr(stream, "STREAM_SECONDS", 30.0)
    says = SAYS["ru"]
    first = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    later = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    try:
        page = first.new_page()
        page.goto(f"{live_server}/q/{school}")
        page.get_by_role("button", name=says["first"]).click()
        page.get_by_role("button", name=says["second"]).click()
        code = page.locator("#conversation-code").inner_text()
        page.get_by_label(says["label"]).fill(says["message"])
        page.get_by_role("button", name=says["send"]).click()
        page.locator(".msg.child", has_text=says["message"]).wait_for()
        page.close()  # the child leaves; the operator answers later
        with app.app_context():
            entry = db.session.scalar(select(QueueEntry))
            conversation_id = entry.conversation_id
            contacts.take(people["aigerim"], entry.id)
            chat.post(conversation_id, says["reply"], "op-1", operator_id=people["aigerim"])

        phone = later.new_page()
        phone.goto(f"{live_server}/q/{school}")
        phone.get_by_text("У меня есть код беседы").click()
        phone.get_by_label("Ваш код беседы").fill(code.lower().replace("-", " "))  # as typed, any case
        phone.get_by_role("button", name="Открыть мой чат").click()
        phone.locator(".msg.operator", has_text=says["reply"]).wait_for()
        assert phone.locator(".msg.child", has_text=says["message"]).is_visible()
        assert phone.locator("#conversation-code").count() == 0  # shown once, on the first phone only
        phone.get_by_label(says["label"]).fill("Да, я у бабушки.")
        phone.get_by_role("button", name=says["send"]).click()
        phone.locator(".msg.child", has_text="Да, я у бабушки.").wait_for()
        with app.app_context():  # arrives live, and shows as text: nothing in a message becomes markup
            chat.post(conversation_id, '<img src=x id=injected> <b>ok</b>', "op-2", operator_id=people["aigerim"])
        phone.locator(".msg.operator", has_text="<img src=x id=injected> <b>ok</b>").wait_for()
        assert phone.locator("#injected, #messages b").count() == 0
    finally:
        first.close()
        later.close()
