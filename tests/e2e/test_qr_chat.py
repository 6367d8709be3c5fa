"""Issue 10 end to end, in real browsers (Debian's chromium): a QR poster's chat from the child to the case log.

A school is imported from a CSV file with ``flask places import``. A child on a phone opens ``/q/<code>``,
answers the first questions (the flow's, as on the phone) and writes; an operator signed in at the console
sees the chat in the line with the school's name, takes it and replies; the child reads the reply live and
writes again; the operator ends the chat and closes its case with a category; the child's page says the
chat is over. The child comes back later on another phone with the conversation code and reads the answer.
A supervisor finds the child's words in search and opens the chat's transcript. In Russian and in Kazakh.
The console's chat pane (Russian run) is saved to ``docs/screenshots/console-chat.png`` for the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import i18n
from app.audit.models import AuditEvent
from app.cases import services as cases
from app.chat.models import ConversationState
from app.db import db
from app.web import sse
from app.webchat import stream
from tests.console.browser import CHROMIUM, Served, submit_sign_in
from tests.webchat.test_browser import PHONE, SAYS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TEXTS = i18n.load_catalogs()
SCHOOL = ("ast-sch-012", "№12 мектеп-гимназия", "Астана")
SEARCHED = {"ru": "кричит", "kk": "айқайлайды"}  # a word of the child's first message
CHILD_AGAIN = {"ru": "Да, я сейчас у бабушки.", "kk": "Иә, қазір әжемнің үйіндемін."}
OPERATOR_ADDS = {"ru": "Меня зовут Айгерим.", "kk": "Менің атым Әйгерім."}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@pytest.fixture
def school(app, runner, tmp_path):
    """A school imported as the helpline imports them: ``flask places import`` with a CSV file."""
    csv = tmp_path / "places.csv"
    code, name, region = SCHOOL
    csv.write_text(f"code,name,region,district,kind\n{code},{name},{region},Есіл ауданы,school\n", encoding="utf-8")
    result = runner.invoke(args=["places", "import", str(csv)])
    assert result.exit_code == 0, result.output
    return code


@pytest.fixture
def site(app, monkeypatch):
    """The app over real HTTP; streams stay short-lived so that closed pages free their threads soon."""
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.5)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 30.0)
    monkeypatch.setattr(stream, "STREAM_SECONDS", 30.0)
    served = Served(app)
    yield served.url
    served.stop()


def sign_in(page, site: str, path: str, username: str) -> None:
    page.goto(f"{site}{path}")
    submit_sign_in(page, username)
    page.wait_for_url(f"{site}{path}")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_child_writes_from_a_schools_qr_code_and_the_helpline_answers_logs_and_finds_it(
        app, people, school, site, browser, language):  # noqa: F811
    says = SAYS[language]
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                locale={"ru": "ru-RU", "kk": "kk-KZ"}[language])
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    errors: list[str] = []
    try:
        # The child scans the poster, answers the first questions and writes.
        child = phone.new_page()
        child.on("pageerror", lambda error: errors.append(f"child: {error}"))
        child.goto(f"{site}/q/{school}")
        child.get_by_role("button", name=says["first"]).click()
        child.get_by_role("button", name=says["second"]).click()
        code = child.locator("#conversation-code").inner_text()
        child.get_by_label(says["label"]).fill(says["message"])
        child.get_by_role("button", name=says["send"]).click()
        child.locator(".msg.child", has_text=says["message"]).wait_for()

        # The operator sees the chat in the line with the school's name, and takes it.
        operator = desk.new_page()
        operator.on("pageerror", lambda error: errors.append(f"console: {error}"))
        sign_in(operator, site, "/console/?lang=en", "aigerim")
        row = operator.locator('#queue tr[data-channel="web"]')
        row.wait_for()
        assert " ".join(row.locator(".place").inner_text().split()) == f"{SCHOOL[1]} · {SCHOOL[2]}"
        row.locator("button.take").click()
        operator.wait_for_url(f"{site}/console/cases/*")
        case_id = int(operator.url.rsplit("/", 1)[1])
        operator.locator("#chat li[data-author=child]", has_text=says["message"]).wait_for()
        operator.wait_for_selector('#chat[data-live="open"]')

        # A canned reply in the child's language, with a line of the operator's own: the child reads it live.
        operator.click('#chat button.canned-reply[value="safe_now"]')
        box = operator.locator("#reply")
        box.press("End")
        box.type(" " + OPERATOR_ADDS[language])
        canned = box.input_value()
        operator.click("#chat button.send")
        operator.locator("#chat li[data-author=operator]").wait_for()
        child.locator(".msg.operator", has_text=OPERATOR_ADDS[language]).wait_for()
        assert child.locator(".msg.operator .text").inner_text() == canned

        # The child answers; it shows in the pane without a reload.
        child.get_by_label(says["label"]).fill(CHILD_AGAIN[language])
        child.get_by_role("button", name=says["send"]).click()
        operator.locator("#chat li[data-author=child]", has_text=CHILD_AGAIN[language]).wait_for()
        if language == "ru":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            operator.screenshot(path=str(SCREENSHOTS / "console-chat.png"), full_page=True)

        # The operator ends the chat and closes its case with a category; the child's page says it is over.
        operator.click("#chat .close-chat button")
        operator.wait_for_url(f"{site}/console/cases/{case_id}#case-form")
        operator.select_option("#contact_type", "substantive")
        operator.select_option("#category", "violence")
        operator.select_option("#risk_level", "medium")
        operator.select_option("#outcome", "advice_given")
        operator.fill("#notes", "Shouting at home every evening; safe at her grandmother's tonight.")
        operator.click('input[name="close"]')
        operator.wait_for_url(f"{site}/console/")
        assert operator.inner_text(".flash") == f"Case №{case_id} is closed."
        child.locator("#closed").wait_for()
        assert TEXTS[language]["webchat_closed"] in child.locator("#closed").inner_text()
        with app.app_context():
            case = cases.get_case(case_id)
            assert case.is_closed and case.category == "violence" and case.channel.value == "web"
            conversation = case.conversations[-1]
            assert conversation.state is ConversationState.CLOSED and conversation.language == language
        child.close()

        # Later, on another phone, the child comes back with the code and reads the operator's answer.
        later = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                    locale={"ru": "ru-RU", "kk": "kk-KZ"}[language])
        try:
            again = later.new_page()
            again.goto(f"{site}/q/{school}")
            again.get_by_text(TEXTS[language]["webchat_have_code"]).click()
            again.get_by_label(TEXTS[language]["webchat_return_label"]).fill(code)
            again.get_by_role("button", name=TEXTS[language]["webchat_return_open"]).click()
            again.locator(".msg.operator", has_text=OPERATOR_ADDS[language]).wait_for()
            assert again.locator(".msg.child", has_text=says["message"]).is_visible()
        finally:
            later.close()

        # The supervisor finds the child's words in search and opens the chat.
        supervisor = desk.new_page()
        supervisor.on("pageerror", lambda error: errors.append(f"supervisor: {error}"))
        operator.close()
        supervisor.context.clear_cookies()  # the desk's operator signed in: the supervisor signs in anew
        sign_in(supervisor, site, "/supervisor/search?lang=en", "saule")
        supervisor.fill("#q", SEARCHED[language])
        supervisor.click(".search-form button[type=submit]")
        hit = supervisor.locator('li.hit[data-kind="chat"]', has_text=SEARCHED[language]).first
        hit.wait_for()
        assert hit.get_attribute("data-chat") == str(conversation.id)
        assert SCHOOL[1] in hit.locator(".place").inner_text()
        hit.locator(".open a").click()
        supervisor.wait_for_url(f"{site}/supervisor/chats/{conversation.id}#m-*")
        messages = supervisor.locator("li.message .text").all_inner_texts()
        assert says["message"] in messages and canned in messages and CHILD_AGAIN[language] in messages
        assert supervisor.locator('dd[data-fact="place"]').inner_text() == SCHOOL[1]
        with app.app_context():  # the supervisor's read is audited like a transcript's
            readers = {event.actor_id for event in db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "chat.read", AuditEvent.target_id == str(conversation.id)))}
            assert readers == {people["aigerim"], people["saule"]}
        assert errors == []
    finally:
        phone.close()
        desk.close()
