"""Case form drafts: one per case and operator, the form's own fields only, dropped once the case is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cases import services as cases
from app.db import utcnow
from app.drafts import services as drafts
from app.drafts.models import CaseDraft
from tests.console.records import case_of


@pytest.fixture
def case_id(db_session, people) -> int:
    return case_of(people["aigerim"]).case_id


def test_a_draft_keeps_the_case_forms_fields_and_nothing_else(db_session, people, case_id):
    drafts.save(case_id, people["aigerim"], {
        "notes": ["Bullied at school"], "services": ["psychological_support", "information"],
        "referrals-0-agency": ["police"], "csrf_token": ["secret"], "close": ["Save and close"], "admin": ["1"],
        "referrals-x-agency": ["odd"]})
    draft = drafts.newer_than(case_id, people["aigerim"], utcnow() - timedelta(minutes=1))
    assert draft.fields == {"notes": ["Bullied at school"], "services": ["psychological_support", "information"],
                            "referrals-0-agency": ["police"]}


def test_a_new_draft_replaces_the_last(db_session, people, case_id):
    drafts.save(case_id, people["aigerim"], {"notes": ["first"]})
    drafts.save(case_id, people["aigerim"], {"notes": ["second"]})
    assert db_session.scalar(select(func.count()).select_from(CaseDraft)) == 1
    assert drafts.newer_than(case_id, people["aigerim"], utcnow() - timedelta(minutes=1)).fields == {"notes": ["second"]}


def test_only_the_cases_operator_keeps_a_draft(db_session, people, case_id):
    with pytest.raises(drafts.NotYours):
        drafts.save(case_id, people["daniyar"], {"notes": ["not mine"]})
    with pytest.raises(cases.CaseNotFound):
        drafts.save(case_id + 1000, people["aigerim"], {"notes": ["no case"]})
    assert db_session.scalar(select(func.count()).select_from(CaseDraft)) == 0


def test_a_draft_older_than_the_cases_last_save_is_not_offered(db_session, people, case_id):
    kept = drafts.save(case_id, people["aigerim"], {"notes": ["draft"]})
    assert drafts.newer_than(case_id, people["aigerim"], kept.saved_at - timedelta(seconds=1)) is not None
    assert drafts.newer_than(case_id, people["aigerim"], kept.saved_at + timedelta(seconds=1)) is None
    assert drafts.newer_than(case_id, people["daniyar"], kept.saved_at - timedelta(seconds=1)) is None


def test_a_saved_case_discards_its_draft(db_session, people, case_id):
    drafts.save(case_id, people["aigerim"], {"notes": ["draft"]})
    drafts.discard(case_id, people["aigerim"])
    assert db_session.scalar(select(func.count()).select_from(CaseDraft)) == 0
