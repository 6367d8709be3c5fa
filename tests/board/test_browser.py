"""In a real browser (Debian's chromium, driven by Playwright): the board moves as a caller comes and goes.

A supervisor signs in and lands on the board; a simulated caller (Twilio's side, over real HTTP) walks the IVR
into the queue, and the board shows them waiting, with the wait counting up, without a reload; the caller
hangs up, and the board shows the line empty again and the abandonment rate risen. Screenshots of a busy
board (wall screen and laptop) go to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.core.vocab import Priority
from app.operators import services as operators
from app.operators.models import Availability
from app.queue.models import EntryState
from app.simulator.engine import CallSimulator, HttpTransport, ScriptedCaller
from tests.auth.helpers import create_user
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, site, standin  # noqa: F401
from tests.queue.helpers import add_caller

from .conftest import midday_zone
from .helpers import add_entry

RUSSIAN_CHILD = ["2", "1"]  # Russian, then "a child or teenager": the caller then waits on hold

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@pytest.fixture
def app(make_app, standin):  # noqa: F811 (the console's browser fixtures, with a time zone where it is midday)
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False, TIMEZONE=midday_zone())


class Hold:
    """Twilio's side of a call on hold: no redirects; every round of waiting lasts until the test lets go."""

    def __init__(self):
        self.released = threading.Event()

    def take_redirect(self, call_sid):
        assert self.released.wait(timeout=60), "the test never let the caller go"
        return None

    def call_ended(self, call_sid, conversation=None):
        pass


class WaitingCaller:
    """A caller who rings 111 over HTTP, walks the IVR into the queue, waits until released, then hangs up."""

    def __init__(self, url: str):
        self.hold = Hold()
        self.transport = HttpTransport(PUBLIC_BASE_URL, url)
        simulator = CallSimulator(self.transport, PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID, twilio=self.hold,
                                  wait_rounds=1)
        self.result, self.error = None, None

        def run():
            try:
                self.result = simulator.call(ScriptedCaller(RUSSIAN_CHILD))
            except BaseException as error:  # the test reports it
                self.error = error

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def hang_up(self):
        self.hold.released.set()
        self.thread.join(timeout=30)
        self.transport.session.close()
        assert not self.thread.is_alive() and self.error is None, self.error
        return self.result


def a_busy_day(app) -> None:
    """Operators in every state and some calls earlier today."""
    ids = {name: create_user(app, name, "operator") for name in ("aigerim", "daniyar", "marat", "zhanna", "asel")}
    with app.app_context():
        for name, state in (("aigerim", Availability.AVAILABLE), ("asel", Availability.AVAILABLE),
                            ("daniyar", Availability.BUSY), ("marat", Availability.WRAP_UP)):
            operators.set_availability(ids[name], state)
        for n, delay in enumerate((8, 12, 30, 5, 20, 15, 9, 11, 25, 6, 14, 7, 18, 3, 10, 45, 16, 4, 19, 13)):
            entered = 3600 - 150 * n  # the last hour: 20 conversations, 3 of them answered after 20 s
            add_entry(EntryState.DONE, entered, entered - delay, entered - delay - 240 - 7 * n,
                      operator_id=ids["aigerim"], language="kk" if n % 3 else "ru")
        add_entry(EntryState.ABANDONED, entered=1000, ended=940)
        add_entry(EntryState.CONNECTED, entered=400, picked=390, operator_id=ids["daniyar"], language="kk")


def number(page, selector: str) -> str:
    return page.inner_text(selector).strip()


def test_the_board_moves_live_as_a_caller_enters_and_hangs_up(app, site, browser):  # noqa: F811
    create_user(app, "saule", "supervisor")
    a_busy_day(app)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Signing in leads to the board.
    page.goto(f"{site}/?lang=en")
    submit_sign_in(page, "saule")
    page.wait_for_url(f"{site}/supervisor/board")
    page.wait_for_selector('#live[data-state="live"]')
    assert number(page, '[data-figure="waiting"] .value') == "0"
    assert number(page, '[data-figure="longest-wait"] .value') == "—"
    assert number(page, '[data-figure="abandoned"] .value') == "4.5%"  # 1 of the 22 who entered today
    assert page.get_attribute('[data-figure="abandoned"] [data-band]', "data-band") == "ok"
    assert number(page, '[data-figure="talking"] .value') == "1"
    assert page.locator('[data-state="available"] li').count() == 2
    page.evaluate("window.stillTheSamePage = true")

    # A caller rings, chooses Russian and "child", and waits: the board shows them, the wait counting up.
    caller = WaitingCaller(site)
    page.wait_for_selector('[data-figure="waiting"] [data-count="1"]')
    assert number(page, '[data-priority="child"] td') == "1" and number(page, '[data-language="ru"] td') == "1"
    wait = '[data-figure="longest-wait"] time.ticker'
    page.wait_for_function(f"() => document.querySelector('{wait}').textContent.match(/^0:0[1-9]$/)")
    first = page.inner_text(wait)
    page.wait_for_function(f"() => document.querySelector('{wait}').textContent !== '{first}'")
    assert page.evaluate("window.stillTheSamePage") is True

    # They hang up while waiting: the line is empty again, and the abandonment rate has risen.
    result = caller.hang_up()
    assert result.queue_result == "hangup"
    page.wait_for_selector('[data-figure="waiting"] [data-count="0"]')
    page.wait_for_function("() => document.querySelector('[data-figure=\"abandoned\"] .value').textContent.trim() === '8.7%'")
    assert "2 of 23 who entered the queue" in page.inner_text('[data-figure="abandoned"]')
    assert page.inner_text('[data-figure="abandoned"] [data-band]').strip() == "▲ Warning"  # past 5 %, below 10 %
    assert number(page, '[data-figure="longest-wait"] .value') == "—"

    # More callers: the board fills up, the longest wait past the alert threshold. Wall screen and laptop.
    with app.app_context():
        add_caller(Priority.URGENT, "kk", ago=135)
        add_caller(Priority.CHILD, "ru", ago=48)
        add_caller(Priority.STANDARD, "kk", ago=12)
        add_caller(Priority.STANDARD, "ru", ago=3)
    page.wait_for_selector('[data-figure="waiting"] [data-count="4"]')
    assert page.get_attribute('[data-figure="longest-wait"] [data-band]', "data-band") == "alert"
    assert page.inner_text('[data-figure="longest-wait"] [data-band]').strip() == "‼ Alert"
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path=str(ARTIFACTS / "board.png"))
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits) and page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate(fits)  # a laptop: no sideways scrolling
    page.screenshot(path=str(ARTIFACTS / "board-laptop.png"), full_page=True)
    assert errors == []
    page.close()
