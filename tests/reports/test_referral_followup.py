"""The referral follow-up report: the period's referrals by agency, answered or not, overdue, how fast; CSV too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import update

from app.cases.models import Referral
from app.clock import helpline_today
from app.db import db, utcnow
from app.referrals import services as referrals
from tests.auth.helpers import audit_events

from .conftest import add_contact
from .test_reports import local, read, report, today

DUE_LATER = {"id": None, "note": "", "due_date": today() + timedelta(days=30)}


def referred(app, people, days_ago: int, *agencies: str) -> list[int]:
    """A contact ``days_ago`` local days back with referrals to ``agencies``, made when the case was opened."""
    opened = local(today() - timedelta(days=days_ago), 11)
    case_id = add_contact(app, people, opened, referrals=[{**DUE_LATER, "agency": agency} for agency in agencies])
    with app.app_context():
        ids = [r.id for r in db.session.query(Referral).filter_by(case_id=case_id).order_by(Referral.id)]
        db.session.execute(update(Referral).where(Referral.case_id == case_id).values(created_at=opened))
        db.session.commit()
    return ids


def answer(app, people, referral_id: int, days_after_made: float, outcome: str = "acted") -> None:
    with app.app_context():
        made = db.session.get(Referral, referral_id).created_at
        referrals.record_feedback(referral_id, people["aigerim"], outcome=outcome, feedback="Ответ ведомства",
                                  received_at=min(made + timedelta(days=days_after_made), utcnow()))


def overdue(app, referral_id: int, days: int) -> None:
    with app.app_context():
        db.session.execute(update(Referral).where(Referral.id == referral_id)
                           .values(due_date=helpline_today() - timedelta(days=days)))
        db.session.commit()


def test_referrals_by_agency_with_answers_lateness_and_median_days(app, people, supervisor):
    police = referred(app, people, 20, "police", "police", "police", "police") + referred(app, people, 10, "police")
    health = referred(app, people, 5, "health", "health")
    old = referred(app, people, 60, "police")  # outside the default 30 days
    answer(app, people, police[0], 1)
    answer(app, people, police[1], 4, outcome="declined")  # an answer, if not the hoped-for one
    answer(app, people, police[2], 10)
    answer(app, people, police[3], 12, outcome="no_answer")  # gave up waiting: not an answer
    overdue(app, police[4], 3)
    overdue(app, health[0], 1)
    answer(app, people, old[0], 1)

    page = read(supervisor)
    table = report(page, "referral_followup")
    assert table["police"] == ["Police", "5", "3", "1", "0", "1", "4.0"]  # median of 1, 4 and 10 days
    assert table["health"] == ["Health care", "2", "0", "0", "1", "1", "—"]
    assert table["ngo"] == ["NGO", "0", "0", "0", "0", "0", "—"]
    section = page.xpath('//section[@data-report="referral_followup"]')[0]
    assert [cell.text_content() for cell in section.xpath(".//thead//th")] == [
        "Agency", "Referrals", "Answered", "No answer", "Awaited", "Overdue", "Median days to feedback"]
    bars = section.xpath(".//svg//rect/title/text()")
    assert "Police: 4.0" in bars and "Health care: —" in bars
    assert report(page, "agency")["police"][1] == "5"  # the same referrals as the agency report counts

    earlier = report(read(supervisor, **{"from": (today() - timedelta(days=61)).isoformat()}), "referral_followup")
    assert earlier["police"][:3] == ["Police", "6", "4"]


def test_the_follow_up_report_exports_as_csv_and_the_export_is_audited(app, people, supervisor):
    [made] = referred(app, people, 3, "guardianship")
    answer(app, people, made, 2)
    response = supervisor.get("/supervisor/reports", query_string={"format": "csv", "report": "referral_followup"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["code", "agency", "referrals", "answered", "no_answer", "awaiting", "overdue", "median_days"]
    assert ["guardianship", "Guardianship authority", "1", "1", "0", "0", "0", "2.0"] in rows
    assert audit_events(app, "report.export")[-1].target_id == "referral_followup"
