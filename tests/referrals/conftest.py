"""Fixtures of the follow-up tests: cases operators took from the line, with referrals due on given days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.cases import services as cases
from app.cases.models import Referral
from app.clock import helpline_today
from app.db import db, utcnow
from app.models import import_all
from tests.console.records import case_of

import_all()  # every model registered before base_config drops the tables


def refer(operator_id: int, due_in: int, agency: str = "police", note: str = "", *, case_id: int | None = None,
          made_days_ago: float = 0) -> int:
    """A referral on a case of the operator (a new one unless ``case_id``), due ``due_in`` days from the helpline's today.

    It is made on the case form with a date to come, then time passes: its due date and the moment it was made
    are moved back, as they would be days later. Inside an app context; returns the referral's id.
    """
    case_id = case_id or case_of(operator_id).case_id
    rows = [{"id": r.id, "agency": r.agency.value, "note": r.note, "due_date": r.due_date}
            for r in cases.get_case(case_id).referrals]
    saved = cases.save_case(case_id, operator_id, {"referrals": [
        *rows, {"agency": agency, "note": note, "due_date": helpline_today() + timedelta(days=400)}]})
    referral = saved.referrals[-1]
    db.session.execute(update(Referral).where(Referral.id == referral.id).values(
        due_date=helpline_today() + timedelta(days=due_in), created_at=utcnow() - timedelta(days=made_days_ago)))
    db.session.commit()
    return referral.id


@pytest.fixture
def referral(app) -> Callable[..., int]:
    """``refer`` in an app context of its own."""

    def make(*args, **kwargs) -> int:
        with app.app_context():
            return refer(*args, **kwargs)

    return make


