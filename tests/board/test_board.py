"""The supervisors' board with real rows: who may see it, what it shows, and what its stream sends."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from lxml import html

from app import create_app
from app.auth.models import Role
from app.config import ConfigError
from app.core.vocab import Priority
from app.db import db
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.web import display, sse
from tests.auth.helpers import audit_events, create_user, log_in, set_active
from tests.console.helpers import page
from tests.console.test_stream import Events, in_background

from .helpers import add_entry

BOARD = "/supervisor/board"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Streams poll often and end soon, so a test does not wait for real-time intervals."""
    monkeypatch.setattr(sse, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 10.0)


def text(node) -> str:
    return " ".join(node.text_content().split())


def figure(doc, name: str):
    return doc.xpath(f'//*[@data-figure="{name}"]')[0]


# --- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BOARD])
def test_strangers_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote(path, safe='')}"


def test_strangers_get_no_stream_and_no_redirect(client):
    assert client.get(f"{BOARD}/stream").status_code == 401


@pytest.mark.parametrize("name", ["aigerim", "arman"])
def test_operators_and_admins_may_not_see_the_board(signed_in, name):
    client = signed_in(name)
    assert client.get(BOARD).status_code == 403
    assert client.get(f"{BOARD}/stream").status_code == 403


def test_a_supervisor_lands_on_the_board_and_finds_it_first_in_the_menu(app, people):
    client = app.test_client()
    response = log_in(client, "saule")
    assert response.status_code == 302
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"] == BOARD
    doc = page(client.get(BOARD))
    assert doc.xpath('//nav[@class="menu"]/a/@href')[0] == BOARD
    assert doc.xpath('//nav[@class="menu"]/a[@aria-current="page"]/@href') == [BOARD]
    assert doc.xpath("//body/@data-stream") == [f"{BOARD}/stream"]


# --- what it shows -------------------------------------------------------------------------------


def test_waiting_callers_by_priority_and_language_and_the_longest_wait(app, supervisor, caller):
    longest = caller(Priority.URGENT, "kk", ago=150)
    caller(Priority.CHILD, "ru", ago=40)
    caller(Priority.STANDARD, "ru", ago=10)
    caller(Priority.STANDARD, None, ago=5)
    asked = caller(Priority.CHILD, "kk", ago=400)  # hung up asking for a call-back: in line, not on the phone
    with app.app_context():
        queue.entry(asked).state = EntryState.CALLBACK
        db.session.commit()
        since = display.epoch_ms(queue.entry(longest).enqueued_at)
    doc = page(supervisor.get(BOARD))
    assert figure(doc, "waiting").xpath('.//*[@data-count]/@data-count') == ["4"]
    counts = {row.get("data-priority"): text(row.xpath("td")[0]) for row in doc.xpath('//tr[@data-priority]')}
    assert counts == {"urgent": "1", "child": "1", "standard": "2"}
    by_language = [(text(row.xpath("th")[0]), text(row.xpath("td")[0])) for row in doc.xpath('//tr[@data-language]')]
    assert by_language == [("Kazakh", "1"), ("Russian", "2"), ("Not chosen", "1")]
    wait = figure(doc, "longest-wait")
    assert wait.xpath('.//time[contains(@class, "ticker")]/@data-since') == [str(since)]
    assert "band-alert" in wait.get("class")  # 150 s: past BOARD_WAIT_ALERT_SECONDS (120)
    assert text(wait.xpath('.//*[@data-band]')[0]) == "‼ Alert"  # a word and a shape, not only a colour
    assert text(doc.xpath('//*[@data-callbacks]')[0]) == "Call-backs still to make: 1"


def test_an_empty_line_says_nobody_waits(supervisor):
    doc = page(supervisor.get(BOARD))
    assert figure(doc, "waiting").xpath('.//*[@data-count]/@data-count') == ["0"]
    wait = figure(doc, "longest-wait")
    assert not wait.xpath(".//time") and "Nobody is waiting." in text(wait) and "band-ok" in wait.get("class")
    assert not doc.xpath('//*[@data-language="unknown"]') and not doc.xpath("//*[@data-callbacks]")


def test_opening_the_board_is_audited_and_its_stream_is_not(app, supervisor, people):
    supervisor.get(BOARD)
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        next(response.response)  # the stream has begun
    opened = audit_events(app, "board.open")
    assert [(event.actor_id, event.remote_addr) for event in opened] == [(people["saule"], "127.0.0.1")]


@pytest.mark.parametrize(("ago", "band", "word"), [(5, "ok", "✓ Normal"), (45, "warn", "▲ Warning")])
def test_the_longest_wait_changes_colour_and_word_at_the_thresholds(supervisor, caller, ago, band, word):
    caller(ago=ago)
    wait = figure(page(supervisor.get(BOARD)), "longest-wait")
    assert f"band-{band}" in wait.get("class") and text(wait.xpath('.//*[@data-band]')[0]) == word


def test_operators_by_state_with_the_time_in_it(app, supervisor, people):
    with app.app_context():
        operators.set_availability(people["aigerim"], Availability.AVAILABLE)
        operators.set_availability(people["daniyar"], Availability.BUSY)
        since = display.epoch_ms(operators.status(people["daniyar"]).since)
    create_user(app, "marat", "operator")  # never set a state: away
    create_user(app, "gone", "operator")
    set_active(app, "gone", False)  # deactivated operators are not on the board
    doc = page(supervisor.get(BOARD))
    states = {state.get("data-state"): state.xpath(".//li/@data-operator") for state in doc.xpath('//*[@data-state]')
              if state.get("data-state") in set(Availability)}
    assert states == {"available": ["aigerim"], "busy": ["daniyar"], "wrap_up": [], "away": ["marat"]}
    assert doc.xpath('//li[@data-operator="daniyar"]/time/@data-since') == [str(since)]
    assert not doc.xpath('//li[@data-operator="marat"]/time')
    assert doc.xpath('//*[@data-state="wrap_up"]//*[@data-count]/@data-count') == ["0"]
    assert "Nobody" in text(doc.xpath('//*[@data-state="wrap_up"]')[0])


def test_todays_service_level_abandonment_and_handling_time(app, supervisor, people):
    operator = people["aigerim"]
    with app.app_context():
        add_entry(EntryState.DONE, entered=1000, picked=990, ended=690, operator_id=operator)  # 10 s; talked 300 s
        add_entry(EntryState.DONE, entered=900, picked=860, ended=760, operator_id=operator)  # 40 s; talked 100 s
        add_entry(EntryState.ABANDONED, entered=800, ended=740)  # gave up after 60 s
        add_entry(EntryState.ABANDONED, entered=700, ended=695)  # gave up in 5 s: not counted in the service level
        add_entry(EntryState.CONNECTED, entered=300, picked=295, operator_id=operator)  # talking now, picked in 5 s
        add_entry(EntryState.ASSIGNED, entered=100, picked=90, operator_id=operator)  # being connected, in 10 s
        add_entry(EntryState.DONE, entered=2 * 86400, picked=2 * 86400 - 5, ended=2 * 86400 - 600)  # two days ago
    doc = page(supervisor.get(BOARD))
    level = figure(doc, "service-level")
    assert text(level.xpath('.//*[@class="label"]')[0]) == "Answered within 20 s"
    assert text(level.xpath('.//*[@class="value"]')[0]) == "60%"  # 3 of 5: 10 s, 5 s, 10 s in time; 40 s, 60 s not
    assert "3 of 5 callers" in text(level) and "band-warn" in level.get("class")  # below 80, not below 60
    abandoned = figure(doc, "abandoned")
    assert text(abandoned.xpath('.//*[@class="value"]')[0]) == "33.3%"  # 2 of the 6 who entered today
    assert "2 of 6 who entered the queue" in text(abandoned) and "band-alert" in abandoned.get("class")
    handling = figure(doc, "handling")
    assert text(handling.xpath('.//*[@class="value"]')[0]) == "3:20"  # (300 + 100) / 2 s
    assert "2 conversations ended" in text(handling)
    talking = figure(doc, "talking")
    assert talking.xpath('.//*[@data-count]/@data-count') == ["1"] and "1 being connected" in text(talking)


def test_a_quiet_day_shows_dashes_not_zeros(supervisor):
    doc = page(supervisor.get(BOARD))
    for name in ("service-level", "abandoned", "handling"):
        assert text(figure(doc, name).xpath('.//*[contains(@class, "value")]')[0]) == "—"
    assert "No calls yet today" in text(figure(doc, "service-level"))


def test_the_threshold_and_bands_follow_the_settings(make_app, people):
    app = make_app(SERVICE_LEVEL_SECONDS=60, BOARD_SERVICE_LEVEL_WARN=50, BOARD_SERVICE_LEVEL_ALERT=10,
                   BOARD_ABANDON_WARN=50, BOARD_ABANDON_ALERT=90)
    create_user(app, "vera", "supervisor")
    with app.app_context():
        add_entry(EntryState.DONE, entered=600, picked=560, ended=500)  # 40 s: in time within 60 s
        add_entry(EntryState.ABANDONED, entered=400, ended=300)
    client = app.test_client()
    log_in(client, "vera")
    doc = page(client.get(f"{BOARD}?lang=en"))
    level = figure(doc, "service-level")
    assert text(level.xpath('.//*[@class="label"]')[0]) == "Answered within 60 s"
    assert text(level.xpath('.//*[@class="value"]')[0]) == "50%" and "band-ok" in level.get("class")
    assert "band-warn" in figure(doc, "abandoned").get("class")


def test_contradictory_thresholds_stop_the_app_at_start_up(base_config):
    with pytest.raises(ConfigError, match="BOARD_WAIT_ALERT_SECONDS and BOARD_WAIT_WARN_SECONDS"):
        create_app({**base_config, "BOARD_WAIT_WARN_SECONDS": 300, "BOARD_WAIT_ALERT_SECONDS": 60})


def test_the_board_links_the_live_calls_page(supervisor):
    assert page(supervisor.get(BOARD)).xpath('//a[contains(@class, "listen")]/@href') == ["/supervisor/live"]


@pytest.mark.parametrize(("lang", "title"), [("kk", "Тікелей тақта"), ("ru", "Онлайн-табло"), ("en", "Live board")])
def test_the_board_speaks_kazakh_russian_and_english(supervisor, caller, lang, title):
    caller(ago=200)
    doc = page(supervisor.get(f"{BOARD}?lang={lang}"))
    assert text(doc.xpath("//h1")[0]) == title
    assert "board_" not in text(doc.xpath("//main")[0])  # every key has its text


# --- the stream ----------------------------------------------------------------------------------


def test_the_stream_sends_a_caller_entering_the_line(app, supervisor, caller):
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store"
        events = Events(response)
        first = html.fromstring(events.until("line"))
        assert first.xpath('//*[@data-figure="waiting"]//*[@data-count]/@data-count') == ["0"]
        entries = []
        in_background(lambda: entries.append(caller(Priority.CHILD, "kk", ago=3)))
        data = events.until("line", lambda data: 'data-count="1"' in data)
        fragment = html.fromstring(data)
        with app.app_context():
            since = display.epoch_ms(queue.entry(entries[0]).enqueued_at)
        assert fragment.xpath('//*[@data-figure="longest-wait"]//time/@data-since') == [str(since)]
        assert fragment.xpath('//tr[@data-priority="child"]/td/text()') == ["1"]


def test_the_stream_sends_operators_and_todays_figures_when_they_change(app, supervisor, people):
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        events = Events(response)
        assert 'data-operator="aigerim"' in events.until("operators")

        def change():
            with app.app_context():
                operators.set_availability(people["aigerim"], Availability.AVAILABLE)

        in_background(change)
        states = html.fromstring(events.until("operators", lambda data: "Nobody" not in data.split("busy")[0]))
        assert states.xpath('//*[@data-state="available"]//li/@data-operator') == ["aigerim"]

        def hang_up():
            with app.app_context():
                add_entry(EntryState.ABANDONED, entered=50, ended=20)

        in_background(hang_up)
        today = html.fromstring(events.until("today", lambda data: "band-alert" in data))
        assert today.xpath('//*[@data-figure="abandoned"]//*[@class="value"]')[0].text_content() == "100%"


def test_nothing_is_sent_again_while_nothing_changes(app, supervisor, caller, monkeypatch):
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.5)
    caller(ago=2)
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        names = [name for name, _ in Events(response)]  # until the stream ends by itself
    assert sorted(names) == ["channels", "line", "operators", "referrals", "today"]


def test_the_role_is_checked_per_request_not_once(app, people, supervisor):
    """A supervisor made an operator loses the board at the next request (and the stream at its next connect)."""
    with app.app_context():
        from app.auth.models import User

        db.session.get(User, people["saule"]).role = Role.OPERATOR
        db.session.commit()
    assert supervisor.get(BOARD).status_code == 403
    assert supervisor.get(f"{BOARD}/stream").status_code == 403


def test_an_open_stream_ends_when_the_supervisor_is_made_an_operator(app, people, supervisor, caller):
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        events = Events(response)
        events.until("line")

        def demote():
            with app.app_context():
                from app.auth.models import User

                db.session.get(User, people["saule"]).role = Role.OPERATOR
                db.session.commit()

        in_background(demote)
        in_background(caller)  # a change the board would show, were the stream still open
        rest = [name for name, _ in events]  # what the first poll had left to send, then the stream ends
    assert "line" not in rest

