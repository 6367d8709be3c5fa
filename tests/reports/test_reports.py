"""Reports from real rows; charts as accessible inline SVG; CSV exports, audited and injection-safe.

Contacts per local day and hour, by category, language, service and agency; the service level by the board's rule.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lxml import html
from sqlalchemy import select, update

from app.cases.models import Case
from app.core.board import QueueCall, service_level
from app.db import db
from app.queue.models import EntryState, QueueEntry
from tests.auth.helpers import audit_events, log_in

from .conftest import add_contact, add_queue_passage

ALMATY = ZoneInfo("Asia/Almaty")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in the helpline's time zone (the default TIMEZONE), as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY).astimezone(UTC)


def today() -> date:
    return datetime.now(ALMATY).date()


def report(page, name: str) -> dict[str, list[str]]:
    """A report's table: first cell (date, hour or code) -> the other cells."""
    section = page.xpath(f'//section[@data-report="{name}"]')[0]
    table = {}
    for row in section.xpath(".//tbody/tr"):
        key = row.get("data-key") or row.get("data-code")
        table[key] = [cell.text_content() for cell in row.xpath("./td")]
    return table


def read(client, **params):
    response = client.get("/supervisor/reports", query_string=params)
    assert response.status_code == 200
    return html.fromstring(response.data)


def test_contacts_are_counted_on_local_days_and_hours_by_category_language_service_and_agency(app, people,
                                                                                              supervisor):
    three_days_ago, yesterday = today() - timedelta(days=3), today() - timedelta(days=1)
    add_contact(app, people, local(three_days_ago, 10, 15), language="kk", category="child_rights",
                services=["psychological_support", "information"],
                referrals=[{"id": None, "agency": "education", "note": "Class teacher", "due_date": today()}])
    add_contact(app, people, local(three_days_ago, 23, 30), language="ru", category="family",
                services=["consultation"])  # 18:30 UTC: still the same local day
    add_contact(app, people, local(yesterday, 0, 30), language="kk", category="child_rights")  # 19:30 UTC the day before
    add_contact(app, people, local(today() - timedelta(days=40), 12), category="family")  # before the default period

    page = read(supervisor)

    per_day = report(page, "per_day")
    assert len(per_day) == 30 and min(per_day) == (today() - timedelta(days=29)).isoformat()
    assert per_day[three_days_ago.isoformat()] == [three_days_ago.isoformat(), "2"]
    assert per_day[yesterday.isoformat()][1] == "1"
    assert sum(int(cells[1]) for cells in per_day.values()) == 3
    per_hour = report(page, "per_hour")
    assert {hour: cells[1] for hour, cells in per_hour.items() if cells[1] != "0"} == {"10": "1", "23": "1", "00": "1"}
    assert report(page, "category")["child_rights"][1] == "2" and report(page, "category")["family"][1] == "1"
    assert report(page, "category")["child_rights"][0] == "Children's rights"
    assert report(page, "language")["kk"][1:] == ["2"] and report(page, "language")["ru"][1:] == ["1"]
    services = report(page, "service")
    assert {code: cells[1] for code, cells in services.items()} == {
        "information": "1", "consultation": "1", "psychological_support": "1", "inter_agency_referral": "0"}
    assert report(page, "agency")["education"][1] == "1" and report(page, "agency")["police"][1] == "0"
    assert page.xpath('string(//p[@class="summary"]/@data-total)') == "3"

    # A longer period takes the older contact in.
    older = read(supervisor, **{"from": (today() - timedelta(days=45)).isoformat(), "to": today().isoformat()})
    assert report(older, "category")["family"][1] == "2"


def test_the_service_level_per_day_follows_the_boards_rule(app, people, supervisor):
    day = today() - timedelta(days=2)
    start = local(day, 12)
    passages = [  # seconds to the pick (None: never picked), state, seconds to leaving the line
        (5, EntryState.DONE, 300), (20, EntryState.DONE, 200), (45, EntryState.DONE, 400),
        (None, EntryState.ABANDONED, 10), (None, EntryState.ABANDONED, 60), (None, EntryState.LEFT, 90),
    ]
    for n, (pick, state, leave) in enumerate(passages):
        enqueued = start + timedelta(minutes=n)
        add_queue_passage(app, enqueued_at=enqueued, state=state,
                          picked_at=None if pick is None else enqueued + timedelta(seconds=pick),
                          ended_at=enqueued + timedelta(seconds=leave))

    level = report(read(supervisor), "service_level")

    # In time: 5 s and 20 s (the threshold itself counts). Known: the three answered, the 60 s abandon and the
    # message left after 90 s; the 10 s abandon could not have been answered in time and is left out.
    assert level[day.isoformat()] == [day.isoformat(), "2", "5", "40.0"]
    assert level[today().isoformat()][1:] == ["0", "0", "—"]
    with app.app_context():  # the board's own rule, on the same rows, agrees
        rows = db.session.execute(select(QueueEntry.enqueued_at, QueueEntry.picked_at, QueueEntry.ended_at,
                                         QueueEntry.state)).all()
        calls = [QueueCall(e, p, x, s is EntryState.ABANDONED) for e, p, x, s in rows]
        share = service_level(calls, timedelta(seconds=app.config["SERVICE_LEVEL_SECONDS"]), datetime.now(UTC))
        assert (share.count, share.total) == (2, 5)


def test_a_shorter_threshold_setting_changes_the_service_level(make_app, people):
    app = make_app(SERVICE_LEVEL_SECONDS=10)
    client = app.test_client()
    assert log_in(client, "saule").status_code == 302
    day = today() - timedelta(days=1)
    for pick in (5, 15):
        enqueued = local(day, 9, pick)
        add_queue_passage(app, enqueued_at=enqueued, state=EntryState.DONE,
                          picked_at=enqueued + timedelta(seconds=pick), ended_at=enqueued + timedelta(minutes=5))
    page = read(client)
    assert report(page, "service_level")[day.isoformat()][1:] == ["1", "2", "50.0"]
    assert "10" in page.xpath('string(//section[@data-report="service_level"]//p[@class="help"])')


def test_each_report_exports_as_csv_audited_and_safe_for_spreadsheets(app, people, supervisor):
    case_id = add_contact(app, people, local(today(), 0, 5), category="child_rights")
    with app.app_context():  # a code no longer in the taxonomy (say, imported) that a spreadsheet would run
        db.session.execute(update(Case).where(Case.id == case_id).values(category="=HYPERLINK(1)"))
        db.session.commit()
    page = read(supervisor)
    links = page.xpath('//a[@class="csv"]/@href')
    assert len(links) == 11

    for link in links:
        response = supervisor.get(link)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert len(rows) > 1
    category = supervisor.get(f"/supervisor/reports?format=csv&report=category&to={today().isoformat()}")
    rows = list(csv.reader(io.StringIO(category.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["code", "category", "contacts"]
    assert ["'=HYPERLINK(1)", "'=HYPERLINK(1)", "1"] in rows
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    events = audit_events(app, "report.export")
    assert len(events) == 12 and events[-1].target_id == "category" and events[-1].actor_label == "saule"
    assert events[-1].details == {"since": (today() - timedelta(days=29)).isoformat(), "until": today().isoformat()}
    assert supervisor.get("/supervisor/reports?format=csv&report=nope").status_code == 404


def test_charts_are_inline_accessible_svg_with_a_table_alternative(app, people, supervisor):
    add_contact(app, people, local(today(), 1), category="family")
    response = supervisor.get("/supervisor/reports")
    page = html.fromstring(response.data)
    sections = page.xpath("//section[@data-report]")
    assert len(sections) == 11
    for section in sections:
        [svg] = section.xpath(".//svg")
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert section.xpath(f'.//*[@id="{labelled[0]}"]')[0].tag == "title"
        assert section.xpath(".//table/tbody/tr")
    assert not page.xpath("//script") and b"https://" not in response.data  # no chart library, no CDN
    per_hour = page.xpath('//section[@data-report="per_hour"]//svg//rect')
    assert len(per_hour) == 24 and sum(float(bar.get("height")) > 0 for bar in per_hour) == 1


def test_the_period_is_checked_and_only_supervisors_see_reports(app, people, supervisor):
    page = read(supervisor, **{"from": "2026-03-10", "to": "2026-03-01"})  # reversed: swapped
    assert min(report(page, "per_day")) == "2026-03-01" and max(report(page, "per_day")) == "2026-03-10"
    assert page.xpath('//p[@role="status"]')
    response = supervisor.get("/supervisor/reports", query_string={"to": "soon"})
    assert response.status_code == 400  # said so, over the default period
    page = html.fromstring(response.data)
    assert page.xpath('//p[@role="alert"]') and max(report(page, "per_day")) == today().isoformat()
    assert len(report(read(supervisor, **{"from": "2020-01-01", "to": "2026-01-01"}), "per_day")) == 366
    assert app.test_client().get("/supervisor/reports").status_code == 302
    for name in ("aigerim", "arman"):
        client = app.test_client()
        assert log_in(client, name).status_code == 302
        assert client.get("/supervisor/reports").status_code == 403
        assert client.get("/supervisor/reports?format=csv&report=per_day").status_code == 403
    assert audit_events(app, "report.export") == []
