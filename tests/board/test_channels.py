"""The board by channel: calls and chats waiting, talking, answered and abandoned today; the chats waiting longest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import html
from sqlalchemy import update

from app.chat import services as chat
from app.core.vocab import Priority
from app.db import db, utcnow
from app.queue.models import EntryState, QueueEntry
from app.web import display, sse
from tests.console.helpers import page
from tests.console.test_stream import Events, in_background
from tests.replay.chats import chat_case, place

from .helpers import add_entry

BOARD = "/supervisor/board"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(sse, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 10.0)


def text(node) -> str:
    return " ".join(node.text_content().split())


def row(doc, channel: str) -> dict[str, str]:
    """A channel's column of the table: figure -> as shown."""
    return {tr.get("data-figure").removeprefix("channel-"): text(tr.xpath(f'td[@data-channel="{channel}"]')[0])
            for tr in doc.xpath('//table[@class="by-channel"]//tr[@data-figure]')}


def entered_ago(entry_id: int, seconds: float) -> None:
    db.session.execute(update(QueueEntry).where(QueueEntry.id == entry_id)
                       .values(enqueued_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def test_calls_and_chats_have_their_own_figures_by_the_boards_rules(app, supervisor, people):
    with app.app_context():
        add_entry(EntryState.WAITING, entered=30)
        add_entry(EntryState.DONE, entered=900, picked=880, ended=600, operator_id=people["aigerim"])
        add_entry(EntryState.ABANDONED, entered=800, ended=740)
        add_entry(EntryState.DONE, entered=2 * 86400, picked=2 * 86400 - 5, ended=2 * 86400 - 600)  # not today
        place("sch-3", "School No. 3", "Almaty")
        place("col-1", "Polytechnic College", "Karaganda")
        first = chat_case(None, ["?"], place_code="sch-3", priority=Priority.URGENT)
        second = chat_case(None, ["hello"], place_code="col-1")
        chat_case(None, ["anyone?"])  # untagged
        chat_case(people["aigerim"], ["hi"], ["Hello, I am here"])  # talking now
        left = chat_case(None, ["bye"])
        chat.close(left.conversation_id)  # the child left before an answer
        entered_ago(first.entry_id, 200)
        entered_ago(second.entry_id, 100)
        since = display.epoch_ms(utcnow() - timedelta(seconds=200))

    doc = page(supervisor.get(BOARD))

    assert row(doc, "phone") == {"waiting": "1", "longest-wait": row(doc, "phone")["longest-wait"], "talking": "0",
                                 "entered": "3", "answered": "1", "abandoned": "1 (33.3%)"}
    web = row(doc, "web")
    assert (web["waiting"], web["talking"], web["entered"], web["answered"], web["abandoned"]) == (
        "3", "1", "5", "1", "1 (20%)")
    [wait] = doc.xpath('//tr[@data-figure="channel-longest-wait"]/td[@data-channel="web"]')
    assert abs(int(wait.xpath(".//time/@data-since")[0]) - since) < 2000 and "band-alert" in wait.get("class")
    longest = [text(li.xpath('.//*[@class="place"]')[0]) for li in doc.xpath('//ol[@class="longest-chats"]/li')]
    assert longest == ["School No. 3, Almaty", "Polytechnic College, Karaganda", "Place not known"]  # the first three
    assert doc.xpath('//ol[@class="longest-chats"]/li[1]/@data-entry') == [str(first.entry_id)]


def test_no_chat_waiting_says_so(supervisor):
    doc = page(supervisor.get(BOARD))
    assert row(doc, "web")["waiting"] == "0" and row(doc, "web")["longest-wait"] == "—"
    assert text(doc.xpath('//section[@id="channels"]//p[@class="nobody"]')[0]) == "No chat is waiting."


def test_the_stream_sends_a_chat_entering_the_line(app, supervisor):
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        events = Events(response)
        first = html.fromstring(events.until("channels"))
        assert first.xpath('//tr[@data-figure="channel-waiting"]/td[@data-channel="web"]/text()') == ["0"]

        def start() -> None:
            with app.app_context():
                chat_case(None, ["привет"])

        in_background(start)
        data = events.until("channels", lambda data: "longest-chats" in data)
        assert html.fromstring(data).xpath('//tr[@data-figure="channel-waiting"]/td[@data-channel="web"]/text()') == ["1"]
