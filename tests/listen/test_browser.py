"""In a real browser (Debian's chromium): a supervisor listens in on a live call, coaches, and leaves.

A simulated caller rings 111 over HTTP and waits in line; an operator takes them (picked and bridged over
Twilio's REST stand-in, which rings and answers the operator's phone); the conversation appears on the
supervisor's live calls page without a reload, its talk time counting up. She saves her phone number,
listens (muted), switches to coaching (only the operator hears her) and leaves; when the caller hangs up
the conversation leaves the page. Every REST request is checked against Twilio's spec, every step is in the
audit log. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.audit.models import AuditEvent
from app.db import db
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.simulator.engine import CallSimulator, HttpTransport, ScriptedCaller
from app.voice import services as voice
from app.web import sse
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, RUSSIAN_CHILD  # noqa: F401 (fixture)

from .conftest import SUPERVISOR_PHONE, entry_state, spec_problems, value_problems, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


class HeldInConference:
    """Twilio's side of the simulated caller: the stand-in, but once bridged the caller talks until told to stop."""

    def __init__(self, standin):
        self.standin = standin
        self.bridged = False
        self.hang_up = threading.Event()

    def take_redirect(self, call_sid):
        if self.bridged:  # in the conference: talking
            self.hang_up.wait(120)
            return None
        redirect = self.standin.take_redirect(call_sid)
        self.bridged = bool(redirect and "/voice/bridge?" in redirect[0])
        return redirect

    def call_ended(self, call_sid, conversation=None):
        self.standin.call_ended(call_sid, conversation)


def test_a_supervisor_listens_in_coaches_and_leaves(app, site, standin, people, browser, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.5)  # a closed page frees its stream's thread at once
    ARTIFACTS.mkdir(exist_ok=True)
    with app.app_context():
        operators.set_endpoint(people["aigerim"], "client:aigerim")
        operators.set_availability(people["aigerim"], Availability.AVAILABLE)

    page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/supervisor/live?lang=en")
    submit_sign_in(page, "saule")
    page.wait_for_url(f"{site}/supervisor/live?lang=en")
    assert page.inner_text("#calls").strip() == "No conversation is in progress."
    page.fill("#endpoint", SUPERVISOR_PHONE)
    page.click(".endpoint-form button[type=submit]")
    page.wait_for_selector(f'.flash:has-text("{SUPERVISOR_PHONE}")')
    page.evaluate("window.stillTheSamePage = true")

    # A caller rings and waits; aigerim takes them: bridged over REST, her phone answers.
    twilio = HeldInConference(standin)
    transport = HttpTransport(PUBLIC_BASE_URL, site)
    simulator = CallSimulator(transport, PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID, twilio=twilio, wait_rounds=400,
                              round_seconds=0.25, talk_rounds=1)
    outcome: dict = {}
    caller = threading.Thread(target=lambda: outcome.update(result=simulator.call(ScriptedCaller(RUSSIAN_CHILD))),
                              daemon=True)
    caller.start()

    def waiting_entry():
        with app.app_context():
            line = queue.waiting()
            found = line[0].id if line else None
            db.session.remove()
            return found

    entry_id = wait_for(waiting_entry, "the caller to wait in line")
    with app.app_context():
        voice.bridge(queue.pick(people["aigerim"], entry_id).id)
    wait_for(lambda: entry_state(app, entry_id) is EntryState.CONNECTED, "aigerim to answer")
    conference = f"qorgau-{entry_id}"
    wait_for(lambda: twilio.bridged and len(standin.hearing(conference)) == 2, "the caller in the conference")
    operator_sid = next(p["call_sid"] for p in standin.participants if p["to"] == "client:aigerim")
    caller_sid = standin.conference(conference)["caller"]

    # The conversation appears without a reload; its talk time counts up.
    row = f'#calls tr[data-entry="{entry_id}"]'
    page.wait_for_selector(row)
    assert page.evaluate("window.stillTheSamePage") is True
    cells = [cell.inner_text().strip() for cell in page.query_selector_all(f"{row} td")]
    assert cells[:4] == ["aigerim", "Russian", "Child or teenager", "Child"]
    page.wait_for_function(f"() => document.querySelector('{row} .ticker').textContent.match(/^0:0[1-9]$/)")

    # Listen: her phone rings in, muted.
    page.click(f'{row} button[value="listen"]')
    page.wait_for_selector('.flash:has-text("You are listening in, muted")')
    assert page.get_attribute(row, "data-mode") == "listen"
    assert page.inner_text(f"{row} .mode") == "Listening"
    leg = wait_for(lambda: next((p for p in standin.participants if p["to"] == SUPERVISOR_PHONE and p["answered"]),
                                None), "her phone to answer")
    hearing = standin.hearing(conference)
    assert hearing[leg["call_sid"]] == {"hears": sorted([caller_sid, operator_sid]), "heard_by": []}

    # Coach: only the operator hears her.
    page.click(f'{row} button[value="coach"]')
    page.wait_for_selector('.flash:has-text("You are coaching")')
    assert page.get_attribute(row, "data-mode") == "coach"
    hearing = standin.hearing(conference)
    assert hearing[leg["call_sid"]]["heard_by"] == [operator_sid]
    assert leg["call_sid"] not in hearing[caller_sid]["hears"]
    page.screenshot(path=str(ARTIFACTS / "live-calls-coaching.png"), full_page=True)

    # Leave: she is out; caller and operator talk on.
    page.click(f"{row} button.leave")
    page.wait_for_selector('.flash:has-text("You left the conversation.")')
    assert page.get_attribute(row, "data-mode") == ""
    assert sorted(standin.hearing(conference)) == sorted([caller_sid, operator_sid])

    # The caller says goodbye: the conversation leaves the page by itself.
    page.evaluate("window.stillTheSamePage = true")
    twilio.hang_up.set()
    caller.join(60)
    transport.session.close()
    assert not caller.is_alive() and outcome["result"].conferences == [conference]
    page.wait_for_selector(row, state="detached")
    assert page.evaluate("window.stillTheSamePage") is True
    assert errors == []
    page.close()

    assert spec_problems(standin) == [] and value_problems(standin) == []
    with app.app_context():
        trail = [(e.action, e.actor_id, e.target_id, e.details.get("mode"))
                 for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("call.%"))
                                             .order_by(AuditEvent.id))]
    saule, target = people["saule"], str(entry_id)
    assert trail == [("call.listen", saule, target, "listen"), ("call.coach", saule, target, "coach"),
                     ("call.leave", saule, target, None)]
