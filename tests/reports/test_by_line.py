"""Reports by channel, region and place: contacts in the line, answered, abandoned, median wait; filters; CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import html
from sqlalchemy import update

from app.core.reports import LineRow, Passage, line_rows
from app.db import db
from app.queue.models import EntryState, QueueEntry
from tests.auth.helpers import audit_events
from tests.replay.chats import chat_case, place

from .conftest import add_queue_passage
from .test_reports import report, today

ALMATY = ZoneInfo("Asia/Almaty")


def moment(hours_ago: float = 0) -> datetime:
    """Today at 09:00 in the helpline's time zone, less ``hours_ago`` (never before today's midnight)."""
    return datetime.combine(today(), time(9), tzinfo=ALMATY).astimezone(UTC) - timedelta(hours=hours_ago)


def passage(entry_id: int, *, waited: float | None, state: EntryState) -> None:
    """The entry entered the line this morning and was taken ``waited`` seconds later (None: never taken)."""
    start = moment()
    db.session.execute(update(QueueEntry).where(QueueEntry.id == entry_id).values(
        enqueued_at=start, state=state, picked_at=None if waited is None else start + timedelta(seconds=waited)))
    db.session.commit()


@pytest.fixture
def contacts(app, people):
    """Three calls (answered in 10 s and 30 s, one abandoned); four chats from two places and none."""
    add_queue_passage(app, enqueued_at=moment(), picked_at=moment() + timedelta(seconds=10), state=EntryState.DONE)
    add_queue_passage(app, enqueued_at=moment(), picked_at=moment() + timedelta(seconds=30), state=EntryState.DONE)
    add_queue_passage(app, enqueued_at=moment(), state=EntryState.ABANDONED)
    with app.app_context():
        place("sch-1", "School No. 1", "Almaty")
        place("col-2", "College No. 2", "Karaganda")
        made = {}
        for name, code, waited, state in (("a", "sch-1", 60, EntryState.DONE), ("b", "sch-1", 120, EntryState.DONE),
                                          ("c", "col-2", None, EntryState.ABANDONED), ("d", None, 5, EntryState.DONE)):
            record = chat_case(None, ["?"], place_code=code)
            passage(record.entry_id, waited=waited, state=state)
            made[name] = record
    return made


def test_the_line_rows_count_and_take_the_median_of_the_answered_waits():
    passages = [Passage("web", True, False, 60), Passage("web", True, False, 120), Passage("web", False, True, None),
                Passage("phone", True, False, 10), Passage(None, False, False, None)]
    assert line_rows(passages, ["phone", "web"]) == [
        LineRow("phone", 1, 1, 0, 10), LineRow("web", 3, 2, 1, 90), LineRow(None, 1, 0, 0, None)]
    assert line_rows([], ["phone", "web"]) == [LineRow("phone", 0, 0, 0, None), LineRow("web", 0, 0, 0, None)]


def test_contacts_by_channel_region_and_place(app, people, supervisor, contacts):
    page = html.fromstring(supervisor.get("/supervisor/reports").data)
    assert report(page, "channel") == {"phone": ["Phone", "3", "2", "1", "20.0"],
                                       "web": ["Web chat", "4", "3", "1", "60.0"]}
    assert report(page, "region") == {"Almaty": ["Almaty", "2", "2", "0", "90.0"],
                                      "": ["Not given", "4", "3", "1", "10.0"],
                                      "Karaganda": ["Karaganda", "1", "0", "1", "—"]}
    assert report(page, "place") == {"sch-1": ["School No. 1 (Almaty)", "2", "2", "0", "90.0"],
                                     "": ["Not given", "4", "3", "1", "10.0"],
                                     "col-2": ["College No. 2 (Karaganda)", "1", "0", "1", "—"]}


def test_filters_narrow_every_report_and_the_export_says_which(app, people, supervisor, contacts):
    page = html.fromstring(supervisor.get("/supervisor/reports", query_string={"channel": "web"}).data)
    assert report(page, "channel")["phone"][1:] == ["0", "0", "0", "—"]
    assert report(page, "channel")["web"][1] == "4"
    page = html.fromstring(supervisor.get("/supervisor/reports", query_string={"place": "sch-1"}).data)
    assert list(report(page, "place")) == ["sch-1"] and report(page, "channel")["web"][1] == "2"
    assert page.xpath('//select[@name="place"]/option[@selected]/@value') == ["sch-1"]
    page = html.fromstring(supervisor.get("/supervisor/reports", query_string={"region": "Karaganda"}).data)
    assert list(report(page, "region")) == ["Karaganda"]

    [link] = page.xpath('//section[@data-report="region"]//a[@class="csv"]/@href')
    response = supervisor.get(link)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["code", "region", "contacts", "answered", "abandoned", "median_wait_seconds"],
                    ["Karaganda", "Karaganda", "1", "0", "1", ""]]
    [event] = audit_events(app, "report.export")
    assert event.target_id == "region" and event.details["region"] == "Karaganda"


def test_the_cases_of_a_chat_count_under_its_place(app, people, supervisor):
    with app.app_context():
        place("sch-9", "School No. 9", "Almaty")
        chat_case(people["aigerim"], ["?"], place_code="sch-9", case={"category": "family"})
        chat_case(people["aigerim"], ["?"], case={"category": "child_rights"})
    page = html.fromstring(supervisor.get("/supervisor/reports", query_string={"place": "sch-9"}).data)
    assert report(page, "category")["family"][1] == "1" and report(page, "category")["child_rights"][1] == "0"
    assert page.xpath('string(//p[@class="summary"]/@data-total)') == "1"


@pytest.mark.parametrize("wrong", [{"channel": "fax"}, {"region": "Atlantis"}, {"place": "no-such"},
                                   {"place": "x" * 5000}, {"channel": "web\x00"}])
def test_a_filter_given_wrong_is_a_400_that_says_so(app, people, supervisor, wrong):
    response = supervisor.get("/supervisor/reports", query_string=wrong)
    assert response.status_code == 400
    assert html.fromstring(response.data).xpath('//p[@role="alert"]')
