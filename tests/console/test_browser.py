"""In a real browser (Debian's chromium, driven by Playwright): a call from the queue to the closed case.

An operator signs in, sets their availability and endpoint; a simulated caller (Twilio's side, over HTTP)
appears in the queue without a reload; the operator takes the call, which Twilio's REST stand-in bridges
(the simulated caller follows the redirect into the case's conference); the operator logs the case during
the call and closes it after, and is back on the queue, available. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from app.cases import services as cases
from app.core.vocab import Priority
from app.simulator.engine import CallSimulator, HttpTransport, ScriptedCaller
from app.simulator.twilio_api import TwilioStandIn
from app.web import sse
from tests.auth.helpers import create_user
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.console.browser import CHROMIUM, Served, submit_sign_in
from tests.queue.helpers import add_caller
from tests.twilio_spec import twilio_spec

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RUSSIAN_CHILD = ["2", "1"]  # Russian, then "a child or teenager" in the menu; then waits on hold

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


@pytest.fixture
def standin(tmp_path):
    """Twilio's REST API: the stand-in, on its own port."""
    fake = TwilioStandIn(tmp_path / "twilio", ACCOUNT_SID, AUTH_TOKEN)
    served = Served(fake.app())
    fake.url = served.url
    yield fake
    served.stop()


@pytest.fixture
def app(make_app, standin):
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False)


@pytest.fixture
def site(app, standin, monkeypatch):
    """The app over real HTTP; the stand-in delivers Twilio's callbacks (the operator's leg) to it."""
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.5)  # a closed page frees its stream's thread at once
    monkeypatch.setattr(sse, "STREAM_SECONDS", 60.0)
    served = Served(app)
    standin.webhooks = HttpTransport(PUBLIC_BASE_URL, served.url)
    yield served.url
    standin.webhooks.session.close()
    served.stop()


class SimulatedCaller:
    """Twilio's side of one inbound call, over HTTP in a thread: waits on hold until bridged, talks, hangs up."""

    def __init__(self, site: str, standin: TwilioStandIn):
        self.transport = HttpTransport(PUBLIC_BASE_URL, site)
        self.simulator = CallSimulator(self.transport, PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID, twilio=standin,
                                       wait_rounds=400, round_seconds=0.25, talk_rounds=16)
        self.result = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.simulator.call(ScriptedCaller(RUSSIAN_CHILD))
        except BaseException as error:  # the test reports it
            self.error = error

    def start(self) -> SimulatedCaller:
        self.thread.start()
        return self

    def finish(self, timeout: float = 60):
        self.thread.join(timeout)
        self.transport.session.close()
        assert not self.thread.is_alive(), "the simulated caller is still on the line"
        assert self.error is None, self.error
        return self.result


def test_an_operator_takes_a_live_caller_and_logs_the_case(app, site, standin, browser):
    create_user(app, "aigerim", "operator")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Signing in leads back to the console, in English.
    page.goto(f"{site}/console/?lang=en")
    assert "/login" in page.url
    submit_sign_in(page, "aigerim")
    page.wait_for_url(f"{site}/console/?lang=en")
    page.wait_for_selector('#live[data-state="live"]')
    assert page.locator("#queue").inner_text().strip().endswith("Nobody is waiting.")

    # Endpoint, then availability (available needs somewhere to ring).
    page.fill("#endpoint", "+7 701")
    page.click(".endpoint-form button[type=submit]")
    assert page.locator("#endpoint-error").inner_text().startswith("Write a phone number with +")
    page.fill("#endpoint", "client:aigerim")
    page.click(".endpoint-form button[type=submit]")
    page.wait_for_selector('.flash:has-text("client:aigerim")')
    page.click('button[name="availability"][value="available"]')
    page.wait_for_selector('button[name="availability"][value="available"][aria-pressed="true"]')
    assert page.get_attribute("#status [data-availability]", "data-availability") == "available"
    page.wait_for_selector('#live[data-state="live"]')

    # A caller rings 111 and waits; they appear in the queue without a reload, and their wait counts up.
    page.evaluate("window.stillTheSamePage = true")
    caller = SimulatedCaller(site, standin).start()
    row = page.wait_for_selector("#queue tr[data-entry]")
    entry = int(row.get_attribute("data-entry"))
    assert page.evaluate("window.stillTheSamePage") is True
    cells = [cell.inner_text().strip() for cell in row.query_selector_all("td")]
    assert cells[1:4] == ["Child", "Russian", "Child or teenager"] and cells[5] == "First contact"
    page.wait_for_function(
        f"() => document.querySelector('tr[data-entry=\"{entry}\"] .ticker').textContent.match(/^0:0[1-9]$/)")
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)

    # Take the call: the stand-in bridges it, the operator lands on the case.
    page.click(f'tr[data-entry="{entry}"] button[name="entry_id"]')
    page.wait_for_url(f"{site}/console/cases/*")
    case_id = int(page.url.rsplit("/", 1)[1])
    assert page.inner_text('[data-fact="language"]') == "Russian"
    assert page.inner_text('[data-fact="category"]') == "Child or teenager"
    assert page.inner_text('[data-fact="earlier-contacts"]') == "First contact"
    assert page.get_attribute("#status a.open-case", "href") == f"/console/cases/{case_id}"

    # During the call: log what is known and save.
    page.select_option("#contact_type", "substantive")
    page.select_option("#category", "child_rights")
    page.select_option("#sub_category", "school_bullying")
    page.check('input[name="services"][value="psychological_support"]')
    page.select_option("#risk_level", "low")
    page.fill("#notes", "Bullied at school; talked it through, will speak to the class teacher.")
    page.click('input[name="save"]')
    page.wait_for_selector('.flash:has-text("Saved.")')

    # The caller says goodbye and hangs up: the header shows it live, the operator is in wrap-up.
    page.wait_for_selector('#status [data-call-state="done"]', timeout=30_000)
    assert page.get_attribute("#status [data-availability]", "data-availability") == "wrap_up"
    page.select_option("#outcome", "advice_given")
    page.screenshot(path=str(ARTIFACTS / "console-case.png"), full_page=True)
    page.click('input[name="close"]')

    # Back on the queue, available again, the case closed.
    page.wait_for_url(f"{site}/console/")
    assert page.inner_text(".flash") == f"Case №{case_id} is closed."
    assert page.get_attribute("#status [data-availability]", "data-availability") == "available"
    assert page.get_attribute('button[aria-pressed="true"]', "value") == "available"
    assert page.query_selector("#status a.open-case") is None
    assert page.query_selector("#queue tr[data-entry]") is None
    assert errors == []
    page.close()

    # The caller's side: taken out of the queue over REST and into the case's conference.
    result = caller.finish()
    assert result.queue_result == "redirected" and result.conferences == [f"qorgau-{entry}"]
    rest = [(r["method"], r["path"].split(f"/Accounts/{ACCOUNT_SID}/", 1)[1]) for r in standin.requests]
    assert rest[:2] == [("POST", f"Queues/{rest[0][1].split('/')[1]}/Members/{result.call_sid}.json"),
                        ("POST", f"Conferences/qorgau-{entry}/Participants.json")]
    assert [p["to"] for p in standin.participants] == ["client:aigerim"]
    spec = twilio_spec()
    assert [problem for request in standin.requests
            for problem in spec.problems(request, account_sid=ACCOUNT_SID, auth_token_used=True)] == []
    with app.app_context():
        case = cases.get_case(case_id)
        assert case.is_closed and case.queue_entry_id == entry and case.sub_category == "school_bullying"


def test_the_queue_stays_live_when_the_stream_ends_and_the_browser_reconnects(app, site, browser, monkeypatch):
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.5)  # every stream ends at once…
    monkeypatch.setattr(sse, "RETRY_MS", 100)  # …and the browser comes back soon
    create_user(app, "aigerim", "operator")
    page = browser.new_page(locale="en-GB")
    page.set_default_timeout(15_000)
    page.goto(f"{site}/console/?lang=en")
    submit_sign_in(page, "aigerim")
    page.wait_for_selector('#live[data-state="live"]')
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_timeout(1500)  # a few streams have come and gone
    with app.app_context():
        entry = add_caller(Priority.URGENT, "kk").id
    page.wait_for_selector(f'#queue tr[data-entry="{entry}"]')
    assert page.evaluate("window.stillTheSamePage") is True
    page.close()


def test_chromium_is_debians_own():
    """The browser tests never download one: they drive the system's chromium."""
    assert shutil.which("chromium") == CHROMIUM
