"""The audit viewer: supervisors and admins read who did what, to what, when and from where; filter; export CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.audit.models import AuditEvent
from app.core.spreadsheet import safe_cell
from app.db import db
from tests.auth.helpers import audit_events
from tests.console.helpers import page

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def log(app, people):
    """A known log: events at known moments (on top of the fixture's user.create events, at test time)."""
    events = [
        (NOON - timedelta(days=2), "saule", "recording.play", "recording", "7", "198.51.100.4", {"seconds": 12}),
        (NOON - timedelta(days=1), "saule", "transcript.read", "transcript", "3", "198.51.100.4", {}),
        (NOON - timedelta(hours=1), "aigerim", "case.open", "case", "12", "203.0.113.9", {"queue_entry": 5}),
        (NOON, "saule", "recording.download", "recording", "8", "198.51.100.4", {}),
        (NOON + timedelta(minutes=30), "arman", "user.deactivate", "user", "4", "192.0.2.1", {"username": "daniyar"}),
        (NOON + timedelta(hours=2), "twilio", "recordings.sweep", None, None, None, {}),
    ]
    with app.app_context():
        for at, actor, action, target_type, target_id, address, details in events:
            db.session.add(AuditEvent(at=at, actor_label=actor, action=action, target_type=target_type,
                                      target_id=target_id, remote_addr=address, details=details))
        db.session.commit()
    return events


def shown(client, **query) -> list[tuple]:
    response = client.get("/supervisor/audit/", query_string=query)
    assert response.status_code == 200, response.data
    return [(row.xpath("td[@class='actor']/text()")[0], row.xpath("td[@class='action']/code/text()")[0])
            for row in page(response).xpath("//table[@class='events']//tr[@data-event]")]


def local(moment: datetime, app) -> str:
    return moment.astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")


def test_newest_first_with_who_what_when_from_where_and_details(app, supervisor, log):
    doc = page(supervisor.get("/supervisor/audit/", query_string={"action": "user.deactivate"}))
    [row] = doc.xpath("//tr[@data-event]")
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells == [local(NOON + timedelta(minutes=30), app).replace("T", " "), "arman", "user.deactivate",
                     "user:4", "192.0.2.1", "username: daniyar"]
    everything = shown(supervisor)
    assert everything[0] == ("saule", "auth.login")  # the supervisor's own sign-in, just now
    known = [item for item in everything if item[1] != "auth.login" and item[1] != "user.create"]
    assert known == [(actor, action) for _, actor, action, *_ in reversed(log)]


@pytest.mark.parametrize(("query", "expected"), [
    ({"action": "recording.*"}, ["recording.download", "recording.play"]),
    ({"action": "recording"}, ["recording.download", "recording.play"]),  # a family, not "recordings.…"
    ({"action": "case.open"}, ["case.open"]),
    ({"actor": "SAULE", "action": "re*"}, ["recording.download", "recording.play"]),
    ({"target": "recording:7"}, ["recording.play"]),
    ({"target": "transcript"}, ["transcript.read"]),
    ({"action": "recording_"}, []),  # LIKE's wildcards are plain characters here
])
def test_filters_by_actor_action_and_target(supervisor, log, query, expected):
    assert [action for _, action in shown(supervisor, **query)] == expected


def test_filters_by_a_time_range_in_the_helplines_time_zone(app, supervisor, log):
    since, until = local(NOON - timedelta(hours=1), app), local(NOON + timedelta(minutes=30), app)
    assert [action for _, action in shown(supervisor, since=since, until=until)] == [
        "user.deactivate", "recording.download", "case.open"]  # both ends included, to the minute
    day = local(NOON - timedelta(days=2), app)[:10]  # a date alone is the whole day
    assert [action for _, action in shown(supervisor, since=day, until=day)] == ["recording.play"]


def test_a_date_that_is_not_one_is_said_so(supervisor, log):
    response = supervisor.get("/supervisor/audit/", query_string={"since": "yesterday"})
    assert response.status_code == 400
    assert "“From”: write a date (YYYY-MM-DD) or a date and time" in response.get_data(as_text=True)
    assert supervisor.get("/supervisor/audit/export.csv", query_string={"until": "2026-13-45"}).status_code == 400


def test_pages_of_fifty_keep_the_filters(app, supervisor, people):
    with app.app_context():
        db.session.add_all(AuditEvent(at=NOON + timedelta(seconds=n), actor_label="cli", action="bulk.step",
                                      details={"n": n}) for n in range(120))
        db.session.commit()
    doc = page(supervisor.get("/supervisor/audit/", query_string={"action": "bulk.*"}))
    assert doc.xpath("//span[@id='total']/text()") == ["Events: 120"]
    first = doc.xpath("//tr[@data-event]/td[@class='details']")
    assert len(first) == 50 and first[0].text_content().strip() == "n: 119"
    third = page(supervisor.get("/supervisor/audit/", query_string={"action": "bulk.*", "page": 3}))
    assert [td.text_content().strip() for td in third.xpath("//tr[@data-event]/td[@class='details']")] == [
        f"n: {n}" for n in range(19, -1, -1)]
    assert "action=bulk" in third.xpath("//a[@rel='prev']/@href")[0] and not third.xpath("//a[@rel='next']")


def exported(client, **query) -> tuple[list[list[str]], object]:
    response = client.get("/supervisor/audit/export.csv", query_string=query)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]))), response


def test_csv_export_of_the_filtered_log_is_itself_audited(app, supervisor, people, log):
    rows, response = exported(supervisor, action="recording.*", actor="saule")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert rows[0] == ["at_utc", "actor", "action", "target_type", "target_id", "from", "details"]
    assert rows[1:] == [["2026-03-10T12:00:00+00:00", "saule", "recording.download", "recording", "8", "198.51.100.4",
                         ""],
                        ["2026-03-08T12:00:00+00:00", "saule", "recording.play", "recording", "7", "198.51.100.4",
                         '{"seconds": 12}']]
    [event] = audit_events(app, "audit.export")
    assert (event.actor_id, event.actor_label, event.target_type) == (people["saule"], "saule", "audit_log")
    assert event.details == {"rows": 2, "filters": {"action": "recording.*", "actor": "saule"}}
    assert event.remote_addr == "127.0.0.1"


def test_csv_cells_never_become_formulas(app, supervisor, people):
    with app.app_context():
        db.session.add(AuditEvent(actor_label="=HYPERLINK(\"http://evil.example\")", action="auth.login_failed",
                                  target_type="user", details={"note": "x"}))
        db.session.add(AuditEvent(actor_label="@SUM(A1)", action="auth.login_failed", target_id="-2+3"))
        db.session.commit()
    rows, _ = exported(supervisor, action="auth.login_failed")
    assert [row[1] for row in rows[1:]] == ["'@SUM(A1)", "'=HYPERLINK(\"http://evil.example\")"]
    assert rows[1][4] == "'-2+3"


@pytest.mark.parametrize(("value", "cell"), [("=1+1", "'=1+1"), ("+7 701", "'+7 701"), ("-3", "'-3"),
                                             ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("ok=1", "ok=1"),
                                             ("", ""), (None, ""), (12, "12")])
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_admins_read_the_log_too_and_operators_do_not(signed_in, log):
    assert signed_in("arman").get("/supervisor/audit/").status_code == 200
    operator = signed_in("aigerim")
    assert operator.get("/supervisor/audit/").status_code == 403
    assert operator.get("/supervisor/audit/export.csv").status_code == 403


def test_supervisors_find_the_log_in_their_menu(supervisor):
    doc = page(supervisor.get("/console/"))
    assert doc.xpath('//nav//a[@href="/supervisor/audit/"]/text()') == ["Audit log"]
