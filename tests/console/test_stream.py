"""The live stream: server-sent events carrying the queue and the operator's state whenever they change."""

from __future__ import annotations

import threading
import time

import pytest
from lxml import html

from app.core.vocab import Priority
from app.operators import services as operators
from app.web import sse

HASH = "b" * 64


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Poll often and end soon, so a test does not wait for real-time intervals."""
    monkeypatch.setattr(sse, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 10.0)


class Events:
    """Reads server-sent events from a streaming response: (event name, data) pairs, comments aside."""

    def __init__(self, response):
        self.chunks = iter(response.response)
        self.buffer = ""
        self.preamble: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> tuple[str, str]:
        while True:
            while "\n\n" not in self.buffer:
                chunk = next(self.chunks)  # StopIteration: the stream ended
                self.buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            block, self.buffer = self.buffer.split("\n\n", 1)
            name, data = "message", []
            for line in block.split("\n"):
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)
                elif field in ("retry", ""):
                    self.preamble.append(line)
            if data:
                return name, "\n".join(data)

    def until(self, name: str, test=lambda data: True, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        for event, data in self:
            if event == name and test(data):
                return data
            assert time.monotonic() < deadline, f"no {name} event as expected"
        raise AssertionError(f"the stream ended before a {name} event as expected")


def in_background(function) -> None:
    """Run ``function`` in its own thread (its own app context and session), as another request would."""
    thread = threading.Thread(target=function)
    thread.start()
    thread.join(timeout=10)


def test_the_stream_sends_a_newly_enqueued_caller(app, operator, caller):
    with operator.get("/console/stream", buffered=False) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store"
        events = Events(response)
        first = events.until("queue")
        assert "data-entry" not in first and "Nobody is waiting." in first
        assert events.preamble[0] == f"retry: {sse.RETRY_MS}"
        entries = []
        in_background(lambda: entries.append(caller(Priority.URGENT, "kk", caller_hash=HASH)))
        data = events.until("queue", lambda data: "data-entry" in data)
        row = html.fromstring(data).xpath(f'//tr[@data-entry="{entries[0]}"]')[0]
        cells = [" ".join(cell.text_content().split()) for cell in row.xpath("td")]
        assert cells[1:4] == ["Urgent", "Kazakh", "Violence"] and cells[5] == "First contact"
        assert row.xpath('.//button[@name="entry_id"]/@value') == [str(entries[0])]
        assert HASH not in data


def test_the_stream_sends_the_operators_own_state_when_it_changes(app, operator, people):
    from app.operators.models import Availability

    with operator.get("/console/stream", buffered=False) as response:
        events = Events(response)
        assert 'data-availability="away"' in events.until("status")

        def change():
            with app.app_context():
                operators.set_availability(people["aigerim"], Availability.AVAILABLE)

        in_background(change)
        status = events.until("status", lambda data: 'data-availability="available"' in data)
        assert "Available" in status
        buttons = events.until("availability", lambda data: 'aria-pressed="true"' in data)
        pressed = html.fromstring(f"<div>{buttons}</div>").xpath('//button[@aria-pressed="true"]/@value')
        assert pressed == ["available"]


def test_nothing_is_sent_again_while_nothing_changes(app, operator, caller, monkeypatch):
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.5)
    caller()
    with operator.get("/console/stream", buffered=False) as response:
        names = [name for name, _ in Events(response)]  # until the stream ends by itself
    assert sorted(names) == ["availability", "queue", "status"]


def test_watchers_get_the_queue_without_buttons_or_availability(app, signed_in, caller):
    entry = caller()
    with signed_in("saule").get("/console/stream", buffered=False) as response:
        events = Events(response)
        data = events.until("queue", lambda data: "data-entry" in data)
        assert f'data-entry="{entry}"' in data and "entry_id" not in data


def test_a_quiet_stream_sends_keepalives(app, operator, monkeypatch):
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.1)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.6)
    with operator.get("/console/stream", buffered=False) as response:
        text = b"".join(response.response).decode()
    assert text.count(": keepalive\n\n") >= 2


@pytest.mark.parametrize("change", ["deactivated", "new password", "signed out in another tab", "idle"])
def test_an_open_stream_ends_when_the_operators_access_does(app, operator, people, caller, change):
    from app.auth import services as people_services
    from tests.auth.helpers import csrf_token
    from tests.auth.test_sessions import age_sessions

    tab = app.test_client()  # another tab of the same browser: the same cookie
    tab.set_cookie("session", operator.get_cookie("session").value)
    with operator.get("/console/stream", buffered=False) as response:
        events = Events(response)
        events.until("queue")

        def revoke():
            with app.app_context():
                if change == "deactivated":
                    people_services.set_active(people["aigerim"], False)
                elif change == "new password":
                    people_services.reset_password(people["aigerim"])
            if change == "signed out in another tab":
                assert tab.post("/logout", data={"csrf_token": csrf_token(tab, "/console/")}).status_code == 302
            elif change == "idle":
                age_sessions(app, people["aigerim"], app.config["SESSION_IDLE_MINUTES"] + 1)

        in_background(revoke)
        in_background(caller)  # a change the queue would show, were the stream still open
        rest = [name for name, _ in events]  # what the first poll had left to send, then the stream ends
    assert "queue" not in rest
    assert operator.get("/console/stream").status_code == 401  # the browser's reconnection is refused


def test_events_split_multiline_fragments_into_data_lines():
    assert sse.event("queue", "<p>\n  one\n</p>") == "event: queue\ndata: <p>\ndata:   one\ndata: </p>\n\n"
    assert sse.event("queue", "") == "event: queue\ndata: \n\n"


def test_the_last_event_id_is_ascii_digits_up_to_the_largest_id_else_the_pages_own_else_none():
    from app.core.parsing import LARGEST_INTEGER

    assert sse.last_event_id("12", "3") == 12 and sse.last_event_id(None, "3") == 3
    assert sse.last_event_id("²", "5") == 5  # a digit to isdigit(), not to int(): was a 500
    assert sse.last_event_id("١٢", None) == 0 and sse.last_event_id("-1", "x") == 0
    assert sse.last_event_id("9" * 5000, None) == sse.last_event_id("99999999999", None) == LARGEST_INTEGER


def test_consoles_share_one_reading_of_the_line_each_in_its_own_language(app, caller, monkeypatch):
    from app.console import live
    from app.i18n import translate

    reads = []
    read_line = live.queue_rows
    monkeypatch.setattr(live, "queue_rows", lambda *args: reads.append(1) or read_line(*args))
    line = live.SharedLine()
    first = caller()

    def shown(language: str, may_pick: bool, fresh_seconds: float = 60.0) -> tuple[str, str]:
        with app.test_request_context("/console/stream", headers={"Accept-Language": language}):
            return line.html(may_pick, fresh_seconds), translate("console_queue_count", count=1)

    (kk, kk_count), (ru, ru_count) = shown("kk", may_pick=True), shown("ru", may_pick=False)
    assert kk_count in kk and ru_count in ru and kk_count != ru_count
    assert f'value="{first}"' in kk and "entry_id" not in ru  # a watcher's copy has no Take buttons
    second = caller()
    assert shown("ru", may_pick=False)[0] == ru  # read a moment ago: the same reading, not read again
    assert len(reads) == 1
    assert f'data-entry="{second}"' in shown("ru", may_pick=False, fresh_seconds=0)[0]
    assert len(reads) == 2


def test_a_console_never_waits_for_another_reading_the_line(app, caller, monkeypatch):
    """A waiting stream would hold a database connection the reader may need (a deadlock once the pool is taken)."""
    from app.console import live

    line, first = live.SharedLine(), caller()

    def shown(fresh_seconds: float) -> str:
        with app.test_request_context("/console/stream"):
            return line.html(True, fresh_seconds)

    line._reading_now.acquire()  # another stream is reading the line now
    try:
        assert f'value="{first}"' in shown(0)  # no reading yet: it reads too, without waiting
        second = caller()
        assert f'value="{second}"' not in shown(0)  # the last reading, not a wait for the next
    finally:
        line._reading_now.release()
    assert f'value="{second}"' in shown(0)

