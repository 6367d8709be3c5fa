"""A case form's unsaved draft: the form's fields as the operator left them, one per case and operator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, utcnow


class CaseDraft(db.Model):
    """The case form as typed, saved every few seconds while the operator writes; deleted when the case is saved.

    ``fields`` maps a form field's name to its values (lists: a field such as ``services`` has several). It
    holds case notes, so it is shown only to its operator, never logged.
    """

    __tablename__ = "case_drafts"
    __table_args__ = (UniqueConstraint("case_id", "operator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))  # indexed by the unique pair
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CaseDraft case {self.case_id} by {self.operator_id}>"
