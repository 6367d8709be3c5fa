"""In a real browser: the console's safety net for operators under stress.

A note typed when the sign-in ends is not lost: the page asks to sign in again in a new window, keeps the form,
and saves it once signed in. A new contact is signalled (title, and sound and notification when asked for);
keyboard shortcuts take, save, close and change availability. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app.auth.models import UserSession
from app.cases import services as cases
from app.core.vocab import Priority
from app.db import db
from app.drafts.models import CaseDraft
from app.operators import services as operators
from app.operators.models import Availability
from app.web import sse
from tests.auth.helpers import create_user
from tests.chat.helpers import start_chat
from tests.console.browser import submit_sign_in
from tests.console.records import case_of
from tests.console.test_browser import ARTIFACTS, CHROMIUM, site, standin  # noqa: F401
from tests.queue.helpers import add_caller

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@pytest.fixture
def app(make_app, standin):  # noqa: F811 (the console's browser fixtures)
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False)


def console(browser, site):  # noqa: F811
    page = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/?lang=en")
    submit_sign_in(page, "aigerim")
    page.wait_for_url(f"{site}/console/")
    return page, errors


def test_a_note_typed_when_the_sign_in_ends_is_saved_after_signing_in_again(app, site, browser, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sse, "RETRY_MS", 120_000)  # the live stream stays away: the Save below meets the lost session
    aigerim = create_user(app, "aigerim", "operator")
    with app.app_context():
        case_id = case_of(aigerim).case_id
    page, errors = console(browser, site)
    page.goto(f"{site}/console/cases/{case_id}")
    note = "Bullied at school; the class teacher will be told. Call back on Friday."
    page.fill("#notes", note)
    page.wait_for_selector('#draft-status[data-state="saved"]')  # autosaved while typing
    with app.app_context():
        assert [draft.fields["notes"] for draft in db.session.scalars(select(CaseDraft))] == [[note]]

    with app.app_context():  # the sign-in ends on the server (signed out elsewhere, idle, deactivated…)
        db.session.execute(delete(UserSession))
        db.session.commit()
    page.click('input[name="save"]')
    page.wait_for_selector("#signin-again[open]")
    assert page.url == f"{site}/console/cases/{case_id}"  # still here, the note in the form
    assert page.input_value("#notes") == note
    kept = json.loads(page.evaluate(f"localStorage.getItem('qorgau-draft:{aigerim}:{case_id}')"))
    assert kept["fields"]["notes"] == [note]  # the server refused it: this browser keeps it
    page.screenshot(path=str(ARTIFACTS / "console-sign-in-again.png"), full_page=True)

    with page.expect_popup() as opened:
        page.click('#signin-again [data-action="sign-in"]')
    popup = opened.value
    submit_sign_in(popup, "aigerim")
    page.wait_for_selector('.flash:has-text("Saved.")')  # the page saw the sign-in, and the Save went through
    assert page.url == f"{site}/console/cases/{case_id}"
    with app.app_context():
        assert cases.get_case(case_id).notes == note
        assert list(db.session.scalars(select(CaseDraft))) == []
    assert page.evaluate(f"localStorage.getItem('qorgau-draft:{aigerim}:{case_id}')") is None
    assert popup.is_closed()
    assert errors == []


# Sound and notifications are stood in for: headless chromium plays and notifies nothing anyone could check.
SIGNALS_STAND_IN = """
window.signalled = {played: [], notes: [], asked: 0};
HTMLMediaElement.prototype.play = function () { window.signalled.played.push(this.src); return Promise.resolve(); };
class StandInNotification {
  constructor(title, options) { window.signalled.notes.push([title, options.body]); }
  close() {}
}
StandInNotification.permission = localStorage.getItem("stand-in-permission") || "default";  // the browser keeps it
StandInNotification.requestPermission = function () {
  window.signalled.asked += 1;
  StandInNotification.permission = "granted";
  localStorage.setItem("stand-in-permission", "granted");
  return Promise.resolve("granted");
};
window.Notification = StandInNotification;
"""


def test_a_new_contact_is_signalled_in_the_title_and_by_sound_and_notification_when_asked_for(app, site, browser):  # noqa: F811
    create_user(app, "aigerim", "operator")
    page, errors = console(browser, site)
    page.context.add_init_script(SIGNALS_STAND_IN)
    page.reload()
    page.wait_for_selector('#live[data-state="live"]')
    base = page.title()
    assert not base.startswith("(")

    with app.app_context():
        add_caller(Priority.CHILD, "ru")
    page.wait_for_function(f"() => document.title === '(1) {base}'")
    assert page.evaluate("window.signalled") == {"played": [], "notes": [], "asked": 0}  # both are opt-in

    page.check("#signal-sound")
    page.check("#signal-notify")  # the browser's permission is asked now, on the click, not before
    page.wait_for_function("() => window.signalled.asked === 1")
    assert len(page.evaluate("window.signalled.played")) == 1  # a sample of the sound
    with app.app_context():
        add_caller(Priority.URGENT, "kk")
    page.wait_for_function(f"() => document.title === '(2) {base}'")
    page.wait_for_function("() => window.signalled.notes.length === 1")
    signalled = page.evaluate("window.signalled")
    assert signalled["notes"] == [["A new contact is waiting", "Waiting in line: 2"]]
    assert len(signalled["played"]) == 2 and signalled["played"][1].endswith("/static/console/new-contact.wav")

    page.reload()  # the choices are kept in this browser
    assert page.is_checked("#signal-sound") and page.is_checked("#signal-notify")
    page.wait_for_function(f"() => document.title === '(2) {base}'")
    assert errors == []


def test_keyboard_shortcuts_take_save_close_and_change_availability_but_not_while_typing(app, site, browser):  # noqa: F811
    aigerim = create_user(app, "aigerim", "operator")
    with app.app_context():
        operators.set_endpoint(aigerim, "client:aigerim")
        operators.set_availability(aigerim, Availability.AVAILABLE)
        start_chat()
    page, errors = console(browser, site)
    page.wait_for_selector("#queue tr[data-entry]")

    page.keyboard.press("Shift+Slash")  # ?: the list of shortcuts
    assert page.is_visible("#shortcuts") and "take the next contact" in page.inner_text("#shortcuts")
    page.keyboard.press("Escape")
    assert not page.is_visible("#shortcuts")

    page.keyboard.press("n")  # take the next contact
    page.wait_for_url(f"{site}/console/cases/*")
    case_id = int(page.url.rsplit("/", 1)[1])
    page.click("#notes")
    page.keyboard.type("Scared at home; a calm talk, she will call again")  # s, c, a and n typed, not obeyed
    assert page.url == f"{site}/console/cases/{case_id}" and not page.query_selector(".flash")
    page.keyboard.press("Alt+s")  # with Alt, inside the field: save
    page.wait_for_selector('.flash:has-text("Saved.")')
    with app.app_context():
        assert cases.get_case(case_id).notes == "Scared at home; a calm talk, she will call again"

    before = page.get_attribute("#status [data-availability]", "data-availability")
    page.click("h1")  # out of the fields
    page.keyboard.press("a")
    after = "away" if before == "available" else "available"
    page.wait_for_selector(f'#status [data-availability="{after}"]')
    assert page.url == f"{site}/console/cases/{case_id}"  # changed without leaving the case

    page.select_option("#contact_type", "substantive")
    page.select_option("#category", "child_rights")
    page.select_option("#sub_category", "school_bullying")
    page.check('input[name="services"][value="psychological_support"]')
    page.select_option("#risk_level", "low")
    page.select_option("#outcome", "advice_given")
    page.keyboard.press("Alt+c")  # save and close, from the outcome's list
    page.wait_for_url(f"{site}/console/")
    assert page.inner_text(".flash") == f"Case №{case_id} is closed."
    assert errors == []
