"""In a real browser (Debian's chromium, driven by Playwright): an operator records an agency's late feedback.

A supervisor's board shows two referrals overdue. The operator sees the same two on their console, follows the
link to the overdue list, opens the first, records what the agency reported, and is back on the list with one
left; the board, never reloaded, counts one. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.helpers import create_user
from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, site, standin  # noqa: F401

from .conftest import refer

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@pytest.fixture
def app(make_app, standin):  # noqa: F811 (the console's browser fixtures)
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False)


def sign_in(browser, site, name: str, landing: str):  # noqa: F811
    page = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{site}/?lang=en")
    submit_sign_in(page, name)
    page.wait_for_url(f"{site}{landing}")
    return page


def overdue_on_the_board(board) -> str:
    return board.inner_text('[data-figure="overdue-referrals"] .value').strip()


def test_an_operator_records_late_feedback_and_the_boards_count_drops(app, site, browser):  # noqa: F811
    aigerim = create_user(app, "aigerim", "operator")
    create_user(app, "saule", "supervisor")
    with app.app_context():
        police = refer(aigerim, -3, "police", "Ювенальная полиция: инспектор Ким, школа №12", made_days_ago=7)
        refer(aigerim, -1, "guardianship", "Отдел опеки района", made_days_ago=5)
        refer(aigerim, 4, "health", "Поликлиника, подростковый психолог")
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []

    board = sign_in(browser, site, "saule", "/supervisor/board")
    board.on("pageerror", lambda error: errors.append(str(error)))
    board.wait_for_selector('#live[data-state="live"]')
    assert overdue_on_the_board(board) == "2"
    assert board.get_attribute('[data-figure="overdue-referrals"] [data-band]', "data-band") == "warn"
    board.evaluate("window.stillTheSamePage = true")

    console = sign_in(browser, site, "aigerim", "/console/")
    console.on("pageerror", lambda error: errors.append(str(error)))
    console.click("a.overdue-referrals")  # "Your overdue referrals: 2"
    console.wait_for_url(f"{site}/referrals/?due=overdue")
    assert console.locator("tr[data-referral]").count() == 2
    assert "3 days overdue" in console.inner_text(f'tr[data-referral="{police}"]')
    console.screenshot(path=str(ARTIFACTS / "referrals.png"), full_page=True)

    console.click(f'tr[data-referral="{police}"] a.follow')
    console.wait_for_url(f"{site}/referrals/{police}")
    console.click("#feedback-submit")  # nothing chosen or written: the problems are shown, nothing is lost
    assert console.inner_text('.feedback-form .has-error .error >> nth=0') == "Choose what came of the referral."
    console.select_option("#feedback-outcome", "acted")
    console.fill("#feedback-feedback", "Инспектор побывал в семье, ребёнок в безопасности; составлен акт.")
    console.screenshot(path=str(ARTIFACTS / "referral-feedback.png"), full_page=True)
    console.click("#feedback-submit")
    console.wait_for_url(f"{site}/referrals/")
    assert console.inner_text(".flash").strip() == f"The feedback on referral №{police} is recorded."
    assert console.inner_text('[data-due="overdue"] .n') == "1"

    board.wait_for_function(
        "() => document.querySelector('[data-figure=\"overdue-referrals\"] .value').textContent.trim() === '1'")
    assert board.evaluate("window.stillTheSamePage") is True
    board.set_viewport_size({"width": 1920, "height": 1080})
    board.screenshot(path=str(ARTIFACTS / "board-referrals.png"))
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert board.evaluate(fits)
    assert errors == []
