"""Case form drafts: kept while the operator types, offered back when the form opens, dropped once saved.

A draft is the form's fields as the browser sends them (name → values), limited to the case form's own
fields, so nothing else rides along into the database. Only the operator of the case keeps one.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select

from app.cases import services as cases
from app.db import db, utcnow

from .models import CaseDraft

# The case form's fields (app.cases.forms.CaseForm): its own, and each referral row's.
FIELDS = re.compile(r"(category|sub_category|contact_type|services|risk_level|outcome|language|notes"
                    r"|referrals-\d{1,3}-(id|agency|note|due_date))", re.ASCII)


class NotYours(PermissionError):
    """Only the case's operator keeps a draft of it."""


def _owned(case_id: int, operator_id: int) -> None:
    if cases.get_case(case_id).operator_id != operator_id:  # CaseNotFound if there is no such case
        raise NotYours(f"case {case_id} is not operator {operator_id}'s")


def save(case_id: int, operator_id: int, fields: dict[str, list[str]]) -> CaseDraft:
    """Keep the operator's draft of the case (replacing the last one); fields not on the case form are left out."""
    _owned(case_id, operator_id)
    kept = {name: [str(value) for value in values] for name, values in fields.items() if FIELDS.fullmatch(name)}
    draft = db.session.scalar(select(CaseDraft).where(CaseDraft.case_id == case_id,
                                                      CaseDraft.operator_id == operator_id))
    if draft is None:
        draft = CaseDraft(case_id=case_id, operator_id=operator_id)
        db.session.add(draft)
    draft.fields, draft.saved_at = kept, utcnow()
    db.session.commit()
    return draft


def newer_than(case_id: int, operator_id: int, since: datetime) -> CaseDraft | None:
    """The operator's draft of the case if it was kept after ``since`` (the case's last save), else None."""
    draft = db.session.scalar(select(CaseDraft).where(CaseDraft.case_id == case_id,
                                                      CaseDraft.operator_id == operator_id))
    return draft if draft is not None and draft.saved_at > since else None


def discard(case_id: int, operator_id: int) -> None:
    """The case was saved: its draft is history."""
    db.session.execute(delete(CaseDraft).where(CaseDraft.case_id == case_id, CaseDraft.operator_id == operator_id))
    db.session.commit()
